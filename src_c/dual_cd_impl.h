/*
 * dual_cd_impl.h -- the dual coordinate descent solver for one floating type;
 * dual_cd.c includes it twice (FO_T, FO_SUF, FO_DATA).
 */

/* x~_i . w in double (dense row or CSR row, plus s w[d] with an intercept). */
FO_INLINE double FO_SUF(fo_dcd_dot)(const FO_DATA *data, int64_t i, const double *FO_RESTRICT w,
                                    double s)
{
    const int64_t d = data->n_features;
    double acc = 0.0;
    if (data->X != NULL) {
        const FO_T *FO_RESTRICT row = data->X + i * d;
        FO_SIMD_REDUCTION(+, acc)
        for (int64_t j = 0; j < d; j++) acc += (double)row[j] * w[j];
    } else {
        const int64_t lo = data->indptr[i], hi = data->indptr[i + 1];
        const FO_T *FO_RESTRICT v = data->data;
        const int32_t *FO_RESTRICT ind = data->indices;
        for (int64_t k = lo; k < hi; k++) acc += (double)v[k] * w[ind[k]];
    }
    return acc + s * w[d];
}

/* w += c x~_i. */
FO_INLINE void FO_SUF(fo_dcd_axpy)(const FO_DATA *data, int64_t i, double c, double *FO_RESTRICT w,
                                   double s)
{
    const int64_t d = data->n_features;
    if (data->X != NULL) {
        const FO_T *FO_RESTRICT row = data->X + i * d;
        FO_SIMD
        for (int64_t j = 0; j < d; j++) w[j] += c * (double)row[j];
    } else {
        const int64_t lo = data->indptr[i], hi = data->indptr[i + 1];
        const FO_T *FO_RESTRICT v = data->data;
        const int32_t *FO_RESTRICT ind = data->indices;
        for (int64_t k = lo; k < hi; k++) w[ind[k]] += c * (double)v[k];
    }
    w[d] += c * s;
}

/* Coordinates are visited in shuffled order: ask for everything coordinate i
 * reads, FO_DCD_PREFETCH coordinates ahead. */
#define FO_DCD_PREFETCH 8
FO_INLINE void FO_SUF(fo_dcd_prefetch)(const FO_DATA *data, int64_t i, const double *alpha,
                                       const double *qd, const double *diag, const double *upper)
{
    if (data->X != NULL) {
        fo_prefetch_span(data->X + i * data->n_features, data->n_features * (int64_t)sizeof(FO_T));
    } else {
        FO_PREFETCH(data->data + data->indptr[i]);
        FO_PREFETCH(data->indices + data->indptr[i]);
    }
    FO_PREFETCH(data->y + i);
    FO_PREFETCH(alpha + i);
    FO_PREFETCH(qd + i);
    FO_PREFETCH(diag + i);
    FO_PREFETCH(upper + i);
}

/* The coordinate-descent passes (Algorithm 1 with Algorithm 2's shrinking).
 *
 * Shrinking drops a coordinate at a bound whose gradient points out of the box by more
 * than the previous pass's projected-gradient range (liblinear's rule).  liblinear puts
 * the dropped coordinates back only once the shrunk set has converged to tol, so one
 * dropped too early stays out until then: at max_iter, or at a tol that rounding cannot
 * reach on the shrunk set, never.  Here every coordinate also comes back whenever the
 * shrunk set's spread has fallen to FO_DCD_RECHECK times the spread of the last pass
 * over all of them (a geometric schedule of checks, each a pass liblinear would have
 * made on the shrunk set), and the last pass before max_iter is over all of them.  At
 * max_iter=1000 this ends 2 (USPS) to 10^5 (standardized 8x8 digits, squared hinge) times
 * closer to the optimum than liblinear, and as close on a9a and reuters, where both
 * converge (bench_svm, tests/test_linear_svc.py). */
