"""What ``train``, ``predict`` and ``compare`` share beyond the data files: the liblinear
options turned into estimator parameters (``-e``, ``-w``, ``--dual``/``--primal``,
``--threads``), the standardization of ``--scale`` (stored in the model file), the folds
of ``-v K`` and the progress line of a long fit on a terminal."""
import sys
import threading
import time

import numpy as np
import scipy.sparse as sp

from ._args import CLIError
from ._models import MODELS, OPTION_OF, estimator_class

__all__ = ["liblinear_params", "class_weights", "Standardizer", "scale_spread",
           "SCALE_WARNING_RATIO", "cv_folds", "cross_validate", "FitTicker"]

#: ``compare`` warns when the columns' standard deviations differ by more than this factor.
SCALE_WARNING_RATIO = 1e3


def class_weights(items, y, model):
    """The estimator's ``class_weight`` dict of the ``-w LABEL=WEIGHT`` items, or None.

    Each LABEL is read as the training labels are (a number for numeric labels, else the
    text) and must name a class of ``y``; a class named twice is an error.
    """
    if not items:
        return None
    if MODELS[model][1] != "classifier":
        raise CLIError(f"-w weighs classes; --model {model} is a regressor (it has no classes)")
    classes = np.unique(y)
    numeric = classes.dtype.kind in "iuf"
    weights = {}
    for label, weight in items:
        if numeric:
            try:
                key = float(label)
            except ValueError:
                raise CLIError(f"-w {label}={weight:g}: the labels are numbers and {label!r} is "
                               f"not one; the classes are {_shown(classes)}") from None
        else:
            key = label
        match = classes[classes == key] if numeric else classes[classes == np.str_(key)]
        if match.size == 0:
            raise CLIError(f"-w {label}={weight:g}: {label!r} is not a class of the training "
                           f"data; the classes are {_shown(classes)}")
        key = match[0].item()
        if key in weights:
            raise CLIError(f"-w names the class {label!r} twice; give each class one weight")
        weights[key] = weight
    return weights


def _shown(classes, most=10):
    """The first classes as text, whole numbers without '.0'."""
    def one(c):
        c = c.item() if hasattr(c, "item") else c
        return str(int(c)) if isinstance(c, float) and c.is_integer() else str(c)
    text = ", ".join(one(c) for c in classes[:most])
    return text + (f", ... ({classes.size} in all)" if classes.size > most else "")


def liblinear_params(model, args, y=None):
    """Estimator parameters of the liblinear options given (``-e``, ``-w``, ``--dual``/
    ``--primal``, ``--threads``); an option the model does not take is a CLIError naming it."""
    params = {}
    if getattr(args, "tol", None) is not None:
        params["tol"] = args.tol
    if getattr(args, "dual", None) is not None:
        if model != "linearsvc":
            raise CLIError(f"--dual/--primal choose LinearSVC's problem; --model {model} has no "
                           f"dual form here (use --model linearsvc)")
        params["dual"] = args.dual
    if getattr(args, "class_weight", None):
        params["class_weight"] = class_weights(args.class_weight, y, model)
    if getattr(args, "threads", None) is not None:
        params["n_threads"] = args.threads
    valid = estimator_class(model)().get_params(deep=False)
    for key in params:
        if key not in valid:
            raise CLIError(f"{OPTION_OF.get(key, key)} does not apply to --model {model}")
    return params


class Standardizer:
    """``--scale``: the features standardized with the training data's statistics.

    Dense X: :math:`(x - \\mu) / \\sigma` per column.  Sparse X: :math:`x / \\sigma` only
    (centring would fill it in), as scikit-learn's ``StandardScaler(with_mean=False)``.
    A constant column keeps :math:`\\sigma = 1`.  The statistics go into the model file's
    metadata (:meth:`to_metadata`), so that ``predict`` applies the same transform.

    Parameters
    ----------
    mean : ndarray or None
        Per column; None for sparse training data.
    scale : ndarray
        Per column, > 0.
    """

    def __init__(self, mean, scale):
        self.mean = None if mean is None else np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)

    @classmethod
    def fit(cls, X):
        """The statistics of the training features X (dense or CSR)."""
        std = _column_std(X)
        mean = None if sp.issparse(X) else np.asarray(X, dtype=np.float64).mean(axis=0)
        return cls(mean, np.where(std > 0, std, 1.0))

    def transform(self, X):
        """X standardized (a new array or CSR matrix, X's dtype)."""
        if X.shape[1] != self.scale.size:
            raise CLIError(f"the data has {X.shape[1]} features; the scaling statistics are "
                           f"for {self.scale.size}")
        if sp.issparse(X):
            X = sp.csr_matrix(X, copy=True)
            X.data /= self.scale[X.indices].astype(X.dtype)
            return X
        inv = (1.0 / self.scale).astype(X.dtype)
        return (X - (0 if self.mean is None else self.mean.astype(X.dtype))) * inv

    def to_metadata(self):
        """The statistics as the model file's metadata entry (lists of floats)."""
        return {"mean": None if self.mean is None else self.mean.tolist(),
                "scale": self.scale.tolist()}

    @classmethod
    def from_metadata(cls, entry, path):
        """The Standardizer of a model file's ``scaling`` metadata entry."""
        try:
            scale = np.asarray(entry["scale"], dtype=np.float64)
            mean = None if entry.get("mean") is None else np.asarray(entry["mean"], np.float64)
        except (TypeError, KeyError, ValueError):
            raise CLIError(f"{path}: its scaling statistics are damaged; train the model "
                           f"again") from None
        if scale.ndim != 1 or not np.all(scale > 0) or (mean is not None and
                                                       mean.shape != scale.shape):
            raise CLIError(f"{path}: its scaling statistics are damaged; train the model again")
        return cls(mean, scale)


