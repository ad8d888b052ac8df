"""Kernel matrices (fastoptim.kernels, src_c/kernels.c) against a NumPy oracle.

Every kernel (scikit-learn's pairwise set), float32 and float64, dense and CSR,
X against Z and X against itself, with 1 and 2 threads; the bits do not depend
on the thread count; scikit-learn's pairwise_kernels to 1e-12 where installed;
callables in both conventions; bad arguments are refused with messages that
name them.
"""
import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim._core import _kernels
from fastoptim.reference.kernels import pairwise_kernels as reference_pairwise_kernels
from fastoptim.kernels import (KERNELS, PAIRWISE_KERNELS, gram, check_kernel, pairwise_kernels,
                               row_sqnorms)

PARAMS = {"linear": {}, "poly": dict(gamma=0.3, degree=3, coef0=0.7),
          "rbf": dict(gamma=0.2), "sigmoid": dict(gamma=0.1, coef0=-0.3), "cosine": {},
          "laplacian": dict(gamma=0.4), "chi2": dict(gamma=0.3), "additive_chi2": {}}
ALL_KERNELS = [k for k in PAIRWISE_KERNELS if k != "polynomial"]  # the alias: tested on its own
CHI2 = ("chi2", "additive_chi2")


def _data(n=61, m=37, d=7, dtype=np.float64, sparse=False, seed=0, non_negative=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    Z = rng.normal(size=(m, d))
    if non_negative:  # the chi-squared kernels' domain
        X, Z = np.abs(X), np.abs(Z)
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


@pytest.mark.parametrize("kernel", ALL_KERNELS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("against", ["Z", "self"])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_gram_matches_numpy(kernel, dtype, sparse, against, n_threads):
    X, Z, X64, Z64 = _data(dtype=dtype, sparse=sparse, non_negative=kernel in CHI2)
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


@pytest.mark.parametrize("kernel", ALL_KERNELS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_same_bits_for_any_thread_count(kernel, dtype, sparse):
    X, Z, _, _ = _data(n=203, m=101, dtype=dtype, sparse=sparse, non_negative=kernel in CHI2)
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
    X, Z, X64, Z64 = _data(non_negative=True)
    X[X < 0.6] = 0.0  # sparse rows whose nonzeros interleave
    X64 = X
    for kernel in ALL_KERNELS:
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
    X, Z, _, _ = _data(non_negative=True)
    for kernel in PAIRWISE_KERNELS:
        params = PARAMS["poly" if kernel == "polynomial" else kernel]
        for A, B in ((X, Z), (X, None), (sp.csr_matrix(X * (X > 0.7)), None)):
            if kernel in CHI2 and sp.issparse(A):
                A = A.toarray()  # scikit-learn's chi-squared kernels take dense data only
            ref = pairwise.pairwise_kernels(A, B, metric=kernel, filter_params=True, **params)
            np.testing.assert_allclose(pairwise_kernels(A, B, kernel=kernel, **params), ref,
                                       rtol=1e-12, atol=1e-12 * np.abs(ref).max())
        # the defaults: gamma None is 1 / n_features (chi2: 1) as in scikit-learn's functions
        ref = pairwise.pairwise_kernels(X, Z, metric=kernel)
        np.testing.assert_allclose(pairwise_kernels(X, Z, kernel=kernel), ref,
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
    with pytest.raises(ValueError, match="unknown kernel 'laplace'; valid kernels are "
                                         "'additive_chi2', 'chi2', 'cosine', 'laplacian', "
                                         "'linear', 'poly', 'polynomial', 'rbf', 'sigmoid' or a "
                                         "callable"):
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


# -- the kernels that are not functions of x.z; callables in both conventions ------------------


def test_polynomial_is_an_alias_of_poly():
    X, Z, _, _ = _data()
    np.testing.assert_array_equal(pairwise_kernels(X, Z, kernel="polynomial", **PARAMS["poly"]),
                                  pairwise_kernels(X, Z, kernel="poly", **PARAMS["poly"]))
    assert check_kernel("polynomial", None, 3, 1.0, 4, names=PAIRWISE_KERNELS).kernel == "poly"


def test_svc_kernels_stay_the_dot_product_ones():
    with pytest.raises(ValueError, match="unknown kernel 'laplacian'"):
        check_kernel("laplacian", None, 3, 1.0, 4)  # the default names: SVC's four
    assert set(KERNELS) < set(PAIRWISE_KERNELS)


@pytest.mark.parametrize("kernel", ["laplacian", "chi2", "additive_chi2", "cosine"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_scaled_and_lower_triangle_grams(kernel, dtype, sparse):
    """What KernelRidge's Cholesky solve asks for: S K S, one triangle, Fortran order."""
    X, _, X64, _ = _data(n=23, dtype=dtype, sparse=sparse, non_negative=True)
    s = np.random.default_rng(4).uniform(0.1, 2.0, 23).astype(dtype)
    spec = check_kernel(kernel, PARAMS[kernel].get("gamma"), 3, 1.0, 7, names=PAIRWISE_KERNELS)
    ref = reference_pairwise_kernels(X64, kernel=kernel, **PARAMS[kernel]) * np.outer(s, s)
    full = gram(X, None, spec, 2, scale=s)
    assert full.flags.c_contiguous and full.dtype == dtype
    np.testing.assert_allclose(full, ref, rtol=_tol(dtype), atol=_tol(dtype) * np.abs(ref).max())
    upper = gram(X, None, spec, 2, scale=s, lower_only=True)
    # (the sparse product of cosine gives the full matrix, C-ordered, which potrf reads too)
    assert upper.flags.f_contiguous or (sp.issparse(X) and kernel == "cosine")  # sparse products: the full matrix
    iu = np.triu_indices(23)
    np.testing.assert_array_equal(upper[iu], full[iu])


def test_distance_kernels_in_the_c_core_directly():
    """fo_kernel_pairwise: the lower-triangle shape leaves the upper one untouched."""
    X = np.abs(np.random.default_rng(2).normal(size=(9, 3)))
    for kernel in ("laplacian", "chi2", "additive_chi2"):
        K = np.full((9, 9), -7.0)
        status = _kernels.kernel_pairwise(_kernels.DISTANCE_KERNEL_IDS[kernel], 0.4,
                                          _kernels.GRAM_SYM_LOWER, X.ravel(), None, None, 9,
                                          X.ravel(), None, None, 9, 3, K, None, None, 2)
        assert status == 0
        upper, lower = np.triu_indices(9, 1), np.tril_indices(9)
        assert np.all(K[upper] == -7.0)
        ref = reference_pairwise_kernels(X, kernel=kernel, gamma=0.4)
        np.testing.assert_allclose(K[lower], ref[lower], rtol=1e-13, atol=1e-13)
    # bad arguments: a dot-product kernel id, gamma <= 0, dense against CSR, mismatched widths
    K = np.zeros((9, 9))
    args = (X.ravel(), None, None, 9, X.ravel(), None, None, 9, 3, K, None, None, 1)
    assert _kernels.kernel_pairwise(_kernels.KERNEL_IDS["rbf"], 1.0, _kernels.GRAM_RECT,
                                    *args) < 0
    assert _kernels.kernel_pairwise(_kernels.DISTANCE_KERNEL_IDS["laplacian"], 0.0,
                                    _kernels.GRAM_RECT, *args) < 0
    Xs = sp.csr_matrix(X)
    ind = Xs.indices.astype(np.int32)
    ptr = Xs.indptr.astype(np.int64)
    assert _kernels.kernel_pairwise(_kernels.DISTANCE_KERNEL_IDS["laplacian"], 1.0,
                                    _kernels.GRAM_RECT, X.ravel(), None, None, 9, Xs.data, ind,
                                    ptr, 9, 3, K, None, None, 1) < 0
    # the gram transform refuses the distance kernels (they are not functions of x.z)
    xn = np.zeros(9)
    assert _kernels.kernel_gram(_kernels.DISTANCE_KERNEL_IDS["chi2"], 1.0, 3, 1.0,
                                _kernels.GRAM_RECT, K, xn, xn, None, None, 1) < 0


def test_sparse_rows_without_entries_and_explicit_zeros():
    X = sp.csr_matrix(np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 2.0], [0.0, 3.0, 0.0]]))
    X.data[X.data == 3.0] = 0.0  # an explicitly stored zero
    dense = X.toarray()
    for kernel in ("laplacian", "chi2", "additive_chi2", "cosine"):
        ref = reference_pairwise_kernels(dense, kernel=kernel, gamma=0.5)
        np.testing.assert_allclose(pairwise_kernels(X, kernel=kernel, gamma=0.5), ref,
                                   rtol=1e-14, atol=1e-14)
    # cosine of a zero row is 0 (scikit-learn's cosine_similarity), not NaN
    assert pairwise_kernels(dense, kernel="cosine")[0].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("kernel", CHI2)
def test_chi2_kernels_refuse_negative_values(kernel):
    X, Z, _, _ = _data(non_negative=True)
    for A, B, name in ((-X, None, "X"), (X, -Z, "Z"), (sp.csr_matrix(-X), None, "X")):
        with pytest.raises(ValueError, match=f"{name} contains negative values; the '{kernel}' "
                                             f"kernel is defined for non-negative data"):
            pairwise_kernels(A, B, kernel=kernel)


def test_chi2_gamma_default_is_one_and_laplacian_one_over_n_features():
    X, Z, _, _ = _data(non_negative=True, d=5)
    np.testing.assert_array_equal(pairwise_kernels(X, Z, kernel="chi2"),
                                  pairwise_kernels(X, Z, kernel="chi2", gamma=1.0))
    np.testing.assert_array_equal(pairwise_kernels(X, Z, kernel="laplacian"),
                                  pairwise_kernels(X, Z, kernel="laplacian", gamma=0.2))


def test_distance_kernel_overflow_is_reported():
    X = np.array([[1e308, -1e308], [-1e308, 1e308]])
    with pytest.raises(FloatingPointError, match="'laplacian' kernel's sums over the features "
                                                 "overflow"):
        pairwise_kernels(X, kernel="laplacian", gamma=1.0)


def test_mixed_dense_and_sparse_distance_kernels():
    X, Z, X64, Z64 = _data(non_negative=True)
    for kernel in ("laplacian", "chi2"):
        ref = reference_pairwise_kernels(X64, Z64, kernel=kernel, **PARAMS[kernel])
        for A, B in ((sp.csr_matrix(X), Z), (X, sp.csr_matrix(Z))):
            np.testing.assert_allclose(pairwise_kernels(A, B, kernel=kernel, **PARAMS[kernel]),
                                       ref, rtol=1e-13, atol=1e-14)


def test_two_row_callable_as_in_scikit_learn():
    """scikit-learn's convention: kernel(x, z) on two rows returns one number."""
    X, Z, X64, Z64 = _data(n=13, m=9)
    calls = []

    def manhattan(x, z, scale=1.0):
        calls.append(1)
        return np.exp(-scale * np.abs(x - z).sum())

    ref = np.exp(-0.5 * np.abs(X64[:, None] - Z64[None]).sum(axis=2))
    np.testing.assert_allclose(
        pairwise_kernels(X, Z, kernel=manhattan, kernel_params={"scale": 0.5}), ref, rtol=1e-14)
    calls.clear()
    K = pairwise_kernels(X, kernel=manhattan, kernel_params={"scale": 0.5})
    np.testing.assert_array_equal(K, K.T)
    # the whole-matrix probe (a number), then the upper triangle with the diagonal
    assert len(calls) == 1 + 13 * 14 // 2
    # sparse data: rows as 1 x p CSR matrices, as scikit-learn passes them
    rows = []
    pairwise_kernels(sp.csr_matrix(X), kernel=lambda a, b: rows.append(a.shape) or 1.0)
    assert rows[0] == (13, 7) and set(rows[1:]) == {(1, 7)}  # the matrices, then the pairs


def test_two_row_callable_that_broadcasts_to_the_matrix_shape():
    """np.dot(x, z) on two whole (n, p) matrices with p == n_Z returns an (n, n_Z) array: the
    probe on the first two rows tells it apart from a matrix kernel."""
    rng = np.random.default_rng(7)
    X, Z = rng.normal(size=(5, 4)), rng.normal(size=(4, 4))
    np.testing.assert_allclose(pairwise_kernels(X, Z, kernel=lambda x, z: np.dot(x, z)), X @ Z.T,
                               rtol=1e-14)


def test_whole_matrix_callable_is_called_once_per_matrix():
    X, Z, _, _ = _data()
    calls = []

    def linear(A, B):
        calls.append(A.ndim)
        return A @ B.T

    np.testing.assert_allclose(pairwise_kernels(X, Z, kernel=linear), X @ Z.T)
    assert calls == [2, 1]  # the matrices, then the two-row probe


def test_callable_that_fits_neither_convention():
    X, Z, _, _ = _data()
    with pytest.raises(ValueError, match=r"raised ZeroDivisionError.*on two rows.*kernel\(X, "
                                         r"Z\) returning the \(61, 37\) matrix"):
        pairwise_kernels(X, Z, kernel=lambda a, b: 1 / 0)
    with pytest.raises(ValueError, match=r"returned \(2,\) values for the rows 0 and 0"):
        pairwise_kernels(X, Z, kernel=lambda a, b: np.zeros(2))


# -- rbf distances by cancellation: recomputed from the rows --------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_rbf_near_pairs_are_recomputed_from_the_rows(dtype, sparse):
    """gamma |x|^2 around 1e14: the expansion |x|^2 + |z|^2 - 2 x.z loses the distance of
    close rows, so K(x, x) computed against a copy of X came out below 1 (the SVC's and
    KernelRidge's predictions on training points went wrong)."""
    rng = np.random.default_rng(11)
    X = (rng.normal(size=(40, 4)) * 1e7).astype(dtype)
    Z = (X[:12] + rng.normal(size=(12, 4)) * 1e-2).astype(dtype)  # within 0.05 of X's rows
    wrap = sp.csr_matrix if sparse else np.asarray
    K = pairwise_kernels(wrap(X), wrap(X.copy()), kernel="rbf", gamma=1.0)
    np.testing.assert_array_equal(np.diag(K), 1.0)
    got = pairwise_kernels(wrap(X), wrap(Z), kernel="rbf", gamma=1.0)
    ref = reference_pairwise_kernels(X.astype(np.float64), Z.astype(np.float64), kernel="rbf",
                                     gamma=1.0)
    assert np.max(np.abs(got - ref)) <= (1e-12 if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_rbf_far_from_the_origin(dtype):
    """X ~ N(100, 1): every distance is small next to |x|^2; float32 had lost them all."""
    rng = np.random.default_rng(12)
    X = (rng.normal(size=(200, 5)) + 100).astype(dtype)
    for Z in (None, X[:30].copy()):
        got = pairwise_kernels(X, Z, kernel="rbf", gamma=0.5, n_threads=2)
        ref = reference_pairwise_kernels(X.astype(np.float64),
                                         None if Z is None else Z.astype(np.float64),
                                         kernel="rbf", gamma=0.5)
        assert np.max(np.abs(got - ref)) <= (1e-10 if dtype == np.float64 else 1e-6)
        np.testing.assert_array_equal(pairwise_kernels(X, Z, kernel="rbf", gamma=0.5,
                                                       n_threads=1), got)


def test_kernel_ridge_predicts_its_training_points_on_huge_features():
    sk = pytest.importorskip("sklearn.kernel_ridge")
    from fastoptim.kernel_ridge import KernelRidge
    rng = np.random.default_rng(13)
    X = rng.normal(size=(60, 3)) * 1e7
    y = rng.normal(size=60)
    ours = KernelRidge(kernel="rbf", gamma=1.0, alpha=1e-3).fit(X, y)
    ref = sk.KernelRidge(kernel="rbf", gamma=1.0, alpha=1e-3).fit(X, y)
    # (scikit-learn gets them right when predict receives the training array itself)
    np.testing.assert_allclose(ours.predict(X.copy()), ref.predict(X), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.predict(X.copy()), y / (1 + 1e-3), rtol=1e-9)
