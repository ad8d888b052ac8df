/*
 * cd.c -- the elastic net by coordinate descent (see fo_cd.h for the math).
 *
 * Three layouts share the pass, the stopping rule and the screening:
 *   dense column-major and CSC (cd_impl.h, once per floating type), where a
 *   step costs O(n) or O(nnz(x_j)) and keeps the residual R; and the Gram
 *   matrix (below), where a step costs O(d) and keeps H = X^T R, which pays
 *   when n_samples >> n_features (scikit-learn's precompute).
 *
 * CSC centering is implicit, as in scikit-learn's sparse solver: the column
 * x_j - m_j q is never formed.  With R = Rr + c q, c = m.w and s = q.Rr,
 *
 *     x~_j . R     = x_j . Rr + c (x_j . q) - m_j (s + c q.q)
 *     ||x~_j||^2   = ||x_j||^2 - 2 m_j (x_j . q) + m_j^2 q.q
 *     w_j += delta:  Rr -= delta x_j,  c += m_j delta,  s -= delta (x_j . q)
 *
 * so a step still touches only the stored entries of x_j.
 *
 * The same column kernels serve newGLMNET (fo_glmnet_logistic, cd_impl.h's second half):
 * the L1 / elastic-net logistic regression by Newton steps whose directions come from
 * coordinate descent on the quadratic model (Yuan, Ho & Lin, JMLR 13, 2012), behind
 * LogisticRegression(penalty='l1' | 'elasticnet') and LinearSVC(penalty='l1').
 *
 * References: J. Friedman, T. Hastie and R. Tibshirani, J. Stat. Softw.
 * 33(1), 2010 (coordinate descent, covariance updates); E. Ndiaye, O. Fercoq,
 * A. Gramfort and J. Salmon, JMLR 18(128), 2017 (gap-safe screening).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastoptim/fo_cd.h"
#include "fastoptim/fo_config.h"
#include "fastoptim/fo_vec.h"
#include "fastoptim/fo_rng.h"
#include "fastoptim/fo_status.h"
#include "fastoptim/fo_stop.h"

void fo_glmnet_params_init(fo_glmnet_params *params)
{
    params->loss = FO_GL_LOGISTIC;
    params->l1 = 0.0;
    params->l2 = 0.0;
    params->fit_intercept = 1;
    params->tol = 1e-4;
    params->max_iter = 100;
    params->max_inner = 100;
    params->seed = 0;
    params->should_stop = NULL;
    params->stop_ctx = NULL;
}

void fo_cd_params_init(fo_cd_params *params)
{
    params->l1 = 0.0;
    params->l2 = 0.0;
    params->positive = 0;
    params->random = 0;
    params->seed = 0;
    params->tol = 1e-4;
    params->gap_tol = 0.0;
    params->max_iter = 1000;
    params->screening = 1;
    params->should_stop = NULL;
    params->stop_ctx = NULL;
}

/* S(t, l1), or max(t - l1, 0) when positive. */
FO_INLINE double fo_cd_threshold(double t, double l1, int positive)
{
    if (positive) return t > l1 ? t - l1 : 0.0;
    if (t > l1) return t - l1;
    if (t < -l1) return t + l1;
    return 0.0;
}

/* The gap of fo_cd.h from ||R||^2, R.y, the dual norm of XtA, ||w||_1 and ||w||^2;
 * *dual_scale gets c = min(1, l1 / dual_norm).  Without an l1 penalty the dual
 * point cannot be scaled into a box: with l2 > 0 the gap is that of the ridge
 * dual over all residuals (Duenner et al. 2016, Section 5.2.3),
 *     ||R||^2 - R.y + l2/2 ||w||^2 + ||X^T R||^2 / (2 l2),
 * and with l2 = 0 as well, the squared norm of the gradient ||X^T R||^2.
 * There XtA is X^T R and dual_norm its squared norm. */
static double fo_cd_gap_value(const fo_cd_params *p, double rr, double ry, double dual_norm,
                              double l1norm, double w2, double *dual_scale)
{
    double c = 1.0;
    if (p->l1 == 0.0) {
        *dual_scale = 0.0;
        if (p->l2 == 0.0) return dual_norm;
        return rr - ry + 0.5 * p->l2 * w2 + dual_norm / (2.0 * p->l2);
    }
    if (dual_norm > p->l1) c = p->l1 / dual_norm;
    *dual_scale = c;
    return 0.5 * (1.0 + c * c) * rr + p->l1 * l1norm - c * ry + 0.5 * p->l2 * (1.0 + c * c) * w2;
}

