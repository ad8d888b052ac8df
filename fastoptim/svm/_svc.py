r"""SVC: the kernel support vector classifier, solved in the dual by SMO in C.

For each pair of classes (one-vs-one), with :math:`y_t = \pm 1` and
:math:`C_t` = C times the sample's and its class's weights:

.. math::

    \min_\alpha\ \tfrac{1}{2} \alpha^T Q \alpha - \textstyle\sum_t \alpha_t
    \quad\text{s.t.}\quad 0 \le \alpha_t \le C_t,\ \ \textstyle\sum_t y_t \alpha_t = 0,
    \qquad Q_{st} = y_s y_t K(x_s, x_t),

the dual of :math:`\min_{w,b} \tfrac12 \|w\|^2 + \sum_t C_t \max(0, 1 - y_t (w \cdot
\phi(x_t) + b))` (``../shared/MATH.md``, the SVM dual).  The decision function is
:math:`d(x) = \sum_t \alpha_t y_t K(x_t, x) + b`; the samples with
:math:`\alpha_t > 0` are the support vectors.

The C core (``src_c/svc.c``) solves it by sequential minimal optimization
(Platt 1998) with the second-order working-set selection of Fan, Chen & Lin
(JMLR 2005), shrinking (Joachims 1999) and an LRU cache of kernel rows; a
kernel row is computed in C (dot products by register tiles, then the kernel
transform), in fixed chunks.  The one-vs-one problems are independent and run
on ``n_threads`` Python threads, each in C without the GIL; a single (binary)
problem shares its rows instead: its solve is one parallel region in which
the threads that are running claim the chunks of each missed row, so a thread
the OS keeps waiting never holds up the others (a machine other processes
use).  Same parameters, attributes and conventions as scikit-learn's SVC
(libsvm's layout of ``dual_coef_``; for two classes the signs are flipped so
that a positive decision means ``classes_[1]``).

References
----------
J. Platt, "Sequential minimal optimization: a fast algorithm for training
support vector machines", Microsoft Research TR-98-14, 1998.
R.-E. Fan, P.-H. Chen and C.-J. Lin, "Working set selection using second order
information for training support vector machines", JMLR 6, 2005.
C.-C. Chang and C.-J. Lin, "LIBSVM: a library for support vector machines",
ACM TIST 2(3), 2011.
"""
from __future__ import annotations

import numbers
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .._threads import effective_n_threads
from .._core import _kernels, _status, _svc
from .._validation import csr_parts, stored_values
from ..base import (BaseEstimator, ClassifierMixin, check_is_fitted, class_sample_weights,
                    validate_X, validate_sample_weight)
from ..exceptions import ConvergenceWarning, warn
from ..kernels import KERNELS, check_kernel, gram, row_sqnorms

if TYPE_CHECKING:  # the annotations' names (never evaluated at run time)
    from collections.abc import Callable
    from typing import Self

    from numpy.typing import ArrayLike

#: With n_threads=None, one binary problem's rows are shared by the threads from this many
#: multiply-adds per row on (measured: 2000 x 15 dense rows gain 1.15x on 2 threads, 1000 x 20
#: ones neither gain nor lose beyond the noise).
TEAM_MIN_ROW_WORK = 1 << 15

#: A dense X with at most this fraction of nonzero entries is solved on its CSR form (the
#: support vectors stay dense): a kernel row's dot products then cost per nonzero instead of
#: per entry (MNIST 3 vs 5, 20% nonzero, 4000 rows: 1.65x faster on one thread).  The same
#: kernel, up to the order of each dot product's sum.
CSR_DOTS_DENSITY = 0.25

__all__ = ["SVC"]

_KERNEL_NAMES = KERNELS + ("precomputed",)


