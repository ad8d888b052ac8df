/*
 * vr_impl.h -- SAG, SAGA and SVRG epochs (fo_vr.h) for one data type.
 * vr.c includes it twice: FO_T = double with FO_SUF(name) = name##_f64, and
 * FO_T = float with name##_f32.  Everything but X is double.
 */

/* x_i . v_k for the row i of dense X (d values) */
FO_INLINE double FO_SUF(vr_dot)(const FO_T *FO_RESTRICT x, const double *FO_RESTRICT v,
                                     int64_t d)
{
    double s = 0.0;
    FO_SIMD_REDUCTION(+, s)
    for (int64_t j = 0; j < d; j++) s += (double)x[j] * v[j];
    return s;
}

/*
 * One dense step on one output's coefficients w (d values) and its sum S, for the
 * sample's change dg = g_i - m_i (a = 1 - eta alpha, c = eta / m):
 *   SAG:  S += dg x;  w = a w - c S;
 *   SAGA: w = a w - eta dg x - c S;  S += dg x;
 *   SVRG: w = a w - eta dg x - c S.
 */
FO_INLINE void FO_SUF(vr_dense_sag)(const FO_T *FO_RESTRICT x, double *FO_RESTRICT w,
                                        double *FO_RESTRICT S, int64_t d, double dg, double a,
                                        double c)
{
    FO_SIMD
    for (int64_t j = 0; j < d; j++) {
        const double s = S[j] + dg * (double)x[j];
        S[j] = s;
        w[j] = a * w[j] - c * s;
    }
}

FO_INLINE void FO_SUF(vr_dense_saga)(const FO_T *FO_RESTRICT x, double *FO_RESTRICT w,
                                         double *FO_RESTRICT S, int64_t d, double dg, double a,
                                         double eta, double c)
{
    FO_SIMD
    for (int64_t j = 0; j < d; j++) {
        const double gx = dg * (double)x[j];
        const double s = S[j];
        S[j] = s + gx;
        w[j] = a * w[j] - eta * gx - c * s;
    }
}

/* SAGA's dense step with the L1 proximal map: w = S_{thr}(a w - eta dg x - c S), S += dg x. */
FO_INLINE void FO_SUF(vr_dense_saga_prox)(const FO_T *FO_RESTRICT x, double *FO_RESTRICT w,
                                          double *FO_RESTRICT S, int64_t d, double dg, double a,
                                          double eta, double c, double thr)
{
    for (int64_t j = 0; j < d; j++) {
        const double gx = dg * (double)x[j];
        const double s = S[j];
        S[j] = s + gx;
        const double u = a * w[j] - eta * gx - c * s;
        w[j] = u > thr ? u - thr : (u < -thr ? u + thr : 0.0);
    }
}

FO_INLINE void FO_SUF(vr_dense_svrg)(const FO_T *FO_RESTRICT x, double *FO_RESTRICT w,
                                         const double *FO_RESTRICT S, int64_t d, double dg,
                                         double a, double eta, double c)
{
    FO_SIMD
    for (int64_t j = 0; j < d; j++) w[j] = a * w[j] - eta * dg * (double)x[j] - c * S[j];
}

/*
 * The loss of sample i at its K scores z (K doubles), with g = s_i dl/dz written to g
 * (scratch: K doubles for softmax's probabilities).  Returns l_i, or NaN for a class
 * index out of range.
 */
FO_INLINE double FO_SUF(vr_sample_loss)(int loss, int64_t K, const double *z, double y, double s_i,
                                     double *g, double *scratch)
{
    double l;
    if (loss == FO_LOSS_SOFTMAX) {
        if (!(y >= 0.0 && y < (double)K)) return NAN;
        l = fo_softmax_loss(z, K, (int64_t)y, scratch, g);
        for (int64_t k = 0; k < K; k++) g[k] *= s_i;
    } else {
        double dz;
        l = fo_binary_loss(loss, z[0], y, &dz);
        g[0] = s_i * dz;
    }
    return l;
}

