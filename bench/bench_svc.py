"""Kernel SVM: fastoptim.svm.SVC against scikit-learn's SVC (libsvm).

Both solve the same duals by SMO with second-order working-set selection (libsvm's algorithm)
with the same C, gamma='scale', tol=1e-3 and a 200 MB kernel cache; the rows time each fit and
report the iterations, the test accuracies and how many test predictions agree.

* USPS digits (7291 x 256, embedded), 10 classes: fastoptim with its default threads (the 45
  binary problems on all cores; libsvm has no threads) and, in a second row, on one thread.
* Binary problems (one SMO problem: its rows are shared by the threads instead), from
  ../shared/data when present: a9a's first 5000 rows (CSR, 123 binary features), reuters-lasvm's
  7770 training rows (CSR tf-idf, 8315 features), MNIST 3 vs 5 (the first 8000 training rows
  of those digits, dense, pixels / 255) and USPS 0 vs the rest (7291, dense: no zeros); each
  row times fastoptim with its default threads and on one thread.

* Tiny d (issue 17, item 11): random labels on X ~ N(0, 1) with 5 features and a large C
  (1000 x 5, C=1e3 quick; 2000 x 5 otherwise): hundreds of thousands of SMO iterations over
  cached rows, so the per-iteration cost of the working-set scans and the gradient update is
  all there is to time; the iteration counts match libsvm's.

Ratios: sklearn / fastoptim (target >= 1.5 at equal accuracy, on one thread too; the tiny-d
row: >= 1.0, at least libsvm's speed per iteration).
"""
import numpy as np

from common import Row, Target, interleaved_best

from fastoptim.datasets import load_a9a, load_mnist, load_reuters, load_usps, data_dir
from fastoptim.svm import SVC


def _usps_rows(quick):
    X, y, X_test, y_test = load_usps()
    repeat, rounds = (1, 1) if quick else (2, 3)
    out = []
    theirs = None
    try:
        from sklearn.svm import SVC as SkSVC

        theirs = SkSVC(C=1.0, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200)
    except ImportError:
        pass
    for n_threads, label in ((None, "default threads"), (1, "1 thread")):
        ours = SVC(C=1.0, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200,
                   n_threads=n_threads)
        contenders = {"fastoptim": lambda: ours.fit(X, y)}
        if theirs is not None:
            contenders["sklearn"] = lambda: theirs.fit(X, y)
        times = interleaved_best(contenders, repeat, rounds)
        ratios, targets = {}, {}
        notes = (f"test accuracy {ours.score(X_test, y_test):.4f}, "
                 f"{ours.support_.size} support vectors, {int(ours.n_iter_.sum())} SMO iterations")
        if theirs is not None:
            ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
            targets["vs_sklearn"] = Target(">=", 1.5)
            agree = np.mean(ours.predict(X_test) == theirs.predict(X_test))
            notes += (f" (sklearn {theirs.score(X_test, y_test):.4f}, {theirs.support_.size} "
                      f"SVs; predictions agree {agree:.2%})")
        out.append(Row(name=f"SVC rbf USPS {X.shape[0]}x{X.shape[1]}, C=1, {label}",
                       times=times, ratios=ratios, targets=targets, notes=notes))
    return out


def _binary_sets():
    """(name, X, y, X_test, y_test) of the binary problems: USPS always, the others with data."""
    X, y, Xt, yt = load_usps()
    sets = [("USPS 0 vs rest", X, y == 0, Xt, yt == 0)]
    if data_dir() is None:
        return sets
    X, y, Xt, yt = load_a9a()
    sets.append(("a9a", X[:5000], y[:5000], Xt, yt))
    X, y, Xt, yt = load_reuters()
    sets.append(("reuters-lasvm", X, y, Xt, yt))
    X, y, Xt, yt = load_mnist()
    tr, te = np.flatnonzero((y == 3) | (y == 5))[:8000], np.flatnonzero((yt == 3) | (yt == 5))
    sets.append(("MNIST 3 vs 5", X[tr] / 255.0, y[tr], Xt[te] / 255.0, yt[te]))
    return sets


