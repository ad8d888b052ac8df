"""Time to 97.5% MNIST test accuracy for a 784-256-128-10 ReLU network: fastoptim's
MLPClassifier against scikit-learn's best solver for the same network.

Data: MNIST (fastoptim.datasets.load_mnist, ../shared/data/mnist; skipped with a note when
absent), float32 pixels in [0, 1]; with --quick the first 10000 training rows and a 95%
threshold.  Each contender trains one epoch per partial_fit call (batch 128, 2 threads,
random_state=0); only the epochs are timed, the test accuracy after each is not.  The time
of a contender is the training time until its test accuracy first reaches the threshold
(within 30 epochs).

Contenders:
  fastoptim adam       MLPClassifier((256, 128), solver='adam') (lr 1e-3)
  fastoptim adam+bn    the same with batch_norm=True, init='he_normal'
  sklearn adam         MLPClassifier((256, 128), solver='adam', learning_rate_init=1e-3)
  sklearn sgd          solver='sgd', learning_rate_init=0.05, momentum 0.9, Nesterov
scikit-learn's 'lbfgs' is left out: it has no per-epoch step to time (a warm-started
max_iter=1 fit restarts its memory), and on this network it needs many full passes.
Ratio: best_vs_best_sklearn = the best scikit-learn time / the best fastoptim time.
"""
import time
import warnings

import numpy as np

from common import Row, Target

from fastoptim.datasets import load_mnist

EPOCHS, BATCH, THREADS = 30, 128, 2


def _limit(n):
    try:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=n, user_api="blas")
    except ImportError:
        from fastoptim._blas import blas_threads
        return blas_threads(n)


def _time_to(clf, X, y, X_test, y_test, threshold):
    """(seconds of training until the test accuracy reaches threshold or None, epochs,
    the best accuracy seen)."""
    classes = np.arange(10)
    spent, best = 0.0, 0.0
    for epoch in range(1, EPOCHS + 1):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.partial_fit(X, y, classes=classes)
        spent += time.perf_counter() - t0
        best = max(best, float(np.mean(clf.predict(X_test) == y_test)))
        if best >= threshold:
            return spent, epoch, best
    return None, EPOCHS, best


def rows(quick=False):
    try:
        X, y, X_test, y_test = load_mnist(dtype=np.float32)
    except FileNotFoundError as exc:
        print(f"\nMLP time to accuracy: skipped ({exc})", flush=True)
        return []
    threshold = 0.95 if quick else 0.975
    if quick:
        X, y = X[:10000], y[:10000]
    from fastoptim import MLPClassifier
    contenders = {
        "fastoptim adam": lambda: MLPClassifier((256, 128), solver="adam", batch_size=BATCH,
                                                random_state=0, n_threads=THREADS),
        "fastoptim adam+bn": lambda: MLPClassifier((256, 128), solver="adam", batch_size=BATCH,
                                                   batch_norm=True, init="he_normal",
                                                   random_state=0, n_threads=THREADS),
    }
    try:
        from sklearn.neural_network import MLPClassifier as SkMLP
        contenders["sklearn adam"] = lambda: SkMLP((256, 128), solver="adam",
                                                   learning_rate_init=1e-3, batch_size=BATCH,
                                                   random_state=0)
        contenders["sklearn sgd"] = lambda: SkMLP((256, 128), solver="sgd",
                                                  learning_rate_init=0.05, momentum=0.9,
                                                  nesterovs_momentum=True, batch_size=BATCH,
                                                  random_state=0)
    except ImportError:
        pass
    times, notes = {}, []
    with _limit(THREADS):
        for name, make in contenders.items():
            time.sleep(0.2)
            seconds, epochs, best = _time_to(make(), X, y, X_test, y_test, threshold)
            if seconds is None:
                notes.append(f"{name}: {best:.4f} best in {epochs} epochs (not reached)")
                continue
            times[name] = seconds
            notes.append(f"{name}: {epochs} epochs, {seconds:.2f} s")
    ours = [t for k, t in times.items() if k.startswith("fastoptim")]
    theirs = [t for k, t in times.items() if k.startswith("sklearn")]
    ratios, targets = {}, {}
    if ours and theirs:
        ratios["best_vs_best_sklearn"] = min(theirs) / min(ours)
    times["fastoptim"] = min(ours) if ours else float("nan")
    return [Row(name=f"MLP time to {threshold:.1%} MNIST test accuracy, 784-256-128-10 ReLU, "
                     f"batch {BATCH}, float32, {X.shape[0]} training rows",
                times=times, ratios=ratios, targets=targets, notes="; ".join(notes))]
