/*
 * mlp_impl.h -- the body of mlp.c, included once per dtype with
 *   FO_T (float or double), FO_SUF(name) (name##_f32 / name##_f64),
 *   FO_DATA (fo_data_f32 / fo_data_f64) and FO_GEMM (fo_sgemm_fn / fo_dgemm_fn).
 * Elementwise work in double, stored as FO_T; sums over rows in double.
 */

/* Row-major C = alpha A B + beta C through the column-major Fortran gemm: one call with the
 * operands swapped (row-major X is column-major X^T).  ta/tb say whether A/B are transposed
 * in the row-major product; lda/ldb/ldc are row strides. */
static void FO_SUF(gemm_rm)(void *fn, int ta, int tb, int64_t m, int64_t n, int64_t k, FO_T alpha,
                            const FO_T *A, int64_t lda, const FO_T *B, int64_t ldb, FO_T beta,
                            FO_T *C, int64_t ldc)
{
    char opb = tb ? 'T' : 'N', opa = ta ? 'T' : 'N';
    int mi = (int)n, ni = (int)m, ki = (int)k, la = (int)lda, lb = (int)ldb, lc = (int)ldc;
    ((FO_GEMM)fn)(&opb, &opa, &mi, &ni, &ki, &alpha, (FO_T *)B, &lb, (FO_T *)A, &la, &beta, C,
                  &lc);
}

/* The products of a block on the net's team: C split into n_threads slabs along its longer
 * side, one single-threaded BLAS call per slab (the caller keeps BLAS on one thread; one pool
 * of threads, ours, does the products and the elementwise passes).  Every slab's entries are
 * full K-long products, so a thread count always gives the same bits. */
static void FO_SUF(gemm_team)(const fo_mlp_net *net, int ta, int tb, int64_t m, int64_t n,
                              int64_t k, const FO_T *A, int64_t lda, const FO_T *B,
                              int64_t ldb, FO_T *C, int64_t ldc)
{
    const int split_m = m >= n;
    const int64_t side = split_m ? m : n;
    int nt = net->n_threads > 1 ? net->n_threads : 1;
    if (nt > side / 16) nt = (int)(side / 16);
    if (nt <= 1 || 2.0 * (double)m * (double)n * (double)k < FO_MLP_TEAM_MIN_FLOPS) {
        FO_SUF(gemm_rm)(net->gemm, ta, tb, m, n, k, (FO_T)1, A, lda, B, ldb, (FO_T)0, C, ldc);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t lo, hi;
        fo_block_range(side / 8, nt, t, &lo, &hi); /* slabs of whole 8-wide strips */
        lo *= 8;
        hi = t == nt - 1 ? side : hi * 8;
        if (split_m)
            FO_SUF(gemm_rm)(net->gemm, ta, tb, hi - lo, n, k, (FO_T)1, ta ? A + lo : A + lo * lda,
                            lda, B, ldb, (FO_T)0, C + lo * ldc, ldc);
        else
            FO_SUF(gemm_rm)(net->gemm, ta, tb, m, hi - lo, k, (FO_T)1, A, lda,
                            tb ? B + lo * ldb : B + lo, ldb, (FO_T)0, C + lo, ldc);
    }
}

int FO_SUF(fo_mlp_activate)(int activation, double leaky_slope, int64_t n, int64_t d, FO_T *z,
                            const FO_T *b, FO_T *a)
{
    if (n < 0 || d < 0 || !z || !a || activation < 0 || activation >= FO_N_ACTIVATIONS)
        return FO_ERR_BAD_ARGUMENT;
    /* one loop per activation (the piecewise-linear ones vectorize), row by row so that the
     * bias add and the activation share the row in cache; the values are fo_act_value's */
    for (int64_t i = 0; i < n; i++) {
        FO_T *restrict zi = z + i * d, *restrict ai = a + i * d;
        if (b)
            for (int64_t j = 0; j < d; j++) zi[j] += b[j];
        switch (activation) {
        case FO_ACT_IDENTITY:
            if (ai != zi) memcpy(ai, zi, (size_t)d * sizeof(FO_T));
            break;
        case FO_ACT_RELU:
            for (int64_t j = 0; j < d; j++) ai[j] = zi[j] > (FO_T)0 ? zi[j] : (FO_T)0;
            break;
        case FO_ACT_LEAKY_RELU:
            for (int64_t j = 0; j < d; j++)
                ai[j] = zi[j] > (FO_T)0 ? zi[j] : (FO_T)(leaky_slope * (double)zi[j]);
            break;
        default:
            for (int64_t j = 0; j < d; j++)
                ai[j] = (FO_T)fo_act_value(activation, leaky_slope, zi[j]);
        }
    }
    return FO_OK;
}

int FO_SUF(fo_mlp_act_delta)(int activation, double leaky_slope, int64_t n, int64_t d,
                             const FO_T *z, const FO_T *a, FO_T *delta)
{
    if (n < 0 || d < 0 || !z || !a || !delta || activation < 0 ||
        activation >= FO_N_ACTIVATIONS)
        return FO_ERR_BAD_ARGUMENT;
    const int64_t m = n * d;
    /* fo_act_slope's values, one loop per activation */
    switch (activation) {
    case FO_ACT_IDENTITY:
        break;
    case FO_ACT_RELU: /* delta * 0 keeps the sign of zero that delta * f'(z) has */
        for (int64_t e = 0; e < m; e++) delta[e] = z[e] > (FO_T)0 ? delta[e] : delta[e] * (FO_T)0;
        break;
    case FO_ACT_LEAKY_RELU:
        for (int64_t e = 0; e < m; e++)
            delta[e] = z[e] > (FO_T)0 ? delta[e] : (FO_T)((double)delta[e] * leaky_slope);
        break;
    case FO_ACT_LOGISTIC:
        for (int64_t e = 0; e < m; e++) {
            const double ae = (double)a[e];
            delta[e] = (FO_T)((double)delta[e] * (ae * (1.0 - ae)));
        }
        break;
    case FO_ACT_TANH:
        for (int64_t e = 0; e < m; e++) {
            const double ae = (double)a[e];
            delta[e] = (FO_T)((double)delta[e] * (1.0 - ae * ae));
        }
        break;
    default:
        for (int64_t e = 0; e < m; e++)
            delta[e] = (FO_T)((double)delta[e] * fo_act_slope(activation, leaky_slope, z[e], a[e]));
    }
    return FO_OK;
}

