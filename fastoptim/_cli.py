"""The commands of ``python -m fastoptim`` (see :mod:`fastoptim.__main__` for the usage).

Glue only: data files are read by :mod:`fastoptim.datasets`, models trained by
the estimators, saved by :mod:`fastoptim.model_io`, drawn by
:mod:`fastoptim.plot`.  Results (tables, accuracies, file names) go to
stdout, progress to stderr.  Every error a user can cause -- a missing or
malformed file, an option that does not apply -- becomes :class:`CLIError`
or one of OSError/ValueError, which ``main`` prints as one line and turns
into exit status 2.
"""
import copy
import os
import pathlib
import subprocess
import sys
import time
import warnings

import numpy as np

__all__ = ["CLIError", "MODELS", "USPS_RUNS", "compare_cmd", "train_cmd", "predict_cmd",
           "bench_cmd", "usps_cmd", "make_estimator", "load_data", "data_loss"]

PLOT_HINT = "pip install matplotlib to get the plot"


class CLIError(Exception):
    """A mistake in the command line or the input files: printed as one line, exit status 2."""


# -- models ------------------------------------------------------------------------------------

#: --model name -> (estimator class name, kind, default optimizers of `compare`).
MODELS = {
    "logistic": ("LogisticRegression", "classifier",
                 ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "lbfgs")),
    "softmax": ("SoftmaxRegression", "classifier",
                ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "lbfgs")),
    "ridge": ("Ridge", "regressor",
              ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "auto")),
    "linear": ("LinearRegression", "regressor",
               ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "auto")),
    "linearsvc": ("LinearSVC", "classifier", ("dual-cd",)),
    "svc": ("SVC", "classifier", ("smo",)),
}

#: The only optimizer of the models trained by one solver of their own (``compare`` refuses
#: others): --model name -> (optimizer name, what the solver is, for the messages).
OWN_SOLVER = {
    "linearsvc": ("dual-cd", "dual coordinate descent"),
    "svc": ("smo", "SMO (sequential minimal optimization in the dual)"),
}

#: Budget of the full-batch solvers in ``compare`` when --max-iter is not given.
COMPARE_MAX_ITER = 300

STOCHASTIC = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

#: The USPS comparison: (name, SoftmaxRegression parameters, budget of the full run, of --quick).
#: The budget is max_iter: epochs of the stochastic solvers, iterations of 'gd' and 'lbfgs'.
#: Rates tuned on USPS (grey levels in [-1, 1], 256 features) for batches of 64 rows: each is
#: the rate of a grid with steps of about 3x that reached the lowest training loss in 50
#: epochs (the next larger rate ends higher, noisier).
USPS_RUNS = (
    ("gd", dict(solver="gd"), 100, 20),
    ("sgd", dict(solver="sgd", learning_rate=0.3, batch_size=64), 50, 10),
    ("momentum", dict(solver="momentum", learning_rate=0.03, batch_size=64), 50, 10),
    ("nesterov", dict(solver="nesterov", learning_rate=0.03, batch_size=64), 50, 10),
    ("adagrad", dict(solver="adagrad", learning_rate=0.3, batch_size=64), 50, 10),
    ("rmsprop", dict(solver="rmsprop", learning_rate=0.003, batch_size=64), 50, 10),
    ("adam", dict(solver="adam", learning_rate=0.003, batch_size=64), 50, 10),
    ("lbfgs", dict(solver="lbfgs"), 500, 100),
)
USPS_QUICK_ROWS = 2000  # --quick trains on this many training images (a seeded subset)


def _estimator_class(model):
    import fastoptim

    if model not in MODELS:
        raise CLIError(f"--model {model!r} is not a model; use one of {', '.join(MODELS)}")
    return getattr(fastoptim, MODELS[model][0])


def _has_param(model, name):
    """Whether the estimator of ``--model`` has the parameter ``name``."""
    return name in _estimator_class(model)().get_params(deep=False)


