"""solver='sag', 'saga' and 'svrg' in the linear estimators: the epochs of
:mod:`fastoptim.optim.variance_reduced`, driven as scikit-learn drives its SAG solver.

- The step: ``learning_rate='auto'`` (the default) sets it from a running estimate L
  of the Lipschitz constant, by the line search of Schmidt, Le Roux & Bach (2017,
  sec. 4.6) on each visited sample's loss: 1/L for SAG, 1/(2(L + alpha n)) for SAGA,
  1/(4L) for SVRG (:func:`~fastoptim.optim.variance_reduced.run_vr_epoch`).  The
  data's global bound (:func:`~fastoptim.optim.variance_reduced.default_step`) is set
  by its largest row and the loss's largest curvature, and is often 10-100 times too
  small: on standardized digits (softmax) SAG needs 18350 epochs at that bound to come
  within 1e-8 of the optimum, and 430 with the line search.  A number for
  ``learning_rate`` is used as the fixed step.  A ``schedule`` is refused.
- The stop: after each epoch, when the largest change of a coefficient (or intercept)
  over the epoch is at most ``tol`` times the largest coefficient (scikit-learn's SAG
  rule), or after ``max_iter`` epochs with a ConvergenceWarning.
- ``loss_curve_``: each epoch's weighted mean loss, each sample's loss taken when it was
  visited (as the other stochastic solvers').
- The memory (one derivative per sample, K for softmax) lives for one fit; a warm start
  keeps the coefficients only.
"""
import numbers

import numpy as np

from .._dask import DaskData
from .._validation import check_scalar
from ..base import as_random_state
from ..exceptions import ConvergenceWarning, warn
from ..losses import Objective
from ..optim.variance_reduced import VarianceReducedState, run_vr_epoch

__all__ = ["VARIANCE_REDUCED_SOLVERS", "is_variance_reduced", "check_variance_reduced_params",
           "check_in_memory", "fit_variance_reduced"]

VARIANCE_REDUCED_SOLVERS = ("sag", "saga", "svrg")


def is_variance_reduced(solver):
    """True for 'sag', 'saga' and 'svrg'."""
    return isinstance(solver, str) and solver in VARIANCE_REDUCED_SOLVERS


def check_variance_reduced_params(est):
    """Validate what the SAG-family solvers read (each error names the argument)."""
    lr = getattr(est, "learning_rate", "auto")
    if not (isinstance(lr, str) and lr == "auto"):
        if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, numbers.Real) \
                or not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning_rate must be 'auto' (the step from the data's Lipschitz "
                             f"bound) or a step size > 0 for solver={est.solver!r}, got {lr!r}")
    if getattr(est, "schedule", None) is not None:
        raise ValueError(f"schedule={est.schedule!r}: solver={est.solver!r} takes a fixed step "
                         f"(its convergence rests on it); set schedule=None, and learning_rate "
                         f"to a number to choose the step")
    if getattr(est, "early_stopping", False):
        raise ValueError(f"early_stopping=True is for the stochastic optimizers; "
                         f"solver={est.solver!r} stops on the change of the coefficients (tol): "
                         f"set early_stopping=False")
    if est.max_iter is not None:
        check_scalar(est.max_iter, "max_iter", min_value=1, kind=numbers.Integral)
    if est.tol is not None and (isinstance(est.tol, (bool, np.bool_))
                                or not isinstance(est.tol, numbers.Real) or not est.tol >= 0):
        raise ValueError(f"tol must be a number >= 0 for solver={est.solver!r} (the largest "
                         f"change of a coefficient over an epoch, relative to the largest "
                         f"coefficient), or None (run max_iter epochs), got {est.tol!r}")


def check_in_memory(est, X):
    """The SAG family needs in-memory X: a TypeError for a dask array (DaskData)."""
    if isinstance(X, DaskData):
        raise TypeError(f"solver={est.solver!r} needs in-memory X (its memory holds one "
                        f"derivative per sample), and X is a dask array; call X.compute() "
                        f"first, or use solver='lbfgs' or a stochastic solver for dask arrays")


def fit_variance_reduced(est, objective, coef, intercept, *, max_iter, alpha_intercept=0.0,
                         l1=0.0, who=None):
    """Train (coef, intercept) in place with est.solver; returns (n_epochs, loss curve,
    passes over X at each entry of the curve).

    Parameters
    ----------
    est : estimator
        Reads solver, learning_rate, tol, random_state and verbose.
    objective : Objective
        Over every row of in-memory X.
    coef, intercept : ndarray
        The starting point, trained in place (intercept None: no intercept).
    max_iter : int
        The epoch budget.
    alpha_intercept : float
        The intercepts' L2 penalty (LinearSVC's).
    l1 : float
        The coefficients' L1 penalty in the objective's units (SAGA's proximal step).
    """
    if not isinstance(objective, Objective):
        raise TypeError(f"solver={est.solver!r} needs an Objective over in-memory X")
    who = who or type(est).__name__
    method = est.solver
    lr = getattr(est, "learning_rate", "auto")
    step = None if isinstance(lr, str) else float(lr)  # None: the line search
    rng = as_random_state(est.random_state)
    seed = int(rng.randint(0, 2 ** 31 - 1))
    state = VarianceReducedState(objective, method)
    tol = None if est.tol is None else float(est.tol)
    curve, converged, ratio = [], False, np.inf
    for epoch in range(1, int(max_iter) + 1):
        before = np.concatenate([coef.ravel(), [] if intercept is None else intercept])
        try:
            loss = run_vr_epoch(objective, state, coef, intercept, step=step, seed=seed + epoch,
                                alpha_intercept=alpha_intercept, l1=l1)
        except FloatingPointError:
            how = "the line search's step" if step is None else f"step {step:g}"
            raise FloatingPointError(
                f"{who}: solver={method!r} diverged at epoch {epoch} with {how}: the loss or "
                f"the coefficients stopped being finite; use learning_rate='auto' (the line "
                f"search) or a smaller learning_rate, and scale X") from None
        curve.append(loss)
        after = np.concatenate([coef.ravel(), [] if intercept is None else intercept])
        change = float(np.max(np.abs(after - before), initial=0.0))
        size = float(np.max(np.abs(after), initial=0.0))
        ratio = change / size if size > 0 else (0.0 if change == 0 else np.inf)
        if est.verbose:
            print(f"[{who}] {method} epoch {epoch:4d}  loss {loss:.10g}  relative change "
                  f"{ratio:.3g}", flush=True)
        if tol is not None and change <= tol * size:
            converged = True
            break
    if not converged and tol is not None:
        warn(f"{who}: solver={method!r} did not converge in max_iter={max_iter} epochs: the "
             f"last epoch changed the coefficients by {ratio:.3g} of the largest one, above "
             f"tol={tol:g}. Increase max_iter, or scale X (standardized columns converge "
             f"fastest)", ConvergenceWarning, stacklevel=3)
    per_epoch = 2 if method == "svrg" else 1  # SVRG's snapshot is a pass of its own
    passes = [per_epoch * k for k in range(1, len(curve) + 1)]
    return len(curve), curve, passes
