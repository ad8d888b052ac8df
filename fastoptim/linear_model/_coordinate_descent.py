r"""Lasso and ElasticNet, and their regularization paths, by coordinate descent in C.

Math.  scikit-learn's elastic-net objective, with sample weights s_i rescaled to sum to n:

.. math::

    \min_{w, b} \frac{1}{2n} \sum_i s_i (y_i - x_i^T w - b)^2
        + \alpha \rho \|w\|_1 + \frac{\alpha (1 - \rho)}{2} \|w\|_2^2

(rho = ``l1_ratio``; the Lasso is rho = 1).  The intercept is not penalized, so
it is eliminated by centering X and y with the weighted means; the rows are
scaled by sqrt(s_i); the C core (``src_c/cd.c``, math in ``fo_cd.h``) then
minimizes n times the objective over w by cyclic or random coordinate descent
(Friedman, Hastie & Tibshirani 2010), stops on scikit-learn's duality-gap
rule (gap < tol ||y_c||^2, checked after a pass whose largest step is below
tol times the largest weight) and discards, at each gap check, the features
that the gap-safe sphere proves zero (Ndiaye, Fercoq, Gramfort & Salmon
2017).  b = y_mean - x_mean^T w.

Layouts: dense X is centered into one column-major copy (a step is a dot
product and an axpy over a column); CSR/CSC X becomes one CSC copy and is
centered implicitly (a step touches only the column's stored entries);
``precompute=True`` (or 'auto', the default, where building the Gram matrix is
expected to pay for itself: :func:`_auto_gram`) solves on X^T X instead, a step
costing O(n_features), built as LinearRegression's normal equations (BLAS syrk
over row blocks centered on the fly; the sparse product for sparse X).

References: J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for
generalized linear models via coordinate descent", J. Stat. Softw. 33(1), 2010;
E. Ndiaye, O. Fercoq, A. Gramfort and J. Salmon, "Gap safe screening rules for
sparsity enforcing penalties", JMLR 18(128), 2017.
"""
from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .._blas import blas_threads
from .._core import _cd, _status
from .._moments import centered_normal_equations, weighted_means
from .._validation import check_finite, csc_parts
from ..base import (BaseEstimator, RegressorMixin, as_random_state, linear_scores,
                    validate_sample_weight, validate_X, validate_y)
from ..exceptions import ConvergenceWarning, warn

if TYPE_CHECKING:  # the annotations' names (never evaluated at run time)
    from typing import Self

    from numpy.typing import ArrayLike

__all__ = ["Lasso", "ElasticNet", "lasso_path", "enet_path"]


# -- parameter checks -------------------------------------------------------------------

def _real(value, name, low=None, high=None, low_open=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high:g}, got {value!r}")
    return value


def _check_l1_ratio(l1_ratio):
    if isinstance(l1_ratio, (bool, np.bool_)) or not isinstance(l1_ratio, numbers.Real):
        raise TypeError(f"l1_ratio must be a number in [0, 1], got {l1_ratio!r}")
    if not 0.0 <= float(l1_ratio) <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1] (1: the Lasso, 0: ridge), got {l1_ratio!r}")
    return float(l1_ratio)