/* The team's size for an elementwise pass over `values` values (1 below FO_MLP_TEAM_MIN_VALUES). */
static int FO_SUF(team_for)(const fo_mlp_net *net, int64_t values)
{
    return net->n_threads > 1 && values >= FO_MLP_TEAM_MIN_VALUES ? net->n_threads : 1;
}

/* fo_mlp_activate (delta NULL: a = f(z + b)) or fo_mlp_act_delta (delta *= f'(z)) over row
 * slabs of the team (elementwise: the same values for every team size). */
static void FO_SUF(elementwise_team)(const fo_mlp_net *net, int64_t n, int64_t d, FO_T *z,
                                     const FO_T *b, FO_T *a, FO_T *delta)
{
    const int nt = FO_SUF(team_for)(net, n * d);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1) if (nt > 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t lo, hi;
        fo_block_range(n, nt, t, &lo, &hi);
        if (delta)
            FO_SUF(fo_mlp_act_delta)(net->activation, net->leaky_slope, hi - lo, d, z + lo * d,
                                     a + lo * d, delta + lo * d);
        else
            FO_SUF(fo_mlp_activate)(net->activation, net->leaky_slope, hi - lo, d, z + lo * d,
                                    b, a + lo * d);
    }
}

/* s[k] = sum over the n rows of D[i][k] (rows in order: the same bits for every team). */
static void FO_SUF(colsum_team)(const fo_mlp_net *net, int64_t n, int64_t d, const FO_T *D,
                                FO_T *s)
{
    const int nt = FO_SUF(team_for)(net, n * d) > 1 && d >= 64 ? net->n_threads : 1;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1) if (nt > 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t lo, hi;
        fo_block_range(d, nt, t, &lo, &hi);
        for (int64_t k = lo; k < hi; k++) s[k] = (FO_T)0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t k = lo; k < hi; k++) s[k] += D[i * d + k];
    }
}

/* One sample's output: its cost c (summed over the K outputs, unweighted) and
 * delta = scale (p - y), p the output activation of the scores z. */
static double FO_SUF(out_loss_delta)(int output, int64_t K, const FO_T *z, const FO_T *y,
                                     double scale, FO_T *delta)
{
    double c = 0.0;
    if (output == FO_OUT_SOFTMAX) {
        double m = (double)z[0], s = 0.0, ysum = 0.0, yz = 0.0;
        for (int64_t k = 1; k < K; k++) m = (double)z[k] > m ? (double)z[k] : m;
        for (int64_t k = 0; k < K; k++) s += exp((double)z[k] - m);
        const double lse = m + log(s);
        for (int64_t k = 0; k < K; k++) {
            ysum += (double)y[k];
            yz += (double)y[k] * (double)z[k];
            delta[k] = (FO_T)(scale * (exp((double)z[k] - lse) - (double)y[k]));
        }
        c = ysum * lse - yz;
    } else if (output == FO_OUT_LOGISTIC) {
        for (int64_t k = 0; k < K; k++) {
            const double zk = (double)z[k], yk = (double)y[k];
            c += (zk > 0.0 ? zk : 0.0) - yk * zk + log1p(exp(-fabs(zk)));
            delta[k] = (FO_T)(scale * (fo_sigmoid(zk) - yk));
        }
    } else {
        for (int64_t k = 0; k < K; k++) {
            const double r = (double)z[k] - (double)y[k];
            c += 0.5 * r * r;
            delta[k] = (FO_T)(scale * r);
        }
    }
    return c;
}

/* One sample's output activation; 0 when a score is not finite. */
static int FO_SUF(out_activate)(int output, int64_t K, const FO_T *z, FO_T *out)
{
    int finite = 1;
    for (int64_t k = 0; k < K; k++) finite &= isfinite((double)z[k]);
    if (output == FO_OUT_SOFTMAX) {
        double m = (double)z[0], s = 0.0;
        for (int64_t k = 1; k < K; k++) m = (double)z[k] > m ? (double)z[k] : m;
        for (int64_t k = 0; k < K; k++) s += exp((double)z[k] - m);
        for (int64_t k = 0; k < K; k++) out[k] = (FO_T)(exp((double)z[k] - m) / s);
    } else if (output == FO_OUT_LOGISTIC) {
        for (int64_t k = 0; k < K; k++) out[k] = (FO_T)fo_sigmoid((double)z[k]);
    } else {
        for (int64_t k = 0; k < K; k++) out[k] = z[k];
    }
    return finite;
}

/* Batch norm over column slabs of a team of nt threads: per column the sums run over the
 * rows in order (in double), so every team size gives the same bits; within a slab the
 * passes go row by row (a column at a time would stride by d). */
