"""fastoptim.plot (loss_curves, training_curves, trajectories, record_path) and
examples/gallery.py.

The drawing tests skip when matplotlib is not installed; record_path and the
"matplotlib missing" messages are tested either way."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fastoptim import SoftmaxRegression
from fastoptim.optim import SGD, Adagrad, Adam, RMSProp
from fastoptim.plot import loss_curves, record_path, training_curves, trajectories

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


# -- the gallery -----------------------------------------------------------------------------------

def test_gallery_writes_pngs(plt, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(GALLERY), str(tmp_path / "out"), "--quick"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["sigmoid_momentum.png", "sparse_adaptive.png", "usps_loss_curves.png"]
    for name in names:
        data = (tmp_path / "out" / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, name
    assert "adam" in proc.stdout  # the USPS table


def test_gallery_without_matplotlib(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("fastoptim_gallery", GALLERY)
    gallery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gallery)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert gallery.main([str(tmp_path / "out")]) == 1
    assert "pip install matplotlib" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_gallery_paths_reach_the_minimum():
    """The pictures tell the story they claim (checked without drawing)."""
    spec = importlib.util.spec_from_file_location("fastoptim_gallery", GALLERY)
    g = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(g)
    w_star = np.array([1.7918, -2.2822])
    # Nesterov ends nearer the sigmoid's solution than plain GD after 100 steps
    gd = record_path(g.sigmoid_loss, g.SIG_START, SGD(lr=1.0), 100)
    nag = record_path(g.sigmoid_loss, g.SIG_START, SGD(lr=0.3, momentum=0.9, nesterov=True), 100)
    assert np.linalg.norm(nag[-1] - w_star) < np.linalg.norm(gd[-1] - w_star)
    # on the sparse feature, Adam moves w2 much further than SGD
    sgd = record_path(g.minibatch_loss(), g.SPARSE_START, SGD(lr=0.1), 200)
    adam = record_path(g.minibatch_loss(), g.SPARSE_START, Adam(lr=0.05), 200)
    assert abs(adam[-1, 1] - 1.0) < 0.2 < abs(sgd[-1, 1] - 1.0)
