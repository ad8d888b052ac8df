/*
 * update_rules_impl.h -- the update rules of fo_update.h for one floating type,
 * as static workers (no public symbols): update.c and epoch.c include it with
 * FO_T = double / float, FO_SUF(name) = name##_f64 / name##_f32, FO_SQRT.
 * Arithmetic is in FO_T, as torch.optim does it.
 *
 * One always-inline body takes the chain's shape (preconditioner, momentum,
 * third state array) as constants; each FO_HOT worker fixes them, so every
 * worker is a branch-free loop over the coordinates that vectorizes and
 * touches only the state streams its rule needs.  Scalars that vary per step
 * (lr, bias corrections, decay factors) are computed once per step.
 */

typedef struct {
    FO_T lr, neg_lr, mu, g_coef, b_coef, nesterov, wd, decay_factor;
    FO_T beta1c, beta2, beta2c, alpha, alphac, eps, bc2_sqrt, adagrad_scale;
    FO_T radam_a, radam_b;  /* RAdam: g <- m (a / (sqrt(v) + eps) + b), one of a, b zero */
    FO_T grad_sign;         /* -1 to maximize, else 1 (exact either way) */
    FO_T bc2;               /* NAdam: 1 - b2^t (v is divided by it, as torch does) */
    FO_T nadam_g, nadam_m;  /* NAdam: g <- (nadam_g g + nadam_m m) / (sqrt(v / bc2) + eps) */
    FO_T rprop_keep, rprop_init;  /* Rprop: d <- d keep + init (0 and lr at t = 1, else 1, 0) */
    FO_T eta_minus, eta_plus, step_min, step_max;  /* Rprop */
    FO_T asgd_keep, asgd_mu, asgd_copy;  /* ASGD: 1 - lambd eta; mu_t; 1 while mu_t = 1 */
} FO_SUF(fo_step_scalars);

static void FO_SUF(step_scalars)(const fo_rule *r, FO_SUF(fo_step_scalars) *s)
{
    double lr = r->lr;
    /* AdaGrad's lr_decay scales the preconditioned gradient (before any momentum) */
    s->adagrad_scale = (FO_T)(1.0 / (1.0 + (double)(r->t - 1) * r->lr_decay));
    s->lr = (FO_T)lr;
    s->neg_lr = (FO_T)-lr;
    s->mu = (FO_T)r->mu;
    /* torch's SGD: the buffer is a copy of the gradient at the first step */
    s->b_coef = (FO_T)(r->t == 1 ? 0.0 : r->mu);
    s->g_coef = (FO_T)(r->t == 1 ? 1.0 : 1.0 - r->dampening);
    s->nesterov = (FO_T)(r->nesterov ? 1.0 : 0.0);
    s->wd = (FO_T)r->weight_decay;
    s->decay_factor = (FO_T)(1.0 - r->lr * r->decoupled_decay);
    s->beta1c = (FO_T)(1.0 - r->beta1);
    s->beta2 = (FO_T)r->beta2;
    s->beta2c = (FO_T)(1.0 - r->beta2);
    /* the smoothing of the square average: RMSProp's alpha, or Adadelta's rho */
    const double smooth = r->precond == FO_PRECOND_ADADELTA ? r->rho : r->alpha;
    s->alpha = (FO_T)smooth;
    s->alphac = (FO_T)(1.0 - smooth);
    s->eps = (FO_T)r->eps;
    s->bc2_sqrt = 1;
    s->grad_sign = r->maximize ? (FO_T)-1 : (FO_T)1;
    s->radam_a = 0;
    s->radam_b = 1;
    if (r->precond == FO_PRECOND_ADAMAX || r->precond == FO_PRECOND_RADAM)
        s->neg_lr = (FO_T)(-(r->lr / (1.0 - pow(r->beta1, (double)r->t))));
    if (r->precond == FO_PRECOND_RADAM) {
        /* the variance rectification of the step t (torch's RAdam): the adaptive step once
         * the approximate SMA length rho_t exceeds 5, the bias-corrected momentum before */
        const double b2t = pow(r->beta2, (double)r->t), bc2 = 1.0 - b2t;
        const double rho_inf = 2.0 / (1.0 - r->beta2) - 1.0;
        const double rho_t = rho_inf - 2.0 * (double)r->t * b2t / bc2;
        if (rho_t > 5.0) {
            const double rect = sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                     ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t));
            s->radam_a = (FO_T)(rect * sqrt(bc2));
            s->radam_b = 0;
        }
    }
    s->bc2 = 1;
    s->nadam_g = s->nadam_m = 0;
    if (r->precond == FO_PRECOND_NADAM) {
        /* torch's NAdam: mu_t and mu_{t+1}, the product P_t = P_{t-1} mu_t (mu_product
         * holds P_{t-1}), and the two coefficients of its two addcdiv steps, over lr */
        const double mu = fo_nadam_mu(r->beta1, r->momentum_decay, r->t);
        const double mu_next = fo_nadam_mu(r->beta1, r->momentum_decay, r->t + 1);
        const double prod = r->mu_product * mu;
        s->bc2 = (FO_T)(1.0 - pow(r->beta2, (double)r->t));
        s->nadam_g = (FO_T)((1.0 - mu) / (1.0 - prod));
        s->nadam_m = (FO_T)(mu_next / (1.0 - prod * mu_next));
    }
    s->rprop_keep = 1;
    s->rprop_init = 0;
    s->eta_minus = (FO_T)r->eta_minus;
    s->eta_plus = (FO_T)r->eta_plus;
    s->step_min = (FO_T)r->step_size_min;
    s->step_max = (FO_T)r->step_size_max;
    if (r->precond == FO_PRECOND_RPROP) {
        /* torch's Rprop: the step sizes start at lr (at the first step), and the step is
         * sign(g) d, with no learning rate after that */
        s->neg_lr = -1;
        if (r->t == 1) {
            s->rprop_keep = 0;
            s->rprop_init = (FO_T)r->lr;
        }
    }
    s->asgd_keep = 1;
    s->asgd_mu = 1;
    s->asgd_copy = 1;
    if (r->precond == FO_PRECOND_ASGD) {
        /* torch's ASGD: eta and mu of this step (computed after the previous one) */
        const double eta = r->t == 1 ? r->lr : r->eta;
        const double mu = fo_asgd_mu(r->t0, r->t);
        s->neg_lr = (FO_T)-eta;
        s->asgd_keep = (FO_T)(1.0 - r->lambd * eta);
        s->asgd_mu = (FO_T)mu;
        s->asgd_copy = mu == 1.0 ? (FO_T)1 : (FO_T)0;
    }
    if (r->precond == FO_PRECOND_ADAM) {
        /* bias corrections as torch computes them: step lr / (1 - b1^t), and
         * sqrt(v) / sqrt(1 - b2^t) in the denominator */
        double bc1 = 1.0 - pow(r->beta1, (double)r->t), bc2 = 1.0 - pow(r->beta2, (double)r->t);
        s->neg_lr = (FO_T)(-(r->lr / bc1));
        s->bc2_sqrt = (FO_T)sqrt(bc2);
    }
}