static int FO_SUF(bn_forward_team)(int nt, double *scratch, int64_t n, int64_t d,
                                   const FO_T *x, const FO_T *gamma, const FO_T *beta,
                                   double eps, int training, double momentum, FO_T *run_mean,
                                   FO_T *run_var, FO_T *xhat, FO_T *inv_std, FO_T *y)
{
    if (n < 1 || d < 1 || !x || !gamma || !beta || !xhat || !inv_std || !y || !(eps > 0.0) ||
        !(momentum >= 0.0 && momentum <= 1.0))
        return FO_ERR_BAD_ARGUMENT;
    if (training && n < 2) return FO_ERR_BAD_ARGUMENT;
    if (!training && (!run_mean || !run_var)) return FO_ERR_BAD_ARGUMENT;
    /* scratch: 2 d doubles from the caller's workspace, or of this call's own */
    double *own = scratch ? NULL : malloc((size_t)(2 * d) * sizeof(double));
    double *mu = scratch ? scratch : own;
    if (!mu) return FO_ERR_NO_MEMORY;
    double *is = mu + d;
    if (nt > d / 16) nt = (int)(d / 16);
    if (nt < 1) nt = 1;
    int finite = 1;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1) reduction(& : finite) if (nt > 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t j0, j1;
        fo_block_range(d, nt, t, &j0, &j1);
        if (training) {
            for (int64_t j = j0; j < j1; j++) mu[j] = is[j] = 0.0;
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = j0; j < j1; j++) mu[j] += (double)x[i * d + j];
            for (int64_t j = j0; j < j1; j++) mu[j] /= (double)n;
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = j0; j < j1; j++) {
                    const double c = (double)x[i * d + j] - mu[j];
                    is[j] += c * c;
                }
            for (int64_t j = j0; j < j1; j++) {
                const double var = is[j] / (double)n;
                if (run_mean)
                    run_mean[j] = (FO_T)((1.0 - momentum) * (double)run_mean[j] + momentum * mu[j]);
                if (run_var)
                    run_var[j] = (FO_T)((1.0 - momentum) * (double)run_var[j] +
                                        momentum * var * (double)n / (double)(n - 1));
                is[j] = var;
            }
        } else {
            for (int64_t j = j0; j < j1; j++) {
                mu[j] = (double)run_mean[j];
                is[j] = (double)run_var[j];
            }
        }
        for (int64_t j = j0; j < j1; j++) {
            is[j] = 1.0 / sqrt(is[j] + eps);
            finite &= isfinite(is[j]) && isfinite(mu[j]);
            inv_std[j] = (FO_T)is[j];
        }
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = j0; j < j1; j++) {
                const double h = ((double)x[i * d + j] - mu[j]) * is[j];
                xhat[i * d + j] = (FO_T)h;
                y[i * d + j] = (FO_T)((double)gamma[j] * h + (double)beta[j]);
            }
    }
    free(own);
    return finite ? FO_OK : FO_ERR_NONFINITE;
}

static int FO_SUF(bn_backward_team)(int nt, double *scratch, int64_t n, int64_t d,
                                    const FO_T *g, const FO_T *xhat, const FO_T *inv_std,
                                    const FO_T *gamma, int training, FO_T *dx, FO_T *dgamma,
                                    FO_T *dbeta)
{
    if (n < 1 || d < 1 || !g || !xhat || !inv_std || !gamma || !dx || !dgamma || !dbeta)
        return FO_ERR_BAD_ARGUMENT;
    /* scratch: 3 d doubles from the caller's workspace, or of this call's own */
    double *own = scratch ? NULL : malloc((size_t)(3 * d) * sizeof(double));
    double *sg = scratch ? scratch : own;
    if (!sg) return FO_ERR_NO_MEMORY;
    double *sgh = sg + d, *k = sg + 2 * d; /* column sums, then means; gamma inv_std */
    if (nt > d / 16) nt = (int)(d / 16);
    if (nt < 1) nt = 1;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1) if (nt > 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t j0, j1;
        fo_block_range(d, nt, t, &j0, &j1);
        for (int64_t j = j0; j < j1; j++) sg[j] = sgh[j] = 0.0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = j0; j < j1; j++) {
                sg[j] += (double)g[i * d + j];
                sgh[j] += (double)g[i * d + j] * (double)xhat[i * d + j];
            }
        for (int64_t j = j0; j < j1; j++) {
            dgamma[j] = (FO_T)sgh[j];
            dbeta[j] = (FO_T)sg[j];
            k[j] = (double)gamma[j] * (double)inv_std[j];
            sg[j] = training ? sg[j] / (double)n : 0.0;
            sgh[j] = training ? sgh[j] / (double)n : 0.0;
        }
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = j0; j < j1; j++)
                dx[i * d + j] = (FO_T)(k[j] * ((double)g[i * d + j] - sg[j] -
                                               (double)xhat[i * d + j] * sgh[j]));
    }
    free(own);
    return FO_OK;
}

int FO_SUF(fo_mlp_batchnorm_forward)(int64_t n, int64_t d, const FO_T *x, const FO_T *gamma,
                                     const FO_T *beta, double eps, int training,
                                     double momentum, FO_T *run_mean, FO_T *run_var, FO_T *xhat,
                                     FO_T *inv_std, FO_T *y)
{
    return FO_SUF(bn_forward_team)(1, NULL, n, d, x, gamma, beta, eps, training, momentum,
                                   run_mean, run_var, xhat, inv_std, y);
}

int FO_SUF(fo_mlp_batchnorm_backward)(int64_t n, int64_t d, const FO_T *g, const FO_T *xhat,
                                      const FO_T *inv_std, const FO_T *gamma, int training,
                                      FO_T *dx, FO_T *dgamma, FO_T *dbeta)
{
    return FO_SUF(bn_backward_team)(1, NULL, n, d, g, xhat, inv_std, gamma, training, dx,
                                    dgamma, dbeta);
}

/* The buffers of one block of rows, allocated once per call. */
typedef struct {
    FO_T *z[FO_MLP_MAX_LAYERS + 1];   /* rows x sizes[l]: scores (with batch norm, u = the
                                         normalized scores), l = 1..L */
    FO_T *a[FO_MLP_MAX_LAYERS + 1];   /* rows x sizes[l]: f(z), l = 1..L-1 */
    FO_T *in[FO_MLP_MAX_LAYERS + 1];  /* layer l+1's input: a[l], or a[l] after dropout */
    FO_T *xhat[FO_MLP_MAX_LAYERS + 1];    /* batch norm: rows x sizes[l] */
    FO_T *inv_std[FO_MLP_MAX_LAYERS + 1]; /* batch norm: sizes[l] */
    FO_T *delta[2];                   /* ping-pong rows x max width */
    FO_T *gblock;                     /* n_params: one block's gradient */
    FO_T *xb;                         /* rows x n_features: a dense batch gathered by index */
    double *bn_scratch;               /* batch norm: 3 x the widest layer, in double */
    FO_T *mem;
} FO_SUF(mlp_work);

/* What a pass does with batch norm and dropout (fo_mlp_mode, with the running statistics). */
typedef struct {
    int training;
    double momentum;
    uint64_t seed;
    int64_t step;
    FO_T *running; /* fo_mlp_n_running values or NULL */
    const int64_t *keys; /* a row subset's epoch: the dropout key of position r, the row's
                          * place in the subset (as in an epoch over a copy of it); NULL:
                          * the sample number */
} FO_SUF(mlp_pass);

