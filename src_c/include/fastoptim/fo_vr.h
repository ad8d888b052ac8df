/*
 * fo_vr.h -- variance-reduced stochastic gradient methods for the linear
 * models: SAG, SAGA and SVRG, one epoch per call.
 *
 * Objective (as fo_loss.h, plus an optional penalty on the intercepts):
 *
 *     F(w, b) = (1/n) sum_i f_i(w, b),
 *     f_i = s_i l(W x_i + b, y_i) + (alpha / 2) ||W||^2 + (alpha_b / 2) ||b||^2,
 *
 * s_i = weight_scale * sample_weight_i (weight_scale = n / sum_i w_i, so that
 * (1/n) sum_i s_i l_i is the weighted mean loss).  For a linear model the data
 * part of grad f_i is g_i x~_i, x~_i = [x_i; 1], with g_i = s_i dl/dz (one
 * number per sample for the binary losses, K for softmax), so the methods
 * store g_i per sample instead of a gradient vector.
 *
 * An epoch is n steps.  SAG draws its n samples uniformly with replacement, as
 * the paper does (fo_epoch_draws; in a random permutation of the samples SAG's
 * steps can grow without bound: on standardized diabetes data at 1/L they do);
 * SAGA and SVRG visit every sample once in a seeded random order (random
 * reshuffling, fo_epoch_permutation).  At the visit of sample i
 * (step size eta; the L2 terms are applied exactly at every step, outside the
 * memory):
 *
 *   SAG  (Le Roux, Schmidt & Bach 2012; Schmidt, Le Roux & Bach 2017, Alg. 1 with
 *        the division by the samples seen so far, sec. 4.1):
 *          S <- S + (g_i - m_i) x~_i,  m_i <- g_i,
 *          w <- w - eta (S / n_seen + alpha w)         (b likewise with alpha_b);
 *   SAGA (Defazio, Bach & Lacoste-Julien 2014, eq. (1) with a memory initialized at 0):
 *          w <- w - eta ((g_i - m_i) x~_i + S / n + alpha w),
 *          S <- S + (g_i - m_i) x~_i,  m_i <- g_i;
 *   SVRG (Johnson & Zhang 2013, option I: the snapshot is the last iterate):
 *          at the start of the epoch, one pass at the snapshot w~ = w sets
 *          m_i = g_i(w~) for every i and S = sum_i m_i x~_i (S / n is the full
 *          data gradient at w~); then every visit takes
 *          w <- w - eta ((g_i - m_i) x~_i + S / n + alpha w), S and m fixed.
 *
 * Here S = sum_i m_i x~_i is kept up to date (the memory's sum).
 *
 * With an L1 penalty l1 ||W||_1 on the coefficients (cfg->l1 > 0; SAGA only, as Defazio
 * et al.'s proximal SAGA), each SAGA step on the coefficients ends with the proximal map
 * of the L1 term: w <- S_{eta l1}(a w - eta dg x - c S), S_t the soft-threshold at t
 * (the intercepts are not penalized).  On CSR data a column absent from the visited rows
 * still moves at every step by v <- S_{A l1 n}(v - A S_j) (v = w / wscale, A the step's
 * eta / (n wscale), S_j fixed while the column is absent): its missed steps are applied
 * when it next appears, in closed form -- v moves linearly by -A (S_j + l1 n sign v) until
 * a step where it would cross zero (found by bisection on the running sums of A), takes
 * that step exactly, and from zero either stays there (|S_j| <= l1 n) or moves away
 * linearly -- so that the catch-up costs O(log steps), and the result equals the dense
 * computation up to rounding.
 *
 * The step: fixed (cfg->step), or from a running estimate L of the Lipschitz
 * constant (cfg->line_search; Schmidt, Le Roux & Bach 2017, sec. 4.6): at the
 * visit of sample i, while
 *     f_i(w - grad f_i / L) > f_i(w) - ||grad f_i||^2 / (2 L)
 * (the data part of f_i; for a linear model a test on the scores alone,
 * z - g ||x~_i||^2 / L, with ||grad f_i||^2 = ||g||^2 ||x~_i||^2, skipped when
 * that is below 1e-8), L doubles; the step is then
 *     eta = cfg->step_fraction / (L + cfg->step_offset)
 * and after the step (when the test was made) L <- L 2^(-1/n).  Without the
 * test, L stays: near an interpolating optimum every sample's gradient falls
 * below the threshold, and an estimate that kept decaying would let the steps
 * grow until the gradients are back at it (a noise floor of 1e-4 on a consistent
 * least-squares problem).  L is carried in the state across
 * epochs (0: start at 1, as the paper).  L never exceeds cfg->lipschitz_max
 * when that is > 0: the data's global bound c max_i s_i ||x~_i||^2 (c the
 * loss's curvature bound), for which the test always holds; the doubling can
 * overshoot it by up to 2x (for the squared loss the test's smallest L is
 * s_i ||x~_i||^2 exactly).
 *
 * CSR data: the just-in-time updates of the sparse SAG papers (Schmidt et al.
 * 2017, sec. 4.1): a coordinate of w absent from the visited row moves only by
 * the decay (1 - eta alpha) and the constant term -eta S_j / m, so the steps a
 * column misses are applied when it next appears (and at the end of the epoch)
 * in one update: w is kept as wscale * v (wscale carries the decays, one
 * multiply per step) and a running sum of eta / (m wscale) per step carries the
 * S terms.  The result equals the dense computation up to rounding.
 *
 * All arithmetic is in double; coef and intercept are read at the start of the
 * epoch and written at its end in the data's type.  Sequential steps; the
 * snapshot pass of SVRG is split over n_threads blocks, combined in block
 * order (same thread count, same bits).
 */
