"""fastoptim.plot (loss_curves, training_curves, activation_histograms, layer_values,
initial_network, lr_schedule, trajectories, record_path) and examples/gallery.py.

The drawing tests skip when matplotlib is not installed; record_path, layer_values,
initial_network, the gallery's numbers and the "matplotlib missing" messages are tested
either way."""
import importlib.util
import os
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import scipy.sparse as sp

from fastoptim import MLPClassifier, MLPRegressor, SoftmaxRegression
from fastoptim.exceptions import NotFittedError
from fastoptim.neural_network._init import initial_layers
from fastoptim.optim import SGD, Adagrad, Adam, RMSProp
from fastoptim.optim.schedules import (Constant, CosineDecay, ExponentialDecay,
                                       InverseSqrtDecay, InverseTimeDecay, LinearDecay,
                                       MomentumSchedule, ReduceOnPlateau, StepDecay, Warmup)
from fastoptim.plot import (NetworkWeights, activation_histograms, initial_network,
                            layer_values, loss_curves, lr_schedule, record_path,
                            training_curves, trajectories)

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "examples" / "gallery.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def plt():
    """pyplot on the Agg backend (skips without matplotlib); closes the figures after."""
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def load_gallery():
    spec = importlib.util.spec_from_file_location("fastoptim_gallery", GALLERY)
    gallery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gallery)
    return gallery


def png_size(data):
    """(width, height) in pixels from a PNG's IHDR chunk."""
    assert data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def bowl(p):
    """f(p) = p0^2 / 2 + 5 p1^2 and its gradient; p of shape (2,) or (2, ...) grids."""
    p = np.asarray(p, dtype=np.float64)
    return 0.5 * p[0] ** 2 + 5.0 * p[1] ** 2, np.stack([p[0], 10.0 * p[1]])


# -- loss_curves ---------------------------------------------------------------------------------

def test_loss_curves_lines(plt):
    curves = {"sgd": [1.0, 0.5, 0.25], "adam": np.array([1.0, 0.3, 0.1, 0.05]),
              "gd": ([1, 2, 4, 8], [0.9, 0.7, 0.5, 0.4]), "exact": [0.02]}
    ax = loss_curves(curves, title="t")
    assert len(ax.lines) == 4
    assert [line.get_label() for line in ax.lines] == ["sgd", "adam", "gd", "exact"]
    assert ax.get_yscale() == "log" and ax.get_title() == "t"
    assert np.array_equal(ax.lines[1].get_xdata(), [1, 2, 3, 4])  # epochs from 1
    assert np.array_equal(ax.lines[2].get_xdata(), [1, 2, 4, 8])  # sampled epochs
    assert ax.lines[2].get_marker() == "o"
    assert np.array_equal(ax.lines[3].get_ydata(), [0.02, 0.02])  # a level across the plot
    assert ax.lines[3].get_linestyle() == "--"
    assert np.array_equal(ax.lines[3].get_xdata(), [1, 8])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(curves)


def test_loss_curves_given_axes_and_scales(plt):
    fig, ax = plt.subplots()
    assert loss_curves({"a": [1.0, 0.5]}, ax=ax, logy=False) is ax
    assert ax.get_yscale() == "linear"
    _, ax2 = plt.subplots()
    loss_curves({"a": [1.0, 0.0, -0.5]}, ax=ax2)  # non-positive losses: no log axis
    assert ax2.get_yscale() == "linear"


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
def test_loss_curves_from_estimators(plt):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 4))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    models = {name: SoftmaxRegression(solver=name, max_iter=4, n_iter_no_change=4,
                                      random_state=0).fit(X, y) for name in ("sgd", "adam")}
    ax = loss_curves(models)
    assert len(ax.lines) == 2
    for line, model in zip(ax.lines, models.values()):
        assert np.array_equal(line.get_ydata(), model.loss_curve_)
    # one curve per one-vs-rest problem
    ax = loss_curves({"ovr": [[1.0, 0.5, 0.2], [0.9, 0.4]]})
    assert [line.get_label() for line in ax.lines] == ["ovr[0]", "ovr[1]"]


def test_loss_curves_errors(plt):
    with pytest.raises(TypeError, match="dict"):
        loss_curves([[1.0, 0.5]])
    with pytest.raises(ValueError, match="without loss_curve_"):
        loss_curves({"lbfgs": SoftmaxRegression()})
    with pytest.raises(ValueError, match="different lengths"):
        loss_curves({"a": ([1, 2, 3], [1.0, 0.5])})
    with pytest.raises(TypeError, match="sequence of losses"):
        loss_curves({"a": "loss"})


# -- training_curves -------------------------------------------------------------------------------

