"""Glue for the update rules of src_c/update.c (see fo_update.h)."""
from libc.stdint cimport int64_t
from cython cimport floating

from fastoptim._core._cdefs cimport (fo_rule, fo_rule_advance, rule_from as _rule_from,
                                    rule_carried as _carried, mptr as _opt)

cdef extern from "fastoptim/fo_update.h":
    int fo_update_step_f64(const fo_rule *rule, int64_t n, double *params, const double *grad,
                           double *s1, double *s2, double *s3, int check_finite,
                           int n_threads) nogil
    int fo_update_step_f32(const fo_rule *rule, int64_t n, float *params, const float *grad,
                           float *s1, float *s2, float *s3, int check_finite,
                           int n_threads) nogil
    int fo_update_step_check_f64(const fo_rule *rule, int64_t n, const double *params,
                                 const double *grad, const double *s1, const double *s2,
                                 const double *s3, int n_threads) nogil
    int fo_update_step_check_f32(const fo_rule *rule, int64_t n, const float *params,
                                 const float *grad, const float *s1, const float *s2,
                                 const float *s3, int n_threads) nogil
    int fo_all_finite_f64(int64_t n, const double *x, int n_threads) nogil
    int fo_all_finite_f32(int64_t n, const float *x, int n_threads) nogil


def advance(dict spec):
    """The rule `spec` past its step spec["t"] (fo_rule_advance): {"t": the next step,
    "mu_product": NAdam's carried product, "eta": ASGD's carried eta}."""
    cdef fo_rule r = _rule_from(spec)
    fo_rule_advance(&r)
    return _carried(&r)



def update_step(dict spec, floating[::1] params, const floating[::1] grad, floating[::1] s1,
                floating[::1] s2, floating[::1] s3, bint check_finite, int n_threads,
                bint dry_run=False):
    """One step of the rule `spec` (keys as fo_rule's fields) in place; returns the status.

    dry_run: fo_update_step_check instead, the step on copies that writes nothing (status 0
    when every new parameter and state value would be finite)."""
    cdef fo_rule r = _rule_from(spec)
    cdef int status
    cdef int64_t n = params.shape[0]
    cdef const floating *g = &grad[0] if grad.shape[0] > 0 else NULL
    if floating is double:
        with nogil:
            if dry_run:
                status = fo_update_step_check_f64(&r, n, _opt(params), g, _opt(s1), _opt(s2),
                                                  _opt(s3), n_threads)
            else:
                status = fo_update_step_f64(&r, n, _opt(params), g, _opt(s1), _opt(s2),
                                            _opt(s3), check_finite, n_threads)
    else:
        with nogil:
            if dry_run:
                status = fo_update_step_check_f32(&r, n, _opt(params), g, _opt(s1), _opt(s2),
                                                  _opt(s3), n_threads)
            else:
                status = fo_update_step_f32(&r, n, _opt(params), g, _opt(s1), _opt(s2),
                                            _opt(s3), check_finite, n_threads)
    return status


def all_finite(const floating[::1] x, int n_threads):
    """True when every value of x is finite (one pass, n_threads blocks)."""
    cdef int ok
    cdef int64_t n = x.shape[0]
    if n == 0:
        return True
    if floating is double:
        with nogil:
            ok = fo_all_finite_f64(n, &x[0], n_threads)
    else:
        with nogil:
            ok = fo_all_finite_f32(n, &x[0], n_threads)
    return bool(ok)
