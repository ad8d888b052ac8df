/*
 * kernels_impl.h -- the kernel-matrix transforms for one floating type.
 * kernels.c includes this file twice, with FO_T = double / float,
 * FO_SUF(name) = name##_f64 / _f32, FO_EXP_NEG(a) = exp(-a) for a >= 0 in that
 * type (fo_math.h's branch-free versions, which vectorize), FO_TANH the same for
 * tanh (kernels.c), FO_FABS the libm fabs of that type and FO_TMAX the type's
 * largest finite value.
 *
 * Entries are computed in the input dtype (float32 Gram matrices stay float32);
 * the squared row norms are summed in double and rounded once.
 */

/* Entries per chunk of a row in the poly transform (its scratch lives on the stack). */
#define FO_POLY_CHUNK 256

/*
 * Transform entries j in [0, len) of one row in place (g = that row of G, zn
 * the column norms for rbf, xi this row's norm).  Returns 1 when every input
 * and result was finite.
 */
FO_INLINE int FO_SUF(kernel_row)(const fo_kernel_params *kp, FO_T *FO_RESTRICT g, int64_t len,
                                 FO_T xi, const FO_T *FO_RESTRICT zn, FO_T ri,
                                 const FO_T *FO_RESTRICT cs)
{
    const FO_T gamma = (FO_T)kp->gamma, coef0 = (FO_T)kp->coef0;
    int ok = 1;
    switch (kp->kind) {
    case FO_KERNEL_LINEAR:
        FO_SIMD_REDUCTION(&, ok)
        for (int64_t j = 0; j < len; j++) ok &= (FO_FABS(g[j]) <= FO_TMAX);
        break;
    case FO_KERNEL_RBF:
        FO_SIMD_REDUCTION(&, ok)
        for (int64_t j = 0; j < len; j++) {
            FO_T d = (xi + zn[j]) - (FO_T)2 * g[j];
            ok &= (FO_FABS(d) <= FO_TMAX);
            d = d > (FO_T)0 ? d : (FO_T)0;
            g[j] = FO_EXP_NEG(gamma * d);
        }
        break;
    case FO_KERNEL_COSINE: {
        /* x.z / (|x| |z|), 0 for a zero row (scikit-learn's cosine_similarity) */
        const FO_T sx = xi > (FO_T)0 ? (FO_T)1 / FO_SQRT(xi) : (FO_T)0;
        FO_SIMD_REDUCTION(&, ok)
        for (int64_t j = 0; j < len; j++) {
            const FO_T nz = zn[j];
            const FO_T sz = nz > (FO_T)0 ? (FO_T)1 / FO_SQRT(nz > (FO_T)0 ? nz : (FO_T)1) : (FO_T)0;
            ok &= (FO_FABS(g[j]) <= FO_TMAX);
            g[j] = g[j] * sx * sz;
        }
        break;
    }
    case FO_KERNEL_SIGMOID:
        FO_SIMD_REDUCTION(&, ok)
        for (int64_t j = 0; j < len; j++) {
            const FO_T t = gamma * g[j] + coef0;
            ok &= (FO_FABS(t) <= FO_TMAX);
            g[j] = FO_TANH(t);
        }
        break;
    case FO_KERNEL_POLY: {
        /* t^degree by binary powering, one bit of the degree per pass over a
         * chunk of the row (each pass vectorizes) */
        FO_T base[FO_POLY_CHUNK], acc[FO_POLY_CHUNK];
        for (int64_t j0 = 0; j0 < len; j0 += FO_POLY_CHUNK) {
            const int64_t c = (len - j0 < FO_POLY_CHUNK) ? len - j0 : FO_POLY_CHUNK;
            FO_T *FO_RESTRICT gc = g + j0;
            FO_SIMD
            for (int64_t k = 0; k < c; k++) {
                base[k] = gamma * gc[k] + coef0;
                acc[k] = (FO_T)1;
            }
            for (int deg = kp->degree;;) {
                if (deg & 1) {
                    FO_SIMD
                    for (int64_t k = 0; k < c; k++) acc[k] *= base[k];
                }
                deg >>= 1;
                if (!deg) break;
                FO_SIMD
                for (int64_t k = 0; k < c; k++) base[k] *= base[k];
            }
            FO_SIMD_REDUCTION(&, ok)
            for (int64_t k = 0; k < c; k++) {
                ok &= (FO_FABS(acc[k]) <= FO_TMAX);
                gc[k] = acc[k];
            }
        }
        break;
    }
    default:
        return 0;
    }
    if (cs) {
        FO_SIMD
        for (int64_t j = 0; j < len; j++) g[j] *= ri * cs[j];
    }
    return ok;
}