#ifndef FASTOPTIM_FO_VR_H
#define FASTOPTIM_FO_VR_H

#include <stdint.h>
#include "fastoptim/fo_loss.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { FO_VR_SAG = 0, FO_VR_SAGA = 1, FO_VR_SVRG = 2 } fo_vr_method;

typedef struct {
    int method;            /* fo_vr_method */
    int loss;              /* FO_LOSS_SQUARED, _LOGISTIC, _SQUARED_HINGE or _SOFTMAX */
    int64_t n_outputs;     /* 1 for the binary losses, K >= 2 for softmax */
    double step;           /* eta > 0 */
    double alpha;          /* L2 penalty of the coefficients, >= 0 */
    double alpha_intercept;/* L2 penalty of the intercepts, >= 0 (LinearSVC's; 0 for the others) */
    double l1;             /* L1 penalty of the coefficients, >= 0 (SAGA only: its proximal step) */
    double weight_scale;   /* n / sum(sample_weight); 1 without weights */
    uint64_t seed;         /* the samples this epoch visits (see above) */
    int line_search;       /* 0: the fixed step; 1: eta from the running estimate of L (above) */
    double step_fraction;  /* line search: eta = step_fraction / (L + step_offset) */
    double step_offset;
    double lipschitz_max;  /* line search: the cap on L (0: none) */
} fo_vr_config;

/*
 * The methods' memory, owned by the caller and kept across epochs (all zeros
 * before the first; SVRG rewrites memory and grad_sum at each epoch's start):
 *   memory:   n_samples * n_outputs stored g_i;
 *   grad_sum: n_outputs * n_features + n_outputs values, S = sum_i m_i x~_i
 *             (the coefficients' part row-major, then the intercepts');
 *   seen:     n_samples flags (SAG: visited at least once); *n_seen their count;
 *   row_sqnorm: the line search's ||x~_i||^2 (n_samples values, the 1 of the
 *             intercept included; NULL without the line search);
 *   lipschitz: the line search's estimate of L (0 before the first epoch).
 */
typedef struct {
    double *memory;
    double *grad_sum;
    uint8_t *seen;
    int64_t n_seen;
    const double *row_sqnorm;
    double lipschitz;
} fo_vr_state;

/*
 * One epoch in place.  coef: n_outputs * n_features; intercept: n_outputs
 * values, or NULL to fit none.  *mean_loss receives the weighted mean of the
 * per-sample losses, each taken when its sample was visited.  Returns FO_OK,
 * FO_ERR_NONFINITE (a score or a coefficient stopped being finite: the step
 * is too large for the data), FO_ERR_BAD_ARGUMENT (also the hinge losses, a
 * class index outside 0..K-1) or FO_ERR_NO_MEMORY.
 */
int fo_vr_epoch_f64(const fo_vr_config *cfg, const fo_data_f64 *data, fo_vr_state *state,
                    double *coef, double *intercept, int n_threads, double *mean_loss);
int fo_vr_epoch_f32(const fo_vr_config *cfg, const fo_data_f32 *data, fo_vr_state *state,
                    float *coef, float *intercept, int n_threads, double *mean_loss);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_VR_H */
