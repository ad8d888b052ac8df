"""The fused loss kernels against the NumPy oracle, central differences, each other
(dense/CSR, thread counts, memory layouts) and known values."""
import math

import numpy as np
import pytest
import scipy.sparse as sp

import fastoptim
from fastoptim import check_grad
from fastoptim.losses import LOSSES, Objective, loss_grad, loss_hessp, pointwise_loss
from fastoptim.reference import losses as ref

from conftest import (BINARY_CLF, HINGE_LIKE, MULTICLASS, TWICE_DIFFERENTIABLE,
                      assert_grad_close, assert_value_close, flat_params, grad_scale,
                      make_problem, rtol_for, split_params)

intercepts = pytest.mark.parametrize("intercept", [True, False], ids=["icpt", "noicpt"])
alphas = pytest.mark.parametrize("alpha", [0.0, 0.3], ids=["a0", "a0.3"])
weighted = pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])


def _run(p, **kw):
    return loss_grad(p.loss, p.X, p.y, p.coef, p.intercept, **p.kwargs(**kw))


def _oracle(p):
    return ref.loss_grad(p.loss, p.X64, p.y64, p.coef64, p.intercept64, **p.ref_kwargs())


def _assert_same_result(a, b, rtol):
    """Two (value, grad, grad_intercept) results agree to rtol (of |value| / max |grad|)."""
    assert_value_close(a[0], b[0], rtol)
    scale = grad_scale(b[1], b[2])
    assert_grad_close(a[1], b[1], rtol, scale)
    assert_grad_close(a[2], b[2], rtol, scale)


def _assert_identical(a, b):
    assert a[0] == b[0]
    assert np.array_equal(a[1], b[1])
    if b[2] is None:
        assert a[2] is None
    else:
        assert np.array_equal(a[2], b[2])


# --------------------------------------------------------------------------- oracle


@intercepts
@alphas
@weighted
def test_loss_grad_matches_oracle(loss, layout, intercept, alpha, weights):
    sparse, dtype = layout
    p = make_problem(loss, sparse=sparse, dtype=dtype, intercept=intercept, alpha=alpha,
                     weights=weights, seed=1)
    value, g, gb = _run(p)
    rv, rg, rgb = _oracle(p)
    assert isinstance(value, float)
    assert g.dtype == dtype
    assert g.shape == p.coef.shape
    rtol = rtol_for(dtype)
    assert_value_close(value, rv, rtol)
    scale = grad_scale(rg, rgb)
    assert_grad_close(g, rg, rtol, scale)
    assert_grad_close(gb, rgb, rtol, scale)


@pytest.mark.parametrize("loss", BINARY_CLF)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_labels_01_same_as_pm1(loss, sparse, dtype):
    p = make_problem(loss, sparse=sparse, dtype=dtype, weights=True, alpha=0.3, seed=2)
    assert set(np.unique(p.y)) == {-1.0, 1.0}
    y01 = np.where(p.y == -1, 0, 1)
    pm1 = _run(p)
    zero_one = loss_grad(loss, p.X, y01, p.coef, p.intercept, **p.kwargs())
    _assert_identical(zero_one, pm1)
    # integer labels are fine too
    _assert_identical(loss_grad(loss, p.X, p.y.astype(np.int64), p.coef, p.intercept,
                                **p.kwargs()), pm1)


# --------------------------------------------------------------------------- gradcheck


def _kinks_clear(p, eps):
    """True when moving one parameter by +-eps moves no hinge slack across 0."""
    X = p.X64.toarray() if sp.issparse(p.X64) else p.X64
    z = ref._scores(X, p.coef64, p.intercept64)
    step = 2 * eps * np.maximum(1.0, np.max(np.abs(X), axis=1))  # 2x safety factor
    if p.loss == "multiclass_hinge":
        rows = np.arange(z.shape[0])
        c = p.y64.astype(int)
        slack = z - z[rows, c][:, None] + 1.0
        slack[rows, c] = np.inf
        dist = np.min(np.abs(slack), axis=1)
    else:
        dist = np.abs(1.0 - p.y64 * z)
    return bool(np.all(dist > step))


@intercepts
@alphas
@weighted
def test_check_grad(loss, layout, intercept, alpha, weights):
    sparse, dtype = layout
    eps = 1e-6 if dtype == np.float64 else 1e-3
    seed = 3
    while True:
        p = make_problem(loss, sparse=sparse, dtype=dtype, intercept=intercept, alpha=alpha,
                         weights=weights, seed=seed)
        # central differences are exact only if no step crosses a hinge kink: take the
        # first seed whose kinks are all farther than one step from the point
        if loss not in HINGE_LIKE or _kinks_clear(p, eps):
            break
        seed += 1
        assert seed < 300

    def fun(w):
        coef, b = split_params(w, p.coef.shape, p.intercept)
        value, g, gb = loss_grad(loss, p.X, p.y, coef, b, **p.kwargs())
        return value, flat_params(g, gb)

    w0 = flat_params(p.coef64, p.intercept64)
    if dtype == np.float64:
        err = check_grad(fun, w0, eps=eps)
        tol = 1e-5  # central-difference round-off reaches ~1e-6 on these problems
    else:
        err = check_grad(fun, w0, eps=eps)
        tol = 1e-2
    assert err < tol, f"check_grad = {err:.3e}"


