/* probe.c -- memory read-bandwidth probe (see fo_probe.h). */
#include <stdint.h>
#include <stdlib.h>

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_probe.h"

/* s[0..4) += the words w[0..n), four at a time (four independent sums). */
FO_INLINE void add_words(const uint64_t *FO_RESTRICT w, int64_t n, uint64_t *s)
{
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s[0] += w[i];
        s[1] += w[i + 1];
        s[2] += w[i + 2];
        s[3] += w[i + 3];
    }
    for (; i < n; i++) s[0] += w[i];
}

FO_HOT static uint64_t probe_block(const uint64_t *FO_RESTRICT w, int64_t start, int64_t stop)
{
    uint64_t s[4] = {0, 0, 0, 0};
    add_words(w + start, stop - start, s);
    return s[0] + s[1] + s[2] + s[3];
}

/* Rows rows[start..stop) of row_words words each, every line of each row
 * prefetched FO_PROBE_GATHER_AHEAD rows ahead (the engine's distance). */
#define FO_PROBE_GATHER_AHEAD 16

FO_HOT static uint64_t gather_block(const uint64_t *FO_RESTRICT w, int64_t row_words,
                                    const int64_t *FO_RESTRICT rows, int64_t start, int64_t stop)
{
    uint64_t s[4] = {0, 0, 0, 0};
    for (int64_t q = start; q < stop; q++) {
        if (q + FO_PROBE_GATHER_AHEAD < stop) {
            fo_prefetch_span(w + rows[q + FO_PROBE_GATHER_AHEAD] * row_words,
                             row_words * (int64_t)sizeof(uint64_t));
        }
        add_words(w + rows[q] * row_words, row_words, s);
    }
    return s[0] + s[1] + s[2] + s[3];
}

/* Split n items (words, or listed rows) into n_threads blocks, as the kernels split rows. */
static uint64_t run_probe(const uint64_t *words, int64_t row_words, const int64_t *rows, int64_t n,
                          int n_threads)
{
    if (n_threads < 1) n_threads = 1;
    uint64_t total = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static, 1) num_threads(n_threads) reduction(+ : total)
#endif
    for (int b = 0; b < n_threads; b++) {
        int64_t start, stop;
        fo_block_range(n, n_threads, b, &start, &stop);
        total += rows ? gather_block(words, row_words, rows, start, stop)
                      : probe_block(words, start, stop);
    }
    return total;
}

uint64_t fo_probe_read_u64(const uint64_t *words, int64_t n_words, int n_threads)
{
    if (!words || n_words <= 0) return 0;
    return run_probe(words, 1, NULL, n_words, n_threads);
}

uint64_t fo_probe_gather_u64(const uint64_t *words, int64_t row_words, const int64_t *rows,
                             int64_t n_rows, int n_threads)
{
    if (!words || !rows || row_words <= 0 || n_rows <= 0) return 0;
    return run_probe(words, row_words, rows, n_rows, n_threads);
}
