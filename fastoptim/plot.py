"""Pictures of optimization: loss curves, optimizer paths over a loss surface, and the
layer-by-layer values of networks.

matplotlib is an optional dependency (``pip install matplotlib``, or the
``plot`` extra: ``pip install "fastoptim[plot]"``); it is imported inside the
functions, so ``import fastoptim.plot`` works without it and only a call
raises the ImportError.

- :func:`loss_curves` -- training loss against epoch, one line per optimizer.
- :func:`training_curves` -- training (solid) and validation (dashed) loss
  against epoch, one colour per run, with a note per run in the legend.
- :func:`activation_histograms` -- per hidden layer of a network, the
  histogram of its units' values on some inputs, with their mean and std
  (the initialisation experiment: collapse, saturation, explosion).
- :func:`layer_values` -- the per-layer pre-activations and activations of a
  fitted MLP or of weights (NumPy, evaluation mode), the numbers behind it.
- :func:`initial_network` -- a network's weights at initialisation
  (:class:`NetworkWeights`): the MLPs' ``init`` schemes or N(0, std^2).
- :func:`lr_schedule` -- the values of learning-rate schedules against the
  step.
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
from __future__ import annotations

import numbers
import operator
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:  # annotations only: matplotlib stays an optional dependency
    import matplotlib.axes
    import scipy.sparse as sp

    from . import neural_network
    from .optim.schedules import Schedule

__all__ = ["loss_curves", "training_curves", "activation_histograms", "layer_values",
           "initial_network", "NetworkWeights", "lr_schedule", "trajectories", "record_path"]

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
    fig, ax = _pyplot().subplots()
    fig._fastoptim_new = True  # (a figure of fastoptim's own: _legend_outside may widen it)
    return ax


def _legend_outside(ax, **kwargs):
    """The legend to the right of the axes, outside the data (a figure with
    ``layout="constrained"`` makes room for it; pyplot's own figures are widened)."""
    legend = ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                       borderaxespad=0.0, **kwargs)
    fig = ax.figure
    if getattr(fig, "_fastoptim_new", False) and not getattr(fig, "_fastoptim_widened", False):
        w, h = fig.get_size_inches()
        fig.set_size_inches(w * 1.4, h)
        fig.set_layout_engine("constrained")
        fig._fastoptim_widened = True
    return legend


#: When the final training losses of the runs lie within this fraction of the smallest one,
#: training_curves(y='auto') draws the gap to the best loss found instead of the loss.
CLOSE_FINISH = 0.1
#: The reference of the gap lies this fraction of the spread of the final losses (or, when
#: they are equal, this fraction of the best loss) below the best loss found, so that the
#: best run's last point has a gap > 0 on a logarithmic axis.
GAP_MARGIN = 1e-3


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


def loss_curves(curves: dict[str, Any], ax: matplotlib.axes.Axes | None = None, *,
                logy: bool = True, title: str | None = None) -> matplotlib.axes.Axes:
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
        The axes' title; None (the default) sets none.

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
        _legend_outside(ax)
    return ax


_RUN_KEYS = ("train", "validation", "epochs", "note")


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
    """[(name, train, validation or None, note or None, epochs)] of validated runs."""
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
                             f"'train' (required), 'validation', 'epochs' and 'note'")
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
        epochs = run.get("epochs")
        if epochs is None:
            epochs = np.arange(1, train.size + 1, dtype=np.float64)
        else:
            where = f"runs[{name!r}]['epochs']"
            try:
                epochs = np.asarray(epochs, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"{where} must be a sequence of numbers (the x position of "
                                f"each training loss), got {type(run['epochs']).__name__}"
                                ) from None
            if epochs.shape != train.shape:
                raise ValueError(f"{where} has shape {epochs.shape} for {train.size} training "
                                 f"losses; pass one x position per loss, or no 'epochs' (1, 2, "
                                 f"..., n)")
            if not (np.all(np.isfinite(epochs)) and np.all(epochs > 0)
                    and np.all(np.diff(epochs) > 0)):
                raise ValueError(f"{where} must be finite, > 0 and increasing (the passes over "
                                 f"the data by each loss), got {epochs.tolist()[:8]}")
        checked.append((str(name), train, validation, note or None, epochs))
    return checked


