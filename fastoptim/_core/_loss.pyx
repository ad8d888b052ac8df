"""Glue for the loss kernels of src_c/loss.c (see fo_loss.h).

Inputs are validated and made contiguous by fastoptim.losses; these functions
only pick the float32/float64 kernel, release the GIL around it and return the
C status code for the caller to check."""
from libc.stdint cimport int32_t, int64_t
from cython cimport floating

from fastoptim._core._cdefs cimport (fo_data_f64, fo_data_f32, cptr as _ptr, mptr as _mut_ptr,
                                    fill_data as _fill_data, FO_LOSS_SQUARED, FO_LOSS_LOGISTIC,
                                    FO_LOSS_HINGE, FO_LOSS_SQUARED_HINGE, FO_LOSS_SOFTMAX,
                                    FO_LOSS_MULTICLASS_HINGE)

cdef extern from "fastoptim/fo_loss.h":
    int fo_loss_grad_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                         const double *coef, const double *intercept, double alpha,
                         int n_threads, double *value, double *grad_coef,
                         double *grad_intercept) nogil
    int fo_loss_grad_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                         const float *coef, const float *intercept, double alpha,
                         int n_threads, double *value, float *grad_coef,
                         float *grad_intercept) nogil
    int fo_loss_grad_subset_f64(int loss, const fo_data_f64 *data, const int64_t *rows,
                                int64_t n_rows, int64_t n_outputs, const double *coef,
                                const double *intercept, double alpha, int n_threads,
                                double *value, double *grad_coef, double *grad_intercept) nogil
    int fo_loss_grad_subset_f32(int loss, const fo_data_f32 *data, const int64_t *rows,
                                int64_t n_rows, int64_t n_outputs, const float *coef,
                                const float *intercept, double alpha, int n_threads,
                                double *value, float *grad_coef, float *grad_intercept) nogil
    int fo_loss_hessp_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                          const double *coef, const double *intercept,
                          const double *vec_coef, const double *vec_intercept, double alpha,
                          int n_threads, double *out_coef, double *out_intercept) nogil
    int fo_loss_hessp_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                          const float *coef, const float *intercept,
                          const float *vec_coef, const float *vec_intercept, double alpha,
                          int n_threads, float *out_coef, float *out_intercept) nogil
    int fo_loss_hessian_f64(int loss, const fo_data_f64 *data, const double *coef,
                            const double *intercept, double alpha, int n_threads, double *value,
                            double *grad, double *hess) nogil
    int fo_loss_hessian_f32(int loss, const fo_data_f32 *data, const float *coef,
                            const float *intercept, double alpha, int n_threads, double *value,
                            double *grad, double *hess) nogil
    int fo_loss_softmax_hessian_f64(const fo_data_f64 *data, int64_t n_classes,
                                    const double *coef, const double *intercept, double alpha,
                                    int n_threads, double *value, double *grad,
                                    double *hess) nogil
    int fo_loss_softmax_hessian_f32(const fo_data_f32 *data, int64_t n_classes,
                                    const float *coef, const float *intercept, double alpha,
                                    int n_threads, double *value, double *grad,
                                    double *hess) nogil
    int fo_loss_curvature_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                              const double *coef, const double *intercept, int n_threads,
                              double *curv) nogil
    int fo_loss_curvature_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                              const float *coef, const float *intercept, int n_threads,
                              double *curv) nogil
    int fo_loss_hessp_curv_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                               const double *curv, const double *vec_coef,
                               const double *vec_intercept, double alpha, int n_threads,
                               double *out_coef, double *out_intercept) nogil
    int fo_loss_hessp_curv_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                               const double *curv, const float *vec_coef,
                               const float *vec_intercept, double alpha, int n_threads,
                               float *out_coef, float *out_intercept) nogil
    int fo_loss_hessian_diag_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                                 const double *curv, double alpha, int n_threads,
                                 double *diag) nogil
    int fo_loss_hessian_diag_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                                 const double *curv, double alpha, int n_threads,
                                 double *diag) nogil
    int fo_loss_pointwise_f64(int loss, int64_t n, int64_t n_outputs, const double *z,
                              const double *y, double *out_loss, double *out_dz) nogil
    int fo_loss_pointwise_f32(int loss, int64_t n, int64_t n_outputs, const float *z,
                              const float *y, float *out_loss, float *out_dz) nogil