static void FO_SUF(mlp_work_free)(FO_SUF(mlp_work) *w)
{
    free(w->mem);
    w->mem = NULL;
}

static int FO_SUF(mlp_dropping)(const fo_mlp_net *net, const FO_SUF(mlp_pass) *pass)
{
    return pass->training && net->dropout > 0.0;
}

/* FO_T values that hold batch norm's scratch of 3 x width doubles. */
static int64_t FO_SUF(bn_scratch_values)(int64_t width)
{
    return (3 * width * (int64_t)sizeof(double) + (int64_t)sizeof(FO_T) - 1) /
           (int64_t)sizeof(FO_T);
}

/* The FO_T values mlp_work_alloc lays out. */
static int64_t FO_SUF(mlp_work_size)(const fo_mlp_net *net, int drop, int64_t rows,
                                     int64_t n_params, int backward, int gather)
{
    const int L = net->n_layers;
    int64_t total = 0, widest = 0;
    for (int l = 1; l <= L; l++) {
        const int64_t s = net->sizes[l];
        total += rows * s;
        if (l < L) total += rows * s * (1 + drop + net->batch_norm) + s * net->batch_norm;
        if (s > widest) widest = s;
    }
    if (backward) total += 2 * rows * widest + n_params;
    if (gather) total += rows * net->sizes[0];
    if (net->batch_norm) total += FO_SUF(bn_scratch_values)(widest);
    return total > 0 ? total : 1;
}

/* The block buffers in `buf` (n_buf values) when it is large enough, else malloc'ed. */
static int FO_SUF(mlp_work_alloc)(const fo_mlp_net *net, const FO_SUF(mlp_pass) *pass,
                                  int64_t rows, int64_t n_params, int backward, int gather,
                                  FO_T *buf, int64_t n_buf, FO_SUF(mlp_work) *w)
{
    const int L = net->n_layers, drop = FO_SUF(mlp_dropping)(net, pass);
    const int64_t total = FO_SUF(mlp_work_size)(net, drop, rows, n_params, backward, gather);
    int64_t widest = 0;
    for (int l = 1; l <= L; l++) widest = net->sizes[l] > widest ? net->sizes[l] : widest;
    memset(w, 0, sizeof *w);
    FO_T *p = buf;
    if (!buf || n_buf < total) {
        w->mem = malloc((size_t)total * sizeof(FO_T));
        if (!w->mem) return FO_ERR_NO_MEMORY;
        p = w->mem;
    }
    if (net->batch_norm) { /* first: the buffer's start is 8-byte aligned */
        w->bn_scratch = (double *)(void *)p;
        p += FO_SUF(bn_scratch_values)(widest);
    }
    for (int l = 1; l <= L; l++) {
        const int64_t s = net->sizes[l];
        w->z[l] = p;
        p += rows * s;
        if (l == L) break;
        w->a[l] = w->in[l] = p;
        p += rows * s;
        if (drop) {
            w->in[l] = p;
            p += rows * s;
        }
        if (net->batch_norm) {
            w->xhat[l] = p;
            p += rows * s;
            w->inv_std[l] = p;
            p += s;
        }
    }
    if (backward) {
        w->delta[0] = p;
        p += rows * widest;
        w->delta[1] = p;
        p += rows * widest;
        w->gblock = p;
        p += n_params;
    }
    if (gather) w->xb = p;
    return FO_OK;
}

/* The sample behind position r of the block's row range: rows[r] when the rows are
 * gathered by index (a shuffled epoch), else r itself. */
static inline int64_t FO_SUF(mlp_row)(const int64_t *rows, int64_t r)
{
    return rows ? rows[r] : r;
}

/* The dense input of rows r0..r1 as one row-major block: X itself when the rows are
 * contiguous, else gathered into w->xb. */
static const FO_T *FO_SUF(mlp_dense_block)(const fo_mlp_net *net, const FO_DATA *d,
                                           const int64_t *rows, int64_t r0, int64_t r1,
                                           FO_SUF(mlp_work) *w)
{
    const int64_t p = d->n_features;
    if (!rows) return d->X + r0 * p;
    const int nt = FO_SUF(team_for)(net, (r1 - r0) * p);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
#endif
    for (int64_t i = 0; i < r1 - r0; i++)
        memcpy(w->xb + i * p, d->X + rows[r0 + i] * p, (size_t)p * sizeof(FO_T));
    return w->xb;
}

/* x *= m / (1 - p) per element (m the dropout mask of layer l's units for the block's
 * rows): once on the activations forward, once on their gradient backward. */
static void FO_SUF(mlp_dropout)(const fo_mlp_net *net, const FO_SUF(mlp_pass) *pass, int l,
                                const int64_t *rows, int64_t r0, int64_t nb, const FO_T *x,
                                FO_T *out)
{
    const int64_t s = net->sizes[l];
    const double scale = 1.0 / (1.0 - net->dropout);
    for (int64_t i = 0; i < nb; i++) {
        const int64_t r = pass->keys ? pass->keys[r0 + i] : FO_SUF(mlp_row)(rows, r0 + i);
        for (int64_t j = 0; j < s; j++)
            out[i * s + j] = fo_mlp_dropout_keep(net->dropout, pass->seed, pass->step, r, l, j)
                                 ? (FO_T)((double)x[i * s + j] * scale)
                                 : (FO_T)0;
    }
}

static void FO_SUF(dropout_team)(const fo_mlp_net *net, const FO_SUF(mlp_pass) *pass, int l,
                                 const int64_t *rows, int64_t r0, int64_t nb, const FO_T *x,
                                 FO_T *out)
{
    const int64_t s = net->sizes[l];
    const int nt = FO_SUF(team_for)(net, nb * s);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1) if (nt > 1)
#endif
    for (int t = 0; t < nt; t++) {
        int64_t lo, hi;
        fo_block_range(nb, nt, t, &lo, &hi);
        FO_SUF(mlp_dropout)(net, pass, l, rows, r0 + lo, hi - lo, x + lo * s, out + lo * s);
    }
}

