r"""Least squares and ridge regression: LinearRegression and Ridge.

Both minimize, over coef b and intercept b0 (not penalized),

.. math::

    \sum_i w_i (y_i - x_i^T b - b_0)^2 + \alpha \|b\|^2

(alpha = 0 for LinearRegression), scikit-learn's objective.  With an
intercept the problem is solved on centered data (weighted means
:math:`\mu = X^T w / \sum w`, :math:`\bar y`), then :math:`b_0 = \bar y - \mu^T b`.

Direct solvers (dense linear algebra from scipy's BLAS/LAPACK):

- 'cholesky': the normal equations :math:`(X_c^T W X_c + \alpha I) b = X_c^T W y_c`,
  the Gram matrix by BLAS ``syrk`` in one pass over blocks of rows shifted on
  the fly (no centered copy of X), factorized by LAPACK ``potrf``.
- 'lstsq' (LinearRegression): LAPACK ``gelsd`` (SVD) on the centered, weighted
  X: the minimum-norm solution, for rank-deficient X.  Sparse X: LSQR.
- 'svd' (Ridge): :math:`b = V \operatorname{diag}(s / (s^2 + \alpha)) U^T y_c`.
- 'cg' (Ridge): conjugate gradients (Hestenes & Stiefel 1952) on the normal
  equations, each product :math:`X_c^T W X_c v` one pass of the C core's
  Hessian-vector kernel (dense or CSR) with the centering applied as a
  rank-one correction, :math:`X_c^T W X_c v = X^T W X v - (\sum w) \mu \mu^T v`,
  Jacobi-preconditioned.  Wide data (more features than samples, in memory):
  the dual system instead, as scikit-learn's sparse_cg,
  :math:`(Z Z^T + \alpha I) a = W^{1/2} y_c`, :math:`b = Z^T a`, :math:`Z = W^{1/2} X_c`
  (n unknowns; b stays in the row space of X, where the primal iterates, preconditioned,
  leave it along directions of curvature alpha that the residual test cannot see).
- 'gd': full-batch gradient descent with Armijo backtracking (Armijo 1966; Nocedal &
  Wright 2006, Alg. 3.1), each trial one C pass of value and gradient, on the
  objective divided by :math:`2 \sum w` (below), from zero coefficients; it stops when
  the gradient's largest entry is at most ``tol`` times its value at the start (the
  relative test of 'cg').  The lectures' first method, slow on ill-conditioned X:
  a baseline, not a default.
- 'auto': 'cholesky', falling back to 'lstsq' (alpha = 0) or 'svd' (alpha > 0;
  LSQR damped by sqrt(alpha) for sparse X) when the normal equations are singular
  or too ill-conditioned for it (reciprocal condition < 1e-10); an explicit
  'cholesky' does the same with a LinAlgWarning, as scikit-learn (on dask arrays, which
  have no in-memory fallback, it raises LinAlgError).

Iterative solvers: any optimizer of fastoptim.optim, by name or as an
object (see :mod:`fastoptim.linear_model._stochastic`), on the squared loss
:math:`\frac{1}{\sum w}\sum_i w_i \frac{(z_i - y_i)^2}{2} + \frac{\alpha}{2 \sum w} \|b\|^2`,
the objective above divided by :math:`2 \sum w`.  Several outputs are fitted
one after the other.
"""
from __future__ import annotations

import numbers
import warnings
from typing import TYPE_CHECKING

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.sparse as sp
import scipy.sparse.linalg

from .._blas import blas_n_threads, blas_threads
from .._dask import DaskData, is_dask_collection, objective_for
from .._dask import column_stats as dask_column_stats
from .._dask import normal_equations as dask_normal_equations
from .._moments import centered_normal_equations, weighted_means
from .._validation import check_finite
from ..base import (BaseEstimator, RegressorMixin, resolve_n_jobs, validate_sample_weight,
                    validate_X, validate_y)
from ..exceptions import ConvergenceWarning, warn
from ..optim.line_search import armijo_descent
from ._logistic import IterationLog, _Packed, report_unconverged
from ._stochastic import (STOCHASTIC_SOLVERS, check_stochastic_params, curves_kept_on_error,
                          fit_stochastic, is_stochastic, new_objective_factory,
                          set_validation_history, validation_history)
from ._variance_reduced import (VARIANCE_REDUCED_SOLVERS, check_in_memory,
                                check_variance_reduced_params, fit_variance_reduced,
                                is_variance_reduced)

if TYPE_CHECKING:  # the annotations' names (never evaluated at run time)
    from collections.abc import Callable
    from typing import Self

    from numpy.typing import ArrayLike

    from ..optim import Optimizer

__all__ = ["LinearRegression", "Ridge"]

_RCOND_MIN = 1e-10  # 'auto' leaves Cholesky for lstsq below this reciprocal condition
GD_MAX_ITER = 1000  # solver='gd' with max_iter=None


