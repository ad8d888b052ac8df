"""Pictures of optimization: loss curves and optimizer paths over a loss surface.

matplotlib is an optional dependency (``pip install matplotlib``, or the
``plot`` extra: ``pip install "fastoptim[plot]"``); it is imported inside the
functions, so ``import fastoptim.plot`` works without it and only a call
raises the ImportError.

- :func:`loss_curves` -- training loss against epoch, one line per optimizer.
- :func:`training_curves` -- training (solid) and validation (dashed) loss
  against epoch, one colour per run, with a note per run in the legend.
- :func:`trajectories` -- optimizer paths drawn over the contours of a 2-D
  loss surface.
- :func:`record_path` -- the path of an optimizer from
  :mod:`fastoptim.optim` on a function of a few parameters, step by step.

Examples
--------
>>> import numpy as np
>>> from fastoptim.optim import SGD
>>> from fastoptim.plot import record_path
>>> def bowl(p):                                     # f(p) = |p|^2 / 2
...     p = np.asarray(p)
...     return 0.5 * float(p @ p), p.copy()
>>> record_path(bowl, [1.0, -2.0], SGD(lr=0.5), steps=2)
array([[ 1.  , -2.  ],
       [ 0.5 , -1.  ],
       [ 0.25, -0.5 ]])
"""
import numbers
from collections.abc import Mapping

import numpy as np

__all__ = ["loss_curves", "training_curves", "trajectories", "record_path"]

_HINT = "pip install matplotlib"


def _pyplot():
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"fastoptim.plot needs matplotlib, which is not installed: "
                          f"{_HINT} (or pip install \"fastoptim[plot]\")") from exc
    return plt


def _axes(ax):
    """``ax`` itself, or the Axes of a new pyplot figure."""
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots()
    return ax


def _as_curve(name, value):
    """(x, y) arrays of one curve: a sequence of losses, a (x, y) pair, or an estimator."""
    if hasattr(value, "loss_curve_"):
        value = value.loss_curve_
    elif hasattr(value, "fit") and hasattr(value, "get_params"):
        raise ValueError(f"curves[{name!r}] is an estimator without loss_curve_ (not fitted, or "
                         f"fitted by a solver that does not record one); pass its losses instead")
    if isinstance(value, tuple) and len(value) == 2 and all(np.ndim(v) == 1 for v in value):
        x = np.asarray(value[0], dtype=np.float64)
        y = np.asarray(value[1], dtype=np.float64)
        if x.shape != y.shape:
            raise ValueError(f"curves[{name!r}] is a pair (epochs, losses) of different lengths "
                             f"{x.size} and {y.size}")
        return [(x, y)]
    try:
        y = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        # a list of curves of different lengths (one per one-vs-rest problem)
        if isinstance(value, (list, tuple)) and all(np.ndim(v) == 1 for v in value):
            return [(np.arange(1, len(v) + 1, dtype=np.float64), np.asarray(v, np.float64))
                    for v in value]
        raise TypeError(f"curves[{name!r}] must be a sequence of losses, a pair (epochs, "
                        f"losses) or a fitted estimator with loss_curve_; got "
                        f"{type(value).__name__}") from None
    if y.ndim == 2:  # one curve per problem, of equal lengths
        return [(np.arange(1, y.shape[1] + 1, dtype=np.float64), row) for row in y]
    if y.ndim != 1:
        raise ValueError(f"curves[{name!r}] must be 1-D (one loss per epoch), got shape {y.shape}")
    return [(np.arange(1, y.size + 1, dtype=np.float64), y)]