def _plain_log_labels(ax, low, high):
    """Tick labels of a log y axis as plain numbers (0.2, 1, 1e-05); on an axis of less
    than two decades, the 2s, 3s and 5s between the powers of ten labelled too."""
    from matplotlib.ticker import FuncFormatter

    def plain(value, _pos=None):
        return f"{value:g}"

    def between(value, _pos=None):
        digit = round(value / 10.0 ** np.floor(np.log10(value)))
        return plain(value) if digit in (2, 3, 5) else ""

    ax.yaxis.set_major_formatter(FuncFormatter(plain))
    if np.log10(high / low) < 2.0:
        ax.yaxis.set_minor_formatter(FuncFormatter(between))


def training_curves(runs: Mapping[str, Mapping[str, Any]],
                    ax: matplotlib.axes.Axes | None = None, *, logy: bool = True,
                    title: str | None = None, xlabel: str = "epoch",
                    y: Literal["auto", "loss", "gap"] = "auto") -> matplotlib.axes.Axes:
    """Plot training (solid) and validation (dashed) loss against epoch, one colour per run.

    When the runs end close together (their final training losses within
    :data:`CLOSE_FINISH` of the smallest), their loss curves overlap where they
    differ most: ``y='auto'`` then draws each training curve's gap to the best
    loss found, :math:`f_t - f^*` on a logarithmic axis, where :math:`f^*` is the
    smallest training loss of any run minus :data:`GAP_MARGIN` of the final losses'
    spread (or of the best loss, when they are equal) so that the best run ends
    above zero.  The validation curves are not drawn then (their gap to the
    training optimum means nothing).  The legend sits outside the data, right
    of the axes.

    Parameters
    ----------
    runs : dict
        ``name -> {"train": losses, "validation": losses or None, "epochs": x,
        "note": str}``, in the order to draw.  ``"train"`` (required) holds one
        loss per epoch (e.g. an estimator's ``loss_curve_``); ``"validation"``
        (optional) one loss per epoch as well, the same n (e.g.
        ``validation_loss_curve_`` of an MLP fitted with ``early_stopping=True``);
        ``"epochs"`` (optional) the x position of each loss, increasing and > 0,
        by default 1, 2, ..., n -- for a full-batch solver, whose losses are per
        iteration, the passes over the data made by each iteration, so that
        every run of a figure is drawn in one unit (epochs); ``"note"``
        (optional) a short text appended to the run's legend label, e.g.
        ``"test acc 95.3%"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new pyplot figure's.
    logy : bool, default True
        Logarithmic loss axis; every loss must then be > 0.
    title : str, optional
        The axes' title; None (the default) sets none.
    xlabel : str, default "epoch"
        The x axis' label (e.g. "pass over the data").
    y : {'auto', 'loss', 'gap'}, default 'auto'
        What the y axis shows: the losses, the training losses' gap to the best
        found, or ('auto') the gap when the runs end close together (above).

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
    if y not in ("auto", "loss", "gap"):
        raise ValueError(f"y must be 'auto', 'loss' or 'gap', got {y!r}")
    checked = _check_runs(runs, bool(logy) and y == "loss")
    finals = np.array([train[-1] for _, train, _, _, _ in checked])
    best = float(min(train.min() for _, train, _, _, _ in checked))
    if y == "auto":
        close = finals.min() > 0 and (finals.max() - finals.min()) <= CLOSE_FINISH * finals.min()
        y = "gap" if close and len(checked) > 1 else "loss"
    if y == "gap":
        spread = float(finals.max() - best)
        reference = best - GAP_MARGIN * (spread if spread > 0 else max(abs(best), 1e-300))
        checked = [(name, train - reference, None, note, epochs)
                   for name, train, _, note, epochs in checked]
    elif logy:
        checked = _check_runs(runs, True)  # the losses themselves on a log axis: > 0
    ax = _axes(ax)
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    handles = []
    for name, train, validation, note, epochs in checked:
        marker = "o" if train.size == 1 else None  # a single epoch is a point, not a line
        (line,) = ax.plot(epochs, train, linestyle="-", linewidth=1.5, marker=marker,
                          markersize=4, label=name)
        if validation is not None:
            ax.plot(epochs, validation, linestyle="--", linewidth=1.5, marker=marker,
                    markersize=4, color=line.get_color(), label=f"{name} (validation)")
        handles.append(Line2D([], [], color=line.get_color(), linewidth=1.5,
                              label=name if note is None else f"{name}: {note}"))
    if any(validation is not None for _, _, validation, _, _ in checked):
        handles += [Line2D([], [], color="0.4", linestyle="-", linewidth=1.5, label="training"),
                    Line2D([], [], color="0.4", linestyle="--", linewidth=1.5,
                           label="validation")]
    if logy:
        ax.set_yscale("log")
        values = np.concatenate([c for _, train, val, _, _ in checked
                                 for c in (train, val) if c is not None])
        _plain_log_labels(ax, float(values.min()), float(values.max()))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))  # epochs
    ax.set_xlabel(xlabel)
    ax.set_ylabel("training loss - best loss found" + (" (log)" if logy else "")
                  if y == "gap" else "loss")
    if title is not None:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    _legend_outside(ax, handles=handles)
    return ax


# -- networks: the values of each layer --------------------------------------------------------

_OUTPUT_LAYERS = ("softmax", "logistic", "identity")


class NetworkWeights(namedtuple("NetworkWeights",
                                ["coefs", "intercepts", "activation", "out_activation"],
                                defaults=["identity"])):
    """The weights of a network without batch norm, for :func:`layer_values` and
    :func:`activation_histograms` (e.g. a network at initialisation, from
    :func:`initial_network`).

    Parameters
    ----------
    coefs : list of ndarray
        Per layer, the weights of shape (n_in, n_out), as an MLP's ``coefs_``.
    intercepts : list of ndarray
        Per layer, the biases of shape (n_out,), as ``intercepts_``.
    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', 'gelu'}
        The hidden units' function (leaky ReLU's slope 0.01, as the MLPs').
    out_activation : {'identity', 'softmax', 'logistic'}, default 'identity'
        The output layer's function.
    """

    __slots__ = ()


def initial_network(sizes: Sequence[int], activation: str = "relu",
                    init: str | float = "he_normal", *,
                    random_state: int | np.random.RandomState | np.random.Generator | None = None,
                    ) -> NetworkWeights:
    """The weights of a network at initialisation (the layer-by-layer init experiment).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``(n_features, hidden_1, ..., hidden_k, n_outputs)``,
        each >= 1, at least two.
    activation : str, default 'relu'
        The hidden units' function, one of the MLPs' activations.
    init : str or float, default 'he_normal'
        A name of the MLPs' ``init`` ('glorot_uniform', 'xavier_normal',
        'he_normal', 'he_uniform', 'lecun_normal':
        :func:`fastoptim.neural_network._init.initial_layers`, with the gain of
        ``activation``, so that ``MLPClassifier(init=..., random_state=seed)``
        starts from these weights), or a number > 0: every weight drawn from
        N(0, init^2) and every bias 0, the "too small" and "too large" cases.
        MATH.md's Var(w) = 1 / D_in (the lecture's Xavier) is 'lecun_normal';
        when every layer has D_in inputs it is also ``init=1 / sqrt(D_in)``,
        and He's Var(w) = 2 / D_in ``init=sqrt(2 / D_in)`` (for any
        activation; 'he_normal' takes the gain of ``activation``).
    random_state : int, numpy.random.RandomState, numpy.random.Generator or None
        The draws (None: seeded by the operating system).

    Returns
    -------
    NetworkWeights
        ``(coefs, intercepts, activation, 'identity')``, float64.

    Raises
    ------
    ValueError, TypeError
        When ``sizes``, ``activation``, ``init`` or ``random_state`` is not
        one of the forms above.

    Examples
    --------
    >>> from fastoptim.plot import initial_network
    >>> net = initial_network((256, 256, 10), "tanh", init=0.01, random_state=0)
    >>> [W.shape for W in net.coefs], net.activation
    ([(256, 256), (256, 10)], 'tanh')
    """
    from .base import as_random_state
    from .neural_network._init import INITS, initial_layers
    from ._network import ACTIVATIONS

    sizes = tuple(sizes) if isinstance(sizes, (list, tuple)) else sizes
    if not (isinstance(sizes, tuple) and len(sizes) >= 2 and all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1
            for d in sizes)):
        raise ValueError(f"sizes must list two or more layer widths >= 1, (n_features, "
                         f"hidden..., n_outputs) such as (256, 256, 10), got {sizes!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    rng = as_random_state(random_state)
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS} or a standard deviation > 0, got "
                             f"{init!r}")
        coefs, intercepts = initial_layers(sizes, init, activation, rng)
    else:
        if isinstance(init, (bool, np.bool_)) or not isinstance(init, numbers.Real) \
                or not (np.isfinite(init) and init > 0):
            raise ValueError(f"init must be one of {INITS} or a standard deviation > 0 (a "
                             f"finite number), got {init!r}")
        coefs = [rng.normal(0.0, float(init), (d_in, d_out))
                 for d_in, d_out in zip(sizes[:-1], sizes[1:])]
        intercepts = [np.zeros(d_out) for d_out in sizes[1:]]
    return NetworkWeights(coefs, intercepts, activation)


def _network_parts(network):
    """(coefs, intercepts, activation, out_activation, batch norm dict or None), float64."""
    from ._network import ACTIVATIONS

    if isinstance(network, tuple) and not hasattr(network, "get_params"):
        if len(network) not in (3, 4):
            raise ValueError(f"network must be a fitted MLPClassifier/MLPRegressor or a tuple "
                             f"(coefs, intercepts, activation[, out_activation]) such as "
                             f"initial_network(...) returns, got a tuple of {len(network)}")
        weights = NetworkWeights(*network)
        bn = None
    elif hasattr(network, "get_params") and "hidden_layer_sizes" in network.get_params():
        coefs = network.coefs_  # a NotFittedError before fit
        weights = NetworkWeights(coefs, network.intercepts_, network.activation,
                                 network.out_activation_)
        gammas = network.bn_gammas_
        bn = None if not gammas else dict(
            gammas=[np.asarray(g, np.float64) for g in gammas],
            betas=[np.asarray(b, np.float64) for b in network.bn_betas_],
            means=[np.asarray(m, np.float64) for m in network.bn_running_means_],
            variances=[np.asarray(v, np.float64) for v in network.bn_running_vars_],
            training=False)
    else:
        raise TypeError(f"network must be a fitted MLPClassifier or MLPRegressor, or a tuple "
                        f"(coefs, intercepts, activation) such as initial_network(...) returns; "
                        f"got {type(network).__name__}")
    coefs, intercepts = list(weights.coefs), list(weights.intercepts)
    if weights.activation not in ACTIVATIONS:
        raise ValueError(f"the network's activation must be one of {ACTIVATIONS}, got "
                         f"{weights.activation!r}")
    if weights.out_activation not in _OUTPUT_LAYERS:
        raise ValueError(f"the network's out_activation must be one of {_OUTPUT_LAYERS}, got "
                         f"{weights.out_activation!r}")
    if not coefs or len(coefs) != len(intercepts):
        raise ValueError(f"the network needs as many intercepts as coefs, one or more: got "
                         f"{len(coefs)} coefs and {len(intercepts)} intercepts")
    checked_W, checked_b = [], []
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        fan_in = W.shape[0] if W.ndim == 2 else None
        if W.ndim != 2 or b.shape != (W.shape[1],) or (l and fan_in != checked_W[-1].shape[1]):
            raise ValueError(f"layer {l + 1} of the network has weights of shape {W.shape} and "
                             f"biases of shape {b.shape}; they must be (n_in, n_out) and "
                             f"(n_out,), n_in the previous layer's n_out")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ValueError(f"layer {l + 1} of the network holds NaN or infinite weights")
        checked_W.append(W)
        checked_b.append(b)
    return checked_W, checked_b, weights.activation, weights.out_activation, bn


def layer_values(network: neural_network.MLPClassifier | neural_network.MLPRegressor | tuple,
                 X: ArrayLike | sp.spmatrix | sp.sparray,
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each layer's pre-activations and activations on X, in evaluation mode (NumPy).

    The forward pass of fastoptim's MLPs (:mod:`fastoptim.reference.mlp`, the
    NumPy oracle of the C kernels): layer l computes ``z = a W + b``, then with
    batch norm ``z <- gamma (z - running_mean) / sqrt(running_var + 1e-5) +
    beta``, then ``a = f(z)``; no dropout.

    Parameters
    ----------
    network : MLPClassifier, MLPRegressor or tuple
        A fitted MLP (its ``coefs_``, ``intercepts_``, ``activation``,
        ``out_activation_`` and batch norm's ``bn_gammas_``, ``bn_betas_``,
        ``bn_running_means_``, ``bn_running_vars_``), or ``(coefs,
        intercepts, activation[, out_activation])`` such as
        :func:`initial_network` returns (no batch norm).
    X : array-like or sparse matrix of shape (n_samples, n_features)
        The inputs fed to the network, converted to float64; n_features must be
        the network's number of inputs.

    Returns
    -------
    pre_activations : list of ndarray
        Per layer (hidden layers, then the output layer), the input of its
        function, shape (n_samples, width), float64.
    activations : list of ndarray
        Per layer, its output: the hidden units' values, then the network's
        outputs (softmax or sigmoid probabilities, or the regression values):
        ``activations[-1]`` is a classifier's ``predict_proba`` (binary: its
        second column) and a regressor's ``predict``.  Values that overflow
        (weights far too large) are infinite, without a warning.

    Raises
    ------
    TypeError, ValueError
        When ``network`` is neither form above (or an MLP not fitted), or X
        is not a finite 2-D array with the network's number of features.
    """
    from scipy.special import expit, softmax

    from ._validation import validate_X
    from .reference.mlp import _layers

    coefs, intercepts, activation, out_activation, bn = _network_parts(network)
    X = validate_X(X, dtype=np.float64)
    if X.shape[1] != coefs[0].shape[0]:
        raise ValueError(f"X has {X.shape[1]} features, but the network takes "
                         f"{coefs[0].shape[0]}")
    with np.errstate(over="ignore", invalid="ignore"):
        pre, hidden, _, _ = _layers(X, coefs, intercepts, activation, 0.01, bn)
        scores = pre[-1]
        out = {"softmax": lambda z: softmax(z, axis=1), "logistic": expit,
               "identity": lambda z: z}[out_activation](scores)
    return pre, hidden + [out]


