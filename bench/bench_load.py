"""Threads under load: fastoptim's default threads against n_threads=1 and scikit-learn, quiet
and with a busy process beside them.

A machine that other processes also use (a laptop, a CI runner, GridSearchCV(n_jobs=2) with
process workers) is where parallel code that spin-waits or splits tiny work collapses: an
idle thread that spins takes the time slice of the thread with the work, and a thread that
must wait for a descheduled partner at every barrier stalls.  Each row times the same fit
three ways -- fastoptim with its default threads, fastoptim with n_threads=1, scikit-learn --
first on the quiet machine, then while one CPU-bound background process (started here,
bounded to BUSY_S seconds, stopped at the end of the row) keeps a core busy.  Times under
load are the median of 25 interleaved runs (a minimum would hide the stalls this row is about;
single loaded runs scatter by 2x, and medians of 9 moved the ratios by 0.3-0.5 between runs),
quiet times the best of interleaved runs, as elsewhere in bench/.

Rows, the shapes of the sets the problem was reported on (synthetic data, fixed seeds):
  SVC rbf, binary, 3700 x 57 dense (scikit-learn's SVC: the same SMO, one thread)
  LogisticRegression(solver='sgd', batch_size=200), 5 epochs on 50000 x 22 dense
          (scikit-learn: SGDClassifier(loss='log_loss'), 5 epochs; it has no mini-batches)
  LinearSVC(dual=False) squared hinge on sparse a9a (32561 x 123) from ../shared/data, or a
          synthetic 50000 x 300 CSR set at 4% density when the folder is absent
          (scikit-learn: LinearSVC(dual=False), liblinear's primal Newton)
Ratios: loaded_default_over_1thread (target <= 1.2: the default threads never more than 20%
slower than one thread under load), quiet_default_over_1thread (what the threads buy when
the machine is free; < 1 is faster), loaded_sklearn_over_default (> 1: fastoptim faster).
"""
import subprocess
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp

from common import IDLE_S, Row, Target, interleaved_best

from fastoptim import LogisticRegression
from fastoptim.datasets import load_a9a, data_dir
from fastoptim.svm import SVC, LinearSVC

BUSY_S = 120  # the background process ends itself after this, whatever happens here


def _busy_process():
    """One CPU-bound child process, ended by the caller (or by itself after BUSY_S)."""
    code = f"import time\nend = time.time() + {BUSY_S}\nwhile time.time() < end:\n    pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


def interleaved_median(fns, repeat):
    """{name: median time}: the contenders take turns call by call, `repeat` rounds."""
    times = {name: [] for name in fns}
    for fn in fns.values():
        fn()  # warm-up
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: float(np.median(t)) for name, t in times.items()}


def _blobs(n, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.where(X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) > 0, 1, -1)
    return X, y


def _problems():
    """(name, X, y, fastoptim estimator factory, scikit-learn estimator or None)."""
    try:
        import sklearn.linear_model
        import sklearn.svm
    except ImportError:
        sklearn = None
    out = []
    X, y = _blobs(3700, 57, 1)
    out.append(("SVC rbf binary 3700x57", X, y, lambda nt: SVC(n_threads=nt),
                 sklearn and sklearn.svm.SVC()))
    X, y = _blobs(50000, 22, 2)
    out.append(("LogisticRegression sgd batch 200, 5 epochs, 50000x22", X, y,
                lambda nt: LogisticRegression(solver="sgd", batch_size=200, max_iter=5, tol=0.0,
                                              random_state=0, n_threads=nt),
                sklearn and sklearn.linear_model.SGDClassifier(
                    loss="log_loss", max_iter=5, tol=None, random_state=0)))
    if data_dir() is not None:
        X, y, _, _ = load_a9a()
        name = "LinearSVC(dual=False) sparse a9a 32561x123"
    else:
        rng = np.random.default_rng(3)
        X = sp.random(50000, 300, density=0.04, format="csr", random_state=3)
        X.data[:] = 1.0
        y = np.where(X @ rng.standard_normal(300) > 0, 1, -1)
        name = "LinearSVC(dual=False) sparse synthetic 50000x300"
    out.append((name, X, y, lambda nt: LinearSVC(dual=False, n_threads=nt),
                sklearn and sklearn.svm.LinearSVC(dual=False)))
    return out


def rows(quick=False):
    repeat = 3 if quick else 9
    loaded_repeat = 5 if quick else 25  # under load single runs scatter by 2x: a longer median
    out = []
    for name, X, y, make, theirs in _problems():
        ours, one = make(None), make(1)
        fns = {"fastoptim": lambda: ours.fit(X, y), "fastoptim_1thread": lambda: one.fit(X, y)}
        if theirs is not None:
            fns["sklearn"] = lambda: theirs.fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning of the fixed-epoch fits
            quiet = interleaved_best(fns, repeat, rounds=3)
            busy = _busy_process()
            try:
                time.sleep(IDLE_S)
                loaded = interleaved_median(fns, loaded_repeat)
            finally:
                busy.kill()
                busy.wait()
        times = dict(loaded)  # the row's headline: fastoptim's default threads, under load
        times.update({f"quiet_{k}": v for k, v in quiet.items()})
        ratios = {"loaded_default_over_1thread": loaded["fastoptim"] / loaded["fastoptim_1thread"],
                  "quiet_default_over_1thread": quiet["fastoptim"] / quiet["fastoptim_1thread"]}
        targets = {"loaded_default_over_1thread": Target("<=", 1.2)}
        if theirs is not None:
            ratios["loaded_sklearn_over_default"] = loaded["sklearn"] / loaded["fastoptim"]
            ratios["quiet_sklearn_over_default"] = quiet["sklearn"] / quiet["fastoptim"]
        out.append(Row(name=f"under load: {name}", times=times, ratios=ratios, targets=targets,
                       notes="one busy process beside the loaded runs; loaded times are "
                             "medians of interleaved runs, quiet times the best"))
    return out