def loss_curves(curves, ax=None, *, logy=True, title=None):
    """Plot training loss against epoch, one line per entry of ``curves``.

    Parameters
    ----------
    curves : dict
        ``name -> curve``, in the order to draw (and list in the legend).  A
        curve is a sequence of losses, one per epoch (drawn at epochs 1, 2,
        ...); a pair ``(epochs, losses)`` of two 1-D sequences of the same
        length, for a curve known at some epochs only (drawn with markers);
        or a fitted estimator with ``loss_curve_`` (the stochastic solvers
        record one; a list of curves -- one per one-vs-rest problem -- gives
        one line each, named ``name[k]``).  A curve of a single value is drawn
        as a dashed horizontal line (a reference level, e.g. a direct
        solver's loss).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new pyplot figure's.
    logy : bool, default True
        Logarithmic loss axis, when every loss is > 0 (otherwise linear).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        With one line per curve, labelled, and a legend.

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    TypeError, ValueError
        When a curve is not one of the forms above.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from fastoptim.plot import loss_curves
    >>> ax = loss_curves({"sgd": [1.0, 0.5, 0.3], "adam": [1.0, 0.2, 0.1]})
    >>> len(ax.lines)
    2
    """
    if not isinstance(curves, dict):
        raise TypeError(f"curves must be a dict name -> losses, got {type(curves).__name__}")
    ax = _axes(ax)
    positive = True
    longest = 1.0
    levels = []  # single values: dashed lines across the other curves' epochs, drawn last
    for name, value in curves.items():
        parts = _as_curve(name, value)
        for k, (x, y) in enumerate(parts):
            label = str(name) if len(parts) == 1 else f"{name}[{k}]"
            finite = y[np.isfinite(y)]
            positive &= bool(finite.size == 0 or finite.min() > 0)
            if y.size == 1:
                levels.append((label, float(y[0])))
                continue
            sampled = x.size > 1 and not np.array_equal(x, np.arange(1, x.size + 1))
            ax.plot(x, y, label=label, linewidth=1.5, marker="o" if sampled else None,
                    markersize=3)
            if np.isfinite(x).any():
                longest = max(longest, float(np.nanmax(x)))
    for label, level in levels:
        ax.plot([1.0, longest], [level, level], linestyle="--", linewidth=1.2, label=label)
    if logy and positive:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    if title is not None:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    if ax.lines:
        ax.legend(frameon=False)
    return ax


_RUN_KEYS = ("train", "validation", "note")


def _run_losses(where, value, logy):
    """One run's per-epoch losses as a finite 1-D float64 array (> 0 for a log axis)."""
    try:
        y = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where} must be a sequence of per-epoch losses (numbers), got "
                        f"{type(value).__name__}") from None
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"{where} must be a non-empty 1-D sequence (one loss per epoch), got "
                         f"shape {y.shape}")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ValueError(f"{where} holds {y[bad[0]]} at epoch {bad[0] + 1}: every loss must "
                         f"be finite (a run that diverged has no curve to draw; cut it at the "
                         f"last finite epoch)")
    if logy:
        bad = np.flatnonzero(y <= 0)
        if bad.size:
            raise ValueError(f"{where} holds {y[bad[0]]} at epoch {bad[0] + 1}, which a "
                             f"logarithmic axis cannot show; pass logy=False for losses <= 0")
    return y


def _check_runs(runs, logy):
    """[(name, train, validation or None, note or None)] of validated runs."""
    if not isinstance(runs, Mapping):
        raise TypeError(f"runs must be a dict name -> {{'train': losses, 'validation': "
                        f"losses or None, 'note': str}}, got {type(runs).__name__}")
    if not runs:
        raise ValueError("runs is empty: pass at least one run, e.g. "
                         "{'adam': {'train': model.loss_curve_}}")
    checked = []
    for name, run in runs.items():
        if not isinstance(run, Mapping):
            raise TypeError(f"runs[{name!r}] must be a dict with the key 'train' (and "
                            f"optionally 'validation' and 'note'), got {type(run).__name__}")
        unknown = sorted(str(k) for k in run if k not in _RUN_KEYS)
        if unknown:
            raise ValueError(f"runs[{name!r}] has unknown keys {unknown}; the keys are "
                             f"'train' (required), 'validation' and 'note'")
        if "train" not in run:
            raise ValueError(f"runs[{name!r}] has no 'train' losses; pass "
                             f"{{'train': model.loss_curve_}}")
        train = _run_losses(f"runs[{name!r}]['train']", run["train"], logy)
        validation = run.get("validation")
        if validation is not None:
            validation = _run_losses(f"runs[{name!r}]['validation']", validation, logy)
            if validation.size != train.size:
                raise ValueError(f"runs[{name!r}]['validation'] has {validation.size} losses "
                                 f"for {train.size} training epochs; pass one validation loss "
                                 f"per epoch (e.g. validation_loss_curve_) or None")
        note = run.get("note")
        if note is not None and not isinstance(note, str):
            raise TypeError(f"runs[{name!r}]['note'] must be a str (e.g. 'test acc 95.3%') "
                            f"or None, got {type(note).__name__}")
        checked.append((str(name), train, validation, note or None))
    return checked