_VALUES = {"activations": "activation", "pre-activations": "pre-activation"}


def activation_histograms(network: (neural_network.MLPClassifier | neural_network.MLPRegressor
                                    | tuple),
                          X: ArrayLike | sp.spmatrix | sp.sparray, *,
                          values: Literal["activations", "pre-activations"] = "activations",
                          layers: Sequence[int] | None = None, bins: int = 50,
                          sharex: bool = True, logy: bool = False,
                          ax: matplotlib.axes.Axes | Sequence[matplotlib.axes.Axes] | None = None,
                          title: str | None = None) -> list[matplotlib.axes.Axes]:
    """One histogram per hidden layer of its units' values on X, its mean and std in the title.

    The picture of the initialisation experiment: with a width-256 tanh
    network of 10 layers, Xavier's weights keep the activations spread in
    (-1, 1) layer after layer, too small weights make them collapse to 0 and
    too large ones push them to -1 and +1 (saturation); under ReLU, He's keep
    their scale while Xavier's shrink it and too large weights make it
    explode.  Every value of every unit and sample counts (n_samples x width
    values per panel).

    Parameters
    ----------
    network : MLPClassifier, MLPRegressor or tuple
        A fitted MLP, or ``(coefs, intercepts, activation)`` such as
        :func:`initial_network` returns (see :func:`layer_values`).
    X : array-like or sparse matrix of shape (n_samples, n_features)
        The inputs fed to the network (evaluation mode: batch norm on the
        running statistics, no dropout).
    values : {'activations', 'pre-activations'}, default 'activations'
        The hidden units' outputs f(z), where saturation and collapse show,
        or the inputs z of their function (after batch norm).
    layers : sequence of int, optional
        Which hidden layers, numbered from 1; default all.
    bins : int, default 50
        The number of bars of each histogram, >= 1.
    sharex : bool, default True
        One value range for every panel, from the smallest to the largest
        value of the layers drawn, so that a shrinking or growing spread is
        seen across the panels (False: each panel its own range).
    logy : bool, default False
        Logarithmic count axis: ReLU sets half of its values to exactly 0, one
        bar that flattens the rest of the histogram on a linear axis.
    ax : sequence of matplotlib.axes.Axes, optional
        One Axes per layer drawn (e.g. a row of ``plt.subplots``); by default
        one row of a new pyplot figure.
    title : str, optional
        Above the panels (the figure's title when a new figure is made, else
        a label of the first panel's y axis).

    Returns
    -------
    list of matplotlib.axes.Axes
        One per layer drawn, titled ``layer l`` and the layer's ``mean`` and
        ``std`` (over samples and units, as :func:`layer_values` gives them).

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    TypeError, ValueError
        When ``network`` or X is not valid (see :func:`layer_values`), the
        network has no hidden layer, ``layers``, ``values``, ``bins`` or ``ax``
        does not fit, or a layer's values overflowed to infinity (weights far
        too large: the message names the layer).  Nothing is drawn then.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from fastoptim.plot import activation_histograms, initial_network
    >>> net = initial_network((64,) * 4 + (2,), "tanh", init=0.01, random_state=0)
    >>> X = np.random.default_rng(0).standard_normal((200, 64))
    >>> axes = activation_histograms(net, X)
    >>> [ax.get_title().splitlines()[0] for ax in axes]
    ['layer 1', 'layer 2', 'layer 3']
    """
    if values not in _VALUES:
        raise ValueError(f"values must be 'activations' or 'pre-activations', got {values!r}")
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, numbers.Integral) or bins < 1:
        raise ValueError(f"bins must be an int >= 1, got {bins!r}")
    pre, act = layer_values(network, X)
    per_layer = (act if values == "activations" else pre)[:-1]  # the hidden layers
    n_hidden = len(per_layer)
    if n_hidden == 0:
        raise ValueError("the network has no hidden layer (one affine layer only): there are "
                         "no hidden values to draw")
    if layers is None:
        layers = list(range(1, n_hidden + 1))
    else:
        try:
            layers = [operator.index(l) for l in layers]
        except TypeError:
            raise TypeError(f"layers must be a sequence of hidden-layer numbers (ints from 1 to "
                            f"{n_hidden}), got {layers!r}") from None
        if not layers or any(not 1 <= l <= n_hidden for l in layers):
            raise ValueError(f"layers must list hidden-layer numbers from 1 to {n_hidden}, got "
                             f"{layers!r}")
    chosen = [per_layer[l - 1].ravel() for l in layers]
    for l, v in zip(layers, chosen):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"hidden layer {l}'s {values} overflowed to infinity (or NaN): the "
                             f"weights are far too large for a histogram; use smaller weights")
    if ax is None:
        plt = _pyplot()
        fig, axes = plt.subplots(1, len(layers), figsize=(1.7 * len(layers) + 0.6, 2.4),
                                 layout="constrained", squeeze=False)
        axes = list(axes[0])
        if title is not None:
            fig.suptitle(title)
    else:
        axes = [ax] if hasattr(ax, "hist") else list(np.asarray(ax, dtype=object).ravel())
        if not all(hasattr(panel, "hist") for panel in axes):
            raise TypeError("ax must be a sequence of matplotlib Axes, one per layer drawn "
                            "(e.g. a row of plt.subplots(1, n_layers))")
        if len(axes) != len(layers):
            raise ValueError(f"ax must hold one Axes per layer drawn ({len(layers)}), got "
                             f"{len(axes)}")
        if title is not None:
            axes[0].set_ylabel(title)
    lo = min(float(v.min()) for v in chosen)
    hi = max(float(v.max()) for v in chosen)
    for panel, l, v in zip(axes, layers, chosen):
        if sharex:
            edges = np.linspace(lo, hi, int(bins) + 1) if hi > lo else int(bins)
        else:
            edges = int(bins)
        panel.hist(v, bins=edges, color="C0", log=bool(logy))
        panel.set_title(f"layer {l}\nmean {_short(v.mean())}  std {_short(v.std())}",
                        fontsize=8)
        panel.set_xlabel(_VALUES[values], fontsize=8)
        panel.tick_params(labelsize=7)
        # the counts are n_samples x width in every panel: the shapes matter, not the scale
        panel.tick_params(axis="y", which="both", left=False, labelleft=False)
    return axes


