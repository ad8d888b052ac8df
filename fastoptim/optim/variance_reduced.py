r"""Variance-reduced stochastic gradient methods for the linear models: SAG, SAGA, SVRG.

Plain SGD at a constant rate stalls at a noise floor set by the variance of its sample
gradients.  These methods keep one stored derivative per sample (K for softmax) and
correct each step with it, so that the step's variance vanishes at the optimum: on a
strongly convex objective they converge linearly at a constant step.  One C call runs
one epoch (src_c/vr.c, ``fo_vr.h``), without the GIL.

For the objective of :class:`~fastoptim.losses.Objective` (plus ``alpha_intercept``,
an optional L2 penalty on the intercepts, LinearSVC's)

.. math::

    F(w, b) = \frac{1}{n} \sum_i f_i, \qquad
    f_i = s_i\, l(W x_i + b, y_i) + \frac{\alpha}{2} \|W\|^2 + \frac{\alpha_b}{2} \|b\|^2,

with :math:`s_i = n w_i / \sum_j w_j`, the data part of :math:`\nabla f_i` is
:math:`g_i \tilde x_i` with the scalar (or K-vector) :math:`g_i = s_i\, \partial l / \partial z`
and :math:`\tilde x_i = [x_i; 1]`.  The memory :math:`m_i` stores :math:`g_i` and
:math:`S = \sum_i m_i \tilde x_i` its sum.  An epoch is n steps (:func:`visiting_order`):
SAG draws its samples with replacement, as the paper (in a random permutation its steps
can grow without bound), SAGA and SVRG visit each sample once in a seeded random order.
At sample i, with step :math:`\eta`:

- ``'sag'`` (Schmidt, Le Roux & Bach 2017): :math:`S \leftarrow S + (g_i - m_i)\tilde x_i`,
  :math:`m_i \leftarrow g_i`, :math:`w \leftarrow w - \eta (S / n_{seen} + \alpha w)`
  (divided by the number of samples seen so far in the first epoch);
- ``'saga'`` (Defazio, Bach & Lacoste-Julien 2014):
  :math:`w \leftarrow w - \eta ((g_i - m_i)\tilde x_i + S / n + \alpha w)`, then the
  memory as SAG's (an unbiased step);
- ``'svrg'`` (Johnson & Zhang 2013): at the start of each epoch one pass at the snapshot
  :math:`\tilde w = w` (the last iterate) sets :math:`m_i = g_i(\tilde w)` and S; then
  every step is SAGA's with m and S fixed.  An epoch is two passes over X.

On CSR data the steps a column misses (only the decay and the constant S term move it)
are applied just in time when it next appears (Schmidt et al. 2017, sec. 4.1): the same
result as dense data up to rounding, at the cost of the row's nonzeros per step.

The default step (:func:`default_step`) comes from the per-sample Lipschitz constant
:math:`L = c \max_i s_i (\|x_i\|^2 + 1) + \alpha` (c: the loss's curvature bound, the
1 only with an intercept): 1/L for SAG, :math:`1 / (2 (\alpha n + L))` for SAGA, 1/(4L)
for SVRG.
"""
from __future__ import annotations

import numbers

import numpy as np

from .._core import _epoch, _status, _vr
from .._moments import _row_sqnorms, max_scaled_row_sqnorm
from ..losses import Objective
from .engine import _param

__all__ = ["METHODS", "VarianceReducedState", "default_step", "lipschitz_constant",
           "run_vr_epoch", "visiting_order"]

#: The methods by name.
METHODS = ("sag", "saga", "svrg")

#: A bound on d2l/dz2 of each loss the methods take (softmax: the largest eigenvalue of
#: diag(p) - p p^T is at most 1/2).  The hinge losses have no Lipschitz gradient.
CURVATURE = {"squared": 1.0, "logistic": 0.25, "squared_hinge": 2.0, "softmax": 0.5}

