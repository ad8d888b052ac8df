"""Loss + gradient on a dense 500000 x 54 problem: fused C kernel vs NumPy vs memory bandwidth.

Contenders, all timed in this process on the same X:
  fastoptim  Objective.value_grad: one pass over X, the path every solver takes
  numpy      fastoptim.reference.losses.loss_grad: X @ w, then X.T @ r (two passes),
             in the input dtype, BLAS threads as configured
  probe      fo_probe_read_u64 over X's bytes: read bandwidth with the kernels' flags
Ratios: numpy / fastoptim (target >= 3) and probe / fastoptim, the fraction of
the probe's bandwidth the kernel reaches (target >= 0.75).
"""
import numpy as np

from common import Row, Target, interleaved_best

from fastoptim._config import effective_n_threads
from fastoptim._core import _probe
from fastoptim.losses import Objective
from fastoptim.reference import losses as ref


def _problem(n, d, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    w_true = rng.standard_normal(d)
    y = np.where(X @ w_true.astype(dtype) + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0).astype(dtype)
    coef = (0.1 * rng.standard_normal(d)).astype(dtype)
    return X, y, coef


def rows(quick=False):
    n, d = (100_000, 54) if quick else (500_000, 54)
    repeat, rounds = (6, 2) if quick else (24, 6)
    n_threads = effective_n_threads(None)
    out = []
    for loss in ("logistic", "squared"):
        for dtype in (np.float64, np.float32):
            X, y, coef = _problem(n, d, dtype)
            if loss == "squared":
                y = (X @ coef + 0.1).astype(dtype)
            obj = Objective(loss, X, y, alpha=1e-4, n_threads=n_threads)
            words = X.reshape(-1).view(np.uint8)[: X.nbytes // 8 * 8].view(np.uint64)
            alpha = 1e-4
            times = interleaved_best(
                {
                    "fastoptim": lambda: obj.value_grad(coef, 0.1),
                    "numpy": lambda: ref.loss_grad(loss, X, y, coef, 0.1, None, alpha),
                    "probe": lambda: _probe.read_words(words, n_threads),
                },
                repeat,
                rounds,
            )
            gbps = X.nbytes / times["fastoptim"] / 1e9
            out.append(
                Row(
                    name=f"loss_grad {loss} dense {n}x{d} {np.dtype(dtype).name}",
                    times=times,
                    ratios={
                        "vs_numpy": times["numpy"] / times["fastoptim"],
                        "of_probe_bandwidth": times["probe"] / times["fastoptim"],
                    },
                    targets={"vs_numpy": Target(">=", 3.0),
                             "of_probe_bandwidth": Target(">=", 0.75)},
                    notes=f"{gbps:.1f} GB/s, probe {X.nbytes / times['probe'] / 1e9:.1f} GB/s, "
                          f"{n_threads} threads",
                )
            )
    return out
