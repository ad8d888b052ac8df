/*
 * fo_kernels.h -- kernel (Gram) matrices from a BLAS product, float64 and float32.
 *
 * For rows x_i of X (n x p) and z_j of Z (m x p), the caller computes the
 * linear kernel G = X Z^T with BLAS (gemm, or syrk when Z is X) and the C core
 * turns it in place into K_ij = k(x_i, z_j):
 *
 *     linear    k = x.z                                  (G unchanged)
 *     poly      k = (gamma x.z + coef0)^degree           (degree a positive integer)
 *     rbf       k = exp(-gamma max(|x|^2 + |z|^2 - 2 x.z, 0))
 *     sigmoid   k = tanh(gamma x.z + coef0)
 *     cosine    k = x.z / (|x| |z|)                      (0 when x or z is 0)
 *
 * optionally scaled as K_ij * r_i * c_j (r, c: row and column scales, e.g.
 * the square roots of sample weights).  rbf needs the squared row norms of X
 * and Z (fo_row_sqnorms*), as does cosine; the clamp at 0 removes the negative distances that
 * rounding gives for near-identical rows, and on the diagonal of a symmetric
 * Gram matrix (Z is X) the distance is exactly 0.
 *
 * Every entry is transformed on its own, so the result does not depend on the
 * thread count (rows are still split into n_threads contiguous blocks,
 * fo_block_range, as everywhere in the core).
 *
 * Three kernels are not functions of x.z and come from their own pass over
 * the coordinates of each pair (fo_kernel_pairwise*), O(n m p):
 *
 *     laplacian      k = exp(-gamma sum_k |x_k - z_k|)
 *     chi2           k = exp(-gamma S)
 *     additive_chi2  k = -S,     S = sum_k (x_k - z_k)^2 / (x_k + z_k)
 *
 * where the terms with x_k + z_k = 0 count 0; the chi-squared kernels are for
 * non-negative X and Z (histograms), which the caller checks.
 */
#ifndef FASTOPTIM_FO_KERNELS_H
#define FASTOPTIM_FO_KERNELS_H

#include <stdint.h>

#include "fastoptim/fo_loss.h" /* fo_data_f64, fo_data_f32: the core's description of X */

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FO_KERNEL_LINEAR = 0,
    FO_KERNEL_POLY = 1,
    FO_KERNEL_RBF = 2,
    FO_KERNEL_SIGMOID = 3,
    FO_KERNEL_COSINE = 4,
    FO_N_DOT_KERNELS = 5,  /* the kernels above are functions of x.z (and the norms) */
    FO_KERNEL_LAPLACIAN = 5,
    FO_KERNEL_CHI2 = 6,
    FO_KERNEL_ADDITIVE_CHI2 = 7,
    FO_N_KERNELS = 8
} fo_kernel_id;

/* Which entries of G (row-major) hold the product and are transformed. */
typedef enum {
    FO_GRAM_RECT = 0,      /* X vs Z: all n x m entries */
    FO_GRAM_SYM_LOWER = 1, /* Z is X (n == m): only the lower triangle j <= i is read and
                            * transformed; the strict upper triangle is left untouched
                            * (what LAPACK potrf with the lower triangle needs) */
    FO_GRAM_SYM = 2        /* Z is X: the lower triangle is transformed, then mirrored
                            * into the upper one (the whole matrix is written) */
} fo_gram_shape;

/* A kernel and its parameters (gamma > 0 and degree >= 1 where they are used). */
typedef struct {
    int kind;      /* fo_kernel_id */
    double gamma;
    int degree;
    double coef0;
} fo_kernel_params;

/*
 * Transform G (n x m, row-major, holding X Z^T on entry) into the kernel
 * matrix in place.  x_sqnorm (n) and z_sqnorm (m; ignored for the symmetric
 * shapes, which use x_sqnorm) are needed by rbf and cosine only.  row_scale (n) and
 * col_scale (m; symmetric shapes use row_scale for both) may be NULL.
 * x and z (the rows themselves, dense or CSR; z ignored for the symmetric
 * shapes) may be NULL; given, rbf recomputes the distances that the expansion
 * |x|^2 + |z|^2 - 2 x.z gets wrong by cancellation (close rows, rows far from
 * the origin) directly from the coordinates.
 * Returns FO_OK, FO_ERR_BAD_ARGUMENT, or FO_ERR_NONFINITE when an entry
 * overflowed (poly with a large degree).
 */