def _check_max_iter(max_iter):
    if isinstance(max_iter, (bool, np.bool_)) or not isinstance(max_iter, numbers.Integral):
        raise TypeError(f"max_iter must be an int >= 1, got {max_iter!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    return int(max_iter)


def _check_selection(selection):
    if selection not in ("cyclic", "random"):
        raise ValueError(f"selection must be 'cyclic' or 'random', got {selection!r}")
    return selection == "random"


def _check_precompute(precompute):
    if isinstance(precompute, (bool, np.bool_)) or (isinstance(precompute, str)
                                                    and precompute == "auto"):
        return precompute
    if isinstance(precompute, np.ndarray) and precompute.ndim == 2:
        return precompute
    raise ValueError(f"precompute must be True, False, 'auto' or the Gram matrix X^T X as a "
                     f"2-D array, got {precompute!r}")


# -- the prepared problem ---------------------------------------------------------------

#: scikit-learn's words for data too large for float64 (its tests match them).
_NONFINITE = "Coordinate descent iterations resulted in non-finite parameter values: "

class _Problem:
    """X and the targets prepared once for the C solver, for any number of alphas.

    Holds the layout (dense column-major centered copy, CSC with implicit centering,
    or the Gram matrix), the centered and row-scaled targets (one column each), the
    offsets that give the intercept back, and n (the weights' sum after rescaling).
    """

    def __init__(self, X, Y, sample_weight, fit_intercept, precompute, path_default, Xy=None):
        n, d = X.shape
        self.n_samples, self.n_features, self.dtype = n, d, X.dtype
        sw = None
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float64)
            sw = sw * (n / sw.sum())  # scikit-learn's rescaling: the weights sum to n
        q = None if sw is None else np.sqrt(sw)
        if fit_intercept:
            with np.errstate(over="ignore", invalid="ignore"):  # overflow: refused below
                Xo, Yo = weighted_means(X, Y, sw)
        else:
            Xo = np.zeros(d)
            Yo = np.zeros(Y.shape[1])
        if not (np.all(np.isfinite(Xo)) and np.all(np.isfinite(Yo))):
            raise ValueError(_NONFINITE + "the means of X or y overflow float64; scale X and y")
        self.X_offset, self.y_offset = Xo, np.asarray(Yo, dtype=np.float64)
        Yc = np.asarray(Y, dtype=np.float64) - self.y_offset
        if q is not None:
            Yc *= q[:, None]
        self.Y = np.asfortranarray(Yc)
        self.yy = np.einsum("ij,ij->j", self.Y, self.Y)
        self.x_mean = self.q = self.gram = self.Xy = None
        self.values = self.indices = self.indptr = None
        sparse = sp.issparse(X)
        given = isinstance(precompute, np.ndarray)
        if given and precompute.shape != (d, d):
            raise ValueError(f"precompute must be the ({d}, {d}) Gram matrix X^T X, got shape "
                             f"{precompute.shape}")
        if given and ((fit_intercept and not np.allclose(Xo, 0.0))
                      or (sw is not None and np.any(sw != 1.0))):
            # the Gram matrix of X as given is not the centered (weighted) one the solver
            # needs: recompute it, as scikit-learn does, rather than solve the wrong problem
            why = ("centered to fit intercept" if fit_intercept and not np.allclose(Xo, 0.0)
                   else "weighted by sample_weight")
            warn(f"Gram matrix was provided but X was {why}: recomputing Gram matrix. Pass "
                 f"precompute=True, or the Gram matrix of the centered, weighted X",
                 UserWarning, stacklevel=4)
            precompute, given = True, False
        # 'auto': the Gram matrix where building it is expected to pay back (_auto_gram)
        use_gram = precompute is True or given or (
            isinstance(precompute, str) and _auto_gram(X, path_default))
        if use_gram:
            self.layout = _cd.GRAM
            G, self.Xy = _gram(X, Y, sw, fit_intercept, precompute if given else None,
                               Xy if given else None)
            self.gram = np.ascontiguousarray(G, dtype=np.float64).ravel()
            return
        if sparse:
            # one CSC copy of X (its rows scaled by q with sample weights)
            self.layout = _cd.CSC
            self.values, self.indices, self.indptr = csc_parts(X, q)
            if fit_intercept:
                self.x_mean = Xo
                self.q = q if q is not None else np.ones(n)
            return
        self.layout = _cd.DENSE
        self.values = _centered_copy(X, Xo if fit_intercept else None, q).ravel(order="F")

    def Xty(self, k):
        """X_c^T y_c of target k (the alpha grid's start)."""
        if self.layout == _cd.GRAM:
            return self.Xy[:, k]
        y = self.Y[:, k]
        if self.layout == _cd.DENSE:
            X = self.values.reshape(self.n_features, self.n_samples)  # row j: column j
            return X.astype(np.float64, copy=False) @ y
        C = sp.csc_matrix((self.values, self.indices, self.indptr),
                          shape=(self.n_samples, self.n_features))
        out = np.asarray(C.T @ y, dtype=np.float64).ravel()
        if self.x_mean is not None:
            out -= self.x_mean * (self.q @ y)
        return out

    def solve(self, k, alpha, l1_ratio, w, *, tol, max_iter, positive, random, seed,
              screening=True):
        """Coordinate descent for target k from w (updated in place); (gap / n, n_iter, status).

        screening=False turns the gap-safe screening off (the tests compare both)."""
        n = self.n_samples
        l1, l2 = alpha * l1_ratio * n, alpha * (1.0 - l1_ratio) * n
        empty = np.empty(0, dtype=self.dtype)
        values = self.values if self.values is not None else empty
        status, gap, n_iter = _cd.enet_cd(
            self.layout, values, self.indices, self.indptr, n, self.n_features,
            self.Y[:, k] if self.layout != _cd.GRAM else None, self.x_mean, self.q,
            self.gram, self.Xy[:, k] if self.Xy is not None else None, float(self.yy[k]),
            l1, l2, bool(positive), bool(random), int(seed), float(tol),
            float(tol) * float(self.yy[k]), int(max_iter), bool(screening), w)
        if status == _status.ERR_NONFINITE:
            raise ValueError(_NONFINITE + "X or y is too large for float64; scale X and y")
        _status.check_status(status)
        return gap / n, n_iter, status