def make_estimator(model, **params):
    """A new estimator for ``--model`` with the parameters given (None values skipped).

    Parameters
    ----------
    model : str
        A key of :data:`MODELS`.
    **params
        Estimator parameters; a parameter the estimator does not have is a
        CLIError naming the command-line option that set it.

    Returns
    -------
    estimator
    """
    cls = _estimator_class(model)
    valid = cls().get_params(deep=False)
    options = {"C": "-C", "alpha": "--alpha", "solver": "--solver", "learning_rate": "--lr",
               "batch_size": "--batch-size", "max_iter": "--max-iter", "random_state": "--seed",
               "kernel": "--kernel", "gamma": "--gamma"}
    given = {}
    for key, value in params.items():
        if value is None:
            continue
        if key not in valid:
            raise CLIError(f"{options.get(key, key)} does not apply to --model {model} "
                           f"({cls.__name__} has no parameter {key!r})")
        given[key] = value
    return cls(**given)


# -- data --------------------------------------------------------------------------------------

_COMPRESSED = (".gz", ".bz2", ".xz", ".lzma")
_SVMLIGHT_EXT = (".svm", ".svmlight", ".libsvm", ".t", ".scale")


def _strip_compression(path):
    """The lower-case file name without a .gz/.bz2/.xz/.lzma extension."""
    name = os.fspath(path).lower()
    for ext in _COMPRESSED:
        if name.endswith(ext):
            return name[:-len(ext)]
    return name


def detect_format(path, head=None):
    """The format of a data file: by extension, else by its first data line.

    ``.csv`` and ``.tsv`` (optionally compressed) are CSV; ``.svm``,
    ``.svmlight``, ``.libsvm``, ``.t``, ``.scale`` (LIBSVM's data sets)
    are svmlight; for other names, a first data line with ``index:value``
    tokens is svmlight and one with commas CSV (svmlight otherwise).

    Parameters
    ----------
    path : str or os.PathLike
    head : bytes, optional
        The first bytes of the (decompressed) file, peeked by the caller
        from the stream it reads (so that a pipe such as /dev/stdin is not
        consumed); by default the file is opened and peeked here.

    Returns
    -------
    {'svmlight', 'csv'}
    """
    name = _strip_compression(path)
    if name.endswith((".csv", ".tsv")):
        return "csv"
    if name.endswith(_SVMLIGHT_EXT):
        return "svmlight"
    if head is None:
        from .datasets._io import open_binary, peek

        with open_binary(path) as f:
            head = peek(f)
    text = head.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if lines and not text.endswith(("\n", "\r")) and len(lines) > 1:
        lines = lines[:-1]  # a line cut by the end of the peeked bytes
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        tokens = line.split()
        if any(":" in t for t in tokens[1:]):
            return "svmlight"
        return "csv" if "," in line else "svmlight"
    return "svmlight"


def load_data(path, fmt="auto", *, n_features=None, target_column=None, labels="required",
              zero_based="auto"):
    """Read a data file as (X, y, format, zero_based).

    The file is opened once: the format is detected on bytes peeked from the
    stream that the reader then reads, so a pipe (``/dev/stdin``) works.

    Parameters
    ----------
    path : str
    fmt : {'auto', 'svmlight', 'csv'}
        'auto': :func:`detect_format`.
    n_features : int, optional
        The model's feature count: svmlight files get that many columns (an
        index beyond it is an error naming its line); a CSV file must have
        that many columns plus, optionally, a label column.
    target_column : int, optional
        CSV: the label column (default: the last).
    labels : {'required', 'optional'}
        Whether a CSV file must have a label column ('optional': a CSV file
        of exactly n_features columns has none, y is None).
    zero_based : bool or 'auto'
        svmlight: the index base (see :func:`fastoptim.datasets.load_svmlight`).

    Returns
    -------
    X : ndarray or CSR matrix
    y : ndarray or None
    fmt : str
    zero_based : bool or None
        The index base an svmlight file was read with ('auto' resolved);
        None for CSV.
    """
    from .datasets import load_csv
    from .datasets._io import open_binary, peek
    from .datasets._svmlight_format import read_svmlight

    path = os.fspath(path)
    if not os.path.exists(path):
        raise CLIError(f"{path}: no such file")
    if os.path.isdir(path):
        raise CLIError(f"{path}: is a directory, not a data file")
    with open_binary(path) as f:
        if fmt == "auto":
            fmt = detect_format(path, head=peek(f))
        if fmt == "svmlight":
            X, y, _, zero = read_svmlight(f, n_features=n_features, zero_based=zero_based)
            if X.shape[0] == 0:
                raise CLIError(f"{path}: no data rows")
            return X, y, fmt, zero
        delimiter = "\t" if _strip_compression(path).endswith(".tsv") else ","
        data, _ = load_csv(f, target_column=None, delimiter=delimiter)
    n_cols = data.shape[1]
    if n_features is not None and labels == "optional" and target_column is None \
            and n_cols == n_features:
        return data, None, fmt, None
    if n_features is not None and n_cols != n_features + 1:
        label = " plus an optional label column" if labels == "optional" else " and a label column"
        raise CLIError(f"{path}: {n_cols} columns, but the model has {n_features} features "
                       f"(the file needs {n_features} feature columns{label})")
    if n_cols < 2:
        raise CLIError(f"{path}: one column only; a training file needs features and a label "
                       f"column")
    col = -1 if target_column is None else int(target_column)
    if not -n_cols <= col < n_cols:
        raise CLIError(f"--target-column {col} is out of range for {path}, which has {n_cols} "
                       f"columns")
    y = np.ascontiguousarray(data[:, col])
    X = np.ascontiguousarray(np.delete(data, col % n_cols, axis=1))
    return X, y, fmt, None


