/*
 * epoch_impl.h -- the one-epoch engine of fo_epoch.h for one floating type;
 * epoch.c includes it twice after update_rules_impl.h (FO_T, FO_SUF, FO_DATA).
 *
 * Solver: mini-batch stochastic gradient descent with any update rule of
 * fo_update.h (Robbins & Monro 1951; Bottou 2010 for the linear-model form;
 * the rules' references are in update.c).
 */

/* Rows are visited in shuffled order, so each is a fresh memory access: ask
 * for the whole row FO_EPOCH_PREFETCH samples ahead (across batch ends). */
#define FO_EPOCH_PREFETCH 16
/* a part's loss, weight and status, after its sums */
#define FO_PART_HEAD 3
/* p rounded up to the next 64-byte boundary (a cache line) */
#define FO_LINE_ALIGN(p) ((void *)(((uintptr_t)(p) + 63) & ~(uintptr_t)63))

FO_INLINE void FO_SUF(prefetch_row)(const FO_DATA *d, int64_t i)
{
    if (d->X) {
        fo_prefetch_span(d->X + i * d->n_features, d->n_features * (int64_t)sizeof(FO_T));
    } else {
        FO_PREFETCH(d->data + d->indptr[i]);
        FO_PREFETCH(d->indices + d->indptr[i]);
    }
    /* the row's label and weight: as scattered as the row, and X's stream evicts them */
    FO_PREFETCH(d->y + i);
    if (d->sample_weight) FO_PREFETCH(d->sample_weight + i);
}

/* The number of rows an epoch draws from: cfg->n_rows for a row subset, else every row. */
FO_INLINE int64_t FO_SUF(epoch_rows)(const fo_epoch_config *cfg, const FO_DATA *d)
{
    return cfg->rows ? cfg->n_rows : d->n_samples;
}

/* Gradient of one part of a batch: rows perm[lo..hi), summed in double into
 * acc (K*d coefficient sums then K intercept sums, zeroed here).  Also the
 * part's weighted loss and weight.  perm[next_lo..next_hi) is the part this
 * thread takes next (the dense kernel prefetches it ahead).  Returns FO_OK or
 * FO_ERR_NONFINITE. */
FO_HOT static int FO_SUF(part_gradient)(const fo_epoch_config *cfg, const FO_DATA *d,
                                        const int64_t *rows, int64_t lo, int64_t hi,
                                        int64_t next_lo, int64_t next_hi, const FO_T *coef, const FO_T *intercept, double *acc,
                                        double *scratch, double *loss_sum, double *w_sum,
                                        int zero_acc)
{
    const int64_t n_rows = FO_SUF(epoch_rows)(cfg, d);
    const int64_t p = d->n_features, K = cfg->n_outputs;
    const int multiclass = fo_loss_is_multiclass(cfg->loss);
    double *z = scratch, *dz = scratch + K, *prob = scratch + 2 * K;
    if (zero_acc)
        for (int64_t j = 0; j < K * p + K; j++) acc[j] = 0.0;
    if (d->X && !multiclass)  /* dense binary: the fused kernel of loss.c over gathered rows */
        return FO_SUF(fo_loss_grad_rows)(cfg->loss, d, rows, lo, hi, next_lo, next_hi, coef,
                                         intercept ? (double)intercept[0] : 0.0, acc,
                                         (FO_T *)(scratch + 3 * K), loss_sum, w_sum);
    double ls = 0.0, ws = 0.0;
    for (int64_t q = lo; q < hi; q++) {
        const int64_t i = rows[q];
        if (q + FO_EPOCH_PREFETCH < n_rows) FO_SUF(prefetch_row)(d, rows[q + FO_EPOCH_PREFETCH]);
        /* scores */
        for (int64_t k = 0; k < K; k++) {
            double s = intercept ? (double)intercept[k] : 0.0;
            const FO_T *ck = coef + k * p;
            if (d->X) {
                const FO_T *x = d->X + i * p;
                double dot = 0.0;
                FO_SIMD_REDUCTION(+, dot)
                for (int64_t j = 0; j < p; j++) dot += (double)x[j] * (double)ck[j];
                s += dot;
            } else {
                for (int64_t t = d->indptr[i]; t < d->indptr[i + 1]; t++)
                    s += (double)d->data[t] * (double)ck[d->indices[t]];
            }
            if (!isfinite(s)) return FO_ERR_NONFINITE;
            z[k] = s;
        }
        /* per-sample loss and derivative (the same inline functions as fo_loss) */
        double w = d->sample_weight ? (double)d->sample_weight[i] : 1.0, l;
        if (multiclass) {
            int64_t c = (int64_t)d->y[i];
            l = cfg->loss == FO_LOSS_SOFTMAX ? fo_softmax_loss(z, K, c, prob, dz)
                                             : fo_multiclass_hinge_loss(z, K, c, dz);
        } else {
            l = fo_binary_loss(cfg->loss, z[0], (double)d->y[i], dz);
        }
        ls += w * l;
        ws += w;
        /* accumulate w dl/dz x */
        for (int64_t k = 0; k < K; k++) {
            const double g = w * dz[k];
            if (g == 0.0) continue;
            double *ak = acc + k * p;
            if (d->X) {
                const FO_T *x = d->X + i * p;
                FO_SIMD
                for (int64_t j = 0; j < p; j++) ak[j] += g * (double)x[j];
            } else {
                for (int64_t t = d->indptr[i]; t < d->indptr[i + 1]; t++)
                    ak[d->indices[t]] += g * (double)d->data[t];
            }
            acc[K * p + k] += g;
        }
    }
    *loss_sum = ls;
    *w_sum = ws;
    return FO_OK;
}

/* grad = scale * sum of the parts' sums + alpha coef (coefficients only);
 * the parts are added in part order. */
FO_HOT static void FO_SUF(combine_parts)(int64_t n_grad, int64_t n_coef, int n_parts,
                                         const double *parts, int64_t stride, double scale,
                                         double alpha, const FO_T *FO_RESTRICT coef,
                                         FO_T *FO_RESTRICT grad)
{
    /* parts are only read (every thread combines the same parts): the sums in part order */
    for (int64_t j = 0; j < n_grad; j++) {
        double acc = parts[j];
        for (int b = 1; b < n_parts; b++) acc += parts[(size_t)b * (size_t)stride + (size_t)j];
        grad[j] = (FO_T)(j < n_coef ? acc * scale + alpha * (double)coef[j] : acc * scale);
    }
}

/* ---- the cumulative L1 penalty (Tsuruoka, Tsujii & Ananiadou 2009; fo_epoch.h) ---- */

/* One clip: w towards zero by the penalty it has not received yet (u + q for w > 0,
 * u - q for w < 0), stopping at zero; q takes the change.  Branch-free (it vectorizes). */
FO_INLINE FO_T FO_SUF(l1_clip)(FO_T w, double u, double *q)
{
    const double z = (double)w, down = z - (u + *q), up = z + (u - *q);
    const double v = z > 0.0 ? (down > 0.0 ? down : 0.0) : (z < 0.0 ? (up < 0.0 ? up : 0.0) : 0.0);
    const FO_T out = (FO_T)v;
    *q += (double)out - z;
    return out;
}