/* The scores of row i: z_k = scale (x_i . v_k) + b_k. */
FO_INLINE void FO_SUF(vr_scores)(const FO_DATA *d, int64_t i, int64_t K, const double *v,
                              double scale, const double *b, double *z)
{
    const int64_t p = d->n_features;
    if (d->X) {
        const FO_T *x = d->X + i * p;
        for (int64_t k = 0; k < K; k++) z[k] = scale * FO_SUF(vr_dot)(x, v + k * p, p) + b[k];
        return;
    }
    for (int64_t k = 0; k < K; k++) z[k] = 0.0;
    for (int64_t q = d->indptr[i]; q < d->indptr[i + 1]; q++) {
        const int64_t j = d->indices[q];
        const double x = (double)d->data[q];
        for (int64_t k = 0; k < K; k++) z[k] += x * v[k * p + j];
    }
    for (int64_t k = 0; k < K; k++) z[k] = scale * z[k] + b[k];
}

/*
 * (The epoch below is one FO_HOT function, its helpers inlined into each clone; the
 * snapshot, which starts threads, stays a plain function: DESIGN's rule for OpenMP.)
 *
 * SVRG's snapshot: m_i = g_i(w) for every sample and S = sum_i m_i x~_i, rows in
 * n_parts blocks each summed into its own buffer, added in block order.  Returns
 * FO_OK, FO_ERR_NONFINITE or FO_ERR_BAD_ARGUMENT (a class index).
 */
__attribute__((noinline)) static int FO_SUF(vr_snapshot)(const fo_vr_config *cfg, const FO_DATA *d, fo_vr_state *st,
                               const double *w, const double *b, int n_parts, double *parts)
{
    const int64_t n = d->n_samples, p = d->n_features, K = cfg->n_outputs;
    const int64_t len = K * p + K;
    int status = FO_OK;
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_parts) schedule(static, 1) if (n_parts > 1)
#endif
    for (int part = 0; part < n_parts; part++) {
        int64_t start, stop;
        fo_block_range(n, n_parts, part, &start, &stop);
        double *acc = parts + (int64_t)part * (len + 3 * K);
        double *z = acc + len, *g = z + K, *scratch = g + K;
        memset(acc, 0, (size_t)len * sizeof(double));
        int ok = 1;
        for (int64_t i = start; i < stop && ok; i++) {
            const double s_i = cfg->weight_scale *
                               (d->sample_weight ? (double)d->sample_weight[i] : 1.0);
            FO_SUF(vr_scores)(d, i, K, w, 1.0, b, z);
            const double l = FO_SUF(vr_sample_loss)(cfg->loss, K, z, (double)d->y[i], s_i, g,
                                                    scratch);
            if (!isfinite(l)) ok = 0;
            for (int64_t k = 0; k < K; k++) {
                st->memory[i * K + k] = g[k];
                acc[K * p + k] += g[k];
            }
            if (d->X) {
                const FO_T *x = d->X + i * p;
                for (int64_t k = 0; k < K; k++) {
                    double *a = acc + k * p;
                    const double gk = g[k];
                    FO_SIMD
                    for (int64_t j = 0; j < p; j++) a[j] += gk * (double)x[j];
                }
            } else {
                for (int64_t q = d->indptr[i]; q < d->indptr[i + 1]; q++)
                    for (int64_t k = 0; k < K; k++)
                        acc[k * p + d->indices[q]] += g[k] * (double)d->data[q];
            }
        }
        if (!ok) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            status = FO_ERR_NONFINITE;
        }
    }
    if (status != FO_OK) return status;
    memcpy(st->grad_sum, parts, (size_t)len * sizeof(double));
    for (int part = 1; part < n_parts; part++) {
        const double *acc = parts + (int64_t)part * (len + 3 * K);
        for (int64_t j = 0; j < len; j++) st->grad_sum[j] += acc[j];
    }
    return FO_OK;
}

