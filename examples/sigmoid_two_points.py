r"""The two-point sigmoid fit, solved by every fastoptim optimizer.

Find w, b such that the sigmoid neuron f(x) = 1 / (1 + exp(-(w x + b)))
passes through (0.5, 0.2) and (2.5, 0.9).  The objective is the sum of
squared errors over the two points,

    L(w, b) = sum_i (f(x_i) - y_i)^2,
    dL/dw = sum_i 2 (f_i - y_i) f_i (1 - f_i) x_i,   dL/db = the same without x_i,

and it has an exact solution (L = 0): w = (logit 0.9 - logit 0.2) / 2 = 1.7918,
b = logit 0.2 - w / 2 = -2.2822.  Starting from (w, b) = (-2, -2), on the flat
part of the sigmoid where both predictions are near 0, each optimizer runs
until max|grad| <= 1e-8.

Run:  python examples/sigmoid_two_points.py
"""
import numpy as np
from scipy.special import expit

from fastoptim.optim import minimize

X = np.array([0.5, 2.5])
Y = np.array([0.2, 0.9])
X0 = np.array([-2.0, -2.0])  # (w, b)

#: (label, optimizer string, keyword arguments of minimize): rates picked per
#: optimizer (the torch-style momentum step is lr / (1 - mu) = 10 lr at steady state).
RUNS = [
    ("gd + armijo", "gd", dict(line_search="armijo")),
    ("gd + grid", "gd", dict(line_search="grid")),
    ("sgd", "sgd", dict(lr=1.0)),
    ("momentum", "momentum", dict(lr=0.3)),
    ("nesterov", "nesterov", dict(lr=0.3)),
    ("adagrad", "adagrad", dict(lr=1.0)),
    ("rmsprop", "rmsprop", dict(lr=0.01)),
    ("adam", "adam", dict(lr=0.05)),
]


def sigmoid_loss(params):
    """Sum of squared errors of the neuron (w, b) = params and its gradient."""
    w, b = params
    f = expit(w * X + b)  # overflow-free sigmoid
    r = f - Y
    dz = 2.0 * r * f * (1.0 - f)
    return float(r @ r), np.array([dz @ X, dz.sum()])


def solve(optimizer, tol=1e-8, max_iter=20000, **kwargs):
    """minimize() on the two-point problem from (-2, -2)."""
    return minimize(sigmoid_loss, X0, optimizer, tol=tol, max_iter=max_iter, **kwargs)


def main():
    w_star = (np.log(0.9 / 0.1) - np.log(0.2 / 0.8)) / 2.0
    b_star = np.log(0.2 / 0.8) - 0.5 * w_star
    print(f"exact solution: w = {w_star:.6f}, b = {b_star:.6f}\n")
    header = f"{'optimizer':<13} {'settings':<22} {'iters':>6} {'evals':>6} {'final loss':>11} " \
             f"{'w':>9} {'b':>9}  f(0.5)  f(2.5)"
    print(header)
    print("-" * len(header))
    for label, name, kwargs in RUNS:
        res = solve(name, **kwargs)
        w, b = res.x
        f = expit(res.x[0] * X + res.x[1])
        settings = ", ".join(f"{k}={v}" for k, v in kwargs.items() if k != "line_search")
        flag = "" if res.success else "  (not converged)"
        print(f"{label:<13} {settings or '-':<22} {res.nit:>6} {res.nfev:>6} {res.fun:>11.2e} "
              f"{w:>9.5f} {b:>9.5f}  {f[0]:.4f}  {f[1]:.4f}{flag}")


if __name__ == "__main__":
    main()
