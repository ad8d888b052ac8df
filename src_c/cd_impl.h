/*
 * cd_impl.h -- the elastic-net coordinate descent over dense column-major or
 * CSC data for one floating type; cd.c includes it twice (FO_T, FO_SUF, FO_DX,
 * FO_DV naming the dense and CSC value pointers of fo_cd_data).
 */

/* The state of the residual: R = Rr + c q (CSC with centering) or R = Rr. */
typedef struct {
    double *Rr;       /* n_samples */
    double c;         /* x_mean . w (CSC with centering), else 0 */
    double s;         /* q . Rr (CSC with centering), else 0 */
} FO_SUF(fo_cd_resid);

#if FO_HAVE_VECTOR_EXT
/* 4 entries of a column as doubles. */
FO_INLINE fo_v4d FO_SUF(fo_cd_load4)(const FO_T *p)
{
#if FO_CD_FLOAT
    fo_v4f v;
    memcpy(&v, p, sizeof v);
    return __builtin_convertvector(v, fo_v4d);
#else
    return fo_load_v4d(p);
#endif
}
#endif

/* sum_i col_i r_i over a dense column: four independent vector accumulators, so that
 * the sum runs at the FMA units' throughput rather than at one add's latency. */
FO_INLINE double FO_SUF(fo_cd_dense_dot)(const FO_T *FO_RESTRICT col,
                                         const double *FO_RESTRICT r, int64_t n)
{
    int64_t i = 0;
    double acc = 0.0;
#if FO_HAVE_VECTOR_EXT
    fo_v4d a0 = {0.0, 0.0, 0.0, 0.0}, a1 = a0, a2 = a0, a3 = a0;
    for (; i + 16 <= n; i += 16) {
        a0 += FO_SUF(fo_cd_load4)(col + i) * fo_load_v4d(r + i);
        a1 += FO_SUF(fo_cd_load4)(col + i + 4) * fo_load_v4d(r + i + 4);
        a2 += FO_SUF(fo_cd_load4)(col + i + 8) * fo_load_v4d(r + i + 8);
        a3 += FO_SUF(fo_cd_load4)(col + i + 12) * fo_load_v4d(r + i + 12);
    }
    for (; i + 4 <= n; i += 4) a0 += FO_SUF(fo_cd_load4)(col + i) * fo_load_v4d(r + i);
    acc = fo_hsum_v4d((a0 + a1) + (a2 + a3));
#endif
    for (; i < n; i++) acc += (double)col[i] * r[i];
    return acc;
}

/* r -= delta col, then return next . r (the updated r): one sweep over r instead of two,
 * with the same blocking and order of sums as fo_cd_dense_dot, so the same bits as the
 * two loops in turn. */
FO_INLINE double FO_SUF(fo_cd_dense_axpy_dot)(const FO_T *FO_RESTRICT col, double delta,
                                              const FO_T *FO_RESTRICT next,
                                              double *FO_RESTRICT r, int64_t n)
{
    int64_t i = 0;
    double acc = 0.0;
#if FO_HAVE_VECTOR_EXT
    const fo_v4d dv = {delta, delta, delta, delta};
    fo_v4d a0 = {0.0, 0.0, 0.0, 0.0}, a1 = a0, a2 = a0, a3 = a0;
    for (; i + 16 <= n; i += 16) {
        const fo_v4d r0 = fo_load_v4d(r + i) - dv * FO_SUF(fo_cd_load4)(col + i);
        const fo_v4d r1 = fo_load_v4d(r + i + 4) - dv * FO_SUF(fo_cd_load4)(col + i + 4);
        const fo_v4d r2 = fo_load_v4d(r + i + 8) - dv * FO_SUF(fo_cd_load4)(col + i + 8);
        const fo_v4d r3 = fo_load_v4d(r + i + 12) - dv * FO_SUF(fo_cd_load4)(col + i + 12);
        fo_store_v4d(r + i, r0);
        fo_store_v4d(r + i + 4, r1);
        fo_store_v4d(r + i + 8, r2);
        fo_store_v4d(r + i + 12, r3);
        a0 += FO_SUF(fo_cd_load4)(next + i) * r0;
        a1 += FO_SUF(fo_cd_load4)(next + i + 4) * r1;
        a2 += FO_SUF(fo_cd_load4)(next + i + 8) * r2;
        a3 += FO_SUF(fo_cd_load4)(next + i + 12) * r3;
    }
    for (; i + 4 <= n; i += 4) {
        const fo_v4d r0 = fo_load_v4d(r + i) - dv * FO_SUF(fo_cd_load4)(col + i);
        fo_store_v4d(r + i, r0);
        a0 += FO_SUF(fo_cd_load4)(next + i) * r0;
    }
    acc = fo_hsum_v4d((a0 + a1) + (a2 + a3));
#endif
    for (; i < n; i++) {
        r[i] -= delta * (double)col[i];
        acc += (double)next[i] * r[i];
    }
    return acc;
}

