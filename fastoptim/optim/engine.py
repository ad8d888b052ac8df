r"""Mini-batch training of linear models: the C engine runs one epoch, Python
drives the epochs.

One epoch (src_c/epoch.c): shuffle the rows with a seeded Fisher-Yates (or
keep storage order), cut them into batches of ``batch_size``, and for each
batch B apply the optimizer's update rule to (coef, intercept) with the
unbiased batch estimate of the gradient of ``Objective``'s objective

.. math::

    g = \frac{n}{\sum_i w_i} \frac{1}{|B|} \sum_{i \in B} w_i \frac{\partial l_i}{\partial z}
        \tilde x_i + \alpha [coef; 0].

``batch_size = n`` is batch gradient descent, 1 is SGD.  The GIL is released
for the whole epoch.

Sparse X and small batches (``lazy``): a step updates only the coefficients
of the columns present in the batch (and the intercept).  Each column catches
up on the steps it missed when it appears again and at the end of the epoch,
as steps without data gradient: for plain SGD (no preconditioner, no
momentum) the L2 decay and the decoupled decay are applied exactly, so lazy
and dense epochs give the same result; for momentum and the adaptive rules
only the decoupled decay moves the parameters, and the state decays as under
zero gradients (momentum b <- mu^k b, RMSProp s <- a^k s, Adam m <- b1^k m,
v <- b2^k v; AdaGrad's sum and AMSGrad's maximum stay) -- the L2 terms and the
momentum of missed steps are dropped, the usual "lazy" semantics of sparse
optimizers.  Rprop's missed steps are exact (a zero gradient has sign 0: no
step); ASGD's leave p as it is (its decay term, like the L2 terms, is dropped)
and average the unchanged p into ``ax``.  The full list is in
:mod:`fastoptim.optim` (and src_c/include/fastoptim/fo_epoch.h).  A dense NumPy
twin of exactly this rule is in the tests.

The L1 penalty (``l1 > 0``, plain SGD: the rule without preconditioner and
momentum) is the cumulative penalty of Tsuruoka, Tsujii & Ananiadou (2009):
after each step, u <- u + lr l1 (all the L1 penalty a coefficient could have
received so far) and every coefficient is clipped towards zero by what it has
not received yet,

.. math::

    w_j > 0:\ w_j \leftarrow \max(0, w_j - (u + q_j)), \qquad
    w_j < 0:\ w_j \leftarrow \min(0, w_j + (u - q_j)),

q_j the penalty applied to it so far (it takes the change).  A clip never carries a
coefficient across zero, so the iterates have exact zeros, and a coefficient that
the data push back and forth around zero is held there.  u and q live with the
optimizer's state (``reset()`` forgets them), so they carry over from epoch to
epoch and across a dask array's chunks.  In lazy mode a column's skipped steps
(decays and clips) are applied when it next appears, in closed form: lazy and dense
epochs are the same to rounding.  scikit-learn's SGDClassifier(penalty='l1') takes
the same steps on dense data.
"""
from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Literal

import numpy as np

from .._core import _epoch, _status
from .._validation import check_scalar
from ..losses import Objective
from .optimizers import Optimizer
from .schedules import apply as apply_schedule

__all__ = ["run_epoch", "epoch_permutation", "train", "TrainResult", "takes_l1"]


def epoch_permutation(n_samples: int, seed: int) -> np.ndarray:
    """The row order an epoch with ``seed`` visits (splitmix64 + Fisher-Yates).

    Parameters
    ----------
    n_samples : int
        The number of rows, >= 0.
    seed : int
        The epoch's seed, as passed to :func:`run_epoch`; taken modulo 2**64.

    Returns
    -------
    ndarray of int64
        A permutation of ``0 .. n_samples - 1``: the rows in the order the
        shuffled epoch visits them (the first batch is its first ``batch_size``
        entries).
    """
    return _epoch.permutation(int(n_samples), int(seed) & (2 ** 64 - 1))


def _param(arr, name, obj, shape):
    if not isinstance(arr, np.ndarray) or arr.dtype != obj.dtype:
        raise TypeError(f"{name} must be an ndarray of dtype {obj.dtype} (X's dtype), updated "
                        f"in place; got {type(arr).__name__} {getattr(arr, 'dtype', '')}")
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}; this objective needs {shape}")
    if not (arr.flags.c_contiguous and arr.flags.writeable):
        raise ValueError(f"{name} must be a writeable C-contiguous array (updated in place)")
    return arr.reshape(-1)