# Loss ids, read from fo_loss.h.
LOSS_IDS = {
    "squared": FO_LOSS_SQUARED,
    "logistic": FO_LOSS_LOGISTIC,
    "hinge": FO_LOSS_HINGE,
    "squared_hinge": FO_LOSS_SQUARED_HINGE,
    "softmax": FO_LOSS_SOFTMAX,
    "multiclass_hinge": FO_LOSS_MULTICLASS_HINGE,
}


def loss_grad(int loss, const floating[::1] values, const int32_t[::1] indices,
              const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
              const floating[::1] y, const floating[::1] sample_weight, int64_t n_outputs,
              const floating[::1] coef, const floating[::1] intercept, double alpha,
              int n_threads, floating[::1] grad_coef, floating[::1] grad_intercept,
              const int64_t[::1] rows=None):
    """Run fo_loss_grad; `values` is X raveled (dense, indices None) or the CSR data.

    rows: None, or the sample numbers of a row subset (fo_loss_grad_subset: the objective
    over X[rows] without a copy; y and sample_weight keep every row).
    Returns (status, value); the gradients are written into grad_coef/grad_intercept."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef double value = 0.0
    cdef int status
    cdef const int64_t *r = &rows[0] if rows is not None and rows.shape[0] > 0 else NULL
    cdef int64_t n_rows = rows.shape[0] if rows is not None else 0
    if rows is not None and n_rows == 0:
        raise ValueError("rows is empty: the objective needs at least one row")
    _fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, y, sample_weight)
    if floating is double:
        with nogil:
            status = fo_loss_grad_subset_f64(loss, &d64, r, n_rows, n_outputs, _ptr(coef),
                                             _ptr(intercept), alpha, n_threads, &value,
                                             _mut_ptr(grad_coef), _mut_ptr(grad_intercept))
    else:
        with nogil:
            status = fo_loss_grad_subset_f32(loss, &d32, r, n_rows, n_outputs, _ptr(coef),
                                             _ptr(intercept), alpha, n_threads, &value,
                                             _mut_ptr(grad_coef), _mut_ptr(grad_intercept))
    return status, value


def loss_hessp(int loss, const floating[::1] values, const int32_t[::1] indices,
               const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
               const floating[::1] y, const floating[::1] sample_weight, int64_t n_outputs,
               const floating[::1] coef, const floating[::1] intercept,
               const floating[::1] vec_coef, const floating[::1] vec_intercept, double alpha,
               int n_threads, floating[::1] out_coef, floating[::1] out_intercept):
    """Run fo_loss_hessp (arguments as loss_grad); returns the status."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef int status
    _fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, y, sample_weight)
    if floating is double:
        with nogil:
            status = fo_loss_hessp_f64(loss, &d64, n_outputs, _ptr(coef), _ptr(intercept),
                                       _ptr(vec_coef), _ptr(vec_intercept), alpha, n_threads,
                                       _mut_ptr(out_coef), _mut_ptr(out_intercept))
    else:
        with nogil:
            status = fo_loss_hessp_f32(loss, &d32, n_outputs, _ptr(coef), _ptr(intercept),
                                       _ptr(vec_coef), _ptr(vec_intercept), alpha, n_threads,
                                       _mut_ptr(out_coef), _mut_ptr(out_intercept))
    return status


