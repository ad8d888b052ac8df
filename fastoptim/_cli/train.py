"""``fastoptim train DATA MODEL_FILE``: fit one model and save it (liblinear's train)."""
import sys
import time

from ..model_io import save_model
import numpy as np

from ._args import (CLIError, add_data_options, add_liblinear_options, add_penalty_options,
                    add_svc_options, positive_float, positive_int, seed)
from ._data import check_labels, load_data
from ._models import (MODEL_HELP, MODELS, NETWORKS, has_param, make_estimator, n_iter,
                      quiet_fit, score)
from ._training import FitTicker, Standardizer, cross_validate, liblinear_params
from .networks import EpochProgress, add_network_options, network_params, on_terminal, unwatch, \
    watch

__all__ = ["add_parser", "train_cmd"]


def train_cmd(args):
    """``fastoptim train DATA MODEL_FILE``: fit one model and save it (liblinear's train).

    The estimator gets its defaults except for the options given and
    ``random_state=--seed`` (0), so a run is reproducible.  ``--model svc``
    (deterministic, no random_state) is trained on a dense copy of a sparse
    (svmlight) X: model files store dense support vectors only.  The index
    base an svmlight DATA was read with (``--zero-based``/``--one-based``, or
    guessed: zero-based when an index 0 occurs) is stored in the model file
    for ``predict``.  A network (``--model mlp``, ``mlp-regressor``) draws a progress
    bar per epoch on a terminal (stderr), any other model a line with the seconds
    elapsed once its fit takes longer than a second; nothing otherwise (or with ``-q``).

    liblinear's options: ``-e`` (tol), ``-w LABEL=WEIGHT`` (class_weight),
    ``--dual``/``--primal`` (LinearSVC), ``--threads`` (n_threads), ``--scale``
    (standardize with the training statistics, stored in the model file), ``-q``
    (no output), and ``-v K``: K-fold cross-validation, printing the accuracy (or the
    mean squared error and R^2) of the out-of-fold predictions, with no model file
    written.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``train`` options.

    Returns
    -------
    int
        The exit status (0).
    """
    model = args.model
    networks = network_params(model, args)  # a network option given to another model: refused
    X, y, fmt, zero = load_data(args.data, args.format, target_column=args.target_column,
                                zero_based=args.zero_based)
    check_labels(model, y, args.data)
    seed = args.seed
    if seed is None and has_param(model, "random_state"):
        seed = 0
    extra = liblinear_params(model, args, y)

    def make():
        return make_estimator(model, solver=args.solver, C=args.C, alpha=args.alpha,
                              max_iter=args.max_iter, learning_rate=args.lr,
                              batch_size=args.batch_size, random_state=seed,
                              kernel=args.kernel, gamma=args.gamma, **networks, **extra)

    est = make()
    if model == "svc" and hasattr(X, "toarray"):  # save_model stores dense support vectors
        X = X.toarray()
    if args.cv is not None:
        return _cross_validation(make, X, y, args, seed)
    if args.model_file is None:
        raise CLIError("MODEL_FILE is missing: pass the file to save the model to (or -v K "
                       "for cross-validation, which saves none)")
    scaler = Standardizer.fit(X) if args.scale else None
    if scaler is not None:
        X = scaler.transform(X)
    terminal = on_terminal(sys.stderr) and not args.quiet
    bar = EpochProgress(est.max_iter, sys.stderr, "epoch ") \
        if model in NETWORKS and terminal else None
    ticker = FitTicker(f"training {type(est).__name__}") \
        if model not in NETWORKS and terminal else None
    watch(est, bar=bar)
    start = time.perf_counter()
    try:
        conv = quiet_fit(est, X, y)
    finally:
        unwatch(est)
        if bar is not None:
            bar.close()
        if ticker is not None:
            ticker.close()
    seconds = time.perf_counter() - start
    # the index base the test files must be read with: the training file's, resolved here
    metadata = {"data_format": fmt} if zero is None else {"data_format": fmt, "zero_based": zero}
    if scaler is not None:
        metadata["scaling"] = scaler.to_metadata()
    save_model(est, args.model_file, metadata=metadata)
    if args.quiet:
        return 0
    iterations = n_iter(est)
    what = (f"{len(est.classes_)} classes, training accuracy {100 * score(est, X, y):.2f}%"
            if hasattr(est, "classes_") else f"training R2 {score(est, X, y):.4f}")
    print(f"{est!r} on {args.data} ({fmt}): {X.shape[0]} samples, {X.shape[1]} features"
          f"{' (standardized)' if scaler is not None else ''}; "
          f"{what}; {iterations} iteration{'' if iterations == 1 else 's'}, {seconds:.2f} s"
          f"{' (stopped at max_iter before converging)' if conv else ''}")
    print(f"saved {args.model_file}")
    return 0