def check_epoch_args(optimizer, batch_size, seed):
    """The checks every epoch runner makes: an Optimizer that minimizes, an int batch_size >= 1,
    an int seed."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError("optimizer must be a fastoptim.optim optimizer (SGD, Adam, ...)")
    if optimizer.maximize:
        raise ValueError(f"the optimizer {optimizer!r} has maximize=True, but a training epoch "
                         f"(and every estimator) minimizes its loss; build it with "
                         f"maximize=False")
    if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"batch_size must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {seed!r}")


def takes_l1(optimizer: Optimizer) -> bool:
    """Whether ``optimizer`` steps with the cumulative L1 penalty of :func:`run_epoch`.

    Parameters
    ----------
    optimizer : fastoptim.optim.Optimizer
        The optimizer to ask about.

    Returns
    -------
    bool
        True for plain SGD (no preconditioner, no momentum): the rule the clip is
        made for (the proximal map of its step, taken cumulatively).
    """
    rule = optimizer._next_rule()
    return rule["precond"] == "none" and not rule["momentum"]


def _check_l1(l1, optimizer):
    check_scalar(l1, "l1", min_value=0.0)
    if l1 > 0 and not takes_l1(optimizer):
        raise ValueError(f"l1 > 0 (the cumulative L1 penalty) needs plain SGD, without "
                         f"momentum or a preconditioner; got {optimizer!r}: use "
                         f"fastoptim.optim.SGD(lr=...) (or for an estimator solver='sgd', "
                         f"'saga' or 'newton-cd')")
    return float(l1)


def _l1_state(optimizer, n_coef):
    """The cumulative penalty's u (one value) and q (one per coefficient), kept with the
    optimizer's state: created at zero at the first epoch with l1 > 0."""
    st = getattr(optimizer, "_l1_state", None)
    if st is None:
        st = optimizer._l1_state = {"u": np.zeros(1), "q": np.zeros(n_coef)}
    elif st["q"].shape != (n_coef,):
        raise ValueError(f"this optimizer's L1 penalty state is for {st['q'].size} "
                         f"coefficients, got {n_coef}; call reset() to start over")
    return st


def run_epoch(objective: Objective, optimizer: Optimizer, coef: np.ndarray,
              intercept: np.ndarray | None = None, *, batch_size: int, seed: int = 0,
              shuffle: bool = True, lazy: Literal["auto"] | bool = "auto",
              weight_scale: float | None = None, l1: float = 0.0) -> float:
    """One epoch of mini-batch training, in place, without the GIL.

    Parameters
    ----------
    objective : fastoptim.losses.Objective
        The loss, data, weights and L2 penalty alpha.  An objective over a row
        subset (``rows=``) trains on those rows of X in place, with the bits of
        an epoch over a copy of them.
    optimizer : fastoptim.optim.Optimizer
        Its update rule, learning rate and state are used; its state covers
        ``[coef, intercept]`` (created at the first epoch) and ``n_steps``
        advances by the number of batches.  One rule for both arrays: an
        optimizer with ``param_groups`` is refused.
    coef : ndarray of shape ``objective.coef_shape``, X's dtype
        The coefficients, updated in place: a writeable C-contiguous array of
        ``objective.dtype``.
    intercept : ndarray of shape (n_outputs,), optional
        The intercepts, updated in place (same requirements as ``coef``); None
        (the default) trains without an intercept.
    batch_size : int >= 1
        Rows per batch (one optimizer step per batch; the last batch may be
        smaller).  Clipped to n_samples.
    seed : int, default 0
        The shuffle of this epoch (use a different seed per epoch); see
        :func:`epoch_permutation`.
    shuffle : bool, default True
        Visit the rows in the order of :func:`epoch_permutation` (True) or in
        storage order (False).
    lazy : {'auto', True, False}, default 'auto'
        Sparse (lazy) updates, for sparse X only (one thread); 'auto' uses them
        when X is sparse and batch_size <= 256.  See the module docstring.
    weight_scale : float, optional
        Each sample's weight is multiplied by this in the batch gradients; default
        ``n_samples / weight_sum`` (mean weight 1).  A part of a larger data set
        trained in turn (fastoptim's dask path) passes the whole set's factor, so
        that its steps equal those of an epoch over the whole set.
    l1 : float >= 0, default 0
        An L1 penalty ``l1 * ||coef||_1`` on top of the objective's (the intercept is not
        penalized), applied by the cumulative penalty of the module docstring; needs
        plain SGD (:func:`takes_l1`).  Its state is kept with the optimizer's.

    Returns
    -------
    float
        The weighted mean of the per-sample losses, each taken when its sample
        was visited (a cheap running estimate; not the final objective).

    Raises
    ------
    FloatingPointError
        When the run diverged (a score or a parameter stopped being finite).
    """
    if not isinstance(objective, Objective):
        raise TypeError("objective must be a fastoptim.losses.Objective")
    check_epoch_args(optimizer, batch_size, seed)
    if optimizer._groups:
        raise ValueError(f"the optimizer {optimizer!r} has param_groups, but the linear models' "
                         f"epoch steps coef and intercept by one rule; param_groups are for "
                         f"Optimizer.step() and the networks (MLPClassifier, MLPRegressor): "
                         f"build the optimizer without them")
    l1 = _check_l1(l1, optimizer)
    K = objective.n_outputs
    c = _param(coef, "coef", objective, objective.coef_shape)
    b = None if intercept is None else _param(intercept, "intercept", objective, (K,))
    params = [coef] if intercept is None else [coef, intercept]
    optimizer._check_state(params)
    if optimizer.state is None:
        optimizer.state = optimizer._init_state(params)
    sc = optimizer.state[0]
    si = optimizer.state[1] if intercept is not None else {}
    if lazy not in ("auto", True, False):
        raise ValueError(f"lazy must be 'auto', True or False, got {lazy!r}")
    sparse = objective._indices is not None
    if lazy is True and not sparse:
        raise ValueError("lazy=True needs sparse X (updates touch the batch's nonzero columns)")
    use_lazy = sparse and (lazy is True or (lazy == "auto" and batch_size <= 256))
    sw = objective._sample_weight
    if weight_scale is None:
        weight_scale = objective.n_samples / objective.weight_sum
    elif not (isinstance(weight_scale, numbers.Real) and np.isfinite(weight_scale)
              and weight_scale > 0):
        raise ValueError(f"weight_scale must be a finite number > 0, got {weight_scale!r}")
    config = dict(loss=objective._loss_id, n_outputs=K, batch_size=int(min(batch_size, objective.n_samples)),
                  seed=int(seed) & (2 ** 64 - 1), shuffle=bool(shuffle), alpha=objective.alpha,
                  weight_scale=weight_scale, lazy=use_lazy)
    spec = optimizer._next_rule()
    # the threads meet once per batch: with n_threads=None, a batch too small to share
    # (a few hundred rows of a few dozen features) runs on one thread
    n_threads = min(objective.n_threads,
                    objective.threads_for(config["batch_size"] * objective.values_per_row * K))
    flat = lambda st, k: None if st.get(k) is None else st[k].reshape(-1)
    l1_state = _l1_state(optimizer, c.size) if l1 > 0 else {"u": None, "q": None}
    status, mean_loss, carried = _epoch.run_epoch(
        config, spec, objective._values, objective._indices, objective._indptr,
        objective.X.shape[0], objective.n_features, objective._y, sw, c, b,
        flat(sc, "s1"), flat(sc, "s2"), flat(sc, "s3"), flat(si, "s1"), flat(si, "s2"),
        flat(si, "s3"), n_threads, objective.rows, l1, l1_state["u"], l1_state["q"])
    optimizer._took_steps(carried)
    if status == _status.ERR_NONFINITE:
        raise FloatingPointError(
            f"training diverged: with lr={optimizer.lr:g} the {objective.loss!r} loss or the "
            f"coefficients stopped being finite; try a smaller lr (or a decaying schedule)")
    _status.check_status(status)
    return mean_loss