/* sum_i x_ij Rr_i, the raw column dot product. */
FO_INLINE double FO_SUF(fo_cd_col_dot)(const fo_cd_data *data, int64_t j,
                                       const double *FO_RESTRICT Rr)
{
    double acc = 0.0;
    if (data->FO_DX != NULL) {
        const int64_t n = data->n_samples;
        acc = FO_SUF(fo_cd_dense_dot)(data->FO_DX + j * n, Rr, n);
    } else {
        const int64_t lo = data->indptr[j], hi = data->indptr[j + 1];
        const FO_T *FO_RESTRICT v = data->FO_DV;
        const int32_t *FO_RESTRICT ind = data->indices;
        for (int64_t k = lo; k < hi; k++) acc += (double)v[k] * Rr[ind[k]];
    }
    return acc;
}

/* Rr -= delta x_j (raw column). */
FO_INLINE void FO_SUF(fo_cd_col_axpy)(const fo_cd_data *data, int64_t j, double delta,
                                      double *FO_RESTRICT Rr)
{
    if (data->FO_DX != NULL) {
        const int64_t n = data->n_samples;
        const FO_T *FO_RESTRICT col = data->FO_DX + j * n;
        FO_SIMD
        for (int64_t i = 0; i < n; i++) Rr[i] -= delta * (double)col[i];
    } else {
        const int64_t lo = data->indptr[j], hi = data->indptr[j + 1];
        const FO_T *FO_RESTRICT v = data->FO_DV;
        const int32_t *FO_RESTRICT ind = data->indices;
        for (int64_t k = lo; k < hi; k++) Rr[ind[k]] -= delta * (double)v[k];
    }
}

/* x~_j . R for the (implicitly) centered column and the full residual. */
FO_INLINE double FO_SUF(fo_cd_dot)(const fo_cd_data *data, int64_t j,
                                   const FO_SUF(fo_cd_resid) *r, const double *colq, double q2)
{
    double acc = FO_SUF(fo_cd_col_dot)(data, j, r->Rr);
    if (colq != NULL) acc += r->c * colq[j] - data->x_mean[j] * (r->s + r->c * q2);
    return acc;
}

/* w_j += delta: update the residual. */
FO_INLINE void FO_SUF(fo_cd_move)(const fo_cd_data *data, int64_t j, double delta,
                                  FO_SUF(fo_cd_resid) *r, const double *colq)
{
    FO_SUF(fo_cd_col_axpy)(data, j, delta, r->Rr);
    if (colq != NULL) {
        r->c += data->x_mean[j] * delta;
        r->s -= delta * colq[j];
    }
}

/* The duality gap at w (fo_cd.h), with XtA (n_features, written) and c. */
static double FO_SUF(fo_cd_gap)(const fo_cd_data *data, const fo_cd_params *p, const double *w,
                                const FO_SUF(fo_cd_resid) *r, const double *colq, double q2,
                                double qy, double *XtA, double *dual_scale)
{
    const int64_t n = data->n_samples, d = data->n_features;
    const double *Rr = r->Rr, *y = data->y;
    double rr = 0.0, ry = 0.0;
    for (int64_t i = 0; i < n; i++) {
        rr += Rr[i] * Rr[i];
        ry += Rr[i] * y[i];
    }
    if (colq != NULL) {
        rr += 2.0 * r->c * r->s + r->c * r->c * q2;
        ry += r->c * qy;
    }
    double dual_norm = 0.0, l1norm = 0.0, w2 = 0.0;
    for (int64_t j = 0; j < d; j++) {
        XtA[j] = fo_cd_xta(p, FO_SUF(fo_cd_dot)(data, j, r, colq, q2), w[j], &dual_norm);
        l1norm += fabs(w[j]);
        w2 += w[j] * w[j];
    }
    return fo_cd_gap_value(p, rr, ry, dual_norm, l1norm, w2, dual_scale);
}