def _short(x):
    """x to two significant digits, exponents without padding (8.5e3, 3.6e-10)."""
    text = f"{x:.2g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


# -- learning-rate schedules ------------------------------------------------------------------

def _schedule_values(name, schedule, n_steps):
    """schedule(1), ..., schedule(n_steps) as float64, checked finite."""
    from .optim.schedules import ReduceOnPlateau, Warmup

    inner = schedule
    while isinstance(inner, Warmup):
        inner = inner.schedule
    if isinstance(inner, ReduceOnPlateau):
        raise ValueError(f"schedules[{name!r}] is (or wraps) a ReduceOnPlateau, whose rate "
                         f"depends on the validation losses it is given, not on the step: it "
                         f"has no curve of its own (the rates of a training run are the "
                         f"values its update(loss) returned, one per epoch)")
    if not callable(schedule):
        raise TypeError(f"schedules[{name!r}] must be a schedule from fastoptim.optim.schedules "
                        f"(or a callable step -> value), got {type(schedule).__name__}")
    out = np.empty(n_steps)
    for t in range(1, n_steps + 1):  # n_steps calls of a schedule: a picture's few hundred
        value = schedule(t)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"schedules[{name!r}] returned {value!r} at step {t}, not a "
                            f"number")
        out[t - 1] = value
        if not np.isfinite(out[t - 1]):
            raise ValueError(f"schedules[{name!r}] returned {out[t - 1]} at step {t}; a rate "
                             f"must be finite (check the schedule's parameters)")
    return out