class _LeastSquares(RegressorMixin, BaseEstimator):
    """What LinearRegression and Ridge share: validation, the solvers, predict."""

    _dask_fit = True  # fit on dask arrays: fastoptim._dask

    _direct_solvers = ()
    _multi_output = True

    def _penalty(self):
        return 0.0

    # -- fit --------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike,
            sample_weight: ArrayLike | float | None = None) -> Self:
        """Fit the model.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            float32 stays float32 (``coef_`` too); other numbers become float64.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The targets; several columns fit one model per column.
        sample_weight : float or array-like of shape (n_samples,), optional
            Non-negative weights (a sample with weight 2 counts twice).

        Returns
        -------
        self
        """
        alpha, positive = self._check_params()
        # 'auto'/'cholesky' on dense X: the Gram matrix's own pass over X finds NaN/inf
        # (a non-finite G), so X is not read a second time just to check it
        gram_checks = self.solver in ("auto", "cholesky") and not sp.issparse(X)
        if is_dask_collection(X):  # the rows stay on the workers: fastoptim._dask
            if self.solver in ("lstsq", "svd"):
                raise ValueError(f"solver={self.solver!r} needs in-memory data, and X is a dask "
                                 f"array; use solver='cholesky' (or 'auto'), 'cg' or a "
                                 f"stochastic solver")
            X = self._dask_data(X)
            y = y.compute() if is_dask_collection(y) else y
        else:
            X = validate_X(X, finite=not gram_checks)
        Y = validate_y(y, X.shape[0], X.dtype, multi_output=True)
        sw = validate_sample_weight(sample_weight, X.shape[0], X.dtype)
        single = Y.ndim == 1
        Y2 = Y[:, None] if single else Y
        self._n_iter = 1  # direct solvers: one solve ('cg' and the optimizers count theirs)
        if np.ndim(alpha) == 1:  # Ridge(alpha=array): one problem per target, each its alpha
            if alpha.shape[0] != Y2.shape[1]:
                raise ValueError(f"alpha has {alpha.shape[0]} values but y has {Y2.shape[1]} "
                                 f"target(s); give one alpha per target, or a single number")
            parts, iters = [], []
            for k in range(Y2.shape[1]):
                parts.append(self._fit_one(X, Y2[:, k:k + 1], sw, float(alpha[k]), positive))
                iters.append(np.ravel(self._n_iter))
            coef = np.vstack([c for c, _ in parts])
            intercept = np.concatenate([np.ravel(b) for _, b in parts])
            flat = np.concatenate(iters)
            self._n_iter = 1 if np.all(flat == 1) else flat  # per target: 'cg', stochastic
        else:
            coef, intercept = self._fit_one(X, Y2, sw, alpha, positive)
        # the fitted state, all at once: a fit that raised leaves the previous one intact
        self.n_features_in_ = X.shape[1]
        self.n_iter_ = self._n_iter
        self.solver_ = self.solver if isinstance(self.solver, str) else type(self.solver).__name__
        self.coef_ = (coef[0] if single else coef).astype(X.dtype, copy=False)
        # one target: a NumPy scalar of X's dtype (np.float32 for float32 X), and 0.0 without
        # an intercept, as scikit-learn
        if self.fit_intercept:
            self.intercept_ = X.dtype.type(intercept[0]) if single else intercept.astype(X.dtype)
        else:
            self.intercept_ = 0.0 if single else np.zeros(Y2.shape[1], dtype=X.dtype)
        return self

    def _check_params(self):
        """Validate the parameters, as fit does first (load_model checks a model file's too).

        Returns
        -------
        alpha : float or ndarray
            The penalty (0 for LinearRegression).
        positive : bool
        """
        alpha = self._penalty()
        self._check_solver()
        self._threads()  # n_jobs and n_threads agree
        positive = self._check_positive()
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False, got {self.fit_intercept!r}")
        if is_stochastic(self.solver):
            check_stochastic_params(self)
        elif is_variance_reduced(self.solver):
            check_variance_reduced_params(self)
        elif self.solver in ("cg", "gd"):
            _check_tol(self.tol)
            if self.max_iter is not None:
                _check_max_iter(self.max_iter)
        return alpha, positive

    def _fit_one(self, X, Y2, sw, alpha, positive):
        """(coef (k x p), intercept (k,)) of one penalty for the targets Y2 (n x k)."""
        if positive:
            return self._fit_positive(X, Y2, sw, alpha)
        if is_stochastic(self.solver):
            with curves_kept_on_error(self):
                return self._fit_stochastic(X, Y2, sw, alpha)
        if is_variance_reduced(self.solver):
            return self._fit_variance_reduced(X, Y2, sw, alpha)
        n, p = X.shape
        flops = (X.nnz * p if sp.issparse(X) else n * p * p) + p ** 3 / 3  # X^T X, Cholesky
        with blas_threads(blas_n_threads(self._threads(), flops)):
            return self._fit_direct(X, Y2, sw, alpha)

    def _threads(self):
        """n_threads, or scikit-learn's n_jobs (LinearRegression takes both)."""
        return resolve_n_jobs(getattr(self, "n_threads", None), getattr(self, "n_jobs", None))

    def _check_positive(self):
        positive = getattr(self, "positive", False)
        if not isinstance(positive, (bool, np.bool_)):
            raise TypeError(f"positive must be True or False, got {positive!r}")
        if positive and self.solver not in ("auto", "cholesky"):
            raise ValueError(f"positive=True is solved on the normal equations: use "
                             f"solver='auto' or 'cholesky' (got solver={self.solver!r})")
        return bool(positive)

    def _fit_positive(self, X, Y, sw, alpha):
        r"""Non-negative (ridge) least squares on the normal equations.

        .. math:: \min_{b \ge 0} b^T (G + \alpha I) b - 2 R^T b, \qquad G = X_c^T W X_c,
                  R = X_c^T W y_c

        With :math:`G + \alpha I = A^T A` (Cholesky, or the eigen-decomposition when it is
        singular), this is :math:`\min_{b \ge 0} \|A b - A^{-T} R\|^2` up to a constant: a
        p x p problem for Lawson & Hanson's active-set NNLS (scipy.optimize.nnls), whatever
        n and the format of X (dense, CSR or a dask array).  The intercept is
        :math:`\bar y - \bar x^T b` (unconstrained, as scikit-learn's).
        """
        dask = isinstance(X, DaskData)
        with np.errstate(invalid="ignore", over="ignore"):
            G, R, x_mean, y_mean = (dask_normal_equations if dask else centered_normal_equations)(
                X, Y, sw, self.fit_intercept)
        if not (np.all(np.isfinite(G)) and np.all(np.isfinite(x_mean))):
            if not dask:
                check_finite(X, "X")
            raise FloatingPointError("X^T X overflowed: the values of X are too large to square "
                                     "in its dtype; scale X (or use float64)")
        H = G + alpha * np.eye(G.shape[0])
        try:
            U = scipy.linalg.cholesky(H, lower=False, check_finite=False)  # H = U^T U
            A, rhs = U, scipy.linalg.solve_triangular(U, R, trans="T", check_finite=False)
        except np.linalg.LinAlgError:  # singular: H = V S V^T, A = S^1/2 V^T on S > 0
            s, V = np.linalg.eigh(H)
            keep = s > max(s.max(), 0.0) * G.shape[0] * np.finfo(np.float64).eps
            A = np.sqrt(s[keep])[:, None] * V[:, keep].T
            rhs = (V[:, keep].T @ R) / np.sqrt(s[keep])[:, None]
        if A.shape[0] == 0:  # H = 0 (one sample, or constant columns): every b >= 0 is optimal
            coef = np.zeros((R.shape[1], G.shape[0]))
        else:
            coef = np.vstack([scipy.optimize.nnls(A, rhs[:, k], maxiter=50 * G.shape[0])[0]
                              for k in range(R.shape[1])])
        return coef, y_mean - coef @ x_mean

    def _check_solver(self):
        s = self.solver
        if is_stochastic(s) or is_variance_reduced(s) or (isinstance(s, str)
                                                          and s in self._direct_solvers):
            return
        names = ", ".join(repr(n) for n in self._direct_solvers + VARIANCE_REDUCED_SOLVERS
                          + STOCHASTIC_SOLVERS)
        raise ValueError(f"solver={s!r} is not a solver of {type(self).__name__}; use one of {names}, "
                         f"or an optimizer object such as fastoptim.optim.Adam(lr=0.01)")

    def _fit_direct(self, X, Y, sw, alpha):
        solver = self.solver
        if solver == "cg":
            return self._fit_cg(X, Y, sw, alpha)
        if solver == "gd":
            return self._fit_gd(X, Y, sw, alpha)
        if solver in ("lstsq", "svd"):
            return _solve_svd(X, Y, sw, alpha, self.fit_intercept, solver)
        dask = isinstance(X, DaskData)
        with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf in X: reported below
            G, R, x_mean, y_mean = (dask_normal_equations if dask else centered_normal_equations)(
                X, Y, sw, self.fit_intercept)
        if dask and not (np.all(np.isfinite(G)) and np.all(np.isfinite(x_mean))):
            raise ValueError("X (a dask array) holds NaN or infinity, or values too large to "
                             "square; clean or scale X")
        if not (np.all(np.isfinite(G)) and np.all(np.isfinite(x_mean))):
            check_finite(X, "X")  # names NaN/infinity in X (fit skipped the upfront check)
            raise FloatingPointError("X^T X overflowed: the values of X are too large to square "
                                     "in its dtype; scale X (or use float64)")
        try:
            coef = solve_normal_equations(G, R, alpha, check_condition=True)
        except np.linalg.LinAlgError as exc:
            if dask:
                raise np.linalg.LinAlgError(
                    f"{type(self).__name__}: X^T X {'+ alpha I ' if alpha else ''}is singular or too "
                    f"ill-conditioned for solver={solver!r} ({exc}); use solver='lstsq' (minimum-"
                    f"norm least squares, in-memory data) or Ridge with alpha > 0") from None
            if solver == "cholesky":  # as scikit-learn: least squares instead, with a warning
                warnings.warn(
                    f"{type(self).__name__}: X^T X {'+ alpha I ' if alpha else ''}is singular or "
                    f"too ill-conditioned for solver='cholesky' ({exc}); using the least-squares "
                    f"solution instead (solver='lstsq', or Ridge with alpha > 0, avoids this)",
                    scipy.linalg.LinAlgWarning, stacklevel=3)
            # dense: LAPACK's SVD; sparse: LSQR (damped by sqrt(alpha) for ridge)
            return _solve_svd(X, Y, sw, alpha, self.fit_intercept,
                              "lstsq" if alpha == 0 or sp.issparse(X) else "svd")
        intercept = y_mean - coef @ x_mean
        return coef, intercept

    def _fit_cg(self, X, Y, sw, alpha):
        tol = _check_tol(self.tol)
        max_iter = None if self.max_iter is None else _check_max_iter(self.max_iter)
        coefs, intercepts, iters = [], [], []
        for k in range(Y.shape[1]):
            log = None
            if self.verbose:
                def log(it, residual, k=k):
                    print(f"[{type(self).__name__}] cg target {k} iteration {it}: relative "
                          f"residual {residual:.3e} (tol={tol:g})", flush=True)
            b, b0, it = _ridge_cg(X, Y[:, k], sw, alpha, self.fit_intercept, tol, max_iter,
                                  self._threads(), log)
            coefs.append(b)
            intercepts.append(b0)
            iters.append(it)
            if max_iter is not None and it >= max_iter:
                warn(f"{type(self).__name__}: conjugate gradients stopped at max_iter="
                     f"{max_iter} iterations before the residual fell below tol={tol:g}; "
                     f"increase max_iter", ConvergenceWarning)
        self._n_iter = np.asarray(iters)
        return np.vstack(coefs), np.asarray(intercepts)

    def _fit_gd(self, X, Y, sw, alpha):
        """'gd': Armijo gradient descent on each target's scaled objective (module notes)."""
        tol = _check_tol(self.tol)
        max_iter = GD_MAX_ITER if self.max_iter is None else _check_max_iter(self.max_iter)
        wsum = float(X.shape[0] if sw is None else np.sum(sw, dtype=np.float64))
        who = type(self).__name__
        coefs, intercepts, iters, curves, passes = [], [], [], [], []
        for k in range(Y.shape[1]):
            obj = objective_for("squared", X, Y[:, k], sample_weight=sw, alpha=alpha / wsum,
                                n_threads=self._threads())
            f = _Packed(obj, self.fit_intercept)
            x0 = f.pack(np.zeros(obj.coef_shape), np.zeros(obj.n_outputs))
            with np.errstate(over="ignore"):
                start = f(x0)
                g0 = float(np.max(np.abs(start[1]))) if start[1].size else 0.0
                # verbose: the objective in the estimator's units, sum w (z - y)^2 + alpha |b|^2
                curve = IterationLog(who, "gd", 2.0 * wsum, passes_of=f, verbose=self.verbose)
                x, n_iter, converged = armijo_descent(
                    f, x0, max_iter, tol * g0, start=start,
                    callback=lambda it, x, value: curve.append(value))
            if not converged:
                report_unconverged(f"{who}: solver 'gd'", n_iter, max_iter,
                                   f"tol={tol:g} times its start", list(curve), X)
            c, b = f.split(x)
            coefs.append(np.asarray(c, dtype=np.float64).ravel())
            intercepts.append(0.0 if b is None else float(b[0]))
            iters.append(n_iter)
            curves.append([float(v) for v in curve])
            passes.append(list(curve.passes))
        self.loss_curve_ = curves[0] if len(curves) == 1 else curves
        self._passes_curve = passes[0] if len(passes) == 1 else passes
        self._n_iter = iters[0] if len(iters) == 1 else np.asarray(iters)
        return np.vstack(coefs), np.asarray(intercepts)

    def _fit_variance_reduced(self, X, Y, sw, alpha):
        """'sag', 'saga', 'svrg': one problem per target (module notes of
        fastoptim.linear_model._variance_reduced).

        Dense X with an intercept is centered first, in a copy (as scikit-learn's SAG
        does), and the problem solved without an intercept, which is then
        :math:`\bar y - \bar x^T b`: the centered problem is better conditioned (the
        intercept's direction no longer couples with the columns' means), and on
        underdetermined data (n < p, alpha = 0) the iterates stay in the span of the
        centered rows, so that they tend to the minimum-norm solution, as the direct
        solvers'.  CSR X keeps its zeros: the intercept is trained with the coefficients.
        """
        check_in_memory(self, X)
        n, p = X.shape
        K = Y.shape[1]
        wsum = float(n if sw is None else np.sum(sw, dtype=np.float64))
        warm = (self.warm_start and hasattr(self, "coef_")
                and np.asarray(self.coef_).size == K * p and np.size(self.intercept_) in (1, K))
        max_iter = 1000 if self.max_iter is None else int(self.max_iter)
        center = self.fit_intercept and not sp.issparse(X)
        if center:
            x_mean, y_mean = weighted_means(X, Y, sw)
            X = X - x_mean.astype(X.dtype)
            Y = Y - y_mean
        coefs, intercepts, curves, passes, epochs = [], [], [], [], []
        for k in range(K):
            obj = objective_for("squared", X, Y[:, k], sample_weight=sw, alpha=alpha / wsum,
                                n_threads=self._threads())
            c = (np.array(np.asarray(self.coef_).reshape(K, p)[k], dtype=X.dtype) if warm
                 else np.zeros(p, dtype=X.dtype))
            b = None
            if self.fit_intercept and not center:
                b = (np.array(np.broadcast_to(np.asarray(self.intercept_, dtype=X.dtype).reshape(-1),
                                              (K,))[k:k + 1]) if warm
                     else np.zeros(1, dtype=X.dtype))
            n_ep, curve, counted = fit_variance_reduced(self, obj, c, b, max_iter=max_iter)
            coefs.append(c)
            if center:
                intercepts.append(float(y_mean[k] - x_mean @ c.astype(np.float64)))
            else:
                intercepts.append(0.0 if b is None else float(b[0]))
            curves.append(curve)
            passes.append(counted)
            epochs.append(n_ep)
        self.loss_curve_ = curves[0] if K == 1 else curves
        self._passes_curve = passes[0] if K == 1 else passes
        self._n_iter = epochs[0] if K == 1 else np.asarray(epochs)
        return np.vstack(coefs), np.asarray(intercepts)

    def _fit_stochastic(self, X, Y, sw, alpha):
        n, p = X.shape
        K = Y.shape[1]
        warm = (self.warm_start and hasattr(self, "coef_")
                and np.asarray(self.coef_).size == K * p and np.size(self.intercept_) in (1, K))
        if warm:
            coef0 = np.asarray(self.coef_, dtype=X.dtype).reshape(K, p)
            icpt0 = np.asarray(self.intercept_, dtype=X.dtype).reshape(-1)
            icpt0 = icpt0 if icpt0.size == K else np.zeros(K, dtype=X.dtype)
        coefs, intercepts, curves, epochs, histories = [], [], [], [], []
        for k in range(K):
            make = new_objective_factory("squared", X, Y[:, k], sw, lambda wsum: alpha / wsum,
                                         self._threads())
            c0 = coef0[k].copy() if warm else np.zeros(p, dtype=X.dtype)
            b0 = icpt0[k:k + 1].copy() if warm else np.zeros(1, dtype=X.dtype)
            c, b, opt, n_ep = fit_stochastic(self, make, n, coef_init=c0, intercept_init=b0,
                                             fit_intercept=self.fit_intercept)
            coefs.append(c)
            intercepts.append(0.0 if b is None else float(b[0]))
            curves.append(self.loss_curve_)
            histories.append(validation_history(self))
            epochs.append(n_ep)
        if K > 1:
            self.loss_curve_ = curves
        set_validation_history(self, histories)
        self._n_iter = epochs[0] if K == 1 else np.asarray(epochs)
        return np.vstack(coefs), np.asarray(intercepts)

    # -- predict ------------------------------------------------------------------------

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predictions ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples, with the columns of the training data.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        X = self._validate_predict_X(X)
        coef = np.asarray(self.coef_)
        out = X @ coef.T
        return np.asarray(out) + self.intercept_