#define FO_DCD_RECHECK 0.1
FO_HOT static int FO_SUF(fo_dcd_solve)(const FO_DATA *data, const double *cost,
                                       const fo_dual_cd_params *p, double s, double *qd,
                                       double *diag, double *upper, int64_t *index,
                                       int64_t n_active0, double *alpha, double *w,
                                       int64_t *n_iter)
{
    const int64_t n_all = n_active0;
    int64_t active = n_all, iter = 0;
    double pg_max_old = HUGE_VAL, pg_min_old = -HUGE_VAL;
    uint64_t rng = fo_rng_seed(p->seed);
    int status = FO_STOP_MAX_ITER;
    fo_stop_poll stop;
    fo_stop_poll_init(&stop, p->should_stop, p->stop_ctx);
    double recheck_at = p->tol; /* the shrunk set's spread that brings every coordinate back */
    int pass_over_all = 1, recheck = 0;
    (void)cost;

    while (iter < p->max_iter) {
        double pg_max_new = -HUGE_VAL, pg_min_new = HUGE_VAL;
        if (active < n_all && (recheck || iter == p->max_iter - 1)) { /* a pass over all */
            active = n_all;
            pg_max_old = HUGE_VAL;
            pg_min_old = -HUGE_VAL;
            pass_over_all = 1;
            recheck = 0;
        }
        for (int64_t k = active - 1; k > 0; k--) { /* Fisher-Yates over the active set */
            const int64_t j = fo_rng_below(&rng, k + 1);
            const int64_t t = index[k];
            index[k] = index[j];
            index[j] = t;
        }
        for (int64_t k = 0; k < active; k++) {
            if ((k & 4095) == 0 && fo_stop_poll_check(&stop)) { /* every 4096 steps */
                status = FO_STOP_INTERRUPTED;
                goto done;
            }
            const int64_t i = index[k];
            if (k + FO_DCD_PREFETCH < active) FO_SUF(fo_dcd_prefetch)(data, index[k + FO_DCD_PREFETCH], alpha, qd, diag, upper);
            const double yi = (double)data->y[i];
            const double a = alpha[i];
            const double G = yi * FO_SUF(fo_dcd_dot)(data, i, w, s) - 1.0 + diag[i] * a;
            double pg = 0.0;
            if (!(fabs(G) <= DBL_MAX)) {
                status = FO_ERR_NONFINITE;
                goto done;
            }
            if (a == 0.0) {
                if (p->shrinking && G > pg_max_old) { /* stays at 0: drop it */
                    active--;
                    index[k] = index[active];
                    index[active] = i;
                    k--;
                    continue;
                }
                if (G < 0.0) pg = G;
            } else if (a == upper[i]) {
                if (p->shrinking && G < pg_min_old) { /* stays at U_i: drop it */
                    active--;
                    index[k] = index[active];
                    index[active] = i;
                    k--;
                    continue;
                }
                if (G > 0.0) pg = G;
            } else {
                pg = G;
            }
            if (pg > pg_max_new) pg_max_new = pg;
            if (pg < pg_min_new) pg_min_new = pg;
            if (fabs(pg) > 1e-12) {
                double a_new = a - G / qd[i];
                a_new = a_new < 0.0 ? 0.0 : (a_new > upper[i] ? upper[i] : a_new);
                alpha[i] = a_new;
                FO_SUF(fo_dcd_axpy)(data, i, (a_new - a) * yi, w, s);
            }
        }
        iter++;
        if (active == 0) { /* everything shrunk: recheck the whole set */
            pg_max_new = pg_min_new = 0.0;
        }
        const double spread = pg_max_new - pg_min_new;
        if (pass_over_all) {
            recheck_at = FO_DCD_RECHECK * spread > p->tol ? FO_DCD_RECHECK * spread : p->tol;
            pass_over_all = 0;
        }
        if (spread <= p->tol && active == n_all) {
            status = FO_OK;
            break;
        }
        if (spread <= recheck_at && active < n_all) {
            recheck = 1; /* converged (or far enough) on the shrunk set: check all of them */
            continue;
        }
        pg_max_old = pg_max_new > 0.0 ? pg_max_new : HUGE_VAL;
        pg_min_old = pg_min_new < 0.0 ? pg_min_new : -HUGE_VAL;
    }
done:
    *n_iter = iter;
    return status;
}

