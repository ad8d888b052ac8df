/*
 * kernels.c -- kernel (Gram) matrices for kernel methods (see fo_kernels.h).
 * The float64 and float32 versions come from one template, kernels_impl.h.
 *
 * Math.  For rows x_i (i < n) and z_j (j < m), with G = X Z^T computed by
 * BLAS (gemm; syrk when Z = X, one triangle, half the flops):
 *
 *     linear    K_ij = G_ij
 *     poly      K_ij = (gamma G_ij + coef0)^d,   d in {1, 2, ...}, by binary powering
 *     sigmoid   K_ij = tanh(gamma G_ij + coef0)
 *     rbf       K_ij = exp(-gamma D_ij),  D_ij = max(|x_i|^2 + |z_j|^2 - 2 G_ij, 0)
 *     cosine    K_ij = G_ij / (|x_i| |z_j|)   (0 when a norm is 0)
 *
 * The rbf distance uses the expansion |x - z|^2 = |x|^2 + |z|^2 - 2 x.z, which
 * puts the O(n m p) work in the BLAS product and leaves O(n m) here.  Its
 * rounding error is about eps (|x|^2 + |z|^2), so a distance of nearly equal
 * rows can come out slightly negative (clamped to 0) and D_ii of a symmetric
 * matrix is set to exactly 0 (K_ii = 1), as scikit-learn's euclidean_distances
 * does; and where the expansion's distance is below a small fraction of
 * |x_i|^2 + |z_j|^2 (close rows, or rows far from the origin), it is recomputed as
 * sum_k (x_ik - z_jk)^2 from the rows themselves when the caller passes them.
 * An optional scaling K_ij r_i c_j carries the square roots of sample
 * weights into the weighted kernel ridge system (S K S + alpha I) b = S y.
 *
 * The laplacian and chi-squared kernels are not functions of G: a pass over the
 * coordinates of each pair (dense rows, or a merge of two sorted CSR rows), summed in
 * double, O(n m p) as the product, in tiles of Z's rows that stay in cache:
 *
 *     laplacian      K_ij = exp(-gamma sum_k |x_ik - z_jk|)
 *     chi2           K_ij = exp(-gamma S_ij),  additive_chi2  K_ij = -S_ij,
 *                    S_ij = sum_k (x_ik - z_jk)^2 / (x_ik + z_jk)  (terms with a zero sum: 0)
 *
 * (J. Zhang, M. Marszalek, S. Lazebnik and C. Schmid, "Local features and kernels for
 * classification of texture and object categories", IJCV 2007, for chi2.)
 *
 * References: B. Scholkopf and A. J. Smola, Learning with Kernels, MIT Press
 * 2002, ch. 2 (the kernels); C. Saunders, A. Gammerman and V. Vovk, "Ridge
 * regression learning algorithm in dual variables", ICML 1998 (kernel ridge,
 * the system these matrices enter).
 *
 * Threads: rows are split into n_threads contiguous blocks (for a triangle,
 * blocks of equal area), each transformed by an FO_HOT worker.  Every entry
 * is computed on its own, so the bits do not depend on the thread count.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_kernels.h"
#include "fastoptim/fo_math.h"
#include "fastoptim/fo_status.h"

/*
 * tanh without calls or branches (so that the sigmoid loop vectorizes like the
 * rbf one): for |t| < 0.625 the rational approximation of Cephes' tanh
 * (S. L. Moshier, Methods and Programs for Mathematical Functions, 1989),
 * t + t^3 P(t^2) / Q(t^2); above, (1 - e) / (1 + e) with e = exp(-2|t|)
 * from fo_math.h, where no cancellation occurs.  Measured against glibc over
 * [-27, 27]: within 2.2 ulp (double) and 1.3 ulp (float).
 */
FO_INLINE double fo_tanh_f64(double t)
{
    const double a = fabs(t), z = a * a;
    const double p = (-9.64399179425052238628E-1 * z - 9.92877231001918586564E1) * z
                     - 1.61468768441708447952E3;
    const double q = ((z + 1.12811678491632931402E2) * z + 2.23548839060100448583E3) * z
                     + 4.84406305325125486048E3;
    const double small = a + a * z * p / q;
    const double e = fo_exp_neg(2.0 * a);
    const double big = (1.0 - e) / (1.0 + e);
    return copysign(a < 0.625 ? small : big, t);
}

FO_INLINE float fo_tanh_f32(float t)
{
    const float a = fabsf(t), z = a * a;
    const float small = ((((-5.70498872745E-3f * z + 2.06390887954E-2f) * z - 5.37397155531E-2f) * z
                          + 1.33314422036E-1f) * z - 3.33332819422E-1f) * z * a + a;
    const float e = fo_exp_neg_f32(2.0f * a);
    const float big = (1.0f - e) / (1.0f + e);
    return copysignf(a < 0.625f ? small : big, t);
}

/* The coordinate-wise distances (kernels_impl.h's distance_* helpers). */
enum { FO_METRIC_L1 = 0, FO_METRIC_CHI2 = 1, FO_METRIC_SQEUCLID = 2 };

/* Rows [start, stop) of block b of n_blocks: contiguous blocks of equal size, or for a
 * lower triangle (sym) of equal area, block b starting at n sqrt(b / n_blocks). */
static void kernel_row_block(int sym, int64_t n, int n_blocks, int b, int64_t *start,
                             int64_t *stop)
{
    if (!sym) {
        fo_block_range(n, n_blocks, b, start, stop);
        return;
    }
    *start = (int64_t)((double)n * sqrt((double)b / n_blocks));
    *stop = b + 1 == n_blocks ? n : (int64_t)((double)n * sqrt((double)(b + 1) / n_blocks));
}

#define FO_T double
#define FO_SUF(name) name##_f64
#define FO_EXP_NEG fo_exp_neg
#define FO_TANH fo_tanh_f64
#define FO_FABS fabs
#define FO_TMAX DBL_MAX
#define FO_SQRT sqrt
#define FO_DATA fo_data_f64
#define FO_RBF_REFINE 1e-5 /* the expansion's distance is exact to ~1e-10 relative above it */
#include "kernels_impl.h"

#define FO_T float
#define FO_SUF(name) name##_f32
#define FO_EXP_NEG fo_exp_neg_f32
#define FO_TANH fo_tanh_f32
#define FO_FABS fabsf
#define FO_TMAX FLT_MAX
#define FO_SQRT sqrtf
#define FO_DATA fo_data_f32
#define FO_RBF_REFINE 2e-2f /* ~1e-5 relative above it, in float32 */
#include "kernels_impl.h"