#: precompute='auto' uses the Gram matrix up to this many features (8 MB per 1000).
_AUTO_GRAM_MAX_FEATURES = 4096
#: precompute='auto': the passes a fit is expected to make at least (a single fit at the
#: default tol makes tens to hundreds; a path of 100 alphas, hundreds to thousands).
_EXPECTED_PASSES = {"fit": 10, "path": 1000}


def _auto_gram(X, path):
    """precompute='auto': whether solving on the Gram matrix is expected to be faster.

    A pass over the Gram matrix costs d^2 multiply-adds, one over X 2 nnz (a dot product and
    an axpy per column), so it needs n > d (dense) or d^2 < nnz (sparse).  Building it
    costs n d^2 / 2 multiply-adds at BLAS's peak (dense: about 8 times a memory-bound pass's
    rate) or about nnz^2 / n for the sparse product, which the cheaper passes pay back after
    about d / 16 (dense) or nnz / (2 n) (sparse) passes; the Gram matrix is used when that
    is within the passes the call is expected to make."""
    n, d = X.shape
    if n <= d or d > _AUTO_GRAM_MAX_FEATURES:
        return False
    if sp.issparse(X):
        if d * d >= X.nnz:
            return False
        payback = X.nnz / (2.0 * n)
    else:
        payback = d / 16.0
    return payback <= _EXPECTED_PASSES["path" if path else "fit"]


def _centered_copy(X, x_mean, q):
    """The solver's own column-major copy of dense X, centered (x_mean not None) and with
    its rows scaled by q (not None): column j is contiguous, a view of ``.ravel('F')``."""
    Xc = np.array(X, dtype=X.dtype, order="F")
    if x_mean is not None:
        Xc -= x_mean.astype(X.dtype)
    if q is not None:
        Xc *= q.astype(X.dtype)[:, None]
    return Xc


def _gram(X, Y, sw, fit_intercept, given=None, given_xy=None):
    """(G, Xy): X~^T X~ (float64, d x d) and X~^T Y~ of the centered, row-scaled data.

    Computed by :func:`fastoptim._moments.centered_normal_equations` (LinearRegression's
    normal equations: BLAS syrk over row blocks centered on the fly, X never copied;
    sparse X through the sparse product less the centering's rank-one term).
    ``given`` (precompute=array): used as G after a check of its diagonal and one column,
    as scikit-learn checks it (O(nnz) instead of the product); ``given_xy`` (the paths'
    Xy): used as X~^T Y~ with it."""
    n, d = X.shape
    if given is None:
        with blas_threads(2):
            G, Xy, _, _ = centered_normal_equations(X, Y, sw, fit_intercept)
        if sp.issparse(X) and fit_intercept:
            # a constant column is zero once centered, up to the rounding of the rank-one
            # term: make it exactly zero (as the CSC solver does), so it gets no weight
            raw = np.asarray(X.multiply(X).T @ (sw if sw is not None else np.ones(n))).ravel()
            flat = np.diag(G) <= 1e-12 * raw
            G[flat, :] = 0.0
            G[:, flat] = 0.0
            Xy[flat] = 0.0
        return G, np.asfortranarray(Xy)
    # a given Gram matrix comes with unweighted data (the caller recomputes it otherwise):
    # the centering enters through rank-one terms, and X is never copied
    x_mean, y_mean = (weighted_means(X, Y, None) if fit_intercept
                      else (np.zeros(d), np.zeros(Y.shape[1])))
    Yc = np.asarray(Y, dtype=np.float64) - y_mean
    if given_xy is not None:
        Xy = np.asarray(given_xy, dtype=np.float64).reshape(d, -1)
        check_finite(Xy, "Xy")
    else:
        Xy = np.asarray(X.T @ Yc, dtype=np.float64) - np.outer(x_mean, Yc.sum(axis=0))
    j = int(np.argmax(np.abs(Xy[:, 0]))) if Xy.size else 0
    if sp.issparse(X):
        xj = np.asarray(X[:, j].toarray(), dtype=np.float64).ravel()
        diag = np.asarray(X.multiply(X).sum(axis=0), dtype=np.float64).ravel()
    else:
        xj = X[:, j].astype(np.float64)
        diag = np.einsum("ij,ij->j", X, X, dtype=np.float64)
    col = np.asarray(X.T @ xj, dtype=np.float64).ravel() - n * x_mean * x_mean[j]
    diag = diag - n * x_mean ** 2
    return _check_gram(given, diag, col, j), np.asfortranarray(Xy, dtype=np.float64)