def _check_labels(model, y, path):
    """Class labels must be whole numbers for a classifier read from a file."""
    if MODELS[model][1] == "classifier" and np.any(y != np.round(y)):
        raise CLIError(f"{path}: the labels are not whole numbers, so they are not classes; use "
                       f"--model ridge or --model linear for a regression target")


# -- losses and scores -------------------------------------------------------------------------

def data_loss(model, X, y):
    """The training loss a fitted model reaches on (X, y), without its penalty.

    Log-loss (mean cross-entropy) for LogisticRegression/SoftmaxRegression,
    the mean (squared) hinge loss of the one-vs-rest problems for LinearSVC,
    the mean hinge loss of the one-vs-one problems for SVC (see
    :func:`_svc_hinge`), the mean of (prediction - y)^2 / 2 for the
    regressors: the per-sample losses whose running means the stochastic
    solvers record in ``loss_curve_``.

    Parameters
    ----------
    model : fitted estimator
    X : array or sparse matrix
    y : ndarray

    Returns
    -------
    float
    """
    from .svm import SVC

    if isinstance(model, SVC):
        return _svc_hinge(model, X, y)
    if hasattr(model, "predict_log_proba"):
        logp = model.predict_log_proba(X)
        idx = np.searchsorted(model.classes_, y)
        return float(-np.mean(logp[np.arange(len(y)), idx]))
    if hasattr(model, "classes_"):
        z = model.decision_function(X)
        z = z[:, None] if z.ndim == 1 else z
        idx = np.searchsorted(model.classes_, y)
        if z.shape[1] == 1:
            sign = np.where(idx == 1, 1.0, -1.0)[:, None]
        else:
            sign = np.where(idx[:, None] == np.arange(z.shape[1]), 1.0, -1.0)
        h = np.maximum(0.0, 1.0 - sign * z)
        return float(np.mean(h if model.loss == "hinge" else h * h))
    r = np.asarray(model.predict(X), dtype=np.float64) - y
    return float(0.5 * np.mean(r * r))


