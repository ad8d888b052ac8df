/*
 * update_impl.h -- the public update functions of fo_update.h for one floating
 * type; update.c includes it twice (after update_rules_impl.h).
 */

FO_HOT static FO_T FO_SUF(nonfinite_sum)(const FO_T *FO_RESTRICT x, int64_t start, int64_t stop)
{
    FO_T acc = 0;  /* x * 0 is 0 for finite x and NaN for NaN or infinity */
    FO_SIMD_REDUCTION(+, acc)
    for (int64_t i = start; i < stop; i++) acc += x[i] * (FO_T)0;
    return acc;
}

int FO_SUF(fo_all_finite)(int64_t n, const FO_T *x, int n_threads)
{
    int finite = 1;
    if (n_threads < 1 || n < 32768) n_threads = 1;  /* threads cost more than small arrays */
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads) reduction(& : finite) if (n_threads > 1)
#endif
    for (int b = 0; b < n_threads; b++) {
        int64_t start, stop;
        fo_block_range(n, n_threads, b, &start, &stop);
        FO_T acc = FO_SUF(nonfinite_sum)(x, start, stop);
        finite &= (acc == acc);
    }
    return finite;
}

/* The checks and the per-step scalars of both entry points: FO_OK (then sc and worker are
 * set when n > 0) or FO_ERR_BAD_ARGUMENT. */
static int FO_SUF(step_setup)(const fo_rule *rule, int64_t n, const FO_T *params, const FO_T *grad,
                              const FO_T *s1, const FO_T *s2, const FO_T *s3, int n_threads,
                              FO_SUF(fo_step_scalars) *sc, FO_SUF(fo_update_worker) *worker)
{
    if (!rule || n < 0 || (n > 0 && (!params || !grad)) || n_threads < 1)
        return FO_ERR_BAD_ARGUMENT;
    if (n == 0) return FO_OK;
    int status = fo_rule_check(rule, s1, s2, s3);
    if (status != FO_OK) return status;
    FO_SUF(step_scalars)(rule, sc);
    *worker = FO_SUF(pick_worker)(rule);
    return FO_OK;
}

int FO_SUF(fo_update_step)(const fo_rule *rule, int64_t n, FO_T *params, const FO_T *grad,
                           FO_T *s1, FO_T *s2, FO_T *s3, int check_finite, int n_threads)
{
    FO_SUF(fo_step_scalars) sc;
    FO_SUF(fo_update_worker) worker;
    int status = FO_SUF(step_setup)(rule, n, params, grad, s1, s2, s3, n_threads, &sc, &worker);
    if (status != FO_OK || n == 0) return status;  /* n == 0: an empty array, NULL states */
    if (check_finite && !FO_SUF(fo_all_finite)(n, grad, n_threads)) return FO_ERR_NONFINITE;
    /* a few large blocks per thread; below ~32k coordinates threads cost more than they save */
    int nt = n < 32768 ? 1 : n_threads;
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(nt) if (nt > 1)
#endif
    for (int b = 0; b < nt; b++) {
        int64_t start, stop;
        fo_block_range(n, nt, b, &start, &stop);
        worker(&sc, start, stop, params, grad, s1, s2, s3);
    }
    return FO_OK;
}

/* Coordinates per block of the dry run (its copies live on the stack: 4 x 256 values). */
#define FO_CHECK_CHUNK 256

/* 1 when the step on coordinates [start, stop) gives finite parameters and states: each
 * chunk copied, updated in place by the rule's worker, and tested. */
static int FO_SUF(check_block)(FO_SUF(fo_update_worker) worker, const FO_SUF(fo_step_scalars) *sc,
                               int64_t start, int64_t stop, const FO_T *params, const FO_T *grad,
                               const FO_T *s1, const FO_T *s2, const FO_T *s3)
{
    FO_T bp[FO_CHECK_CHUNK], b1[FO_CHECK_CHUNK], b2[FO_CHECK_CHUNK], b3[FO_CHECK_CHUNK];
    for (int64_t i0 = start; i0 < stop; i0 += FO_CHECK_CHUNK) {
        const int64_t c = stop - i0 < FO_CHECK_CHUNK ? stop - i0 : FO_CHECK_CHUNK;
        const size_t bytes = (size_t)c * sizeof(FO_T);
        memcpy(bp, params + i0, bytes);
        if (s1) memcpy(b1, s1 + i0, bytes);
        if (s2) memcpy(b2, s2 + i0, bytes);
        if (s3) memcpy(b3, s3 + i0, bytes);
        worker(sc, 0, c, bp, grad + i0, s1 ? b1 : NULL, s2 ? b2 : NULL, s3 ? b3 : NULL);
        FO_T acc = FO_SUF(nonfinite_sum)(bp, 0, c);
        if (s1) acc += FO_SUF(nonfinite_sum)(b1, 0, c);
        if (s2) acc += FO_SUF(nonfinite_sum)(b2, 0, c);
        if (s3) acc += FO_SUF(nonfinite_sum)(b3, 0, c);
        if (acc != acc) return 0;
    }
    return 1;
}

int FO_SUF(fo_update_step_check)(const fo_rule *rule, int64_t n, const FO_T *params,
                                 const FO_T *grad, const FO_T *s1, const FO_T *s2, const FO_T *s3,
                                 int n_threads)
{
    FO_SUF(fo_step_scalars) sc;
    FO_SUF(fo_update_worker) worker;
    int status = FO_SUF(step_setup)(rule, n, params, grad, s1, s2, s3, n_threads, &sc, &worker);
    if (status != FO_OK || n == 0) return status;
    int nt = n < 32768 ? 1 : n_threads, finite = 1;
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(nt) reduction(& : finite) if (nt > 1)
#endif
    for (int b = 0; b < nt; b++) {
        int64_t start, stop;
        fo_block_range(n, nt, b, &start, &stop);
        finite &= FO_SUF(check_block)(worker, &sc, start, stop, params, grad, s1, s2, s3);
    }
    return finite ? FO_OK : FO_ERR_NONFINITE;
}
#undef FO_CHECK_CHUNK

#undef FO_T
#undef FO_SUF
#undef FO_SQRT
