r"""Logistic and softmax (multinomial) regression: LogisticRegression, SoftmaxRegression.

Both minimize scikit-learn's objective, so that C means the same thing:

.. math::

    C \sum_i w_i\, l(y_i, W x_i + b) + \tfrac{1}{2} \|W\|_F^2

(the intercept b is not penalized; no penalty with ``penalty=None``), with l
the logistic loss :math:`\log(1 + e^{-y z})` for two classes (y in {-1, +1})
and the softmax cross-entropy :math:`-z_{y} + \log \sum_k e^{z_k}` for K
classes (MATH.md, "softmax output layer").  The solvers see it divided by
:math:`C \sum_i w_i`: the mean loss plus :math:`\frac{1}{2 C \sum w}\|W\|^2`,
:class:`fastoptim.losses.Objective`'s form, evaluated by the fused C kernel in
one pass over X.

Solvers
-------
- 'lbfgs': scipy.optimize's L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995) on the
  fused value + gradient; stops when the largest gradient entry is below tol.
- 'newton-cg': truncated Newton (Nocedal & Wright 2006, Alg. 7.1): each step
  solves :math:`H d = -g` by conjugate gradients with the C core's
  Hessian-vector products (one pass over X each), to a relative residual
  :math:`\min(0.5, \sqrt{\|g\|_\infty})` (a forcing term of superlinear
  convergence; Dembo, Eisenstat & Steihaug 1982), then backtracks (Armijo).
  Once the gradient test passes, one more Newton step is taken: the test alone
  stops anywhere just below tol, and at the default tol the result then ends
  as close to the optimum as scikit-learn's newton-cg, or closer.
- 'newton-cholesky': Newton's method with the full Hessian, built by the C
  core in the same pass as the value and gradient, solved by LAPACK's
  Cholesky: for problems with few features, dense or sparse.  Binary models
  (two classes, one-vs-rest): (d + 1)^2 sums per thread.  Multinomial: the
  (K (d + 1))^2 Hessian of the softmax, blocks
  :math:`\sum_i w_i (p_{ik} [k = l] - p_{ik} p_{il}) \tilde x_i \tilde x_i^T / \sum_i w_i`
  (plus the penalty on the coefficients' diagonal), about
  (d + 1)^2 K^2 / 4 sums per thread; its singular directions (the equal shift
  of the intercepts over the classes, and of every feature's coefficients
  without a penalty) are kept out of the step, so that the result is
  scikit-learn's symmetric parametrization (see :func:`_solve_newton_cholesky`).
  It stops as scikit-learn's solver does: when the largest gradient entry is
  <= tol and half the squared Newton decrement of the last step is <= tol.
- 'gd': full-batch gradient descent with Armijo backtracking
  (:func:`fastoptim.optim.line_search.armijo_descent`), the step growing back by 2x
  after each accepted one.
- 'newton-cd' (LogisticRegression, binary and one-vs-rest): newGLMNET (Yuan, Ho & Lin
  2012), the solver of the L1 and elastic-net penalties
  :math:`C \sum_i w_i l_i + r \|w\|_1 + \frac{1 - r}{2} \|w\|^2`: Newton steps whose
  direction minimizes the quadratic model by coordinate descent in C, with liblinear's
  shrinking, the intercept eliminated from the model (:mod:`._glmnet`).
- 'sag', 'saga', 'svrg': the variance-reduced epochs of
  :mod:`fastoptim.optim.variance_reduced` (Schmidt, Le Roux & Bach 2017; Defazio, Bach &
  Lacoste-Julien 2014; Johnson & Zhang 2013), one stored derivative per sample (K for
  softmax), the step from a line search on the Lipschitz constant; they stop on the
  change of the coefficients, as scikit-learn's (:mod:`._variance_reduced`).  'saga' takes
  the L1 / elastic-net penalty too: each step ends with the soft-threshold (the proximal
  map of the L1 term), applied just in time in closed form on CSR data (``fo_vr.h``).
- 'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adadelta', 'nadam',
  or an optimizer object: mini-batch epochs of the C engine (:mod:`._stochastic`).
  'sgd' (and an SGD object without momentum) takes the L1 / elastic-net penalty too,
  by the cumulative penalty of Tsuruoka, Tsujii & Ananiadou (2009): after each step
  every coefficient is clipped towards zero by the L1 penalty it has not received yet,
  never across zero, so the iterates have exact zeros (on CSR data just in time,
  equal to the dense steps; :mod:`fastoptim.optim.engine`).
"""
from __future__ import annotations

import copy
import numbers
from typing import TYPE_CHECKING

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse as sp
import scipy.special

from .._blas import blas_n_threads, blas_threads
from .._core import _status
from .._dask import objective_for
from .._validation import penalty_from_C
from ..base import (BaseEstimator, ClassifierMixin, SparseCoefMixin, available_if,
                    check_is_fitted, class_sample_weights, linear_scores, partial_fit_classes,
                    resolve_n_jobs, seed_of, validate_label_array, validate_sample_weight,
                    validate_X)
from ..exceptions import ConvergenceWarning, warn
from ..losses import Objective
from ..optim import Optimizer
from ..optim.engine import run_epoch
from ..optim.line_search import armijo_descent
from ..optim.schedules import ReduceOnPlateau
from ._glmnet import LOGISTIC, ColumnData, sample_costs
from ._stochastic import (STOCHASTIC_SOLVERS, check_stochastic_params, curves_kept_on_error,
                          default_batch, fit_stochastic, initial_optimizer, is_stochastic,
                          l1_term,
                          new_objective_factory, set_validation_history, start_loss,
                          takes_l1_penalty, validation_history)
from ._variance_reduced import (VARIANCE_REDUCED_SOLVERS, check_in_memory,
                                check_variance_reduced_params, fit_variance_reduced,
                                is_variance_reduced)

if TYPE_CHECKING:  # the annotations' names (never evaluated at run time)
    from collections.abc import Callable
    from typing import Self

    from numpy.typing import ArrayLike

    from ..optim import Optimizer

__all__ = ["LogisticRegression", "SoftmaxRegression"]

_DIRECT = ("lbfgs", "newton-cg", "newton-cholesky", "gd")


# -- the full-batch solvers ------------------------------------------------------------------

