"""Glue for the kernel-matrix transforms of src_c/kernels.c (see fo_kernels.h).

Inputs are validated, made contiguous and given one dtype by fastoptim.kernels;
these functions only pick the float32/float64 kernel, release the GIL around
it and return the C status code for the caller to check."""
from libc.stdint cimport int32_t, int64_t
from cython cimport floating

from fastoptim._core._cdefs cimport (fo_data_f32, fo_data_f64, fill_data, cptr as _ptr,
                                     mptr as _mut_ptr)

cdef extern from "fastoptim/fo_kernels.h":
    cdef enum:
        FO_KERNEL_LINEAR
        FO_KERNEL_POLY
        FO_KERNEL_RBF
        FO_KERNEL_SIGMOID
        FO_KERNEL_COSINE
        FO_KERNEL_LAPLACIAN
        FO_KERNEL_CHI2
        FO_KERNEL_ADDITIVE_CHI2
        FO_GRAM_RECT
        FO_GRAM_SYM_LOWER
        FO_GRAM_SYM
    ctypedef struct fo_kernel_params:
        int kind
        double gamma
        int degree
        double coef0
    int fo_kernel_gram_f64(const fo_kernel_params *kp, int shape, int64_t n, int64_t m,
                           double *G, const double *x_sqnorm, const double *z_sqnorm,
                           const double *row_scale, const double *col_scale,
                           const fo_data_f64 *x, const fo_data_f64 *z, int n_threads) nogil
    int fo_kernel_gram_f32(const fo_kernel_params *kp, int shape, int64_t n, int64_t m,
                           float *G, const float *x_sqnorm, const float *z_sqnorm,
                           const float *row_scale, const float *col_scale,
                           const fo_data_f32 *x, const fo_data_f32 *z, int n_threads) nogil
    int fo_kernel_pairwise_f64(const fo_kernel_params *kp, int shape, const fo_data_f64 *x,
                               const fo_data_f64 *z, double *K, const double *row_scale,
                               const double *col_scale, int n_threads) nogil
    int fo_kernel_pairwise_f32(const fo_kernel_params *kp, int shape, const fo_data_f32 *x,
                               const fo_data_f32 *z, float *K, const float *row_scale,
                               const float *col_scale, int n_threads) nogil
    int fo_row_sqnorms_f64(int64_t n, int64_t p, const double *X, double *out,
                           int n_threads) nogil
    int fo_row_sqnorms_f32(int64_t n, int64_t p, const float *X, float *out,
                           int n_threads) nogil
    int fo_row_sqnorms_csr_f64(int64_t n, const double *data, const int64_t *indptr,
                               double *out, int n_threads) nogil
    int fo_row_sqnorms_csr_f32(int64_t n, const float *data, const int64_t *indptr,
                               float *out, int n_threads) nogil

# Kernel ids and Gram shapes, read from fo_kernels.h: the kernels of x.z (kernel_gram)
# and those of the coordinates' distances (kernel_pairwise).
KERNEL_IDS = {
    "linear": FO_KERNEL_LINEAR,
    "poly": FO_KERNEL_POLY,
    "rbf": FO_KERNEL_RBF,
    "sigmoid": FO_KERNEL_SIGMOID,
    "cosine": FO_KERNEL_COSINE,
}
DISTANCE_KERNEL_IDS = {
    "laplacian": FO_KERNEL_LAPLACIAN,
    "chi2": FO_KERNEL_CHI2,
    "additive_chi2": FO_KERNEL_ADDITIVE_CHI2,
}
GRAM_RECT = FO_GRAM_RECT
GRAM_SYM_LOWER = FO_GRAM_SYM_LOWER
GRAM_SYM = FO_GRAM_SYM


