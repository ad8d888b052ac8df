/*
 * svc_impl.h -- the kernel rows of the SVC solver for one floating type;
 * svc.c includes it twice (FO_T, FO_SUF, FO_DATA).
 *
 * A row is K(x_r, x_{rows[j]}) for j < m: first the dot products (dense rows
 * by tiles of eight, so eight independent vector sums share each load of x_r;
 * CSR rows against x_r scattered into a dense scratch vector), then the
 * kernel transform of kernels.c, then Q_ij = y_i y_j K_ij rounded to float.
 * Dot products and kernel values are in the input type (float32 data:
 * per-row work in float32), the cached row of Q in float (svc_qf).
 */

/* out[j - j0] = x . X[rows[j]] for j in [j0, j1), dense X with d columns. */
FO_HOT static void FO_SUF(svc_dots_dense)(const FO_T *X, int64_t d, const FO_T *FO_RESTRICT x,
                                          const int64_t *rows, int64_t j0, int64_t j1,
                                          FO_T *FO_RESTRICT out)
{
    int64_t j = j0;
    for (; j + 8 <= j1; j += 8) {
        const FO_T *FO_RESTRICT a0 = X + rows[j] * d;
        const FO_T *FO_RESTRICT a1 = X + rows[j + 1] * d;
        const FO_T *FO_RESTRICT a2 = X + rows[j + 2] * d;
        const FO_T *FO_RESTRICT a3 = X + rows[j + 3] * d;
        const FO_T *FO_RESTRICT a4 = X + rows[j + 4] * d;
        const FO_T *FO_RESTRICT a5 = X + rows[j + 5] * d;
        const FO_T *FO_RESTRICT a6 = X + rows[j + 6] * d;
        const FO_T *FO_RESTRICT a7 = X + rows[j + 7] * d;
        if (j + 8 < j1) FO_PREFETCH(X + rows[j + 8] * d);
        FO_T s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
#if defined(_OPENMP) || defined(FO_HAVE_OPENMP_SIMD)
#pragma omp simd reduction(+ : s0, s1, s2, s3, s4, s5, s6, s7)
#endif
        for (int64_t k = 0; k < d; k++) {
            const FO_T xk = x[k];
            s0 += xk * a0[k];
            s1 += xk * a1[k];
            s2 += xk * a2[k];
            s3 += xk * a3[k];
            s4 += xk * a4[k];
            s5 += xk * a5[k];
            s6 += xk * a6[k];
            s7 += xk * a7[k];
        }
        out[j - j0] = s0;
        out[j - j0 + 1] = s1;
        out[j - j0 + 2] = s2;
        out[j - j0 + 3] = s3;
        out[j - j0 + 4] = s4;
        out[j - j0 + 5] = s5;
        out[j - j0 + 6] = s6;
        out[j - j0 + 7] = s7;
    }
    for (; j < j1; j++) {
        const FO_T *FO_RESTRICT a = X + rows[j] * d;
        FO_T s = 0;
        FO_SIMD_REDUCTION(+, s)
        for (int64_t k = 0; k < d; k++) s += x[k] * a[k];
        out[j - j0] = s;
    }
}

/* The same for CSR rows: x_r is scattered into `dense` (d zeros on entry and on exit). */
FO_HOT static void FO_SUF(svc_dots_csr)(const FO_DATA *data, int64_t r, const int64_t *rows,
                                        int64_t j0, int64_t j1, FO_T *FO_RESTRICT dense,
                                        FO_T *FO_RESTRICT out)
{
    const FO_T *FO_RESTRICT v = data->data;
    const int32_t *FO_RESTRICT ind = data->indices;
    const int64_t *indptr = data->indptr;
    for (int64_t k = indptr[r]; k < indptr[r + 1]; k++) dense[ind[k]] += v[k];
    for (int64_t j = j0; j < j1; j++) {
        const int64_t t = rows[j], end = indptr[t + 1];
        /* four partial sums: a single one waits on each add (latency, not loads, bound it) */
        FO_T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int64_t k = indptr[t];
        for (; k + 4 <= end; k += 4) {
            s0 += v[k] * dense[ind[k]];
            s1 += v[k + 1] * dense[ind[k + 1]];
            s2 += v[k + 2] * dense[ind[k + 2]];
            s3 += v[k + 3] * dense[ind[k + 3]];
        }
        for (; k < end; k++) s0 += v[k] * dense[ind[k]];
        out[j - j0] = (s0 + s1) + (s2 + s3);
    }
    for (int64_t k = indptr[r]; k < indptr[r + 1]; k++) dense[ind[k]] = 0;
}