/* A batch's step: u <- u + lr l1, then every coefficient clipped (the dense semantics). */
static void FO_SUF(l1_step)(const fo_epoch_config *cfg, double lr, FO_T *coef, int64_t n)
{
    const double u = (*cfg->l1_u += lr * cfg->l1);
    double *q = cfg->l1_q;
    for (int64_t j = 0; j < n; j++) coef[j] = FO_SUF(l1_clip)(coef[j], u, q + j);
}

#ifndef FO_EPOCH_L1_LAZY
#define FO_EPOCH_L1_LAZY /* not per type: once for both inclusions */
/* The lazy epoch's L1 bookkeeping: u at step s of the epoch is u0 + (s - t0 + 1) delta
 * (the rate, and so delta = lr l1, is constant over an epoch), and a step without data
 * gradient multiplies a coefficient by d = 1 - om (plain SGD's decays). */
typedef struct {
    double u0, delta, d, om, log_d;  /* log_d = log(d) = log1p(-om) */
    int64_t t0;
} fo_l1_lazy;

FO_INLINE double fo_l1_u_at(const fo_l1_lazy *L, int64_t s)
{
    return L->u0 + (double)(s - L->t0 + 1) * L->delta;
}

/* w > 0 after m steps of w <- d w - delta (pending penalty 0 each time): d^m w - delta
 * (1 + d + ... + d^(m-1)), by expm1 for d near 1. */
FO_INLINE double fo_l1_glide(const fo_l1_lazy *L, double w, int64_t m)
{
    if (L->om == 0.0) return w - (double)m * L->delta;
    const double e = expm1((double)m * L->log_d);  /* d^m - 1 */
    return w + e * (w + L->delta / L->om);
}
#endif

/* The k skipped steps first .. first + k - 1 of one coefficient (each: the decay d, then
 * the clip with u at that step), as the dense epoch takes them: the first step directly
 * (its pending penalty may be any), then, while w keeps its sign, the closed form of
 * fo_l1_glide; the step that reaches zero is the first s with glide(s) <= 0, found from
 * the logarithm and checked on both sides, and leaves q as that step's clip does. */
static void FO_SUF(l1_catch_up_one)(const fo_l1_lazy *L, int64_t first, int64_t k, FO_T *w_io,
                                    double *q_io)
{
    if (k <= 0 || *w_io == 0) return;  /* a zero stays zero: neither the decay nor the clip moves it */
    if (!(L->d > 0.0) || k <= 2) {     /* d <= 0 (lr alpha >= 1) or a step or two: step by step */
        for (int64_t s = first; s < first + k; s++)
            *w_io = FO_SUF(l1_clip)((FO_T)(L->d * (double)*w_io), fo_l1_u_at(L, s), q_io);
        return;
    }
    const double sign = *w_io > 0 ? 1.0 : -1.0;
    double q = sign * *q_io;  /* now the w > 0 case: w <- max(0, d w - (u + q)) */
    const double u1 = fo_l1_u_at(L, first);
    const double w0 = sign * (double)*w_io, w1 = L->d * w0 - (u1 + q);
    if (!(w1 > 0.0)) {  /* the first step reaches zero */
        *q_io = sign * (q - L->d * w0);
        *w_io = 0;
        return;
    }
    const int64_t m = k - 1;  /* then steps first + 1 .. first + m, pending 0 before each */
    const double wm = fo_l1_glide(L, w1, m);
    if (wm > 0.0) {
        *w_io = (FO_T)(sign * wm);
        *q_io = -sign * fo_l1_u_at(L, first + m);
        return;
    }
    /* the first s in 1..m with glide(s) <= 0: d^s <= A / (A + w1), A = delta / om */
    double guess = L->om == 0.0 ? w1 / L->delta
                                : log1p(-w1 / (L->delta / L->om + w1)) / L->log_d;
    int64_t s = guess < 1.0 ? 1 : (guess > (double)m ? m : (int64_t)ceil(guess));
    while (s > 1 && !(fo_l1_glide(L, w1, s - 1) > 0.0)) s--;
    while (s < m && fo_l1_glide(L, w1, s) > 0.0) s++;
    /* at step first + s the clip takes the whole d w_{s-1} */
    const double before = fo_l1_glide(L, w1, s - 1);
    *q_io = sign * (-fo_l1_u_at(L, first + s - 1) - L->d * before);
    *w_io = 0;
}

/* Combine a batch's parts and apply the update rule (step number t) to coef and intercept. */
static void FO_SUF(apply_batch)(const fo_epoch_config *cfg, fo_rule *rule, int64_t t,
                                int64_t n_grad, int64_t n_coef, int64_t K, int n_parts,
                                double *parts, int64_t stride, double scale, FO_T *coef,
                                FO_T *intercept, FO_T *grad, FO_T *c_s1, FO_T *c_s2, FO_T *c_s3,
                                FO_T *i_s1, FO_T *i_s2, FO_T *i_s3)
{
    FO_SUF(combine_parts)(n_grad, n_coef, n_parts, parts, stride, scale, cfg->alpha, coef, grad);
    rule->t = t;
    FO_SUF(fo_step_scalars) sc;
    FO_SUF(step_scalars)(rule, &sc);
    FO_SUF(fo_update_worker) worker = FO_SUF(pick_worker)(rule);
    worker(&sc, 0, n_coef, coef, grad, c_s1, c_s2, c_s3);
    if (cfg->l1 > 0.0) FO_SUF(l1_step)(cfg, rule->lr, coef, n_coef);
    if (intercept) worker(&sc, 0, K, intercept, grad + n_coef, i_s1, i_s2, i_s3);
    fo_rule_advance(rule);  /* the carried scalars (and t) past this step */
}

static int FO_SUF(all_finite_n)(const FO_T *x, int64_t n)
{
    FO_T acc = 0;
    for (int64_t i = 0; i < n; i++) acc += x[i] * (FO_T)0;
    return acc == acc;
}

/* ---- lazy (sparse) mode: see fo_epoch.h for the semantics ------------------- */

/* Apply the k skipped steps first, ..., first + k - 1 (no data gradient) to column j: all K
 * coefficients. */
