r"""Losses over a data set: fused value + gradient, Hessian-vector products and
per-sample derivatives, all computed by the C core in one pass over X.

The objective, for n samples with weights :math:`w_i` (1 by default) and
scores :math:`z_i = x_i \cdot coef + intercept`:

.. math::

    F(coef, intercept) = \frac{\sum_i w_i\, l(z_i, y_i)}{\sum_i w_i}
                         + \frac{\alpha}{2} \lVert coef \rVert^2

(the intercept is not penalized).  The losses:

==================== ============================================== ==================
name                 per-sample loss                                targets y
==================== ============================================== ==================
``squared``          :math:`(z - y)^2 / 2`                          real numbers
``logistic``         :math:`\log(1 + e^{-y z})`                     -1/+1 (0 is -1)
``hinge``            :math:`\max(0, 1 - y z)`                       -1/+1 (0 is -1)
``squared_hinge``    :math:`\max(0, 1 - y z)^2`                     -1/+1 (0 is -1)
``softmax``          :math:`\log \sum_k e^{z_k} - z_y`              classes 0..K-1
``multiclass_hinge`` :math:`\sum_{j \ne y} \max(0, z_j - z_y + 1)`  classes 0..K-1
==================== ============================================== ==================

The multiclass losses take ``coef`` of shape (K, n_features) and
``intercept`` of shape (K,); the binary ones ``coef`` of shape (n_features,)
(or (1, n_features)) and a scalar intercept.  Subgradients are used at the
kinks of the hinge losses (0 at the kink).

X may be dense (float32 or float64, any memory order) or sparse (any
scipy.sparse format; used as CSR).  float32 data is never converted: dense
float32 rows are scored and their per-sample losses computed in float32, and
every sum over rows is accumulated in double (results are float32-accurate,
about 1e-6 relative).  Rows are split into ``n_threads`` contiguous
blocks, each summed on its own and combined in a fixed order: the same thread
count always gives the same bits.
"""
from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from ._threads import effective_n_threads
from ._core import _loss, _status
from ._validation import (as_float_data, as_float_vector, as_param_array, check_finite,
                          check_real, check_rows, check_scalar, csr_parts, stored_values)

__all__ = ["LOSSES", "HessianOperator", "Objective", "loss_grad", "loss_hessp", "pointwise_loss"]

#: Names of the losses, in the order of the C core's ids.
LOSSES = tuple(sorted(_loss.LOSS_IDS, key=_loss.LOSS_IDS.get))
_MULTICLASS = ("softmax", "multiclass_hinge")
_LABELS_PM1 = ("logistic", "hinge", "squared_hinge")
_TWICE_DIFFERENTIABLE = ("squared", "logistic", "squared_hinge", "softmax")


def _check_loss(loss):
    if not isinstance(loss, str):
        raise TypeError(f"loss must be a string, one of {', '.join(map(repr, LOSSES))}; got {loss!r}")
    if loss not in _loss.LOSS_IDS:
        raise ValueError(f"unknown loss {loss!r}; valid losses are {', '.join(map(repr, LOSSES))}")
    return loss


