r"""minimize(): drive any fastoptim optimizer (or line-search gradient descent) on
a user's own objective ``fun(x) -> (value, grad)``."""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from .line_search import DEFAULT_STEPS, _as_point, _value_grad, armijo, grid_search
from .schedules import MomentumSchedule, ReduceOnPlateau, apply

__all__ = ["MinimizeResult", "minimize", "OPTIMIZERS"]

#: optimizer string -> (class name in fastoptim.optim.optimizers, extra kwargs, default lr).
OPTIMIZERS = {
    "gd": ("SGD", {}, 0.01),
    "sgd": ("SGD", {}, 0.01),
    "momentum": ("SGD", {"momentum": 0.9}, 0.01),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}, 0.01),
    "adagrad": ("Adagrad", {}, 0.01),
    "rmsprop": ("RMSProp", {}, 0.01),
    "adam": ("Adam", {}, 0.001),
    "adadelta": ("Adadelta", {}, 1.0),
    "adamax": ("Adamax", {}, 0.002),
    "radam": ("RAdam", {}, 0.001),
    "nadam": ("NAdam", {}, 0.002),
    "rprop": ("Rprop", {}, 0.01),
}
_LINE_SEARCHES = ("armijo", "grid")


@dataclass(repr=False)
class MinimizeResult:
    """The outcome of :func:`minimize`.

    :func:`minimize` builds it; each parameter is kept as the attribute of the
    same name.

    Parameters
    ----------
    x : ndarray of float64
        The last iterate, shaped like x0.
    fun : float
        The objective at x.
    grad : ndarray of float64
        The gradient at x.
    nit : int
        Iterations (updates of x) made.
    nfev : int
        Calls of ``fun`` (line searches make several per iteration).
    success : bool
        True when the stopping test ``max|grad| <= tol`` holds at x.
    message : str
        Why the iteration stopped.
    history : list of float, default []
        The objective at x0 followed by its value after each iteration
        (``len(history) == nit + 1``).
    optimizer : object or None, default None
        The optimizer object that made the steps (None for line-search descent).
    """

    x: np.ndarray
    fun: float
    grad: np.ndarray
    nit: int
    nfev: int
    success: bool
    message: str
    history: list = field(default_factory=list)
    optimizer: object = None

    def __repr__(self):
        x = np.array2string(self.x, threshold=8, precision=6)
        return (f"MinimizeResult(success={self.success}, fun={self.fun:.6g}, nit={self.nit}, "
                f"nfev={self.nfev}, x={x}, message={self.message!r})")


def _make_optimizer(name, lr, schedule):
    """A fastoptim.optim optimizer for an optimizer string."""
    cls_name, kwargs, default_lr = OPTIMIZERS[name]
    kwargs = dict(kwargs)
    if isinstance(schedule, MomentumSchedule):
        if name not in ("momentum", "nesterov"):
            raise ValueError(f"a MomentumSchedule needs optimizer='momentum' or 'nesterov', "
                             f"got optimizer={name!r}")
        kwargs["momentum"] = schedule(1)
    elif schedule is not None and lr is None:
        start = getattr(schedule, "lr", None)
        if not isinstance(start, numbers.Real):
            start = schedule(1)
        lr = float(start) if start > 0 else None  # the schedule sets the rate before step 1
    if lr is None:
        lr = default_lr
    from . import optimizers  # lazy: this module imports without the optimizer classes

    return getattr(optimizers, cls_name)(lr=lr, **kwargs)


def _check_count(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value}")
    return int(value)


