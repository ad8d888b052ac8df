"""BLAS and LAPACK threads for the calls fastoptim makes: one budget with the C core's threads.

fastoptim's own threads (OpenMP, in the C core) and the BLAS library's threads
(OpenBLAS, behind NumPy and SciPy) must never both run at full width: a
Cholesky factorization of a 301 x 301 Hessian on two OpenBLAS threads, next to
OpenMP threads still waiting for their next region, took 89% of a
LinearSVC(dual=False) fit on a loaded 2-core machine.  So every BLAS/LAPACK call
fastoptim makes on data of the user's size (a Cholesky factorization, a Gram
matrix, the normal equations) runs inside :func:`blas_threads` with the thread
count :func:`blas_n_threads` derives from the estimator's ``n_threads``:

* ``n_threads=None``: the same budget as the C kernels
  (:func:`fastoptim._threads.effective_n_threads`), and one thread per
  :data:`MIN_FLOPS_PER_THREAD` floating-point operations of the call at most --
  a small factorization runs on one thread (measured here: below ~60 Mflop the
  second OpenBLAS thread gains at most 1.5x on a quiet machine and loses 1.5-100x
  on a loaded one);
* an explicit ``n_threads``: that many, capped at the usable CPUs unless OMP_NUM_THREADS
  asks for more (:func:`fastoptim._threads.effective_n_threads`).

The limit is set through the OpenBLAS libraries NumPy and SciPy load
(``openblas_set_num_threads``, found by their file names among the libraries
mapped into the process on Linux), or, where there is none (another BLAS, another
system), through threadpoolctl when it is installed; otherwise BLAS keeps its own
setting.  It is process-wide: while several fastoptim calls run at once (fits in
threads), the smallest of their limits holds, and the last one out restores the
setting BLAS had before.  Setting it costs a few microseconds.
"""
import contextlib
import ctypes
import os
import threading
from collections import Counter

import numpy  # noqa: F401  (its BLAS is mapped by now)
import scipy.linalg  # noqa: F401  (and SciPy's)

from ._threads import effective_n_threads

__all__ = ["blas_threads", "blas_n_threads", "MIN_FLOPS_PER_THREAD"]

#: With ``n_threads=None``, a BLAS/LAPACK call gets one thread per this many flops at most.
MIN_FLOPS_PER_THREAD = 1 << 26


def blas_n_threads(n_threads, flops):
    """BLAS threads for one call of about ``flops`` operations under an ``n_threads`` argument.

    Parameters
    ----------
    n_threads : int or None
        The estimator's (or objective's) ``n_threads`` argument, as the user gave it.
    flops : float
        The call's floating-point operations (Cholesky of n x n: n^3 / 3; a product
        (m x k)(k x n): 2 m k n).

    Returns
    -------
    int
        At least 1.
    """
    if n_threads is None:
        return max(1, min(effective_n_threads(None), int(flops // MIN_FLOPS_PER_THREAD)))
    return effective_n_threads(n_threads)


class _OpenBLAS:
    """One OpenBLAS library of the process, by its set/get entry points (any symbol prefix)."""

    _NAMES = [(f"{p}openblas_set_num_threads{s}", f"{p}openblas_get_num_threads{s}")
              for p in ("", "scipy_") for s in ("", "64_")]

    def __init__(self, path):
        lib = ctypes.CDLL(path)
        for set_name, get_name in self._NAMES:
            setter, getter = getattr(lib, set_name, None), getattr(lib, get_name, None)
            if setter is not None and getter is not None:
                break
        else:
            raise OSError(f"{path}: no openblas_set_num_threads")
        setter.argtypes, setter.restype = [ctypes.c_int], None
        getter.argtypes, getter.restype = [], ctypes.c_int
        self.path, self._set, self._get = path, setter, getter

    def get(self):
        return int(self._get())

    def set(self, n):
        self._set(int(n))


def _mapped_openblas():
    """The OpenBLAS libraries mapped into this process (Linux); [] where that cannot be read."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split(None, 5)[-1].strip() for line in maps if "/" in line}
    except OSError:
        return []
    libs = []
    for path in sorted(p for p in paths if "openblas" in os.path.basename(p).lower()
                       and ".so" in os.path.basename(p)):
        try:
            libs.append(_OpenBLAS(path))
        except OSError:
            continue
    return libs


class _ThreadpoolctlBLAS:
    """One BLAS library as threadpoolctl sees it (the fallback for BLAS other than OpenBLAS)."""

    def __init__(self, lib_controller):
        self._lib = lib_controller
        self.path = lib_controller.filepath

    def get(self):
        return int(self._lib.num_threads)

    def set(self, n):
        self._lib.set_num_threads(int(n))


_LOCK = threading.Lock()
_STATE = {"backends": None, "original": None, "active": Counter()}


def _backends():
    if _STATE["backends"] is None:
        libs = _mapped_openblas()
        if not libs:
            try:
                from threadpoolctl import ThreadpoolController

                blas = ThreadpoolController().select(user_api="blas")
                libs = [_ThreadpoolctlBLAS(lib) for lib in blas.lib_controllers]
            except ImportError:
                libs = []
        _STATE["backends"] = libs
    return _STATE["backends"]


def _apply(limit):
    """Set every library to min(limit, its own setting); None: back to its own setting."""
    for lib, original in zip(_backends(), _STATE["original"]):
        lib.set(original if limit is None else min(limit, original))


@contextlib.contextmanager
def blas_threads(n):
    """A context in which the BLAS of NumPy and SciPy runs on at most ``n`` threads.

    Never more than BLAS's own setting (``OPENBLAS_NUM_THREADS``, a user's
    threadpoolctl limit): this only lowers it.

    Parameters
    ----------
    n : int >= 1
        Usually :func:`blas_n_threads` of the caller's ``n_threads`` and the call's size.
    """
    n = max(1, int(n))
    with _LOCK:
        libs = _backends()
        if not libs:
            n = None
        else:
            if not _STATE["active"]:
                _STATE["original"] = [lib.get() for lib in libs]
            _STATE["active"][n] += 1
            _apply(min(_STATE["active"]))
    try:
        yield
    finally:
        if n is not None:
            with _LOCK:
                _STATE["active"][n] -= 1
                if _STATE["active"][n] == 0:
                    del _STATE["active"][n]
                _apply(min(_STATE["active"]) if _STATE["active"] else None)


def describe():
    """The BLAS libraries fastoptim limits, for show_config."""
    libs = _backends()
    if not libs:
        return "not limited (no OpenBLAS found and threadpoolctl not installed)"
    return ", ".join(os.path.basename(lib.path) for lib in libs)
