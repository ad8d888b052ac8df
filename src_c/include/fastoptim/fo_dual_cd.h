/*
 * fo_dual_cd.h -- linear SVM (hinge or squared hinge loss) solved in the dual
 * by coordinate descent (Hsieh, Chang, Lin, Keerthi & Sundararajan 2008),
 * over dense (row-major) or CSR data, float64 and float32.
 *
 * Primal, with per-sample costs C_i >= 0 (C times sample and class weights):
 *
 *     min_w  1/2 ||w||^2 + sum_i C_i xi_i(w),
 *            xi_i = max(0, 1 - y_i w.x~_i)    (hinge)
 *            xi_i = max(0, 1 - y_i w.x~_i)^2  (squared hinge)
 *
 * Dual, with D_ii = 0 and U_i = C_i (hinge), D_ii = 1/(2 C_i) and U_i = inf
 * (squared hinge):
 *
 *     min_a  f(a) = 1/2 a^T (Q + D) a - sum_i a_i,   0 <= a_i <= U_i,
 *            Q_ij = y_i y_j x~_i.x~_j,  and at the optimum w = sum_i a_i y_i x~_i.
 *
 * The intercept is fitted liblinear-style: x~_i = [x_i, s] with the constant
 * s = intercept_scaling appended as an extra feature, so w has d + 1 entries
 * and the decision function is w[:d].x + s w[d].  That last weight IS
 * penalized (1/2 w[d]^2 enters ||w||^2), which is what liblinear and
 * scikit-learn's LinearSVC do; a larger s weakens the penalty on the intercept.
 * Without an intercept x~_i = x_i and w[d] is set to 0.
 *
 * Samples with C_i = 0 take no part (a_i stays 0).
 */
#ifndef FASTOPTIM_FO_DUAL_CD_H
#define FASTOPTIM_FO_DUAL_CD_H

#include <stdint.h>

#include "fastoptim/fo_loss.h"
#include "fastoptim/fo_stop.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Solver settings (fo_dual_cd_params_init gives the defaults). */
typedef struct {
    int loss;                  /* FO_LOSS_HINGE or FO_LOSS_SQUARED_HINGE */
    int fit_intercept;         /* 1: append the constant feature intercept_scaling */
    double intercept_scaling;  /* > 0; used when fit_intercept (default 1) */
    double tol;                /* stop when max PG - min PG <= tol over one pass (default 0.1 as
                                * liblinear; scikit-learn passes 1e-4) */
    int64_t max_iter;          /* outer iterations (passes over the active set), >= 1 */
    uint64_t seed;             /* seed of the per-pass random permutation */
    int shrinking;             /* 1: liblinear's shrinking of bound variables, the dropped
                                * ones checked again on a geometric schedule and in the
                                * last pass (dual_cd_impl.h; default 1) */
    fo_stop_fn should_stop;    /* polled every few thousand coordinate steps (fo_stop.h);
                                * NULL: never (default) */
    void *stop_ctx;            /* its argument */
} fo_dual_cd_params;

void fo_dual_cd_params_init(fo_dual_cd_params *params);

/*
 * Solve the dual above from a = 0.
 *   data: X (dense or CSR) and y (labels -1 or +1; sample_weight is ignored);
 *   cost: n_samples values C_i >= 0 (finite);
 *   alpha (n_samples, written): the dual solution;
 *   w (n_features + 1, written): the primal solution, last entry the weight of
 *     the constant feature (0 without intercept), so intercept = s * w[d];
 *   n_iter (written): outer iterations run.
 * Dot products and updates run in double, w is kept in double for both dtypes.
 * Returns FO_OK (converged), FO_STOP_MAX_ITER (max_iter passes without
 * reaching tol; alpha and w hold the last iterate), FO_STOP_INTERRUPTED
 * (should_stop asked to stop; alpha and w hold the current iterate), FO_ERR_BAD_ARGUMENT
 * (a label not +-1, a negative or non-finite cost, a bad setting),
 * FO_ERR_NONFINITE (a gradient became NaN/inf) or FO_ERR_NO_MEMORY.
 */
int fo_dual_cd_f64(const fo_data_f64 *data, const double *cost, const fo_dual_cd_params *params,
                   double *alpha, double *w, int64_t *n_iter);
int fo_dual_cd_f32(const fo_data_f32 *data, const double *cost, const fo_dual_cd_params *params,
                   double *alpha, double *w, int64_t *n_iter);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_DUAL_CD_H */
