"""``fastoptim compare DATA``: the optimizers of one model on a data file."""
import io
import pathlib
import sys

from ._args import (CLIError, add_data_options, add_liblinear_options, add_penalty_options,
                    add_svc_options, fraction, positive_float, positive_int, seed)
from ._comparison import FOOTNOTE, SVC_FOOTNOTE, XLABEL, report, run_comparison
from ._data import check_labels, load_data, split
from ._models import (MODEL_HELP, MODELS, NETWORKS, OWN_SOLVER, STOCHASTIC, estimator_class, has_param,
                      make_estimator)
from ._training import SCALE_WARNING_RATIO, Standardizer, liblinear_params, scale_spread
from .networks import NETWORK_FOOTNOTE, add_network_options, hold_out, network_params

__all__ = ["add_parser", "compare_cmd", "COMPARE_MAX_ITER"]

#: Budget of the full-batch solvers in ``compare`` when --max-iter is not given.
COMPARE_MAX_ITER = 300


def compare_cmd(args):
    """``fastoptim compare``: the optimizers of one model on a user's data file.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``compare`` options (see ``fastoptim compare --help``).

    Returns
    -------
    int
        The exit status (0).
    """
    model = args.model
    name, kind, default_opts = MODELS[model]
    networks = network_params(model, args)  # a network option given to another model: refused
    X, y, fmt, zero = load_data(args.data, args.format, target_column=args.target_column,
                                zero_based=args.zero_based)
    check_labels(model, y, args.data)
    if args.test:  # read with the training file's index base (unless one was given)
        X_test, y_test, _, _ = load_data(args.test, args.format, n_features=X.shape[1],
                                         target_column=args.target_column,
                                         zero_based="auto" if zero is None else zero)
        check_labels(model, y_test, args.test)
        where = f"test file {args.test}"
    else:
        X, y, X_test, y_test = split(X, y, args.test_fraction, args.seed, args.data)
        where = f"held-out {args.test_fraction:g} of the file (seed {args.seed})"
    optimizers = args.optimizers or list(default_opts)
    if model in OWN_SOLVER:
        only, how = OWN_SOLVER[model]
        if any(o != only for o in optimizers):
            raise CLIError(f"--model {model} trains only by {how}: use --optimizers {only} (or "
                           f"leave --optimizers out)")
    if networks["dropout"] and any(o in ("gd", "lbfgs") for o in optimizers):
        raise CLIError("--dropout needs stochastic optimizers (gd and lbfgs need the same "
                       "objective at every evaluation): leave gd and lbfgs out of --optimizers "
                       "(e.g. --optimizers sgd adam), or drop --dropout")
    if args.scale:  # the training rows' statistics, for the test rows too
        scaler = Standardizer.fit(X)
        X, X_test = scaler.transform(X), scaler.transform(X_test)
    else:
        _warn_scale(X)
    validation = None
    if model in NETWORKS:  # the validation curves: rows held out of the training set
        X, y, validation = hold_out(X, y, args.seed, args.data)
    common = dict(C=args.C, alpha=args.alpha, kernel=args.kernel, gamma=args.gamma, **networks,
                  **liblinear_params(model, args, y))
    if has_param(model, "random_state"):  # svc is deterministic: --seed seeds the split only
        common["random_state"] = args.seed
    max_iter = COMPARE_MAX_ITER if args.max_iter is None else args.max_iter
    lr = "auto" if args.lr is None else args.lr
    runs = []
    for opt in optimizers:
        if opt in STOCHASTIC:
            batch = args.batch_size
            params = dict(solver=opt, learning_rate=lr, batch_size=batch, max_iter=args.epochs,
                          n_iter_no_change=args.epochs)
            settings = f"lr={lr if isinstance(lr, str) else format(lr, 'g')}, batch_size={batch}"
        elif opt == "dual-cd":
            params = dict(dual=True, max_iter=max_iter)  # (the default dual='auto' may not)
            settings = f"dual coordinate descent, max_iter={max_iter}"
        elif opt == "smo":  # SVC's own budget (no limit) unless --max-iter is given
            params = dict(max_iter=args.max_iter)
            est = make_estimator(model, **common)
            settings = (f"kernel={est.kernel}, gamma={est.gamma}, "
                        f"max_iter={'no limit' if args.max_iter is None else args.max_iter}")
        else:  # a direct solver of the estimator ('gd', 'lbfgs', 'auto', 'cg', ...)
            params = dict(solver=opt, max_iter=max_iter)
            settings = (f"Armijo line search, max_iter={max_iter}" if opt == "gd" else
                        f"max_iter={max_iter}")
        cls = estimator_class(model)
        if "n_iter_no_change" in params and "n_iter_no_change" not in cls().get_params():
            params.pop("n_iter_no_change")
        runs.append((opt, make_estimator(model, **params, **common), settings,
                     "n_iter_no_change" in params))
    print(f"{name} on {args.data} ({fmt}): {X.shape[0]} training samples, {X.shape[1]} features"
          f"{' (standardized)' if args.scale else ''}; tested on {X_test.shape[0]} samples "
          f"({where})", flush=True)
    results, curves = run_comparison(runs, X, y, X_test, y_test, validation=validation,
                                     progress=io.StringIO() if args.quiet else None)
    what = {"classifier": "mean cross-entropy", "regressor": "mean squared error / 2"}[kind]
    if model == "linearsvc":
        what = "mean (squared) hinge loss"
    footnote = SVC_FOOTNOTE if model == "svc" else FOOTNOTE.format(what=what)
    xlabel = "SMO iteration" if model == "svc" else XLABEL
    title = f"{name} on {pathlib.Path(args.data).name}: training loss"
    if validation is not None:
        footnote = NETWORK_FOOTNOTE.format(
            what=what, rows="samples", n_train=X.shape[0], n_val=validation[0].shape[0],
            extra="; lr: " + (f"{args.lr:g}" if args.lr is not None else
                              "'auto' (the estimator's default rate of each solver)"))
        xlabel = f"{XLABEL}, log scale"
        title = (f"{name} on {pathlib.Path(args.data).name}: training (solid) and validation "
                 f"(dashed) loss")
    stem = pathlib.Path(args.data).name.split(".")[0] or "data"
    out = args.out or f"fastoptim-{stem}.png"
    report(results, curves, kind, out=out, plot=not args.no_plot, title=title,
           footnote=footnote, xlabel=xlabel)
    return 0