# --------------------------------------------------------------------------- layouts


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@intercepts
@weighted
def test_csr_equals_dense(loss, dtype, intercept, weights):
    p = make_problem(loss, sparse=True, dtype=dtype, intercept=intercept, alpha=0.3,
                     weights=weights, seed=4)
    csr = _run(p)
    dense = loss_grad(loss, p.X.toarray(), p.y, p.coef, p.intercept, **p.kwargs())
    # both accumulate in double; float32 gradients may differ by the last float32 rounding
    _assert_same_result(csr, dense, 1e-12 if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_formats_and_index_types(loss, dtype):
    p = make_problem(loss, sparse=True, dtype=dtype, weights=True, alpha=0.3, seed=5)
    expected = _run(p)
    X = p.X
    csr64 = X.copy()  # the constructor would narrow int64 indices: set them afterwards
    csr64.indices = X.indices.astype(np.int64)
    csr64.indptr = X.indptr.astype(np.int64)
    assert csr64.indices.dtype == np.int64
    readonly = X.copy()
    for a in (readonly.data, readonly.indices, readonly.indptr):
        a.setflags(write=False)
    variants = {
        "csc": X.tocsc(),
        "coo": X.tocoo(),
        "int64-indices": csr64,
        "csr_array": sp.csr_array(X),
        "read-only": readonly,
    }
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    for name, Xv in variants.items():
        got = loss_grad(loss, Xv, p.y, p.coef, p.intercept, **p.kwargs())
        _assert_same_result(got, expected, rtol)


def test_noncanonical_csr(loss):
    """Unsorted column indices and duplicate entries (summed, as scipy defines them)."""
    p = make_problem(loss, sparse=False, seed=6, weights=True)
    rng = np.random.default_rng(6)
    n, d = p.X.shape
    rows, cols, vals = [], [], []
    for i in range(n):
        js = rng.permutation(d)[:5]
        js = np.concatenate([js, js[:2]])  # two duplicates per row, unsorted
        rows.extend([i] * len(js))
        cols.extend(js.tolist())
        vals.extend(rng.normal(size=len(js)).tolist())
    indptr = np.searchsorted(np.asarray(rows), np.arange(n + 1))
    X = sp.csr_matrix((np.asarray(vals), np.asarray(cols, dtype=np.int32), indptr), shape=(n, d))
    assert not X.has_canonical_format
    dense = X.toarray()  # sums the duplicates
    got = loss_grad(loss, X, p.y, p.coef, p.intercept, **p.kwargs())
    expected = ref.loss_grad(loss, dense, p.y64, p.coef64, p.intercept64, **p.ref_kwargs())
    _assert_same_result(got, expected, 1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_memory_layouts(loss, dtype):
    p = make_problem(loss, sparse=False, dtype=dtype, weights=True, alpha=0.3, seed=7, d=24)
    X = np.ascontiguousarray(p.X[:, ::2])
    coef = np.ascontiguousarray(p.coef[..., ::2])
    expected = loss_grad(loss, X, p.y, coef, p.intercept, **p.kwargs())

    strided = p.X[:, ::2]
    assert not strided.flags.c_contiguous
    fortran = np.asfortranarray(X)
    assert not fortran.flags.c_contiguous
    coef_strided = p.coef[..., ::2]
    for Xv, cv in [(strided, coef), (fortran, coef), (X, coef_strided),
                   (np.asfortranarray(X), np.asfortranarray(coef))]:
        _assert_identical(loss_grad(loss, Xv, p.y, cv, p.intercept, **p.kwargs()), expected)

    # read-only X, y, coef, intercept and weights
    Xr, yr, cr, swr = X.copy(), p.y.copy(), coef.copy(), p.sample_weight.copy()
    br = None
    if p.intercept is not None:
        br = np.array(p.intercept)
        br.setflags(write=False)
    for a in (Xr, yr, cr, swr):
        a.setflags(write=False)
    got = loss_grad(loss, Xr, yr, cr, br, sample_weight=swr, alpha=p.alpha)
    _assert_same_result(got, expected, 0.0 if dtype == np.float64 else 1e-7)
    got_strided_ro = strided.copy()[:, :]
    got_strided_ro.setflags(write=False)
    _assert_identical(loss_grad(loss, got_strided_ro, yr, cr, p.intercept, sample_weight=swr,
                                alpha=p.alpha), expected)


def test_int_and_bool_X_become_float64(loss):
    p = make_problem(loss, seed=8)
    Xi = np.rint(p.X * 3).astype(np.int32)
    got = loss_grad(loss, Xi, p.y, p.coef, p.intercept)
    assert got[1].dtype == np.float64
    _assert_identical(got, loss_grad(loss, Xi.astype(np.float64), p.y, p.coef, p.intercept))
    Xb = p.X > 0
    got = loss_grad(loss, Xb, p.y, p.coef, p.intercept)
    assert got[1].dtype == np.float64
    _assert_identical(got, loss_grad(loss, Xb.astype(np.float64), p.y, p.coef, p.intercept))


# --------------------------------------------------------------------------- threads


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_threads_agree(loss, sparse):
    p = make_problem(loss, n=5000, sparse=sparse, weights=True, alpha=0.3, seed=9)
    one = _run(p, n_threads=1)
    two = _run(p, n_threads=2)
    three = _run(p, n_threads=3)
    _assert_same_result(two, one, 1e-12)
    _assert_same_result(three, one, 1e-12)
    _assert_same_result(one, _oracle(p), 1e-10)
    # the same thread count gives the same bits
    _assert_identical(_run(p, n_threads=2), two)
    _assert_identical(_run(p, n_threads=1), one)
    _assert_identical(_run(p, n_threads=3), three)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_threads_bit_identical_float32(loss, sparse):
    p = make_problem(loss, n=5000, sparse=sparse, dtype=np.float32, weights=True, seed=10)
    for t in (1, 2, 3):
        _assert_identical(_run(p, n_threads=t), _run(p, n_threads=t))
    _assert_same_result(_run(p, n_threads=2), _oracle(p), 1e-4)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("n_threads", [3, 4, 7])
def test_more_threads_than_samples(loss, sparse, n_threads):
    p = make_problem(loss, n=2, K=3, sparse=sparse, density=0.6, weights=True, seed=11)
    got = _run(p, n_threads=n_threads)
    _assert_same_result(got, _oracle(p), 1e-12)
    _assert_same_result(got, _run(p, n_threads=1), 1e-14)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_row_count_near_block_sizes(loss, sparse, dtype):
    """Row counts 1..37 with 1-3 threads: the row blocks and their tails (blocks of 16 rows,
    rows taken four at a time) cover every row exactly once."""
    big = make_problem(loss, n=37, K=3, sparse=sparse, dtype=dtype, weights=True, seed=40,
                       density=0.5)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for n in range(1, 38):
        X, X64 = big.X[:n], big.X64[:n]
        sw, sw64 = big.sample_weight[:n], big.sample_weight64[:n]
        expected = ref.loss_grad(loss, X64, big.y64[:n], big.coef64, big.intercept64,
                                 sample_weight=sw64, alpha=0.1)
        for t in (1, 2, 3):
            got = loss_grad(loss, X, big.y[:n], big.coef, big.intercept, sample_weight=sw,
                            alpha=0.1, n_threads=t)
            _assert_same_result(got, expected, rtol)


def test_default_threads_match_explicit(loss):
    p = make_problem(loss, n=2000, seed=12)
    from fastoptim._config import effective_n_threads

    stored = p.X.nnz if sp.issparse(p.X) else p.X.size
    K = p.coef.shape[0] if np.ndim(p.coef) == 2 else 1
    _assert_identical(_run(p), _run(p, n_threads=effective_n_threads(None, work=stored * K)))
    _assert_same_result(_run(p, n_threads=-1), _oracle(p), 1e-10)


# --------------------------------------------------------------------------- shapes & types


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_output_types_and_shapes(loss, dtype, sparse):
    p = make_problem(loss, dtype=dtype, sparse=sparse, seed=13, K=3)
    d = p.X.shape[1]
    # coef given in float64 still yields gradients in X's dtype
    value, g, gb = loss_grad(loss, p.X, p.y, p.coef.astype(np.float64), None)
    assert isinstance(value, float)
    assert g.dtype == dtype and g.shape == p.coef.shape
    assert gb is None
    if loss in MULTICLASS:
        value, g, gb = loss_grad(loss, p.X, p.y, p.coef, np.zeros(3))
        assert g.shape == (3, d) and g.dtype == dtype
        assert isinstance(gb, np.ndarray) and gb.shape == (3,) and gb.dtype == dtype
    else:
        value, g, gb = loss_grad(loss, p.X, p.y, p.coef, 0.25)
        assert g.shape == (d,)
        assert type(gb) is float
        value2, g2, gb2 = loss_grad(loss, p.X, p.y, p.coef.reshape(1, d), np.float32(0.25))
        assert g2.shape == (1, d) and g2.dtype == dtype
        assert type(gb2) is float
        assert value2 == value and gb2 == gb and np.array_equal(g2.ravel(), g)
        # an intercept of shape (1,) gives a gradient of shape (1,)
        value3, g3, gb3 = loss_grad(loss, p.X, p.y, p.coef, np.array([0.25]))
        assert value3 == value and np.array_equal(g3, g)
        assert isinstance(gb3, np.ndarray) and gb3.shape == (1,) and gb3[0] == gb


def test_objective_matches_loss_grad(loss):
    p = make_problem(loss, seed=14, weights=True, alpha=0.3)
    obj = Objective(loss, p.X, p.y, sample_weight=p.sample_weight, alpha=0.3,
                    n_classes=p.n_classes if loss in MULTICLASS else None)
    assert obj.coef_shape == p.coef.shape
    assert (obj.n_samples, obj.n_features) == p.X.shape
    _assert_identical(obj.value_grad(p.coef, p.intercept), _run(p))
    # repeated evaluations don't depend on earlier ones
    obj.value_grad(p.coef * 3, p.intercept)
    _assert_identical(obj.value_grad(p.coef, p.intercept), _run(p))


def test_scalar_sample_weight_is_unweighted(loss):
    p = make_problem(loss, seed=15, alpha=0.3)
    _assert_same_result(_run(p, sample_weight=2.5), _run(p), 1e-14)


def test_integer_weights_equal_repeated_rows(loss):
    """Weight 2 on a row is the same as listing the row twice."""
    p = make_problem(loss, n=60, seed=16)
    rng = np.random.default_rng(16)
    sw = rng.integers(1, 4, size=60)
    rep = np.repeat(np.arange(60), sw)
    weighted = loss_grad(loss, p.X, p.y, p.coef, p.intercept, sample_weight=sw)
    repeated = loss_grad(loss, p.X[rep], p.y[rep], p.coef, p.intercept)
    _assert_same_result(weighted, repeated, 1e-12)


# --------------------------------------------------------------------------- stability


@pytest.mark.parametrize("scale", [1e4, 1e10, 1e300])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss", ["logistic", "softmax"])
def test_huge_scores_are_stable(loss, scale, dtype):
    if dtype == np.float32 and scale > 1e30:
        pytest.skip("float32 cannot hold such coefficients")
    p = make_problem(loss, n=200, dtype=dtype, intercept=False, seed=17)
    X64 = p.X64
    coef = (p.coef64 / np.max(np.abs(p.coef64)) * scale).astype(dtype)
    c64 = coef.astype(np.float64)
    value, g, gb = loss_grad(loss, p.X, p.y, coef, None)
    assert np.isfinite(value) and np.all(np.isfinite(g))
    n = X64.shape[0]
    if loss == "logistic":
        z = X64 @ c64
        m = p.y64 * z
        if scale >= 1e10:
            assert np.min(np.abs(m)) > 800  # exp(-|m|) underflows: the exact limits hold
            exp_value = np.mean(np.maximum(0.0, -m))
            exp_g = X64.T @ (-p.y64 * (m < 0)) / n
        else:
            from scipy.special import expit

            exp_value = np.mean(np.maximum(0.0, -m) + np.log1p(np.exp(-np.abs(m))))
            exp_g = X64.T @ (-p.y64 * expit(-m)) / n
    else:
        z = X64 @ c64.T
        rows = np.arange(n)
        c = p.y64.astype(int)
        exp_value = np.mean(np.max(z, axis=1) - z[rows, c])
        if scale >= 1e10:
            pmat = np.zeros_like(z)
            pmat[rows, np.argmax(z, axis=1)] = 1.0
        else:
            from scipy.special import softmax

            pmat = softmax(z, axis=1)
            exp_value = np.mean(ref.pointwise("softmax", z, p.y64)[0])
        pmat[rows, c] -= 1.0
        exp_g = (X64.T @ pmat).T / n
    # float32 data: scores are float32 sums, so the value is float32-accurate
    rtol = 1e-10 if dtype == np.float64 else 1e-6
    assert_value_close(value, exp_value, rtol)
    assert_grad_close(g, exp_g, rtol, grad_scale(exp_g))


@pytest.mark.parametrize("loss", ["logistic", "hinge", "squared_hinge", "softmax",
                                  "multiclass_hinge"])
def test_huge_coef_without_penalty_is_finite(loss):
    """With alpha=0, coefficients above ~1e154 (whose squared norm overflows) must not
    matter: the penalty term is 0 whatever ||coef||^2 is.  Here every sample is classified
    with a margin of ~1e160, so the objective is exactly 0 with a zero gradient."""
    X = np.array([[1.0, 0.5], [-1.0, 2.0]])
    if loss in MULTICLASS:
        y = np.array([0, 1])
        coef = np.array([[1e160, -1e160], [-1e160, 1e160]])
    else:
        y = np.array([1, -1])
        coef = np.array([1e160, -1e160])
    value, g, _ = loss_grad(loss, X, y, coef, alpha=0.0)
    assert value == 0.0
    np.testing.assert_array_equal(g, np.zeros_like(coef))


def test_logistic_tails_pointwise():
    z = np.array([-1e300, -1e10, -800.0, -40.0, 0.0, 40.0, 800.0, 1e10, 1e300])
    y = np.ones_like(z)
    l, dz = pointwise_loss("logistic", z, y)
    assert np.all(np.isfinite(l)) and np.all(np.isfinite(dz))
    np.testing.assert_allclose(l, np.maximum(0.0, -z) + np.log1p(np.exp(-np.abs(z))),
                               rtol=1e-15, atol=0)
    assert l[-1] == 0.0 and dz[-1] == 0.0 and dz[0] == -1.0
    l2, dz2 = pointwise_loss("logistic", z, -y)
    np.testing.assert_array_equal(l2, l[::-1])
    np.testing.assert_array_equal(dz2, -dz[::-1])


def _wide_range():
    a = np.concatenate([np.logspace(-300, -1, 400), np.linspace(0.1, 40, 2000),
                        np.linspace(40, 760, 2000), np.logspace(2.9, 300, 200)])
    return np.concatenate([a, -a, [0.0]])


def test_logistic_pointwise_accurate_over_the_whole_range():
    """The loss and derivative are accurate to a few ulp for every score (the kernels use
    their own exp/log1p), with values below the normal range flushed to 0 at most."""
    z = _wide_range()
    for y in (1.0, -1.0):
        l, dz = pointwise_loss("logistic", z, np.full_like(z, y))
        rl, rdz = ref.pointwise("logistic", z, np.full_like(z, y))
        np.testing.assert_allclose(l, rl, rtol=2e-15, atol=1e-300)
        np.testing.assert_allclose(dz, rdz, rtol=2e-15, atol=1e-300)


def test_logistic_pointwise_float32_accurate_over_the_whole_range():
    """float32 scores use the float exp/log1p of fo_math.h: within a few float ulp of the
    float64 values of the same (float32) scores, values below float's normal range at
    most flushed to 0."""
    z = np.concatenate([np.linspace(-40, 40, 20001), np.logspace(-30, 38, 2000),
                        -np.logspace(-30, 38, 2000)]).astype(np.float32)
    for y in (1.0, -1.0):
        yy = np.full(z.shape, y, dtype=np.float32)
        l, dz = pointwise_loss("logistic", z, yy)
        assert l.dtype == np.float32 and dz.dtype == np.float32
        rl, rdz = ref.pointwise("logistic", z.astype(np.float64), yy.astype(np.float64))
        np.testing.assert_allclose(l, rl, rtol=4 * np.finfo(np.float32).eps, atol=1e-37)
        np.testing.assert_allclose(dz, rdz, rtol=4 * np.finfo(np.float32).eps, atol=1e-37)


def test_logistic_hessian_curvature_over_the_whole_range():
    """hessp on single-sample problems X = [[x]], coef = 1, v = 1: x^2 sigmoid'(x)."""
    from scipy.special import expit

    xs = np.concatenate([np.linspace(-40, 40, 81), [-700.0, -300.0, 300.0, 700.0, 1e-8]])
    for x in xs:
        hv, _ = loss_hessp("logistic", np.array([[x]]), [1], np.array([1.0]), None,
                           np.array([1.0]))
        expected = x * x * expit(x) * expit(-x)  # not p (1 - p): 1 - p cancels
        assert hv[0] == pytest.approx(expected, rel=1e-14, abs=1e-300), x


def test_softmax_pointwise_accurate_over_a_wide_range():
    rng = np.random.default_rng(41)
    z = rng.normal(0.0, 30.0, size=(20000, 5)) * rng.choice([1e-3, 1.0, 20.0], size=(20000, 1))
    y = rng.integers(0, 5, size=20000)
    l, dz = pointwise_loss("softmax", z, y)
    rl, rdz = ref.pointwise("softmax", z, y)
    # logsumexp(z) - z_y cancels: the error is relative to the size of the scores
    scale = np.maximum(1.0, np.max(np.abs(z), axis=1))
    assert np.max(np.abs(l - rl) / scale) < 2e-15
    np.testing.assert_allclose(dz, rdz, rtol=1e-14, atol=1e-15)


def test_softmax_tails_pointwise():
    z = np.array([[1e300, -1e300, 0.0], [0.0, 1e10, -1e10], [1000.0, 1000.0, 1000.0]])
    y = np.array([1, 1, 2])
    l, dz = pointwise_loss("softmax", z, y)
    assert np.all(np.isfinite(l)) and np.all(np.isfinite(dz))
    # logsumexp - z_c = (1000 + log 3) - 1000 loses ~1000 ulps of log 3
    np.testing.assert_allclose(l, [2e300, 0.0, math.log(3.0)], rtol=1e-12)
    np.testing.assert_allclose(dz, [[1, -1, 0], [0, 0, 0], [1 / 3, 1 / 3, -2 / 3]],
                               rtol=1e-15, atol=1e-300)


# --------------------------------------------------------------------------- pointwise


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pointwise_matches_oracle(loss, dtype):
    rng = np.random.default_rng(18)
    n, K = 500, 4
    if loss in MULTICLASS:
        z = rng.normal(0, 2, size=(n, K)).astype(dtype)
        y = rng.integers(0, K, size=n)
    else:
        z = rng.normal(0, 2, size=n).astype(dtype)
        y = rng.normal(size=n) if loss == "squared" else rng.choice([-1.0, 1.0], size=n)
        y = y.astype(dtype)
    l, dz = pointwise_loss(loss, z, y)
    assert l.dtype == dtype and dz.dtype == dtype
    assert l.shape == (n,) and dz.shape == z.shape
    rl, rdz = ref.pointwise(loss, z.astype(np.float64), np.asarray(y, dtype=np.float64))
    rtol = 1e-14 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(l, rl, rtol=rtol, atol=rtol * np.max(np.abs(rl)))
    np.testing.assert_allclose(dz, rdz, rtol=rtol, atol=rtol * np.max(np.abs(rdz)))
    if loss in BINARY_CLF:
        # 0 labels are -1
        l0, dz0 = pointwise_loss(loss, z, np.where(y == -1, 0, 1))
        np.testing.assert_array_equal(l0, l)
        np.testing.assert_array_equal(dz0, dz)


def test_pointwise_consistent_with_loss_grad(loss):
    """loss_grad's value is the mean of pointwise losses at the scores."""
    p = make_problem(loss, seed=19)
    z = ref._scores(p.X64, p.coef64, p.intercept64)
    l, _ = pointwise_loss(loss, z, p.y)
    assert_value_close(_run(p)[0], float(np.mean(l)), 1e-12)


# --------------------------------------------------------------------------- known values


def test_logistic_at_zero_is_log2():
    p = make_problem("logistic", seed=20, weights=True)
    value, g, gb = loss_grad("logistic", p.X, p.y, np.zeros(p.X.shape[1]), 0.0,
                             sample_weight=p.sample_weight)
    assert value == pytest.approx(math.log(2.0), rel=1e-15)
    w = p.sample_weight64 / p.sample_weight64.sum()
    np.testing.assert_allclose(g, -0.5 * p.X64.T @ (w * p.y64), rtol=1e-12, atol=1e-15)
    assert gb == pytest.approx(-0.5 * np.sum(w * p.y64), rel=1e-12, abs=1e-15)


def test_softmax_at_zero_is_logK():
    p = make_problem("softmax", K=5, seed=21)
    value, g, gb = loss_grad("softmax", p.X, p.y, np.zeros((5, p.X.shape[1])), np.zeros(5))
    assert value == pytest.approx(math.log(5.0), rel=1e-15)


def test_known_small_values():
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([1.0, -1.0])
    coef = np.array([0.5, -0.25])
    # z = [0, 1.75]
    v, g, gb = loss_grad("squared", X, y, coef, 0.0)
    assert v == pytest.approx(((0 - 1) ** 2 + (1.75 + 1) ** 2) / 4)
    np.testing.assert_allclose(g, (X.T @ np.array([-1.0, 2.75])) / 2)
    assert gb == pytest.approx((-1 + 2.75) / 2)
    v, g, gb = loss_grad("hinge", X, y, coef, 0.0)
    assert v == pytest.approx((1.0 + 2.75) / 2)
    np.testing.assert_allclose(g, (X.T @ np.array([-1.0, 1.0])) / 2)
    v, g, _ = loss_grad("squared_hinge", X, y, coef, alpha=2.0)
    assert v == pytest.approx((1.0 + 2.75 ** 2) / 2 + (0.25 + 0.0625))
    np.testing.assert_allclose(g, (X.T @ np.array([-2.0, 5.5])) / 2 + 2.0 * coef)
    # multiclass hinge with K=3: z = [[0, 1, -1]], y = 0 -> slacks 2 and 0
    v, g, gb = loss_grad("multiclass_hinge", np.array([[1.0]]), [0], [[0.0], [1.0], [-1.0]],
                         np.zeros(3))
    assert v == 2.0
    np.testing.assert_array_equal(g.ravel(), [-1.0, 1.0, 0.0])
    np.testing.assert_array_equal(gb, [-1.0, 1.0, 0.0])


def test_hinge_kinks_use_zero_subgradient():
    """Exactly at a kink (slack 0) the loss is 0 and the subgradient is 0."""
    X = np.array([[1.0, 0.0], [0.0, 2.0]])
    v, g, gb = loss_grad("hinge", X, [1, -1], np.array([1.0, -0.5]), 0.0)
    assert v == 0.0 and gb == 0.0
    np.testing.assert_array_equal(g, [0.0, 0.0])
    v, g, gb = loss_grad("squared_hinge", X, [1, -1], np.array([1.0, -0.5]), 0.0)
    assert v == 0.0 and gb == 0.0
    # multiclass: z = [1, 0], y = 0 -> slack z_1 - z_0 + 1 = 0, not a violation
    v, g, gb = loss_grad("multiclass_hinge", np.array([[1.0]]), [0], [[1.0], [0.0]],
                         np.zeros(2))
    assert v == 0.0
    np.testing.assert_array_equal(gb, [0.0, 0.0])


# --------------------------------------------------------------------------- hessp


def _hessp_problem(loss, sparse, dtype, intercept, alpha, weights, seed):
    p = make_problem(loss, sparse=sparse, dtype=dtype, intercept=intercept, alpha=alpha,
                     weights=weights, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    v = rng.normal(size=p.coef.shape).astype(dtype)
    if intercept:
        vb = rng.normal(size=p.n_classes).astype(dtype) if loss in MULTICLASS else float(
            np.float32(rng.normal()) if dtype == np.float32 else rng.normal())
    else:
        vb = None
    return p, v, vb


@pytest.mark.parametrize("loss", TWICE_DIFFERENTIABLE)
@intercepts
@alphas
@weighted
def test_hessp_matches_oracle(loss, layout, intercept, alpha, weights):
    sparse, dtype = layout
    p, v, vb = _hessp_problem(loss, sparse, dtype, intercept, alpha, weights, seed=30)
    hv, hb = loss_hessp(loss, p.X, p.y, p.coef, p.intercept, v, vb, **p.kwargs())
    rhv, rhb = ref.hessp(loss, p.X64, p.y64, p.coef64, p.intercept64,
                         v.astype(np.float64), None if vb is None else np.asarray(vb, float),
                         **p.ref_kwargs())
    assert hv.dtype == dtype and hv.shape == p.coef.shape
    if intercept:
        if loss in MULTICLASS:
            assert hb.shape == (p.n_classes,) and hb.dtype == dtype
        else:
            assert type(hb) is float
    else:
        assert hb is None
    scale = grad_scale(rhv, rhb)
    assert_grad_close(hv, rhv, rtol_for(dtype), scale)
    assert_grad_close(hb, rhb, rtol_for(dtype), scale)


@pytest.mark.parametrize("loss", TWICE_DIFFERENTIABLE)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@intercepts
@pytest.mark.parametrize("alpha,weights", [(0.0, False), (0.3, True)], ids=["plain", "a+w"])
def test_hessp_matches_finite_differences(loss, sparse, intercept, alpha, weights):
    p, v, vb = _hessp_problem(loss, sparse, np.float64, intercept, alpha, weights, seed=31)
    h = 1e-6
    if loss == "squared_hinge":
        # no margin may cross the kink between w - h v and w + h v
        z = ref._scores(p.X64, p.coef64, p.intercept64)
        t = ref._scores(p.X64, v, vb)
        assert np.all(np.abs(1.0 - p.y64 * z) > 10 * h * np.abs(t)), "pick another seed"
    w = flat_params(p.coef, p.intercept)
    dv = flat_params(v, vb)

    def grad(wv):
        coef, b = split_params(wv, p.coef.shape, p.intercept)
        _, g, gb = loss_grad(loss, p.X, p.y, coef, b, **p.kwargs())
        return flat_params(g, gb)

    fd = (grad(w + h * dv) - grad(w - h * dv)) / (2 * h)
    hv, hb = loss_hessp(loss, p.X, p.y, p.coef, p.intercept, v, vb, **p.kwargs())
    got = flat_params(hv, hb)
    assert_grad_close(got, fd, 1e-6, grad_scale(fd))


@pytest.mark.parametrize("loss", TWICE_DIFFERENTIABLE)
def test_hessp_threads_and_layouts(loss):
    p, v, vb = _hessp_problem(loss, True, np.float64, True, 0.3, True, seed=32)
    p_big = make_problem(loss, n=3000, sparse=True, weights=True, seed=33)
    args = (loss, p_big.X, p_big.y, p_big.coef, p_big.intercept, v, vb)
    one = loss_hessp(*args, sample_weight=p_big.sample_weight, n_threads=1)
    two = loss_hessp(*args, sample_weight=p_big.sample_weight, n_threads=2)
    two_again = loss_hessp(*args, sample_weight=p_big.sample_weight, n_threads=2)
    scale = grad_scale(*one)
    assert_grad_close(two[0], one[0], 1e-12, scale)
    assert_grad_close(two[1], one[1], 1e-12, scale)
    assert np.array_equal(two[0], two_again[0]) and np.array_equal(two[1], two_again[1])
    dense = loss_hessp(loss, p_big.X.toarray(), p_big.y, p_big.coef, p_big.intercept, v, vb,
                       sample_weight=p_big.sample_weight, n_threads=2)
    assert_grad_close(dense[0], one[0], 1e-12, scale)
    assert_grad_close(dense[1], one[1], 1e-12, scale)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_hessp_binary_coef_2d(loss):
    p, v, vb = _hessp_problem(loss, False, np.float64, True, 0.3, False, seed=34)
    d = p.coef.shape[0]
    hv1, hb1 = loss_hessp(loss, p.X, p.y, p.coef, p.intercept, v, vb, alpha=0.3)
    hv2, hb2 = loss_hessp(loss, p.X, p.y, p.coef.reshape(1, d), p.intercept, v.reshape(1, d),
                          vb, alpha=0.3)
    assert hv2.shape == (1, d)
    assert np.array_equal(hv2.ravel(), hv1) and hb1 == hb2


def test_squared_hessian_is_gram_matrix():
    """For the squared loss H = X~^T W X~ / sum(w) + alpha I (coef block only)."""
    p, v, vb = _hessp_problem("squared", False, np.float64, True, 0.3, True, seed=35)
    Xt = np.hstack([p.X64, np.ones((p.X64.shape[0], 1))])
    W = p.sample_weight64 / p.sample_weight64.sum()
    H = Xt.T @ (W[:, None] * Xt)
    H[:-1, :-1] += 0.3 * np.eye(p.X64.shape[1])
    hv, hb = loss_hessp("squared", p.X, p.y, p.coef, p.intercept, v, vb,
                        sample_weight=p.sample_weight, alpha=0.3)
    expected = H @ flat_params(v, vb)
    assert_grad_close(flat_params(hv, hb), expected, 1e-12, grad_scale(expected))


@pytest.mark.parametrize("loss", ["hinge", "multiclass_hinge"])
def test_hessp_not_defined_for_hinge(loss):
    p, v, vb = _hessp_problem(loss, False, np.float64, True, 0.0, False, seed=36)
    with pytest.raises(ValueError, match=loss):
        loss_hessp(loss, p.X, p.y, p.coef, p.intercept, v, vb)


def test_hessp_needs_vec_intercept():
    p, v, vb = _hessp_problem("logistic", False, np.float64, True, 0.0, False, seed=37)
    with pytest.raises(ValueError, match="vec_intercept"):
        loss_hessp("logistic", p.X, p.y, p.coef, p.intercept, v, None)
    with pytest.raises(ValueError, match="vec_coef"):
        loss_hessp("logistic", p.X, p.y, p.coef, p.intercept, v[:-1], vb)


def test_losses_tuple():
    assert LOSSES == ("squared", "logistic", "hinge", "squared_hinge", "softmax",
                      "multiclass_hinge")
    assert fastoptim.losses.loss_grad is loss_grad


# --------------------------------------------------------------------------- full Hessian


def _curvature(loss, z, y):
    if loss == "squared":
        return np.ones_like(z)
    if loss == "logistic":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1.0 - s)
    return np.where(1.0 - y * z > 0, 2.0, 0.0)  # squared_hinge: the generalized Hessian


@pytest.mark.parametrize("loss", ["squared", "logistic", "squared_hinge"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_hessian_matches_the_numpy_formula(loss, sparse, dtype, fit_intercept, n_threads):
    p = make_problem(loss, n=300, sparse=sparse, dtype=dtype, weights=True, seed=50)
    from fastoptim.losses import Objective

    obj = Objective(loss, p.X, p.y, sample_weight=p.sample_weight, alpha=0.3, n_threads=n_threads)
    b = p.intercept if fit_intercept else None
    value, grad, hess = obj.hessian(p.coef, b)
    X = p.X64.toarray() if sp.issparse(p.X64) else p.X64
    w = p.sample_weight64
    y = p.y64 if loss == "squared" else np.where(p.y64 == 0, -1.0, p.y64)
    z = X @ p.coef64 + (float(np.ravel(p.intercept64)[0]) if fit_intercept else 0.0)
    Xt = np.column_stack([X, np.ones(len(z))]) if fit_intercept else X
    H = (Xt * (w * _curvature(loss, z, y))[:, None]).T @ Xt / w.sum()
    H[np.arange(X.shape[1]), np.arange(X.shape[1])] += 0.3
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    assert hess.shape == (Xt.shape[1],) * 2 and np.array_equal(hess, hess.T)
    np.testing.assert_allclose(hess, H, rtol=rtol, atol=rtol * np.abs(H).max())
    v2, gc, gb = obj.value_grad(p.coef, b)
    assert value == pytest.approx(v2, rel=rtol)
    g = np.concatenate([gc, np.ravel(gb)]) if fit_intercept else gc
    np.testing.assert_allclose(grad, g, rtol=rtol, atol=rtol * np.abs(g).max())


def test_hessian_refuses_hinge_multiclass_and_huge_problems():
    from fastoptim.losses import Objective

    X, y = np.ones((4, 3)), np.array([1.0, -1.0, 1.0, -1.0])
    with pytest.raises(ValueError, match="full Hessian is defined here for"):
        Objective("hinge", X, y).hessian(np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="use a Hessian-free solver"):
        Objective("logistic", sp.csr_matrix((4, 30000)), y).hessian(np.zeros(30000), 0.0)


# ------------------------------------------------------------------ hessp_operator


def _objective(p, n_threads=None):
    return Objective(p.loss, p.X, p.y, sample_weight=p.sample_weight, alpha=p.alpha,
                     n_classes=p.n_classes if p.loss in MULTICLASS else None,
                     n_threads=n_threads)


@pytest.mark.parametrize("loss", TWICE_DIFFERENTIABLE)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@intercepts
@weighted
def test_hessp_operator_matches_oracle_and_hessp(loss, sparse, dtype, intercept, weights):
    """One operator, several directions: each product is the oracle's H v, and the same
    numbers as hessp at that point (bit for bit: hessp of a binary loss is the operator)."""
    p, v, vb = _hessp_problem(loss, sparse, dtype, intercept, 0.3, weights, seed=40)
    obj = _objective(p)
    hvp = obj.hessp_operator(p.coef, p.intercept)
    rng = np.random.default_rng(41)
    for k in range(3):
        vk = v if k == 0 else rng.normal(size=p.coef.shape).astype(dtype)
        vbk = vb if (k == 0 or vb is None) else (
            rng.normal(size=p.n_classes).astype(dtype) if loss in MULTICLASS else float(
                np.float32(rng.normal()) if dtype == np.float32 else rng.normal()))
        hv, hb = hvp(vk, vbk)
        rhv, rhb = ref.hessp(loss, p.X64, p.y64, p.coef64, p.intercept64, vk.astype(np.float64),
                             None if vbk is None else np.asarray(vbk, float), **p.ref_kwargs())
        scale = grad_scale(rhv, rhb)
        assert hv.dtype == dtype and hv.shape == p.coef.shape
        assert_grad_close(hv, rhv, rtol_for(dtype), scale)
        assert_grad_close(hb, rhb, rtol_for(dtype), scale)
        shv, shb = obj.hessp(p.coef, p.intercept, vk, vbk)
        assert np.array_equal(hv, shv)
        assert (hb is None and shb is None) or np.array_equal(hb, shb)


@pytest.mark.parametrize("loss", ["logistic", "squared_hinge", "softmax"])
def test_hessp_operator_keeps_its_point(loss):
    """The point is copied: changing the arrays afterwards does not move the Hessian."""
    p, v, vb = _hessp_problem(loss, False, np.float64, True, 0.3, False, seed=42)
    obj = _objective(p)
    coef = p.coef.copy()
    intercept = np.array(p.intercept, dtype=np.float64) if loss in MULTICLASS else p.intercept
    hvp = obj.hessp_operator(coef, intercept)
    before = hvp(v, vb)
    coef += 5.0
    if loss in MULTICLASS:
        intercept += 5.0
    after = hvp(v, vb)
    assert np.array_equal(before[0], after[0])
    assert np.array_equal(np.asarray(before[1]), np.asarray(after[1]))


def test_hessp_operator_squared_hinge_skips_rows_past_the_margin():
    """Rows with y z >= 1 have no curvature: removing them changes nothing."""
    p, v, vb = _hessp_problem("squared_hinge", True, np.float64, True, 0.3, False, seed=43)
    z = ref._scores(p.X64, p.coef64, p.intercept64)
    active = p.y64 * z < 1.0
    assert 0 < active.sum() < len(active)
    X = p.X64 if not sp.issparse(p.X) else p.X.toarray()
    Xt = np.hstack([X, np.ones((X.shape[0], 1))])[active]
    expected = 2.0 * Xt.T @ (Xt @ flat_params(v, vb)) / X.shape[0]
    expected[:-1] += 0.3 * v
    hv, hb = _objective(p).hessp_operator(p.coef, p.intercept)(v, vb)
    assert_grad_close(flat_params(hv, hb), expected, 1e-12, grad_scale(expected))


@pytest.mark.parametrize("loss", ["logistic", "squared"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_hessp_operator_threads_agree(loss, sparse):
    p = make_problem(loss, n=3000, sparse=sparse, weights=True, alpha=0.1, seed=44)
    v = np.random.default_rng(45).normal(size=p.coef.shape)
    one = _objective(p, n_threads=1).hessp_operator(p.coef, p.intercept)(v, 0.7)
    two = _objective(p, n_threads=2).hessp_operator(p.coef, p.intercept)(v, 0.7)
    scale = grad_scale(*one)
    assert_grad_close(two[0], one[0], 1e-12, scale)
    assert_grad_close(two[1], one[1], 1e-12, scale)


def test_hessp_operator_bad_input():
    p, v, vb = _hessp_problem("logistic", False, np.float64, True, 0.0, False, seed=46)
    obj = _objective(p)
    with pytest.raises(ValueError, match="coef has shape"):
        obj.hessp_operator(p.coef[:-1], p.intercept)
    hvp = obj.hessp_operator(p.coef, p.intercept)
    with pytest.raises(ValueError, match="vec_intercept is required"):
        hvp(v)
    with pytest.raises(ValueError, match="vec_coef has shape"):
        hvp(v[:-1], vb)
    ph, _, _ = _hessp_problem("hinge", False, np.float64, True, 0.0, False, seed=47)
    with pytest.raises(ValueError, match="not twice differentiable"):
        _objective(ph).hessp_operator(ph.coef, ph.intercept)
    with pytest.raises(FloatingPointError, match="scale X"):
        obj.hessp_operator(p.coef * 1e308, p.intercept)


@pytest.mark.parametrize("loss", ["squared", "logistic", "squared_hinge"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@intercepts
@weighted
def test_hessp_operator_diagonal_is_the_hessians(loss, sparse, dtype, intercept, weights):
    """diagonal() equals the diagonal of the full Hessian (Objective.hessian), intercept last."""
    p, _, _ = _hessp_problem(loss, sparse, dtype, intercept, 0.3, weights, seed=48)
    obj = _objective(p)
    dc, db = obj.hessp_operator(p.coef, p.intercept).diagonal()
    _, _, H = obj.hessian(p.coef, p.intercept)
    expected = np.diag(H)
    assert dc.dtype == np.float64 and dc.shape == p.coef.shape
    got = np.append(dc, db) if intercept else dc
    assert db is None or type(db) is float
    assert (db is None) == (not intercept)
    np.testing.assert_allclose(got, expected, rtol=1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("loss", TWICE_DIFFERENTIABLE)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@intercepts
def test_hessp_operator_diagonal_is_e_H_e(loss, sparse, intercept):
    """Every diagonal entry is e_j . H e_j, H e_j from the operator's own products."""
    p, _, _ = _hessp_problem(loss, sparse, np.float64, intercept, 0.3, True, seed=49)
    hvp = _objective(p).hessp_operator(p.coef, p.intercept)
    dc, db = hvp.diagonal()
    n_coef = p.coef.size
    got = flat_params(dc, db)
    n_b = got.size - n_coef
    assert (n_b > 0) == intercept and dc.shape == p.coef.shape
    expected = np.empty(got.size)
    for j in range(got.size):
        e = np.zeros(got.size)
        e[j] = 1.0
        vc, vb = split_params(e, p.coef.shape, p.intercept)
        expected[j] = flat_params(*hvp(vc, vb))[j]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