int FO_SUF(fo_dual_cd)(const FO_DATA *data, const double *cost, const fo_dual_cd_params *params,
                       double *alpha, double *w, int64_t *n_iter)
{
    int status = FO_OK;
    double *qd = NULL, *diag = NULL, *upper = NULL;
    int64_t *index = NULL;
    int64_t n, d, n_active = 0;
    double s;

    if (n_iter) *n_iter = 0;
    if (data == NULL || params == NULL || cost == NULL || alpha == NULL || w == NULL
        || n_iter == NULL || data->y == NULL || data->n_samples < 0 || data->n_features < 0
        || (data->X == NULL && (data->indptr == NULL || (data->n_samples > 0 && data->n_features > 0
                                                         && data->indices == NULL)))
        || (params->loss != FO_LOSS_HINGE && params->loss != FO_LOSS_SQUARED_HINGE)
        || params->max_iter < 1 || !(params->tol > 0.0) || !(params->tol <= DBL_MAX)
        || (params->fit_intercept
            && !(params->intercept_scaling > 0.0 && params->intercept_scaling <= DBL_MAX))) {
        status = FO_ERR_BAD_ARGUMENT;
        goto cleanup;
    }
    n = data->n_samples;
    d = data->n_features;
    s = params->fit_intercept ? params->intercept_scaling : 0.0;
    for (int64_t j = 0; j <= d; j++) w[j] = 0.0;
    for (int64_t i = 0; i < n; i++) alpha[i] = 0.0;
    if (n == 0) goto cleanup;

    qd = (double *)malloc((size_t)n * sizeof(double));
    diag = (double *)malloc((size_t)n * sizeof(double));
    upper = (double *)malloc((size_t)n * sizeof(double));
    index = (int64_t *)malloc((size_t)n * sizeof(int64_t));
    if (!qd || !diag || !upper || !index) {
        status = FO_ERR_NO_MEMORY;
        goto cleanup;
    }
    for (int64_t i = 0; i < n; i++) {
        const double c = cost[i], yi = (double)data->y[i];
        double sq = s * s;
        if (!(c >= 0.0 && c <= DBL_MAX) || (yi != 1.0 && yi != -1.0)) {
            status = FO_ERR_BAD_ARGUMENT;
            goto cleanup;
        }
        if (c == 0.0) continue; /* no cost: a_i = 0 for good */
        if (data->X != NULL) {
            const FO_T *row = data->X + i * d;
            for (int64_t j = 0; j < d; j++) sq += (double)row[j] * row[j];
        } else {
            for (int64_t k = data->indptr[i]; k < data->indptr[i + 1]; k++)
                sq += (double)data->data[k] * data->data[k];
        }
        if (params->loss == FO_LOSS_HINGE) {
            diag[i] = 0.0;
            upper[i] = c;
        } else {
            diag[i] = 0.5 / c;
            upper[i] = HUGE_VAL;
        }
        qd[i] = sq + diag[i];
        if (!(qd[i] <= DBL_MAX)) {
            status = FO_ERR_NONFINITE;
            goto cleanup;
        }
        if (qd[i] <= 0.0) continue; /* an all-zero row under the hinge: G = -1, a_i -> U_i */
        index[n_active++] = i;
    }
    /* rows with x~_i = 0 and hinge loss: the dual minimum is at a_i = C_i and they do not move w */
    for (int64_t i = 0; i < n; i++)
        if (cost[i] > 0.0 && qd[i] <= 0.0) alpha[i] = upper[i];
    if (n_active == 0) goto cleanup;
    status = FO_SUF(fo_dcd_solve)(data, cost, params, s, qd, diag, upper, index, n_active,
                                  alpha, w, n_iter);

cleanup:
    free(qd);
    free(diag);
    free(upper);
    free(index);
    return status;
}

#undef FO_DCD_PREFETCH
#undef FO_DCD_RECHECK