static void FO_SUF(lazy_catch_up)(const fo_rule *r, const fo_epoch_config *cfg, int64_t first,
                                  int64_t k, int64_t j, int64_t p, int64_t K, FO_T *coef,
                                  FO_T *s1, FO_T *s2, FO_T *s3)
{
    if (k <= 0) return;
    const double kd = (double)k, df = 1.0 - r->lr * r->decoupled_decay;
    const int exact = r->precond == FO_PRECOND_NONE && !r->momentum;
    const FO_T p_factor = (FO_T)(exact ? pow(df * (1.0 - r->lr * r->weight_decay) - r->lr * cfg->alpha, kd)
                                       : pow(df, kd));
    FO_T f1 = 1, f2 = 1, f3 = 1;
    if (r->momentum) f1 = (FO_T)pow(r->mu, kd);
    if (r->precond == FO_PRECOND_RMSPROP) {
        f2 = (FO_T)pow(r->alpha, kd);
        f3 = r->centered ? f2 : 1;
    } else if (r->precond == FO_PRECOND_ADAM || r->precond == FO_PRECOND_RADAM ||
               r->precond == FO_PRECOND_ADAMAX || r->precond == FO_PRECOND_NADAM) {
        f1 = (FO_T)pow(r->beta1, kd);
        f2 = (FO_T)pow(r->beta2, kd);
    } else if (r->precond == FO_PRECOND_ADADELTA) {
        /* a zero gradient gives a zero step: both averages decay by rho */
        f2 = (FO_T)pow(r->rho, kd);
        f3 = f2;
    }
    if (r->precond == FO_PRECOND_RPROP) {
        /* zero gradients: the sign is 0, so no step, prev <- 0 and the step size is only
         * clamped (lr at the first step): exactly k of torch's steps */
        const FO_T lo = (FO_T)r->step_size_min, hi = (FO_T)r->step_size_max;
        for (int64_t c = j; c < K * p; c += p) {
            coef[c] *= p_factor;
            FO_T d = first == 1 ? (FO_T)r->lr : s2[c];
            d = d < lo ? lo : d;
            s2[c] = d > hi ? hi : d;
            s1[c] = 0;
        }
        return;
    }
    if (r->precond == FO_PRECOND_ASGD) {
        /* p stays (the decay term lambd eta p, like the L2 terms, is not applied for skipped
         * steps); ax averages the constant p over them: ax <- p + (ax - p) prod (1 - mu_s),
         * the product telescoping to (m_first - 1) / m_last with m_s = s - 1 - t0, or 0
         * (ax <- p) when some mu_s is 1 */
        const double ma = (double)(first - 1) - r->t0, mb = (double)(first + k - 2) - r->t0;
        const FO_T keep = (FO_T)(ma > 1.0 ? (ma - 1.0) / mb : 0.0);
        for (int64_t c = j; c < K * p; c += p) {
            coef[c] *= p_factor;
            s1[c] = keep == 0 ? coef[c] : coef[c] + (s1[c] - coef[c]) * keep;
        }
        return;
    }
    /* Adamax's norm under zero gradients: u <- max(b2 u, eps) each step, max(b2^k u, eps) */
    const FO_T floor2 = r->precond == FO_PRECOND_ADAMAX ? (FO_T)r->eps : 0;
    for (int64_t c = j; c < K * p; c += p) {
        coef[c] *= p_factor;
        if (s1 && f1 != 1) s1[c] *= f1;
        if (s2 && f2 != 1) {
            FO_T u = s2[c] * f2;
            s2[c] = u > floor2 ? u : floor2;
        }
        if (s3 && f3 != 1) s3[c] *= f3;
    }
}

/* Column j, last brought up to step `last`, up to step t - 1: the L1 catch-up of each of
 * its K coefficients (L: plain SGD with the cumulative penalty), else lazy_catch_up. */
static void FO_SUF(catch_up_column)(const fo_rule *r, const fo_epoch_config *cfg,
                                    const fo_l1_lazy *L, int64_t last, int64_t t, int64_t j,
                                    int64_t p, int64_t K, FO_T *coef, FO_T *s1, FO_T *s2,
                                    FO_T *s3)
{
    if (!L) {
        FO_SUF(lazy_catch_up)(r, cfg, last + 1, t - 1 - last, j, p, K, coef, s1, s2, s3);
        return;
    }
    for (int64_t c = j; c < K * p; c += p)
        FO_SUF(l1_catch_up_one)(L, last + 1, t - 1 - last, coef + c, cfg->l1_q + c);
}

/* The lazy epoch (CSR, one thread): only the batch's columns are touched. */
static int FO_SUF(lazy_epoch)(const fo_epoch_config *cfg, const FO_DATA *d, fo_rule *rule,
                              const int64_t *perm, int64_t B, FO_T *coef, FO_T *intercept,
                              FO_T *c_s1, FO_T *c_s2, FO_T *c_s3, FO_T *i_s1, FO_T *i_s2,
                              FO_T *i_s3, double *acc, FO_T *grad, double *loss_total,
                              double *weight_total)
{
    const int64_t n = FO_SUF(epoch_rows)(cfg, d), p = d->n_features, K = cfg->n_outputs, n_coef = K * p;
    const int64_t t0 = rule->t;
    int status = FO_OK;
    int64_t *last = (int64_t *)malloc((size_t)p * sizeof(int64_t));
    int64_t *mark = (int64_t *)malloc((size_t)p * sizeof(int64_t));
    int64_t *cols = (int64_t *)malloc((size_t)p * sizeof(int64_t));
    if (!last || !mark || !cols) {
        status = FO_ERR_NO_MEMORY;
        goto cleanup;
    }
    for (int64_t j = 0; j < p; j++) {
        last[j] = t0 - 1;  /* every column is current at the start */
        mark[j] = -1;
    }
    /* the L1 penalty (plain SGD: fo_epoch checked it): its steps, and the decay of a
     * step without data gradient, d = (1 - lr wd_dec)(1 - lr wd) - lr alpha = 1 - om */
    const int l1 = cfg->l1 > 0.0;
    double *l1q = cfg->l1_q;
    fo_l1_lazy L = {0.0, 0.0, 1.0, 0.0, 0.0, t0};
    if (l1) {
        const double lr = rule->lr, df = 1.0 - lr * rule->decoupled_decay;
        L.u0 = *cfg->l1_u;
        L.delta = lr * cfg->l1;
        L.om = lr * cfg->alpha + lr * rule->decoupled_decay + df * lr * rule->weight_decay;
        L.d = df * (1.0 - lr * rule->weight_decay) - lr * cfg->alpha;
        L.log_d = log1p(-L.om);
    }
    int64_t t = t0;
    for (int64_t lo = 0; lo < n && status == FO_OK; lo += B, t++) {
        const int64_t hi = (lo + B < n) ? lo + B : n;
        /* the batch's columns, each once; bring them up to step t - 1 */
        int64_t nc = 0;
        for (int64_t q = lo; q < hi; q++)
            for (int64_t e = d->indptr[perm[q]]; e < d->indptr[perm[q] + 1]; e++) {
                int64_t j = d->indices[e];
                if (mark[j] != t) {
                    mark[j] = t;
                    cols[nc++] = j;
                }
            }
        for (int64_t m = 0; m < nc; m++) {
            int64_t j = cols[m];
            FO_SUF(catch_up_column)(rule, cfg, l1 ? &L : NULL, last[j], t, j, p, K, coef, c_s1,
                                    c_s2, c_s3);
            for (int64_t c = j; c < n_coef; c += p) acc[c] = 0.0;
        }
        for (int64_t k = 0; k < K; k++) acc[n_coef + k] = 0.0;
        double ls = 0.0, ws = 0.0;
        status = FO_SUF(part_gradient)(cfg, d, perm, lo, hi, hi, hi, coef, intercept, acc,
                                       acc + n_coef + K, &ls, &ws, 0);
        *loss_total += ls;
        *weight_total += ws;
        if (status != FO_OK) break;
        /* the rule on the touched coefficients and on the intercept */
        const double scale = cfg->weight_scale / (double)(hi - lo);
        rule->t = t;
        FO_SUF(fo_step_scalars) sc;
        FO_SUF(step_scalars)(rule, &sc);
        FO_SUF(fo_update_worker) worker = FO_SUF(pick_worker)(rule);
        const double u_t = l1 ? fo_l1_u_at(&L, t) : 0.0;
        for (int64_t m = 0; m < nc; m++) {
            int64_t j = cols[m];
            for (int64_t c = j; c < n_coef; c += p) {
                grad[c] = (FO_T)(acc[c] * scale + cfg->alpha * (double)coef[c]);
                worker(&sc, c, c + 1, coef, grad, c_s1, c_s2, c_s3);
                if (l1) coef[c] = FO_SUF(l1_clip)(coef[c], u_t, l1q + c);
            }
            last[j] = t;
        }
        if (intercept) {
            for (int64_t k = 0; k < K; k++) grad[n_coef + k] = (FO_T)(acc[n_coef + k] * scale);
            worker(&sc, 0, K, intercept, grad + n_coef, i_s1, i_s2, i_s3);
        }
        fo_rule_advance(rule);  /* the carried scalars past step t (the loop sets t) */
    }
    /* bring every column up to the epoch's last step */
    for (int64_t j = 0; j < p && status == FO_OK; j++)
        FO_SUF(catch_up_column)(rule, cfg, l1 ? &L : NULL, last[j], t, j, p, K, coef, c_s1, c_s2,
                                c_s3);
    if (l1) *cfg->l1_u = fo_l1_u_at(&L, t - 1);  /* u after the epoch's last step */
    rule->t = t;
cleanup:
    free(last);
    free(mark);
    free(cols);
    return status;
}

