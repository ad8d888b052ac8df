"""Linear SVM on a9a (sparse): fastoptim.svm.LinearSVC against scikit-learn's LinearSVC.

Both solve the same dual by coordinate descent (Hsieh et al. 2008, liblinear's algorithm) with the
same C, loss, tol and max_iter; the row times each fit and reports both test accuracies.
Ratio: sklearn / fastoptim (target >= 2).  Skipped without ../shared/data.
"""
import warnings

import numpy as np

from common import Row, Target, interleaved_best

from fastoptim.datasets import load_a9a, shared_data_dir
from fastoptim.svm import LinearSVC


def rows(quick=False):
    if shared_data_dir() is None:
        return []
    X, y, X_test, y_test = load_a9a()
    repeat, rounds = (2, 1) if quick else (6, 3)
    out = []
    for loss in ("squared_hinge", "hinge"):
        kwargs = dict(C=1.0, loss=loss, tol=1e-4, max_iter=1000, random_state=0)
        ours = LinearSVC(**kwargs)
        contenders = {"fastoptim": lambda: ours.fit(X, y)}
        theirs = None
        try:
            from sklearn.svm import LinearSVC as SkLinearSVC

            theirs = SkLinearSVC(dual=True, **kwargs)
            contenders["sklearn"] = lambda: theirs.fit(X, y)
        except ImportError:
            pass
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # hinge: both stop at max_iter on a9a
            times = interleaved_best(contenders, repeat, rounds)
        ratios, targets = {}, {}
        notes = f"test accuracy {ours.score(X_test, y_test):.4f}"
        if theirs is not None:
            ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
            targets["vs_sklearn"] = Target(">=", 2.0)
            agree = np.mean(ours.predict(X_test) == theirs.predict(X_test))
            notes += f" (sklearn {theirs.score(X_test, y_test):.4f}; predictions agree {agree:.2%})"
        out.append(Row(name=f"LinearSVC {loss} a9a {X.shape[0]}x{X.shape[1]} CSR, C=1",
                       times=times, ratios=ratios, targets=targets, notes=notes))
    return out