def scale_spread(X):
    """(ratio, widest column, narrowest column) of the columns' standard deviations (the
    non-constant columns), or None with fewer than two of them."""
    stats = _column_std(X)
    varying = np.flatnonzero(stats > 0)
    if varying.size < 2:
        return None
    wide = varying[np.argmax(stats[varying])]
    narrow = varying[np.argmin(stats[varying])]
    return float(stats[wide] / stats[narrow]), int(wide), int(narrow)


def _column_std(X):
    """The standard deviation of each column of X (dense or sparse), in float64."""
    if sp.issparse(X):
        mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        sq = np.asarray(X.multiply(X).mean(axis=0), dtype=np.float64).ravel()
        var = sq - mean * mean
        # E[x^2] - E[x]^2 of a constant column is round-off of order eps E[x^2]: zero
        return np.sqrt(np.where(var > 1e-12 * sq, var, 0.0))
    return np.asarray(X, dtype=np.float64).std(axis=0)


def cv_folds(y, k, seed, classifier):
    """The fold (0..k-1) of each row for ``-v k``: stratified for a classifier (each
    class's rows shuffled and dealt round the folds in turn, so every fold holds about its
    share of every class), a shuffle cut into k near-equal parts for a regressor."""
    n = len(y)
    if k > n:
        raise CLIError(f"-v {k}: the data has {n} rows, fewer than the {k} folds")
    rng = np.random.default_rng(seed)
    fold = np.empty(n, dtype=np.int64)
    if classifier:
        start = 0
        for label in np.unique(y):
            rows = np.flatnonzero(y == label)
            rows = rows[rng.permutation(rows.size)]
            fold[rows] = (start + np.arange(rows.size)) % k
            start = (start + rows.size) % k
    else:
        order = rng.permutation(n)
        fold[order] = np.arange(n) * k // n
    return fold


def cross_validate(make, X, y, k, seed, classifier, scale=False, fit=None):
    """Out-of-fold predictions of ``-v k``: for each fold, a new estimator (``make()``)
    trained on the other folds (standardized with their statistics, with ``scale``)
    predicts the fold's rows.  ``fit(estimator, X, y)`` trains (default: ``.fit``)."""
    fold = cv_folds(y, k, seed, classifier)
    pred = None
    for f in range(k):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        X_train, X_test = X[train], X[test]
        if scale:
            scaler = Standardizer.fit(X_train)
            X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        est = make()
        (fit or (lambda e, A, b: e.fit(A, b)))(est, X_train, y[train])
        p = est.predict(X_test)
        if pred is None:
            pred = np.empty(len(y), dtype=np.asarray(p).dtype)
        pred[test] = p
    return pred


class FitTicker:
    """A progress line for a long fit on a terminal: after ``delay`` seconds, ``label``
    and the seconds elapsed, redrawn in place every second until :meth:`close` clears it.

    Parameters
    ----------
    label : str
    stream : file, default sys.stderr
    delay : float, default 1.0
    """

    def __init__(self, label, stream=None, delay=1.0):
        self.label, self.stream, self.delay = label, stream or sys.stderr, float(delay)
        self._done = threading.Event()
        self._shown = False
        self._start = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        if self._done.wait(self.delay):
            return
        while True:
            elapsed = time.perf_counter() - self._start
            self.stream.write(f"\r{self.label}: {elapsed:.0f} s elapsed")
            self.stream.flush()
            self._shown = True
            if self._done.wait(1.0):
                return

    def close(self):
        """Stop redrawing and clear the line."""
        self._done.set()
        self._thread.join()
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
