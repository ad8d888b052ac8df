r"""Learning-rate (and momentum) schedules.

A schedule is a small picklable object called with the 1-based step (or
epoch) count t and returning the value to use at that step::

    schedule = CosineDecay(0.1, total=100)
    for t in range(1, 101):
        apply(schedule, optimizer, t)     # optimizer.lr = schedule(t)
        optimizer.step(params, grads)

Every learning-rate schedule returns its initial rate ``lr`` at t = 1 (the
exception is :class:`Warmup`, which starts at ``start_factor`` times it), so
the formulas below are those of MATH.md ("Step sizes") shifted by one step.

================================ ==================================================================
schedule                         lr at step t (lr0 = ``lr``)
================================ ==================================================================
:class:`Constant`                lr0
:class:`StepDecay`               lr0 gamma^floor((t - 1) / step_size)
:class:`ExponentialDecay`        lr0 exp(-rate (t - 1))
:class:`InverseTimeDecay`        lr0 / (1 + rate (t - 1))    (the "1/t" schedule)
:class:`InverseSqrtDecay`        lr0 / sqrt(t)
:class:`CosineDecay`             final + (lr0 - final) (1 + cos(pi min(t - 1, T) / T)) / 2
:class:`LinearDecay`             final + (lr0 - final) (1 - min(t - 1, T) / T)
:class:`Warmup`                  linear ramp from start_factor lr0, then the wrapped schedule
:class:`ReduceOnPlateau`         multiplied by ``factor`` each epoch the validation loss rose
:class:`MomentumSchedule`        mu_t = min(1 - 2^(-1 - log2(floor(t / 250) + 1)), mu_max)
================================ ==================================================================

:func:`apply` sets ``optimizer.lr`` from a learning-rate schedule, or
``optimizer.momentum`` from a :class:`MomentumSchedule`.  An optimizer with parameter
groups scales every group's rate by the same factor (a group's rate stays in the ratio
to ``optimizer.lr`` it was built with, as torch's schedulers scale each group's initial
rate), and a momentum schedule sets the momentum of every group that has one.
"""
from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from typing import Any, Literal

__all__ = ["LRScheduler", "Schedule", "Constant", "StepDecay", "ExponentialDecay",
           "InverseTimeDecay", "InverseSqrtDecay", "CosineDecay", "LinearDecay", "Warmup",
           "ReduceOnPlateau", "MomentumSchedule", "apply"]


# -- argument checks -----------------------------------------------------------

def _real(value, name, hint=""):
    """A finite real number as a Python float (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type "
                        f"{type(value).__name__}{hint}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}{hint}")
    return value


def _positive(value, name, hint=""):
    value = _real(value, name, hint)
    if value <= 0.0:
        raise ValueError(f"{name} must be > 0, got {value!r}{hint}")
    return value


def _nonnegative(value, name, hint=""):
    value = _real(value, name, hint)
    if value < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}{hint}")
    return value


def _open_unit(value, name, hint=""):
    value = _real(value, name, hint)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be in the open interval (0, 1), got {value!r}{hint}")
    return value


def _count(value, name, hint="", minimum=1):
    """An int >= minimum (numpy integers accepted; bools and floats rejected)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}{hint}")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r} of type "
                        f"{type(value).__name__}{hint}") from None
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}{hint}")
    return value


def _final_lr(final_lr, lr):
    final_lr = _nonnegative(final_lr, "final_lr")
    if final_lr > lr:
        raise ValueError(f"final_lr={final_lr!r} is larger than lr={lr!r}; a decay schedule "
                         f"needs 0 <= final_lr <= lr")
    return final_lr


def _step(t):
    """The 1-based step count t as an int (numpy integers accepted)."""
    return _count(t, "t", " (t is the 1-based step or epoch count)")


# -- the schedules ---------------------------------------------------------------

