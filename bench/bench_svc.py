"""Kernel SVM on the USPS digits (7291 x 256, embedded): fastoptim.svm.SVC against scikit-learn's SVC.

Both solve the same one-vs-one duals by SMO with second-order working-set selection (libsvm's
algorithm) with the same C, gamma='scale', tol=1e-3 and a 200 MB kernel cache; the rows time
each fit and report the test accuracies and how many test predictions agree.  fastoptim runs
with its default threads (the 45 binary problems on all cores; libsvm has no threads) and, in
a second row, on one thread.  Ratio: sklearn / fastoptim (target >= 1.5 at equal accuracy).
"""
import numpy as np

from common import Row, Target, interleaved_best

from fastoptim.datasets import load_usps
from fastoptim.svm import SVC


def rows(quick=False):
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
