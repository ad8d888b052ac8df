r"""The classic pictures of gradient-based optimization, drawn with fastoptim.

Writes seven PNG files into OUTDIR (default: the current directory):

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
``init_tanh.png``, ``init_relu.png``
    The initialisation experiment: the activations of a network of 10
    hidden layers of 256 units (tanh, then ReLU) on 1000 standard normal
    inputs, layer by layer, for weights drawn from N(0, s^2) with four s:
    Xavier's 1 / sqrt(256) (Var 1 / D_in), He's sqrt(2 / 256), too small
    (0.01) and too large (1).  Under tanh, Xavier's keep the activations
    spread in (-1, 1) (their std shrinks slowly, 0.63 to 0.23 over the 10
    layers), too small ones make them collapse to 0 (each layer multiplies
    their scale by about 0.01 sqrt(256) = 0.16) and too large ones saturate
    them at -1 and +1 (where tanh's slope, hence the gradient, is 0).  Under
    ReLU, which zeroes half of its inputs, He's keep their scale, Xavier's
    lose a factor sqrt(2) per layer, too small ones collapse and too large
    ones explode (x sqrt(256 / 2) = 11 per layer, a std of 4e10 at layer 10).
``lr_schedules.png``
    The learning-rate schedules of fastoptim.optim.schedules over 100 steps:
    step decay, exponential decay, 1/t decay, cosine decay and linear warm-up
    followed by cosine decay.
``batch_norm.png``
    Training (solid) and validation (dashed) loss of the same deep sigmoid
    network (5 hidden layers of 100 units, SGD with momentum) on the USPS
    digits, with and without batch norm, and their test accuracies: without,
    the loss stays at chance level (log 10 = 2.30) for the whole run (the
    gradient reaching the first layers has gone through five sigmoids, each
    of slope 1/4 at most); with batch norm, every layer's input is
    re-centred and re-scaled, and the network learns from the first epoch.

Run:  python examples/gallery.py [OUTDIR] [--quick]

``--quick`` shortens the USPS runs (a subset, fewer epochs).  Needs matplotlib
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


# -- the initialisation experiment -------------------------------------------------------------

INIT_WIDTH, INIT_DEPTH, INIT_SAMPLES = 256, 10, 1000
#: (label, standard deviation of every weight): the input and every hidden layer have
#: D_in = 256 inputs, so that one s per case is the scheme's for every layer.
INIT_CASES = (
    ("Xavier: std 1/sqrt(256)", 1.0 / np.sqrt(INIT_WIDTH)),
    ("He: std sqrt(2/256)", np.sqrt(2.0 / INIT_WIDTH)),
    ("too small: std 0.01", 0.01),
    ("too large: std 1", 1.0),
)


def init_experiment(activation, seed=0):
    """label -> (network, X) for the four INIT_CASES of a 10-layer width-256 network."""
    from fastoptim.plot import initial_network

    X = np.random.default_rng(seed).standard_normal((INIT_SAMPLES, INIT_WIDTH))
    sizes = (INIT_WIDTH,) * (INIT_DEPTH + 1) + (10,)
    return {label: (initial_network(sizes, activation, init=std, random_state=seed + k), X)
            for k, (label, std) in enumerate(INIT_CASES)}


# -- the batch-norm comparison ----------------------------------------------------------------

BN_HIDDEN = (100,) * 5


def batch_norm_runs(quick=False):
    """name -> training_curves run of the deep sigmoid MLP on USPS, without and with batch
    norm (early_stopping for the validation curve; every epoch runs)."""
    import warnings

    from fastoptim.datasets import load_usps
    from fastoptim.exceptions import ConvergenceWarning
    from fastoptim.neural_network import MLPClassifier

    X, y, X_test, y_test = load_usps()
    epochs = 8 if quick else 20
    if quick:
        X, y = X[:3000], y[:3000]
    runs = {}
    for name, batch_norm in (("without batch norm", False), ("with batch norm", True)):
        clf = MLPClassifier(BN_HIDDEN, "logistic", solver="momentum", learning_rate=0.05,
                            batch_size=64, batch_norm=batch_norm, max_iter=epochs,
                            early_stopping=True, n_iter_no_change=epochs, random_state=0)
        with warnings.catch_warnings():  # a fixed number of epochs, on purpose
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        runs[name] = {"train": clf.loss_curve_, "validation": clf.validation_loss_curve_,
                      "note": f"test accuracy {100 * clf.score(X_test, y_test):.1f}%"}
    return runs


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
    fig = Figure(figsize=(9, 5.5), layout="constrained")
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
    fig = Figure(figsize=(9, 5.5), layout="constrained")
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


def draw_init(out, activation):
    """The layer-by-layer activations for the four INIT_CASES under ``activation`` -> out."""
    from matplotlib.figure import Figure

    from fastoptim.plot import activation_histograms

    cases = init_experiment(activation)
    fig = Figure(figsize=(17, 9), layout="constrained")
    rows = fig.subplots(len(cases), INIT_DEPTH)
    relu = activation == "relu"  # half of the values are 0: a log count axis shows the rest
    for row, (label, (net, X)) in zip(rows, cases.items()):
        activation_histograms(net, X, ax=row, title=label, logy=relu)
    fig.suptitle(f"{activation} network, {INIT_DEPTH} hidden layers of {INIT_WIDTH} units: "
                 f"activations on {INIT_SAMPLES} standard normal inputs (one x range per row"
                 f"{', log counts' if relu else ''})")
    fig.savefig(out, dpi=80)
    return out


def draw_schedules(out, n_steps=100):
    """The learning-rate schedules over n_steps -> out (PNG)."""
    from matplotlib.figure import Figure

    from fastoptim.optim.schedules import (CosineDecay, ExponentialDecay, InverseTimeDecay,
                                           StepDecay, Warmup)
    from fastoptim.plot import lr_schedule

    schedules = {
        "StepDecay(0.1, step_size=30)": StepDecay(0.1, step_size=30),
        "ExponentialDecay(0.1, rate=0.03)": ExponentialDecay(0.1, rate=0.03),
        "InverseTimeDecay(0.1, rate=0.1)": InverseTimeDecay(0.1, rate=0.1),
        "CosineDecay(0.1, total=100)": CosineDecay(0.1, total=100),
        "Warmup(CosineDecay(0.1, total=90), 10)": Warmup(CosineDecay(0.1, total=90), 10),
    }
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    lr_schedule(schedules, n_steps, ax=fig.add_subplot(),
                title="learning-rate schedules (fastoptim.optim.schedules)")
    fig.savefig(out, dpi=110)
    return out


def draw_batch_norm(out, quick=False):
    """Loss curves of the deep sigmoid MLP on USPS with and without batch norm -> out (PNG)."""
    from matplotlib.figure import Figure

    from fastoptim.plot import training_curves

    fig = Figure(figsize=(10, 4.5), layout="constrained")
    training_curves(batch_norm_runs(quick), ax=fig.add_subplot(),
                    title=f"USPS digits: sigmoid MLP, {len(BN_HIDDEN)} x {BN_HIDDEN[0]} "
                          f"hidden units, SGD + momentum (lr 0.05)")
    fig.savefig(out, dpi=110)
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
                 draw_adaptive(outdir / "sparse_adaptive.png"),
                 draw_init(outdir / "init_tanh.png", "tanh"),
                 draw_init(outdir / "init_relu.png", "relu"),
                 draw_schedules(outdir / "lr_schedules.png"),
                 draw_batch_norm(outdir / "batch_norm.png", quick=args.quick)):
        print(f"wrote {path}")
    draw_usps(outdir / "usps_loss_curves.png", quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
