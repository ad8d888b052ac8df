/*
 * fo_loss.h -- fused loss + gradient kernels, Hessian-vector products and
 * per-sample losses over dense (row-major) or CSR data, float64 and float32.
 *
 * Objective (n samples, weights w_i, default 1; z_i = x_i . coef + intercept):
 *
 *     F(coef, b) = sum_i w_i l(z_i, y_i) / sum_i w_i  +  (alpha / 2) ||coef||^2
 *
 * The intercept is not penalized.  Multiclass losses have K score vectors:
 * coef is K x d row-major, intercept has K entries, y holds the class index.
 *
 * Each kernel reads X once.  Rows are split into n_threads contiguous blocks
 * (fo_block_range); each block accumulates in double into its own buffer and
 * the blocks are summed in block order, so a given thread count always gives
 * the same bits, with or without OpenMP.
 */
#ifndef FASTOPTIM_FO_LOSS_H
#define FASTOPTIM_FO_LOSS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FO_LOSS_SQUARED = 0,          /* (z - y)^2 / 2 */
    FO_LOSS_LOGISTIC = 1,         /* log(1 + exp(-y z)), y = +-1 */
    FO_LOSS_HINGE = 2,            /* max(0, 1 - y z) */
    FO_LOSS_SQUARED_HINGE = 3,    /* max(0, 1 - y z)^2 */
    FO_LOSS_SOFTMAX = 4,          /* multinomial cross-entropy, y = class index */
    FO_LOSS_MULTICLASS_HINGE = 5, /* Weston-Watkins: sum_{j != y} max(0, z_j - z_y + 1) */
    FO_N_LOSSES = 6
} fo_loss_id;

/* 1 for the losses with K score vectors (softmax, multiclass hinge). */
static inline int fo_loss_is_multiclass(int loss)
{
    return loss == FO_LOSS_SOFTMAX || loss == FO_LOSS_MULTICLASS_HINGE;
}

/* A data set: dense X (row-major, n_samples x n_features) when X != NULL,
 * else CSR (data, indices, indptr).  y: n_samples targets (labels +-1 or
 * class indices stored as numbers).  sample_weight: NULL for all ones. */
typedef struct {
    int64_t n_samples;
    int64_t n_features;
    const double *X;
    const double *data;
    const int32_t *indices;
    const int64_t *indptr;
    const double *y;
    const double *sample_weight;
} fo_data_f64;

typedef struct {
    int64_t n_samples;
    int64_t n_features;
    const float *X;
    const float *data;
    const int32_t *indices;
    const int64_t *indptr;
    const float *y;
    const float *sample_weight;
} fo_data_f32;

/*
 * Objective value and gradient in one pass over the rows.
 *   n_outputs: 1 for binary losses, K >= 2 for multiclass ones.
 *   coef: n_outputs * n_features;  intercept: n_outputs values, or NULL to fit none.
 *   grad_coef: n_outputs * n_features (written);  grad_intercept: n_outputs
 *   (written; ignored when intercept is NULL).
 * Returns FO_OK, FO_ERR_NONFINITE (a score or the result is not finite),
 * FO_ERR_NO_MEMORY or FO_ERR_BAD_ARGUMENT.
 */
int fo_loss_grad_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                     const double *coef, const double *intercept, double alpha,
                     int n_threads, double *value, double *grad_coef, double *grad_intercept);
int fo_loss_grad_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                     const float *coef, const float *intercept, double alpha,
                     int n_threads, double *value, float *grad_coef, float *grad_intercept);

/*
 * fo_loss_grad over the row subset X[rows] (rows: n_rows >= 1 sample numbers in
 * [0, n_samples), any order; y and sample_weight indexed by sample number, as X):
 * the value and gradient of the objective over those rows alone, the same bits as
 * fo_loss_grad over a copy of them, with no copy.  rows NULL: fo_loss_grad.
 */
int fo_loss_grad_subset_f64(int loss, const fo_data_f64 *data, const int64_t *rows,
                            int64_t n_rows, int64_t n_outputs, const double *coef,
                            const double *intercept, double alpha, int n_threads, double *value,
                            double *grad_coef, double *grad_intercept);
