/*
 * fo_cd.h -- the elastic net (and the Lasso, l2 = 0) by coordinate descent
 * (Friedman, Hastie & Tibshirani 2010), with scikit-learn's duality-gap
 * stopping rule and gap-safe screening (Ndiaye, Fercoq, Gramfort & Salmon
 * 2017), over dense column-major, CSC or Gram data, float64 and float32.
 *
 * Problem, on centered (and, with sample weights, row-scaled) data X, y:
 *
 *     min_w  P(w) = 1/2 ||y - X w||^2 + l1 ||w||_1 + l2/2 ||w||^2
 *
 * (scikit-learn's ElasticNet objective times n: l1 = alpha l1_ratio n,
 * l2 = alpha (1 - l1_ratio) n), optionally with w >= 0 (positive).
 *
 * One coordinate step keeps the residual R = y - X w up to date, in
 * O(nnz(x_j)) (or O(d) on the Gram matrix, where H = X^T R is kept instead):
 *
 *     t    = x_j . R + ||x_j||^2 w_j
 *     w_j' = S(t, l1) / (||x_j||^2 + l2),   S(t, l1) = sign(t) max(|t| - l1, 0)
 *            (positive: max(t - l1, 0) / (||x_j||^2 + l2))
 *     R   -= (w_j' - w_j) x_j
 *
 * Duality gap (the augmented-Lasso dual of the elastic net): with
 * XtA = X^T R - l2 w, n* = max_j |XtA_j| (positive: max_j XtA_j) and
 * c = min(1, l1 / n*), the dual point c R / l1 is feasible and
 *
 *     gap = P(w) - D = 1/2 (1 + c^2) ||R||^2 + l1 ||w||_1 - c R.y
 *                      + l2/2 (1 + c^2) ||w||^2   >= 0.
 *
 * Stopping rule (scikit-learn's): after a pass whose largest |dw_j| is below
 * tol times the largest |w_j| (or w = 0, or the last pass), compute the gap;
 * stop when gap < gap_tol (the caller passes tol ||y||^2).
 *
 * Gap-safe screening: the dual optimum lies within r = sqrt(2 gap) / l1 of
 * the dual point above, so a feature with
 *
 *     c |XtA_j| / l1 + r sqrt(||x_j||^2 + l2) < 1      (positive: c XtA_j / l1 + ...)
 *
 * is zero at every optimum: it is set to zero and left out of later passes
 * (the gap itself is still computed over every feature).
 *
 * References: J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths
 * for generalized linear models via coordinate descent", J. Stat. Softw. 33(1),
 * 2010; E. Ndiaye, O. Fercoq, A. Gramfort and J. Salmon, "Gap safe screening
 * rules for sparsity enforcing penalties", JMLR 18(128), 2017, Sections 3-4.
 *
 * Sequential by nature (each step reads the last one's residual): one thread,
 * so results do not depend on the thread count.  Sums, w and R are double.
 */
#ifndef FASTOPTIM_FO_CD_H
#define FASTOPTIM_FO_CD_H

#include <stdint.h>

#include "fastoptim/fo_stop.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The data, in one of three layouts (set exactly one of X, indptr, gram):
 *   dense:  X column-major (column j at X + j n_samples), already centered;
 *   CSC:    data/indices (int32 rows)/indptr (n_features + 1), uncentered: the
 *           solver centers implicitly, column j standing for
 *           x_j - x_mean[j] q (q: n_samples values, 1 without sample weights,
 *           sqrt(sample weight) with them; x_mean NULL: no centering);
 *   Gram:   gram (n_features^2, double, symmetric) = X^T X, xy = X^T y and
 *           yy = y.y of the centered data (y and n_samples unused). */
typedef struct {
    int64_t n_samples;
    int64_t n_features;
    const double *X_f64;       /* dense, float64 (or X_f32) */
    const float *X_f32;
    const double *data_f64;    /* CSC values, float64 (or data_f32) */
    const float *data_f32;
    const int32_t *indices;
    const int64_t *indptr;
    const double *x_mean;      /* CSC only: implicit centering, or NULL */
    const double *q;           /* CSC with x_mean: the centering direction */
    const double *gram;        /* Gram layout */
    const double *xy;
    double yy;
    const double *y;           /* dense and CSC: the (centered, scaled) target */
} fo_cd_data;

/* Solver settings (fo_cd_params_init gives the defaults). */
typedef struct {
    double l1;                 /* >= 0 */
    double l2;                 /* >= 0 */
    int positive;              /* 1: w >= 0 */
    int random;                /* 1: coordinates drawn uniformly at random (seeded) */
    uint64_t seed;
    double tol;                /* pass test: max |dw| <= tol max |w| (default 1e-4) */
    double gap_tol;            /* stop when gap < gap_tol (the caller scales it) */
    int64_t max_iter;          /* passes, >= 1 (default 1000) */
    int screening;             /* 1: gap-safe screening at each gap check (default 1) */
    fo_stop_fn should_stop;    /* polled every few thousand steps (fo_stop.h); NULL: never */
    void *stop_ctx;
} fo_cd_params;

