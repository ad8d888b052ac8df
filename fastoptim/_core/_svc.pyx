"""Glue for the SMO kernel-SVM solver of src_c/svc.c (see fo_svc.h).

Inputs are validated, made contiguous and given one dtype by fastoptim.svm;
these functions only fill the C structs, pick the float32/float64 solver,
release the GIL around it and return the C status code with the solver's
outputs for the caller to check."""
from libc.stdint cimport int32_t, int64_t
from cython cimport floating

from fastoptim._core._cdefs cimport (fo_data_f32, fo_data_f64, fill_data, mptr as _mut_ptr,
                                     cptr as _ptr, fo_stop_fn, stop_requested,
                                     raise_if_interrupted)

cdef extern from "fastoptim/fo_kernels.h":
    ctypedef struct fo_kernel_params:
        int kind
        double gamma
        int degree
        double coef0

cdef extern from "fastoptim/fo_svc.h":
    ctypedef struct fo_svc_params:
        fo_kernel_params kernel
        double tol
        int64_t max_iter
        double cache_bytes
        int shrinking
        int n_threads
        fo_stop_fn should_stop
        void *stop_ctx
    ctypedef struct fo_svc_result:
        double rho
        double objective
        int64_t n_iter
        int64_t n_kernel_rows
    void fo_svc_params_init(fo_svc_params *params) nogil
    int fo_svc_solve_f64(const fo_data_f64 *data, const double *sqnorm, int64_t m,
                         const int64_t *rows, const double *y, const double *C,
                         const fo_svc_params *params, double *alpha, fo_svc_result *result) nogil
    int fo_svc_solve_f32(const fo_data_f32 *data, const float *sqnorm, int64_t m,
                         const int64_t *rows, const double *y, const double *C,
                         const fo_svc_params *params, double *alpha, fo_svc_result *result) nogil
    int fo_svc_solve_precomputed(const double *K, int64_t n_all, int64_t m, const int64_t *rows,
                                 const double *y, const double *C, const fo_svc_params *params,
                                 double *alpha, fo_svc_result *result) nogil


cdef fo_svc_params _params(int kernel, double gamma, int degree, double coef0, double tol,
                           int64_t max_iter, double cache_bytes, bint shrinking, int n_threads,
                           int32_t *stop):
    cdef fo_svc_params p
    fo_svc_params_init(&p)
    p.kernel.kind = kernel
    p.kernel.gamma = gamma
    p.kernel.degree = degree
    p.kernel.coef0 = coef0
    p.tol = tol
    p.max_iter = max_iter
    p.cache_bytes = cache_bytes
    p.shrinking = shrinking
    p.n_threads = n_threads
    p.should_stop = stop_requested
    p.stop_ctx = stop
    return p


def svc_solve(const floating[::1] values, const int32_t[::1] indices, const int64_t[::1] indptr,
              int64_t n_samples, int64_t n_features, const floating[::1] sqnorm,
              const int64_t[::1] rows, const double[::1] y, const double[::1] C,
              int kernel, double gamma, int degree, double coef0, double tol, int64_t max_iter,
              double cache_bytes, bint shrinking, int n_threads, double[::1] alpha,
              int32_t[::1] stop=None):
    """Run fo_svc_solve on dense X (values = X.ravel(), indices/indptr None) or CSR data,
    over the problem's rows (len(rows) == len(y) == len(C) == len(alpha)).

    alpha holds the start and receives the solution.  Returns (status, rho, objective,
    n_iter, n_kernel_rows).  Ctrl-C stops the solve (the signal handler's KeyboardInterrupt
    is raised), and so does a nonzero stop[0] (an int32 flag shared by the fit's threads,
    which this sets when it sees Ctrl-C)."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef fo_svc_result res
    cdef int status
    cdef int64_t m = rows.shape[0]
    if m < 1 or y.shape[0] != m or C.shape[0] != m or alpha.shape[0] != m:
        raise ValueError("rows, y, C and alpha must have the same length >= 1")
    cdef const floating[::1] none = None
    fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, none, none)
    cdef int32_t own_flag = 0
    cdef int32_t *flag = &stop[0] if stop is not None else &own_flag
    cdef fo_svc_params p = _params(kernel, gamma, degree, coef0, tol, max_iter, cache_bytes,
                                   shrinking, n_threads, flag)
    res.rho = 0.0
    res.objective = 0.0
    res.n_iter = 0
    res.n_kernel_rows = 0
    if floating is double:
        with nogil:
            status = fo_svc_solve_f64(&d64, _ptr(sqnorm), m, &rows[0], _ptr(y), _ptr(C), &p,
                                      _mut_ptr(alpha), &res)
    else:
        with nogil:
            status = fo_svc_solve_f32(&d32, _ptr(sqnorm), m, &rows[0], _ptr(y), _ptr(C), &p,
                                      _mut_ptr(alpha), &res)
    raise_if_interrupted(status)
    return status, res.rho, res.objective, res.n_iter, res.n_kernel_rows


def svc_solve_precomputed(const double[:, ::1] K, const int64_t[::1] rows, const double[::1] y,
                          const double[::1] C, double tol, int64_t max_iter, double cache_bytes,
                          bint shrinking, double[::1] alpha, int32_t[::1] stop=None):
    """Run fo_svc_solve_precomputed on the square kernel matrix K.  Returns and stops as
    svc_solve."""
    cdef fo_svc_result res
    cdef int status
    cdef int64_t m = rows.shape[0]
    if K.shape[0] != K.shape[1]:
        raise ValueError("K must be square")
    if y.shape[0] != m or C.shape[0] != m or alpha.shape[0] != m:
        raise ValueError("rows, y, C and alpha must have the same length")
    cdef int32_t own_flag = 0
    cdef int32_t *flag = &stop[0] if stop is not None else &own_flag
    cdef fo_svc_params p = _params(0, 1.0, 1, 0.0, tol, max_iter, cache_bytes, shrinking, 1, flag)
    res.rho = 0.0
    res.objective = 0.0
    res.n_iter = 0
    res.n_kernel_rows = 0
    with nogil:
        status = fo_svc_solve_precomputed(&K[0, 0], K.shape[0], m, &rows[0], _ptr(y), _ptr(C),
                                          &p, _mut_ptr(alpha), &res)
    raise_if_interrupted(status)
    return status, res.rho, res.objective, res.n_iter, res.n_kernel_rows
