r"""The pieces optimizers are made of: small transforms of the gradient, each
with its explicit state and a NumPy twin of its equation (the test oracle).

An optimizer is a chain of transforms in this order (torch.optim's)::

    [DecoupledWeightDecay] [AddDecayedWeights] [one preconditioner] [Momentum] ScaleByLearningRate

with the preconditioner one of ScaleByAdagrad, ScaleByRMS, ScaleByAdam, ScaleByAdadelta,
ScaleByAdamax, ScaleByRAdam.  The C
core (src_c/update.c) applies a whole chain to every coordinate in one pass;
:func:`compile_chain` turns a chain into the rule it runs.  The ``numpy_*``
methods apply the same equations with NumPy, one transform at a time.

State arrays are named after the C core's: ``s1`` (momentum buffer, or Adam's
first moment), ``s2`` (sum or average of squared gradients, Adam's second
moment, Adadelta's average of g^2), ``s3`` (RMSProp's average gradient, AMSGrad's
running maximum, or Adadelta's average of the squared steps).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["Transform", "DecoupledWeightDecay", "AddDecayedWeights", "ScaleByAdagrad",
           "ScaleByRMS", "ScaleByAdam", "ScaleByAdadelta", "ScaleByAdamax", "ScaleByRAdam",
           "Momentum", "ScaleByLearningRate", "compile_chain", "radam_rectification"]


def _real(value, name, *, low=None, high=None, low_open=False, high_open=True):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}")
    return value


class Transform:
    """Base of the transforms: a stage in the fixed chain order, state names, a NumPy twin.

    A subclass sets ``stage`` (its position in the chain: 1 decoupled weight
    decay, 2 L2 weight decay, 3 preconditioner, 4 momentum, 5 learning rate)
    and ``state_names`` (the C state arrays it owns, among ``s1``, ``s2``,
    ``s3``), and implements :meth:`configure` and :meth:`numpy_update`.
    """

    stage = None          # position in the chain (1 decoupled decay ... 5 learning rate)
    state_names = ()      # the C state arrays it owns

    def configure(self, rule: dict[str, Any]) -> None:
        """Write this transform's part of the C rule (a dict of fo_rule's fields).

        Parameters
        ----------
        rule : dict of str to object
            The rule being built by :func:`compile_chain`, holding every field of
            the C core's ``fo_rule`` at its default; updated in place with the
            fields this transform sets.
        """
        raise NotImplementedError

    def init_state(self, param: np.ndarray) -> dict[str, np.ndarray]:
        """{name: array} for one parameter array (zeros unless the rule says otherwise).

        Parameters
        ----------
        param : ndarray
            The parameter array the state is for; each state array has its
            shape and dtype.

        Returns
        -------
        dict of str to ndarray
            One new array per name of ``state_names``.
        """
        return {name: np.zeros_like(param) for name in self.state_names}

    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        """NumPy twin: returns (g, p) after this transform at step t (1-based).

        Parameters
        ----------
        g : ndarray
            The gradient as the previous transforms of the chain left it, shaped
            like ``p``.
        p : ndarray
            The parameter values as the previous transforms left them; not
            modified.
        state : dict of str to ndarray
            The state of this parameter array (from :meth:`init_state`); the
            arrays this transform owns are replaced by new arrays holding their
            values after the step.
        t : int
            The 1-based count of the step being taken.
        lr : float
            The learning rate of this step (read by the transforms whose
            equation has it).

        Returns
        -------
        g : ndarray
            The gradient after this transform.
        p : ndarray
            The parameter values after this transform.
        """
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def _doc_as_base(summary):
    """A subclass method's docstring: its own summary line, then the sections (Parameters,
    Returns) of :class:`Transform`'s method of the same name, written once there."""
    def decorate(method):
        base = getattr(Transform, method.__name__).__doc__
        method.__doc__ = summary + base[base.index("\n\n"):]
        return method
    return decorate