/*
 * The line search's estimate of L after the visit of sample i (fo_vr.h): doubled while
 * s_i l(z - g q / L) > s_i l(z) - ||g||^2 q / (2 L), q = ||x~_i||^2, g = s_i dl/dz at z,
 * l = l(z).  `scratch`: 3 K doubles (trial scores, their derivatives, softmax's).
 */
FO_INLINE double FO_SUF(vr_lipschitz_test)(int loss, int64_t K, const double *z, double y,
                                        double s_i, double l, const double *g, double q,
                                        double L, double *scratch, int *tested)
{
    double gg = 0.0;
    for (int64_t k = 0; k < K; k++) gg += g[k] * g[k];
    const double grad_sq = gg * q;  /* ||grad f_i||^2 */
    *tested = grad_sq > 1e-8;
    if (!*tested) return L;
    double *trial = scratch + K, *dtrial = trial + K;
    for (int doublings = 0; doublings < 1100; doublings++) {  /* 2^1100 > any finite L */
        for (int64_t k = 0; k < K; k++) trial[k] = z[k] - g[k] * q / L;
        const double lt = FO_SUF(vr_sample_loss)(loss, K, trial, y, s_i, dtrial, scratch);
        if (s_i * lt <= s_i * l - 0.5 * grad_sq / L) break;
        L *= 2.0;
    }
    return L;
}

/* Bring column j of v (all K rows) up to step t: the missed steps' S terms, at once. */
FO_INLINE void FO_SUF(vr_catch_up)(double *v, const double *S, int64_t K, int64_t p, int64_t j,
                                   const double *cum, int64_t *last, int64_t t)
{
    const double delta = cum[t] - cum[last[j]];
    if (delta != 0.0)
        for (int64_t k = 0; k < K; k++) v[k * p + j] -= delta * S[k * p + j];
    last[j] = t;
}

/* Column j of v (all K rows) up to step t with the L1 proximal maps of the steps it
 * missed (fo_vr.h): v_k <- vr_lazy_prox(v_k, S_kj, lam = l1 n, cum, last[j], t). */
FO_INLINE void FO_SUF(vr_catch_up_prox)(double *v, const double *S, int64_t K, int64_t p,
                                        int64_t j, const double *cum, int64_t *last, int64_t t,
                                        double lam)
{
    if (last[j] < t)
        for (int64_t k = 0; k < K; k++)
            v[k * p + j] = vr_lazy_prox(v[k * p + j], S[k * p + j], lam, cum, last[j], t);
    last[j] = t;
}

