r"""Kernel (Gram) matrices: linear, polynomial, RBF and sigmoid kernels.

For rows :math:`x_i` of X and :math:`z_j` of Z:

=========== ========================================================== ============
name        :math:`k(x, z)`                                             parameters
=========== ========================================================== ============
``linear``  :math:`x^T z`
``poly``    :math:`(\gamma\, x^T z + c_0)^d`                            gamma, degree, coef0
``rbf``     :math:`\exp(-\gamma \lVert x - z \rVert^2)`                 gamma
``sigmoid`` :math:`\tanh(\gamma\, x^T z + c_0)`                         gamma, coef0
=========== ========================================================== ============

``gamma=None`` means :math:`1 / n_{features}` (scikit-learn's default); ``degree``
is a positive integer.  The :math:`O(n m p)` work is one BLAS product
:math:`X Z^T` (``syrk`` when Z is X: one triangle, half the flops; sparse
products for sparse input) in X's dtype; the C core then transforms it in
place, entry by entry, with OpenMP over row blocks.  The RBF distance uses the
expansion :math:`\lVert x - z \rVert^2 = \lVert x \rVert^2 + \lVert z \rVert^2 - 2 x^T z`,
clamped at 0 (rounding can make the distance of nearly equal rows slightly
negative); on the diagonal of :math:`K(X, X)` it is exactly 0.

float32 input gives a float32 matrix (computed in float32: about 1e-6
relative, or 1e-6 absolute for entries near 0); anything else float64.  The
result does not depend on the number of threads.

A kernel may also be a callable ``kernel(X, Z)`` returning the whole
(n_X, n_Z) matrix (not one entry: e.g. ``functools.partial`` of a
``sklearn.metrics.pairwise`` kernel function).
"""
import numbers

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ._blas import blas_n_threads, blas_threads
from ._config import effective_n_threads
from ._core import _kernels, _status
from ._validation import stored_values
from .base import validate_X

__all__ = ["KERNELS", "pairwise_kernels"]

#: Names of the built-in kernels.
KERNELS = ("linear", "poly", "rbf", "sigmoid")
_VALID_KERNELS_TEXT = ", ".join(repr(k) for k in KERNELS) + " or a callable"


class KernelSpec:
    """A validated kernel: a name with resolved numeric parameters, or a callable.

    Attributes
    ----------
    kernel : str or callable
    gamma : float
        Resolved (``None`` became 1 / n_features); unused by 'linear'.
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


def check_kernel(kernel, gamma, degree, coef0, n_features, kernel_params=None):
    """Validate a kernel and its parameters; returns a KernelSpec.

    Raises ValueError/TypeError naming the argument: an unknown kernel name
    (listing the valid ones), ``gamma <= 0``, ``degree`` not a positive int,
    a non-finite ``coef0``.
    """
    if not callable(kernel):
        if not isinstance(kernel, str):
            raise TypeError(f"kernel must be one of {_VALID_KERNELS_TEXT}; got {kernel!r}")
        if kernel not in KERNELS:
            raise ValueError(f"unknown kernel {kernel!r}; valid kernels are {_VALID_KERNELS_TEXT}")
    if gamma is None:
        gamma_value = 1.0 / n_features
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
                         f"takes gamma, degree and coef0")
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


def _transform(spec, shape, G, xn, zn, row_scale, col_scale, n_threads):
    """The C core's in-place transform of G = X Z^T into the kernel matrix."""
    status = _kernels.kernel_gram(_kernels.KERNEL_IDS[spec.kernel], spec.gamma, spec.degree,
                                  spec.coef0, shape, G, xn, zn, row_scale, col_scale, n_threads)
    _status.check_status(status, {
        _status.ERR_NONFINITE: (
            f"the {spec.kernel!r} kernel matrix has values beyond the range of {G.dtype} "
            f"(with degree={spec.degree}, gamma={spec.gamma:g}, coef0={spec.coef0:g}); scale X "
            f"or lower gamma/degree")})


def _callable_gram(spec, X, Z, dtype):
    K = spec.kernel(X, Z, **spec.kernel_params)
    expected = (X.shape[0], Z.shape[0])
    if sp.issparse(K):
        K = K.toarray()
    K = np.asarray(K)
    if K.shape != expected:
        raise ValueError(f"the callable kernel {spec.name} returned an array of shape {K.shape}; "
                         f"it must return the whole kernel matrix of shape {expected} "
                         f"(n_samples of X, n_samples of Z)")
    if K.dtype.kind not in "biuf":
        raise ValueError(f"the callable kernel {spec.name} returned dtype {K.dtype}; it must "
                         f"return real numbers")
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
        by their values, :func:`fastoptim._config.effective_n_threads`); an int
        is used as given, BLAS included.
    scale : ndarray, optional
        With Z None: returns S K S for S = diag(scale) (sample weights' square roots).
    lower_only : bool
        With Z None: only ``K[i, j]`` for ``i <= j`` (the upper triangle) need
        be valid; the array is then Fortran-ordered (what LAPACK's potrf with
        ``lower=False`` reads).  Otherwise the whole matrix, C-ordered.
    x_sqnorm : ndarray, optional
        X's squared row norms, when already known (rbf).

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
        K = _callable_gram(spec, X, Z, dtype)
        if scale is not None:
            s = scale.astype(dtype, copy=False)
            K *= s[:, None]
            K *= s[None, :]
        return K
    s = None if scale is None else np.ascontiguousarray(scale, dtype=dtype)
    rbf = spec.kernel == "rbf"
    xn = zn = None
    if rbf:
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
        _transform(spec, shape, A.T, xn, xn, s, s, transform_threads)
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
        _transform(spec, _kernels.GRAM_SYM, G, xn, xn, s, s, transform_threads)
    else:
        _transform(spec, _kernels.GRAM_RECT, G, xn, zn, None, None, transform_threads)
    return G


def _as_dtype(X, dtype):
    if X.dtype == dtype:
        return X
    return X.astype(dtype) if sp.issparse(X) else np.ascontiguousarray(X, dtype=dtype)


def pairwise_kernels(X, Z=None, kernel="rbf", gamma=None, degree=3, coef0=1, n_threads=None):
    r"""The kernel matrix :math:`K_{ij} = k(x_i, z_j)` of the rows of X and Z.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_X, n_features)
    Z : array-like or sparse matrix of shape (n_Z, n_features), optional
        None: X itself (the symmetric Gram matrix, computed from one triangle).
    kernel : {'linear', 'poly', 'rbf', 'sigmoid'} or callable, default 'rbf'
        See the module docstring; a callable is called as ``kernel(X, Z)`` and
        must return the (n_X, n_Z) matrix.
    gamma : float, optional
        > 0; None: 1 / n_features.  Used by 'poly', 'rbf' and 'sigmoid'.
    degree : int, default 3
        Positive degree of 'poly'.
    coef0 : float, default 1
        Constant of 'poly' and 'sigmoid'.
    n_threads : int, optional
        Threads of the C transform and of the BLAS product.  None: what OpenMP and
        threadpoolctl allow, fewer for a small matrix (a product of less than
        ~60 Mflop on one BLAS thread); an int: exactly that many for both.

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
    spec = check_kernel(kernel, gamma, degree, coef0, X.shape[1])
    effective_n_threads(n_threads)  # validates it
    return gram(X, Z, spec, n_threads)
