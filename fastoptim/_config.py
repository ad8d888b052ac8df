"""Build configuration: what :func:`show_config` reports.

The thread-count resolution lives in :mod:`fastoptim._threads` (below the BLAS limits
that this report describes) and is re-exported here under its old names.
"""
import os
import platform
import sys

import numpy as np
import scipy

from ._blas import describe as blas_description
from ._core import _openmp, _wait_policy
from ._threads import MIN_WORK_PER_THREAD, _cpu_count, effective_n_threads, max_n_threads
from ._version import __version__

__all__ = ["show_config", "config_info", "effective_n_threads", "max_n_threads",
           "MIN_WORK_PER_THREAD"]


def config_info():
    """The build and run-time configuration as a dict (what :func:`show_config` prints)."""
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
