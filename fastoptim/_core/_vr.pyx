"""Glue for the SAG / SAGA / SVRG epochs of src_c/vr.c (see fo_vr.h)."""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from cython cimport floating

from fastoptim._core._cdefs cimport (fo_data_f64, fo_data_f32, fill_data, cptr as _cp,
                                    mptr as _p)

cdef extern from "fastoptim/fo_vr.h":
    cdef enum:
        FO_VR_SAG
        FO_VR_SAGA
        FO_VR_SVRG
    ctypedef struct fo_vr_config:
        int method
        int loss
        int64_t n_outputs
        double step
        double alpha
        double alpha_intercept
        double l1
        double weight_scale
        uint64_t seed
        int line_search
        double step_fraction
        double step_offset
        double lipschitz_max
    ctypedef struct fo_vr_state:
        double *memory
        double *grad_sum
        uint8_t *seen
        int64_t n_seen
        const double *row_sqnorm
        double lipschitz
    int fo_vr_epoch_f64(const fo_vr_config *cfg, const fo_data_f64 *data, fo_vr_state *state,
                        double *coef, double *intercept, int n_threads, double *mean_loss) nogil
    int fo_vr_epoch_f32(const fo_vr_config *cfg, const fo_data_f32 *data, fo_vr_state *state,
                        float *coef, float *intercept, int n_threads, double *mean_loss) nogil

#: The method ids, read from fo_vr.h.
METHOD_IDS = {"sag": FO_VR_SAG, "saga": FO_VR_SAGA, "svrg": FO_VR_SVRG}


def vr_epoch(dict config, const floating[::1] values, const int32_t[::1] indices,
             const int64_t[::1] indptr, int64_t n_samples, int64_t n_features,
             const floating[::1] y, const floating[::1] sample_weight,
             floating[::1] coef, floating[::1] intercept, double[::1] memory,
             double[::1] grad_sum, uint8_t[::1] seen, int64_t n_seen,
             const double[::1] row_sqnorm, double lipschitz, int n_threads):
    """One epoch; `values` is X raveled (dense, indices None) or the CSR data.

    Returns (status, mean_loss, n_seen, lipschitz)."""
    cdef fo_vr_config cfg
    cdef fo_vr_state st
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef double mean_loss = 0.0
    cdef int status
    cfg.method = config["method"]
    cfg.loss = config["loss"]
    cfg.n_outputs = config["n_outputs"]
    cfg.step = config["step"]
    cfg.alpha = config["alpha"]
    cfg.alpha_intercept = config["alpha_intercept"]
    cfg.l1 = config.get("l1", 0.0)
    cfg.weight_scale = config["weight_scale"]
    cfg.seed = config["seed"]
    cfg.line_search = config["line_search"]
    cfg.step_fraction = config["step_fraction"]
    cfg.step_offset = config["step_offset"]
    cfg.lipschitz_max = config["lipschitz_max"]
    st.memory = &memory[0]
    st.grad_sum = &grad_sum[0]
    st.seen = &seen[0] if seen is not None and seen.shape[0] > 0 else NULL
    st.n_seen = n_seen
    st.row_sqnorm = _cp(row_sqnorm)
    st.lipschitz = lipschitz
    fill_data(&d64, &d32, values, indices, indptr, n_samples, n_features, y, sample_weight)
    if floating is double:
        with nogil:
            status = fo_vr_epoch_f64(&cfg, &d64, &st, _p(coef), _p(intercept), n_threads,
                                     &mean_loss)
    else:
        with nogil:
            status = fo_vr_epoch_f32(&cfg, &d32, &st, _p(coef), _p(intercept), n_threads,
                                     &mean_loss)
    return status, mean_loss, st.n_seen, st.lipschitz