/* ---- batch 1, CSR rows, binary loss, plain SGD: the scaled weight vector -------- */

/* Below this the scale is folded into the stored values (scikit-learn's WeightVector's
 * threshold): s shrinks by the decay every step, and v grows as 1 / s. */
#define FO_SCALE_FOLD 1e-9

/* The lazy epoch of plain SGD (no preconditioner, no momentum) at batch 1 on CSR
 * rows of a binary loss, by the scale trick (Shalev-Shwartz, Singer & Srebro 2007,
 * Pegasos; Bottou 2010): coef = s v, so that a step's decay of every coefficient,
 * p <- d p with d = (1 - lr wd_dec)(1 - lr wd) - lr alpha, is s <- d s, and its data
 * gradient moves only the row's entries, v_j <- v_j - lr g x_j / s.  The same steps as
 * the dense epoch (and the per-column catch-up of lazy_epoch, whose pow(d, k) per
 * column and per-coefficient rule call it replaces), to rounding.  coef holds v during
 * the epoch and s v at its end; s is folded into v when it falls below FO_SCALE_FOLD.
 *
 * With the cumulative L1 penalty only when no step decays (d = 1: no L2, no weight decay;
 * the dispatcher checks), so s stays 1.  Without a decay between them, the clips of
 * consecutive steps compose into one clip at the latest u (each takes what the
 * coefficient has not had of u yet), so the clip of a step is left to the next time the
 * coefficient is read: a row's columns are clipped at u of the previous step before the
 * row reads them (one clip per stored entry; lazy_epoch and scikit-learn's l1penalty also
 * clip the row's features after the update), and every column at the epoch's last u at
 * its end. */
FO_HOT static int FO_SUF(lazy_sgd1_scaled)(const fo_epoch_config *cfg, const FO_DATA *d,
                                           fo_rule *rule, const int64_t *perm, FO_T *coef,
                                           FO_T *intercept, FO_T *i_s1, FO_T *i_s2,
                                           FO_T *i_s3, double *loss_total, double *weight_total)
{
    const int64_t n = FO_SUF(epoch_rows)(cfg, d), p = d->n_features;
    const FO_T *FO_RESTRICT data = d->data;
    const int32_t *FO_RESTRICT indices = d->indices;
    const int64_t *FO_RESTRICT indptr = d->indptr;
    FO_SUF(fo_step_scalars) sc;
    FO_SUF(step_scalars)(rule, &sc);  /* plain SGD: the same scalars every step */
    const double neg_lr = (double)sc.neg_lr, ws = cfg->weight_scale;
    const double keep = (double)sc.decay_factor +
                        neg_lr * (cfg->alpha + (double)sc.wd * (double)sc.decay_factor);
    double s = 1.0, ls = 0.0, wsum = 0.0;
    int status = FO_OK;
    const int64_t t0 = rule->t;
    int64_t t = t0, q = 0;
    /* the L1 penalty: u after step t is u0 + (t - t0 + 1) delta, as fo_l1_u_at */
    const int l1 = cfg->l1 > 0.0;
    double *FO_RESTRICT l1q = cfg->l1_q;
    const double u0 = l1 ? *cfg->l1_u : 0.0, delta = l1 ? rule->lr * cfg->l1 : 0.0;
    for (; q < n; q++, t++) {
        const int64_t i = perm[q];
        if (q + FO_EPOCH_PREFETCH < n) FO_SUF(prefetch_row)(d, perm[q + FO_EPOCH_PREFETCH]);
        const int64_t lo = indptr[i], hi = indptr[i + 1];
        double dot = 0.0;
        if (l1) {
            const double u_before = u0 + (double)(t - t0) * delta;
            for (int64_t e = lo; e < hi; e++) {
                const int32_t j = indices[e];
                coef[j] = FO_SUF(l1_clip)(coef[j], u_before, l1q + j);
                dot += (double)data[e] * (double)coef[j];
            }
        } else {
            for (int64_t e = lo; e < hi; e++) dot += (double)data[e] * (double)coef[indices[e]];
        }
        const double z = s * dot + (intercept ? (double)intercept[0] : 0.0);
        if (!isfinite(z)) {
            status = FO_ERR_NONFINITE;
            break;
        }
        double dz, w = d->sample_weight ? (double)d->sample_weight[i] : 1.0;
        ls += w * fo_binary_loss(cfg->loss, z, (double)d->y[i], &dz);
        wsum += w;
        const double g = w * dz * ws;
        s *= keep;
        if (!(s >= FO_SCALE_FOLD)) {  /* (a decay d <= 0 folds every step: still exact) */
            for (int64_t j = 0; j < p; j++) coef[j] = (FO_T)((double)coef[j] * s);
            s = 1.0;
        }
        if (g != 0.0) {
            const double step = neg_lr * g / s;
            for (int64_t e = lo; e < hi; e++)
                coef[indices[e]] = (FO_T)((double)coef[indices[e]] + step * (double)data[e]);
        }
        if (intercept) {
            const FO_T gb = (FO_T)g;
            FO_SUF(update_body)(FO_PRECOND_NONE, 0, 0, &sc, 0, 1, intercept, &gb, i_s1, i_s2,
                                i_s3);
        }
    }
    if (s != 1.0)
        for (int64_t j = 0; j < p; j++) coef[j] = (FO_T)((double)coef[j] * s);
    if (l1 && status == FO_OK) {  /* every column up to the epoch's last step */
        const double u_end = u0 + (double)(t - t0) * delta;
        for (int64_t j = 0; j < p; j++) coef[j] = FO_SUF(l1_clip)(coef[j], u_end, l1q + j);
        *cfg->l1_u = u_end;
    }
    rule->t = t;
    *loss_total += ls;
    *weight_total += wsum;
    return status;
}