def _check_gram(given, diag, col, j):
    """The user's Gram matrix (precompute=array): its finiteness, diagonal and column j
    against the centered X's."""
    G = np.asarray(given, dtype=np.float64)  # its shape: checked by _Problem
    check_finite(G, "precompute")
    atol = 1e-8 * max(np.abs(diag).max(), 1.0)
    if not (np.allclose(np.diag(G), diag, rtol=1e-4, atol=atol)
            and np.allclose(G[:, j], col, rtol=1e-4, atol=atol)):
        raise ValueError("Gram matrix passed in precompute did not pass validation: it must be "
                         "X^T X of the centered (and weighted) X; pass precompute=True to let "
                         "the solver compute it")
    return G


def _alpha_grid(problem, l1_ratio, positive, eps, n_alphas, k=0):
    """n_alphas values from alpha_max (the smallest alpha whose solution is 0) down to
    eps alpha_max, evenly spaced in log scale (scikit-learn's grid)."""
    if l1_ratio == 0.0:
        raise ValueError("l1_ratio=0 has no alpha_max (ridge is never sparse): pass alphas "
                         "explicitly, or use l1_ratio > 0")
    Xy = problem.Xty(k)
    top = max(0.0, Xy.max()) if positive else np.abs(Xy).max()
    alpha_max = top / (problem.n_samples * l1_ratio)
    if alpha_max <= np.finfo(float).resolution:
        return np.full(n_alphas, np.finfo(float).resolution)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


# -- the paths --------------------------------------------------------------------------

