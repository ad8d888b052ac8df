r"""The pieces optimizers are made of: small transforms of the gradient, each
with its explicit state and a NumPy twin of its equation (the test oracle).

An optimizer is a chain of transforms in this order (torch.optim's)::

    [DecoupledWeightDecay] [AddDecayedWeights] [one preconditioner] [Momentum] ScaleByLearningRate

with the preconditioner one of ScaleByAdagrad, ScaleByRMS, ScaleByAdam.  The C
core (src_c/update.c) applies a whole chain to every coordinate in one pass;
:func:`compile_chain` turns a chain into the rule it runs.  The ``numpy_*``
methods apply the same equations with NumPy, one transform at a time.

State arrays are named after the C core's: ``s1`` (momentum buffer, or Adam's
first moment), ``s2`` (sum or average of squared gradients, Adam's second
moment), ``s3`` (RMSProp's average gradient, or AMSGrad's running maximum).
"""
import math
import numbers

import numpy as np

__all__ = ["Transform", "DecoupledWeightDecay", "AddDecayedWeights", "ScaleByAdagrad",
           "ScaleByRMS", "ScaleByAdam", "Momentum", "ScaleByLearningRate", "compile_chain"]


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
    """Base of the transforms: a stage in the fixed chain order, state names, a NumPy twin."""

    stage = None          # position in the chain (1 decoupled decay ... 5 learning rate)
    state_names = ()      # the C state arrays it owns

    def configure(self, rule):
        """Write this transform's part of the C rule (a dict of fo_rule's fields)."""
        raise NotImplementedError

    def init_state(self, param):
        """{name: array} for one parameter array (zeros unless the rule says otherwise)."""
        return {name: np.zeros_like(param) for name in self.state_names}

    def numpy_update(self, g, p, state, t, lr):
        """NumPy twin: returns (g, p) after this transform at step t (1-based)."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class DecoupledWeightDecay(Transform):
    r"""AdamW's weight decay, applied to the parameters: :math:`p \leftarrow p (1 - lr\,wd)`."""

    stage = 1

    def __init__(self, weight_decay=1e-2):
        self.weight_decay = _real(weight_decay, "weight_decay", low=0.0)

    def configure(self, rule):
        rule["decoupled_decay"] = self.weight_decay

    def numpy_update(self, g, p, state, t, lr):
        return g, p * p.dtype.type(1.0 - lr * self.weight_decay)


class AddDecayedWeights(Transform):
    r"""L2 weight decay, added to the gradient: :math:`g \leftarrow g + wd\, p`."""

    stage = 2

    def __init__(self, weight_decay=0.0):
        self.weight_decay = _real(weight_decay, "weight_decay", low=0.0)

    def configure(self, rule):
        rule["weight_decay"] = self.weight_decay

    def numpy_update(self, g, p, state, t, lr):
        return g + p.dtype.type(self.weight_decay) * p, p


class ScaleByAdagrad(Transform):
    r"""AdaGrad (Duchi et al. 2011): :math:`s \leftarrow s + g^2`,
    :math:`g \leftarrow g / (\sqrt{s} + \epsilon)`; the learning rate of step t is
    :math:`lr / (1 + (t - 1)\,lr\_decay)` (torch.optim.Adagrad)."""

    stage = 3
    state_names = ("s2",)

    def __init__(self, eps=1e-10, initial_accumulator_value=0.0, lr_decay=0.0):
        self.eps = _real(eps, "eps", low=0.0, low_open=True)
        self.initial_accumulator_value = _real(initial_accumulator_value,
                                               "initial_accumulator_value", low=0.0)
        self.lr_decay = _real(lr_decay, "lr_decay", low=0.0)

    def configure(self, rule):
        rule.update(precond="adagrad", eps=self.eps, lr_decay=self.lr_decay)

    def init_state(self, param):
        return {"s2": np.full_like(param, self.initial_accumulator_value)}

    def numpy_update(self, g, p, state, t, lr):
        state["s2"] = state["s2"] + g * g
        scale = 1.0 / (1.0 + (t - 1) * self.lr_decay)
        return g / (np.sqrt(state["s2"]) + p.dtype.type(self.eps)) * p.dtype.type(scale), p


