"""``fastoptim train DATA MODEL_FILE``: fit one model and save it (liblinear's train)."""
import sys
import time

from ..model_io import save_model
from ._args import (add_data_options, add_penalty_options, add_svc_options,
                    positive_float, positive_int, seed)
from ._data import check_labels, load_data
from ._models import (MODEL_HELP, MODELS, NETWORKS, has_param, make_estimator, n_iter,
                      quiet_fit, score)
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
    bar per epoch on a terminal (stderr), nothing otherwise.

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
    est = make_estimator(model, solver=args.solver, C=args.C, alpha=args.alpha,
                         max_iter=args.max_iter, learning_rate=args.lr,
                         batch_size=args.batch_size, random_state=seed,
                         kernel=args.kernel, gamma=args.gamma, **networks)
    if model == "svc" and hasattr(X, "toarray"):  # save_model stores dense support vectors
        X = X.toarray()
    bar = EpochProgress(est.max_iter, sys.stderr, "epoch ") \
        if model in NETWORKS and on_terminal(sys.stderr) else None
    watch(est, bar=bar)
    start = time.perf_counter()
    try:
        conv = quiet_fit(est, X, y)
    finally:
        unwatch(est)
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - start
    # the index base the test files must be read with: the training file's, resolved here
    save_model(est, args.model_file, metadata={"data_format": fmt} if zero is None else
               {"data_format": fmt, "zero_based": zero})
    iterations = n_iter(est)
    what = (f"{len(est.classes_)} classes, training accuracy {100 * score(est, X, y):.2f}%"
            if hasattr(est, "classes_") else f"training R2 {score(est, X, y):.4f}")
    print(f"{est!r} on {args.data} ({fmt}): {X.shape[0]} samples, {X.shape[1]} features; "
          f"{what}; {iterations} iteration{'' if iterations == 1 else 's'}, {seconds:.2f} s"
          f"{' (stopped at max_iter before converging)' if conv else ''}")
    print(f"saved {args.model_file}")
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
    p.add_argument("model_file", metavar="MODEL_FILE")
    p.add_argument("--model", choices=list(MODELS), default="logistic",
                   help=MODEL_HELP)
    p.add_argument("--solver", default=None,
                   help="the estimator's solver ('lbfgs', 'gd', 'adam', 'auto', ...; networks: "
                        "gd, sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, lbfgs; "
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
    add_svc_options(p)
    add_network_options(p)
    add_data_options(p)
    p.set_defaults(run=train_cmd)
    return p