/* The forward pass over rows r0..r1: z[l], a[l] and in[l] for every layer, z[L] the
 * output scores (bias included, no output activation).  The first layer is BLAS for
 * dense X, a scatter of W's rows for CSR.  Returns FO_OK, or batch norm's
 * FO_ERR_BAD_ARGUMENT (a training block of one row). */
static int FO_SUF(mlp_forward_block)(const fo_mlp_net *net, const FO_SUF(mlp_pass) *pass,
                                     const FO_DATA *d, const int64_t *rows, int64_t r0,
                                     int64_t r1, const FO_T *params, FO_SUF(mlp_work) *w)
{
    const int L = net->n_layers;
    const int64_t nb = r1 - r0;
    const FO_T *p = params;
    FO_T *running = pass->running;
    for (int l = 1; l <= L; l++) {
        const int64_t d_in = net->sizes[l - 1], d_out = net->sizes[l];
        const int bn = net->batch_norm && l < L;
        const FO_T *W = p, *b = p + d_in * d_out;
        p = b + d_out;
        const FO_T *gamma = p, *beta = p + d_out;
        if (bn) p += 2 * d_out;
        if (l == 1 && d->X) {
            FO_SUF(gemm_team)(net, 0, 0, nb, d_out, d_in,
                              FO_SUF(mlp_dense_block)(net, d, rows, r0, r1, w), d_in, W, d_out,
                              w->z[1], d_out);
        } else if (l == 1) {
            for (int64_t i = 0; i < nb; i++) {
                const int64_t r = FO_SUF(mlp_row)(rows, r0 + i);
                FO_T *zi = w->z[1] + i * d_out;
                for (int64_t k = 0; k < d_out; k++) zi[k] = (FO_T)0;
                for (int64_t e = d->indptr[r]; e < d->indptr[r + 1]; e++) {
                    const FO_T v = d->data[e];
                    const FO_T *Wj = W + (int64_t)d->indices[e] * d_out;
                    for (int64_t k = 0; k < d_out; k++) zi[k] += v * Wj[k];
                }
            }
        } else {
            FO_SUF(gemm_team)(net, 0, 0, nb, d_out, d_in, w->in[l - 1], d_in, W, d_out,
                              w->z[l], d_out);
        }
        if (l == L || bn)
            for (int64_t i = 0; i < nb; i++)
                for (int64_t k = 0; k < d_out; k++) w->z[l][i * d_out + k] += b[k];
        if (l == L) break;
        if (bn) {
            FO_T *mean = running, *var = running ? running + d_out : NULL;
            if (running) running += 2 * d_out;
            const int status = FO_SUF(bn_forward_team)(
                FO_SUF(team_for)(net, nb * d_out), w->bn_scratch, nb, d_out, w->z[l], gamma, beta, net->bn_eps,
                pass->training, pass->momentum, mean, var, w->xhat[l], w->inv_std[l], w->z[l]);
            if (status != FO_OK) return status;
        }
        FO_SUF(elementwise_team)(net, nb, d_out, w->z[l], bn ? NULL : b, w->a[l], NULL);
        if (FO_SUF(mlp_dropping)(net, pass))
            FO_SUF(dropout_team)(net, pass, l, rows, r0, nb, w->a[l], w->in[l]);
    }
    return FO_OK;
}

/*
 * One block's forward and backward pass: w->gblock = the gradient of
 * sum_{i in block} scale w_i c_i (no penalty), the block's dense input still in place
 * (w->xb) from the forward pass.  *loss = sum_i w_i c_i over the block.  Returns the
 * forward pass's status.
 */
static int FO_SUF(mlp_block_grad)(const fo_mlp_net *net, const FO_SUF(mlp_pass) *pass,
                                  const FO_DATA *d, const int64_t *rows, int64_t r0, int64_t r1,
                                  const FO_T *Y, double scale, const FO_T *params,
                                  int64_t n_params, FO_SUF(mlp_work) *w, double *loss)
{
    const int L = net->n_layers;
    const int64_t nb = r1 - r0, K = net->sizes[L];
    *loss = 0.0;
    const int status = FO_SUF(mlp_forward_block)(net, pass, d, rows, r0, r1, params, w);
    if (status != FO_OK) return status;
    FO_T *D = w->delta[L & 1];
    for (int64_t i = 0; i < nb; i++) {
        const int64_t r = FO_SUF(mlp_row)(rows, r0 + i);
        const double wi = d->sample_weight ? (double)d->sample_weight[r] : 1.0;
        *loss += wi * FO_SUF(out_loss_delta)(net->output, K, w->z[L] + i * K, Y + r * K,
                                             wi * scale, D + i * K);
    }
    FO_T *g_end = w->gblock + n_params;
    for (int l = L; l >= 1; l--) {
        const int64_t d_in = net->sizes[l - 1], d_out = net->sizes[l];
        const int bn = net->batch_norm && l < L; /* gamma^l, beta^l: written at layer l + 1 */
        FO_T *gb = g_end - (bn ? 3 : 1) * d_out, *gW = gb - d_in * d_out;
        g_end = gW;
        FO_T *Dl = w->delta[l & 1];
        FO_SUF(colsum_team)(net, nb, d_out, Dl, gb);
        if (l > 1) {
            FO_SUF(gemm_team)(net, 1, 0, d_in, d_out, nb, w->in[l - 1], d_in, Dl, d_out, gW,
                              d_out);
            const FO_T *W = params + (gW - w->gblock);
            FO_T *Dp = w->delta[(l - 1) & 1];
            FO_SUF(gemm_team)(net, 0, 1, nb, d_in, d_out, Dl, d_out, W, d_out, Dp, d_in);
            if (FO_SUF(mlp_dropping)(net, pass))
                FO_SUF(dropout_team)(net, pass, l - 1, rows, r0, nb, Dp, Dp);
            FO_SUF(elementwise_team)(net, nb, d_in, w->z[l - 1], NULL, w->a[l - 1], Dp);
            if (net->batch_norm) { /* layer l - 1 is hidden: its gamma, beta end at gW */
                FO_T *ggamma = gW - 2 * d_in, *gbeta = gW - d_in;
                FO_SUF(bn_backward_team)(FO_SUF(team_for)(net, nb * d_in), w->bn_scratch, nb,
                                         d_in, Dp,
                                         w->xhat[l - 1], w->inv_std[l - 1],
                                         params + (ggamma - w->gblock), pass->training, Dp,
                                         ggamma, gbeta);
            }
        } else if (d->X) {
            const FO_T *Xb = rows ? w->xb : d->X + r0 * d_in;
            FO_SUF(gemm_team)(net, 1, 0, d_in, d_out, nb, Xb, d_in, Dl, d_out, gW, d_out);
        } else {
            for (int64_t e = 0; e < d_in * d_out; e++) gW[e] = (FO_T)0;
            for (int64_t i = 0; i < nb; i++) {
                const int64_t r = FO_SUF(mlp_row)(rows, r0 + i);
                const FO_T *Di = Dl + i * d_out;
                for (int64_t e = d->indptr[r]; e < d->indptr[r + 1]; e++) {
                    const FO_T v = d->data[e];
                    FO_T *gj = gW + (int64_t)d->indices[e] * d_out;
                    for (int64_t k = 0; k < d_out; k++) gj[k] += v * Di[k];
                }
            }
        }
    }
    return FO_OK;
}