def _targets(loss, y, dtype, n_samples, n_classes):
    """Validate y for `loss`; returns (y as dtype, number of score outputs)."""
    y = as_float_vector(y, "y", np.float64, n_samples)
    check_finite(y, "y")
    if loss in _LABELS_PM1:
        if not np.all((y == 1) | (y == -1) | (y == 0)):
            bad = np.unique(y[(y != 1) & (y != -1) & (y != 0)])[:5]
            raise ValueError(
                f"loss {loss!r} needs labels y in {{-1, +1}} (0 is read as -1); got values "
                f"such as {bad.tolist()}; encode the two classes as -1/+1 first"
            )
        return np.ascontiguousarray(np.where(y == 0, -1.0, y), dtype=dtype), 1
    if loss in _MULTICLASS:
        if np.any(y < 0) or np.any(y != np.floor(y)):
            raise ValueError(
                f"loss {loss!r} needs integer class indices 0..K-1 in y; got values such as "
                f"{np.unique(y[(y < 0) | (y != np.floor(y))])[:5].tolist()}"
            )
        k_needed = int(y.max()) + 1
        if n_classes is None:
            n_classes = max(k_needed, 2)
        if isinstance(n_classes, (bool, np.bool_)) or not isinstance(n_classes, numbers.Integral):
            raise TypeError(f"n_classes must be an int, got {n_classes!r}")
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2 for loss {loss!r}, got {n_classes}")
        if k_needed > n_classes:
            raise ValueError(
                f"y holds class index {k_needed - 1} but there are only n_classes={n_classes} "
                f"classes (coef has {n_classes} rows); indices must be < n_classes"
            )
        return np.ascontiguousarray(y, dtype=dtype), int(n_classes)
    return np.ascontiguousarray(y, dtype=dtype), 1


def _sample_weight(sample_weight, dtype, n_samples):
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, (bool, np.bool_)):
        sample_weight = np.full(n_samples, sample_weight, dtype=np.float64)
    sw = as_float_vector(sample_weight, "sample_weight", np.float64, n_samples)
    check_finite(sw, "sample_weight")
    if np.any(sw < 0):
        raise ValueError("sample_weight must be non-negative; found negative weights")
    if not sw.sum() > 0:
        raise ValueError("sample_weight must have a positive sum; all weights are zero")
    return np.ascontiguousarray(sw, dtype=dtype)


