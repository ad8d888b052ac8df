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

/* Rows [start, stop) of G: all m columns (RECT) or columns 0..i (the symmetric
 * shapes, whose diagonal rbf distance is exactly 0).  Returns the status. */
static FO_HOT int FO_SUF(gram_rows)(const fo_kernel_params *kp, int shape, int64_t start,
                                    int64_t stop, int64_t m, FO_T *G, const FO_T *xn,
                                    const FO_T *zn, const FO_T *rs, const FO_T *cs)
{
    const int sym = shape != FO_GRAM_RECT;
    const int rbf = kp->kind == FO_KERNEL_RBF;
    int ok = 1;
    for (int64_t i = start; i < stop; i++) {
        FO_T *g = G + i * m;
        const FO_T xi = rbf ? xn[i] : (FO_T)0;
        const FO_T ri = rs ? rs[i] : (FO_T)1;
        if (sym) {
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

int FO_SUF(fo_kernel_gram)(const fo_kernel_params *kp, int shape, int64_t n, int64_t m, FO_T *G,
                           const FO_T *x_sqnorm, const FO_T *z_sqnorm, const FO_T *row_scale,
                           const FO_T *col_scale, int n_threads)
{
    if (!kp || kp->kind < 0 || kp->kind >= FO_N_KERNELS || n < 0 || m < 0 || n_threads < 1)
        return FO_ERR_BAD_ARGUMENT;
    if (shape != FO_GRAM_RECT && shape != FO_GRAM_SYM_LOWER && shape != FO_GRAM_SYM)
        return FO_ERR_BAD_ARGUMENT;
    const int sym = shape != FO_GRAM_RECT;
    if (sym && n != m) return FO_ERR_BAD_ARGUMENT;
    if (n == 0 || m == 0) return FO_OK;
    if (!G) return FO_ERR_BAD_ARGUMENT;
    if (kp->kind == FO_KERNEL_RBF && (!x_sqnorm || (!sym && !z_sqnorm)))
        return FO_ERR_BAD_ARGUMENT;
    if (kp->kind != FO_KERNEL_LINEAR && !(kp->gamma > 0.0 && isfinite(kp->gamma)))
        return FO_ERR_BAD_ARGUMENT;
    if (kp->kind == FO_KERNEL_POLY && kp->degree < 1) return FO_ERR_BAD_ARGUMENT;
    if (!isfinite(kp->coef0)) return FO_ERR_BAD_ARGUMENT;
    if (!sym && (row_scale == NULL) != (col_scale == NULL))
        return FO_ERR_BAD_ARGUMENT;  /* RECT: both scales or neither */
    const FO_T *zn = sym ? x_sqnorm : z_sqnorm;
    const FO_T *cs = sym ? row_scale : col_scale;
    if (n_threads > n) n_threads = (int)n;
    int status = FO_OK;

    /* row blocks; for the triangle, of equal area: block b starts at n sqrt(b / n_blocks) */
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads) reduction(min : status)
#endif
    for (int b = 0; b < n_threads; b++) {
        int64_t start, stop;
        if (sym) {
            start = (int64_t)((double)n * sqrt((double)b / n_threads));
            stop = b + 1 == n_threads ? n : (int64_t)((double)n * sqrt((double)(b + 1) / n_threads));
        } else {
            fo_block_range(n, n_threads, b, &start, &stop);
        }
        int s = FO_SUF(gram_rows)(kp, shape, start, stop, m, G, x_sqnorm, zn, row_scale, cs);
        if (s < status) status = s;
    }
    if (status != FO_OK || shape != FO_GRAM_SYM) return status;

    /* the mirror: row i copies n - 1 - i entries, so blocks of equal area start
     * at n (1 - sqrt(1 - b / n_blocks)) */
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
    return FO_OK;
}

/* Entries g[0..len) hold the dot products x.z_j; make them kernel values K(x, z_j)
 * (xi = |x|^2 and zn[j] = |z_j|^2 for rbf, else unused and may be NULL). */
FO_HOT int FO_SUF(fo_kernel_transform)(const fo_kernel_params *kp, FO_T *g, int64_t len, FO_T xi,
                                       const FO_T *zn)
{
    if (!kp || kp->kind < 0 || kp->kind >= FO_N_KERNELS || len < 0) return FO_ERR_BAD_ARGUMENT;
    if (len == 0) return FO_OK;
    if (!g || (kp->kind == FO_KERNEL_RBF && !zn)) return FO_ERR_BAD_ARGUMENT;
    return FO_SUF(kernel_row)(kp, g, len, xi, zn, (FO_T)1, NULL) ? FO_OK : FO_ERR_NONFINITE;
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