FO_HOT int FO_SUF(fo_vr_epoch)(const fo_vr_config *cfg, const FO_DATA *d, fo_vr_state *st,
                        FO_T *coef, FO_T *intercept, int n_threads, double *mean_loss)
{
    if (!cfg || !d || !st || !coef || !mean_loss || !st->memory || !st->grad_sum)
        return FO_ERR_BAD_ARGUMENT;
    const int64_t n = d->n_samples, p = d->n_features, K = cfg->n_outputs;
    const int method = cfg->method, loss = cfg->loss;
    if (n < 1 || p < 0 || !d->y || (!d->X && (!d->data || !d->indices || !d->indptr)))
        return FO_ERR_BAD_ARGUMENT;
    if (method != FO_VR_SAG && method != FO_VR_SAGA && method != FO_VR_SVRG)
        return FO_ERR_BAD_ARGUMENT;
    if (method == FO_VR_SAG && !st->seen) return FO_ERR_BAD_ARGUMENT;
    if (cfg->line_search && (!st->row_sqnorm || !(cfg->step_fraction > 0.0) ||
                             !isfinite(cfg->step_fraction) || !(cfg->step_offset >= 0.0) ||
                             !isfinite(cfg->step_offset) || !(cfg->lipschitz_max >= 0.0) ||
                             !isfinite(cfg->lipschitz_max) || !(st->lipschitz >= 0.0) ||
                             !isfinite(st->lipschitz)))
        return FO_ERR_BAD_ARGUMENT;
    if (loss == FO_LOSS_SOFTMAX ? K < 2
                                : (K != 1 || (loss != FO_LOSS_SQUARED && loss != FO_LOSS_LOGISTIC &&
                                              loss != FO_LOSS_SQUARED_HINGE)))
        return FO_ERR_BAD_ARGUMENT;
    if ((!cfg->line_search && (!(cfg->step > 0.0) || !isfinite(cfg->step))) ||
        !(cfg->alpha >= 0.0) || !(cfg->l1 >= 0.0) || !isfinite(cfg->l1) ||
        (cfg->l1 > 0.0 && method != FO_VR_SAGA) ||
        !isfinite(cfg->alpha) || !(cfg->alpha_intercept >= 0.0) ||
        !isfinite(cfg->alpha_intercept) || !(cfg->weight_scale > 0.0) ||
        !isfinite(cfg->weight_scale) || st->n_seen < 0 || st->n_seen > n)
        return FO_ERR_BAD_ARGUMENT;
    if (!d->X)
        for (int64_t q = 0; q < d->indptr[n]; q++)
            if ((uint64_t)d->indices[q] >= (uint64_t)p) return FO_ERR_BAD_ARGUMENT;
    if (n_threads < 1) n_threads = 1;
    const int sparse = d->X == NULL;
    const int prox = cfg->l1 > 0.0;
    const double lam = cfg->l1 * (double)n;  /* the lazy catch-up's threshold per unit of A */
    const int64_t len = K * p + K;
    const int n_parts = method == FO_VR_SVRG ? n_threads : 1;
    /* w (then b) in double; the visiting order; SVRG's block sums; for CSR the
     * columns' last steps and the running sums of eta / (m wscale) */
    double *w = malloc((size_t)(len + 6 * K) * sizeof(double));  /* w, b, z, g, 3 K scratch */
    int64_t *perm = malloc((size_t)n * sizeof(int64_t));
    double *parts = method == FO_VR_SVRG ? malloc((size_t)n_parts * (size_t)(len + 3 * K) *
                                                  sizeof(double))
                                         : NULL;
    double *cum = sparse ? malloc((size_t)(n + 1) * sizeof(double)) : NULL;
    int64_t *last = sparse ? calloc((size_t)(p > 0 ? p : 1), sizeof(int64_t)) : NULL;
    int status = FO_OK;
    if (!w || !perm || (method == FO_VR_SVRG && !parts) || (sparse && (!cum || !last))) {
        status = FO_ERR_NO_MEMORY;
        goto cleanup;
    }
    double *b = w + K * p, *z = b + K, *g = z + K, *scratch = g + K;
    for (int64_t j = 0; j < K * p; j++) w[j] = (double)coef[j];
    for (int64_t k = 0; k < K; k++) b[k] = intercept ? (double)intercept[k] : 0.0;
    if (method == FO_VR_SAG)
        fo_epoch_draws(n, cfg->seed, perm);
    else
        fo_epoch_permutation(n, cfg->seed, perm);
    if (method == FO_VR_SVRG) {
        status = FO_SUF(vr_snapshot)(cfg, d, st, w, b, n_parts, parts);
        if (status != FO_OK) goto cleanup;
    }
    double eta = cfg->step, a = 1.0 - eta * cfg->alpha;
    double ab = 1.0 - eta * cfg->alpha_intercept;
    double L = st->lipschitz > 0.0 ? st->lipschitz : 1.0;
    const double L_decay = pow(2.0, -1.0 / (double)n);
    double *S = st->grad_sum, *Sb = st->grad_sum + K * p;
    double wscale = 1.0, loss_sum = 0.0, w_sum = 0.0;
    if (sparse) cum[0] = 0.0;
    for (int64_t t = 0; t < n; t++) {
        const int64_t i = perm[t];
        if (t + FO_VR_AHEAD < n) {  /* the row visited FO_VR_AHEAD steps later: a fresh access */
            const int64_t r = perm[t + FO_VR_AHEAD];
            if (sparse) {
                const int64_t q0 = d->indptr[r], nnz = d->indptr[r + 1] - q0;
                fo_prefetch_span(d->data + q0, nnz * (int64_t)sizeof(FO_T));
                fo_prefetch_span(d->indices + q0, nnz * (int64_t)sizeof(int32_t));
            } else {
                fo_prefetch_span(d->X + r * p, p * (int64_t)sizeof(FO_T));
            }
            FO_PREFETCH(d->y + r);
            FO_PREFETCH(st->memory + r * K);
            if (d->sample_weight) FO_PREFETCH(d->sample_weight + r);
            if (cfg->line_search) FO_PREFETCH(st->row_sqnorm + r);
            if (method == FO_VR_SAG) FO_PREFETCH(st->seen + r);
        }
        const double w_i = d->sample_weight ? (double)d->sample_weight[i] : 1.0;
        const double s_i = cfg->weight_scale * w_i;
        if (sparse && K == 1 && !prox) {  /* the catch-up and the score in one pass */
            double dot = 0.0;
            for (int64_t q = d->indptr[i]; q < d->indptr[i + 1]; q++) {
                const int64_t j = d->indices[q];
                FO_SUF(vr_catch_up)(w, S, 1, p, j, cum, last, t);
                dot += (double)d->data[q] * w[j];
            }
            z[0] = wscale * dot + b[0];
        } else {
            if (sparse)
                for (int64_t q = d->indptr[i]; q < d->indptr[i + 1]; q++) {
                    if (prox)
                        FO_SUF(vr_catch_up_prox)(w, S, K, p, d->indices[q], cum, last, t, lam);
                    else
                        FO_SUF(vr_catch_up)(w, S, K, p, d->indices[q], cum, last, t);
                }
            FO_SUF(vr_scores)(d, i, K, w, wscale, b, z);
        }
        const double l = FO_SUF(vr_sample_loss)(loss, K, z, (double)d->y[i], s_i, g, scratch);
        if (!isfinite(l)) {
            status = (loss == FO_LOSS_SOFTMAX && !(d->y[i] >= 0 && d->y[i] < K))
                         ? FO_ERR_BAD_ARGUMENT : FO_ERR_NONFINITE;
            goto cleanup;
        }
        loss_sum += w_i * l;
        w_sum += w_i;
        if (cfg->line_search) {
            int tested;
            L = FO_SUF(vr_lipschitz_test)(loss, K, z, (double)d->y[i], s_i, l, g,
                                          st->row_sqnorm[i], L, scratch, &tested);
            if (cfg->lipschitz_max > 0.0 && L > cfg->lipschitz_max) L = cfg->lipschitz_max;
            eta = cfg->step_fraction / (L + cfg->step_offset);
            a = 1.0 - eta * cfg->alpha;
            ab = 1.0 - eta * cfg->alpha_intercept;
            /* the decay only after a test: near an interpolating optimum every sample's
             * gradient falls below the test's threshold, and an estimate decaying
             * untested would shrink until the steps diverge up to that threshold */
            if (tested) L *= L_decay;
        }
        double *m = st->memory + i * K;
        if (method == FO_VR_SAG && !st->seen[i]) {
            st->seen[i] = 1;
            st->n_seen++;
        }
        const double inv_m = 1.0 / (double)(method == FO_VR_SAG ? st->n_seen : n);
        const double c = eta * inv_m;
        /* z now holds dg = g_i - m_i; the memory takes g_i (SVRG keeps its snapshot) */
        for (int64_t k = 0; k < K; k++) {
            z[k] = g[k] - m[k];
            if (method != FO_VR_SVRG) m[k] = g[k];
        }
        for (int64_t k = 0; intercept && k < K; k++) {  /* the intercepts, every step */
            const double dg = z[k];
            if (method == FO_VR_SAG) {
                Sb[k] += dg;
                b[k] = ab * b[k] - c * Sb[k];
            } else {
                b[k] = ab * b[k] - eta * dg - c * Sb[k];
                if (method == FO_VR_SAGA) Sb[k] += dg;
            }
        }
        if (!sparse) {
            const FO_T *x = d->X + i * p;
            for (int64_t k = 0; k < K; k++) {
                if (method == FO_VR_SAG)
                    FO_SUF(vr_dense_sag)(x, w + k * p, S + k * p, p, z[k], a, c);
                else if (prox)
                    FO_SUF(vr_dense_saga_prox)(x, w + k * p, S + k * p, p, z[k], a, eta, c,
                                               eta * cfg->l1);
                else if (method == FO_VR_SAGA)
                    FO_SUF(vr_dense_saga)(x, w + k * p, S + k * p, p, z[k], a, eta, c);
                else
                    FO_SUF(vr_dense_svrg)(x, w + k * p, S + k * p, p, z[k], a, eta, c);
            }
            continue;
        }
        /* CSR: w = wscale v; this step's decay goes into wscale, its S terms to the
         * visited columns now and to the others through cum */
        wscale *= a;
        const double inv_scale = 1.0 / wscale;
        for (int64_t q = d->indptr[i]; q < d->indptr[i + 1]; q++) {
            const int64_t j = d->indices[q];
            const double x = (double)d->data[q];
            for (int64_t k = 0; k < K; k++) {
                double *vj = w + k * p + j, *sj = S + k * p + j;
                const double gx = z[k] * x;
                if (method == FO_VR_SAG) {
                    *sj += gx;
                    *vj -= c * inv_scale * *sj;
                } else {
                    *vj -= (eta * gx + c * *sj) * inv_scale;
                    if (prox) { /* the step's proximal map, in v's units */
                        const double thr = eta * cfg->l1 * inv_scale;
                        *vj = *vj > thr ? *vj - thr : (*vj < -thr ? *vj + thr : 0.0);
                    }
                    if (method == FO_VR_SAGA) *sj += gx;
                }
            }
            last[j] = t + 1;
        }
        cum[t + 1] = cum[t] + c * inv_scale;
        if (wscale < 1e-9) {  /* fold the scale into v before it underflows */
            for (int64_t j = 0; j < p; j++) {
                if (prox)
                    FO_SUF(vr_catch_up_prox)(w, S, K, p, j, cum, last, t + 1, lam);
                else
                    FO_SUF(vr_catch_up)(w, S, K, p, j, cum, last, t + 1);
            }
            for (int64_t j = 0; j < K * p; j++) w[j] *= wscale;
            wscale = 1.0;
            cum[t + 1] = 0.0;  /* every column is at t + 1: the earlier sums are not read again */
        }
    }
    if (sparse) {
        for (int64_t j = 0; j < p; j++) {
            if (prox)
                FO_SUF(vr_catch_up_prox)(w, S, K, p, j, cum, last, n, lam);
            else
                FO_SUF(vr_catch_up)(w, S, K, p, j, cum, last, n);
        }
        for (int64_t j = 0; j < K * p; j++) w[j] *= wscale;
    }
    for (int64_t j = 0; j < K * p; j++)
        if (!isfinite(w[j]) || !isfinite((double)(FO_T)w[j])) {
            status = FO_ERR_NONFINITE;
            goto cleanup;
        }
    for (int64_t k = 0; intercept && k < K; k++)
        if (!isfinite((double)(FO_T)b[k])) {
            status = FO_ERR_NONFINITE;
            goto cleanup;
        }
    if (cfg->line_search) st->lipschitz = L;
    for (int64_t j = 0; j < K * p; j++) coef[j] = (FO_T)w[j];
    for (int64_t k = 0; intercept && k < K; k++) intercept[k] = (FO_T)b[k];
    *mean_loss = w_sum > 0.0 ? loss_sum / w_sum : 0.0;
cleanup:
    free(w);
    free(perm);
    free(parts);
    free(cum);
    free(last);
    return status;
}
