/*
 * loss_impl.h -- the loss kernels for one floating type.  loss.c includes this
 * file twice, with FO_T = double / float, FO_SUF(name) = name##_f64 / _f32 and
 * FO_DATA = fo_data_f64 / fo_data_f32.
 *
 * (FO_V, FO_LANES, FO_VLOAD, FO_VSTORE, FO_VHSUM: its 32-byte vector type;
 * FO_BINARY_LOSS: the per-sample binary losses of its dtype.)
 *
 * Precision: X, y and the weights are read in their own dtype, never copied.
 * Dense binary kernels do the short sums (a row's score, a block of rows'
 * gradient part) and the per-sample losses in the input dtype; every long sum
 * (over all rows) is accumulated in double.  CSR rows, the multiclass losses
 * and the Hessian products work in double throughout, with coefficients
 * (small: K x d) converted to double once per call.
 *
 * The block workers are FO_HOT (multi-versioned); the per-loss wrappers pass
 * the loss id as a constant so that the inlined switch in fo_binary_loss folds.
 */

/* ---- block accumulators ------------------------------------------------- */

/* One block's private sums: the gradient/product (K*d + K doubles, padded to
 * a 64-byte multiple against false sharing), the weighted loss, the weight sum
 * and a status. */
typedef struct {
    double *grad;      /* K*d coefficient part, then K intercept part */
    double *scratch;   /* (2 FO_TILE_R + 1) K doubles: scores, derivatives, probabilities */
    FO_T *part;        /* K * n_features values: a row block's gradient part (dense rows) */
    const double *probs; /* softmax Hessian products: the n x K probabilities at the point */
    double loss;
    double weight;
    int status;
    const int64_t *rows; /* value+gradient over a row subset: position q is sample rows[q]
                          * (X, y, weights read there); NULL: position q is sample q */
} FO_SUF(fo_block);

/* ---- binary losses ----------------------------------------------------------
 *
 * Rows go in blocks of FO_BLOCK: (1) their scores, (2) their losses and
 * derivatives in one loop over the block that vectorizes (padding rows get
 * weight 0), (3) the gradient update.  Rows stream in one at a time in (1)
 * (measured: interleaving four rows' dot products slows the stream down); (3)
 * updates the gradient once per four rows (read again from L1), which saves
 * three loads and stores of the gradient per row.
 */

#define FO_BLOCK 16
#define FO_PREFETCH_BYTES 6912 /* best of 3.5, 7 and 14 KB on a 2-core EPYC, f32 and f64 */

/* Phase 2: losses of nr <= FO_BLOCK rows (sample numbers idx[r]); g[r] <- w_r dl/dz_r (0 when
 * padded).  Per-sample work in the input dtype (FO_BINARY_LOSS: the double or
 * float version), sums over the block in double. */
FO_INLINE void FO_SUF(binary_block_losses)(int loss, const FO_DATA *d, const int64_t *idx,
                                           int64_t nr, const double *z, double *g,
                                           double *loss_sum, double *w_sum)
{
    FO_T zz[FO_BLOCK], yy[FO_BLOCK], ww[FO_BLOCK], ll[FO_BLOCK], gg[FO_BLOCK];
    for (int64_t r = 0; r < FO_BLOCK; r++) {
        int in = r < nr;
        zz[r] = in ? (FO_T)z[r] : (FO_T)0;
        yy[r] = in ? d->y[idx[r]] : (FO_T)1;
        ww[r] = in ? (d->sample_weight ? d->sample_weight[idx[r]] : (FO_T)1) : (FO_T)0;
    }
    FO_SIMD
    for (int64_t r = 0; r < FO_BLOCK; r++) {
        ll[r] = ww[r] * FO_BINARY_LOSS(loss, zz[r], yy[r], &gg[r]);
        gg[r] *= ww[r];
    }
    for (int64_t r = 0; r < FO_BLOCK; r++) {
        g[r] = (double)gg[r];
        *loss_sum += (double)ll[r];
        *w_sum += (double)ww[r];
    }
}

/*
 * Dense row arithmetic in the input dtype (short sums): the dot product of a
 * row with coef, and the update of a block's gradient part by one or four
 * rows.  With vector extensions rows are taken FO_LANES values at a time; a
 * row whose length is not a multiple of FO_LANES ends with one more vector
 * that overlaps the previous one, its overlapping lanes zeroed by a mask
 * (prepared once per call), so no scalar tail runs.
 */
typedef struct {
    int64_t p;        /* row length */
    int64_t main;     /* values covered by whole vectors from the start */
    int tail;         /* 1 when one overlapping vector ends the row */
#if FO_HAVE_VECTOR_EXT
    FO_V ctail;       /* coef[p - L .. p) with the lanes before `main` zeroed */
    FO_V tailmask;    /* 1 on the lanes of the tail, 0 on the overlap */
#endif
} FO_SUF(fo_rows);

FO_INLINE void FO_SUF(rows_init)(FO_SUF(fo_rows) *rw, const FO_T *coef, int64_t p)
{
    rw->p = p;
#if FO_HAVE_VECTOR_EXT
    if (p >= FO_LANES) {
        rw->main = p - p % FO_LANES;
        rw->tail = (p % FO_LANES) != 0;
        for (int k = 0; k < FO_LANES; k++) {
            int in_tail = (p - FO_LANES + k) >= rw->main;
            rw->tailmask[k] = in_tail ? (FO_T)1 : (FO_T)0;
            rw->ctail[k] = in_tail ? coef[p - FO_LANES + k] : (FO_T)0;
        }
        return;
    }
#endif
    (void)coef;
    rw->main = 0;
    rw->tail = 0;
}

/* x . coef over one row. */
FO_INLINE FO_T FO_SUF(row_dot)(const FO_SUF(fo_rows) *rw, const FO_T *FO_RESTRICT x,
                               const FO_T *FO_RESTRICT c)
{
    const int64_t p = rw->p;
    if (rw->main == 0) {
        FO_T s = 0;
        for (int64_t j = 0; j < p; j++) s += x[j] * c[j];
        return s;
    }
#if FO_HAVE_VECTOR_EXT
    FO_V a0 = {0}, a1 = {0};
    int64_t j = 0;
    for (; j + 2 * FO_LANES <= rw->main; j += 2 * FO_LANES) {
        a0 += FO_VLOAD(x + j) * FO_VLOAD(c + j);
        a1 += FO_VLOAD(x + j + FO_LANES) * FO_VLOAD(c + j + FO_LANES);
    }
    if (j < rw->main) a0 += FO_VLOAD(x + j) * FO_VLOAD(c + j);
    if (rw->tail) a1 += FO_VLOAD(x + p - FO_LANES) * rw->ctail;
    return FO_VHSUM(a0 + a1);
#else
    return 0;
#endif
}

/* part += sum_r g[r] x_r over nr (1 or 4) rows x[0..nr). */
FO_INLINE void FO_SUF(rows_axpy)(const FO_SUF(fo_rows) *rw, const FO_T *const *x, int nr,
                                 const double *g, FO_T *FO_RESTRICT part)
{
    const int64_t p = rw->p;
    const FO_T *FO_RESTRICT x0 = x[0];
    const FO_T *FO_RESTRICT x1 = nr == 4 ? x[1] : x0, *FO_RESTRICT x2 = nr == 4 ? x[2] : x0,
               *FO_RESTRICT x3 = nr == 4 ? x[3] : x0;
    const FO_T g0 = (FO_T)g[0];
    const FO_T g1 = nr == 4 ? (FO_T)g[1] : 0, g2 = nr == 4 ? (FO_T)g[2] : 0,
               g3 = nr == 4 ? (FO_T)g[3] : 0;
    if (rw->main == 0) {
        for (int64_t j = 0; j < p; j++)
            part[j] += nr == 4 ? (g0 * x0[j] + g1 * x1[j]) + (g2 * x2[j] + g3 * x3[j]) : g0 * x0[j];
        return;
    }
#if FO_HAVE_VECTOR_EXT
    int64_t j;
    if (nr == 4) {
        for (j = 0; j < rw->main; j += FO_LANES)
            FO_VSTORE(part + j, FO_VLOAD(part + j) +
                                    ((g0 * FO_VLOAD(x0 + j) + g1 * FO_VLOAD(x1 + j)) +
                                     (g2 * FO_VLOAD(x2 + j) + g3 * FO_VLOAD(x3 + j))));
        if (rw->tail) {
            j = p - FO_LANES;
            FO_V t = (g0 * FO_VLOAD(x0 + j) + g1 * FO_VLOAD(x1 + j)) +
                     (g2 * FO_VLOAD(x2 + j) + g3 * FO_VLOAD(x3 + j));
            FO_VSTORE(part + j, FO_VLOAD(part + j) + t * rw->tailmask);
        }
    } else {
        for (j = 0; j < rw->main; j += FO_LANES)
            FO_VSTORE(part + j, FO_VLOAD(part + j) + g0 * FO_VLOAD(x0 + j));
        if (rw->tail) {
            j = p - FO_LANES;
            FO_VSTORE(part + j, FO_VLOAD(part + j) + (g0 * FO_VLOAD(x0 + j)) * rw->tailmask);
        }
    }
#endif
}

/* Prefetch every cache line of row rows[k] (k < stop), or of row
 * rows[next_start + k - stop] when that is below next_stop. */
FO_INLINE void FO_SUF(gather_prefetch)(const FO_DATA *d, const int64_t *rows, int64_t k,
                                       int64_t stop, int64_t next_start, int64_t next_stop)
{
    if (k >= stop) {
        k = next_start + (k - stop);
        if (k >= next_stop) return;
    }
    const int64_t p = d->n_features, ra = rows[k];
    fo_prefetch_span(d->X + ra * p, p * (int64_t)sizeof(FO_T));
    /* the row's label and weight: as scattered as the row, and X's stream evicts them */
    FO_PREFETCH(d->y + ra);
    if (d->sample_weight) FO_PREFETCH(d->sample_weight + ra);
}

/*
 * Dense rows: scores and the block's gradient part are short sums, done in the
 * input dtype (float32 data runs 8 lanes wide on AVX2, with no conversion per
 * element); each block's gradient part is then added to the thread's
 * accumulator in double, where the long sum over all rows happens.
 *
 * rows == NULL: the rows start..stop of X in storage order.  Otherwise the
 * rows rows[start..stop) (the epoch engine's shuffled batches), each
 * prefetched a fixed distance ahead; past `stop` the distance runs on into
 * rows[next_start..next_stop), the rows this thread takes next.
 */