class Schedule:
    """Base class: ``schedule(t) -> float`` for the 1-based step count t.

    Subclasses implement :meth:`_value` on a validated int t.  Schedules are
    plain objects (picklable, comparable with ``==``); the stateless ones give
    the same value for the same t whatever was called before.
    """

    def __call__(self, t: int) -> float:
        return self._value(_step(t))

    def _value(self, t):  # pragma: no cover - abstract
        raise NotImplementedError

    def _params(self):
        return dict(self.__dict__)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # mutable (ReduceOnPlateau) and compared by value

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    r"""A constant learning rate: :math:`\eta_t = \eta_0`.

    Parameters
    ----------
    lr : float
        The rate, > 0.

    Examples
    --------
    >>> Constant(0.1)(1), Constant(0.1)(1000)
    (0.1, 0.1)
    """

    def __init__(self, lr: float) -> None:
        self.lr = _positive(lr, "lr")

    def _value(self, t):
        return self.lr


class StepDecay(Schedule):
    r"""Multiply the rate by ``gamma`` every ``step_size`` steps (epochs).

    .. math:: \eta_t = \eta_0 \, \gamma^{\lfloor (t - 1) / s \rfloor}

    torch.optim.lr_scheduler.StepLR with its default ``gamma=0.1`` (torch counts
    epochs from 0: its epoch e is t = e + 1 here); ``gamma=0.5`` is "halve every
    s epochs".

    Parameters
    ----------
    lr : float
        Initial rate :math:`\eta_0 > 0`.
    step_size : int
        s >= 1: steps t = 1..s use lr, t = s+1..2s use gamma lr, and so on.
    gamma : float, default 0.1
        The factor, in (0, 1] (torch's default).

    Examples
    --------
    >>> s = StepDecay(1.0, step_size=10, gamma=0.5)
    >>> s(1), s(10), s(11), s(21)
    (1.0, 1.0, 0.5, 0.25)
    """

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1) -> None:
        self.lr = _positive(lr, "lr")
        self.step_size = _count(step_size, "step_size")
        self.gamma = _positive(gamma, "gamma")
        if self.gamma > 1.0:
            raise ValueError(f"gamma must be in (0, 1] for a decay, got {gamma!r}")

    def _value(self, t):
        return self.lr * self.gamma ** ((t - 1) // self.step_size)


class ExponentialDecay(Schedule):
    r"""Exponential decay.

    .. math:: \eta_t = \eta_0 \, e^{-k (t - 1)}

    torch.optim.lr_scheduler.ExponentialLR(gamma) is ``rate = -log(gamma)``.

    Parameters
    ----------
    lr : float
        Initial rate :math:`\eta_0 > 0`.
    rate : float
        k >= 0 (0 gives a constant rate).

    Examples
    --------
    >>> s = ExponentialDecay(1.0, rate=0.1)
    >>> s(1), round(s(11), 6)
    (1.0, 0.367879)
    """

    def __init__(self, lr: float, rate: float) -> None:
        self.lr = _positive(lr, "lr")
        self.rate = _nonnegative(rate, "rate")

    def _value(self, t):
        return self.lr * math.exp(-self.rate * (t - 1))


class InverseTimeDecay(Schedule):
    r"""The "1/t" schedule.

    .. math:: \eta_t = \frac{\eta_0}{1 + k (t - 1)}

    Parameters
    ----------
    lr : float
        Initial rate :math:`\eta_0 > 0`.
    rate : float
        k >= 0 (0 gives a constant rate).

    Examples
    --------
    >>> s = InverseTimeDecay(1.0, rate=0.5)
    >>> s(1), s(3), s(5)
    (1.0, 0.5, 0.3333333333333333)
    """

    def __init__(self, lr: float, rate: float) -> None:
        self.lr = _positive(lr, "lr")
        self.rate = _nonnegative(rate, "rate")

    def _value(self, t):
        return self.lr / (1.0 + self.rate * (t - 1))


class InverseSqrtDecay(Schedule):
    r"""The "1/sqrt(t)" schedule (the SGD rate of MATH.md's convergence facts).

    .. math:: \eta_t = \frac{\eta_0}{\sqrt{t}}

    Parameters
    ----------
    lr : float
        Initial rate :math:`\eta_0 > 0`.

    Examples
    --------
    >>> s = InverseSqrtDecay(1.0)
    >>> s(1), s(4), s(100)
    (1.0, 0.5, 0.1)
    """

    def __init__(self, lr: float) -> None:
        self.lr = _positive(lr, "lr")

    def _value(self, t):
        return self.lr / math.sqrt(t)


class CosineDecay(Schedule):
    r"""Cosine decay from ``lr`` to ``final_lr`` over ``total`` steps, then constant.

    .. math::

        \eta_t = \eta_{final} + (\eta_0 - \eta_{final})
                 \frac{1 + \cos(\pi \min(t - 1, T) / T)}{2}

    so :math:`\eta_1 = \eta_0` and :math:`\eta_t = \eta_{final}` for t >= T + 1:
    torch's CosineAnnealingLR(T_max=T, eta_min=final_lr) over its first T + 1
    epochs (torch's then turns back up; this one stays at ``final_lr``).

    Parameters
    ----------
    lr : float
        Initial rate :math:`\eta_0 > 0`.
    total : int
        T >= 1, the length of the decay.
    final_lr : float, default 0
        :math:`0 \le \eta_{final} \le \eta_0`.  Optimizers may refuse a rate of
        exactly 0; pass a small positive ``final_lr`` when training beyond T.

    Examples
    --------
    >>> s = CosineDecay(1.0, total=10)
    >>> s(1), round(s(6), 12), s(11), s(50)
    (1.0, 0.5, 0.0, 0.0)
    """

    def __init__(self, lr: float, total: int, final_lr: float = 0.0) -> None:
        self.lr = _positive(lr, "lr")
        self.total = _count(total, "total")
        self.final_lr = _final_lr(final_lr, self.lr)

    def _value(self, t):
        progress = min(t - 1, self.total) / self.total
        return self.final_lr + (self.lr - self.final_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


class LinearDecay(Schedule):
    r"""Linear decay from ``lr`` to ``final_lr`` over ``total`` steps, then constant.

    .. math::

        \eta_t = \eta_{final} + (\eta_0 - \eta_{final}) (1 - \min(t - 1, T) / T)

    torch's LinearLR(start_factor=1, end_factor=final_lr / lr, total_iters=T).

    Parameters
    ----------
    lr : float
        Initial rate :math:`\eta_0 > 0`.
    total : int
        T >= 1, the length of the decay.
    final_lr : float, default 0
        :math:`0 \le \eta_{final} \le \eta_0`.

    Examples
    --------
    >>> s = LinearDecay(1.0, total=4)
    >>> s(1), s(2), s(5), s(9)
    (1.0, 0.75, 0.0, 0.0)
    """

    def __init__(self, lr: float, total: int, final_lr: float = 0.0) -> None:
        self.lr = _positive(lr, "lr")
        self.total = _count(total, "total")
        self.final_lr = _final_lr(final_lr, self.lr)

    def _value(self, t):
        progress = min(t - 1, self.total) / self.total
        return self.final_lr + (self.lr - self.final_lr) * (1.0 - progress)


class Warmup(Schedule):
    r"""Linear warm-up in front of any learning-rate schedule.

    With W = ``warmup_steps``, a = ``start_factor`` and
    :math:`\eta_0 = ` ``schedule(1)``:

    .. math::

        \eta_t = \begin{cases}
            \eta_0 \left(a + (1 - a) \frac{t - 1}{W}\right) & t \le W \\
            \text{schedule}(t - W) & t > W
        \end{cases}

    The ramp is the straight line from :math:`a \eta_0` at t = 1 that reaches
    :math:`\eta_0` exactly at t = W + 1, where the wrapped schedule starts
    from its own t = 1: the increments are equal across the seam.  The first
    rate is :math:`a \eta_0 > 0`, as in torch's ``LinearLR`` (whose
    ``start_factor`` must be > 0 too): a rate of 0 would be no step at all.

    Parameters
    ----------
    schedule : Schedule or float
        The learning-rate schedule to warm up (a number means :class:`Constant`).
        A :class:`MomentumSchedule` is refused.
    warmup_steps : int
        W >= 1.
    start_factor : float, default 1/3
        a in (0, 1) (torch's LinearLR default).

    Examples
    --------
    >>> s = Warmup(Constant(1.0), warmup_steps=4, start_factor=0.2)
    >>> [round(s(t), 2) for t in range(1, 7)]
    [0.2, 0.4, 0.6, 0.8, 1.0, 1.0]
    """

    def __init__(self, schedule: Schedule | Callable[[int], float] | float, warmup_steps: int,
                 start_factor: float = 1.0 / 3.0) -> None:
        if isinstance(schedule, numbers.Real) and not isinstance(schedule, bool):
            schedule = Constant(schedule)
        if isinstance(schedule, MomentumSchedule):
            raise TypeError("schedule is a MomentumSchedule; Warmup ramps up learning rates, "
                            "not momentum -- wrap a learning-rate schedule such as Constant(lr)")
        if not callable(schedule):
            raise TypeError(f"schedule must be a learning-rate schedule (Constant(lr), "
                            f"CosineDecay(lr, total), ...), got {schedule!r}")
        self.schedule = schedule
        self.warmup_steps = _count(warmup_steps, "warmup_steps")
        self.start_factor = _nonnegative(start_factor, "start_factor")
        if not 0.0 < self.start_factor < 1.0:
            raise ValueError(f"start_factor must be in (0, 1) (the first rate is start_factor "
                             f"times the schedule's; 0 would be a step of rate 0), got "
                             f"{start_factor!r}")

    @property
    def lr(self) -> float:
        """The rate the warm-up ramps to: the wrapped schedule at its t = 1."""
        return float(self.schedule(1))

    def _value(self, t):
        W = self.warmup_steps
        if t <= W:
            a = self.start_factor
            return self.lr * (a + (1.0 - a) * (t - 1) / W)
        return float(self.schedule(t - W))


class ReduceOnPlateau(Schedule):
    r"""Multiply the rate by ``factor`` when the watched metric stops improving:
    torch.optim.lr_scheduler.ReduceLROnPlateau's rule, parameters and defaults.

    After each epoch call :meth:`update` with that epoch's metric :math:`m_e`
    (a validation loss with ``mode='min'``, a score with ``mode='max'``).  The
    metric improves on the best so far :math:`b` when (``mode='min'``)
    :math:`m_e < b (1 - \text{threshold})` (``threshold_mode='rel'``) or
    :math:`m_e < b - \text{threshold}` (``'abs'``), and the opposite for
    ``'max'``.  An epoch that does not improve is a bad epoch; after more than
    ``patience`` bad epochs in a row the rate becomes

    .. math:: \eta \leftarrow \max(\text{factor} \cdot \eta, \eta_{min})

    (skipped when that changes it by at most ``eps``), the count restarts, and
    the next ``cooldown`` epochs count no bad epoch.  ``schedule(t)`` returns
    the current rate whatever t is.  This object is stateful: :meth:`reset`
    restores ``lr``.

    ``reference='last'`` counts instead the epochs whose metric went the wrong
    way since the previous epoch's (by more than ``threshold``): MATH.md's rule
    "halve when the validation loss rose since the last epoch" is
    ``ReduceOnPlateau(lr, factor=0.5, patience=0, threshold=0,
    reference='last')``.

    Parameters
    ----------
    lr : float
        Initial rate :math:`\eta_0 > 0`.
    mode : {'min', 'max'}, default 'min'
        Whether the metric should fall (a loss) or rise (a score).
    factor : float, default 0.1
        What a reduction multiplies the rate by, in (0, 1).
    patience : int, default 10
        Bad epochs (>= 0) tolerated before a reduction.
    threshold : float, default 1e-4
        The least improvement (>= 0) that counts, relative or absolute.
    threshold_mode : {'rel', 'abs'}, default 'rel'
        How ``threshold`` is measured: 'rel' as a fraction of the reference
        metric (with ``mode='min'`` a metric improves when below
        ``reference * (1 - threshold)``), 'abs' in the metric's own units
        (below ``reference - threshold``); the bounds are mirrored for
        ``mode='max'`` and for the rise that ``reference='last'`` counts.
    cooldown : int, default 0
        Epochs (>= 0) after a reduction during which bad epochs are not counted.
    min_lr : float, default 0
        The rate never goes below this; :math:`0 \le \eta_{min} \le \eta_0`.
    eps : float, default 1e-8
        A reduction smaller than this (>= 0) is skipped.
    reference : {'best', 'last'}, default 'best'
        Compare with the best metric so far (torch) or with the last one.

    Attributes
    ----------
    current_lr : float
        The rate now.
    best : float or None
        The best metric so far (None before the first :meth:`update`).
    last_loss : float or None
        The metric passed to the last :meth:`update`.
    num_bad_epochs, cooldown_counter : int
        As torch's.
    n_reductions : int
        How many times the rate was reduced.

    Examples
    --------
    >>> s = ReduceOnPlateau(1.0, factor=0.5, patience=1)
    >>> [s.update(loss) for loss in [3.0, 2.0, 2.5, 2.4, 2.6, 1.0]]
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    >>> rose = ReduceOnPlateau(1.0, factor=0.5, patience=0, threshold=0, reference="last")
    >>> [rose.update(loss) for loss in [3.0, 2.0, 2.5, 2.4, 2.6]]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, lr: float, mode: Literal["min", "max"] = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4,
                 threshold_mode: Literal["rel", "abs"] = "rel", cooldown: int = 0,
                 min_lr: float = 0.0, eps: float = 1e-8,
                 reference: Literal["best", "last"] = "best") -> None:
        self.lr = _positive(lr, "lr")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' (a loss) or 'max' (a score), got {mode!r}")
        self.mode = mode
        self.factor = _open_unit(factor, "factor")
        self.patience = _count(patience, "patience", minimum=0)
        self.threshold = _nonnegative(threshold, "threshold")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        self.threshold_mode = threshold_mode
        self.cooldown = _count(cooldown, "cooldown", minimum=0)
        self.min_lr = _nonnegative(min_lr, "min_lr")
        if self.min_lr > self.lr:
            raise ValueError(f"min_lr={min_lr!r} is larger than lr={lr!r}; it must be <= lr")
        self.eps = _nonnegative(eps, "eps")
        if reference not in ("best", "last"):
            raise ValueError(f"reference must be 'best' (torch's rule) or 'last' (the previous "
                             f"epoch's metric), got {reference!r}")
        self.reference = reference
        self.reset()

    _PARAMS = ("lr", "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown",
               "min_lr", "eps", "reference")

    def _params(self):
        return {k: getattr(self, k) for k in self._PARAMS}

    def reset(self) -> None:
        """Forget the metric history and restore the initial rate."""
        self.current_lr = self.lr
        self.last_loss = None
        self.best = None
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.n_reductions = 0

    def _improves(self, metric, reference):
        """torch's is_better: beyond ``threshold`` (relative to the reference, or absolute)
        in the direction of ``mode``; anything improves on no reference."""
        if reference is None:
            return True
        if self.mode == "min":
            bound = reference * (1 - self.threshold) if self.threshold_mode == "rel" \
                else reference - self.threshold
            return metric < bound
        bound = reference * (1 + self.threshold) if self.threshold_mode == "rel" \
            else reference + self.threshold
        return metric > bound

    def _worsens(self, metric, reference):
        """The metric went the wrong way from the reference by more than ``threshold``."""
        if self.mode == "min":
            bound = reference * (1 + self.threshold) if self.threshold_mode == "rel" \
                else reference + self.threshold
            return metric > bound
        bound = reference * (1 - self.threshold) if self.threshold_mode == "rel" \
            else reference - self.threshold
        return metric < bound

    def update(self, val_loss: float) -> float:
        """Record this epoch's metric; return the rate for the next epoch.

        Parameters
        ----------
        val_loss : float
            The metric of the epoch just finished (a validation loss, or a
            score with ``mode='max'``); a finite real number (a 0-d array is
            accepted).

        Returns
        -------
        float
            The (possibly reduced) current rate.
        """
        if isinstance(val_loss, bool) or not isinstance(val_loss, numbers.Real):
            try:
                val_loss = float(val_loss)  # 0-d arrays
            except (TypeError, ValueError):
                raise TypeError(f"val_loss must be a real number, got {val_loss!r}") from None
        val_loss = float(val_loss)
        if not math.isfinite(val_loss):
            raise ValueError(f"val_loss must be finite, got {val_loss!r}: training diverged; "
                             f"restart with a smaller lr")
        if self.reference == "best":  # torch: bad unless it beats the best by threshold
            bad = not self._improves(val_loss, self.best)
        else:  # bad when it went the wrong way since the last epoch, by more than threshold
            bad = self.last_loss is not None and self._worsens(val_loss, self.last_loss)
        self.num_bad_epochs = self.num_bad_epochs + 1 if bad else 0
        if self._improves(val_loss, self.best):
            self.best = val_loss
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new = max(self.current_lr * self.factor, self.min_lr)
            if self.current_lr - new > self.eps:
                self.current_lr = new
                self.n_reductions += 1
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self.last_loss = val_loss
        return self.current_lr

    def _value(self, t):
        return self.current_lr


class MomentumSchedule(Schedule):
    r"""The momentum schedule of Sutskever, Martens, Dahl and Hinton (2013).

    .. math::

        \mu_t = \min\left(1 - 2^{-1 - \log_2(\lfloor t / 250 \rfloor + 1)},
                          \mu_{max}\right)
              = \min\left(1 - \frac{1}{2 (\lfloor t / 250 \rfloor + 1)}, \mu_{max}\right)

    so :math:`\mu` = 0.5 for t < 250, 0.75 for 250 <= t < 500, 5/6, 0.875, 0.9
    (t = 1000), ... up to :math:`\mu_{max}`.  Use it with :func:`apply`, which
    sets ``optimizer.momentum``, on an optimizer built with momentum
    (``SGD(lr, momentum=0.5)``, or ``nesterov=True``).

    Parameters
    ----------
    mu_max : float, default 0.99
        The cap, in (0, 1).

    References
    ----------
    I. Sutskever, J. Martens, G. Dahl, G. Hinton, "On the importance of
    initialization and momentum in deep learning", ICML 2013, eq. (5).

    Examples
    --------
    >>> s = MomentumSchedule()
    >>> s(1), s(250), s(1000), s(10 ** 6)
    (0.5, 0.75, 0.9, 0.99)
    """

    def __init__(self, mu_max: float = 0.99) -> None:
        self.mu_max = _open_unit(mu_max, "mu_max")

    def _value(self, t):
        k = t // 250 + 1
        # 2**(-1 - log2(k)) == 1 / (2 k) exactly; computed that way to avoid log2 round-off.
        return min(1.0 - 0.5 / k, self.mu_max)


class LRScheduler:
    """A torch-style scheduler over any schedule, for loops that call ``optimizer.step`` by
    hand: ``step()`` once per epoch (after that epoch's optimizer steps), as
    torch.optim.lr_scheduler's objects.

    The schedules count epochs from t = 1; torch's ``last_epoch`` counts from 0, so
    after ``k`` calls of :meth:`step` the optimizer's rate is ``schedule(k + 1)``,
    the rate torch's scheduler of the same rule sets.  Creating the scheduler sets
    the first rate (``schedule(1)``), as torch's constructors do.  Over a
    :class:`ReduceOnPlateau`, ``step(metric)`` passes the epoch's metric to its
    :meth:`~ReduceOnPlateau.update` (torch's ReduceLROnPlateau.step(metrics)).

    With parameter groups (:class:`~fastoptim.optim.Optimizer`'s ``param_groups``), the
    schedule's rate is the default group's and every group's rate is scaled by the same
    factor, ``group lr = its initial lr * schedule(t) / optimizer's initial lr``: torch's
    schedulers' rule (each group's initial rate times the schedule's factor) when the
    schedule starts at the optimizer's ``lr`` (a floor common to every group, as
    CosineAnnealingLR's ``eta_min``, is not such a factor: a group's rate here decays to
    its share of ``final_lr``).

    Parameters
    ----------
    optimizer : Optimizer
        A fastoptim optimizer (anything with a settable ``lr``; a
        :class:`MomentumSchedule` sets ``momentum`` instead).
    schedule : Schedule or callable
        ``schedule(t) -> rate`` for the 1-based epoch t.

    Attributes
    ----------
    last_epoch : int
        How many times :meth:`step` was called (torch's counter).

    Examples
    --------
    >>> from fastoptim.optim import SGD
    >>> opt = SGD(lr=1.0)
    >>> sched = LRScheduler(opt, StepDecay(0.1, step_size=2))
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates.append(sched.get_last_lr()[0])  # ... opt.step(params, grads) ...
    ...     sched.step()
    >>> [round(r, 6) for r in rates]
    [0.1, 0.1, 0.01, 0.01, 0.001]
    """

    def __init__(self, optimizer: Any, schedule: Schedule | Callable[[int], float]) -> None:
        if not callable(schedule):
            raise TypeError(f"schedule must be a schedule object (StepDecay, CosineDecay, "
                            f"ReduceOnPlateau, ...) or a callable t -> lr, got {schedule!r}")
        self.optimizer, self.schedule = optimizer, schedule
        self.last_epoch = 0
        self._set()

    @property
    def _attr(self):
        return "momentum" if isinstance(self.schedule, MomentumSchedule) else "lr"

    def _set(self):
        apply(self.schedule, self.optimizer, self.last_epoch + 1, unit="epoch")

    def step(self, metric: float | None = None) -> None:
        """End of an epoch: set the next epoch's rate.

        Parameters
        ----------
        metric : float, optional
            The epoch's validation metric: required over a ReduceOnPlateau,
            refused otherwise (a schedule of the epoch count reads none).
        """
        plateau = isinstance(self.schedule, ReduceOnPlateau)
        if plateau and metric is None:
            raise TypeError("step() over a ReduceOnPlateau needs the epoch's metric: "
                            "scheduler.step(val_loss)")
        if not plateau and metric is not None:
            raise TypeError(f"step() over {type(self.schedule).__name__} takes no metric (the "
                            f"rate depends on the epoch count only); call step()")
        self.last_epoch += 1
        if plateau:
            self.schedule.update(metric)
        self._set()

    def get_last_lr(self) -> list[float]:
        """The rate (or momentum) set last, one entry per param group as torch's (the
        optimizer's :attr:`~fastoptim.optim.Optimizer.param_groups`, the default group
        last; one entry without groups)."""
        groups = getattr(self.optimizer, "param_groups", None)
        if groups is None:
            return [float(getattr(self.optimizer, self._attr))]
        return [float(group[self._attr]) for group in groups]

    def state_dict(self) -> dict[str, Any]:
        """What :meth:`load_state_dict` restores: the epoch count and a copy of the
        schedule's own state (a ReduceOnPlateau's counters; nothing for the others)."""
        state = {"last_epoch": self.last_epoch}
        if isinstance(self.schedule, Schedule):
            params = self.schedule._params()
            state["schedule"] = {k: v for k, v in vars(self.schedule).items()
                                 if k not in params}
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` (of a scheduler over an equal schedule) and set the
        optimizer's rate accordingly.

        Parameters
        ----------
        state_dict : dict
            What :meth:`state_dict` returned: ``"last_epoch"`` (an int >= 0) and,
            for a scheduler over a :class:`Schedule`, ``"schedule"``, the
            schedule's own state (exactly the keys this scheduler's schedule
            has).  The schedule's state is restored in place and the optimizer
            gets ``schedule(last_epoch + 1)``.
        """
        if not isinstance(state_dict, dict) or "last_epoch" not in state_dict:
            raise TypeError("state_dict must be a dict from LRScheduler.state_dict()")
        epoch = state_dict["last_epoch"]
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"state_dict['last_epoch'] must be an int >= 0, got {epoch!r}")
        own = state_dict.get("schedule", {})
        if isinstance(self.schedule, Schedule):
            params = self.schedule._params()
            known = {k for k in vars(self.schedule) if k not in params}
            if set(own) != known:
                raise ValueError(f"state_dict['schedule'] holds {sorted(own)}, where this "
                                 f"scheduler's {type(self.schedule).__name__} has "
                                 f"{sorted(known)}")
            vars(self.schedule).update(own)
        self.last_epoch = epoch
        self._set()

    def __repr__(self):
        return (f"LRScheduler({type(self.optimizer).__name__}, {self.schedule!r}, "
                f"last_epoch={self.last_epoch})")


def apply(schedule: Schedule | Callable[[int], float], optimizer: Any, t: int,
          unit: str = "step") -> float:
    """Set the optimizer's rate (or momentum) for step t from a schedule.

    The one place where estimators, :func:`fastoptim.optim.train` and user loops hand
    a schedule's value to an optimizer: a value the optimizer refuses (a rate of 0 or
    NaN) is a ValueError naming the schedule, the step and the value.

    Parameters
    ----------
    schedule : Schedule or callable
        A learning-rate schedule (or any callable ``t -> rate``) sets ``optimizer.lr`` (with
        parameter groups, the default group's rate; every group's is scaled alike); a
        :class:`MomentumSchedule` sets ``optimizer.momentum``.
    optimizer : object
        A fastoptim optimizer (or anything with a settable ``lr`` /
        ``momentum``).
    t : int
        The 1-based step (or epoch) count.
    unit : str, default 'step'
        What t counts, for the error message ('epoch' in the estimators).

    Returns
    -------
    float
        The value set.
    """
    if not callable(schedule):
        raise TypeError(f"schedule must be a schedule object (Constant(lr), CosineDecay(lr, total), "
                        f"...), got {schedule!r}")
    value = float(schedule(t))
    attr = "momentum" if isinstance(schedule, MomentumSchedule) else "lr"
    if not hasattr(optimizer, attr):
        fix = ("use it with SGD(lr, momentum=...)" if attr == "momentum"
               else "pass a fastoptim.optim optimizer")
        raise TypeError(f"optimizer {type(optimizer).__name__} has no '{attr}' attribute for "
                        f"{type(schedule).__name__} to set; {fix}")
    try:
        setattr(optimizer, attr, value)
    except ValueError as err:
        fix = ("give the schedule a positive final_lr (or start_factor for Warmup)"
               if value == 0.0 and attr == "lr" else "check the schedule's parameters")
        raise ValueError(f"the schedule {schedule!r} gives {attr} = {value!r} at {unit} {t}, "
                         f"which {type(optimizer).__name__} refuses ({err}); {fix}") from err
    return value
