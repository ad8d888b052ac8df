/*
 * fo_epoch.h -- one epoch of mini-batch training of a linear model, in C.
 *
 * Objective (as fo_loss.h): F(coef, b) = sum_i w_i l(x_i . coef + b, y_i) / sum_i w_i
 *                                          + (alpha / 2) ||coef||^2 + l1 ||coef||_1.
 * One epoch: shuffle the rows (seeded Fisher-Yates; or storage order), cut
 * them into batches of batch_size (the last may be shorter), and for each
 * batch B compute the unbiased estimate of the gradient
 *
 *     g = weight_scale / |B| * sum_{i in B} w_i dl_i/dz x~_i + alpha [coef; 0],
 *     weight_scale = n / sum_i w_i,
 *
 * then apply the update rule (fo_update.h) to coef and to the intercept.
 * batch_size = n is batch gradient descent, 1 is SGD.  By default every step
 * updates every coordinate (the dense semantics, for CSR data too).
 *
 * Lazy mode (cfg->lazy, CSR data; one thread): a step updates only the
 * coefficients of the columns present in the batch (all K rows of coef for
 * such a column); the intercept is updated every step.  Each column keeps the
 * step it was last brought up to date, and when it appears again (and at the
 * end of the epoch) the k skipped steps are applied just in time as steps
 * with no data gradient:
 *   - the decays: p <- p d^k, d = (1 - lr wd_dec)(1 - lr wd) - lr alpha, when
 *     the rule has no preconditioner and no momentum (plain SGD, with L2 and
 *     decoupled decay): then lazy mode equals the dense computation exactly
 *     (at batch 1 on a binary loss by the scale trick, coef = s v: the decay
 *     of every coefficient is one multiply of s per step; with L1 only without
 *     any decay, a row's columns clipped once before it reads them);
 *   - otherwise only the decoupled decay moves p (p <- p (1 - lr wd_dec)^k),
 *     and the state decays as under zero gradients: momentum b <- mu^k b,
 *     RMSProp s <- a^k s (and m <- a^k m), Adam m <- b1^k m, v <- b2^k v,
 *     Adadelta s <- rho^k s, u <- rho^k u (its steps under a zero gradient are 0),
 *     Adamax m <- b1^k m, u <- max(b2^k u, eps), RAdam and NAdam as Adam
 *     (NAdam's mu_product, a number of the rule, moves every step);
 *     AdaGrad's sum and AMSGrad's maximum stay.  The L2 terms and momentum of
 *     skipped steps do not move p (the "lazy" semantics of sparse optimizers).
 *   - Rprop: exactly k steps under a zero gradient (its sign is 0: no step,
 *     prev <- 0, the step size only clamped to step_sizes -- set to lr when the
 *     skipped steps include step 1).
 *   - ASGD: p stays (its decay term lambd eta p is, like the L2 terms, left out
 *     for skipped steps: a product of k step-dependent factors has no closed
 *     form), and the average takes in the constant p over the skipped steps s:
 *     ax <- p + (ax - p) prod_s (1 - mu_s), which telescopes to
 *     (m_first - 1) / m_last with m_s = s - 1 - t0 (0, ax <- p, when some mu_s
 *     is 1, before averaging starts).  ASGD's eta, a number of the rule, moves
 *     every step.
 *
 * Within a batch the rows are split into parts summed separately and combined
 * in part order (parts = threads when a batch has at least 64 rows per
 * thread, else 1): the same thread count gives the same bits.
 *
 * A row subset (cfg->rows): the epoch is the one over the n_rows rows
 * X[rows] (the permutation is of 0..n_rows-1, and position k stands for
 * sample rows[k]; y and sample_weight are indexed by sample number, as X):
 * the same bits as an epoch over a copy of those rows, with no copy.
 *
 * The L1 term (cfg->l1 > 0; plain SGD only: a rule without preconditioner and
 * momentum) is the cumulative penalty of Tsuruoka, Tsujii & Ananiadou (2009,
 * "Stochastic gradient descent training for L1-regularized log-linear models
 * with cumulative penalty", ACL): after each step's update, u <- u + lr l1
 * (the L1 penalty a coefficient could have received so far), and every
 * coefficient w_j is clipped towards zero by what it has not received yet,
 *     w_j > 0:  w_j <- max(0, w_j - (u + q_j)),
 *     w_j < 0:  w_j <- min(0, w_j + (u - q_j)),      q_j <- q_j + (the change),
 * q_j the penalty applied to it so far (signed).  A coefficient the clip would
 * carry across zero stops at zero, so the iterates have exact zeros.  u and q
 * (n_outputs * n_features doubles) are in/out: they carry over from epoch to
 * epoch.  The intercept is not penalized.  In lazy mode the skipped steps'
 * decays and clips are applied just in time in closed form (while the sign
 * holds w_s = d^s w - lr l1 (1 + d + ... + d^(s-1)); the step that reaches
 * zero is found and taken exactly; a zero stays zero), so that lazy and
 * dense epochs give the same result to rounding.
 */
