"""fastoptim.model_io for MLPClassifier and MLPRegressor: predictions of a loaded network equal
the saved one's bit for bit, in this process and in a fresh one (dense and CSR input, float64
and float32, with and without batch norm, binary / multiclass / string / multilabel classifiers,
one- and two-output regressors); continued training (partial_fit, warm_start) after loading
equals continued training of the saved estimator, for every optimizer; every parameter comes
back (optimizer and schedule objects by class and arguments); and damaged or edited network
files are ValueErrors naming the file and the entry."""
import json
import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import fastoptim
from fastoptim import LogisticRegression, MLPClassifier, MLPRegressor
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.model_io import FORMAT_VERSION, NETWORKS, OBJECTS, load_model, save_model
from fastoptim.optim import (ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer,
                             RAdam, RMSProp, Rprop)
from fastoptim.optim.schedules import (Constant, CosineDecay, ExponentialDecay,
                                       InverseSqrtDecay, InverseTimeDecay, LinearDecay,
                                       MomentumSchedule, ReduceOnPlateau, StepDecay, Warmup)
from fastoptim.optim.transforms import (AddDecayedWeights, DecoupledWeightDecay, Momentum,
                                        ScaleByAdadelta, ScaleByAdagrad, ScaleByAdam,
                                        ScaleByAdamax, ScaleByASGD, ScaleByLearningRate,
                                        ScaleByNAdam, ScaleByRAdam, ScaleByRMS, ScaleByRprop)