FO_HOT static int FO_SUF(fo_cd_solve)(const fo_cd_data *data, const fo_cd_params *p, double *w,
                                      double *gap_out, int64_t *n_iter_out)
{
    const int64_t n = data->n_samples, d = data->n_features;
    const size_t nn = (size_t)(n > 0 ? n : 1), dd = (size_t)(d > 0 ? d : 1);
    const int centered = data->FO_DX == NULL && data->x_mean != NULL;
    const int dense = data->FO_DX != NULL;
    double *Rr = malloc(nn * sizeof(double));
    double *norm2 = malloc(dd * sizeof(double));
    double *XtA = malloc(dd * sizeof(double));
    double *colq = centered ? malloc(dd * sizeof(double)) : NULL;
    int64_t *active = malloc(dd * sizeof(int64_t));
    int64_t *dropped = malloc(dd * sizeof(int64_t));
    if (!Rr || !norm2 || !XtA || !active || !dropped || (centered && !colq)) {
        free(Rr); free(norm2); free(XtA); free(colq); free(active); free(dropped);
        return FO_ERR_NO_MEMORY;
    }
    const double *y = data->y;
    double q2 = 0.0, qy = 0.0;
    if (centered) {
        for (int64_t i = 0; i < n; i++) {
            q2 += data->q[i] * data->q[i];
            qy += data->q[i] * y[i];
        }
    }
    /* column norms of the centered columns; the residual at the warm start */
    int64_t n_active = 0;
    for (int64_t j = 0; j < d; j++) {
        double s2 = 0.0, sq = 0.0;
        if (data->FO_DX != NULL) {
            const FO_T *FO_RESTRICT col = data->FO_DX + j * n;
            FO_SIMD_REDUCTION(+, s2)
            for (int64_t i = 0; i < n; i++) s2 += (double)col[i] * (double)col[i];
        } else {
            const FO_T *v = data->FO_DV;
            for (int64_t k = data->indptr[j]; k < data->indptr[j + 1]; k++) {
                s2 += (double)v[k] * (double)v[k];
                if (centered) sq += (double)v[k] * data->q[data->indices[k]];
            }
        }
        if (centered) {
            colq[j] = sq;
            const double m = data->x_mean[j];
            s2 += -2.0 * m * sq + m * m * q2;
            if (s2 < 1e-12 * (m * m * q2)) s2 = 0.0; /* a constant column, up to rounding */
        }
        if (!isfinite(s2)) { /* X too large for float64: no step would be finite */
            free(Rr); free(norm2); free(XtA); free(colq); free(active); free(dropped);
            return FO_ERR_NONFINITE;
        }
        norm2[j] = s2;
        if (s2 > 0.0 || (p->l1 == 0.0 && p->l2 == 0.0))
            active[n_active++] = j;
        else
            w[j] = 0.0; /* a zero column: its weight is 0 at any penalized optimum */
    }
    for (int64_t i = 0; i < n; i++) Rr[i] = y[i];
    FO_SUF(fo_cd_resid) r = {Rr, 0.0, 0.0};
    if (centered) {
        double s = 0.0;
        for (int64_t i = 0; i < n; i++) s += data->q[i] * Rr[i];
        r.s = s;
    }
    for (int64_t j = 0; j < d; j++)
        if (w[j] != 0.0) FO_SUF(fo_cd_move)(data, j, w[j], &r, colq);

    int64_t iter = 0, steps = 0;
    uint64_t rng = fo_rng_seed(p->seed);
    int status = FO_STOP_MAX_ITER;
    double gap = HUGE_VAL;
    fo_stop_poll stop;
    fo_stop_poll_init(&stop, p->should_stop, p->stop_ctx);

    for (int check = 1;;) {
        if (check) { /* the gap (first at the start: a warm start may be optimal already) */
            double scale;
            gap = FO_SUF(fo_cd_gap)(data, p, w, &r, colq, q2, qy, XtA, &scale);
            if (fo_cd_gap_ends(gap, p->gap_tol, &status)) break;
            const int64_t n_dropped = fo_cd_screen(p, XtA, norm2, gap, scale, active, &n_active,
                                                   dropped);
            for (int64_t k = 0; k < n_dropped; k++) {
                const int64_t j = dropped[k];
                if (w[j] != 0.0) FO_SUF(fo_cd_move)(data, j, -w[j], &r, colq);
                w[j] = 0.0;
            }
        }
        if (iter >= p->max_iter) break;
        double w_max = 0.0, dw_max = 0.0;
        /* dense X: the next coordinate is drawn before this one's residual update, so
         * that the update and the next dot product share one sweep over R */
        int64_t j_next = n_active == 0 ? 0
                         : p->random ? active[fo_rng_below(&rng, n_active)] : active[0];
        double dot_next = 0.0;
        int have_dot = 0;
        for (int64_t k = 0; k < n_active; k++) {
            const int64_t j = j_next;
            if (k + 1 < n_active)
                j_next = p->random ? active[fo_rng_below(&rng, n_active)] : active[k + 1];
            const double dot = have_dot ? dot_next : FO_SUF(fo_cd_dot)(data, j, &r, colq, q2);
            have_dot = 0;
            if (norm2[j] == 0.0) continue;
            const double w_old = w[j];
            const double t = dot + norm2[j] * w_old;
            const double w_new = fo_cd_threshold(t, p->l1, p->positive) / (norm2[j] + p->l2);
            if (w_new != w_old) {
                if (dense && k + 1 < n_active) {
                    dot_next = FO_SUF(fo_cd_dense_axpy_dot)(data->FO_DX + j * n, w_new - w_old,
                                                            data->FO_DX + j_next * n, Rr, n);
                    have_dot = 1;
                } else {
                    FO_SUF(fo_cd_move)(data, j, w_new - w_old, &r, colq);
                }
            }
            w[j] = w_new;
            const double dw = fabs(w_new - w_old);
            if (dw > dw_max) dw_max = dw;
            if (fabs(w_new) > w_max) w_max = fabs(w_new);
            if ((++steps & 63) == 0 && fo_stop_poll_check(&stop)) {
                status = FO_STOP_INTERRUPTED;
                goto done;
            }
        }
        iter++;
        /* scikit-learn's pass test; the loop's head then computes the gap */
        check = w_max == 0.0 || dw_max / w_max <= p->tol || iter == p->max_iter;
    }
done:
    *gap_out = gap;
    *n_iter_out = iter;
    free(Rr); free(norm2); free(XtA); free(colq); free(active); free(dropped);
    return status;
}

