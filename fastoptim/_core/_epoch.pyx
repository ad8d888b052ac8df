"""Glue for the one-epoch engine of src_c/epoch.c (see fo_epoch.h)."""
from libc.stdint cimport int32_t, int64_t, uint64_t
from cython cimport floating

from fastoptim._core._cdefs cimport (fo_data_f64, fo_data_f32, fo_rule, rule_from, rule_carried,
                                    fill_data, cptr as _cp, mptr as _p)

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
        const int64_t *rows
        int64_t n_rows
        double l1
        double *l1_u
        double *l1_q
    int fo_epoch_f64(const fo_epoch_config *cfg, const fo_data_f64 *data, fo_rule *rule,
                     double *coef, double *intercept, double *c_s1, double *c_s2, double *c_s3,
                     double *i_s1, double *i_s2, double *i_s3, int n_threads,
                     double *mean_loss) nogil
    int fo_epoch_f32(const fo_epoch_config *cfg, const fo_data_f32 *data, fo_rule *rule,
                     float *coef, float *intercept, float *c_s1, float *c_s2, float *c_s3,
                     float *i_s1, float *i_s2, float *i_s3, int n_threads,
                     double *mean_loss) nogil
    int fo_epoch_permutation(int64_t n, uint64_t seed, int64_t *perm) nogil
    int fo_epoch_draws(int64_t n, uint64_t seed, int64_t *draws) nogil


def run_epoch(dict config, dict spec, const floating[::1] values, const int32_t[::1] indices,
              const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
              const floating[::1] y, const floating[::1] sample_weight,
              floating[::1] coef, floating[::1] intercept,
              floating[::1] c_s1, floating[::1] c_s2, floating[::1] c_s3,
              floating[::1] i_s1, floating[::1] i_s2, floating[::1] i_s3, int n_threads,
              const int64_t[::1] rows=None, double l1=0.0, double[::1] l1_u=None,
              double[::1] l1_q=None):
    """One epoch; `values` is X raveled (dense, indices None) or the CSR data.

    rows: None, or the sample numbers the epoch draws from (a row subset of X, y and
    sample_weight, which keep every row).  l1 > 0: the cumulative L1 penalty, its total u
    (one value) and applied q (one per coefficient) updated in place.  Returns (status, mean_loss, carried): carried the
    rule's next step and carried scalars (_cdefs.rule_carried)."""
    cdef fo_epoch_config cfg
    cdef fo_rule r
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef double mean_loss = 0.0
    cdef int status
    cfg.loss = config["loss"]
    cfg.n_outputs = config["n_outputs"]
    cfg.batch_size = config["batch_size"]
    cfg.seed = config["seed"]
    cfg.shuffle = config["shuffle"]
    cfg.alpha = config["alpha"]
    cfg.weight_scale = config["weight_scale"]
    cfg.lazy = config["lazy"]
    cfg.rows = &rows[0] if rows is not None and rows.shape[0] > 0 else NULL
    cfg.n_rows = rows.shape[0] if rows is not None else 0
    if rows is not None and rows.shape[0] == 0:
        raise ValueError("rows is empty: an epoch needs at least one row")
    cfg.l1 = l1
    cfg.l1_u = NULL
    cfg.l1_q = NULL
    if l1 > 0:
        if l1_u is None or l1_q is None or l1_u.shape[0] != 1 or l1_q.shape[0] != coef.shape[0]:
            raise ValueError("l1 > 0 needs l1_u (one value) and l1_q (one per coefficient)")
        cfg.l1_u = &l1_u[0]
        cfg.l1_q = &l1_q[0]
    r = rule_from(spec)
    fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, y, sample_weight)
    if floating is double:
        with nogil:
            status = fo_epoch_f64(&cfg, &d64, &r, _p(coef), _p(intercept), _p(c_s1), _p(c_s2),
                                  _p(c_s3), _p(i_s1), _p(i_s2), _p(i_s3), n_threads, &mean_loss)
    else:
        with nogil:
            status = fo_epoch_f32(&cfg, &d32, &r, _p(coef), _p(intercept), _p(c_s1), _p(c_s2),
                                  _p(c_s3), _p(i_s1), _p(i_s2), _p(i_s3), n_threads, &mean_loss)
    return status, mean_loss, rule_carried(&r)


def permutation(int64_t n, uint64_t seed):
    """The row order an epoch with this seed visits."""
    import numpy as np
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] view = out
    if n > 0:
        with nogil:
            fo_epoch_permutation(n, seed, &view[0])
    return out


def draws(int64_t n, uint64_t seed):
    """The n samples an epoch drawing with replacement visits (SAG's)."""
    import numpy as np
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] view = out
    if n > 0:
        with nogil:
            fo_epoch_draws(n, seed, &view[0])
    return out
