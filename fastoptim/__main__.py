"""The ``fastoptim`` command (``python -m fastoptim``).

Usage::

    fastoptim [--quick] [--out PATH] [--no-plot]
        Train SoftmaxRegression on the USPS digits (shipped with fastoptim) with
        every optimizer -- gradient descent with line search, SGD, momentum,
        Nesterov, AdaGrad, RMSProp, Adam, and L-BFGS as the reference -- print
        a table (epochs, final training loss, test accuracy, seconds) and
        write the training-loss curves to fastoptim-usps.png (with matplotlib).
    fastoptim compare DATA [--test TEST] [--model M] [--optimizers ...]
        The same comparison on your own svmlight or CSV file.  M is one of
        logistic, softmax, ridge, linear, linearsvc (dual coordinate descent
        only) and svc (the kernel SVM, SMO only).
    fastoptim train DATA MODEL_FILE [--model M] [--solver S] [-C C] [--alpha A]
                    [--kernel K] [--gamma G]
    fastoptim predict DATA MODEL_FILE OUTPUT
        Like liblinear's train/predict: predict writes one label per line and
        prints the accuracy when DATA has labels.  Model files are described
        in fastoptim.model_io.
    fastoptim bench [ARGS...]
        Run the benchmarks (bench/run.py of a source checkout) with ARGS.
    fastoptim info
        How fastoptim was built (compiler, OpenMP, kernels, threads).

Exit status: 0 on success, 2 for a usage error or a missing or malformed
file, 1 for an internal error (one line on stderr, no traceback).

svmlight files: ``--zero-based``/``--one-based`` give the index base (default:
guessed, zero-based when an index 0 occurs); ``train`` stores the base of the
training file in the model file, and ``predict`` (as ``compare --test``) reads
the test file with it.
"""
import argparse
import os
import sys

__all__ = ["main", "build_parser"]


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    return value


def _finite_float(strict):
    """An argparse type: a finite number > 0 (strict) or >= 0."""
    op = ">" if strict else ">="

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (value > 0 if strict else value >= 0) or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text} must be a finite number {op} 0")
        return value

    parse.__name__ = "positive_float" if strict else "nonnegative_float"
    return parse


_positive_float = _finite_float(strict=True)
_nonneg_float = _finite_float(strict=False)

SEED_MAX = 2 ** 32 - 1  # numpy's RandomState takes seeds in [0, 2**32 - 1]


def _seed(text):
    """An argparse type: a seed, a whole number in [0, 2**32 - 1]."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"{value} is outside [0, {SEED_MAX}] (2**32 - 1)")
    return value


def _fraction(text):
    """An argparse type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:  # NaN fails too
        raise argparse.ArgumentTypeError(f"{text} must be a number between 0 and 1 (exclusive)")
    return value

SVC_KERNELS = ("rbf", "linear", "poly", "sigmoid")


def _svc_gamma(text):
    """An argparse type: SVC's gamma, 'scale', 'auto' or a finite number > 0.

    Parameters
    ----------
    text : str

    Returns
    -------
    str or float
    """
    if text in ("scale", "auto"):
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither 'scale', 'auto' nor a "
                                         f"number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be 'scale', 'auto' or a finite "
                                         f"number > 0")
    return value


def _svc_options(p):
    p.add_argument("--kernel", choices=SVC_KERNELS, default=None,
                   help="kernel of svc (default: rbf); only for --model svc")
    p.add_argument("--gamma", type=_svc_gamma, default=None, metavar="G",
                   help="kernel coefficient of svc: 'scale' (1 / (n_features * X.var())), "
                        "'auto' (1 / n_features) or a number > 0 (default: scale); only for "
                        "--model svc")


def _data_options(p):
    p.add_argument("--format", choices=("auto", "svmlight", "csv"), default="auto",
                   help="data file format (default: by extension -- .csv/.tsv are CSV, "
                        ".svm/.svmlight/.libsvm svmlight -- else by the first line)")
    p.add_argument("--target-column", type=int, default=None, metavar="K",
                   help="CSV files: the column holding the labels (default: the last)")
    base = p.add_mutually_exclusive_group()
    base.add_argument("--zero-based", dest="zero_based", action="store_const", const=True,
                      default="auto",
                      help="svmlight files: feature indices start at 0 (default: guessed -- "
                           "zero-based when an index 0 occurs; predict and compare --test "
                           "read test files with the training file's base, stored in the "
                           "model file)")
    base.add_argument("--one-based", dest="zero_based", action="store_const", const=False,
                      help="svmlight files: feature indices start at 1 (LIBSVM's convention)")