def minimize(fun: Callable[[np.ndarray], tuple[float, ArrayLike]], x0: ArrayLike,
             optimizer: str | Any = "adam", *, lr: float | None = None,
             schedule: Callable[[int], float] | None = None,
             line_search: Literal["armijo", "grid"] | None = None, max_iter: int = 1000,
             tol: float = 1e-6, callback: Callable[[np.ndarray, float], object] | None = None,
             ) -> MinimizeResult:
    r"""Minimize ``fun`` from ``x0`` with a fastoptim optimizer or line-search descent.

    Each iteration t = 1, 2, ... (g the gradient at the current x):

    1. stop if :math:`\lVert g \rVert_\infty \le` ``tol``;
    2. if a schedule is given, set the optimizer's rate (or momentum) to
       ``schedule(t)``;
    3. update x: ``optimizer.step(x, g)``, or for ``optimizer='gd'`` with a
       line search, :math:`x \leftarrow x - \eta g` with :math:`\eta` found by
       Armijo backtracking (first trial ``lr``, or ``schedule(t)``, default 1)
       or by the grid :math:`\eta \in` ``lr`` :math:`\times` (0.1, 0.5, 1, 5, 10);
    4. evaluate ``fun`` at the new x; call ``callback(x, f)``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, grad)``: the objective and its gradient, ``grad``
        shaped like x (or of the same size).  Called with float64 arrays
        shaped like x0.
    x0 : array-like
        The starting point; any shape, finite.  Copied to float64.
    optimizer : str or optimizer object, default 'adam'
        One of

        ============ ============================================ ==========
        string       optimizer                                    default lr
        ============ ============================================ ==========
        'gd', 'sgd'  ``SGD(lr)`` (the same update here; 'gd'       0.01
                     also allows a line search)
        'momentum'   ``SGD(lr, momentum=0.9)``                    0.01
        'nesterov'   ``SGD(lr, momentum=0.9, nesterov=True)``     0.01
        'adagrad'    ``Adagrad(lr)``                              0.01
        'rmsprop'    ``RMSProp(lr)``                              0.01
        'adam'       ``Adam(lr)``                                 0.001
        'adadelta'   ``Adadelta(lr)``                             1.0
        'adamax'     ``Adamax(lr)``                               0.002
        'radam'      ``RAdam(lr)``                                0.001
        'nadam'      ``NAdam(lr)``                                0.002
        'rprop'      ``Rprop(lr)`` (a full-batch method: the      0.01
                     initial step size; a schedule does nothing)
        ============ ============================================ ==========

        (other settings at the classes' defaults; no 'adamw' string, since its
        default weight decay would minimize a different objective -- pass
        ``AdamW(...)`` itself -- and for the same reason no 'asgd': ASGD's decay
        term adds :math:`\lambda \lVert x \rVert^2 / 2` to f), or an optimizer object from
        :mod:`fastoptim.optim`, used as it is: its state (momentum buffers,
        moments, ``n_steps``) carries over between calls -- call its
        ``reset()`` first for a fresh start -- and a schedule changes its
        ``lr``/``momentum`` in place.
    lr : float, optional
        The learning rate for an optimizer string (default in the table
        above), or the base step of the line search (default 1.0).  Not
        allowed with an optimizer object (set its ``lr``) nor with a
        learning-rate schedule (which sets the rate).
    schedule : Schedule, optional
        From :mod:`fastoptim.optim.schedules` (or any callable ``t -> rate``),
        called with the 1-based iteration t; None (the default) keeps the
        rate fixed.  A :class:`~fastoptim.optim.schedules.MomentumSchedule`
        sets the momentum (needs 'momentum', 'nesterov' or an optimizer with a
        ``momentum`` attribute).  A
        :class:`~fastoptim.optim.schedules.ReduceOnPlateau` is updated with
        the objective after every iteration (so the rate drops whenever the
        objective rose); its state carries over between calls (``reset()``).
    line_search : {'armijo', 'grid'}, optional
        Only with ``optimizer='gd'`` (full-batch descent on a deterministic
        ``fun``): choose each step's rate by Armijo backtracking
        (:func:`~fastoptim.optim.line_search.armijo`) or by the best of a grid
        (:func:`~fastoptim.optim.line_search.grid_search`).  None (the
        default): the optimizer's fixed (or scheduled) rate.
    max_iter : int, default 1000
        The most iterations.
    tol : float, default 1e-6
        Stop when the gradient's largest absolute entry is <= tol.
    callback : callable, optional
        ``callback(x, f)`` after every iteration with a copy of x and its
        value; returning True stops the iteration.

    Returns
    -------
    MinimizeResult
        ``x``, ``fun``, ``grad``, ``nit``, ``nfev``, ``success``, ``message``,
        ``history``, ``optimizer``.  Reaching ``max_iter`` (or a callback
        stop, or a failed line search) before the tolerance gives
        ``success=False``; nothing is raised.

    Raises
    ------
    FloatingPointError
        When ``fun`` returns a NaN/infinite value or gradient (or the iterate
        itself becomes non-finite), naming the iteration: the steps diverged;
        use a smaller ``lr``.

    Notes
    -----
    A line search compares values of f, so it cannot resolve a gradient
    smaller than about :math:`\sqrt{2 \beta\, \epsilon_{mach} |f|}` (3e-8 for
    :math:`\beta = 10` and :math:`|f| \approx 0.5`): below that, the changes of f
    are lost in its round-off.  For a tighter ``tol``, write the objective
    relative to a reference value (subtract a constant so that f is near 0
    at the minimum) or use an optimizer, whose steps need only the gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.optim import minimize
    >>> A = np.diag([1.0, 10.0]); b = np.array([1.0, 1.0])
    >>> def fun(x):
    ...     return 0.5 * x @ A @ x - b @ x, A @ x - b
    >>> res = minimize(fun, np.zeros(2), "gd", line_search="armijo", tol=1e-8)
    >>> res.success, np.allclose(res.x, [1.0, 0.1])
    (True, True)
    >>> res = minimize(fun, np.zeros(2), "momentum", lr=0.05, max_iter=2000, tol=1e-8)
    >>> res.success, np.allclose(res.x, [1.0, 0.1])
    (True, True)
    """
    # -- arguments ---------------------------------------------------------------
    if not callable(fun):
        raise TypeError(f"fun must be callable as fun(x) -> (value, grad), got "
                        f"{type(fun).__name__}")
    x = _as_point(x0, "x0")
    x = np.ascontiguousarray(x)
    max_iter = _check_count(max_iter, "max_iter")
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real):
        raise TypeError(f"tol must be a real number >= 0, got {tol!r}")
    tol = float(tol)
    if not (math.isfinite(tol) and tol >= 0.0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable as callback(x, f) or None, got "
                        f"{type(callback).__name__}")
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be a schedule from fastoptim.optim.schedules "
                        f"(Constant(lr), CosineDecay(lr, total), ...), got {schedule!r}")
    momentum_schedule = isinstance(schedule, MomentumSchedule)
    if lr is not None:
        if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, numbers.Real):
            raise TypeError(f"lr must be a positive number, got {lr!r}")
        lr = float(lr)
        if not (math.isfinite(lr) and lr > 0.0):
            raise ValueError(f"lr must be a positive finite number, got {lr!r}")
        if schedule is not None and not momentum_schedule:
            raise ValueError(f"pass either lr or a learning-rate schedule, not both: "
                             f"{type(schedule).__name__} sets the rate at every iteration")

    if isinstance(optimizer, str):
        name = optimizer.lower()
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; use one of "
                             f"{', '.join(map(repr, OPTIMIZERS))} or an optimizer object")
    elif callable(getattr(optimizer, "step", None)):
        name = None
        if lr is not None:
            raise ValueError(f"lr is not used with an optimizer object; set it on the object "
                             f"({type(optimizer).__name__}(lr=...) or optimizer.lr = ...)")
    else:
        raise TypeError(f"optimizer must be one of {', '.join(map(repr, OPTIMIZERS))} or an "
                        f"optimizer object with a step(params, grads) method, got {optimizer!r}")

    if line_search is not None:
        if line_search not in _LINE_SEARCHES:
            raise ValueError(f"line_search must be None, 'armijo' or 'grid', got {line_search!r}")
        if name != "gd":
            raise ValueError(f"line_search={line_search!r} is only for optimizer='gd' "
                             f"(full-batch gradient descent), got optimizer={optimizer!r}")
        if momentum_schedule:
            raise ValueError("a MomentumSchedule has no effect on line-search gradient "
                             "descent; use optimizer='momentum' or 'nesterov'")
        opt = None
    elif name is not None:
        opt = _make_optimizer(name, lr, schedule)
    else:
        opt = optimizer

    # -- iterate -------------------------------------------------------------------
    def evaluate(point, it):
        value, grad = _value_grad(fun, point, f"iteration {it}")
        if not (math.isfinite(value) and np.all(np.isfinite(grad))
                and np.all(np.isfinite(point))):
            what = ("x" if not np.all(np.isfinite(point))
                    else "the value" if not math.isfinite(value) else "the gradient")
            if it == 0:
                raise FloatingPointError(f"fun(x0) is not finite ({what}); start from a point "
                                         f"where the objective and its gradient are finite")
            raise FloatingPointError(
                f"{what} became non-finite at iteration {it} of {max_iter} (optimizer="
                f"{repr(optimizer) if name else type(opt).__name__}, {rate_text()}): the steps "
                f"diverged; try a smaller lr" + ("" if schedule is None else " or a gentler schedule"))
        return value, grad

    def rate_text():
        if opt is None:
            return f"line_search={line_search!r}"
        return f"lr={getattr(opt, 'lr', '?')}"

    x_flat = x.reshape(-1)  # a view: steps update x in place
    f, g = evaluate(x, 0)
    history = [f]
    nfev = 1
    nit = 0
    stop = None
    for it in range(1, max_iter + 1):
        if float(np.max(np.abs(g))) <= tol:
            break
        if opt is None:  # line-search gradient descent
            base = lr if lr is not None else 1.0
            if schedule is not None:
                base = float(schedule(it))
                if not (math.isfinite(base) and base > 0.0):
                    raise ValueError(f"schedule({it}) = {base!r}; a line search needs a "
                                     f"positive base step")
            if line_search == "armijo":
                res = armijo(fun, x, g, f0=f, lr0=base)
            else:
                res = grid_search(fun, x, -g, steps=[base * s for s in DEFAULT_STEPS], f0=f)
            nfev += res.n_evals
            if not res.success:
                stop = f"the {line_search} line search failed at iteration {it}: {res.message}"
                break
            x[...] = res.x_new
            f, g = res.f_new, res.grad_new  # finite: the searches accept only finite points
        else:
            if schedule is not None:
                apply(schedule, opt, it)
            opt.step(x_flat, g.reshape(-1))
            f, g = evaluate(x, it)
            nfev += 1
        nit = it
        history.append(f)
        if isinstance(schedule, ReduceOnPlateau):
            schedule.update(f)
        if callback is not None and callback(x.copy(), f):
            stop = f"stopped by callback at iteration {it}"
            break

    ginf = float(np.max(np.abs(g)))
    success = ginf <= tol
    if success:
        message = f"converged: max|grad| = {ginf:.3g} <= tol = {tol:.3g} after {nit} iterations"
    elif stop is not None:
        message = f"{stop} (max|grad| = {ginf:.3g} > tol = {tol:.3g})"
    else:
        message = (f"max_iter={max_iter} reached with max|grad| = {ginf:.3g} > tol = {tol:.3g}; "
                   f"raise max_iter or tune lr/schedule")
    return MinimizeResult(x=x, fun=f, grad=g, nit=nit, nfev=nfev, success=success,
                          message=message, history=history, optimizer=opt)
