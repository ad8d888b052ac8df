r"""Kernel (Gram) matrices: scikit-learn's pairwise kernels, computed in the C core.

For rows :math:`x_i` of X and :math:`z_j` of Z:

================= ======================================================== ============
name              :math:`k(x, z)`                                           parameters
================= ======================================================== ============
``linear``        :math:`x^T z`
``poly``          :math:`(\gamma\, x^T z + c_0)^d` (alias ``polynomial``)   gamma, degree, coef0
``rbf``           :math:`\exp(-\gamma \lVert x - z \rVert^2)`               gamma
``sigmoid``       :math:`\tanh(\gamma\, x^T z + c_0)`                       gamma, coef0
``cosine``        :math:`x^T z / (\lVert x \rVert \lVert z \rVert)`
                  (0 when x or z is 0)
``laplacian``     :math:`\exp(-\gamma \lVert x - z \rVert_1)`               gamma
``chi2``          :math:`\exp(-\gamma S)`                                   gamma
``additive_chi2`` :math:`-S`, with
                  :math:`S = \sum_k (x_k - z_k)^2 / (x_k + z_k)`
                  over the k where :math:`x_k + z_k > 0`
================= ======================================================== ============

``gamma=None`` means :math:`1 / n_{features}` (scikit-learn's default), except
for 'chi2', where it means 1 (scikit-learn's ``chi2_kernel`` default);
``degree`` is a positive integer.  The chi-squared kernels are defined for
non-negative data (histograms): negative values of X or Z raise a ValueError.
SVC takes the first four (its kernel rows are built from dot products);
:func:`pairwise_kernels` and KernelRidge take them all.

The kernels of :math:`x^T z` put the :math:`O(n m p)` work in one BLAS product
:math:`X Z^T` (``syrk`` when Z is X: one triangle, half the flops; sparse
products for sparse input) in X's dtype; the C core then transforms it in
place, entry by entry, with OpenMP over row blocks.  The RBF distance uses the
expansion :math:`\lVert x - z \rVert^2 = \lVert x \rVert^2 + \lVert z \rVert^2 - 2 x^T z`,
clamped at 0; its rounding error is about eps :math:`(\lVert x \rVert^2 + \lVert z \rVert^2)`,
so where the expansion comes out below a small fraction of that sum (1e-5 in
float64, 2e-2 in float32: close rows, or rows far from the origin) the C core
recomputes :math:`\sum_k (x_k - z_k)^2` from the rows themselves (as
scikit-learn's euclidean_distances recomputes its near-zero distances); on
the diagonal of :math:`K(X, X)` it is exactly 0.  The laplacian
and chi-squared kernels are not functions of :math:`x^T z`: the C core sums
over the coordinates of each pair (dense rows, or a merge of two sparse rows'
nonzeros) in double, in tiles of Z's rows that stay in cache, OpenMP over
row blocks (one triangle when Z is X).

float32 input gives a float32 matrix (computed in float32: about 1e-6
relative, or 1e-6 absolute for entries near 0); anything else float64.  The
result does not depend on the number of threads.

A kernel may also be a callable, in either of two conventions:

- ``kernel(X, Z, **kernel_params)`` returning the whole (n_X, n_Z) matrix
  (e.g. ``functools.partial`` of a ``sklearn.metrics.pairwise`` kernel
  function; what SVC in scikit-learn takes): one call;
- ``kernel(x, z, **kernel_params)`` on two rows, returning one number
  (scikit-learn's ``pairwise_kernels`` and KernelRidge convention): one
  Python call per pair (per pair of the upper triangle and the diagonal when
  Z is X), so slow beyond a few thousand rows.

fastoptim calls the callable on the two whole matrices first and keeps the
result when it has the shape (n_X, n_Z) and agrees, at entry (0, 0), with a
call on the first two rows (when that call returns a number); a matrix of
another shape is an error; otherwise (a number, or an exception, from the
whole matrices) it evaluates the callable pair by pair.  Rows of sparse data are passed as
1 x n_features CSR matrices, as scikit-learn does.
"""
from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from numpy.typing import ArrayLike

