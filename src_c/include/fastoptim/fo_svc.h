/*
 * fo_svc.h -- the kernel support vector machine, solved in the dual by SMO
 * (sequential minimal optimization) with second-order working-set selection,
 * over dense (row-major) or CSR data in float64 or float32, or a precomputed
 * kernel matrix.
 *
 * One binary problem over m rows of the data (`rows`, indices into X), labels
 * y_t = +-1 and per-sample bounds C_t >= 0:
 *
 *     min_a  f(a) = 1/2 a^T Q a - sum_t a_t,   0 <= a_t <= C_t,   sum_t y_t a_t = 0,
 *            Q_st = y_s y_t K(x_s, x_t),
 *
 * with the decision function  d(x) = sum_t a_t y_t K(x_t, x) - rho.
 *
 * Each iteration picks the pair (i, j) of Fan, Chen & Lin (JMLR 2005, WSS 2):
 * i maximizes -y_t G_t over the variables that can move up, j the second-order
 * decrease over those that can move down; the pair is solved exactly and the
 * gradient G = Q a - 1 updated with rows i and j of Q.  Stops when the maximal
 * violation m(a) - M(a) <= tol.  Shrinking (Joachims 1999; Chang & Lin 2011,
 * LIBSVM section 5) drops bound variables that cannot enter a violating pair
 * and reconstructs their gradients before the end.
 *
 * Rows of Q come from an LRU cache of cache_bytes (each row: m floats,
 * computed in fixed chunks: dot products by register tiles, then the kernel
 * transform of fo_kernels.h).  With n_threads > 1 the solve is one OpenMP
 * region: the calling thread runs SMO and the others claim chunks of the rows
 * it misses, never holding it up (svc.c); the result does not depend on
 * n_threads, bit for bit.
 */
#ifndef FASTOPTIM_FO_SVC_H
#define FASTOPTIM_FO_SVC_H

#include <stdint.h>

#include "fastoptim/fo_kernels.h"
#include "fastoptim/fo_loss.h"
#include "fastoptim/fo_stop.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Solver settings (fo_svc_params_init gives the defaults). */
typedef struct {
    fo_kernel_params kernel;  /* linear, poly, rbf or sigmoid (ignored with a precomputed matrix) */
    double tol;               /* stop when m(a) - M(a) <= tol (default 1e-3) */
    int64_t max_iter;         /* iterations (pairs solved); < 0: max(10^7, 100 m) (default -1) */
    double cache_bytes;       /* size of the kernel-row cache (default 200 MB); at least two
                               * rows are always kept */
    int shrinking;            /* 1: shrink bound variables (default 1) */
    int n_threads;            /* threads that share the kernel rows (default 1) */
    fo_stop_fn should_stop;   /* polled between SMO iterations (fo_stop.h); NULL: never (default) */
    void *stop_ctx;           /* its argument */
} fo_svc_params;

void fo_svc_params_init(fo_svc_params *params);

/* Outputs of one solve (besides alpha). */
typedef struct {
    double rho;        /* the decision function's offset: d(x) = sum a y K - rho */
    double objective;  /* f(a) at the solution */
    int64_t n_iter;    /* pairs solved */
    int64_t n_kernel_rows;  /* kernel rows computed (cache misses) */
} fo_svc_result;

/*
 * Solve the binary problem above.
 *   data: the whole data set (dense or CSR; y and sample_weight are not read);
 *   sqnorm: the squared norms of the rows of data (rbf only, else may be NULL);
 *   m, rows: the m rows of this problem (indices into data, distinct);
 *   y: m labels +-1;  C: m bounds >= 0 (+inf: no upper bound, the hard margin);
 *   alpha (m, in and out): a feasible start (0 <= a_t <= C_t, sum y a = 0), the solution.
 * Returns FO_OK, FO_STOP_MAX_ITER (alpha holds the last iterate, rho computed from it),
 * FO_STOP_INTERRUPTED (should_stop asked to stop: alpha is a feasible iterate, rho and the
 * objective are not computed), FO_ERR_BAD_ARGUMENT, FO_ERR_NONFINITE (a kernel value or gradient is not finite) or
 * FO_ERR_NO_MEMORY.
 */
int fo_svc_solve_f64(const fo_data_f64 *data, const double *sqnorm, int64_t m,
                     const int64_t *rows, const double *y, const double *C,
                     const fo_svc_params *params, double *alpha, fo_svc_result *result);
int fo_svc_solve_f32(const fo_data_f32 *data, const float *sqnorm, int64_t m,
                     const int64_t *rows, const double *y, const double *C,
                     const fo_svc_params *params, double *alpha, fo_svc_result *result);

/* The same with a precomputed kernel matrix K (n_all x n_all, row-major, float64):
 * K(x_s, x_t) = K[rows[s] * n_all + rows[t]]. */
int fo_svc_solve_precomputed(const double *K, int64_t n_all, int64_t m, const int64_t *rows,
                             const double *y, const double *C, const fo_svc_params *params,
                             double *alpha, fo_svc_result *result);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_SVC_H */
