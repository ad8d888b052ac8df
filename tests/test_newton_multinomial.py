"""solver='newton-cholesky' for the multinomial (softmax) model (scikit-learn parity, #16 item 8).

1. The C core's full softmax Hessian (Objective.hessian with loss='softmax', one pass over X)
   against the NumPy oracle fastoptim.reference.losses.hessian and against central
   differences of the existing gradient; thread counts; the refusals.
2. LogisticRegression / SoftmaxRegression(solver='newton-cholesky') on multinomial problems
   against solver='lbfgs' and scikit-learn's own newton-cholesky (same C, same objective:
   fastoptim's C is scikit-learn's), on iris, digits, USPS (../shared/data) and synthetic
   data: no penalty (C=np.inf), class_weight and sample_weight, CSR, float32.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim.exceptions import ConvergenceWarning
from fastoptim.linear_model import LogisticRegression, SoftmaxRegression
from fastoptim.losses import Objective
from fastoptim.reference import losses as ref
from conftest import usps_source


def softmax_problem(K, *, n=240, d=5, sparse=False, dtype=np.float64, seed=0, scale=0.4):
    """X with zeros (dense) or CSR, y in 0..K-1, positive weights, a point (coef, b)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d) + 0.3 * rng.normal(size=d)
    X[rng.random((n, d)) < 0.35] = 0.0
    X = X.astype(dtype)
    y = rng.integers(0, K, size=n).astype(np.float64)
    w = rng.uniform(0.2, 3.0, size=n).astype(dtype)
    coef = (scale * rng.normal(size=(K, d))).astype(dtype)
    b = (scale * rng.normal(size=K)).astype(dtype)
    return (sp.csr_matrix(X) if sparse else X), y, w, coef, b


def _packed(gc, gb):
    return np.concatenate([np.ravel(gc)] + ([] if gb is None else [np.ravel(gb)]))


# -- 1. the Hessian of the softmax objective -----------------------------------------------------

@pytest.mark.parametrize("K", [3, 5])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("intercept", [True, False], ids=["b0", "nob0"])
@pytest.mark.parametrize("weights", [True, False], ids=["w", "unw"])
def test_softmax_hessian_matches_the_numpy_oracle(K, sparse, dtype, intercept, weights):
    X, y, w, coef, b = softmax_problem(K, sparse=sparse, dtype=dtype, seed=K)
    w = w if weights else None
    b = b if intercept else None
    obj = Objective("softmax", X, y, sample_weight=w, alpha=0.3, n_classes=K, n_threads=2)
    value, grad, H = obj.hessian(coef, b)
    n = K * (X.shape[1] + intercept)
    assert grad.shape == (n,) and H.shape == (n, n) and H.dtype == np.float64
    np.testing.assert_array_equal(H, H.T)
    # the oracle in float64 on the same (rounded) numbers
    X64 = X.astype(np.float64)
    up = (lambda a: None if a is None else np.asarray(a, dtype=np.float64))
    rv, rg, rH = ref.hessian("softmax", X64, y, up(coef), up(b), up(w), alpha=0.3)
    rtol = 1e-10 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(H, rH, rtol=rtol, atol=rtol * np.abs(rH).max())
    np.testing.assert_allclose(grad, rg, rtol=rtol, atol=rtol * np.abs(rg).max())
    assert value == pytest.approx(rv, rel=rtol)
    # the same value and gradient as the fused value + gradient kernel
    v2, gc, gb = obj.value_grad(coef, b)
    g2 = _packed(gc, gb)
    gtol = 1e-12 if dtype == np.float64 else 2e-6  # float32: value_grad rounds to float32
    assert value == pytest.approx(v2, rel=gtol)
    np.testing.assert_allclose(grad, g2, rtol=gtol, atol=gtol * np.abs(g2).max())
    # positive semi-definite, and positive definite on the coefficients (alpha > 0)
    assert np.linalg.eigvalsh(H).min() > -1e-12
    assert np.linalg.eigvalsh(H[:K * X.shape[1], :K * X.shape[1]]).min() >= 0.3 - 1e-9


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("intercept", [True, False], ids=["b0", "nob0"])
def test_softmax_hessian_is_the_derivative_of_the_gradient(sparse, intercept):
    """Central differences of Objective.value_grad (the existing softmax gradient)."""
    K = 4
    X, y, w, coef, b = softmax_problem(K, sparse=sparse, seed=11)
    b = b if intercept else None
    obj = Objective("softmax", X, y, sample_weight=w, alpha=0.05, n_classes=K)
    _, _, H = obj.hessian(coef, b)
    x0 = _packed(coef, b)
    nc = coef.size

    def grad(x):
        _, gc, gb = obj.value_grad(x[:nc].reshape(coef.shape), x[nc:] if intercept else None)
        return _packed(gc, gb)

    h = 1e-6
    E = np.eye(x0.size)
    fd = np.array([(grad(x0 + h * e) - grad(x0 - h * e)) / (2 * h) for e in E])
    np.testing.assert_allclose(H, fd, rtol=0, atol=1e-8 * max(1.0, np.abs(H).max()))