from ._blas import blas_n_threads, blas_threads
from ._threads import effective_n_threads
from ._core import _kernels, _status
from ._validation import csr_parts, stored_values, validate_X

__all__ = ["KERNELS", "PAIRWISE_KERNELS", "pairwise_kernels"]

#: Names of the kernels built from dot products x.z alone (SVC's kernels).
KERNELS = ("linear", "poly", "rbf", "sigmoid")
#: Names of every built-in kernel (pairwise_kernels and KernelRidge), scikit-learn's set.
PAIRWISE_KERNELS = ("additive_chi2", "chi2", "cosine", "laplacian", "linear", "poly",
                    "polynomial", "rbf", "sigmoid")
_ALIASES = {"polynomial": "poly"}
_NORM_KERNELS = ("rbf", "cosine")  # transforms that need the squared row norms
_CHI2_KERNELS = ("chi2", "additive_chi2")  # defined for non-negative data only


def _valid_text(names):
    return ", ".join(repr(k) for k in names) + " or a callable"


class KernelSpec:
    """A validated kernel: a name with resolved numeric parameters, or a callable.

    Attributes
    ----------
    kernel : str or callable
        A name is the canonical one ('polynomial' becomes 'poly').
    gamma : float
        Resolved (``None`` became 1 / n_features, or 1 for 'chi2'); unused by
        'linear', 'cosine' and 'additive_chi2'.
    degree : int
    coef0 : float
    kernel_params : dict
        Keyword arguments for a callable kernel.
    """

    def __init__(self, kernel, gamma, degree, coef0, kernel_params=None):
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params or {}

    @property
    def name(self):
        return self.kernel if isinstance(self.kernel, str) else getattr(
            self.kernel, "__name__", type(self.kernel).__name__)


def check_kernel(kernel, gamma, degree, coef0, n_features, kernel_params=None, names=KERNELS):
    """Validate a kernel and its parameters; returns a KernelSpec.

    ``names`` are the kernel names the caller takes (:data:`KERNELS` or
    :data:`PAIRWISE_KERNELS`).  Raises ValueError/TypeError naming the
    argument: an unknown kernel name (listing the valid ones), ``gamma <= 0``,
    ``degree`` not a positive int, a non-finite ``coef0``.
    """
    if not callable(kernel):
        if not isinstance(kernel, str):
            raise TypeError(f"kernel must be one of {_valid_text(names)}; got {kernel!r}")
        if kernel not in names:
            raise ValueError(f"unknown kernel {kernel!r}; valid kernels are {_valid_text(names)}")
        kernel = _ALIASES.get(kernel, kernel)
    if gamma is None:
        gamma_value = 1.0 if kernel == "chi2" else 1.0 / n_features
    else:
        if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, numbers.Real):
            raise TypeError(f"gamma must be None or a number > 0, got {gamma!r}")
        if not (np.isfinite(gamma) and gamma > 0):
            raise ValueError(f"gamma must be a finite number > 0 (or None for 1 / n_features), "
                             f"got {gamma!r}")
        gamma_value = float(gamma)
    if isinstance(degree, (bool, np.bool_)) or not isinstance(degree, numbers.Integral):
        raise TypeError(f"degree must be a positive int, got {degree!r}")
    if degree < 1:
        raise ValueError(f"degree must be a positive int, got {degree!r}")
    if isinstance(coef0, (bool, np.bool_)) or not isinstance(coef0, numbers.Real):
        raise TypeError(f"coef0 must be a finite number, got {coef0!r}")
    if not np.isfinite(coef0):
        raise ValueError(f"coef0 must be a finite number, got {coef0!r}")
    if kernel_params is not None and not isinstance(kernel_params, dict):
        raise TypeError(f"kernel_params must be None or a dict, got {kernel_params!r}")
    if kernel_params and not callable(kernel):
        raise ValueError(f"kernel_params are passed to a callable kernel only; kernel={kernel!r} "
                         f"takes gamma, degree and coef0 as parameters of the estimator")
    if int(degree) > np.iinfo(np.int32).max:
        raise ValueError(f"degree must be a positive int below 2**31, got {degree!r}")
    return KernelSpec(kernel, gamma_value, int(degree), float(coef0), kernel_params)