FO_INLINE void FO_SUF(dense_binary_grad_body)(int loss, const FO_DATA *d, const int64_t *rows,
                                              int64_t next_start, int64_t next_stop,
                                              const FO_T *coef, double b,
                                              int64_t start, int64_t stop,
                                              FO_SUF(fo_block) *blk)
{
    const int64_t p = d->n_features;
    double *FO_RESTRICT gc = blk->grad;
    FO_T *FO_RESTRICT part = blk->part;
    double loss_sum = 0.0, w_sum = 0.0, gi = 0.0;
    FO_SUF(fo_rows) rw;
    FO_SUF(rows_init)(&rw, coef, p);
    /* software prefetch of the row about FO_PREFETCH_BYTES ahead: measured
     * 10-25% faster than leaving the stream to the hardware prefetcher */
    const int64_t row_bytes = p * (int64_t)sizeof(FO_T);
    const int64_t pf_rows = (FO_PREFETCH_BYTES + row_bytes - 1) / row_bytes;
    for (int64_t j = 0; j < p; j++) part[j] = 0;
    for (int64_t i = start; i < stop; i += FO_BLOCK) {
        const int64_t nr = (stop - i < FO_BLOCK) ? stop - i : FO_BLOCK;
        double z[FO_BLOCK], g[FO_BLOCK];
        int64_t idx[FO_BLOCK];
        const FO_T *xr[FO_BLOCK];
        int64_t r;
        for (r = 0; r < nr; r++) {
            idx[r] = rows ? rows[i + r] : i + r;
            xr[r] = d->X + idx[r] * p;
            const int64_t k = i + r + pf_rows;
            if (!rows) {
                if (k < stop) {
                    const char *ahead = (const char *)(xr[r] + pf_rows * p);
                    for (int64_t q = 0; q < row_bytes; q += 64) FO_PREFETCH(ahead + q);
                }
            }
            else FO_SUF(gather_prefetch)(d, rows, k, stop, next_start, next_stop);
            z[r] = (double)FO_SUF(row_dot)(&rw, xr[r], coef);
        }
        int finite = 1;
        for (r = 0; r < nr; r++) {
            z[r] += b;
            finite &= isfinite(z[r]);
        }
        if (!finite) { blk->status = FO_ERR_NONFINITE; break; }
        FO_SUF(binary_block_losses)(loss, d, idx, nr, z, g, &loss_sum, &w_sum);
        int touched = 0;
        for (r = 0; r + 4 <= nr; r += 4)
            if (g[r] != 0.0 || g[r + 1] != 0.0 || g[r + 2] != 0.0 || g[r + 3] != 0.0) {
                FO_SUF(rows_axpy)(&rw, xr + r, 4, g + r, part);
                touched = 1;
            }
        for (; r < nr; r++)
            if (g[r] != 0.0) {
                FO_SUF(rows_axpy)(&rw, xr + r, 1, g + r, part);
                touched = 1;
            }
        if (touched) {
            FO_SIMD
            for (int64_t j = 0; j < p; j++) {
                gc[j] += (double)part[j];
                part[j] = 0;
            }
        }
        for (r = 0; r < nr; r++) gi += g[r];
    }
    gc[p] += gi;
    blk->loss = loss_sum;
    blk->weight = w_sum;
}

FO_INLINE void FO_SUF(csr_binary_grad_body)(int loss, const FO_DATA *d, const double *coef,
                                            double b, int64_t start, int64_t stop,
                                            FO_SUF(fo_block) *blk)
{
    const int64_t p = d->n_features;
    double *FO_RESTRICT gc = blk->grad;
    double loss_sum = 0.0, w_sum = 0.0, gi = 0.0;
    const int64_t *rows = blk->rows;
    for (int64_t i = start; i < stop; i += FO_BLOCK) {
        const int64_t nr = (stop - i < FO_BLOCK) ? stop - i : FO_BLOCK;
        double z[FO_BLOCK], g[FO_BLOCK];
        int64_t idx[FO_BLOCK];
        int status = FO_OK;
        for (int64_t r = 0; r < nr; r++) idx[r] = rows ? rows[i + r] : i + r;
        for (int64_t r = 0; r < nr; r++) {
            double s = b;
            int bad_index = 0;
            for (int64_t k = d->indptr[idx[r]]; k < d->indptr[idx[r] + 1]; k++) {
                int32_t j = d->indices[k];
                bad_index |= ((uint64_t)(int64_t)j >= (uint64_t)p);
                if (!bad_index) s += (double)d->data[k] * coef[j];
            }
            if (bad_index) status = FO_ERR_BAD_ARGUMENT;  /* outranks an overflow elsewhere */
            else if (!isfinite(s) && status == FO_OK) status = FO_ERR_NONFINITE;
            z[r] = s;
        }
        if (status != FO_OK) { blk->status = status; break; }
        FO_SUF(binary_block_losses)(loss, d, idx, nr, z, g, &loss_sum, &w_sum);
        for (int64_t r = 0; r < nr; r++) {
            const double gr = g[r];
            if (gr == 0.0) continue;
            for (int64_t k = d->indptr[idx[r]]; k < d->indptr[idx[r] + 1]; k++)
                gc[d->indices[k]] += gr * (double)d->data[k];
            gi += gr;
        }
    }
    gc[p] += gi;
    blk->loss = loss_sum;
    blk->weight = w_sum;
}

/* One FO_HOT worker per (binary loss, layout): the loss id is a constant in each. */
#define FO_BINARY_WORKERS(NAME, ID)                                                               \
    FO_HOT static void FO_SUF(dense_grad_##NAME)(const FO_DATA *d, const FO_T *coef, double b,   \
                                                 int64_t start, int64_t stop,                     \
                                                 FO_SUF(fo_block) *blk)                           \
    {                                                                                             \
        FO_SUF(dense_binary_grad_body)(ID, d, NULL, 0, 0, coef, b, start, stop, blk);             \
    }                                                                                             \
    FO_HOT static void FO_SUF(dense_grad_rows_##NAME)(                                           \
        const FO_DATA *d, const int64_t *rows, int64_t next_start, int64_t next_stop,             \
        const FO_T *coef, double b, int64_t start, int64_t stop, FO_SUF(fo_block) *blk)           \
    {                                                                                             \
        FO_SUF(dense_binary_grad_body)(ID, d, rows, next_start, next_stop, coef, b, start, stop,  \
                                       blk);                                                      \
    }                                                                                             \
    FO_HOT static void FO_SUF(csr_grad_##NAME)(const FO_DATA *d, const double *coef, double b,   \
                                               int64_t start, int64_t stop,                       \
                                               FO_SUF(fo_block) *blk)                             \
    {                                                                                             \
        FO_SUF(csr_binary_grad_body)(ID, d, coef, b, start, stop, blk);                           \
    }

FO_BINARY_WORKERS(squared, FO_LOSS_SQUARED)
FO_BINARY_WORKERS(logistic, FO_LOSS_LOGISTIC)
FO_BINARY_WORKERS(hinge, FO_LOSS_HINGE)
FO_BINARY_WORKERS(squared_hinge, FO_LOSS_SQUARED_HINGE)

/* ---- multiclass losses (dense and CSR in one worker) ---------------------- */

/* Scores z_k = x_i . coef_k + b_k for k < K; returns 0, or a status. */
FO_INLINE int FO_SUF(row_scores)(const FO_DATA *d, int64_t i, int64_t K, const double *coef,
                                 const double *intercept, double *z)
{
    const int64_t p = d->n_features;
    if (d->X) {
        const FO_T *FO_RESTRICT x = d->X + i * p;
        for (int64_t k = 0; k < K; k++) {
            const double *FO_RESTRICT ck = coef + k * p;
            double dot = 0.0;
            FO_SIMD_REDUCTION(+, dot)
            for (int64_t j = 0; j < p; j++) dot += (double)x[j] * ck[j];
            z[k] = dot + (intercept ? intercept[k] : 0.0);
        }
    } else {
        const int64_t lo = d->indptr[i], hi = d->indptr[i + 1];
        for (int64_t k = 0; k < K; k++) z[k] = intercept ? intercept[k] : 0.0;
        for (int64_t q = lo; q < hi; q++) {
            int32_t j = d->indices[q];
            if ((uint64_t)(int64_t)j >= (uint64_t)p) return FO_ERR_BAD_ARGUMENT;
            double v = (double)d->data[q];
            for (int64_t k = 0; k < K; k++) z[k] += v * coef[k * p + j];
        }
    }
    for (int64_t k = 0; k < K; k++)
        if (!isfinite(z[k])) return FO_ERR_NONFINITE;
    return FO_OK;
}

/* acc[k*d + j] += g[k] x_ij for every k with g[k] != 0. */
FO_INLINE void FO_SUF(row_outer_add)(const FO_DATA *d, int64_t i, int64_t K, const double *g,
                                     double *acc)
{
    const int64_t p = d->n_features;
    if (d->X) {
        const FO_T *FO_RESTRICT x = d->X + i * p;
        for (int64_t k = 0; k < K; k++) {
            double gk = g[k];
            if (gk == 0.0) continue;
            double *FO_RESTRICT ak = acc + k * p;
            FO_SIMD
            for (int64_t j = 0; j < p; j++) ak[j] += gk * (double)x[j];
        }
    } else {
        const int64_t lo = d->indptr[i], hi = d->indptr[i + 1];
        for (int64_t q = lo; q < hi; q++) {
            int64_t j = d->indices[q];
            double v = (double)d->data[q];
            for (int64_t k = 0; k < K; k++) acc[k * p + j] += g[k] * v;
        }
    }
}

FO_HOT static void FO_SUF(multiclass_grad_rows)(int loss, const FO_DATA *d, int64_t K,
                                                const double *coef, const double *intercept,
                                                int64_t start, int64_t stop, FO_SUF(fo_block) *blk)
{
    const int64_t p = d->n_features;
    double *z = blk->scratch, *dz = blk->scratch + K, *prob = blk->scratch + 2 * K;
    double *gi = blk->grad + K * p;
    double loss_sum = 0.0, w_sum = 0.0;
    for (int64_t q = start; q < stop; q++) {
        const int64_t i = blk->rows ? blk->rows[q] : q;
        int st = FO_SUF(row_scores)(d, i, K, coef, intercept, z);
        if (st != FO_OK) { blk->status = st; break; }
        double yc = (double)d->y[i];
        int64_t c = (int64_t)yc;
        if (!(yc >= 0.0 && yc < (double)K) || (double)c != yc) {
            blk->status = FO_ERR_BAD_ARGUMENT;
            break;
        }
        double w = d->sample_weight ? (double)d->sample_weight[i] : 1.0;
        double l = (loss == FO_LOSS_SOFTMAX) ? fo_softmax_loss(z, K, c, prob, dz)
                                             : fo_multiclass_hinge_loss(z, K, c, dz);
        loss_sum += w * l;
        w_sum += w;
        for (int64_t k = 0; k < K; k++) {
            dz[k] *= w;
            gi[k] += dz[k];
        }
        FO_SUF(row_outer_add)(d, i, K, dz, blk->grad);
    }
    blk->loss = loss_sum;
    blk->weight = w_sum;
}

