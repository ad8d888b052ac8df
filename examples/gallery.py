r"""The classic pictures of gradient-based optimization, drawn with fastoptim.

Writes three PNG files into OUTDIR (default: the current directory):

``sigmoid_momentum.png``
    Gradient descent, momentum and Nesterov momentum on the squared-error
    surface of the two-point sigmoid fit (see sigmoid_two_points.py): find
    (w, b) such that f(x) = 1 / (1 + exp(-(w x + b))) passes through
    (0.5, 0.2) and (2.5, 0.9).  From (-2, -2), on the flat part of the
    sigmoid, plain gradient descent crawls; momentum builds up speed on the
    plateau and overshoots the valley; Nesterov's look-ahead gradient damps
    the overshoot.
``sparse_adaptive.png``
    AdaGrad, RMSProp and Adam (and plain SGD for contrast) on mini-batches of
    20 samples of a least-squares problem whose second feature is rarely
    non-zero (5 % of the samples; the contours are the full objective).  Most
    batches carry no gradient for that weight, so SGD barely moves it, while
    the adaptive methods divide each coordinate's step by the size of its
    own past gradients: AdaGrad and RMSProp jump when the rare feature
    appears, Adam's first moment carries the move across the batches
    without it.
``usps_loss_curves.png``
    The training-loss curves of ``python -m fastoptim`` (every optimizer on
    SoftmaxRegression and the USPS digits), with its table.

Run:  python examples/gallery.py [OUTDIR] [--quick]

``--quick`` shortens the USPS run (a subset, fewer epochs).  Needs matplotlib
(``pip install matplotlib``); without it the script prints that hint and
exits with status 1.
"""
import argparse
import pathlib
import sys

import numpy as np
from scipy.special import expit

HINT = "pip install matplotlib to get the plot"

# -- the two-point sigmoid fit ----------------------------------------------------------------

SIG_X = np.array([0.5, 2.5])
SIG_Y = np.array([0.2, 0.9])
SIG_START = np.array([-2.0, -2.0])  # (w, b)


def sigmoid_loss(p):
    """L(w, b) = sum_i (f(x_i) - y_i)^2 and its gradient, for p = (w, b).

    ``p`` may also hold grids: shape (2, ...) gives the loss of every grid
    point (the gradient is then not used).
    """
    p = np.asarray(p, dtype=np.float64)
    w, b = p[0][..., None], p[1][..., None]  # a trailing axis for the two points
    f = expit(w * SIG_X + b)
    r = f - SIG_Y
    value = np.sum(r * r, axis=-1)
    dz = 2.0 * r * f * (1.0 - f)
    grad = np.stack([np.sum(dz * SIG_X, axis=-1), np.sum(dz, axis=-1)])
    return value, grad


# -- least squares with a sparse feature ------------------------------------------------------