def lr_schedule(schedules: (Schedule | Callable[[int], float]
                           | Mapping[str, Callable[[int], float]]),
                n_steps: int, ax: matplotlib.axes.Axes | None = None, *, logy: bool = False,
                title: str | None = None, xlabel: str = "step") -> matplotlib.axes.Axes:
    """Plot learning-rate schedules against the step: the value each gives at steps 1..n_steps.

    Parameters
    ----------
    schedules : Schedule or dict
        A schedule of :mod:`fastoptim.optim.schedules` (``Warmup(CosineDecay(
        0.1, total=90), warmup_steps=10)``, ``StepDecay``,
        ``ExponentialDecay``, ...: called with the 1-based step or epoch
        number), or ``name -> schedule`` for several, drawn in that order.  A
        single schedule is labelled with its ``repr``.  Any callable ``t ->
        value`` works.  A :class:`~fastoptim.optim.schedules.ReduceOnPlateau`
        is refused: its rate follows the validation losses, not the step.
        :class:`~fastoptim.optim.schedules.MomentumSchedule` curves are
        momenta; draw them alone (the y axis then says "momentum").
    n_steps : int
        The last step drawn, >= 1.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new pyplot figure's.
    logy : bool, default False
        Logarithmic value axis; every value must then be > 0 (CosineDecay
        and LinearDecay reach their ``final_lr``, 0 by default).
    title : str, optional
        The axes' title; None (the default) sets none.
    xlabel : str, default "step"
        ("epoch" for the schedules of an estimator's ``schedule``, which are
        called once per epoch.)

    Returns
    -------
    matplotlib.axes.Axes
        With one line per schedule, labelled, its x the steps 1..n_steps and
        its y exactly the values ``schedule(t)``; a legend.

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    TypeError, ValueError
        When ``schedules`` is empty or holds something not callable, a
        ReduceOnPlateau, momentum and learning-rate schedules together, a
        schedule gives a value that is not a finite number (> 0 with
        ``logy``), or ``n_steps`` is not an int >= 1.  Nothing is drawn then.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from fastoptim.optim.schedules import CosineDecay, StepDecay, Warmup
    >>> from fastoptim.plot import lr_schedule
    >>> ax = lr_schedule({"step": StepDecay(0.1, step_size=30, gamma=0.5),
    ...                   "warm-up + cosine": Warmup(CosineDecay(0.1, total=90), 10)}, 100)
    >>> [line.get_label() for line in ax.lines]
    ['step', 'warm-up + cosine']
    >>> float(ax.lines[0].get_ydata()[30])                    # step 31
    0.05
    """
    from .optim.schedules import MomentumSchedule

    if isinstance(n_steps, (bool, np.bool_)) or not isinstance(n_steps, numbers.Integral) \
            or n_steps < 1:
        raise ValueError(f"n_steps must be an int >= 1 (the last step drawn), got {n_steps!r}")
    if not isinstance(schedules, Mapping):
        schedules = {repr(schedules): schedules}
    if not schedules:
        raise ValueError("schedules is empty: pass a schedule or a dict name -> schedule, e.g. "
                         "{'cosine': CosineDecay(0.1, total=100)}")
    momentum = [isinstance(s, MomentumSchedule) for s in schedules.values()]
    if any(momentum) and not all(momentum):
        raise ValueError("schedules mixes MomentumSchedule (momenta) with learning-rate "
                         "schedules; draw them on two axes")
    curves = {}
    for name, schedule in schedules.items():
        y = _schedule_values(name, schedule, int(n_steps))
        if logy and np.any(y <= 0):
            t = int(np.flatnonzero(y <= 0)[0]) + 1
            raise ValueError(f"schedules[{name!r}] gives {y[t - 1]} at step {t}, which a "
                             f"logarithmic axis cannot show; pass logy=False (or a final_lr "
                             f"> 0)")
        curves[str(name)] = y
    ax = _axes(ax)
    steps = np.arange(1, int(n_steps) + 1, dtype=np.float64)
    for name, y in curves.items():
        ax.plot(steps, y, linewidth=1.5, marker="o" if n_steps <= 40 else None, markersize=3,
                label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("momentum" if all(momentum) else "learning rate")
    if title is not None:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    _legend_outside(ax)
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


def trajectories(fun: Callable[[np.ndarray], Any], paths: dict[str, ArrayLike], *,
                 xlim: tuple[float, float], ylim: tuple[float, float],
                 levels: int | ArrayLike | None = None, ax: matplotlib.axes.Axes | None = None,
                 title: str | None = None, resolution: int = 200) -> matplotlib.axes.Axes:
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
        The axes' title; None (the default) sets none.
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
        _legend_outside(ax)
    return ax


def record_path(fun_value_grad: Callable[[np.ndarray], tuple[float, ArrayLike]], x0: ArrayLike,
                optimizer: Any, steps: int) -> np.ndarray:
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