/* ---- batch 1, dense rows, binary loss: one fused pass per sample ------------- */

/* The score's dot product x . coef is on the critical path of batch-1 SGD
 * (each sample's update feeds the next sample's score): summed in four
 * independent vector accumulators (a dependency chain a quarter as long as
 * one accumulator's), the row's last partial vector overlapping the previous
 * one with its overlapping lanes masked off. */
#ifdef FO_SGD_V
typedef struct {
    int64_t main;      /* values covered by whole vectors */
    FO_SGD_V tailmask; /* 1 on the last vector's lanes past `main`, else 0 */
} FO_SUF(fo_sgd_rows);

static void FO_SUF(sgd_rows_init)(FO_SUF(fo_sgd_rows) *rw, int64_t p)
{
    rw->main = p - p % FO_SGD_LANES;
    for (int k = 0; k < FO_SGD_LANES; k++)
        rw->tailmask[k] = (p - FO_SGD_LANES + k) >= rw->main ? (FO_T)1 : (FO_T)0;
}

FO_INLINE double FO_SUF(sgd_dot)(const FO_SUF(fo_sgd_rows) *rw, int64_t p,
                                 const FO_T *FO_RESTRICT x, const FO_T *FO_RESTRICT c)
{
    const int L = FO_SGD_LANES;
    if (p < L) {
        double s = 0.0;
        for (int64_t j = 0; j < p; j++) s += (double)x[j] * (double)c[j];
        return s;
    }
    FO_SGD_V a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, v;
    int64_t j = 0;
    for (; j + 4 * L <= rw->main; j += 4 * L) {
        memcpy(&v, x + j, sizeof v); FO_SGD_V w; memcpy(&w, c + j, sizeof w); a0 += v * w;
        memcpy(&v, x + j + L, sizeof v); memcpy(&w, c + j + L, sizeof w); a1 += v * w;
        memcpy(&v, x + j + 2 * L, sizeof v); memcpy(&w, c + j + 2 * L, sizeof w); a2 += v * w;
        memcpy(&v, x + j + 3 * L, sizeof v); memcpy(&w, c + j + 3 * L, sizeof w); a3 += v * w;
    }
    if (j + L <= rw->main) { FO_SGD_V w; memcpy(&v, x + j, sizeof v); memcpy(&w, c + j, sizeof w); a0 += v * w; j += L; }
    if (j + L <= rw->main) { FO_SGD_V w; memcpy(&v, x + j, sizeof v); memcpy(&w, c + j, sizeof w); a1 += v * w; j += L; }
    if (j + L <= rw->main) { FO_SGD_V w; memcpy(&v, x + j, sizeof v); memcpy(&w, c + j, sizeof w); a2 += v * w; j += L; }
    if (rw->main < p) {
        FO_SGD_V w;
        memcpy(&v, x + p - L, sizeof v);
        memcpy(&w, c + p - L, sizeof w);
        a3 += (v * rw->tailmask) * w;
    }
    a0 = (a0 + a1) + (a2 + a3);
    double s = 0.0;
    for (int k = 0; k < L; k++) s += (double)a0[k];
    return s;
}
#endif

/* Per sample: score, loss, the gradient w dl/dz x + alpha coef into grad, and the
 * rule -- the same arithmetic as the general path, without its accumulators.
 * The rule's body is inlined (PRECOND, MOMENTUM, EXTRA constant in each
 * worker below) and forms each gradient coordinate in its loop: a call per
 * sample into the update worker, through a gradient buffer, measured about
 * 12% slower per shuffled epoch. */
FO_INLINE int FO_SUF(sgd1_body)(const int PRECOND, const int MOMENTUM, const int EXTRA,
                                const fo_epoch_config *cfg, const FO_DATA *d, fo_rule *rule,
                                const int64_t *perm, FO_T *coef, FO_T *intercept, FO_T *c_s1,
                                FO_T *c_s2, FO_T *c_s3, FO_T *i_s1, FO_T *i_s2, FO_T *i_s3,
                                FO_T *grad, double *loss_total, double *weight_total)
{
    const int64_t n = FO_SUF(epoch_rows)(cfg, d), p = d->n_features;
    const double alpha = cfg->alpha, ws = cfg->weight_scale;
    /* the scalars that depend on the step number: Adam's bias corrections,
     * momentum's first step, AdaGrad's lr decay */
    const int per_step = PRECOND == FO_PRECOND_ADAM || MOMENTUM || PRECOND == FO_PRECOND_ADAGRAD ||
                         PRECOND == FO_PRECOND_ADAMAX || PRECOND == FO_PRECOND_RADAM ||
                         PRECOND == FO_PRECOND_NADAM || PRECOND == FO_PRECOND_RPROP ||
                         PRECOND == FO_PRECOND_ASGD;
    /* the rules whose carried scalars move every step (fo_rule_advance) */
    const int carried = PRECOND == FO_PRECOND_NADAM || PRECOND == FO_PRECOND_ASGD;
    FO_SUF(fo_step_scalars) sc;
    FO_SUF(step_scalars)(rule, &sc);
    double ls = 0.0, wsum = 0.0;
#ifdef FO_SGD_V
    FO_SUF(fo_sgd_rows) rows;
    FO_SUF(sgd_rows_init)(&rows, p);
#endif
    /* plain SGD: p <- p (df + neg_lr (alpha + wd df)) + (neg_lr g) x, one
     * multiply-add per coefficient (the update chain's steps 1, 2 and 5
     * folded; the learning rate is constant over the epoch) */
    const int plain = PRECOND == FO_PRECOND_NONE && !MOMENTUM;
    const FO_T keep = (FO_T)((double)sc.decay_factor +
                             (double)sc.neg_lr * (alpha + (double)sc.wd * (double)sc.decay_factor));
    /* the L1 penalty (plain SGD only, fo_epoch checked): u in a register, written back */
    const int l1 = cfg->l1 > 0.0;
    const double delta = rule->lr * cfg->l1;
    double u = l1 ? *cfg->l1_u : 0.0, *l1q = cfg->l1_q;
    int64_t t = rule->t;
    for (int64_t q = 0; q < n; q++, t++) {
        const int64_t i = perm[q];
        if (q + FO_EPOCH_PREFETCH < n) FO_SUF(prefetch_row)(d, perm[q + FO_EPOCH_PREFETCH]);
        const FO_T *FO_RESTRICT x = d->X + i * p;
        double dot = intercept ? (double)intercept[0] : 0.0;
#ifdef FO_SGD_V
        dot += FO_SUF(sgd_dot)(&rows, p, x, coef);
#else
        {
            double acc = 0.0;
            FO_SIMD_REDUCTION(+, acc)
            for (int64_t j = 0; j < p; j++) acc += (double)x[j] * (double)coef[j];
            dot += acc;
        }
#endif
        if (!isfinite(dot)) {
            rule->t = t;
            if (l1) *cfg->l1_u = u;
            return FO_ERR_NONFINITE;
        }
        double dz, w = d->sample_weight ? (double)d->sample_weight[i] : 1.0;
        ls += w * fo_binary_loss(cfg->loss, dot, (double)d->y[i], &dz);
        wsum += w;
        const double g = w * dz * ws;
        grad[p] = (FO_T)g;
        if (per_step) {
            rule->t = t;
            FO_SUF(step_scalars)(rule, &sc);
        }
        if (plain && l1) {  /* the update, then the clip of fo_epoch.h, in one pass */
            const FO_T step = (FO_T)((double)sc.neg_lr * g);
            u += delta;
            FO_SIMD
            for (int64_t j = 0; j < p; j++)
                coef[j] = FO_SUF(l1_clip)(coef[j] * keep + step * x[j], u, l1q + j);
        } else if (plain) {
            const FO_T step = (FO_T)((double)sc.neg_lr * g);
            FO_SIMD
            for (int64_t j = 0; j < p; j++) coef[j] = coef[j] * keep + step * x[j];
        } else {
            FO_SUF(update_chain)(PRECOND, MOMENTUM, EXTRA, 1, &sc, 0, p, coef, NULL, x, g, alpha,
                                 c_s1, c_s2, c_s3);
        }
        if (intercept)
            FO_SUF(update_body)(PRECOND, MOMENTUM, EXTRA, &sc, 0, 1, intercept, grad + p, i_s1,
                                i_s2, i_s3);
        if (carried) fo_rule_advance(rule);  /* rule->t is t here; the loop sets it next */
    }
    rule->t = t;
    if (l1) *cfg->l1_u = u;
    *loss_total += ls;
    *weight_total += wsum;
    return FO_OK;
}