/* sum_l ||W^l||^2, and l2 W^l added to the weights' entries of g (double or FO_T). */
#ifndef FO_MLP_PENALTY
#define FO_MLP_PENALTY(net, params, g, l2, out)                                              \
    do {                                                                                     \
        int64_t off_ = 0;                                                                    \
        double pen_ = 0.0;                                                                   \
        for (int l_ = 1; l_ <= (net)->n_layers; l_++) {                                      \
            const int64_t nw_ = (net)->sizes[l_ - 1] * (net)->sizes[l_];                     \
            for (int64_t j_ = off_; j_ < off_ + nw_; j_++) {                                 \
                const double v_ = (double)(params)[j_];                                      \
                pen_ += v_ * v_;                                                             \
                (g)[j_] += (l2) * v_;                                                        \
            }                                                                                \
            off_ += nw_ + (net)->sizes[l_] *                                                 \
                              ((net)->batch_norm && l_ < (net)->n_layers ? 3 : 1);           \
        }                                                                                    \
        (out) = pen_;                                                                        \
    } while (0)
#endif

static int FO_SUF(mlp_check)(const fo_mlp_net *net, const FO_DATA *d, const void *params,
                             int64_t *n_params)
{
    if (!net || !d || !params || !net->gemm || d->n_samples <= 0) return FO_ERR_BAD_ARGUMENT;
    if (!d->X && (!d->data || !d->indices || !d->indptr)) return FO_ERR_BAD_ARGUMENT;
    if (net->activation < 0 || net->activation >= FO_N_ACTIVATIONS || net->output < 0 ||
        net->output >= FO_N_OUTPUTS)
        return FO_ERR_BAD_ARGUMENT;
    if (!(net->dropout >= 0.0 && net->dropout < 1.0) ||
        (net->batch_norm && !(net->bn_eps > 0.0)))
        return FO_ERR_BAD_ARGUMENT;
    *n_params = fo_mlp_n_params(net);
    if (*n_params <= 0 || net->sizes[0] != d->n_features) return FO_ERR_BAD_ARGUMENT;
    if (net->output == FO_OUT_SOFTMAX && net->sizes[net->n_layers] < 2) return FO_ERR_BAD_ARGUMENT;
    return FO_OK;
}

static double FO_SUF(mlp_weight_sum)(const FO_DATA *d)
{
    double w_sum = 0.0;
    for (int64_t i = 0; i < d->n_samples; i++)
        w_sum += d->sample_weight ? (double)d->sample_weight[i] : 1.0;
    return w_sum;
}

int FO_SUF(fo_mlp_loss_grad)(const fo_mlp_net *net, const fo_mlp_mode *mode, const FO_DATA *d,
                             const FO_T *Y, const FO_T *params, double l2, FO_T *bn_running,
                             double *value, FO_T *grad)
{
    int64_t n_params = 0;
    int status = FO_SUF(mlp_check)(net, d, params, &n_params);
    if (status != FO_OK) return status;
    if (!Y || !value || !grad || !(l2 >= 0.0)) return FO_ERR_BAD_ARGUMENT;
    FO_SUF(mlp_pass) pass = {0, 0.0, 0, 0, bn_running};
    if (mode) {
        pass.training = mode->training;
        pass.momentum = mode->bn_momentum;
        pass.seed = mode->dropout_seed;
        pass.step = mode->dropout_step;
    }
    if (net->batch_norm && !pass.training && !bn_running) return FO_ERR_BAD_ARGUMENT;
    const int64_t n = d->n_samples;
    /* training batch norm: the statistics of all rows, so one block */
    const int64_t rows = (net->batch_norm && pass.training) || n < FO_MLP_BLOCK_ROWS
                             ? n : FO_MLP_BLOCK_ROWS;
    const double w_sum = FO_SUF(mlp_weight_sum)(d);
    if (!(w_sum > 0.0) || !isfinite(w_sum)) return FO_ERR_BAD_ARGUMENT;

    FO_SUF(mlp_work) w;
    status = FO_SUF(mlp_work_alloc)(net, &pass, rows, n_params, 1, 0, NULL, 0, &w);
    double *acc = calloc((size_t)n_params, sizeof(double));
    if (status != FO_OK || !acc) {
        FO_SUF(mlp_work_free)(&w);
        free(acc);
        return FO_ERR_NO_MEMORY;
    }
    double loss = 0.0, penalty = 0.0;
    for (int64_t r0 = 0; r0 < n && status == FO_OK; r0 += rows) {
        const int64_t r1 = r0 + rows < n ? r0 + rows : n;
        double block_loss = 0.0;
        status = FO_SUF(mlp_block_grad)(net, &pass, d, NULL, r0, r1, Y, 1.0 / w_sum, params,
                                        n_params, &w, &block_loss);
        loss += block_loss;
        for (int64_t j = 0; j < n_params; j++) acc[j] += (double)w.gblock[j];
    }
    if (status == FO_OK) {
        FO_MLP_PENALTY(net, params, acc, l2, penalty);
        *value = loss / w_sum + 0.5 * l2 * penalty;
        int finite = isfinite(*value);
        for (int64_t j = 0; j < n_params; j++) {
            grad[j] = (FO_T)acc[j];
            finite &= isfinite((double)grad[j]);
        }
        status = finite ? FO_OK : FO_ERR_NONFINITE;
    }
    FO_SUF(mlp_work_free)(&w);
    free(acc);
    return status;
}

