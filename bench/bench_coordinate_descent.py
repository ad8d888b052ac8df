"""Lasso and elastic net by coordinate descent: the regularization path and single fits.

Rows (each against scikit-learn's function or estimator of the same name, at the same
settings, timed interleaved in this process; ratio sklearn / fastoptim):
  lasso_path a9a (CSR)              lasso_path(X, y_c, 100 alphas) on a9a (32561 x 123,
                                    sparse, the target centered): target >= 2.  fastoptim's
                                    precompute='auto' solves on the 123 x 123 Gram matrix
                                    (a pass costs d^2 = 15129 against nnz = 451592);
                                    scikit-learn's path never uses one for sparse X.
  lasso_path dense 100000x500       lasso_path on a centered dense Gaussian problem with 50
                                    informative features, 100 alphas: both on the Gram
                                    matrix (precompute='auto'): target >= 2.
                                    Both spend most of the time on the Gram matrix (BLAS
                                    syrk at the FMA units' peak on both cores), so the ratio
                                    is near 1 whatever the solver does; the next row times
                                    the path alone.
  lasso_path dense ..., Gram given  the same with precompute=X^T X and Xy=X^T y computed
                                    beforehand (each side still validates X and checks one
                                    column of the Gram matrix): target >= 2.
  enet_path dense 100000x500        the Gram-computing path with l1_ratio=0.5: target >= 2.
  Lasso fit reuters (CSR)           Lasso(alpha=1e-4).fit on reuters (7770 x 8315 tf-idf):
                                    the CSC solver with implicit centering ('auto' keeps it:
                                    the data are wide).  No target.
  Lasso fit california (dense)      Lasso(alpha=1e-3, tol=1e-8) on standardized California
                                    housing (20640 x 8), scikit-learn's at its defaults: ours
                                    at the defaults (precompute='auto': the 8 x 8 Gram matrix)
                                    and with precompute=False (the dense column solver, one
                                    thread; scikit-learn's BLAS runs its dot products on both
                                    cores).  No target.
The paths' coefficients are checked to agree (max abs difference in the notes).
"""
import warnings

import numpy as np
import scipy.sparse as sp

from common import SHARED_DATA, Row, Target, interleaved_best

from fastoptim import Lasso, enet_path, lasso_path
from fastoptim.datasets import load_a9a, load_california_housing, load_reuters


def _sklearn_grid(n):
    import sklearn
    major_minor = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
    return {"alphas": n} if major_minor >= (1, 9) else {"n_alphas": n}  # renamed in 1.9


def _quiet(fn):
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    return run


def _path_row(name, ours, theirs, repeat, rounds):
    a, b = ours(), theirs()
    diff = float(np.max(np.abs(a[1] - b[1])))
    times = interleaved_best({"fastoptim": ours, "sklearn": theirs}, repeat, rounds)
    return Row(name=name, times=times, ratios={"sklearn_over_fastoptim":
                                               times["sklearn"] / times["fastoptim"]},
               targets={"sklearn_over_fastoptim": Target(">=", 2.0)},
               notes=f"100 alphas, eps=1e-3, tol=1e-4; max |coef difference| {diff:.1e}")


def _fit_row(name, ours, theirs, X, y, repeat, rounds):
    a, b = ours().fit(X, y), theirs().fit(X, y)
    diff = float(np.max(np.abs(a.coef_ - b.coef_)))
    times = interleaved_best({"fastoptim": _quiet(lambda: ours().fit(X, y)),
                              "sklearn": _quiet(lambda: theirs().fit(X, y))}, repeat, rounds)
    return Row(name=name, times=times,
               ratios={"sklearn_over_fastoptim": times["sklearn"] / times["fastoptim"]},
               notes=f"{a.n_iter_} passes each; max |coef difference| {diff:.1e}")


def rows(quick=False):
    try:
        import sklearn.linear_model as skl
    except ImportError:
        return []
    repeat, rounds = (2, 1) if quick else (3, 3)
    grid = _sklearn_grid(100)
    out = []
    if (SHARED_DATA / "a9a").is_dir():
        X, y, _, _ = load_a9a(SHARED_DATA / "a9a")
        yc = y - y.mean()
        out.append(_path_row("lasso_path a9a CSR 32561x123",
                             _quiet(lambda: lasso_path(X, yc, alphas=100)),
                             _quiet(lambda: skl.lasso_path(X, yc, **grid)), repeat, rounds))
    n, d = (20_000, 500) if quick else (100_000, 500)
    rng = np.random.default_rng(0)
    Xd = rng.standard_normal((n, d))
    w = np.zeros(d)
    w[:50] = rng.standard_normal(50)
    yd = Xd @ w + rng.standard_normal(n)
    Xd -= Xd.mean(axis=0)
    yd -= yd.mean()
    out.append(_path_row(f"lasso_path dense {n}x{d}",
                         _quiet(lambda: lasso_path(Xd, yd, alphas=100)),
                         _quiet(lambda: skl.lasso_path(Xd, yd, **grid)), repeat, rounds))
    G, Xy = Xd.T @ Xd, Xd.T @ yd  # the rows below: the path itself, the Gram matrix given
    out.append(_path_row(f"lasso_path dense {n}x{d}, Gram matrix given",
                         _quiet(lambda: lasso_path(Xd, yd, precompute=G, Xy=Xy, alphas=100)),
                         _quiet(lambda: skl.lasso_path(Xd, yd, precompute=G, Xy=Xy, **grid)),
                         repeat, rounds))
    out.append(_path_row(f"enet_path l1_ratio=0.5 dense {n}x{d}",
                         _quiet(lambda: enet_path(Xd, yd, l1_ratio=0.5, alphas=100)),
                         _quiet(lambda: skl.enet_path(Xd, yd, l1_ratio=0.5, **grid)),
                         repeat, rounds))
    del Xd
    if (SHARED_DATA / "reuters-lasvm").is_dir():
        X, y, _, _ = load_reuters(SHARED_DATA / "reuters-lasvm")
        out.append(_fit_row("Lasso fit reuters CSR 7770x8315", lambda: Lasso(alpha=1e-4),
                            lambda: skl.Lasso(alpha=1e-4), sp.csr_matrix(X), y,
                            repeat * 2, rounds))
    if (SHARED_DATA / "california-housing").is_dir():
        X, y = load_california_housing(SHARED_DATA / "california-housing")[:2]
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        out.append(_fit_row("Lasso fit california dense 20640x8, defaults",
                            lambda: Lasso(alpha=1e-3, tol=1e-8, max_iter=100000),
                            lambda: skl.Lasso(alpha=1e-3, tol=1e-8, max_iter=100000), X, y,
                            repeat * 2, rounds))
        out.append(_fit_row("Lasso fit california dense 20640x8, precompute=False",
                            lambda: Lasso(alpha=1e-3, tol=1e-8, max_iter=100000,
                                          precompute=False),
                            lambda: skl.Lasso(alpha=1e-3, tol=1e-8, max_iter=100000), X, y,
                            repeat * 2, rounds))
    return out
