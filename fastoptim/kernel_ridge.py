r"""Kernel ridge regression: KernelRidge.

Kernel ridge (Saunders, Gammerman & Vovk 1998) minimizes over functions f of
the kernel's reproducing-kernel Hilbert space

.. math::

    \sum_i w_i (y_i - f(x_i))^2 + \alpha \lVert f \rVert^2 .

By the representer theorem :math:`f(x) = \sum_i a_i k(x, x_i)`, and with
:math:`K_{ij} = k(x_i, x_j)`, :math:`S = \operatorname{diag}(\sqrt{w})` the
dual coefficients solve

.. math::

    (S K S + \alpha I)\, b = S y, \qquad a = S b

(:math:`a = (K + \alpha I)^{-1} y` without weights; scikit-learn's
formulation).  Predictions are :math:`K(x, X)\, a`; no intercept is fitted.

Solvers:

- 'cholesky' (default): the Gram matrix of one triangle (BLAS ``syrk`` and
  the C core's in-place transform), factorized in place by LAPACK ``potrf``
  (``scipy.linalg.cho_factor``), :math:`n^3/3` flops and one :math:`n \times n`
  matrix.  When :math:`S K S + \alpha I` is not positive definite (e.g.
  ``alpha=0`` with a rank-deficient kernel) it warns and takes the
  least-squares solution (``scipy.linalg.lstsq``).
- 'cg': conjugate gradients (Hestenes & Stiefel 1952; ``scipy.sparse.linalg.cg``)
  with matrix-vector products by the stored kernel matrix, to relative
  residual ``tol``: one :math:`n^2` product per iteration, no factorization.
- 'nystroem' (Williams & Seeger 2001): ``n_components`` landmark rows L drawn
  at random; features :math:`\phi(x) = K(x, L)\, K(L, L)^{-1/2}` (the inverse
  square root by SVD, directions of eigenvalue below ``c eps`` times the
  largest dropped), so that :math:`\phi(x)^T \phi(z)` approximates
  :math:`k(x, z)`; then ridge in feature space,
  :math:`(\Phi^T W \Phi + \alpha I)\beta = \Phi^T W y`, a
  ``n_components``-square system.  :math:`O(n c^2)` time, :math:`O(n c)` memory.
- 'rff' (random Fourier features, Rahimi & Recht 2007; 'rbf' kernel only):
  :math:`\phi(x) = \sqrt{2/D} \cos(W^T x + b)`, :math:`W_{kj} \sim N(0, 2\gamma)`,
  :math:`b_j \sim U(0, 2\pi)`, :math:`D` = ``n_components``, then the same
  feature-space ridge.

float32 X is fitted in float32 throughout (Gram matrix, factorization,
coefficients): half the memory and about twice the speed, for kernel
matrices whose :math:`S K S + \alpha I` is well conditioned (cond well below
1e7); pass float64 X otherwise.
"""
from __future__ import annotations

import numbers
import warnings
from typing import TYPE_CHECKING

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg

from ._blas import blas_n_threads, blas_threads
from ._threads import effective_n_threads
from ._dask import is_dask_collection
from ._validation import check_scalar
from .base import (BaseEstimator, RegressorMixin, as_random_state, check_is_fitted, validate_X,
                   validate_sample_weight, validate_y)
from .exceptions import ConvergenceWarning, warn
from .kernels import PAIRWISE_KERNELS, check_kernel, gram

if TYPE_CHECKING:  # the annotations' names (never evaluated at run time)
    from collections.abc import Callable
    from typing import Self

    from numpy.typing import ArrayLike

    from .optim import Optimizer

__all__ = ["KernelRidge"]

SOLVERS = ("cholesky", "cg", "nystroem", "rff")
_EXACT = ("cholesky", "cg")
_FITTED = ("dual_coef_", "X_fit_", "coef_", "components_", "component_indices_", "normalization_",
           "random_weights_", "random_offset_", "n_iter_")
_PREDICT_BLOCK_BYTES = 64 << 20  # rows of K(X_test, X_fit) formed at a time in predict