def common_dtype(*arrays):
    """float32 when every array is float32, else float64."""
    return (np.dtype(np.float32) if all(a.dtype == np.float32 for a in arrays)
            else np.dtype(np.float64))


def row_sqnorms(X, n_threads):
    """Squared Euclidean norms of the rows of X (dense or CSR), in X's dtype (sums in double)."""
    out = np.empty(X.shape[0], dtype=X.dtype)
    if sp.issparse(X):
        status = _kernels.row_sqnorms_csr(np.ascontiguousarray(X.data),
                                          np.ascontiguousarray(X.indptr, dtype=np.int64), out,
                                          n_threads)
    else:
        status = _kernels.row_sqnorms(X, out, n_threads)
    _status.check_status(status)
    return out


def _transform(spec, shape, G, xn, zn, row_scale, col_scale, n_threads, X=None, Z=None):
    """The C core's in-place transform of G = X Z^T into the kernel matrix; given the rows
    X and Z (one format), rbf recomputes the distances of close rows from them."""
    rows = None
    if spec.kernel == "rbf" and X is not None:
        Zr = X if Z is None else Z
        # one format for both, as _distance_gram: X (predict's block) takes Z's
        Xr = X if sp.issparse(X) == sp.issparse(Zr) else _same_format(X, Zr)
        rows = (*_c_parts(Xr), *_c_parts(Zr), X.shape[1])
    status = _kernels.kernel_gram(_kernels.KERNEL_IDS[spec.kernel], spec.gamma, spec.degree,
                                  spec.coef0, shape, G, xn, zn, row_scale, col_scale, n_threads,
                                  rows=rows)
    _status.check_status(status, {
        _status.ERR_NONFINITE: (
            f"the {spec.kernel!r} kernel matrix has values beyond the range of {G.dtype} "
            f"(with degree={spec.degree}, gamma={spec.gamma:g}, coef0={spec.coef0:g}); scale X "
            f"or lower gamma/degree")})


def _one_row(A, i):
    """Row i of A as scikit-learn's pairwise callables receive it: 1-D, or a 1-row CSR matrix."""
    return A[[i]] if sp.issparse(A) else A[i]


def _number(value):
    """value as a float when it is one real number (a 0-d or one-element array), else None."""
    value = np.asarray(value.toarray() if sp.issparse(value) else value)
    if value.size != 1 or value.dtype.kind not in "biuf":
        return None
    return float(value.reshape(()))


def _callable_gram(spec, X, Z, dtype, sym):
    """The kernel matrix of a callable: one call on the whole matrices, or one per pair of rows.

    See the module docstring for how the convention is told apart."""
    expected = (X.shape[0], Z.shape[0])
    params = spec.kernel_params
    try:
        K = spec.kernel(X, Z, **params)
    except Exception as exc:  # noqa: BLE001 - a two-row callable may fail on matrices
        K, outcome, cause = None, f"raised {type(exc).__name__}: {exc}", exc
    if K is not None:
        K = np.asarray(K.toarray() if sp.issparse(K) else K)
        if K.ndim == 2 and K.shape != expected:  # a matrix callable's mistake, not a pair's
            raise ValueError(f"the callable kernel {spec.name} returned an array of shape "
                             f"{K.shape}; it must return the whole kernel matrix of shape "
                             f"{expected} (n_samples of X, n_samples of Z), or be "
                             f"kernel(x, z) returning one number for two rows")
        if K.shape == expected:
            try:
                pair = _number(spec.kernel(_one_row(X, 0), _one_row(Z, 0), **params))
            except Exception:  # noqa: BLE001 - a matrix callable may refuse single rows
                pair = None
            if K.dtype.kind not in "biuf":
                raise ValueError(f"the callable kernel {spec.name} returned dtype {K.dtype}; it "
                                 f"must return real numbers")
            first = float(K.flat[0])
            if pair is None or abs(pair - first) <= 1e-5 * max(abs(pair), abs(first), 1e-300):
                return _checked_gram(spec, K, dtype)
        outcome, cause = f"returned an array of shape {K.shape}", None
    return _pairwise_callable(spec, X, Z, dtype, sym, outcome, cause)


