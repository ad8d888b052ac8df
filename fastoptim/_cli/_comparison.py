"""The comparison that ``fastoptim`` (on USPS) and ``fastoptim compare`` (on a file) run:
one fit per optimizer, measured, tabled and drawn.  Results go to stdout; progress (a line
per optimizer, and a bar per epoch of a network) to stderr when it is a terminal only."""
import copy
import sys
import time

import numpy as np

from .._config import config_info
from ..plot import loss_curves, training_curves
from ._models import data_loss, n_iter, quiet_fit, score
from ._training import FitTicker
from .networks import EpochProgress, on_terminal, unwatch, watch

__all__ = ["run_comparison", "format_table", "write_plot", "report", "build_summary", "PLOT_HINT",
           "FOOTNOTE", "SVC_FOOTNOTE", "XLABEL"]

PLOT_HINT = "pip install matplotlib to get the plot"


def _checkpoints(n, num=12):
    """About ``num`` iteration counts from 1 to n, roughly geometric (each a separate refit)."""
    return np.unique(np.round(np.geomspace(1, n, num=min(n, num))).astype(int))


def _mean_curve(curve):
    """One curve of a curve or of a list of them (one per problem: their mean, as long as
    the shortest)."""
    return np.asarray(curve if np.ndim(curve[0]) == 0 else
                      np.mean([c[:min(map(len, curve))] for c in curve], axis=0), dtype=float)


def _passes(model):
    """The passes over the data at each entry of the model's curve (full-batch solvers
    that count them), or None."""
    passes = getattr(model, "_passes_curve", None)
    return None if passes is None or not len(passes) else _mean_curve(passes)


def _curve(model, X, y, n_iter, points=12):
    """(epochs, losses) of a fitted model: its loss_curve_, or refits at a few max_iter.

    Every x is in epochs (passes over the training set): a full-batch solver's
    iterations are drawn at the passes over the data made by then (its objective's
    evaluations and Hessian products), where the model counts them.  The solvers
    without a loss curve are deterministic, so refitting with ``max_iter=k`` stops
    at exactly the k-th iterate of the same run; their curve is sampled there
    (about ``points`` refits, geometric k).  A direct solve gives its loss alone.
    """
    curve = getattr(model, "loss_curve_", None)
    if curve is not None and len(curve):
        c = _mean_curve(curve)
        passes = _passes(model)
        if passes is not None and passes.size >= c.size and np.all(np.diff(passes[:c.size]) > 0):
            return passes[:c.size], c
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


def run_comparison(runs, X, y, X_test, y_test, *, progress=None, points=12, validation=None):
    """Fit one estimator per run and measure it.

    Parameters
    ----------
    runs : list of (name, estimator, settings text, fixed)
        ``fixed``: the run has a fixed budget of epochs (the stochastic
        solvers here), so stopping at max_iter is by design, not news.
    X, y, X_test, y_test : the data
    progress : file, optional
        Where progress goes (default: sys.stderr), when it is a terminal: a
        bar per epoch of a network, one line per finished run.  A run that
        diverged is reported there in any case.
    points : int
        Points of the sampled curves of the full-batch linear solvers (see _curve).
    validation : (X, y), optional
        Held-out rows on which a network's loss is measured after each epoch
        (its validation curve); not used by the other models.

    Returns
    -------
    rows : list of dict
        name, epochs, loss, score, seconds, settings, error, stopped (bool:
        a full-batch solver hit its max_iter).
    curves : dict
        name -> (epochs, losses) for the plot; for a network, name ->
        ``{"train": losses, "validation": losses or None}`` (one per epoch,
        :func:`fastoptim.plot.training_curves`'s runs).  Seconds exclude the
        validation measurements.
    """
    progress = sys.stderr if progress is None else progress
    live = on_terminal(progress)
    rows, curves = [], {}
    for i, (name, model, settings, fixed) in enumerate(runs, start=1):
        label = f"[{i}/{len(runs)}] {name:<9}"
        row = dict(name=name, settings=settings, epochs=None, loss=None, score=None,
                   seconds=None, error=None, stopped=False)
        bar = EpochProgress(model.get_params().get("max_iter") or 1, progress, label + " ") \
            if live else None
        recorder = watch(model, validation, bar)
        # a model without epochs to draw (a linear one): its seconds, once past one
        ticker = FitTicker(label.rstrip(), progress) if live and recorder is None else None
        start = time.perf_counter()
        try:
            try:
                conv = quiet_fit(model, X, y)
            finally:
                if ticker is not None:
                    ticker.close()
            row["seconds"] = time.perf_counter() - start - (recorder.overhead if recorder else 0)
        except FloatingPointError as exc:
            row["error"] = "diverged"
            if bar is not None:
                bar.close()
            print(f"{label} diverged: {exc}", file=progress, flush=True)
            rows.append(row)
            continue
        finally:
            unwatch(model)
        row["epochs"] = n_iter(model)
        row["stopped"] = bool(conv) and not fixed
        row["loss"] = data_loss(model, X, y)
        row["score"] = score(model, X_test, y_test)
        curves[name] = recorder.run(model) if recorder else _curve(model, X, y, row["epochs"],
                                                                   points)
        rows.append(row)
        epochs = "-" if row["epochs"] is None else row["epochs"]
        line = (f"{label} {epochs:>4} epochs  train loss {row['loss']:.4f}  "
                f"{row['seconds']:.3f} s")
        if bar is not None:
            bar.close(line)  # the run's line replaces its bar (or is written, for a linear model)
    return rows, curves