class _Packed:
    """An Objective seen as f(x) over one float64 vector x = [coef.ravel(), intercept]."""

    def __init__(self, objective, fit_intercept):
        self.obj = objective
        self.fit_intercept = fit_intercept
        self.shape = objective.coef_shape
        self.n_coef = int(np.prod(self.shape))
        self.K = objective.n_outputs
        self.n_evals = 0  # passes over the data: evaluations, Hessians and Hessian products

    def split(self, x):
        dt = self.obj.dtype
        coef = x[:self.n_coef].astype(dt).reshape(self.shape)
        b = x[self.n_coef:].astype(dt) if self.fit_intercept else None
        return coef, b

    def pack(self, coef, b):
        parts = [np.asarray(coef, dtype=np.float64).ravel()]
        if self.fit_intercept:
            parts.append(np.asarray(b, dtype=np.float64).ravel())
        return np.concatenate(parts)

    def __call__(self, x):
        if not np.all(np.isfinite(x)):  # a solver's step from an overflowed value or gradient
            raise FloatingPointError(
                "the solver's iterates stopped being finite: the objective or its gradient "
                "overflowed, which happens when the values of X are too large; scale X (e.g. "
                "standardize its columns) or try a smaller C")
        coef, b = self.split(x)
        self.n_evals += 1
        value, gc, gb = self.obj.value_grad(coef, b)
        g = np.asarray(gc, dtype=np.float64).ravel()
        if self.fit_intercept:
            g = np.concatenate([g, np.asarray(gb, dtype=np.float64).ravel()])
        return float(value), g

    def hessian_at(self, x):
        """(v -> H(x) v over packed vectors, H(x)'s packed diagonal or None), from the
        objective's ``hessp_operator`` (its curvatures computed once at x).

        The diagonal only for one output: the softmax objective is flat along equal
        shifts of the K intercepts, and conjugate gradients from d = 0 keep the shift
        at zero only unpreconditioned (a Jacobi-scaled residual leaves that subspace,
        moving the intercepts by a constant that changes no prediction but every
        intercept).
        """
        hvp = self.obj.hessp_operator(*self.split(x))
        self.n_evals += 1  # (the curvatures at x: one pass)
        diag = self.pack(*hvp.diagonal()) if self.K == 1 else None

        def product(v):
            self.n_evals += 1
            hc, hb = hvp(*self.split(v))
            h = np.asarray(hc, dtype=np.float64).ravel()
            if self.fit_intercept:
                h = np.concatenate([h, np.asarray(hb, dtype=np.float64).ravel()])
            return h

        return product, diag


def _solve_lbfgs(f, x0, max_iter, tol, curve):
    with blas_threads(1):  # L-BFGS-B's own BLAS calls are on a few short vectors
        res = scipy.optimize.minimize(
            f, x0, jac=True, method="L-BFGS-B",
            callback=lambda intermediate_result: curve.append(float(intermediate_result.fun)),
            options={"maxiter": max_iter, "maxls": 50, "gtol": tol,
                     "ftol": 64 * np.finfo(float).eps})
    # scikit-learn's reading: scipy's status 0 is the gradient test or f no longer
    # decreasing (ftol) -- the latter is where round-off in f ends the descent, first
    # with float32 data (documented: tol below ~1e-5 is not reachable there)
    converged = res.status == 0
    return res.x, int(res.nit), converged


def _solve_newton_cg(f, x0, max_iter, tol, curve):
    x = x0.copy()
    value, g = f(x)
    polished = False
    for it in range(1, max_iter + 1):
        gmax = np.max(np.abs(g))
        if gmax <= tol:
            # one more Newton step once the test first passes (then the error is about
            # squared): the test alone accepts any point with max|g| just below tol
            if polished or it == 1:
                return x, it - 1, True
            polished = True
        hessp, diag = f.hessian_at(x)
        # the forcing term min(0.5, sqrt(max|g|)): superlinear convergence of the inexact steps
        d = _truncated_cg(hessp, g, rtol=min(0.5, np.sqrt(gmax)), max_iter=max(20, 2 * x.size),
                          diag=diag)
        if f.K > 1 and f.fit_intercept:  # softmax: no step along the flat equal shift of the
            d[-f.K:] -= d[-f.K:].mean()  # K intercepts (round-off in a long CG run adds one)
        slope = float(g @ d)
        if not slope < 0:  # not a descent direction (round-off): fall back to -g
            d, slope = -g, -float(g @ g)
        t = 1.0
        flat = 10 * np.finfo(float).eps * max(abs(value), 1.0)
        for _ in range(60):  # Armijo backtracking on the Newton direction
            new_value, new_g = f(x + t * d)
            if np.isfinite(new_value) and (
                    new_value <= value + 1e-4 * t * slope
                    # near the optimum the decrease is below round-off: accept a step
                    # that keeps f flat and shrinks the gradient
                    or (abs(new_value - value) <= flat
                        and np.max(np.abs(new_g)) < np.max(np.abs(g)))):
                break
            t *= 0.5
        else:  # no decrease possible at this precision (after the test passed: converged)
            return x, it - polished, polished
        x = x + t * d
        value, g = new_value, new_g
        curve.append(float(value))
    return x, max_iter, np.max(np.abs(g)) <= tol


def _truncated_cg(hessp, g, rtol, max_iter, diag=None):
    """Approximately solve H d = -g by conjugate gradients, stopping at ||r|| <= rtol ||g||
    or on negative curvature; preconditioned by ``diag`` (H's diagonal, Jacobi) when given
    (Nocedal & Wright 2006, Algorithms 5.3 and 7.1)."""
    inv = None
    if diag is not None:
        inv = np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 1.0)
    d = np.zeros_like(g)
    r = -g.copy()
    z = r if inv is None else inv * r
    p = z.copy()
    rz = float(r @ z)
    stop = (rtol * np.linalg.norm(g)) ** 2
    for _ in range(max_iter):
        if float(r @ r) <= stop:
            break
        hp = hessp(p)
        curv = float(p @ hp)
        if curv <= 0:
            if not d.any():
                d = -g.copy()
            break
        a = rz / curv
        d += a * p
        r -= a * hp
        z = r if inv is None else inv * r
        rz_new = float(r @ z)
        p = z + (rz_new / rz) * p
        rz = rz_new
    return d


def _solve_gd(f, x0, max_iter, tol, curve):
    return armijo_descent(f, x0, max_iter, tol,
                          callback=lambda it, x, value: curve.append(value))


def _flat_groups(f):
    """The softmax objective's flat directions over the packed vector: index groups, each the
    K entries of one parameter over the classes, along whose equal shift no prediction (and
    so no loss) changes -- every feature and the intercept without a penalty, the intercept
    alone with one.  None for a binary model or when the Hessian has no such direction."""
    if f.K == 1:
        return None
    K, d = f.K, f.shape[1]
    groups = []
    if f.obj.alpha == 0:
        groups = [np.arange(K) * d + j for j in range(d)]
    if f.fit_intercept:
        groups.append(K * d + np.arange(K))
    return groups or None


def _centre(x, groups):
    """x with each group's mean removed: the same objective (the symmetric parametrization)."""
    if groups is None:
        return x
    x = x.copy()
    for g in groups:
        x[g] -= x[g].mean()
    return x