def _pairwise_callable(spec, X, Z, dtype, sym, outcome, cause):
    """scikit-learn's convention: ``kernel(x_i, z_j)`` is one number; one call per pair."""
    n_x, n_z = X.shape[0], Z.shape[0]
    rows_x = [_one_row(X, i) for i in range(n_x)]
    rows_z = rows_x if sym else [_one_row(Z, j) for j in range(n_z)]
    K = np.empty((n_x, n_z), dtype=np.float64)
    usage = (f"it must be kernel(X, Z) returning the ({n_x}, {n_z}) matrix, or kernel(x, z) "
             f"returning one number for two rows")
    for i in range(n_x):
        for j in range(i if sym else 0, n_z):
            first = i == 0 and j == 0
            try:
                value = spec.kernel(rows_x[i], rows_z[j], **spec.kernel_params)
            except Exception as exc:
                if first:
                    raise ValueError(f"the callable kernel {spec.name} {outcome} on the whole "
                                     f"matrices and raised {type(exc).__name__}: {exc} on two "
                                     f"rows; {usage}") from (cause or exc)
                raise
            number = _number(value)
            if number is None:
                raise ValueError(
                    f"the callable kernel {spec.name} "
                    + (f"{outcome} on the whole matrices and " if first else "")
                    + f"returned {np.shape(value)} values for the rows {i} and {j}; {usage}")
            K[i, j] = number
    if sym:
        upper = np.triu_indices(n_x, 1)
        K[upper[::-1]] = K[upper]
    return _checked_gram(spec, K, dtype)


def _checked_gram(spec, K, dtype):
    K = np.array(K, dtype=dtype, order="C")  # a copy: the caller may modify it in place
    if not np.all(np.isfinite(K)):
        raise ValueError(f"the callable kernel {spec.name} returned NaN or infinity")
    return K


