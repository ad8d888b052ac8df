r"""Line searches for full-batch gradient descent on ``fun(x) -> (value, grad)``.

MATH.md ("Step sizes"):

- **grid search** -- try a list of steps s along a direction d, keep the
  point :math:`x + s d` with the lowest value;
- **Armijo backtracking** -- shrink the rate until the sufficient-decrease
  condition :math:`f(x - \eta g) \le f(x) - c\, \eta \lVert g \rVert^2` holds;
  :func:`armijo_descent` repeats it, full-batch gradient descent (the 'gd' solver of
  LogisticRegression, SoftmaxRegression, MLPClassifier and MLPRegressor).

Both return a :class:`LineSearchResult` holding the new point, its value and
its gradient (so the caller needs no extra evaluation) and a ``success``
flag; neither raises when no acceptable step exists -- they return step 0 and
x unchanged with ``success=False`` and a message saying why.

Line searches assume ``fun`` is deterministic (the full objective, not a
mini-batch estimate): comparing values of a noisy objective is meaningless.
They also see f only to its round-off: once the decrease a step can bring,
about :math:`\lVert g \rVert^2 / (2\beta)` for a :math:`\beta`-smooth f, falls
below :math:`\epsilon_{mach} |f|`, steps are accepted or refused by rounding.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["LineSearchResult", "grid_search", "armijo", "armijo_descent"]

#: MATH.md's grid.
DEFAULT_STEPS = (0.1, 0.5, 1.0, 5.0, 10.0)


@dataclass
class LineSearchResult:
    """The outcome of a line search.

    The line searches build it; each parameter is kept as the attribute of the
    same name.

    Parameters
    ----------
    step : float
        The accepted step (the rate lr for :func:`armijo`, the multiple s of the
        direction for :func:`grid_search`); 0.0 when none was accepted.
    x_new : ndarray of float64
        The new point (a copy of x when ``step == 0``), shaped like x.
    f_new : float
        ``fun(x_new)``'s value.
    grad_new : ndarray of float64
        ``fun(x_new)``'s gradient, shaped like x (the gradient passed in, for
        :func:`armijo` with step 0; ``None`` for :func:`grid_search` with step 0
        when the caller did not evaluate x itself, i.e. passed ``f0``).
    n_evals : int
        Calls of ``fun`` made, including the one at x when ``f0`` was not given.
    success : bool
        Whether a step was accepted.
    message : str
        Why the search stopped.
    """

    step: float
    x_new: np.ndarray = field(repr=False)
    f_new: float
    grad_new: object = field(repr=False)
    n_evals: int
    success: bool
    message: str


# -- shared checks -----------------------------------------------------------------

def _value_grad(fun, x, where="x"):
    """Call fun(x) -> (value, grad); return (float value, float64 grad shaped like x).

    Non-finite results are returned as they are: the caller decides.
    """
    out = fun(x)
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"fun must return a pair (value, grad); at {where} it returned "
                        f"{type(out).__name__}")
    value, grad = out
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"fun's value must be a real scalar; at {where} it returned "
                        f"{value!r}") from None
    grad = np.array(grad, dtype=np.float64)  # always a copy: fun may reuse its buffer
    if grad.shape != x.shape:
        if grad.size != x.size:
            raise ValueError(f"fun returned a gradient of shape {grad.shape} at {where}, but x "
                             f"has shape {x.shape}; the gradient needs one entry per parameter")
        grad = grad.reshape(x.shape)
    return value, grad


def _check_fun(fun):
    if not callable(fun):
        raise TypeError(f"fun must be callable as fun(x) -> (value, grad), got "
                        f"{type(fun).__name__}")


def _as_point(x, name):
    """A finite, non-empty float64 copy of x."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = np.array(arr, dtype=np.float64)
    if arr.size == 0:
        raise ValueError(f"{name} must have at least one entry")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity; it must be finite")
    return arr


def _like(v, x, name):
    """v as a finite float64 array shaped like x."""
    arr = _as_point(v, name)
    if arr.shape != x.shape:
        if arr.size != x.size:
            raise ValueError(f"{name} has shape {arr.shape} but x has shape {x.shape}; "
                             f"they must match")
        arr = arr.reshape(x.shape)
    return arr


