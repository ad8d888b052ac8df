"""The ``fastoptim`` command (``python -m fastoptim``): one module per subcommand.

Usage::

    fastoptim [--quick] [--out PATH] [--no-plot] [--model {mlp,softmax}]
        Train the network 256-128-64-10 (MLPClassifier, ReLU, He initialization)
        on the USPS digits (shipped with fastoptim) with every optimizer --
        gradient descent with line search (full batch), SGD, momentum, Nesterov,
        AdaGrad, RMSProp, Adam, AdamW, Adadelta and L-BFGS -- each at its best learning
        rate of a grid tuned offline; print a table (epochs, final training
        loss, test accuracy, seconds, settings) and write the training (solid)
        and validation (dashed) loss curves to fastoptim-usps.png (with
        matplotlib).  About a minute on 2 cores (--quick: a few seconds).
        --model softmax: the same comparison with SoftmaxRegression.
    fastoptim compare DATA [--test TEST] [--model M] [--optimizers ...]
        The same comparison on your own svmlight or CSV file.  M is one of
        logistic, softmax, ridge, linear, linearsvc (dual coordinate descent
        only), svc (the kernel SVM, SMO only), mlp (MLPClassifier) and
        mlp-regressor (MLPRegressor, for a real-valued target).
    fastoptim train DATA MODEL_FILE [--model M] [--solver S] [-C C] [--alpha A]
                    [--kernel K] [--gamma G] [--epochs N] [--lr LR] [--batch-size B]
                    [--hidden W1,W2,...] [--activation A] [--init I] [--batch-norm]
                    [--dropout P] [--early-stopping]
                    [-e EPS] [-w LABEL=WEIGHT ...] [--dual | --primal] [-v K] [-q]
                    [--threads N] [--scale]
    fastoptim predict DATA MODEL_FILE OUTPUT [--model M] [-b 1] [-q] [--threads N]
        Like liblinear's train/predict: predict writes one label per line and
        prints the accuracy when DATA has labels (--model: the kind of model
        MODEL_FILE must hold; -b 1: the class probabilities too, in
        liblinear's format).  train -v K prints the K-fold cross-validation
        accuracy and writes no model; --scale standardizes the features with
        the training statistics, which the model file keeps for predict.
        Model files are described in fastoptim.model_io.
        For example::

            fastoptim train data.svm model.npz --model mlp --hidden 256,128 \
                --activation relu --solver adam --batch-norm --epochs 20
            fastoptim predict test.svm model.npz predictions.txt

        The network options (--hidden, --activation, --init, --batch-norm,
        --dropout, --early-stopping) apply to --model mlp and mlp-regressor
        only.  On a terminal, train draws a progress bar per epoch (epoch,
        loss, validation score with --early-stopping, elapsed time); nothing
        when stderr is not a terminal.
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

Layout: :mod:`.usps` (the default job), :mod:`.compare`, :mod:`.train`, :mod:`.predict`,
:mod:`.bench`, :mod:`.info` -- each adds its own subparser (``add_parser``) and runs it
-- over the shared pieces: :mod:`._args` (CLIError, argparse types and option groups),
:mod:`._data` (reading data files), :mod:`._models` (the ``--model`` estimators and
their measurements), :mod:`.networks` (the networks' options, progress bar and
validation curves), :mod:`._comparison` (the table and figure of the optimizers).

Glue only: data files are read by :mod:`fastoptim.datasets`, models trained by
the estimators, saved by :mod:`fastoptim.model_io`, drawn by
:mod:`fastoptim.plot`.  Results (tables, accuracies, file names) go to
stdout, progress to stderr when it is a terminal (never into a pipe or file).  Every error a user can cause -- a missing or
malformed file, an option that does not apply -- becomes :class:`CLIError`
or one of OSError/ValueError, which ``main`` prints as one line and turns
into exit status 2.
"""
import argparse
import os
import sys

from .._version import __version__
from . import bench, compare, info, predict, train, usps
from ._args import CLIError, liblinear_spellings
# what the command offers to code (and the tests) beside main, under the names it had as one module
from ._comparison import PLOT_HINT, format_table, run_comparison, write_plot
from ._data import detect_format, load_data
from ._models import MODELS, STOCHASTIC, data_loss, make_estimator
from .bench import bench_cmd, find_bench
from .compare import compare_cmd
from .predict import predict_cmd
from .train import train_cmd
from .usps import NETWORK_RUNS, USPS_MODELS, USPS_RUNS, usps_cmd

__all__ = ["main", "build_parser", "CLIError", "MODELS", "STOCHASTIC", "USPS_RUNS",
           "NETWORK_RUNS", "PLOT_HINT",
           "compare_cmd", "train_cmd", "predict_cmd", "bench_cmd", "usps_cmd", "find_bench",
           "make_estimator", "load_data", "detect_format", "data_loss", "run_comparison",
           "format_table", "write_plot"]

#: The argparse subcommands, in the order of ``--help`` (``bench`` passes its arguments on).
SUBCOMMANDS = (compare, train, predict, info)


def build_parser():
    """The argparse parser of the ``fastoptim`` command (without ``bench``, which passes its
    arguments through).

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="fastoptim",
        description="fastoptim: fast, exact optimizers and the models they train. Without a "
                    "command: every optimizer trains the network 256-128-64-10 on the USPS "
                    "digits (about a minute on 2 cores), and the table and loss curves are "
                    "written.",
        epilog="commands also include 'bench [ARGS...]' (runs bench/run.py of a source checkout "
               "with ARGS). Exit status 2: a usage error or a missing/malformed file.")
    parser.add_argument("--version", action="version", version=f"fastoptim {__version__}")
    parser.add_argument("--quick", action="store_true",
                        help="a fast run: a 2000-image subset and small budgets (a few seconds)")
    parser.add_argument("--out", default="fastoptim-usps.png", metavar="PATH",
                        help="where to write the loss-curve figure (default: fastoptim-usps.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    parser.add_argument("--model", dest="usps_model", choices=USPS_MODELS, default=None,
                        help="what the optimizers train on USPS: mlp, the network 256-128-64-10 "
                             "(default), or softmax (SoftmaxRegression)")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def _run(argv):
    if argv and argv[0] == "bench":
        return bench.bench_cmd(argv[1:])
    if argv and argv[0] in ("train", "compare"):
        argv = [argv[0]] + liblinear_spellings(argv[1:])
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if (extra and args.command == "train" and args.model_file is None and len(extra) == 1
            and not extra[0].startswith("-")):
        # train's MODEL_FILE is optional (-v writes none), so argparse takes DATA alone when
        # options stand between the two: the one word left over is MODEL_FILE
        args.model_file, extra = extra[0], []
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        return usps.usps_cmd(quick=args.quick, out=args.out, plot=not args.no_plot,
                             model=args.usps_model or "mlp")
    if args.usps_model is not None:
        raise CLIError(f"--model before the command chooses the default job's model; put it "
                       f"after the command: fastoptim {args.command} ... --model M")
    return args.run(args)


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