#define FO_SGD1_WORKER(NAME, PRECOND, MOMENTUM, EXTRA)                                           \
    FO_HOT static int FO_SUF(sgd1_##NAME)(const fo_epoch_config *cfg, const FO_DATA *d,           \
                                          fo_rule *rule, const int64_t *perm, FO_T *coef,        \
                                          FO_T *intercept, FO_T *c_s1, FO_T *c_s2, FO_T *c_s3,   \
                                          FO_T *i_s1, FO_T *i_s2, FO_T *i_s3, FO_T *grad,        \
                                          double *loss_total, double *weight_total)              \
    {                                                                                            \
        return FO_SUF(sgd1_body)(PRECOND, MOMENTUM, EXTRA, cfg, d, rule, perm, coef, intercept,  \
                                 c_s1, c_s2, c_s3, i_s1, i_s2, i_s3, grad, loss_total,           \
                                 weight_total);                                                  \
    }

FO_RULE_SHAPES(FO_SGD1_WORKER)
#undef FO_SGD1_WORKER

typedef int (*FO_SUF(fo_sgd1_worker))(const fo_epoch_config *, const FO_DATA *, fo_rule *,
                                      const int64_t *, FO_T *, FO_T *, FO_T *, FO_T *, FO_T *,
                                      FO_T *, FO_T *, FO_T *, FO_T *, double *, double *);

/* The batch-1 worker of a rule's shape. */
static FO_SUF(fo_sgd1_worker) FO_SUF(pick_sgd1)(const fo_rule *r)
{
#define FO_SGD1_ENTRY(NAME, PRECOND, MOMENTUM, EXTRA) FO_SUF(sgd1_##NAME),
    static const FO_SUF(fo_sgd1_worker) workers[] = {FO_RULE_SHAPES(FO_SGD1_ENTRY)};
#undef FO_SGD1_ENTRY
    return workers[fo_rule_shape(r)];
}

/* Part b of batch bi (the batches of B rows of perm, each cut into n_parts blocks) into the
 * slot acc: its sums, then loss, weight and status (FO_PART_HEAD), then scratch. */
static void FO_SUF(team_part)(const fo_epoch_config *cfg, const FO_DATA *d, const int64_t *perm,
                              int64_t B, int n_parts, int64_t bi, int b, const FO_T *coef,
                              const FO_T *intercept, double *acc)
{
    const int64_t n = FO_SUF(epoch_rows)(cfg, d), n_grad = cfg->n_outputs * d->n_features + cfg->n_outputs;
    const int64_t lo = bi * B, hi = (lo + B < n) ? lo + B : n;
    const int64_t nlo = hi, nhi = (hi + B < n) ? hi + B : n;  /* the same part, next batch */
    int64_t plo, phi, qlo = 0, qhi = 0;
    fo_block_range(hi - lo, n_parts, b, &plo, &phi);
    if (nhi > nlo) fo_block_range(nhi - nlo, n_parts, b, &qlo, &qhi);
    acc[n_grad + 2] = (double)FO_SUF(part_gradient)(
        cfg, d, perm, lo + plo, lo + phi, nlo + qlo, nlo + qhi, coef, intercept, acc,
        acc + n_grad + FO_PART_HEAD, &acc[n_grad], &acc[n_grad + 1], 1);
}

#ifdef FO_EPOCH_TEAM
/* Helper w (1..) of the epoch's team: parts of the batches thread 0 posts, until quit. */
static void FO_SUF(team_helper)(fo_epoch_team *T, int w, const fo_epoch_config *cfg,
                                const FO_DATA *d, const int64_t *perm, int64_t B, int64_t stride,
                                int has_intercept)
{
    if (w > T->n_helpers) return;
    const int n_parts = T->n_parts;
    const int64_t n_coef = cfg->n_outputs * d->n_features, n_par = n_coef + cfg->n_outputs;
    double *slots = T->slots + (size_t)(w - 1) * (size_t)n_parts * (size_t)stride;
    FO_T *mine = (FO_T *)T->mine + (size_t)(w - 1) * (size_t)n_par;
    _Atomic FO_T *pub = (_Atomic FO_T *)T->pub;
    int64_t last = 0;
    fo_waiter waiter = {0, 0, 0, 0, 0};
    for (;;) {
        const int64_t job = fo_wait_job(&T->job, &T->quit, 0, last, &waiter, FO_TEAM_SPIN_NS);
        if (job < 0) return;
        last = job;
        const int64_t base = job << 8;
        int copied = 0;
        for (int k = 0; k < n_parts; k++) {  /* claim from the back */
            const int b = n_parts - 1 - k;
            const int got = fo_claim(&T->state[b], base, 2 * w);
            if (got < 0) break;  /* the next batch has begun */
            if (!got) continue;
            if (!copied) {  /* stable while we hold a part of this batch (else it is dropped) */
                for (int64_t j = 0; j < n_par; j++)
                    mine[j] = atomic_load_explicit(&pub[j], memory_order_relaxed);
                copied = 1;
            }
            FO_SUF(team_part)(cfg, d, perm, B, n_parts, job - 1, b, mine,
                              has_intercept ? mine + n_coef : NULL, slots + (size_t)b * stride);
            int64_t expect = base | (2 * w);  /* publish, unless thread 0 took the part over */
            atomic_compare_exchange_strong_explicit(&T->state[b], &expect, base | (2 * w + 1),
                                                    memory_order_acq_rel, memory_order_relaxed);
        }
    }
}
#endif

/* Thread 0's side of part b of the current batch (sequence seq): wait briefly for the helper
 * that claimed it, else compute it; a published helper part is copied into its slot. */
