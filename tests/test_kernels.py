"""Kernel matrices (fastoptim.kernels, src_c/kernels.c) against a NumPy oracle.

Every kernel, float32 and float64, dense and CSR, X against Z and X against
itself, with 1 and 2 threads; the bits do not depend on the thread count;
bad arguments are refused with messages that name them.
"""
import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim._core import _kernels
from fastoptim.reference.kernels import pairwise_kernels as reference_pairwise_kernels
from fastoptim.kernels import (KERNELS, pairwise_kernels,
                               row_sqnorms)

PARAMS = {"linear": {}, "poly": dict(gamma=0.3, degree=3, coef0=0.7),
          "rbf": dict(gamma=0.2), "sigmoid": dict(gamma=0.1, coef0=-0.3)}


def _data(n=61, m=37, d=7, dtype=np.float64, sparse=False, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    Z = rng.normal(size=(m, d))
    if sparse:
        X[rng.random(X.shape) < 0.6] = 0.0
        Z[rng.random(Z.shape) < 0.6] = 0.0
    X, Z = X.astype(dtype), Z.astype(dtype)
    if sparse:
        return sp.csr_matrix(X), sp.csr_matrix(Z), X.astype(np.float64), Z.astype(np.float64)
    return X, Z, X.astype(np.float64), Z.astype(np.float64)


def _tol(dtype):
    # entries are O(1): absolute error relative to the largest entry
    return 1e-12 if dtype == np.float64 else 3e-6


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("against", ["Z", "self"])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_gram_matches_numpy(kernel, dtype, sparse, against, n_threads):
    X, Z, X64, Z64 = _data(dtype=dtype, sparse=sparse)
    Zarg, Zref = (Z, Z64) if against == "Z" else (None, None)
    K = pairwise_kernels(X, Zarg, kernel=kernel, n_threads=n_threads, **PARAMS[kernel])
    ref = reference_pairwise_kernels(X64, Zref, kernel=kernel, **PARAMS[kernel])
    assert K.dtype == dtype
    assert K.flags.c_contiguous
    assert K.shape == ref.shape
    scale = np.max(np.abs(ref))
    assert np.max(np.abs(K - ref)) <= _tol(dtype) * scale
    if against == "self":
        np.testing.assert_array_equal(K, K.T)  # exactly symmetric


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_same_bits_for_any_thread_count(kernel, dtype):
    X, Z, _, _ = _data(n=203, m=101, dtype=dtype)
    for Zarg in (None, Z):
        ref = pairwise_kernels(X, Zarg, kernel=kernel, n_threads=1, **PARAMS[kernel])
        for t in (2, 3, 7):
            np.testing.assert_array_equal(
                pairwise_kernels(X, Zarg, kernel=kernel, n_threads=t, **PARAMS[kernel]), ref)


def test_rbf_diagonal_is_one_and_values_in_unit_interval():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4)) * 1e3  # large norms: the expansion cancels badly off the diagonal
    X[7] = X[3]
    for dtype in (np.float64, np.float32):
        K = pairwise_kernels(X.astype(dtype), kernel="rbf", gamma=1e-6)
        np.testing.assert_array_equal(np.diag(K), np.ones(50, dtype=dtype))
        assert np.all(K >= 0) and np.all(K <= 1)
        assert K[3, 7] == pytest.approx(1.0, abs=1e-6 if dtype == np.float64 else 1e-2)


def test_gamma_none_is_one_over_n_features():
    X, Z, _, _ = _data(d=5)
    for kernel in ("poly", "rbf", "sigmoid"):
        np.testing.assert_allclose(pairwise_kernels(X, Z, kernel=kernel),
                                   pairwise_kernels(X, Z, kernel=kernel, gamma=0.2), rtol=0, atol=0)


def test_mixed_dtypes_give_float64():
    X, Z, X64, Z64 = _data(dtype=np.float32)
    K = pairwise_kernels(X, Z.astype(np.float64), kernel="rbf")
    assert K.dtype == np.float64
    np.testing.assert_allclose(K, reference_pairwise_kernels(X64, Z64, kernel="rbf"), atol=1e-12)


