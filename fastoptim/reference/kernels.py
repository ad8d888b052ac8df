"""NumPy/SciPy oracle of :func:`fastoptim.kernels.pairwise_kernels` (the C Gram kernels)."""
import numpy as np
import scipy.sparse as sp
from scipy.spatial.distance import cdist

__all__ = ["pairwise_kernels"]


def pairwise_kernels(X, Z=None, kernel="rbf", gamma=None, degree=3, coef0=1):
    """Plain NumPy/SciPy oracle of :func:`fastoptim.kernels.pairwise_kernels`, in float64.

    Direct formulas (the RBF distances by ``scipy.spatial.distance.cdist``,
    differences of coordinates, not the norm expansion); for tests and
    benchmark baselines, written for clarity, not speed.
    """
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    Z = X if Z is None else np.asarray(Z.toarray() if sp.issparse(Z) else Z, dtype=np.float64)
    g = 1.0 / X.shape[1] if gamma is None else float(gamma)
    if callable(kernel):
        return np.asarray(kernel(X, Z), dtype=np.float64)
    if kernel == "linear":
        return X @ Z.T
    if kernel == "poly":
        return (g * (X @ Z.T) + coef0) ** degree
    if kernel == "sigmoid":
        return np.tanh(g * (X @ Z.T) + coef0)
    if kernel == "rbf":
        return np.exp(-g * cdist(X, Z, "sqeuclidean"))
    raise ValueError(f"unknown kernel {kernel!r}")