def test_softmax_hessian_singular_directions():
    """H 1_g = 0 along each feature's equal shift over the classes (alpha = 0) and the
    intercepts' (always): the invariance the solver keeps out of its steps."""
    K, d = 3, 5
    X, y, w, coef, b = softmax_problem(K, d=d, seed=4)
    for alpha in (0.0, 0.7):
        _, g, H = Objective("softmax", X, y, sample_weight=w, alpha=alpha,
                            n_classes=K).hessian(coef, b)
        shift = np.zeros(K * d + K)
        shift[K * d:] = 1.0
        assert np.abs(H @ shift).max() <= 1e-14 and abs(g @ shift) <= 1e-14
        for j in range(d):
            shift = np.zeros(K * d + K)
            shift[np.arange(K) * d + j] = 1.0
            expected = alpha * shift  # the penalty alone bends along a feature's shift
            np.testing.assert_allclose(H @ shift, expected, atol=1e-14)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_softmax_hessian_threads(sparse):
    """The same bits for the same thread count; 1 and 2 threads agree to 1e-12."""
    K = 5
    X, y, w, coef, b = softmax_problem(K, n=1001, d=7, sparse=sparse, seed=21)
    out = {}
    for nt in (1, 2, 3):
        obj = Objective("softmax", X, y, sample_weight=w, alpha=0.1, n_classes=K, n_threads=nt)
        first = obj.hessian(coef, b)
        again = obj.hessian(coef, b)
        assert first[0] == again[0]
        np.testing.assert_array_equal(first[1], again[1])
        np.testing.assert_array_equal(first[2], again[2])
        out[nt] = first
    for nt in (2, 3):
        assert out[nt][0] == pytest.approx(out[1][0], rel=1e-12)
        for a, c in zip(out[nt][1:], out[1][1:]):
            np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12 * np.abs(c).max())


def test_softmax_hessian_unsorted_and_repeated_csr_indices():
    """A CSR row in any order, with a column stored twice, is the matrix its entries sum to."""
    K = 3
    X, y, w, coef, b = softmax_problem(K, n=30, d=4, seed=5)
    Xc = sp.csr_matrix(X)
    data, indices, indptr = [], [], [0]
    for i in range(Xc.shape[0]):
        lo, hi = Xc.indptr[i], Xc.indptr[i + 1]
        ind, val = Xc.indices[lo:hi][::-1], Xc.data[lo:hi][::-1]
        if len(ind):  # split the first stored value in two halves, stored apart
            ind = np.append(ind, ind[0])
            val = np.append(val, val[0] / 2)
            val[0] /= 2
        indices.extend(ind)
        data.extend(val)
        indptr.append(len(indices))
    messy = sp.csr_matrix((data, indices, indptr), shape=X.shape)
    messy.has_sorted_indices = False
    expected = Objective("softmax", X, y, sample_weight=w, n_classes=K).hessian(coef, b)
    got = Objective("softmax", messy, y, sample_weight=w, n_classes=K).hessian(coef, b)
    for a, c in zip(got[1:], expected[1:]):
        np.testing.assert_allclose(a, c, rtol=1e-13, atol=1e-15)