/* ---- distances summed over the coordinates of a pair (the metrics in kernels.c) ---- */

/* One coordinate's term: |a - b| (FO_METRIC_L1), (a - b)^2 (FO_METRIC_SQEUCLID) or
 * (a - b)^2 / (a + b) (FO_METRIC_CHI2; 0 when a + b = 0, i.e. a = b = 0 for the
 * non-negative values it is defined on; written d (d / t) so that nothing overflows
 * where the result does not, and without a branch). */
FO_INLINE double FO_SUF(distance_term)(int metric, double a, double b)
{
    const double d = a - b, t = a + b;
    return metric == FO_METRIC_L1 ? fabs(d)
           : metric == FO_METRIC_SQEUCLID ? d * d : d * (d / (t > 0.0 ? t : 1.0));
}

/* sum_k term(x_k, z_k) over two dense rows of p values, in double. */
FO_INLINE double FO_SUF(distance_dense)(int metric, const FO_T *FO_RESTRICT x,
                                        const FO_T *FO_RESTRICT z, int64_t p)
{
    double s = 0.0;
    if (metric == FO_METRIC_L1) {
        FO_SIMD_REDUCTION(+, s)
        for (int64_t k = 0; k < p; k++) s += fabs((double)x[k] - (double)z[k]);
    } else if (metric == FO_METRIC_SQEUCLID) {
        FO_SIMD_REDUCTION(+, s)
        for (int64_t k = 0; k < p; k++) {
            const double d = (double)x[k] - (double)z[k];
            s += d * d;
        }
    } else {
        FO_SIMD_REDUCTION(+, s)
        for (int64_t k = 0; k < p; k++) {
            const double a = x[k], b = z[k], d = a - b, t = a + b;
            s += d * (d / (t > 0.0 ? t : 1.0));
        }
    }
    return s;
}

/* The same over two CSR rows (sorted indices): a merge of their nonzeros, a coordinate
 * stored in one row only contributing term(value, 0). */
FO_INLINE double FO_SUF(distance_csr)(int metric, const FO_T *xd, const int32_t *xi,
                                      int64_t xlen, const FO_T *zd, const int32_t *zi,
                                      int64_t zlen)
{
    double s = 0.0;
    int64_t a = 0, b = 0;
    while (a < xlen && b < zlen) {
        if (xi[a] == zi[b]) {
            s += FO_SUF(distance_term)(metric, xd[a], zd[b]);
            a++;
            b++;
        } else if (xi[a] < zi[b]) {
            s += FO_SUF(distance_term)(metric, xd[a++], 0.0);
        } else {
            s += FO_SUF(distance_term)(metric, 0.0, zd[b++]);
        }
    }
    for (; a < xlen; a++) s += FO_SUF(distance_term)(metric, xd[a], 0.0);
    for (; b < zlen; b++) s += FO_SUF(distance_term)(metric, 0.0, zd[b]);
    return s;
}

/* The distance of row i of x and row j of z (both dense or both CSR). */
FO_INLINE double FO_SUF(pair_distance)(int metric, const FO_DATA *x, int64_t i,
                                       const FO_DATA *z, int64_t j)
{
    if (x->X) {
        const int64_t p = x->n_features;
        return FO_SUF(distance_dense)(metric, x->X + i * p, z->X + j * p, p);
    }
    const int64_t xa = x->indptr[i], za = z->indptr[j];
    return FO_SUF(distance_csr)(metric, x->data + xa, x->indices + xa, x->indptr[i + 1] - xa,
                                z->data + za, z->indices + za, z->indptr[j + 1] - za);
}

/*
 * The rbf row with the near pairs recomputed: the expansion |x|^2 + |z|^2 - 2 x.z loses
 * the distance of close rows to cancellation (its error is about eps (|x|^2 + |z|^2)),
 * so where it comes out below FO_RBF_REFINE (|x|^2 + |z|^2) the distance is summed
 * directly from the coordinates of row i of x and row j of z (row zrows[j] with a row
 * list), as scikit-learn's
 * euclidean_distances recomputes its near-zero distances.  Returns 1 when finite.
 */