def _svc_hinge(model, X, y):
    """The mean hinge loss of a fitted SVC's one-vs-one problems on (X, y).

    SVC trains one binary problem per pair of classes (a, b), on the samples
    of those two classes, with the margin ``d_ab(x)`` of its pairwise
    decision function (``decision_function_shape='ovo'``, positive: class a).
    The loss is the mean of ``max(0, 1 - s d_ab(x))`` (``s = +1`` for class a,
    ``-1`` for class b) over every (sample, problem it takes part in): with two
    classes, the mean hinge loss of the one problem, as for LinearSVC.  (The
    'ovr' decision function of more than two classes is votes plus
    confidences, not a margin, so its hinge loss would mean nothing.)

    Parameters
    ----------
    model : fitted SVC
    X : array or sparse matrix
    y : ndarray

    Returns
    -------
    float
    """
    classes = model.classes_
    idx = np.searchsorted(classes, y)
    if len(classes) == 2:
        sign = np.where(idx == 1, 1.0, -1.0)
        return float(np.mean(np.maximum(0.0, 1.0 - sign * model.decision_function(X))))
    pairwise = copy.copy(model).set_params(decision_function_shape="ovo", break_ties=False)
    dec = pairwise.decision_function(X)
    total, count, p = 0.0, 0, 0
    for a in range(len(classes)):
        for b in range(a + 1, len(classes)):
            rows = (idx == a) | (idx == b)
            sign = np.where(idx[rows] == a, 1.0, -1.0)
            total += float(np.sum(np.maximum(0.0, 1.0 - sign * dec[rows, p])))
            count += int(np.count_nonzero(rows))
            p += 1
    return total / count if count else float("nan")


def _score(model, X, y):
    """Accuracy (classifiers) or R^2 (regressors)."""
    if hasattr(model, "classes_"):
        return float(np.mean(model.predict(X) == y))
    pred = np.asarray(model.predict(X), dtype=np.float64)
    ss = float(np.sum((y - np.mean(y)) ** 2))
    return float(1.0 - np.sum((y - pred) ** 2) / ss) if ss > 0 else float("nan")


# -- the comparison ----------------------------------------------------------------------------

def _n_iter(model):
    n = getattr(model, "n_iter_", None)
    return None if n is None else int(np.max(n))


