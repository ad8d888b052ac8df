"""Memory read-bandwidth probe (src_c/probe.c), built with the kernels' flags."""
from libc.stdint cimport uint64_t, int64_t

cdef extern from "fastoptim/fo_probe.h":
    uint64_t fo_probe_read_u64(const uint64_t *words, int64_t n_words, int n_threads) nogil
    uint64_t fo_probe_gather_u64(const uint64_t *words, int64_t row_words, const int64_t *rows,
                                 int64_t n_rows, int n_threads) nogil


def read_words(const uint64_t[::1] words, int n_threads):
    """Read every 64-bit word once with n_threads threads; returns their wrapping sum."""
    cdef uint64_t total
    cdef int64_t n = words.shape[0]
    if n == 0:
        return 0
    with nogil:
        total = fo_probe_read_u64(&words[0], n, n_threads)
    return total


def gather_rows(const uint64_t[:, ::1] words, const int64_t[::1] rows, int n_threads):
    """Read the rows of `words` in the order `rows` (prefetched ahead, as the engine does).

    Returns the wrapping sum of the words read.  Row numbers are checked first.
    """
    cdef uint64_t total
    cdef int64_t n_rows = rows.shape[0], q
    if n_rows == 0 or words.shape[0] == 0:
        return 0
    for q in range(n_rows):
        if rows[q] < 0 or rows[q] >= words.shape[0]:
            raise ValueError(f"rows[{q}] = {rows[q]} is not a row of words (0..{words.shape[0] - 1})")
    with nogil:
        total = fo_probe_gather_u64(&words[0, 0], words.shape[1], &rows[0], n_rows, n_threads)
    return total