/* ---- dense rows against K coefficient rows: register tiles ----------------------
 *
 * The multiclass losses and the Hessian products need, per block of rows,
 * the K scores of each row (Z = X_b W^T) and the update of K gradient rows
 * (G += D^T X_b): two small matrix products.  They run on register tiles of
 * FO_TILE_R rows x FO_TILE_K classes, in the input dtype (short sums, like
 * the binary kernels): each x vector loaded feeds FO_TILE_K multiply-adds and
 * each coefficient vector FO_TILE_R, so the K x d coefficients are read once
 * per FO_TILE_R rows instead of once per row.
 */
#define FO_TILE_R 4
#define FO_TILE_K 2

/* Z[r * K + k] = x_r . W_k for the nr <= FO_TILE_R rows xr[r] (W: K x p). */
FO_INLINE void FO_SUF(tile_scores)(const FO_T *const *xr, int nr, const FO_T *W, int64_t K,
                                   int64_t p, double *Z)
{
    const FO_T *x0 = xr[0], *x1 = nr > 1 ? xr[1] : x0, *x2 = nr > 2 ? xr[2] : x0,
               *x3 = nr > 3 ? xr[3] : x0;
#if FO_HAVE_VECTOR_EXT
    const int64_t main = p - p % FO_LANES;
#else
    const int64_t main = 0;
#endif
    for (int64_t k = 0; k < K; k += FO_TILE_K) {
        const int two = k + 1 < K;
        const FO_T *FO_RESTRICT w0 = W + k * p, *FO_RESTRICT w1 = two ? w0 + p : w0;
        FO_T s[FO_TILE_R][FO_TILE_K] = {{0}};
#if FO_HAVE_VECTOR_EXT
        FO_V a00 = {0}, a01 = {0}, a10 = {0}, a11 = {0}, a20 = {0}, a21 = {0}, a30 = {0}, a31 = {0};
        for (int64_t j = 0; j < main; j += FO_LANES) {
            const FO_V c0 = FO_VLOAD(w0 + j), c1 = FO_VLOAD(w1 + j);
            const FO_V v0 = FO_VLOAD(x0 + j), v1 = FO_VLOAD(x1 + j), v2 = FO_VLOAD(x2 + j),
                       v3 = FO_VLOAD(x3 + j);
            a00 += v0 * c0; a01 += v0 * c1;
            a10 += v1 * c0; a11 += v1 * c1;
            a20 += v2 * c0; a21 += v2 * c1;
            a30 += v3 * c0; a31 += v3 * c1;
        }
        s[0][0] = FO_VHSUM(a00); s[0][1] = FO_VHSUM(a01);
        s[1][0] = FO_VHSUM(a10); s[1][1] = FO_VHSUM(a11);
        s[2][0] = FO_VHSUM(a20); s[2][1] = FO_VHSUM(a21);
        s[3][0] = FO_VHSUM(a30); s[3][1] = FO_VHSUM(a31);
#endif
        for (int64_t j = main; j < p; j++) {
            s[0][0] += x0[j] * w0[j]; s[0][1] += x0[j] * w1[j];
            s[1][0] += x1[j] * w0[j]; s[1][1] += x1[j] * w1[j];
            s[2][0] += x2[j] * w0[j]; s[2][1] += x2[j] * w1[j];
            s[3][0] += x3[j] * w0[j]; s[3][1] += x3[j] * w1[j];
        }
        for (int r = 0; r < nr; r++) {
            Z[r * K + k] = (double)s[r][0];
            if (two) Z[r * K + k + 1] = (double)s[r][1];
        }
    }
}

/* G_k += sum_r g[r * K + k] x_r for the nr <= FO_TILE_R rows xr[r] (G: K x p). */
FO_INLINE void FO_SUF(tile_outer_add)(const FO_T *const *xr, int nr, const double *g, int64_t K,
                                      int64_t p, FO_T *G)
{
    const FO_T *x0 = xr[0], *x1 = nr > 1 ? xr[1] : x0, *x2 = nr > 2 ? xr[2] : x0,
               *x3 = nr > 3 ? xr[3] : x0;
#if FO_HAVE_VECTOR_EXT
    const int64_t main = p - p % FO_LANES;
#else
    const int64_t main = 0;
#endif
    /* two classes per pass: each x vector loaded feeds both gradient rows */
    for (int64_t k = 0; k < K; k += 2) {
        const int two = k + 1 < K;
        FO_T a[2][FO_TILE_R];
        for (int c = 0; c < 2; c++) {
            const int64_t kc = two ? k + c : k;
            a[c][0] = (FO_T)g[kc];
            a[c][1] = nr > 1 ? (FO_T)g[K + kc] : 0;
            a[c][2] = nr > 2 ? (FO_T)g[2 * K + kc] : 0;
            a[c][3] = nr > 3 ? (FO_T)g[3 * K + kc] : 0;
        }
        if (!two) a[1][0] = a[1][1] = a[1][2] = a[1][3] = 0;
        FO_T *FO_RESTRICT gk = G + k * p;
        FO_T *FO_RESTRICT gl = two ? gk + p : gk;
#if FO_HAVE_VECTOR_EXT
        for (int64_t j = 0; j < main; j += FO_LANES) {
            const FO_V v0 = FO_VLOAD(x0 + j), v1 = FO_VLOAD(x1 + j), v2 = FO_VLOAD(x2 + j),
                       v3 = FO_VLOAD(x3 + j);
            FO_VSTORE(gk + j, FO_VLOAD(gk + j) + ((a[0][0] * v0 + a[0][1] * v1) +
                                                  (a[0][2] * v2 + a[0][3] * v3)));
            if (two)
                FO_VSTORE(gl + j, FO_VLOAD(gl + j) + ((a[1][0] * v0 + a[1][1] * v1) +
                                                      (a[1][2] * v2 + a[1][3] * v3)));
        }
#endif
        for (int64_t j = main; j < p; j++) {
            gk[j] += (a[0][0] * x0[j] + a[0][1] * x1[j]) + (a[0][2] * x2[j] + a[0][3] * x3[j]);
            if (two)
                gl[j] += (a[1][0] * x0[j] + a[1][1] * x1[j]) + (a[1][2] * x2[j] + a[1][3] * x3[j]);
        }
    }
}

/* Rows per flush of a thread's FO_T gradient part into its double sums. */
#define FO_TILE_FLUSH 256

FO_INLINE void FO_SUF(flush_part)(FO_T *part, double *acc, int64_t n)
{
    for (int64_t j = 0; j < n; j++) {
        acc[j] += (double)part[j];
        part[j] = 0;
    }
}

/* Dense rows, K >= 2 (softmax, multiclass hinge): value and gradient by tiles.
 * Scratch: Z and D (FO_TILE_R * K doubles each) and K probabilities. */
FO_HOT static void FO_SUF(dense_multiclass_grad)(int loss, const FO_DATA *d, int64_t K,
                                                 const FO_T *W, const double *intercept,
                                                 int64_t start, int64_t stop,
                                                 FO_SUF(fo_block) *blk)
{
    const int64_t p = d->n_features;
    FO_T *part = blk->part;
    double *gi = blk->grad + K * p;
    double *Z = blk->scratch, *D = Z + FO_TILE_R * K, *prob = D + FO_TILE_R * K;
    double loss_sum = 0.0, w_sum = 0.0;
    int64_t since_flush = 0;
    for (int64_t k = 0; k < K * p; k++) part[k] = 0;
    for (int64_t i = start; i < stop; i += FO_TILE_R) {
        const int nr = (int)(stop - i < FO_TILE_R ? stop - i : FO_TILE_R);
        const FO_T *xr[FO_TILE_R] = {NULL};
        int64_t idx[FO_TILE_R];
        for (int r = 0; r < nr; r++) idx[r] = blk->rows ? blk->rows[i + r] : i + r;
        for (int r = 0; r < nr; r++) xr[r] = d->X + idx[r] * p;
        FO_SUF(tile_scores)(xr, nr, W, K, p, Z);
        for (int r = 0; r < nr; r++) {
            double *z = Z + r * K, *dz = D + r * K;
            int finite = 1;
            for (int64_t k = 0; k < K; k++) {
                z[k] += intercept ? intercept[k] : 0.0;
                finite &= isfinite(z[k]);
            }
            if (!finite) { blk->status = FO_ERR_NONFINITE; goto done; }
            const double yc = (double)d->y[idx[r]];
            const int64_t c = (int64_t)yc;
            if (!(yc >= 0.0 && yc < (double)K) || (double)c != yc) {
                blk->status = FO_ERR_BAD_ARGUMENT;
                goto done;
            }
            const double w = d->sample_weight ? (double)d->sample_weight[idx[r]] : 1.0;
            const double l = loss == FO_LOSS_SOFTMAX ? fo_softmax_loss(z, K, c, prob, dz)
                                                     : fo_multiclass_hinge_loss(z, K, c, dz);
            loss_sum += w * l;
            w_sum += w;
            for (int64_t k = 0; k < K; k++) {
                dz[k] *= w;
                gi[k] += dz[k];
            }
        }
        FO_SUF(tile_outer_add)(xr, nr, D, K, p, part);
        if ((since_flush += nr) >= FO_TILE_FLUSH) {
            FO_SUF(flush_part)(part, blk->grad, K * p);
            since_flush = 0;
        }
    }
done:
    FO_SUF(flush_part)(part, blk->grad, K * p);
    blk->loss = loss_sum;
    blk->weight = w_sum;
}

/* Dense rows, softmax: the Hessian-vector product by tiles.
 * H v = sum_i w_i x_i t_i^T with t_i = p_k (u_k - p . u), u_i = V x_i + v_b,
 * p_i = softmax(W x_i + b) read from blk->probs (fo_loss_curvature).
 * (The binary losses go through fo_loss_hessp_curv's own rows.) */