/* FO_OK when cfg's segments (if any) tile [0, n_params) in order and every segment's rule,
 * at step t, is valid with the state arrays given. */
static int FO_SUF(mlp_check_segments)(const fo_mlp_epoch_config *cfg, int64_t n_params,
                                      int64_t t, const FO_T *s1, const FO_T *s2, const FO_T *s3)
{
    if (!cfg->segments) return FO_OK;
    int64_t end = 0;
    for (int64_t k = 0; k < cfg->n_segments; k++) {
        const fo_mlp_segment *seg = cfg->segments + k;
        if (!seg->rule || seg->offset != end || seg->length < 1) return FO_ERR_BAD_ARGUMENT;
        fo_rule r = *seg->rule;
        r.t = t;
        if (fo_rule_check(&r, s1, s2, s3) != FO_OK) return FO_ERR_BAD_ARGUMENT;
        end += seg->length;
    }
    return end == n_params ? FO_OK : FO_ERR_BAD_ARGUMENT;
}

/* One update of the whole buffer: `rule`, or each segment's rule at rule->t after one
 * finiteness check of the whole gradient (a refused step leaves every segment as it was). */
static int FO_SUF(mlp_update)(const fo_mlp_epoch_config *cfg, const fo_rule *rule,
                              int64_t n_params, FO_T *params, const FO_T *grad, FO_T *s1,
                              FO_T *s2, FO_T *s3, int n_threads)
{
    if (!cfg->segments)
        return FO_SUF(fo_update_step)(rule, n_params, params, grad, s1, s2, s3, 1, n_threads);
    if (!FO_SUF(fo_all_finite)(n_params, grad, n_threads)) return FO_ERR_NONFINITE;
    for (int64_t k = 0; k < cfg->n_segments; k++) {
        const fo_mlp_segment *seg = cfg->segments + k;
        const int64_t o = seg->offset;
        fo_rule r = *seg->rule;
        r.t = rule->t;
        int status = FO_SUF(fo_update_step)(&r, seg->length, params + o, grad + o,
                                            s1 ? s1 + o : NULL, s2 ? s2 + o : NULL,
                                            s3 ? s3 + o : NULL, 0, n_threads);
        if (status != FO_OK) return status;
    }
    return FO_OK;
}

/* After a step taken: every distinct segment rule (segments may share one) past the step
 * rule->t, then `rule` -- their t and carried scalars (fo_rule_advance). */
static void FO_SUF(mlp_advance)(const fo_mlp_epoch_config *cfg, fo_rule *rule)
{
    for (int64_t k = 0; cfg->segments && k < cfg->n_segments; k++) {
        fo_rule *r = cfg->segments[k].rule;
        int64_t first = 0;
        while (cfg->segments[first].rule != r) first++;
        if (first < k) continue;  /* moved with segment `first` */
        r->t = rule->t;
        fo_rule_advance(r);
    }
    fo_rule_advance(rule);
}