def _check_tol(tol):
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real) or not tol > 0:
        raise ValueError(f"tol must be a number > 0, got {tol!r}")
    return float(tol)


def _check_max_iter(max_iter):
    if isinstance(max_iter, (bool, np.bool_)) or not isinstance(max_iter, numbers.Integral):
        raise TypeError(f"max_iter must be an int or None, got {max_iter!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    return int(max_iter)


def solve_normal_equations(G, R, alpha, check_condition=False):
    """Solve (G + alpha I) B = R by Cholesky; returns B.T (k x p).

    Raises numpy.linalg.LinAlgError when the matrix is not positive definite,
    or (check_condition) when its reciprocal condition number is below 1e-10.
    """
    A = G + alpha * np.eye(G.shape[0])
    try:
        factor = scipy.linalg.cho_factor(A, lower=False, check_finite=False)
    except np.linalg.LinAlgError as exc:
        raise np.linalg.LinAlgError(f"not positive definite ({exc})") from None
    if check_condition:
        pocon = scipy.linalg.get_lapack_funcs("pocon", dtype=np.float64)
        anorm = np.max(np.sum(np.abs(A), axis=0))
        rcond, info = pocon(factor[0], anorm, uplo="U")
        if info != 0 or not rcond >= _RCOND_MIN:
            raise np.linalg.LinAlgError(f"reciprocal condition number {rcond:.2e} < {_RCOND_MIN:g}")
    return scipy.linalg.cho_solve(factor, R, check_finite=False).T


def _solve_svd(X, Y, sw, alpha, fit_intercept, solver):
    """'lstsq' (alpha = 0, minimum norm) or 'svd' (ridge) on the centered, weighted X."""
    if fit_intercept:
        x_mean, y_mean = weighted_means(X, Y, sw)
    else:
        x_mean, y_mean = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    if sp.issparse(X):
        if solver == "svd":
            raise ValueError("solver='svd' needs dense X; use solver='cholesky' or 'cg' for sparse X")
        coef = np.vstack([_lsqr_centered(X, Y[:, k], sw, x_mean, y_mean[k], alpha)
                          for k in range(Y.shape[1])])
        return coef, y_mean - coef @ x_mean
    Xc = np.array(X, dtype=np.float64) - x_mean
    Yc = Y.astype(np.float64) - y_mean
    if sw is not None:
        s = np.sqrt(sw.astype(np.float64))[:, None]
        Xc *= s
        Yc *= s
    if solver == "lstsq" or alpha == 0:
        # singular values below max(n, p) eps s_max count as zero (numpy's and LAPACK's
        # usual rank cutoff): rank-deficient X gets the minimum-norm solution
        cond = max(Xc.shape) * np.finfo(np.float64).eps
        coef = scipy.linalg.lstsq(Xc, Yc, cond=cond, lapack_driver="gelsd", check_finite=False)[0].T
    else:
        U, s, Vt = scipy.linalg.svd(Xc, full_matrices=False, check_finite=False)
        d = s / (s * s + alpha)
        coef = (Vt.T @ (d[:, None] * (U.T @ Yc))).T
    return coef, y_mean - coef @ x_mean


def _lsqr_centered(X, y, sw, x_mean, y_mean, alpha=0.0):
    """Least squares on centered, weighted sparse X by LSQR (Paige & Saunders 1982).

    alpha = 0: the minimum-norm solution; alpha > 0: ridge, as LSQR's damping
    (damp^2 = alpha adds alpha ||b||^2 to the objective)."""
    s = np.ones(X.shape[0]) if sw is None else np.sqrt(sw.astype(np.float64))
    op = scipy.sparse.linalg.LinearOperator(
        X.shape, dtype=np.float64,
        matvec=lambda v: s * (X @ v - x_mean @ v),
        rmatvec=lambda u: X.T @ (s * u) - x_mean * np.sum(s * u))
    return scipy.sparse.linalg.lsqr(op, s * (y - y_mean), damp=float(np.sqrt(alpha)), atol=1e-14,
                                    btol=1e-14, iter_lim=10 * (X.shape[1] + 10))[0]


def _cg_counter(op, rhs, log):
    """scipy's cg callback: counts the iterations; with ``log(iteration, relative residual)``
    (verbose) also reports ||A x - b|| / ||b||, at the cost of one more product each."""
    count = [0]
    norm = float(np.linalg.norm(rhs)) or 1.0

    def callback(xk):
        count[0] += 1
        if log is not None:
            log(count[0], float(np.linalg.norm(op.matvec(xk) - rhs)) / norm)

    return count, callback


def _ridge_cg(X, y, sw, alpha, fit_intercept, tol, max_iter, n_threads, log=None):
    """Conjugate gradients for one output; returns (coef, intercept, iterations).

    The operator is the C core's Hessian-vector product of the squared loss
    (one pass over X per iteration), divided by the weight sum:
    A v = (X^T W X v) / W - mu (mu^T v) + (alpha / W) v.
    """
    n, p = X.shape
    if p > n and not isinstance(X, DaskData):
        return _ridge_cg_dual(X, y, sw, alpha, fit_intercept, tol, max_iter, log)
    wsum = float(n if sw is None else np.sum(sw, dtype=np.float64))
    obj = objective_for("squared", X, y, sample_weight=sw, alpha=alpha / wsum,
                        n_threads=n_threads)
    dtype = obj.dtype
    zero = np.zeros(p, dtype=dtype)
    # the means and the Jacobi preconditioner's column sums sum_i w_i x_ij^2
    if isinstance(X, DaskData):  # one pass over the chunks for both
        x_mean, y_mean, sq = dask_column_stats(X, y, sw)
    else:
        if fit_intercept:
            x_mean, y_mean = weighted_means(X, y[:, None], sw)
            y_mean = float(y_mean[0])
        w = np.ones(n) if sw is None else sw.astype(np.float64)
        sq = (np.asarray(X.multiply(X).T @ w).ravel() if sp.issparse(X)
              else np.einsum("ij,ij,i->j", X, X, w, dtype=np.float64))
    if not fit_intercept:
        x_mean, y_mean = np.zeros(p), 0.0
    # right-hand side: Xc^T W yc / W = -grad at 0 (no intercept) - mu * mean(y)
    rhs = -np.asarray(obj.value_grad(zero, None)[1], dtype=np.float64) - x_mean * y_mean

    # the squared loss's curvatures (w_i / W) once; each product is then one pass over X
    hvp = obj.hessp_operator(zero, None)

    def matvec(v):
        hv = hvp(v.astype(dtype, copy=False))[0].astype(np.float64)
        return hv - x_mean * (x_mean @ v) if fit_intercept else hv

    op = scipy.sparse.linalg.LinearOperator((p, p), matvec=matvec, dtype=np.float64)
    count, callback = _cg_counter(op, rhs, log)
    # Jacobi preconditioner: the operator's diagonal, (sum_i w_i x_ij^2) / W - mu_j^2 + alpha / W
    diag = sq / wsum - x_mean ** 2 + alpha / wsum
    diag = np.where(diag > 0, diag, 1.0)
    M = scipy.sparse.linalg.LinearOperator((p, p), matvec=lambda v: v / diag, dtype=np.float64)
    coef, info = scipy.sparse.linalg.cg(op, rhs, rtol=tol, atol=0.0, maxiter=max_iter or 10 * (p + 10),
                                        M=M, callback=callback)
    if info < 0:
        raise ValueError("conjugate gradients broke down (the operator is not positive definite); "
                         "use solver='cholesky' or alpha > 0")
    return coef, y_mean - x_mean @ coef, count[0]


def _ridge_cg_dual(X, y, sw, alpha, fit_intercept, tol, max_iter, log=None):
    """Conjugate gradients on the dual ridge system of wide X (see the module docstring):
    (Z Z^T + alpha I) a = s * y_c with Z = diag(s) X_c, s = sqrt(w); b = Z^T a.  Each
    product is X^T v then X q (BLAS gemv or scipy's sparse products in X's dtype), the
    centering a rank-one correction; returns (coef, intercept, iterations)."""
    n, p = X.shape
    if fit_intercept:
        x_mean, y_mean = weighted_means(X, y[:, None], sw)
        y_mean = float(y_mean[0])
    else:
        x_mean, y_mean = np.zeros(p), 0.0
    s = np.ones(n) if sw is None else np.sqrt(sw.astype(np.float64))
    dt = X.dtype

    def xt(v):  # X_c^T v
        return np.asarray(X.T @ v.astype(dt, copy=False), dtype=np.float64).ravel() - \
            x_mean * float(np.sum(v))

    def xc(q):  # X_c q
        return np.asarray(X @ q.astype(dt, copy=False), dtype=np.float64).ravel() - \
            float(x_mean @ q)

    op = scipy.sparse.linalg.LinearOperator(
        (n, n), matvec=lambda u: s * xc(xt(s * u)) + alpha * u, dtype=np.float64)
    rhs = s * (y.astype(np.float64) - y_mean)
    count, callback = _cg_counter(op, rhs, log)
    a, info = scipy.sparse.linalg.cg(op, rhs, rtol=tol, atol=0.0,
                                     maxiter=max_iter or 10 * (n + 10), callback=callback)
    if info < 0:
        raise ValueError("conjugate gradients broke down (the operator is not positive definite); "
                         "use solver='cholesky' or alpha > 0")
    coef = xt(s * a)
    return coef, y_mean - x_mean @ coef, count[0]


_COMMON_PARAMS_DOC = """
    learning_rate : 'auto' or float, default 'auto'
        Stochastic solvers given by name only: see
        :mod:`fastoptim.linear_model._stochastic` for 'auto'; 'sag', 'saga', 'svrg':
        'auto' is the line search on the Lipschitz constant, a number the fixed step
        (:mod:`fastoptim.linear_model._variance_reduced`).
        A number beside an optimizer object of another ``lr``, or beside a
        schedule starting elsewhere, is a ValueError naming both (one of them
        would be ignored).
    schedule : callable, optional
        ``schedule(epoch) -> lr`` for the stochastic solvers (the schedules of
        :mod:`fastoptim.optim.schedules`); None keeps the rate constant.  A
        ReduceOnPlateau watches the training objective (the validation loss with
        early_stopping); the fit reduces a copy of it.
    batch_size : int, optional
        Mini-batch size for the stochastic solvers (1 = SGD); None: min(200, n_samples).
    max_iter : int, optional
        Epochs for the stochastic solvers and 'sag', 'saga', 'svrg' (None: 1000),
        iterations for 'cg' (None: 10 (n_features + 10)) and 'gd' (None: 1000).
    tol : float, default 1e-4
        'cg': relative residual; 'gd': the gradient's largest entry relative to
        its value at the start (below about 1e-8 in float64, 1e-3 in float32, the
        steps no longer lower the objective by more than its round-off);
        'sag', 'saga', 'svrg': stop when an epoch changes no coefficient by more
        than tol times the largest (scikit-learn's rule); stochastic solvers: stop
        when the epoch's mean loss (or the validation loss) has not fallen by tol for
        n_iter_no_change epochs; None: run max_iter epochs (stochastic solvers and
        the SAG family).
    early_stopping : bool, default False
        Hold out validation_fraction of the samples and stop when their loss
        stops improving by tol for n_iter_no_change epochs.  Records per epoch
        ``validation_scores_`` (R^2 on those samples, higher is better, as
        scikit-learn's), ``validation_loss_curve_`` (their loss) and
        ``best_validation_score_`` (one list or number per target).
    validation_fraction : float, default 0.1
        With early_stopping: the share of the samples held out (drawn with
        random_state) to measure the validation loss after each epoch.
    n_iter_no_change : int, default 5
        Stochastic solvers: the epochs without an improvement by tol (of the
        training loss, or the validation loss with early_stopping) before the
        fit stops.
    warm_start : bool, default False
        Stochastic solvers: start from the previous fit's coefficients.
    random_state : int, RandomState or None
        Seeds the shuffles and the validation split.
    verbose : int, default 0
        Print one line per epoch.
    n_threads : int, optional
        Threads for the C kernels (None: what OpenMP and threadpoolctl allow).
    copy_X : bool, default True
        scikit-learn's parameter, accepted: fastoptim never writes into X (centering
        is folded into the sums), so False saves nothing.
    positive : bool, default False
        Constrain the coefficients to be >= 0 (non-negative least squares: NNLS on
        the p x p normal equations, for dense, CSR and dask X; solver 'auto' or
        'cholesky' only).  The intercept stays free."""


class LinearRegression(_LeastSquares):
    __doc__ = r"""Ordinary least squares: minimizes :math:`\sum_i w_i (y_i - x_i^T b - b_0)^2`.

    Parameters
    ----------
    fit_intercept : bool, default True
        Fit b0 by centering X and y (the intercept is never a penalized column).
    solver : str or optimizer, default 'auto'
        'auto' (Cholesky on the normal equations, LAPACK lstsq when X^T X is
        singular or ill-conditioned), 'cholesky', 'lstsq' (minimum-norm, for
        rank-deficient X), 'gd' (gradient descent with Armijo line search, a
        baseline), 'sag', 'saga', 'svrg' (variance-reduced epochs,
        :mod:`fastoptim.optim.variance_reduced`), a stochastic solver name ('sgd',
        'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adadelta', 'nadam') or an
        optimizer object from :mod:`fastoptim.optim` (AdamW among them).""" + _COMMON_PARAMS_DOC + """
    n_jobs : int, optional
        scikit-learn's name for ``n_threads`` (give one; both and different is a
        ValueError).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        In X's dtype.
    intercept_ : NumPy scalar of X's dtype or ndarray of shape (n_targets,)
    n_features_in_ : int
    n_iter_ : int or ndarray
        Epochs of a stochastic solver, iterations of 'gd' (per target when several); 1 for
        a direct solve.
    loss_curve_ : list of float
        Stochastic solvers: each epoch's mean data loss, sum w (z - y)^2 / (2 sum w), taken as
        the samples were visited, without the penalty (a list per target when several);
        'gd': that objective after each iteration.
    solver_ : str
        The solver used.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim import LinearRegression
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> model = LinearRegression().fit(X, y)
    >>> round(float(model.coef_[0]), 6), round(float(model.intercept_), 6)
    (2.0, 1.0)
    """

    _direct_solvers = ("auto", "cholesky", "lstsq", "gd")

    def __init__(self, *, fit_intercept: bool = True, solver: str | Optimizer = "auto",
                 learning_rate: float | str = "auto",
                 schedule: Callable[[int], float] | None = None, batch_size: int | None = None,
                 max_iter: int | None = None, tol: float | None = 1e-4,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 5, warm_start: bool = False,
                 random_state: int | np.random.RandomState | None = None, verbose: int | bool = 0,
                 n_threads: int | None = None, copy_X: bool = True, n_jobs: int | None = None,
                 positive: bool = False) -> None:
        self._store_init_args(locals())


class Ridge(_LeastSquares):
    __doc__ = r"""Ridge regression: minimizes :math:`\sum_i w_i (y_i - x_i^T b - b_0)^2 + \alpha \|b\|^2`.

    The intercept b0 is not penalized (scikit-learn's objective).

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default 1.0
        L2 penalty strength, >= 0; an array gives each target its own (every
        solver; one problem per target).
    fit_intercept : bool, default True
        Fit b0 by centering X and y (the intercept is never penalized).
    solver : str or optimizer, default 'auto'
        'auto' (Cholesky; lstsq if alpha = 0 and X^T X is singular),
        'cholesky', 'svd' (dense X), 'cg' (conjugate gradients with the C
        core's X^T X v products: large or sparse X), 'gd' (gradient descent
        with Armijo line search, a baseline), 'sag', 'saga', 'svrg'
        (variance-reduced epochs, :mod:`fastoptim.optim.variance_reduced`), a
        stochastic solver name or an optimizer object from :mod:`fastoptim.optim`.""" + _COMMON_PARAMS_DOC + """

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : NumPy scalar of X's dtype or ndarray of shape (n_targets,)
    n_features_in_ : int
    n_iter_ : int or ndarray
        'cg', 'gd': iterations per target; stochastic solvers: epochs; 1 for a direct solve.
    loss_curve_ : list of float
        Stochastic solvers: each epoch's mean data loss (without the penalty); 'gd':
        the objective (with the penalty, divided by 2 sum(sample_weight)) after each
        iteration.
    solver_ : str

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim import Ridge
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> round(float(Ridge(alpha=2.0).fit(X, y).coef_[0]), 6)
    1.0
    """

    _direct_solvers = ("auto", "cholesky", "svd", "cg", "gd")

    def __init__(self, alpha: float | ArrayLike = 1.0, *, fit_intercept: bool = True,
                 solver: str | Optimizer = "auto", learning_rate: float | str = "auto",
                 schedule: Callable[[int], float] | None = None, batch_size: int | None = None,
                 max_iter: int | None = None, tol: float | None = 1e-4,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 5, warm_start: bool = False,
                 random_state: int | np.random.RandomState | None = None, verbose: int | bool = 0,
                 n_threads: int | None = None, copy_X: bool = True,
                 positive: bool = False) -> None:
        self._store_init_args(locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.solver != "svd"  # 'svd' factorizes a dense X
        return tags

    def _penalty(self):
        a = self.alpha
        if isinstance(a, (list, tuple, np.ndarray)) and np.ndim(a) == 1:  # one per target
            arr = np.asarray(a)
            if arr.size == 0 or arr.dtype.kind not in "iuf":
                raise TypeError(f"alpha must be a number >= 0 or a 1-D array of them (one per "
                                f"target), got {a!r}")
            if not (np.all(np.isfinite(arr)) and np.all(arr >= 0)):
                raise ValueError(f"alpha must hold finite numbers >= 0, got {a!r}")
            return arr.astype(np.float64) if arr.size > 1 else float(arr[0])
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Real):
            raise TypeError(f"alpha must be a number >= 0 or a 1-D array of them (one per "
                            f"target), got {a!r}")
        if not np.isfinite(a) or a < 0:
            raise ValueError(f"alpha must be a finite number >= 0, got {a!r}")
        return float(a)