#ifdef FO_EPOCH_TEAM
static void FO_SUF(team_collect)(fo_epoch_team *T, const fo_epoch_config *cfg, const FO_DATA *d,
                                 const int64_t *perm, int64_t B, int64_t bi, int b,
                                 int64_t stride, double patience, const FO_T *coef,
                                 const FO_T *intercept, double *slot)
{
    const int w = fo_await_part(&T->state[b], (bi + 1) << 8, patience);
    if (w < 0) FO_SUF(team_part)(cfg, d, perm, B, T->n_parts, bi, b, coef, intercept, slot);
    if (w <= 0) return;
    const int64_t n_head = cfg->n_outputs * d->n_features + cfg->n_outputs + FO_PART_HEAD;
    const double *theirs = T->slots + ((size_t)(w - 1) * (size_t)T->n_parts + (size_t)b) *
                                          (size_t)stride;
    for (int64_t j = 0; j < n_head; j++) slot[j] = theirs[j];
}
#endif

/* Adds the loss and weight sums of a batch's parts (in part order) to the epoch's totals;
 * returns the parts' worst status. */
static int FO_SUF(add_heads)(const double *parts, int n_parts, int64_t stride, int64_t n_grad,
                             double *loss_total, double *weight_total)
{
    int status = FO_OK;
    for (int b = 0; b < n_parts; b++) {
        const double *head = parts + (size_t)b * (size_t)stride + n_grad;
        if ((int)head[2] != FO_OK) status = (int)head[2];
        *loss_total += head[0];
        *weight_total += head[1];
    }
    return status;
}

/* The batches of an epoch whose batches are cut into n_parts > 1 parts: one OpenMP region,
 * thread 0 driving and helpers claiming parts (see epoch.c); without OpenMP or C11 atomics,
 * the same parts one after the other.  Either way the parts of a batch are added in part
 * order and the rule is applied once, by the calling thread. */
static int FO_SUF(team_epoch)(const fo_epoch_config *cfg, const FO_DATA *d, fo_rule *rule,
                              const int64_t *perm, int64_t B, int n_parts, int64_t stride,
                              FO_T *coef, FO_T *intercept, FO_T *c_s1, FO_T *c_s2, FO_T *c_s3,
                              FO_T *i_s1, FO_T *i_s2, FO_T *i_s3, double *parts, FO_T *grad,
                              int64_t *t_io, double *loss_io, double *weight_io)
{
    const int64_t n = FO_SUF(epoch_rows)(cfg, d), K = cfg->n_outputs, n_coef = K * d->n_features;
    const int64_t n_grad = n_coef + K, n_batches = (n + B - 1) / B;
    int64_t t = *t_io;
    double loss_total = 0.0, weight_total = 0.0;
    int status = FO_OK;
#ifdef FO_EPOCH_TEAM
    fo_epoch_team T;
    memset(&T, 0, sizeof T);
    T.n_helpers = n_parts - 1;
    T.n_parts = n_parts;
    T.state = malloc((size_t)n_parts * sizeof *T.state);
    T.slots = malloc((size_t)T.n_helpers * (size_t)n_parts * (size_t)stride * sizeof(double));
    T.pub = malloc((size_t)n_grad * sizeof(_Atomic FO_T));
    T.mine = malloc((size_t)T.n_helpers * (size_t)n_grad * sizeof(FO_T));
    if (!T.state || !T.slots || !T.pub || !T.mine) {
        status = FO_ERR_NO_MEMORY;
    } else {
        _Atomic FO_T *pub = (_Atomic FO_T *)T.pub;
        for (int b = 0; b < n_parts; b++) atomic_init(&T.state[b], 0);
        for (int64_t j = 0; j < n_grad; j++) atomic_init(&pub[j], (FO_T)0);
        atomic_init(&T.job, 0);
        atomic_init(&T.quit, 0);
#pragma omp parallel num_threads(n_parts)
        {
            if (omp_get_thread_num() == 0) {
                double part_ns = 20000.0;  /* thread 0's running mean time per part */
                for (int64_t bi = 0; bi < n_batches && status == FO_OK; bi++) {
                    const int64_t lo = bi * B, hi = (lo + B < n) ? lo + B : n;
                    const int64_t seq = bi + 1, base = seq << 8;
                    for (int64_t j = 0; j < n_coef; j++)
                        atomic_store_explicit(&pub[j], coef[j], memory_order_relaxed);
                    for (int64_t k = 0; k < K && intercept; k++)
                        atomic_store_explicit(&pub[n_coef + k], intercept[k], memory_order_relaxed);
                    for (int b = 0; b < n_parts; b++)
                        atomic_store_explicit(&T.state[b], base, memory_order_relaxed);
                    atomic_store_explicit(&T.job, seq, memory_order_release);
                    for (int b = 0; b < n_parts; b++) {  /* claim from the front */
                        if (fo_claim(&T.state[b], base, 1) != 1) continue;
                        const int64_t t0 = fo_now_ns();
                        FO_SUF(team_part)(cfg, d, perm, B, n_parts, bi, b, coef, intercept,
                                          parts + (size_t)b * (size_t)stride);
                        part_ns += 0.125 * ((double)(fo_now_ns() - t0) - part_ns);
                    }
                    for (int b = 0; b < n_parts; b++)
                        FO_SUF(team_collect)(&T, cfg, d, perm, B, bi, b, stride,
                                             3.0 * part_ns + 2000.0, coef, intercept,
                                             parts + (size_t)b * (size_t)stride);
                    status = FO_SUF(add_heads)(parts, n_parts, stride, n_grad, &loss_total,
                                               &weight_total);
                    if (status == FO_OK)
                        FO_SUF(apply_batch)(cfg, rule, t++, n_grad, n_coef, K, n_parts, parts,
                                            stride, cfg->weight_scale / (double)(hi - lo),
                                            coef, intercept, grad, c_s1, c_s2, c_s3, i_s1,
                                            i_s2, i_s3);
                }
                atomic_store_explicit(&T.quit, 1, memory_order_release);
            } else {
                FO_SUF(team_helper)(&T, omp_get_thread_num(), cfg, d, perm, B, stride,
                                    intercept != NULL);
            }
        }
    }
    free(T.state);
    free(T.slots);
    free(T.pub);
    free(T.mine);
#else
    for (int64_t bi = 0; bi < n_batches && status == FO_OK; bi++) {
        const int64_t lo = bi * B, hi = (lo + B < n) ? lo + B : n;
        for (int b = 0; b < n_parts; b++)
            FO_SUF(team_part)(cfg, d, perm, B, n_parts, bi, b, coef, intercept,
                              parts + (size_t)b * (size_t)stride);
        status = FO_SUF(add_heads)(parts, n_parts, stride, n_grad, &loss_total, &weight_total);
        if (status == FO_OK)
            FO_SUF(apply_batch)(cfg, rule, t++, n_grad, n_coef, K, n_parts, parts, stride,
                                cfg->weight_scale / (double)(hi - lo), coef, intercept, grad,
                                c_s1, c_s2, c_s3, i_s1, i_s2, i_s3);
    }
#endif
    *t_io = t;
    *loss_io = loss_total;
    *weight_io = weight_total;
    return status;
}

