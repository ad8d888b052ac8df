"""Glue for the elastic-net coordinate descent of src_c/cd.c (see fo_cd.h).

Inputs are validated, centered, made contiguous and given one dtype by
fastoptim.linear_model; this function only fills the C structs, picks the
layout, releases the GIL around the solve and returns the C status code with
the duality gap and the number of passes for the caller to check."""
from libc.stdint cimport int32_t, int64_t, uint64_t
from cython cimport floating

from fastoptim._core._cdefs cimport (mptr as _mut_ptr, cptr as _ptr, fo_stop_fn, stop_requested,
                                     raise_if_interrupted)

cdef extern from "fastoptim/fo_cd.h":
    ctypedef struct fo_cd_data:
        int64_t n_samples
        int64_t n_features
        const double *X_f64
        const float *X_f32
        const double *data_f64
        const float *data_f32
        const int32_t *indices
        const int64_t *indptr
        const double *x_mean
        const double *q
        const double *gram
        const double *xy
        double yy
        const double *y
    ctypedef struct fo_cd_params:
        double l1
        double l2
        int positive
        int random
        uint64_t seed
        double tol
        double gap_tol
        int64_t max_iter
        int screening
        fo_stop_fn should_stop
        void *stop_ctx
    ctypedef struct fo_glmnet_params:
        int loss
        double l1
        double l2
        int fit_intercept
        double tol
        int64_t max_iter
        int64_t max_inner
        uint64_t seed
        fo_stop_fn should_stop
        void *stop_ctx
    void fo_glmnet_params_init(fo_glmnet_params *params) nogil
    int fo_glmnet_logistic(const fo_cd_data *data, const double *cost,
                           const fo_glmnet_params *params, double *w, double *b,
                           int64_t *n_iter) nogil
    void fo_cd_params_init(fo_cd_params *params) nogil
    int fo_cd_enet(const fo_cd_data *data, const fo_cd_params *params, double *w, double *gap,
                   int64_t *n_iter) nogil

# The layouts of fo_cd_data.
DENSE, CSC, GRAM = 0, 1, 2
# The losses of fo_glmnet_logistic (fo_cd.h's FO_GL_LOGISTIC, FO_GL_SQUARED_HINGE).
LOGISTIC, SQUARED_HINGE = 0, 1


cdef int _fill_data(fo_cd_data *data, int layout, const floating[::1] values,
                    const int32_t[::1] indices, const int64_t[::1] indptr, int64_t n_samples,
                    int64_t n_features, const double[::1] y) except -1:
    """fo_cd_data for the DENSE or CSC layout (x_mean, q, gram, xy left NULL); GRAM: only
    the sizes (the caller sets gram, xy and yy)."""
    data.n_samples = n_samples
    data.n_features = n_features
    data.X_f64 = NULL
    data.X_f32 = NULL
    data.data_f64 = NULL
    data.data_f32 = NULL
    data.indices = NULL
    data.indptr = NULL
    data.x_mean = NULL
    data.q = NULL
    data.gram = NULL
    data.xy = NULL
    data.yy = 0.0
    data.y = _ptr(y)
    if layout == DENSE:
        if floating is double:
            data.X_f64 = _ptr(values)
        else:
            data.X_f32 = _ptr(values)
    elif layout == CSC:
        if floating is double:
            data.data_f64 = _ptr(values)
        else:
            data.data_f32 = _ptr(values)
        if indices is None or indptr is None or indptr.shape[0] != n_features + 1:
            raise ValueError("CSC layout needs indices and indptr (n_features + 1 entries)")
        data.indices = &indices[0] if indices.shape[0] > 0 else NULL
        data.indptr = &indptr[0]
    elif layout != GRAM:
        raise ValueError(f"layout must be DENSE, CSC or GRAM, got {layout!r}")
    return 0


def enet_cd(int layout, const floating[::1] values, const int32_t[::1] indices,
            const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
            const double[::1] y, const double[::1] x_mean, const double[::1] q,
            const double[::1] gram, const double[::1] xy, double yy, double l1, double l2,
            bint positive, bint random, uint64_t seed, double tol, double gap_tol,
            int64_t max_iter, bint screening, double[::1] w):
    """Run fo_cd_enet on one layout.

    DENSE: values = the centered X in column-major order, y the centered target.
    CSC: values/indices/indptr of X (uncentered), x_mean and q the implicit centering
    (None: none), y the centered target.  GRAM: gram (d*d), xy and yy; values, y unused.
    w (n_features) holds the warm start and is overwritten.  Returns (status, gap, n_iter).
    Ctrl-C stops the solve within about 0.05 s and raises its KeyboardInterrupt."""
    cdef fo_cd_data data
    cdef fo_cd_params params
    cdef int status
    cdef int64_t n_iter = 0
    cdef double gap = 0.0
    cdef int32_t stop = 0
    if w is None or w.shape[0] != n_features:
        raise ValueError("w needs n_features entries")
    _fill_data(&data, layout, values, indices, indptr, n_samples, n_features, y)
    data.yy = yy
    if layout == GRAM:
        data.gram = _ptr(gram)
        data.xy = _ptr(xy)
    elif layout == CSC:
        data.x_mean = _ptr(x_mean)
        data.q = _ptr(q)
    fo_cd_params_init(&params)
    params.l1 = l1
    params.l2 = l2
    params.positive = positive
    params.random = random
    params.seed = seed
    params.tol = tol
    params.gap_tol = gap_tol
    params.max_iter = max_iter
    params.screening = screening
    params.should_stop = stop_requested
    params.stop_ctx = &stop
    with nogil:
        status = fo_cd_enet(&data, &params, _mut_ptr(w), &gap, &n_iter)
    raise_if_interrupted(status)
    return status, gap, n_iter


def glmnet_logistic(int layout, const floating[::1] values, const int32_t[::1] indices,
                    const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
                    const double[::1] y, const double[::1] cost, double l1, double l2,
                    bint fit_intercept, double tol, int64_t max_iter, int64_t max_inner,
                    double[::1] w, double[::1] b, int loss=LOGISTIC, uint64_t seed=0):
    """Run fo_glmnet_logistic (binary; y +-1, cost c_i; loss LOGISTIC or SQUARED_HINGE) on
    the DENSE (column-major) or CSC layout.  w (n_features) and b (1 entry) hold the start
    and are overwritten; seed: the order of the inner passes.
    Returns (status, n_iter).  Ctrl-C stops the solve and raises its KeyboardInterrupt."""
    cdef fo_cd_data data
    cdef fo_glmnet_params params
    cdef int status
    cdef int64_t n_iter = 0
    cdef int32_t stop = 0
    if b is None or b.shape[0] != 1 or w is None or w.shape[0] != n_features:
        raise ValueError("w needs n_features entries and b one")
    if layout == GRAM:
        raise ValueError("layout must be DENSE or CSC")
    _fill_data(&data, layout, values, indices, indptr, n_samples, n_features, y)
    fo_glmnet_params_init(&params)
    params.l1 = l1
    params.l2 = l2
    params.fit_intercept = fit_intercept
    params.tol = tol
    params.max_iter = max_iter
    params.max_inner = max_inner
    params.loss = loss
    params.seed = seed
    params.should_stop = stop_requested
    params.stop_ctx = &stop
    with nogil:
        status = fo_glmnet_logistic(&data, _ptr(cost), &params, _mut_ptr(w), &b[0], &n_iter)
    raise_if_interrupted(status)
    return status, n_iter
