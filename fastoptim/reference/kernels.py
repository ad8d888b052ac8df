"""NumPy/SciPy oracle of :func:`fastoptim.kernels.pairwise_kernels` (the C Gram kernels)."""
import numpy as np
import scipy.sparse as sp
from scipy.spatial.distance import cdist

__all__ = ["pairwise_kernels"]


def pairwise_kernels(X, Z=None, kernel="rbf", gamma=None, degree=3, coef0=1):
    """Plain NumPy/SciPy oracle of :func:`fastoptim.kernels.pairwise_kernels`, in float64.

    Direct formulas (the RBF and laplacian distances by
    ``scipy.spatial.distance.cdist``, differences of coordinates, not the norm
    expansion; the chi-squared sums by broadcasting over the coordinates); for
    tests and benchmark baselines, written for clarity, not speed.
    """
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    Z = X if Z is None else np.asarray(Z.toarray() if sp.issparse(Z) else Z, dtype=np.float64)
    if kernel == "polynomial":
        kernel = "poly"
    g = (1.0 if kernel == "chi2" else 1.0 / X.shape[1]) if gamma is None else float(gamma)
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
    if kernel == "laplacian":
        return np.exp(-g * cdist(X, Z, "cityblock"))
    if kernel == "cosine":
        nx = np.linalg.norm(X, axis=1)
        nz = np.linalg.norm(Z, axis=1)
        Xn = X / np.where(nx > 0, nx, 1.0)[:, None]
        Zn = Z / np.where(nz > 0, nz, 1.0)[:, None]
        return Xn @ Zn.T
    if kernel in ("chi2", "additive_chi2"):
        if X.min() < 0 or Z.min() < 0:
            raise ValueError("the chi-squared kernels need non-negative X and Z")
        total = X[:, None, :] + Z[None, :, :]
        diff = X[:, None, :] - Z[None, :, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            terms = np.where(total > 0, diff ** 2 / total, 0.0)
        S = terms.sum(axis=2)
        return np.exp(-g * S) if kernel == "chi2" else -S
    raise ValueError(f"unknown kernel {kernel!r}")
