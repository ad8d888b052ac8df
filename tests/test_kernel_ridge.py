"""KernelRidge: against scipy's solution of (K + alpha I) a = y, against Ridge for the
linear kernel, against scikit-learn's KernelRidge when installed, on California
housing when ../shared/data is there; its approximations; and its errors."""
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from fastoptim.exceptions import ConvergenceWarning, NotFittedError
from fastoptim.kernel_ridge import KernelRidge
from fastoptim.kernels import KERNELS, PAIRWISE_KERNELS
from fastoptim.reference.kernels import pairwise_kernels as reference_pairwise_kernels
from fastoptim.linear_model import Ridge

from conftest import DATA_DIR

CALIFORNIA = DATA_DIR / "california-housing" / "cal_housing.data"
PARAMS = {"linear": {}, "poly": dict(gamma=0.2, degree=2, coef0=1.0),
          "polynomial": dict(gamma=0.2, degree=2, coef0=1.0),
          "rbf": dict(gamma=0.15), "sigmoid": dict(gamma=0.05, coef0=0.2), "cosine": {},
          "laplacian": dict(gamma=0.3), "chi2": dict(gamma=0.4), "additive_chi2": {}}
CHI2 = ("chi2", "additive_chi2")


def _data(n=80, d=6, k=None, dtype=np.float64, seed=0, non_negative=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if non_negative:  # the chi-squared kernels' domain
        X = np.abs(X)
    W = rng.normal(size=(d, k or 1))
    Y = np.sin(X @ W) + 0.1 * rng.normal(size=(n, k or 1))
    y = Y[:, 0] if k is None else Y
    return X.astype(dtype), y.astype(dtype)


def _exact_dual(X, y, alpha, kernel, sw=None, **params):
    """a = S (S K S + alpha I)^-1 S y by scipy.linalg.solve, in float64."""
    K = reference_pairwise_kernels(np.asarray(X, np.float64), kernel=kernel, **params)
    y = np.asarray(y, np.float64)
    s = np.ones(K.shape[0]) if sw is None else np.sqrt(sw)
    Y = y if y.ndim == 2 else y[:, None]
    A = scipy.linalg.solve(s[:, None] * K * s[None, :] + alpha * np.eye(K.shape[0]), s[:, None] * Y)
    a = s[:, None] * A
    return a if y.ndim == 2 else a[:, 0]


def _rel(a, b):
    return np.max(np.abs(np.asarray(a, np.float64) - b)) / np.max(np.abs(b))


# -- exact solution ------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", PAIRWISE_KERNELS)
@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("k", [None, 3], ids=["1-target", "3-targets"])
@pytest.mark.filterwarnings("ignore:.*not positive definite")  # additive_chi2 is indefinite
def test_dual_coef_equals_scipy_solve(kernel, weights, k):
    X, y = _data(k=k, non_negative=kernel in CHI2)
    sw = np.random.default_rng(5).uniform(0.2, 3.0, X.shape[0]) if weights else None
    model = KernelRidge(alpha=0.7, kernel=kernel, **PARAMS[kernel]).fit(X, y, sample_weight=sw)
    ref = _exact_dual(X, y, 0.7, kernel, sw, **PARAMS[kernel])
    assert model.dual_coef_.shape == ref.shape
    assert model.dual_coef_.dtype == np.float64
    assert _rel(model.dual_coef_, ref) <= 1e-8
    K = reference_pairwise_kernels(X, kernel=kernel, **PARAMS[kernel])
    assert _rel(model.predict(X), K @ ref) <= 1e-8
    assert model.X_fit_ is not None and model.n_features_in_ == X.shape[1]


def test_linear_kernel_equals_ridge_without_intercept():
    for k in (None, 2):
        X, y = _data(n=120, d=5, k=k)
        sw = np.random.default_rng(2).uniform(0.5, 2.0, X.shape[0])
        for weights in (None, sw):
            krr = KernelRidge(alpha=2.5).fit(X, y, sample_weight=weights)
            ridge = Ridge(alpha=2.5, fit_intercept=False).fit(X, y, sample_weight=weights)
            Xt = np.random.default_rng(3).normal(size=(30, 5))
            np.testing.assert_allclose(krr.predict(Xt), ridge.predict(Xt), rtol=1e-9, atol=1e-10)
            # the primal coefficients are X^T a
            np.testing.assert_allclose((X.T @ krr.dual_coef_).T, ridge.coef_, rtol=1e-9, atol=1e-10)


def test_multi_output_columns_are_single_fits():
    X, Y = _data(k=3)
    multi = KernelRidge(alpha=0.3, kernel="rbf").fit(X, Y)
    for j in range(3):
        single = KernelRidge(alpha=0.3, kernel="rbf").fit(X, Y[:, j])
        np.testing.assert_allclose(multi.dual_coef_[:, j], single.dual_coef_, rtol=1e-12)
        np.testing.assert_allclose(multi.predict(X)[:, j], single.predict(X), rtol=1e-12)


def test_sparse_equals_dense():
    X, y = _data()
    X[np.abs(X) < 0.8] = 0.0
    for kernel in KERNELS:
        dense = KernelRidge(alpha=0.5, kernel=kernel, **PARAMS[kernel]).fit(X, y)
        sparse = KernelRidge(alpha=0.5, kernel=kernel, **PARAMS[kernel]).fit(sp.csr_matrix(X), y)
        np.testing.assert_allclose(sparse.dual_coef_, dense.dual_coef_, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(sparse.predict(sp.csr_matrix(X[:10])), dense.predict(X[:10]),
                                   rtol=1e-9, atol=1e-12)


def test_float32_stays_float32():
    X, y = _data()
    m32 = KernelRidge(alpha=1.0, kernel="rbf").fit(X.astype(np.float32), y.astype(np.float32))
    m64 = KernelRidge(alpha=1.0, kernel="rbf").fit(X, y)
    assert m32.dual_coef_.dtype == np.float32
    assert m32.X_fit_.dtype == np.float32
    pred = m32.predict(X.astype(np.float32))
    assert pred.dtype == np.float32
    assert _rel(m32.dual_coef_, m64.dual_coef_) < 1e-4
    assert _rel(pred, m64.predict(X)) < 1e-4
    assert m32.predict(X).dtype == np.float64  # float64 input: the common dtype


def test_predict_in_blocks(monkeypatch):
    import fastoptim.kernel_ridge as kr

    X, y = _data(n=50)
    model = KernelRidge(alpha=0.5, kernel="rbf").fit(X, y)
    Xt = np.random.default_rng(9).normal(size=(23, X.shape[1]))
    whole = model.predict(Xt)
    monkeypatch.setattr(kr, "_PREDICT_BLOCK_BYTES", 8 * 50 * 4)  # 4 rows per block
    np.testing.assert_allclose(model.predict(Xt), whole, rtol=1e-14)


def test_alpha_zero_falls_back_to_lstsq():
    X, y = _data(n=40, d=3)  # linear kernel: rank 3 < 40, K singular
    with pytest.warns(scipy.linalg.LinAlgWarning, match="not positive definite.*lstsq"):
        model = KernelRidge(alpha=0.0).fit(X, y)
    K = X @ X.T
    np.testing.assert_allclose(model.dual_coef_, scipy.linalg.lstsq(K, y)[0], rtol=1e-6, atol=1e-8)
    # the least-squares fit of y in the span of X
    coef = scipy.linalg.lstsq(X, y)[0]
    np.testing.assert_allclose(model.predict(X), X @ coef, rtol=1e-7, atol=1e-8)


def test_callable_kernel_and_kernel_params():
    X, y = _data()

    def rbf(A, B, width):
        return reference_pairwise_kernels(A, B, kernel="rbf", gamma=1.0 / width)

    model = KernelRidge(alpha=0.4, kernel=rbf, kernel_params={"width": 5.0}).fit(X, y)
    ref = KernelRidge(alpha=0.4, kernel="rbf", gamma=0.2).fit(X, y)
    np.testing.assert_allclose(model.dual_coef_, ref.dual_coef_, rtol=1e-9)
    np.testing.assert_allclose(model.predict(X[:7]), ref.predict(X[:7]), rtol=1e-9)


def test_fitted_state_ignores_later_set_params():
    X, y = _data()
    model = KernelRidge(alpha=0.5, kernel="rbf", gamma=0.1).fit(X, y)
    before = model.predict(X)
    model.set_params(kernel="poly", gamma=3.0)
    np.testing.assert_array_equal(model.predict(X), before)


# -- conjugate gradients -------------------------------------------------------------------


def _objective(K, y, a, alpha):
    """sum (y - K a)^2 + alpha a^T K a, the kernel ridge objective at dual coefficients a."""
    r = y - K @ a
    return float(r @ r + alpha * a @ (K @ a))


@pytest.mark.parametrize("kernel", ["linear", "rbf", "poly"])
def test_cg_reaches_the_closed_form_objective(kernel):
    X, y = _data(n=150)
    K = reference_pairwise_kernels(X, kernel=kernel, **PARAMS[kernel])
    exact = _exact_dual(X, y, 0.5, kernel, **PARAMS[kernel])
    model = KernelRidge(alpha=0.5, kernel=kernel, solver="cg", **PARAMS[kernel]).fit(X, y)
    f_cg, f_exact = _objective(K, y, model.dual_coef_, 0.5), _objective(K, y, exact, 0.5)
    assert abs(f_cg - f_exact) <= 1e-6 * abs(f_exact)
    assert 1 <= model.n_iter_ <= 10 * X.shape[0]


def test_cg_weights_multi_output_and_convergence_warning():
    X, Y = _data(n=100, k=2)
    sw = np.random.default_rng(4).uniform(0.3, 2.0, 100)
    model = KernelRidge(alpha=0.5, kernel="rbf", solver="cg", tol=1e-10).fit(X, Y, sample_weight=sw)
    assert _rel(model.dual_coef_, _exact_dual(X, Y, 0.5, "rbf", sw, gamma=1 / 6)) < 1e-7
    assert model.n_iter_.shape == (2,)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        KernelRidge(alpha=1e-3, kernel="rbf", solver="cg", max_iter=2).fit(X, Y[:, 0])


# -- approximations ------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", ["rbf", "poly", "linear"])
def test_nystroem_with_every_landmark_is_exact(kernel):
    X, y = _data(n=60, d=4)
    exact = KernelRidge(alpha=0.5, kernel=kernel, **PARAMS[kernel]).fit(X, y)
    # linear: K(L, L) has rank 4, the pseudo-inverse square root still gives Phi Phi^T = K
    approx = KernelRidge(alpha=0.5, kernel=kernel, solver="nystroem", n_components=500,
                         random_state=0, **PARAMS[kernel]).fit(X, y)
    assert approx.components_.shape == (60, 4)
    assert not hasattr(approx, "dual_coef_") and not hasattr(approx, "X_fit_")
    Xt = np.random.default_rng(1).normal(size=(20, 4))
    assert _rel(approx.predict(Xt), exact.predict(Xt)) < 1e-6


def test_nystroem_and_rff_approximate_rbf():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(800, 2))
    y = np.sin(2 * X[:, 0]) * np.cos(X[:, 1]) + 0.05 * rng.normal(size=800)
    Xt = rng.uniform(-2, 2, size=(200, 2))
    exact = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.5).fit(X, y).predict(Xt)
    for solver, c in (("nystroem", 100), ("rff", 600)):
        model = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.5, solver=solver, n_components=c,
                            random_state=3).fit(X, y)
        pred = model.predict(Xt)
        assert np.sqrt(np.mean((pred - exact) ** 2)) < 0.05 * np.std(exact), solver
        again = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.5, solver=solver, n_components=c,
                            random_state=3).fit(X, y).predict(Xt)
        np.testing.assert_array_equal(pred, again)  # random_state makes it reproducible
        assert model.coef_.shape == (min(c, 800),)