def test_dense_against_sparse():
    X, Z, X64, Z64 = _data()
    for kernel in KERNELS:
        K = pairwise_kernels(X, sp.csr_matrix(Z), kernel=kernel, **PARAMS[kernel])
        K2 = pairwise_kernels(sp.csc_matrix(X), Z, kernel=kernel, **PARAMS[kernel])
        ref = reference_pairwise_kernels(X64, Z64, kernel=kernel, **PARAMS[kernel])
        np.testing.assert_allclose(K, ref, atol=1e-12 * np.abs(ref).max())
        np.testing.assert_allclose(K2, ref, atol=1e-12 * np.abs(ref).max())


def test_tiny_shapes():
    x = np.array([[2.0]])
    assert pairwise_kernels(x, kernel="linear")[0, 0] == 4.0
    assert pairwise_kernels(x, kernel="rbf")[0, 0] == 1.0
    assert pairwise_kernels(x, np.array([[0.0], [1.0]]), kernel="poly", gamma=1.0, degree=2,
                            coef0=1.0).tolist() == [[1.0, 9.0]]


@pytest.mark.parametrize("degree", [1, 2, 5, 8])
def test_poly_degrees(degree):
    X, Z, X64, Z64 = _data()
    K = pairwise_kernels(X, Z, kernel="poly", gamma=0.2, degree=degree, coef0=0.5)
    ref = reference_pairwise_kernels(X64, Z64, kernel="poly", gamma=0.2, degree=degree, coef0=0.5)
    np.testing.assert_allclose(K, ref, rtol=1e-13, atol=1e-13 * np.abs(ref).max())


def test_callable_kernel():
    X, Z, _, _ = _data()

    def laplacian(A, B):
        return np.exp(-np.abs(A[:, None, :] - B[None, :, :]).sum(axis=2))

    np.testing.assert_allclose(pairwise_kernels(X, Z, kernel=laplacian), laplacian(X, Z))
    np.testing.assert_allclose(pairwise_kernels(X, kernel=laplacian), laplacian(X, X))


def test_callable_wrong_shape():
    X, Z, _, _ = _data()
    with pytest.raises(ValueError, match=r"returned an array of shape \(37, 61\).*\(61, 37\)"):
        pairwise_kernels(X, Z, kernel=lambda A, B: B @ A.T)
    with pytest.raises(ValueError, match="NaN or infinity"):
        pairwise_kernels(X, Z, kernel=lambda A, B: np.full((A.shape[0], B.shape[0]), np.nan))


def test_against_scikit_learn():
    pairwise = pytest.importorskip("sklearn.metrics.pairwise")
    X, Z, _, _ = _data()
    for kernel in KERNELS:
        ref = pairwise.pairwise_kernels(X, Z, metric=kernel, filter_params=True, **PARAMS[kernel])
        np.testing.assert_allclose(pairwise_kernels(X, Z, kernel=kernel, **PARAMS[kernel]), ref,
                                   rtol=1e-12, atol=1e-12 * np.abs(ref).max())
        ref = pairwise.pairwise_kernels(X, metric=kernel, **PARAMS[kernel])
        np.testing.assert_allclose(pairwise_kernels(X, kernel=kernel, **PARAMS[kernel]), ref,
                                   rtol=1e-12, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_sqnorms(dtype):
    X, _, X64, _ = _data(dtype=dtype, sparse=True)
    ref = (X64 ** 2).sum(axis=1)
    np.testing.assert_allclose(row_sqnorms(X, 2), ref, rtol=1e-6 if dtype == np.float32 else 1e-14)
    dense = np.ascontiguousarray(X.toarray())
    np.testing.assert_allclose(row_sqnorms(dense, 2), ref, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_lower_triangle_shape_leaves_upper_untouched():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(9, 3))
    for kernel in KERNELS:
        G = X @ X.T
        upper = np.triu_indices(9, 1)
        G[upper] = -7.0
        xn = (X ** 2).sum(axis=1)
        status = _kernels.kernel_gram(_kernels.KERNEL_IDS[kernel], 0.4, 2, 1.0,
                                      _kernels.GRAM_SYM_LOWER, G, xn, xn, None, None, 2)
        assert status == 0
        assert np.all(G[upper] == -7.0)
        ref = reference_pairwise_kernels(X, kernel=kernel, gamma=0.4, degree=2, coef0=1.0)
        lower = np.tril_indices(9)
        np.testing.assert_allclose(G[lower], ref[lower], rtol=1e-13, atol=1e-13)


def test_scaled_gram_in_c():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(11, 4))
    s = rng.uniform(0.1, 2.0, size=11)
    for kernel in KERNELS:
        G = X @ X.T
        xn = (X ** 2).sum(axis=1)
        assert _kernels.kernel_gram(_kernels.KERNEL_IDS[kernel], 0.3, 3, 0.5, _kernels.GRAM_SYM, G,
                                    xn, xn, s, s, 1) == 0
        ref = reference_pairwise_kernels(X, kernel=kernel, gamma=0.3, degree=3, coef0=0.5)
        np.testing.assert_allclose(G, ref * np.outer(s, s), rtol=1e-13, atol=1e-13)


