"""Lasso, ElasticNet, lasso_path and enet_path (issue 22, item 1): coordinate descent in C.

- the C passes against the NumPy oracle (fastoptim.reference.coordinate_descent) on every
  layout (dense column-major, CSC with implicit centering, Gram), dtype, weights, intercept;
- scikit-learn's Lasso / ElasticNet coefficients to 1e-8 at tol=1e-12 on diabetes,
  California housing, reuters (and a9a at tol=1e-10, where its one-hot columns make the
  solution set flat and scikit-learn's pass test is never met at 1e-12), the same zeros;
- the paths equal scikit-learn's, alphas included; the duality gap below tol; KKT directly;
- CSR = dense, float32 = float64 within float32's tolerance, screening on = off, BLAS
  thread counts agree; warm starts, random selection, positive, sample weights, several
  targets; the bad inputs of the issue.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import ElasticNet, Lasso, enet_path, lasso_path
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.linear_model._coordinate_descent import _Problem
from fastoptim.reference.coordinate_descent import (center, enet_cd, enet_gap,
                                                    enet_kkt_violation, enet_objective)

from conftest import DATA_DIR, assert_rel

RNG = np.random.RandomState(0)


def _regression(n=60, d=15, density=1.0, seed=0, dtype=np.float64):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d) * rng.uniform(0.5, 3.0, d) + rng.uniform(-2, 2, d)
    if density < 1.0:
        X[rng.rand(n, d) > density] = 0.0
    w = np.zeros(d)
    w[: d // 3] = rng.randn(d // 3) * 3
    y = X @ w + 0.5 * rng.randn(n) + 4.0
    return X.astype(dtype), y.astype(dtype)


def _diabetes():
    datasets = pytest.importorskip("sklearn.datasets")
    return datasets.load_diabetes(return_X_y=True)


def _sklearn():
    return pytest.importorskip("sklearn.linear_model")


# -- the C passes against the NumPy oracle -------------------------------------------------

LAYOUTS = [("dense", False, False), ("csc", True, False), ("gram", False, True),
           ("sparse-gram", True, True)]


@pytest.mark.parametrize("layout,sparse,gram", LAYOUTS, ids=[x[0] for x in LAYOUTS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_passes_equal_the_numpy_oracle(layout, sparse, gram, dtype, fit_intercept, weighted,
                                       positive):
    X, y = _regression(density=0.4 if sparse else 1.0, dtype=dtype)
    sw = RNG.uniform(0.2, 3.0, X.shape[0]) if weighted else None
    Xin = sp.csr_matrix(X) if sparse else X
    problem = _Problem(Xin, y.reshape(-1, 1), sw, fit_intercept, gram, False)
    Xc, yc, xo, yo, n = center(X.astype(np.float64), y.astype(np.float64), sw, fit_intercept)
    for alpha, l1_ratio in ((0.05, 1.0), (0.2, 0.4), (0.01, 0.0)):
        w = np.zeros(X.shape[1])
        problem.solve(0, alpha, l1_ratio, w, tol=1e-300, max_iter=4, positive=positive,
                      random=False, seed=0, screening=False)
        ref = enet_cd(Xc, yc, alpha, l1_ratio, n_passes=4, positive=positive)
        # float32 X: the oracle centers in float64, the solver copies X in float32
        assert_rel(w, ref, 1e-11 if dtype == np.float64 else 2e-5, f"{layout} {alpha}")


@pytest.mark.parametrize("layout,sparse,gram", LAYOUTS, ids=[x[0] for x in LAYOUTS])
def test_the_reported_gap_is_the_oracles(layout, sparse, gram):
    X, y = _regression(density=0.5 if sparse else 1.0)
    Xc, yc, *_ = center(X, y)
    problem = _Problem(sp.csr_matrix(X) if sparse else X, y.reshape(-1, 1), None, True, gram,
                       False)
    w = np.zeros(X.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gap, n_iter, _ = problem.solve(0, 0.1, 0.7, w, tol=1e-300, max_iter=3, positive=False,
                                       random=False, seed=0, screening=False)
    assert n_iter == 3
    assert gap == pytest.approx(enet_gap(Xc, yc, w, 0.1, 0.7), rel=1e-9, abs=1e-13)


# -- scikit-learn's solutions ---------------------------------------------------------------

def _compare(est, ref, X, y, coef_rtol=1e-8, **fit):
    est.fit(X, y, **fit)
    ref.fit(X, y, **fit)
    assert_rel(est.coef_, ref.coef_, coef_rtol, "coef_")
    # the same zeros, where scikit-learn's are clearly zero or clearly not
    big = np.abs(ref.coef_) > 1e-6 * max(np.abs(ref.coef_).max(), 1e-300)
    assert np.all((est.coef_ != 0)[big]), "a clear nonzero became zero"
    assert np.array_equal(est.coef_ == 0, ref.coef_ == 0), "the supports differ"
    scale = max(1.0, abs(float(np.mean(y))))
    assert abs(float(est.intercept_) - float(ref.intercept_)) <= 1e-8 * scale * 10
    return est


@pytest.mark.parametrize("alpha", [1e-3, 0.05, 1.0])
@pytest.mark.parametrize("kind", ["dense", "csr", "gram"])
def test_lasso_equals_sklearn_on_diabetes(alpha, kind):
    skl = _sklearn()
    X, y = _diabetes()
    Xin = sp.csr_matrix(X) if kind == "csr" else X
    pre = kind == "gram"
    est = _compare(Lasso(alpha=alpha, tol=1e-12, max_iter=100000, precompute=pre),
                   skl.Lasso(alpha=alpha, tol=1e-12, max_iter=100000, precompute=pre), Xin, y)
    assert est.n_iter_ >= 1 and est.dual_gap_ <= 1e-12 * np.sum((y - y.mean()) ** 2) / len(y)


@pytest.mark.parametrize("l1_ratio", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("kind", ["dense", "csr", "gram"])
def test_elastic_net_equals_sklearn_on_diabetes(l1_ratio, kind):
    skl = _sklearn()
    X, y = _diabetes()
    Xin = sp.csr_matrix(X) if kind == "csr" else X
    pre = kind == "gram"
    for alpha in (1e-3, 0.1):
        _compare(ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000,
                            precompute=pre),
                 skl.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000,
                                precompute=pre), Xin, y)


def test_weights_positive_and_no_intercept_equal_sklearn():
    skl = _sklearn()
    X, y = _diabetes()
    sw = np.random.RandomState(1).uniform(0.1, 3.0, len(y))
    for Xin in (X, sp.csr_matrix(X)):
        _compare(ElasticNet(alpha=0.01, l1_ratio=0.7, tol=1e-12, max_iter=100000),
                 skl.ElasticNet(alpha=0.01, l1_ratio=0.7, tol=1e-12, max_iter=100000), Xin, y,
                 sample_weight=sw)
        est = _compare(Lasso(alpha=0.05, positive=True, tol=1e-12, max_iter=100000),
                       skl.Lasso(alpha=0.05, positive=True, tol=1e-12, max_iter=100000), Xin, y)
        assert est.coef_.min() >= 0 and np.any(est.coef_ == 0)
        _compare(Lasso(alpha=0.05, fit_intercept=False, tol=1e-12, max_iter=100000),
                 skl.Lasso(alpha=0.05, fit_intercept=False, tol=1e-12, max_iter=100000), Xin, y)


def _shared(name, loader, *args):
    if not (DATA_DIR / name).is_dir():
        pytest.skip(f"../shared/data/{name} is absent")
    return loader(DATA_DIR / name, *args)


def test_lasso_equals_sklearn_on_california_housing():
    skl = _sklearn()
    from fastoptim.datasets import load_california_housing
    X, y = _shared("california-housing", load_california_housing)[:2]
    for alpha in (1e-2, 1.0):
        _compare(Lasso(alpha=alpha, tol=1e-12, max_iter=100000, precompute=True),
                 skl.Lasso(alpha=alpha, tol=1e-12, max_iter=100000, precompute=True), X, y)
    _compare(ElasticNet(alpha=0.1, tol=1e-12, max_iter=100000),
             skl.ElasticNet(alpha=0.1, tol=1e-12, max_iter=100000), X, y)


def test_elastic_net_equals_sklearn_on_reuters():
    skl = _sklearn()
    from fastoptim.datasets import load_reuters
    X, y, _, _ = _shared("reuters-lasvm", load_reuters)
    for alpha in (1e-3, 1e-4):
        est = _compare(ElasticNet(alpha=alpha, l1_ratio=0.8, tol=1e-12, max_iter=100000),
                       skl.ElasticNet(alpha=alpha, l1_ratio=0.8, tol=1e-12, max_iter=100000),
                       X, y)
        assert 0 < np.count_nonzero(est.coef_) < X.shape[1] // 10  # sparse, not empty


def test_lasso_on_a9a_equals_sklearn_and_is_optimal():
    skl = _sklearn()
    from fastoptim.datasets import load_a9a
    X, y, _, _ = _shared("a9a", load_a9a)
    est = Lasso(alpha=1e-3, tol=1e-10, max_iter=3000).fit(X, y)
    ref = skl.Lasso(alpha=1e-3, tol=1e-10, max_iter=3000).fit(X, y)
    assert_rel(est.coef_, ref.coef_, 1e-8, "coef_")
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=0, atol=1e-10)
    Xc, yc, *_ = center(X, y)
    assert enet_kkt_violation(Xc, yc, est.coef_, 1e-3, 1.0) < 1e-10
    assert est.dual_gap_ <= 1e-10 * (yc @ yc) / len(y)
    assert enet_gap(Xc, yc, est.coef_, 1e-3, 1.0) <= 1e-10 * (yc @ yc) / len(y) * 1.01


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_equals_scipy_lbfgsb_on_the_split_problem(sparse, l1_ratio):
    """An independent solver of the same objective: scipy's L-BFGS-B on w = u - v, u, v >= 0
    (smooth, bound-constrained), on the centered data."""
    from scipy.optimize import minimize
    X, y = _regression(n=80, d=12, density=0.5 if sparse else 1.0)
    alpha = 0.05
    est = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000).fit(
        sp.csr_matrix(X) if sparse else X, y)
    Xc, yc, *_ = center(X, y)
    n, d = Xc.shape

    def fg(x):
        u, v = x[:d], x[d:]
        w = u - v
        r = yc - Xc @ w
        g = -Xc.T @ r / n + alpha * (1 - l1_ratio) * w
        f = enet_objective(Xc, yc, w, alpha, l1_ratio) + alpha * l1_ratio * (
            u.sum() + v.sum() - np.abs(w).sum())
        return f, np.concatenate([g + alpha * l1_ratio, -g + alpha * l1_ratio])

    res = minimize(fg, np.zeros(2 * d), jac=True, method="L-BFGS-B", bounds=[(0, None)] * (2 * d),
                   options={"maxiter": 20000, "ftol": 1e-16, "gtol": 1e-12})
    ref = res.x[:d] - res.x[d:]
    f, f_ref = (enet_objective(Xc, yc, w, alpha, l1_ratio) for w in (est.coef_, ref))
    assert f <= f_ref * (1 + 1e-12)
    assert f == pytest.approx(f_ref, rel=1e-10)
    assert_rel(est.coef_, ref, 1e-5, "vs L-BFGS-B")


# -- the paths -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["dense", "csr", "gram", "csr-gram"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_paths_equal_sklearn(kind, l1_ratio):
    skl = _sklearn()
    X, y = _diabetes()
    X = X - X.mean(axis=0)
    y = y - y.mean()
    Xin = sp.csr_matrix(X) if kind.startswith("csr") else X
    pre = "auto" if kind.endswith("gram") else False  # csr-gram: our sparse Gram matrix
    ours = enet_path(Xin, y, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000, precompute=pre,
                     n_alphas=30, return_n_iter=True)
    import sklearn
    grid = ({"alphas": 30} if tuple(map(int, sklearn.__version__.split(".")[:2])) >= (1, 9)
            else {"n_alphas": 30})  # scikit-learn 1.9 renamed n_alphas
    ref = skl.enet_path(Xin, y, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000,
                        precompute=pre if kind == "gram" else False, **grid)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-14)
    assert_rel(ours[1], ref[1], 1e-8, "coefs")
    assert np.array_equal(ours[1] == 0, ref[1] == 0)
    assert np.all(ours[2] <= 1e-12 * (y @ y) / len(y))
    assert len(ours[3]) == 30 and all(k >= 0 for k in ours[3])
    assert np.all(ours[1][:, 0] == 0)  # alpha_max: every coefficient is zero
    if l1_ratio == 1.0:
        lp = lasso_path(Xin, y, tol=1e-12, max_iter=100000, precompute=pre, alphas=30)
        np.testing.assert_array_equal(lp[1], ours[1])


def test_path_on_a9a_is_optimal_at_every_alpha():
    from fastoptim.datasets import load_a9a
    X, y, _, _ = _shared("a9a", load_a9a)
    Xc, yc, *_ = center(X, y)
    alphas, coefs, gaps = lasso_path(sp.csr_matrix(Xc), yc, n_alphas=20, eps=1e-2, tol=1e-8)
    for a, w in zip(alphas, coefs.T):
        assert enet_kkt_violation(Xc, yc, w, a, 1.0) < 1e-6 * a
    assert np.all(gaps <= 1e-8 * (yc @ yc) / len(yc))
    nnz = np.count_nonzero(coefs, axis=0)
    assert nnz[0] == 0 and nnz[-1] > 20 and np.all(np.diff(nnz) >= -3)  # grows along the path


def test_path_takes_given_alphas_and_a_warm_start():
    X, y = _regression()
    Xc, yc, *_ = center(X, y)
    alphas, coefs, _ = enet_path(Xc, yc, alphas=[0.01, 1.0, 0.1], l1_ratio=0.5, tol=1e-12,
                                 max_iter=10000)
    np.testing.assert_array_equal(alphas, [1.0, 0.1, 0.01])
    for a, w in zip(alphas, coefs.T):
        assert enet_kkt_violation(Xc, yc, w, a, 0.5) < 1e-9
    _, c2, _, n_iter = enet_path(Xc, yc, alphas=[0.01], l1_ratio=0.5, tol=1e-12,
                                 max_iter=10000, coef_init=coefs[:, -1], return_n_iter=True)
    assert n_iter == [0]  # the start is optimal already: the first gap check stops
    np.testing.assert_array_equal(c2[:, 0], coefs[:, -1])


# -- optimality, layouts, dtypes, threads ---------------------------------------------------

@pytest.mark.parametrize("l1_ratio", [1.0, 0.6, 0.0])
def test_kkt_and_gap_hold_at_the_end(l1_ratio):
    X, y = _regression(n=80, d=30)
    for alpha in (0.01, 0.3):
        est = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000).fit(X, y)
        Xc, yc, *_ = center(X, y)
        assert enet_kkt_violation(Xc, yc, est.coef_, alpha, l1_ratio) < 1e-9
        if l1_ratio > 0:
            assert enet_gap(Xc, yc, est.coef_, alpha, l1_ratio) <= 1e-12 * (yc @ yc) / 80 * 1.01
            zero = est.coef_ == 0
            g = np.abs(Xc.T @ (yc - Xc @ est.coef_) / 80)
            assert np.all(g[zero] <= alpha * l1_ratio * (1 + 1e-9))
        # the objective cannot be lowered by any small move
        f = enet_objective(Xc, yc, est.coef_, alpha, l1_ratio)
        for _ in range(5):
            step = 1e-5 * RNG.randn(30)
            assert enet_objective(Xc, yc, est.coef_ + step, alpha, l1_ratio) >= f - 1e-15


def test_csr_equals_dense_and_f32_is_close():
    X, y = _regression(n=200, d=40, density=0.3)
    ref = ElasticNet(alpha=0.05, l1_ratio=0.7, tol=1e-12, max_iter=100000).fit(X, y)
    for Xin in (sp.csr_matrix(X), sp.csc_matrix(X)):
        got = ElasticNet(alpha=0.05, l1_ratio=0.7, tol=1e-12, max_iter=100000).fit(Xin, y)
        assert_rel(got.coef_, ref.coef_, 1e-10, "sparse coef_")
        assert got.intercept_ == pytest.approx(ref.intercept_, rel=1e-10)
    for Xin in (X.astype(np.float32), sp.csr_matrix(X.astype(np.float32))):
        got = ElasticNet(alpha=0.05, l1_ratio=0.7, tol=1e-8).fit(Xin, y.astype(np.float32))
        assert got.coef_.dtype == np.float32 and isinstance(got.intercept_, np.float32)
        assert got.predict(Xin).dtype == np.float32
        assert_rel(got.coef_, ref.coef_, 1e-4, "float32 coef_")


def test_screening_does_not_change_the_solution():
    X, y = _regression(n=50, d=200, density=0.2)  # wide: most features screened out
    for sparse, gram in ((False, False), (True, False), (False, True)):
        problem = _Problem(sp.csr_matrix(X) if sparse else X, y.reshape(-1, 1), None, True,
                           gram, False)
        out = []
        for screening in (True, False):
            w = np.zeros(200)
            problem.solve(0, 0.2, 1.0, w, tol=1e-12, max_iter=100000, positive=False,
                          random=False, seed=0, screening=screening)
            out.append(w)
        assert_rel(out[0], out[1], 1e-9, "screened")
        assert 0 < np.count_nonzero(out[0]) < 60


def test_blas_thread_counts_agree():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    X, y = _regression(n=3000, d=50)
    fits = []
    for n in (1, 2):
        with threadpoolctl.threadpool_limits(n):
            fits.append(Lasso(alpha=0.01, precompute=True, tol=1e-12).fit(X, y).coef_)
            fits.append(Lasso(alpha=0.01, tol=1e-12, precompute=False).fit(X, y).coef_)
    assert_rel(fits[2], fits[0], 1e-12, "gram")
    np.testing.assert_array_equal(fits[3], fits[1])  # the dense solver: one thread, no BLAS


def test_random_selection_is_repeatable_and_reaches_the_same_optimum():
    X, y = _regression(n=100, d=30)
    cyc = Lasso(alpha=0.02, tol=1e-12, max_iter=100000).fit(X, y)
    r1 = Lasso(alpha=0.02, tol=1e-12, max_iter=100000, selection="random",
               random_state=3).fit(X, y)
    r2 = Lasso(alpha=0.02, tol=1e-12, max_iter=100000, selection="random",
               random_state=3).fit(X, y)
    np.testing.assert_array_equal(r1.coef_, r2.coef_)
    assert_rel(r1.coef_, cyc.coef_, 1e-8, "random")


def test_warm_start_continues_from_the_last_fit():
    X, y = _regression(n=100, d=30)
    est = Lasso(alpha=0.02, tol=1e-10, max_iter=100000, warm_start=True).fit(X, y)
    first = est.n_iter_
    est.fit(X, y)
    assert est.n_iter_ <= 1 < first
    est.set_params(alpha=0.019).fit(X, y)
    cold = Lasso(alpha=0.019, tol=1e-10, max_iter=100000).fit(X, y)
    assert est.n_iter_ < cold.n_iter_
    assert_rel(est.coef_, cold.coef_, 1e-7, "warm")


def test_several_targets_fit_one_model_each():
    X, y = _regression()
    Y = np.c_[y, -2 * y + 1, X[:, 0]]
    est = ElasticNet(alpha=0.1, tol=1e-12, max_iter=10000).fit(X, Y)
    assert est.coef_.shape == (3, X.shape[1]) and est.intercept_.shape == (3,)
    assert est.dual_gap_.shape == (3,) and est.n_iter_.shape == (3,)
    for k in range(3):
        for pre in (False, "auto"):  # 'auto' takes the Gram path here: X^T Y in one product
            one = ElasticNet(alpha=0.1, tol=1e-12, max_iter=10000, precompute=pre).fit(
                X, Y[:, k])
            assert_rel(est.coef_[k], one.coef_, 1e-12, f"target {k}")
            assert est.intercept_[k] == pytest.approx(one.intercept_, rel=1e-12, abs=1e-12)
    assert est.predict(X).shape == (X.shape[0], 3)
    assert est.sparse_coef_.shape == (3, X.shape[1])


def test_auto_precompute_picks_the_gram_matrix_where_it_pays():
    """precompute='auto' on the shapes of the benchmarks (fastoptim.linear_model.
    _coordinate_descent._auto_gram): the Gram matrix for few features or sparse rows with
    few nonzeros, the data itself otherwise; a path makes more passes, so it takes the Gram
    matrix for more shapes."""
    from fastoptim._core import _cd
    rng = np.random.RandomState(0)

    def layout(X, path=False):
        y = rng.randn(X.shape[0]).reshape(-1, 1)
        return _Problem(X, y, None, True, "auto", path).layout

    assert layout(rng.randn(2000, 8)) == _cd.GRAM            # California's shape
    assert layout(rng.randn(2000, 300)) == _cd.DENSE         # payback 19 passes > 10
    assert layout(rng.randn(2000, 300), path=True) == _cd.GRAM
    assert layout(rng.randn(200, 300), path=True) == _cd.DENSE   # wide: never
    a9a_like = sp.random(5000, 123, density=0.11, random_state=0, format="csr")
    assert layout(a9a_like) == _cd.GRAM                       # 13.5 nonzeros per row
    dense_rows = sp.random(2000, 200, density=0.3, random_state=0, format="csr")
    assert layout(dense_rows) == _cd.CSC                      # 60 per row: payback 30 passes
    assert layout(dense_rows, path=True) == _cd.GRAM
    assert layout(sp.random(300, 3000, density=0.01, random_state=0, format="csr"),
                  path=True) == _cd.CSC                       # reuters' shape: wide


def test_integer_weights_equal_repeated_rows():
    X, y = _regression(n=40, d=8)
    sw = np.random.RandomState(2).randint(0, 4, 40)
    wfit = ElasticNet(alpha=0.05, tol=1e-12, max_iter=100000).fit(X, y, sample_weight=sw)
    rows = np.repeat(np.arange(40), sw)
    rfit = ElasticNet(alpha=0.05, tol=1e-12, max_iter=100000).fit(X[rows], y[rows])
    assert_rel(wfit.coef_, rfit.coef_, 1e-9, "weights")


def test_constant_and_zero_columns_get_zero_weight():
    X, y = _regression(n=50, d=6)
    X[:, 2] = 3.0
    X[:, 4] = 0.0
    for Xin in (X, sp.csr_matrix(X)):
        for pre in (False, True):
            est = ElasticNet(alpha=0.01, l1_ratio=0.5, precompute=pre).fit(Xin, y)
            assert est.coef_[2] == 0 and est.coef_[4] == 0
            assert np.all(np.isfinite(est.coef_))


def test_a_given_gram_matrix_is_checked_or_recomputed():
    X, y = _regression(n=80, d=10)
    ref = Lasso(alpha=0.05, tol=1e-12, max_iter=10000).fit(X, y)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    given = Lasso(alpha=0.05, tol=1e-12, max_iter=10000, precompute=Xc.T @ Xc,
                  fit_intercept=False).fit(Xc, yc)
    assert_rel(given.coef_, ref.coef_, 1e-10, "centered Gram")
    with pytest.warns(UserWarning, match="Gram matrix was provided but X was centered"):
        other = Lasso(alpha=0.05, tol=1e-12, max_iter=10000, precompute=X.T @ X).fit(X, y)
    assert_rel(other.coef_, ref.coef_, 1e-10, "recomputed Gram")


def test_paths_take_a_gram_matrix_and_xy():
    skl = _sklearn()
    X, y = _diabetes()
    X, y = X - X.mean(axis=0), y - y.mean()
    G, Xy = X.T @ X, X.T @ y
    ours = lasso_path(X, y, precompute=G, Xy=Xy, alphas=[1.0, 0.1, 0.01], tol=1e-12,
                      max_iter=100000)
    ref = skl.lasso_path(X, y, precompute=G, Xy=Xy, alphas=[1.0, 0.1, 0.01], tol=1e-12,
                         max_iter=100000)
    assert_rel(ours[1], ref[1], 1e-8, "coefs")
    for Xin in (X, sp.csr_matrix(X)):
        plain = lasso_path(Xin, y, precompute=G, alphas=[1.0, 0.1, 0.01], tol=1e-12,
                           max_iter=100000)
        assert_rel(plain[1], ours[1], 1e-12, "Xy computed")
    with pytest.raises(ValueError, match="Xy goes with a Gram matrix"):
        lasso_path(X, y, Xy=Xy)
    with pytest.raises(ValueError, match="Xy must have shape"):
        lasso_path(X, y, precompute=G, Xy=Xy[:3])
    with pytest.raises(ValueError, match="did not pass validation"):
        lasso_path(X, y, precompute=G + np.eye(X.shape[1]), Xy=Xy)


def test_overflowing_data_is_refused_not_nan():
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.randint(0, 2, size=10).astype(float)
    for fit_intercept in (True, False):
        for pre in (False, True):
            with pytest.raises(ValueError, match="non-finite parameter values"):
                ElasticNet(alpha=0.1, fit_intercept=fit_intercept, precompute=pre).fit(X, y)


def test_max_iter_warns_and_reports_the_gap():
    X, y = _regression(n=100, d=40)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        est = Lasso(alpha=1e-4, tol=1e-14, max_iter=2).fit(X, y)
    assert est.n_iter_ == 2 and est.dual_gap_ > 0 and np.all(np.isfinite(est.coef_))


def test_alpha_zero_warns_and_solves_least_squares():
    X, y = _regression(n=60, d=5)
    with pytest.warns(UserWarning, match="LinearRegression"):
        est = Lasso(alpha=0.0, tol=1e-12, max_iter=100000).fit(X, y)
    Xc, yc, *_ = center(X, y)
    np.testing.assert_allclose(est.coef_, np.linalg.lstsq(Xc, yc, rcond=None)[0], rtol=1e-8)


def test_the_docstring_examples_hold():
    import doctest

    from fastoptim.linear_model import _coordinate_descent
    result = doctest.testmod(_coordinate_descent, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [-0.1, 1.5, np.nan])
def test_l1_ratio_outside_0_1_is_refused(value):
    X, y = _regression()
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNet(l1_ratio=value).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        enet_path(X, y, l1_ratio=value)


def test_bad_parameters_name_the_argument():
    X, y = _regression()
    cases = [(Lasso(alpha=-1.0), ValueError, "alpha"),
             (Lasso(alpha="big"), TypeError, "alpha"),
             (Lasso(tol=0.0), ValueError, "tol"),
             (Lasso(max_iter=0), ValueError, "max_iter"),
             (Lasso(selection="shuffle"), ValueError, "selection"),
             (Lasso(precompute="always"), ValueError, "precompute"),
             (Lasso(precompute=np.eye(3)), ValueError, "precompute"),
             (Lasso(precompute=np.eye(X.shape[1]), fit_intercept=False), ValueError,
              "precompute did not pass validation"),
             (Lasso(positive="yes"), TypeError, "positive")]
    for est, exc, match in cases:
        with pytest.raises(exc, match=match):
            est.fit(X, y)
    with pytest.raises(ValueError, match="positive=True is for one target"):
        Lasso(positive=True).fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="y must have one column"):
        lasso_path(X, np.c_[y, y])
    with pytest.raises(ValueError, match="l1_ratio=0"):
        enet_path(X, y, l1_ratio=0.0)
    with pytest.raises(ValueError, match="coef_init"):
        lasso_path(X, y, coef_init=np.zeros(3))
    with pytest.raises(ValueError, match="alphas"):
        lasso_path(X, y, alphas=[-1.0])
    with pytest.raises(ValueError, match="n_alphas"):
        lasso_path(X, y, n_alphas=0)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="X"):
        Lasso().fit(Xn, y)