def enet_path(X: ArrayLike, y: ArrayLike, *, l1_ratio: float = 0.5, eps: float = 1e-3,
              n_alphas: int = 100, alphas: ArrayLike | None = None,
              precompute: bool | str | np.ndarray = "auto", Xy: ArrayLike | None = None,
              coef_init: ArrayLike | None = None,
              return_n_iter: bool = False, positive: bool = False, tol: float = 1e-4,
              max_iter: int = 1000, selection: str = "cyclic",
              random_state: int | np.random.RandomState | None = None,
              check_input: bool = True):
    r"""The elastic-net regularization path by coordinate descent, warm-started along alphas.

    Minimizes, for each alpha (largest first, each solve starting from the previous
    solution), :math:`\frac{1}{2n}\|y - Xw\|^2 + \alpha\rho\|w\|_1 +
    \frac{\alpha(1-\rho)}{2}\|w\|^2` with no intercept, as scikit-learn's ``enet_path``:
    center X and y first to fit one.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        float32 stays float32 (the coefficients too).
    y : array-like of shape (n_samples,)
        One target (fit several with :class:`ElasticNet`, one model per column).
    l1_ratio : float in [0, 1], default 0.5
        rho above: 1 is the Lasso, 0 ridge (then pass ``alphas``).
    eps : float > 0, default 1e-3
        The smallest alpha of the grid over the largest (alpha_max, where w = 0).
    n_alphas : int >= 1, default 100
        The number of alphas on the grid (unused when ``alphas`` is given).
    alphas : int or array-like, optional
        The alphas to use, sorted to decreasing order; an int is the size of the
        log-spaced grid (scikit-learn 1.9's spelling of ``n_alphas``); default the grid
        of ``n_alphas`` values.
    precompute : bool, 'auto' or ndarray, default 'auto'
        Solve on the Gram matrix X^T X: 'auto' when n_samples > n_features, n_features
        <= 4096 and (sparse X) n_features^2 < nnz with fewer than 2000 nonzeros per row,
        where building it pays for itself along the path; an array is taken as that
        Gram matrix.
    Xy : array-like of shape (n_features,), optional
        X^T y, with a Gram matrix given as ``precompute`` (then X is read only to check
        one column of it).
    coef_init : array-like of shape (n_features,), optional
        The start of the first solve.
    return_n_iter : bool, default False
        Also return the passes of each solve.
    positive : bool, default False
        Constrain the coefficients to be >= 0.
    tol : float > 0, default 1e-4
        Stop when the duality gap is below tol ||y||^2 (scikit-learn's rule).
    max_iter : int >= 1, default 1000
        Passes over the features per alpha.
    selection : {'cyclic', 'random'}, default 'cyclic'
        Visit the features in order, or draw one at random per step.
    random_state : int, RandomState or None, default None
        Seeds selection='random'.
    check_input : bool, default True
        Accepted for scikit-learn's signature; the input is validated either way.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
        The duality gap at the end of each solve (in the objective's units).
    n_iters : list of int
        Only with ``return_n_iter``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim import enet_path
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]); y = np.array([1.0, 0.0, 1.0])
    >>> alphas, coefs, gaps = enet_path(X, y, l1_ratio=0.5, n_alphas=3)
    >>> coefs.shape
    (2, 3)
    >>> bool(np.all(coefs[:, 0] == 0))
    True
    """
    l1_ratio = _check_l1_ratio(l1_ratio)
    eps = _real(eps, "eps", low=0.0, low_open=True)
    if isinstance(n_alphas, (bool, np.bool_)) or not isinstance(n_alphas, numbers.Integral) \
            or n_alphas < 1:
        raise ValueError(f"n_alphas must be an int >= 1, got {n_alphas!r}")
    tol = _real(tol, "tol", low=0.0, low_open=True)
    max_iter = _check_max_iter(max_iter)
    random = _check_selection(selection)
    precompute = _check_precompute(precompute)
    for name, flag in (("positive", positive), ("return_n_iter", return_n_iter),
                       ("check_input", check_input)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    X = validate_X(X)
    Y = validate_y(y, X.shape[0], X.dtype, multi_output=True)
    if Y.ndim == 2 and Y.shape[1] != 1:
        raise ValueError(f"y must have one column for enet_path, got shape {Y.shape}; fit "
                         f"ElasticNet (one model per target) or call enet_path per column")
    if Xy is not None:
        if not isinstance(precompute, np.ndarray):
            raise ValueError("Xy goes with a Gram matrix: pass precompute=X^T X as well, or "
                             "leave Xy out")
        if np.size(Xy) != X.shape[1]:
            raise ValueError(f"Xy must have shape ({X.shape[1]},) (X^T y), got {np.shape(Xy)}")
    problem = _Problem(X, Y.reshape(-1, 1), None, False, precompute, True, Xy)
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, (bool, np.bool_)):
        if alphas < 1:
            raise ValueError(f"alphas must be an int >= 1 (the grid's size) or the alphas to "
                             f"use, got {alphas!r}")
        n_alphas, alphas = int(alphas), None  # scikit-learn 1.9's spelling of n_alphas
    if alphas is None:
        grid = _alpha_grid(problem, l1_ratio, positive, eps, int(n_alphas))
    else:
        grid = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
        if grid.size == 0:
            raise ValueError("alphas must hold at least one value")
        check_finite(grid, "alphas")
        if np.any(grid < 0):
            raise ValueError("alphas must be >= 0")
    d = X.shape[1]
    w = np.zeros(d)
    if coef_init is not None:
        w = np.array(coef_init, dtype=np.float64).ravel()
        if w.shape != (d,):
            raise ValueError(f"coef_init must have shape ({d},), got {np.shape(coef_init)}")
        check_finite(w, "coef_init")
    seed = as_random_state(random_state).randint(0, 2 ** 31 - 1) if random else 0
    coefs = np.empty((d, grid.size), dtype=X.dtype)
    gaps = np.empty(grid.size)
    n_iters = []
    for i, a in enumerate(grid):
        gap, n_iter, status = problem.solve(0, float(a), l1_ratio, w, tol=tol, max_iter=max_iter,
                                            positive=positive, random=random, seed=seed + i)
        if status == _status.STOP_MAX_ITER:
            _warn_unconverged("enet_path", a, gap, tol, max_iter)
        coefs[:, i] = w
        gaps[i] = gap
        n_iters.append(int(n_iter))
    if return_n_iter:
        return grid, coefs, gaps, n_iters
    return grid, coefs, gaps