def _solve_newton_cholesky(f, x0, max_iter, tol, curve):
    r"""Newton's method with the full Hessian (one C pass: value, gradient, Hessian) and a
    Cholesky solve; the trial point's pass doubles as the next iteration's when the
    Armijo condition holds (Nocedal & Wright 2006, Alg. 3.1 with Newton directions).

    The multinomial (softmax) objective is flat along the equal shift over the classes of
    each parameter in :func:`_flat_groups` (the intercepts; every feature without a
    penalty), where its Hessian H is singular while the gradient g is orthogonal to the
    shift.  With E = sum over the groups of :math:`1_g 1_g^T` (the ones vector on a group's
    K entries) and c > 0, H + c E is positive definite (when the data leave no other flat
    direction), and its solution of :math:`(H + c E) s = -g` is H's Newton step with no
    component along the shifts: :math:`1_g^T s = 0` (multiply by :math:`1_g^T`; H 1_g = 0).
    Starting from a centred point, the iterates then stay in scikit-learn's symmetric
    parametrization (each group summing to zero), which is restored at the end against
    round-off.  scikit-learn drops the last class's parameters instead and centres at the
    end: the same steps and the same result."""
    groups = _flat_groups(f)
    x = _centre(x0, groups)

    def hessian(point):
        coef, b = f.split(point)
        f.n_evals += 1
        out = f.obj.hessian(coef, b)
        # sum_i d_i x_i x_i^T with bounded d_i: a finite value with a non-finite Hessian
        # means the products of X's values overflowed (not a bad step)
        if np.isfinite(out[0]) and not np.all(np.isfinite(out[2])):
            raise FloatingPointError(
                "the Hessian overflowed: the values of X are too large to square in its dtype; "
                "scale X (e.g. standardize its columns)")
        return out

    value, g, H = hessian(x)
    # LAPACK on the objective's thread budget: a Hessian of a few hundred rows on one thread
    lapack_threads = blas_n_threads(f.obj.n_threads_requested, H.shape[0] ** 3 / 3)
    if np.max(np.abs(g)) <= tol:  # optimal at the start (a warm start)
        return _centre(x, groups), 0, True
    for it in range(1, max_iter + 1):
        gmax = np.max(np.abs(g))
        H_here = H
        if groups is not None:  # + c E: c about the Hessian's scale on each group
            H = H.copy()
            for grp in groups:
                H[np.ix_(grp, grp)] += max(float(np.mean(np.diag(H)[grp])), np.finfo(float).tiny)
        try:
            with blas_threads(lapack_threads):
                d = scipy.linalg.cho_solve(scipy.linalg.cho_factor(H, check_finite=False), -g,
                                           check_finite=False)
        except np.linalg.LinAlgError:  # singular (no penalty, separable data): least squares
            with blas_threads(lapack_threads):
                d = scipy.linalg.lstsq(H, -g, check_finite=False)[0]
        d = _centre(d, groups)  # no step along a shift (round-off in the solve leaves one)
        slope = float(g @ d)
        if not slope < 0:
            d, slope = -g, -float(g @ g)
        flat = 10 * np.finfo(float).eps * max(abs(value), 1.0)
        t, new = 1.0, None
        for _ in range(60):
            trial = x + t * d
            if t == 1.0:
                new = hessian(trial)
                new_value, new_g = new[0], new[1]
            else:
                new_value, new_g = f(trial)
            if np.isfinite(new_value) and (
                    new_value <= value + 1e-4 * t * slope
                    or (abs(new_value - value) <= flat and np.max(np.abs(new_g)) < gmax)):
                break
            t *= 0.5
        else:
            return _centre(x, groups), it, False
        x = trial
        if t == 1.0:
            value, g, H = new
        else:
            value, g, H = hessian(x)
        curve.append(float(value))
        # scikit-learn's stopping rule (NewtonCholeskySolver): the new gradient's largest
        # entry <= tol, and half the squared Newton decrement of the step just taken,
        # d^T H d / 2 (Boyd & Vandenberghe 2004, sec. 9.5.1), <= tol: a small gradient alone
        # would stop one step early, up to ~tol away from the optimum
        if np.max(np.abs(g)) <= tol and 0.5 * float(d @ (H_here @ d)) <= tol:
            return _centre(x, groups), it, True
    return _centre(x, groups), max_iter, np.max(np.abs(g)) <= tol


class IterationLog(list):
    """The loss curve a full-batch solver appends to after each iteration.

    With ``passes_of`` (a :class:`_Packed`), ``passes`` records beside each value the passes
    over the training set made by then (the objective's evaluations, Hessian products and
    Hessians: each reads the data once), the x position of the value in epochs.  With
    ``verbose``, one line is printed per iteration as it grows: the iteration, the objective
    (times ``scale``, in the estimator's units) and its decrease since the previous one."""

    def __init__(self, who, solver, scale=1.0, *, passes_of=None, verbose=True):
        super().__init__()
        self.who, self.solver, self.scale = who, solver, float(scale)
        self.passes_of, self.verbose, self.passes = passes_of, bool(verbose), []

    def append(self, value):
        previous = self[-1] * self.scale if self else None
        super().append(value)
        if self.passes_of is not None:
            self.passes.append(int(self.passes_of.n_evals))
        if not self.verbose:
            return
        now = float(value) * self.scale
        change = "" if previous is None else f", decrease {previous - now:.3e}"
        print(f"[{self.who}] {self.solver} iteration {len(self)}: objective {now:.10g}{change}",
              flush=True)


def report_unconverged(who, n_iter, max_iter, tol_text, curve, X):
    """The ConvergenceWarning of a full-batch solver that stopped before its gradient test,
    saying why: max_iter reached, or the line search found no decrease (after some
    iterations: round-off; at the first one on features of huge magnitude, whose
    curvature no trial step can match: a ValueError that says so)."""
    if n_iter >= max_iter:
        warn(f"{who} stopped after max_iter={max_iter} iterations before the gradient fell "
             f"below {tol_text}; increase max_iter, or scale the features", ConvergenceWarning)
        return
    if not curve:  # not one step accepted
        scale = _max_abs(X)
        if scale is not None and scale >= 1e8:
            raise ValueError(
                f"{who} could not take a first step: its line search found no decrease from "
                f"the starting point, because the features' magnitude (largest |X| = "
                f"{scale:.3g}) makes the objective's curvature about {scale * scale:.3g}; "
                f"scale X (e.g. standardize its columns) or use solver='newton-cg'")
        warn(f"{who} stopped at the first iteration: the line search found no decrease from "
             f"the starting point (already optimal to round-off?) before the gradient fell "
             f"below {tol_text}", ConvergenceWarning)
        return
    warn(f"{who} stopped after {n_iter} of max_iter={max_iter} iterations: the line search "
         f"found no further decrease (round-off in the objective) before the gradient fell "
         f"below {tol_text}; scale the features, or use float64 X or a larger tol",
         ConvergenceWarning)