def test_rff_features_and_weights():
    X, Y = _data(n=70, k=2)
    model = KernelRidge(alpha=0.3, kernel="rbf", gamma=0.4, solver="rff", n_components=40,
                        random_state=np.random.default_rng(1)).fit(X, Y)
    W, b = model.random_weights_, model.random_offset_
    assert W.shape == (6, 40) and b.shape == (40,) and model.coef_.shape == (2, 40)
    Z = np.sqrt(2 / 40) * np.cos(X @ W + b)
    beta = np.linalg.solve(Z.T @ Z + 0.3 * np.eye(40), Z.T @ Y)
    np.testing.assert_allclose(model.coef_, beta.T, rtol=1e-9)
    np.testing.assert_allclose(model.predict(X), Z @ beta, rtol=1e-9)


def test_approximations_with_weights_float32_and_sparse():
    X, y = _data(n=90)
    sw = np.random.default_rng(7).uniform(0.2, 2.0, 90)
    for solver in ("nystroem", "rff"):
        m64 = KernelRidge(alpha=0.5, kernel="rbf", solver=solver, n_components=30,
                          random_state=0).fit(X, y, sample_weight=sw)
        m32 = KernelRidge(alpha=0.5, kernel="rbf", solver=solver, n_components=30,
                          random_state=0).fit(X.astype(np.float32), y, sample_weight=sw)
        assert m32.coef_.dtype == np.float32 and m32.predict(X.astype(np.float32)).dtype == np.float32
        assert _rel(m32.predict(X), m64.predict(X)) < 1e-3
        ms = KernelRidge(alpha=0.5, kernel="rbf", solver=solver, n_components=30,
                         random_state=0).fit(sp.csr_matrix(X), y, sample_weight=sw)
        np.testing.assert_allclose(ms.predict(sp.csr_matrix(X)), m64.predict(X), rtol=1e-8,
                                   atol=1e-10)