#: The default step times L, per method: SAG's 1 / L (the step Schmidt et al. 2017 use in
#: practice, sec. 4.6), SVRG's 1 / (4 L) (the bound of Johnson & Zhang 2013, Theorem 1:
#: eta < 1 / (4 L)).  SAGA's is 1 / (2 (alpha n + L)) (Defazio et al. 2014, Theorem 1).
STEP_FRACTION = {"sag": 1.0, "saga": 0.5, "svrg": 0.25}


def _check_method(method):
    if not (isinstance(method, str) and method in METHODS):
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, got "
                         f"{method!r}")
    return method


def _check_loss(objective):
    if objective.loss not in CURVATURE:
        raise ValueError(
            f"SAG, SAGA and SVRG need a loss with a Lipschitz gradient ("
            f"{', '.join(map(repr, CURVATURE))}); the {objective.loss!r} loss is not "
            f"differentiable: use loss='squared_hinge', or a subgradient solver such as 'sgd'")


def visiting_order(n_samples: int, method: str, seed: int) -> np.ndarray:
    """The samples an epoch of ``method`` with ``seed`` visits, in order.

    Parameters
    ----------
    n_samples : int
        The number of samples, >= 0.
    method : {'sag', 'saga', 'svrg'}
        SAG draws n_samples indices uniformly with replacement; SAGA and SVRG take
        the permutation of :func:`~fastoptim.optim.engine.epoch_permutation`.
    seed : int
        The epoch's seed, as passed to :func:`run_vr_epoch`.

    Returns
    -------
    ndarray of int64 of shape (n_samples,)
    """
    seed = int(seed) & (2 ** 64 - 1)
    if _check_method(method) == "sag":
        return _epoch.draws(int(n_samples), seed)
    return _epoch.permutation(int(n_samples), seed)


def lipschitz_constant(objective: Objective, fit_intercept: bool,
                       alpha_intercept: float = 0.0) -> float:
    r"""The per-sample Lipschitz constant of the gradient the methods' steps are set by.

    Parameters
    ----------
    objective : fastoptim.losses.Objective
        The loss, data, weights and L2 penalty alpha.
    fit_intercept : bool
        Whether an intercept is trained (adds 1 to each row's squared norm).
    alpha_intercept : float, default 0
        The intercepts' L2 penalty.

    Returns
    -------
    float
        :math:`c \max_i s_i (\|x_i\|^2 + 1) + \max(\alpha, \alpha_b)`.
    """
    _check_loss(objective)
    rows = max_scaled_row_sqnorm(objective, fit_intercept)
    return CURVATURE[objective.loss] * rows + max(objective.alpha, float(alpha_intercept))


def default_step(objective: Objective, method: str, fit_intercept: bool,
                 alpha_intercept: float = 0.0) -> float:
    """The default step of a method: 1 / L (SAG), 1 / (2 (alpha n + L)) (SAGA), 1 / (4 L) (SVRG).

    Parameters
    ----------
    objective : fastoptim.losses.Objective
        The loss, data, weights and L2 penalty alpha.
    method : {'sag', 'saga', 'svrg'}
        The method.
    fit_intercept : bool
        Whether an intercept is trained.
    alpha_intercept : float, default 0
        The intercepts' L2 penalty.

    Returns
    -------
    float
        The step size eta; n counts the objective's samples, alpha is its L2 penalty
        (the strong convexity SAGA's theorem uses).
    """
    L = lipschitz_constant(objective, fit_intercept, alpha_intercept)
    if not (np.isfinite(L) and L > 0):
        raise ValueError(f"the Lipschitz constant of the gradient is {L!r}: every row of X is "
                         f"zero and nothing is penalized, so no step size follows from it; "
                         f"give learning_rate a number")
    if _check_method(method) == "saga":
        L += objective.alpha * objective.n_samples
    return STEP_FRACTION[method] / L


