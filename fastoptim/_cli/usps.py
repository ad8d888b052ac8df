"""``fastoptim`` without a command: every optimizer on the USPS digits (the main job)."""
import numpy as np

from .._version import __version__
from ..datasets import load_usps
from ._comparison import FOOTNOTE, build_summary, report, run_comparison
from ._models import STOCHASTIC, make_estimator

__all__ = ["USPS_RUNS", "USPS_QUICK_ROWS", "usps_cmd"]

#: The USPS comparison: (name, SoftmaxRegression parameters, budget of the full run, of --quick).
#: The budget is max_iter: epochs of the stochastic solvers, iterations of 'gd' and 'lbfgs'.
#: Rates tuned on USPS (grey levels in [-1, 1], 256 features) for batches of 64 rows: each is
#: the rate of a grid with steps of about 3x that reached the lowest training loss in 50
#: epochs (the next larger rate ends higher, noisier).
USPS_RUNS = (
    ("gd", dict(solver="gd"), 100, 20),
    ("sgd", dict(solver="sgd", learning_rate=0.3, batch_size=64), 50, 10),
    ("momentum", dict(solver="momentum", learning_rate=0.03, batch_size=64), 50, 10),
    ("nesterov", dict(solver="nesterov", learning_rate=0.03, batch_size=64), 50, 10),
    ("adagrad", dict(solver="adagrad", learning_rate=0.3, batch_size=64), 50, 10),
    ("rmsprop", dict(solver="rmsprop", learning_rate=0.003, batch_size=64), 50, 10),
    ("adam", dict(solver="adam", learning_rate=0.003, batch_size=64), 50, 10),
    ("lbfgs", dict(solver="lbfgs"), 500, 100),
)
USPS_QUICK_ROWS = 2000  # --quick trains on this many training images (a seeded subset)


def usps_cmd(quick=False, out="fastoptim-usps.png", plot=True):
    """The default command: every optimizer on USPS digits with SoftmaxRegression.

    Parameters
    ----------
    quick : bool
        Train on a 2000-image subset with small budgets (a few seconds).
    out : str
        The PNG to write.
    plot : bool
        False: no figure.

    Returns
    -------
    int
        The exit status.
    """
    X, y, X_test, y_test = load_usps()
    if quick:
        rows = np.sort(np.random.default_rng(0).permutation(X.shape[0])[:USPS_QUICK_ROWS])
        X, y = X[rows], y[rows]
    runs = []
    for name, params, full, small in USPS_RUNS:
        budget = small if quick else full
        extra = dict(max_iter=budget, random_state=0)
        if name in STOCHASTIC:
            extra["n_iter_no_change"] = budget  # a fixed budget: every run gets the same epochs
            settings = f"lr={params['learning_rate']:g}, batch_size={params['batch_size']}"
        elif name == "gd":
            settings = f"Armijo line search, max_iter={budget}"
        else:
            settings = f"scipy L-BFGS-B, tol=1e-4, max_iter={budget}"
        runs.append((name, make_estimator("softmax", **params, **extra), settings,
                     name in STOCHASTIC))
    print(f"fastoptim {__version__} ({build_summary()}): SoftmaxRegression(C=1.0) on the USPS "
          f"digits ({X.shape[0]} training{' (quick subset)' if quick else ''}, "
          f"{X_test.shape[0]} test images, {X.shape[1]} features)", flush=True)
    results, curves = run_comparison(runs, X, y, X_test, y_test, points=8 if quick else 12)
    report(results, curves, "classifier", out=out, plot=plot,
            title=f"SoftmaxRegression on USPS{' (quick)' if quick else ''}: training loss",
            footnote=FOOTNOTE.format(what="mean cross-entropy"))
    return 0
