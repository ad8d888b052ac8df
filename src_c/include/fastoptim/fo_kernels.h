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
 *
 * optionally scaled as K_ij * r_i * c_j (r, c: row and column scales, e.g.
 * the square roots of sample weights).  rbf needs the squared row norms of X
 * and Z (fo_row_sqnorms*); the clamp at 0 removes the negative distances that
 * rounding gives for near-identical rows, and on the diagonal of a symmetric
 * Gram matrix (Z is X) the distance is exactly 0.
 *
 * Every entry is transformed on its own, so the result does not depend on the
 * thread count (rows are still split into n_threads contiguous blocks,
 * fo_block_range, as everywhere in the core).
 */
#ifndef FASTOPTIM_FO_KERNELS_H
#define FASTOPTIM_FO_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FO_KERNEL_LINEAR = 0,
    FO_KERNEL_POLY = 1,
    FO_KERNEL_RBF = 2,
    FO_KERNEL_SIGMOID = 3,
    FO_N_KERNELS = 4
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
 * shapes, which use x_sqnorm) are needed by rbf only.  row_scale (n) and
 * col_scale (m; symmetric shapes use row_scale for both) may be NULL.
 * Returns FO_OK, FO_ERR_BAD_ARGUMENT, or FO_ERR_NONFINITE when an entry
 * overflowed (poly with a large degree).
 */
int fo_kernel_gram_f64(const fo_kernel_params *kp, int shape, int64_t n, int64_t m, double *G,
                       const double *x_sqnorm, const double *z_sqnorm, const double *row_scale,
                       const double *col_scale, int n_threads);
int fo_kernel_gram_f32(const fo_kernel_params *kp, int shape, int64_t n, int64_t m, float *G,
                       const float *x_sqnorm, const float *z_sqnorm, const float *row_scale,
                       const float *col_scale, int n_threads);

/* Turn dot products into kernel values in place: g[j] = x.z_j  ->  K(x, z_j) for
 * j < len (rbf: xi = |x|^2, zn[j] = |z_j|^2; other kernels ignore them).  The
 * row transform of fo_kernel_gram, for callers that compute the products
 * themselves (the SVC's kernel rows).  Returns FO_OK, FO_ERR_NONFINITE or
 * FO_ERR_BAD_ARGUMENT. */
int fo_kernel_transform_f64(const fo_kernel_params *kp, double *g, int64_t len, double xi,
                            const double *zn);
int fo_kernel_transform_f32(const fo_kernel_params *kp, float *g, int64_t len, float xi,
                            const float *zn);

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