def kernel_gram(int kind, double gamma, int degree, double coef0, int shape, floating[:, ::1] G,
                const floating[::1] x_sqnorm, const floating[::1] z_sqnorm,
                const floating[::1] row_scale, const floating[::1] col_scale, int n_threads,
                rows=None):
    """Run fo_kernel_gram on G (n x m, C-contiguous, holding X Z^T); returns the status.

    The norms are used by 'rbf' and 'cosine' only and the scales may be None (no
    scaling).  rows: None, or (x_values, x_indices, x_indptr, z_values, z_indices,
    z_indptr, n_features) -- the rows of X and Z themselves (dense: the values ravelled
    and the indices None), from which rbf recomputes the distances of close rows."""
    cdef fo_kernel_params kp
    cdef fo_data_f64 x64, z64
    cdef fo_data_f32 x32, z32
    cdef const floating[::1] none = None
    cdef const floating[::1] xv
    cdef const floating[::1] zv
    cdef const int32_t[::1] xi
    cdef const int32_t[::1] zi
    cdef const int64_t[::1] xp
    cdef const int64_t[::1] zp
    cdef bint have_rows = rows is not None
    cdef int status
    cdef int64_t n = G.shape[0], m = G.shape[1], p = 0
    kp.kind = kind
    kp.gamma = gamma
    kp.degree = degree
    kp.coef0 = coef0
    if n == 0 or m == 0:
        return 0
    if have_rows:
        xv, xi, xp, zv, zi, zp, p = rows
        fill_data(&x64, &x32, xv, xi, xp, n, p, none, none)
        fill_data(&z64, &z32, zv, zi, zp, m, p, none, none)
    if floating is double:
        with nogil:
            status = fo_kernel_gram_f64(&kp, shape, n, m, &G[0, 0], _ptr(x_sqnorm), _ptr(z_sqnorm),
                                        _ptr(row_scale), _ptr(col_scale),
                                        &x64 if have_rows else NULL,
                                        &z64 if have_rows else NULL, n_threads)
    else:
        with nogil:
            status = fo_kernel_gram_f32(&kp, shape, n, m, &G[0, 0], _ptr(x_sqnorm), _ptr(z_sqnorm),
                                        _ptr(row_scale), _ptr(col_scale),
                                        &x32 if have_rows else NULL,
                                        &z32 if have_rows else NULL, n_threads)
    return status


def kernel_pairwise(int kind, double gamma, int shape, const floating[::1] x_values,
                    const int32_t[::1] x_indices, const int64_t[::1] x_indptr, int64_t n_x,
                    const floating[::1] z_values, const int32_t[::1] z_indices,
                    const int64_t[::1] z_indptr, int64_t n_z, int64_t n_features,
                    floating[:, ::1] K, const floating[::1] row_scale,
                    const floating[::1] col_scale, int n_threads):
    """Run fo_kernel_pairwise (laplacian, chi2, additive_chi2) into K (n_x x n_z); returns
    the status.

    x and z are each dense (values = X.ravel(), indices and indptr None) or CSR; the
    symmetric shapes ignore z.  The scales may be None."""
    cdef fo_kernel_params kp
    cdef fo_data_f64 x64, z64
    cdef fo_data_f32 x32, z32
    cdef int status
    cdef const floating[::1] none = None
    kp.kind = kind
    kp.gamma = gamma
    kp.degree = 1
    kp.coef0 = 0.0
    if n_x == 0 or n_z == 0:
        return 0
    fill_data(&x64, &x32, x_values, x_indices, x_indptr, n_x, n_features, none, none)
    fill_data(&z64, &z32, z_values, z_indices, z_indptr, n_z, n_features, none, none)
    if floating is double:
        with nogil:
            status = fo_kernel_pairwise_f64(&kp, shape, &x64, &z64, &K[0, 0], _ptr(row_scale),
                                            _ptr(col_scale), n_threads)
    else:
        with nogil:
            status = fo_kernel_pairwise_f32(&kp, shape, &x32, &z32, &K[0, 0], _ptr(row_scale),
                                            _ptr(col_scale), n_threads)
    return status


def row_sqnorms(const floating[:, ::1] X, floating[::1] out, int n_threads):
    """Run fo_row_sqnorms: out[i] = |X[i]|^2 (dense, C-contiguous X); returns the status."""
    cdef int status
    cdef int64_t n = X.shape[0], p = X.shape[1]
    if n == 0:
        return 0
    if floating is double:
        with nogil:
            status = fo_row_sqnorms_f64(n, p, &X[0, 0] if p > 0 else NULL, _mut_ptr(out),
                                        n_threads)
    else:
        with nogil:
            status = fo_row_sqnorms_f32(n, p, &X[0, 0] if p > 0 else NULL, _mut_ptr(out),
                                        n_threads)
    return status


def row_sqnorms_csr(const floating[::1] data, const int64_t[::1] indptr, floating[::1] out,
                    int n_threads):
    """Run fo_row_sqnorms_csr over the len(indptr) - 1 rows of a CSR matrix; returns the status."""
    cdef int status
    cdef int64_t n = indptr.shape[0] - 1
    if n <= 0:
        return 0
    if floating is double:
        with nogil:
            status = fo_row_sqnorms_csr_f64(n, _ptr(data), &indptr[0], _mut_ptr(out), n_threads)
    else:
        with nogil:
            status = fo_row_sqnorms_csr_f32(n, _ptr(data), &indptr[0], _mut_ptr(out), n_threads)
    return status