/* -- newGLMNET for the L1 / elastic-net logistic regression (fo_cd.h) ------------------- */

/* The extra Newton step after the stopping test solves its model to this fraction of the
 * violation (fo_cd.h). */
#define FO_GL_POLISH_FACTOR 1e-2

/* sum_i a_i x_ij, sum_i D_i x_ij^2 and sum_i D_i x_ij, in one read of column j. */
FO_INLINE void FO_SUF(fo_gl_col_sums)(const fo_cd_data *data, int64_t j,
                                      const double *FO_RESTRICT a,
                                      const double *FO_RESTRICT D, double *g, double *h,
                                      double *c)
{
    double ga = 0.0, ha = 0.0, ca = 0.0;
    if (data->FO_DX != NULL) {
        const int64_t n = data->n_samples;
        const FO_T *FO_RESTRICT col = data->FO_DX + j * n;
        FO_SIMD_REDUCTION3(+, ga, +, ha, +, ca)
        for (int64_t i = 0; i < n; i++) {
            const double x = (double)col[i], dx = D[i] * x;
            ga += a[i] * x;
            ha += dx * x;
            ca += dx;
        }
    } else { /* two interleaved sums each: the gathers' latency chains halved */
        const FO_T *FO_RESTRICT v = data->FO_DV;
        const int32_t *FO_RESTRICT ind = data->indices;
        const int64_t hi = data->indptr[j + 1];
        double g2 = 0.0, h2 = 0.0, c2 = 0.0;
        int64_t k = data->indptr[j];
        for (; k + 1 < hi; k += 2) {
            const double x = (double)v[k], dx = D[ind[k]] * x;
            const double x2 = (double)v[k + 1], dx2 = D[ind[k + 1]] * x2;
            ga += a[ind[k]] * x;
            ha += dx * x;
            ca += dx;
            g2 += a[ind[k + 1]] * x2;
            h2 += dx2 * x2;
            c2 += dx2;
        }
        if (k < hi) {
            const double x = (double)v[k], dx = D[ind[k]] * x;
            ga += a[ind[k]] * x;
            ha += dx * x;
            ca += dx;
        }
        ga += g2;
        ha += h2;
        ca += c2;
    }
    *g = ga;
    *h = ha;
    *c = ca;
}