FO_HOT static void FO_SUF(dense_hessp)(const FO_DATA *d, int64_t K, const FO_T *V,
                                       const double *vintercept, int64_t start, int64_t stop,
                                       FO_SUF(fo_block) *blk)
{
    const int64_t p = d->n_features;
    FO_T *part = blk->part;
    double *gi = blk->grad + K * p;
    double *U = blk->scratch;
    double w_sum = 0.0;
    int64_t since_flush = 0;
    for (int64_t k = 0; k < K * p; k++) part[k] = 0;
    for (int64_t i = start; i < stop; i += FO_TILE_R) {
        const int nr = (int)(stop - i < FO_TILE_R ? stop - i : FO_TILE_R);
        const FO_T *xr[FO_TILE_R] = {NULL};
        for (int r = 0; r < nr; r++) xr[r] = d->X + (i + r) * p;
        FO_SUF(tile_scores)(xr, nr, V, K, p, U);
        for (int r = 0; r < nr; r++) {
            double *t = U + r * K;
            const double *prob = blk->probs + (i + r) * K;
            int finite = 1;
            for (int64_t k = 0; k < K; k++) {
                t[k] += vintercept ? vintercept[k] : 0.0;
                finite &= isfinite(t[k]);
            }
            if (!finite) { blk->status = FO_ERR_NONFINITE; goto done; }
            const double w = d->sample_weight ? (double)d->sample_weight[i + r] : 1.0;
            w_sum += w;
            double pt = 0.0;
            for (int64_t k = 0; k < K; k++) pt += prob[k] * t[k];
            for (int64_t k = 0; k < K; k++) t[k] = w * prob[k] * (t[k] - pt);
            for (int64_t k = 0; k < K; k++) gi[k] += t[k];
        }
        FO_SUF(tile_outer_add)(xr, nr, U, K, p, part);
        if ((since_flush += nr) >= FO_TILE_FLUSH) {
            FO_SUF(flush_part)(part, blk->grad, K * p);
            since_flush = 0;
        }
    }
done:
    FO_SUF(flush_part)(part, blk->grad, K * p);
    blk->weight = w_sum;
}

/* ---- Hessian-vector products (softmax; see fo_loss_hessp for the binary losses) */

FO_HOT static void FO_SUF(hessp_rows)(const FO_DATA *d, int64_t K, const double *vcoef,
                                      const double *vintercept, int64_t start, int64_t stop,
                                      FO_SUF(fo_block) *blk)
{
    const int64_t p = d->n_features;
    double *t = blk->scratch;
    double *gi = blk->grad + K * p;
    double w_sum = 0.0;
    for (int64_t i = start; i < stop; i++) {
        const int st = FO_SUF(row_scores)(d, i, K, vcoef, vintercept, t);
        if (st != FO_OK) { blk->status = st; break; }
        double w = d->sample_weight ? (double)d->sample_weight[i] : 1.0;
        w_sum += w;
        /* softmax: (H v)_k = p_k (t_k - p . t) per sample, p = blk->probs row i */
        const double *prob = blk->probs + i * K;
        double pt = 0.0;
        for (int64_t k = 0; k < K; k++) pt += prob[k] * t[k];
        for (int64_t k = 0; k < K; k++) {
            t[k] = w * prob[k] * (t[k] - pt);
            gi[k] += t[k];
        }
        FO_SUF(row_outer_add)(d, i, K, t, blk->grad);
    }
    blk->weight = w_sum;
}

/* ---- drivers: split rows into blocks, run, combine in block order --------- */

/* One block of rows; coef_t is coef in the input dtype (the dense binary
 * workers' short sums), coef the same values in double (everything else). */
static void FO_SUF(run_block)(int kind, int loss, const FO_DATA *d, int64_t K, const FO_T *coef_t,
                              const FO_T *vcoef_t, const double *coef, const double *intercept,
                              const double *vcoef, const double *vintercept, int64_t start,
                              int64_t stop, FO_SUF(fo_block) *blk)
{
    double b = intercept ? intercept[0] : 0.0;
    if (kind == FO_KERNEL_HESSP) {
        if (d->X)
            FO_SUF(dense_hessp)(d, K, vcoef_t, vintercept, start, stop, blk);
        else
            FO_SUF(hessp_rows)(d, K, vcoef, vintercept, start, stop, blk);
        return;
    }
    if (fo_loss_is_multiclass(loss)) {
        if (d->X)
            FO_SUF(dense_multiclass_grad)(loss, d, K, coef_t, intercept, start, stop, blk);
        else
            FO_SUF(multiclass_grad_rows)(loss, d, K, coef, intercept, start, stop, blk);
        return;
    }
    /* indexed by loss id: FO_LOSS_SQUARED .. FO_LOSS_SQUARED_HINGE are 0 .. 3 */
    static void (*const dense_workers[4])(const FO_DATA *, const FO_T *, double, int64_t, int64_t,
                                          FO_SUF(fo_block) *) = {
        FO_SUF(dense_grad_squared), FO_SUF(dense_grad_logistic), FO_SUF(dense_grad_hinge),
        FO_SUF(dense_grad_squared_hinge)};
    static void (*const csr_workers[4])(const FO_DATA *, const double *, double, int64_t, int64_t,
                                        FO_SUF(fo_block) *) = {
        FO_SUF(csr_grad_squared), FO_SUF(csr_grad_logistic), FO_SUF(csr_grad_hinge),
        FO_SUF(csr_grad_squared_hinge)};
    static void (*const dense_rows_workers[4])(const FO_DATA *, const int64_t *, int64_t, int64_t,
                                               const FO_T *, double, int64_t, int64_t,
                                               FO_SUF(fo_block) *) = {
        FO_SUF(dense_grad_rows_squared), FO_SUF(dense_grad_rows_logistic),
        FO_SUF(dense_grad_rows_hinge), FO_SUF(dense_grad_rows_squared_hinge)};
    if (d->X && blk->rows)  /* a row subset: the gathering kernel, nothing to prefetch past stop */
        dense_rows_workers[loss](d, blk->rows, stop, stop, coef_t, b, start, stop, blk);
    else if (d->X)
        dense_workers[loss](d, coef_t, b, start, stop, blk);
    else
        csr_workers[loss](d, coef, b, start, stop, blk);
}

/* The epoch engine's batch gradient: see fo_loss_grad_rows in fo_loss.h. */
int FO_SUF(fo_loss_grad_rows)(int loss, const FO_DATA *d, const int64_t *rows, int64_t start,
                              int64_t stop, int64_t next_start, int64_t next_stop,
                              const FO_T *coef, double intercept, double *acc, FO_T *part,
                              double *loss_sum, double *w_sum)
{
    static void (*const workers[4])(const FO_DATA *, const int64_t *, int64_t, int64_t,
                                    const FO_T *, double, int64_t, int64_t,
                                    FO_SUF(fo_block) *) = {
        FO_SUF(dense_grad_rows_squared), FO_SUF(dense_grad_rows_logistic),
        FO_SUF(dense_grad_rows_hinge), FO_SUF(dense_grad_rows_squared_hinge)};
    if (!d || !d->X || !rows || !coef || !acc || !part || loss < 0 || loss > FO_LOSS_SQUARED_HINGE)
        return FO_ERR_BAD_ARGUMENT;
    FO_SUF(fo_block) blk = {acc, NULL, part, NULL, 0.0, 0.0, FO_OK};
    workers[loss](d, rows, next_start, next_stop, coef, intercept, start, stop, &blk);
    *loss_sum = blk.loss;
    *w_sum = blk.weight;
    return blk.status;
}

/* Copy n values of type FO_T into a new double array (NULL in -> NULL out). */
static double *FO_SUF(to_double)(const FO_T *src, int64_t n, int *status)
{
    if (!src) return NULL;
    double *dst = (double *)malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!dst) { *status = FO_ERR_NO_MEMORY; return NULL; }
    for (int64_t i = 0; i < n; i++) dst[i] = (double)src[i];
    return dst;
}

static int FO_SUF(check_data)(int loss, const FO_DATA *d, int64_t K, int n_threads)
{
    if (loss < 0 || loss >= FO_N_LOSSES || !d || d->n_samples <= 0 || d->n_features <= 0 ||
        n_threads < 1 || !d->y)
        return FO_ERR_BAD_ARGUMENT;
    if (!d->X && (!d->data || !d->indices || !d->indptr)) return FO_ERR_BAD_ARGUMENT;
    if (fo_loss_is_multiclass(loss) ? K < 2 : K != 1) return FO_ERR_BAD_ARGUMENT;
    return FO_OK;
}

/*
 * Shared driver of fo_loss_grad and fo_loss_hessp.  On success `sum` holds
 * the combined K*d + K accumulations divided by the weight sum, and *loss_mean
 * the weighted mean loss (grad kind only).
 */
static int FO_SUF(run_kernel)(int kind, int loss, const FO_DATA *d, int64_t K, const FO_T *coef,
                              const FO_T *intercept, const FO_T *vcoef, const FO_T *vintercept,
                              const double *probs, const int64_t *rows, int64_t n_rows,
                              int n_threads, double *sum, double *loss_mean)
{
    const int64_t p = d->n_features, n_grad = K * p + K;
    /* per block: gradient (n_grad), scratch ((2 FO_TILE_R + 1) K >= 3K), the
     * dense gradient part (K p values of FO_T <= K p doubles); a 64-byte multiple */
    const int64_t n_scratch = (2 * FO_TILE_R + 1) * K;
    const int64_t stride = ((n_grad + n_scratch + K * p + 7) / 8) * 8;
    int status = FO_OK;
    double *acc = NULL, *coefd = NULL, *bd = NULL, *vcoefd = NULL, *vbd = NULL;
    FO_SUF(fo_block) *blocks = NULL;

    coefd = FO_SUF(to_double)(coef, K * p, &status);
    bd = FO_SUF(to_double)(intercept, K, &status);
    vcoefd = FO_SUF(to_double)(vcoef, K * p, &status);
    vbd = FO_SUF(to_double)(vintercept, K, &status);
    acc = (double *)calloc((size_t)stride * (size_t)n_threads, sizeof(double));
    blocks = (FO_SUF(fo_block) *)calloc((size_t)n_threads, sizeof(FO_SUF(fo_block)));
    if (status != FO_OK || !acc || !blocks) { status = FO_ERR_NO_MEMORY; goto cleanup; }

    for (int b = 0; b < n_threads; b++) {
        blocks[b].grad = acc + (size_t)b * (size_t)stride;
        blocks[b].scratch = blocks[b].grad + n_grad;
        blocks[b].part = (FO_T *)(blocks[b].scratch + n_scratch);
        blocks[b].probs = probs;
        blocks[b].rows = rows;
    }

#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads)
#endif
    for (int b = 0; b < n_threads; b++) {
        int64_t start, stop;
        fo_block_range(rows ? n_rows : d->n_samples, n_threads, b, &start, &stop);
        FO_SUF(run_block)(kind, loss, d, K, coef, vcoef, coefd, bd, vcoefd, vbd, start, stop,
                          &blocks[b]);
    }

    double loss_total = 0.0, weight_total = 0.0;
    for (int b = 0; b < n_threads; b++) {
        if (blocks[b].status != FO_OK && status == FO_OK) status = blocks[b].status;
        loss_total += blocks[b].loss;
        weight_total += blocks[b].weight;
    }
    if (status != FO_OK) goto cleanup;
    if (!(weight_total > 0.0)) { status = FO_ERR_BAD_ARGUMENT; goto cleanup; }

    for (int64_t j = 0; j < n_grad; j++) {
        double s = 0.0;
        for (int b = 0; b < n_threads; b++) s += blocks[b].grad[j];
        sum[j] = s / weight_total;
    }
    if (loss_mean) *loss_mean = loss_total / weight_total;

cleanup:
    free(acc);
    free(blocks);
    free(coefd);
    free(bd);
    free(vcoefd);
    free(vbd);
    return status;
}

