"""Glue for the one-epoch engine of src_c/epoch.c (see fo_epoch.h)."""
from libc.stdint cimport int32_t, int64_t, uint64_t
from cython cimport floating

from fastoptim._core._update import PRECOND

cdef extern from "fastoptim/fo_loss.h":
    ctypedef struct fo_data_f64:
        int64_t n_samples
        int64_t n_features
        const double *X
        const double *data
        const int32_t *indices
        const int64_t *indptr
        const double *y
        const double *sample_weight
    ctypedef struct fo_data_f32:
        int64_t n_samples
        int64_t n_features
        const float *X
        const float *data
        const int32_t *indices
        const int64_t *indptr
        const float *y
        const float *sample_weight

cdef extern from "fastoptim/fo_update.h":
    ctypedef struct fo_rule:
        int precond
        int centered
        int amsgrad
        int momentum
        int nesterov
        int64_t t
        double lr
        double mu
        double dampening
        double weight_decay
        double decoupled_decay
        double beta1
        double beta2
        double alpha
        double eps
        double lr_decay

cdef extern from "fastoptim/fo_epoch.h":
    ctypedef struct fo_epoch_config:
        int loss
        int64_t n_outputs
        int64_t batch_size
        uint64_t seed
        int shuffle
        double alpha
        double weight_scale
        int lazy
    int fo_epoch_f64(const fo_epoch_config *cfg, const fo_data_f64 *data, fo_rule *rule,
                     double *coef, double *intercept, double *c_s1, double *c_s2, double *c_s3,
                     double *i_s1, double *i_s2, double *i_s3, int n_threads,
                     double *mean_loss) nogil
    int fo_epoch_f32(const fo_epoch_config *cfg, const fo_data_f32 *data, fo_rule *rule,
                     float *coef, float *intercept, float *c_s1, float *c_s2, float *c_s3,
                     float *i_s1, float *i_s2, float *i_s3, int n_threads,
                     double *mean_loss) nogil
    int fo_epoch_permutation(int64_t n, uint64_t seed, int64_t *perm) nogil


cdef inline floating *_p(floating[::1] a) noexcept nogil:
    return &a[0] if a is not None and a.shape[0] > 0 else NULL


cdef inline const floating *_cp(const floating[::1] a) noexcept nogil:
    return &a[0] if a is not None and a.shape[0] > 0 else NULL


def run_epoch(dict config, dict spec, const floating[::1] values, const int32_t[::1] indices,
              const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
              const floating[::1] y, const floating[::1] sample_weight,
              floating[::1] coef, floating[::1] intercept,
              floating[::1] c_s1, floating[::1] c_s2, floating[::1] c_s3,
              floating[::1] i_s1, floating[::1] i_s2, floating[::1] i_s3, int n_threads):
    """One epoch; `values` is X raveled (dense, indices None) or the CSR data.

    Returns (status, mean_loss, next_t)."""
    cdef fo_epoch_config cfg
    cdef fo_rule r
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef double mean_loss = 0.0
    cdef int status
    cdef const int32_t *ind = &indices[0] if indices is not None else NULL
    cdef const int64_t *ptr = &indptr[0] if indptr is not None else NULL
    cfg.loss = config["loss"]
    cfg.n_outputs = config["n_outputs"]
    cfg.batch_size = config["batch_size"]
    cfg.seed = config["seed"]
    cfg.shuffle = config["shuffle"]
    cfg.alpha = config["alpha"]
    cfg.weight_scale = config["weight_scale"]
    cfg.lazy = config["lazy"]
    r.precond = PRECOND[spec["precond"]]
    r.centered = spec["centered"]
    r.amsgrad = spec["amsgrad"]
    r.momentum = spec["momentum"]
    r.nesterov = spec["nesterov"]
    r.t = spec["t"]
    r.lr = spec["lr"]
    r.mu = spec["mu"]
    r.dampening = spec["dampening"]
    r.weight_decay = spec["weight_decay"]
    r.decoupled_decay = spec["decoupled_decay"]
    r.beta1 = spec["beta1"]
    r.beta2 = spec["beta2"]
    r.alpha = spec["alpha"]
    r.eps = spec["eps"]
    r.lr_decay = spec["lr_decay"]
    if floating is double:
        d64.n_samples = n_samples
        d64.n_features = n_features
        d64.X = _cp(values) if ind == NULL else NULL
        d64.data = _cp(values) if ind != NULL else NULL
        d64.indices = ind
        d64.indptr = ptr
        d64.y = _cp(y)
        d64.sample_weight = _cp(sample_weight)
        with nogil:
            status = fo_epoch_f64(&cfg, &d64, &r, _p(coef), _p(intercept), _p(c_s1), _p(c_s2),
                                  _p(c_s3), _p(i_s1), _p(i_s2), _p(i_s3), n_threads, &mean_loss)
    else:
        d32.n_samples = n_samples
        d32.n_features = n_features
        d32.X = _cp(values) if ind == NULL else NULL
        d32.data = _cp(values) if ind != NULL else NULL
        d32.indices = ind
        d32.indptr = ptr
        d32.y = _cp(y)
        d32.sample_weight = _cp(sample_weight)
        with nogil:
            status = fo_epoch_f32(&cfg, &d32, &r, _p(coef), _p(intercept), _p(c_s1), _p(c_s2),
                                  _p(c_s3), _p(i_s1), _p(i_s2), _p(i_s3), n_threads, &mean_loss)
    return status, mean_loss, r.t


def permutation(int64_t n, uint64_t seed):
    """The row order an epoch with this seed visits."""
    import numpy as np
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] view = out
    if n > 0:
        with nogil:
            fo_epoch_permutation(n, seed, &view[0])
    return out
