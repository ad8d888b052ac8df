"""fastoptim.model_io: save_model / load_model round trips (every supported estimator,
float32 and float64, binary and multiclass, string labels) and the errors on files that
are not model files."""
import json
import warnings
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import (ElasticNet, KernelRidge, Lasso, LinearRegression, LinearSVC,
                       LogisticRegression, Ridge, SoftmaxRegression)
from fastoptim.exceptions import ConvergenceWarning, NotFittedError
from fastoptim.model_io import FORMAT, FORMAT_VERSION, SUPPORTED, load_model, save_model
from fastoptim.optim import Adam


def _data(kind, dtype, n=120, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    score = X @ rng.standard_normal(d)
    if kind == "regression":
        return X, score + 0.1 * rng.standard_normal(n)
    if kind == "two-targets":
        return X, np.column_stack([score, -2 * score + 1])
    if kind == "binary":
        return X, np.where(score > 0, 1, 0)
    return X, np.digitize(score, np.quantile(score, [0.33, 0.66]))  # 3 classes


CLASSIFIERS = {
    "logistic-lbfgs": lambda: LogisticRegression(),
    "logistic-ovr": lambda: LogisticRegression(multi_class="ovr"),
    "logistic-sgd": lambda: LogisticRegression(solver="sgd", max_iter=5, random_state=0),
    "softmax-lbfgs": lambda: SoftmaxRegression(C=0.5),
    "softmax-adam": lambda: SoftmaxRegression(solver="adam", max_iter=5, random_state=0),
    "linearsvc": lambda: LinearSVC(random_state=0),
    "linearsvc-hinge": lambda: LinearSVC(loss="hinge", C=0.3, random_state=0),
    "logistic-l1": lambda: LogisticRegression(penalty="l1", C=0.5, solver="newton-cd",
                                              random_state=0),
    "logistic-enet": lambda: LogisticRegression(penalty="elasticnet", l1_ratio=0.4,
                                                solver="newton-cd", random_state=0),
    "linearsvc-l1": lambda: LinearSVC(penalty="l1", C=0.5, random_state=0),
    "softmax-l1-saga": lambda: SoftmaxRegression(penalty="l1", C=0.5, solver="saga",
                                                 random_state=0),
}
REGRESSORS = {
    "linear": lambda: LinearRegression(),
    "ridge": lambda: Ridge(alpha=0.5),
    "ridge-cg": lambda: Ridge(solver="cg"),
    "ridge-adam": lambda: Ridge(solver="adam", max_iter=5, random_state=0),
    "linear-sgd": lambda: LinearRegression(solver="sgd", max_iter=5, random_state=0),
    "lasso": lambda: Lasso(alpha=0.01),
    "elasticnet-random": lambda: ElasticNet(alpha=0.01, l1_ratio=0.3, selection="random",
                                            random_state=0),
}


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _outputs(est, X):
    """Everything a fitted estimator computes from X."""
    out = {"predict": est.predict(X)}
    for name in ("decision_function", "predict_proba", "predict_log_proba"):
        if hasattr(est, name):
            out[name] = getattr(est, name)(X)
    return out


def _assert_same(loaded, est, X):
    assert type(loaded) is type(est)
    assert loaded.get_params() == est.get_params()
    got, ref = _outputs(loaded, X), _outputs(est, X)
    assert got.keys() == ref.keys()
    for name in ref:
        assert got[name].dtype == ref[name].dtype, name
        assert np.array_equal(got[name], ref[name]), name  # bit for bit
    for attr in ("coef_", "intercept_", "classes_", "n_iter_", "n_features_in_"):
        if hasattr(est, attr):
            a, b = getattr(loaded, attr), getattr(est, attr)
            assert type(a) is type(b), attr
            if isinstance(b, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape, attr
            assert np.array_equal(a, b), attr


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_classifier_round_trip(tmp_path, name, kind, dtype):
    X, y = _data(kind, dtype)
    est = _fit(CLASSIFIERS[name](), X, y)
    path = tmp_path / "model.npz"
    save_model(est, path)
    loaded = load_model(path)
    _assert_same(loaded, est, X)
    assert loaded.coef_.dtype == dtype
    if hasattr(est, "loss_curve_"):
        assert loaded.loss_curve_ == est.loss_curve_


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["regression", "two-targets"])
@pytest.mark.parametrize("name", list(REGRESSORS))
def test_regressor_round_trip(tmp_path, name, kind, dtype):
    X, y = _data(kind, dtype)
    est = _fit(REGRESSORS[name](), X, y)
    path = tmp_path / "model.npz"
    save_model(est, path)
    loaded = load_model(path)
    _assert_same(loaded, est, X)
    assert loaded.coef_.dtype == dtype
    if hasattr(est, "solver_"):  # Lasso and ElasticNet have one solver, and no solver_
        assert loaded.solver_ == est.solver_


@pytest.mark.parametrize("labels", [
    np.array(["cat", "dog", "emu"]),                        # unicode dtype
    np.array(["cat", "dog", "emu"], dtype=object),          # object dtype of str
    np.array([-1.0, 2.0, 7.0]),                              # float labels
    np.array([10, 20, 30], dtype=np.int32),
])
@pytest.mark.parametrize("factory", [LogisticRegression, SoftmaxRegression,
                                     lambda: LinearSVC(random_state=0)])
def test_labels_round_trip(tmp_path, labels, factory):
    X, y_idx = _data("multiclass", np.float64)
    y = labels[y_idx]
    est = _fit(factory(), X, y)
    save_model(est, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.classes_.dtype == est.classes_.dtype
    assert loaded.classes_.tolist() == est.classes_.tolist()
    assert [type(v) for v in loaded.classes_.tolist()] == [type(v) for v in est.classes_.tolist()]
    pred = loaded.predict(X)
    assert pred.dtype == est.predict(X).dtype
    assert pred.tolist() == est.predict(X).tolist()


def test_binary_string_labels(tmp_path):
    X, y_idx = _data("binary", np.float32)
    y = np.array(["no", "yes"])[y_idx]
    est = LogisticRegression().fit(X, y)
    save_model(est, tmp_path / "m.npz")
    _assert_same(load_model(tmp_path / "m.npz"), est, X)


def test_sparse_fit_and_predict(tmp_path):
    X, y = _data("multiclass", np.float64)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    est = SoftmaxRegression().fit(Xs, y)
    save_model(est, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert np.array_equal(loaded.predict_proba(Xs), est.predict_proba(Xs))


def test_params_round_trip(tmp_path):
    X, y = _data("multiclass", np.float64)
    est = LogisticRegression(C=0.25, class_weight={0: 2.0, 1: 1.0, 2: 0.5}, max_iter=50,
                             tol=1e-6, fit_intercept=False).fit(X, y)
    save_model(est, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.class_weight == {0: 2.0, 1: 1.0, 2: 0.5}  # int keys stay ints
    assert loaded.get_params() == est.get_params()
    assert loaded.intercept_.tolist() == [0.0, 0.0, 0.0]
    _assert_same(loaded, est, X)
    # the loaded model refits like the original
    assert np.array_equal(loaded.fit(X, y).coef_, est.coef_)


def test_optimizer_object_is_stored_and_a_random_state_dropped_with_a_warning(tmp_path):
    """An optimizer object is stored by class and arguments (format version 2); a
    RandomState is not storable: the linear model's file has the default there."""
    X, y = _data("binary", np.float64)
    est = _fit(LogisticRegression(solver=Adam(lr=0.01), max_iter=3,
                                  random_state=np.random.RandomState(0)), X, y)
    with pytest.warns(UserWarning, match=r"random_state=RandomState\(MT19937\).*default"):
        save_model(est, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert type(loaded.solver) is Adam and repr(loaded.solver) == "Adam(lr=0.01)"
    assert loaded.random_state is None
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))
    with np.load(tmp_path / "m.npz") as z:
        meta = json.loads(str(z["__meta__"]))
        assert int(z["__format_version__"]) == meta["format_version"] == 2
    assert list(meta["dropped_params"]) == ["random_state"]
    assert meta["dropped_params"]["random_state"].startswith("RandomState(MT19937)")
    assert meta["params"]["solver"]["__object__"] == "Adam"
    # the loaded model refits like the original (with the same seed)
    seeded = dict(random_state=0)
    np.testing.assert_array_equal(_fit(loaded.set_params(**seeded), X, y).coef_,
                                  _fit(est.set_params(**seeded), X, y).coef_)


def test_file_layout(tmp_path):
    X, y = _data("binary", np.float32)
    est = LogisticRegression().fit(X, y)
    path = tmp_path / "model.bin"  # used as given: no '.npz' appended
    save_model(est, path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]  # no temporary file left
    with np.load(path, allow_pickle=False) as z:  # nothing needs pickle
        entries = {name: z[name] for name in z.files}
    assert str(entries["__format__"]) == FORMAT == "fastoptim-model"
    # the lowest version that describes the file: a linear model with named solvers is
    # version 1 (what the readers of fastoptim's first format read), the newest is 2
    assert int(entries["__format_version__"]) == 1 and FORMAT_VERSION == 2
    meta = json.loads(str(entries["__meta__"]))
    assert meta["class"] == "LogisticRegression"
    assert meta["params"]["C"] == 1.0
    assert meta["attributes"]["coef_"] == {"kind": "array"}
    assert entries["attr.coef_"].dtype == np.float32
    assert np.array_equal(entries["attr.coef_"], est.coef_)


def test_overwrite(tmp_path):
    X, y = _data("binary", np.float64)
    path = tmp_path / "m.npz"
    save_model(LogisticRegression(C=0.1).fit(X, y), path)
    save_model(Ridge().fit(X, y.astype(float)), path)
    assert isinstance(load_model(path), Ridge)


#: The entries of two files written by fastoptim's first model writer (format version 1,
#: fastoptim 0.1.0.dev0, before networks and stored optimizer objects): a float32
#: LogisticRegression on string labels and a Ridge whose solver=Adam(lr=0.01) was dropped.
V1_FILES = {
    "logistic": (
        '{"attributes": {"_mode_": {"kind": "json", "value": "multinomial"}, "classes_": '
        '{"kind": "array"}, "coef_": {"kind": "array"}, "intercept_": {"kind": "array"}, '
        '"loss_curve_": {"kind": "json", "value": [0.6929894441665921, 0.5712227985921993, '
        '0.4751703855007104, 0.3801490362265685, 0.35006243488229005, 0.33017300753881257, '
        '0.3278185832463615, 0.3277299309302779, 0.32768827518247723, 0.32762956380076536, '
        '0.32759379910969266, 0.3275924322299446, 0.3275912552157957]}, "n_features_in_": '
        '{"kind": "json", "value": 2}, "n_iter_": {"kind": "array"}}, "class": '
        '"LogisticRegression", "dropped_params": {}, "fastoptim_version": "0.1.0.dev0", '
        '"format": "fastoptim-model", "format_version": 1, "metadata": {}, "params": {"C": 2.0, '
        '"batch_size": null, "class_weight": null, "early_stopping": false, "fit_intercept": '
        'true, "l1_ratio": 0.0, "learning_rate": "auto", "max_iter": null, "multi_class": '
        '"auto", "n_iter_no_change": 5, "n_jobs": null, "n_threads": null, "penalty": "l2", '
        '"random_state": null, "schedule": null, "solver": "lbfgs", "tol": 0.0001, '
        '"validation_fraction": 0.1, "verbose": 0, "warm_start": false}}',
        {"attr.classes_": np.array(["a", "b", "c"]),
         "attr.coef_": np.array([[-0.6592057943344116, -0.9143692851066589],
                                 [1.0807852745056152, -0.12047028541564941],
                                 [-0.42157885432243347, 1.0348397493362427]], np.float32),
         "attr.intercept_": np.array([2.1789472103118896, -0.9541975855827332,
                                      -1.2247495651245117], np.float32),
         "attr.n_iter_": np.array([13])}),
    "ridge": (
        '{"attributes": {"coef_": {"kind": "array"}, "intercept_": {"kind": "scalar"}, '
        '"loss_curve_": {"kind": "json", "value": [4.583333333333333, 4.459736166957301, '
        '4.337994932254231]}, "n_features_in_": {"kind": "json", "value": 2}, "n_iter_": '
        '{"kind": "json", "value": 3}, "solver_": {"kind": "json", "value": "Adam"}}, "class": '
        '"Ridge", "dropped_params": {"solver": "Adam(lr=0.01)"}, "fastoptim_version": '
        '"0.1.0.dev0", "format": "fastoptim-model", "format_version": 1, "metadata": {}, '
        '"params": {"alpha": 1.0, "batch_size": null, "copy_X": true, "early_stopping": false, '
        '"fit_intercept": true, "learning_rate": "auto", "max_iter": 3, "n_iter_no_change": 5, '
        '"n_threads": null, "positive": false, "random_state": 0, "schedule": null, "tol": '
        '0.0001, "validation_fraction": 0.1, "verbose": 0, "warm_start": false}}',
        {"attr.coef_": np.array([0.029982024703609167, 0.029986402688706885]),
         "attr.intercept_": np.array(0.02998390499069288)}),
}


def test_version_1_files_still_load(tmp_path):
    """FORMAT_VERSION grew to 2; the files of the first writer load as they did."""
    X = np.array([[0., 0.], [1., 0.2], [2., 1.], [3., 1.5], [0.5, 3.], [1., 4.]], np.float32)
    loaded = {}
    for name, (meta, arrays) in V1_FILES.items():
        np.savez(tmp_path / f"{name}.npz", __format__=np.array(FORMAT),
                 __format_version__=np.array(1), __meta__=np.array(meta), **arrays)
        loaded[name] = load_model(tmp_path / f"{name}.npz")
    logistic, ridge = loaded["logistic"], loaded["ridge"]
    assert logistic.classes_.tolist() == ["a", "b", "c"] and logistic.coef_.dtype == np.float32
    assert logistic.predict(X).tolist() == ["a", "a", "b", "b", "c", "c"]
    scores = X @ logistic.coef_.T + logistic.intercept_  # the oracle: softmax of the scores
    expected = np.exp(scores - scores.max(axis=1, keepdims=True))
    np.testing.assert_allclose(logistic.predict_proba(X), expected / expected.sum(axis=1,
                                                                                 keepdims=True),
                               rtol=1e-6)
    assert logistic.loss_curve_[-1] == 0.3275912552157957 and logistic.C == 2.0
    assert ridge.solver == Ridge().solver and ridge.random_state == 0  # the dropped default
    assert ridge.intercept_ == np.float64(0.02998390499069288) and ridge.solver_ == "Adam"
    np.testing.assert_allclose(ridge.predict(X.astype(np.float64)), [  # the first reader's
        0.02998390499069288, 0.06596321032140987, 0.1199343570866181, 0.1649095831345807,
        0.1349341254086181, 0.1799115404491296], rtol=1e-13)


def test_supported_list():
    assert SUPPORTED == ("LinearRegression", "Ridge", "Lasso", "ElasticNet", "LogisticRegression",
                         "SoftmaxRegression", "LinearSVC", "SVC", "MLPClassifier",
                         "MLPRegressor")


# -- errors ------------------------------------------------------------------------------------

def test_unsupported_estimator(tmp_path):
    X, y = _data("regression", np.float64)
    with pytest.raises(TypeError, match="KernelRidge"):
        save_model(KernelRidge().fit(X, y), tmp_path / "m.npz")

    class MyRidge(Ridge):
        pass

    with pytest.raises(TypeError, match="MyRidge"):
        save_model(MyRidge().fit(X, y), tmp_path / "m.npz")
    with pytest.raises(TypeError, match="dict"):
        save_model({"coef_": 1}, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


def test_unfitted(tmp_path):
    with pytest.raises(NotFittedError):
        save_model(LogisticRegression(), tmp_path / "m.npz")


def _save_fitted(est, path):
    X, y = _data("multiclass", np.float64)
    save_model(est.fit(X, y), path)
    return path


@pytest.fixture
def saved(tmp_path):
    return _save_fitted(SoftmaxRegression(), tmp_path / "model.npz")


@pytest.mark.parametrize("keep", [0.95, 0.5, 0.1, 30, 3])
def test_truncated_file(saved, keep):
    data = saved.read_bytes()
    n = int(len(data) * keep) if isinstance(keep, float) else keep
    bad = saved.with_name("truncated.npz")
    bad.write_bytes(data[:n])
    with pytest.raises(ValueError, match=r"truncated\.npz: .*truncated"):
        load_model(bad)


def test_corrupted_member(saved):
    data = bytearray(saved.read_bytes())
    i = data.find(b"attr.coef_.npy")
    data[i + 200:i + 260] = b"\x00" * 60  # inside the stored array: a CRC mismatch
    bad = saved.with_name("corrupt.npz")
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"corrupt\.npz: .*(damaged|truncated)"):
        load_model(bad)


def test_not_a_model_file(tmp_path):
    text = tmp_path / "data.svm"
    text.write_text("1 1:0.5 2:1\n")
    with pytest.raises(ValueError, match=r"data\.svm: not a fastoptim model file"):
        load_model(text)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.npz: not a fastoptim model file \(an empty"):
        load_model(empty)
    npy = tmp_path / "array.npy"
    np.save(npy, np.arange(3))
    with pytest.raises(ValueError, match="not a fastoptim model file"):
        load_model(npy)
    other = tmp_path / "other.npz"
    np.savez(other, coef_=np.ones(3))
    with pytest.raises(ValueError, match=r"other\.npz: an \.npz archive but not a fastoptim"):
        load_model(other)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, __format__=np.array("something-else"), __meta__=np.array("{}"))
    with pytest.raises(ValueError, match="another format"):
        load_model(wrong)
    plainzip = tmp_path / "plain.zip"
    with zipfile.ZipFile(plainzip, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="not a fastoptim model file"):
        load_model(plainzip)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.npz")


def _rewrite(path, out, **changes):
    """Copy a model file with some entries (or meta keys, as meta__key) changed."""
    with np.load(path, allow_pickle=False) as z:
        entries = {name: z[name] for name in z.files}
    meta = json.loads(str(entries["__meta__"]))
    for key, value in changes.items():
        if key.startswith("meta__"):
            meta[key[6:]] = value
        else:
            entries[key] = value
    entries["__meta__"] = np.array(json.dumps(meta))
    np.savez(out, **entries)
    return out


def test_newer_version(saved):
    newer = FORMAT_VERSION + 1
    bad = _rewrite(saved, saved.with_name("v3.npz"), __format_version__=np.array(newer))
    with pytest.raises(ValueError, match=rf"v3\.npz: .*version {newer}.*reads up to version "
                                         rf"{FORMAT_VERSION}: upgrade fastoptim"):
        load_model(bad)


def test_unknown_class_and_parameter(saved):
    bad = _rewrite(saved, saved.with_name("cls.npz"), meta__class="KernelRidge")
    with pytest.raises(ValueError, match=r"cls\.npz: .*class 'KernelRidge'"):
        load_model(bad)
    with np.load(saved) as z:
        meta = json.loads(str(z["__meta__"]))
    params = dict(meta["params"], gamma=1.0)
    bad = _rewrite(saved, saved.with_name("param.npz"), meta__params=params)
    with pytest.raises(ValueError, match=r"param\.npz: SoftmaxRegression has no parameter 'gamma'"):
        load_model(bad)


def test_missing_array_entry(saved):
    with np.load(saved, allow_pickle=False) as z:
        entries = {name: z[name] for name in z.files if name != "attr.coef_"}
    bad = saved.with_name("nocoef.npz")
    np.savez(bad, **entries)
    with pytest.raises(ValueError, match=r"nocoef\.npz: the entry 'attr\.coef_' is missing"):
        load_model(bad)


# -- SVC: the kernel model's support vectors and dual coefficients ---------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly"])
def test_svc_round_trip(tmp_path, kernel, kind, dtype):
    from fastoptim import SVC
    X, y = _data(kind, dtype)
    est = SVC(kernel=kernel, C=2.0).fit(X, y)
    path = tmp_path / "svc.npz"
    save_model(est, path)
    loaded = load_model(path)
    for method in ("predict", "decision_function"):
        np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(est, method)(X))
    np.testing.assert_array_equal(loaded.support_vectors_, est.support_vectors_)
    assert loaded.support_vectors_.dtype == dtype


def test_svc_with_a_callable_kernel_or_sparse_data_is_refused(tmp_path):
    import scipy.sparse as sp

    from fastoptim import SVC
    X, y = _data("binary", np.float64)
    with pytest.raises(TypeError, match="callable kernel"):
        save_model(SVC(kernel=lambda A, B: A @ B.T).fit(X, y), tmp_path / "a.npz")
    with pytest.raises(TypeError, match="support_vectors_"):
        save_model(SVC().fit(sp.csr_matrix(X), y), tmp_path / "b.npz")


# -- a model file is not trusted (#17, items 9, 12, 15) -------------------------------------------

def _edit(src, out, params=None, attrs=None, entries=None, drop=()):
    """Copy a model file with parameters, attribute specs (in __meta__) or entries changed."""
    with np.load(src, allow_pickle=False) as z:
        e = {name: z[name] for name in z.files if name not in drop}
    meta = json.loads(str(e["__meta__"]))
    meta["params"].update(params or {})
    meta["attributes"].update(attrs or {})
    e.update(entries or {})
    e["__meta__"] = np.array(json.dumps(meta))
    np.savez(out, **e)
    return out


@pytest.fixture
def svc_saved(tmp_path):
    from fastoptim import SVC
    return _save_fitted(SVC(), tmp_path / "svc.npz")


@pytest.mark.parametrize("case, params, match", [
    ("C-text", {"C": "abc"}, r"C must be a number > 0, got 'abc'"),
    ("C-negative", {"C": -1.0}, r"C must be a number > 0"),
    ("solver", {"solver": "nope"}, r"solver='nope' is not a solver"),
    ("fit_intercept", {"fit_intercept": "yes"}, r"fit_intercept must be True or False"),
])
def test_parameters_go_through_the_estimators_own_checks(saved, case, params, match):
    bad = _edit(saved, saved.with_name(f"{case}.npz"), params=params)
    with pytest.raises(ValueError, match=rf"{case}\.npz: the SoftmaxRegression's parameters are "
                                         rf"invalid: .*{match}"):
        load_model(bad)


def test_svc_and_regressor_parameters_are_checked(tmp_path, svc_saved):
    bad = _edit(svc_saved, tmp_path / "gamma.npz", params={"gamma": -5})
    with pytest.raises(ValueError, match=r"gamma\.npz: the SVC's parameters are invalid: gamma "
                                         r"must be 'scale', 'auto' or a finite number > 0"):
        load_model(bad)
    X, y = np.eye(4), np.arange(4.0)
    save_model(Ridge().fit(X, y), tmp_path / "ridge.npz")
    bad = _edit(tmp_path / "ridge.npz", tmp_path / "alpha.npz", params={"alpha": -1.0})
    with pytest.raises(ValueError, match=r"alpha\.npz: the Ridge's parameters are invalid: .*alpha"):
        load_model(bad)


@pytest.mark.parametrize("case, entries, match", [
    ("nan", {"attr.coef_": np.full((3, 6), np.nan)}, r"coef_ holds NaN"),
    ("shape", {"attr.coef_": np.zeros((3, 5))}, r"coef_ has shape \(3, 5\) where \(3, 6\)"),
    ("rows", {"attr.coef_": np.zeros((2, 6))}, r"coef_ has shape \(2, 6\) where \(3, 6\)"),
    ("dtype", {"attr.coef_": np.zeros((3, 6), np.int64)}, r"coef_ has dtype int64"),
    ("mixed", {"attr.intercept_": np.zeros(3, np.float32)}, r"intercept_ has dtype float32"),
    ("icpt", {"attr.intercept_": np.full(3, np.inf)}, r"intercept_ holds NaN or infinity"),
    ("one-class", {"attr.classes_": np.array([0])}, r"classes_ holds 1 class"),
    ("unsorted", {"attr.classes_": np.array([2, 0, 1])}, r"classes_ is not sorted"),
    ("more", {"attr.classes_": np.arange(4)}, r"coef_ has shape \(3, 6\) where \(4, 6\)"),
])
def test_fitted_arrays_are_checked(saved, case, entries, match):
    bad = _edit(saved, saved.with_name(f"{case}.npz"), entries=entries)
    with pytest.raises(ValueError, match=rf"{case}\.npz: SoftmaxRegression\.{match}"):
        load_model(bad)


def test_only_the_attributes_of_the_class_are_accepted(saved):
    for attr in ("predict", "__class__", "coef", "support_"):
        bad = _edit(saved, saved.with_name("attr.npz"),
                    attrs={attr: {"kind": "json", "value": 1}})
        with pytest.raises(ValueError, match=rf"attr\.npz: SoftmaxRegression has no fitted "
                                             rf"attribute '{attr}'"):
            load_model(bad)
    bad = _edit(saved, saved.with_name("nfeat.npz"),
                attrs={"n_features_in_": {"kind": "json", "value": "4"}})
    with pytest.raises(ValueError, match=r"n_features_in_ must be an integer >= 1, not '4'"):
        load_model(bad)
    bad = _edit(saved, saved.with_name("mode.npz"),
                attrs={"_mode_": {"kind": "json", "value": "binary"}})
    with pytest.raises(ValueError, match=r"_mode_ is 'binary' for 3 classes"):
        load_model(bad)
    with np.load(saved) as z:
        meta = json.loads(str(z["__meta__"]))
    del meta["attributes"]["classes_"]
    entries = {n: z for n, z in np.load(saved).items() if n != "attr.classes_"}
    entries["__meta__"] = np.array(json.dumps(meta))
    np.savez(saved.with_name("nocls.npz"), **entries)
    with pytest.raises(ValueError, match=r"nocls\.npz: the SoftmaxRegression in the file lacks "
                                         r"the fitted attribute classes_"):
        load_model(saved.with_name("nocls.npz"))


@pytest.mark.parametrize("case, entries, match", [
    ("nsupport", {"attr.n_support_": np.array([100, 1, 1], np.int32)},
     r"n_support_ \(\[100, 1, 1\]\) does not add up to the \d+ support vectors"),
    ("support", {"attr.support_": None}, r"support_ holds indices outside the \d+ training"),
    ("sv-nan", {"attr.support_vectors_": None}, r"support_vectors_ holds NaN"),
    ("dual", {"attr.dual_coef_": np.zeros((1, 3))}, r"dual_coef_ has shape \(1, 3\) where"),
])
def test_svc_state_is_checked(svc_saved, case, entries, match):
    est = load_model(svc_saved)
    if case == "support":
        entries = {"attr.support_": est.support_ + 1000}
    if case == "sv-nan":
        sv = est.support_vectors_.copy()
        sv[0, 0] = np.nan
        entries = {"attr.support_vectors_": sv}
    bad = _edit(svc_saved, svc_saved.with_name(f"{case}.npz"), entries=entries)
    with pytest.raises(ValueError, match=rf"{case}\.npz: SVC\.{match}"):
        load_model(bad)


def test_deeply_nested_meta_is_a_clear_error(saved):
    bad = _edit(saved, saved.with_name("deep.npz"),
                attrs={"loss_curve_": {"kind": "json", "value": []}})
    with np.load(bad) as z:
        entries = {n: z[n] for n in z.files}
    text = str(entries["__meta__"]).replace('"value": []', '"value": ' + "[" * 100000 +
                                            "]" * 100000)
    entries["__meta__"] = np.array(text)
    np.savez(bad, **entries)
    with pytest.raises(ValueError, match=r"deep\.npz: the '__meta__' entry nests lists or "
                                         r"objects too deeply"):
        load_model(bad)


def test_entries_are_checked_on_the_zip_directory_before_reading(saved, monkeypatch):
    """An entry __meta__ does not describe, an oversized __meta__ and an array whose header
    disagrees with the zip directory are refused without reading their data."""
    big = saved.with_name("big.npz")
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as out, zipfile.ZipFile(saved) as src:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        with out.open("unused.npy", "w", force_zip64=True) as f:  # 64 MB of zeros, 60 kB zipped
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False,
                                                     "shape": (8 << 20,)})
            for _ in range(64):
                f.write(bytes(1 << 20))
    reads = []
    real = np.lib.npyio.NpzFile.__getitem__

    def spy(self, key):
        reads.append(key)
        return real(self, key)

    monkeypatch.setattr(np.lib.npyio.NpzFile, "__getitem__", spy)
    with pytest.raises(ValueError, match=r"big\.npz: the entry 'unused' is not described by "
                                         r"'__meta__'"):
        load_model(big)
    assert "unused" not in reads
    monkeypatch.setattr("fastoptim.model_io.MAX_META_BYTES", 100)
    with pytest.raises(ValueError, match=r"model\.npz: the entry '__meta__' is \d+ bytes, above "
                                         r"the limit of 100 bytes"):
        load_model(saved)
    monkeypatch.undo()
    # a header announcing a huge array over little data
    lying = saved.with_name("lying.npz")
    with zipfile.ZipFile(lying, "w") as out, zipfile.ZipFile(saved) as src:
        for info in src.infolist():
            if info.filename != "attr.coef_.npy":
                out.writestr(info, src.read(info))
        with out.open("attr.coef_.npy", "w") as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False,
                                                     "shape": (3, 1 << 40)})
            f.write(bytes(96))
    with pytest.raises(ValueError, match=r"lying\.npz: the entry 'attr\.coef_\.npy' is \d+ bytes "
                                         r"but its header announces"):
        load_model(lying)


