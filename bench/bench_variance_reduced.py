"""SAG and SAGA: one epoch against plain SGD's, and the time to the lbfgs objective against
scikit-learn's solvers of the same name.

Rows:
  epoch SAGA logistic dense 500000x54   one epoch of fastoptim's SAGA at the fixed step 0.01
                                        ("fastoptim") and at the default line search against
                                        one engine epoch of plain SGD at batch 1 (run_epoch,
                                        SGD(lr=0.01)): target saga_fixed / sgd <= 1.5
  time to objective, <data>             LogisticRegression(solver='saga') ("fastoptim"; and
                                        'sag', "fastoptim_sag") against
                                        scikit-learn's LogisticRegression(solver='saga' /
                                        'sag'), C=1, at the defaults otherwise: for each, the
                                        fewest epochs (max_iter, grown by 1.3x, tol off) whose
                                        objective is within 1e-6 (relative) of the lbfgs
                                        optimum, then that fit timed; target sklearn / fastoptim
                                        >= 3.  A contender that does not get there within
                                        MAX_EPOCHS is timed at MAX_EPOCHS, and its ratio is a
                                        lower bound (noted).
Data: a9a (../shared/data, CSR; skipped when absent) and the 500000 x 54 dense synthetic set
of bench_engine (100000 x 54 with --quick).
"""
import time
import warnings

import numpy as np

from common import Row, Target, interleaved_best

from bench_engine import _problem

from fastoptim import LogisticRegression
from fastoptim.losses import Objective
from fastoptim.optim import SGD, run_epoch
from fastoptim.optim.variance_reduced import VarianceReducedState, run_vr_epoch

GAP = 1e-6
MAX_EPOCHS = 2000


def _epoch_row(X, y, repeat, rounds):
    n, d = X.shape
    obj = Objective("logistic", X, y, alpha=1e-4)
    coef, b = np.zeros(d), np.zeros(1)
    opt = SGD(lr=0.01)
    # "fastoptim": SAGA at the fixed step; "fastoptim_line_search": at the default step
    names = {"fastoptim": 0.01, "fastoptim_line_search": None}
    states = {m: VarianceReducedState(obj, "saga") for m in names}
    params = {m: (np.zeros(d), np.zeros(1)) for m in names}
    contenders = {"sgd": lambda: run_epoch(obj, opt, coef, b, batch_size=1, seed=1)}
    for m, step in names.items():
        contenders[m] = (lambda m=m, step=step: run_vr_epoch(obj, states[m], *params[m],
                                                              step=step, seed=1))
    times = interleaved_best(contenders, repeat, rounds)
    ratios = {"saga_fixed_over_sgd": times["fastoptim"] / times["sgd"],
              "saga_line_search_over_sgd": times["fastoptim_line_search"] / times["sgd"]}
    return Row(name=f"epoch SAGA logistic dense {n}x{d} float64", times=times, ratios=ratios,
               targets={"saga_fixed_over_sgd": Target("<=", 1.5)},
               notes="one thread, batch 1 (n steps) each; SGD is the engine's plain-SGD "
                     "batch-1 epoch")


def _time_to_objective(make, X, y, value, best):
    """(seconds, epochs, reached) of the fewest-epoch fit within GAP of best."""
    k = 1
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            est = make(k).fit(X, y)
            seconds = time.perf_counter() - t0
        gap = (value(est) - best) / abs(best)
        if gap <= GAP or k >= MAX_EPOCHS:
            return seconds, k, gap <= GAP
        k = min(int(np.ceil(k * 1.3)), MAX_EPOCHS)


def _objective_row(name, X, y):
    n = X.shape[0]
    reference = LogisticRegression(solver="lbfgs", tol=1e-12, max_iter=10000).fit(X, y)
    target = np.where(y == reference.classes_[1], 1.0, -1.0)
    obj = Objective("logistic", X, target, alpha=1.0 / n)

    def value(est):
        return obj.value_grad(np.ravel(est.coef_).astype(np.float64),
                              np.asarray(est.intercept_, np.float64))[0]

    best = value(reference)
    makers = {
        "fastoptim": lambda k: LogisticRegression(solver="saga", max_iter=k, tol=None,
                                                  random_state=0),
        "fastoptim_sag": lambda k: LogisticRegression(solver="sag", max_iter=k, tol=None,
                                                      random_state=0),
    }
    try:
        from sklearn.linear_model import LogisticRegression as SkLogisticRegression
        makers["sklearn_saga"] = lambda k: SkLogisticRegression(solver="saga", max_iter=k, tol=0,
                                                               random_state=0)
        makers["sklearn_sag"] = lambda k: SkLogisticRegression(solver="sag", max_iter=k, tol=0,
                                                              random_state=0)
    except ImportError:
        pass
    times, notes = {}, []
    for who, make in makers.items():
        seconds, epochs, reached = _time_to_objective(make, X, y, value, best)
        times[who] = seconds
        notes.append(f"{who} {epochs} epochs" + ("" if reached else
                                                 f" (not within {GAP:g} at {MAX_EPOCHS})"))
    ratios, targets = {}, {}
    if "sklearn_saga" in times:
        ratios["vs_sklearn_saga"] = times["sklearn_saga"] / times["fastoptim"]
        ratios["vs_sklearn_sag"] = times["sklearn_sag"] / times["fastoptim_sag"]
    if "vs_sklearn_saga" in ratios:
        targets["vs_sklearn_saga"] = Target(">=", 3.0)
    return Row(name=f"LogisticRegression saga time to the lbfgs objective (1e-6), {name}",
               times=times, ratios=ratios, targets=targets, notes="; ".join(notes))


def rows(quick=False):
    n = 100_000 if quick else 500_000
    repeat, rounds = (4, 2) if quick else (6, 3)
    X, y = _problem(n, 54)
    out = [_epoch_row(X, y, repeat, rounds)]
    try:
        from fastoptim.datasets import load_a9a
        Xa, ya, _, _ = load_a9a()
    except (FileNotFoundError, OSError):
        Xa = None
    if Xa is not None:
        out.append(_objective_row("a9a 32561x123 CSR", Xa, ya))
    out.append(_objective_row(f"dense {n}x54", X, y))
    return out