def test_refit_with_another_solver_clears_old_attributes():
    X, y = _data()
    model = KernelRidge(kernel="rbf").fit(X, y)
    model.set_params(solver="rff", n_components=20, random_state=0).fit(X, y)
    assert not hasattr(model, "dual_coef_") and not hasattr(model, "X_fit_")
    model.set_params(solver="cholesky").fit(X, y)
    assert not hasattr(model, "coef_") and hasattr(model, "dual_coef_")


# -- scikit-learn --------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", PAIRWISE_KERNELS)
@pytest.mark.filterwarnings("ignore:.*(not positive definite|Singular matrix)")  # sigmoid, alpha=1
def test_matches_scikit_learn(kernel):
    sk = pytest.importorskip("sklearn.kernel_ridge")
    X, Y = _data(n=100, k=2, non_negative=kernel in CHI2)
    sw = np.random.default_rng(8).uniform(0.2, 3.0, 100)
    # scikit-learn's chi-squared kernels take dense data only
    Xs = X if kernel in CHI2 else sp.csr_matrix(X)
    for y, w, Xf in ((Y[:, 0], None, X), (Y, sw, X), (Y[:, 1], sw, Xs)):
        ours = KernelRidge(alpha=0.8, kernel=kernel, **PARAMS[kernel]).fit(Xf, y, sample_weight=w)
        ref = sk.KernelRidge(alpha=0.8, kernel=kernel, **PARAMS[kernel]).fit(Xf, y, sample_weight=w)
        assert _rel(ours.dual_coef_, ref.dual_coef_) < 1e-9
        assert _rel(ours.predict(X[:25]), ref.predict(X[:25])) < 1e-9
    # the defaults agree too (linear kernel, alpha=1; gamma None = 1/n_features), except for
    # chi2, where scikit-learn's KernelRidge passes gamma=None on to chi2_kernel and fails:
    # fastoptim takes chi2_kernel's own default, 1
    default = {"gamma": 1.0} if kernel == "chi2" else {}
    ours = KernelRidge(kernel=kernel).fit(X, Y[:, 0])
    ref = sk.KernelRidge(kernel=kernel, **default).fit(X, Y[:, 0])
    assert _rel(ours.predict(X), ref.predict(X)) < 1e-9