def _max_abs(X):
    """The largest |value| of an in-memory X (None for other data, e.g. dask)."""
    values = X.data if sp.issparse(X) else X
    if not isinstance(values, np.ndarray) or values.size == 0:
        return None
    return float(np.max(np.abs(values)))


_FULL_BATCH = {"lbfgs": _solve_lbfgs, "newton-cg": _solve_newton_cg,
               "newton-cholesky": _solve_newton_cholesky, "gd": _solve_gd}


# -- the estimators --------------------------------------------------------------------------

class _LinearClassifier(SparseCoefMixin, ClassifierMixin, BaseEstimator):
    """What LogisticRegression and SoftmaxRegression share."""

    _softmax_only = False
    _dask_fit = True  # fit on dask arrays: fastoptim._dask

    # -- parameters ---------------------------------------------------------------------------

    def _check_params(self):
        if self.penalty not in ("l2", "l1", "elasticnet", None):
            raise ValueError(f"penalty must be 'l2', 'l1', 'elasticnet' or None, got "
                             f"{self.penalty!r}")
        C = self.C
        if isinstance(C, (bool, np.bool_)) or not isinstance(C, numbers.Real):
            raise TypeError(f"C must be a number > 0, got {C!r}")
        if not C > 0:  # NaN fails too; np.inf is no penalty, as penalty=None
            raise ValueError(f"C must be a number > 0 (smaller C: stronger penalty; np.inf: no "
                             f"penalty), got {C!r}")
        l1_ratio = getattr(self, "l1_ratio", 0.0)
        if l1_ratio is None:
            if self.penalty == "elasticnet":
                raise ValueError("penalty='elasticnet' needs l1_ratio, a number in [0, 1] (the "
                                 "L1 share of the penalty), got None")
        elif isinstance(l1_ratio, (bool, np.bool_)) or not isinstance(l1_ratio, numbers.Real) \
                or not 0 <= l1_ratio <= 1:
            raise ValueError(f"l1_ratio must be a number in [0, 1], got {l1_ratio!r}")
        s = self.solver
        share = self._l1_share()
        able = ("saga", "sgd") if self._softmax_only else ("newton-cd", "saga", "sgd")
        takes = (isinstance(s, str) and s in able) or (
            isinstance(s, Optimizer) and takes_l1_penalty(s))
        if share > 0 and not takes:
            hint = (" (scikit-learn's 'liblinear' L1 solver is the same newGLMNET algorithm as "
                    "'newton-cd', here with the intercept not penalized)"
                    if s == "liblinear" and not self._softmax_only else "")
            names = ", ".join(repr(n) for n in able[:-1]) + f" or {able[-1]!r}"
            what = ("'newton-cd': newGLMNET, proximal Newton by coordinate descent; 'saga': its "
                    "proximal step; 'sgd' or a fastoptim.optim.SGD without momentum: the "
                    "cumulative L1 penalty" if not self._softmax_only else
                    "'saga': its proximal step; 'sgd' or a fastoptim.optim.SGD without "
                    "momentum: the cumulative L1 penalty")
            given = ("penalty='l1'" if self.penalty == "l1" else
                     f"penalty={self.penalty!r}, l1_ratio={l1_ratio!r}")
            raise ValueError(
                f"solver={s!r} does not handle the L1 / elastic-net penalty ({given}); use "
                f"solver={names} ({what}){hint}, or the L2 penalty (l1_ratio=0) with any solver")
        if s == "newton-cd":
            if self._softmax_only:
                raise ValueError(f"solver='newton-cd' fits binary (one-vs-rest) models; "
                                 f"{type(self).__name__} is multinomial: use LogisticRegression"
                                 f"(solver='newton-cd'), or another solver")
            if self.penalty is None or np.isinf(C):
                raise ValueError("solver='newton-cd' needs a penalty (a finite C and penalty "
                                 "'l1', 'elasticnet' or 'l2'); without one use 'lbfgs' or "
                                 "'newton-cholesky'")
            if self.multi_class == "multinomial":
                raise ValueError("solver='newton-cd' fits one binary model per class: use "
                                 "multi_class='ovr' (or 'auto'), or another solver for the "
                                 "multinomial model")
        self._threads()  # n_jobs and n_threads agree
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False, got {self.fit_intercept!r}")
        if not (is_stochastic(s) or is_variance_reduced(s) or (isinstance(s, str) and s in _DIRECT)
                or (s == "newton-cd" and not self._softmax_only)):
            direct = _DIRECT + (() if self._softmax_only else ("newton-cd",))
            names = ", ".join(repr(n) for n in direct + VARIANCE_REDUCED_SOLVERS
                              + STOCHASTIC_SOLVERS)
            raise ValueError(f"solver={s!r} is not a solver of {type(self).__name__}; use one of "
                             f"{names}, or an optimizer object such as fastoptim.optim.Adam(lr=0.01)")
        if not self._softmax_only and self.multi_class not in ("auto", "multinomial", "ovr"):
            raise ValueError(f"multi_class must be 'auto', 'multinomial' or 'ovr', got "
                             f"{self.multi_class!r}")
        if is_stochastic(s):
            check_stochastic_params(self)
        elif is_variance_reduced(s):
            check_variance_reduced_params(self)
        else:
            if self.max_iter is not None:
                if isinstance(self.max_iter, (bool, np.bool_)) or not isinstance(self.max_iter,
                                                                                 numbers.Integral):
                    raise TypeError(f"max_iter must be an int, got {self.max_iter!r}")
                if self.max_iter < 1:
                    raise ValueError(f"max_iter must be >= 1, got {self.max_iter}")
            if isinstance(self.tol, (bool, np.bool_)) or not isinstance(self.tol, numbers.Real) \
                    or not self.tol > 0:
                raise ValueError(f"tol must be a number > 0, got {self.tol!r}")

    def _l1_share(self):
        """The L1 share of the penalty: 1 for 'l1', l1_ratio for 'elasticnet' and for 'l2'
        (scikit-learn >= 1.8 spells the penalty by l1_ratio alone, 'penalty' deprecated), 0
        without a penalty."""
        if self.penalty is None or (isinstance(self.C, numbers.Real) and np.isinf(self.C)):
            return 0.0
        if self.penalty == "l1":
            return 1.0
        l1_ratio = getattr(self, "l1_ratio", 0.0)
        return 0.0 if l1_ratio is None else float(l1_ratio)

    def _threads(self):
        """n_threads, or scikit-learn's n_jobs (LogisticRegression takes both)."""
        return resolve_n_jobs(self.n_threads, getattr(self, "n_jobs", None))

    def _mode(self, n_classes):
        if self._softmax_only:
            return "multinomial"
        if n_classes == 2:
            return "binary"
        return "ovr" if self.multi_class == "ovr" or self.solver == "newton-cd" else "multinomial"

    # -- fit ------------------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike,
            sample_weight: ArrayLike | float | None = None) -> Self:
        """Fit the model.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            float32 stays float32 (``coef_`` too); other numbers become float64.
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, floats, strings).
        sample_weight : float or array-like of shape (n_samples,), optional
            Non-negative weights (a sample of weight 2 counts twice); None: all 1.

        Returns
        -------
        self
        """
        self._check_params()
        X, classes, y_idx = self._validate_classification(X, y)
        sw = validate_sample_weight(sample_weight, X.shape[0], X.dtype)
        sw = class_sample_weights(self.class_weight, classes, y_idx, sw, X.shape[0])
        if sw is not None:
            sw = np.ascontiguousarray(sw, dtype=X.dtype)
            if not np.sum(sw, dtype=np.float64) > 0:
                raise ValueError("the sample weights times the class weights sum to zero (every "
                                 "weight is zero)")
        mode = self._mode(len(classes))
        warm = self._warm_start_point(X.shape[1], len(classes), mode)
        with curves_kept_on_error(self):
            coef, intercept, n_iter, curves, passes = self._fit_mode(X, y_idx, sw, len(classes),
                                                                     mode, warm)
        # the fitted state, all at once: a fit that raised leaves the previous one intact
        self.classes_ = classes
        self.n_features_in_ = X.shape[1]
        self.coef_ = coef.astype(X.dtype, copy=False)
        self.intercept_ = intercept.astype(X.dtype, copy=False)
        self.n_iter_ = np.asarray(n_iter, dtype=np.int64)
        if curves is not None:
            self.loss_curve_ = curves[0] if len(curves) == 1 else curves
        self._passes_curve = passes
        self._mode_ = mode
        self._partial = None  # a later partial_fit continues from this fit
        return self

    def _warm_start_point(self, p, n_classes, mode):
        if not (self.warm_start and hasattr(self, "coef_")):
            return None
        rows = 1 if mode == "binary" else n_classes
        coef = self.coef_.toarray() if sp.issparse(self.coef_) else self.coef_  # sparsify()
        if coef.shape != (rows, p) or getattr(self, "_mode_", None) != mode:
            return None
        return coef, self.intercept_

    def _fit_mode(self, X, y_idx, sw, n_classes, mode, warm):
        """Returns coef (rows x p), intercept (rows,), n_iter per problem, loss curves or None,
        and the passes over the data at each entry of the curves or None."""
        if mode == "multinomial":
            problems = [("softmax", y_idx.astype(np.float64), n_classes)]
        elif mode == "binary":
            problems = [("logistic", np.where(y_idx == 1, 1.0, -1.0), None)]
        else:
            problems = [("logistic", np.where(y_idx == k, 1.0, -1.0), None) for k in range(n_classes)]
        if self.solver == "newton-cd":
            return self._fit_newton_cd(X, [t for _, t, _ in problems], sw, mode, warm)
        coefs, intercepts, iters, curves, histories, passes = [], [], [], [], [], []
        for k, (loss, target, K) in enumerate(problems):
            if warm is None:
                c0 = b0 = None
            elif mode == "multinomial":
                c0, b0 = warm
            else:
                c0, b0 = warm[0][k], warm[1][k:k + 1]
            c, b, it, curve, counted = self._fit_one(X, loss, target, K, sw, c0, b0)
            passes.append(counted)
            histories.append(validation_history(self) if is_stochastic(self.solver) else None)
            coefs.append(np.asarray(c).reshape(-1, X.shape[1]))
            intercepts.append(np.zeros(coefs[-1].shape[0]) if b is None else np.asarray(b).ravel())
            iters.append(it)
            if curve is not None:
                curves.append(curve)
        set_validation_history(self, histories)
        # the passes over the data at each entry of the curves (full-batch solvers only),
        # for the figures' epoch axis
        passes = (None if any(c is None for c in passes) else
                  passes[0] if len(passes) == 1 else passes)
        return (np.vstack(coefs), np.concatenate(intercepts), iters,
                curves if curves else None, passes)

    def _fit_newton_cd(self, X, targets, sw, mode, warm):
        """newGLMNET (_glmnet.py) on each binary problem, X laid out once; the
        _fit_mode tuple (no loss curves)."""
        data = ColumnData(X)
        share = self._l1_share()
        cost = sample_costs(self.C, sw, X.shape[0])
        max_iter = 100 if self.max_iter is None else int(self.max_iter)
        seed = seed_of(self.random_state)
        coefs, intercepts, iters = [], [], []
        for k, target in enumerate(targets):
            c0 = b0 = None
            if warm is not None:
                c0, b0 = np.asarray(warm[0][k], np.float64), float(warm[1][k])
            w, b, n_iter, status = data.solve(
                target, cost, l1=share, l2=1.0 - share, loss=LOGISTIC,
                fit_intercept=self.fit_intercept, tol=float(self.tol), max_iter=max_iter,
                seed=seed, coef=c0, intercept=b0)
            if status == _status.STOP_MAX_ITER:
                warn(f"{type(self).__name__}: solver 'newton-cd' stopped after max_iter="
                     f"{max_iter} Newton iterations before the largest violation of the "
                     f"optimality conditions fell below tol={self.tol:g} times its start; "
                     f"increase max_iter, or scale the features", ConvergenceWarning)
            coefs.append(w)
            intercepts.append(b if self.fit_intercept else 0.0)
            iters.append(n_iter)
        return np.vstack(coefs), np.asarray(intercepts), iters, None, None

    def _alpha(self, weight_sum):
        """The L2 strength in the Objective's units (mean loss + alpha/2 ||W||^2): the L2
        share of 1 / (C sum w)."""
        if self.penalty is None or np.isinf(self.C):
            return 0.0
        share = self._l1_share()
        return 0.0 if share == 1.0 else (1.0 - share) * penalty_from_C(self.C, weight_sum)

    def _l1(self, weight_sum):
        """The L1 strength in the same units (saga's proximal step)."""
        share = self._l1_share()
        return 0.0 if share == 0.0 else share * penalty_from_C(self.C, weight_sum)

    def _fit_one(self, X, loss, target, K, sw, c0, b0):
        """One optimization problem; returns (coef, intercept or None, n_iter, loss curve or
        None, the passes over the data at each entry of the curve or None)."""
        n_threads = self._threads()
        kwargs = {} if K is None else {"n_classes": K}
        if is_stochastic(self.solver):
            make = new_objective_factory(loss, X, target, sw, self._alpha, n_threads, **kwargs)
            l1_of = self._l1 if self._l1_share() > 0 else None
            shape, n_out = ((X.shape[1],), 1) if K is None else ((K, X.shape[1]), K)
            coef = np.zeros(shape, dtype=X.dtype) if c0 is None else \
                np.array(c0, dtype=X.dtype).reshape(shape)
            b = np.zeros(n_out, dtype=X.dtype) if b0 is None else \
                np.array(b0, dtype=X.dtype).reshape(n_out)
            coef, b, _, n_ep = fit_stochastic(self, make, X.shape[0], coef_init=coef,
                                              intercept_init=b, fit_intercept=self.fit_intercept,
                                              l1_of_weight_sum=l1_of)
            return coef, b, n_ep, list(self.loss_curve_), None
        wsum = float(X.shape[0] if sw is None else np.sum(sw, dtype=np.float64))
        if is_variance_reduced(self.solver):
            check_in_memory(self, X)
        obj = objective_for(loss, X, target, sample_weight=sw, alpha=self._alpha(wsum),
                        n_threads=n_threads, **kwargs)
        if is_variance_reduced(self.solver):
            coef = np.zeros(obj.coef_shape, dtype=X.dtype) if c0 is None else \
                np.array(c0, dtype=X.dtype).reshape(obj.coef_shape)
            b = (np.zeros(obj.n_outputs, dtype=X.dtype) if b0 is None else
                 np.array(b0, dtype=X.dtype).reshape(obj.n_outputs)) if self.fit_intercept else None
            n_ep, curve, passes = fit_variance_reduced(
                self, obj, coef, b, max_iter=100 if self.max_iter is None else int(self.max_iter),
                l1=self._l1(wsum))
            return coef, b, n_ep, curve, passes
        f = _Packed(obj, self.fit_intercept)
        coef0 = np.zeros(obj.coef_shape) if c0 is None else np.asarray(c0, np.float64).reshape(obj.coef_shape)
        bb0 = np.zeros(obj.n_outputs) if b0 is None else np.asarray(b0, np.float64).reshape(obj.n_outputs)
        x0 = f.pack(coef0, bb0)
        max_iter = 100 if self.max_iter is None else int(self.max_iter)
        curve = IterationLog(type(self).__name__, self.solver, passes_of=f, verbose=self.verbose)
        with np.errstate(over="ignore"):  # curve: the solver's objective after each iteration
            x, n_iter, converged = _FULL_BATCH[self.solver](f, x0, max_iter, float(self.tol),
                                                            curve)
        curve, passes = list(curve), list(curve.passes)
        if not converged:
            report_unconverged(f"{type(self).__name__}: solver {self.solver!r}", n_iter,
                               max_iter, f"tol={self.tol:g}", curve, X)
        coef, b = f.split(x)
        return coef, b, n_iter, curve, passes

    # -- partial_fit ---------------------------------------------------------------------------

    def _has_partial_fit(self):
        return is_stochastic(self.solver)

    @available_if(_has_partial_fit, "partial_fit needs a stochastic solver ('sgd', 'momentum', "
                  "'nesterov', 'adagrad', 'rmsprop', 'adam', 'adadelta', 'nadam' or an "
                  "optimizer object)")
    def partial_fit(self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None,
                    sample_weight: ArrayLike | float | None = None) -> Self:
        """One epoch of the stochastic solver over (X, y), continuing from the current state.

        Continues from the last ``fit`` or ``partial_fit`` (coefficients and, after a
        ``partial_fit``, the optimizer's state).  Only with a stochastic solver.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            One batch of samples (the columns of the first call's).
        y : array-like of shape (n_samples,)
            Their class labels.
        classes : array-like, optional
            Every class label; required at the first call on an unfitted model (a
            batch may not contain them all); when given later it must equal ``classes_``.
        sample_weight : float or array-like of shape (n_samples,), optional
            Non-negative weights (a sample of weight 2 counts twice); None: all 1.

        Returns
        -------
        self
        """
        self._check_params()
        X = validate_X(X)
        fitted = hasattr(self, "classes_")
        all_classes = partial_fit_classes(classes, self.classes_ if fitted else None)
        if fitted and X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        labels = validate_label_array(y, X.shape[0])
        pos = np.clip(np.searchsorted(all_classes, labels), 0, len(all_classes) - 1)
        if not np.all(all_classes[pos] == labels):
            raise ValueError(f"y holds labels that are not in classes "
                             f"({all_classes.tolist()}): pass every label in classes= at the "
                             f"first partial_fit")
        sw = validate_sample_weight(sample_weight, X.shape[0], X.dtype)
        mode = self._mode(len(all_classes))
        if mode == "multinomial":
            problems = [("softmax", pos.astype(np.float64), len(all_classes))]
        elif mode == "binary":
            problems = [("logistic", np.where(pos == 1, 1.0, -1.0), None)]
        else:
            problems = [("logistic", np.where(pos == k, 1.0, -1.0), None)
                        for k in range(len(all_classes))]
        state = getattr(self, "_partial", None)
        start = state is None
        if not start:  # trained on a copy: a call that raises (divergence, an interrupt) keeps
            # the model and its optimizer state as they were (the schedule passed stays shared)
            state = copy.deepcopy(state, {id(self.schedule): self.schedule})
        if start:  # from the last fit's coefficients (and epoch count), or from zero
            coef0 = None if not fitted else np.asarray(
                self.coef_.toarray() if sp.issparse(self.coef_) else self.coef_, dtype=X.dtype)
            icpt0 = np.asarray(self.intercept_, dtype=X.dtype) if fitted else None
            done = np.zeros(len(problems), dtype=np.int64)
            if fitted and np.size(self.n_iter_) == len(problems):
                done = np.asarray(self.n_iter_, dtype=np.int64).reshape(-1)
            state = []
        losses = []
        for k, (loss, target, K) in enumerate(problems):
            kwargs = {} if K is None else {"n_classes": K}
            wsum = float(X.shape[0] if sw is None else np.sum(sw, dtype=np.float64))
            l1 = self._l1(wsum)  # the cumulative L1 penalty of 'sgd', in this batch's units
            obj = Objective(loss, X, target, sample_weight=sw, alpha=self._alpha(wsum),
                            n_threads=self._threads(), **kwargs)
            if start:
                if coef0 is None:
                    coef = np.zeros(obj.coef_shape, dtype=X.dtype)
                    b = np.zeros(obj.n_outputs, dtype=X.dtype)
                elif mode == "multinomial":
                    coef, b = coef0.reshape(obj.coef_shape).copy(), icpt0.copy()
                else:
                    coef, b = coef0[k].copy(), icpt0[k:k + 1].copy()
                batch = default_batch(X.shape[0], l1) if self.batch_size is None else \
                    int(self.batch_size)
                opt, _ = initial_optimizer(self.solver, self.learning_rate, obj, coef,
                                           b if self.fit_intercept else None, batch=batch,
                                           seed=int(done[k]) + 1,
                                           l1_of_weight_sum=self._l1 if l1 else None)
                state.append([coef, b, opt, int(done[k]), None, None])
            coef, b, opt, epochs, first_loss, plateau = state[k]
            if coef.dtype != X.dtype:
                raise ValueError(f"X has dtype {X.dtype} but the model was fitted on "
                                 f"{coef.dtype}; keep one dtype")
            if isinstance(self.schedule, ReduceOnPlateau):  # stateful: a copy per problem,
                if plateau is None or plateau[0] is not self.schedule:  # updated each call
                    plateau = (self.schedule, copy.deepcopy(self.schedule))
                opt.lr = float(plateau[1].current_lr)
            elif self.schedule is not None:
                plateau = None
                opt.lr = float(self.schedule(epochs + 1))
            batch = default_batch(X.shape[0], l1) if self.batch_size is None else \
                int(self.batch_size)
            if first_loss is None:  # the loss at the start: the scale of an explosion
                first_loss = start_loss(obj, coef, b if self.fit_intercept else None)
            try:
                loss_value = run_epoch(obj, opt, coef, b if self.fit_intercept else None,
                                       batch_size=batch, seed=epochs + 1, l1=l1)
            except FloatingPointError:
                raise FloatingPointError(
                    f"{type(self).__name__}.partial_fit diverged: with learning rate {opt.lr:g} the "
                    f"loss or the coefficients stopped being finite; try a smaller learning_rate") from None
            if not np.isfinite(loss_value) or loss_value > 1e6 * max(abs(first_loss), 1.0):
                raise FloatingPointError(
                    f"{type(self).__name__}.partial_fit: the loss exploded (from {first_loss:.3g} to "
                    f"{loss_value:.3g}) with learning rate {opt.lr:g}; try a smaller learning_rate "
                    f"or learning_rate='auto'")
            if plateau is not None:  # watches the objective, as fit's does
                plateau[1].update(loss_value + 0.5 * obj.alpha * float(
                    np.sum(np.square(coef, dtype=np.float64))) + l1_term(l1, coef))
            state[k][3], state[k][4], state[k][5] = epochs + 1, first_loss, plateau
            losses.append(loss_value)
        self._partial = state
        self.classes_ = all_classes
        self.n_features_in_ = X.shape[1]
        self.coef_ = np.vstack([np.asarray(c).reshape(-1, X.shape[1]) for c, *_ in state])
        self.intercept_ = np.concatenate([b if self.fit_intercept else np.zeros_like(b)
                                          for _, b, *_ in state])
        self.n_iter_ = np.asarray([epochs for _, _, _, epochs, *_ in state], dtype=np.int64)
        curve = [] if start or not hasattr(self, "loss_curve_") else list(self.loss_curve_)
        self.loss_curve_ = curve + [float(np.mean(losses))]
        self._mode_ = mode
        return self

    # -- prediction ------------------------------------------------------------------------------

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Scores ``X @ coef_.T + intercept_``: (n_samples,) for two classes, else (n_samples, K).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples, with the training data's columns.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        X = self._validate_predict_X(X)
        z = linear_scores(X, self.coef_, self.intercept_)
        if z.shape[1] == 2:  # a two-class softmax: the score of class 1 over class 0
            return z[:, 1] - z[:, 0]
        return z.ravel() if z.shape[1] == 1 else z

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        Two classes: the sigmoid of the score; multinomial: the softmax of the
        scores; one-vs-rest: each class's sigmoid, normalized to sum 1.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples, with the training data's columns.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        z = self.decision_function(X)
        if z.ndim == 1:
            p1 = scipy.special.expit(z)
            return np.column_stack([1.0 - p1, p1])
        if self._mode_ == "ovr":
            return np.exp(self._ovr_log_proba(z))
        return scipy.special.softmax(z, axis=1)

    @staticmethod
    def _ovr_log_proba(z):
        """log(sigmoid(z_k) / sum_j sigmoid(z_j)), in log space (no 0/0 for very low scores)."""
        ls = scipy.special.log_expit(z)
        return ls - scipy.special.logsumexp(ls, axis=1, keepdims=True)

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples, with the training data's columns.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        z = self.decision_function(X)
        if z.ndim == 1:
            return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])
        if self._mode_ == "ovr":
            return self._ovr_log_proba(z)
        return scipy.special.log_softmax(z, axis=1)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each sample (labels from ``classes_``).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples, with the training data's columns.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._labels_from_scores(self.decision_function(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