int FO_SUF(fo_epoch)(const fo_epoch_config *cfg, const FO_DATA *d, fo_rule *rule, FO_T *coef,
                     FO_T *intercept, FO_T *c_s1, FO_T *c_s2, FO_T *c_s3, FO_T *i_s1, FO_T *i_s2,
                     FO_T *i_s3, int n_threads, double *mean_loss)
{
    if (!cfg || !d || !rule || !coef || !mean_loss || d->n_samples <= 0 || d->n_features <= 0 ||
        cfg->batch_size < 1 || n_threads < 1 || cfg->loss < 0 || cfg->loss >= FO_N_LOSSES ||
        !(cfg->alpha >= 0.0) || !(cfg->weight_scale > 0.0) ||
        (fo_loss_is_multiclass(cfg->loss) ? cfg->n_outputs < 2 : cfg->n_outputs != 1) ||
        (!d->X && (!d->data || !d->indices || !d->indptr)) || (cfg->rows && cfg->n_rows <= 0) ||
        !(cfg->l1 >= 0.0 && cfg->l1 < INFINITY))
        return FO_ERR_BAD_ARGUMENT;
    /* the cumulative L1 penalty: plain SGD (its clip is the proximal map of a plain step),
     * its state, and a finite rate */
    if (cfg->l1 > 0.0 && (rule->precond != FO_PRECOND_NONE || rule->momentum || rule->maximize ||
                          !cfg->l1_u || !cfg->l1_q || !isfinite(*cfg->l1_u)))
        return FO_ERR_BAD_ARGUMENT;
    if (cfg->rows)  /* every sample number inside X (one pass over n_rows values, no data) */
        for (int64_t k = 0; k < cfg->n_rows; k++)
            if ((uint64_t)cfg->rows[k] >= (uint64_t)d->n_samples) return FO_ERR_BAD_ARGUMENT;
    int status = fo_rule_check(rule, c_s1, c_s2, c_s3);
    if (status == FO_OK && intercept) status = fo_rule_check(rule, i_s1, i_s2, i_s3);
    if (status != FO_OK) return status;

    const int64_t n = FO_SUF(epoch_rows)(cfg, d), p = d->n_features, K = cfg->n_outputs;
    const int64_t B = cfg->batch_size < n ? cfg->batch_size : n;
    const int64_t n_coef = K * p, n_grad = K * p + K;
    /* per part, on cache lines of its own (the parts are written by different
     * threads): the sums (n_grad), the part's loss, weight and status, then
     * scratch (3K doubles, then p values of FO_T) */
    const int64_t stride = ((n_grad + FO_PART_HEAD + 3 * K + p + 7) / 8) * 8;
    /* parts per batch: one per thread when each gets at least 64 rows (the
     * caller picks n_threads: fastoptim's Python layer gives small problems
     * one thread unless the user asks for more) */
    const int n_parts = (n_threads > 1 && B >= 64 * (int64_t)n_threads) ? n_threads : 1;

    int64_t *perm = (int64_t *)malloc((size_t)n * sizeof(int64_t));
    void *parts_mem = malloc((size_t)stride * (size_t)n_parts * sizeof(double) + 64);
    double *parts = (double *)FO_LINE_ALIGN(parts_mem);
    FO_T *grad = (FO_T *)malloc((size_t)n_grad * sizeof(FO_T));
    if (!perm || !parts_mem || !grad) {
        status = FO_ERR_NO_MEMORY;
        goto cleanup;
    }
    if (cfg->shuffle) {
        fo_epoch_permutation(n, cfg->seed, perm);
    } else {
        for (int64_t i = 0; i < n; i++) perm[i] = i;
    }
    if (cfg->rows)  /* position k of the subset is sample rows[k]: X, y and weights read there */
        for (int64_t k = 0; k < n; k++) perm[k] = cfg->rows[perm[k]];

    double loss_total = 0.0, weight_total = 0.0;
    const int64_t n_batches = (n + B - 1) / B;
    int64_t t = rule->t;
    if (B == 1 && d->X && K == 1) {
        status = FO_SUF(pick_sgd1)(rule)(cfg, d, rule, perm, coef, intercept, c_s1, c_s2, c_s3,
                                         i_s1, i_s2, i_s3, grad, &loss_total, &weight_total);
        t = rule->t;
    } else if (cfg->lazy && !d->X && B == 1 && K == 1 && rule->precond == FO_PRECOND_NONE &&
               !rule->momentum && (cfg->l1 == 0.0 || (cfg->alpha == 0.0 &&
                                                       rule->weight_decay == 0.0 &&
                                                       rule->decoupled_decay == 0.0))) {
        status = FO_SUF(lazy_sgd1_scaled)(cfg, d, rule, perm, coef, intercept, i_s1, i_s2, i_s3,
                                          &loss_total, &weight_total);
        t = rule->t;
    } else if (cfg->lazy && !d->X) {
        status = FO_SUF(lazy_epoch)(cfg, d, rule, perm, B, coef, intercept, c_s1, c_s2, c_s3, i_s1,
                                    i_s2, i_s3, parts, grad, &loss_total, &weight_total);
        t = rule->t;
    } else if (n_parts == 1) {
        /* small batches: one thread, no OpenMP construct per batch */
        for (int64_t bi = 0; bi < n_batches && status == FO_OK; bi++) {
            const int64_t lo = bi * B, hi = (lo + B < n) ? lo + B : n;
            status = FO_SUF(part_gradient)(cfg, d, perm, lo, hi, hi, hi + B < n ? hi + B : n, coef,
                                           intercept, parts, parts + n_grad + FO_PART_HEAD,
                                           &parts[n_grad], &parts[n_grad + 1], 1);
            loss_total += parts[n_grad];
            weight_total += parts[n_grad + 1];
            if (status == FO_OK)
                FO_SUF(apply_batch)(cfg, rule, t++, n_grad, n_coef, K, 1, parts, stride,
                                    cfg->weight_scale / (double)(hi - lo), coef, intercept,
                                    grad, c_s1, c_s2, c_s3, i_s1, i_s2, i_s3);
        }
    } else {
        status = FO_SUF(team_epoch)(cfg, d, rule, perm, B, n_parts, stride, coef, intercept,
                                    c_s1, c_s2, c_s3, i_s1, i_s2, i_s3, parts, grad, &t,
                                    &loss_total, &weight_total);
    }
    rule->t = t;
    if (status == FO_OK && (!FO_SUF(all_finite_n)(coef, n_coef) ||
                            (intercept && !FO_SUF(all_finite_n)(intercept, K))))
        status = FO_ERR_NONFINITE;
    *mean_loss = weight_total > 0.0 ? loss_total / weight_total : 0.0;

cleanup:
    free(perm);
    free(parts_mem);
    free(grad);
    return status;
}

#undef FO_T
#undef FO_SUF
#undef FO_DATA
#undef FO_SQRT
#undef FO_EPOCH_PREFETCH
#undef FO_PART_HEAD
#undef FO_LINE_ALIGN
#undef FO_SCALE_FOLD
#undef FO_SGD_V
#undef FO_SGD_LANES
