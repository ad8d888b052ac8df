"""KernelRidge with the RBF kernel: fit on 5000 samples, and the Gram matrix alone.

Data: 5000 rows of California housing (../shared/data), standardized, when the folder is
there; else 5000 x 8 Gaussian features with a smooth target (the notes say which).

Row 1, fit (alpha=0.1, gamma=0.2, float64), contenders timed in this process:
  fastoptim   fastoptim.kernel_ridge.KernelRidge(kernel='rbf').fit: syrk + the C transform of one
              triangle, LAPACK potrf in place (cho_factor), potrs
  sklearn     scikit-learn's KernelRidge(kernel='rbf').fit (when installed)
  lapack      scipy.linalg.cho_factor + cho_solve of a precomputed K + alpha I, in place: the
              factorization alone, the floor of any exact solver
Ratios: sklearn / fastoptim (target >= 1.5) and fastoptim / lapack (no target: what the Gram
matrix and the bookkeeping add to the factorization).

Row 2, the 5000 x 5000 RBF Gram matrix of X with itself:
  fastoptim   fastoptim.kernels.pairwise_kernels(X, kernel='rbf') (full symmetric matrix)
  numpy       the same expansion in NumPy: |x|^2 + |z|^2 - 2 X X^T, clamp, exp (BLAS threads)
  sklearn     sklearn.metrics.pairwise.rbf_kernel (when installed)
Ratios: numpy / fastoptim and sklearn / fastoptim (no targets).

Rows 3 and 4, the laplacian and chi2 Gram matrices (not functions of x.z: a pass over the
coordinates of every pair) of 2000 rows (1000 quick) against themselves, on the same X
(chi2: its absolute values, the kernel's non-negative domain):
  fastoptim   fastoptim.kernels.pairwise_kernels(X, kernel=...): the C pass over one triangle
  sklearn     sklearn.metrics.pairwise.laplacian_kernel / chi2_kernel (when installed)
Ratio: sklearn / fastoptim (no target; the entries agree to 1e-12, printed in the notes).
"""
import pathlib

import numpy as np
import scipy.linalg

from common import Row, Target, interleaved_best

from fastoptim._config import effective_n_threads
from fastoptim.kernel_ridge import KernelRidge
from fastoptim.kernels import pairwise_kernels

ALPHA, GAMMA = 0.1, 0.2
CALIFORNIA = (pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
              / "california-housing" / "cal_housing.data")


def _problem(n, seed=0):
    rng = np.random.default_rng(seed)
    if CALIFORNIA.exists():
        data = np.loadtxt(CALIFORNIA, delimiter=",", skiprows=1)
        data = data[rng.permutation(data.shape[0])[:n]]
        X, y = data[:, :-1], data[:, -1] / 1e5
        return np.ascontiguousarray((X - X.mean(axis=0)) / X.std(axis=0)), y, "California housing"
    X = rng.standard_normal((n, 8))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] + 0.1 * rng.standard_normal(n)
    return X, y, "Gaussian features (California housing not found)"


def _numpy_rbf(X, gamma):
    sq = np.einsum("ij,ij->i", X, X)
    K = X @ X.T
    K *= -2.0
    K += sq[:, None]
    K += sq[None, :]
    np.maximum(K, 0.0, out=K)
    K *= -gamma
    return np.exp(K, out=K)


def rows(quick=False):
    n = 2000 if quick else 5000
    repeat, rounds = (2, 2) if quick else (6, 3)
    X, y, source = _problem(n)
    n_threads = effective_n_threads(None)
    try:
        from sklearn.kernel_ridge import KernelRidge as SkKernelRidge
        from sklearn.metrics.pairwise import rbf_kernel
    except ImportError:
        SkKernelRidge = rbf_kernel = None

    # -- fit --------------------------------------------------------------------------------
    ours = KernelRidge(alpha=ALPHA, kernel="rbf", gamma=GAMMA, n_threads=n_threads)
    A0 = np.asfortranarray(pairwise_kernels(X, kernel="rbf", gamma=GAMMA))
    A0.flat[::n + 1] += ALPHA
    A = A0.copy(order="F")

    def lapack():
        A[...] = A0  # restore (outside LAPACK's work, but a copy is what any in-place solver pays)
        factor = scipy.linalg.cho_factor(A, overwrite_a=True, check_finite=False)
        scipy.linalg.cho_solve(factor, y, check_finite=False)

    contenders = {"fastoptim": lambda: ours.fit(X, y), "lapack": lapack}
    if SkKernelRidge is not None:
        sk = SkKernelRidge(alpha=ALPHA, kernel="rbf", gamma=GAMMA)
        contenders["sklearn"] = lambda: sk.fit(X, y)
    times = interleaved_best(contenders, repeat, rounds)
    ratios, targets = {}, {}
    if "sklearn" in times:
        ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
        targets["vs_sklearn"] = Target(">=", 1.5)
        gap = np.max(np.abs(ours.fit(X, y).dual_coef_ - sk.fit(X, y).dual_coef_))
        agree = f"; dual_coef_ within {gap:.1e} of sklearn's"
    else:
        agree = "; scikit-learn not installed"
    ratios["fit_over_lapack"] = times["fastoptim"] / times["lapack"]
    out = [Row(name=f"KernelRidge rbf fit {n}x{X.shape[1]} float64", times=times, ratios=ratios,
               targets=targets,
               notes=f"{source}, alpha={ALPHA}, gamma={GAMMA}, solver='cholesky', "
                     f"{n_threads} threads{agree}")]
    del A0, A

    # -- Gram matrix --------------------------------------------------------------------------
    contenders = {
        "fastoptim": lambda: pairwise_kernels(X, kernel="rbf", gamma=GAMMA, n_threads=n_threads),
        "numpy": lambda: _numpy_rbf(X, GAMMA),
    }
    if rbf_kernel is not None:
        contenders["sklearn"] = lambda: rbf_kernel(X, gamma=GAMMA)
    times = interleaved_best(contenders, repeat, rounds)
    ratios = {"vs_numpy": times["numpy"] / times["fastoptim"]}
    if "sklearn" in times:
        ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
    out.append(Row(name=f"rbf Gram matrix {n}x{n} from {n}x{X.shape[1]} float64", times=times,
                   ratios=ratios,
                   notes=f"syrk + C transform of one triangle + mirror, {n_threads} threads"))

    # -- the kernels of coordinate-wise distances -------------------------------------------------
    m = 1000 if quick else 2000
    for kernel in ("laplacian", "chi2"):
        Xk = np.abs(X[:m]) if kernel == "chi2" else np.ascontiguousarray(X[:m])
        contenders = {"fastoptim": lambda Xk=Xk, kernel=kernel: pairwise_kernels(
            Xk, kernel=kernel, gamma=GAMMA, n_threads=n_threads)}
        notes = f"{source}, gamma={GAMMA}, one triangle + mirror, {n_threads} threads"
        if SkKernelRidge is not None:
            from sklearn.metrics import pairwise
            sk_fn = getattr(pairwise, f"{kernel}_kernel")
            contenders["sklearn"] = lambda Xk=Xk, sk_fn=sk_fn: sk_fn(Xk, gamma=GAMMA)
        times = interleaved_best(contenders, repeat, rounds)
        ratios = {}
        if "sklearn" in times:
            ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
            gap = np.max(np.abs(contenders["fastoptim"]() - contenders["sklearn"]()))
            notes += f"; entries within {gap:.1e} of sklearn's"
        out.append(Row(name=f"{kernel} Gram matrix {m}x{m} from {m}x{X.shape[1]} float64",
                       times=times, ratios=ratios, notes=notes))
    return out
