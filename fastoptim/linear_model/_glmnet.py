r"""The L1 / elastic-net linear classifiers' solver: newGLMNET in C (``fo_glmnet_logistic``).

.. math::

    \min_{w, b}\; \sum_i c_i\, l(y_i (x_i \cdot w + b)) + l_1 \|w\|_1 + \tfrac{l_2}{2} \|w\|^2

with :math:`l(m) = \log(1 + e^{-m})` (LogisticRegression, :math:`c_i = C s_i`,
:math:`l_1` = the L1 share, :math:`l_2 = 1 - l_1`) or :math:`l(m) = \max(0, 1 - m)^2`
(LinearSVC's squared hinge), the intercept not penalized.  Newton steps whose direction
minimizes the quadratic model by coordinate descent, with liblinear's shrinking and the
intercept eliminated from the inner model; see ``src_c/include/fastoptim/fo_cd.h``.

G.-X. Yuan, C.-H. Ho and C.-J. Lin, "An improved GLMNET for L1-regularized logistic
regression", JMLR 13, 2012.

:class:`ColumnData` holds X once in the solver's layout (a column-major copy, or CSC) for
any number of binary problems (one-vs-rest); :meth:`ColumnData.solve` runs one.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._core import _cd, _status
from .._validation import csc_parts

__all__ = ["ColumnData", "LOGISTIC", "SQUARED_HINGE", "sample_costs"]

LOGISTIC, SQUARED_HINGE = _cd.LOGISTIC, _cd.SQUARED_HINGE

_OVERFLOW = ("the solver's objective stopped being finite (the margins overflow): the values "
             "of X are too large; scale X (e.g. standardize its columns) or use a smaller C")


#: the smallest C s_i the solver takes: below it the curvatures C s_i l''(m) x_ij^2 lose
#: their precision in the subnormal range (and the penalty's 1/C overflows for the others)
_SMALLEST_COST = 1e-300


def sample_costs(C, sample_weight, n_samples):
    """The costs c_i = C s_i (n_samples doubles); a C too small for them is a ValueError."""
    cost = np.full(n_samples, float(C)) if sample_weight is None else \
        float(C) * np.asarray(sample_weight, dtype=np.float64)
    positive = cost[cost > 0]
    if positive.size and positive.min() < _SMALLEST_COST:
        raise ValueError(f"C={C!r} is too small: C times the sample weights falls below "
                         f"{_SMALLEST_COST:g}, where the loss's curvature loses its precision; "
                         f"use a larger C (or larger sample weights)")
    return cost


class ColumnData:
    """X in the column layout of the C solver: dense column-major (float32 kept) or CSC.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features), float32 or float64
    extra_column : float, optional
        Append a constant column of this value (LinearSVC's penalized intercept:
        liblinear's feature of value ``intercept_scaling``).
    """

    def __init__(self, X, extra_column=None):
        n, p = X.shape
        self.n_samples, self.n_features, self.dtype = n, p, X.dtype
        self.n_columns = p + (extra_column is not None)
        if sp.issparse(X):
            if extra_column is not None:
                col = sp.csr_matrix(np.full((n, 1), extra_column, dtype=X.dtype))
                X = sp.hstack([X, col], format="csr")
            self.layout = _cd.CSC
            self.values, self.indices, self.indptr = csc_parts(X)
        else:  # one column-major copy, the constant column written into it
            F = np.empty((n, self.n_columns), dtype=X.dtype, order="F")
            F[:, :p] = X
            if extra_column is not None:
                F[:, p] = extra_column
            self.layout = _cd.DENSE
            self.values = F.ravel(order="F")
            self.indices = self.indptr = None

    def solve(self, y, cost, *, l1, l2, loss, fit_intercept, tol, max_iter, seed,
              coef=None, intercept=None, max_inner=100):
        """One binary problem (y in {-1, +1}, cost c_i >= 0) from coef / intercept (None: 0).

        Returns (w of n_columns doubles, b, n_iter, status): status is _status.OK or
        _status.STOP_MAX_ITER; an overflow raises ValueError, Ctrl-C KeyboardInterrupt.
        """
        w = np.zeros(self.n_columns)
        if coef is not None:
            w[:len(coef)] = coef
        b = np.array([0.0 if intercept is None else float(intercept)])
        status, n_iter = _cd.glmnet_logistic(
            self.layout, self.values, self.indices, self.indptr, self.n_samples,
            self.n_columns, np.ascontiguousarray(y, dtype=np.float64),
            np.ascontiguousarray(cost, dtype=np.float64), float(l1), float(l2),
            bool(fit_intercept), float(tol), int(max_iter), int(max_inner), w, b,
            int(loss), int(seed))
        if status == _status.ERR_NONFINITE:
            raise ValueError(_OVERFLOW)
        if status not in (_status.OK, _status.STOP_MAX_ITER):
            _status.check_status(status)
        return w, float(b[0]), int(n_iter), status