def _data(n=120, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[np.abs(X) < 0.6] = 0.0  # zeros for the CSR copies
    score = X @ rng.standard_normal(p)
    return X, score


def _target(kind, score):
    if kind == "binary":
        return (score > 0).astype(np.int64)
    classes = np.digitize(score, np.quantile(score, [0.33, 0.66]))
    if kind == "multiclass":
        return classes
    if kind == "strings":
        return np.array(["cat", "dog", "emu"])[classes]
    if kind == "multilabel":
        return np.column_stack([score > 0, classes == 2, np.abs(score) < 0.5]).astype(np.int64)
    if kind == "regression":
        return score
    return np.column_stack([score, np.sin(score)])  # two outputs


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def _fit(est, X, y, **kwargs):
    return _quiet(est.fit, X, y, **kwargs)


def _outputs(est, X):
    out = {"predict": est.predict(X)}
    if hasattr(est, "predict_proba"):
        out["predict_proba"] = est.predict_proba(X)
    return out


def _config(opt):
    """What an optimizer computes with: its class, its transforms' settings, check_finite."""
    return (type(opt), [(type(t), vars(t)) for t in opt.transforms], opt.check_finite,
            opt.n_threads)


def _assert_same_state(a, b):
    """Every fitted attribute, the network, its seeds and its optimizer, exactly."""
    assert type(a) is type(b)
    public = {k: v for k, v in vars(b).items() if k.endswith("_")}
    assert sorted(k for k in vars(a) if k.endswith("_")) == sorted(public)
    for name, ref in public.items():
        got = getattr(a, name)
        assert type(got) is type(ref), name
        if isinstance(ref, np.ndarray):
            assert got.dtype == ref.dtype and got.shape == ref.shape, name
            assert got.tolist() == ref.tolist(), name
        else:
            assert got == ref, name
    for name in ("_seeds", "_multilabel", "_y_1d"):
        assert getattr(a, name, None) == getattr(b, name, None), name
    for name in ("sizes", "activation", "output", "batch_norm", "dropout", "leaky_slope",
                 "bn_eps", "dtype"):
        assert getattr(a._net, name) == getattr(b._net, name), name
    for name in ("_params", "_running"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
        assert x.flags.c_contiguous and x.flags.writeable, name
    for layers in ("coefs_", "intercepts_", "bn_gammas_", "bn_betas_", "bn_running_means_",
                   "bn_running_vars_"):
        x, y = getattr(a, layers), getattr(b, layers)
        assert len(x) == len(y) and all(u.dtype == v.dtype and np.array_equal(u, v)
                                        for u, v in zip(x, y)), layers
    oa, ob = a._optimizer, b._optimizer
    assert (oa is None) == (ob is None)
    if ob is not None:
        assert _config(oa) == _config(ob) and oa.n_steps == ob.n_steps and oa.lr == ob.lr
        # the carried scalars, every group's
        assert [c._scalars for c in oa._chains()] == [c._scalars for c in ob._chains()]
        assert (oa.state is None) == (ob.state is None)
        if ob.state is not None:
            assert sorted(oa.state[0]) == sorted(ob.state[0])
            for k in ob.state[0]:
                assert oa.state[0][k].dtype == ob.state[0][k].dtype
                assert np.array_equal(oa.state[0][k], ob.state[0][k]), k
    pa, pb = getattr(a, "_plateau", None), getattr(b, "_plateau", None)
    assert (pa is None) == (pb is None)
    if pb is not None:  # the ReduceOnPlateau copy partial_fit continues
        assert type(pa) is type(pb) and vars(pa) == vars(pb)
        assert a._plateau_of is a.schedule and pa is not a.schedule


# -- the same bits, here and in a fresh process ----------------------------------------------

KINDS = ("binary", "multiclass", "strings", "multilabel", "regression", "two-outputs")
CASES = [f"{kind}-{dtype}-{'bn' if bn else 'plain'}" for kind in KINDS
         for dtype in ("float64", "float32") for bn in (False, True)] + ["multiclass-csr-fit"]
#: the cases whose fresh-process load also continues training (one partial_fit)
CONTINUED = ("strings-float64-bn", "two-outputs-float32-bn", "multilabel-float32-plain")


def _case_model(case):
    kind, dtype, bn = case.rsplit("-", 2) if case != "multiclass-csr-fit" else \
        ("multiclass", "float64", "csr")
    X, score = _data()
    X = X.astype(dtype)
    y = _target(kind, score)
    cls = MLPRegressor if kind in ("regression", "two-outputs") else MLPClassifier
    est = cls((7, 5), batch_norm=bn == "bn", dropout=0.1 if bn == "bn" else 0.0, max_iter=6,
              random_state=0)
    return _fit(est, sp.csr_matrix(X) if bn == "csr" else X, y), X, y


FRESH_PROCESS = """
import json, sys
import numpy as np, scipy.sparse as sp
from fastoptim.model_io import load_model
folder = sys.argv[1]
out = {}
for case, continued in json.load(open(folder + "/cases.json")).items():
    with np.load(f"{folder}/{case}.data.npz") as d:
        X, y = d["X"], d["y"]
    model = load_model(f"{folder}/{case}.model.npz")
    for kind, data in (("dense", X), ("csr", sp.csr_matrix(X))):
        out[f"{case}/{kind}/predict"] = model.predict(data)
        if hasattr(model, "predict_proba"):
            out[f"{case}/{kind}/predict_proba"] = model.predict_proba(data)
    if continued:
        model.partial_fit(X, y)
        out[f"{case}/continued/params"] = model._params
        out[f"{case}/continued/running"] = model._running
        out[f"{case}/continued/loss_curve"] = np.array(model.loss_curve_)
np.savez(folder + "/fresh.npz", **out)
"""


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """{case: (in-process outputs of the saved model, its outputs after load_model here, the
    outputs of a fresh Python process that loaded the file)}, plus the continued training."""
    folder = tmp_path_factory.mktemp("fresh")
    models, ref, loaded = {}, {}, {}
    for case in CASES:
        est, X, y = _case_model(case)
        save_model(est, folder / f"{case}.model.npz")
        np.savez(folder / f"{case}.data.npz", X=X, y=y)
        models[case] = (est, X, y)
        model = load_model(folder / f"{case}.model.npz")
        for kind, data in (("dense", X), ("csr", sp.csr_matrix(X))):
            for method, value in _outputs(est, data).items():
                ref[f"{case}/{kind}/{method}"] = value
            for method, value in _outputs(model, data).items():
                loaded[f"{case}/{kind}/{method}"] = value
    (folder / "cases.json").write_text(json.dumps({c: c in CONTINUED for c in CASES}))
    package_root = str(pathlib.Path(fastoptim.__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=package_root)
    run = subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(folder)], env=env,
                         cwd=package_root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    with np.load(folder / "fresh.npz", allow_pickle=False) as z:
        fresh_out = {k: z[k] for k in z.files}
    for case in CONTINUED:  # the saved estimator continues here, the loaded one there
        est, X, y = models[case]
        est.partial_fit(X, y)
        ref[f"{case}/continued/params"] = est._params
        ref[f"{case}/continued/running"] = est._running
        ref[f"{case}/continued/loss_curve"] = np.array(est.loss_curve_)
    return ref, loaded, fresh_out


@pytest.mark.parametrize("case", CASES)
def test_predictions_are_the_same_bits_in_a_fresh_process(fresh, case):
    ref, loaded, fresh_out = fresh
    regressor = case.startswith(("regression", "two-outputs"))
    keys = sorted(k for k in ref if k.startswith(case + "/") and "/continued/" not in k)
    assert len(keys) == (2 if regressor else 4)  # predict (, predict_proba) x dense, CSR
    for key in keys:
        for got in (loaded[key], fresh_out[key]):
            assert got.dtype == ref[key].dtype, key
            assert got.shape == ref[key].shape, key
            assert np.array_equal(got, ref[key]), key
    values = ref[f"{case}/dense/{'predict' if regressor else 'predict_proba'}"]
    assert values.dtype == (np.float32 if "float32" in case else np.float64)


@pytest.mark.parametrize("case", CONTINUED)
def test_partial_fit_in_a_fresh_process_continues_exactly(fresh, case):
    ref, _, fresh_out = fresh
    for what in ("params", "running", "loss_curve"):
        key = f"{case}/continued/{what}"
        assert fresh_out[key].dtype == ref[key].dtype and np.array_equal(fresh_out[key],
                                                                         ref[key]), key


def test_string_labels_and_shapes_come_back(tmp_path):
    est, X, y = _case_model("strings-float32-bn")
    save_model(est, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    _assert_same_state(model, est)
    assert model.classes_.tolist() == ["cat", "dog", "emu"] and model.classes_.dtype.kind == "U"
    assert model.predict(X).dtype == est.predict(X).dtype
    assert model.n_layers_ == 4 and model.n_outputs_ == 3 and model.out_activation_ == "softmax"
    assert [W.shape for W in model.coefs_] == [(6, 7), (7, 5), (5, 3)]
    assert all(W.dtype == np.float32 for W in model.coefs_ + model.bn_running_vars_)


@pytest.mark.parametrize("labels", [
    np.array([10, 20, 30], dtype=np.int32), np.array([-1.0, 2.0, 7.0]),  # float labels
    np.array(["cat", "dog", "emu"], dtype=object), np.array(["no", "yes"]), np.array([0.0, 2.0]),
])
def test_class_labels_keep_their_type(tmp_path, labels):
    X, score = _data()
    y = labels[_target("multiclass" if len(labels) == 3 else "binary", score)]
    est = _fit(MLPClassifier((5,), max_iter=3, random_state=0), X, y)
    save_model(est, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    assert model.classes_.dtype == est.classes_.dtype
    assert [type(v) for v in model.classes_.tolist()] == [type(v) for v in est.classes_.tolist()]
    pred = model.predict(X)
    assert pred.dtype == est.predict(X).dtype and pred.tolist() == est.predict(X).tolist()
    assert np.array_equal(model.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("case", ["binary-float64-plain", "multilabel-float64-bn",
                                  "two-outputs-float32-plain", "regression-float64-bn"])
def test_fitted_state_round_trip(tmp_path, case):
    est, X, _ = _case_model(case)
    save_model(est, tmp_path / "m.npz")
    _assert_same_state(load_model(tmp_path / "m.npz"), est)


def test_early_stopping_history_and_lbfgs(tmp_path):
    X, score = _data(200)
    y = _target("multiclass", score)
    early = _fit(MLPClassifier((6,), early_stopping=True, validation_fraction=0.2,
                               schedule=ReduceOnPlateau(0.01, factor=0.5), learning_rate=0.01,
                               max_iter=8, random_state=1), X, y)
    assert early.best_loss_ is None and len(early.validation_scores_) == early.n_iter_
    lbfgs = _fit(MLPRegressor((5,), solver="lbfgs", max_iter=5, random_state=0), X, score)
    assert lbfgs._optimizer is None
    for est in (early, lbfgs):
        save_model(est, tmp_path / "m.npz")
        model = load_model(tmp_path / "m.npz")
        _assert_same_state(model, est)
        for name in ("validation_scores_", "validation_loss_curve_", "best_validation_score_",
                     "loss_curve_", "best_loss_", "t_", "n_iter_", "loss_"):
            assert getattr(model, name) == getattr(est, name), name
        assert np.array_equal(model.predict(X), est.predict(X))


def test_the_network_of_the_fit_not_the_parameters_set_after_it(tmp_path):
    """set_params after fit changes no prediction; the file keeps the fitted network (and
    the changed parameters), so the loaded model predicts as the saved one."""
    est, X, y = _case_model("multiclass-float64-bn")
    est.set_params(activation="tanh", batch_norm=False, dropout=0.3, hidden_layer_sizes=(4,))
    save_model(est, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    assert model.get_params() == est.get_params()
    assert model._net.activation == "relu" and model._net.batch_norm and model._net.dropout == 0.1
    assert np.array_equal(model.predict_proba(X), est.predict_proba(X))
    for m in (est, model):  # and both refuse to continue a network of other layers alike
        with pytest.raises(ValueError, match="partial_fit continues the fitted network"):
            m.partial_fit(X, y)


# -- continued training ----------------------------------------------------------------------

SOLVERS = {
    "adam": dict(solver="adam"),
    "sgd-momentum-schedule": dict(solver=SGD(0.05, momentum=0.9, weight_decay=1e-4),
                                  schedule=StepDecay(0.05, step_size=2, gamma=0.5)),
    "nesterov-warmup": dict(solver="nesterov", learning_rate=0.02,
                            schedule=Warmup(CosineDecay(0.02, total=6, final_lr=1e-3), 2)),
    "adagrad": dict(solver=Adagrad(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1)),
    "rmsprop-centered": dict(solver=RMSProp(lr=2e-3, centered=True, momentum=0.5)),
    "amsgrad": dict(solver=Adam(lr=2e-3, betas=(0.8, 0.99), amsgrad=True, weight_decay=1e-3)),
    "adamw-plateau": dict(solver="adamw", schedule=ReduceOnPlateau(1e-3, factor=0.5)),
    # the numbers the rule carries (mu_product, eta) travel in the file
    "nadam": dict(solver="nadam"),
    "asgd-schedule": dict(solver=ASGD(0.02, lambd=0.01, t0=4),
                          schedule=StepDecay(0.02, step_size=2, gamma=0.5)),
    "rprop": dict(solver=Rprop(0.01, etas=(0.4, 1.3))),
    "chain": dict(solver=Optimizer(DecoupledWeightDecay(1e-3), ScaleByRMS(0.9, 1e-7),
                                   Momentum(0.8), ScaleByLearningRate(0.01), check_finite=False)),
    # parameter groups: the rates a schedule scaled, a group with a state of its own (AMSGrad)
    "adam-groups-schedule": dict(
        solver=Adam(lr=2e-3, weight_decay=1e-3, param_groups=[
            {"params": ["biases", "betas"], "weight_decay": 0.0},
            {"params": "weights[-1]", "lr": 7e-4, "amsgrad": True}]),
        schedule=StepDecay(2e-3, step_size=2, gamma=0.5)),
    "sgd-groups-momentum": dict(
        solver=SGD(0.05, momentum=0.9, weight_decay=1e-4, param_groups=[
            {"params": [1, 5], "momentum": 0.5, "lr": 0.01}, {"params": "gammas", "momentum": 0.0}]),
        schedule=MomentumSchedule(0.95)),
    # groups that carry numbers of their own: mu_product by the group's betas, eta by its
    # lambd and the rate a schedule scaled
    "nadam-groups": dict(solver=NAdam(lr=4e-3, weight_decay=1e-3, param_groups=[
        {"params": "biases", "weight_decay": 0.0},
        {"params": "weights[-1]", "lr": 1e-3, "betas": (0.8, 0.99), "momentum_decay": 0.01}])),
    "asgd-groups-schedule": dict(
        solver=ASGD(0.02, lambd=0.01, t0=4, param_groups=[
            {"params": ["gammas", "betas"], "lr": 0.05, "lambd": 0.1},
            {"params": "weights[-1]", "alpha": 0.5}]),
        schedule=StepDecay(0.02, step_size=2, gamma=0.5)),
    "chain-groups": dict(solver=Optimizer(
        AddDecayedWeights(1e-2), ScaleByRMS(0.9, 1e-7), ScaleByLearningRate(0.01),
        param_groups=[{"params": "biases", "weight_decay": 0.0, "lr": 3e-3}]),
        schedule=CosineDecay(0.01, total=8, final_lr=1e-3)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", list(SOLVERS))
def test_partial_fit_and_warm_start_after_loading_continue_exactly(tmp_path, solver, dtype):
    X, score = _data(150)
    X = X.astype(dtype)
    y = _target("multiclass", score)
    est = _fit(MLPClassifier((8, 6), batch_norm=True, dropout=0.2, batch_size=32, max_iter=3,
                             random_state=3, **SOLVERS[solver]), X, y)
    save_model(est, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    _assert_same_state(model, est)
    for _ in range(2):
        est.partial_fit(X, y)
        model.partial_fit(X, y)
    _assert_same_state(model, est)
    assert est.n_iter_ == 5 and est.t_ == 5 * 150
    for m in (est, model):  # a warm-started fit: the saved weights, running stats and seeds
        m.set_params(warm_start=True, max_iter=2)
        _fit(m, X, y)
    _assert_same_state(model, est)


def test_a_plateau_schedule_reduced_before_saving_goes_on_after_loading(tmp_path):
    """The rate a ReduceOnPlateau reached is in the file: partial_fit after loading goes
    on from it, as the saved model's would (not from the schedule's initial rate)."""
    X, score = _data(200)
    y = _target("multiclass", score)
    est = _fit(MLPClassifier((8,), solver="sgd", batch_size=10, max_iter=10,
                             schedule=ReduceOnPlateau(4.0, factor=0.5, patience=0, threshold=0.0,
                                           reference="last"), n_iter_no_change=100,
                             random_state=0), X, y)
    assert est._plateau.n_reductions >= 1  # (this fit's loss rose at least once)
    save_model(est, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    _assert_same_state(model, est)
    assert model._plateau.current_lr == est._plateau.current_lr < 4.0
    for _ in range(3):
        est.partial_fit(X, y)
        model.partial_fit(X, y)
    _assert_same_state(model, est)
    model.set_params(schedule=None)  # no plateau any more: a file without one
    save_model(model, tmp_path / "n.npz")
    assert load_model(tmp_path / "n.npz")._plateau is None


def test_partial_fit_of_a_regressor_after_loading(tmp_path):
    X, score = _data(100)
    y = _target("two-outputs", score)
    est = _fit(MLPRegressor((5,), solver="momentum", learning_rate=0.01, max_iter=2,
                            random_state=0), X, y)
    save_model(est, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    est.partial_fit(X, y)
    model.partial_fit(X, y)
    _assert_same_state(model, est)
    with pytest.raises(ValueError, match="outputs"):  # the saved model's checks, kept
        model.partial_fit(X, y[:, 0])


# -- parameters -------------------------------------------------------------------------------

#: one instance of every class of model_io.OBJECTS, as a network's solver or schedule
OBJECT_PARAMS = {
    "Optimizer": dict(solver=Optimizer(AddDecayedWeights(1e-3), ScaleByAdagrad(1e-9, 0.5, 0.1),
                                       ScaleByLearningRate(0.03), n_threads=1)),
    "SGD": dict(solver=SGD(0.01, momentum=0.5, dampening=0.1, weight_decay=0.01)),
    "Adagrad": dict(solver=Adagrad(0.02)),
    "RMSProp": dict(solver=RMSProp(1e-3, alpha=0.9, eps=1e-6)),
    "Adam": dict(solver=Adam(3e-3, eps=1e-7, check_finite=False)),
    "AdamW": dict(solver=AdamW(weight_decay=0.05)),
    "Adadelta": dict(solver=Adadelta(0.5, rho=0.95, eps=1e-5, weight_decay=1e-3)),
    "ScaleByAdadelta": dict(solver=Optimizer(DecoupledWeightDecay(0.01), ScaleByAdadelta(0.8, 1e-4),
                                             ScaleByLearningRate(2.0))),
    "Adamax": dict(solver=Adamax(3e-3, betas=(0.8, 0.99), weight_decay=1e-3)),
    "RAdam": dict(solver=RAdam(2e-3, weight_decay=0.01, decoupled_weight_decay=True)),
    "ScaleByAdamax": dict(solver=Optimizer(ScaleByAdamax((0.9, 0.9), 1e-6),
                                           ScaleByLearningRate(1e-3))),
    "ScaleByRAdam": dict(solver=Optimizer(AddDecayedWeights(1e-3), ScaleByRAdam((0.8, 0.9)),
                                          ScaleByLearningRate(1e-3))),
    "NAdam": dict(solver=NAdam(3e-3, momentum_decay=0.01, weight_decay=1e-3,
                               decoupled_weight_decay=True)),
    "Rprop": dict(solver=Rprop(0.02, etas=(0.3, 1.4), step_sizes=(1e-5, 1.0))),
    "ASGD": dict(solver=ASGD(0.03, lambd=1e-3, alpha=0.6, t0=2, weight_decay=1e-4)),
    "ScaleByNAdam": dict(solver=Optimizer(ScaleByNAdam((0.8, 0.95), 1e-7, 0.02),
                                          ScaleByLearningRate(1e-3))),
    "ScaleByRprop": dict(solver=Optimizer(DecoupledWeightDecay(0.01), ScaleByRprop(),
                                          ScaleByLearningRate(1e-3))),
    "ScaleByASGD": dict(solver=Optimizer(ScaleByASGD(0.0, 0.5, 1.0),
                                         ScaleByLearningRate(0.01))),
    "DecoupledWeightDecay": dict(solver=Optimizer(DecoupledWeightDecay(0.1),
                                                  ScaleByAdam((0.5, 0.9), 1e-6, True),
                                                  ScaleByLearningRate(1e-3))),
    "Momentum": dict(solver=Optimizer(ScaleByRMS(0.95, 1e-6, centered=True),
                                      Momentum(0.7, nesterov=True), ScaleByLearningRate(0.01))),
    "Constant": dict(schedule=Constant(0.004)),
    "StepDecay": dict(schedule=StepDecay(0.01, 3)),
    "ExponentialDecay": dict(schedule=ExponentialDecay(0.01, rate=0.1)),
    "InverseTimeDecay": dict(schedule=InverseTimeDecay(0.01, rate=0.5)),
    "InverseSqrtDecay": dict(schedule=InverseSqrtDecay(0.01)),
    "CosineDecay": dict(schedule=CosineDecay(0.01, total=7, final_lr=1e-4)),
    "LinearDecay": dict(schedule=LinearDecay(0.01, total=7, final_lr=1e-4)),
    "Warmup": dict(schedule=Warmup(Warmup(LinearDecay(0.01, 4, 1e-3), 2, 0.5), 1)),
    "ReduceOnPlateau": dict(schedule=ReduceOnPlateau(0.01, factor=0.25, min_lr=1e-4)),
    "MomentumSchedule": dict(solver=SGD(0.01, momentum=0.5), schedule=MomentumSchedule(0.8)),
}


def test_every_storable_class_has_a_case():
    used = {type(v).__name__ for kw in OBJECT_PARAMS.values() for v in kw.values()}
    used |= {type(t).__name__ for kw in OBJECT_PARAMS.values() for v in kw.values()
             if type(v) is Optimizer for t in v.transforms}
    assert used == set(OBJECTS)


@pytest.mark.parametrize("case", list(OBJECT_PARAMS))
def test_optimizer_and_schedule_parameters_round_trip(tmp_path, case):
    X, score = _data(60)
    y = _target("binary", score)
    est = _fit(MLPClassifier((4,), max_iter=3, random_state=0, **OBJECT_PARAMS[case]), X, y)
    save_model(est, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as z:
        assert int(z["__format_version__"]) == 2
        meta = json.loads(str(z["__meta__"]))
    assert meta["dropped_params"] == {}
    model = load_model(tmp_path / "m.npz")
    for key, value in OBJECT_PARAMS[case].items():
        got = getattr(model, key)
        assert type(got) is type(value) and repr(got) == repr(value)
        assert _config(got) == _config(value) if key == "solver" else got == value
    _assert_same_state(model, est)
    est.partial_fit(X, y)
    model.partial_fit(X, y)
    _assert_same_state(model, est)


def test_every_parameter_round_trips(tmp_path):
    X, score = _data(80)
    y = _target("multiclass", score)
    params = dict(hidden_layer_sizes=(9, 4, 3), activation="gelu", solver="rmsprop", alpha=1e-3,
                  batch_size=17, learning_rate=2e-3, schedule=None, max_iter=4, tol=1e-5,
                  n_iter_no_change=3, early_stopping=True, validation_fraction=0.25,
                  shuffle=False, init="he_uniform", batch_norm=True, dropout=0.05,
                  class_weight={0: 2.0, 1: 1.0, 2: 0.5}, warm_start=True, random_state=7,
                  verbose=False, max_fun=100, n_threads=1)
    est = _fit(MLPClassifier(**params), X, y)
    assert set(params) == set(est.get_params())
    save_model(est, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    assert model.get_params() == est.get_params()
    assert type(model.hidden_layer_sizes) is tuple and list(model.class_weight) == [0, 1, 2]
    _assert_same_state(model, est)
    reg = _fit(MLPRegressor([5], "leaky_relu", batch_size="auto", random_state=None,
                            max_iter=2), X, score)
    save_model(reg, tmp_path / "r.npz")
    loaded = load_model(tmp_path / "r.npz")
    assert loaded.get_params() == reg.get_params() and loaded.hidden_layer_sizes == [5]
    _assert_same_state(loaded, reg)


def _no_file_written(folder, path, before=None):
    names = sorted(p.name for p in folder.iterdir())
    if before is None:
        assert names == [] and not path.exists()
    else:
        assert names == [path.name] and path.read_bytes() == before


@pytest.mark.parametrize("params, key", [
    (dict(schedule=lambda epoch: 1e-3), "schedule"),
    (dict(random_state=np.random.RandomState(0)), "random_state"),
    (dict(solver=type("MyAdam", (Adam,), {})()), "solver"),
])
def test_a_parameter_that_cannot_be_stored_is_a_value_error_and_nothing_is_written(
        tmp_path, params, key):
    X, score = _data(60)
    est = _fit(MLPClassifier((3,), max_iter=2, **params), X, _target("binary", score))
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "m.npz"
    with pytest.raises(ValueError, match=rf"save_model: MLPClassifier's parameter {key}=.* "
                                         rf"cannot be stored in a model file.*set {key} to"):
        save_model(est, path)
    _no_file_written(folder, path)
    save_model(_fit(MLPClassifier((3,), max_iter=2), X, _target("binary", score)), path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=key):  # a file already there stays as it was
        save_model(est, path)
    _no_file_written(folder, path, before)


def test_a_failed_write_leaves_no_half_written_file(tmp_path, monkeypatch):
    est, _, _ = _case_model("binary-float64-bn")
    path = tmp_path / "m.npz"
    save_model(est, path)
    before = path.read_bytes()

    def half_then_fail(f, **entries):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        save_model(est, path)
    _no_file_written(tmp_path, path, before)


def test_file_layout(tmp_path):
    est, _, _ = _case_model("multiclass-float32-bn")
    save_model(est, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        entries = {k: z[k] for k in z.files}
    assert int(entries["__format_version__"]) == FORMAT_VERSION == 2
    meta = json.loads(str(entries["__meta__"]))
    net = meta["network"]
    assert net["sizes"] == [6, 7, 5, 3] and net["dtype"] == "float32" and net["batch_norm"]
    assert net["activation"] == "relu" and net["output"] == "softmax" and net["dropout"] == 0.1
    assert net["optimizer"]["object"]["__object__"] == "Adam"
    assert net["optimizer"]["state"] == ["s1", "s2"] and net["optimizer"]["n_steps"] == 6
    assert net["multilabel"] is False and len(net["seeds"]) == 2
    parts = [f"net.{p}.{l}" for p in ("coefs", "intercepts") for l in range(3)] + [
        f"net.{p}.{l}" for p in ("gammas", "betas", "running_means", "running_vars")
        for l in range(2)]
    assert sorted(entries) == sorted(["__format__", "__format_version__", "__meta__",
                                      "attr.classes_", "opt.s1", "opt.s2"] + parts)
    for l in range(3):
        assert entries[f"net.coefs.{l}"].dtype == np.float32
        assert np.array_equal(entries[f"net.coefs.{l}"], est.coefs_[l])
    assert np.array_equal(entries["net.running_vars.1"], est.bn_running_vars_[1])
    assert np.array_equal(entries["opt.s2"], est._optimizer.state[0]["s2"])
    assert meta["attributes"]["classes_"] == {"kind": "array"}
    assert meta["attributes"]["loss_curve_"]["value"] == est.loss_curve_


# -- damaged and edited files -------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A saved MLPClassifier with batch norm (sizes [6, 7, 5, 3], Adam) and its data."""
    folder = tmp_path_factory.mktemp("saved")
    est, X, y = _case_model("multiclass-float64-bn")
    save_model(est, folder / "model.npz")
    return folder / "model.npz"


def _edit(src, out, network=None, entries=None, drop=(), attrs=None, params=None,
          version=None, meta=None):
    """Copy a model file with network keys, entries, attributes, parameters or the version
    changed (a value None in ``network`` deletes the key)."""
    with np.load(src, allow_pickle=False) as z:
        e = {k: z[k] for k in z.files if k not in drop}
    m = json.loads(str(e["__meta__"]))
    for key, value in (network or {}).items():
        if value is None:
            del m["network"][key]
        else:
            m["network"][key] = value
    m["attributes"].update(attrs or {})
    m["params"].update(params or {})
    m.update(meta or {})
    e.update(entries or {})
    if version is not None:
        e["__format_version__"] = np.array(version)
    e["__meta__"] = np.array(json.dumps(m))
    np.savez(out, **e)
    return out


@pytest.mark.parametrize("keep", [0.97, 0.6, 0.2, 40])
def test_truncated_network_file(saved, tmp_path, keep):
    data = saved.read_bytes()
    bad = tmp_path / "truncated.npz"
    bad.write_bytes(data[:int(len(data) * keep) if isinstance(keep, float) else keep])
    with pytest.raises(ValueError, match=r"truncated\.npz: .*truncated"):
        load_model(bad)


@pytest.mark.parametrize("case, entries, match", [
    ("next-layer", {"net.coefs.1": np.zeros((8, 5))},
     r"the entry 'net\.coefs\.1' has shape \(8, 5\) where \(7, 5\) is expected \(layer 1 maps "
     r"7 inputs to 5 units: the network's sizes are \[6, 7, 5, 3\]\)"),
    ("first-layer", {"net.coefs.0": np.zeros((5, 7))},
     r"the entry 'net\.coefs\.0' has shape \(5, 7\) where \(6, 7\) is expected"),
    ("bias", {"net.intercepts.2": np.zeros(4)},
     r"the entry 'net\.intercepts\.2' has shape \(4,\) where \(3,\) is expected \(one per unit "
     r"of layer 2\)"),
    ("bn-mean", {"net.running_means.0": np.zeros(6)},
     r"the entry 'net\.running_means\.0' has shape \(6,\) where \(7,\) is expected \(one per "
     r"unit of hidden layer 0\)"),
    ("bn-var", {"net.running_vars.1": np.ones(7)},
     r"the entry 'net\.running_vars\.1' has shape \(7,\) where \(5,\) is expected"),
    ("gamma", {"net.gammas.1": np.ones((5, 1))},
     r"the entry 'net\.gammas\.1' has shape \(5, 1\) where \(5,\) is expected"),
    ("opt", {"opt.s1": np.zeros(10)}, r"the entry 'opt\.s1' has shape \(10,\) where \(\d+,\) "
                                      r"is expected \(one per parameter of the network\)"),
    ("dtype", {"net.betas.0": np.zeros(7, np.float32)},
     r"the entry 'net\.betas\.0' has dtype float32 where the network's is float64"),
    ("int", {"net.coefs.2": np.zeros((5, 3), np.int64)},
     r"the entry 'net\.coefs\.2' has dtype int64 where the network's is float64"),
    ("nan", {"net.coefs.2": np.full((5, 3), np.nan)},
     r"the entry 'net\.coefs\.2' holds NaN or infinity"),
    ("inf-opt", {"opt.s1": None}, r"the entry 'opt\.s1' holds NaN or infinity"),
    ("negative-var", {"net.running_vars.0": -np.ones(7)},
     r"the entry 'net\.running_vars\.0' holds negative values \(it is a variance"),
])
def test_network_arrays_are_checked(saved, tmp_path, case, entries, match):
    if case == "inf-opt":
        with np.load(saved) as z:
            s1 = z["opt.s1"].copy()
        s1[3] = np.inf
        entries = {"opt.s1": s1}
    bad = _edit(saved, tmp_path / f"{case}.npz", entries=entries)
    with pytest.raises(ValueError, match=rf"{case}\.npz: MLPClassifier: {match}.*; the file is "
                                         rf"damaged or was edited"):
        load_model(bad)


#: a stored NAdam with a parameter group (for the network's description's cases)
_GROUPED_NADAM = {"__object__": "NAdam", "args": [],
                  "kwargs": {"param_groups": [{"params": ["biases"], "lr": 0.01}]}}


@pytest.mark.parametrize("case, network, match", [
    ("activation", {"activation": "swish"},
     r"has the activation 'swish', not one fastoptim knows \(identity, logistic, tanh, relu"),
    ("output", {"output": "softplus"}, r"has the output 'softplus', not one fastoptim knows"),
    ("sizes", {"sizes": [6, 7, 0, 3]}, r"has sizes \[6, 7, 0, 3\], not a list of 3 or more"),
    ("no-hidden", {"sizes": [6, 3]}, r"has sizes \[6, 3\], not a list of 3 or more"),
    ("dtype", {"dtype": "float16"}, r"has dtype='float16', not 'float64' or 'float32'"),
    ("bn", {"batch_norm": 1}, r"has batch_norm=1, not true or false"),
    ("dropout", {"dropout": 1.5}, r"describes no network fastoptim can build \(dropout must "),
    ("eps", {"bn_eps": 0.0}, r"describes no network fastoptim can build \(bn_eps must be"),
    ("seeds", {"seeds": [1, -2]}, r"has seeds=\[1, -2\], not two ints"),
    ("keys", {"extra": 1}, r"has the keys \[.*'extra'.*\] where \[.*\] are expected"),
    ("missing", {"seeds": None}, r"has the keys .* where .* are expected"),
    ("opt-class", {"optimizer": {"object": {"__object__": "Lion", "args": [], "kwargs": {}},
                                 "n_steps": 1, "state": None}},
     r"has an optimizer that cannot be rebuilt \(an object of class 'Lion', which is not one"),
    ("opt-args", {"optimizer": {"object": {"__object__": "Adam", "args": [],
                                           "kwargs": {"lr": -1.0}}, "n_steps": 1, "state": None}},
     r"has an optimizer that cannot be rebuilt \(Adam refuses the stored arguments \(lr must"),
    ("opt-kwarg", {"optimizer": {"object": {"__object__": "SGD", "args": [],
                                            "kwargs": {"betas": 1}}, "n_steps": 1, "state": None}},
     r"has an optimizer that cannot be rebuilt \(SGD refuses the stored arguments \(.*"
     r"unexpected keyword argument 'betas'"),
    ("opt-schedule", {"optimizer": {"object": {"__object__": "Constant", "args": [],
                                               "kwargs": {"lr": 0.1}}, "n_steps": 1,
                                    "state": None}},
     r"has an optimizer that is a Constant, not a fastoptim.optim optimizer"),
    ("opt-chain", {"optimizer": {"object": {"__object__": "Optimizer",
                                            "args": [{"__object__": "Constant", "args": [],
                                                      "kwargs": {"lr": 0.1}}], "kwargs": {}},
                                 "n_steps": 1, "state": None}},
     r"has an optimizer that cannot be rebuilt \(an Optimizer whose arguments are not all "
     r"transforms\)"),
    ("opt-state", {"optimizer": {"object": {"__object__": "SGD", "args": [], "kwargs": {}},
                                 "n_steps": 1, "state": ["s1", "s2"]}},
     r"has the optimizer state \['s1', 's2'\] where SGD\(lr=0.001\) has \[\]"),
    ("opt-steps", {"optimizer": {"object": {"__object__": "Adam", "args": [], "kwargs": {}},
                                 "n_steps": -3, "state": None}},
     r"has an optimizer with n_steps=-3, not an int >= 0"),
    ("opt-no-scalars", {"optimizer": {"object": {"__object__": "NAdam", "args": [], "kwargs": {}},
                                      "n_steps": 2, "state": None}},
     r"has the optimizer scalars \{\} where NAdam\(lr=0.002\) after 2 steps carries "
     r"\[.mu_product.\]"),
    ("opt-scalars", {"optimizer": {"object": {"__object__": "ASGD", "args": [], "kwargs": {}},
                                   "n_steps": 2, "state": None, "scalars": {"eta": -1.0}}},
     r"has an optimizer whose scalars\['eta'\] must be a number > 0, got -1.0"),
    ("opt-no-group-scalars", {"optimizer": {"object": _GROUPED_NADAM, "n_steps": 2, "state": None,
                                            "scalars": {"mu_product": 0.5}}},
     r"has no optimizer group_scalars where NAdam\(.*\) after 2 steps carries "
     r"\[.mu_product.\] in each of its param_groups"),
    ("opt-group-scalars-count", {"optimizer": {
        "object": _GROUPED_NADAM, "n_steps": 2, "state": None, "scalars": {"mu_product": 0.5},
        "group_scalars": []}}, r"has the optimizer group_scalars \[\] where NAdam\(.*\) after "
                               r"2 steps carries numbers in 1 of its param_groups"),
    ("opt-group-scalars", {"optimizer": {
        "object": _GROUPED_NADAM, "n_steps": 2, "state": None, "scalars": {"mu_product": 0.5},
        "group_scalars": [{"mu_product": 2.0}]}},
     r"has an optimizer whose group_scalars\[0\]\['mu_product'\] must be a number in \[0, 1\]"),
    ("opt-group-scalars-names", {"optimizer": {
        "object": _GROUPED_NADAM, "n_steps": 2, "state": None, "scalars": {"mu_product": 0.5},
        "group_scalars": [{"eta": 0.1}]}},
     r"has the optimizer group_scalars\[0\] \{.eta.: 0.1\} where NAdam\(.*\) after 2 steps "
     r"carries \[.mu_product.\]"),
    ("opt-extra-scalars", {"optimizer": {"object": {"__object__": "Adam", "args": [],
                                                    "kwargs": {}}, "n_steps": 2, "state": None,
                                         "scalars": {"eta": 0.1}}},
     r"has the optimizer scalars \{.eta.: 0.1\} where Adam\(lr=0.001\) after 2 steps "
     r"carries \[\]"),
    ("plateau-class", {"plateau": {"__object__": "Constant", "args": [], "kwargs": {"lr": 1}}},
     r"has a plateau schedule that is a Constant, not a ReduceOnPlateau"),
    ("plateau-state", {"plateau": {"__object__": "ReduceOnPlateau", "args": [],
                                   "kwargs": {"lr": 0.1}, "state": {"current_lr": 7.0,
                                                                    "last_loss": None,
                                                                    "n_reductions": 0}}},
     r"has a plateau schedule that cannot be rebuilt \(a ReduceOnPlateau whose "
     r"current_lr=7\.0 is not a rate"),
])
def test_network_description_is_checked(saved, tmp_path, case, network, match):
    drop = ("opt.s1", "opt.s2") if case.startswith("opt") else ()
    bad = _edit(saved, tmp_path / f"{case}.npz", network=network, drop=drop)
    with pytest.raises(ValueError, match=rf"{case}\.npz: the MLPClassifier's network in "
                                         rf"'__meta__' {match}"):
        load_model(bad)


@pytest.mark.parametrize("case, attrs, match", [
    ("out", {"out_activation_": {"kind": "json", "value": "softplus"}},
     r"out_activation_ is 'softplus', not an output fastoptim knows"),
    ("out-net", {"out_activation_": {"kind": "json", "value": "logistic"}},
     r"out_activation_ is 'logistic' where the network's output is 'softmax'"),
    ("kind", {"out_kind_": {"kind": "json", "value": "identity"}},
     r"out_kind_ is 'identity' where out_activation_ is 'softmax'"),
    ("features", {"n_features_in_": {"kind": "json", "value": 5}},
     r"n_features_in_ is 5 where the network's sizes \[6, 7, 5, 3\] say 6"),
    ("layers", {"n_layers_": {"kind": "json", "value": 3}},
     r"n_layers_ is 3 where the network's sizes \[6, 7, 5, 3\] say 4"),
    ("outputs", {"n_outputs_": {"kind": "json", "value": 2}}, r"n_outputs_ is 2 where"),
    ("classes", {"classes_": {"kind": "json", "value": [0, 1]}},
     r"classes_ must be an array, not a list"),
    ("classes-2", {"classes_": {"kind": "object_array", "shape": [2], "items": ["a", "b"]}},
     r"out_activation_ is 'softmax' for 2 classes \(expected 'logistic'\)"),
    ("curve", {"loss_curve_": {"kind": "json", "value": ["a"]}},
     r"loss_curve_ must be a list of numbers"),
    ("val", {"validation_scores_": {"kind": "json", "value": 3}},
     r"validation_scores_ must be a list of numbers or None"),
    ("best", {"best_loss_": {"kind": "json", "value": "low"}},
     r"best_loss_ must be a number or None, not 'low'"),
    ("t", {"t_": {"kind": "json", "value": -1}}, r"t_ must be an integer >= 0, not -1"),
    ("iter", {"n_iter_": {"kind": "json", "value": 1.5}}, r"n_iter_ must be an integer >= 0"),
])
def test_network_attributes_are_checked(saved, tmp_path, case, attrs, match):
    drop = ("attr.classes_",) if case.startswith("classes") else ()
    bad = _edit(saved, tmp_path / f"{case}.npz", attrs=attrs, drop=drop)
    with pytest.raises(ValueError, match=rf"{case}\.npz: MLPClassifier\.{match}.*; the file "
                                         rf"is damaged or was edited"):
        load_model(bad)


def test_multilabel_and_regressor_targets_are_checked(tmp_path):
    est, _, _ = _case_model("multilabel-float64-plain")
    save_model(est, tmp_path / "ml.npz")
    bad = _edit(tmp_path / "ml.npz", tmp_path / "labels.npz",
                entries={"attr.classes_": np.array([0, 1, 5])})
    with pytest.raises(ValueError, match=r"labels\.npz: MLPClassifier\.classes_ of a multilabel "
                                         r"classifier must be 0\.\.\.2"):
        load_model(bad)
    reg, _, _ = _case_model("two-outputs-float64-plain")
    save_model(reg, tmp_path / "reg.npz")
    bad = _edit(tmp_path / "reg.npz", tmp_path / "y1d.npz", network={"y_1d": True})
    with pytest.raises(ValueError, match=r"y1d\.npz: MLPRegressor\.n_outputs_ is 2 for a model "
                                         r"fitted on a 1-D y"):
        load_model(bad)
    bad = _edit(tmp_path / "reg.npz", tmp_path / "soft.npz", network={"output": "softmax"},
                attrs={"out_activation_": {"kind": "json", "value": "softmax"},
                       "out_kind_": {"kind": "json", "value": "softmax"}})
    with pytest.raises(ValueError, match=r"soft\.npz: MLPRegressor\.out_activation_ is 'softmax'; "
                                         r"a regressor's is 'identity'"):
        load_model(bad)


def test_entries_missing_or_not_described(saved, tmp_path):
    bad = _edit(saved, tmp_path / "nocoef.npz", drop=("net.coefs.1",))
    with pytest.raises(ValueError, match=r"nocoef\.npz: the entry 'net\.coefs\.1' is missing"):
        load_model(bad)
    bad = _edit(saved, tmp_path / "noopt.npz", drop=("opt.s2",))
    with pytest.raises(ValueError, match=r"noopt\.npz: the entry 'opt\.s2' is missing"):
        load_model(bad)
    bad = _edit(saved, tmp_path / "extra.npz", entries={"net.coefs.3": np.zeros((3, 3))})
    with pytest.raises(ValueError, match=r"extra\.npz: the entry 'net\.coefs\.3' is not "
                                         r"described by '__meta__'"):
        load_model(bad)
    bad = _edit(saved, tmp_path / "nobn.npz", network={"batch_norm": False})
    with pytest.raises(ValueError, match=r"nobn\.npz: the entry 'net\.gammas\.0' is not "
                                         r"described"):
        load_model(bad)
    bad = _edit(saved, tmp_path / "nonet.npz", meta={"network": None})
    with pytest.raises(ValueError, match=r"nonet\.npz: the MLPClassifier in the file has no "
                                         r"'network' in '__meta__'"):
        load_model(bad)


def test_a_network_in_a_version_1_file_is_refused(saved, tmp_path):
    bad = _edit(saved, tmp_path / "v1.npz", version=1)
    with pytest.raises(ValueError, match=r"v1\.npz: holds a MLPClassifier in format version 1, "
                                         r"which has no networks"):
        load_model(bad)


@pytest.mark.parametrize("case, params, match", [
    ("hidden", {"hidden_layer_sizes": {"__tuple__": [4, 0]}}, r"hidden_layer_sizes must list"),
    ("activation", {"activation": "swish"}, r"activation must be one of"),
    ("solver", {"solver": {"__object__": "Adam", "args": [], "kwargs": {"eps": "x"}}},
     r"parameter solver cannot be rebuilt \(Adam refuses the stored arguments \(eps must be a "
     r"real number"),
    ("schedule", {"schedule": {"__object__": "print", "args": ["hello"], "kwargs": {}}},
     r"parameter schedule cannot be rebuilt \(an object of class 'print', which is not one a "
     r"model file may hold"),
    ("plateau", {"schedule": {"__object__": "ReduceOnPlateau", "args": [],
                              "kwargs": {"lr": 0.1, "factor": 0.5, "min_lr": 0.0},
                              "state": {"current_lr": 5.0, "last_loss": None,
                                        "n_reductions": 0}}},
     r"a ReduceOnPlateau whose current_lr=5\.0 is not a rate in \[min_lr, lr\]"),
    ("state", {"schedule": {"__object__": "Constant", "args": [], "kwargs": {"lr": 0.1},
                            "state": {"lr": 2.0}}},
     r"a Constant with the state \['lr'\], which it does not have"),
    ("items", {"class_weight": {"__items__": [[{"a": 1}, 2.0]]}},
     r"parameter class_weight cannot be rebuilt"),
])
def test_parameters_are_checked(saved, tmp_path, case, params, match):
    bad = _edit(saved, tmp_path / f"{case}.npz", params=params)
    with pytest.raises(ValueError, match=rf"{case}\.npz: the MLPClassifier's .*{match}"):
        load_model(bad)


def test_objects_in_a_version_1_file_are_not_rebuilt(tmp_path):
    """Version 1 has no objects: a dict that looks like one is read as the dict it was in
    the files of the first format; version 2 rebuilds it."""
    X, score = _data(40)
    save_model(LogisticRegression().fit(X, _target("binary", score)), tmp_path / "lin.npz")
    spec = {"__object__": "Constant", "args": [], "kwargs": {"lr": 0.1}}
    v1 = _edit(tmp_path / "lin.npz", tmp_path / "v1.npz", params={"schedule": spec})
    with np.load(v1) as z:
        assert int(z["__format_version__"]) == 1
    assert load_model(v1).schedule == {"__object__": "Constant", "args": [],
                                       "kwargs": {"lr": 0.1}}
    v2 = _edit(v1, tmp_path / "v2.npz", version=2)
    assert load_model(v2).schedule == Constant(0.1)


def test_a_linear_model_where_a_network_is_expected(tmp_path, saved):
    X, score = _data(40)
    save_model(LogisticRegression().fit(X, _target("binary", score)), tmp_path / "lin.npz")
    with pytest.raises(ValueError, match=r"lin\.npz: holds a model of class LogisticRegression, "
                                         r"where one of class MLPClassifier or MLPRegressor is "
                                         r"expected"):
        load_model(tmp_path / "lin.npz", expected_class=NETWORKS)
    with pytest.raises(ValueError, match=r"model\.npz: holds a model of class MLPClassifier, "
                                         r"where one of class MLPRegressor is expected"):
        load_model(saved, expected_class=MLPRegressor)
    assert isinstance(load_model(saved, expected_class=(MLPClassifier, "MLPRegressor")),
                      MLPClassifier)
    for wrong in ("KernelRidge", dict, 3, (MLPClassifier, None)):
        with pytest.raises(TypeError, match="expected_class must be one of the classes"):
            load_model(saved, expected_class=wrong)


def test_a_plateau_state_of_an_older_file_loads():
    """Files written before ReduceOnPlateau followed torch's rule hold only the current
    rate, the last loss and the count of reductions: the last loss becomes the best, the
    counters start at zero; a counter out of range is refused."""
    from fastoptim.model_io import _decode_object
    old = {"__object__": "ReduceOnPlateau", "args": [], "kwargs": {"lr": 0.1, "factor": 0.5},
           "state": {"current_lr": 0.05, "last_loss": 1.5, "n_reductions": 1}}
    s = _decode_object(old)
    assert (s.current_lr, s.last_loss, s.best, s.num_bad_epochs, s.cooldown_counter,
            s.n_reductions) == (0.05, 1.5, 1.5, 0, 0, 1)
    new = dict(old, kwargs={"lr": 0.1, "cooldown": 2},
               state=dict(old["state"], best=1.2, num_bad_epochs=3, cooldown_counter=5))
    with pytest.raises(ValueError, match=r"cooldown_counter=5 is not an int in \[0, 2\]"):
        _decode_object(new)


def test_an_optimizer_with_groups_is_stored_with_its_initial_rates_and_the_scheduled_one(
        tmp_path):
    """The groups' rates are relative to the optimizer's rate at construction: the file
    holds the constructor's arguments (param_groups among them) and, as the object's
    state, the rate the schedule reached; edited states are refused."""
    X, score = _data(120)
    y = _target("multiclass", score)
    solver = Adam(lr=4e-3, weight_decay=1e-3, param_groups=[
        {"params": "biases", "weight_decay": 0.0}, {"params": "weights[-1]", "lr": 1e-3}])
    est = _fit(MLPClassifier((6,), solver=solver, schedule=StepDecay(4e-3, 1, gamma=0.5),
                             max_iter=3, random_state=0), X, y)
    path = tmp_path / "m.npz"
    save_model(est, path)
    with np.load(path) as z:
        meta = json.loads(str(z["__meta__"]))
    stored = meta["network"]["optimizer"]["object"]
    assert stored["kwargs"]["lr"] == 4e-3 and stored["state"] == {"lr": 1e-3}
    assert stored["kwargs"]["param_groups"][1] == {"params": ["weights[-1]"], "lr": 1e-3}
    model = load_model(path)
    assert model._optimizer.param_groups == est._optimizer.param_groups
    assert [g["lr"] for g in model._optimizer.param_groups] == [1e-3, 2.5e-4, 1e-3]
    for state, match in [({"lr": 0.0}, r"Adam refuses the stored lr \(lr must be > 0"),
                         ({"lr": 1e-3, "momentum": 0.5}, r"only an optimizer with param_groups")]:
        bad = dict(meta["network"]["optimizer"], object=dict(stored, state=state))
        edited = _edit(path, tmp_path / "bad.npz", network={"optimizer": bad})
        with pytest.raises(ValueError, match=match):
            load_model(edited)
    plain = dict(meta["network"]["optimizer"], object=dict(
        stored, kwargs={k: v for k, v in stored["kwargs"].items() if k != "param_groups"}))
    with pytest.raises(ValueError, match=r"only an optimizer with param_groups"):
        load_model(_edit(path, tmp_path / "plain.npz", network={"optimizer": plain}))
