/* probe.c -- memory read-bandwidth probe (see fo_probe.h). */
#include <stdint.h>
#include <stdlib.h>

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_probe.h"

FO_HOT static uint64_t probe_block(const uint64_t *FO_RESTRICT w, int64_t start, int64_t stop)
{
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = start;
    for (; i + 4 <= stop; i += 4) {
        s0 += w[i];
        s1 += w[i + 1];
        s2 += w[i + 2];
        s3 += w[i + 3];
    }
    for (; i < stop; i++) s0 += w[i];
    return s0 + s1 + s2 + s3;
}

uint64_t fo_probe_read_u64(const uint64_t *words, int64_t n_words, int n_threads)
{
    if (!words || n_words <= 0) return 0;
    if (n_threads < 1) n_threads = 1;
    uint64_t total = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads) reduction(+ : total)
#endif
    for (int b = 0; b < n_threads; b++) {
        int64_t start, stop;
        fo_block_range(n_words, n_threads, b, &start, &stop);
        total += probe_block(words, start, stop);
    }
    return total;
}