_PARAMS_DOC = """
    penalty : {'l2', 'l1', 'elasticnet', None}, default 'l2'
        'l2': ||W||^2 / 2 (the coefficients, not the intercept); 'l1': ||W||_1;
        'elasticnet': r ||W||_1 + (1 - r) ||W||^2 / 2 with r = ``l1_ratio``; each
        weighed against C times the loss.  None: no penalty (C is ignored).  With 'l2', a nonzero ``l1_ratio`` sets the
        mix as with 'elasticnet' (scikit-learn >= 1.8 spells the penalty by
        ``l1_ratio`` alone).  An L1 share needs ``solver='newton-cd'``
        (LogisticRegression), ``'saga'`` (its proximal step) or ``'sgd'`` (the
        cumulative L1 penalty; also a fastoptim.optim.SGD without momentum).
    C : float, default 1.0
        Inverse penalty strength (> 0): the loss is multiplied by C; ``np.inf``
        is no penalty (scikit-learn 1.8's spelling of ``penalty=None``).
    l1_ratio : float or None, default 0.0
        The L1 share r of the penalty, in [0, 1] (1: the lasso penalty, 0: L2);
        ignored with penalty='l1' (r = 1) or None; None is 0 except with
        'elasticnet', which needs a number.
    fit_intercept : bool, default True
        Fit an intercept per output (never penalized).
    solver : str or optimizer, default 'lbfgs'
        'lbfgs', 'newton-cg', 'newton-cholesky' (few features: K (d + 1) parameters
        for the multinomial model, d + 1 per binary one),
        'gd' (full batch with Armijo line search), 'newton-cd' (LogisticRegression,
        binary and one-vs-rest: newGLMNET, the L1 / elastic-net solver, also for L2;
        :mod:`fastoptim.linear_model._glmnet`), 'sag', 'saga', 'svrg'
        (variance-reduced epochs: one stored derivative per sample, linear
        convergence at a fixed step; :mod:`fastoptim.optim.variance_reduced`; 'saga'
        also with the L1 / elastic-net penalty, by its proximal step), a
        stochastic solver ('sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop',
        'adam', 'adadelta', 'nadam') or an optimizer object from
        :mod:`fastoptim.optim`.
    max_iter : int, optional
        Iterations of the full-batch solvers and epochs of 'sag', 'saga', 'svrg'
        (None: 100), epochs of the stochastic ones (None: 1000).
    tol : float, default 1e-4
        Full-batch solvers: stop when every gradient entry of the scaled
        objective is below tol; 'sag', 'saga', 'svrg': when an epoch changes no
        coefficient by more than tol times the largest (scikit-learn's rule);
        stochastic solvers: see ``n_iter_no_change`` (None: run max_iter epochs);
        'newton-cd': when the largest violation of the optimality conditions (the
        minimum-norm subgradient) is at most tol times the largest gradient entry at 0,
        after one more Newton step solved more tightly.
    learning_rate : 'auto' or float, default 'auto'
        Stochastic solvers by name (see :mod:`fastoptim.linear_model._stochastic`);
        'sag', 'saga', 'svrg': 'auto' is the line search on the Lipschitz constant
        (:mod:`fastoptim.linear_model._variance_reduced`), a number the fixed step.
        A number beside an optimizer object of another ``lr``, or beside a
        schedule starting elsewhere, is a ValueError naming both (one of them
        would be ignored).
    schedule : callable, optional
        ``schedule(epoch) -> lr`` for the stochastic solvers.  A ReduceOnPlateau
        watches the training objective (the validation loss with early_stopping);
        the fit reduces a copy, and each partial_fit goes on from the rate the
        previous call reached.
    batch_size : int, optional
        Stochastic solvers: None is min(200, n_samples); with an L1 share and
        'sgd', at most n_samples // 64 (at least 64 steps an epoch: the cumulative
        penalty moves a coefficient by lr times the L1 strength per step).
    early_stopping : bool, default False
        Stochastic solvers: hold out validation_fraction of the samples and
        stop when their loss stops improving by tol for n_iter_no_change
        epochs (the loss, smoother than the accuracy).  Records per epoch
        ``validation_scores_`` (the accuracy on those samples, higher is
        better, as scikit-learn's), ``validation_loss_curve_`` (their loss) and
        ``best_validation_score_``; one-vs-rest: a list per binary problem,
        each scored by its own accuracy.
    validation_fraction : float, default 0.1
        With early_stopping: the share of the samples held out (stratified by
        class, drawn with random_state) to measure after each epoch.
    n_iter_no_change : int, default 5
        Stochastic solvers: the epochs without an improvement by tol (of the
        training objective, or the validation loss with early_stopping) before
        the fit stops.
    class_weight : dict, 'balanced' or None
        Multiplies each sample's weight by its class's weight ('balanced':
        sum of the sample weights / (n_classes * the class's sum of sample weights),
        n_samples / (n_classes * count of the class) without sample weights).
    warm_start : bool, default False
        Start from the previous fit's coefficients.
    random_state : int, RandomState or None
        Seeds the stochastic solvers' shuffles, the early-stopping split and the
        coordinate order of 'newton-cd' (the other full-batch solvers are
        deterministic and ignore it).
    verbose : int, default 0
        > 0: print one line per iteration (full-batch solvers) or epoch
        (stochastic ones) with the objective.
    n_threads : int, optional
        Threads of the C passes (None: by the size of the work; -1: every CPU)."""


