"""LinearRegression and Ridge: scikit-learn's parameters (issue 16, items 5, 6, 7 and 9):
positive=True, alpha per target, copy_X, n_jobs, intercept_ as a NumPy scalar of X's dtype."""
import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp

from fastoptim import LinearRegression, Ridge


def _data(n=200, p=8, k=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 2.0, size=p) + rng.normal(size=p)
    B = rng.normal(size=(p,) if k is None else (p, k))
    y = X @ B + rng.normal(size=(n,) if k is None else (n, k)) + 3.0
    return X, y, rng.uniform(0.5, 2.0, size=n)


def _nnls_reference(X, y, w, alpha, fit_intercept):
    """min_{b >= 0} sum w (y - X b - b0)^2 + alpha |b|^2 by scipy's bounded least squares."""
    w = np.ones(len(y)) if w is None else w
    if fit_intercept:
        xm, ym = np.average(X, axis=0, weights=w), np.average(y, weights=w)
    else:
        xm, ym = np.zeros(X.shape[1]), 0.0
    s = np.sqrt(w)[:, None]
    A = np.vstack([(X - xm) * s, np.sqrt(alpha) * np.eye(X.shape[1])])
    rhs = np.r_[(y - ym) * s[:, 0], np.zeros(X.shape[1])]
    b = scipy.optimize.lsq_linear(A, rhs, bounds=(0, np.inf), method="bvls", tol=1e-15).x
    return b, ym - xm @ b


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("model,alpha", [(LinearRegression, 0.0), (Ridge, 3.0)])
def test_positive_is_non_negative_least_squares(model, alpha, fit_intercept, weighted, fmt):
    X, y, w = _data(seed=1)
    w = w if weighted else None
    kw = {} if model is LinearRegression else {"alpha": alpha}
    Xf = sp.csr_matrix(X) if fmt == "csr" else X
    m = model(positive=True, fit_intercept=fit_intercept, **kw).fit(Xf, y, sample_weight=w)
    b, b0 = _nnls_reference(X, y, w, alpha, fit_intercept)
    assert np.all(m.coef_ >= 0) and np.any(m.coef_ == 0)  # some bounds are active
    np.testing.assert_allclose(m.coef_, b, atol=1e-10)
    np.testing.assert_allclose(m.intercept_, b0, atol=1e-9)


@pytest.mark.parametrize("model,kw", [(LinearRegression, {}), (Ridge, {"alpha": 0.5})])
def test_positive_matches_sklearn(model, kw):
    sklm = pytest.importorskip("sklearn.linear_model")
    X, y, w = _data(k=3, seed=2)
    ours = model(positive=True, **kw).fit(X, y, sample_weight=w)
    theirs = getattr(sklm, model.__name__)(positive=True, **kw, **(
        {"tol": 1e-12} if model is Ridge else {})).fit(X, y, sample_weight=w)
    # scikit-learn's Ridge(positive=True) is L-BFGS-B (4e-7 off the exact solution at
    # tol=1e-12); its LinearRegression is scipy's NNLS, like ours
    atol = 1e-8 if model is LinearRegression else 1e-6
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=atol)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=atol)


def test_positive_with_collinear_columns():
    X, y, _ = _data(seed=3)
    X = np.c_[X, X[:, :2]]  # X^T X is singular: the eigen-decomposition path
    m = LinearRegression(positive=True).fit(X, y)
    b, b0 = _nnls_reference(X, y, None, 0.0, True)
    np.testing.assert_allclose(m.predict(X), X @ b + b0, atol=1e-8)
    assert np.all(m.coef_ >= 0)


@pytest.mark.parametrize("model", [LinearRegression, Ridge])
def test_positive_on_a_flat_problem_is_zero(model):
    """One sample (centered X is 0) or constant columns: H = 0 and b = 0, not garbage."""
    kw = {"alpha": 0.0} if model is Ridge else {}
    for X, y in (([[1.0]], [0.0]), ([[1.0, 2.0]] * 3, [1.0, 2.0, 3.0])):
        m = model(positive=True, **kw).fit(X, y)
        np.testing.assert_array_equal(m.coef_, np.zeros(np.shape(X)[1]))
        assert m.intercept_ == pytest.approx(np.mean(y))