def test_training_curves_lines(plt):
    runs = {"plain": {"train": [2.0, 1.0, 0.5, 0.4], "validation": np.array([2.1, 1.3, 0.9, 1.0]),
                      "note": "test acc 91.0%"},
            "batch norm": {"train": (1.5, 0.3, 0.1, 0.05), "validation": None},
            "short": {"train": [0.7]}}
    ax = training_curves(runs, title="t", xlabel="pass")
    assert [line.get_label() for line in ax.lines] == \
        ["plain", "plain (validation)", "batch norm", "short"]
    train, val, bn, short = ax.lines
    assert np.array_equal(train.get_xdata(), [1, 2, 3, 4])  # epochs from 1
    assert np.array_equal(train.get_ydata(), runs["plain"]["train"])
    assert np.array_equal(val.get_xdata(), [1, 2, 3, 4])
    assert np.array_equal(val.get_ydata(), runs["plain"]["validation"])
    assert np.array_equal(bn.get_ydata(), runs["batch norm"]["train"])
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", "-", "-"]
    assert val.get_color() == train.get_color() != bn.get_color() != short.get_color()
    assert short.get_marker() == "o" and train.get_marker() in (None, "None", "")
    assert ax.get_yscale() == "log" and ax.get_title() == "t"
    assert ax.get_xlabel() == "pass" and ax.get_ylabel() == "loss"
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == \
        ["plain: test acc 91.0%", "batch norm", "short", "training", "validation"]
    assert [h.get_color() for h in legend.legend_handles[:3]] == \
        [train.get_color(), bn.get_color(), short.get_color()]
    assert [h.get_linestyle() for h in legend.legend_handles[3:]] == ["-", "--"]


def test_training_curves_log_axis_labels(plt):
    """Plain numbers on the log axis; within two decades the 2s, 3s and 5s too; whole epochs."""
    ax = training_curves({"a": {"train": [2.3, 1.0, 0.5, 0.2, 0.12]}})
    major, minor = ax.yaxis.get_major_formatter(), ax.yaxis.get_minor_formatter()
    assert [major(v) for v in (0.1, 1.0, 10.0)] == ["0.1", "1", "10"]
    assert [minor(v) for v in (0.2, 0.3, 0.4, 0.5, 2.0, 3.0, 7.0)] == \
        ["0.2", "0.3", "", "0.5", "2", "3", ""]
    assert all(float(t).is_integer() for t in ax.xaxis.get_major_locator()()
               if 1 <= t <= 5)
    ax = training_curves({"a": {"train": [100.0, 1.0, 1e-5]}})  # seven decades: powers only
    assert ax.yaxis.get_major_formatter()(1e-5) == "1e-05"
    assert ax.yaxis.get_minor_formatter()(0.2) != "0.2"


def test_training_curves_axes_and_linear_scale(plt):
    _, ax = plt.subplots()
    runs = {"a": {"train": [1.0, 0.0, -0.5], "validation": [0.5, 0.2, -1.0], "note": ""}}
    assert training_curves(runs, ax=ax, logy=False) is ax
    assert ax.get_yscale() == "linear"
    # no validation anywhere: no line-style entries in the legend; an empty note is no note
    ax = training_curves({"a": {"train": [1.0, 0.5], "note": ""}})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a"]


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
def test_training_curves_of_an_mlp(plt):
    from fastoptim import MLPClassifier

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = MLPClassifier((8,), early_stopping=True, max_iter=5, random_state=0).fit(X, y)
    ax = training_curves({"mlp": {"train": clf.loss_curve_,
                                  "validation": clf.validation_loss_curve_}})
    assert np.array_equal(ax.lines[0].get_ydata(), clf.loss_curve_)
    assert np.array_equal(ax.lines[1].get_ydata(), clf.validation_loss_curve_)


@pytest.mark.parametrize("runs, error, match", [
    ([[1.0, 0.5]], TypeError, "runs must be a dict"),
    ({}, ValueError, "runs is empty"),
    ({"a": [1.0, 0.5]}, TypeError, r"runs\['a'\] must be a dict with the key 'train'"),
    ({"a": {"validation": [1.0]}}, ValueError, r"runs\['a'\] has no 'train'"),
    ({"a": {"train": [1.0], "val": [1.0]}}, ValueError, r"unknown keys \['val'\]"),
    ({"a": {"train": "loss"}}, TypeError, r"runs\['a'\]\['train'\] must be a sequence"),
    ({"a": {"train": []}}, ValueError, r"\['train'\] must be a non-empty 1-D"),
    ({"a": {"train": [[1.0, 0.5]]}}, ValueError, r"non-empty 1-D .* shape \(1, 2\)"),
    ({"a": {"train": [1.0, np.nan]}}, ValueError, r"\['train'\] holds nan at epoch 2"),
    ({"a": {"train": [1.0, 0.5], "validation": [1.0, np.inf]}}, ValueError,
     r"\['validation'\] holds inf at epoch 2: every loss must be finite"),
    ({"a": {"train": [1.0, 0.0]}}, ValueError, "at epoch 2, which a logarithmic axis cannot "
                                               "show; pass logy=False"),
    ({"a": {"train": [1.0, 0.5], "validation": [-1.0, 0.5]}}, ValueError,
     r"\['validation'\] holds -1.0 at epoch 1.*logy=False"),
    ({"a": {"train": [1.0, 0.5, 0.2], "validation": [1.0, 0.5]}}, ValueError,
     r"has 2 losses for 3 training epochs; pass one validation loss per epoch"),
    ({"a": {"train": [1.0], "note": 95.3}}, TypeError, r"\['note'\] must be a str"),
])
def test_training_curves_errors(plt, runs, error, match):
    _, ax = plt.subplots()
    with pytest.raises(error, match=match):
        training_curves(runs, ax=ax)
    assert not ax.lines  # nothing half-drawn


# -- layer_values, initial_network ------------------------------------------------------------------