/* ---- the full Hessian of a binary loss (Newton with Cholesky) ---------------
 *
 *   H = (1/W) sum_i w_i l''(z_i) xt_i xt_i^T + alpha diag(1, .., 1, 0),
 *   xt_i = [x_i, 1] (the last row/column only with an intercept),
 * with the value and the gradient of the same pass.  Each thread sums its
 * rows' upper triangle into its own (P x P) array, P = d + 1; they are added
 * in thread order.  Dense rows: one rank-one update per row; CSR rows: the
 * products of the row's stored entries only (nnz_i^2 / 2 per row). */
static void FO_SUF(hessian_rows)(int loss, const FO_DATA *d, const double *coef, double b,
                                 int64_t start, int64_t stop, int64_t P, double *H,
                                 double *grad, double *loss_sum, double *w_sum, int *status)
{
    const int64_t p = d->n_features;
    double ls = 0.0, ws = 0.0;
    for (int64_t i = start; i < stop; i++) {
        double z;
        const int st = FO_SUF(row_scores)(d, i, 1, coef, &b, &z);
        if (st != FO_OK) { *status = st; return; }
        const double w = d->sample_weight ? (double)d->sample_weight[i] : 1.0, yi = (double)d->y[i];
        double dz;
        ls += w * fo_binary_loss(loss, z, yi, &dz);
        ws += w;
        const double g = w * dz, c = w * fo_binary_curvature(loss, z, yi);
        if (d->X) {
            const FO_T *FO_RESTRICT x = d->X + i * p;
            for (int64_t j = 0; j < p; j++) {
                const double xj = (double)x[j];
                grad[j] += g * xj;
                const double a = c * xj;
                if (a == 0.0) continue;
                double *FO_RESTRICT hj = H + j * P;
                FO_SIMD
                for (int64_t k = j; k < p; k++) hj[k] += a * (double)x[k];
                hj[p] += a;  /* the intercept column (used only with an intercept) */
            }
        } else if (c == 0.0) {  /* no curvature (a squared hinge past the margin): no H term */
            for (int64_t q = d->indptr[i]; q < d->indptr[i + 1]; q++)
                grad[d->indices[q]] += g * (double)d->data[q];
        } else {
            const int64_t lo = d->indptr[i], hi = d->indptr[i + 1];
            int sorted = 1;  /* canonical CSR: a row's indices ascend, so k >= j below */
            for (int64_t q = lo + 1; q < hi; q++) sorted &= d->indices[q - 1] <= d->indices[q];
            for (int64_t q = lo; q < hi; q++) {
                const int64_t j = d->indices[q];
                const double xj = (double)d->data[q];
                grad[j] += g * xj;
                const double a = c * xj;
                double *FO_RESTRICT hj = H + j * P;
                if (sorted) {
                    for (int64_t r = q; r < hi; r++) hj[d->indices[r]] += a * (double)d->data[r];
                } else {
                    for (int64_t r = q; r < hi; r++) {
                        const int64_t k = d->indices[r];
                        H[(j < k ? j : k) * P + (j < k ? k : j)] += a * (double)d->data[r];
                    }
                }
                hj[p] += a;
            }
        }
        grad[p] += g;
        H[p * P + p] += c;
    }
    *loss_sum = ls;
    *w_sum = ws;
}

int FO_SUF(fo_loss_hessian)(int loss, const FO_DATA *data, const FO_T *coef,
                            const FO_T *intercept, double alpha, int n_threads, double *value,
                            double *grad, double *hess)
{
    int status = FO_SUF(check_data)(loss, data, 1, n_threads);
    if (status != FO_OK) return status;
    if (!coef || !value || !grad || !hess || !(alpha >= 0.0) || loss == FO_LOSS_HINGE ||
        fo_loss_is_multiclass(loss))
        return FO_ERR_BAD_ARGUMENT;
    const int64_t p = data->n_features, P = p + 1;
    double *coefd = FO_SUF(to_double)(coef, p, &status);
    double *sums = (double *)calloc((size_t)n_threads * (size_t)(P * P + P), sizeof(double));
    double *part_loss = (double *)calloc((size_t)n_threads * 2, sizeof(double));
    int *part_status = (int *)calloc((size_t)n_threads, sizeof(int));
    if (status != FO_OK || !coefd || !sums || !part_loss || !part_status) {
        status = FO_ERR_NO_MEMORY;
        goto cleanup;
    }
    const double b = intercept ? (double)intercept[0] : 0.0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads)
#endif
    for (int t = 0; t < n_threads; t++) {
        int64_t start, stop;
        fo_block_range(data->n_samples, n_threads, t, &start, &stop);
        double *H = sums + (size_t)t * (size_t)(P * P + P);
        FO_SUF(hessian_rows)(loss, data, coefd, b, start, stop, P, H, H + P * P,
                             &part_loss[2 * t], &part_loss[2 * t + 1], &part_status[t]);
    }
    double loss_total, weight_total;
    status = fo_combine_threads(n_threads, part_status, part_loss, sums, P * P + P, P * P + P,
                                &loss_total, &weight_total);
    if (status != FO_OK) goto cleanup;
    double penalty = 0.0;
    for (int64_t j = 0; j < p; j++) penalty += coefd[j] * coefd[j];
    *value = loss_total / weight_total + 0.5 * alpha * penalty;
    for (int64_t j = 0; j < P; j++) {
        grad[j] = sums[P * P + j] / weight_total + (j < p ? alpha * coefd[j] : 0.0);
        for (int64_t k = j; k < P; k++) {
            const double h = sums[j * P + k] / weight_total + (j == k && j < p ? alpha : 0.0);
            hess[j * P + k] = h;
            hess[k * P + j] = h;
        }
    }
    if (!isfinite(*value)) status = FO_ERR_NONFINITE;
cleanup:
    free(coefd);
    free(sums);
    free(part_loss);
    free(part_status);
    return status;
}

/* ---- the full Hessian of the softmax objective (multinomial Newton with Cholesky) -----
 *
 *   F = (1/W) sum_i w_i (log sum_k e^{z_ik} - z_{i,y_i}) + (alpha/2) ||coef||^2,
 *   z_i = coef x_i + b  (coef: K x d),  p_i = softmax(z_i),  xt_i = [x_i, 1],
 *   H[(k,j),(l,m)] = (1/W) sum_i w_i (p_ik [k = l] - p_ik p_il) xt_ij xt_im
 *                    + alpha [k = l, j = m < d]
 * (Bohning 1992; the multinomial Hessian of Nocedal & Wright's Newton method), with the
 * value and the gradient of the same pass.  Parameters in the packed order of the
 * solvers: coef row-major (index k d + j), then the K intercepts (K d + k).
 *
 * Each block H_kl = X~^T diag(a_kl) X~ / W, a_ikl = w_i (p_ik [k = l] - p_ik p_il), is
 * symmetric in (j, m), and H_lk = H_kl: a thread sums only the pairs k <= l and j <= m,
 * (P (P + 1) / 2) x (K (K + 1) / 2) doubles (P = d + 1), the class pairs innermost
 * (contiguous: one vector multiply-add per pair of a row's entries), then the threads'
 * arrays are added in thread order and mirrored into the full (K P)^2 matrix.  A row
 * contributes the products of its nonzero entries only (dense rows skip their zeros,
 * CSR rows take their stored entries), and the intercept's 1. */

/* Offset of the entry pair (j, m), j <= m < P, in the packed upper triangle. */
FO_INLINE int64_t FO_SUF(tri_index)(int64_t j, int64_t m, int64_t P)
{
    return j * P - j * (j - 1) / 2 + (m - j);
}

/* Row i of the softmax Hessian pass: its scores, probabilities and loss derivative (z,
 * prob, dz: K each), its weighted loss and weight added to *ls and *ws, its weight in *w,
 * and (when w != 0) the class-pair weights a_kl = w (p_k [k = l] - p_k p_l), k <= l. */
FO_INLINE int FO_SUF(softmax_row_weights)(const FO_DATA *d, int64_t i, int64_t K,
                                          const double *coef, const double *intercept,
                                          double *z, double *prob, double *dz, double *a,
                                          double *ls, double *ws, double *w_out)
{
    const int st = FO_SUF(row_scores)(d, i, K, coef, intercept, z);
    if (st != FO_OK) return st;
    const double yc = (double)d->y[i];
    const int64_t c = (int64_t)yc;
    if (!(yc >= 0.0 && yc < (double)K) || (double)c != yc) return FO_ERR_BAD_ARGUMENT;
    const double w = d->sample_weight ? (double)d->sample_weight[i] : 1.0;
    *ls += w * fo_softmax_loss(z, K, c, prob, dz);
    *ws += w;
    *w_out = w;
    if (w == 0.0) return FO_OK;
    for (int64_t k = 0, q = 0; k < K; k++) {
        const double wp = w * prob[k];
        a[q++] = wp * (1.0 - prob[k]);
        for (int64_t l = k + 1; l < K; l++) a[q++] = -wp * prob[l];
    }
    return FO_OK;
}

/* Rows per chunk, and class pairs summed in registers at a time, of the dense softmax
 * Hessian pass. */
#define FO_HESS_ROWS 64
#define FO_HESS_LANES 16

/* The dense rows start..stop of the softmax Hessian pass, in chunks of FO_HESS_ROWS rows:
 * the chunk's pair weights a_ikl first, then for each entry pair (j, m) its K (K + 1) / 2
 * sums over the chunk's rows, FO_HESS_LANES at a time in registers.  The per-row rank-one
 * updates of the CSR pass read and write the whole triangle once per row, which for a
 * few hundred features and ten classes (26 MB) no cache holds; here once per chunk.
 * Each sum still adds its rows in ascending order.  Zero products are skipped. */