def gram(X, Z, spec, n_threads, *, scale=None, lower_only=False, x_sqnorm=None):
    """The kernel matrix of validated X against Z (None: X itself), in their common dtype.

    Parameters
    ----------
    X, Z : ndarray (C-contiguous) or CSR matrix, float32/float64
    spec : KernelSpec
    n_threads : int or None
        The caller's ``n_threads`` argument: None sizes each step's threads by its
        work (the BLAS product by its flops, :mod:`fastoptim._blas`; the C passes
        by their values, :func:`fastoptim._threads.effective_n_threads`); an int
        is used as given, BLAS included.
    scale : ndarray, optional
        With Z None: returns S K S for S = diag(scale) (sample weights' square roots).
    lower_only : bool
        With Z None: only ``K[i, j]`` for ``i <= j`` (the upper triangle) need
        be valid; the array is then Fortran-ordered (what LAPACK's potrf with
        ``lower=False`` reads).  Otherwise the whole matrix, C-ordered.
    x_sqnorm : ndarray, optional
        X's squared row norms, when already known (rbf, cosine).

    Returns
    -------
    ndarray of shape (n_X, n_Z)
    """
    sym = Z is None
    dtype = common_dtype(X) if sym else common_dtype(X, Z)
    X = _as_dtype(X, dtype)
    Z = X if sym else _as_dtype(Z, dtype)
    if scale is not None and not sym:
        raise ValueError("scale is only supported for the Gram matrix of X with itself")
    if callable(spec.kernel):
        K = _callable_gram(spec, X, Z, dtype, sym)
        if scale is not None:
            s = scale.astype(dtype, copy=False)
            K *= s[:, None]
            K *= s[None, :]
        return K
    s = None if scale is None else np.ascontiguousarray(scale, dtype=dtype)
    if spec.kernel in _kernels.DISTANCE_KERNEL_IDS:
        return _distance_gram(spec, X, None if sym else Z, s, lower_only, n_threads)
    xn = zn = None
    if spec.kernel in _NORM_KERNELS:
        xn = (x_sqnorm.astype(dtype, copy=False) if x_sqnorm is not None
              else row_sqnorms(X, effective_n_threads(n_threads, work=stored_values(X))))
        zn = xn if sym else row_sqnorms(Z, effective_n_threads(n_threads, work=stored_values(Z)))
    n_x, n_z = X.shape[0], Z.shape[0]
    transform_threads = effective_n_threads(n_threads, work=n_x * n_z)
    if sym and not sp.issparse(X):
        # syrk on X^T (Fortran view of C-ordered X, no copy): the upper triangle of the
        # Fortran-ordered result, i.e. the lower triangle of its C-ordered transpose
        syrk = scipy.linalg.blas.get_blas_funcs("syrk", dtype=dtype)
        with blas_threads(blas_n_threads(n_threads, n_x * n_x * X.shape[1])):
            A = syrk(1.0, X.T, trans=1, lower=0)
        shape = _kernels.GRAM_SYM_LOWER if lower_only else _kernels.GRAM_SYM
        _transform(spec, shape, A.T, xn, xn, s, s, transform_threads, X)
        return A if lower_only else A.T  # the full matrix is symmetric: A.T is C-ordered
    if sp.issparse(X) or sp.issparse(Z):
        G = X @ Z.T
        G = G.toarray() if sp.issparse(G) else np.asarray(G)
        G = np.ascontiguousarray(G, dtype=dtype)
    else:
        G = np.empty((n_x, n_z), dtype=dtype)
        with blas_threads(blas_n_threads(n_threads, 2.0 * n_x * n_z * X.shape[1])):
            np.matmul(X, Z.T, out=G)
    if sym:
        _transform(spec, _kernels.GRAM_SYM, G, xn, xn, s, s, transform_threads, X)
    else:
        _transform(spec, _kernels.GRAM_RECT, G, xn, zn, None, None, transform_threads, X, Z)
    return G


def _check_non_negative(A, name, kernel):
    values = A.data if sp.issparse(A) else A
    if values.size and values.min() < 0:
        raise ValueError(f"{name} contains negative values; the {kernel!r} kernel is defined for "
                         f"non-negative data (histograms, counts): shift or rescale {name}, or "
                         f"use another kernel")


def _same_format(X, Z):
    """X in Z's format (CSR or dense): X is the smaller side in predict's blocks, where Z is
    the training data, which is never converted."""
    return sp.csr_matrix(X) if sp.issparse(Z) else np.ascontiguousarray(X.toarray())


def _c_parts(A):
    """(values, indices, indptr) for the glue: X.ravel() and None, None when dense, else CSR."""
    return csr_parts(A) if sp.issparse(A) else (A.reshape(-1), None, None)