def loss_hessian(int loss, const floating[::1] values, const int32_t[::1] indices,
                 const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
                 const floating[::1] y, const floating[::1] sample_weight, int64_t n_outputs,
                 const floating[::1] coef, const floating[::1] intercept, double alpha,
                 int n_threads, double[::1] grad, double[::1] hess):
    """Run fo_loss_hessian (binary losses) or, for softmax, fo_loss_softmax_hessian with
    n_outputs classes (grad: K (d + 1), hess: (K (d + 1))^2 values); returns (status, value)."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef int status
    cdef double value = 0.0
    cdef bint softmax = loss == FO_LOSS_SOFTMAX
    _fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, y, sample_weight)
    if floating is double:
        with nogil:
            if softmax:
                status = fo_loss_softmax_hessian_f64(&d64, n_outputs, _ptr(coef), _ptr(intercept),
                                                     alpha, n_threads, &value, &grad[0], &hess[0])
            else:
                status = fo_loss_hessian_f64(loss, &d64, _ptr(coef), _ptr(intercept), alpha,
                                             n_threads, &value, &grad[0], &hess[0])
    else:
        with nogil:
            if softmax:
                status = fo_loss_softmax_hessian_f32(&d32, n_outputs, _ptr(coef), _ptr(intercept),
                                                     alpha, n_threads, &value, &grad[0], &hess[0])
            else:
                status = fo_loss_hessian_f32(loss, &d32, _ptr(coef), _ptr(intercept), alpha,
                                             n_threads, &value, &grad[0], &hess[0])
    return status, value


def loss_curvature(int loss, const floating[::1] values, const int32_t[::1] indices,
                   const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
                   const floating[::1] y, const floating[::1] sample_weight, int64_t n_outputs,
                   const floating[::1] coef, const floating[::1] intercept, int n_threads,
                   double[::1] curv):
    """Run fo_loss_curvature into curv (n_samples values, n_samples * K for softmax);
    returns the status."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef int status
    _fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, y, sample_weight)
    if floating is double:
        with nogil:
            status = fo_loss_curvature_f64(loss, &d64, n_outputs, _ptr(coef), _ptr(intercept),
                                           n_threads, &curv[0])
    else:
        with nogil:
            status = fo_loss_curvature_f32(loss, &d32, n_outputs, _ptr(coef), _ptr(intercept),
                                           n_threads, &curv[0])
    return status


def loss_hessp_curv(int loss, const floating[::1] values, const int32_t[::1] indices,
                    const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
                    const floating[::1] y, const floating[::1] sample_weight, int64_t n_outputs,
                    const double[::1] curv, const floating[::1] vec_coef,
                    const floating[::1] vec_intercept, double alpha, int n_threads,
                    floating[::1] out_coef, floating[::1] out_intercept):
    """Run fo_loss_hessp_curv with the curvatures of loss_curvature; returns the status."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef int status
    _fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, y, sample_weight)
    if floating is double:
        with nogil:
            status = fo_loss_hessp_curv_f64(loss, &d64, n_outputs, &curv[0], _ptr(vec_coef),
                                            _ptr(vec_intercept), alpha, n_threads,
                                            _mut_ptr(out_coef), _mut_ptr(out_intercept))
    else:
        with nogil:
            status = fo_loss_hessp_curv_f32(loss, &d32, n_outputs, &curv[0], _ptr(vec_coef),
                                            _ptr(vec_intercept), alpha, n_threads,
                                            _mut_ptr(out_coef), _mut_ptr(out_intercept))
    return status


def loss_hessian_diag(int loss, const floating[::1] values, const int32_t[::1] indices,
                      const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
                      const floating[::1] y, const floating[::1] sample_weight, int64_t n_outputs,
                      const double[::1] curv, double alpha, int n_threads, double[::1] diag):
    """Run fo_loss_hessian_diag into diag (K * n_features + K values, K = 1 if binary)."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef int status
    _fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, y, sample_weight)
    if floating is double:
        with nogil:
            status = fo_loss_hessian_diag_f64(loss, &d64, n_outputs, &curv[0], alpha, n_threads,
                                              &diag[0])
    else:
        with nogil:
            status = fo_loss_hessian_diag_f32(loss, &d32, n_outputs, &curv[0], alpha, n_threads,
                                              &diag[0])
    return status


def loss_pointwise(int loss, int64_t n_outputs, const floating[::1] z, const floating[::1] y,
                   floating[::1] out_loss, floating[::1] out_dz):
    """Run fo_loss_pointwise over n = len(y) samples; returns the status."""
    cdef int status
    cdef int64_t n = y.shape[0]
    if floating is double:
        with nogil:
            status = fo_loss_pointwise_f64(loss, n, n_outputs, _ptr(z), _ptr(y),
                                           _mut_ptr(out_loss), _mut_ptr(out_dz))
    else:
        with nogil:
            status = fo_loss_pointwise_f32(loss, n, n_outputs, _ptr(z), _ptr(y),
                                           _mut_ptr(out_loss), _mut_ptr(out_dz))
    return status