/* sum_i r_i x_ij, four interleaved sums on CSC (the inner passes' model gradient). */
FO_INLINE double FO_SUF(fo_gl_col_dot)(const fo_cd_data *data, int64_t j,
                                       const double *FO_RESTRICT r)
{
    if (data->FO_DX != NULL) return FO_SUF(fo_cd_col_dot)(data, j, r);
    const FO_T *FO_RESTRICT v = data->FO_DV;
    const int32_t *FO_RESTRICT ind = data->indices;
    const int64_t hi = data->indptr[j + 1];
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int64_t k = data->indptr[j];
    for (; k + 3 < hi; k += 4) {
        s0 += (double)v[k] * r[ind[k]];
        s1 += (double)v[k + 1] * r[ind[k + 1]];
        s2 += (double)v[k + 2] * r[ind[k + 2]];
        s3 += (double)v[k + 3] * r[ind[k + 3]];
    }
    for (; k < hi; k++) s0 += (double)v[k] * r[ind[k]];
    return (s0 + s1) + (s2 + s3);
}

/* Xd += delta x_j and DXd += delta D x_j (the part of X d from the features). */
FO_INLINE void FO_SUF(fo_gl_col_move)(const fo_cd_data *data, int64_t j, double delta,
                                      const double *FO_RESTRICT D, double *FO_RESTRICT Xd,
                                      double *FO_RESTRICT DXd)
{
    if (data->FO_DX != NULL) {
        const int64_t n = data->n_samples;
        const FO_T *FO_RESTRICT col = data->FO_DX + j * n;
        FO_SIMD
        for (int64_t i = 0; i < n; i++) {
            const double t = delta * (double)col[i];
            Xd[i] += t;
            DXd[i] += D[i] * t;
        }
    } else {
        const FO_T *FO_RESTRICT v = data->FO_DV;
        const int32_t *FO_RESTRICT ind = data->indices;
        for (int64_t k = data->indptr[j]; k < data->indptr[j + 1]; k++) {
            const double t = delta * (double)v[k];
            Xd[ind[k]] += t;
            DXd[ind[k]] += D[ind[k]] * t;
        }
    }
}

/* F at the margins z (penalty terms from w). */
static double FO_SUF(fo_gl_objective)(const fo_cd_data *data, const double *cost,
                                      const fo_glmnet_params *p, const double *z,
                                      const double *w)
{
    double f = 0.0, a = 0.0, q = 0.0;
    for (int64_t i = 0; i < data->n_samples; i++)
        if (cost[i] != 0.0) f += cost[i] * fo_gl_loss(p->loss, data->y[i] * z[i]);
    for (int64_t j = 0; j < data->n_features; j++) {
        a += fabs(w[j]);
        q += w[j] * w[j];
    }
    return f + p->l1 * a + 0.5 * p->l2 * q;
}

/* The largest violation of the optimality conditions at the margins z and coefficients w
 * over the features index[0 .. active) and the intercept; gi: n_samples scratch doubles. */
