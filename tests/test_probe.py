"""The bandwidth probes the benchmarks measure against (src_c/probe.c)."""
import numpy as np
import pytest

from fastoptim._core import _probe


def _wrapping_sum(words):
    return int(np.sum(words, dtype=np.uint64))  # NumPy's uint64 sum wraps modulo 2**64


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_read_words_sums_every_word(n_threads):
    words = np.random.default_rng(0).integers(0, 2**63, size=10_001, dtype=np.uint64)
    assert _probe.read_words(words, n_threads) == _wrapping_sum(words)


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("row_words", [1, 7, 54])
def test_gather_rows_reads_the_listed_rows(n_threads, row_words):
    rng = np.random.default_rng(1)
    words = rng.integers(0, 2**63, size=(300, row_words), dtype=np.uint64)
    rows = rng.integers(0, 300, size=257).astype(np.int64)  # repeats allowed
    assert _probe.gather_rows(words, rows, n_threads) == _wrapping_sum(words[rows])


def test_gather_rows_checks_row_numbers():
    words = np.zeros((4, 2), dtype=np.uint64)
    with pytest.raises(ValueError, match="rows\\[1\\] = 4"):
        _probe.gather_rows(words, np.array([0, 4], dtype=np.int64), 1)