class LogisticRegression(_LinearClassifier):
    __doc__ = r"""Logistic regression, binary or multiclass (multinomial or one-vs-rest).

    Minimizes :math:`C \sum_i w_i l_i + \frac{1}{2}\|W\|^2` (scikit-learn's
    objective: C means the same thing).

    Parameters
    ----------""" + _PARAMS_DOC + """
    multi_class : {'auto', 'multinomial', 'ovr'}, default 'auto'
        Three classes or more: one softmax model ('auto', 'multinomial') or
        one binary model per class ('ovr').  Two classes: always one binary
        logistic model.
    n_jobs : int, optional
        scikit-learn's name for ``n_threads`` (give one of them; both and different
        is a ValueError).

    Attributes
    ----------
    classes_ : ndarray
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray
        Iterations (or epochs) per fitted problem.
    loss_curve_ : list
        Stochastic solvers: each epoch's mean loss; full-batch solvers: the objective
        they minimize (mean loss + ||w||^2 / (2 C sum w)) after each iteration (one list
        per problem for one-vs-rest).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = ["no", "no", "yes", "yes"]
    >>> LogisticRegression().fit(X, y).predict([[0.2], [2.8]]).tolist()
    ['no', 'yes']
    """

    def __init__(self, penalty: str | None = "l2", *, C: float = 1.0, l1_ratio: float | None = 0.0,
                 fit_intercept: bool = True, solver: str | Optimizer = "lbfgs",
                 max_iter: int | None = None, tol: float | None = 1e-4,
                 learning_rate: float | str = "auto",
                 schedule: Callable[[int], float] | None = None, batch_size: int | None = None,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 5, class_weight: dict | str | None = None,
                 multi_class: str = "auto", warm_start: bool = False,
                 random_state: int | np.random.RandomState | None = None, verbose: int | bool = 0,
                 n_threads: int | None = None, n_jobs: int | None = None) -> None:
        self._store_init_args(locals())