static int FO_SUF(rbf_row_refined)(const fo_kernel_params *kp, FO_T *FO_RESTRICT g, int64_t len,
                                   FO_T xi, const FO_T *FO_RESTRICT zn, FO_T ri,
                                   const FO_T *FO_RESTRICT cs, const FO_DATA *x, int64_t i,
                                   const FO_DATA *z, const int64_t *zrows)
{
    const FO_T gamma = (FO_T)kp->gamma;
    int ok = 1;
    FO_SIMD_REDUCTION(&, ok)
    for (int64_t j = 0; j < len; j++) {
        const FO_T d = (xi + zn[j]) - (FO_T)2 * g[j];
        ok &= (FO_FABS(d) <= FO_TMAX);
        g[j] = d;
    }
    for (int64_t j = 0; j < len; j++) {
        if (g[j] <= (FO_T)FO_RBF_REFINE * (xi + zn[j]))
            g[j] = (FO_T)FO_SUF(pair_distance)(FO_METRIC_SQEUCLID, x, i, z, zrows ? zrows[j] : j);
    }
    FO_SIMD
    for (int64_t j = 0; j < len; j++) g[j] = FO_EXP_NEG(gamma * (g[j] > (FO_T)0 ? g[j] : (FO_T)0));
    if (cs) {
        FO_SIMD
        for (int64_t j = 0; j < len; j++) g[j] *= ri * cs[j];
    }
    return ok;
}

/* Rows [start, stop) of G: all m columns (RECT) or columns 0..i (the symmetric
 * shapes, whose diagonal rbf distance is exactly 0).  Returns the status. */
static FO_HOT int FO_SUF(gram_rows)(const fo_kernel_params *kp, int shape, int64_t start,
                                    int64_t stop, int64_t m, FO_T *G, const FO_T *xn,
                                    const FO_T *zn, const FO_T *rs, const FO_T *cs,
                                    const FO_DATA *x, const FO_DATA *z)
{
    const int sym = shape != FO_GRAM_RECT;
    const int rbf = kp->kind == FO_KERNEL_RBF;
    const int norms = rbf || kp->kind == FO_KERNEL_COSINE;
    const int refine = rbf && x != NULL;
    int ok = 1;
    for (int64_t i = start; i < stop; i++) {
        FO_T *g = G + i * m;
        const FO_T xi = norms ? xn[i] : (FO_T)0;
        const FO_T ri = rs ? rs[i] : (FO_T)1;
        if (refine) {
            ok &= FO_SUF(rbf_row_refined)(kp, g, sym ? i : m, xi, zn, ri, cs, x, i, sym ? x : z,
                                          NULL);
            if (sym) g[i] = rs ? ri * ri : (FO_T)1;  /* exp(-gamma * 0), scaled */
        } else if (sym) {
            /* columns 0..i-1 through the row transform, then the diagonal */
            ok &= FO_SUF(kernel_row)(kp, g, i, xi, xn, ri, rs);
            if (rbf) {
                g[i] = rs ? ri * ri : (FO_T)1;  /* exp(-gamma * 0), scaled */
            } else {
                ok &= FO_SUF(kernel_row)(kp, g + i, 1, xi, xn + i, ri, rs ? rs + i : NULL);
            }
        } else {
            ok &= FO_SUF(kernel_row)(kp, g, m, xi, zn, ri, cs);
        }
    }
    return ok ? FO_OK : FO_ERR_NONFINITE;
}

/* The upper triangle of rows [start, stop) copied from the lower one, in
 * FO_TILE x FO_TILE tiles so that the column reads stay in cache. */
#define FO_TILE 64
static FO_HOT void FO_SUF(mirror_rows)(int64_t start, int64_t stop, int64_t n, FO_T *G)
{
    for (int64_t i0 = start; i0 < stop; i0 += FO_TILE) {
        const int64_t i1 = (stop - i0 < FO_TILE) ? stop : i0 + FO_TILE;
        for (int64_t j0 = i0; j0 < n; j0 += FO_TILE) {
            const int64_t j1 = (n - j0 < FO_TILE) ? n : j0 + FO_TILE;
            for (int64_t i = i0; i < i1; i++) {
                const int64_t jlo = j0 > i + 1 ? j0 : i + 1;
                FO_T *FO_RESTRICT gi = G + i * n;
                for (int64_t j = jlo; j < j1; j++) gi[j] = G[j * n + i];
            }
        }
    }
}
#undef FO_TILE

/* The strict upper triangle of the n x n matrix G from its lower one; row i copies
 * n - 1 - i entries, so blocks of equal area start at n (1 - sqrt(1 - b / n_blocks)). */