int fo_loss_grad_subset_f32(int loss, const fo_data_f32 *data, const int64_t *rows,
                            int64_t n_rows, int64_t n_outputs, const float *coef,
                            const float *intercept, double alpha, int n_threads, double *value,
                            float *grad_coef, float *grad_intercept);

/*
 * Hessian-vector product of the objective at (coef, intercept) with the
 * direction (vec_coef, vec_intercept), in one pass over the rows:
 *   H v = sum_i w_i x~_i (d2l_i) x~_i^T v / sum_i w_i + alpha [v_coef; 0],
 * x~_i = [x_i; 1] when an intercept is fitted.  Defined for 'squared',
 * 'logistic', 'softmax' and (generalized Hessian) 'squared_hinge';
 * FO_ERR_UNSUPPORTED for the hinge losses.
 */
int fo_loss_hessp_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                      const double *coef, const double *intercept,
                      const double *vec_coef, const double *vec_intercept, double alpha,
                      int n_threads, double *out_coef, double *out_intercept);
int fo_loss_hessp_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                      const float *coef, const float *intercept,
                      const float *vec_coef, const float *vec_intercept, double alpha,
                      int n_threads, float *out_coef, float *out_intercept);

/*
 * The Hessian as an operator, for truncated Newton ('squared', 'logistic',
 * 'squared_hinge', 'softmax'; not the hinge losses): what depends on the
 * point is computed once, then each product is one pass over X that
 * evaluates no loss function.
 *   fo_loss_curvature:  binary losses: curv[i] = w_i l''(z_i, y_i) / sum_j w_j
 *                       (n values); softmax: curv[i K + k] = softmax(W x_i + b)_k
 *                       (n K values).  One pass with the scores.
 *   fo_loss_hessp_curv: H v at that point, as fo_loss_hessp defines it (binary
 *                       losses skip the rows with curv_i = 0); vec_intercept NULL
 *                       when no intercept is fitted.
 * fo_loss_hessp is these two calls.
 */
int fo_loss_curvature_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                          const double *coef, const double *intercept, int n_threads,
                          double *curv);
int fo_loss_curvature_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                          const float *coef, const float *intercept, int n_threads,
                          double *curv);
int fo_loss_hessp_curv_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                           const double *curv, const double *vec_coef,
                           const double *vec_intercept, double alpha, int n_threads,
                           double *out_coef, double *out_intercept);
int fo_loss_hessp_curv_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                           const double *curv, const float *vec_coef,
                           const float *vec_intercept, double alpha, int n_threads,
                           float *out_coef, float *out_intercept);

/*
 * The diagonal of the Hessian from fo_loss_curvature's values (a Jacobi
 * preconditioner for conjugate gradients), K d + K values (K = 1 for the
 * binary losses), the coefficients' then the intercepts':
 *   binary:  sum_i curv_i x_ij^2 + alpha,  sum_i curv_i;
 *   softmax: sum_i w_i p_ik (1 - p_ik) x_ij^2 / sum_i w_i + alpha,  and without x_ij^2.
 * Not for the hinge losses (FO_ERR_BAD_ARGUMENT).
 */
int fo_loss_hessian_diag_f64(int loss, const fo_data_f64 *data, int64_t n_outputs,
                             const double *curv, double alpha, int n_threads, double *diag);
int fo_loss_hessian_diag_f32(int loss, const fo_data_f32 *data, int64_t n_outputs,
                             const double *curv, double alpha, int n_threads, double *diag);

/*
 * Per-sample loss and derivative with respect to the scores:
 *   z: n x n_outputs scores, y: n targets;
 *   out_loss: n values l_i;  out_dz: n x n_outputs values dl_i/dz.
 * The stochastic engine inlines the same functions (fo_loss_inline.h).
 */
int fo_loss_pointwise_f64(int loss, int64_t n, int64_t n_outputs, const double *z,
                          const double *y, double *out_loss, double *out_dz);