def _quiet_fit(model, X, y):
    """fit, returning the warnings it gave (ConvergenceWarning at a fixed budget is expected)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    return [w for w in caught if w.category.__name__ == "ConvergenceWarning"]


def _checkpoints(n, num=12):
    """About ``num`` iteration counts from 1 to n, roughly geometric (each a separate refit)."""
    return np.unique(np.round(np.geomspace(1, n, num=min(n, num))).astype(int))


def _curve(model, X, y, n_iter, points=12):
    """(epochs, losses) of a fitted model: its loss_curve_, or refits at a few max_iter.

    The full-batch solvers do not record a loss curve; they are deterministic,
    so refitting with ``max_iter=k`` stops at exactly the k-th iterate of the
    same run.  Their curve is sampled there (about ``points`` refits, geometric k).
    A direct solve (one step) gives its loss alone.
    """
    curve = getattr(model, "loss_curve_", None)
    if curve is not None and len(curve):
        c = np.asarray(curve if np.ndim(curve[0]) == 0 else
                       np.mean([c[:min(map(len, curve))] for c in curve], axis=0), dtype=float)
        return np.arange(1, c.size + 1, dtype=float), c
    final = data_loss(model, X, y)
    if not n_iter or n_iter <= 1:
        return np.array([1.0]), np.array([final])
    ks, losses = [], []
    for k in _checkpoints(n_iter, points):
        if k >= n_iter:
            break
        m = copy.deepcopy(model).set_params(max_iter=int(k))
        _quiet_fit(m, X, y)
        ks.append(float(k))
        losses.append(data_loss(m, X, y))
    return np.array(ks + [float(n_iter)]), np.array(losses + [final])


def run_comparison(runs, X, y, X_test, y_test, *, progress=None, points=12):
    """Fit one estimator per run and measure it.

    Parameters
    ----------
    runs : list of (name, estimator, settings text, fixed)
        ``fixed``: the run has a fixed budget of epochs (the stochastic
        solvers here), so stopping at max_iter is by design, not news.
    X, y, X_test, y_test : the data
    progress : file, optional
        One line per finished run (default: sys.stderr).
    points : int
        Points of the sampled curves of the full-batch solvers (see _curve).

    Returns
    -------
    rows : list of dict
        name, epochs, loss, score, seconds, settings, error, stopped (bool:
        a full-batch solver hit its max_iter).
    curves : dict
        name -> (epochs, losses) for the plot.
    """
    progress = sys.stderr if progress is None else progress
    rows, curves = [], {}
    for i, (name, model, settings, fixed) in enumerate(runs, start=1):
        row = dict(name=name, settings=settings, epochs=None, loss=None, score=None,
                   seconds=None, error=None, stopped=False)
        start = time.perf_counter()
        try:
            conv = _quiet_fit(model, X, y)
            row["seconds"] = time.perf_counter() - start
        except FloatingPointError as exc:
            row["error"] = "diverged"
            print(f"[{i}/{len(runs)}] {name:<9} diverged: {exc}", file=progress, flush=True)
            rows.append(row)
            continue
        row["epochs"] = _n_iter(model)
        row["stopped"] = bool(conv) and not fixed
        row["loss"] = data_loss(model, X, y)
        row["score"] = _score(model, X_test, y_test)
        curves[name] = _curve(model, X, y, row["epochs"], points)
        rows.append(row)
        epochs = "-" if row["epochs"] is None else row["epochs"]
        print(f"[{i}/{len(runs)}] {name:<9} {epochs:>4} epochs  train loss {row['loss']:.4f}  "
              f"{row['seconds']:.3f} s", file=progress, flush=True)
    return rows, curves


def format_table(rows, kind):
    """The results table, one row per optimizer.

    Parameters
    ----------
    rows : list of dict
        From :func:`run_comparison`.
    kind : {'classifier', 'regressor'}
        Test accuracy or test R^2 in the score column.

    Returns
    -------
    str
    """
    score = "test acc" if kind == "classifier" else "test R2"
    lines = [f"{'optimizer':<10} {'epochs':>6} {'train loss':>11} {score:>9} {'seconds':>8}  "
             f"settings"]
    lines.append("-" * (len(lines[0]) + 24))
    for r in rows:
        if r["error"]:
            lines.append(f"{r['name']:<10} {'-':>6} {r['error']:>11} {'-':>9} {'-':>8}  "
                         f"{r['settings']}")
            continue
        epochs = "-" if r["epochs"] is None else str(r["epochs"])
        value = (f"{100 * r['score']:.2f}%" if kind == "classifier" else f"{r['score']:.4f}")
        lines.append(f"{r['name']:<10} {epochs:>6} {r['loss']:>11.4f} {value:>9} "
                     f"{r['seconds']:>8.3f}  {r['settings']}")
    return "\n".join(lines)


_XLABEL = "epoch (gd, lbfgs: iteration)"


def write_plot(curves, out, title, xlabel=_XLABEL):
    """Draw the loss curves into ``out`` (PNG).

    Parameters
    ----------
    curves : dict
        name -> (epochs, losses), as :func:`fastoptim.plot.loss_curves` takes them.
    out : str
        The file to write.
    title : str
    xlabel : str, optional
        The label of the x axis (default: epochs, iterations for gd and lbfgs).

    Returns
    -------
    bool
        False (after printing the hint ``pip install matplotlib to get the
        plot``) when matplotlib is not installed.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print(PLOT_HINT)
        return False
    from .plot import loss_curves

    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    loss_curves(curves, ax=ax, logy=True, title=title)
    ax.set_xlabel(xlabel)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    return True


def _report(rows, curves, kind, *, title, out, plot, footnote, xlabel=_XLABEL):
    print(format_table(rows, kind))
    print(footnote)
    stopped = [r["name"] for r in rows if r["stopped"]]
    if stopped:
        print(f"stopped at their iteration limit before converging: {', '.join(stopped)}")
    if plot and curves:
        write_plot(curves, out, title, xlabel)


_FOOTNOTE = ("train loss: {what} on the training set, without the penalty; epochs: passes over "
             "the training set (gd, lbfgs: iterations)")
_SVC_FOOTNOTE = ("train loss: mean hinge loss of the one-vs-one problems on the training set, "
                 "without the penalty; epochs: SMO iterations (pairs of dual variables updated; "
                 "the most of any one-vs-one problem)")


def _build_summary():
    """'OpenMP on, 2 threads, AVX2/FMA kernels': what the seconds column ran on."""
    from ._config import config_info

    info = config_info()
    return (f"OpenMP {'on' if info['openmp'] else 'off'}, {info['n_threads']} thread"
            f"{'' if info['n_threads'] == 1 else 's'}, "
            f"{'AVX2/FMA' if info['cpu_uses_avx2_clone'] else 'baseline'} kernels")