def lasso_path(X: ArrayLike, y: ArrayLike, *, eps: float = 1e-3, n_alphas: int = 100,
               alphas: ArrayLike | None = None, precompute: bool | str | np.ndarray = "auto",
               Xy: ArrayLike | None = None, coef_init: ArrayLike | None = None,
               return_n_iter: bool = False,
               positive: bool = False, tol: float = 1e-4, max_iter: int = 1000,
               selection: str = "cyclic",
               random_state: int | np.random.RandomState | None = None,
               check_input: bool = True):
    r"""The Lasso path: :func:`enet_path` with l1_ratio = 1.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        float32 stays float32 (the coefficients too).
    y : array-like of shape (n_samples,)
        One target.
    eps : float > 0, default 1e-3
        The smallest alpha of the grid over alpha_max.
    n_alphas : int >= 1, default 100
        The number of alphas on the grid.
    alphas : int or array-like, optional
        The alphas to use (sorted to decreasing order), or the grid's size.
    precompute : bool, 'auto' or ndarray, default 'auto'
        Solve on the Gram matrix ('auto': where a pass over it is cheaper than one
        over X, as :func:`enet_path`).
    Xy : array-like of shape (n_features,), optional
        X^T y, with a Gram matrix given as ``precompute``.
    coef_init : array-like of shape (n_features,), optional
        The start of the first solve.
    return_n_iter : bool, default False
        Also return the passes of each solve.
    positive : bool, default False
        Constrain the coefficients to be >= 0.
    tol : float > 0, default 1e-4
        Stop when the duality gap is below tol ||y||^2.
    max_iter : int >= 1, default 1000
        Passes per alpha.
    selection : {'cyclic', 'random'}, default 'cyclic'
        The order of the coordinates.
    random_state : int, RandomState or None, default None
        Seeds selection='random'.
    check_input : bool, default True
        Accepted for scikit-learn's signature; the input is validated either way.

    Returns
    -------
    alphas, coefs, dual_gaps[, n_iters]
        As :func:`enet_path`.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim import lasso_path
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]); y = np.array([1.0, 0.0, 1.0])
    >>> alphas, coefs, gaps = lasso_path(X, y, alphas=[0.1])
    >>> np.round(coefs[:, 0], 4).tolist()
    [0.85, 0.0]
    """
    return enet_path(X, y, l1_ratio=1.0, eps=eps, n_alphas=n_alphas, alphas=alphas,
                     precompute=precompute, Xy=Xy, coef_init=coef_init,
                     return_n_iter=return_n_iter,
                     positive=positive, tol=tol, max_iter=max_iter, selection=selection,
                     random_state=random_state, check_input=check_input)


def _warn_unconverged(who, alpha, gap, tol, max_iter):
    warn(f"Objective did not converge. {who} (alpha={alpha:g}) made max_iter={max_iter} "
         f"passes and the duality gap {gap:.3e} is still above tol; increase max_iter, raise "
         f"tol={tol:g}, scale the features or use a larger alpha", ConvergenceWarning,
         stacklevel=3)


# -- the estimators ---------------------------------------------------------------------