def test_overflow_is_reported():
    X = np.full((3, 2), 100.0, dtype=np.float32)
    with pytest.raises(FloatingPointError, match="beyond the range of float32"):
        pairwise_kernels(X, kernel="poly", degree=12, gamma=1.0)


def test_c_core_refuses_bad_arguments():
    G = np.zeros((3, 3))
    xn = np.zeros(3)
    # unknown kernel id, gamma <= 0, degree < 1, symmetric shape on a rectangle, rbf without norms
    assert _kernels.kernel_gram(99, 1.0, 3, 1.0, _kernels.GRAM_RECT, G, xn, xn, None, None, 1) < 0
    assert _kernels.kernel_gram(2, 0.0, 3, 1.0, _kernels.GRAM_RECT, G, xn, xn, None, None, 1) < 0
    assert _kernels.kernel_gram(1, 1.0, 0, 1.0, _kernels.GRAM_RECT, G, xn, xn, None, None, 1) < 0
    assert _kernels.kernel_gram(0, 1.0, 3, 1.0, _kernels.GRAM_SYM, np.zeros((3, 2)), xn, xn, None,
                                None, 1) < 0
    assert _kernels.kernel_gram(2, 1.0, 3, 1.0, _kernels.GRAM_RECT, G, None, None, None, None, 1) < 0
    assert _kernels.kernel_gram(0, 1.0, 3, 1.0, _kernels.GRAM_RECT, G, None, None, xn, None, 1) < 0


# -- bad input -------------------------------------------------------------------------------


def test_unknown_kernel_lists_valid_ones():
    X, _, _, _ = _data()
    with pytest.raises(ValueError, match="unknown kernel 'laplace'.*'linear', 'poly', 'rbf', "
                                         "'sigmoid' or a callable"):
        pairwise_kernels(X, kernel="laplace")
    with pytest.raises(TypeError, match="kernel must be one of"):
        pairwise_kernels(X, kernel=3)


@pytest.mark.parametrize("gamma", [0, -1.0, np.inf, np.nan])
def test_bad_gamma(gamma):
    X, _, _, _ = _data()
    with pytest.raises(ValueError, match="gamma must be a finite number > 0"):
        pairwise_kernels(X, kernel="rbf", gamma=gamma)


@pytest.mark.parametrize("degree", [0, -2, 2.5, True, "3"])
def test_bad_degree(degree):
    X, _, _, _ = _data()
    with pytest.raises((ValueError, TypeError), match="degree must be a positive int"):
        pairwise_kernels(X, kernel="poly", degree=degree)


def test_bad_coef0_and_shapes():
    X, Z, _, _ = _data()
    with pytest.raises(ValueError, match="coef0 must be a finite number"):
        pairwise_kernels(X, kernel="poly", coef0=np.inf)
    with pytest.raises(ValueError, match="Z has 3 features but X has 7"):
        pairwise_kernels(X, Z[:, :3])
    with pytest.raises(ValueError, match="NaN or infinity"):
        pairwise_kernels(np.array([[np.nan, 1.0]]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_sigmoid_tanh_accuracy(dtype):
    # K = tanh(x * 1): the C core's branch-free tanh against NumPy's over a wide range
    t = np.concatenate([np.linspace(-30, 30, 200001), np.geomspace(1e-30, 1, 2001),
                        -np.geomspace(1e-30, 1, 2001), [0.0, 0.625, -0.625, 400.0]])
    x = t.astype(dtype)[:, None]
    K = pairwise_kernels(x, np.ones((1, 1), dtype=dtype), kernel="sigmoid", gamma=1.0, coef0=0.0)
    exact = np.tanh(x.astype(np.float64))
    rel = np.abs(K.astype(np.float64) - exact) / np.maximum(np.abs(exact), np.finfo(dtype).tiny)
    assert np.max(rel) <= 4 * np.finfo(dtype).eps