def usps_cmd(quick=False, out="fastoptim-usps.png", plot=True):
    """The default command: every optimizer on USPS digits with SoftmaxRegression.

    Parameters
    ----------
    quick : bool
        Train on a 2000-image subset with small budgets (a few seconds).
    out : str
        The PNG to write.
    plot : bool
        False: no figure.

    Returns
    -------
    int
        The exit status.
    """
    from . import __version__
    from .datasets import load_usps

    X, y, X_test, y_test = load_usps()
    if quick:
        rows = np.sort(np.random.default_rng(0).permutation(X.shape[0])[:USPS_QUICK_ROWS])
        X, y = X[rows], y[rows]
    runs = []
    for name, params, full, small in USPS_RUNS:
        budget = small if quick else full
        extra = dict(max_iter=budget, random_state=0)
        if name in STOCHASTIC:
            extra["n_iter_no_change"] = budget  # a fixed budget: every run gets the same epochs
            settings = f"lr={params['learning_rate']:g}, batch_size={params['batch_size']}"
        elif name == "gd":
            settings = f"Armijo line search, max_iter={budget}"
        else:
            settings = f"scipy L-BFGS-B, tol=1e-4, max_iter={budget}"
        runs.append((name, make_estimator("softmax", **params, **extra), settings,
                     name in STOCHASTIC))
    print(f"fastoptim {__version__} ({_build_summary()}): SoftmaxRegression(C=1.0) on the USPS "
          f"digits ({X.shape[0]} training{' (quick subset)' if quick else ''}, "
          f"{X_test.shape[0]} test images, {X.shape[1]} features)", flush=True)
    results, curves = run_comparison(runs, X, y, X_test, y_test, points=8 if quick else 12)
    _report(results, curves, "classifier", out=out, plot=plot,
            title=f"SoftmaxRegression on USPS{' (quick)' if quick else ''}: training loss",
            footnote=_FOOTNOTE.format(what="mean cross-entropy"))
    return 0


def _split(X, y, fraction, seed, path):
    n = X.shape[0]
    n_test = int(round(fraction * n))
    if not 0 < fraction < 1 or n_test < 1 or n - n_test < 2:
        raise CLIError(f"{path}: {n} samples cannot be split with --test-fraction {fraction} "
                       f"(it needs 0 < fraction < 1 and samples on both sides); pass --test FILE")
    order = np.random.default_rng(seed).permutation(n)
    test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
    return X[train], y[train], X[test], y[test]