try:
    from sklearn.utils.estimator_checks import parametrize_with_checks
except ImportError:  # scikit-learn is a test-only extra
    parametrize_with_checks = None

_ESTIMATORS = [KernelRidge(), KernelRidge(kernel="rbf"), KernelRidge(kernel="poly", degree=2),
               KernelRidge(kernel="rbf", solver="cg"), KernelRidge(kernel="laplacian"),
               KernelRidge(kernel="cosine", alpha=0.5), KernelRidge(kernel="precomputed"),
               # n_components >= the checks' sample counts: every row is a landmark, so
               # weighting a row equals repeating it (with fewer landmarks it need not)
               KernelRidge(kernel="rbf", solver="nystroem", n_components=50, random_state=0),
               KernelRidge(kernel="rbf", solver="rff", n_components=300, random_state=0)]


if parametrize_with_checks is not None:
    with warnings.catch_warnings():  # "does not inherit from sklearn.base.BaseEstimator": by design
        warnings.simplefilter("ignore", UserWarning)
        _checks = parametrize_with_checks(_ESTIMATORS)

    @_checks
    def test_scikit_learn_estimator_checks(estimator, check):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            check(estimator)
else:
    def test_scikit_learn_estimator_checks():
        pytest.skip("scikit-learn is not installed (a test-only extra)")


