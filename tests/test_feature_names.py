"""Feature names of a DataFrame X (issue 20): ``feature_names_in_`` after a fit on a
DataFrame, scikit-learn's error when predict gets other, missing or reordered columns, and
its warnings when only one of fit and predict had names.  Every estimator of the package
face; skipped without pandas (fastoptim itself detects a DataFrame by duck typing)."""
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import fastoptim
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.model_io import load_model, save_model

pd = pytest.importorskip("pandas")

ESTIMATORS = {
    "LinearRegression": dict(),
    "Ridge": dict(),
    "Lasso": dict(alpha=0.01),
    "ElasticNet": dict(alpha=0.01, precompute=True),
    "KernelRidge": dict(kernel="rbf", alpha=0.1),
    "LogisticRegression": dict(),
    "LogisticRegression-sgd": dict(solver="sgd", max_iter=5, random_state=0),
    "LogisticRegression-l1": dict(penalty="l1", solver="newton-cd", random_state=0),
    "SoftmaxRegression": dict(),
    "LinearSVC": dict(random_state=0),
    "LinearSVC-l1": dict(penalty="l1", random_state=0),
    "SVC": dict(),
    "MLPClassifier": dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0),
    "MLPRegressor": dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0),
}
REGRESSORS = ("LinearRegression", "Ridge", "Lasso", "ElasticNet", "KernelRidge", "MLPRegressor")
#: what each model predicts with (the row methods it has)
METHODS = ("predict", "decision_function", "predict_proba", "predict_log_proba", "score")
NAMES = ["age", "height", "weight", "score"]


def _make(case):
    return getattr(fastoptim, case.split("-")[0])(**ESTIMATORS[case])


def _data(case, n=80):
    rng = np.random.RandomState(0)
    X = rng.randn(n, len(NAMES))
    t = X @ np.array([1.0, -2.0, 0.5, 0.0])
    y = t if case.split("-")[0] in REGRESSORS else (t > 0).astype(int) + (t > 1)
    return pd.DataFrame(X, columns=NAMES), y


