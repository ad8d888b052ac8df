"""The networks on the command line (``--model mlp``, ``--model mlp-regressor``): their
options, their estimators' parameters from those options, the progress bar of their epochs
on a terminal, and the per-epoch recording of the validation loss for the figures.

The estimators call ``_epoch_hook(epoch, loss, validation_score, snapshot)`` after each
epoch (an L-BFGS or 'gd' iteration; see
:mod:`fastoptim.neural_network._multilayer_perceptron`): :class:`EpochProgress` draws the
bar from it, :class:`EpochRecorder` measures the snapshot on held-out rows.
"""
import argparse
import time

from ..neural_network._init import INITS
from ..neural_network._multilayer_perceptron import ACTIVATIONS
from ._args import CLIError
from ._data import split
from ._models import MODELS, NETWORKS, OPTION_OF, data_loss

__all__ = ["VALIDATION_FRACTION", "NETWORK_FOOTNOTE", "NETWORK_PARAMS", "hidden_layers", "dropout_rate",
           "add_network_options", "network_params", "on_terminal", "EpochProgress",
           "EpochRecorder", "hold_out", "watch", "unwatch"]

#: The share of the training rows held out for the validation curves of the figures
#: (the default command and ``compare`` with a network).
VALIDATION_FRACTION = 0.1

#: The footnote of a network comparison's table and figure (``{what}``: the loss, ``{rows}``:
#: what a row is, ``{extra}``: more about the settings, e.g. where the rates come from).
NETWORK_FOOTNOTE = (
    "train loss: {what} on the {n_train} training {rows}, without the penalty; epochs: passes "
    "over them (gd, lbfgs: iterations){extra}\n"
    "figure: against epochs for every optimizer (gd, lbfgs: each evaluation of the objective "
    "and its gradient is one pass over the data); training loss solid (loss_curve_: for the stochastic solvers the mean over each "
    "epoch's mini-batches, for gd and lbfgs the full-batch objective), validation loss dashed "
    "({what} after each epoch on {n_val} {rows} held out from the training set, 10% seeded; "
    "no optimizer trains on them); seconds: the fit, without those measurements")

#: The estimator parameters that only the networks have, in the order of ``--help``.
NETWORK_PARAMS = ("hidden_layer_sizes", "activation", "init", "batch_norm", "dropout",
                  "early_stopping")


def hidden_layers(text):
    """An argparse type: the hidden layers' widths, comma-separated (``256,128``).

    Parameters
    ----------
    text : str

    Returns
    -------
    tuple of int
    """
    parts = [part.strip() for part in text.split(",")]
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty list of layers; give one width or more, "
                                         "comma-separated, e.g. --hidden 256,128")
    widths = []
    for part in parts:
        try:
            width = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a comma-separated list of layer widths (whole numbers "
                f">= 1), e.g. --hidden 256,128") from None
        if width < 1:
            raise argparse.ArgumentTypeError(f"layer width {width} in {text!r} must be >= 1 "
                                             f"(e.g. --hidden 256,128)")
        widths.append(width)
    return tuple(widths)


def dropout_rate(text):
    """An argparse type: a dropout probability in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < 1:  # NaN fails too
        raise argparse.ArgumentTypeError(f"{text} must be a probability in [0, 1) (the share "
                                         f"of hidden units zeroed at each training step)")
    return value


def add_network_options(p, *, early_stopping=True):
    """The options of the networks (``--hidden`` ...), on the parser p.

    Parameters
    ----------
    p : argparse.ArgumentParser
    early_stopping : bool
        Whether to offer ``--early-stopping`` (``train``; ``compare`` gives every
        optimizer the same epochs).
    """
    g = p.add_argument_group("networks (--model mlp, mlp-regressor only)")
    g.add_argument("--hidden", type=hidden_layers, default=None, metavar="W1,W2,...",
                   help="widths of the hidden layers, comma-separated, e.g. 256,128 "
                        "(default: 100)")
    g.add_argument("--activation", choices=ACTIVATIONS, default=None,
                   help="function of the hidden units (default: relu)")
    g.add_argument("--init", choices=INITS, default=None,
                   help="initial weights (default: glorot_uniform; he_normal suits relu)")
    g.add_argument("--batch-norm", action="store_const", const=True, default=None,
                   help="batch normalization after each hidden layer's affine map")
    g.add_argument("--dropout", type=dropout_rate, default=None, metavar="P",
                   help="dropout probability of the hidden units in training, in [0, 1) "
                        "(default: 0; stochastic solvers only)")
    if early_stopping:
        g.add_argument("--early-stopping", action="store_const", const=True, default=None,
                       help="hold out 10%% of DATA, stop when the validation score stops "
                            "improving and keep the best epoch's weights (stochastic "
                            "solvers only)")


def network_params(model, args):
    """The estimator parameters the network options of ``args`` set (None: not given).

    Parameters
    ----------
    model : str
        The ``--model`` name.
    args : argparse.Namespace

    Returns
    -------
    dict
        Parameter name -> value, for :func:`fastoptim._cli._models.make_estimator`.

    Raises
    ------
    CLIError
        A network option given with a model that is not a network.
    """
    values = {"hidden_layer_sizes": getattr(args, "hidden", None),
              "activation": getattr(args, "activation", None),
              "init": getattr(args, "init", None),
              "batch_norm": getattr(args, "batch_norm", None),
              "dropout": getattr(args, "dropout", None),
              "early_stopping": getattr(args, "early_stopping", None)}
    if model not in NETWORKS:
        for name in NETWORK_PARAMS:
            if values[name] is not None:
                raise CLIError(f"{OPTION_OF[name]} applies only to the networks: use --model "
                               f"mlp (or mlp-regressor for a regression target) with it, or "
                               f"drop it for --model {model} ({MODELS[model][0]})")
    return values


def hold_out(X, y, seed, path):
    """(X, y, (X_val, y_val)): :data:`VALIDATION_FRACTION` of the training rows held out
    (seeded) for the validation curves.

    Parameters
    ----------
    X, y : the training rows
    seed : int
    path : str
        The data's name, for the message.

    Returns
    -------
    X, y, (X_val, y_val)
    """
    n = X.shape[0]
    if n < 20:  # 10% of fewer rows rounds to 1 or none
        raise CLIError(f"{path}: {n} training samples are too few to hold out "
                       f"{VALIDATION_FRACTION:.0%} of them for the networks' validation curves; "
                       f"pass 20 samples or more")
    X, y, X_val, y_val = split(X, y, VALIDATION_FRACTION, seed, path)
    return X, y, (X_val, y_val)


def on_terminal(stream):
    """Whether ``stream`` is a terminal (progress is drawn there only, never into a pipe)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