class Objective:
    r"""The penalized loss of a model over a fixed data set, evaluated by the C core.

    Validates and converts the data once; every evaluation is then a single
    pass over X with no copy.  Solvers (L-BFGS, Newton-CG, ...) use this.

    Parameters
    ----------
    loss : str
        One of :data:`LOSSES`.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        float32 data stays float32; other numbers become float64.
    y : array-like of shape (n_samples,)
        Targets: reals for 'squared', -1/+1 (or 0/1) for the binary
        classification losses, class indices 0..K-1 for the multiclass ones.
    sample_weight : array-like of shape (n_samples,) or float, optional
        Non-negative weights with a positive sum (a number: the same weight for
        every sample).  None (the default): every weight is 1.
    alpha : float, default 0
        L2 penalty strength: adds (alpha / 2) ||coef||^2.
    n_classes : int, optional
        K for the multiclass losses; ``max(y) + 1`` by default (at least 2).
        Ignored by the binary losses and 'squared'.
    n_threads : int or None, default None
        Threads of the C passes over X; None: what OpenMP allows, fewer for a
        small data set.  See :func:`fastoptim._threads.effective_n_threads`.
    rows : array-like of int, optional
        The objective over the row subset ``X[rows]`` without copying X: X, y
        and sample_weight keep every row, and only the rows listed (sample
        numbers, at least one) enter the objective -- the same values, bit for
        bit, as an Objective over copies of those rows.  :meth:`value_grad` and
        the training engine (:func:`fastoptim.optim.run_epoch`) take it; the
        Hessian methods need an objective over whole arrays.

    Attributes
    ----------
    n_samples, n_features, n_outputs : int
        n_outputs is K for the multiclass losses and 1 otherwise; n_samples
        counts the objective's rows (``len(rows)`` for a row subset).
    weight_sum : float
        The sum of the sample weights of the objective's rows (n_samples without
        weights).
    rows : ndarray of int64 or None
        The row subset, or None (every row of X).
    dtype : numpy.dtype
        The working dtype (float32 or float64).
    coef_shape : tuple
        ``(n_features,)`` for binary losses, ``(K, n_features)`` for multiclass.
    """

    def __init__(self, loss: str, X: ArrayLike | sp.spmatrix | sp.sparray, y: ArrayLike, *,
                 sample_weight: ArrayLike | float | None = None, alpha: float = 0.0,
                 n_classes: int | None = None, n_threads: int | None = None,
                 rows: ArrayLike | None = None) -> None:
        self.loss = _check_loss(loss)
        self._loss_id = _loss.LOSS_IDS[self.loss]
        X = as_float_data(X, "X")
        self.dtype = X.dtype
        n_all, self.n_features = X.shape
        self.X = X
        if sp.issparse(X):
            self._values, self._indices, self._indptr = csr_parts(X, "X")
        else:
            self._values, self._indices, self._indptr = X.reshape(-1), None, None
        self.rows = None if rows is None else check_rows(rows, n_all)
        self.n_samples = n_all if self.rows is None else len(self.rows)
        # _y and _sample_weight are what the C core reads: every row, by sample number
        if self.rows is not None and n_classes is None and self.loss in _MULTICLASS:
            y_rows = as_float_vector(y, "y", np.float64, n_all)[self.rows]
            if np.all(np.isfinite(y_rows)) and np.all(y_rows >= 0):
                n_classes = max(int(y_rows.max()) + 1, 2)  # as an Objective over y[rows]
        self._y, self.n_outputs = _targets(self.loss, y, self.dtype, n_all, n_classes)
        self._sample_weight = _sample_weight(sample_weight, self.dtype, n_all)
        w_rows = self.rows_of(self._sample_weight)
        self.weight_sum = (float(self.n_samples) if w_rows is None
                           else float(np.sum(w_rows, dtype=np.float64)))
        if not self.weight_sum > 0:
            raise ValueError("sample_weight must have a positive sum over the rows used; all "
                             "their weights are zero")
        self.alpha = float(check_scalar(alpha, "alpha", min_value=0.0))
        if self.rows is None:
            stored = stored_values(X)
        elif self._indptr is not None:  # the rows' nonzeros
            stored = int(np.sum(self._indptr[self.rows + 1] - self._indptr[self.rows]))
        else:
            stored = self.n_samples * self.n_features
        self.n_threads = effective_n_threads(n_threads, work=stored * self.n_outputs)
        self.n_threads_requested = n_threads
        self.values_per_row = stored / self.n_samples
        self._messages = {
            _status.ERR_BAD_ARGUMENT: (
                f"X has column indices outside [0, {self.n_features}); "
                f"rebuild the sparse matrix with shape[1] covering every index"
            ),
        }

    def rows_of(self, values: np.ndarray | None) -> np.ndarray | None:
        """``values`` (one per row of X, or None) restricted to the objective's rows.

        Parameters
        ----------
        values : ndarray of shape (X.shape[0], ...) or None
            One entry per row of X (e.g. sample weights or targets).

        Returns
        -------
        ndarray or None
            ``values[rows]`` for an objective over a row subset; ``values``
            itself (None stays None) otherwise.
        """
        if values is None or self.rows is None:
            return values
        return values[self.rows]

    def _whole(self, what):
        if self.rows is not None:
            raise ValueError(f"{what} is not available on an Objective over a row subset "
                             f"(rows=...); build the Objective over X[rows]")

    def threads_for(self, work: int | float) -> int:
        """Threads for one parallel region of a C call that reads about ``work`` values.

        An explicit ``n_threads`` is used as given; with ``n_threads=None``, one
        thread per :data:`fastoptim._threads.MIN_WORK_PER_THREAD` values at most
        (the training engine asks with one batch's values: its threads meet once
        per batch).

        Parameters
        ----------
        work : int or float
            About how many values the parallel region reads (for example the
            stored entries of a batch times the number of outputs).

        Returns
        -------
        int
            The number of threads to use, >= 1.
        """
        return effective_n_threads(self.n_threads_requested, work=work)

    @property
    def coef_shape(self) -> tuple[int, ...]:
        """``(n_features,)`` for the binary losses and 'squared', ``(K, n_features)`` for
        the multiclass ones."""
        if self.loss in _MULTICLASS:
            return (self.n_outputs, self.n_features)
        return (self.n_features,)

    # -- argument conversion ---------------------------------------------------

    def _coef(self, coef, name="coef"):
        arr = check_real(np.asarray(coef), name)
        shape = self.coef_shape
        ok = arr.shape == shape or (len(shape) == 1 and arr.shape == (1, shape[0]))
        if not ok:
            raise ValueError(
                f"{name} has shape {arr.shape} but loss {self.loss!r} on X with "
                f"{self.n_features} features needs shape {shape}"
                + ("" if len(shape) == 1 else " (one row per class)")
            )
        return as_param_array(arr, name, self.dtype).reshape(-1), arr.shape

    def _intercept(self, intercept, name="intercept"):
        if intercept is None:
            return None, None
        arr = check_real(np.asarray(intercept), name)
        K = self.n_outputs
        if not (arr.shape == (K,) or (K == 1 and arr.shape == ())):
            raise ValueError(
                f"{name} has shape {arr.shape} but loss {self.loss!r} needs "
                + ("a scalar" if K == 1 else f"shape ({K},)")
            )
        return as_param_array(arr, name, self.dtype).reshape(-1), arr.shape

    def _check(self, status):
        if status == _status.ERR_NONFINITE:
            check_finite(self.X, "X")
            raise FloatingPointError(
                f"the {self.loss!r} objective overflowed: some score x.coef + intercept is too "
                f"large to represent; scale X (e.g. standardize it) or use smaller coefficients"
            )
        _status.check_status(status, self._messages)

    def _hessp_check(self):
        if self.loss not in _TWICE_DIFFERENTIABLE:
            raise ValueError(
                f"the Hessian is not defined for loss {self.loss!r} (not twice "
                f"differentiable); use one of {', '.join(map(repr, _TWICE_DIFFERENTIABLE))} "
                f"or a first-order solver"
            )

    def _vec_intercept(self, b, vec_intercept):
        """The direction's intercept part: required with an intercept, ignored without."""
        if b is None:
            return None
        if vec_intercept is None:
            raise ValueError("vec_intercept is required when intercept is given")
        return self._intercept(vec_intercept, "vec_intercept")[0]

    @staticmethod
    def _shaped_intercept(flat, shape):
        if flat is None:
            return None
        return flat[0].item() if shape == () else flat.reshape(shape)

    # -- evaluations -------------------------------------------------------------

    def value_grad(self, coef: ArrayLike, intercept: ArrayLike | float | None = None,
                   ) -> tuple[float, np.ndarray, np.ndarray | float | None]:
        """Objective value and gradient, in one pass over X.

        Parameters
        ----------
        coef : array-like of shape ``coef_shape``
            The coefficients where the objective is evaluated (a binary loss
            also takes shape (1, n_features)); converted to the working dtype.
        intercept : float or array-like of shape (K,), optional
            ``None`` fits no intercept.

        Returns
        -------
        value : float
        grad_coef : ndarray, same shape as ``coef``, in the working dtype
        grad_intercept : float, ndarray of shape (K,), or None
        """
        c, c_shape = self._coef(coef)
        b, b_shape = self._intercept(intercept)
        g = np.empty_like(c)
        gb = None if b is None else np.empty_like(b)
        status, value = _loss.loss_grad(
            self._loss_id, self._values, self._indices, self._indptr, self.X.shape[0],
            self.n_features, self._y, self._sample_weight, self.n_outputs, c, b, self.alpha,
            self.n_threads, g, gb, self.rows)
        self._check(status)
        return value, g.reshape(c_shape), self._shaped_intercept(gb, b_shape)

    def hessp(self, coef: ArrayLike, intercept: ArrayLike | float | None, vec_coef: ArrayLike,
              vec_intercept: ArrayLike | float | None = None,
              ) -> tuple[np.ndarray, np.ndarray | float | None]:
        """Hessian-vector product of the objective at (coef, intercept), in one pass over X.

        Defined for 'squared', 'logistic', 'softmax' and 'squared_hinge' (its
        generalized Hessian, as in liblinear's Newton solver).

        Parameters
        ----------
        coef, intercept : as in :meth:`value_grad`
            The point where the Hessian is taken.
        vec_coef : array-like, same shape as coef
            The coefficients' part of the direction v multiplied by the Hessian.
        vec_intercept : float or array-like of shape (K,), optional
            The intercepts' part of v.  Required when ``intercept`` is not None,
            ignored when it is None.

        Returns
        -------
        hv_coef : ndarray, same shape as coef
        hv_intercept : float, ndarray of shape (K,), or None
        """
        self._hessp_check()
        self._whole("hessp")
        c, c_shape = self._coef(coef)
        b, b_shape = self._intercept(intercept)
        v, _ = self._coef(vec_coef, "vec_coef")
        vb = self._vec_intercept(b, vec_intercept)
        out = np.empty_like(c)
        outb = None if b is None else np.empty_like(b)
        status = _loss.loss_hessp(
            self._loss_id, self._values, self._indices, self._indptr, self.n_samples,
            self.n_features, self._y, self._sample_weight, self.n_outputs, c, b, v, vb,
            self.alpha, self.n_threads, out, outb)
        self._check(status)
        return out.reshape(c_shape), self._shaped_intercept(outb, b_shape)

    def hessp_operator(self, coef: ArrayLike, intercept: ArrayLike | float | None = None,
                       ) -> HessianOperator:
        """The Hessian at (coef, intercept) as a function of the direction (truncated Newton).

        Conjugate gradients multiply by the Hessian many times at one point. What
        depends on the point is computed here once, in one pass over X: for the
        binary losses ('squared', 'logistic', 'squared_hinge') the per-sample
        curvatures w_i l''(z_i) / sum(w) (``n_samples`` float64 values kept), for
        'softmax' the class probabilities (``n_samples * K`` values). Each product
        is then one pass over X that evaluates no loss function (the binary losses
        skip the rows of zero curvature, a squared hinge past its margin).
        :meth:`hessp` is this operator built and applied once.

        Parameters
        ----------
        coef, intercept : as in :meth:`value_grad`
            The point where the Hessian is taken (copied: later changes to the
            arrays passed do not move it).

        Returns
        -------
        hvp : HessianOperator
            ``hvp(vec_coef, vec_intercept=None) -> (hv_coef, hv_intercept)``, the
            products :meth:`hessp` returns at (coef, intercept), bit for bit;
            ``hvp.diagonal()`` the Hessian's diagonal.
        """
        self._hessp_check()
        self._whole("hessp_operator")
        c, c_shape = self._coef(coef)
        b, b_shape = self._intercept(intercept)
        n_curv = self.n_samples * (self.n_outputs if self.loss in _MULTICLASS else 1)
        curv = np.empty(n_curv)
        self._check(_loss.loss_curvature(
            self._loss_id, self._values, self._indices, self._indptr, self.n_samples,
            self.n_features, self._y, self._sample_weight, self.n_outputs, c, b,
            self.n_threads, curv))

        def product(vec_coef, vec_intercept=None):
            v, _ = self._coef(vec_coef, "vec_coef")
            vb = self._vec_intercept(b, vec_intercept)
            out = np.empty_like(v)
            outb = None if b is None else np.empty_like(b)
            self._check(_loss.loss_hessp_curv(
                self._loss_id, self._values, self._indices, self._indptr, self.n_samples,
                self.n_features, self._y, self._sample_weight, self.n_outputs, curv, v, vb,
                self.alpha, self.n_threads, out, outb))
            return out.reshape(c_shape), self._shaped_intercept(outb, b_shape)

        def diagonal():
            K = self.n_outputs
            diag = np.empty(K * self.n_features + K)
            self._check(_loss.loss_hessian_diag(
                self._loss_id, self._values, self._indices, self._indptr, self.n_samples,
                self.n_features, self._y, self._sample_weight, K, curv, self.alpha,
                self.n_threads, diag))
            dc = diag[:-K].reshape(c_shape)
            if b is None:
                return dc, None
            return dc, self._shaped_intercept(diag[-K:], b_shape)

        return HessianOperator(product, diagonal)

    def hessian(self, coef: ArrayLike, intercept: ArrayLike | float | None = None,
                ) -> tuple[float, np.ndarray, np.ndarray]:
        r"""Value, gradient and the full Hessian in one pass (few features).

        For Newton's method with a Cholesky factorization.  Binary losses: the
        Hessian is a dense (d + 1) x (d + 1) float64 matrix, the last row and column
        for the intercept; 'squared_hinge' gets its generalized Hessian.  'softmax'
        (K classes): a (K (d + 1))^2 matrix over the packed parameter vector
        ``[coef.ravel(), intercept]`` (coef row-major, the K intercepts last), block
        (k, l) of the coefficients
        :math:`\sum_i w_i (p_{ik} [k = l] - p_{ik} p_{il}) x_i x_i^T / \sum_i w_i +
        \alpha [k = l] I`; without a penalty it is singular along each feature's equal
        shift over the classes, and along the intercepts' equal shift always.  The
        intercept's entries are dropped when ``intercept`` is None.  'hinge' and
        'multiclass_hinge' have none here.

        Parameters
        ----------
        coef : array-like of shape ``coef_shape``
            The coefficients where the Hessian is taken.
        intercept : float or array-like of shape (K,), optional
            The intercept(s) there; None (the default): a model without
            intercept, whose rows and columns are left out.

        Returns
        -------
        value : float
        grad : ndarray of float64, shape (n,)
            n = d (+ 1 with an intercept) for the binary losses, K d (+ K) for 'softmax'.
        hess : ndarray of float64, shape (n, n)
        """
        if self.loss not in ("squared", "logistic", "squared_hinge", "softmax"):
            raise ValueError(f"the full Hessian is defined here for 'squared', 'logistic', "
                             f"'squared_hinge' and 'softmax', not {self.loss!r}; use hessp or a "
                             f"first-order solver")
        self._whole("hessian")
        softmax = self.loss == "softmax"
        K = self.n_outputs if softmax else 1
        P = self.n_features + 1
        n = K * P
        if n * n > 1 << 24:
            what = (f"the softmax Hessian of {K} classes x {self.n_features} features "
                    f"({n} x {n})" if softmax else f"the Hessian of {self.n_features} features")
            raise ValueError(f"{what} would need {n * n * 8 / 2 ** 20:.0f} MB per thread; use a "
                             f"Hessian-free solver (solver='newton-cg' or 'lbfgs'; "
                             f"Objective.hessp)")
        c, _ = self._coef(coef)
        b, _ = self._intercept(intercept)
        grad = np.empty(n)
        hess = np.empty(n * n)
        # its own thread count: the work is the products of each row's stored entries
        # (times the K (K + 1) / 2 class pairs for softmax)
        if getattr(self, "_hessian_pairs", None) is None:
            if self._indptr is not None:
                per_row = np.diff(self._indptr)
            elif softmax:  # its dense rows skip their zeros
                per_row = np.count_nonzero(self.X, axis=1)
            else:
                per_row = np.full(self.n_samples, self.n_features)
            per_row = per_row.astype(np.int64)
            self._hessian_pairs = int(np.sum(per_row * (per_row + 1) // 2)) * (K * (K + 1) // 2)
        n_threads = self.threads_for(self._hessian_pairs)
        status, value = _loss.loss_hessian(
            self._loss_id, self._values, self._indices, self._indptr, self.n_samples,
            self.n_features, self._y, self._sample_weight, self.n_outputs, c, b, self.alpha,
            n_threads, grad, hess)
        self._check(status)
        hess = hess.reshape(n, n)
        if b is None:
            keep = n - K  # the packed coefficients come first, the K intercepts last
            return value, grad[:keep], hess[:keep, :keep]
        return value, grad, hess


class HessianOperator:
    """The Hessian of an :class:`Objective` at one point (see :meth:`Objective.hessp_operator`).

    Parameters
    ----------
    product : callable
        ``product(vec_coef, vec_intercept=None) -> (hv_coef, hv_intercept)``:
        the Hessian-vector product at the point, what calling the operator does.
    diagonal : callable
        ``diagonal() -> (diag_coef, diag_intercept)``: the Hessian's diagonal at
        the point, what :meth:`diagonal` returns.
    """

    def __init__(self, product: Callable[..., tuple[np.ndarray, Any]],
                 diagonal: Callable[[], tuple[np.ndarray, Any]]) -> None:
        self._product = product
        self._diagonal = diagonal

    def __call__(self, vec_coef: ArrayLike, vec_intercept: ArrayLike | float | None = None,
                 ) -> tuple[np.ndarray, np.ndarray | float | None]:
        """H v: (hv_coef, hv_intercept), shaped as :meth:`Objective.hessp` returns them.

        Parameters
        ----------
        vec_coef : array-like, shaped like coef
            The coefficients' part of the direction v.
        vec_intercept : float or array-like of shape (K,), optional
            The intercepts' part of v: required when the operator was built with
            an intercept, ignored otherwise.
        """
        return self._product(vec_coef, vec_intercept)

    def diagonal(self) -> tuple[np.ndarray, np.ndarray | float | None]:
        """The Hessian's diagonal, for a Jacobi preconditioner (one pass over X).

        Returns
        -------
        (diag_coef, diag_intercept)
            float64, ``diag_coef`` shaped as coef, ``diag_intercept`` shaped as the
            intercept (None without one): sum_i w_i l''(z_i) x_ij^2 / sum(w) + alpha
            and sum_i w_i l''(z_i) / sum(w) for the binary losses, with
            l'' = p_k (1 - p_k) for each class k of 'softmax'.
        """
        return self._diagonal()


def _n_classes_from(loss, coef):
    if loss in _MULTICLASS:
        shape = np.shape(coef)
        if len(shape) != 2:
            raise ValueError(
                f"coef must be 2-D (n_classes, n_features) for loss {loss!r}, got shape {shape}")
        return shape[0]
    return None


def loss_grad(loss: str, X: ArrayLike | sp.spmatrix | sp.sparray, y: ArrayLike, coef: ArrayLike,
              intercept: ArrayLike | float | None = None, *,
              sample_weight: ArrayLike | None = None, alpha: float = 0.0,
              n_threads: int | None = None,
              ) -> tuple[float, np.ndarray, np.ndarray | float | None]:
    r"""Objective value and gradient of a loss, fused into one pass over X.

    Computes ``F = sum_i w_i l(z_i, y_i) / sum_i w_i + alpha / 2 ||coef||^2``
    with ``z_i = x_i . coef + intercept`` and its gradient with respect to
    ``coef`` and ``intercept`` (see the module docstring for the losses).

    Parameters
    ----------
    loss : {'squared', 'logistic', 'hinge', 'squared_hinge', 'softmax', 'multiclass_hinge'}
        The per-sample loss (see the module docstring).
    X : array-like or sparse matrix of shape (n_samples, n_features)
        The data; float32 stays float32, anything else becomes float64.
    y : array-like of shape (n_samples,)
        Targets: reals for 'squared', -1/+1 (or 0/1) for the binary
        classification losses, class indices 0..K-1 for the multiclass ones.
    coef : array-like of shape (n_features,) or (K, n_features) for multiclass losses
        The coefficients where the objective is evaluated; for the multiclass
        losses its number of rows sets K.
    intercept : float or array-like of shape (K,), optional
        ``None``: no intercept (and ``grad_intercept`` is None).
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weights with a positive sum; None (the default): every
        weight is 1.
    alpha : float, default 0
        L2 penalty on coef (not on the intercept).
    n_threads : int, optional
        ``None`` uses what OMP_NUM_THREADS / threadpoolctl allow.

    Returns
    -------
    value : float
    grad_coef : ndarray shaped like coef, in X's float dtype
    grad_intercept : float, ndarray of shape (K,), or None

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.losses import loss_grad
    >>> X = np.array([[1.0, 2.0], [3.0, -1.0]]); y = np.array([1, -1])
    >>> value, g, gb = loss_grad("logistic", X, y, np.zeros(2), 0.0)
    >>> round(value, 6)
    0.693147
    """
    obj = Objective(loss, X, y, sample_weight=sample_weight, alpha=alpha,
                    n_classes=_n_classes_from(loss, coef), n_threads=n_threads)
    return obj.value_grad(coef, intercept)


def loss_hessp(loss: str, X: ArrayLike | sp.spmatrix | sp.sparray, y: ArrayLike,
               coef: ArrayLike, intercept: ArrayLike | float | None, vec_coef: ArrayLike,
               vec_intercept: ArrayLike | float | None = None, *,
               sample_weight: ArrayLike | None = None, alpha: float = 0.0,
               n_threads: int | None = None) -> tuple[np.ndarray, np.ndarray | float | None]:
    """Hessian-vector product of the objective of :func:`loss_grad`, in one pass over X.

    Parameters
    ----------
    loss : {'squared', 'logistic', 'squared_hinge', 'softmax'}
        The per-sample loss: one of the twice-differentiable ones ('squared_hinge'
        gets its generalized Hessian).
    X, y, coef, intercept, sample_weight, alpha, n_threads
        As in :func:`loss_grad`; (coef, intercept) is the point where the
        Hessian is taken.
    vec_coef : array-like shaped like coef
        The coefficients' part of the direction v multiplied by the Hessian.
    vec_intercept : float or array-like of shape (K,), optional
        The intercepts' part of v: required with an intercept, ignored without
        one (the default None).

    Returns
    -------
    hv_coef : ndarray shaped like coef
    hv_intercept : float, ndarray of shape (K,), or None
    """
    obj = Objective(loss, X, y, sample_weight=sample_weight, alpha=alpha,
                    n_classes=_n_classes_from(loss, coef), n_threads=n_threads)
    return obj.hessp(coef, intercept, vec_coef, vec_intercept)


def pointwise_loss(loss: str, z: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample loss and its derivative with respect to the scores.

    The same C functions the fused kernels and the stochastic engine inline.

    Parameters
    ----------
    loss : str
        One of :data:`LOSSES`.
    z : array-like of shape (n,) for binary losses, (n, K) for multiclass ones
        Scores; float32 stays float32.
    y : array-like of shape (n,)
        Targets, as for :class:`Objective`: reals for 'squared', -1/+1 (or
        0/1) for the binary classification losses, class indices 0..K-1 for
        the multiclass ones.

    Returns
    -------
    loss_values : ndarray of shape (n,)
    dloss_dz : ndarray shaped like z
    """
    loss = _check_loss(loss)
    z_arr = check_real(np.asarray(z), "z")
    dtype = np.float32 if z_arr.dtype == np.float32 else np.float64
    if loss in _MULTICLASS:
        if z_arr.ndim != 2 or z_arr.shape[1] < 2:
            raise ValueError(f"z must have shape (n, K) with K >= 2 for loss {loss!r}, got {z_arr.shape}")
        n, K = z_arr.shape
    else:
        if z_arr.ndim != 1:
            raise ValueError(f"z must be 1-D for loss {loss!r}, got shape {z_arr.shape}")
        n, K = z_arr.shape[0], 1
    z_flat = np.ascontiguousarray(z_arr, dtype=dtype).reshape(-1)
    check_finite(z_flat, "z")
    y_arr, _ = _targets(loss, y, dtype, n, K if K > 1 else None)
    out_loss = np.empty(n, dtype=dtype)
    out_dz = np.empty(n * K, dtype=dtype)
    status = _loss.loss_pointwise(_loss.LOSS_IDS[loss], K, z_flat, y_arr, out_loss, out_dz)
    _status.check_status(status)
    return out_loss, out_dz.reshape(z_arr.shape)