class TrainResult:
    """What :func:`train` returns: coef, intercept, loss_curve (one value per epoch), n_epochs.

    Each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    coef : ndarray
        The trained coefficients, of shape ``objective.coef_shape`` (the array
        passed to :func:`train` as ``coef`` when one was).
    intercept : ndarray of shape (n_outputs,) or None
        The trained intercepts; None with ``fit_intercept=False``.
    loss_curve : list of float
        Per epoch, the running mean loss :func:`run_epoch` returned (plus ``l1 * ||coef||_1``
        at the epoch's end, with ``l1``).
    n_epochs : int
        The number of epochs run (``len(loss_curve)``).
    converged : bool
        Whether the stop rule (``tol``, ``n_iter_no_change``) ended the training;
        False when ``max_epochs`` or the callback did.
    """

    def __init__(self, coef: np.ndarray, intercept: np.ndarray | None, loss_curve: list[float],
                 n_epochs: int, converged: bool) -> None:
        self.coef, self.intercept = coef, intercept
        self.loss_curve, self.n_epochs, self.converged = loss_curve, n_epochs, converged

    def __repr__(self):
        return (f"TrainResult(n_epochs={self.n_epochs}, converged={self.converged}, "
                f"final_loss={self.loss_curve[-1] if self.loss_curve else None})")