def _patch_directory(path, name, **fields):
    """Overwrite the central-directory sizes of one entry in place (a crafted file):
    fields compress_size / file_size, the 4-byte fields at offsets 20 / 24 of its record."""
    import struct
    data = bytearray(path.read_bytes())
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        n_name = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + n_name].decode() == name:
            break
        at += 4
    for field, offset in (("compress_size", 20), ("file_size", 24)):
        if field in fields:
            struct.pack_into("<I", data, at + offset, fields[field])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("case", ["stored-grown", "past-the-end", "deflate-ratio"])
def test_a_zip_directory_that_lies_about_sizes_is_refused_before_reading(saved, monkeypatch,
                                                                          case):
    """The zip directory and the .npy header edited to agree on a 1.5 GB array over 96
    bytes of data: refused from the directory alone (before, numpy allocated the whole
    array and only then found the data short)."""
    lying = saved.with_name(f"{case}.npz")
    n = 3 << 26
    method = zipfile.ZIP_DEFLATED if case == "deflate-ratio" else zipfile.ZIP_STORED
    with np.load(saved, allow_pickle=False) as z:
        meta = json.loads(str(z["__meta__"]))
    meta["attributes"]["n_features_in_"]["value"] = n // 3  # everything else agrees
    with zipfile.ZipFile(lying, "w", method) as out, zipfile.ZipFile(saved) as src:
        for info in src.infolist():
            if info.filename == "__meta__.npy":
                with out.open(info.filename, "w") as f:
                    np.lib.format.write_array(f, np.array(json.dumps(meta)))
            elif info.filename != "attr.coef_.npy":
                out.writestr(info.filename, src.read(info))
        with out.open("attr.coef_.npy", "w") as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False,
                                                     "shape": (3, n // 3)})
            f.write(bytes(96))
        info = out.getinfo("attr.coef_.npy")
    announced = 128 + 8 * n
    if case == "past-the-end":
        _patch_directory(lying, "attr.coef_.npy", compress_size=announced, file_size=announced)
        match = (r"the entry 'attr\.coef_\.npy' announces \d+ bytes of data at offset \d+, "
                 r"past the end of the \d+-byte file")
    else:
        _patch_directory(lying, "attr.coef_.npy", file_size=announced)
        match = (rf"the zip directory says the entry 'attr\.coef_\.npy' holds {announced} "
                 rf"bytes, which its {info.compress_size} bytes of data cannot give")
    reads = []
    real = np.lib.npyio.NpzFile.__getitem__
    monkeypatch.setattr(np.lib.npyio.NpzFile, "__getitem__",
                        lambda self, key: reads.append(key) or real(self, key))
    with pytest.raises(ValueError, match=rf"{case}\.npz: {match}"):
        load_model(lying)
    assert reads == []  # not even __format__ was read


def test_a_truthful_deflated_file_still_loads(saved, tmp_path):
    """np.savez_compressed's deflate (ratios far below the limit) is a valid model file."""
    packed = tmp_path / "packed.npz"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as out, zipfile.ZipFile(saved) as src:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
    model, reference = load_model(packed), load_model(saved)
    assert np.array_equal(model.coef_, reference.coef_)


def test_load_model_reads_a_named_pipe(saved, tmp_path):
    """The path is opened once: a model written into a FIFO loads (it used to block)."""
    import subprocess
    import sys

    fifo = tmp_path / "model.fifo"
    os_mkfifo = pytest.importorskip("os").mkfifo
    os_mkfifo(fifo)
    code = ("import sys; from fastoptim.model_io import load_model; "
            "print(type(load_model(sys.argv[1])).__name__)")
    reader = subprocess.Popen([sys.executable, "-c", code, str(fifo)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    with open(fifo, "wb") as f:
        f.write(saved.read_bytes())
    try:
        out, err = reader.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        reader.kill()
        pytest.fail("load_model blocked on a named pipe")
    assert reader.returncode == 0, err
    assert out.strip() == "SoftmaxRegression"


def test_metadata_round_trip(saved, tmp_path):
    X, y = _data("multiclass", np.float64)
    path = tmp_path / "meta.npz"
    save_model(SoftmaxRegression().fit(X, y), path, metadata={"zero_based": True, "n": [1, 2]})
    est, meta = load_model(path, return_metadata=True)
    assert meta == {"zero_based": True, "n": [1, 2]}
    assert load_model(saved, return_metadata=True)[1] == {}
    with pytest.raises(TypeError, match="metadata"):
        save_model(est, path, metadata={"x": object()})


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
def test_early_stopping_records_of_the_linear_models_round_trip(tmp_path):
    X, y = _data("multiclass", np.float64, n=200)
    est = LogisticRegression(solver="sgd", multi_class="ovr", early_stopping=True,
                             max_iter=10, random_state=0).fit(X, y)
    save_model(est, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    for name in ("validation_scores_", "validation_loss_curve_", "best_validation_score_"):
        assert getattr(model, name) == getattr(est, name), name
    bad = _rewrite(tmp_path / "m.npz", tmp_path / "bad.npz")
    with np.load(bad, allow_pickle=False) as z:
        entries = {k: z[k] for k in z.files}
    meta = json.loads(str(entries["__meta__"]))
    meta["attributes"]["best_validation_score_"] = {"kind": "json", "value": "high"}
    np.savez(bad, **dict(entries, __meta__=np.array(json.dumps(meta))))
    with pytest.raises(ValueError, match=r"best_validation_score_ must be a number or a list "
                                         r"of numbers, not 'high'"):
        load_model(bad)
