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

int FO_SUF(fo_update_step)(const fo_rule *rule, int64_t n, FO_T *params, const FO_T *grad,
                           FO_T *s1, FO_T *s2, FO_T *s3, int check_finite, int n_threads)
{
    if (!rule || n < 0 || (n > 0 && (!params || !grad)) || n_threads < 1)
        return FO_ERR_BAD_ARGUMENT;
    if (n == 0) return FO_OK;  /* an empty array (its state pointers are NULL) */
    int status = fo_rule_check(rule, s1, s2, s3);
    if (status != FO_OK) return status;
    if (check_finite && !FO_SUF(fo_all_finite)(n, grad, n_threads)) return FO_ERR_NONFINITE;
    FO_SUF(fo_step_scalars) sc;
    FO_SUF(step_scalars)(rule, &sc);
    FO_SUF(fo_update_worker) worker = FO_SUF(pick_worker)(rule);
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

#undef FO_T
#undef FO_SUF
#undef FO_SQRT