def _distance_gram(spec, X, Z, s, lower_only, n_threads):
    """The laplacian and chi-squared kernels: the C core's pass over each pair's coordinates."""
    sym = Z is None
    if spec.kernel in _CHI2_KERNELS:
        _check_non_negative(X, "X", spec.kernel)
        if not sym:
            _check_non_negative(Z, "Z", spec.kernel)
    if not sym and sp.issparse(X) != sp.issparse(Z):
        # one format for both (the C loop merges two sparse rows or walks two dense ones)
        X = _same_format(X, Z)
    Zc = X if sym else Z
    n_x, n_z = X.shape[0], Zc.shape[0]
    # the work: every pair reads both rows' stored values
    per_row = (stored_values(X) / n_x + stored_values(Zc) / n_z) if n_x and n_z else 0
    threads = effective_n_threads(n_threads, work=int(n_x * n_z * max(per_row, 1)))
    K = np.empty((n_x, n_z), dtype=X.dtype)
    xv, xi, xp = _c_parts(X)
    zv, zi, zp = _c_parts(Zc)
    shape = (_kernels.GRAM_RECT if not sym else
             _kernels.GRAM_SYM_LOWER if lower_only else _kernels.GRAM_SYM)
    status = _kernels.kernel_pairwise(_kernels.DISTANCE_KERNEL_IDS[spec.kernel], spec.gamma, shape,
                                      xv, xi, xp, n_x, zv, zi, zp, n_z, X.shape[1], K, s, s,
                                      threads)
    _status.check_status(status, {
        _status.ERR_NONFINITE: (
            f"the {spec.kernel!r} kernel's sums over the features overflow for these values of "
            f"X; scale X")})
    # the lower triangle of C-ordered K is the upper one of its Fortran-ordered transpose
    return K.T if lower_only else K


def _as_dtype(X, dtype):
    if X.dtype == dtype:
        return X
    return X.astype(dtype) if sp.issparse(X) else np.ascontiguousarray(X, dtype=dtype)


def pairwise_kernels(X: ArrayLike | sp.spmatrix | sp.sparray,
                     Z: ArrayLike | sp.spmatrix | sp.sparray | None = None,
                     kernel: str | Callable[..., Any] = "rbf", gamma: float | None = None,
                     degree: int = 3, coef0: float = 1, n_threads: int | None = None,
                     kernel_params: dict[str, Any] | None = None) -> np.ndarray:
    r"""The kernel matrix :math:`K_{ij} = k(x_i, z_j)` of the rows of X and Z.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_X, n_features)
        The rows :math:`x_i`; float32 stays float32 (when Z is float32 too),
        anything else becomes float64.
    Z : array-like or sparse matrix of shape (n_Z, n_features), optional
        None: X itself (the symmetric Gram matrix, computed from one triangle).
    kernel : str or callable, default 'rbf'
        One of :data:`PAIRWISE_KERNELS` ('additive_chi2', 'chi2', 'cosine',
        'laplacian', 'linear', 'poly' or 'polynomial', 'rbf', 'sigmoid'), or a
        callable: ``kernel(X, Z, **kernel_params)`` returning the (n_X, n_Z)
        matrix, or ``kernel(x, z, **kernel_params)`` returning one number
        (see the module docstring).
    gamma : float, optional
        > 0; None: 1 / n_features (for 'chi2': 1).  Used by 'poly', 'rbf',
        'sigmoid', 'laplacian' and 'chi2'.
    degree : int, default 3
        Positive degree of 'poly'.
    coef0 : float, default 1
        Constant of 'poly' and 'sigmoid'.
    n_threads : int, optional
        Threads of the C transform and of the BLAS product.  None: what OpenMP and
        threadpoolctl allow, fewer for a small matrix (a product of less than
        ~60 Mflop on one BLAS thread); an int: exactly that many for both.
    kernel_params : dict, optional
        Keyword arguments of a callable kernel.

    Returns
    -------
    K : ndarray of shape (n_X, n_Z)
        float32 when X (and Z) are float32, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.kernels import pairwise_kernels
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> np.round(pairwise_kernels(X, kernel="rbf", gamma=0.5), 4)
    array([[1.    , 0.3679],
           [0.3679, 1.    ]])
    """
    X = validate_X(X, "X")
    if Z is not None:
        Z = validate_X(Z, "Z")
        if Z.shape[1] != X.shape[1]:
            raise ValueError(f"Z has {Z.shape[1]} features but X has {X.shape[1]}; they must match")
    spec = check_kernel(kernel, gamma, degree, coef0, X.shape[1], kernel_params,
                        names=PAIRWISE_KERNELS)
    effective_n_threads(n_threads)  # validates it
    return gram(X, Z, spec, n_threads)
