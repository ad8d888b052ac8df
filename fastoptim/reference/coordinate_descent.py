"""NumPy oracle of the elastic-net coordinate descent (src_c/cd.c, math in fo_cd.h), and of
the objective and optimality of its L1 / elastic-net logistic regression (newGLMNET).

The objective, the duality gap and the KKT conditions, and a plain cyclic
coordinate descent on a dense float64 centered copy, written for clarity: every
step forms the residual's dot product with the explicit centered column, so that
the C core's dense, CSC (implicitly centered) and Gram layouts are all checked
against one direct computation.
"""
import numpy as np
import scipy.sparse as sp

__all__ = ["center", "enet_objective", "enet_gap", "enet_kkt_violation", "enet_cd",
           "l1_logistic_objective", "l1_logistic_violation"]


def center(X, y, sample_weight=None, fit_intercept=True):
    """(Xc, yc, x_offset, y_offset, n): X and y centered with the weights' means and
    their rows scaled by sqrt(weight), the weights rescaled to sum to n."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    s = s * n / s.sum()
    if fit_intercept:
        xo, yo = s @ X / n, s @ y / n
    else:
        xo, yo = np.zeros(X.shape[1]), 0.0
    q = np.sqrt(s)
    return (X - xo) * q[:, None], (y - yo) * q, xo, yo, n


def enet_objective(Xc, yc, w, alpha, l1_ratio):
    """scikit-learn's objective 1/(2n) ||yc - Xc w||^2 + alpha rho |w|_1 + alpha (1-rho)/2 |w|^2."""
    n = Xc.shape[0]
    r = yc - Xc @ w
    return (r @ r / (2 * n) + alpha * l1_ratio * np.abs(w).sum()
            + 0.5 * alpha * (1 - l1_ratio) * (w @ w))


def enet_gap(Xc, yc, w, alpha, l1_ratio, positive=False):
    """The duality gap of fo_cd.h divided by n (scikit-learn's ``dual_gap_``), l1 > 0."""
    n = Xc.shape[0]
    l1, l2 = alpha * l1_ratio * n, alpha * (1 - l1_ratio) * n
    r = yc - Xc @ w
    xta = Xc.T @ r - l2 * w
    dual_norm = xta.max() if positive else np.abs(xta).max()
    c = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
    gap = (0.5 * (1 + c * c) * (r @ r) + l1 * np.abs(w).sum() - c * (r @ yc)
           + 0.5 * l2 * (1 + c * c) * (w @ w))
    return gap / n


def enet_kkt_violation(Xc, yc, w, alpha, l1_ratio):
    """The largest violation of the optimality conditions, in the objective's gradient units:
    g_j = x_j^T r / n - alpha (1-rho) w_j must equal alpha rho sign(w_j) where w_j != 0 and
    lie in [-alpha rho, alpha rho] where w_j = 0."""
    n = Xc.shape[0]
    g = Xc.T @ (yc - Xc @ w) / n - alpha * (1 - l1_ratio) * w
    lam = alpha * l1_ratio
    nz = w != 0
    v = np.zeros_like(w)
    v[nz] = np.abs(g[nz] - lam * np.sign(w[nz]))
    v[~nz] = np.maximum(np.abs(g[~nz]) - lam, 0.0)
    return v.max() if v.size else 0.0


def enet_cd(Xc, yc, alpha, l1_ratio, *, w=None, n_passes=100, positive=False):
    """``n_passes`` cyclic passes of coordinate descent (no screening, no stopping rule)."""
    n, d = Xc.shape
    l1, l2 = alpha * l1_ratio * n, alpha * (1 - l1_ratio) * n
    w = np.zeros(d) if w is None else np.array(w, dtype=np.float64)
    norms = (Xc * Xc).sum(axis=0)
    for _ in range(n_passes):
        for j in range(d):
            if norms[j] == 0:
                continue
            r = yc - Xc @ w
            t = Xc[:, j] @ r + norms[j] * w[j]
            if positive:
                w[j] = max(t - l1, 0.0) / (norms[j] + l2)
            else:
                w[j] = np.sign(t) * max(abs(t) - l1, 0.0) / (norms[j] + l2)
    return w


def _margin_loss(m, loss):
    """The loss of the margins m and its derivative: 'logistic' or 'squared_hinge'."""
    if loss == "squared_hinge":
        slack = np.maximum(1.0 - m, 0.0)
        return slack * slack, -2.0 * slack
    return np.logaddexp(0.0, -m), -1.0 / (1.0 + np.exp(m))


def l1_logistic_objective(X, y, w, b, cost, l1, l2, loss="logistic"):
    """sum_i c_i l(y_i (x_i.w + b)) + l1 |w|_1 + l2/2 |w|^2 (fo_cd.h's newGLMNET), with l the
    logistic loss log(1 + exp(-m)) or the squared hinge max(0, 1 - m)^2."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    m = y * (X @ w + b)
    return float(np.sum(cost * _margin_loss(m, loss)[0]) + l1 * np.abs(w).sum()
                 + 0.5 * l2 * (w @ w))


def l1_logistic_violation(X, y, w, b, cost, l1, l2, fit_intercept=True, loss="logistic"):
    """The largest entry of the minimum-norm subgradient of that objective (0 at the optimum)."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    m = y * (X @ w + b)
    g_i = cost * _margin_loss(m, loss)[1] * y
    g = X.T @ g_i + l2 * w
    v = np.where(w > 0, np.abs(g + l1), np.where(w < 0, np.abs(g - l1),
                                                 np.maximum(np.abs(g) - l1, 0.0)))
    out = float(v.max()) if v.size else 0.0
    return max(out, abs(float(g_i.sum()))) if fit_intercept else out