class SoftmaxRegression(_LinearClassifier):
    __doc__ = r"""Multinomial logistic regression: a linear layer followed by softmax.

    :math:`p(k \mid x) = e^{w_k \cdot x + b_k} / \sum_j e^{w_j \cdot x + b_j}`, with
    one weight vector per class (also for two classes), trained on the
    cross-entropy: minimizes :math:`C \sum_i w_i (-\log p(y_i \mid x_i)) + \frac{1}{2}\|W\|^2`.

    Parameters
    ----------""" + _PARAMS_DOC + """

    Attributes
    ----------
    classes_ : ndarray
    coef_ : ndarray of shape (n_classes, n_features)
    intercept_ : ndarray of shape (n_classes,)
    n_iter_ : ndarray of shape (1,)
    loss_curve_ : list
        Stochastic solvers: each epoch's mean loss; full-batch solvers: the objective
        they minimize (mean loss + ||w||^2 / (2 C sum w)) after each iteration (one list
        per problem for one-vs-rest).
    n_features_in_ : int
    """

    _softmax_only = True

    def __init__(self, penalty: str | None = "l2", *, C: float = 1.0, l1_ratio: float | None = 0.0,
                 fit_intercept: bool = True, solver: str | Optimizer = "lbfgs",
                 max_iter: int | None = None, tol: float | None = 1e-4,
                 learning_rate: float | str = "auto",
                 schedule: Callable[[int], float] | None = None, batch_size: int | None = None,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 5, class_weight: dict | str | None = None,
                 warm_start: bool = False, random_state: int | np.random.RandomState | None = None,
                 verbose: int | bool = 0, n_threads: int | None = None) -> None:
        self._store_init_args(locals())