def _fitted(kind, activation, batch_norm, rng):
    X = rng.standard_normal((150, 6))
    if kind == "regressor":
        Y = np.column_stack([X[:, 0] * X[:, 1], np.tanh(X[:, 2])])
        model = MLPRegressor((9, 7, 5), activation, batch_norm=batch_norm, max_iter=30,
                             random_state=0)
        return model.fit(X, Y), X
    n_classes = 2 if kind == "binary" else 3
    y = np.digitize(X[:, 0] + 0.5 * X[:, 1], np.linspace(-1, 1, n_classes + 1)[1:-1])
    model = MLPClassifier((9, 7, 5), activation, batch_norm=batch_norm, max_iter=30,
                          random_state=0)
    return model.fit(X, y), X


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind, activation, batch_norm", [
    ("multiclass", "tanh", False), ("multiclass", "relu", True), ("binary", "logistic", True),
    ("binary", "gelu", False), ("regressor", "leaky_relu", True), ("regressor", "identity",
                                                                    False)])
def test_layer_values_is_the_model_forward_pass(kind, activation, batch_norm):
    rng = np.random.default_rng(3)
    model, X = _fitted(kind, activation, batch_norm, rng)
    if batch_norm:  # the running statistics have moved away from (0, 1)
        assert not np.allclose(model.bn_running_means_[0], 0)
    X_new = rng.standard_normal((40, 6))
    pre, act = layer_values(model, X_new)
    assert len(pre) == len(act) == 4
    assert [a.shape for a in act] == [(40, 9), (40, 7), (40, 5), (40, model.n_outputs_)]
    if kind == "regressor":
        expected = model.predict(X_new)
    else:
        proba = model.predict_proba(X_new)
        expected = proba[:, 1:] if kind == "binary" else proba
    np.testing.assert_allclose(act[-1], expected, rtol=0, atol=1e-12)
    # each layer by hand from the public attributes: z = a W + b (batch norm), a = f(z)
    z = X_new @ model.coefs_[0] + model.intercepts_[0]
    if batch_norm:
        z = model.bn_gammas_[0] * (z - model.bn_running_means_[0]) / np.sqrt(
            model.bn_running_vars_[0] + 1e-5) + model.bn_betas_[0]
    np.testing.assert_allclose(pre[0], z, rtol=0, atol=1e-12)
    # sparse X gives the same numbers
    sparse_act = layer_values(model, sp.csr_matrix(X_new))[1]
    np.testing.assert_allclose(sparse_act[-1], act[-1], rtol=0, atol=1e-12)


def test_layer_values_of_weights():
    net = initial_network((5, 4, 3), "tanh", init="xavier_normal", random_state=0)
    X = np.random.default_rng(0).standard_normal((10, 5))
    pre, act = layer_values(net, X)
    W, b = net.coefs, net.intercepts
    assert np.array_equal(pre[0], X @ W[0] + b[0])
    assert np.array_equal(act[0], np.tanh(pre[0]))
    assert np.array_equal(act[1], pre[1]) and np.array_equal(pre[1], act[0] @ W[1] + b[1])
    # a plain tuple, and a softmax output
    pre3, act3 = layer_values((W, b, "tanh", "softmax"), X)
    assert np.array_equal(pre3[1], pre[1])
    e = np.exp(pre[1] - pre[1].max(axis=1, keepdims=True))
    np.testing.assert_allclose(act3[1], e / e.sum(axis=1, keepdims=True), rtol=1e-14)


@pytest.mark.parametrize("init", ["glorot_uniform", "xavier_normal", "he_normal", "he_uniform",
                                  "lecun_normal"])
def test_initial_network_is_the_mlp_initialisation(init):
    net = initial_network((6, 8, 3), "relu", init=init, random_state=7)
    coefs, intercepts = initial_layers((6, 8, 3), init, "relu", np.random.RandomState(7))
    assert isinstance(net, NetworkWeights) and net.activation == "relu"
    assert net.out_activation == "identity"
    for ours, theirs in zip(net.coefs + net.intercepts, coefs + intercepts):
        assert np.array_equal(ours, theirs)


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
def test_initial_network_is_where_the_estimator_starts():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 6)), rng.standard_normal(40)
    model = MLPRegressor((8,), "relu", init="he_normal", solver="sgd", learning_rate=1e-12,
                         max_iter=1, shuffle=False, random_state=5).fit(X, y)
    net = initial_network((6, 8, 1), "relu", init="he_normal", random_state=5)
    for ours, theirs in zip(net.coefs, model.coefs_):  # one step of lr 1e-12 away
        np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-10)


def test_initial_network_with_a_standard_deviation():
    net = initial_network((400, 300, 300, 2), "tanh", init=0.05, random_state=1)
    for W in net.coefs:  # within 5 standard errors
        assert W.std() == pytest.approx(0.05, rel=5 / np.sqrt(2 * W.size))
        assert abs(W.mean()) < 5 * 0.05 / np.sqrt(W.size)
    assert not any(np.any(b) for b in net.intercepts)
    again = initial_network((400, 300, 300, 2), "tanh", init=0.05, random_state=1)
    assert all(np.array_equal(a, b) for a, b in zip(net.coefs, again.coefs))


