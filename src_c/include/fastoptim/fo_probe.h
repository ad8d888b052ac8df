/*
 * fo_probe.h -- a memory read-bandwidth probe, built with the same flags and
 * the same multi-versioning as the kernels, so that benchmarks can express a
 * kernel's speed as a fraction of what the memory bus delivers in the same run.
 */
#ifndef FASTOPTIM_FO_PROBE_H
#define FASTOPTIM_FO_PROBE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads n_words 64-bit words once (split into n_threads blocks, as the
 * kernels split rows) and returns their wrapping sum, so that the reads cannot
 * be optimized away.  Integer adds: any bit pattern (float32 data included)
 * is read at full speed, with no denormal slow path. */
uint64_t fo_probe_read_u64(const uint64_t *words, int64_t n_words, int n_threads);

/* The same over rows visited in a given order: words holds rows of row_words
 * words; the rows rows[0..n_rows) are read whole, in that order, each
 * prefetched 16 rows ahead as the epoch engine does.  Shuffled, this is the
 * floor of a mini-batch epoch: random rows cost memory latency that the
 * stream of a storage-order pass never pays. */
uint64_t fo_probe_gather_u64(const uint64_t *words, int64_t row_words, const int64_t *rows,
                             int64_t n_rows, int n_threads);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_PROBE_H */