class VarianceReducedState:
    """The stored derivatives of SAG, SAGA or SVRG, kept across epochs (picklable).

    Parameters
    ----------
    objective : fastoptim.losses.Objective
        The objective the state is for (its rows, outputs and features size the arrays).
    method : {'sag', 'saga', 'svrg'}
        The method.

    Attributes
    ----------
    memory : ndarray of shape (n_samples, n_outputs)
        g_i per sample of X (by sample number), float64; zeros before the first epoch.
    grad_sum : ndarray of shape (n_outputs * n_features + n_outputs,)
        :math:`\\sum_i m_i \\tilde x_i`: the coefficients' part row-major, then the intercepts'.
    seen : ndarray of uint8, shape (n_samples,)
        SAG: 1 for the samples visited at least once.
    n_seen : int
        SAG: their number.
    lipschitz : float
        The line search's running estimate of L (0 before the first epoch).
    """

    def __init__(self, objective: Objective, method: str) -> None:
        self.method = _check_method(method)
        K, p = objective.n_outputs, objective.n_features
        self.memory = np.zeros((objective.X.shape[0], K))
        self.grad_sum = np.zeros(K * p + K)
        self.seen = np.zeros(objective.X.shape[0] if method == "sag" else 0, dtype=np.uint8)
        self.n_seen = 0
        self.lipschitz = 0.0
        self._row_sqnorm = None  # the line search's ||x~_i||^2, computed at its first epoch
        self._lipschitz_max = None  # the line search's cap on L, the data's global bound

    def lipschitz_max(self, objective: Objective, fit_intercept: bool) -> float:
        r"""The line search's cap on L: the loss's curvature bound times
        :math:`\max_i s_i \|\tilde x_i\|^2` (no penalty), computed once.

        Parameters
        ----------
        objective : fastoptim.losses.Objective
            The objective the state is for.
        fit_intercept : bool
            Whether an intercept is trained.

        Returns
        -------
        float
        """
        if self._lipschitz_max is None:
            self._lipschitz_max = CURVATURE[objective.loss] * max_scaled_row_sqnorm(
                objective, fit_intercept)
        return self._lipschitz_max

    def row_sqnorm(self, objective: Objective, fit_intercept: bool) -> np.ndarray:
        """The squared norms ``||x_i||^2`` (+ 1 with an intercept) the line search reads.

        Parameters
        ----------
        objective : fastoptim.losses.Objective
            The objective the state is for.
        fit_intercept : bool
            Whether an intercept is trained.

        Returns
        -------
        ndarray of float64 of shape (n_samples,)
        """
        if self._row_sqnorm is None:
            self._row_sqnorm = _row_sqnorms(objective.X, None) + (1.0 if fit_intercept else 0.0)
        return self._row_sqnorm

    def __repr__(self):
        return (f"VarianceReducedState(method={self.method!r}, n_samples={self.memory.shape[0]}, "
                f"n_seen={self.n_seen})")