def _loss_text(loss):
    """4 decimals; a loss below 1e-3 (a network that fits its training set) in 3 digits, and
    one too large for 4 decimals in 11 characters (a diverging run, unscaled targets) as
    1.2346e+07."""
    if not np.isfinite(loss):
        return str(loss)
    if 0 < abs(loss) < 1e-3:
        return f"{loss:.2e}"
    text = f"{loss:.4f}"
    return text if len(text) <= 11 else f"{loss:.4e}"


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
    cells = []
    for r in rows:
        if r["error"]:
            cells.append((r["name"], "-", r["error"], "-", "-", r["settings"]))
            continue
        epochs = "-" if r["epochs"] is None else str(r["epochs"])
        value = (f"{100 * r['score']:.2f}%" if kind == "classifier" else f"{r['score']:.4f}")
        cells.append((r["name"], epochs, _loss_text(r["loss"]), value, f"{r['seconds']:.3f}",
                      r["settings"]))
    header = ("optimizer", "epochs", "train loss", score, "seconds", "settings")
    # every column as wide as its widest cell (a long solver name, a loss of 1e12, ...)
    widths = [max(len(c[k]) for c in cells + [header]) for k in range(5)]
    widths = [max(w, least) for w, least in zip(widths, (10, 6, 11, 9, 8))]

    def line(c):
        return (f"{c[0]:<{widths[0]}} {c[1]:>{widths[1]}} {c[2]:>{widths[2]}} "
                f"{c[3]:>{widths[3]}} {c[4]:>{widths[4]}}  {c[5]}")

    lines = [line(header)]
    lines.append("-" * (len(lines[0]) + 24))
    lines += [line(c) for c in cells]
    return "\n".join(lines)


XLABEL = "epoch (pass over the training set; gd, lbfgs: one per evaluation of the objective)"


def write_plot(curves, out, title, xlabel=XLABEL, best=()):
    """Draw the loss curves into ``out`` (PNG).

    Parameters
    ----------
    curves : dict
        name -> (epochs, losses), as :func:`fastoptim.plot.loss_curves` takes them;
        or (networks) name -> ``{"train": ..., "validation": ..., "note": ...}``, as
        :func:`fastoptim.plot.training_curves` takes them (training solid, validation
        dashed, the note in the legend).
    out : str
        The file to write.
    title : str
    xlabel : str, optional
        The label of the x axis (default: epochs, the passes over the training set,
        in which the full-batch solvers' iterations are counted).
    best : collection of str, optional
        The runs whose legend entries are set in bold.

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
    fig = Figure(figsize=(11.5, 5.5), layout="constrained")  # (the legend right of the axes)
    ax = fig.add_subplot()
    if all(isinstance(curve, dict) for curve in curves.values()):
        training_curves(curves, ax=ax, logy=True, title=title, xlabel=xlabel)
        ax.set_xscale("log")  # 40 epochs beside 300 passes: each gets its share of the axis
        for text in ax.get_legend().get_texts():
            if text.get_text().split(":")[0] in best:
                text.set_fontweight("bold")
    else:
        loss_curves(curves, ax=ax, logy=True, title=title)
        ax.set_xlabel(xlabel)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    return True


def _with_notes(rows, curves, kind):
    """The networks' runs for the figure, each with its test score as the legend note and
    the best marked (every run of the best score, on a tie); and the best runs' names."""
    scored = [r for r in rows if r["name"] in curves and r["score"] is not None
              and np.isfinite(r["score"])]
    top = max((r["score"] for r in scored), default=None)
    best = {r["name"] for r in scored if r["score"] == top}
    runs = {}
    for r in rows:
        if r["name"] not in curves:
            continue
        if r["score"] is None:
            note = None
        else:
            note = (f"test acc {100 * r['score']:.2f}%" if kind == "classifier"
                    else f"test R2 {r['score']:.4f}") + (" (best)" if r["name"] in best else "")
        runs[r["name"]] = dict(curves[r["name"]], note=note)
    return runs, best


def report(rows, curves, kind, *, title, out, plot, footnote, xlabel=XLABEL):
    """Print the table, the footnote and the runs that hit their limit; draw the figure
    (for networks, with each run's test score in the legend and the best one marked)."""
    print(format_table(rows, kind))
    print(footnote)
    stopped = [r["name"] for r in rows if r["stopped"]]
    if stopped:
        print(f"stopped at their iteration limit before converging: {', '.join(stopped)}")
    if plot and curves:
        best = ()
        if all(isinstance(curve, dict) for curve in curves.values()):
            curves, best = _with_notes(rows, curves, kind)
        write_plot(curves, out, title, xlabel, best=best)


FOOTNOTE = ("train loss: {what} on the training set, without the penalty; epochs: passes over "
             "the training set (gd, lbfgs: iterations; the figure draws them at the passes "
             "over the data made by then, one per evaluation of the objective)")
SVC_FOOTNOTE = ("train loss: mean hinge loss of the one-vs-one problems on the training set, "
                 "without the penalty; epochs: SMO iterations (pairs of dual variables updated; "
                 "the most of any one-vs-one problem)")


def build_summary():
    """'OpenMP on, 2 threads, AVX2/FMA kernels': what the seconds column ran on."""
    info = config_info()
    return (f"OpenMP {'on' if info['openmp'] else 'off'}, {info['n_threads']} thread"
            f"{'' if info['n_threads'] == 1 else 's'}, "
            f"{'AVX2/FMA' if info['cpu_uses_avx2_clone'] else 'baseline'} kernels")