FO_HOT static void FO_SUF(softmax_hessian_dense)(const FO_DATA *d, int64_t K, const double *coef,
                                          const double *intercept, int64_t start, int64_t stop,
                                          double *acc, double *grad, double *scratch,
                                          double *loss_sum, double *w_sum, int *status)
{
    const int64_t p = d->n_features, P = p + 1, n_pairs = K * (K + 1) / 2;
    double *z = scratch, *prob = z + K, *dz = prob + K, *A = dz + K + n_pairs + P;
    double *XT = A + FO_HESS_ROWS * n_pairs;
    int64_t rows[FO_HESS_ROWS];
    double tcol[FO_HESS_ROWS];
    double ls = 0.0, ws = 0.0;
    for (int64_t i0 = start; i0 < stop; i0 += FO_HESS_ROWS) {
        const int64_t i1 = stop - i0 < FO_HESS_ROWS ? stop : i0 + FO_HESS_ROWS;
        int64_t nr = 0;
        for (int64_t i = i0; i < i1; i++) {
            double w;
            const int st = FO_SUF(softmax_row_weights)(d, i, K, coef, intercept, z, prob, dz,
                                                       A + nr * n_pairs, &ls, &ws, &w);
            if (st != FO_OK) { *status = st; return; }
            if (w == 0.0) continue;
            const FO_T *FO_RESTRICT x = d->X + i * p;
            for (int64_t j = 0; j < p; j++) {
                if (x[j] == 0) continue;
                const double vq = (double)x[j];
                for (int64_t k = 0; k < K; k++) grad[k * P + j] += w * dz[k] * vq;
            }
            for (int64_t k = 0; k < K; k++) grad[k * P + p] += w * dz[k];
            rows[nr++] = i;
        }
        /* the chunk transposed, the intercept's 1 as entry p: XT[j][r] = x~_(rows[r]) j */
        for (int64_t r = 0; r < nr; r++) {
            const FO_T *FO_RESTRICT x = d->X + rows[r] * p;
            for (int64_t j = 0; j < p; j++) XT[j * FO_HESS_ROWS + r] = (double)x[j];
            XT[p * FO_HESS_ROWS + r] = 1.0;
        }
        /* per entry pair (j, m): t_r = x_rj x_rm over the chunk, then each run of
         * FO_HESS_LANES class pairs summed over the rows in registers (one store per
         * chunk, not per row) */
        for (int64_t j = 0; j < P; j++) {
            for (int64_t m = j; m < P; m++) {
                const double *FO_RESTRICT xj = XT + j * FO_HESS_ROWS;
                const double *FO_RESTRICT xm = XT + m * FO_HESS_ROWS;
                int any = 0;
                FO_SIMD_REDUCTION(|, any)
                for (int64_t r = 0; r < nr; r++) {
                    const double t = xj[r] * xm[r];
                    tcol[r] = t;
                    any |= t != 0.0;
                }
                if (!any) continue;
                double *FO_RESTRICT h = acc + FO_SUF(tri_index)(j, m, P) * n_pairs;
                int64_t pr = 0;
                for (; pr + FO_HESS_LANES <= n_pairs; pr += FO_HESS_LANES) {
                    double sum[FO_HESS_LANES];
                    for (int u = 0; u < FO_HESS_LANES; u++) sum[u] = h[pr + u];
                    for (int64_t r = 0; r < nr; r++) {
                        const double t = tcol[r];
                        const double *FO_RESTRICT a = A + r * n_pairs + pr;
                        FO_SIMD
                        for (int u = 0; u < FO_HESS_LANES; u++) sum[u] += t * a[u];
                    }
                    for (int u = 0; u < FO_HESS_LANES; u++) h[pr + u] = sum[u];
                }
                for (; pr < n_pairs; pr++) {
                    double sum = h[pr];
                    for (int64_t r = 0; r < nr; r++) sum += tcol[r] * A[r * n_pairs + pr];
                    h[pr] = sum;
                }
            }
        }
    }
    *loss_sum = ls;
    *w_sum = ws;
}

/* Rows start..stop of the softmax Hessian pass.  acc: the triangle of class-pair sums
 * (see above); grad: K x P gradient sums (the intercept's at column d); scratch: 3 K
 * + K (K + 1) / 2 + P doubles (+ FO_HESS_ROWS (K (K + 1) / 2 + P) for dense rows); idx: P
 * entries. */
FO_HOT static void FO_SUF(softmax_hessian_rows)(const FO_DATA *d, int64_t K, const double *coef,
                                                const double *intercept, int64_t start,
                                                int64_t stop, double *acc, double *grad,
                                                double *scratch, int64_t *idx, double *loss_sum,
                                                double *w_sum, int *status)
{
    const int64_t p = d->n_features, P = p + 1, n_pairs = K * (K + 1) / 2;
    double *z = scratch, *prob = z + K, *dz = prob + K, *a = dz + K, *val = a + n_pairs;
    double ls = 0.0, ws = 0.0;
    if (d->X) {
        FO_SUF(softmax_hessian_dense)(d, K, coef, intercept, start, stop, acc, grad, scratch,
                                      loss_sum, w_sum, status);
        return;
    }
    for (int64_t i = start; i < stop; i++) {
        double w;
        const int st = FO_SUF(softmax_row_weights)(d, i, K, coef, intercept, z, prob, dz, a, &ls,
                                                   &ws, &w);
        if (st != FO_OK) { *status = st; return; }
        if (w == 0.0) continue;
        /* the row's nonzero entries, then the intercept's 1 */
        int64_t nz = 0;
        int sorted = 1;
        if (d->X) {
            const FO_T *FO_RESTRICT x = d->X + i * p;
            for (int64_t j = 0; j < p; j++)
                if (x[j] != 0) {
                    idx[nz] = j;
                    val[nz++] = (double)x[j];
                }
        } else {
            for (int64_t q = d->indptr[i]; q < d->indptr[i + 1]; q++) {
                idx[nz] = d->indices[q];
                sorted &= nz == 0 || idx[nz - 1] < idx[nz];
                val[nz++] = (double)d->data[q];
            }
        }
        idx[nz] = p;
        val[nz++] = 1.0;
        for (int64_t q = 0; q < nz; q++) {
            const int64_t j = idx[q];
            const double vq = val[q];
            for (int64_t k = 0; k < K; k++) grad[k * P + j] += w * dz[k] * vq;
            for (int64_t r = q; r < nz; r++) {
                const int64_t m = idx[r];
                double t = vq * val[r];
                int64_t cell;
                if (sorted) {
                    cell = FO_SUF(tri_index)(j, m, P);
                } else {  /* any order, repeated indices too: x_j x_m summed over the copies */
                    cell = j <= m ? FO_SUF(tri_index)(j, m, P) : FO_SUF(tri_index)(m, j, P);
                    if (j == m && r != q) t *= 2.0;
                }
                double *FO_RESTRICT h = acc + cell * n_pairs;
                FO_SIMD
                for (int64_t pr = 0; pr < n_pairs; pr++) h[pr] += t * a[pr];
            }
        }
    }
    *loss_sum = ls;
    *w_sum = ws;
}

int FO_SUF(fo_loss_softmax_hessian)(const FO_DATA *data, int64_t n_classes, const FO_T *coef,
                                    const FO_T *intercept, double alpha, int n_threads,
                                    double *value, double *grad, double *hess)
{
    int status = FO_SUF(check_data)(FO_LOSS_SOFTMAX, data, n_classes, n_threads);
    if (status != FO_OK) return status;
    if (!coef || !value || !grad || !hess || !(alpha >= 0.0)) return FO_ERR_BAD_ARGUMENT;
    const int64_t K = n_classes, p = data->n_features, P = p + 1, n = K * P;
    const int64_t n_pairs = K * (K + 1) / 2, n_tri = P * (P + 1) / 2;
    /* per thread: the triangle of pair sums, K P gradient sums, the scratch; a 64-byte
     * multiple each (no false sharing of the last lines) */
    const int64_t n_scratch = 3 * K + n_pairs + P + FO_HESS_ROWS * (n_pairs + P);
    const int64_t stride = ((n_tri * n_pairs + K * P + n_scratch + 7) / 8) * 8;
    double *coefd = FO_SUF(to_double)(coef, K * p, &status);
    double *bd = FO_SUF(to_double)(intercept, K, &status);
    double *sums = (double *)calloc((size_t)n_threads * (size_t)stride, sizeof(double));
    int64_t *idx = (int64_t *)malloc((size_t)n_threads * (size_t)P * sizeof(int64_t));
    double *part_loss = (double *)calloc((size_t)n_threads * 2, sizeof(double));
    int *part_status = (int *)calloc((size_t)n_threads, sizeof(int));
    if (status != FO_OK || !coefd || !sums || !idx || !part_loss || !part_status) {
        status = FO_ERR_NO_MEMORY;
        goto cleanup;
    }
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads)
#endif
    for (int t = 0; t < n_threads; t++) {
        int64_t start, stop;
        fo_block_range(data->n_samples, n_threads, t, &start, &stop);
        double *acc = sums + (size_t)t * (size_t)stride;
        FO_SUF(softmax_hessian_rows)(data, K, coefd, bd, start, stop, acc, acc + n_tri * n_pairs,
                                     acc + n_tri * n_pairs + K * P, idx + (size_t)t * (size_t)P,
                                     &part_loss[2 * t], &part_loss[2 * t + 1], &part_status[t]);
    }
    double loss_total, weight_total;
    status = fo_combine_threads(n_threads, part_status, part_loss, sums, stride,
                                n_tri * n_pairs + K * P, &loss_total, &weight_total);
    if (status != FO_OK) goto cleanup;
    const double inv = 1.0 / weight_total;
    /* packed position of (class k, entry j): coef k d + j, the intercept K d + k */
#define FO_POS(k, j) ((j) < p ? (k) * p + (j) : K * p + (k))
    double penalty = 0.0;
    for (int64_t k = 0; k < K; k++)
        for (int64_t j = 0; j < P; j++) {
            const double cj = j < p ? coefd[k * p + j] : 0.0;
            penalty += cj * cj;
            grad[FO_POS(k, j)] = sums[n_tri * n_pairs + k * P + j] * inv + alpha * cj;
        }
    for (int64_t j = 0; j < P; j++)
        for (int64_t m = j; m < P; m++) {
            const double *h = sums + FO_SUF(tri_index)(j, m, P) * n_pairs;
            for (int64_t k = 0, q = 0; k < K; k++)
                for (int64_t l = k; l < K; l++, q++) {
                    const double v = h[q] * inv + (k == l && j == m && j < p ? alpha : 0.0);
                    const int64_t kj = FO_POS(k, j), lm = FO_POS(l, m), lj = FO_POS(l, j),
                                  km = FO_POS(k, m);
                    hess[kj * n + lm] = v;
                    hess[lm * n + kj] = v;
                    hess[lj * n + km] = v;
                    hess[km * n + lj] = v;
                }
        }