@pytest.mark.parametrize("args, kwargs, error, match", [
    (((5,),), {}, ValueError, "sizes must list two or more layer widths"),
    (((5, 0, 2),), {}, ValueError, "sizes must list"),
    (("52",), {}, ValueError, "sizes must list"),
    (((5, 2), "sigmoid"), {}, ValueError, "activation must be one of"),
    (((5, 2), "relu", "kaiming"), {}, ValueError, "init must be one of"),
    (((5, 2), "relu", 0.0), {}, ValueError, "standard deviation > 0"),
    (((5, 2), "relu", np.nan), {}, ValueError, "standard deviation > 0"),
    (((5, 2), "relu", True), {}, ValueError, "standard deviation > 0"),
    (((5, 2),), {"random_state": "seed"}, (TypeError, ValueError), "random_state"),
])
def test_initial_network_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        initial_network(*args, **kwargs)


def test_layer_values_errors():
    net = initial_network((4, 3, 2), random_state=0)
    X = np.ones((5, 4))
    with pytest.raises(ValueError, match="X has 3 features, but the network takes 4"):
        layer_values(net, np.ones((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        layer_values(net, np.full((5, 4), np.nan))
    with pytest.raises(NotFittedError):
        layer_values(MLPClassifier(), X)
    with pytest.raises(TypeError, match="fitted MLPClassifier or MLPRegressor, or a tuple"):
        layer_values(SoftmaxRegression(), X)
    with pytest.raises(TypeError, match="fitted MLPClassifier or MLPRegressor, or a tuple"):
        layer_values(net.coefs, X)
    with pytest.raises(ValueError, match="a tuple of 2"):
        layer_values((net.coefs, net.intercepts), X)
    with pytest.raises(ValueError, match="activation must be one of"):
        layer_values(net._replace(activation="swish"), X)
    with pytest.raises(ValueError, match="out_activation must be one of"):
        layer_values(net._replace(out_activation="tanh"), X)
    with pytest.raises(ValueError, match="as many intercepts as coefs"):
        layer_values(net._replace(intercepts=net.intercepts[:1]), X)
    with pytest.raises(ValueError, match=r"layer 2 of the network has weights of shape \(2, 2\)"):
        layer_values(net._replace(coefs=[net.coefs[0], np.ones((2, 2))]), X)
    with pytest.raises(ValueError, match="layer 1 of the network holds NaN"):
        layer_values(net._replace(coefs=[np.full((4, 3), np.nan), net.coefs[1]]), X)


# -- the initialisation experiment, in numbers --------------------------------------------------

def test_init_experiment_regimes():
    """The gallery's pictures show the lecture's results: measured on the last hidden layer."""
    g = load_gallery()
    stds, saturated = {}, {}
    for activation in ("tanh", "relu"):
        for label, (net, X) in g.init_experiment(activation).items():
            assert net.coefs[0].shape == (256, 256) and len(net.coefs) == 11
            hidden = layer_values(net, X)[1][:-1]
            assert len(hidden) == 10
            case = label.split(":")[0]
            stds[activation, case] = [a.std() for a in hidden]
            saturated[activation, case] = np.mean(np.abs(hidden[-1]) > 0.99)
    first = {key: s[0] for key, s in stds.items()}
    last = {key: s[-1] for key, s in stds.items()}
    # tanh: Xavier keeps the activations spread and unsaturated through 10 layers ...
    assert 0.15 < last["tanh", "Xavier"] < 0.5 and saturated["tanh", "Xavier"] < 0.01
    assert 0.4 < last["tanh", "He"] < 0.8 and saturated["tanh", "He"] < 0.05
    # ... too small weights shrink them 0.01 sqrt(256) = 0.16 times per layer, to nothing ...
    assert last["tanh", "too small"] < 1e-6
    # ... too large ones saturate them: most values at -1 or +1 (tanh' = 0)
    assert saturated["tanh", "too large"] > 0.8 and last["tanh", "too large"] > 0.95
    # ReLU: He keeps the scale, Xavier loses sqrt(2) per layer (2^-4.5 = 0.044 in 9 layers)
    assert 0.5 < last["relu", "He"] / first["relu", "He"] < 2.0
    assert 0.02 < last["relu", "Xavier"] / first["relu", "Xavier"] < 0.1
    assert last["relu", "too small"] < 1e-6
    # too large (std 1): x sqrt(256 / 2) = 11.3 per layer, 1e9 times in 9 layers
    assert last["relu", "too large"] / first["relu", "too large"] > 1e8


# -- activation_histograms ---------------------------------------------------------------------------

def test_activation_histograms_panels(plt):
    net = initial_network((32,) * 5 + (3,), "tanh", init=0.3, random_state=0)
    X = np.random.default_rng(1).standard_normal((100, 32))
    pre, act = layer_values(net, X)
    axes = activation_histograms(net, X, bins=20, title="tanh, std 0.3")
    assert len(axes) == 4 and axes[0].figure._suptitle.get_text() == "tanh, std 0.3"
    lo = min(a.min() for a in act[:-1])
    hi = max(a.max() for a in act[:-1])
    for l, (panel, a) in enumerate(zip(axes, act[:-1]), start=1):
        assert panel.get_title() == (f"layer {l}\nmean {a.mean():.2g}  std {a.std():.2g}"
                                     .replace("e-0", "e-"))
        heights = [patch.get_height() for patch in panel.patches]
        assert len(heights) == 20 and sum(heights) == a.size  # every unit of every sample
        expected, _ = np.histogram(a.ravel(), bins=np.linspace(lo, hi, 21))
        assert np.array_equal(heights, expected)  # one shared range
        assert panel.patches[0].get_x() == pytest.approx(lo)
        assert panel.get_xlabel() == "activation"
    # pre-activations, a subset of layers, own ranges, log counts, given axes
    _, row = plt.subplots(1, 2)
    out = activation_histograms(net, X, values="pre-activations", layers=[2, 4], sharex=False,
                                logy=True, ax=row, title="row")
    assert list(out) == list(row) and row[0].get_ylabel() == "row"
    assert row[1].get_title().startswith("layer 4\n")
    assert row[1].get_xlabel() == "pre-activation" and row[1].get_yscale() == "log"
    assert row[1].patches[0].get_x() == pytest.approx(pre[3].min())
    assert sum(p.get_height() for p in row[1].patches) == pre[3].size


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
def test_activation_histograms_of_a_fitted_model(plt):
    model, X = _fitted("multiclass", "relu", True, np.random.default_rng(0))
    axes = activation_histograms(model, X)
    hidden = layer_values(model, X)[1][:-1]
    assert [ax.get_title().split("\n")[0] for ax in axes] == ["layer 1", "layer 2", "layer 3"]
    assert sum(p.get_height() for p in axes[2].patches) == hidden[2].size


def test_activation_histograms_errors(plt):
    net = initial_network((8, 8, 8, 2), "relu", random_state=0)
    X = np.ones((10, 8))
    _, row = plt.subplots(1, 2)
    for kwargs, error, match in [
            (dict(values="outputs"), ValueError, "values must be 'activations' or "
                                                 "'pre-activations'"),
            (dict(bins=0), ValueError, "bins must be an int >= 1"),
            (dict(bins=2.5), ValueError, "bins must be an int >= 1"),
            (dict(layers=[0]), ValueError, "hidden-layer numbers from 1 to 2"),
            (dict(layers=[3]), ValueError, "hidden-layer numbers from 1 to 2"),
            (dict(layers=[]), ValueError, "hidden-layer numbers from 1 to 2"),
            (dict(layers=[1.5]), TypeError, "layers must be a sequence of hidden-layer"),
            (dict(ax=row[:1]), ValueError, r"one Axes per layer drawn \(2\), got 1"),
            (dict(ax=["a", "b"]), TypeError, "ax must be a sequence of matplotlib Axes")]:
        with pytest.raises(error, match=match):
            activation_histograms(net, X, **kwargs)
    assert not any(ax.patches for ax in row)  # nothing half-drawn
    with pytest.raises(ValueError, match="no hidden layer"):
        activation_histograms(initial_network((8, 2), random_state=0), X)
    huge = initial_network((8,) * 60 + (2,), "identity", init=1e6, random_state=0)
    with pytest.raises(ValueError, match=r"hidden layer \d+'s activations overflowed"):
        activation_histograms(huge, X)


# -- lr_schedule ---------------------------------------------------------------------------------------

SCHEDULES = {"constant": Constant(0.1), "step": StepDecay(0.1, step_size=7, gamma=0.3),
             "exp": ExponentialDecay(0.1, rate=0.05), "1/t": InverseTimeDecay(0.1, rate=0.2),
             "1/sqrt": InverseSqrtDecay(0.1), "cosine": CosineDecay(0.1, total=30),
             "linear": LinearDecay(0.1, total=20, final_lr=0.01),
             "warm cosine": Warmup(CosineDecay(0.1, total=25, final_lr=1e-3), warmup_steps=5)}


def test_lr_schedule_values_are_the_schedules(plt):
    ax = lr_schedule(SCHEDULES, 40, title="t")
    assert [line.get_label() for line in ax.lines] == list(SCHEDULES)
    for line, schedule in zip(ax.lines, SCHEDULES.values()):
        assert np.array_equal(line.get_xdata(), np.arange(1, 41))
        assert np.array_equal(line.get_ydata(), [schedule(t) for t in range(1, 41)])
    warm = ax.lines[-1].get_ydata()
    assert warm[0] == pytest.approx(0.1 / 3) and warm[5] == 0.1  # the ramp, then the cosine
    assert ax.get_ylabel() == "learning rate" and ax.get_xlabel() == "step"
    assert ax.get_title() == "t" and ax.get_yscale() == "linear"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(SCHEDULES)


def test_lr_schedule_forms(plt):
    _, ax = plt.subplots()
    step = StepDecay(1.0, step_size=3, gamma=0.5)
    assert lr_schedule(step, 5, ax=ax, logy=True, xlabel="epoch") is ax
    assert ax.lines[0].get_label() == repr(step) and ax.get_yscale() == "log"
    assert np.array_equal(ax.lines[0].get_ydata(), [1, 1, 1, 0.5, 0.5])
    assert ax.get_xlabel() == "epoch"
    ax = lr_schedule({"sutskever": MomentumSchedule()}, 1000)  # momenta
    assert ax.get_ylabel() == "momentum" and ax.lines[0].get_ydata()[-1] == 0.9
    ax = lr_schedule({"mine": lambda t: 0.5 ** t}, 3)  # any callable t -> value
    assert np.array_equal(ax.lines[0].get_ydata(), [0.5, 0.25, 0.125])


@pytest.mark.parametrize("schedules, n_steps, kwargs, error, match", [
    ({"a": Constant(0.1)}, 0, {}, ValueError, "n_steps must be an int >= 1"),
    ({"a": Constant(0.1)}, 2.0, {}, ValueError, "n_steps must be an int >= 1"),
    ({}, 10, {}, ValueError, "schedules is empty"),
    ({"a": 0.1}, 10, {}, TypeError, r"schedules\['a'\] must be a schedule"),
    ({"p": ReduceOnPlateau(0.1)}, 10, {}, ValueError, "ReduceOnPlateau, whose rate depends on "
                                                       "the validation losses"),
    ({"p": Warmup(ReduceOnPlateau(0.1), 3)}, 10, {}, ValueError, "is \\(or wraps\\) a "
                                                                  "ReduceOnPlateau"),
    ({"m": MomentumSchedule(), "c": Constant(0.1)}, 10, {}, ValueError, "mixes MomentumSchedule"),
    ({"s": lambda t: "0.1"}, 10, {}, TypeError, r"returned '0.1' at step 1, not a number"),
    ({"s": lambda t: np.nan if t == 4 else 0.1}, 10, {}, ValueError,
     "returned nan at step 4; a rate must be finite"),
    ({"c": CosineDecay(0.1, total=5)}, 10, {"logy": True}, ValueError,
     "gives 0.0 at step 6, which a logarithmic axis cannot show"),
])
def test_lr_schedule_errors(plt, schedules, n_steps, kwargs, error, match):
    _, ax = plt.subplots()
    with pytest.raises(error, match=match):
        lr_schedule(schedules, n_steps, ax=ax, **kwargs)
    assert not ax.lines


# -- trajectories ----------------------------------------------------------------------------------

def test_trajectories_lines(plt):
    paths = {"gd": record_path(bowl, [-2.0, 1.0], SGD(lr=0.15), 20),
             "momentum": record_path(bowl, [-2.0, 1.0], SGD(lr=0.05, momentum=0.9), 20),
             "adam": record_path(bowl, [2.0, -1.0], Adam(lr=0.1), 20)}
    ax = trajectories(lambda p: bowl(p)[0], paths, xlim=(-3, 3), ylim=(-2, 2), title="bowl")
    assert len(ax.lines) == 3
    assert [line.get_label() for line in ax.lines] == ["gd", "momentum", "adam"]
    for line, path in zip(ax.lines, paths.values()):
        assert np.array_equal(line.get_xdata(), path[:, 0])
        assert np.array_equal(line.get_ydata(), path[:, 1])
    assert ax.get_xlim() == (-3, 3) and ax.get_ylim() == (-2, 2) and ax.get_title() == "bowl"
    assert len(ax.collections) >= 2  # the contours and the start markers


def test_trajectories_fun_forms(plt):
    """A broadcasting fun is called once; a point-only fun point by point; (value, grad) too."""
    calls = []

    def scalar_only(p):
        calls.append(1)
        if np.ndim(p) != 1:
            raise ValueError("points only")
        return float(p[0] ** 2 + p[1] ** 2)

    path = np.array([[1.0, 1.0], [0.5, 0.5]])
    trajectories(scalar_only, {"p": path}, xlim=(-1, 1), ylim=(-1, 1), resolution=12)
    assert len(calls) == 1 + 12 * 12
    calls.clear()
    ax = trajectories(bowl, {"p": path}, xlim=(-1, 1), ylim=(-1, 1), levels=5, resolution=12)
    assert len(ax.lines) == 1


def test_trajectories_errors(plt):
    with pytest.raises(ValueError, match=r"shape \(steps, 2\)"):
        trajectories(bowl, {"p": np.zeros((4, 3))}, xlim=(-1, 1), ylim=(-1, 1))
    with pytest.raises(TypeError, match="dict"):
        trajectories(bowl, [np.zeros((4, 2))], xlim=(-1, 1), ylim=(-1, 1))


# -- record_path (no matplotlib needed) ------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: SGD(lr=0.1), lambda: SGD(lr=0.05, momentum=0.9),
                                  lambda: SGD(lr=0.05, momentum=0.9, nesterov=True),
                                  lambda: Adagrad(lr=0.3), lambda: RMSProp(lr=0.01),
                                  lambda: Adam(lr=0.1)])
def test_record_path_is_optimizer_step(make):
    x0 = np.array([-2.0, 1.5])
    path = record_path(bowl, x0, make(), 25)
    assert path.shape == (26, 2)
    opt, x = make(), x0.copy()
    expected = [x.copy()]
    for _ in range(25):  # the same steps by hand
        opt.step(x, bowl(x)[1])
        expected.append(x.copy())
    assert np.array_equal(path, np.array(expected))
    assert np.array_equal(x0, [-2.0, 1.5])  # x0 is not modified


def test_record_path_edge_cases():
    assert np.array_equal(record_path(bowl, [1.0, 2.0], SGD(lr=0.1), 0), [[1.0, 2.0]])
    path = record_path(lambda x: (float(x @ x), 2 * x), np.ones(3), SGD(lr=0.25), 2)
    assert np.array_equal(path, [[1, 1, 1], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]])
    with np.errstate(over="ignore"), pytest.raises(FloatingPointError, match="step"):
        record_path(bowl, [1.0, 1.0], SGD(lr=1e3), 500)  # diverges
    with pytest.raises(TypeError, match="step"):
        record_path(bowl, [1.0, 1.0], "adam", 3)
    with pytest.raises(ValueError, match="steps"):
        record_path(bowl, [1.0, 1.0], SGD(lr=0.1), -1)
    with pytest.raises(ValueError, match="size 3 for 2"):
        record_path(lambda x: (0.0, np.zeros(3)), [1.0, 1.0], SGD(lr=0.1), 1)