def compare_cmd(args):
    """``fastoptim compare``: the optimizers of one model on a user's data file.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``compare`` options (see ``fastoptim compare --help``).

    Returns
    -------
    int
        The exit status (0).
    """
    model = args.model
    name, kind, default_opts = MODELS[model]
    X, y, fmt, zero = load_data(args.data, args.format, target_column=args.target_column,
                                zero_based=args.zero_based)
    _check_labels(model, y, args.data)
    if args.test:  # read with the training file's index base (unless one was given)
        X_test, y_test, _, _ = load_data(args.test, args.format, n_features=X.shape[1],
                                         target_column=args.target_column,
                                         zero_based="auto" if zero is None else zero)
        _check_labels(model, y_test, args.test)
        where = f"test file {args.test}"
    else:
        X, y, X_test, y_test = _split(X, y, args.test_fraction, args.seed, args.data)
        where = f"held-out {args.test_fraction:g} of the file (seed {args.seed})"
    optimizers = args.optimizers or list(default_opts)
    if model in OWN_SOLVER:
        only, how = OWN_SOLVER[model]
        if any(o != only for o in optimizers):
            raise CLIError(f"--model {model} trains only by {how}: use --optimizers {only} (or "
                           f"leave --optimizers out)")
    common = dict(C=args.C, alpha=args.alpha, kernel=args.kernel, gamma=args.gamma)
    if _has_param(model, "random_state"):  # svc is deterministic: --seed seeds the split only
        common["random_state"] = args.seed
    max_iter = COMPARE_MAX_ITER if args.max_iter is None else args.max_iter
    lr = "auto" if args.lr is None else args.lr
    runs = []
    for opt in optimizers:
        if opt in STOCHASTIC or (opt == "gd" and kind == "regressor"):
            batch = X.shape[0] if opt == "gd" else args.batch_size
            params = dict(solver="sgd" if opt == "gd" else opt, learning_rate=lr,
                          batch_size=batch, max_iter=args.epochs, n_iter_no_change=args.epochs)
            settings = f"lr={lr if isinstance(lr, str) else format(lr, 'g')}, batch_size={batch}"
        elif opt == "dual-cd":
            params = dict(max_iter=max_iter)
            settings = f"dual coordinate descent, max_iter={max_iter}"
        elif opt == "smo":  # SVC's own budget (no limit) unless --max-iter is given
            params = dict(max_iter=args.max_iter)
            est = make_estimator(model, **common)
            settings = (f"kernel={est.kernel}, gamma={est.gamma}, "
                        f"max_iter={'no limit' if args.max_iter is None else args.max_iter}")
        else:  # a direct solver of the estimator ('gd', 'lbfgs', 'auto', 'cg', ...)
            params = dict(solver=opt, max_iter=max_iter)
            settings = f"max_iter={max_iter}"
        cls = _estimator_class(model)
        if "n_iter_no_change" in params and "n_iter_no_change" not in cls().get_params():
            params.pop("n_iter_no_change")
        runs.append((opt, make_estimator(model, **params, **common), settings,
                     "n_iter_no_change" in params))
    print(f"{name} on {args.data} ({fmt}): {X.shape[0]} training samples, {X.shape[1]} features; "
          f"tested on {X_test.shape[0]} samples ({where})", flush=True)
    results, curves = run_comparison(runs, X, y, X_test, y_test)
    what = {"classifier": "mean cross-entropy", "regressor": "mean squared error / 2"}[kind]
    if model == "linearsvc":
        what = "mean (squared) hinge loss"
    footnote = _SVC_FOOTNOTE if model == "svc" else _FOOTNOTE.format(what=what)
    xlabel = "SMO iteration" if model == "svc" else _XLABEL
    stem = pathlib.Path(args.data).name.split(".")[0] or "data"
    out = args.out or f"fastoptim-{stem}.png"
    _report(results, curves, kind, out=out, plot=not args.no_plot,
            title=f"{name} on {pathlib.Path(args.data).name}: training loss",
            footnote=footnote, xlabel=xlabel)
    return 0


def train_cmd(args):
    """``fastoptim train DATA MODEL_FILE``: fit one model and save it (liblinear's train).

    The estimator gets its defaults except for the options given and
    ``random_state=--seed`` (0), so a run is reproducible.  ``--model svc``
    (deterministic, no random_state) is trained on a dense copy of a sparse
    (svmlight) X: model files store dense support vectors only.  The index
    base an svmlight DATA was read with (``--zero-based``/``--one-based``, or
    guessed: zero-based when an index 0 occurs) is stored in the model file
    for ``predict``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``train`` options.

    Returns
    -------
    int
        The exit status (0).
    """
    from .model_io import save_model

    model = args.model
    X, y, fmt, zero = load_data(args.data, args.format, target_column=args.target_column,
                                zero_based=args.zero_based)
    _check_labels(model, y, args.data)
    seed = args.seed
    if seed is None and _has_param(model, "random_state"):
        seed = 0
    est = make_estimator(model, solver=args.solver, C=args.C, alpha=args.alpha,
                         max_iter=args.max_iter, learning_rate=args.lr,
                         batch_size=args.batch_size, random_state=seed,
                         kernel=args.kernel, gamma=args.gamma)
    if model == "svc" and hasattr(X, "toarray"):  # save_model stores dense support vectors
        X = X.toarray()
    start = time.perf_counter()
    conv = _quiet_fit(est, X, y)
    seconds = time.perf_counter() - start
    # the index base the test files must be read with: the training file's, resolved here
    save_model(est, args.model_file, metadata={"data_format": fmt} if zero is None else
               {"data_format": fmt, "zero_based": zero})
    n_iter = _n_iter(est)
    what = (f"{len(est.classes_)} classes, training accuracy {100 * _score(est, X, y):.2f}%"
            if hasattr(est, "classes_") else f"training R2 {_score(est, X, y):.4f}")
    print(f"{est!r} on {args.data} ({fmt}): {X.shape[0]} samples, {X.shape[1]} features; "
          f"{what}; {n_iter} iteration{'' if n_iter == 1 else 's'}, {seconds:.2f} s"
          f"{' (stopped at max_iter before converging)' if conv else ''}")
    print(f"saved {args.model_file}")
    return 0