def _fit(est, X, y, method="fit", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return getattr(est, method)(X, y, **kwargs)


def _calls(est, X, y):
    """Each prediction method of est on X, as (name, thunk)."""
    out = []
    for name in METHODS:
        if hasattr(est, name):
            out.append((name, (lambda f=getattr(est, name): f(X, y)) if name == "score"
                        else (lambda f=getattr(est, name): f(X))))
    return out


@pytest.mark.parametrize("case", list(ESTIMATORS))
def test_a_dataframe_fit_keeps_the_names_and_predicts_as_the_array(case):
    df, y = _data(case)
    est = _fit(_make(case), df, y)
    assert isinstance(est.feature_names_in_, np.ndarray)
    assert est.feature_names_in_.dtype == object
    assert est.feature_names_in_.tolist() == NAMES
    ref = _fit(_make(case), df.to_numpy(), y)
    assert not hasattr(ref, "feature_names_in_")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same names: no warning at all
        for (name, got), (_, want) in zip(_calls(est, df, y), _calls(ref, df.to_numpy(), y)):
            np.testing.assert_array_equal(got(), want(), err_msg=name)
    _fit(est, df.to_numpy(), y)  # a refit on an array forgets the names
    assert not hasattr(est, "feature_names_in_")


@pytest.mark.parametrize("case", list(ESTIMATORS))
@pytest.mark.parametrize("change, expected", [
    ("reordered", "Feature names must be in the same order as they were in fit."),
    ("renamed", "Feature names unseen at fit time:\n- HEIGHT\n"
                "Feature names seen at fit time, yet now missing:\n- height\n"),
    ("missing", "Feature names seen at fit time, yet now missing:\n- score\n"),
    ("extra", "Feature names unseen at fit time:\n- bmi\n"),
])
def test_other_columns_at_predict_raise_scikit_learns_error(case, change, expected):
    df, y = _data(case)
    est = _fit(_make(case), df, y)
    other = {"reordered": df[NAMES[::-1]],
             "renamed": df.rename(columns={"height": "HEIGHT"}),
             "missing": df[NAMES[:3]],
             "extra": df.assign(bmi=1.0)}[change]
    for name, call in _calls(est, other, y):
        with pytest.raises(ValueError) as info:
            call()
        message = str(info.value)
        assert message.startswith("The feature names should match those that were passed "
                                  "during fit.\n"), name
        assert expected in message, (name, message)


@pytest.mark.parametrize("case", list(ESTIMATORS))
def test_one_side_without_names_warns_as_scikit_learn(case):
    df, y = _data(case)
    cls = case.split("-")[0]
    on_frame = _fit(_make(case), df, y)
    on_array = _fit(_make(case), df.to_numpy(), y)
    for name, call in _calls(on_frame, df.to_numpy(), y):
        with pytest.warns(UserWarning, match=re.escape(
                f"X does not have valid feature names, but {cls} was fitted with feature "
                f"names")) as record:
            call()
        assert len([w for w in record if issubclass(w.category, UserWarning)]) == 1, name
        assert record[0].filename == __file__  # pointing at the caller
    for name, call in _calls(on_array, df, y):
        with pytest.warns(UserWarning, match=re.escape(
                f"X has feature names, but {cls} was fitted without feature names")):
            call()


@pytest.mark.parametrize("case", ["LogisticRegression-sgd", "MLPClassifier", "MLPRegressor"])
def test_partial_fit_records_then_checks_the_names(case):
    df, y = _data(case)
    est = _make(case)
    kwargs = {} if case == "MLPRegressor" else {"classes": np.unique(y)}
    _fit(est, df, y, "partial_fit", **kwargs)
    assert est.feature_names_in_.tolist() == NAMES
    _fit(est, df, y, "partial_fit")
    with pytest.raises(ValueError, match="same order"):
        _fit(est, df[NAMES[::-1]], y, "partial_fit")
    n_iter = est.n_iter_
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        _fit(est, df.to_numpy(), y, "partial_fit")
    assert np.all(np.asarray(est.n_iter_) > np.asarray(n_iter))


def test_names_that_are_not_all_strings():
    df, y = _data("Ridge")
    assert not hasattr(fastoptim.Ridge().fit(df.set_axis(range(4), axis=1), y),
                       "feature_names_in_")  # pandas' default integer names: none kept
    mixed = df.set_axis(["age", 1, "weight", "score"], axis=1)
    with pytest.raises(TypeError, match=r"X's column names must all be strings .* "
                                        r"\['int', 'str'\].*X\.columns = X\.columns\.astype"):
        fastoptim.Ridge().fit(mixed, y)


def test_column_dtypes_of_a_dataframe():
    df, y = _data("MLPClassifier")
    f32 = _fit(_make("MLPClassifier"), df.astype(np.float32), y)
    assert f32.coefs_[0].dtype == np.float32  # float32 columns train a float32 network
    mixed = df.assign(age=np.arange(len(df)) % 7)  # an int column beside floats: float64
    ridge = fastoptim.Ridge().fit(mixed, y)
    assert ridge.coef_.dtype == np.float64
    np.testing.assert_allclose(ridge.predict(mixed),
                               fastoptim.Ridge().fit(mixed.to_numpy(float), y).predict(
                                   mixed.to_numpy(float)), rtol=1e-12)
    with_na = df.astype({"age": "Float64"})
    with_na.loc[3, "age"] = pd.NA
    with pytest.raises((ValueError, TypeError), match="X"):
        fastoptim.Ridge().fit(with_na, y)
    text = df.assign(age=["a"] * len(df))
    with pytest.raises((ValueError, TypeError), match="X"):
        fastoptim.Ridge().fit(text, y)


def test_sparse_and_dask_inputs_have_no_names():
    df, y = _data("Ridge")
    est = fastoptim.Ridge().fit(df, y)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(sp.csr_matrix(df.to_numpy()))
    da = pytest.importorskip("dask.array")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a dask array: nothing to check, and no warning
        lazy = est.predict(da.from_array(df.to_numpy(), chunks=(20, 4)))
        np.testing.assert_allclose(lazy.compute(), est.predict(df), rtol=1e-12)


@pytest.mark.parametrize("case", [c for c in ESTIMATORS if c != "KernelRidge"])
def test_model_files_keep_the_names(tmp_path, case):
    df, y = _data(case)
    est = _fit(_make(case), df, y)
    save_model(est, tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    assert model.feature_names_in_.tolist() == NAMES
    assert model.feature_names_in_.dtype == object
    np.testing.assert_array_equal(model.predict(df), est.predict(df))
    with pytest.raises(ValueError, match="same order"):
        model.predict(df[NAMES[::-1]])


def test_a_tampered_name_list_in_a_model_file_is_refused(tmp_path):
    import json
    df, y = _data("Ridge")
    save_model(fastoptim.Ridge().fit(df, y), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        entries = {k: z[k] for k in z.files}
    for items, what in ((["age", "age", "weight", "score"], "repeats a column name"),
                        (["age", 3, "weight", "score"], "must be an object array of 4 strings"),
                        (["age", "weight"], "must be an object array of 4 strings")):
        meta = json.loads(str(entries["__meta__"]))
        meta["attributes"]["feature_names_in_"] = {"kind": "object_array",
                                                   "shape": [len(items)], "items": items}
        bad = dict(entries, __meta__=np.array(json.dumps(meta)))
        np.savez(tmp_path / "bad.npz", **bad)
        with pytest.raises(ValueError, match=rf"Ridge\.feature_names_in_ {what}"):
            load_model(tmp_path / "bad.npz")