class ScaleByRMS(Transform):
    r"""RMSProp (Tieleman & Hinton 2012): :math:`s \leftarrow \alpha s + (1 - \alpha) g^2`;
    centered: :math:`m \leftarrow \alpha m + (1 - \alpha) g` and :math:`s - m^2` in place of s;
    :math:`g \leftarrow g / (\sqrt{s} + \epsilon)` (torch.optim.RMSprop)."""

    stage = 3

    def __init__(self, alpha=0.99, eps=1e-8, centered=False):
        self.alpha = _real(alpha, "alpha", low=0.0, high=1.0)
        self.eps = _real(eps, "eps", low=0.0, low_open=True)
        self.centered = bool(centered)

    @property
    def state_names(self):
        return ("s2", "s3") if self.centered else ("s2",)

    def configure(self, rule):
        rule.update(precond="rmsprop", alpha=self.alpha, eps=self.eps, centered=self.centered)

    def numpy_update(self, g, p, state, t, lr):
        a = p.dtype.type(self.alpha)
        state["s2"] = state["s2"] * a + g * g * (1 - a)
        sq = state["s2"]
        if self.centered:
            state["s3"] = state["s3"] + (g - state["s3"]) * (1 - a)
            sq = sq - state["s3"] * state["s3"]
        return g / (np.sqrt(sq) + p.dtype.type(self.eps)), p


class ScaleByAdam(Transform):
    r"""Adam (Kingma & Ba 2015), AMSGrad (Reddi et al. 2018):
    :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g`, :math:`v \leftarrow \beta_2 v + (1 - \beta_2) g^2`,
    [AMSGrad: :math:`v_{max} \leftarrow \max(v_{max}, v)` used for v],
    :math:`g \leftarrow \frac{m / (1 - \beta_1^t)}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}`
    (torch.optim.Adam; eps outside the square root)."""

    stage = 3

    def __init__(self, betas=(0.9, 0.999), eps=1e-8, amsgrad=False):
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_real(betas[0], "betas[0]", low=0.0, high=1.0),
                      _real(betas[1], "betas[1]", low=0.0, high=1.0))
        self.eps = _real(eps, "eps", low=0.0, low_open=True)
        self.amsgrad = bool(amsgrad)

    @property
    def state_names(self):
        return ("s1", "s2", "s3") if self.amsgrad else ("s1", "s2")

    def configure(self, rule):
        rule.update(precond="adam", beta1=self.betas[0], beta2=self.betas[1], eps=self.eps,
                    amsgrad=self.amsgrad)

    def numpy_update(self, g, p, state, t, lr):
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


class Momentum(Transform):
    r"""Heavy-ball momentum (torch.optim.SGD): :math:`b \leftarrow \mu b + (1 - d) g`
    (:math:`b \leftarrow g` at the first step), then :math:`g \leftarrow b`, or
    :math:`g + \mu b` with Nesterov (Sutskever et al. 2013).

    At constant lr this is MATH.md's :math:`v \leftarrow \mu v - lr\,g;\ w \leftarrow w + v`
    with :math:`v = -lr\,b`, and its Nesterov form
    :math:`w \leftarrow w - \mu v_{prev} + (1 + \mu) v` (a test checks both)."""

    stage = 4
    state_names = ("s1",)

    def __init__(self, momentum=0.9, dampening=0.0, nesterov=False):
        self.momentum = _real(momentum, "momentum", low=0.0, high=1.0)
        self.dampening = _real(dampening, "dampening", low=0.0, high=1.0, high_open=False)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0")

    def configure(self, rule):
        rule.update(momentum=True, mu=self.momentum, dampening=self.dampening,
                    nesterov=self.nesterov)

    def numpy_update(self, g, p, state, t, lr):
        T = p.dtype.type
        if t == 1:
            state["s1"] = g.copy()
        else:
            state["s1"] = state["s1"] * T(self.momentum) + g * T(1 - self.dampening)
        b = state["s1"]
        return (g + T(self.momentum) * b if self.nesterov else b), p


class ScaleByLearningRate(Transform):
    r"""The step: :math:`p \leftarrow p - lr\, g`."""

    stage = 5

    def __init__(self, lr):
        self.lr = _real(lr, "lr", low=0.0, low_open=True)

    def configure(self, rule):
        rule["lr"] = self.lr

    def numpy_update(self, g, p, state, t, lr):
        return g, p - p.dtype.type(lr) * g


_DEFAULT_RULE = dict(precond="none", centered=False, amsgrad=False, momentum=False,
                     nesterov=False, t=1, lr=0.0, mu=0.0, dampening=0.0, weight_decay=0.0,
                     decoupled_decay=0.0, beta1=0.0, beta2=0.0, alpha=0.0, eps=1.0,
                     lr_decay=0.0)


def compile_chain(transforms):
    """Check a chain's order and return the C rule (a dict of fo_rule's fields, t = 1).

    Parameters
    ----------
    transforms : list of transforms
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
    return rule