static void FO_SUF(mirror)(int64_t n, FO_T *G, int n_threads)
{
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads)
#endif
    for (int b = 0; b < n_threads; b++) {
        int64_t start = b == 0 ? 0 : n - (int64_t)((double)n * sqrt(1.0 - (double)b / n_threads));
        int64_t stop = b + 1 == n_threads
                           ? n
                           : n - (int64_t)((double)n * sqrt(1.0 - (double)(b + 1) / n_threads));
        FO_SUF(mirror_rows)(start, stop, n, G);
    }
}

int FO_SUF(fo_kernel_gram)(const fo_kernel_params *kp, int shape, int64_t n, int64_t m, FO_T *G,
                           const FO_T *x_sqnorm, const FO_T *z_sqnorm, const FO_T *row_scale,
                           const FO_T *col_scale, const FO_DATA *x, const FO_DATA *z,
                           int n_threads)
{
    if (!kp || kp->kind < 0 || kp->kind >= FO_N_DOT_KERNELS || n < 0 || m < 0 || n_threads < 1)
        return FO_ERR_BAD_ARGUMENT;
    if (shape != FO_GRAM_RECT && shape != FO_GRAM_SYM_LOWER && shape != FO_GRAM_SYM)
        return FO_ERR_BAD_ARGUMENT;
    const int sym = shape != FO_GRAM_RECT;
    if (sym && n != m) return FO_ERR_BAD_ARGUMENT;
    if (n == 0 || m == 0) return FO_OK;
    if (!G) return FO_ERR_BAD_ARGUMENT;
    const int norms = kp->kind == FO_KERNEL_RBF || kp->kind == FO_KERNEL_COSINE;
    if (norms && (!x_sqnorm || (!sym && !z_sqnorm)))
        return FO_ERR_BAD_ARGUMENT;
    if (kp->kind != FO_KERNEL_LINEAR && kp->kind != FO_KERNEL_COSINE
        && !(kp->gamma > 0.0 && isfinite(kp->gamma)))
        return FO_ERR_BAD_ARGUMENT;
    if (kp->kind == FO_KERNEL_POLY && kp->degree < 1) return FO_ERR_BAD_ARGUMENT;
    if (!isfinite(kp->coef0)) return FO_ERR_BAD_ARGUMENT;
    if (!sym && (row_scale == NULL) != (col_scale == NULL))
        return FO_ERR_BAD_ARGUMENT;  /* RECT: both scales or neither */
    const FO_T *zn = sym ? x_sqnorm : z_sqnorm;
    const FO_T *cs = sym ? row_scale : col_scale;
    if (sym) z = x;
    if (x && (!z || x->n_samples != n || z->n_samples != m || x->n_features != z->n_features
              || (x->X == NULL) != (z->X == NULL) || (!x->X && (!x->indptr || !z->indptr))))
        return FO_ERR_BAD_ARGUMENT;  /* the rows for the rbf refinement: both dense or CSR */
    if (n_threads > n) n_threads = (int)n;
    int status = FO_OK;

    /* row blocks; for the triangle, of equal area: block b starts at n sqrt(b / n_blocks) */
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads) reduction(min : status)
#endif
    for (int b = 0; b < n_threads; b++) {
        int64_t start, stop;
        kernel_row_block(sym, n, n_threads, b, &start, &stop);
        int s = FO_SUF(gram_rows)(kp, shape, start, stop, m, G, x_sqnorm, zn, row_scale, cs, x, z);
        if (s < status) status = s;
    }
    if (status != FO_OK || shape != FO_GRAM_SYM) return status;
    FO_SUF(mirror)(n, G, n_threads);
    return FO_OK;
}

/* ---- the kernels of coordinate-wise distances: laplacian, chi2, additive_chi2 ---- */

/* Rows [start, stop) of K against the columns j < m (j <= i for the symmetric shapes),
 * in tiles of `tile` rows of z so that a tile stays in cache while every row of the
 * block passes over it.  Returns 1 when every value is finite. */
