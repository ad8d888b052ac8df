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
 *      NAdam:    mu_t = b1 (1 - 0.96^(t psi) / 2);  P_t = P_{t-1} mu_t (the carried
 *                mu_product, P_0 = 1);  m, v as Adam's;  g <- ((1 - mu_t) / (1 - P_t) g
 *                + mu_{t+1} / (1 - P_t mu_{t+1}) m) / (sqrt(v / (1 - b2^t)) + eps)
 *                (Dozat 2016; torch's NAdam, psi its momentum_decay)
 *      Rprop:    s = g prev;  d <- clamp(d eta, step_size_min, step_size_max) with eta =
 *                eta_plus (s > 0), eta_minus (s < 0), 1 (s = 0), d = lr at t = 1 (the
 *                initial step size; lr is not used after);  g <- 0 where s < 0;  prev <- g;
 *                g <- sign(g) d, and stage 5 takes p <- p - g   (Riedmiller & Braun 1993;
 *                torch's Rprop, a full-batch method)
 *      ASGD:     p <- p (1 - lambd eta_t), eta_t the carried eta (lr at t = 1); stage 5
 *                takes p <- p - eta_t g; then ax <- p while mu_t = 1, else ax <- ax +
 *                mu_t (p - ax), mu_t = 1 / max(1, t - 1 - t0)   (Polyak & Juditsky 1992;
 *                torch's ASGD, which computes eta and mu after each step)
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
 *   NAdam: s1 = m, s2 = v;  Rprop: s1 = the previous gradient, s2 = the step sizes d;
 *   ASGD: s1 = the averaged parameters ax
 * A rule uses only the arrays it needs; the others may be NULL.
 *
 * Carried scalars: NAdam's mu_product and ASGD's eta are the rule's state from step to
 * step (one number per rule, not per coordinate).  A step reads them from the fo_rule;
 * fo_rule_advance moves them (and t) past the step, which the epoch engines do after
 * every step they take, and a caller of fo_update_step after each of its steps.
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
    FO_PRECOND_RADAM = 6,
    FO_PRECOND_NADAM = 7,
    FO_PRECOND_RPROP = 8,
    FO_PRECOND_ASGD = 9
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
    double beta1, beta2;    /* Adam, Adamax, RAdam, NAdam */
    double alpha;           /* RMSProp smoothing */
    double eps;             /* AdaGrad, RMSProp, Adam and its variants */
    double lr_decay;        /* AdaGrad */
    double rho;             /* Adadelta: the averages' decay, in [0, 1] */
    int maximize;           /* 1: ascend (g <- -g first), torch's maximize=True */
    double momentum_decay;  /* NAdam: psi >= 0 of mu_t = b1 (1 - 0.96^(t psi) / 2) */
    double mu_product;      /* NAdam, carried: prod_{i < t} mu_i (1 at t = 1), in [0, 1] */
    double eta_minus;       /* Rprop: the step-size factors, 0 < eta_minus < 1 < eta_plus */
    double eta_plus;
    double step_size_min;   /* Rprop: the step sizes' bounds, 0 < min <= max */
    double step_size_max;
    double lambd;           /* ASGD: the decay term (>= 0) */
    double eta_power;       /* ASGD: torch's alpha (>= 0), eta = lr / (1 + lambd lr t)^alpha */
    double t0;              /* ASGD: the step (>= 0) after which averaging starts */
    double eta;             /* ASGD, carried: this step's eta (> 0; unused at t = 1: lr) */
} fo_rule;

/* Check a rule's numbers and the state arrays it needs (FO_OK or FO_ERR_BAD_ARGUMENT). */
int fo_rule_check(const fo_rule *rule, const void *s1, const void *s2, const void *s3);

/* After the step rule->t: the carried scalars of the next step (NAdam's mu_product times
 * mu_t; ASGD's eta of step t + 1, lr / (1 + lambd lr t)^alpha, as torch computes it after
 * its step), and t + 1. */
void fo_rule_advance(fo_rule *rule);

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