# -- real data -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def california():
    if not CALIFORNIA.exists():
        pytest.skip(f"California housing not found at {CALIFORNIA} "
                    f"(expected in ../shared/data/california-housing)")
    data = np.loadtxt(CALIFORNIA, delimiter=",", skiprows=1)
    assert data.shape == (20640, 9)
    rng = np.random.default_rng(0)
    rows = rng.permutation(data.shape[0])[:4000]
    X, y = data[rows, :-1], data[rows, -1] / 1e5  # target in units of $100,000
    mean, std = X[:3000].mean(axis=0), X[:3000].std(axis=0)
    X = (X - mean) / std
    return X[:3000], y[:3000], X[3000:], y[3000:]


def test_california_housing(california):
    X, y, Xt, yt = california
    model = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.2).fit(X, y)
    r2 = model.score(Xt, yt)
    assert r2 > 0.7, r2  # linear least squares gets about 0.6
    ref = _exact_dual(X, y, 0.1, "rbf", gamma=0.2)
    assert _rel(model.dual_coef_, ref) < 1e-8
    cg = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.2, solver="cg", tol=1e-10).fit(X, y)
    assert _rel(cg.predict(Xt), model.predict(Xt)) < 1e-6
    nys = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.2, solver="nystroem", n_components=500,
                      random_state=0).fit(X, y)
    assert nys.score(Xt, yt) > r2 - 0.05
    f32 = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.2).fit(X.astype(np.float32), y)
    assert abs(f32.score(Xt.astype(np.float32), yt) - r2) < 1e-3


def test_california_housing_against_scikit_learn(california):
    sk = pytest.importorskip("sklearn.kernel_ridge")
    X, y, Xt, _ = california
    ours = KernelRidge(alpha=0.1, kernel="rbf", gamma=0.2).fit(X, y)
    ref = sk.KernelRidge(alpha=0.1, kernel="rbf", gamma=0.2).fit(X, y)
    assert _rel(ours.dual_coef_, ref.dual_coef_) < 1e-8
    assert _rel(ours.predict(Xt), ref.predict(Xt)) < 1e-9


# -- bad input -----------------------------------------------------------------------------


def _fit(**params):
    X, y = _data(n=20)
    return KernelRidge(**params).fit(X, y)


@pytest.mark.parametrize("alpha", [-0.1, -1, np.inf, np.nan])
def test_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        _fit(alpha=alpha)


def test_alpha_must_be_a_number():
    with pytest.raises(TypeError, match="alpha must be a number"):
        _fit(alpha="1")


def test_unknown_kernel_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown kernel 'gaussian'; valid kernels are "
                                         "'additive_chi2', 'chi2', 'cosine', 'laplacian', "
                                         "'linear', 'poly', 'polynomial', 'rbf', 'sigmoid', "
                                         "'precomputed' or a callable"):
        _fit(kernel="gaussian")


def test_unknown_solver_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown solver 'svd'; valid solvers are 'cholesky', "
                                         "'cg', 'nystroem', 'rff'"):
        _fit(solver="svd")


def test_predict_with_other_number_of_features():
    X, y = _data(n=20, d=4)
    model = KernelRidge().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but KernelRidge is expecting 4 "
                                         "features as input"):
        model.predict(X[:, :3])


def test_predict_before_fit():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        KernelRidge().predict(np.ones((2, 2)))


@pytest.mark.parametrize("gamma", [0, -0.5, np.inf])
def test_bad_gamma(gamma):
    with pytest.raises(ValueError, match="gamma must be a finite number > 0"):
        _fit(kernel="rbf", gamma=gamma)


@pytest.mark.parametrize("degree", [0, -1, 2.5, "2"])
def test_bad_degree(degree):
    with pytest.raises((ValueError, TypeError), match="degree must be a positive int"):
        _fit(kernel="poly", degree=degree)