#: The parameters after alpha (and l1_ratio) and the attributes, shared by both docstrings.
_SHARED_DOC = """    fit_intercept : bool, default True
        Fit b (not penalized) by centering X and y; sparse X is centered implicitly.
    precompute : bool, 'auto' or ndarray, default 'auto'
        Solve on the Gram matrix X^T X (dense or sparse X): a pass costs n_features^2
        instead of a pass over X.  'auto' (scikit-learn's default is False) uses it when
        its cost is expected to be paid back within the fit's first ten passes (dense:
        n_samples > n_features and n_features <= 160; sparse: n_features^2 < nnz and
        fewer than 20 nonzeros per row); an array is taken as that Gram matrix (of the
        centered, weighted X; its diagonal and one column are checked).
    max_iter : int, default 1000
        Passes over the features.
    copy_X : bool, default True
        Kept for scikit-learn's signature: X is never modified (the solver works on
        its own centered copy).
    tol : float, default 1e-4
        Stop when the duality gap is below tol ||y_c||^2, checked after a pass whose
        largest coefficient change is below tol times the largest coefficient.
    warm_start : bool, default False
        Start from the previous fit's ``coef_``.
    positive : bool, default False
        Constrain the coefficients to be >= 0 (one target only).
    random_state : int, RandomState or None, default None
        Seeds ``selection='random'``.
    selection : {'cyclic', 'random'}, default 'cyclic'
        Visit the features in order, or draw one at random for each step (often
        faster to a loose tol on correlated features).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        In X's dtype.
    intercept_ : NumPy scalar of X's dtype or ndarray of shape (n_targets,)
    dual_gap_ : float or ndarray of shape (n_targets,)
        The duality gap at the end (in the objective's units).
    n_iter_ : int or ndarray of shape (n_targets,)
        The passes made (per target).
    n_features_in_ : int
    sparse_coef_ : scipy.sparse.csr_matrix
        ``coef_`` as a sparse row (a row per target).

"""