static double FO_SUF(fo_gl_trial_violation)(const fo_cd_data *data, const double *cost,
                                            const fo_glmnet_params *p, const double *z,
                                            const double *w, const int64_t *index,
                                            int64_t active, double *gi)
{
    const int64_t n = data->n_samples;
    const double *y = data->y;
    double gb = 0.0, out = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double g, curvature;
        fo_gl_derivatives(p->loss, y[i] * z[i], cost[i], &g, &curvature);
        gi[i] = g * y[i];
        gb += gi[i];
    }
    if (p->fit_intercept) out = fabs(gb);
    for (int64_t s = 0; s < active; s++) {
        const int64_t j = index[s];
        int drop;
        const double v = fo_gl_violation(w[j], FO_SUF(fo_cd_col_dot)(data, j, gi) + p->l2 * w[j],
                                         p->l1, 0.0, &drop);
        if (v > out) out = v;
    }
    return out;
}

FO_HOT static int FO_SUF(fo_gl_solve)(const fo_cd_data *data, const double *cost,
                                      const fo_glmnet_params *p, double *w, double *b_io,
                                      int64_t *n_iter_out)
{
    const int64_t n = data->n_samples, d = data->n_features;
    const size_t nn = (size_t)(n > 0 ? n : 1), dd = (size_t)(d > 0 ? d : 1);
    double *z = malloc(nn * sizeof(double)), *znew = malloc(nn * sizeof(double));
    double *gi = malloc(nn * sizeof(double)), *D = malloc(nn * sizeof(double));
    double *Xd = malloc(nn * sizeof(double)), *DXd = malloc(nn * sizeof(double));
    double *grad = malloc(dd * sizeof(double)), *H = malloc(dd * sizeof(double));
    double *dw = malloc(dd * sizeof(double)), *wnew = malloc(dd * sizeof(double));
    double *colD = malloc(dd * sizeof(double));
    int64_t *index = malloc(dd * sizeof(int64_t));
    int status = FO_STOP_MAX_ITER;
    int64_t iter = 0, steps = 0;
    if (!z || !znew || !gi || !D || !Xd || !DXd || !grad || !H || !dw || !wnew || !colD ||
        !index) {
        status = FO_ERR_NO_MEMORY;
        goto done;
    }
    const double *y = data->y, l1 = p->l1, l2 = p->l2;
    const double nscale = n > 0 ? (double)n : 1.0;
    double b = p->fit_intercept ? *b_io : 0.0;
    uint64_t rng = fo_rng_seed(p->seed);
    fo_stop_poll stop;
    fo_stop_poll_init(&stop, p->should_stop, p->stop_ctx);
    for (int64_t j = 0; j < d; j++) index[j] = j;
    /* the margins at the start */
    for (int64_t i = 0; i < n; i++) z[i] = b;
    for (int64_t j = 0; j < d; j++)
        if (w[j] != 0.0) FO_SUF(fo_cd_col_axpy)(data, j, -w[j], z);
    /* the scale of the stopping rule: the largest |gradient| at w = 0, b = 0 (no L1); from
     * a cold start, that of the first iteration (below), else a pass of its own */
    int cold = b == 0.0;
    for (int64_t j = 0; j < d && cold; j++) cold = w[j] == 0.0;
    double scale = -1.0;
    if (!cold) {
        scale = 0.0;
        for (int64_t i = 0; i < n; i++) {
            double g;
            fo_gl_derivatives(p->loss, 0.0, cost[i], &g, &D[i]);
            gi[i] = g * y[i];
        }
        for (int64_t j = 0; j < d; j++) {
            const double g = fabs(FO_SUF(fo_cd_col_dot)(data, j, gi));
            if (g > scale) scale = g;
        }
        if (p->fit_intercept) {
            double gb = 0.0;
            for (int64_t i = 0; i < n; i++) gb += gi[i];
            if (fabs(gb) > scale) scale = fabs(gb);
        }
    }
    double F = FO_SUF(fo_gl_objective)(data, cost, p, z, w);
    if (!isfinite(F) || !isfinite(scale)) {
        status = FO_ERR_NONFINITE;
        goto done;
    }
    /* liblinear's bookkeeping: the active features (index[0 .. active)), the largest
     * violation of the last outer iteration (the shrinking margin, per sample), the
     * 1-norm of the first violation and the inner tolerance relative to it */
    int64_t active = d;
    double Gmax_old = INFINITY, Gnorm1_init = -1.0, inner_eps = 1.0;
    int polished = 0;
    while (1) {
        /* the loss's gradient and (generalized) curvature at z */
        double gb = 0.0, Hb = 0.0;
        for (int64_t i = 0; i < n; i++) {
            double g;
            fo_gl_derivatives(p->loss, y[i] * z[i], cost[i], &g, &D[i]);
            gi[i] = g * y[i];
            gb += gi[i];
            Hb += D[i];
        }
        /* a curvature floor (1-D models of empty columns and satisfied hinges stay bounded),
         * relative to the mean curvature per sample so that a tiny C scales it too */
        const double nu = Hb > 0.0 ? 1e-12 * Hb / nscale : DBL_MIN;
        Hb += nu;
        double Gmax_new = 0.0, Gnorm1 = 0.0;
        const double margin = Gmax_old / nscale;
        const int full = active == d; /* this pass sees every feature */
        for (int64_t s = 0; s < active; s++) {
            const int64_t j = index[s];
            double g, h, c;
            FO_SUF(fo_gl_col_sums)(data, j, gi, D, &g, &h, &c);
            if (!isfinite(h)) { /* x_ij^2 overflows: no step could be measured */
                status = FO_ERR_NONFINITE;
                goto done;
            }
            g += l2 * w[j];
            grad[j] = g;
            colD[j] = c;
            /* the curvature along x_j with the intercept re-minimized (below) */
            const double hr = p->fit_intercept ? h - c * c / Hb : h;
            H[j] = (hr > 1e-10 * h ? hr : 1e-10 * h) + l2 + nu;
            int drop;
            const double v = fo_gl_violation(w[j], g, l1, margin, &drop);
            if (drop) { /* shrunk until the outer test passes on the active set */
                index[s] = index[--active];
                index[active] = j;
                s--;
                continue;
            }
            if (v > Gmax_new) Gmax_new = v;
            Gnorm1 += v;
        }
        if (p->fit_intercept) Gnorm1 += fabs(gb);
        const double viol = p->fit_intercept && fabs(gb) > Gmax_new ? fabs(gb) : Gmax_new;
        if (!isfinite(viol)) {
            status = FO_ERR_NONFINITE;
            break;
        }
        if (Gnorm1_init < 0.0) Gnorm1_init = Gnorm1;
        if (scale < 0.0) { /* the first iteration from w = 0, b = 0: every feature was read */
            scale = p->fit_intercept ? fabs(gb) : 0.0;
            for (int64_t j = 0; j < d; j++)
                if (fabs(grad[j]) > scale) scale = fabs(grad[j]);
        }
        if (viol <= p->tol * scale || polished) {
            if (!full) {
                /* check the shrunk features too before stopping; the margin stays, since
                 * a feature shrunk in that pass has violation 0 there (w_j = 0, |g_j| < l1) */
                active = d;
                continue;
            }
            if (polished) {
                status = FO_OK;
                break;
            }
            polished = 1;
            const double want = FO_GL_POLISH_FACTOR * viol / (Gnorm1_init > 0 ? Gnorm1_init : 1.0);
            if (want < inner_eps) inner_eps = want;
        }
        Gmax_old = Gmax_new;
        if (iter >= p->max_iter) break;
        /* Coordinate descent on the quadratic model, from d = 0, over the active features
         * in a random order per pass, shrinking the inner set likewise.  The intercept's
         * step db is kept at the model's minimizer given the features' steps (its model
         * gradient gb + sum_i (D X d)_i + db Hb = 0), so that each step is one of the model
         * with b eliminated: curvature H_j - c_j^2 / Hb (c_j = sum_i D_i x_ij), and the
         * intercept's share of X d is db alone (Xd, DXd hold the features' share).  Without
         * that, the intercept and any set of features that sums to a constant (one-hot
         * groups) are collinear and the passes crawl along them. */
        for (int64_t i = 0; i < n; i++) {
            Xd[i] = 0.0;
            DXd[i] = 0.0;
        }
        for (int64_t j = 0; j < d; j++) dw[j] = 0.0;
        double db = p->fit_intercept ? -gb / Hb : 0.0, qp_Gmax_old = INFINITY;
        int64_t qp_active = active, passes = 0;
        while (passes < p->max_inner) {
            double qp_Gmax_new = 0.0, qp_Gnorm1 = 0.0;
            const double qp_margin = qp_Gmax_old / nscale;
            for (int64_t s = 0; s + 1 < qp_active; s++) { /* Fisher-Yates */
                const int64_t r = s + fo_rng_below(&rng, qp_active - s);
                const int64_t t = index[s];
                index[s] = index[r];
                index[r] = t;
            }
            for (int64_t s = 0; s < qp_active; s++) {
                const int64_t j = index[s];
                const double G = grad[j] + FO_SUF(fo_gl_col_dot)(data, j, DXd) + db * colD[j] +
                                 l2 * dw[j];
                const double wj = w[j] + dw[j];
                int drop;
                const double v = fo_gl_violation(wj, G, l1, qp_margin, &drop);
                if (drop) {
                    index[s] = index[--qp_active];
                    index[qp_active] = j;
                    s--;
                    continue;
                }
                if (v > qp_Gmax_new) qp_Gmax_new = v;
                qp_Gnorm1 += v;
                const double delta = fo_cd_threshold(H[j] * wj - G, l1, 0) / H[j] - wj;
                if (delta != 0.0) {
                    dw[j] += delta;
                    FO_SUF(fo_gl_col_move)(data, j, delta, D, Xd, DXd);
                    if (p->fit_intercept) db -= colD[j] * delta / Hb;
                }
                if ((++steps & 63) == 0 && fo_stop_poll_check(&stop)) {
                    status = FO_STOP_INTERRUPTED;
                    goto done;
                }
            }
            passes++;
            if (qp_Gnorm1 <= inner_eps * Gnorm1_init) {
                if (qp_active == active) break;
                qp_active = active; /* the shrunk coordinates again before the model is done */
                qp_Gmax_old = INFINITY;
                continue;
            }
            qp_Gmax_old = qp_Gmax_new;
        }
        if (passes == 1) inner_eps *= 0.25; /* a model met in one pass: ask more next time */
        for (int64_t i = 0; i < n; i++) Xd[i] += db; /* X d with the intercept's step */
        /* backtracking line search with sufficient decrease */
        /* the first-order change of the smooth part along d, plus the L1 term's change */
        double expected = gb * db, l1_old = 0.0, l1_new = 0.0;
        for (int64_t j = 0; j < d; j++) {
            expected += grad[j] * dw[j];
            l1_old += fabs(w[j]);
            l1_new += fabs(w[j] + dw[j]);
        }
        expected += l1 * (l1_new - l1_old);
        double step = 1.0, Fnew = F;
        int accepted = 0;
        for (int k = 0; k < 30; k++) {
            for (int64_t i = 0; i < n; i++) znew[i] = z[i] + step * Xd[i];
            for (int64_t j = 0; j < d; j++) wnew[j] = w[j] + step * dw[j];
            Fnew = FO_SUF(fo_gl_objective)(data, cost, p, znew, wnew);
            if (Fnew - F <= 0.01 * step * expected) {
                accepted = 1;
                break;
            }
            /* Near the optimum the decrease of a Newton step falls below the rounding of F
             * (about 1e-16 |F|, while the coefficients are still about 1e-8 from the
             * optimum): then the full step is taken if it lowers the violation instead
             * (scikit-learn's Newton solvers have the same fallback). */
            if (k == 0 && fabs(Fnew - F) <= 64.0 * DBL_EPSILON * fabs(F) &&
                FO_SUF(fo_gl_trial_violation)(data, cost, p, znew, wnew, index, active, DXd)
                    < viol) {
                accepted = 1;
                break;
            }
            step *= 0.5;
        }
        iter++;
        if (!accepted) { /* no decrease along d: optimal to rounding on the active set */
            if (full) {
                status = FO_OK;
                break;
            }
            active = d;
            continue;
        }
        for (int64_t i = 0; i < n; i++) z[i] = znew[i];
        for (int64_t j = 0; j < d; j++) w[j] = wnew[j];
        b += step * db;
        F = Fnew;
        if (!isfinite(F)) {
            status = FO_ERR_NONFINITE;
            break;
        }
    }
    if (p->fit_intercept) *b_io = b;
done:
    *n_iter_out = iter;
    free(z); free(znew); free(gi); free(D); free(Xd); free(DXd);
    free(grad); free(H); free(dw); free(wnew); free(colD); free(index);
    return status;
}