#undef FO_POS
    /* no penalty term at alpha = 0, even where ||coef||^2 overflows (as fo_loss_grad) */
    *value = loss_total * inv + (alpha != 0.0 ? 0.5 * alpha * penalty : 0.0);
    if (!isfinite(*value)) status = FO_ERR_NONFINITE;
cleanup:
    free(coefd);
    free(bd);
    free(sums);
    free(idx);
    free(part_loss);
    free(part_status);
    return status;
}

int FO_SUF(fo_loss_grad)(int loss, const FO_DATA *data, int64_t n_outputs, const FO_T *coef,
                         const FO_T *intercept, double alpha, int n_threads, double *value,
                         FO_T *grad_coef, FO_T *grad_intercept)
{
    return FO_SUF(fo_loss_grad_subset)(loss, data, NULL, 0, n_outputs, coef, intercept, alpha,
                                       n_threads, value, grad_coef, grad_intercept);
}

int FO_SUF(fo_loss_grad_subset)(int loss, const FO_DATA *data, const int64_t *rows,
                                int64_t n_rows, int64_t n_outputs, const FO_T *coef,
                                const FO_T *intercept, double alpha, int n_threads,
                                double *value, FO_T *grad_coef, FO_T *grad_intercept)
{
    int status = FO_SUF(check_data)(loss, data, n_outputs, n_threads);
    if (status != FO_OK) return status;
    if (!coef || !value || !grad_coef || (intercept && !grad_intercept) || !(alpha >= 0.0) ||
        (rows && n_rows <= 0))
        return FO_ERR_BAD_ARGUMENT;
    for (int64_t k = 0; rows && k < n_rows; k++)  /* every sample number inside X */
        if ((uint64_t)rows[k] >= (uint64_t)data->n_samples) return FO_ERR_BAD_ARGUMENT;
    const int64_t K = n_outputs, kp = K * data->n_features;
    double *sum = (double *)malloc((size_t)(kp + K) * sizeof(double));
    if (!sum) return FO_ERR_NO_MEMORY;
    double mean_loss = 0.0;
    status = FO_SUF(run_kernel)(FO_KERNEL_GRAD, loss, data, K, coef, intercept, NULL, NULL, NULL,
                                rows, n_rows, n_threads, sum, &mean_loss);
    if (status == FO_OK) {
        double penalty = 0.0;
        int finite = isfinite(mean_loss);
        for (int64_t j = 0; j < kp; j++) {
            double c = (double)coef[j];
            penalty += c * c;
            double g = sum[j] + alpha * c;
            grad_coef[j] = (FO_T)g;
            finite &= isfinite((double)grad_coef[j]);
        }
        if (intercept)
            for (int64_t k = 0; k < K; k++) {
                grad_intercept[k] = (FO_T)sum[kp + k];
                finite &= isfinite((double)grad_intercept[k]);
            }
        /* no penalty term at alpha = 0, even where ||coef||^2 overflows */
        *value = mean_loss + (alpha != 0.0 ? 0.5 * alpha * penalty : 0.0);
        if (!finite || !isfinite(*value)) status = FO_ERR_NONFINITE;
    }
    free(sum);
    return status;
}

/* ---- the Hessian as an operator (truncated Newton) ------------------------
 *
 * For a binary loss the Hessian is X~^T D X~ / W + alpha I' with one number
 * per sample, d_i = w_i l''(z_i, y_i), fixed at the Newton point.  Conjugate
 * gradients multiply by it many times at the same point, so the curvatures
 * are computed once (fo_loss_curvature: one pass with the scores and l'') and
 * each product is then X~^T (d (X~ v)) with no loss function evaluated and
 * rows of zero curvature skipped (fo_loss_hessp_curv).  Nocedal & Wright
 * (2006), section 7.1; liblinear's trust-region Newton keeps the same D. */

/* Rows start..stop: curv[i] = w_i l''(z_i, y_i); their weight into *w_sum. */
FO_HOT static int FO_SUF(curvature_rows)(int loss, const FO_DATA *d, const double *coef, double b,
                                  int64_t start, int64_t stop, double *curv, double *w_sum)
{
    double ws = 0.0;
    for (int64_t i = start; i < stop; i++) {
        double z;
        const int st = FO_SUF(row_scores)(d, i, 1, coef, &b, &z);
        if (st != FO_OK) return st;
        const double w = d->sample_weight ? (double)d->sample_weight[i] : 1.0;
        curv[i] = w * fo_binary_curvature(loss, z, (double)d->y[i]);
        ws += w;
    }
    *w_sum = ws;
    return FO_OK;
}

/* Rows start..stop, softmax: probs[i K + k] = softmax(W x_i + b)_k. */
static int FO_SUF(softmax_probs_rows)(const FO_DATA *d, int64_t K, const double *coef,
                                      const double *intercept, int64_t start, int64_t stop,
                                      double *z, double *probs)
{
    for (int64_t i = start; i < stop; i++) {
        const int st = FO_SUF(row_scores)(d, i, K, coef, intercept, z);
        if (st != FO_OK) return st;
        fo_softmax(z, K, probs + i * K);
    }
    return FO_OK;
}

int FO_SUF(fo_loss_curvature)(int loss, const FO_DATA *data, int64_t n_outputs, const FO_T *coef,
                              const FO_T *intercept, int n_threads, double *curv)
{
    int status = FO_SUF(check_data)(loss, data, n_outputs, n_threads);
    if (status != FO_OK) return status;
    if (!coef || !curv || loss == FO_LOSS_HINGE || loss == FO_LOSS_MULTICLASS_HINGE)
        return FO_ERR_BAD_ARGUMENT;
    const int64_t n = data->n_samples, K = n_outputs, softmax = loss == FO_LOSS_SOFTMAX;
    double *coefd = FO_SUF(to_double)(coef, K * data->n_features, &status);
    double *bd = FO_SUF(to_double)(intercept, K, &status);
    /* per thread, a cache line each: its weight sum and status, then K scores */
    const int64_t stride = ((2 + K + 7) / 8) * 8;
    double *part = (double *)calloc((size_t)n_threads * (size_t)stride, sizeof(double));
    if (status != FO_OK || !coefd || !part) {
        free(coefd);
        free(bd);
        free(part);
        return FO_ERR_NO_MEMORY;
    }
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads)
#endif
    for (int t = 0; t < n_threads; t++) {
        int64_t start, stop;
        fo_block_range(n, n_threads, t, &start, &stop);
        double *mine = part + (size_t)t * (size_t)stride;
        mine[1] = (double)(softmax ? FO_SUF(softmax_probs_rows)(data, K, coefd, bd, start, stop,
                                                                mine + 2, curv)
                                   : FO_SUF(curvature_rows)(loss, data, coefd, bd ? bd[0] : 0.0,
                                                            start, stop, curv, &mine[0]));
    }
    double weight_total = 0.0;
    for (int t = 0; t < n_threads; t++) {
        const double *mine = part + (size_t)t * (size_t)stride;
        if ((int)mine[1] != FO_OK && status == FO_OK) status = (int)mine[1];
        weight_total += mine[0];
    }
    if (status == FO_OK && !softmax) {
        if (!(weight_total > 0.0)) {
            status = FO_ERR_BAD_ARGUMENT;
        } else {
            const double inv = 1.0 / weight_total;
            for (int64_t i = 0; i < n; i++) curv[i] *= inv;
        }
    }
    free(coefd);
    free(bd);
    free(part);
    return status;
}

/* Rows start..stop: acc[0..p) += sum_i curv_i t_i x_i, acc[p] += sum_i curv_i t_i,
 * t_i = x_i . v + vb. */
FO_HOT static void FO_SUF(hessp_curv_rows)(const FO_DATA *d, const double *curv, const double *v,
                                    double vb, int64_t start, int64_t stop, double *acc)
{
    const int64_t p = d->n_features;
    double *FO_RESTRICT a = acc;
    double ab = 0.0;
    for (int64_t i = start; i < stop; i++) {
        const double c = curv[i];
        if (c == 0.0) continue;  /* no curvature (a squared hinge past its margin, weight 0) */
        if (d->X) {
            const FO_T *FO_RESTRICT x = d->X + i * p;
            double s = 0.0;
            FO_SIMD_REDUCTION(+, s)
            for (int64_t j = 0; j < p; j++) s += (double)x[j] * v[j];
            const double t = c * (s + vb);
            FO_SIMD
            for (int64_t j = 0; j < p; j++) a[j] += t * (double)x[j];
            ab += t;
        } else {
            const int64_t lo = d->indptr[i], hi = d->indptr[i + 1];
            double s = vb;
            for (int64_t q = lo; q < hi; q++) s += (double)d->data[q] * v[d->indices[q]];
            const double t = c * s;
            for (int64_t q = lo; q < hi; q++) a[d->indices[q]] += t * (double)d->data[q];
            ab += t;
        }
    }
    acc[p] += ab;
}

/* a[j] += c x_ij^2 over row i's entries. */
FO_INLINE void FO_SUF(add_squared_row)(const FO_DATA *d, int64_t i, double c, double *a)
{
    if (d->X) {
        const int64_t p = d->n_features;
        const FO_T *FO_RESTRICT x = d->X + i * p;
        double *FO_RESTRICT out = a;
        FO_SIMD
        for (int64_t j = 0; j < p; j++) out[j] += c * (double)x[j] * (double)x[j];
    } else {
        for (int64_t q = d->indptr[i]; q < d->indptr[i + 1]; q++)
            a[d->indices[q]] += c * (double)d->data[q] * (double)d->data[q];
    }
}

/* Rows start..stop: acc[j] += curv_i x_ij^2 (j < p), acc[p] += curv_i. */
FO_HOT static void FO_SUF(curv_diag_rows)(const FO_DATA *d, const double *curv, int64_t start,
                                          int64_t stop, double *acc)
{
    const int64_t p = d->n_features;
    double *FO_RESTRICT a = acc;
    double ab = 0.0;
    for (int64_t i = start; i < stop; i++) {
        const double c = curv[i];
        if (c == 0.0) continue;
        FO_SUF(add_squared_row)(d, i, c, a);
        ab += c;
    }
    acc[p] += ab;
}

/* Rows start..stop, softmax: acc[k p + j] += w_i p_ik (1 - p_ik) x_ij^2, then
 * acc[K p + k] += w_i p_ik (1 - p_ik), then acc[K p + K] += w_i. */
