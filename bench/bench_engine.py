"""One epoch of logistic SGD on the 500000 x 54 problem, at batch 1 and batch 256.

Contenders, timed in this process on the same data (shuffled rows, the same loss, alpha and
constant lr):
  fastoptim    fastoptim.optim.run_epoch with SGD(lr): the C engine, GIL released
  sklearn      scikit-learn's SGDClassifier(loss="log_loss", alpha, learning_rate="constant")
               for one epoch (max_iter=1, tol=None; batch 1 only: it has no mini-batches)
  fused_pass   one fused loss+gradient pass over X (fastoptim.losses.Objective.value_grad)
  gather_probe (batch 256) fo_probe_gather_u64: X's rows read whole in the epoch's shuffled
               order, prefetched 16 rows ahead like the engine, nothing computed
  shuffle      (batch 256) the epoch's seeded Fisher-Yates permutation of the n rows alone;
               gather_probe + shuffle is the floor of any epoch over freshly shuffled rows
Ratios: sklearn / fastoptim at batch 1 (target >= 3), and fastoptim / fused_pass at batch 256
(target <= 2: a mini-batch epoch within twice the cost of one full-batch gradient);
fastoptim / gather_probe and floor_over_fused_pass = (gather_probe + shuffle) / fused_pass
(no targets) show how much of that is the shuffled row order itself.
A third row: one epoch of batch-1 SGD on a sparse 50000 x 300 binary problem (4% nonzeros,
CSR) against SGDClassifier's epoch on the same CSR matrix (target >= 1.5): fastoptim's lazy
epoch keeps coef = s v (the scale trick), as scikit-learn's WeightVector does; a second
ratio for Adam (lazy per-column catch-up, no target).
Batch 1 over shuffled rows is bound by memory latency (each row is a fresh access), not by
bandwidth; the engine prefetches rows 16 samples ahead, with their labels (and weights): X's
stream evicts y from the caches, so an unprefetched label is a DRAM miss per sample too.
"""
import warnings

import numpy as np

from common import Row, Target, interleaved_best

from fastoptim._config import effective_n_threads
from fastoptim._core import _probe
from fastoptim.losses import Objective
from fastoptim.optim import SGD, run_epoch
from fastoptim.optim.engine import epoch_permutation

ALPHA, LR = 1e-4, 0.01


def _problem(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d)
    y = np.where(X @ w + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return X, y


def _sklearn_epoch(X, y):
    """One epoch of scikit-learn's SGDClassifier on (X, y) at ALPHA and LR, as a callable;
    None without scikit-learn."""
    try:
        from sklearn.linear_model import SGDClassifier
    except ImportError:
        return None
    clf = SGDClassifier(loss="log_loss", alpha=ALPHA, learning_rate="constant", eta0=LR,
                        max_iter=1, tol=None, shuffle=True, random_state=0)

    def sklearn_epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter=1
            clf.fit(X, y)

    return sklearn_epoch


def rows(quick=False):
    n, d = (100_000, 54) if quick else (500_000, 54)
    repeat, rounds = (4, 2) if quick else (9, 3)
    X, y = _problem(n, d)
    n_threads = effective_n_threads(None)
    obj = Objective("logistic", X, y, alpha=ALPHA, n_threads=n_threads)
    coef, intercept = np.zeros(d), np.zeros(1)
    out = []
    for batch in (1, 256):
        opt = SGD(lr=LR)
        contenders = {
            "fastoptim": lambda: run_epoch(obj, opt, coef, intercept, batch_size=batch, seed=1),
            "fused_pass": lambda: obj.value_grad(coef, intercept[0]),
        }
        if batch == 256:
            words, order = X.view(np.uint64), epoch_permutation(n, 1)
            contenders["gather_probe"] = lambda: _probe.gather_rows(words, order, n_threads)
            contenders["shuffle"] = lambda: epoch_permutation(n, 1)
        if batch == 1 and _sklearn_epoch(X, y) is not None:
            contenders["sklearn"] = _sklearn_epoch(X, y)
        times = interleaved_best(contenders, repeat, rounds)
        ratios, targets = {}, {}
        if "sklearn" in times:
            ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
            targets["vs_sklearn"] = Target(">=", 3.0)
        if batch == 256:
            ratios["epoch_over_fused_pass"] = times["fastoptim"] / times["fused_pass"]
            targets["epoch_over_fused_pass"] = Target("<=", 2.0)
            ratios["epoch_over_gather_probe"] = times["fastoptim"] / times["gather_probe"]
            ratios["floor_over_fused_pass"] = ((times["gather_probe"] + times["shuffle"])
                                               / times["fused_pass"])
        out.append(Row(name=f"epoch logistic SGD batch {batch} dense {n}x{d} float64", times=times,
                       ratios=ratios, targets=targets,
                       notes=f"{n_threads} threads, shuffled rows, {n // batch} steps"))
    out.append(_sparse_batch_one_row(quick, repeat, rounds))
    return out


def _sparse_batch_one_row(quick, repeat, rounds):
    import scipy.sparse as sp

    from fastoptim.optim import Adam

    n, d, density = (20_000 if quick else 50_000), 300, 0.04
    rng = np.random.default_rng(1)
    X = sp.random(n, d, density=density, format="csr", random_state=rng)
    X.data = rng.standard_normal(X.nnz)
    w = rng.standard_normal(d)
    y = np.where(X @ w + 0.3 * rng.standard_normal(n) > 0, 1.0, -1.0)
    obj = Objective("logistic", X, y, alpha=ALPHA)
    coef, intercept = np.zeros(d), np.zeros(1)
    sgd, adam = SGD(lr=LR), Adam(lr=1e-3)
    contenders = {
        "fastoptim": lambda: run_epoch(obj, sgd, coef, intercept, batch_size=1, seed=1),
        "fastoptim_adam": lambda: run_epoch(obj, adam, coef, intercept, batch_size=1, seed=1),
    }
    if _sklearn_epoch(X, y) is not None:
        contenders["sklearn"] = _sklearn_epoch(X, y)
    times = interleaved_best(contenders, repeat, rounds)
    ratios, targets = {}, {}
    if "sklearn" in times:
        ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
        targets["vs_sklearn"] = Target(">=", 1.5)
        ratios["adam_vs_sklearn_sgd"] = times["sklearn"] / times["fastoptim_adam"]
    return Row(name=f"epoch logistic SGD batch 1 sparse {n}x{d} CSR {density:.0%} float64",
               times=times, ratios=ratios, targets=targets,
               notes=f"one thread (lazy epoch), shuffled rows, {n} steps; plain SGD by the "
                     f"scale trick, Adam by the per-column catch-up")