static FO_HOT int FO_SUF(pairwise_rows)(const fo_kernel_params *kp, int sym, int64_t start,
                                        int64_t stop, const FO_DATA *x, const FO_DATA *z,
                                        int64_t m, int64_t tile, FO_T *K, const FO_T *rs,
                                        const FO_T *cs)
{
    const int metric = kp->kind == FO_KERNEL_LAPLACIAN ? FO_METRIC_L1 : FO_METRIC_CHI2;
    const int additive = kp->kind == FO_KERNEL_ADDITIVE_CHI2;
    const double gamma = kp->gamma;
    int ok = 1;
    for (int64_t j0 = 0; j0 < (sym ? stop : m); j0 += tile) {
        const int64_t j1 = j0 + tile < m ? j0 + tile : m;
        for (int64_t i = start; i < stop; i++) {
            const int64_t jend = sym ? (i + 1 < j1 ? i + 1 : j1) : j1;
            FO_T *FO_RESTRICT k_row = K + i * m;
            const FO_T ri = rs ? rs[i] : (FO_T)1;
            for (int64_t j = j0; j < jend; j++) {
                const double s = FO_SUF(pair_distance)(metric, x, i, z, j);
                ok &= s <= DBL_MAX;  /* also false for NaN */
                double v = additive ? -s : exp(-gamma * s);
                if (cs) v *= (double)ri * (double)cs[j];
                k_row[j] = (FO_T)v;
                ok &= FO_FABS(k_row[j]) <= FO_TMAX;
            }
        }
    }
    return ok;
}

int FO_SUF(fo_kernel_pairwise)(const fo_kernel_params *kp, int shape, const FO_DATA *x,
                               const FO_DATA *z, FO_T *K, const FO_T *row_scale,
                               const FO_T *col_scale, int n_threads)
{
    if (!kp || !x || n_threads < 1) return FO_ERR_BAD_ARGUMENT;
    if (kp->kind != FO_KERNEL_LAPLACIAN && kp->kind != FO_KERNEL_CHI2
        && kp->kind != FO_KERNEL_ADDITIVE_CHI2)
        return FO_ERR_BAD_ARGUMENT;
    if (shape != FO_GRAM_RECT && shape != FO_GRAM_SYM_LOWER && shape != FO_GRAM_SYM)
        return FO_ERR_BAD_ARGUMENT;
    const int sym = shape != FO_GRAM_RECT;
    if (sym) z = x;
    if (!z) return FO_ERR_BAD_ARGUMENT;
    if (kp->kind != FO_KERNEL_ADDITIVE_CHI2 && !(kp->gamma > 0.0 && isfinite(kp->gamma)))
        return FO_ERR_BAD_ARGUMENT;
    const int64_t n = x->n_samples, m = z->n_samples, p = x->n_features;
    if (n < 0 || m < 0 || p < 0 || z->n_features != p) return FO_ERR_BAD_ARGUMENT;
    if (!sym && (row_scale == NULL) != (col_scale == NULL)) return FO_ERR_BAD_ARGUMENT;
    if (n == 0 || m == 0) return FO_OK;
    if (!K) return FO_ERR_BAD_ARGUMENT;
    const int dense = x->X != NULL;
    if (dense != (z->X != NULL)) return FO_ERR_BAD_ARGUMENT;  /* both dense or both CSR */
    if (!dense && (!x->indptr || !z->indptr || ((x->indptr[n] > x->indptr[0])
                                                && (!x->data || !x->indices))
                   || ((z->indptr[m] > z->indptr[0]) && (!z->data || !z->indices))))
        return FO_ERR_BAD_ARGUMENT;
    const FO_T *cs = sym ? row_scale : col_scale;
    /* a tile of z's rows of about 128 KiB (dense), or 64 sparse rows */
    int64_t tile = 64;
    if (dense && p > 0) {
        tile = (int64_t)(131072 / ((int64_t)sizeof(FO_T) * p));
        if (tile < 8) tile = 8;
    }
    if (n_threads > n) n_threads = (int)n;
    int status = FO_OK;
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads) reduction(min : status)
#endif
    for (int b = 0; b < n_threads; b++) {
        int64_t start, stop;
        kernel_row_block(sym, n, n_threads, b, &start, &stop);
        if (!FO_SUF(pairwise_rows)(kp, sym, start, stop, x, z, m, tile, K, row_scale, cs))
            status = FO_ERR_NONFINITE;
    }
    if (status != FO_OK || shape != FO_GRAM_SYM) return status;
    FO_SUF(mirror)(n, K, n_threads);
    return FO_OK;
}

/* Entries g[0..len) hold the dot products x.z_j; make them kernel values K(x, z_j)
 * (xi = |x|^2 and zn[j] = |z_j|^2 for rbf and cosine, else unused and may be NULL). */