void fo_cd_params_init(fo_cd_params *params);

/*
 * Run the passes from the given w (warm start; n_features doubles, updated in
 * place).  gap (written): the last duality gap computed (in the units of P).
 * n_iter (written): the passes made.
 * Returns FO_OK (gap < gap_tol), FO_STOP_MAX_ITER, FO_STOP_INTERRUPTED,
 * FO_ERR_BAD_ARGUMENT (a null pointer, no or two layouts, negative penalty,
 * max_iter < 1), FO_ERR_NONFINITE (w or the gap became non-finite) or
 * FO_ERR_NO_MEMORY.
 */
int fo_cd_enet(const fo_cd_data *data, const fo_cd_params *params, double *w, double *gap,
               int64_t *n_iter);

/*
 * L1 / elastic-net regularized linear classification (binary), by newGLMNET: G.-X. Yuan,
 * C.-H. Ho and C.-J. Lin, "An improved GLMNET for L1-regularized logistic regression",
 * JMLR 13, 2012, Algorithm 3 with its shrinking (Section 5.1; liblinear's solve_l1r_lr).
 *
 *     min_{w,b}  F(w, b) = sum_i c_i l(y_i (x_i.w + b)) + l1 ||w||_1 + l2/2 ||w||^2
 *
 * (b not penalized) with l(m) = log(1 + exp(-m)) (FO_GL_LOGISTIC: scikit-learn's
 * LogisticRegression with c_i = C s_i, l1 = l1_ratio, l2 = 1 - l1_ratio) or
 * l(m) = max(0, 1 - m)^2 (FO_GL_SQUARED_HINGE: LinearSVC(penalty='l1', dual=False), its
 * generalized Hessian 2 c_i on the samples with m < 1; Yuan, Chang, Hsieh & Lin, JMLR 11,
 * 2010, Section 4.1.1 for that curvature).
 *
 * Each outer iteration forms the loss's gradient g and the diagonal D_ii = c_i l''(m_i)
 * at the current point (one read of the active columns), then minimizes the quadratic
 * model  g.d + 1/2 d^T (X~^T D X~ + l2 I) d + l1 ||w + d||_1  by passes of coordinate
 * descent over d (the exact 1-D minimizer, soft-thresholded, X d kept up to date; the
 * active coordinates in a fresh random order per pass), then takes the largest step
 * 2^-k along d with the sufficient decrease
 * F(w + s d) - F(w) <= 0.01 s (g.d + l1 (||w + d||_1 - ||w||_1)).
 *
 * Shrinking, as liblinear: a coefficient at 0 whose |gradient| is below l1 - M / n (M the
 * largest violation of the previous outer iteration) leaves the active set until the
 * stopping test passes on the active set, which is then checked on all features; the
 * inner passes shrink the same way with their own M, and stop once the 1-norm of the
 * model's violations is at most eps_in times that of F's at the first iteration
 * (eps_in = 1, divided by 4 whenever one pass sufficed).
 *
 * It stops when the largest entry of the minimum-norm subgradient of F is at most tol
 * times its value at w = 0, b = 0 without the L1 term (the largest |gradient| there), on
 * all features, after one more Newton step whose inner passes go on to 1% of that
 * violation (as fastoptim's newton-cg: the test alone stops anywhere just below tol; the
 * extra step, near the optimum, lands much closer to it at the cost of one iteration).
 *
 * The data: fo_cd_data's dense column-major or CSC layout (x_mean NULL: no centering),
 * y = the labels +-1 (n_samples doubles), cost = c (n_samples doubles >= 0).
 */
enum { FO_GL_LOGISTIC = 0, FO_GL_SQUARED_HINGE = 1 };

typedef struct {
    int loss;                  /* FO_GL_LOGISTIC (default) or FO_GL_SQUARED_HINGE */
    double l1;                 /* >= 0 */
    double l2;                 /* >= 0 */
    int fit_intercept;
    double tol;                /* > 0 (default 1e-4) */
    int64_t max_iter;          /* outer (Newton) iterations, >= 1 (default 100) */
    int64_t max_inner;         /* coordinate-descent passes per outer iteration at most
                                * (default 100) */
    uint64_t seed;             /* the order of the inner passes */
    fo_stop_fn should_stop;
    void *stop_ctx;
} fo_glmnet_params;

void fo_glmnet_params_init(fo_glmnet_params *params);

/*
 * From w (n_features doubles) and *b (warm start), updated in place; n_iter (written): the
 * outer iterations made.  Returns FO_OK, FO_STOP_MAX_ITER, FO_STOP_INTERRUPTED,
 * FO_ERR_BAD_ARGUMENT, FO_ERR_NONFINITE or FO_ERR_NO_MEMORY.
 */
int fo_glmnet_logistic(const fo_cd_data *data, const double *cost,
                       const fo_glmnet_params *params, double *w, double *b, int64_t *n_iter);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_CD_H */