class SVC(ClassifierMixin, BaseEstimator):
    r"""Kernel support vector classifier, trained in the dual by SMO (one-vs-one).

    Parameters
    ----------
    C : float, default 1.0
        Bound on each dual variable (> 0): the cost of a margin violation.  ``np.inf``:
        the hard margin (no upper bound; the data must be separable in the kernel's
        feature space, else the dual variables grow until max_iter or overflow).
    kernel : {'rbf', 'linear', 'poly', 'sigmoid', 'precomputed'} or callable, default 'rbf'
        :math:`\exp(-\gamma \|x - z\|^2)`, :math:`x \cdot z`, :math:`(\gamma\, x \cdot z +
        c_0)^d`, :math:`\tanh(\gamma\, x \cdot z + c_0)`; 'precomputed': X is the
        (n_samples, n_samples) kernel matrix in fit and (n_test, n_train) in predict; a
        callable ``kernel(X, Z)`` returns the whole (n_X, n_Z) matrix.
    degree : int, default 3
        Degree of 'poly'.
    gamma : {'scale', 'auto'} or float, default 'scale'
        'scale': 1 / (n_features * X.var()); 'auto': 1 / n_features; or a number > 0.
    coef0 : float, default 0.0
        The constant of 'poly' and 'sigmoid'.
    shrinking : bool, default True
        Drop bound variables from the working set while they cannot move (same solution).
    tol : float, default 1e-3
        Stop when the largest KKT violation m(a) - M(a) is <= tol.
    cache_size : float, default 200
        Kernel-row cache in MB (> 0), shared by the problems solved at once.
    class_weight : dict, 'balanced' or None
        Multiplies C for the samples of each class.
    verbose : int, default 0
        > 0: print each pair's iterations and kernel rows computed.
    max_iter : int, default -1
        Iterations (pairs of variables) per binary problem; -1: max(10^7, 100 m).
    decision_function_shape : {'ovr', 'ovo'}, default 'ovr'
        Shape of ``decision_function`` with more than two classes: (n, n_classes) votes
        plus confidences, or the (n, n_classes (n_classes - 1) / 2) pairwise values.
    break_ties : bool, default False
        With 'ovr' and more than two classes, predict the argmax of the decision
        function instead of the majority vote (ties: the first class).  With 'ovo',
        ``predict`` raises (fit and decision_function do not), as scikit-learn's.
    n_threads : int or None, default None
        Threads: binary problems solved at once, or (one problem) threads that share
        its kernel rows.  None: every usable CPU, and one problem's rows shared only
        from :data:`TEAM_MIN_ROW_WORK` multiply-adds per row; an int: that many, capped
        at the usable CPUs.  Any count gives the same bits.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors in the training data, grouped by class.
    support_vectors_ : ndarray or sparse matrix of shape (n_SV, n_features)
        (Empty with kernel='precomputed'.)
    n_support_ : ndarray of shape (n_classes,), int32
    dual_coef_ : ndarray of shape (n_classes - 1, n_SV)
        :math:`y_t \alpha_t` of each support vector in the problems of its class (libsvm's layout).
    intercept_ : ndarray of shape (n_classes (n_classes - 1) / 2,)
        b of each one-vs-one problem.
    coef_ : ndarray of shape (n_classes (n_classes - 1) / 2, n_features)
        kernel='linear' only: w of each problem, computed from the support vectors on
        each access and read-only (writing to it would change nothing the model uses).
    n_iter_ : ndarray of shape (n_classes (n_classes - 1) / 2,), int32
        SMO iterations of each problem.
    fit_status_ : int
        0 when every problem converged, 1 when one stopped at max_iter.
    shape_fit_ : tuple
    n_features_in_ : int

    Notes
    -----
    Kernel rows are cached in single precision, as libsvm's: the gradient and
    the kernel's diagonal stay in double.  Besides twice the rows per
    cache_size, the rounding is what lets SMO stop on badly conditioned kernels
    (a poly kernel on X ~ N(100, 1) ran to max_iter on exact rows) after as many
    iterations as libsvm; the solution agrees with the exact QP to the solver's
    tolerance.  float32 X: kernel values are computed in float32.  A dense X that
    is mostly zeros (at most :data:`CSR_DOTS_DENSITY` of its entries) is solved on
    its CSR form, whose dot products cost per nonzero.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.svm import SVC
    >>> X = np.array([[0.0, 0.0], [0.2, 0.1], [1.0, 1.0], [0.9, 1.1]]); y = [0, 0, 1, 1]
    >>> SVC(C=10.0).fit(X, y).predict([[0.1, 0.0], [1.0, 0.9]]).tolist()
    [0, 1]
    """

    _dask_hint = (" (the kernel SVM couples every pair of rows); fit a sample, or use "
                  "LinearSVC(dual=False), whose fit takes dask arrays")

    def __init__(self, C: float = 1.0, kernel: str | Callable = "rbf", degree: int = 3,
                 gamma: float | str | None = "scale", coef0: float = 0.0, shrinking: bool = True,
                 tol: float | None = 1e-3, cache_size: float = 200,
                 class_weight: dict | str | None = None, verbose: int | bool = 0,
                 max_iter: int | None = -1, decision_function_shape: str = "ovr",
                 break_ties: bool = False, n_threads: int | None = None) -> None:
        self._store_init_args(locals())

    # -- parameters ---------------------------------------------------------------------------

    def _check_params(self):
        def positive(name, value, what="a finite number > 0"):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                raise TypeError(f"{name} must be {what}, got {value!r}")
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be {what}, got {value!r}")

        if not (isinstance(self.C, numbers.Real) and self.C == np.inf):  # inf: hard margin
            positive("C", self.C, "a number > 0 (np.inf: the hard margin)")
        positive("tol", self.tol)
        positive("cache_size", self.cache_size, "a number of megabytes > 0")
        k = self.kernel
        if not callable(k) and not (isinstance(k, str) and k in _KERNEL_NAMES):
            raise ValueError(f"kernel must be one of {', '.join(map(repr, _KERNEL_NAMES))} or "
                             f"a callable, got {k!r}")
        g = self.gamma
        if isinstance(g, str):
            if g not in ("scale", "auto"):
                raise ValueError(f"gamma must be 'scale', 'auto' or a number > 0, got {g!r}")
        else:
            positive("gamma", g, "'scale', 'auto' or a finite number > 0")
        m = self.max_iter
        if isinstance(m, (bool, np.bool_)) or not isinstance(m, numbers.Integral):
            raise TypeError(f"max_iter must be an int (-1: no limit), got {m!r}")
        if m == 0 or m < -1:
            raise ValueError(f"max_iter must be -1 (no limit) or >= 1, got {m}")
        if self.decision_function_shape not in ("ovr", "ovo"):
            raise ValueError(f"decision_function_shape must be 'ovr' or 'ovo', got "
                             f"{self.decision_function_shape!r}")

    def _gamma_value(self, X):
        g = self.gamma
        if not isinstance(g, str):
            return float(g)
        d = X.shape[1]
        if g == "auto":
            return 1.0 / d
        with np.errstate(over="ignore", invalid="ignore"):
            if sp.issparse(X):
                mean = X.sum(dtype=np.float64) / (X.shape[0] * d)
                var = X.multiply(X).sum(dtype=np.float64) / (X.shape[0] * d) - mean ** 2
            else:
                var = float(np.var(X, dtype=np.float64))
        if not np.isfinite(var):
            raise ValueError("gamma='scale' needs X.var(), which overflows for these values of X; "
                             "scale X (e.g. standardize its columns) or pass gamma as a number")
        return 1.0 / (d * var) if var > 0 else 1.0

    def _spec(self, X):
        if self.kernel == "precomputed":
            return None
        gamma = self._gamma_value(X) if not callable(self.kernel) else 1.0
        return check_kernel(self.kernel, gamma, self.degree, self.coef0, X.shape[1])

    # -- fit ------------------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike,
            sample_weight: ArrayLike | float | None = None) -> Self:
        """Fit the one-vs-one SVMs.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Or, with kernel='precomputed', the (n_samples, n_samples) kernel matrix.
        y : array-like of shape (n_samples,)
            Class labels of any type; at least two classes.
        sample_weight : float or array-like of shape (n_samples,), optional
            Multiplies each sample's C (weight 0: the sample takes no part).

        Returns
        -------
        self
        """
        self._check_params()
        if self.kernel == "precomputed" and sp.issparse(X):
            raise TypeError("Sparse precomputed kernel matrices are not supported: "
                            "kernel='precomputed' needs X as a dense array (X.toarray())")
        X, classes, y_idx = self._validate_classification(X, y)
        n = X.shape[0]
        if self.kernel == "precomputed" and X.shape[0] != X.shape[1]:
            raise ValueError(f"kernel='precomputed' needs the square (n_samples, n_samples) "
                             f"kernel matrix as X, got shape {X.shape}")
        sw = validate_sample_weight(sample_weight, n, np.float64)
        sw = class_sample_weights(self.class_weight, classes, y_idx, sw, n)
        sw = np.ones(n) if sw is None else np.asarray(sw, np.float64)
        with np.errstate(invalid="ignore"):  # C=inf: inf * 0 is NaN, a weight 0 stays 0
            cost = np.where(sw > 0, float(self.C) * sw, 0.0)
        spec = self._spec(X)
        n_threads = effective_n_threads(self.n_threads)
        n_classes = len(classes)
        pairs = [(a, b) for a in range(n_classes) for b in range(a + 1, n_classes)]
        members = [np.flatnonzero(y_idx == k).astype(np.int64) for k in range(n_classes)]
        for k, idx in enumerate(members):
            if not np.any(cost[idx] > 0):
                raise ValueError(f"every sample of class {classes[k]!r} has weight zero; "
                                 f"remove the class or give its samples a positive weight")

        Xs = _solve_form(X, spec)
        solve = self._solver(Xs, spec, self._row_threads(Xs, n, n_threads, len(pairs)),
                             min(n_threads, len(pairs)))
        # Ctrl-C: the solver on the main thread sees it between SMO iterations; pairs on
        # worker threads stop when this flag is set (by the C glue, or below when the main
        # thread is interrupted while it waits for them)
        stop = np.zeros(1, dtype=np.int32)

        def run(pair):
            a, b = pair
            rows = np.concatenate([members[a], members[b]])
            yy = np.concatenate([np.ones(len(members[a])), -np.ones(len(members[b]))])
            alpha = np.zeros(len(rows))
            out = solve(rows, yy, np.ascontiguousarray(cost[rows]), alpha, stop)
            return rows, yy, alpha, out

        workers = min(n_threads, len(pairs))
        if workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                try:
                    results = list(pool.map(run, pairs))
                except BaseException:  # KeyboardInterrupt: stop the other pairs, then raise
                    stop[0] = 1
                    raise
        else:
            results = [run(p) for p in pairs]

        n_iter, fit_status = [], 0
        rhos = []
        for (a, b), (rows, yy, alpha, (status, rho, objective, iters, n_rows)) in zip(pairs, results):
            if status == _status.ERR_NONFINITE:
                raise ValueError(self._overflow_message(spec))
            _status.check_status(status)
            if status == _status.STOP_MAX_ITER:
                fit_status = 1
                budget = (f"max_iter={self.max_iter}" if self.max_iter >= 0 else
                          f"{iters} iterations (max_iter=-1: max(10**7, 100 n_samples))")
                warn(f"SVC stopped after {budget} on the "
                     f"problem {classes[a]} vs {classes[b]} before the KKT violation "
                     f"fell below tol={self.tol:g}; increase max_iter or scale X",
                     ConvergenceWarning)
            if self.verbose:
                print(f"[SVC] {classes[a]} vs {classes[b]}: {iters} iterations, "
                      f"{n_rows} kernel rows, objective {objective:.6g}")
            n_iter.append(iters)
            rhos.append(rho)
        self._store_solution(X, classes, members, pairs, results, rhos)
        self.n_iter_ = np.asarray(n_iter, dtype=np.int32)
        self.fit_status_ = fit_status
        self.shape_fit_ = X.shape
        # the resolved gamma ('scale', 'auto' -> a number): predict rebuilds the kernel from it
        self._gamma_ = None if spec is None else float(spec.gamma)
        self._callable_spec = spec if callable(self.kernel) else None
        return self

    def _overflow_message(self, spec):
        """The error for kernel values (or an SMO gradient) beyond float32's range."""
        if spec is None or callable(spec.kernel):
            what = f"kernel={self.kernel!r}"
            fix = "scale the kernel matrix or lower C"
        else:
            what = f"kernel={spec.kernel!r}, gamma={self.gamma!r}"
            if self.gamma != spec.gamma:
                what += f" (= {spec.gamma:.4g})"
            if spec.kernel == "poly":
                what += f", degree={spec.degree}, coef0={spec.coef0!r}"
                fix = ("lower degree or gamma (|gamma x.z + coef0|^degree must stay below "
                       "3.4e38), or scale X")
            elif spec.kernel == "sigmoid":
                what += f", coef0={spec.coef0!r}"
                fix = "scale X or lower gamma"
            else:
                fix = "scale X (or lower gamma), or lower C"
        return (f"the kernel values (kept in float32, as libsvm's: at most 3.4e38) or the "
                f"SMO gradient are not finite ({what}); {fix}")

    def _row_threads(self, X, m, n_threads, n_pairs):
        """Threads that share the kernel rows of one binary problem of m rows.

        Several problems run on threads of their own, each on one thread.  One
        problem: an explicit ``n_threads`` as given; with ``n_threads=None`` all
        of them once a row costs at least :data:`TEAM_MIN_ROW_WORK`
        multiply-adds.  The solve is then one parallel region in which idle
        threads claim chunks of each row SMO misses (src_c/svc.c): a thread the
        OS has not scheduled takes no part instead of holding the others up,
        so sharing pays from small rows on and costs nothing on a busy machine;
        below that size the region's start and the claims are not worth it.
        """
        if n_pairs > 1:
            return 1
        if self.n_threads is not None or self.kernel == "precomputed":
            return n_threads
        per_entry = X.nnz / max(X.shape[0], 1) + 1.0 if sp.issparse(X) else X.shape[1]
        return n_threads if m * per_entry >= TEAM_MIN_ROW_WORK else 1

    def _solver(self, X, spec, row_threads, concurrent):
        """solve(rows, y, C, alpha, stop) -> (status, rho, objective, n_iter, n_kernel_rows);
        stop: the fit's int32 interrupt flag (see fit)."""
        cache = float(self.cache_size) * 1024 * 1024 / concurrent
        max_iter, tol, shrinking = int(self.max_iter), float(self.tol), bool(self.shrinking)
        if spec is None or callable(spec.kernel):
            K = X if spec is None else gram(X, None, spec, self.n_threads)  # sized by its work
            K = np.ascontiguousarray(K, dtype=np.float64)
            if not np.all(np.isfinite(K)):
                raise ValueError("the precomputed kernel matrix X has NaN or infinite values")
            return lambda rows, y, C, alpha, stop: _svc.svc_solve_precomputed(
                K, rows, y, C, tol, max_iter, cache, shrinking, alpha, stop)
        if sp.issparse(X):
            values, indices, indptr = csr_parts(X)
        else:
            values, indices, indptr = X.reshape(-1), None, None
        sqnorm = (row_sqnorms(X, effective_n_threads(self.n_threads, work=stored_values(X)))
                  if spec.kernel == "rbf" else None)
        kid = _kernels.KERNEL_IDS[spec.kernel]
        n, d = X.shape
        return lambda rows, y, C, alpha, stop: _svc.svc_solve(
            values, indices, indptr, n, d, sqnorm, rows, y, C, kid, spec.gamma, spec.degree,
            spec.coef0, tol, max_iter, cache, shrinking, row_threads, alpha, stop)

    def _store_solution(self, X, classes, members, pairs, results, rhos):
        """libsvm's layout: support vectors grouped by class; row b-1 of ``dual_coef_`` holds the
        coefficients of class a's vectors in the problem (a, b), row a those of class b's."""
        n_classes = len(classes)
        is_sv = np.zeros(X.shape[0], dtype=bool)
        for rows, _, alpha, _ in results:
            is_sv[rows[alpha > 0]] = True
        sv_of_class = [idx[is_sv[idx]] for idx in members]
        support = np.concatenate(sv_of_class)
        offsets = np.concatenate([[0], np.cumsum([len(s) for s in sv_of_class])])
        position = np.full(X.shape[0], -1, dtype=np.int64)
        position[support] = np.arange(len(support))
        dual = np.zeros((n_classes - 1, len(support)))
        for (a, b), (rows, yy, alpha, _) in zip(pairs, results):
            coef = yy * alpha
            na = len(members[a])
            dual[b - 1, position[rows[:na][alpha[:na] > 0]]] = coef[:na][alpha[:na] > 0]
            dual[a, position[rows[na:][alpha[na:] > 0]]] = coef[na:][alpha[na:] > 0]
        intercept = -np.asarray(rhos)
        self.support_ = support.astype(np.int32)
        self.n_support_ = np.diff(offsets).astype(np.int32)
        if self.kernel == "precomputed":
            self.support_vectors_ = np.empty((0, 0), dtype=np.float64)
        else:
            self.support_vectors_ = X[support]
        if n_classes == 2:  # positive decision: classes_[1]
            self.dual_coef_ = -dual
            self.intercept_ = -intercept
        else:
            self.dual_coef_ = dual
            self.intercept_ = intercept
        self.classes_ = classes
        self.n_features_in_ = X.shape[1]

    # -- prediction ------------------------------------------------------------------------------
    # The private views below are derived from the public fitted attributes (so that a model
    # file of them -- fastoptim.model_io -- is enough to predict): libsvm's signs (d > 0 votes
    # for the first class of a pair) and the support vectors' class offsets.

    @property
    def _dual_coef(self):
        return -self.dual_coef_ if len(self.classes_) == 2 else self.dual_coef_

    @property
    def _intercept(self):
        return -self.intercept_ if len(self.classes_) == 2 else self.intercept_

    @property
    def _sv_offsets(self):
        return np.concatenate([[0], np.cumsum(self.n_support_)])

    @property
    def _kernel_spec(self):
        if callable(self.kernel):
            return self._callable_spec
        if self.kernel == "precomputed":
            return None
        return check_kernel(self.kernel, self._gamma_, self.degree, self.coef0,
                            self.n_features_in_)

    @property
    def coef_(self):
        """w of each one-vs-one problem (kernel='linear' only)."""
        if self.kernel != "linear":
            raise AttributeError("coef_ is only available when kernel='linear'")
        check_is_fitted(self)
        K = len(self.classes_)
        off = self._sv_offsets
        SV = self.support_vectors_
        rows = []
        for a in range(K):
            for b in range(a + 1, K):
                sa, sb = slice(off[a], off[a + 1]), slice(off[b], off[b + 1])
                w = SV[sa].T @ self._dual_coef[b - 1, sa] + SV[sb].T @ self._dual_coef[a, sb]
                rows.append(np.ravel(w))
        coef = np.vstack(rows)
        coef = -coef if K == 2 else coef
        coef.flags.writeable = False  # as scikit-learn's: a write would change nothing
        return coef

    def _pairwise_decision(self, X):
        """libsvm's d_ab(x) for every pair (a, b), shape (n, n_pairs)."""
        check_is_fitted(self)
        if self.kernel == "precomputed":
            X = validate_X(X)
            if X.shape[1] != self.shape_fit_[0]:
                raise ValueError(f"kernel='precomputed': X must be the (n_samples, "
                                 f"n_train={self.shape_fit_[0]}) kernel matrix against the "
                                 f"training samples, got shape {X.shape}")
            Kx = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)[:, self.support_]
        else:
            X = self._validate_predict_X(X)
            Kx = gram(X, self.support_vectors_, self._kernel_spec,
                      effective_n_threads(self.n_threads))
        Kx = np.asarray(Kx, dtype=np.float64)
        K = len(self.classes_)
        off = self._sv_offsets
        cols = []
        p = 0
        for a in range(K):
            for b in range(a + 1, K):
                sa, sb = slice(off[a], off[a + 1]), slice(off[b], off[b + 1])
                cols.append(Kx[:, sa] @ self._dual_coef[b - 1, sa]
                            + Kx[:, sb] @ self._dual_coef[a, sb] + self._intercept[p])
                p += 1
        return np.column_stack(cols)

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Decision values.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples, with the training data's columns.

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (positive: ``classes_[1]``); else
        (n_samples, n_classes) with 'ovr' (votes plus confidences in (-1/3, 1/3)) or
        (n_samples, n_classes (n_classes - 1) / 2) with 'ovo'.
        """
        dec = self._pairwise_decision(X)
        K = len(self.classes_)
        if K == 2:
            return -dec[:, 0]
        if self.decision_function_shape == "ovo":
            return dec
        return _ovr_votes(dec, K)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Class labels: the majority vote over the one-vs-one problems (ties: the first class).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples, with the training data's columns.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        if self.break_ties and self.decision_function_shape == "ovo":
            raise ValueError("break_ties=True needs decision_function_shape='ovr' to predict "
                             "(ties are broken by the one-vs-rest decision function); set "
                             "break_ties=False or decision_function_shape='ovr'")
        dec = self._pairwise_decision(X)
        K = len(self.classes_)
        if K == 2:
            return self.classes_[(dec[:, 0] <= 0).astype(np.intp)]
        if self.break_ties:
            return self.classes_[np.argmax(_ovr_votes(dec, K), axis=1)]
        votes = np.zeros((dec.shape[0], K), dtype=np.int64)
        p = 0
        for a in range(K):
            for b in range(a + 1, K):
                pos = dec[:, p] > 0
                votes[:, a] += pos
                votes[:, b] += ~pos
                p += 1
        return self.classes_[np.argmax(votes, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.input_tags.pairwise = self.kernel == "precomputed"
        return tags


def _solve_form(X, spec):
    """X as the C core reads it: CSR for a mostly-zero dense X and a named kernel."""
    if spec is None or callable(spec.kernel) or sp.issparse(X) or X.size == 0:
        return X
    if np.count_nonzero(X) > CSR_DOTS_DENSITY * X.size:
        return X
    return sp.csr_matrix(X)


def _ovr_votes(dec, n_classes):
    """One-vs-rest scores from pairwise decisions: votes + confidence / (3 (|confidence| + 1))."""
    votes = np.zeros((dec.shape[0], n_classes))
    conf = np.zeros((dec.shape[0], n_classes))
    p = 0
    for a in range(n_classes):
        for b in range(a + 1, n_classes):
            d = dec[:, p]
            votes[:, a] += d >= 0
            votes[:, b] += d < 0
            conf[:, a] += d
            conf[:, b] -= d
            p += 1
    return votes + conf / (3 * (np.abs(conf) + 1))