class KernelRidge(RegressorMixin, BaseEstimator):
    r"""Kernel ridge regression: ridge in the feature space of a kernel.

    Minimizes :math:`\sum_i w_i (y_i - f(x_i))^2 + \alpha \lVert f \rVert^2`;
    the exact solution is :math:`f(x) = K(x, X)\, a` with dual coefficients
    :math:`a = (K + \alpha I)^{-1} y` (with weights,
    :math:`a = S (S K S + \alpha I)^{-1} S y`, :math:`S = \mathrm{diag}(\sqrt w)`).
    See :mod:`fastoptim.kernel_ridge` for the solvers.

    Parameters
    ----------
    alpha : float, default 1.0
        Regularization strength, >= 0 (0 may leave the system singular: then
        'cholesky' warns and returns the least-squares solution).
    kernel : str or callable, default 'linear'
        'linear', 'poly' (or 'polynomial'), 'rbf', 'sigmoid', 'cosine',
        'laplacian', 'chi2', 'additive_chi2' (scikit-learn's pairwise kernels;
        see :mod:`fastoptim.kernels`), 'precomputed' (X is the kernel matrix:
        (n_samples, n_samples) in fit, (n_test, n_samples) in predict), or a
        callable: ``kernel(X, Z, **kernel_params)`` returning the whole
        (n_X, n_Z) matrix, or scikit-learn's ``kernel(x, z, **kernel_params)``
        on two rows returning one number (called once per pair: slow beyond a
        few thousand rows).
    gamma : float, optional
        > 0, for 'rbf', 'laplacian', 'chi2', 'poly' and 'sigmoid'; None:
        1 / n_features ('chi2': 1).
    degree : int, default 3
        Positive degree of 'poly'.
    coef0 : float, default 1
        Constant of 'poly' and 'sigmoid'.
    kernel_params : dict, optional
        Extra keyword arguments of a callable kernel.
    solver : {'cholesky', 'cg', 'nystroem', 'rff'}, default 'cholesky'
        'cholesky' and 'cg' are exact (an n x n kernel matrix); 'nystroem'
        and 'rff' approximate the kernel with ``n_components`` features, for n
        too large for an n x n matrix (not with kernel='precomputed').
    n_components : int, default 100
        Landmarks ('nystroem', at most n_samples) or random features ('rff').
    tol : float, default 1e-6
        'cg': relative residual :math:`\lVert r \rVert / \lVert S y \rVert`.
    max_iter : int, optional
        'cg': iteration limit per target (None: 10 n_samples).
    random_state : int, RandomState, Generator or None
        Seeds the landmarks ('nystroem') and the random features ('rff').
    n_threads : int, optional
        Threads of the C kernel transforms (None: what OpenMP and
        threadpoolctl allow).  BLAS and LAPACK use their own threads.

    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        The dual coefficients a, in X's dtype.  Exact solvers only.
    X_fit_ : ndarray or sparse matrix of shape (n_samples, n_features)
        The training data (predictions need it).  Exact solvers only.
    coef_ : ndarray of shape (n_components,) or (n_targets, n_components)
        'nystroem' and 'rff': the weights beta of the features.
    components_ : ndarray of shape (n_components, n_features)
        'nystroem': the landmark rows.
    component_indices_ : ndarray of shape (n_components,)
        'nystroem': their indices in the training data.
    normalization_ : ndarray of shape (n_components, n_components)
        'nystroem': :math:`K(L, L)^{-1/2}` (pseudo-inverse square root).
    random_weights_ : ndarray of shape (n_features, n_components)
        'rff': W.
    random_offset_ : ndarray of shape (n_components,)
        'rff': b.
    n_iter_ : int or ndarray
        'cg': iterations (per target when several); 1 (one direct solve) otherwise.
    n_features_in_ : int

    References
    ----------
    C. Saunders, A. Gammerman, V. Vovk, "Ridge regression learning algorithm
    in dual variables", ICML 1998.  C. Williams, M. Seeger, "Using the Nystroem
    method to speed up kernel machines", NIPS 2001.  A. Rahimi, B. Recht,
    "Random features for large-scale kernel machines", NIPS 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.kernel_ridge import KernelRidge
    >>> X = np.array([[0.0], [1.0], [2.0]]); y = np.array([0.0, 1.0, 4.0])
    >>> model = KernelRidge(alpha=1e-3, kernel="poly", degree=2, gamma=1.0, coef0=0.0).fit(X, y)
    >>> np.round(model.predict(np.array([[3.0]])), 2)
    array([9.])
    """

    _dask_hint = (" (the kernel matrix couples every pair of rows); for data beyond memory fit "
                  "a sample, or a linear model on random features of it")

    def __init__(self, alpha: float | ArrayLike = 1.0, *, kernel: str | Callable = "linear",
                 gamma: float | str | None = None, degree: int = 3, coef0: float = 1,
                 kernel_params: dict | None = None, solver: str | Optimizer = "cholesky",
                 n_components: int | None = 100, tol: float | None = 1e-6,
                 max_iter: int | None = None,
                 random_state: int | np.random.RandomState | None = None,
                 n_threads: int | None = None) -> None:
        self._store_init_args(locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.input_tags.pairwise = isinstance(self.kernel, str) and self.kernel == "precomputed"
        return tags

    # -- validation ----------------------------------------------------------------------

    def _check_params(self, n_features):
        a = self.alpha
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Real):
            raise TypeError(f"alpha must be a number >= 0, got {a!r}")
        if not (np.isfinite(a) and a >= 0):
            raise ValueError(f"alpha must be a finite number >= 0, got {a!r}")
        if not isinstance(self.solver, str) or self.solver not in SOLVERS:
            raise ValueError(f"unknown solver {self.solver!r}; valid solvers are "
                             f"{', '.join(repr(s) for s in SOLVERS)}")
        precomputed = isinstance(self.kernel, str) and self.kernel == "precomputed"
        if precomputed:
            if self.solver not in _EXACT:
                raise ValueError(f"solver={self.solver!r} builds features from the rows of X; "
                                 f"with kernel='precomputed' X is the kernel matrix: use "
                                 f"solver='cholesky' or 'cg'")
            if self.kernel_params:
                raise ValueError("kernel_params are passed to a callable kernel only; "
                                 "kernel='precomputed' takes none")
            spec = None
        else:
            spec = check_kernel(self.kernel, self.gamma, self.degree, self.coef0, n_features,
                                self.kernel_params, names=PAIRWISE_KERNELS + ("precomputed",))
        check_scalar(self.n_components, "n_components", min_value=1, kind=numbers.Integral)
        check_scalar(self.tol, "tol", min_value=0.0, include_min=False)
        if self.max_iter is not None:
            check_scalar(self.max_iter, "max_iter", min_value=1, kind=numbers.Integral)
        if self.solver == "rff" and spec is not None and spec.kernel != "rbf":
            raise ValueError(f"solver='rff' (random Fourier features) approximates the 'rbf' "
                             f"kernel only, got kernel={spec.name!r}; use solver='nystroem' "
                             f"for other kernels")
        return float(a), spec

    # -- fit -----------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike,
            sample_weight: ArrayLike | float | None = None) -> Self:
        """Fit the model.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            float32 stays float32 (the kernel matrix and coefficients too);
            other numbers become float64.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The targets; several columns share one factorization.
        sample_weight : float or array-like of shape (n_samples,), optional
            Non-negative weights (a sample with weight 2 counts twice).

        Returns
        -------
        self
        """
        # validate and solve first, then replace the fitted state in one go: a fit that
        # raises leaves the estimator as it was (fitted or not)
        if is_dask_collection(X):
            self._dask_data(X)  # raises: the kernel matrix needs every row in memory
        X = self._validate_kernel_input(X)
        alpha, spec = self._check_params(X.shape[1])
        if spec is None and X.shape[0] != X.shape[1]:
            raise ValueError(f"kernel='precomputed' needs the square (n_samples, n_samples) kernel "
                             f"matrix as X in fit, got shape {X.shape}")
        Y = validate_y(y, X.shape[0], X.dtype, multi_output=True)
        sw = validate_sample_weight(sample_weight, X.shape[0], X.dtype)
        rng = None if self.solver in _EXACT else as_random_state(self.random_state)
        effective_n_threads(self.n_threads)  # validates it
        n_threads = self.n_threads  # each step sizes its threads (C passes, BLAS) by its work
        single = Y.ndim == 1
        Y2 = Y[:, None] if single else Y
        s = None if sw is None else np.sqrt(sw)
        fitted = {"n_iter_": 1}  # one direct solve; 'cg' counts its iterations
        n, c = X.shape[0], (0 if self.solver in _EXACT else int(self.n_components))
        flops = {"cholesky": n ** 3 / 3, "cg": 2.0 * n * n,  # cg: per product with K
                 "nystroem": min(c, n) ** 3 + 2.0 * n * min(c, n) ** 2,
                 "rff": 2.0 * n * X.shape[1] * c + c ** 3}
        with blas_threads(blas_n_threads(n_threads, flops[self.solver])):
            if self.solver in _EXACT:
                if self.solver == "cholesky":
                    A = _solve_cholesky(X, Y2, s, alpha, spec, n_threads)
                else:
                    A, fitted["n_iter_"] = self._solve_cg(X, Y2, s, alpha, spec, n_threads)
                fitted["dual_coef_"] = (A[:, 0] if single else A).astype(X.dtype, copy=False)
                fitted["X_fit_"] = X
            else:
                if self.solver == "nystroem":
                    Phi, maps = _nystroem_features(X, spec, int(self.n_components), rng,
                                                   n_threads)
                else:
                    Phi, maps = _rff_features_fit(X, spec, int(self.n_components), rng)
                beta = _ridge_features(Phi, Y2, s, alpha)
                fitted.update(maps)
                fitted["coef_"] = (beta[:, 0] if single else beta.T).astype(X.dtype, copy=False)
        for name in _FITTED:
            self.__dict__.pop(name, None)
        self.__dict__.update(fitted)
        self._spec = spec
        self.n_features_in_ = X.shape[1]
        return self

    def _solve_cg(self, X, Y, s, alpha, spec, n_threads):
        """Dual coefficients by conjugate gradients on (S K S + alpha I) b = S y; (a, n_iter)."""
        K = _kernel_matrix(X, spec, n_threads, s)
        K.flat[::K.shape[0] + 1] += alpha
        rhs = Y if s is None else Y * s[:, None]
        n = X.shape[0]
        out = np.empty(Y.shape, dtype=K.dtype)
        iters = []
        for k in range(Y.shape[1]):
            count = [0]

            def callback(_, count=count):
                count[0] += 1

            b, info = scipy.sparse.linalg.cg(K, rhs[:, k], rtol=self.tol, atol=0.0,
                                             maxiter=self.max_iter or 10 * n, callback=callback)
            if info > 0:
                warn(f"conjugate gradients stopped at max_iter={info} iterations before "
                     f"reaching tol={self.tol:g} (target {k}); raise max_iter, raise "
                     f"alpha or use solver='cholesky'", ConvergenceWarning, stacklevel=3)
            out[:, k] = b
            iters.append(count[0])
        n_iter = iters[0] if Y.shape[1] == 1 else np.asarray(iters)
        return (out if s is None else out * s[:, None]), n_iter

    def _validate_kernel_input(self, X):
        """X validated; with kernel='precomputed' a dense kernel matrix (a sparse one is
        made dense: the solvers and the product in predict use every entry)."""
        X = validate_X(X, "X")
        if sp.issparse(X) and isinstance(self.kernel, str) and self.kernel == "precomputed":
            X = np.ascontiguousarray(X.toarray())
        return X

    # -- predict ---------------------------------------------------------------------------

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predictions :math:`K(X, X_{fit})\\, a` (or the features' :math:`\\phi(X) \\beta`).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            With kernel='precomputed': the dense (n_samples, n_training_samples)
            kernel matrix against the training data.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            In the common dtype of X and the training data (float32 when both are).
        """
        check_is_fitted(self)
        if self._spec is None:  # kernel='precomputed': X is K(X_test, X_fit)
            X = self._validate_predict_X(self._validate_kernel_input(X))
            weights = self.dual_coef_
            dtype = np.result_type(X.dtype, weights.dtype)
            return X.astype(dtype, copy=False) @ weights.astype(dtype, copy=False)
        X = self._validate_predict_X(X)
        n_threads, spec = self.n_threads, self._spec
        if hasattr(self, "dual_coef_"):
            basis, weights = self.X_fit_, self.dual_coef_
        elif hasattr(self, "components_"):
            basis, weights = self.components_, self.normalization_.T @ self.coef_.T
        else:
            W = self.random_weights_
            with blas_threads(blas_n_threads(n_threads, 2.0 * X.shape[0] * W.shape[0] * W.shape[1])):
                return _rff_features(X, W, self.random_offset_) @ self.coef_.T
        m = basis.shape[0]
        rows = max(1, _PREDICT_BLOCK_BYTES // (8 * m))
        with blas_threads(blas_n_threads(n_threads, 2.0 * min(rows, X.shape[0]) * m)):
            if X.shape[0] <= rows:
                return gram(X, basis, spec, n_threads) @ weights
            parts = [gram(X[lo:lo + rows], basis, spec, n_threads) @ weights
                     for lo in range(0, X.shape[0], rows)]
        return np.concatenate(parts, axis=0)


def _solve_cholesky(X, Y, s, alpha, spec, n_threads):
    """Dual coefficients by Cholesky on S K S + alpha I; lstsq (with a warning) if not PD."""
    n = X.shape[0]
    rhs = Y if s is None else Y * s[:, None]
    A = _kernel_matrix(X, spec, n_threads, s, lower_only=True)  # upper triangle valid
    A.flat[::n + 1] += alpha
    try:
        factor = scipy.linalg.cho_factor(A, lower=False, overwrite_a=True, check_finite=False)
        B = scipy.linalg.cho_solve(factor, rhs, check_finite=False)
        if not np.all(np.isfinite(B)):
            raise np.linalg.LinAlgError("non-finite solution")
    except np.linalg.LinAlgError:
        warnings.warn(f"the kernel system K + alpha I (alpha={alpha:g}) is not positive definite "
                      f"(singular, or indefinite for the "
                      f"{'precomputed' if spec is None else spec.name!r} kernel); using the "
                      f"least-squares solution (scipy.linalg.lstsq) instead.  A larger alpha "
                      f"avoids this", scipy.linalg.LinAlgWarning, stacklevel=3)
        A = _kernel_matrix(X, spec, n_threads, s)
        A.flat[::n + 1] += alpha
        B = scipy.linalg.lstsq(A, rhs, check_finite=False)[0]
    return B if s is None else B * s[:, None]


def _kernel_matrix(X, spec, n_threads, s, lower_only=False):
    """S K S of the training data, a new array the solver may overwrite.

    spec None (kernel='precomputed'): X is K, copied (the caller's matrix stays as it
    was), Fortran-ordered for ``lower_only`` (what potrf reads).  Otherwise
    :func:`fastoptim.kernels.gram`."""
    if spec is not None:
        return gram(X, None, spec, n_threads, scale=s, lower_only=lower_only)
    K = np.array(X, order="F" if lower_only else "C", copy=True)
    if s is not None:
        K *= s[:, None]
        K *= s[None, :]
    return K


def _ridge_features(Phi, Y, s, alpha):
    """beta (c x k) of the feature-space ridge (Phi^T W Phi + alpha I) beta = Phi^T W y."""
    if s is not None:
        Phi = Phi * s[:, None]
        Y = Y * s[:, None]
    G = Phi.T @ Phi
    R = Phi.T @ Y
    G.flat[::G.shape[0] + 1] += alpha
    try:
        return scipy.linalg.cho_solve(scipy.linalg.cho_factor(G, check_finite=False), R,
                                      check_finite=False)
    except np.linalg.LinAlgError:
        warnings.warn(f"the feature-space system Phi^T Phi + alpha I (alpha={alpha:g}) is "
                      f"singular; using the least-squares solution instead.  A larger alpha "
                      f"avoids this", scipy.linalg.LinAlgWarning, stacklevel=3)
        return scipy.linalg.lstsq(G, R, check_finite=False)[0]


def _nystroem_features(X, spec, n_components, rng, n_threads):
    """Nystroem features Phi = K(X, L) K(L, L)^{-1/2} of c = min(n_components, n) random landmarks.

    Returns (Phi, fitted attributes).  The inverse square root is taken by SVD
    of the symmetric K(L, L); directions whose eigenvalue is below c eps times
    the largest are dropped (a pseudo-inverse), so that duplicate landmarks or
    a low-rank kernel do not blow up.
    """
    n = X.shape[0]
    c = min(n_components, n)
    idx = np.sort(rng.permutation(n)[:c])
    L = X[idx]
    W = gram(L, None, spec, n_threads)
    U, sv, Vt = scipy.linalg.svd(W, check_finite=False)
    keep = sv > sv[0] * c * np.finfo(W.dtype).eps if sv[0] > 0 else np.zeros(c, dtype=bool)
    inv_sqrt = np.zeros_like(sv)
    inv_sqrt[keep] = 1.0 / np.sqrt(sv[keep])
    M = ((U * inv_sqrt) @ Vt).astype(X.dtype, copy=False)  # K(L, L)^{-1/2}, symmetric
    Phi = gram(X, L, spec, n_threads) @ M.T
    return Phi, {"components_": L, "component_indices_": idx, "normalization_": M}


def _rff_features_fit(X, spec, n_components, rng):
    """Random Fourier features of the rbf kernel: draws W, b; returns (Phi, fitted attributes)."""
    p, D = X.shape[1], n_components
    W = (np.sqrt(2.0 * spec.gamma) * rng.standard_normal((p, D))).astype(X.dtype)
    b = rng.uniform(0.0, 2.0 * np.pi, size=D).astype(X.dtype)
    return _rff_features(X, W, b), {"random_weights_": W, "random_offset_": b}


def _rff_features(X, W, b):
    """sqrt(2 / D) cos(X W + b), in the common dtype of X and W."""
    Z = np.asarray(X @ W)
    Z += b
    np.cos(Z, out=Z)
    Z *= np.sqrt(2.0 / W.shape[1]).astype(Z.dtype)
    return Z