def training_curves(runs, ax=None, *, logy=True, title=None, xlabel="epoch"):
    """Plot training (solid) and validation (dashed) loss against epoch, one colour per run.

    Parameters
    ----------
    runs : dict
        ``name -> {"train": losses, "validation": losses or None, "note": str}``,
        in the order to draw.  ``"train"`` (required) holds one loss per epoch,
        drawn at epochs 1, 2, ..., n (e.g. an estimator's ``loss_curve_``);
        ``"validation"`` (optional) one loss per epoch as well, the same n
        (e.g. ``validation_loss_curve_`` of an MLP fitted with
        ``early_stopping=True``); ``"note"`` (optional) a short text appended
        to the run's legend label, e.g. ``"test acc 95.3%"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new pyplot figure's.
    logy : bool, default True
        Logarithmic loss axis; every loss must then be > 0.
    title : str, optional
    xlabel : str, default "epoch"
        The x axis' label (e.g. "pass over the data").

    Returns
    -------
    matplotlib.axes.Axes
        With, per run, its training line (``ax.lines``, labelled with the
        name) followed by its validation line when given (labelled ``name
        (validation)``), and a legend: one entry per run (``name: note``) and,
        when some run has a validation curve, two entries saying which line
        style is which.

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    TypeError, ValueError
        When ``runs`` is empty or not a dict of such dicts, when a curve is not
        a non-empty 1-D sequence of finite numbers (> 0 with ``logy``), or when
        a validation curve's length is not its training curve's.  Nothing is
        drawn then.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from fastoptim.plot import training_curves
    >>> ax = training_curves({"adam": {"train": [1.0, 0.5, 0.3],
    ...                                "validation": [1.1, 0.7, 0.6],
    ...                                "note": "test acc 91%"}})
    >>> [line.get_linestyle() for line in ax.lines]
    ['-', '--']
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['adam: test acc 91%', 'training', 'validation']
    """
    checked = _check_runs(runs, bool(logy))
    ax = _axes(ax)
    from matplotlib.lines import Line2D

    handles = []
    for name, train, validation, note in checked:
        epochs = np.arange(1, train.size + 1, dtype=np.float64)
        marker = "o" if train.size == 1 else None  # a single epoch is a point, not a line
        (line,) = ax.plot(epochs, train, linestyle="-", linewidth=1.5, marker=marker,
                          markersize=4, label=name)
        if validation is not None:
            ax.plot(epochs, validation, linestyle="--", linewidth=1.5, marker=marker,
                    markersize=4, color=line.get_color(), label=f"{name} (validation)")
        handles.append(Line2D([], [], color=line.get_color(), linewidth=1.5,
                              label=name if note is None else f"{name}: {note}"))
    if any(validation is not None for _, _, validation, _ in checked):
        handles += [Line2D([], [], color="0.4", linestyle="-", linewidth=1.5, label="training"),
                    Line2D([], [], color="0.4", linestyle="--", linewidth=1.5,
                           label="validation")]
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if title is not None:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(handles=handles, frameon=False)
    return ax


def _surface(fun, W, B):
    """fun at the grid points (W[i, j], B[i, j]): vectorised when fun allows, else pointwise."""
    def value(out):
        return out[0] if isinstance(out, tuple) else out

    try:
        with np.errstate(all="ignore"):
            Z = np.asarray(value(fun(np.stack([W, B]))), dtype=np.float64)
        if Z.shape == W.shape:
            return Z
    except Exception:  # noqa: BLE001 -- fun does not broadcast: evaluate point by point
        pass
    with np.errstate(all="ignore"):
        flat = [float(value(fun(np.array([w, b])))) for w, b in zip(W.ravel(), B.ravel())]
    return np.asarray(flat).reshape(W.shape)