def test_missing_matplotlib_message(monkeypatch):
    for name in ("matplotlib", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        loss_curves({"a": [1.0, 0.5]})
    with pytest.raises(ImportError, match="pip install matplotlib"):
        trajectories(bowl, {"p": np.zeros((2, 2))}, xlim=(-1, 1), ylim=(-1, 1))
    with pytest.raises(ImportError, match="pip install matplotlib"):
        training_curves({"a": {"train": [1.0, 0.5]}})
    with pytest.raises(ImportError, match="pip install matplotlib"):
        lr_schedule({"c": Constant(0.1)}, 5)
    net = initial_network((3, 3, 2), random_state=0)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        activation_histograms(net, np.ones((4, 3)))


# -- the gallery -----------------------------------------------------------------------------------

#: The gallery's files and their pixel sizes (figsize x dpi); usps_loss_curves.png is the
#: command line's figure, of its own size.
GALLERY_PNGS = {"sigmoid_momentum.png": (990, 605), "sparse_adaptive.png": (990, 605),
                "init_tanh.png": (1360, 720), "init_relu.png": (1360, 720),
                "lr_schedules.png": (1100, 495), "batch_norm.png": (1100, 495),
                "usps_loss_curves.png": None}


def test_gallery_writes_pngs(plt, tmp_path):
    # the fastoptim of this checkout, whatever copy the interpreter would find first
    path = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=path)
    proc = subprocess.run([sys.executable, str(GALLERY), str(tmp_path / "out"), "--quick"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(GALLERY_PNGS)
    for name, size in GALLERY_PNGS.items():
        data = (tmp_path / "out" / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, name
        if size is not None:
            assert png_size(data) == size, name
        assert f"wrote {tmp_path / 'out' / name}" in proc.stdout
    assert "adam" in proc.stdout  # the USPS table


def test_gallery_without_matplotlib(tmp_path, monkeypatch, capsys):
    gallery = load_gallery()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert gallery.main([str(tmp_path / "out")]) == 1
    assert "pip install matplotlib" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_gallery_paths_reach_the_minimum():
    """The pictures tell the story they claim (checked without drawing)."""
    g = load_gallery()
    w_star = np.array([1.7918, -2.2822])
    # Nesterov ends nearer the sigmoid's solution than plain GD after 100 steps
    gd = record_path(g.sigmoid_loss, g.SIG_START, SGD(lr=1.0), 100)
    nag = record_path(g.sigmoid_loss, g.SIG_START, SGD(lr=0.3, momentum=0.9, nesterov=True), 100)
    assert np.linalg.norm(nag[-1] - w_star) < np.linalg.norm(gd[-1] - w_star)
    # on the sparse feature, Adam moves w2 much further than SGD
    sgd = record_path(g.minibatch_loss(), g.SPARSE_START, SGD(lr=0.1), 200)
    adam = record_path(g.minibatch_loss(), g.SPARSE_START, Adam(lr=0.05), 200)
    assert abs(adam[-1, 1] - 1.0) < 0.2 < abs(sgd[-1, 1] - 1.0)


def test_gallery_batch_norm_runs():
    """Without batch norm the deep sigmoid network stays at chance level (log 10 = 2.30) on
    USPS; with it, it learns from the first epoch -- the picture's claim, in numbers."""
    runs = load_gallery().batch_norm_runs(quick=True)
    plain, bn = runs["without batch norm"], runs["with batch norm"]
    assert len(plain["train"]) == len(plain["validation"]) == len(bn["train"]) == 8
    assert min(plain["train"]) > 2.2 and min(plain["validation"]) > 2.2
    assert bn["train"][-1] < 0.3 and bn["validation"][-1] < 0.3 < bn["train"][0]
    assert plain["note"].startswith("test accuracy ") and bn["note"].endswith("%")
    assert float(bn["note"].split()[-1][:-1]) > 85 > 30 > float(plain["note"].split()[-1][:-1])


# -- plots that say something (issue 20, item 7) ------------------------------------------------

def _close_runs():
    return {"sgd": {"train": [2.0, 1.0, 0.5020, 0.5010], "validation": [2.1, 1.1, 0.6, 0.6]},
            "adam": {"train": [2.0, 0.9, 0.5003, 0.5001]},
            "lbfgs": {"train": [2.0, 0.6, 0.5000]}}


def test_close_finishes_are_drawn_as_the_gap_to_the_best_loss(plt):
    from fastoptim.plot import GAP_MARGIN
    ax = training_curves(_close_runs())
    best, finals = 0.5, np.array([0.5010, 0.5001, 0.5000])
    reference = best - GAP_MARGIN * (finals.max() - best)
    assert ax.get_ylabel() == "training loss - best loss found (log)"
    assert ax.get_yscale() == "log"
    assert len(ax.lines) == 3  # the training curves only: no validation gap
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.array([2.0, 1.0, 0.5020, 0.5010])
                               - reference, rtol=1e-12)
    assert ax.lines[2].get_ydata()[-1] == pytest.approx(GAP_MARGIN * 0.0010, rel=1e-9)
    assert np.all(np.concatenate([l.get_ydata() for l in ax.lines]) > 0)


def test_spread_finishes_keep_the_loss_and_the_modes_can_be_forced(plt):
    runs = {"gd": {"train": [2.0, 1.0, 0.9]}, "lbfgs": {"train": [2.0, 0.1, 0.01]}}
    ax = training_curves(runs)
    assert ax.get_ylabel() == "loss"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [2.0, 1.0, 0.9])
    _, ax = plt.subplots()
    assert training_curves(runs, ax=ax, y="gap").get_ylabel().startswith("training loss - best")
    _, ax = plt.subplots()
    assert training_curves(_close_runs(), ax=ax, y="loss").get_ylabel() == "loss"
    assert len(ax.lines) == 4  # the validation curve drawn again
    with pytest.raises(ValueError, match="y must be 'auto', 'loss' or 'gap'"):
        training_curves(runs, y="log")
    # one run alone: nothing to compare, the loss itself
    assert training_curves({"sgd": {"train": [1.0, 0.5]}}).get_ylabel() == "loss"


@pytest.mark.parametrize("draw", ["training_curves", "loss_curves", "lr_schedule"])
def test_legends_sit_outside_the_data(plt, draw):
    from fastoptim import plot as P
    from fastoptim.optim.schedules import Constant, CosineDecay
    if draw == "training_curves":
        ax = P.training_curves({"a": {"train": [1.0, 0.5]}, "b": {"train": [1.0, 0.1]}})
    elif draw == "loss_curves":
        ax = P.loss_curves({"a": [1.0, 0.5], "b": [1.0, 0.2]})
    else:
        ax = P.lr_schedule({"c": Constant(0.1), "cos": CosineDecay(0.1, 10)}, 10)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    axes = ax.get_window_extent(renderer)
    assert legend.x0 >= axes.x1  # right of the axes: no line hidden under it
    assert legend.x1 <= fig.bbox.x1 + 1  # and still inside the figure


def test_runs_can_be_drawn_at_given_epochs(plt):
    runs = {"sgd": {"train": [2.0, 1.0, 0.5], "validation": [2.1, 1.2, 0.7]},
            "lbfgs": {"train": [2.0, 0.4], "validation": [2.0, 0.6], "epochs": [2, 5]}}
    ax = training_curves(runs, y="loss")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[2].get_xdata(), [2, 5])
    np.testing.assert_array_equal(ax.lines[3].get_xdata(), [2, 5])  # its validation too
    for epochs, message in (([1], "shape"), ([2, 2], "increasing"), ([0, 1], "> 0"),
                            ([1, np.nan], "finite"), (["a", "b"], "sequence of numbers")):
        bad = {"gd": {"train": [1.0, 0.5], "epochs": epochs}}
        with pytest.raises((TypeError, ValueError), match=message):
            training_curves(bad)