@pytest.mark.parametrize("solver", ["svd", "cg", "lstsq", "sgd"])
def test_positive_names_the_solvers_that_take_it(solver):
    X, y, _ = _data()
    model = LinearRegression if solver == "lstsq" else Ridge
    with pytest.raises(ValueError, match="positive=True .* solver='auto' or 'cholesky'"):
        model(positive=True, solver=solver).fit(X, y)
    with pytest.raises(TypeError, match="positive must be True or False"):
        model(positive="yes").fit(X, y)


@pytest.mark.parametrize("solver", ["auto", "cholesky", "svd", "cg", "adam"])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_alpha_per_target(solver, fmt):
    if solver == "svd" and fmt == "csr":
        pytest.skip("'svd' factorizes a dense X")
    X, Y, w = _data(k=3, seed=4)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    alphas = np.array([0.01, 1.0, 100.0])
    Xf = sp.csr_matrix(X) if fmt == "csr" else X
    kw = {"tol": 1e-10} if solver == "cg" else ({"random_state": 0} if solver == "adam" else {})
    m = Ridge(alpha=alphas, solver=solver, **kw).fit(Xf, Y, sample_weight=w)
    for k, a in enumerate(alphas):
        one = Ridge(alpha=a, solver="svd").fit(X, Y[:, k], sample_weight=w)
        tol = 2e-3 if solver == "adam" else 1e-8
        np.testing.assert_allclose(m.coef_[k], one.coef_, atol=tol * max(1, np.abs(one.coef_).max()))
        np.testing.assert_allclose(m.intercept_[k], one.intercept_, atol=tol * 10)
    sklm = pytest.importorskip("sklearn.linear_model")
    if solver != "adam":
        theirs = sklm.Ridge(alpha=alphas).fit(X, Y, sample_weight=w)
        np.testing.assert_allclose(m.coef_, theirs.coef_, atol=1e-7)


def test_alpha_array_errors():
    X, Y, _ = _data(k=2)
    with pytest.raises(ValueError, match="alpha has 3 values but y has 2 target"):
        Ridge(alpha=[1.0, 2.0, 3.0]).fit(X, Y)
    with pytest.raises(ValueError, match="alpha must hold finite numbers >= 0"):
        Ridge(alpha=[1.0, -2.0]).fit(X, Y)
    with pytest.raises(TypeError, match="alpha must be a number >= 0 or a 1-D array"):
        Ridge(alpha=["a", "b"]).fit(X, Y)
    # one value in a list is that number
    np.testing.assert_array_equal(Ridge(alpha=[2.0]).fit(X, Y).coef_, Ridge(alpha=2.0).fit(X, Y).coef_)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("model", [LinearRegression, Ridge])
def test_single_target_intercept_is_a_numpy_scalar_of_X_dtype(model, fit_intercept, dtype):
    X, y, _ = _data()
    m = model(fit_intercept=fit_intercept).fit(X.astype(dtype), y)
    assert type(m.intercept_) is (dtype if fit_intercept else float)
    multi = model(fit_intercept=fit_intercept).fit(X.astype(dtype), np.c_[y, y])
    assert multi.intercept_.dtype == dtype and multi.intercept_.shape == (2,)
    sklm = pytest.importorskip("sklearn.linear_model")
    theirs = getattr(sklm, model.__name__)(fit_intercept=fit_intercept).fit(X.astype(dtype), y)
    assert np.asarray(theirs.intercept_).dtype == np.asarray(m.intercept_).dtype


def test_copy_X_and_n_jobs():
    X, y, _ = _data()
    before = X.copy()
    ref = LinearRegression().fit(X, y)
    for m in (LinearRegression(copy_X=False), Ridge(alpha=0.0, copy_X=False),
              LinearRegression(n_jobs=1), LinearRegression(n_jobs=2, n_threads=2)):
        np.testing.assert_allclose(m.fit(X, y).coef_, ref.coef_, rtol=1e-10)
        np.testing.assert_array_equal(X, before)  # X is never written into
    with pytest.raises(ValueError, match="n_jobs=1 and n_threads=2 disagree"):
        LinearRegression(n_jobs=1, n_threads=2).fit(X, y)
    assert LinearRegression(n_jobs=4).get_params()["n_jobs"] == 4
