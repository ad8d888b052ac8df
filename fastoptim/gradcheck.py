"""Numerical gradient check by central differences."""
from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["check_grad", "numerical_gradient"]


def _value_and_grad(fun, x):
    out = fun(x)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError("fun must return a tuple (value, grad)")
    value, grad = out
    value = float(value)
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != x.shape:
        if grad.size != x.size:
            raise ValueError(f"fun returned a gradient of shape {grad.shape}; x0 has shape {x.shape}")
        grad = grad.reshape(x.shape)
    return value, grad


def numerical_gradient(fun: Callable[[np.ndarray], tuple[float, ArrayLike]], x0: ArrayLike, *,
                       eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient (f(x + eps e_j) - f(x - eps e_j)) / (2 eps) of ``fun``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)``; only the value is used.  It is called
        with float64 copies of x0, two per entry.
    x0 : array-like
        The point; any shape, copied to float64.
    eps : float, default 1e-6
        The finite-difference step, > 0, added to and subtracted from each
        coordinate in turn.

    Returns
    -------
    ndarray of float64, shaped like x0
    """
    x = np.array(x0, dtype=np.float64)
    num = np.empty_like(x)
    for j in range(x.size):
        saved = x.flat[j]
        x.flat[j] = saved + eps
        f_plus = _value_and_grad(fun, x.copy())[0]
        x.flat[j] = saved - eps
        f_minus = _value_and_grad(fun, x.copy())[0]
        x.flat[j] = saved
        num.flat[j] = (f_plus - f_minus) / (2.0 * eps)
    return num


def check_grad(fun: Callable[[np.ndarray], tuple[float, ArrayLike]], x0: ArrayLike, *,
               eps: float = 1e-6) -> float:
    r"""Compare the analytic gradient of ``fun`` with central differences.

    For each coordinate j the numerical derivative is
    :math:`n_j = (f(x + \epsilon e_j) - f(x - \epsilon e_j)) / 2\epsilon`
    and the analytic one :math:`a_j` is the gradient ``fun`` returns at x0.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)`` with ``grad`` shaped like ``x`` (or of the
        same size).  It is called with float64 copies of x0.
    x0 : array-like
        Where to check; any shape.
    eps : float, default 1e-6
        The finite-difference step.  Use a larger one (1e-3) when ``fun``
        computes in float32.

    Returns
    -------
    float
        The largest relative difference
        :math:`\max_j |a_j - n_j| / \max(|a_j|, |n_j|, 10^{-3} s)` with
        :math:`s = \max(\lVert a \rVert_\infty, \lVert n \rVert_\infty)`:
        relative per coordinate, but never relative to less than a thousandth
        of the largest entry, so that round-off on entries that are nearly zero
        does not dominate.  0 when both gradients are exactly zero.  A correct
        gradient of a smooth float64 function gives about 1e-6 or less (the
        round-off of the differences, which grows with ``|f| / eps``); a wrong
        one gives far more.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim import check_grad
    >>> check_grad(lambda x: ((x ** 2).sum(), 2 * x), np.array([1.0, -2.0])) < 1e-8
    True
    """
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be a positive finite number, got {eps!r}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    x = np.asarray(x0)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"x0 must hold real numbers, got dtype {x.dtype} (complex or non-numeric "
                        f"values: check_grad differentiates a real function of real x)")
    x = np.array(x, dtype=np.float64)
    if x.size == 0:
        raise ValueError("x0 must have at least one entry")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 contains NaN or infinity")
    _, analytic = _value_and_grad(fun, x.copy())
    numeric = numerical_gradient(fun, x, eps=eps)
    if not (np.all(np.isfinite(analytic)) and np.all(np.isfinite(numeric))):
        return float("inf")
    scale = max(np.abs(analytic).max(), np.abs(numeric).max())
    if scale == 0.0:
        return 0.0
    denom = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-3 * scale)
    return float(np.max(np.abs(analytic - numeric) / denom))