/* The chain for coordinates [start, stop).  PRECOND, MOMENTUM, EXTRA (centered
 * RMSProp or AMSGrad) and ROWGRAD are constants in every caller.  The gradient
 * is grad[i], or with ROWGRAD gx * xrow[i] + alpha * p[i] (a linear model's
 * one-sample gradient, formed in the loop instead of in a buffer). */
FO_INLINE void FO_SUF(update_chain)(const int PRECOND, const int MOMENTUM, const int EXTRA,
                                    const int ROWGRAD, const FO_SUF(fo_step_scalars) *sc,
                                    int64_t start, int64_t stop, FO_T *FO_RESTRICT p,
                                    const FO_T *FO_RESTRICT grad, const FO_T *FO_RESTRICT xrow,
                                    double gx, double alpha, FO_T *FO_RESTRICT s1,
                                    FO_T *FO_RESTRICT s2, FO_T *FO_RESTRICT s3)
{
    const FO_SUF(fo_step_scalars) s = *sc;
    FO_SIMD
    for (int64_t i = start; i < stop; i++) {
        FO_T gi = (ROWGRAD ? (FO_T)(gx * (double)xrow[i] + alpha * (double)p[i]) : grad[i]) *
                  s.grad_sign;                           /* 0. maximize */
        FO_T w = p[i] * s.decay_factor;                  /* 1. decoupled decay */
        FO_T g = gi + s.wd * w;                          /* 2. L2 decay */
        if (PRECOND == FO_PRECOND_ADAGRAD) {             /* 3. preconditioner */
            FO_T ss = s2[i] + g * g;
            s2[i] = ss;
            g = g / (FO_SQRT(ss) + s.eps) * s.adagrad_scale;
        } else if (PRECOND == FO_PRECOND_RMSPROP) {
            FO_T sq = s2[i] * s.alpha + g * g * s.alphac;
            s2[i] = sq;
            if (EXTRA) {
                FO_T ga = s3[i] + (g - s3[i]) * s.alphac;  /* torch: lerp */
                s3[i] = ga;
                sq = sq - ga * ga;
            }
            g = g / (FO_SQRT(sq) + s.eps);
        } else if (PRECOND == FO_PRECOND_ADAM) {
            FO_T m = s1[i] + (g - s1[i]) * s.beta1c;     /* torch: lerp */
            FO_T v = s2[i] * s.beta2 + g * g * s.beta2c;
            s1[i] = m;
            s2[i] = v;
            if (EXTRA) {
                v = v > s3[i] ? v : s3[i];
                s3[i] = v;
            }
            g = m / (FO_SQRT(v) / s.bc2_sqrt + s.eps);  /* neg_lr holds -lr / (1 - b1^t) */
        } else if (PRECOND == FO_PRECOND_ADAMAX) {
            FO_T m = s1[i] + (g - s1[i]) * s.beta1c;     /* torch: lerp */
            FO_T a = (g < 0 ? -g : g) + s.eps;
            FO_T u = s2[i] * s.beta2;
            u = u > a ? u : a;                           /* torch: amax(b2 u, |g| + eps) */
            s1[i] = m;
            s2[i] = u;
            g = m / u;                                   /* neg_lr holds -lr / (1 - b1^t) */
        } else if (PRECOND == FO_PRECOND_RADAM) {
            FO_T m = s1[i] + (g - s1[i]) * s.beta1c;
            FO_T v = s2[i] * s.beta2 + g * g * s.beta2c;
            s1[i] = m;
            s2[i] = v;
            g = m * (s.radam_a / (FO_SQRT(v) + s.eps) + s.radam_b);
        } else if (PRECOND == FO_PRECOND_NADAM) {
            FO_T m = s1[i] + (g - s1[i]) * s.beta1c;     /* torch: lerp */
            FO_T v = s2[i] * s.beta2 + g * g * s.beta2c;
            s1[i] = m;
            s2[i] = v;
            g = (s.nadam_g * g + s.nadam_m * m) / (FO_SQRT(v / s.bc2) + s.eps);
        } else if (PRECOND == FO_PRECOND_RPROP) {
            /* torch's order: the sign of g prev picks the factor, the step size is scaled
             * and clamped, g is zeroed where the sign changed, and becomes prev */
            const FO_T sg = g * s1[i];
            FO_T d = (s2[i] * s.rprop_keep + s.rprop_init) *
                     (sg > 0 ? s.eta_plus : (sg < 0 ? s.eta_minus : (FO_T)1));
            d = d < s.step_min ? s.step_min : d;         /* torch: clamp_(min, max) */
            d = d > s.step_max ? s.step_max : d;
            if (sg < 0) g = 0;
            s1[i] = g;
            s2[i] = d;
            g = g > 0 ? d : (g < 0 ? -d : (FO_T)0);     /* sign(g) d; neg_lr holds -1 */
        } else if (PRECOND == FO_PRECOND_ASGD) {
            w = w * s.asgd_keep;                         /* p (1 - lambd eta), after the L2 */
        } else if (PRECOND == FO_PRECOND_ADADELTA) {
            /* torch's order: s <- rho s + (1 - rho) g^2; d = sqrt(u + eps) / sqrt(s + eps) g;
             * u <- rho u + (1 - rho) d^2 (alpha holds rho) */
            FO_T sq = s2[i] * s.alpha + g * g * s.alphac;
            s2[i] = sq;
            FO_T d = FO_SQRT(s3[i] + s.eps) / FO_SQRT(sq + s.eps) * g;
            s3[i] = s3[i] * s.alpha + d * d * s.alphac;
            g = d;
        }
        if (MOMENTUM) {                                  /* 4. momentum */
            FO_T b = s1[i] * s.b_coef + g * s.g_coef;
            s1[i] = b;
            g = s.nesterov != 0 ? g + s.mu * b : b;
        }
        const FO_T pn = w + s.neg_lr * g;                /* 5. learning rate */
        p[i] = pn;
        if (PRECOND == FO_PRECOND_ASGD) {                /* ASGD's average of the iterates */
            const FO_T ax = s1[i];
            s1[i] = s.asgd_copy != 0 ? pn : ax + (pn - ax) * s.asgd_mu;
        }
    }
}