def build_parser():
    """The argparse parser of the ``fastoptim`` command (without ``bench``, which passes its
    arguments through).

    Returns
    -------
    argparse.ArgumentParser
    """
    from . import __version__
    from ._cli import MODELS

    parser = argparse.ArgumentParser(
        prog="fastoptim",
        description="fastoptim: fast, exact optimizers and the convex models they train. Without "
                    "a command: every optimizer trains SoftmaxRegression on the USPS digits.",
        epilog="commands also include 'bench [ARGS...]' (runs bench/run.py of a source checkout "
               "with ARGS). Exit status 2: a usage error or a missing/malformed file.")
    parser.add_argument("--version", action="version", version=f"fastoptim {__version__}")
    parser.add_argument("--quick", action="store_true",
                        help="a fast run: a 2000-image subset and small budgets (a few seconds)")
    parser.add_argument("--out", default="fastoptim-usps.png", metavar="PATH",
                        help="where to write the loss-curve figure (default: fastoptim-usps.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    sub = parser.add_subparsers(dest="command", metavar="command")

    models = list(MODELS)
    p = sub.add_parser("compare", help="compare the optimizers on your data file",
                       description="Train one model with each optimizer on DATA (svmlight or "
                                   "CSV) and print the table and loss curves, as the default "
                                   "command does on USPS.")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--test", metavar="TEST",
                   help="test file (default: hold out --test-fraction of DATA)")
    p.add_argument("--model", choices=models, default="logistic",
                   help="the model (default: logistic)")
    p.add_argument("--optimizers", nargs="+", metavar="NAME",
                   help="optimizers to compare (default: gd sgd momentum nesterov adagrad "
                        "rmsprop adam, and lbfgs -- 'auto' (exact) for ridge/linear; linearsvc "
                        "trains only by 'dual-cd', svc only by 'smo'); also any solver name of "
                        "the model")
    p.add_argument("--epochs", type=_positive_int, default=50,
                   help="epochs of the stochastic optimizers (default: 50)")
    p.add_argument("--max-iter", type=_positive_int, default=None,
                   help="iterations of the full-batch solvers (default: 300; svc: SMO "
                        "iterations per one-vs-one problem, default: no limit)")
    p.add_argument("--batch-size", type=_positive_int, default=64,
                   help="mini-batch size of the stochastic optimizers (default: 64)")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate of every stochastic optimizer (default: 'auto', the "
                        "estimators' data-derived rates)")
    p.add_argument("-C", type=_positive_float, default=None,
                   help="inverse penalty of logistic/softmax/linearsvc/svc (default: 1.0)")
    p.add_argument("--alpha", type=_nonneg_float, default=None,
                   help="penalty of ridge (default: 1.0)")
    p.add_argument("--test-fraction", type=_fraction, default=0.25,
                   help="held-out fraction when there is no --test file (default: 0.25)")
    p.add_argument("--seed", type=_seed, default=0,
                   help="seed of the split and of the solvers (default: 0; svc's SMO is "
                        "deterministic)")
    p.add_argument("--out", default=None, metavar="PATH",
                   help="the figure (default: fastoptim-<DATA name>.png)")
    p.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    _svc_options(p)
    _data_options(p)

    p = sub.add_parser("train", help="train a model on a data file and save it",
                       description="Fit one model on DATA and save it to MODEL_FILE (a "
                                   "fastoptim model file: see fastoptim.model_io). The "
                                   "estimator's defaults apply, with random_state=--seed. "
                                   "--model svc trains on a dense copy of the data (model "
                                   "files store dense support vectors).")
    p.add_argument("data", metavar="DATA")
    p.add_argument("model_file", metavar="MODEL_FILE")
    p.add_argument("--model", choices=models, default="logistic",
                   help="the model (default: logistic)")
    p.add_argument("--solver", default=None,
                   help="the estimator's solver ('lbfgs', 'gd', 'adam', 'auto', ...; default: "
                        "the estimator's; not for svc, which trains by SMO)")
    p.add_argument("-C", type=_positive_float, default=None,
                   help="inverse penalty of logistic/softmax/linearsvc/svc (default: 1.0)")
    p.add_argument("--alpha", type=_nonneg_float, default=None,
                   help="penalty of ridge (default: 1.0)")
    p.add_argument("--max-iter", type=_positive_int, default=None,
                   help="iterations (epochs of a stochastic solver; svc: SMO iterations "
                        "per one-vs-one problem)")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate of a stochastic solver (default: 'auto')")
    p.add_argument("--batch-size", type=_positive_int, default=None,
                   help="mini-batch size of a stochastic solver")
    p.add_argument("--seed", type=_seed, default=None,
                   help="random_state (default: 0; not for svc, which is deterministic)")
    _svc_options(p)
    _data_options(p)

    p = sub.add_parser("predict", help="predict with a saved model",
                       description="Write the prediction for each row of DATA to OUTPUT, one "
                                   "per line; print the accuracy (or the regression error) "
                                   "when DATA has labels.")
    p.add_argument("data", metavar="DATA")
    p.add_argument("model_file", metavar="MODEL_FILE")
    p.add_argument("output", metavar="OUTPUT")
    _data_options(p)

    sub.add_parser("info", help="show how fastoptim was built",
                   description="Print the versions, compiler, flags, OpenMP and thread count.")
    return parser


def _run(argv):
    from . import _cli

    if argv and argv[0] == "bench":
        return _cli.bench_cmd(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "info":
        from . import show_config

        show_config()
        return 0
    if args.command == "compare":
        return _cli.compare_cmd(args)
    if args.command == "train":
        return _cli.train_cmd(args)
    if args.command == "predict":
        return _cli.predict_cmd(args)
    return _cli.usps_cmd(quick=args.quick, out=args.out, plot=not args.no_plot)


def main(argv=None):
    """Entry point of ``python -m fastoptim`` and the ``fastoptim`` script.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 2 for a usage error or a missing or
        malformed file (reported as one line on stderr), 1 for an internal
        error (one line too), the benchmark's own status for ``bench``.
    """
    from ._cli import CLIError

    argv = sys.argv[1:] if argv is None else list(argv)
    command = argv[0] if argv and not argv[0].startswith("-") else None
    prog = "fastoptim" + (f" {command}" if command else "")
    try:
        status = _run(argv)
        sys.stdout.flush()
        return status
    except BrokenPipeError:  # the reader went away (`fastoptim info | head -1`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (CLIError, OSError, ValueError, FloatingPointError, MemoryError) as exc:
        text = str(exc).strip().splitlines()
        message = text[0] if text else type(exc).__name__
        if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
            message = f"{exc.filename}: {exc.strerror}"
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not the user's input: still one line, no traceback
        text = str(exc).strip().splitlines()
        print(f"{prog}: error: internal error ({type(exc).__name__}: "
              f"{text[0] if text else 'no message'}); please report it", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