/* A gap check's verdict: 1, with *status set, when the solve ends there (the gap is at
 * most gap_tol: FO_OK; it is not finite: FO_ERR_NONFINITE), else 0. */
FO_INLINE int fo_cd_gap_ends(double gap, double gap_tol, int *status)
{
    if (!isfinite(gap)) {
        *status = FO_ERR_NONFINITE;
        return 1;
    }
    if (gap <= gap_tol) {
        *status = FO_OK;
        return 1;
    }
    return 0;
}

/* One entry of XtA and its contribution to the dual norm (see fo_cd_gap_value). */
FO_INLINE double fo_cd_xta(const fo_cd_params *p, double xr, double wj, double *dual_norm)
{
    if (p->l1 == 0.0) {
        *dual_norm += xr * xr;
        return xr;
    }
    const double a = xr - p->l2 * wj;
    const double m = p->positive ? a : fabs(a);
    if (m > *dual_norm) *dual_norm = m;
    return a;
}

/* Gap-safe screening: move the active features that the sphere of radius
 * sqrt(2 gap) / l1 around the dual point proves zero from active[0:*n_active]
 * to dropped (returned: how many); the kept ones stay in order. */
static int64_t fo_cd_screen(const fo_cd_params *p, const double *XtA, const double *norm2,
                            double gap, double scale, int64_t *active, int64_t *n_active,
                            int64_t *dropped)
{
    if (!p->screening || p->l1 == 0.0) return 0;
    const double radius = sqrt(2.0 * (gap > 0.0 ? gap : 0.0)) / p->l1;
    int64_t kept = 0, n_dropped = 0;
    for (int64_t k = 0; k < *n_active; k++) {
        const int64_t j = active[k];
        const double a = p->positive ? XtA[j] : fabs(XtA[j]);
        if (scale * a / p->l1 + radius * sqrt(norm2[j] + p->l2) < 1.0)
            dropped[n_dropped++] = j;
        else
            active[kept++] = j;
    }
    *n_active = kept;
    return n_dropped;
}

/* log(1 + exp(-m)), without overflow (newGLMNET's objective). */
FO_INLINE double fo_gl_logloss(double m)
{
    return m > 0.0 ? log1p(exp(-m)) : -m + log1p(exp(m));
}

/* The loss of margin m = y z: log(1 + e^-m), or max(0, 1 - m)^2. */
FO_INLINE double fo_gl_loss(int loss, double m)
{
    if (loss == FO_GL_SQUARED_HINGE) return m < 1.0 ? (1.0 - m) * (1.0 - m) : 0.0;
    return fo_gl_logloss(m);
}

/* The loss's derivative and (generalized) second derivative at the margin m = y z, times
 * the sample's cost c: *g = c l'(m) (the derivative in z is *g y), *D = c l''(m) (the
 * squared hinge's 2 c on m < 1). */
FO_INLINE void fo_gl_derivatives(int loss, double m, double c, double *g, double *D)
{
    if (loss == FO_GL_SQUARED_HINGE) {
        const double slack = m < 1.0 ? 1.0 - m : 0.0;
        *g = -2.0 * c * slack;
        *D = slack > 0.0 ? 2.0 * c : 0.0;
    } else {
        const double pr = m >= 0.0 ? 1.0 / (1.0 + exp(-m)) : exp(m) / (1.0 + exp(m));
        *g = c * (pr - 1.0);
        *D = c * pr * (1.0 - pr);
    }
}

/* The violation of coordinate j's optimality (its minimum-norm subgradient's size) at the
 * value wj with the smooth gradient G; *drop: wj = 0 and |G| is below l1 - margin, so that
 * the coordinate is expected to stay 0 (the shrinking test). */
FO_INLINE double fo_gl_violation(double wj, double G, double l1, double margin, int *drop)
{
    *drop = 0;
    if (wj > 0.0) return fabs(G + l1);
    if (wj < 0.0) return fabs(G - l1);
    if (fabs(G) > l1) return fabs(G) - l1;
    *drop = fabs(G) < l1 - margin;
    return 0.0;
}

#if FO_HAVE_VECTOR_EXT
typedef float fo_v4f __attribute__((vector_size(16)));
#endif