/* The chain with the gradient in a buffer. */
FO_INLINE void FO_SUF(update_body)(const int PRECOND, const int MOMENTUM, const int EXTRA,
                                   const FO_SUF(fo_step_scalars) *sc, int64_t start, int64_t stop,
                                   FO_T *p, const FO_T *grad, FO_T *s1, FO_T *s2, FO_T *s3)
{
    FO_SUF(update_chain)(PRECOND, MOMENTUM, EXTRA, 0, sc, start, stop, p, grad, NULL, 0.0, 0.0,
                         s1, s2, s3);
}

/* One FO_HOT worker per rule shape (update_shapes.h), the shape a constant in each. */
#define FO_UPDATE_WORKER(NAME, PRECOND, MOMENTUM, EXTRA)                                        \
    FO_HOT static void FO_SUF(update_##NAME)(const FO_SUF(fo_step_scalars) * sc, int64_t start,  \
                                             int64_t stop, FO_T *p, const FO_T *g, FO_T *s1,     \
                                             FO_T *s2, FO_T *s3)                                 \
    {                                                                                            \
        FO_SUF(update_body)(PRECOND, MOMENTUM, EXTRA, sc, start, stop, p, g, s1, s2, s3);        \
    }

FO_RULE_SHAPES(FO_UPDATE_WORKER)
#undef FO_UPDATE_WORKER

typedef void (*FO_SUF(fo_update_worker))(const FO_SUF(fo_step_scalars) *, int64_t, int64_t, FO_T *,
                                         const FO_T *, FO_T *, FO_T *, FO_T *);

static FO_SUF(fo_update_worker) FO_SUF(pick_worker)(const fo_rule *r)
{
#define FO_UPDATE_ENTRY(NAME, PRECOND, MOMENTUM, EXTRA) FO_SUF(update_##NAME),
    static const FO_SUF(fo_update_worker) workers[] = {FO_RULE_SHAPES(FO_UPDATE_ENTRY)};
#undef FO_UPDATE_ENTRY
    return workers[fo_rule_shape(r)];
}