def _real(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _open_unit(value, name):
    value = _real(value, name)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be in the open interval (0, 1), got {value!r}")
    return value


def _f0(fun, x, f0):
    """(f0, grad or None, evaluations made)."""
    if f0 is None:
        value, grad = _value_grad(fun, x, "x")
        if not math.isfinite(value):
            raise FloatingPointError(f"fun(x) = {value!r} is not finite; start the line search "
                                     f"from a point where the objective is finite")
        return value, grad, 1
    f0 = _real(f0, "f0")
    return f0, None, 0


def _finite(value, grad):
    return math.isfinite(value) and bool(np.all(np.isfinite(grad)))


# -- the searches -----------------------------------------------------------------

def grid_search(fun: Callable[[np.ndarray], tuple[float, ArrayLike]], x: ArrayLike,
                direction: ArrayLike, steps: Iterable[float] = DEFAULT_STEPS,
                f0: float | None = None) -> LineSearchResult:
    r"""Try :math:`x + s\,d` for each step s of a grid; keep the lowest value.

    .. math:: s^* = \arg\min_{s \in \text{steps}} f(x + s\, d)

    accepted only when :math:`f(x + s^* d) < f(x)`.  For gradient descent pass
    ``direction = -grad``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)``, deterministic.
    x : array-like
        The current point; any shape, finite.
    direction : array-like
        d, shaped like x.
    steps : sequence of float, default (0.1, 0.5, 1, 5, 10)
        Positive finite steps to try (MATH.md's grid).
    f0 : float, optional
        ``fun(x)``'s value, when already known (saves one evaluation); None
        (the default) evaluates ``fun(x)``.

    Returns
    -------
    LineSearchResult
        ``step`` is the best s; when no step lowers f (or every trial value is
        NaN/infinite), ``step=0``, ``x_new`` a copy of x, ``f_new=f0`` and
        ``success=False``.  Ties go to the first step listed.

    Examples
    --------
    >>> import numpy as np
    >>> fun = lambda x: (float(x @ x), 2 * x)
    >>> x = np.array([2.0, 0.0])
    >>> r = grid_search(fun, x, -fun(x)[1])
    >>> r.step, r.x_new.tolist(), r.f_new, r.n_evals
    (0.5, [0.0, 0.0], 0.0, 6)
    """
    _check_fun(fun)
    x = _as_point(x, "x")
    d = _like(direction, x, "direction")
    if isinstance(steps, (str, bytes)) or not hasattr(steps, "__iter__"):
        raise TypeError(f"steps must be a sequence of positive numbers, got {steps!r}")
    steps = tuple(steps)
    if not steps:
        raise ValueError("steps must hold at least one step, e.g. (0.1, 0.5, 1, 5, 10)")
    steps = tuple(_real(s, "steps[%d]" % i) for i, s in enumerate(steps))
    for i, s in enumerate(steps):
        if s <= 0.0:
            raise ValueError(f"steps[{i}] = {s!r}; every step must be > 0")
    f0, g0, n_evals = _f0(fun, x, f0)

    best = (0.0, x, f0, g0)
    with np.errstate(over="ignore", invalid="ignore"):
        for s in steps:
            x_try = x + s * d
            value, grad = _value_grad(fun, x_try, f"x + {s!r} * direction")
            n_evals += 1
            if _finite(value, grad) and value < best[2]:
                best = (s, x_try, value, grad)
    step, x_new, f_new, g_new = best
    if step == 0.0:
        return LineSearchResult(0.0, x.copy(), f0, g0, n_evals, False,
                                f"no step in {steps} lowered f below f(x) = {f0!r}; x is kept "
                                f"(try smaller steps, or check that direction is a descent "
                                f"direction)")
    return LineSearchResult(step, x_new, f_new, g_new, n_evals, True,
                            f"step {step!r} gave the lowest value of {len(steps)} tried")


def armijo(fun: Callable[[np.ndarray], tuple[float, ArrayLike]], x: ArrayLike, grad: ArrayLike,
           f0: float | None = None, lr0: float = 1.0, c: float = 1e-4, shrink: float = 0.5,
           max_evals: int = 50) -> LineSearchResult:
    r"""Armijo backtracking along the negative gradient.

    Tries :math:`\eta = \eta_0, \eta_0 \rho, \eta_0 \rho^2, \dots` (:math:`\rho` =
    ``shrink``) and accepts the first rate satisfying the sufficient-decrease
    condition

    .. math:: f(x - \eta g) \le f(x) - c\, \eta\, \lVert g \rVert^2 .

    For a :math:`\beta`-smooth f it holds for every :math:`\eta \le 2 (1 - c) / \beta`,
    so the search ends after at most
    :math:`\lceil \log_{1/\rho}(\eta_0 \beta / (2 (1 - c))) \rceil + 1` trials.
    Trial points where f or its gradient is NaN/infinite count as failures
    (the rate is shrunk).

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)``, deterministic.
    x : array-like
        The current point; any shape, finite.
    grad : array-like
        g, the gradient of fun at x, shaped like x.
    f0 : float, optional
        ``fun(x)``'s value, when already known (saves one evaluation); None
        (the default) evaluates ``fun(x)``.
    lr0 : float, default 1.0
        The first rate tried, > 0.
    c : float, default 1e-4
        Sufficient-decrease constant, in (0, 1).
    shrink : float, default 0.5
        Factor applied to the rate after each failed trial, in (0, 1).
    max_evals : int, default 50
        The most trial points to evaluate (not counting the evaluation at x
        when ``f0`` is not given).

    Returns
    -------
    LineSearchResult
        ``step`` is the accepted rate.  If ``grad`` is zero, ``step=0`` and
        ``success=True`` (x is stationary).  If ``max_evals`` trials all fail,
        ``step=0``, ``x_new`` a copy of x, ``f_new=f0``, ``grad_new=grad`` and
        ``success=False`` with a message -- usually a sign that ``grad`` is not
        the gradient of ``fun`` (check it with :func:`fastoptim.check_grad`).

    Examples
    --------
    >>> import numpy as np
    >>> fun = lambda x: (float(x @ x), 2 * x)
    >>> x = np.array([3.0, -1.0])
    >>> r = armijo(fun, x, 2 * x)
    >>> r.step, r.x_new.tolist(), r.n_evals
    (0.5, [0.0, 0.0], 3)
    """
    _check_fun(fun)
    x = _as_point(x, "x")
    g = _like(grad, x, "grad")
    lr0 = _real(lr0, "lr0")
    if lr0 <= 0.0:
        raise ValueError(f"lr0 must be > 0, got {lr0!r}")
    c = _open_unit(c, "c")
    shrink = _open_unit(shrink, "shrink")
    if isinstance(max_evals, (bool, np.bool_)) or not isinstance(max_evals, numbers.Integral):
        raise TypeError(f"max_evals must be an int >= 1, got {max_evals!r}")
    if max_evals < 1:
        raise ValueError(f"max_evals must be an int >= 1, got {max_evals}")
    f0, _, n_evals = _f0(fun, x, f0)

    gg = float(np.dot(g.ravel(), g.ravel()))
    if gg == 0.0:
        return LineSearchResult(0.0, x.copy(), f0, g.copy(), n_evals, True,
                                "the gradient is zero: x is stationary")
    lr = lr0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(int(max_evals)):
            x_try = x - lr * g
            value, grad_try = _value_grad(fun, x_try, f"x - {lr!r} * grad")
            n_evals += 1
            if _finite(value, grad_try) and value <= f0 - c * lr * gg:
                return LineSearchResult(lr, x_try, value, grad_try, n_evals, True,
                                        f"the Armijo condition holds at lr = {lr!r}")
            lr *= shrink
    smallest = lr / shrink
    return LineSearchResult(
        0.0, x.copy(), f0, g.copy(), n_evals, False,
        f"no rate in lr0 * shrink**k (k < max_evals={max_evals}, down to {smallest:.3g}) "
        f"satisfied f(x - lr g) <= f(x) - c lr ||g||^2; check that grad is the gradient of "
        f"fun at x (fastoptim.check_grad), or raise max_evals",
    )


def armijo_descent(fun: Callable[[np.ndarray], tuple[float, ArrayLike]], x0: ArrayLike,
                   max_iter: int, tol: float,
                   callback: Callable[[int, np.ndarray, float], object] | None = None,
                   start: tuple[float, np.ndarray] | None = None,
                   ) -> tuple[np.ndarray, int, bool]:
    r"""Full-batch gradient descent, each step by Armijo backtracking (:func:`armijo`).

    .. math:: x_{k+1} = x_k - \eta_k \nabla f(x_k), \qquad
              f(x_{k+1}) \le f(x_k) - c\, \eta_k \lVert \nabla f(x_k) \rVert^2

    (c = 1e-4, halving on failure).  The first rate tried at step k+1 is
    :math:`2 \eta_k`, so the rate grows back after a cautious step, and the very
    first is :math:`1 / \max(1, \lVert \nabla f(x_0) \rVert)`: a trial step of at
    most unit length, as L-BFGS-B's first, since on features of large magnitude
    the gradient is large too and a rate of 1 would need more halvings than the
    search has.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)``, deterministic (the full objective).
    x0 : array-like
        The starting point (copied, not modified).
    max_iter : int
        The most steps.
    tol : float
        Stop when the gradient's largest absolute entry is <= tol.
    callback : callable, optional
        ``callback(k, x, value)`` after each accepted step k (1-based), with the
        new point (the solver's array: copy it to keep it) and its value.
    start : (float, ndarray), optional
        ``fun(x0)``, when already known (saves one evaluation).  Only trial points
        may be non-finite (the rate is shrunk there, see :func:`armijo`), so a
        ``fun`` that signals an overflow by raising can be evaluated strictly at
        x0 and leniently (returning ``inf``) at the trials.

    Returns
    -------
    x : ndarray
        The last point.
    n_iter : int
        The steps taken (a failed line search counts as the step that stopped).
    converged : bool
        Whether the gradient at x meets tol.
    """
    x = np.array(x0, copy=True)
    value, g = fun(x) if start is None else start
    gnorm = float(np.linalg.norm(g))
    lr = 1.0 / max(1.0, gnorm) if np.isfinite(gnorm) else 1.0  # (an overflow is reported later)
    for it in range(1, max_iter + 1):
        if np.max(np.abs(g)) <= tol:
            return x, it - 1, True
        res = armijo(fun, x, g, f0=value, lr0=lr, max_evals=60)
        if not res.success:
            return x, it, bool(np.max(np.abs(g)) <= tol)
        x, value, g = res.x_new, res.f_new, res.grad_new
        if callback is not None:
            callback(it, x, float(value))
        lr = 2.0 * res.step
    return x, max_iter, bool(np.max(np.abs(g)) <= tol)
