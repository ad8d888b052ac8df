"""``fastoptim predict DATA MODEL_FILE OUTPUT``: one prediction per line (liblinear's
predict)."""
import argparse
import os

import numpy as np

from ..model_io import load_model
from ._args import CLIError, add_data_options, positive_int
from ._data import load_data
from ._models import MODELS, score
from ._training import Standardizer

__all__ = ["add_parser", "predict_cmd"]


def _format_labels(pred):
    """One text line per prediction: whole floats without '.0', other floats exactly (repr)."""
    pred = np.asarray(pred)
    if pred.dtype.kind == "f":
        if np.all(np.isfinite(pred)) and np.all(pred == np.round(pred)) \
                and np.all(np.abs(pred) < 2 ** 53):
            return "\n".join(map(str, pred.astype(np.int64).tolist()))
        return "\n".join(map(repr, pred.tolist()))
    return "\n".join(map(str, pred.tolist()))


def _probability_flag(text):
    """An argparse type: ``-b 0`` or ``-b 1``."""
    if text not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"{text!r} is neither 0 nor 1")
    return text == "1"


def predict_cmd(args):
    """``fastoptim predict DATA MODEL_FILE OUTPUT``: one prediction per line (liblinear's predict).

    Whole-number labels are written without a decimal point, other numbers
    exactly (Python's shortest round-trip form), strings as they are.  When
    DATA has labels, prints the accuracy (classifiers) or the mean squared
    error and R^2 (regressors).  An svmlight DATA is read with the index base
    of the training file, stored in the model file by ``train``
    (``--zero-based``/``--one-based`` override it), so that its columns are
    the training file's.  With ``--model M``, MODEL_FILE must hold that kind of model
    (e.g. ``--model mlp``: a network classifier): another kind is a usage error, before
    anything is written.  A model trained with ``--scale`` standardizes DATA with the
    training statistics stored in its file.  ``-b 1`` writes the class probabilities as
    liblinear does: a first line ``labels`` followed by the classes, then per row the
    predicted label and one probability per class in that order.  ``-q``: no output.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``predict`` options.

    Returns
    -------
    int
        The exit status (0).
    """
    if not os.path.exists(args.model_file):
        raise CLIError(f"{args.model_file}: no such model file")
    est, meta = load_model(args.model_file, return_metadata=True)
    if args.model is not None and type(est).__name__ != MODELS[args.model][0]:
        held = [m for m, entry in MODELS.items() if entry[0] == type(est).__name__]
        raise CLIError(f"{args.model_file} holds a {type(est).__name__}"
                       f"{f' (--model {held[0]})' if held else ''}, not a {MODELS[args.model][0]} "
                       f"(--model {args.model}); pass a model file trained with --model "
                       f"{args.model}, or drop --model")
    zero = args.zero_based  # the flag, else the training file's base stored in the model
    if zero == "auto" and isinstance(meta.get("zero_based"), bool):
        zero = meta["zero_based"]
    if args.probability and not hasattr(est, "predict_proba"):
        raise CLIError(f"-b 1: {args.model_file} holds a {type(est).__name__}, which gives no "
                       f"probabilities; train a logistic, softmax or mlp model for them, or "
                       f"pass -b 0")
    if args.threads is not None and hasattr(est, "n_threads"):
        est.set_params(n_threads=args.threads)
    X, y, _, _ = load_data(args.data, args.format, n_features=est.n_features_in_,
                           target_column=args.target_column, labels="optional", zero_based=zero)
    if meta.get("scaling") is not None:  # trained with --scale: the training statistics
        X = Standardizer.from_metadata(meta["scaling"], args.model_file).transform(X)
    pred = est.predict(X)
    text = _format_labels(pred)
    if args.probability:
        proba = est.predict_proba(X)
        lines = ["labels " + " ".join(_format_labels(est.classes_).split("\n"))]
        lines += [f"{label} " + " ".join(f"{p:.6g}" for p in row)
                  for label, row in zip(text.split("\n"), proba.tolist())]
        text = "\n".join(lines)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text + ("\n" if text else ""))
    if args.quiet:
        return 0
    if y is not None:
        if hasattr(est, "classes_"):
            named, file_named = est.classes_.dtype.kind in "OUS", y.dtype.kind in "OUS"
            if named != file_named:  # names against numbers: nothing to compare
                print(f"wrote {len(pred)} predictions to {args.output} (the model's labels are "
                      f"{'strings' if named else 'numbers'}, the file's "
                      f"{'strings' if file_named else 'numbers'}: no accuracy)")
                return 0
            hits = int(np.sum(pred == y))
            print(f"Accuracy = {100 * hits / len(y):.4g}% ({hits}/{len(y)})")
        elif y.dtype.kind in "OUS":
            print(f"(the file's labels are text; a regression model has no accuracy on them)")
        else:
            mse = float(np.mean((np.asarray(pred, dtype=np.float64) - y) ** 2))
            print(f"Mean squared error = {mse:.6g} (regression)")
            print(f"R2 = {score(est, X, y):.6g} (regression)")
    print(f"wrote {len(pred)} predictions to {args.output}")
    return 0


def add_parser(sub):
    """The ``predict`` subcommand, on the subparsers ``sub`` of the main parser."""
    p = sub.add_parser("predict", help="predict with a saved model",
                       description="Write the prediction for each row of DATA to OUTPUT, one "
                                   "per line; print the accuracy (or the regression error) "
                                   "when DATA has labels.")
    p.add_argument("data", metavar="DATA")
    p.add_argument("model_file", metavar="MODEL_FILE")
    p.add_argument("output", metavar="OUTPUT")
    p.add_argument("--model", choices=list(MODELS), default=None,
                   help="the kind of model MODEL_FILE must hold (e.g. mlp: a network "
                        "classifier); another kind is an error (default: any)")
    p.add_argument("-b", dest="probability", type=_probability_flag, default=False,
                   metavar="{0,1}",
                   help="1: write the class probabilities too (liblinear's format: a first "
                        "line 'labels' and the classes, then per row the label and one "
                        "probability per class); logistic, softmax and mlp models "
                        "(default: 0)")
    p.add_argument("--threads", type=positive_int, default=None, metavar="N",
                   help="threads of the C kernels (n_threads; default: the model's)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="quiet: write OUTPUT and print nothing")
    add_data_options(p)
    p.set_defaults(run=predict_cmd)
    return p