def sparse_data(n=1000, density=0.05, seed=0):
    """(X, y): x1 ~ N(0, 1) in every sample, x2 ~ N(0, 1) in ``density`` of them (0
    elsewhere), y = x1 + x2: the least-squares minimum is w = (1, 1), f = 0."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.standard_normal(n),
                         rng.standard_normal(n) * (rng.random(n) < density)])
    return X, X @ np.array([1.0, 1.0])


SPARSE_X, SPARSE_Y = sparse_data()
# f(w) = mean (x.w - y)^2 / 2 = w'Aw/2 - c'w + const, for the contours
A = SPARSE_X.T @ SPARSE_X / len(SPARSE_Y)
C_VEC = SPARSE_X.T @ SPARSE_Y / len(SPARSE_Y)
CONST = float(SPARSE_Y @ SPARSE_Y) / (2 * len(SPARSE_Y))
SPARSE_START = np.array([-1.5, -1.5])


def minibatch_loss(batch_size=20, seed=1):
    """A ``fun(w) -> (value, grad)`` whose every call draws a new mini-batch (seeded)."""
    rng = np.random.default_rng(seed)

    def fun(w):
        rows = rng.integers(0, len(SPARSE_Y), batch_size)
        r = SPARSE_X[rows] @ w - SPARSE_Y[rows]
        return 0.5 * float(r @ r) / batch_size, SPARSE_X[rows].T @ r / batch_size

    return fun


def sparse_loss(p):
    """f(w) and its gradient for w = p (or the values of f on a grid of shape (2, ...))."""
    p = np.asarray(p, dtype=np.float64)
    Ap = np.tensordot(A, p, axes=1)
    value = 0.5 * np.sum(p * Ap, axis=0) - np.tensordot(C_VEC, p, axes=1) + CONST
    return value, Ap - C_VEC.reshape((2,) + (1,) * (p.ndim - 1))


# -- the pictures ----------------------------------------------------------------------------

def draw_momentum(out, steps=100):
    """GD vs momentum vs Nesterov on the sigmoid surface -> out (PNG)."""
    from matplotlib.figure import Figure

    from fastoptim.optim import SGD
    from fastoptim.plot import record_path, trajectories

    paths = {
        "gd (lr 1)": record_path(sigmoid_loss, SIG_START, SGD(lr=1.0), steps),
        "momentum 0.9 (lr 0.3)": record_path(sigmoid_loss, SIG_START,
                                             SGD(lr=0.3, momentum=0.9), steps),
        "nesterov 0.9 (lr 0.3)": record_path(sigmoid_loss, SIG_START,
                                             SGD(lr=0.3, momentum=0.9, nesterov=True), steps),
    }
    fig = Figure(figsize=(7, 5.5), layout="constrained")
    ax = fig.add_subplot()
    trajectories(lambda p: sigmoid_loss(p)[0], paths, xlim=(-3, 5), ylim=(-6, 2), ax=ax,
                 title=f"two-point sigmoid fit: {steps} steps from (w, b) = (-2, -2)")
    ax.plot(1.7918, -2.2822, marker="*", markersize=12, color="black", linestyle="none")
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    fig.savefig(out, dpi=110)
    return out


def draw_adaptive(out, steps=200):
    """AdaGrad vs RMSProp vs Adam (and SGD) on the sparse-feature problem -> out (PNG)."""
    from matplotlib.figure import Figure

    from fastoptim.optim import SGD, Adagrad, Adam, RMSProp
    from fastoptim.plot import record_path, trajectories

    paths = {
        # the same sequence of mini-batches for each (the same seed)
        "sgd (lr 0.1)": record_path(minibatch_loss(), SPARSE_START, SGD(lr=0.1), steps),
        "adagrad (lr 0.3)": record_path(minibatch_loss(), SPARSE_START, Adagrad(lr=0.3), steps),
        "rmsprop (lr 0.02)": record_path(minibatch_loss(), SPARSE_START, RMSProp(lr=0.02),
                                         steps),
        "adam (lr 0.05)": record_path(minibatch_loss(), SPARSE_START, Adam(lr=0.05), steps),
    }
    fig = Figure(figsize=(7, 5.5), layout="constrained")
    ax = fig.add_subplot()
    trajectories(lambda p: sparse_loss(p)[0], paths, xlim=(-2, 2), ylim=(-2, 2), ax=ax,
                 title=f"sparse feature (non-zero in 5% of samples): {steps} mini-batches of 20")
    ax.plot(1.0, 1.0, marker="*", markersize=12, color="black", linestyle="none")
    ax.set_xlabel("w1 (dense feature)")
    ax.set_ylabel("w2 (sparse feature)")
    fig.savefig(out, dpi=110)
    return out


def draw_usps(out, quick=False):
    """The USPS comparison of ``python -m fastoptim`` -> out (PNG); prints its table."""
    from fastoptim.__main__ import main as fastoptim_main

    status = fastoptim_main(["--out", str(out)] + (["--quick"] if quick else []))
    if status != 0:
        raise SystemExit(status)
    return out


def main(argv=None):
    """Write the gallery into OUTDIR; returns the exit status."""
    parser = argparse.ArgumentParser(description="Write the fastoptim gallery of optimizer "
                                                 "pictures (PNG files) into OUTDIR.")
    parser.add_argument("outdir", nargs="?", default=".", help="default: the current directory")
    parser.add_argument("--quick", action="store_true", help="a short USPS run")
    args = parser.parse_args(argv)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print(f"examples/gallery.py needs matplotlib: {HINT}", file=sys.stderr)
        return 1
    outdir = pathlib.Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for path in (draw_momentum(outdir / "sigmoid_momentum.png"),
                 draw_adaptive(outdir / "sparse_adaptive.png")):
        print(f"wrote {path}")
    draw_usps(outdir / "usps_loss_curves.png", quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