class ElasticNet(RegressorMixin, BaseEstimator):
    __doc__ = r"""Linear regression with combined L1 and L2 penalties, by coordinate descent in C.

    Minimizes scikit-learn's objective

    .. math::

        \frac{1}{2n} \sum_i s_i (y_i - x_i^T w - b)^2 + \alpha \rho \|w\|_1
            + \frac{\alpha (1 - \rho)}{2} \|w\|_2^2

    (s: sample weights rescaled to sum to n; rho = ``l1_ratio``), cyclic or random
    coordinate descent with the duality-gap stopping rule and gap-safe screening
    (Friedman et al. 2010; Ndiaye et al. 2017); dense, CSR/CSC, float32 and float64.

    Parameters
    ----------
    alpha : float, default 1.0
        The penalty's strength, >= 0 (0: least squares, better solved by
        :class:`LinearRegression`).
    l1_ratio : float in [0, 1], default 0.5
        The L1 share: 1 is the Lasso, 0 ridge.
""" + _SHARED_DOC + r"""    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim import ElasticNet
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> y = np.array([0.0, 1.0, 2.0, 3.0])
    >>> model = ElasticNet(alpha=0.1, l1_ratio=0.5).fit(X, y)
    >>> np.round(model.coef_, 3).tolist()
    [0.923, 0.0]
    """

    _multi_output = True

    def __init__(self, alpha: float = 1.0, *, l1_ratio: float = 0.5, fit_intercept: bool = True,
                 precompute: bool | str | np.ndarray = "auto", max_iter: int = 1000,
                 copy_X: bool = True, tol: float = 1e-4, warm_start: bool = False,
                 positive: bool = False,
                 random_state: int | np.random.RandomState | None = None,
                 selection: str = "cyclic") -> None:
        self._store_init_args(locals())

    def _l1_ratio(self):
        return _check_l1_ratio(self.l1_ratio)

    def _check_params(self):
        """(alpha, l1_ratio, tol, max_iter, random, precompute), checked."""
        alpha = _real(self.alpha, "alpha", low=0.0)
        l1_ratio = self._l1_ratio()
        tol = _real(self.tol, "tol", low=0.0, low_open=True)
        max_iter = _check_max_iter(self.max_iter)
        random = _check_selection(self.selection)
        precompute = _check_precompute(self.precompute)
        return alpha, l1_ratio, tol, max_iter, random, precompute

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | float | None = None,
            check_input: bool = True) -> Self:
        """Fit the model.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            float32 stays float32 (``coef_`` too); other numbers become float64.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The targets; several columns fit one model per column.
        sample_weight : float or array-like of shape (n_samples,), optional
            Non-negative weights, rescaled to sum to n_samples (scikit-learn's convention).
        check_input : bool, default True
            Accepted for scikit-learn's signature.  The input is validated either way
            (one pass over X, small next to the solve) and X is never modified.

        Returns
        -------
        self
        """
        alpha, l1_ratio, tol, max_iter, random, precompute = self._check_params()
        if not isinstance(check_input, (bool, np.bool_)):
            raise TypeError(f"check_input must be True or False, got {check_input!r}")
        X = validate_X(X)
        Y = validate_y(y, X.shape[0], X.dtype, multi_output=True)
        single = Y.ndim == 1
        Y2 = Y[:, None] if single else Y
        if self.positive and Y2.shape[1] > 1:
            raise ValueError("positive=True is for one target; y has "
                             f"{Y2.shape[1]} columns: fit one model per column")
        sw = validate_sample_weight(sample_weight, X.shape[0], X.dtype)
        n, d = X.shape
        K = Y2.shape[1]
        if alpha == 0.0:
            warn(f"With alpha=0, this algorithm does not converge well: {type(self).__name__} "
                 f"with alpha=0 is unpenalized least squares, which LinearRegression solves "
                 f"directly", UserWarning)
        problem = _Problem(X, Y2, sw, self.fit_intercept, precompute, False)
        W0 = None
        if self.warm_start and hasattr(self, "coef_"):
            W0 = np.asarray(self.coef_, dtype=np.float64).reshape(-1, d)
            if W0.shape[0] != K:
                W0 = None
        rng = as_random_state(self.random_state) if random else None
        coefs, gaps, n_iters = np.empty((K, d)), np.empty(K), []
        for k in range(K):
            w = W0[k].copy() if W0 is not None else np.zeros(d)
            seed = rng.randint(0, 2 ** 31 - 1) if random else 0
            gap, n_iter, status = problem.solve(k, alpha, l1_ratio, w, tol=tol,
                                                max_iter=max_iter, positive=self.positive,
                                                random=random, seed=seed)
            if status == _status.STOP_MAX_ITER:
                _warn_unconverged(type(self).__name__, alpha, gap, tol, max_iter)
            coefs[k], gaps[k] = w, gap
            n_iters.append(int(n_iter))
        intercepts = problem.y_offset - coefs @ problem.X_offset  # 0 without an intercept
        dt = X.dtype.type
        self.coef_ = coefs[0].astype(X.dtype) if single else coefs.astype(X.dtype)
        self.intercept_ = dt(intercepts[0]) if single else intercepts.astype(X.dtype)
        self.dual_gap_ = float(gaps[0]) if single else gaps
        self.n_iter_ = n_iters[0] if single else np.asarray(n_iters)
        self.n_features_in_ = d
        return self

    @property
    def sparse_coef_(self):
        """``coef_`` as a scipy.sparse.csr_matrix (one row per target)."""
        return sp.csr_matrix(np.atleast_2d(self.coef_))

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
        return linear_scores(X, np.asarray(self.coef_), self.intercept_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


class Lasso(ElasticNet):
    __doc__ = r"""Linear regression with an L1 penalty (the Lasso), by coordinate descent in C.

    Minimizes :math:`\frac{1}{2n} \sum_i s_i (y_i - x_i^T w - b)^2 + \alpha \|w\|_1`
    (:class:`ElasticNet` with l1_ratio = 1): exact zeros for the features it drops.

    Parameters
    ----------
    alpha : float, default 1.0
        The L1 penalty's strength, >= 0.
""" + _SHARED_DOC + r"""    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim import Lasso
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> y = np.array([0.0, 1.0, 2.0, 3.0])
    >>> np.round(Lasso(alpha=0.1).fit(X, y).coef_, 3).tolist()
    [0.92, 0.0]
    """

    def __init__(self, alpha: float = 1.0, *, fit_intercept: bool = True,
                 precompute: bool | str | np.ndarray = "auto", max_iter: int = 1000,
                 copy_X: bool = True, tol: float = 1e-4, warm_start: bool = False,
                 positive: bool = False,
                 random_state: int | np.random.RandomState | None = None,
                 selection: str = "cyclic") -> None:
        self._store_init_args(locals())

    def _l1_ratio(self):
        return 1.0