@pytest.mark.parametrize("n_components", [0, -3, 1.5])
def test_bad_n_components(n_components):
    with pytest.raises((ValueError, TypeError), match="n_components must be (>= 1|an int)"):
        _fit(kernel="rbf", solver="nystroem", n_components=n_components)


def test_callable_kernel_with_wrong_shape():
    with pytest.raises(ValueError, match=r"returned an array of shape \(20, 19\); it must return "
                                         r"the whole kernel matrix of shape \(20, 20\)"):
        _fit(kernel=lambda A, B: A @ B[1:].T)
    X, y = _data(n=20)
    model = KernelRidge(kernel=lambda A, B: A @ B.T).fit(X, y)
    model.kernel = None  # predict uses the fitted kernel, not the parameter
    model._spec.kernel = lambda A, B: np.ones(3)
    with pytest.raises(ValueError, match=r"of shape \(3,\) on the whole matrices.*\(5, 20\)"):
        model.predict(X[:5])


def test_rff_needs_the_rbf_kernel():
    with pytest.raises(ValueError, match="solver='rff'.*'rbf' kernel only.*nystroem"):
        _fit(kernel="poly", solver="rff")


def test_other_bad_parameters():
    with pytest.raises(ValueError, match="tol must be > 0"):
        _fit(solver="cg", tol=0)
    with pytest.raises(ValueError, match="max_iter must be >= 1"):
        _fit(solver="cg", max_iter=0)
    with pytest.raises(TypeError, match="random_state must be"):
        _fit(solver="rff", kernel="rbf", random_state="seed")
    with pytest.raises(ValueError, match="kernel_params are passed to a callable kernel only"):
        _fit(kernel="rbf", kernel_params={"gamma": 1.0})
    with pytest.raises(ValueError, match="y has 19 samples but X has 20"):
        KernelRidge().fit(np.ones((20, 2)), np.ones(19))


def test_failed_fit_leaves_the_estimator_as_it_was():
    X, y = _data(n=30, d=4)
    fresh = KernelRidge(alpha=-1.0)
    with pytest.raises(ValueError):
        fresh.fit(X, y)
    with pytest.raises(NotFittedError):
        fresh.predict(X)
    model = KernelRidge(kernel="rbf").fit(X, y)
    before = model.predict(X)
    model.set_params(solver="rff")
    with pytest.raises(ValueError, match="y has 29 samples"):
        model.fit(X[:, :3], y[:29])
    assert model.n_features_in_ == 4
    np.testing.assert_array_equal(model.predict(X), before)


# -- kernel='precomputed', two-row callables -------------------------------------------------


def test_precomputed_equals_the_named_kernel():
    X, y = _data(n=60)
    Xt, _ = _data(n=15, seed=3)
    sw = np.random.default_rng(2).uniform(0.3, 2.0, 60)
    for kernel in ("rbf", "laplacian", "cosine"):
        K = reference_pairwise_kernels(X, kernel=kernel, **PARAMS[kernel])
        Kt = reference_pairwise_kernels(Xt, X, kernel=kernel, **PARAMS[kernel])
        for solver, tol in (("cholesky", 1e-12), ("cg", 1e-8)):
            named = KernelRidge(alpha=0.5, kernel=kernel, solver=solver, tol=1e-12,
                                **PARAMS[kernel]).fit(X, y, sample_weight=sw)
            pre = KernelRidge(alpha=0.5, kernel="precomputed", solver=solver,
                              tol=1e-12).fit(K, y, sample_weight=sw)
            assert _rel(pre.dual_coef_, named.dual_coef_) < tol
            assert _rel(pre.predict(Kt), named.predict(Xt)) < tol
            assert pre.n_features_in_ == 60


def test_precomputed_matches_scikit_learn_and_leaves_K_unchanged():
    sk = pytest.importorskip("sklearn.kernel_ridge")
    X, Y = _data(n=50, k=2)
    K = reference_pairwise_kernels(X, kernel="rbf", gamma=0.2)
    K0 = K.copy()
    sw = np.random.default_rng(1).uniform(0.2, 3.0, 50)
    ours = KernelRidge(alpha=0.3, kernel="precomputed").fit(K, Y, sample_weight=sw)
    ref = sk.KernelRidge(alpha=0.3, kernel="precomputed").fit(K, Y, sample_weight=sw)
    np.testing.assert_array_equal(K, K0)
    assert _rel(ours.dual_coef_, ref.dual_coef_) < 1e-10
    assert _rel(ours.predict(K[:7]), ref.predict(K[:7])) < 1e-10
    assert ours.__sklearn_tags__().input_tags.pairwise
    assert not KernelRidge().__sklearn_tags__().input_tags.pairwise