int FO_SUF(fo_mlp_epoch)(const fo_mlp_net *net, const fo_mlp_epoch_config *cfg,
                         const FO_DATA *d, const FO_T *Y, fo_rule *rule, FO_T *params,
                         FO_T *bn_running, FO_T *s1, FO_T *s2, FO_T *s3, double *mean_loss)
{
    int64_t n_params = 0;
    int status = FO_SUF(mlp_check)(net, d, params, &n_params);
    if (status != FO_OK) return status;
    if (!cfg || !Y || !rule || !mean_loss || cfg->batch_size < 1 || !(cfg->l2 >= 0.0) ||
        !(cfg->weight_scale > 0.0) || !isfinite(cfg->weight_scale) ||
        !(cfg->bn_momentum >= 0.0 && cfg->bn_momentum <= 1.0))
        return FO_ERR_BAD_ARGUMENT;
    status = fo_rule_check(rule, s1, s2, s3);
    if (status == FO_OK) status = FO_SUF(mlp_check_segments)(cfg, n_params, rule->t, s1, s2, s3);
    if (status != FO_OK) return status;
    if (cfg->rows && cfg->n_rows < 1) return FO_ERR_BAD_ARGUMENT;
    for (int64_t k = 0; cfg->rows && k < cfg->n_rows; k++)  /* every sample number inside X */
        if ((uint64_t)cfg->rows[k] >= (uint64_t)d->n_samples) return FO_ERR_BAD_ARGUMENT;
    const int64_t n = cfg->rows ? cfg->n_rows : d->n_samples;
    const int64_t B = cfg->batch_size < n ? cfg->batch_size : n;
    if (net->batch_norm && (B < 2 || n % B == 1)) return FO_ERR_BAD_ARGUMENT;
    /* rows read by index (shuffled, or a row subset), else X's rows in storage order */
    const int mapped = cfg->shuffle || cfg->rows != NULL;
    FO_SUF(mlp_pass) pass = {1, cfg->bn_momentum, cfg->dropout_seed, 0, bn_running};
    FO_SUF(mlp_work) w;
    /* the caller's workspace (fo_mlp_epoch_workspace bytes: the permutation, then the
     * blocks' buffers), else buffers of this call's own */
    /* the permutation (mapped through a row subset), then for a subset with dropout the
     * unmapped one: the rows' places in the subset, which key their dropout masks */
    const int keyed = cfg->rows && net->dropout > 0.0;
    const int64_t perm_bytes = mapped ? (1 + keyed) * n * (int64_t)sizeof(int64_t) : 0;
    const int own = !cfg->workspace ||
                    cfg->workspace_bytes < FO_SUF(fo_mlp_epoch_workspace)(net, n, cfg, d->X != NULL);
    int64_t *perm = NULL, *own_perm = NULL;
    if (mapped) perm = own ? (own_perm = malloc((size_t)perm_bytes)) : (int64_t *)cfg->workspace;
    FO_T *buf = own ? NULL : (FO_T *)((char *)cfg->workspace + perm_bytes);
    status = FO_SUF(mlp_work_alloc)(net, &pass, B, n_params, 1, d->X && mapped, buf,
                                    own ? 0 : (cfg->workspace_bytes - perm_bytes) / (int64_t)sizeof(FO_T),
                                    &w);
    if (status != FO_OK || (mapped && !perm)) {
        FO_SUF(mlp_work_free)(&w);
        free(own_perm);
        return FO_ERR_NO_MEMORY;
    }
    if (cfg->shuffle) fo_epoch_permutation(n, cfg->seed, perm);
    else if (perm) for (int64_t k = 0; k < n; k++) perm[k] = k;
    if (keyed) {
        memcpy(perm + n, perm, (size_t)n * sizeof(int64_t));
        pass.keys = perm + n;
    }
    if (cfg->rows)  /* position k of the subset is sample rows[k] */
        for (int64_t k = 0; k < n; k++) perm[k] = cfg->rows[perm[k]];
    double loss = 0.0, w_seen = 0.0, penalty = 0.0;
    for (int64_t r0 = 0; r0 < n && status == FO_OK; r0 += B) {
        const int64_t r1 = r0 + B < n ? r0 + B : n;
        double batch_loss = 0.0;
        pass.step = rule->t;
        status = FO_SUF(mlp_block_grad)(net, &pass, d, perm, r0, r1, Y,
                                        cfg->weight_scale / (double)(r1 - r0), params, n_params,
                                        &w, &batch_loss);
        if (status != FO_OK) break;
        loss += batch_loss;
        for (int64_t i = r0; i < r1; i++)
            w_seen += d->sample_weight ? (double)d->sample_weight[perm ? perm[i] : i] : 1.0;
        if (cfg->l2 > 0.0) FO_MLP_PENALTY(net, params, w.gblock, cfg->l2, penalty);
        if (!isfinite(loss)) {
            status = FO_ERR_NONFINITE;
            break;
        }
        /* a gradient with NaN or infinity is refused: the parameters stay as they were */
        status = FO_SUF(mlp_update)(cfg, rule, n_params, params, w.gblock, s1, s2, s3,
                                    net->n_threads > 1 ? net->n_threads : 1);
        if (status == FO_OK) FO_SUF(mlp_advance)(cfg, rule);  /* t and the carried scalars */
    }
    (void)penalty;
    *mean_loss = w_seen > 0.0 ? loss / w_seen : 0.0;
    FO_SUF(mlp_work_free)(&w);
    free(own_perm);
    return status;
}

int64_t FO_SUF(fo_mlp_epoch_workspace)(const fo_mlp_net *net, int64_t n_samples,
                                       const fo_mlp_epoch_config *cfg, int dense)
{
    const int64_t n_params = fo_mlp_n_params(net);
    if (n_params <= 0 || !cfg || n_samples < 1 || cfg->batch_size < 1) return -1;
    const int64_t B = cfg->batch_size < n_samples ? cfg->batch_size : n_samples;
    const int mapped = cfg->shuffle || cfg->rows != NULL;
    const int keyed = cfg->rows && net->dropout > 0.0;
    const int64_t perm_bytes = mapped ? (1 + keyed) * n_samples * (int64_t)sizeof(int64_t) : 0;
    return perm_bytes + (int64_t)sizeof(FO_T) *
                            FO_SUF(mlp_work_size)(net, net->dropout > 0.0, B, n_params, 1,
                                                  dense && mapped);
}

int FO_SUF(fo_mlp_forward)(const fo_mlp_net *net, const FO_DATA *d, const FO_T *params,
                           const FO_T *bn_running, FO_T *out)
{
    return FO_SUF(fo_mlp_forward_rows)(net, d, NULL, 0, params, bn_running, out);
}

int FO_SUF(fo_mlp_forward_rows)(const fo_mlp_net *net, const FO_DATA *d, const int64_t *subset,
                                int64_t n_rows, const FO_T *params, const FO_T *bn_running,
                                FO_T *out)
{
    int64_t n_params = 0;
    int status = FO_SUF(mlp_check)(net, d, params, &n_params);
    if (status != FO_OK) return status;
    if (!out || (net->batch_norm && !bn_running) || (subset && n_rows < 1))
        return FO_ERR_BAD_ARGUMENT;
    for (int64_t k = 0; subset && k < n_rows; k++)  /* every sample number inside X */
        if ((uint64_t)subset[k] >= (uint64_t)d->n_samples) return FO_ERR_BAD_ARGUMENT;
    const int L = net->n_layers;
    const int64_t n = subset ? n_rows : d->n_samples, K = net->sizes[L];
    const int64_t rows = n < FO_MLP_BLOCK_ROWS ? n : FO_MLP_BLOCK_ROWS;
    /* evaluation: the running statistics are read, never written */
    FO_SUF(mlp_pass) pass = {0, 0.0, 0, 0, (FO_T *)bn_running};
    FO_SUF(mlp_work) w;
    if (FO_SUF(mlp_work_alloc)(net, &pass, rows, n_params, 0, d->X && subset, NULL, 0, &w) !=
        FO_OK)
        return FO_ERR_NO_MEMORY;
    int finite = 1;
    for (int64_t r0 = 0; r0 < n && status == FO_OK; r0 += rows) {
        const int64_t r1 = r0 + rows < n ? r0 + rows : n, nb = r1 - r0;
        status = FO_SUF(mlp_forward_block)(net, &pass, d, subset, r0, r1, params, &w);
        for (int64_t i = 0; i < nb && status == FO_OK; i++) {
            FO_T *oi = out + (r0 + i) * K;
            finite &= FO_SUF(out_activate)(net->output, K, w.z[L] + i * K, oi);
        }
    }
    FO_SUF(mlp_work_free)(&w);
    if (status != FO_OK) return status;
    return finite ? FO_OK : FO_ERR_NONFINITE;
}
