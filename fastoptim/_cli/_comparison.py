"""The comparison that ``fastoptim`` (on USPS) and ``fastoptim compare`` (on a file) run:
one fit per optimizer, measured, tabled and drawn.  Progress goes to stderr, results to
stdout."""
import copy
import sys
import time

import numpy as np

from .._config import config_info
from ..plot import loss_curves
from ._models import data_loss, n_iter, quiet_fit, score

__all__ = ["run_comparison", "format_table", "write_plot", "report", "build_summary", "PLOT_HINT",
           "FOOTNOTE", "SVC_FOOTNOTE", "XLABEL"]

PLOT_HINT = "pip install matplotlib to get the plot"


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
        quiet_fit(m, X, y)
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
            conv = quiet_fit(model, X, y)
            row["seconds"] = time.perf_counter() - start
        except FloatingPointError as exc:
            row["error"] = "diverged"
            print(f"[{i}/{len(runs)}] {name:<9} diverged: {exc}", file=progress, flush=True)
            rows.append(row)
            continue
        row["epochs"] = n_iter(model)
        row["stopped"] = bool(conv) and not fixed
        row["loss"] = data_loss(model, X, y)
        row["score"] = score(model, X_test, y_test)
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


XLABEL = "epoch (gd, lbfgs: iteration)"


def write_plot(curves, out, title, xlabel=XLABEL):
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
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    loss_curves(curves, ax=ax, logy=True, title=title)
    ax.set_xlabel(xlabel)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    return True


def report(rows, curves, kind, *, title, out, plot, footnote, xlabel=XLABEL):
    """Print the table, the footnote and the runs that hit their limit; draw the figure."""
    print(format_table(rows, kind))
    print(footnote)
    stopped = [r["name"] for r in rows if r["stopped"]]
    if stopped:
        print(f"stopped at their iteration limit before converging: {', '.join(stopped)}")
    if plot and curves:
        write_plot(curves, out, title, xlabel)


FOOTNOTE = ("train loss: {what} on the training set, without the penalty; epochs: passes over "
             "the training set (gd, lbfgs: iterations)")
SVC_FOOTNOTE = ("train loss: mean hinge loss of the one-vs-one problems on the training set, "
                 "without the penalty; epochs: SMO iterations (pairs of dual variables updated; "
                 "the most of any one-vs-one problem)")


def build_summary():
    """'OpenMP on, 2 threads, AVX2/FMA kernels': what the seconds column ran on."""
    info = config_info()
    return (f"OpenMP {'on' if info['openmp'] else 'off'}, {info['n_threads']} thread"
            f"{'' if info['n_threads'] == 1 else 's'}, "
            f"{'AVX2/FMA' if info['cpu_uses_avx2_clone'] else 'baseline'} kernels")