def _counting(fun):
    calls = [0]

    def counted(*args, **kwargs):
        calls[0] += 1
        return fun(*args, **kwargs)
    return counted, calls


@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
def test_network_full_batch_curves_count_the_passes_over_the_data(solver, monkeypatch):
    # the figures draw a full-batch iteration at the passes over the data made by then:
    # every evaluation of the objective (forward and backward) is one
    from fastoptim import MLPClassifier
    from fastoptim._network import Network
    rng = np.random.RandomState(0)
    X = rng.randn(120, 5)
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    counted, calls = _counting(Network.loss_grad)
    monkeypatch.setattr(Network, "loss_grad", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier((8,), solver=solver, max_iter=15, random_state=0).fit(X, y)
    passes = np.asarray(model._passes_curve)
    assert passes.shape == (len(model.loss_curve_),)
    assert np.all(np.diff(passes) >= 1) and passes[0] >= 1
    assert passes[-1] <= calls[0] <= passes[-1] + 60  # (a last rejected search, the statistics)
    if solver == "gd":  # the start, then at least one trial per iteration
        assert passes[0] >= 2
    adam = MLPClassifier((8,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adam.fit(X, y)
    assert adam._passes_curve is None  # epochs are passes already


@pytest.mark.parametrize("estimator, solver", [
    ("LogisticRegression", "lbfgs"), ("LogisticRegression", "newton-cg"),
    ("LogisticRegression", "newton-cholesky"), ("LogisticRegression", "gd"),
    ("SoftmaxRegression", "lbfgs"), ("LinearSVC", "lbfgs")])
def test_linear_full_batch_curves_count_the_passes_over_the_data(estimator, solver):
    import fastoptim
    from fastoptim.linear_model import _logistic
    rng = np.random.RandomState(1)
    X = rng.randn(200, 6)
    y = (X @ rng.randn(6) + 0.5 * rng.randn(200) > 0).astype(int)
    params = dict(solver=solver)
    if estimator == "LinearSVC":
        params["dual"] = False
    model = getattr(fastoptim, estimator)(**params).fit(X, y)
    passes = np.asarray(model._passes_curve)
    assert passes.shape == (len(model.loss_curve_),)
    assert np.all(np.diff(passes) >= 1)
    if solver == "newton-cg":  # an iteration reads the data for its Hessian products too
        assert np.all(np.diff(passes) >= 3)
    # the counter of a fresh objective, run the same way, ends where the curve does
    f_calls = []
    real = _logistic._Packed.__call__

    def counted(self, x):
        f_calls.append(1)
        return real(self, x)
    try:
        _logistic._Packed.__call__ = counted
        again = getattr(fastoptim, estimator)(**params).fit(X, y)
    finally:
        _logistic._Packed.__call__ = real
    assert again._passes_curve == model._passes_curve
    if solver in ("lbfgs", "gd"):
        assert len(f_calls) >= passes[-1]
