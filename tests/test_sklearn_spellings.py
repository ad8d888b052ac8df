"""Today's scikit-learn spellings on the linear classifiers (issue 16, items 5 and 9):
C=np.inf, l1_ratio, n_jobs, LinearSVC(penalty='l2'), sparsify() / densify()."""
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import LinearSVC, LogisticRegression, SoftmaxRegression
from fastoptim.exceptions import ConvergenceWarning, NotFittedError
from fastoptim.model_io import load_model, save_model


def _data(n_classes=2, n=200, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    W = rng.normal(size=(n_classes, p))
    y = np.argmax(X @ W.T + rng.gumbel(size=(n, n_classes)), axis=1)
    return X, y


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
def test_C_inf_is_no_penalty(n_classes, solver):
    X, y = _data(n_classes, seed=1)
    a = LogisticRegression(C=np.inf, solver=solver, tol=1e-10, max_iter=1000).fit(X, y)
    b = LogisticRegression(penalty=None, solver=solver, tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-12)
    sklm = pytest.importorskip("sklearn.linear_model")
    ref = sklm.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("C", [0.0, -1.0, np.nan, -np.inf])
def test_C_must_be_positive(C):
    X, y = _data()
    with pytest.raises(ValueError, match="C must be a number > 0"):
        LogisticRegression(C=C).fit(X, y)


def test_l1_ratio_spells_the_penalty():
    """scikit-learn >= 1.8 spells the penalty by l1_ratio alone: 0 is L2 (any solver), a
    share of L1 needs a solver that can take it (the error names them) and is then the
    penalty='elasticnet' / 'l1' problem."""
    X, y = _data(3)
    a = LogisticRegression(l1_ratio=0.0).fit(X, y)
    b = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert SoftmaxRegression(l1_ratio=0).fit(X, y).coef_.shape == (3, 6)
    for share in (0.5, 1.0):
        with pytest.raises(ValueError, match=r"solver='lbfgs' does not handle the L1 / "
                                             r"elastic-net penalty.*'newton-cd', 'saga' or 'sgd'"):
            LogisticRegression(l1_ratio=share).fit(X, y)
        spelled = LogisticRegression(l1_ratio=share, solver="newton-cd", random_state=0).fit(X, y)
        named = LogisticRegression(penalty="elasticnet", l1_ratio=share, solver="newton-cd",
                                   random_state=0).fit(X, y)
        np.testing.assert_array_equal(spelled.coef_, named.coef_)
    for bad in (-0.1, 1.5, "l1", True):
        with pytest.raises(ValueError, match="l1_ratio must be a number in"):
            LogisticRegression(l1_ratio=bad).fit(X, y)


def test_n_jobs_is_n_threads():
    X, y = _data(3)
    ref = LogisticRegression(n_threads=1).fit(X, y)
    np.testing.assert_array_equal(LogisticRegression(n_jobs=1).fit(X, y).coef_, ref.coef_)
    np.testing.assert_array_equal(LogisticRegression(n_jobs=2, n_threads=2).fit(X, y).predict(X),
                                  ref.predict(X))
    with pytest.raises(ValueError, match="n_jobs=1 and n_threads=2 disagree"):
        LogisticRegression(n_jobs=1, n_threads=2).fit(X, y)
    with pytest.raises(ValueError, match="n_jobs=1 and n_threads=2 disagree"):
        LogisticRegression(n_jobs=1, n_threads=2, solver="sgd").partial_fit(X, y, classes=[0, 1, 2])
    assert LogisticRegression(n_jobs=3).get_params()["n_jobs"] == 3


def test_linear_svc_penalty():
    X, y = _data()
    a = LinearSVC(penalty="l2", random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.coef_, LinearSVC(random_state=0).fit(X, y).coef_)
    sparse = LinearSVC(penalty="l1", dual=False, random_state=0).fit(X, y)  # scikit-learn's
    assert sparse.solver_ == "newton-cd"                                  # spelling of L1
    with pytest.raises(ValueError, match="penalty must be 'l2' or 'l1', got 'elasticnet'"):
        LinearSVC(penalty="elasticnet").fit(X, y)


_CLASSIFIERS = [
    ("logistic-binary", lambda: LogisticRegression(), 2),
    ("logistic-multinomial", lambda: LogisticRegression(), 3),
    ("logistic-ovr", lambda: LogisticRegression(multi_class="ovr"), 3),
    ("softmax", lambda: SoftmaxRegression(), 3),
    ("linearsvc", lambda: LinearSVC(random_state=0), 2),
    ("linearsvc-ovr", lambda: LinearSVC(random_state=0), 3),
]


@pytest.mark.parametrize("sparse_X", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("name,make,n_classes", _CLASSIFIERS, ids=[c[0] for c in _CLASSIFIERS])
def test_sparsify_densify(name, make, n_classes, sparse_X):
    X, y = _data(n_classes, seed=4)
    X[:, 2] = 0.0  # a feature the data never uses
    Xf = sp.csr_matrix(X) if sparse_X else X
    model = make().fit(Xf, y)
    dense = model.coef_.copy()
    scores = model.decision_function(Xf)
    assert model.sparsify() is model
    assert sp.issparse(model.coef_) and model.coef_.format == "csr"
    np.testing.assert_array_equal(model.coef_.toarray(), dense)
    np.testing.assert_allclose(model.decision_function(Xf), scores, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(model.predict(Xf), make().fit(Xf, y).predict(Xf))
    if hasattr(model, "predict_proba"):
        np.testing.assert_allclose(model.predict_proba(X), make().fit(X, y).predict_proba(X),
                                   rtol=1e-12, atol=1e-14)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(Xf), model.predict(Xf))
    assert model.densify() is model
    assert isinstance(model.coef_, np.ndarray)
    np.testing.assert_array_equal(model.coef_, dense)


def test_sparsify_then_warm_start_and_partial_fit():
    X, y = _data(3, seed=5)
    model = LogisticRegression(warm_start=True).fit(X, y).sparsify()
    model.fit(X, y)  # continues from the sparse coefficients
    assert isinstance(model.coef_, np.ndarray)
    online = LogisticRegression(solver="sgd", random_state=0)
    online.partial_fit(X, y, classes=[0, 1, 2])
    online.sparsify()
    online.partial_fit(X, y)
    assert isinstance(online.coef_, np.ndarray) and np.all(np.isfinite(online.coef_))


def test_sparsify_needs_a_fit():
    for est in (LogisticRegression(), SoftmaxRegression(), LinearSVC()):
        with pytest.raises(NotFittedError):
            est.sparsify()
        with pytest.raises(NotFittedError):
            est.densify()


def test_sparse_coef_model_saves_and_loads(tmp_path):
    X, y = _data(3, seed=6)
    model = LogisticRegression().fit(X, y).sparsify()
    path = tmp_path / "m.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        save_model(model, path)
    np.testing.assert_array_equal(load_model(path).predict(X), model.predict(X))


def test_matches_sklearn_sparsify():
    sklm = pytest.importorskip("sklearn.linear_model")
    X, y = _data(3, seed=7)
    ours = LogisticRegression(tol=1e-10).fit(X, y).sparsify()
    theirs = sklm.LogisticRegression(tol=1e-12, max_iter=10000).fit(X, y).sparsify()
    np.testing.assert_allclose(ours.coef_.toarray(), theirs.coef_.toarray(), atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("loss,solver", [("squared_hinge", "newton-cholesky"),
                                         ("squared_hinge", "newton-cg"),
                                         ("squared_hinge", "lbfgs"), ("hinge", "lbfgs")])
def test_linear_svc_primal_records_the_objective_per_iteration(loss, solver):
    """loss_curve_ of the full-batch primal solvers (issue 16, item 12): one entry per
    iteration, never increasing, ending at LinearSVC's objective at the solution."""
    X, y = _data(2, seed=9)
    w = np.random.default_rng(9).uniform(0.5, 2.0, size=len(y))
    m = LinearSVC(dual=False, loss=loss, solver=solver, C=0.7, intercept_scaling=2.0,
                  tol=1e-8, max_iter=2000).fit(X, y, sample_weight=w)
    curve = np.asarray(m.loss_curve_)
    assert len(curve) == m.n_iter_
    assert np.all(np.diff(curve) <= 1e-12 * curve[0])
    yy = np.where(y == 1, 1.0, -1.0)
    xi = np.maximum(0.0, 1.0 - yy * m.decision_function(X))
    coef, b = m.coef_.ravel(), float(m.intercept_[0])
    primal = 0.5 * coef @ coef + 0.5 * b * b / 4.0 + 0.7 * np.sum(w * (xi ** 2 if loss ==
                                                                       "squared_hinge" else xi))
    assert curve[-1] == pytest.approx(primal, rel=1e-9)
    ovr = LinearSVC(dual=False, random_state=0).fit(*_data(3, seed=9))
    assert len(ovr.loss_curve_) == 3 and all(len(c) >= 1 for c in ovr.loss_curve_)
    assert not hasattr(LinearSVC(dual=True, random_state=0).fit(X, y), "loss_curve_")