def _format_labels(pred):
    """One text line per prediction: whole floats without '.0', other floats exactly (repr)."""
    pred = np.asarray(pred)
    if pred.dtype.kind == "f":
        if np.all(np.isfinite(pred)) and np.all(pred == np.round(pred)) \
                and np.all(np.abs(pred) < 2 ** 53):
            return "\n".join(map(str, pred.astype(np.int64).tolist()))
        return "\n".join(map(repr, pred.tolist()))
    return "\n".join(map(str, pred.tolist()))


def predict_cmd(args):
    """``fastoptim predict DATA MODEL_FILE OUTPUT``: one prediction per line (liblinear's predict).

    Whole-number labels are written without a decimal point, other numbers
    exactly (Python's shortest round-trip form), strings as they are.  When
    DATA has labels, prints the accuracy (classifiers) or the mean squared
    error and R^2 (regressors).  An svmlight DATA is read with the index base
    of the training file, stored in the model file by ``train``
    (``--zero-based``/``--one-based`` override it), so that its columns are
    the training file's.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``predict`` options.

    Returns
    -------
    int
        The exit status (0).
    """
    from .model_io import load_model

    if not os.path.exists(args.model_file):
        raise CLIError(f"{args.model_file}: no such model file")
    est, meta = load_model(args.model_file, return_metadata=True)
    zero = args.zero_based  # the flag, else the training file's base stored in the model
    if zero == "auto" and isinstance(meta.get("zero_based"), bool):
        zero = meta["zero_based"]
    X, y, _, _ = load_data(args.data, args.format, n_features=est.n_features_in_,
                           target_column=args.target_column, labels="optional", zero_based=zero)
    pred = est.predict(X)
    text = _format_labels(pred)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text + ("\n" if text else ""))
    if y is not None:
        if hasattr(est, "classes_"):
            if est.classes_.dtype.kind in "OUS":  # string classes: the file's labels are numbers
                print(f"wrote {len(pred)} predictions to {args.output} (the model's labels are "
                      f"strings, the file's numbers: no accuracy)")
                return 0
            hits = int(np.sum(pred == y))
            print(f"Accuracy = {100 * hits / len(y):.4g}% ({hits}/{len(y)})")
        else:
            mse = float(np.mean((np.asarray(pred, dtype=np.float64) - y) ** 2))
            print(f"Mean squared error = {mse:.6g} (regression)")
            print(f"R2 = {_score(est, X, y):.6g} (regression)")
    print(f"wrote {len(pred)} predictions to {args.output}")
    return 0


def find_bench():
    """bench/run.py of the source tree this package lives in.

    Returns
    -------
    pathlib.Path or None
        None for an installed package without the repository around it.
    """
    run = pathlib.Path(__file__).resolve().parent.parent / "bench" / "run.py"
    return run if run.is_file() else None


def bench_cmd(argv):
    """``fastoptim bench [args]``: run bench/run.py with the arguments.

    Parameters
    ----------
    argv : list of str
        Passed to bench/run.py unchanged (``--quick``, ``--only NAME``, ``--help``, ...).

    Returns
    -------
    int
        bench/run.py's exit status, or 2 (with a message) when bench/ is not
        next to the package.
    """
    run = find_bench()
    if run is None:
        where = pathlib.Path(__file__).resolve().parent.parent / "bench"
        print(f"fastoptim bench: the benchmarks are not installed with the package ({where} "
              f"does not exist); run them from a clone of the fastoptim repository "
              f"(python bench/run.py)", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, str(run), *argv])