def test_softmax_hessian_refusals():
    K = 3
    X, y, w, coef, b = softmax_problem(K, seed=6)
    with pytest.raises(ValueError, match="full Hessian is defined here for"):
        Objective("multiclass_hinge", X, y, n_classes=K).hessian(coef, b)
    # too large for memory: the message names the Hessian-free solvers
    Xbig = sp.csr_matrix((4, 2000))
    with pytest.raises(ValueError, match=r"softmax Hessian of 3 classes x 2000 features "
                                         r"\(6003 x 6003\) would need 275 MB.*newton-cg.*lbfgs"):
        Objective("softmax", Xbig, np.array([0.0, 1, 2, 0]), n_classes=K).hessian(
            np.zeros((K, 2000)), np.zeros(K))
    with pytest.raises(FloatingPointError, match="overflowed"):
        Objective("softmax", X, y, n_classes=K).hessian(coef * 1e308, b)
    with pytest.raises(ValueError, match="coef has shape"):
        Objective("softmax", X, y, n_classes=K).hessian(coef[:2], b)


# -- 2. the estimators ---------------------------------------------------------------------------

def multinomial_data(K=3, n=600, d=4, *, seed=0):
    """Overlapping classes (labels drawn from a multinomial logit with Gumbel noise): the
    unpenalized optimum is finite."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d) + 0.5 * rng.normal(size=d)
    T = rng.normal(size=(K, d))
    y = np.argmax(X @ T.T + rng.gumbel(size=(n, K)) + 0.3 * np.arange(K), axis=1)
    return X, y, rng.uniform(0.2, 3.0, size=n)


def scaled_objective(m, X, y, w=None):
    """The objective the solvers minimize: mean weighted loss + ||W||^2 / (2 C sum w)."""
    from scipy.special import logsumexp

    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
    Z = X @ m.coef_.T.astype(np.float64) + m.intercept_
    loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), np.searchsorted(m.classes_, y)]
    pen = 0.0 if np.isinf(m.C) else 0.5 * float(np.sum(m.coef_.astype(np.float64) ** 2)) / (
        m.C * w.sum())
    return float(w @ loss) / w.sum() + pen


def sk_newton_cholesky(X, y, sw=None, **kw):
    sk = pytest.importorskip("sklearn.linear_model")
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    # one BLAS thread: on a shared machine OpenBLAS's waiting threads slow its small
    # products down 20x
    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore")  # scikit-learn's own FutureWarnings / convergence notes
        return sk.LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=200,
                                     **kw).fit(X, y, sample_weight=sw)


def assert_same_model(ours, theirs, rtol):
    scale = max(1.0, np.abs(theirs.coef_).max())
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    err = np.abs(ours.coef_ - theirs.coef_).max() / scale
    assert err <= rtol, f"coef_ {err:.2e} > {rtol:g}"
    err = np.abs(ours.intercept_ - theirs.intercept_).max() / scale
    assert err <= rtol, f"intercept_ {err:.2e} > {rtol:g}"


def fit_quietly(model, X, y, sw=None):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(X, y, sample_weight=sw)


def _scaled_to_unit(X):
    return X / np.abs(X).max()


@pytest.fixture(scope="module")
def iris():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_iris(return_X_y=True)
    return X, y


@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.mark.parametrize("C", [1.0, 10.0])
@pytest.mark.parametrize("name", ["iris", "digits"])
def test_multinomial_matches_sklearn_and_lbfgs(name, C, request):
    X, y = request.getfixturevalue(name)
    ours = fit_quietly(LogisticRegression(solver="newton-cholesky", C=C, tol=1e-10), X, y)
    assert ours.coef_.shape == (len(np.unique(y)), X.shape[1])
    assert 1 <= ours.n_iter_[0] <= 15  # Newton: a handful of iterations
    theirs = sk_newton_cholesky(X, y, C=C)
    assert_same_model(ours, theirs, 1e-6)
    assert abs(ours.intercept_.sum()) <= 1e-12 * max(1.0, np.abs(ours.intercept_).max())
    lbfgs = fit_quietly(LogisticRegression(solver="lbfgs", C=C, tol=1e-10, max_iter=5000), X, y)
    assert_same_model(ours, lbfgs, 1e-4)  # L-BFGS-B stops on ftol first
    f, f_lbfgs = scaled_objective(ours, X, y), scaled_objective(lbfgs, X, y)
    assert f <= f_lbfgs * (1 + 1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8)


def test_no_penalty_on_overlapping_classes():
    """C=np.inf: the Hessian is singular along each feature's equal shift; the fit is
    scikit-learn's (symmetric parametrization: every column of [coef_, intercept_] sums to 0)."""
    X, y, _ = multinomial_data(3, seed=1)
    ours = fit_quietly(LogisticRegression(solver="newton-cholesky", C=np.inf, tol=1e-10), X, y)
    theirs = sk_newton_cholesky(X, y, C=np.inf)
    assert_same_model(ours, theirs, 1e-6)
    full = np.column_stack([ours.coef_, ours.intercept_])
    assert np.abs(full.sum(axis=0)).max() <= 1e-12 * np.abs(full).max()
    lbfgs = fit_quietly(LogisticRegression(solver="lbfgs", C=np.inf, tol=1e-10, max_iter=5000),
                        X, y)
    assert_same_model(ours, lbfgs, 1e-5)
    assert scaled_objective(ours, X, y) <= scaled_objective(lbfgs, X, y) * (1 + 1e-12)
    none = fit_quietly(LogisticRegression(solver="newton-cholesky", penalty=None, tol=1e-10),
                       X, y)
    np.testing.assert_array_equal(none.coef_, ours.coef_)
    # without an intercept too
    ours = fit_quietly(LogisticRegression(solver="newton-cholesky", C=np.inf, tol=1e-10,
                                          fit_intercept=False), X, y)
    assert_same_model(ours, sk_newton_cholesky(X, y, C=np.inf, fit_intercept=False), 1e-6)
    assert np.abs(ours.coef_.sum(axis=0)).max() <= 1e-12 * np.abs(ours.coef_).max()