def _warn_scale(X):
    """A line on stderr when the features' scales differ by more than SCALE_WARNING_RATIO:
    the solvers' steps (and the automatic rates) are set by the widest column, and the
    narrow ones then barely move."""
    spread = scale_spread(X)
    if spread is not None and spread[0] > SCALE_WARNING_RATIO:
        ratio, wide, narrow = spread
        print(f"warning: the features differ in scale by {ratio:.3g}x (standard deviation of "
              f"column {wide} over column {narrow}, 0-based): the optimizers converge slowly "
              f"on such data; pass --scale to standardize them", file=sys.stderr, flush=True)


def add_parser(sub):
    """The ``compare`` subcommand, on the subparsers ``sub`` of the main parser."""
    p = sub.add_parser("compare", help="compare the optimizers on your data file",
                       description="Train one model with each optimizer on DATA (svmlight or "
                                   "CSV) and print the table and loss curves, as the default "
                                   "command does on USPS.")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--test", metavar="TEST",
                   help="test file (default: hold out --test-fraction of DATA)")
    p.add_argument("--model", choices=list(MODELS), default="logistic",
                   help=MODEL_HELP)
    p.add_argument("--optimizers", nargs="+", metavar="NAME",
                   help="optimizers to compare (default: gd sgd momentum nesterov adagrad "
                        "rmsprop adam, and lbfgs -- 'auto' (exact) for ridge/linear; linearsvc "
                        "trains only by 'dual-cd', svc only by 'smo'); also any solver name of "
                        "the model")
    p.add_argument("--epochs", type=positive_int, default=50,
                   help="epochs of the stochastic optimizers (default: 50)")
    p.add_argument("--max-iter", type=positive_int, default=None,
                   help="iterations of the full-batch solvers (default: 300; svc: SMO "
                        "iterations per one-vs-one problem, default: no limit)")
    p.add_argument("--batch-size", type=positive_int, default=64,
                   help="mini-batch size of the stochastic optimizers (default: 64)")
    p.add_argument("--lr", type=positive_float, default=None,
                   help="learning rate of every stochastic optimizer (default: 'auto', the "
                        "estimators' data-derived rates)")
    add_penalty_options(p)
    p.add_argument("--test-fraction", type=fraction, default=0.25,
                   help="held-out fraction when there is no --test file (default: 0.25)")
    p.add_argument("--seed", type=seed, default=0,
                   help="seed of the split and of the solvers (default: 0; svc's SMO is "
                        "deterministic)")
    p.add_argument("--out", default=None, metavar="PATH",
                   help="the figure (default: fastoptim-<DATA name>.png)")
    p.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    add_liblinear_options(p, dual=False)
    add_svc_options(p)
    add_network_options(p, early_stopping=False)
    add_data_options(p)
    p.set_defaults(run=compare_cmd)
    return p
