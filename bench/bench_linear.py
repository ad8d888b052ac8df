"""Least squares and ridge fits on the 500000 x 54 dense problem.

Contenders, timed in this process on the same data:
  fastoptim   fastoptim.Ridge(alpha=1.0) / LinearRegression(): solver 'auto' (Cholesky on
              normal equations built by BLAS syrk over blocks centered on the fly, no copy of X)
  sklearn     scikit-learn's Ridge(alpha=1.0) (solver 'auto': Cholesky on a centered copy of X)
              and LinearRegression() (LAPACK lstsq), when installed
Ratio: sklearn / fastoptim (Ridge target >= 1.5; LinearRegression: no target).

And Ridge on USPS (7291 x 256, fastoptim.datasets.load_usps): 256 columns make the Gram
matrix's BLAS calls the work, where two BLAS thread pools (NumPy's and SciPy's OpenBLAS)
once competed for the cores; default threads against n_threads=1 (one_thread_over_default).
"""
import numpy as np

from common import Row, Target, interleaved_best

from fastoptim import LinearRegression, Ridge
from fastoptim.datasets import load_usps

ALPHA = 1.0


def _problem(n, d, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, d)) + 1.0).astype(dtype)  # off-center columns: centering matters
    y = (X @ rng.standard_normal(d) + rng.standard_normal(n)).astype(dtype)
    return X, y


def rows(quick=False):
    n, d = (100_000, 54) if quick else (500_000, 54)
    repeat, rounds = (3, 1) if quick else (6, 3)
    try:
        import sklearn.linear_model as skl
    except ImportError:
        skl = None
    out = []
    for name, ours, theirs, target in [
        ("Ridge", lambda: Ridge(alpha=ALPHA), lambda: skl.Ridge(alpha=ALPHA), Target(">=", 1.5)),
        ("LinearRegression", LinearRegression, lambda: skl.LinearRegression(), None),
    ]:
        for dtype in (np.float64, np.float32):
            if name == "LinearRegression" and dtype == np.float32:
                continue
            X, y = _problem(n, d, dtype)
            contenders = {"fastoptim": lambda: ours().fit(X, y)}
            if skl is not None:
                contenders["sklearn"] = lambda: theirs().fit(X, y)
            times = interleaved_best(contenders, repeat, rounds)
            ratios, targets = {}, {}
            if "sklearn" in times:
                ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
                if target is not None and dtype == np.float64:
                    targets["vs_sklearn"] = target
            out.append(Row(name=f"{name} fit dense {n}x{d} {np.dtype(dtype).name}", times=times,
                           ratios=ratios, targets=targets, notes="solver 'auto' on both sides"))
    X, digits, _, _ = load_usps()
    y = digits.astype(np.float64)
    contenders = {"fastoptim": lambda: Ridge(alpha=ALPHA).fit(X, y),
                  "fastoptim_1thread": lambda: Ridge(alpha=ALPHA, n_threads=1).fit(X, y)}
    if skl is not None:
        contenders["sklearn"] = lambda: skl.Ridge(alpha=ALPHA).fit(X, y)
    times = interleaved_best(contenders, repeat * 3, rounds)
    ratios = {"one_thread_over_default": times["fastoptim_1thread"] / times["fastoptim"]}
    if "sklearn" in times:
        ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
    out.append(Row(name=f"Ridge fit USPS {X.shape[0]}x{X.shape[1]} float64", times=times,
                   ratios=ratios, targets={}, notes="solver 'auto' on both sides"))
    return out