class EpochProgress:
    """The progress bar of a network's epochs, redrawn in place on one terminal line.

    An ``_epoch_hook`` of the networks: ``bar(epoch, loss, validation_score, snapshot)``
    draws ``LABEL [######......]  12/40  loss 0.1234  validation score 0.9512  3.2 s``.

    Parameters
    ----------
    total : int
        The most epochs (max_iter).
    stream : file
        A terminal (the caller checks with :func:`on_terminal`).
    label : str, optional
        Text before the bar.
    width : int, optional
        Characters of the bar.
    """

    def __init__(self, total, stream, label="", width=24):
        self.total, self.stream, self.label, self.width = int(total), stream, label, width
        self.start = time.perf_counter()
        self._shown = 0

    def __call__(self, epoch, loss, validation_score, snapshot=None):
        self.show(epoch, loss, validation_score)

    def show(self, epoch, loss, validation_score=None, validation_loss=None):
        """Redraw the bar at ``epoch`` with the loss (and the validation figures, if any)."""
        filled = round(self.width * min(epoch, self.total) / max(self.total, 1))
        text = (f"{self.label}[{'#' * filled}{'.' * (self.width - filled)}] "
                f"{epoch:>{len(str(self.total))}}/{self.total}  loss {loss:.4f}")
        if validation_loss is not None:
            text += f"  validation loss {validation_loss:.4f}"
        if validation_score is not None:
            text += f"  validation score {validation_score:.4f}"
        self._write(f"{text}  {time.perf_counter() - self.start:.1f} s")

    def _write(self, text):
        self.stream.write("\r" + text + " " * max(0, self._shown - len(text)))
        self.stream.flush()
        self._shown = len(text)

    def close(self, final=None):
        """End the bar's line: replaced by ``final`` when given (written even when no bar
        was drawn), else left as it is."""
        if final is not None:
            self._write(final)
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = 0


class EpochRecorder:
    """An ``_epoch_hook`` that measures each epoch's network on held-out rows.

    Parameters
    ----------
    validation : (X, y) or None
        The held-out rows; their loss (:func:`fastoptim._cli._models.data_loss`, as the
        table's training loss) is recorded after every epoch.
    bar : EpochProgress, optional
        Redrawn after every epoch.

    Attributes
    ----------
    losses : list of float
        The validation loss after each epoch.
    overhead : float
        Seconds spent in the hook (measuring), to take out of the fit's time.
    """

    def __init__(self, validation=None, bar=None):
        self.validation, self.bar = validation, bar
        self.losses = []
        self.overhead = 0.0

    def __call__(self, epoch, loss, validation_score, snapshot):
        start = time.perf_counter()
        validation_loss = None
        if self.validation is not None:
            validation_loss = data_loss(snapshot(), *self.validation)
            self.losses.append(validation_loss)
        if self.bar is not None:
            self.bar.show(epoch, loss, validation_score, validation_loss)
        self.overhead += time.perf_counter() - start

    def run(self, model):
        """The figure's run of a fitted model: its training curve (``loss_curve_``) and,
        when every epoch was measured, the validation curve; for a full-batch solver, the
        passes over the data made by each iteration as the x positions (``epochs``)."""
        train = [float(v) for v in model.loss_curve_]
        run = {"train": train, "validation": self.losses if len(self.losses) == len(train)
               else None}
        passes = getattr(model, "_passes_curve", None)  # gd, lbfgs: per iteration, drawn at
        if passes is not None and len(passes) == len(train):  # the passes made by then
            run["epochs"] = [float(v) for v in passes]
        return run


def watch(model, validation=None, bar=None):
    """Attach an :class:`EpochRecorder` to a network (its ``_epoch_hook``).

    Parameters
    ----------
    model : estimator
        A network gets the recorder; any other estimator is left alone.
    validation, bar
        As :class:`EpochRecorder`'s.

    Returns
    -------
    EpochRecorder or None
        None for an estimator that is not a network.
    """
    if not hasattr(type(model), "_epoch_hook"):
        return None
    recorder = EpochRecorder(validation, bar)
    model._epoch_hook = recorder
    return recorder


def unwatch(model):
    """Detach the hook of :func:`watch` (a fitted model keeps no reference to it)."""
    model.__dict__.pop("_epoch_hook", None)