class DecoupledWeightDecay(Transform):
    r"""AdamW's weight decay, applied to the parameters: :math:`p \leftarrow p (1 - lr\,wd)`.

    Parameters
    ----------
    weight_decay : float, default 1e-2
        The coefficient wd, >= 0: each step multiplies the parameters by
        ``1 - lr * wd`` before the rest of the chain (0 leaves them as they are).
    """

    stage = 1

    def __init__(self, weight_decay: float = 1e-2) -> None:
        self.weight_decay = _real(weight_decay, "weight_decay", low=0.0)

    @_doc_as_base("Set the rule's ``decoupled_decay`` to ``weight_decay``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule["decoupled_decay"] = self.weight_decay

    @_doc_as_base("NumPy twin: ``p * (1 - lr * weight_decay)``, the gradient unchanged.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        return g, p * p.dtype.type(1.0 - lr * self.weight_decay)


class AddDecayedWeights(Transform):
    r"""L2 weight decay, added to the gradient: :math:`g \leftarrow g + wd\, p`.

    Parameters
    ----------
    weight_decay : float, default 0
        The coefficient wd, >= 0, of the penalty :math:`wd \lVert p \rVert^2 / 2`
        whose gradient is added (0 adds nothing).
    """

    stage = 2

    def __init__(self, weight_decay: float = 0.0) -> None:
        self.weight_decay = _real(weight_decay, "weight_decay", low=0.0)

    @_doc_as_base("Set the rule's ``weight_decay``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule["weight_decay"] = self.weight_decay

    @_doc_as_base("NumPy twin: ``g + weight_decay * p``, the parameters unchanged.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        return g + p.dtype.type(self.weight_decay) * p, p


class ScaleByAdagrad(Transform):
    r"""AdaGrad (Duchi et al. 2011): :math:`s \leftarrow s + g^2`,
    :math:`g \leftarrow g / (\sqrt{s} + \epsilon)`; the learning rate of step t is
    :math:`lr / (1 + (t - 1)\,lr\_decay)` (torch.optim.Adagrad).

    Parameters
    ----------
    eps : float, default 1e-10
        The term > 0 added to :math:`\sqrt{s}` in the denominator, which keeps
        the step finite where the sum of squares is 0.
    initial_accumulator_value : float, default 0
        The value >= 0 every entry of the sum of squared gradients s starts
        from (state ``s2``).
    lr_decay : float, default 0
        The decay >= 0 of the rate over the steps: step t is scaled by
        :math:`1 / (1 + (t - 1)\,lr\_decay)` (0: no decay).
    """

    stage = 3
    state_names = ("s2",)

    def __init__(self, eps: float = 1e-10, initial_accumulator_value: float = 0.0,
                 lr_decay: float = 0.0) -> None:
        self.eps = _real(eps, "eps", low=0.0, low_open=True)
        self.initial_accumulator_value = _real(initial_accumulator_value,
                                               "initial_accumulator_value", low=0.0)
        self.lr_decay = _real(lr_decay, "lr_decay", low=0.0)

    @_doc_as_base("Set the rule's preconditioner to AdaGrad with ``eps`` and ``lr_decay``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(precond="adagrad", eps=self.eps, lr_decay=self.lr_decay)

    @_doc_as_base("``{\"s2\": ...}``: the sum of squared gradients, filled with "
                   "``initial_accumulator_value``.")
    def init_state(self, param: np.ndarray) -> dict[str, np.ndarray]:
        return {"s2": np.full_like(param, self.initial_accumulator_value)}

    @_doc_as_base("NumPy twin: accumulate :math:`g^2` in ``s2`` and scale g, the parameters "
                   "unchanged.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        state["s2"] = state["s2"] + g * g
        scale = 1.0 / (1.0 + (t - 1) * self.lr_decay)
        return g / (np.sqrt(state["s2"]) + p.dtype.type(self.eps)) * p.dtype.type(scale), p


class ScaleByRMS(Transform):
    r"""RMSProp (Tieleman & Hinton 2012): :math:`s \leftarrow \alpha s + (1 - \alpha) g^2`;
    centered: :math:`m \leftarrow \alpha m + (1 - \alpha) g` and :math:`s - m^2` in place of s;
    :math:`g \leftarrow g / (\sqrt{s} + \epsilon)` (torch.optim.RMSprop).

    Parameters
    ----------
    alpha : float, default 0.99
        The smoothing constant, in [0, 1): the weight of the previous average
        in the running averages of :math:`g^2` (and of g when centered).
    eps : float, default 1e-8
        The term > 0 added to the square root in the denominator.
    centered : bool, default False
        Whether to subtract the square of the running average of g from the
        average of :math:`g^2` (an estimate of the variance; adds the state
        array ``s3``).
    """

    stage = 3

    def __init__(self, alpha: float = 0.99, eps: float = 1e-8, centered: bool = False) -> None:
        self.alpha = _real(alpha, "alpha", low=0.0, high=1.0)
        self.eps = _real(eps, "eps", low=0.0, low_open=True)
        self.centered = bool(centered)

    @property
    def state_names(self) -> tuple[str, ...]:
        return ("s2", "s3") if self.centered else ("s2",)

    @_doc_as_base("Set the rule's preconditioner to RMSProp with ``alpha``, ``eps`` and "
                   "``centered``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(precond="rmsprop", alpha=self.alpha, eps=self.eps, centered=self.centered)

    @_doc_as_base("NumPy twin: update the running averages and scale g, the parameters unchanged.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        a = p.dtype.type(self.alpha)
        state["s2"] = state["s2"] * a + g * g * (1 - a)
        sq = state["s2"]
        if self.centered:
            state["s3"] = state["s3"] + (g - state["s3"]) * (1 - a)
            sq = sq - state["s3"] * state["s3"]
        return g / (np.sqrt(sq) + p.dtype.type(self.eps)), p


class ScaleByAdadelta(Transform):
    r"""Adadelta (Zeiler 2012): :math:`s \leftarrow \rho s + (1 - \rho) g^2`,
    :math:`d \leftarrow \frac{\sqrt{u + \epsilon}}{\sqrt{s + \epsilon}} g`,
    :math:`u \leftarrow \rho u + (1 - \rho) d^2`, :math:`g \leftarrow d`
    (torch.optim.Adadelta: the learning rate, 1 by default, then multiplies d).

    The step has the units of the parameters: scaling the objective by c scales
    g, s by :math:`c^2` and leaves d unchanged once :math:`s \gg \epsilon`.

    Parameters
    ----------
    rho : float, default 0.9
        The decay, in [0, 1], of the running averages of :math:`g^2` (state
        ``s2``) and of the squared steps :math:`d^2` (state ``s3``).
    eps : float, default 1e-6
        The term > 0 added under both square roots: it sets the size of the
        first steps, :math:`\sqrt{\epsilon}` in the units of the parameters.
    """

    stage = 3
    state_names = ("s2", "s3")

    def __init__(self, rho: float = 0.9, eps: float = 1e-6) -> None:
        self.rho = _real(rho, "rho", low=0.0, high=1.0, high_open=False)
        self.eps = _real(eps, "eps", low=0.0, low_open=True)

    @_doc_as_base("Set the rule's preconditioner to Adadelta with ``rho`` and ``eps``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(precond="adadelta", rho=self.rho, eps=self.eps)

    @_doc_as_base("NumPy twin: update the two running averages and return the step d, the "
                   "parameters unchanged.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        rho, eps = p.dtype.type(self.rho), p.dtype.type(self.eps)
        state["s2"] = state["s2"] * rho + g * g * (1 - rho)
        d = np.sqrt(state["s3"] + eps) / np.sqrt(state["s2"] + eps) * g
        state["s3"] = state["s3"] * rho + d * d * (1 - rho)
        return d, p


def _betas(betas):
    """The checked pair (beta1, beta2), each in [0, 1)."""
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return (_real(betas[0], "betas[0]", low=0.0, high=1.0),
            _real(betas[1], "betas[1]", low=0.0, high=1.0))


class ScaleByAdam(Transform):
    r"""Adam (Kingma & Ba 2015), AMSGrad (Reddi et al. 2018):
    :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g`, :math:`v \leftarrow \beta_2 v + (1 - \beta_2) g^2`,
    [AMSGrad: :math:`v_{max} \leftarrow \max(v_{max}, v)` used for v],
    :math:`g \leftarrow \frac{m / (1 - \beta_1^t)}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}`
    (torch.optim.Adam; eps outside the square root).

    Parameters
    ----------
    betas : (float, float), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in [0, 1): the decay rates of the
        running averages of g (first moment) and of :math:`g^2` (second moment).
    eps : float, default 1e-8
        The term > 0 added to the bias-corrected square root in the denominator.
    amsgrad : bool, default False
        Whether to divide by the running maximum of the second moment instead
        of the second moment itself (AMSGrad; adds the state array ``s3``).
    """

    stage = 3

    def __init__(self, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 amsgrad: bool = False) -> None:
        self.betas = _betas(betas)
        self.eps = _real(eps, "eps", low=0.0, low_open=True)
        self.amsgrad = bool(amsgrad)

    @property
    def state_names(self) -> tuple[str, ...]:
        return ("s1", "s2", "s3") if self.amsgrad else ("s1", "s2")

    @_doc_as_base("Set the rule's preconditioner to Adam with ``betas``, ``eps`` and ``amsgrad``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(precond="adam", beta1=self.betas[0], beta2=self.betas[1], eps=self.eps,
                    amsgrad=self.amsgrad)

    @_doc_as_base("NumPy twin: update the moments and return the bias-corrected step direction.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        b1, b2 = self.betas
        T = p.dtype.type
        state["s1"] = state["s1"] + (g - state["s1"]) * T(1 - b1)
        state["s2"] = state["s2"] * T(b2) + g * g * T(1 - b2)
        v = state["s2"]
        if self.amsgrad:
            state["s3"] = np.maximum(state["s3"], v)
            v = state["s3"]
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        return state["s1"] / (np.sqrt(v) / T(math.sqrt(bc2)) + T(self.eps)) * T(1 / bc1), p


class _MomentPreconditioner(Transform):
    """What Adamax and RAdam share: a first moment (``s1``) and a second statistic (``s2``)
    with Adam's ``betas`` and ``eps``."""

    stage = 3
    state_names = ("s1", "s2")

    def __init__(self, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.betas = _betas(betas)
        self.eps = _real(eps, "eps", low=0.0, low_open=True)


class ScaleByAdamax(_MomentPreconditioner):
    r"""Adamax (Kingma & Ba 2015, sec. 7.1), Adam with the infinity norm:
    :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g`,
    :math:`u \leftarrow \max(\beta_2 u, |g| + \epsilon)`,
    :math:`g \leftarrow \frac{m}{(1 - \beta_1^t)\, u}` (torch.optim.Adamax: eps inside
    the maximum).

    Parameters
    ----------
    betas : (float, float), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in [0, 1): the decay of the running average
        of g (state ``s1``) and of the running maximum of :math:`|g|` (state ``s2``).
    eps : float, default 1e-8
        The term > 0 added to :math:`|g|` in the maximum, which keeps u above 0.
    """

    @_doc_as_base("Set the rule's preconditioner to Adamax with ``betas`` and ``eps``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(precond="adamax", beta1=self.betas[0], beta2=self.betas[1], eps=self.eps)

    @_doc_as_base("NumPy twin: update the moment and the norm, return the bias-corrected "
                   "step direction.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        b1, b2 = self.betas
        T = p.dtype.type
        state["s1"] = state["s1"] + (g - state["s1"]) * T(1 - b1)
        state["s2"] = np.maximum(state["s2"] * T(b2), np.abs(g) + T(self.eps))
        return state["s1"] / state["s2"] * T(1 / (1 - b1 ** t)), p


def radam_rectification(beta2: float, t: int) -> float | None:
    r"""RAdam's variance rectification :math:`r_t` of step t, or None while the
    approximate SMA length :math:`\rho_t \le 5` (then the step is the bias-corrected
    momentum alone; Liu et al. 2020, Algorithm 2, with torch's threshold).

    Parameters
    ----------
    beta2 : float
        The second moment's decay, in [0, 1).
    t : int
        The 1-based step.

    Returns
    -------
    float or None
        :math:`\sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)
        (\rho_\infty - 2)\rho_t}}`, :math:`\rho_\infty = 2 / (1 - \beta_2) - 1`,
        :math:`\rho_t = \rho_\infty - 2 t \beta_2^t / (1 - \beta_2^t)`; None when
        :math:`\rho_t \le 5`.
    """
    b2t = beta2 ** t
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * b2t / (1.0 - b2t)
    if not rho_t > 5.0:
        return None
    return math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                     / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))


class ScaleByRAdam(_MomentPreconditioner):
    r"""RAdam (Liu et al. 2020), Adam with its adaptive step rectified:
    m and v as Adam's; while :math:`\rho_t \le 5` the step direction is the
    bias-corrected momentum :math:`m / (1 - \beta_1^t)`, then
    :math:`\frac{m}{1 - \beta_1^t} \frac{r_t \sqrt{1 - \beta_2^t}}{\sqrt{v} + \epsilon}`
    (:func:`radam_rectification`; torch.optim.RAdam).

    Parameters
    ----------
    betas : (float, float), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in [0, 1): the decay rates of the running
        averages of g (state ``s1``) and of :math:`g^2` (state ``s2``).
    eps : float, default 1e-8
        The term > 0 added to :math:`\sqrt{v}` in the denominator.
    """

    @_doc_as_base("Set the rule's preconditioner to RAdam with ``betas`` and ``eps``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(precond="radam", beta1=self.betas[0], beta2=self.betas[1], eps=self.eps)

    @_doc_as_base("NumPy twin: update the moments, return the rectified step direction.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        b1, b2 = self.betas
        T = p.dtype.type
        state["s1"] = state["s1"] + (g - state["s1"]) * T(1 - b1)
        state["s2"] = state["s2"] * T(b2) + g * g * T(1 - b2)
        m_hat = state["s1"] * T(1 / (1 - b1 ** t))
        rect = radam_rectification(b2, t)
        if rect is None:
            return m_hat, p
        a = T(rect * math.sqrt(1 - b2 ** t))
        return m_hat * (a / (np.sqrt(state["s2"]) + T(self.eps))), p


class Momentum(Transform):
    r"""Heavy-ball momentum (torch.optim.SGD): :math:`b \leftarrow \mu b + (1 - d) g`
    (:math:`b \leftarrow g` at the first step), then :math:`g \leftarrow b`, or
    :math:`g + \mu b` with Nesterov (Sutskever et al. 2013).

    At constant lr this is MATH.md's :math:`v \leftarrow \mu v - lr\,g;\ w \leftarrow w + v`
    with :math:`v = -lr\,b`, and its Nesterov form
    :math:`w \leftarrow w - \mu v_{prev} + (1 + \mu) v` (a test checks both).

    Parameters
    ----------
    momentum : float, default 0.9
        The momentum factor :math:`\mu`, in [0, 1): the weight of the previous
        buffer in the new one.
    dampening : float, default 0
        d, in [0, 1]: the gradient enters the buffer with the weight 1 - d
        (from the second step on).
    nesterov : bool, default False
        Whether to use Nesterov momentum (:math:`g + \mu b` in place of b);
        needs ``momentum > 0`` and ``dampening = 0``.
    """

    stage = 4
    state_names = ("s1",)

    def __init__(self, momentum: float = 0.9, dampening: float = 0.0,
                 nesterov: bool = False) -> None:
        self.momentum = _real(momentum, "momentum", low=0.0, high=1.0)
        self.dampening = _real(dampening, "dampening", low=0.0, high=1.0, high_open=False)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0")

    @_doc_as_base("Turn on the rule's momentum with ``momentum``, ``dampening`` and ``nesterov``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(momentum=True, mu=self.momentum, dampening=self.dampening,
                    nesterov=self.nesterov)

    @_doc_as_base("NumPy twin: update the buffer ``s1`` and return it (or the Nesterov "
                   "direction).")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        T = p.dtype.type
        if t == 1:
            state["s1"] = g.copy()
        else:
            state["s1"] = state["s1"] * T(self.momentum) + g * T(1 - self.dampening)
        b = state["s1"]
        return (g + T(self.momentum) * b if self.nesterov else b), p


class ScaleByLearningRate(Transform):
    r"""The step: :math:`p \leftarrow p - lr\, g`.

    Parameters
    ----------
    lr : float
        The learning rate, a finite number > 0 (no default).
    """

    stage = 5

    def __init__(self, lr: float) -> None:
        self.lr = _real(lr, "lr", low=0.0, low_open=True)

    @_doc_as_base("Set the rule's ``lr``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule["lr"] = self.lr

    @_doc_as_base("NumPy twin: ``p - lr * g``.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        return g, p - p.dtype.type(lr) * g


_DEFAULT_RULE = dict(precond="none", centered=False, amsgrad=False, momentum=False,
                     nesterov=False, t=1, lr=0.0, mu=0.0, dampening=0.0, weight_decay=0.0,
                     decoupled_decay=0.0, beta1=0.0, beta2=0.0, alpha=0.0, eps=1.0,
                     lr_decay=0.0, rho=0.0)


def compile_chain(transforms: Sequence[Transform]) -> dict[str, Any]:
    """Check a chain's order and return the C rule (a dict of fo_rule's fields, t = 1).

    Parameters
    ----------
    transforms : sequence of Transform
        The optimizer's chain, e.g. ``[AddDecayedWeights(wd), ScaleByAdam(...),
        ScaleByLearningRate(lr)]``.

    Returns
    -------
    dict
        The fields of the C core's ``fo_rule`` (what ``fastoptim._core._update`` takes).

    Raises
    ------
    ValueError
        When the chain is not of the form the C core applies in one pass.
    """
    stages = [t.stage for t in transforms]
    if not stages or stages[-1] != 5 or stages != sorted(stages) or len(set(stages)) != len(stages):
        raise ValueError(
            "a chain must be [DecoupledWeightDecay] [AddDecayedWeights] [one preconditioner] "
            f"[Momentum] ScaleByLearningRate, in that order; got {transforms!r}")
    rule = dict(_DEFAULT_RULE)
    for t in transforms:
        t.configure(rule)
    if rule["precond"] == "adam" and rule["momentum"]:
        raise ValueError("Adam has its own first moment; do not add Momentum to ScaleByAdam")
    if rule["precond"] in ("adadelta", "adamax", "radam") and rule["momentum"]:
        name = {"adadelta": "Adadelta", "adamax": "Adamax", "radam": "RAdam"}[rule["precond"]]
        raise ValueError(f"{name} takes no momentum (torch.optim.{name} has none; Adamax and "
                         f"RAdam have their own first moment); drop the Momentum transform")
    return rule