#define FO_T double
#define FO_CD_FLOAT 0
#define FO_SUF(name) name##_f64
#define FO_DX X_f64
#define FO_DV data_f64
#include "cd_impl.h"
#undef FO_T
#undef FO_CD_FLOAT
#undef FO_SUF
#undef FO_DX
#undef FO_DV

#define FO_T float
#define FO_CD_FLOAT 1
#define FO_SUF(name) name##_f32
#define FO_DX X_f32
#define FO_DV data_f32
#include "cd_impl.h"
#undef FO_T
#undef FO_CD_FLOAT
#undef FO_SUF
#undef FO_DX
#undef FO_DV

/* The duality gap on the Gram layout: ||R||^2 = yy - w.xy - w.H, R.y = yy - w.xy. */
static double fo_cd_gram_gap(const fo_cd_data *data, const fo_cd_params *p, const double *w,
                             const double *H, double *XtA, double *dual_scale)
{
    const int64_t d = data->n_features;
    double wxy = 0.0, wh = 0.0, dual_norm = 0.0, l1norm = 0.0, w2 = 0.0;
    for (int64_t j = 0; j < d; j++) {
        wxy += w[j] * data->xy[j];
        wh += w[j] * H[j];
        XtA[j] = fo_cd_xta(p, H[j], w[j], &dual_norm);
        l1norm += fabs(w[j]);
        w2 += w[j] * w[j];
    }
    double rr = data->yy - wxy - wh;
    if (rr < 0.0) rr = 0.0;
    return fo_cd_gap_value(p, rr, data->yy - wxy, dual_norm, l1norm, w2, dual_scale);
}

/* H -= delta G[j, :] (G symmetric: row j is column j). */
FO_INLINE void fo_cd_gram_move(const double *FO_RESTRICT Gj, int64_t d, double delta,
                               double *FO_RESTRICT H)
{
    FO_SIMD
    for (int64_t i = 0; i < d; i++) H[i] -= delta * Gj[i];
}

