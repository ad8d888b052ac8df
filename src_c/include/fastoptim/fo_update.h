/*
 * fo_update.h -- optimizer update rules: one in-place pass over
 * (parameters, gradient, state) per step, float64 and float32.
 *
 * An optimizer is a chain of transforms, applied to each coordinate in this
 * order (the order of torch.optim, whose equations and defaults these are):
 *
 *   0. maximize (torch's flag):         g <- -g

 *   1. decoupled weight decay (AdamW):  p <- p (1 - lr wd_dec)
 *   2. L2 weight decay:                 g <- g + wd p
 *   3. preconditioner (one of):
 *      none
 *      AdaGrad:  s <- s + g^2;   g <- g / (sqrt(s) + eps) / (1 + (t - 1) lr_decay)
 *                (torch's decayed rate lr / (1 + (t - 1) lr_decay))
 *      RMSProp:  s <- a s + (1 - a) g^2;  centered: m <- a m + (1 - a) g,
 *                g <- g / (sqrt(s [- m^2]) + eps)
 *      Adam:     m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
 *                [AMSGrad: vmax <- max(vmax, v), used for v]
 *                g <- m / (1 - b1^t) / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *      Adadelta: s <- rho s + (1 - rho) g^2;  d <- sqrt(u + eps) / sqrt(s + eps) g;
 *                u <- rho u + (1 - rho) d^2;  g <- d   (Zeiler 2012; torch's
 *                Adadelta, whose lr, default 1, multiplies d)
 *      Adamax:   m <- b1 m + (1 - b1) g;  u <- max(b2 u, |g| + eps);
 *                g <- m / (1 - b1^t) / u   (Kingma & Ba 2015, sec. 7.1; torch's Adamax)
 *      RAdam:    m, v as Adam's;  rho_t = rho_inf - 2 t b2^t / (1 - b2^t),
 *                rho_inf = 2 / (1 - b2) - 1;  rho_t > 5: g <- m / (1 - b1^t) r_t
 *                sqrt(1 - b2^t) / (sqrt(v) + eps), r_t the rectification
 *                sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t));
 *                else g <- m / (1 - b1^t)   (Liu et al. 2020; torch's RAdam)
 *   4. momentum (heavy ball): b <- mu b + (1 - dampening) g  (b <- g at t = 1);
 *                g <- b, or g + mu b (Nesterov)
 *   5. learning rate:                  p <- p - lr g
 *
 * State arrays (each n values, zero-initialized by the caller unless noted):
 *   s1: momentum buffer b, or Adam's (Adamax's, RAdam's) first moment m
 *   s2: AdaGrad's sum of squares (may start at initial_accumulator_value),
 *       RMSProp's square average, or Adam's second moment v
 *   s2: ... or Adadelta's square average s, Adamax's infinity norm u, RAdam's v
 *   s3: RMSProp's gradient average (centered), AMSGrad's vmax, or Adadelta's
 *       average of the squared steps u
 * A rule uses only the arrays it needs; the others may be NULL.
 *
 * The update of each coordinate depends only on that coordinate, so results
 * are the same bits for any thread count.
 */
#ifndef FASTOPTIM_FO_UPDATE_H
#define FASTOPTIM_FO_UPDATE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FO_PRECOND_NONE = 0,
    FO_PRECOND_ADAGRAD = 1,
    FO_PRECOND_RMSPROP = 2,
    FO_PRECOND_ADAM = 3,
    FO_PRECOND_ADADELTA = 4,
    FO_PRECOND_ADAMAX = 5,
    FO_PRECOND_RADAM = 6
} fo_precond;

/* One step's configuration; Python fills it from the optimizer's transforms. */
typedef struct {
    int precond;            /* fo_precond */
    int centered;           /* RMSProp: subtract the squared mean gradient (uses s3) */
    int amsgrad;            /* Adam: use the running maximum of v (uses s3) */
    int momentum;           /* 1: heavy-ball buffer (uses s1); not with Adam */
    int nesterov;           /* with momentum: g + mu b instead of b */
    int64_t t;              /* this step's number, from 1 */
    double lr;              /* learning rate of this step */
    double mu;              /* momentum */
    double dampening;       /* momentum dampening (torch's SGD) */
    double weight_decay;    /* L2: g <- g + wd p */
    double decoupled_decay; /* AdamW: p <- p (1 - lr wd_dec) */
    double beta1, beta2;    /* Adam, Adamax, RAdam */
    double alpha;           /* RMSProp smoothing */
    double eps;             /* AdaGrad, RMSProp, Adam */
    double lr_decay;        /* AdaGrad */
    double rho;             /* Adadelta: the averages' decay, in [0, 1] */
    int maximize;           /* 1: ascend (g <- -g first), torch's maximize=True */
} fo_rule;

/* Check a rule's numbers and the state arrays it needs (FO_OK or FO_ERR_BAD_ARGUMENT). */
int fo_rule_check(const fo_rule *rule, const void *s1, const void *s2, const void *s3);

/*
 * One step over n coordinates, in place.  With check_finite, the gradient is
 * checked first (one read) and FO_ERR_NONFINITE returned with nothing
 * changed when it holds a NaN or an infinity.
 */
int fo_update_step_f64(const fo_rule *rule, int64_t n, double *params, const double *grad,
                       double *s1, double *s2, double *s3, int check_finite, int n_threads);
int fo_update_step_f32(const fo_rule *rule, int64_t n, float *params, const float *grad,
                       float *s1, float *s2, float *s3, int check_finite, int n_threads);

/*
 * The same step computed on copies, block by block in a stack buffer, writing
 * nothing: FO_OK when every new parameter and state value would be finite,
 * FO_ERR_NONFINITE when one would not (lr * g overflowing, a squared gradient
 * beyond the type's range), so that a caller can refuse a step before any of
 * its arrays changes.  About one more read of the arrays the rule touches.
 */
int fo_update_step_check_f64(const fo_rule *rule, int64_t n, const double *params,
                             const double *grad, const double *s1, const double *s2,
                             const double *s3, int n_threads);
int fo_update_step_check_f32(const fo_rule *rule, int64_t n, const float *params,
                             const float *grad, const float *s1, const float *s2,
                             const float *s3, int n_threads);

/* 1 when all n values are finite (n_threads blocks, no early exit). */
int fo_all_finite_f64(int64_t n, const double *x, int n_threads);
int fo_all_finite_f32(int64_t n, const float *x, int n_threads);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_UPDATE_H */