def _cross_validation(make, X, y, args, seed):
    """``train -v K``: the out-of-fold score, printed as liblinear prints it; no model file."""
    est = make()
    classifier = MODELS[args.model][1] == "classifier"
    pred = cross_validate(make, X, y, args.cv, 0 if seed is None else seed, classifier,
                          scale=args.scale, fit=quiet_fit)
    if classifier:
        hits = int(np.sum(pred == y))
        print(f"Cross Validation Accuracy = {100 * hits / len(y):.4f}% ({hits}/{len(y)}; "
              f"{args.cv} folds, {type(est).__name__})")
    else:
        r = np.asarray(pred, dtype=np.float64) - y
        ss = float(np.sum((y - np.mean(y)) ** 2))
        r2 = 1.0 - float(r @ r) / ss if ss > 0 else float("nan")
        print(f"Cross Validation Mean squared error = {float(np.mean(r * r)):.6g} "
              f"({args.cv} folds, {type(est).__name__})")
        print(f"Cross Validation R2 = {r2:.6g}")
    if args.model_file is not None and not args.quiet:
        print(f"(cross-validation: no model written to {args.model_file})")
    return 0


def add_parser(sub):
    """The ``train`` subcommand, on the subparsers ``sub`` of the main parser."""
    p = sub.add_parser("train", help="train a model on a data file and save it",
                       description="Fit one model on DATA and save it to MODEL_FILE (a "
                                   "fastoptim model file: see fastoptim.model_io). The "
                                   "estimator's defaults apply, with random_state=--seed. "
                                   "--model svc trains on a dense copy of the data (model "
                                   "files store dense support vectors). --model mlp trains "
                                   "a network (MLPClassifier; mlp-regressor: MLPRegressor, "
                                   "for a real-valued target), with a progress bar per "
                                   "epoch on a terminal.")
    p.add_argument("data", metavar="DATA")
    p.add_argument("model_file", metavar="MODEL_FILE", nargs="?", default=None,
                   help="the model file to write (not with -v, which writes none)")
    p.add_argument("--model", choices=list(MODELS), default="logistic",
                   help=MODEL_HELP)
    p.add_argument("--solver", default=None,
                   help="the estimator's solver ('lbfgs', 'gd', 'adam', 'auto', ...; networks: "
                        "gd, sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, adadelta, lbfgs; "
                        "default: the estimator's; not for svc, which trains by SMO)")
    add_penalty_options(p)
    p.add_argument("--max-iter", "--epochs", dest="max_iter", type=positive_int, default=None,
                   metavar="N",
                   help="iterations: epochs of a stochastic solver, iterations of a full-batch "
                        "one (gd, lbfgs, ...); svc: SMO iterations per one-vs-one problem "
                        "(default: the estimator's)")
    p.add_argument("--lr", type=positive_float, default=None,
                   help="learning rate of a stochastic solver (default: 'auto')")
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help="mini-batch size of a stochastic solver")
    p.add_argument("--seed", type=seed, default=None,
                   help="random_state: the shuffles and, for a network, the initial weights "
                        "and dropout masks (default: 0; not for svc, which is deterministic)")
    add_liblinear_options(p, cross_validation=True)
    add_svc_options(p)
    add_network_options(p)
    add_data_options(p)
    p.set_defaults(run=train_cmd)
    return p
