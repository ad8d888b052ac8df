r"""The pieces optimizers are made of: small transforms of the gradient, each
with its explicit state and a NumPy twin of its equation (the test oracle).

An optimizer is a chain of transforms in this order (torch.optim's)::

    [DecoupledWeightDecay] [AddDecayedWeights] [one preconditioner] [Momentum] ScaleByLearningRate

with the preconditioner one of ScaleByAdagrad, ScaleByRMS, ScaleByAdam, ScaleByAdadelta,
ScaleByAdamax, ScaleByRAdam, ScaleByNAdam, ScaleByRprop, ScaleByASGD.  The C
core (src_c/update.c) applies a whole chain to every coordinate in one pass;
:func:`compile_chain` turns a chain into the rule it runs.  The ``numpy_*``
methods apply the same equations with NumPy, one transform at a time.

State arrays are named after the C core's: ``s1`` (momentum buffer, or Adam's
first moment; Rprop's previous gradient; ASGD's averaged parameters), ``s2`` (sum
or average of squared gradients, Adam's second moment, Adadelta's average of g^2;
Rprop's step sizes), ``s3`` (RMSProp's average gradient, AMSGrad's running maximum,
or Adadelta's average of the squared steps).  Two rules also carry one number from
step to step (``scalar_names``): NAdam's ``mu_product`` and ASGD's ``eta``.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["Transform", "DecoupledWeightDecay", "AddDecayedWeights", "ScaleByAdagrad",
           "ScaleByRMS", "ScaleByAdam", "ScaleByAdadelta", "ScaleByAdamax", "ScaleByRAdam",
           "ScaleByNAdam", "ScaleByRprop", "ScaleByASGD", "Momentum", "ScaleByLearningRate",
           "compile_chain", "radam_rectification", "nadam_momentum", "asgd_averaging_weight"]


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
    ``s3``), and implements :meth:`configure` and :meth:`numpy_update`.  A rule
    that carries a number from step to step (NAdam's ``mu_product``, ASGD's
    ``eta``: fields of the C rule that the C core moves past each step) names it
    in ``scalar_names``; :meth:`numpy_update` then finds its value for the step
    in ``state`` and leaves there its value for the next step.
    """

    stage = None          # position in the chain (1 decoupled decay ... 5 learning rate)
    state_names = ()      # the C state arrays it owns
    scalar_names = ()     # the C rule's carried scalars it owns

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
    """What Adamax, RAdam and NAdam share: a first moment (``s1``) and a second statistic (``s2``)
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


def nadam_momentum(beta1: float, momentum_decay: float, t: int) -> float:
    r"""NAdam's momentum factor of step t (torch.optim.NAdam, Dozat 2016):
    :math:`\mu_t = \beta_1 (1 - \frac{1}{2} 0.96^{t \psi})`.

    Parameters
    ----------
    beta1 : float
        The first moment's decay, in [0, 1).
    momentum_decay : float
        :math:`\psi \ge 0`: how fast :math:`\mu_t` rises from :math:`\beta_1 / 2`
        to :math:`\beta_1`.
    t : int
        The 1-based step.

    Returns
    -------
    float
        :math:`\mu_t`.
    """
    return beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))


class ScaleByNAdam(_MomentPreconditioner):
    r"""NAdam (Dozat 2016), Adam with Nesterov momentum: with
    :math:`\mu_t` (:func:`nadam_momentum`) and the running product
    :math:`P_t = P_{t-1} \mu_t` (carried from step to step as ``mu_product``,
    :math:`P_0 = 1`), m and v as Adam's, and
    :math:`g \leftarrow \big(\frac{1 - \mu_t}{1 - P_t} g + \frac{\mu_{t+1}}{1 - P_t
    \mu_{t+1}} m\big) / \big(\sqrt{v / (1 - \beta_2^t)} + \epsilon\big)`
    (torch.optim.NAdam).

    Parameters
    ----------
    betas : (float, float), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in [0, 1): the decay rates of the running
        averages of g (state ``s1``) and of :math:`g^2` (state ``s2``).
    eps : float, default 1e-8
        The term > 0 added to the bias-corrected :math:`\sqrt{v}` in the denominator.
    momentum_decay : float, default 4e-3
        :math:`\psi \ge 0` of :func:`nadam_momentum`.
    """

    scalar_names = ("mu_product",)

    def __init__(self, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 momentum_decay: float = 4e-3) -> None:
        super().__init__(betas, eps)
        self.momentum_decay = _real(momentum_decay, "momentum_decay", low=0.0)

    @_doc_as_base("Set the rule's preconditioner to NAdam with ``betas``, ``eps`` and "
                   "``momentum_decay``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(precond="nadam", beta1=self.betas[0], beta2=self.betas[1], eps=self.eps,
                    momentum_decay=self.momentum_decay)

    @_doc_as_base("NumPy twin: update the moments and ``mu_product`` (the product through "
                   "step t - 1 on entry, through t on return), return the step direction.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        b1, b2 = self.betas
        T = p.dtype.type
        mu = nadam_momentum(b1, self.momentum_decay, t)
        mu_next = nadam_momentum(b1, self.momentum_decay, t + 1)
        prod = state["mu_product"] * mu
        state["mu_product"] = prod
        state["s1"] = state["s1"] + (g - state["s1"]) * T(1 - b1)
        state["s2"] = state["s2"] * T(b2) + g * g * T(1 - b2)
        den = np.sqrt(state["s2"] / T(1 - b2 ** t)) + T(self.eps)
        return (T((1 - mu) / (1 - prod)) * g + T(mu_next / (1 - prod * mu_next)) * state["s1"]) \
            / den, p


def _pair(value, name, what):
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise TypeError(f"{name} must be a pair {what}, got {value!r}")
    return (_real(value[0], f"{name}[0]"), _real(value[1], f"{name}[1]"))


class ScaleByRprop(Transform):
    r"""Rprop (Riedmiller & Braun 1993), resilient backpropagation: per coordinate,
    with :math:`s = g\, g_{prev}`, the step size
    :math:`d \leftarrow \mathrm{clip}(d \eta, d_{min}, d_{max})`, :math:`\eta = \eta_+`
    when :math:`s > 0`, :math:`\eta_-` when :math:`s < 0`, 1 when :math:`s = 0`; g set to
    0 where :math:`s < 0`; :math:`g_{prev} \leftarrow g`;
    :math:`p \leftarrow p - \mathrm{sign}(g)\, d` (torch.optim.Rprop).

    The step sizes start at the learning rate of the first step (then lr is not
    used: this transform takes the step itself, and hands a zero gradient to
    ScaleByLearningRate, which leaves p as it is).

    Parameters
    ----------
    etas : (float, float), default (0.5, 1.2)
        :math:`(\eta_-, \eta_+)`, with :math:`0 < \eta_- < 1 < \eta_+`: the factors
        of a step size after a change of the gradient's sign and after a repeat of it.
    step_sizes : (float, float), default (1e-6, 50)
        :math:`(d_{min}, d_{max})`, with :math:`0 < d_{min} \le d_{max}`: the bounds
        of every step size (state ``s2``; state ``s1`` holds :math:`g_{prev}`).
    """

    stage = 3
    state_names = ("s1", "s2")

    def __init__(self, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50)) -> None:
        etas = _pair(etas, "etas", "(eta_minus, eta_plus)")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"etas must be (eta_minus, eta_plus) with 0 < eta_minus < 1 < "
                             f"eta_plus, got {etas!r}")
        sizes = _pair(step_sizes, "step_sizes", "(min, max)")
        if not 0.0 < sizes[0] <= sizes[1]:
            raise ValueError(f"step_sizes must be (min, max) with 0 < min <= max, got "
                             f"{sizes!r}")
        self.etas, self.step_sizes = etas, sizes

    @_doc_as_base("Set the rule's preconditioner to Rprop with ``etas`` and ``step_sizes``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(precond="rprop", eta_minus=self.etas[0], eta_plus=self.etas[1],
                    step_size_min=self.step_sizes[0], step_size_max=self.step_sizes[1])

    @_doc_as_base("NumPy twin: update the step sizes and the previous gradient, take the "
                   "step :math:`p - \\mathrm{sign}(g)\\, d`, return a zero gradient.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        T = p.dtype.type
        d = np.full_like(p, lr) if t == 1 else state["s2"]
        sg = g * state["s1"]
        d = d * np.where(sg > 0, T(self.etas[1]), np.where(sg < 0, T(self.etas[0]), T(1)))
        d = np.minimum(np.maximum(d, T(self.step_sizes[0])), T(self.step_sizes[1]))
        g = np.where(sg < 0, T(0), g)
        state["s1"], state["s2"] = g, d
        return np.zeros_like(g), p - np.sign(g) * d


def asgd_averaging_weight(t0: float, t: int) -> float:
    r"""ASGD's averaging weight of step t (torch.optim.ASGD):
    :math:`\mu_t = 1 / \max(1, t - 1 - t_0)`; 1 makes the average a copy of p.

    Parameters
    ----------
    t0 : float
        The step >= 0 after which the average starts to differ from the iterate.
    t : int
        The 1-based step.

    Returns
    -------
    float
        :math:`\mu_t`.
    """
    m = (t - 1) - t0
    return 1.0 / (m if m > 1.0 else 1.0)


class ScaleByASGD(Transform):
    r"""Averaged SGD (Polyak & Juditsky 1992), as torch.optim.ASGD: the step size
    :math:`\eta_t` (:math:`\eta_1 = lr`, then
    :math:`\eta_{t+1} = lr / (1 + \lambda\, lr\, t)^\alpha`, carried from step to
    step as ``eta``), :math:`p \leftarrow p (1 - \lambda \eta_t) - \eta_t g`, and the
    average of the iterates :math:`a \leftarrow a + \mu_t (p - a)`
    (:func:`asgd_averaging_weight`; a copy of p while :math:`\mu_t = 1`, i.e. up to
    step :math:`t_0 + 2`).

    This transform takes the step itself (its size is :math:`\eta_t`, not lr) and
    hands a zero gradient to ScaleByLearningRate, which leaves p as it is.

    Parameters
    ----------
    lambd : float, default 1e-4
        :math:`\lambda \ge 0`: the decay term, and the decay of :math:`\eta_t`.
    alpha : float, default 0.75
        :math:`\alpha \ge 0`: the power of the decay of :math:`\eta_t`.
    t0 : float, default 1e6
        :math:`t_0 \ge 0`: the step after which averaging starts (state ``s1``, the
        averaged parameters).
    """

    stage = 3
    state_names = ("s1",)
    scalar_names = ("eta",)

    def __init__(self, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6) -> None:
        self.lambd = _real(lambd, "lambd", low=0.0)
        self.alpha = _real(alpha, "alpha", low=0.0)
        self.t0 = _real(t0, "t0", low=0.0)

    @_doc_as_base("Set the rule's preconditioner to ASGD with ``lambd``, ``alpha`` and ``t0``.")
    def configure(self, rule: dict[str, Any]) -> None:
        rule.update(precond="asgd", lambd=self.lambd, eta_power=self.alpha, t0=self.t0)

    @_doc_as_base("NumPy twin: take the step with ``eta`` (lr at t = 1), update the average "
                   "``s1`` and leave the next step's ``eta``; return a zero gradient.")
    def numpy_update(self, g: np.ndarray, p: np.ndarray, state: dict[str, np.ndarray], t: int,
                     lr: float) -> tuple[np.ndarray, np.ndarray]:
        T = p.dtype.type
        eta = lr if t == 1 else state["eta"]
        mu = asgd_averaging_weight(self.t0, t)
        p = p * T(1 - self.lambd * eta) + T(-eta) * g
        state["s1"] = p.copy() if mu == 1.0 else state["s1"] + (p - state["s1"]) * T(mu)
        state["eta"] = lr / (1 + self.lambd * lr * t) ** self.alpha
        return np.zeros_like(g), p


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
                     lr_decay=0.0, rho=0.0, momentum_decay=0.0, mu_product=1.0, eta_minus=0.5,
                     eta_plus=2.0, step_size_min=1.0, step_size_max=1.0, lambd=0.0,
                     eta_power=0.0, t0=0.0, eta=0.0)


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
    names = {"adadelta": "Adadelta", "adamax": "Adamax", "radam": "RAdam", "nadam": "NAdam",
             "rprop": "Rprop", "asgd": "ASGD"}
    if rule["precond"] in names and rule["momentum"]:
        name = names[rule["precond"]]
        raise ValueError(f"{name} takes no momentum (torch.optim.{name} has none; Adamax, "
                         f"RAdam and NAdam have their own first moment); drop the Momentum "
                         f"transform")
    return rule
