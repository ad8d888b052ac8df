"""Build configuration and thread-count resolution."""
import os
import platform
import sys

import numpy as np
import scipy

from ._core import _openmp

__all__ = ["show_config", "config_info", "effective_n_threads"]


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


def config_info():
    """The build and run-time configuration as a dict (what :func:`show_config` prints)."""
    from . import __version__
    from ._blas import describe as blas_description
    from ._core import _wait_policy

    return {
        "fastoptim": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "compiler": _openmp.build_compiler(),
        "compile_flags": _openmp.build_flags(),
        "openmp": _openmp.openmp_enabled(),
        "target_clones": _openmp.target_clones_enabled(),
        "cpu_uses_avx2_clone": _openmp.cpu_uses_avx2_clone(),
        "n_threads": effective_n_threads(None),
        "cpu_count": _cpu_count(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(unset)"),
        "openmp_wait": _wait_policy.describe(),
        "blas_limited": blas_description(),
    }


def show_config(file=None):
    """Print how fastoptim was built and what it will use on this machine.

    Shows the versions (fastoptim, Python, NumPy, SciPy), the compiler and
    flags of the C core, whether OpenMP is on, whether the hot kernels are
    multi-versioned and which clone this CPU runs, and the default thread count.

    Parameters
    ----------
    file : file-like, optional
        Where to print; ``sys.stdout`` by default.
    """
    info = config_info()
    kernels = "baseline x86-64 build"
    if info["target_clones"]:
        kernels = ("target_clones: x86-64-v3 (AVX2/FMA) clone in use"
                   if info["cpu_uses_avx2_clone"]
                   else "target_clones: baseline clone in use (CPU lacks x86-64-v3)")
    lines = [
        f"fastoptim {info['fastoptim']}",
        f"  python         {info['python']} ({info['platform']})",
        f"  numpy          {info['numpy']}",
        f"  scipy          {info['scipy']}",
        f"  compiler       {info['compiler']}",
        f"  compile flags  {info['compile_flags']}",
        f"  OpenMP         {'on' if info['openmp'] else 'off (single-threaded build)'}",
        f"  hot kernels    {kernels}",
        f"  threads        {info['n_threads']} (CPUs: {info['cpu_count']}, "
        f"OMP_NUM_THREADS={info['OMP_NUM_THREADS']})",
        f"  idle threads   spin {info['openmp_wait']}, then sleep",
        f"  BLAS           threads set per call in {info['blas_limited']}",
    ]
    print("\n".join(lines), file=file or sys.stdout)