def trajectories(fun, paths, *, xlim, ylim, levels=None, ax=None, title=None, resolution=200):
    """Draw optimizer paths over the contours of a loss surface of two parameters.

    Parameters
    ----------
    fun : callable
        ``fun(p) -> value`` (or ``-> (value, grad)``, the gradient is ignored)
        for a point ``p = [x, y]``.  Evaluated on a ``resolution`` x
        ``resolution`` grid: first once with ``p`` of shape (2, resolution,
        resolution) (a fun written with NumPy operations broadcasts), and
        point by point when that fails or returns another shape.
    paths : dict
        ``name -> array of shape (steps, 2)``: the points an optimizer visited
        (see :func:`record_path`), drawn in the order given.
    xlim, ylim : (float, float)
        The ranges of the first and second parameter shown.
    levels : int or sequence of float, optional
        Contour levels.  By default 20 levels at quantiles of the surface's
        values on the grid, which resolves both the valley floor and the
        walls of surfaces of any scale.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new pyplot figure's.
    title : str, optional
    resolution : int, default 200
        Grid points per axis.

    Returns
    -------
    matplotlib.axes.Axes
        With the contours, one line per path (``ax.lines``, labelled with
        its name, a dot per step) and a marker at each path's start.

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    ValueError
        When a path is not of shape (steps, 2).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from fastoptim.optim import SGD
    >>> from fastoptim.plot import record_path, trajectories
    >>> def bowl(p):
    ...     p = np.asarray(p)
    ...     return 0.5 * p[0] ** 2 + 5 * p[1] ** 2, np.array([p[0], 10 * p[1]])
    >>> path = record_path(bowl, [-2.0, 1.0], SGD(lr=0.15), steps=20)
    >>> ax = trajectories(bowl, {"gd": path}, xlim=(-3, 3), ylim=(-2, 2))
    >>> len(ax.lines)
    1
    """
    if not isinstance(paths, dict):
        raise TypeError(f"paths must be a dict name -> array of shape (steps, 2), got "
                        f"{type(paths).__name__}")
    arrays = {}
    for name, path in paths.items():
        a = np.asarray(path, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] < 1:
            raise ValueError(f"paths[{name!r}] must have shape (steps, 2), got {a.shape}")
        arrays[name] = a
    if not (isinstance(resolution, numbers.Integral) and resolution >= 2):
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    ax = _axes(ax)
    xs = np.linspace(float(xlim[0]), float(xlim[1]), int(resolution))
    ys = np.linspace(float(ylim[0]), float(ylim[1]), int(resolution))
    W, B = np.meshgrid(xs, ys)
    Z = _surface(fun, W, B)
    if levels is None:
        finite = Z[np.isfinite(Z)]
        levels = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, 22)[1:-1])) \
            if finite.size else 10
        if np.ndim(levels) == 1 and len(levels) < 2:
            levels = 10
    ax.contour(W, B, Z, levels=levels, cmap="viridis", linewidths=0.8, alpha=0.8)
    starts = []
    for name, a in arrays.items():
        ax.plot(a[:, 0], a[:, 1], marker=".", markersize=3, linewidth=1.3, label=str(name))
        starts.append(a[0])
    if starts:
        s = np.asarray(starts)
        ax.scatter(s[:, 0], s[:, 1], marker="s", s=30, color="black", zorder=3)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if title is not None:
        ax.set_title(title)
    if arrays:
        ax.legend(frameon=False, loc="best")
    return ax


def record_path(fun_value_grad, x0, optimizer, steps):
    """The points an optimizer visits: x0 and the point after each of ``steps`` steps.

    Each step evaluates the gradient at the current point and calls
    ``optimizer.step(x, grad)`` (the update is the optimizer's, in place,
    its state advancing), so the path is exactly what the optimizer does.

    Parameters
    ----------
    fun_value_grad : callable
        ``fun_value_grad(x) -> (value, grad)`` with ``grad`` of x's size.
    x0 : array-like of shape (n,)
        The start (n = 2 for :func:`trajectories`); copied to float64.
    optimizer : fastoptim.optim.Optimizer
        Used as it is (pass a fresh one, or call its ``reset()``, for a
        fresh start); any object with ``step(params, grads)`` works.
    steps : int
        Number of steps, >= 0.

    Returns
    -------
    ndarray of shape (steps + 1, n)
        Row 0 is x0, row t the point after t steps.

    Raises
    ------
    FloatingPointError
        When the gradient or the point stops being finite (the steps
        diverged: try a smaller learning rate), naming the step.
    TypeError
        When ``optimizer`` has no ``step`` method.

    See Also
    --------
    fastoptim.optim.minimize : the same iteration with a stopping test (its
        ``history`` holds the values, its ``callback`` sees the points).
    """
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(params, grads) method (an optimizer from "
                        f"fastoptim.optim such as SGD(lr=0.1)), got {optimizer!r}")
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    x = np.array(x0, dtype=np.float64).reshape(-1)
    path = np.empty((int(steps) + 1, x.size))
    path[0] = x
    for t in range(1, int(steps) + 1):
        _, grad = fun_value_grad(x.copy())
        grad = np.asarray(grad, dtype=np.float64).reshape(-1)
        if grad.size != x.size:
            raise ValueError(f"record_path: fun_value_grad returned a gradient of size "
                             f"{grad.size} for {x.size} parameters (step {t})")
        if not np.all(np.isfinite(grad)):
            raise FloatingPointError(f"record_path: a non-finite gradient at step {t}; the steps "
                                     f"diverged (try a smaller learning rate)")
        optimizer.step(x, grad)
        if not np.all(np.isfinite(x)):
            raise FloatingPointError(f"record_path: the point became non-finite at step {t}; "
                                     f"try a smaller learning rate")
        path[t] = x
    return path
