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