#ifndef FASTOPTIM_FO_EPOCH_H
#define FASTOPTIM_FO_EPOCH_H

#include <stdint.h>
#include "fastoptim/fo_loss.h"
#include "fastoptim/fo_update.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int loss;              /* fo_loss_id */
    int64_t n_outputs;     /* 1 for binary losses, K for multiclass */
    int64_t batch_size;    /* 1 .. n_samples */
    uint64_t seed;         /* shuffle seed of this epoch */
    int shuffle;           /* 0: rows in storage order */
    double alpha;          /* L2 penalty of the objective (coef only) */
    double weight_scale;   /* n / sum(sample_weight); 1 without weights */
    int lazy;              /* CSR only: sparse (lazy) updates, see below */
    const int64_t *rows;   /* NULL: the epoch draws from every row of data; else from the
                            * n_rows sample numbers rows[0..n_rows) (each in
                            * [0, data->n_samples)): a subset of X without a copy */
    int64_t n_rows;        /* ignored when rows is NULL */
    double l1;             /* L1 penalty of the objective (coef only), >= 0: the cumulative
                            * penalty above; > 0 needs plain SGD and l1_u, l1_q */
    double *l1_u;          /* l1 > 0: in/out, the total penalty u (one value) */
    double *l1_q;          /* l1 > 0: in/out, the applied penalty q, n_outputs * n_features */
} fo_epoch_config;

/*
 * Run one epoch in place.  rule->t is the number of the epoch's first step on
 * entry and of the next step on return; rule->lr is used for every step.
 * coef: n_outputs * n_features; intercept: n_outputs values or NULL.
 * c_s1..c_s3 / i_s1..i_s3: the rule's state arrays for coef / intercept
 * (fo_update.h; NULL where unused).  *mean_loss receives the weighted mean of
 * the per-sample losses, each taken when its sample was visited.
 * Returns FO_OK, FO_ERR_NONFINITE (a score or a parameter stopped being
 * finite: the run diverged), FO_ERR_BAD_ARGUMENT or FO_ERR_NO_MEMORY.
 */
int fo_epoch_f64(const fo_epoch_config *cfg, const fo_data_f64 *data, fo_rule *rule,
                 double *coef, double *intercept, double *c_s1, double *c_s2, double *c_s3,
                 double *i_s1, double *i_s2, double *i_s3, int n_threads, double *mean_loss);
int fo_epoch_f32(const fo_epoch_config *cfg, const fo_data_f32 *data, fo_rule *rule,
                 float *coef, float *intercept, float *c_s1, float *c_s2, float *c_s3,
                 float *i_s1, float *i_s2, float *i_s3, int n_threads, double *mean_loss);

/* The permutation an epoch with this seed visits (for tests and oracles). */
int fo_epoch_permutation(int64_t n, uint64_t seed, int64_t *perm);

/* n indices drawn uniformly from 0..n-1 with replacement (splitmix64 seeded by seed,
 * Lemire's bounded draw): the samples SAG visits in an epoch (fo_vr.h). */
int fo_epoch_draws(int64_t n, uint64_t seed, int64_t *draws);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_EPOCH_H */