def run_vr_epoch(objective: Objective, state: VarianceReducedState, coef: np.ndarray,
                 intercept: np.ndarray | None = None, *, step: float | None = None, seed: int = 0,
                 alpha_intercept: float = 0.0, l1: float = 0.0) -> float:
    """One epoch of SAG, SAGA or SVRG (``state.method``), in place, without the GIL.

    Parameters
    ----------
    objective : fastoptim.losses.Objective
        The loss ('squared', 'logistic', 'squared_hinge' or 'softmax'), data, weights
        and L2 penalty alpha; over every row of X (no ``rows=`` subset).
    state : VarianceReducedState
        The method's memory, updated in place (build it once per fit).
    coef : ndarray of shape ``objective.coef_shape``, X's dtype
        The coefficients, updated in place (writeable, C-contiguous).
    intercept : ndarray of shape (n_outputs,), optional
        The intercepts, updated in place; None trains without an intercept.
    step : float > 0 or None, default None
        The step size, fixed (:func:`default_step` gives the methods' bounds from the
        data); None: from the line search's running estimate L of the Lipschitz
        constant (Schmidt et al. 2017, sec. 4.6; see the module notes), kept in
        ``state.lipschitz`` and never above the data's global bound -- 1 / L for SAG,
        1 / (2 (L + alpha n)) for SAGA, 1 / (4 L) for SVRG, each L with the penalty's
        alpha added.
    seed : int, default 0
        The samples this epoch visits (:func:`visiting_order`); use a different seed
        per epoch.
    alpha_intercept : float, default 0
        An L2 penalty on the intercepts (LinearSVC's :math:`b^2 / (2 s^2)` term).
    l1 : float, default 0
        An L1 penalty l1 ||W||_1 on the coefficients (SAGA only): each step ends
        with its proximal map, the soft-threshold at eta l1 (Defazio, Bach
        & Lacoste-Julien 2014); on CSR data the columns a step does not touch get theirs
        just in time, in closed form (``fo_vr.h``).

    Returns
    -------
    float
        The weighted mean of the per-sample losses, each taken when its sample was
        visited.

    Raises
    ------
    FloatingPointError
        When the run diverged (a score or a coefficient stopped being finite).
    """
    if not isinstance(objective, Objective):
        raise TypeError("objective must be a fastoptim.losses.Objective")
    if objective.rows is not None:
        raise ValueError("run_vr_epoch needs an Objective over every row of X (its memory is "
                         "per sample); build the Objective over X[rows]")
    _check_loss(objective)
    if not isinstance(state, VarianceReducedState):
        raise TypeError("state must be a VarianceReducedState (build one per fit)")
    K, p = objective.n_outputs, objective.n_features
    if state.memory.shape != (objective.X.shape[0], K) or state.grad_sum.shape != (K * p + K,):
        raise ValueError(f"state was built for another objective (memory {state.memory.shape}, "
                         f"this objective needs {(objective.X.shape[0], K)})")
    for name, value in (("step", step), ("alpha_intercept", alpha_intercept), ("l1", l1)):
        if name == "step" and value is None:
            continue
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                or not np.isfinite(value) or value < 0 or (name == "step" and value == 0):
            raise ValueError(f"{name} must be a finite number {'> 0' if name == 'step' else '>= 0'}"
                             f"{' or None (the line search)' if name == 'step' else ''}, got "
                             f"{value!r}")
    if l1 > 0 and state.method != "saga":
        raise ValueError(f"l1 > 0 needs method 'saga' (its proximal step), got "
                         f"{state.method!r}")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {seed!r}")
    c = _param(coef, "coef", objective, objective.coef_shape)
    b = None if intercept is None else _param(intercept, "intercept", objective, (K,))
    offset = max(objective.alpha, float(alpha_intercept))
    if state.method == "saga":
        offset += objective.alpha * objective.n_samples
    config = dict(method=_vr.METHOD_IDS[state.method], loss=objective._loss_id, n_outputs=K,
                  step=0.0 if step is None else float(step), alpha=objective.alpha,
                  alpha_intercept=float(alpha_intercept), l1=float(l1),
                  weight_scale=objective.n_samples / objective.weight_sum,
                  seed=int(seed) & (2 ** 64 - 1), line_search=step is None,
                  step_fraction=STEP_FRACTION[state.method], step_offset=offset,
                  lipschitz_max=0.0)
    norms = None if step is None else np.zeros(0)
    if step is None:
        norms = state.row_sqnorm(objective, intercept is not None)
        config["lipschitz_max"] = state.lipschitz_max(objective, intercept is not None)
    n_threads = objective.n_threads if state.method == "svrg" else 1
    status, mean_loss, n_seen, lipschitz = _vr.vr_epoch(
        config, objective._values, objective._indices, objective._indptr,
        objective.X.shape[0], p, objective._y, objective._sample_weight, c, b,
        state.memory.reshape(-1), state.grad_sum, state.seen, int(state.n_seen), norms,
        float(state.lipschitz), n_threads)
    if status == _status.ERR_NONFINITE:
        raise FloatingPointError(
            f"{state.method}: the {objective.loss!r} loss or the coefficients stopped being "
            f"finite with step={'the line search' if step is None else format(step, 'g')}; "
            f"use a smaller step (default_step gives the data's bound)")
    state.n_seen, state.lipschitz = n_seen, lipschitz
    _status.check_status(status)
    return mean_loss