@pytest.mark.parametrize("cw", [None, "balanced", {0: 2.5, 2: 0.4}], ids=["none", "balanced", "dict"])
@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
def test_class_and_sample_weights_match_sklearn(cw, weights):
    X, y, w = multinomial_data(4, seed=2)
    w = w if weights else None
    if cw == "balanced" and weights:
        # scikit-learn's 'balanced' counts weighted samples (test_logistic explains it):
        # compare on the explicit per-sample weights
        cwk = w.sum() / (4 * np.bincount(y, weights=w))
        ours = fit_quietly(LogisticRegression(solver="newton-cholesky", C=0.5, tol=1e-10),
                           X, y, w * cwk[y])
    else:
        ours = fit_quietly(LogisticRegression(solver="newton-cholesky", C=0.5, tol=1e-10,
                                              class_weight=cw), X, y, w)
    assert_same_model(ours, sk_newton_cholesky(X, y, w, C=0.5, class_weight=cw), 1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
def test_csr_matches_dense_and_sklearn(fit_intercept):
    X, y, w = multinomial_data(3, n=500, d=8, seed=3)
    X[np.random.default_rng(3).random(X.shape) < 0.6] = 0.0
    Xs = sp.csr_matrix(X)
    kw = dict(solver="newton-cholesky", C=2.0, tol=1e-10, fit_intercept=fit_intercept)
    ours = fit_quietly(LogisticRegression(**kw), Xs, y, w)
    dense = fit_quietly(LogisticRegression(**kw), X, y, w)
    np.testing.assert_allclose(ours.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    assert_same_model(ours, sk_newton_cholesky(Xs, y, w, C=2.0, fit_intercept=fit_intercept), 1e-6)


def test_float32_stays_float32():
    """float32 X: coef_ float32, as close to scikit-learn's float64 fit of the same (rounded)
    data as float32 resolution and the float32 gradient allow (tol=1e-6)."""
    X, y, w = multinomial_data(3, seed=4)
    X32, w32 = X.astype(np.float32), w.astype(np.float32)
    ours = fit_quietly(LogisticRegression(solver="newton-cholesky", C=0.5, tol=1e-6), X32, y, w32)
    assert ours.coef_.dtype == np.float32 and ours.intercept_.dtype == np.float32
    theirs = sk_newton_cholesky(X32.astype(np.float64), y, w32.astype(np.float64), C=0.5)
    assert_same_model(ours, theirs, 2e-6)
    ours64 = fit_quietly(LogisticRegression(solver="newton-cholesky", C=0.5, tol=1e-10),
                         X32.astype(np.float64), y, w32.astype(np.float64))
    assert_same_model(ours64, theirs, 1e-6)


@pytest.mark.parametrize("K", [2, 4])
def test_softmax_regression_newton_cholesky(K):
    X, y, w = multinomial_data(K, seed=5)
    ours = fit_quietly(SoftmaxRegression(solver="newton-cholesky", C=0.7, tol=1e-10), X, y, w)
    assert ours.coef_.shape == (K, X.shape[1])
    ref = fit_quietly(SoftmaxRegression(solver="newton-cg", C=0.7, tol=1e-10), X, y, w)
    assert_same_model(ours, ref, 1e-6)
    assert scaled_objective(ours, X, y, w) <= scaled_objective(ref, X, y, w) * (1 + 1e-12)


def test_warm_start_and_loss_curve():
    X, y, _ = multinomial_data(3, seed=6)
    m = LogisticRegression(solver="newton-cholesky", C=1.0, tol=1e-10).fit(X, y)
    curve = np.asarray(m.loss_curve_)
    assert len(curve) == m.n_iter_[0] and np.all(np.diff(curve) <= 0)
    assert curve[-1] == pytest.approx(scaled_objective(m, X, y), rel=1e-12)
    again = LogisticRegression(solver="newton-cholesky", C=1.0, tol=1e-10, warm_start=True)
    again.fit(X, y)
    again.fit(X, y)
    assert again.n_iter_[0] == 0  # already at the optimum
    np.testing.assert_allclose(again.coef_, m.coef_, rtol=1e-12, atol=1e-14)


def test_too_many_features_names_the_fix():
    X = sp.random(50, 2000, density=0.01, random_state=0, format="csr")
    y = np.arange(50) % 3
    with pytest.raises(ValueError, match=r"softmax Hessian of 3 classes x 2000 features.*"
                                         r"solver='newton-cg' or 'lbfgs'"):
        LogisticRegression(solver="newton-cholesky").fit(X, y)
    with pytest.raises(ValueError, match=r"softmax Hessian of 3 classes"):
        SoftmaxRegression(solver="newton-cholesky").fit(X, y)


def _usps_pooled(rows):
    """USPS 16 x 16 digits averaged over 2 x 2 blocks: 64 features (a digits-sized problem)."""
    X = rows[:, 1:].reshape(-1, 8, 2, 8, 2).mean(axis=(2, 4)).reshape(-1, 64)
    return np.ascontiguousarray(X), rows[:, 0].astype(int)


def test_usps_matches_sklearn():
    """The first 2500 training digits (scikit-learn's fits of all 7291 take seconds)."""
    tr, te = usps_source()
    X, y = _usps_pooled(tr[:2500])
    Xte, yte = _usps_pooled(te)
    ours = fit_quietly(LogisticRegression(solver="newton-cholesky", C=1.0, tol=1e-10), X, y)
    theirs = sk_newton_cholesky(X, y, C=1.0)
    assert_same_model(ours, theirs, 1e-6)
    assert ours.score(Xte, yte) == theirs.score(Xte, yte)
    assert 0.85 <= ours.score(Xte, yte) <= 0.95
    lbfgs = fit_quietly(LogisticRegression(solver="lbfgs", C=1.0, tol=1e-10, max_iter=5000), X, y)
    assert scaled_objective(ours, X, y) <= scaled_objective(lbfgs, X, y) * (1 + 1e-12)
    # float32: the corner pixels are the background (-1) in every image, collinear with the
    # intercept, and only the penalty (alpha = 1 / (C n) = 4e-4) bends that way: the float32
    # gradient's round-off moves the optimum by ~1e-4
    ours32 = fit_quietly(LogisticRegression(solver="newton-cholesky", C=1.0, tol=1e-5),
                         X.astype(np.float32), y)
    assert ours32.coef_.dtype == np.float32
    assert_same_model(ours32, theirs, 2e-3)
    assert abs(ours32.score(Xte, yte) - theirs.score(Xte, yte)) <= 2 / len(yte)
    Xs = sp.csr_matrix(np.where(np.abs(X) < 0.9, X, 0.0))  # the background (-1) dropped
    ours_s = fit_quietly(LogisticRegression(solver="newton-cholesky", C=1.0, tol=1e-10), Xs, y)
    assert_same_model(ours_s, sk_newton_cholesky(Xs, y, C=1.0), 1e-6)