/* Kernel values K(x_r, x_rows[j]) for j in [j0, j1) into out (one thread's block). */
static int FO_SUF(svc_kernel_block)(const svc_source *S, int64_t r, int64_t j0, int64_t j1,
                                    FO_T *dense, FO_T *out)
{
    const FO_DATA *data = (const FO_DATA *)S->data;
    const FO_T *zn = (const FO_T *)S->zn;
    if (data->X != NULL) {
        const int64_t d = data->n_features;
        FO_SUF(svc_dots_dense)(data->X, d, data->X + r * d, S->rows, j0, j1, out);
    } else {
        FO_SUF(svc_dots_csr)(data, r, S->rows, j0, j1, dense, out);
    }
    const FO_T xi = zn ? ((const FO_T *)S->sqnorm)[r] : (FO_T)0;
    if (S->kp.kind == FO_KERNEL_RBF)  /* close rows' distances recomputed from the data */
        return FO_SUF(fo_kernel_rbf_rows)(&S->kp, out, j1 - j0, xi, zn + j0, data, r,
                                          S->rows + j0);
    return FO_SUF(fo_kernel_transform)(&S->kp, out, j1 - j0, xi, zn ? zn + j0 : NULL);
}

/* Entries [j0, j1) of row i of Q into out[0 .. j1 - j0): the kernel values in FO_T (float64
 * data: into `block`, j1 - j0 values of scratch; float32: straight into out; CSR: `dense`, d
 * zeros on entry and exit), then Q_ij = y_i y_j K_ij rounded to svc_qf.  The rows are always
 * computed in the same chunks (svc.c), by whichever thread claims them: the bits never depend
 * on who.
 *
 * Why single precision (LIBSVM's Qfloat does the same): besides twice the rows in the cache
 * and half the bytes read by each gradient update, it is what LIBSVM's iteration counts are
 * made of on badly conditioned kernels.  With X ~ N(100, 1) a cubic kernel's entries are
 * ~1e12, far beyond what tol=1e-3 resolves in double: on 200 x 5 such rows, SMO on the
 * double rows ran to max_iter = 10^7 (fit_status_ 1) where on the rounded ones it stops
 * after 3.3e5 iterations, as LIBSVM (within 0.1%; tests/test_svc.py,
 * test_iterations_match_libsvm, test_badly_scaled_poly_converges). */
static int FO_SUF(svc_q_chunk)(const svc_source *S, int64_t i, int64_t j0, int64_t j1,
                               void *dense, void *block, svc_qf *out)
{
    FO_T *k = (sizeof(FO_T) == sizeof(svc_qf)) ? (FO_T *)(void *)out : (FO_T *)block;
    int status = FO_SUF(svc_kernel_block)(S, S->rows[i], j0, j1, (FO_T *)dense, k);
    const double yi = S->y[i];
    int ok = 1;
    for (int64_t j = j0; j < j1; j++) {
        const svc_qf v = (svc_qf)(yi * S->y[j] * (double)k[j - j0]);
        ok &= fabsf(v) <= FLT_MAX;
        out[j - j0] = v;
    }
    if (!ok && status == FO_OK) status = FO_ERR_NONFINITE;
    return status;
}

/* K(x_r, x_r) for every row of the problem (the diagonal of Q). */
static int FO_SUF(svc_diagonal)(const svc_source *S, double *qd)
{
    const FO_DATA *data = (const FO_DATA *)S->data;
    for (int64_t t = 0; t < S->m; t++) {
        const int64_t r = S->rows[t];
        double s = 0.0;
        if (data->X != NULL) {
            const FO_T *x = data->X + r * data->n_features;
            for (int64_t k = 0; k < data->n_features; k++) s += (double)x[k] * (double)x[k];
        } else {
            for (int64_t k = data->indptr[r]; k < data->indptr[r + 1]; k++)
                s += (double)data->data[k] * (double)data->data[k];
        }
        FO_T g = (FO_T)s, xn = (FO_T)s;
        const int st = FO_SUF(fo_kernel_transform)(&S->kp, &g, 1, xn, &xn);
        if (st != FO_OK) return st;
        qd[t] = (double)g;
    }
    return FO_OK;
}
