"""Glue for the dual coordinate-descent linear SVM of src_c/dual_cd.c (see fo_dual_cd.h).

Inputs are validated, made contiguous and given one dtype by fastoptim.svm;
this function only fills the C structs, picks the float32/float64 solver,
releases the GIL around it and returns the C status code with the iteration
count for the caller to check."""
from libc.stdint cimport int32_t, int64_t, uint64_t
from cython cimport floating

from fastoptim._core._cdefs cimport (fo_data_f32, fo_data_f64, fill_data, FO_LOSS_HINGE,
                                     FO_LOSS_SQUARED_HINGE, mptr as _mut_ptr, cptr as _ptr,
                                     fo_stop_fn, stop_requested, raise_if_interrupted)

cdef extern from "fastoptim/fo_dual_cd.h":
    ctypedef struct fo_dual_cd_params:
        int loss
        int fit_intercept
        double intercept_scaling
        double tol
        int64_t max_iter
        uint64_t seed
        int shrinking
        fo_stop_fn should_stop
        void *stop_ctx
    void fo_dual_cd_params_init(fo_dual_cd_params *params) nogil
    int fo_dual_cd_f64(const fo_data_f64 *data, const double *cost, const fo_dual_cd_params *params,
                       double *alpha, double *w, int64_t *n_iter) nogil
    int fo_dual_cd_f32(const fo_data_f32 *data, const double *cost, const fo_dual_cd_params *params,
                       double *alpha, double *w, int64_t *n_iter) nogil

# Loss ids, read from fo_loss.h.
LOSS_IDS = {"hinge": FO_LOSS_HINGE, "squared_hinge": FO_LOSS_SQUARED_HINGE}


def dual_cd(const floating[::1] values, const int32_t[::1] indices, const int64_t[::1] indptr,
            int64_t n_samples, int64_t n_features, const floating[::1] y,
            const double[::1] cost, int loss, bint fit_intercept, double intercept_scaling,
            double tol, int64_t max_iter, uint64_t seed, bint shrinking,
            double[::1] alpha, double[::1] w):
    """Run fo_dual_cd on dense X (values = X.ravel(), indices/indptr None) or CSR data.

    alpha (n_samples) and w (n_features + 1) are written.  Returns (status, n_iter).
    Ctrl-C stops the solve within about 0.05 s and raises its KeyboardInterrupt."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef fo_dual_cd_params params
    cdef int status
    cdef int64_t n_iter = 0
    cdef int32_t stop = 0
    cdef const floating[::1] no_weight = None  # sample weights enter through cost
    fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, y, no_weight)
    fo_dual_cd_params_init(&params)
    params.loss = loss
    params.fit_intercept = fit_intercept
    params.intercept_scaling = intercept_scaling
    params.tol = tol
    params.max_iter = max_iter
    params.seed = seed
    params.shrinking = shrinking
    params.should_stop = stop_requested
    params.stop_ctx = &stop
    if floating is double:
        with nogil:
            status = fo_dual_cd_f64(&d64, _ptr(cost), &params, _mut_ptr(alpha), _mut_ptr(w),
                                    &n_iter)
    else:
        with nogil:
            status = fo_dual_cd_f32(&d32, _ptr(cost), &params, _mut_ptr(alpha), _mut_ptr(w),
                                    &n_iter)
    raise_if_interrupted(status)
    return status, n_iter