int fo_kernel_gram_f64(const fo_kernel_params *kp, int shape, int64_t n, int64_t m, double *G,
                       const double *x_sqnorm, const double *z_sqnorm, const double *row_scale,
                       const double *col_scale, const fo_data_f64 *x, const fo_data_f64 *z,
                       int n_threads);
int fo_kernel_gram_f32(const fo_kernel_params *kp, int shape, int64_t n, int64_t m, float *G,
                       const float *x_sqnorm, const float *z_sqnorm, const float *row_scale,
                       const float *col_scale, const fo_data_f32 *x, const fo_data_f32 *z,
                       int n_threads);

/* Turn dot products into kernel values in place: g[j] = x.z_j  ->  K(x, z_j) for
 * j < len (rbf, cosine: xi = |x|^2, zn[j] = |z_j|^2; other kernels ignore them).  The
 * row transform of fo_kernel_gram, for callers that compute the products
 * themselves (the SVC's kernel rows).  Returns FO_OK, FO_ERR_NONFINITE or
 * FO_ERR_BAD_ARGUMENT. */
int fo_kernel_transform_f64(const fo_kernel_params *kp, double *g, int64_t len, double xi,
                            const double *zn);
int fo_kernel_transform_f32(const fo_kernel_params *kp, float *g, int64_t len, float xi,
                            const float *zn);

/*
 * The laplacian and chi-squared kernels (kp->kind FO_KERNEL_LAPLACIAN,
 * FO_KERNEL_CHI2 or FO_KERNEL_ADDITIVE_CHI2) of the rows of x against those of
 * z into K (x->n_samples x z->n_samples, row-major), both dense (X set) or both
 * CSR (data, indices sorted within each row, indptr); n_features must agree.
 * The symmetric shapes take z = x (z may be NULL) and compute the lower
 * triangle j <= i (FO_GRAM_SYM mirrors it into the upper one).  row_scale and
 * col_scale as for fo_kernel_gram.  Sums over coordinates in double.  Only the
 * fields n_samples, n_features, X, data, indices and indptr of fo_data are read.
 * Returns FO_OK, FO_ERR_BAD_ARGUMENT or FO_ERR_NONFINITE (a sum overflowed).
 */
int fo_kernel_pairwise_f64(const fo_kernel_params *kp, int shape, const fo_data_f64 *x,
                           const fo_data_f64 *z, double *K, const double *row_scale,
                           const double *col_scale, int n_threads);
int fo_kernel_pairwise_f32(const fo_kernel_params *kp, int shape, const fo_data_f32 *x,
                           const fo_data_f32 *z, float *K, const float *row_scale,
                           const float *col_scale, int n_threads);

/* The rbf case of fo_kernel_transform for rows of one data set: g[j] = x_r . x_rows[j]
 * (j < len) becomes K(x_r, x_rows[j]), with xi = |x_r|^2 and zn[j] = |x_rows[j]|^2,
 * and the distances that the expansion loses to cancellation (close rows, rows far from
 * the origin) recomputed from data's coordinates, as fo_kernel_gram does.  Returns
 * FO_OK, FO_ERR_NONFINITE or FO_ERR_BAD_ARGUMENT. */
int fo_kernel_rbf_rows_f64(const fo_kernel_params *kp, double *g, int64_t len, double xi,
                           const double *zn, const fo_data_f64 *data, int64_t r,
                           const int64_t *rows);
int fo_kernel_rbf_rows_f32(const fo_kernel_params *kp, float *g, int64_t len, float xi,
                           const float *zn, const fo_data_f32 *data, int64_t r,
                           const int64_t *rows);

/* out_i = sum_j X_ij^2 over the n rows of dense X (n x p, row-major); sums in double. */
int fo_row_sqnorms_f64(int64_t n, int64_t p, const double *X, double *out, int n_threads);
int fo_row_sqnorms_f32(int64_t n, int64_t p, const float *X, float *out, int n_threads);

/* The same over the rows of a CSR matrix (values `data`, row pointers `indptr`, n + 1). */
int fo_row_sqnorms_csr_f64(int64_t n, const double *data, const int64_t *indptr, double *out,
                           int n_threads);
int fo_row_sqnorms_csr_f32(int64_t n, const float *data, const int64_t *indptr, float *out,
                           int n_threads);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_KERNELS_H */