/* Coordinate descent on the Gram matrix: H = xy - G w is kept, a step costs O(d). */
FO_HOT static int fo_cd_solve_gram(const fo_cd_data *data, const fo_cd_params *p, double *w,
                                   double *gap_out, int64_t *n_iter_out)
{
    const int64_t d = data->n_features;
    const size_t dd = (size_t)(d > 0 ? d : 1);
    const double *G = data->gram;
    double *H = malloc(dd * sizeof(double));
    double *XtA = malloc(dd * sizeof(double));
    double *norm2 = malloc(dd * sizeof(double));
    int64_t *active = malloc(dd * sizeof(int64_t));
    int64_t *dropped = malloc(dd * sizeof(int64_t));
    if (!H || !XtA || !norm2 || !active || !dropped) {
        free(H); free(XtA); free(norm2); free(active); free(dropped);
        return FO_ERR_NO_MEMORY;
    }
    int64_t n_active = 0, iter = 0, steps = 0;
    for (int64_t j = 0; j < d; j++) {
        H[j] = data->xy[j];
        norm2[j] = G[j * d + j];
        if (!isfinite(norm2[j]) || !isfinite(H[j])) {
            free(H); free(XtA); free(norm2); free(active); free(dropped);
            return FO_ERR_NONFINITE;
        }
        if (norm2[j] > 0.0 || (p->l1 == 0.0 && p->l2 == 0.0))
            active[n_active++] = j;
        else
            w[j] = 0.0; /* a zero column: its weight is 0 at any penalized optimum */
    }
    for (int64_t k = 0; k < d; k++)
        if (w[k] != 0.0) fo_cd_gram_move(G + k * d, d, w[k], H);
    uint64_t rng = fo_rng_seed(p->seed);
    int status = FO_STOP_MAX_ITER;
    double gap = HUGE_VAL;
    fo_stop_poll stop;
    fo_stop_poll_init(&stop, p->should_stop, p->stop_ctx);

    for (int check = 1;;) {
        if (check) { /* the gap (first at the start: a warm start may be optimal already) */
            double scale;
            gap = fo_cd_gram_gap(data, p, w, H, XtA, &scale);
            if (fo_cd_gap_ends(gap, p->gap_tol, &status)) break;
            const int64_t n_dropped = fo_cd_screen(p, XtA, norm2, gap, scale, active, &n_active,
                                                   dropped);
            for (int64_t k = 0; k < n_dropped; k++) {
                const int64_t j = dropped[k];
                if (w[j] != 0.0) fo_cd_gram_move(G + j * d, d, -w[j], H);
                w[j] = 0.0;
            }
        }
        if (iter >= p->max_iter) break;
        double w_max = 0.0, dw_max = 0.0;
        for (int64_t k = 0; k < n_active; k++) {
            const int64_t j = p->random ? active[fo_rng_below(&rng, n_active)] : active[k];
            const double gjj = norm2[j];
            if (gjj == 0.0) continue;
            const double w_old = w[j];
            const double w_new =
                fo_cd_threshold(H[j] + gjj * w_old, p->l1, p->positive) / (gjj + p->l2);
            if (w_new != w_old) fo_cd_gram_move(G + j * d, d, w_new - w_old, H);
            w[j] = w_new;
            const double dw = fabs(w_new - w_old);
            if (dw > dw_max) dw_max = dw;
            if (fabs(w_new) > w_max) w_max = fabs(w_new);
            if ((++steps & 255) == 0 && fo_stop_poll_check(&stop)) {
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
    free(H); free(XtA); free(norm2); free(active); free(dropped);
    return status;
}

int fo_cd_enet(const fo_cd_data *data, const fo_cd_params *params, double *w, double *gap,
               int64_t *n_iter)
{
    if (!data || !params || !w || !gap || !n_iter) return FO_ERR_BAD_ARGUMENT;
    const int layouts = (data->X_f64 != NULL) + (data->X_f32 != NULL) +
                        (data->indptr != NULL) + (data->gram != NULL);
    if (layouts != 1 || data->n_features < 0 || data->n_samples < 0) return FO_ERR_BAD_ARGUMENT;
    if (!(params->l1 >= 0.0) || !(params->l2 >= 0.0) || params->max_iter < 1 ||
        !(params->tol >= 0.0))
        return FO_ERR_BAD_ARGUMENT;
    *gap = HUGE_VAL;
    *n_iter = 0;
    if (data->gram != NULL) {
        if (!data->xy) return FO_ERR_BAD_ARGUMENT;
        return fo_cd_solve_gram(data, params, w, gap, n_iter);
    }
    if (!data->y) return FO_ERR_BAD_ARGUMENT;
    if (data->indptr != NULL) {
        const int64_t nnz = data->indptr[data->n_features];
        if (nnz > 0 && (!data->indices || (data->data_f64 == NULL) == (data->data_f32 == NULL)))
            return FO_ERR_BAD_ARGUMENT;
        if (data->x_mean != NULL && data->q == NULL) return FO_ERR_BAD_ARGUMENT;
        if (data->data_f64 != NULL) return fo_cd_solve_f64(data, params, w, gap, n_iter);
        return fo_cd_solve_f32(data, params, w, gap, n_iter);
    }
    if (data->X_f64 != NULL) return fo_cd_solve_f64(data, params, w, gap, n_iter);
    return fo_cd_solve_f32(data, params, w, gap, n_iter);
}

int fo_glmnet_logistic(const fo_cd_data *data, const double *cost,
                       const fo_glmnet_params *params, double *w, double *b, int64_t *n_iter)
{
    if (!data || !cost || !params || !w || !b || !n_iter || !data->y) return FO_ERR_BAD_ARGUMENT;
    *n_iter = 0;
    const int layouts = (data->X_f64 != NULL) + (data->X_f32 != NULL) + (data->indptr != NULL);
    if (layouts != 1 || data->gram != NULL || data->x_mean != NULL || data->n_samples < 0 ||
        data->n_features < 0)
        return FO_ERR_BAD_ARGUMENT;
    if (!(params->l1 >= 0.0) || !(params->l2 >= 0.0) || !(params->tol > 0.0) ||
        params->max_iter < 1 || params->max_inner < 1 ||
        (params->loss != FO_GL_LOGISTIC && params->loss != FO_GL_SQUARED_HINGE))
        return FO_ERR_BAD_ARGUMENT;
    if (data->indptr != NULL) {
        const int64_t nnz = data->indptr[data->n_features];
        if (nnz > 0 && (!data->indices || (data->data_f64 == NULL) == (data->data_f32 == NULL)))
            return FO_ERR_BAD_ARGUMENT;
        if (data->data_f32 != NULL) return fo_gl_solve_f32(data, cost, params, w, b, n_iter);
        return fo_gl_solve_f64(data, cost, params, w, b, n_iter);
    }
    if (data->X_f32 != NULL) return fo_gl_solve_f32(data, cost, params, w, b, n_iter);
    return fo_gl_solve_f64(data, cost, params, w, b, n_iter);
}