int fo_loss_pointwise_f32(int loss, int64_t n, int64_t n_outputs, const float *z,
                          const float *y, float *out_loss, float *out_dz);

/*
 * Value, gradient and the full Hessian of a binary loss's objective (the
 * generalized Hessian for squared_hinge; not hinge), for Newton's method on
 * problems with few features: grad has d + 1 entries and hess (d + 1)^2
 * (row-major, symmetric), the last entry/row/column for the intercept
 * (compute them and ignore them without one; intercept NULL = 0).  Each
 * thread holds a (d + 1)^2 array.  Returns FO_OK, FO_ERR_NONFINITE,
 * FO_ERR_BAD_ARGUMENT or FO_ERR_NO_MEMORY.
 */
int fo_loss_hessian_f64(int loss, const fo_data_f64 *data, const double *coef,
                        const double *intercept, double alpha, int n_threads, double *value,
                        double *grad, double *hess);
int fo_loss_hessian_f32(int loss, const fo_data_f32 *data, const float *coef,
                        const float *intercept, double alpha, int n_threads, double *value,
                        double *grad, double *hess);

/*
 * The same for the softmax objective (K = n_classes >= 2 classes, y = class index):
 * value, gradient and the full Hessian in one pass, for multinomial Newton on
 * problems with few features.  Parameters in the solvers' packed order, n = K (d + 1):
 * coef row-major (entry k d + j), then the K intercepts (entry K d + k); grad has n
 * entries and hess n^2 (row-major, symmetric), block (k, l) of the coefficients
 *   sum_i w_i (p_ik [k = l] - p_ik p_il) x_i x_i^T / sum_i w_i + alpha [k = l] I
 * (the intercept rows and columns: x_i replaced by 1 on their side, no alpha).  They
 * are computed and can be ignored without an intercept (NULL = 0).  Without a penalty
 * the Hessian is singular along each feature's equal shift over the classes (with an
 * intercept, always along the intercepts' equal shift).  Each thread holds
 * (d + 1)(d + 2) K (K + 1) / 4 doubles.  Returns FO_OK, FO_ERR_NONFINITE,
 * FO_ERR_BAD_ARGUMENT (also a class index outside 0..K-1) or FO_ERR_NO_MEMORY.
 */
int fo_loss_softmax_hessian_f64(const fo_data_f64 *data, int64_t n_classes, const double *coef,
                                const double *intercept, double alpha, int n_threads,
                                double *value, double *grad, double *hess);
int fo_loss_softmax_hessian_f32(const fo_data_f32 *data, int64_t n_classes, const float *coef,
                                const float *intercept, double alpha, int n_threads,
                                double *value, double *grad, double *hess);

/*
 * For the epoch engine: one thread's unnormalized gradient sums over the dense
 * rows rows[start..stop) of X (sample numbers, any order), binary losses only:
 *   acc[j] += sum_i w_i dl/dz(z_i) x_ij  (j < d),  acc[d] += sum_i w_i dl/dz(z_i),
 *   z_i = x_i . coef + intercept;  *loss_sum = sum_i w_i l_i, *w_sum = sum_i w_i.
 * Rows are prefetched ahead, past `stop` into rows[next_start..next_stop):
 * the rows the caller will ask for next (an empty range when none).
 * part: d values of scratch.  Returns FO_OK, FO_ERR_NONFINITE (a score) or
 * FO_ERR_BAD_ARGUMENT (CSR data, a multiclass loss).
 */
int fo_loss_grad_rows_f64(int loss, const fo_data_f64 *data, const int64_t *rows, int64_t start,
                          int64_t stop, int64_t next_start, int64_t next_stop,
                          const double *coef, double intercept, double *acc, double *part,
                          double *loss_sum, double *w_sum);
int fo_loss_grad_rows_f32(int loss, const fo_data_f32 *data, const int64_t *rows, int64_t start,
                          int64_t stop, int64_t next_start, int64_t next_stop,
                          const float *coef, double intercept, double *acc, float *part,
                          double *loss_sum, double *w_sum);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_LOSS_H */