def test_precomputed_float32_stays_float32():
    X, y = _data(n=30, dtype=np.float32)
    K = (X @ X.T).astype(np.float32)
    model = KernelRidge(kernel="precomputed").fit(K, y)
    assert model.dual_coef_.dtype == np.float32
    assert model.predict(K[:4]).dtype == np.float32


def test_precomputed_bad_input():
    X, y = _data(n=30)
    K = X @ X.T
    with pytest.raises(ValueError, match=r"square \(n_samples, n_samples\) kernel matrix.*"
                                         r"\(30, 6\)"):
        KernelRidge(kernel="precomputed").fit(X, y)
    # a sparse kernel matrix is made dense (the solve uses every entry)
    dense = KernelRidge(kernel="precomputed").fit(K, y)
    sparse = KernelRidge(kernel="precomputed").fit(sp.csr_matrix(K), y)
    np.testing.assert_array_equal(sparse.dual_coef_, dense.dual_coef_)
    np.testing.assert_array_equal(sparse.predict(sp.csr_matrix(K[:3])), dense.predict(K[:3]))
    for solver in ("nystroem", "rff"):
        with pytest.raises(ValueError, match=f"solver='{solver}' builds features.*'cholesky' or "
                                             f"'cg'"):
            KernelRidge(kernel="precomputed", solver=solver).fit(K, y)
    model = KernelRidge(kernel="precomputed").fit(K, y)
    with pytest.raises(ValueError, match="X has 6 features, but KernelRidge is expecting 30"):
        model.predict(X)
    with pytest.raises(ValueError, match="NaN or infinity"):
        KernelRidge(kernel="precomputed").fit(np.full((30, 30), np.nan), y)


def test_two_row_callable_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.kernel_ridge")
    X, y = _data(n=40)

    def kernel(x, z, width=1.0):
        return np.exp(-np.abs(x - z).sum() / width)

    for params in (None, {"width": 3.0}):
        ours = KernelRidge(kernel=kernel, kernel_params=params).fit(X, y)
        ref = sk.KernelRidge(kernel=kernel, kernel_params=params).fit(X, y)
        assert _rel(ours.dual_coef_, ref.dual_coef_) < 1e-10
        assert _rel(ours.predict(X[:9]), ref.predict(X[:9])) < 1e-10
        # the same kernel by name
        named = KernelRidge(kernel="laplacian",
                            gamma=1.0 / (params or {"width": 1.0})["width"]).fit(X, y)
        assert _rel(ours.predict(X[:9]), named.predict(X[:9])) < 1e-12
    Xs = sp.csr_matrix(X * (X > 0.5))
    ours = KernelRidge(kernel=lambda a, b: float((a @ b.T).toarray()[0, 0])).fit(Xs, y)
    ref = sk.KernelRidge(kernel=lambda a, b: float((a @ b.T).toarray()[0, 0])).fit(Xs, y)
    assert _rel(ours.predict(Xs[:5]), ref.predict(Xs[:5])) < 1e-10


@pytest.mark.parametrize("kernel", CHI2)
@pytest.mark.filterwarnings("ignore:.*not positive definite")  # additive_chi2 is indefinite
def test_chi2_kernels_refuse_negative_X(kernel):
    X, y = _data()
    with pytest.raises(ValueError, match=f"X contains negative values; the '{kernel}' kernel"):
        KernelRidge(kernel=kernel).fit(X, y)
    model = KernelRidge(kernel=kernel).fit(np.abs(X), y)
    with pytest.raises(ValueError, match="X contains negative values"):
        model.predict(X)


def test_kernel_params_refused_for_named_and_precomputed_kernels():
    X, y = _data(n=20)
    with pytest.raises(ValueError, match="kernel_params are passed to a callable kernel only"):
        KernelRidge(kernel="laplacian", kernel_params={"gamma": 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="kernel='precomputed' takes none"):
        KernelRidge(kernel="precomputed", kernel_params={"a": 1}).fit(X @ X.T, y)