def _binary_rows(quick):
    try:
        from sklearn.svm import SVC as SkSVC
    except ImportError:
        SkSVC = None
    repeat, rounds = (1, 1) if quick else (2, 3)
    out = []
    for name, X, y, X_test, y_test in _binary_sets():
        ours = SVC(C=1.0, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200)
        one = SVC(C=1.0, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200, n_threads=1)
        contenders = {"fastoptim": lambda: ours.fit(X, y),
                      "fastoptim_1_thread": lambda: one.fit(X, y)}
        theirs = None
        if SkSVC is not None:
            theirs = SkSVC(C=1.0, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200)
            contenders["sklearn"] = lambda: theirs.fit(X, y)
        times = interleaved_best(contenders, repeat, rounds)
        notes = (f"test accuracy {ours.score(X_test, y_test):.4f}, {ours.support_.size} support "
                 f"vectors, {int(ours.n_iter_[0])} SMO iterations")
        ratios, targets = {}, {}
        if theirs is not None:
            for key, label in (("fastoptim", "vs_sklearn"),
                               ("fastoptim_1_thread", "vs_sklearn_1_thread")):
                ratios[label] = times["sklearn"] / times[key]
                targets[label] = Target(">=", 1.5)
            agree = np.mean(ours.predict(X_test) == theirs.predict(X_test))
            notes += (f" (sklearn {theirs.score(X_test, y_test):.4f}, {theirs.support_.size} SVs, "
                      f"{int(theirs.n_iter_[0])} iterations; predictions agree {agree:.2%})")
        kind = "CSR" if hasattr(X, "tocsr") else "dense"
        out.append(Row(name=f"SVC rbf binary {name} {X.shape[0]}x{X.shape[1]} {kind}, C=1",
                       times=times, ratios=ratios, targets=targets, notes=notes))
    return out


def _tiny_d_row(quick):
    """SVC rbf on random labels, 5 features, large C: the cost of an SMO iteration itself."""
    n, C = (1000, 1e3) if quick else (2000, 1e3)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((n, 5)), rng.integers(0, 2, n)
    ours = SVC(C=C, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200)
    one = SVC(C=C, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200, n_threads=1)
    contenders = {"fastoptim": lambda: ours.fit(X, y), "fastoptim_1_thread": lambda: one.fit(X, y)}
    theirs = None
    try:
        from sklearn.svm import SVC as SkSVC

        theirs = SkSVC(C=C, kernel="rbf", gamma="scale", tol=1e-3, cache_size=200)
        contenders["sklearn"] = lambda: theirs.fit(X, y)
    except ImportError:
        pass
    times = interleaved_best(contenders, 1, 1 if quick else 3)
    n_iter = int(ours.n_iter_[0])
    notes = (f"{n_iter} SMO iterations, {1e6 * times['fastoptim_1_thread'] / n_iter:.2f} us each "
             f"on 1 thread, {ours.support_.size} support vectors")
    ratios, targets = {}, {}
    if theirs is not None:
        for key, label in (("fastoptim", "vs_sklearn"), ("fastoptim_1_thread", "vs_sklearn_1_thread")):
            ratios[label] = times["sklearn"] / times[key]
            targets[label] = Target(">=", 1.0)
        notes += (f" (sklearn {int(theirs.n_iter_[0])} iterations, "
                  f"{1e6 * times['sklearn'] / int(theirs.n_iter_[0]):.2f} us each)")
    return Row(name=f"SVC rbf {n}x5 random labels, C={C:g}", times=times, ratios=ratios,
               targets=targets, notes=notes)


def rows(quick=False):
    return _usps_rows(quick) + _binary_rows(quick) + [_tiny_d_row(quick)]