FO_HOT static void FO_SUF(softmax_diag_rows)(const FO_DATA *d, int64_t K, const double *probs,
                                             int64_t start, int64_t stop, double *acc)
{
    const int64_t p = d->n_features;
    double *gi = acc + K * p, ws = 0.0;
    for (int64_t i = start; i < stop; i++) {
        const double w = d->sample_weight ? (double)d->sample_weight[i] : 1.0;
        ws += w;
        for (int64_t k = 0; k < K; k++) {
            const double pk = probs[i * K + k], c = w * pk * (1.0 - pk);
            if (c == 0.0) continue;
            FO_SUF(add_squared_row)(d, i, c, acc + k * p);
            gi[k] += c;
        }
    }
    gi[K] += ws;
}

/* Sums over the rows from fo_loss_curvature's values, per thread over its row
 * block, added in block order:
 *   FO_SUMS_HESSP (binary): H v without the penalty, p + 1 values;
 *   FO_SUMS_DIAG (binary): the diagonal without the penalty, p + 1 values;
 *   FO_SUMS_SOFTMAX_DIAG: see softmax_diag_rows, K p + K + 1 values. */
static int FO_SUF(curv_sums)(const FO_DATA *data, int kind, int64_t K, const double *curv,
                             const double *v, double vb, int n_threads, double *sums)
{
    const int64_t p = data->n_features;
    const int64_t n_sums = kind == FO_SUMS_SOFTMAX_DIAG ? K * p + K + 1 : p + 1;
    const int64_t stride = ((n_sums + 7) / 8) * 8;
    double *acc = (double *)calloc((size_t)stride * (size_t)n_threads, sizeof(double));
    if (!acc) return FO_ERR_NO_MEMORY;
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads)
#endif
    for (int t = 0; t < n_threads; t++) {
        int64_t start, stop;
        fo_block_range(data->n_samples, n_threads, t, &start, &stop);
        double *mine = acc + (size_t)t * (size_t)stride;
        if (kind == FO_SUMS_HESSP) FO_SUF(hessp_curv_rows)(data, curv, v, vb, start, stop, mine);
        else if (kind == FO_SUMS_DIAG) FO_SUF(curv_diag_rows)(data, curv, start, stop, mine);
        else FO_SUF(softmax_diag_rows)(data, K, curv, start, stop, mine);
    }
    for (int64_t j = 0; j < n_sums; j++) {
        double s = acc[j];
        for (int t = 1; t < n_threads; t++) s += acc[(size_t)t * (size_t)stride + (size_t)j];
        sums[j] = s;
    }
    free(acc);
    return FO_OK;
}

int FO_SUF(fo_loss_hessp_curv)(int loss, const FO_DATA *data, int64_t n_outputs,
                               const double *curv, const FO_T *vec_coef,
                               const FO_T *vec_intercept, double alpha, int n_threads,
                               FO_T *out_coef, FO_T *out_intercept)
{
    int status = FO_SUF(check_data)(loss, data, n_outputs, n_threads);
    if (status != FO_OK) return status;
    if (!curv || !vec_coef || !out_coef || (vec_intercept && !out_intercept) ||
        !(alpha >= 0.0) || loss == FO_LOSS_HINGE || loss == FO_LOSS_MULTICLASS_HINGE)
        return FO_ERR_BAD_ARGUMENT;
    /* the sums without the penalty: K d coefficients, then K intercepts (K = 1 if binary) */
    const int64_t K = n_outputs, kp = K * data->n_features;
    double *sums = (double *)malloc((size_t)(kp + K) * sizeof(double));
    if (!sums) return FO_ERR_NO_MEMORY;
    if (loss == FO_LOSS_SOFTMAX) {  /* the tiles (dense) or rows (CSR) with the probabilities */
        status = FO_SUF(run_kernel)(FO_KERNEL_HESSP, loss, data, K, NULL, NULL, vec_coef,
                                    vec_intercept, curv, NULL, 0, n_threads, sums, NULL);
    } else {
        double *v = FO_SUF(to_double)(vec_coef, kp, &status);
        if (status == FO_OK)
            status = FO_SUF(curv_sums)(data, FO_SUMS_HESSP, 1, curv, v,
                                       vec_intercept ? (double)vec_intercept[0] : 0.0,
                                       n_threads, sums);
        free(v);
    }
    int finite = 1;
    for (int64_t j = 0; j < kp && status == FO_OK; j++) {
        out_coef[j] = (FO_T)(sums[j] + alpha * (double)vec_coef[j]);
        finite &= isfinite((double)out_coef[j]);
    }
    for (int64_t k = 0; k < K && status == FO_OK && vec_intercept; k++) {
        out_intercept[k] = (FO_T)sums[kp + k];
        finite &= isfinite((double)out_intercept[k]);
    }
    free(sums);
    return status != FO_OK ? status : (finite ? FO_OK : FO_ERR_NONFINITE);
}

/* Softmax: the diagonal from the probabilities, normalized by the weight sum. */
static int FO_SUF(softmax_diag)(const FO_DATA *data, int64_t K, const double *probs,
                                int n_threads, double *diag)
{
    const int64_t n_sums = K * data->n_features + K + 1;
    double *sums = (double *)malloc((size_t)n_sums * sizeof(double));
    if (!sums) return FO_ERR_NO_MEMORY;
    int status = FO_SUF(curv_sums)(data, FO_SUMS_SOFTMAX_DIAG, K, probs, NULL, 0.0, n_threads,
                                   sums);
    const double weight_total = sums[n_sums - 1];
    if (status == FO_OK && !(weight_total > 0.0)) status = FO_ERR_BAD_ARGUMENT;
    for (int64_t j = 0; j < n_sums - 1 && status == FO_OK; j++) diag[j] = sums[j] / weight_total;
    free(sums);
    return status;
}

int FO_SUF(fo_loss_hessian_diag)(int loss, const FO_DATA *data, int64_t n_outputs,
                                 const double *curv, double alpha, int n_threads, double *diag)
{
    int status = FO_SUF(check_data)(loss, data, n_outputs, n_threads);
    if (status != FO_OK) return status;
    if (!curv || !diag || !(alpha >= 0.0) || loss == FO_LOSS_HINGE ||
        loss == FO_LOSS_MULTICLASS_HINGE)
        return FO_ERR_BAD_ARGUMENT;
    const int64_t K = n_outputs, kp = K * data->n_features;
    status = loss == FO_LOSS_SOFTMAX ? FO_SUF(softmax_diag)(data, K, curv, n_threads, diag)
                                     : FO_SUF(curv_sums)(data, FO_SUMS_DIAG, 1, curv, NULL, 0.0,
                                                         n_threads, diag);
    if (status != FO_OK) return status;
    int finite = 1;
    for (int64_t j = 0; j < kp + K; j++) {
        if (j < kp) diag[j] += alpha;
        finite &= isfinite(diag[j]);
    }
    return finite ? FO_OK : FO_ERR_NONFINITE;
}

int FO_SUF(fo_loss_hessp)(int loss, const FO_DATA *data, int64_t n_outputs, const FO_T *coef,
                          const FO_T *intercept, const FO_T *vec_coef, const FO_T *vec_intercept,
                          double alpha, int n_threads, FO_T *out_coef, FO_T *out_intercept)
{
    int status = FO_SUF(check_data)(loss, data, n_outputs, n_threads);
    if (status != FO_OK) return status;
    if (loss == FO_LOSS_HINGE || loss == FO_LOSS_MULTICLASS_HINGE) return FO_ERR_UNSUPPORTED;
    if (!coef || !vec_coef || !out_coef || (intercept && (!vec_intercept || !out_intercept)) ||
        !(alpha >= 0.0))
        return FO_ERR_BAD_ARGUMENT;
    /* the curvatures (probabilities for softmax) at the point, then the operator's product */
    const int64_t n_curv = data->n_samples * (loss == FO_LOSS_SOFTMAX ? n_outputs : 1);
    double *curv = (double *)malloc((size_t)n_curv * sizeof(double));
    if (!curv) return FO_ERR_NO_MEMORY;
    status = FO_SUF(fo_loss_curvature)(loss, data, n_outputs, coef, intercept, n_threads, curv);
    if (status == FO_OK)
        status = FO_SUF(fo_loss_hessp_curv)(loss, data, n_outputs, curv, vec_coef,
                                            intercept ? vec_intercept : NULL, alpha, n_threads,
                                            out_coef, out_intercept);
    free(curv);
    return status;
}

int FO_SUF(fo_loss_pointwise)(int loss, int64_t n, int64_t n_outputs, const FO_T *z,
                              const FO_T *y, FO_T *out_loss, FO_T *out_dz)
{
    if (loss < 0 || loss >= FO_N_LOSSES || n < 0 || !z || !y || !out_loss || !out_dz)
        return FO_ERR_BAD_ARGUMENT;
    const int64_t K = n_outputs;
    if (fo_loss_is_multiclass(loss) ? K < 2 : K != 1) return FO_ERR_BAD_ARGUMENT;
    int status = FO_OK;
    double *buf = (double *)malloc((size_t)(3 * K) * sizeof(double));
    if (!buf) return FO_ERR_NO_MEMORY;
    double *zd = buf, *dz = buf + K, *prob = buf + 2 * K;
    for (int64_t i = 0; i < n && status == FO_OK; i++) {
        for (int64_t k = 0; k < K; k++) {
            zd[k] = (double)z[i * K + k];
            if (!isfinite(zd[k])) status = FO_ERR_NONFINITE;
        }
        if (status != FO_OK) break;
        double l;
        if (!fo_loss_is_multiclass(loss)) {
            FO_T dzt, lt = FO_BINARY_LOSS(loss, (FO_T)zd[0], y[i], &dzt);
            l = (double)lt;
            dz[0] = (double)dzt;
        } else {
            double yc = (double)y[i];
            int64_t c = (int64_t)yc;
            if (!(yc >= 0.0 && yc < (double)K) || (double)c != yc) {
                status = FO_ERR_BAD_ARGUMENT;
                break;
            }
            l = (loss == FO_LOSS_SOFTMAX) ? fo_softmax_loss(zd, K, c, prob, dz)
                                          : fo_multiclass_hinge_loss(zd, K, c, dz);
        }
        out_loss[i] = (FO_T)l;
        for (int64_t k = 0; k < K; k++) out_dz[i * K + k] = (FO_T)dz[k];
    }
    free(buf);
    return status;
}

/* this template's parameters end here */
#undef FO_HESS_ROWS
#undef FO_HESS_LANES
#undef FO_T
#undef FO_SUF
#undef FO_DATA
#undef FO_V
#undef FO_LANES
#undef FO_VLOAD
#undef FO_VSTORE
#undef FO_VHSUM
#undef FO_BINARY_LOSS