FO_HOT int FO_SUF(fo_kernel_transform)(const fo_kernel_params *kp, FO_T *g, int64_t len, FO_T xi,
                                       const FO_T *zn)
{
    if (!kp || kp->kind < 0 || kp->kind >= FO_N_DOT_KERNELS || len < 0) return FO_ERR_BAD_ARGUMENT;
    if (len == 0) return FO_OK;
    if (!g || ((kp->kind == FO_KERNEL_RBF || kp->kind == FO_KERNEL_COSINE) && !zn))
        return FO_ERR_BAD_ARGUMENT;
    return FO_SUF(kernel_row)(kp, g, len, xi, zn, (FO_T)1, NULL) ? FO_OK : FO_ERR_NONFINITE;
}

/* The rbf transform of g[j] = x_r . x_rows[j] (rows of one data set) with the distances
 * of close rows recomputed from the coordinates: the SVC's kernel rows. */
FO_HOT int FO_SUF(fo_kernel_rbf_rows)(const fo_kernel_params *kp, FO_T *g, int64_t len, FO_T xi,
                                      const FO_T *zn, const FO_DATA *data, int64_t r,
                                      const int64_t *rows)
{
    if (!kp || kp->kind != FO_KERNEL_RBF || len < 0 || !data) return FO_ERR_BAD_ARGUMENT;
    if (len == 0) return FO_OK;
    if (!g || !zn || !rows || !(kp->gamma > 0.0 && isfinite(kp->gamma))) return FO_ERR_BAD_ARGUMENT;
    return FO_SUF(rbf_row_refined)(kp, g, len, xi, zn, (FO_T)1, NULL, data, r, data, rows)
               ? FO_OK : FO_ERR_NONFINITE;
}

/* out[i] = |row i|^2 for rows start..stop: dense X (n x p), or CSR (data, indptr) when X is NULL. */
static FO_HOT void FO_SUF(sqnorm_rows)(int64_t start, int64_t stop, int64_t p, const FO_T *X,
                                       const FO_T *data, const int64_t *indptr, FO_T *out)
{
    for (int64_t i = start; i < stop; i++) {
        const FO_T *FO_RESTRICT x = X ? X + i * p : data + indptr[i];
        const int64_t len = X ? p : indptr[i + 1] - indptr[i];
        double s = 0.0;
        FO_SIMD_REDUCTION(+, s)
        for (int64_t j = 0; j < len; j++) s += (double)x[j] * (double)x[j];
        out[i] = (FO_T)s;
    }
}

/* Both layouts: row blocks, one per thread. */
static int FO_SUF(run_sqnorms)(int64_t n, int64_t p, const FO_T *X, const FO_T *data,
                               const int64_t *indptr, FO_T *out, int n_threads)
{
    if (n_threads > n) n_threads = n > 0 ? (int)n : 1;
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads)
#endif
    for (int b = 0; b < n_threads; b++) {
        int64_t start, stop;
        fo_block_range(n, n_threads, b, &start, &stop);
        FO_SUF(sqnorm_rows)(start, stop, p, X, data, indptr, out);
    }
    return FO_OK;
}

int FO_SUF(fo_row_sqnorms)(int64_t n, int64_t p, const FO_T *X, FO_T *out, int n_threads)
{
    if (n < 0 || p < 0 || n_threads < 1 || (n > 0 && (!out || (p > 0 && !X))))
        return FO_ERR_BAD_ARGUMENT;
    if (n > 0 && p == 0) {  /* no columns: every norm is 0 */
        for (int64_t i = 0; i < n; i++) out[i] = 0;
        return FO_OK;
    }
    return FO_SUF(run_sqnorms)(n, p, X, NULL, NULL, out, n_threads);
}

int FO_SUF(fo_row_sqnorms_csr)(int64_t n, const FO_T *data, const int64_t *indptr, FO_T *out,
                               int n_threads)
{
    if (n < 0 || n_threads < 1 || (n > 0 && (!out || !indptr))) return FO_ERR_BAD_ARGUMENT;
    if (n > 0 && indptr[n] > indptr[0] && !data) return FO_ERR_BAD_ARGUMENT;
    static const FO_T none = 0;  /* a valid base pointer for rows without entries */
    return FO_SUF(run_sqnorms)(n, 0, NULL, data ? data : &none, indptr, out, n_threads);
}

/* this template's parameters end here */
#undef FO_POLY_CHUNK
#undef FO_T
#undef FO_SUF
#undef FO_EXP_NEG
#undef FO_TANH
#undef FO_TMAX
#undef FO_FABS
#undef FO_SQRT
#undef FO_DATA
#undef FO_RBF_REFINE
