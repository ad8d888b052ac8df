"""How many threads a kernel gets: the usable CPUs, ``OMP_NUM_THREADS``, the work.

The lowest Python module of the package beside :mod:`fastoptim.exceptions` and
:mod:`fastoptim._validation`: it reads the C core's OpenMP state only, so that the
BLAS limits (:mod:`fastoptim._blas`), the kernels and the report of
:func:`fastoptim.show_config` (:mod:`fastoptim._config`) can all use it.
"""
import os

import numpy as np

from ._core import _openmp

__all__ = ["effective_n_threads", "max_n_threads", "MIN_WORK_PER_THREAD"]


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _omp_num_threads():
    """The thread count OMP_NUM_THREADS asks for (its first, outermost level), or None."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    try:
        n = int(value)
    except ValueError:
        return None
    return n if n >= 1 else None


def max_n_threads():
    """The most threads any kernel gets: the usable CPUs, or more when OMP_NUM_THREADS asks
    for more (every per-thread buffer is sized by this at most)."""
    asked = _omp_num_threads()
    cpus = _cpu_count()
    return max(cpus, asked) if asked is not None else cpus


#: With ``n_threads=None``, a kernel gets one thread per this many values of
#: its data at most: below it, handing rows to another thread costs more than
#: it saves (and far more when other processes keep the cores busy: an OpenMP
#: worker spinning between calls then competes with the caller).
MIN_WORK_PER_THREAD = 1 << 18


def effective_n_threads(n_threads=None, work=None):
    """Resolve an ``n_threads`` argument to the number of threads (and row blocks) to use.

    Parameters
    ----------
    n_threads : int or None
        ``None``: what OpenMP allows now -- ``omp_get_max_threads()``, which
        honours ``OMP_NUM_THREADS`` and limits set with threadpoolctl -- capped
        at the number of usable CPUs unless ``OMP_NUM_THREADS`` asks for more,
        and at one thread per :data:`MIN_WORK_PER_THREAD` values of ``work``.
        ``-1``: every usable CPU.  A positive int: that many, capped at the
        usable CPUs (:func:`max_n_threads`) unless ``OMP_NUM_THREADS`` asks for
        more -- threads beyond the cores only wait for each other, and each
        thread's buffers (a Hessian per thread, say) would still be allocated.
        The cap depends on the machine only, so a given count gives the same
        bits on it every time.
    work : int, optional
        How many values one call of the kernel reads (stored entries of X,
        times the number of outputs); only limits ``n_threads=None``.

    Returns
    -------
    int
        At least 1.  Without OpenMP, ``None`` and ``-1`` give 1; an explicit
        count is kept (capped as above), so that results (which depend on the
        row blocks) are the same bits as an OpenMP build with that many threads.
    """
    if n_threads is None:
        if not _openmp.openmp_enabled():
            return 1
        n = _openmp.openmp_max_threads()
        if "OMP_NUM_THREADS" not in os.environ:
            n = min(n, _cpu_count())
        if work is not None:
            n = min(n, int(work) // MIN_WORK_PER_THREAD)
        return max(1, n)
    if isinstance(n_threads, (bool, np.bool_)) or not isinstance(n_threads, (int, np.integer)):
        raise TypeError(
            f"n_threads must be None or an int, got {n_threads!r} of type "
            f"{type(n_threads).__name__}"
        )
    n_threads = int(n_threads)
    if n_threads == -1:
        return _cpu_count() if _openmp.openmp_enabled() else 1
    if n_threads < 1:
        raise ValueError(
            f"n_threads must be None, -1 (all CPUs) or a positive int, got {n_threads}"
        )
    return min(n_threads, max_n_threads())