def _check_train_args(max_epochs, tol, n_iter_no_change, fit_intercept, shuffle, verbose,
                      schedule, callback):
    """train's own arguments (run_epoch checks the objective, optimizer, batch and seed)."""
    check_scalar(max_epochs, "max_epochs", min_value=1, kind=numbers.Integral)
    check_scalar(n_iter_no_change, "n_iter_no_change", min_value=1, kind=numbers.Integral)
    if tol is not None:
        check_scalar(tol, "tol", min_value=0.0)
    for name, flag in (("fit_intercept", fit_intercept), ("shuffle", shuffle)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if not (isinstance(verbose, (bool, np.bool_))
            or (isinstance(verbose, numbers.Integral) and verbose >= 0)):
        raise TypeError(f"verbose must be True, False or an int >= 0, got {verbose!r}")
    for name, fn in (("schedule", schedule), ("callback", callback)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name} must be None or a callable, got {fn!r}")


def train(objective: Objective, optimizer: Optimizer, *, batch_size: int, max_epochs: int = 100,
          fit_intercept: bool = True, schedule: Callable[[int], float] | None = None,
          tol: float | None = 1e-6, n_iter_no_change: int = 5, seed: int = 0,
          shuffle: bool = True, coef: np.ndarray | None = None,
          intercept: np.ndarray | None = None,
          callback: Callable[[int, float, np.ndarray, np.ndarray | None], object] | None = None,
          verbose: bool | int = False, lazy: Literal["auto"] | bool = "auto",
          l1: float = 0.0) -> TrainResult:
    """Train a linear model for up to ``max_epochs`` epochs of :func:`run_epoch`.

    Python decides between epochs: the schedule (``schedule(epoch)`` sets the
    optimizer's lr, epochs counted from 1), progress, the loss history and the
    stop rule: stop when the epoch's mean loss has not fallen below
    ``best - tol`` for ``n_iter_no_change`` epochs in a row.

    Parameters
    ----------
    objective : fastoptim.losses.Objective
        The loss, data, weights and L2 penalty, as in :func:`run_epoch`.
    optimizer : fastoptim.optim.Optimizer
        The update rule; its state and step count carry over from epoch to
        epoch (and from an earlier call: call ``reset()`` for a fresh start).
    batch_size : int
        Rows per batch, >= 1 (clipped to n_samples).
    max_epochs : int, default 100
        The most epochs to run, >= 1.
    fit_intercept : bool, default True
        Train intercepts as well; False trains coef only (and ``intercept`` is
        ignored).
    schedule : callable, optional
        ``schedule(epoch) -> lr`` (e.g. from fastoptim.optim.schedules), set
        before each epoch through :func:`fastoptim.optim.schedules.apply`;
        None (the default) keeps the optimizer's lr.
    tol : float or None, default 1e-6
        >= 0; None: no stop rule (every one of the max_epochs epochs runs).
    n_iter_no_change : int, default 5
        The number of epochs in a row, >= 1, without a fall of the mean loss
        below ``best - tol`` that stops the training.
    seed : int, default 0
        Epoch e uses seed + e for its shuffle.
    shuffle : bool, default True
        Shuffle the rows of each epoch (False: storage order every epoch).
    lazy : {'auto', True, False}, default 'auto'
        Sparse updates, as in :func:`run_epoch`.
    l1 : float >= 0, default 0
        The L1 penalty of :func:`run_epoch` (plain SGD); the stop rule then watches
        the mean loss plus ``l1 * ||coef||_1``.
    coef, intercept : ndarray, optional
        Starting point (warm start); zeros otherwise.  Updated in place.
    callback : callable, optional
        ``callback(epoch, mean_loss, coef, intercept)``; returning True stops.
    verbose : bool, default False
        Print one line per epoch.

    Returns
    -------
    TrainResult
        The trained coef and intercept, the loss curve, the number of epochs
        and whether the stop rule was met.
    """
    _check_train_args(max_epochs, tol, n_iter_no_change, fit_intercept, shuffle, verbose,
                      schedule, callback)
    l1 = _check_l1(l1, optimizer)
    if coef is None:
        coef = np.zeros(objective.coef_shape, dtype=objective.dtype)
    if intercept is None and fit_intercept:
        intercept = np.zeros(objective.n_outputs, dtype=objective.dtype)
    if not fit_intercept:
        intercept = None
    curve, best, stale, converged = [], np.inf, 0, False
    for epoch in range(1, int(max_epochs) + 1):
        if schedule is not None:
            apply_schedule(schedule, optimizer, epoch, unit="epoch")
        loss = run_epoch(objective, optimizer, coef, intercept, batch_size=batch_size,
                         seed=seed + epoch, shuffle=shuffle, lazy=lazy, l1=l1)
        if l1:
            loss += l1 * float(np.sum(np.abs(coef), dtype=np.float64))
        curve.append(loss)
        if verbose:
            print(f"epoch {epoch:4d}  lr {optimizer.lr:.3g}  loss {loss:.6g}", flush=True)
        if callback is not None and callback(epoch, loss, coef, intercept):
            break
        if tol is None:  # no stop rule: max_epochs epochs
            continue
        if loss < best - tol:
            best, stale = loss, 0
        else:
            stale += 1
            if stale >= n_iter_no_change:
                converged = True
                break
    return TrainResult(coef, intercept, curve, len(curve), converged)
