"""Memory read-bandwidth probe (src_c/probe.c), built with the kernels' flags."""
from libc.stdint cimport uint64_t, int64_t

cdef extern from "fastoptim/fo_probe.h":
    uint64_t fo_probe_read_u64(const uint64_t *words, int64_t n_words, int n_threads) nogil


def read_words(const uint64_t[::1] words, int n_threads):
    """Read every 64-bit word once with n_threads threads; returns their wrapping sum."""
    cdef uint64_t total
    cdef int64_t n = words.shape[0]
    if n == 0:
        return 0
    with nogil:
        total = fo_probe_read_u64(&words[0], n, n_threads)
    return total
