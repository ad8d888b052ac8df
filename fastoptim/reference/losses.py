"""NumPy oracles of fastoptim.losses: two passes over X (X @ coef, then X.T @ r).

Computations happen in the dtype of the inputs (pass float64 arrays for an
accurate oracle); X may be a dense array or a scipy.sparse matrix.
"""
import numpy as np
from scipy.special import expit, log_expit, logsumexp, softmax

__all__ = ["pointwise", "loss_grad", "hessp", "hessian"]


def _pm1(y):
    y = np.asarray(y)
    return np.where(y == 0, -1, y).astype(y.dtype if y.dtype.kind == "f" else np.float64)


def pointwise(loss, z, y):
    """Per-sample loss l_i and dl_i/dz (z of shape (n,) or (n, K))."""
    if loss == "squared":
        r = z - y
        return 0.5 * r * r, r
    if loss in ("softmax", "multiclass_hinge"):
        n, K = z.shape
        c = np.asarray(y).astype(np.int64)
        rows = np.arange(n)
        if loss == "softmax":
            lse = logsumexp(z, axis=1)
            d = softmax(z, axis=1)
            d[rows, c] -= 1.0
            return lse - z[rows, c], d
        slack = z - z[rows, c][:, None] + 1.0
        slack[rows, c] = 0.0
        viol = slack > 0
        d = viol.astype(z.dtype)
        d[rows, c] = -viol.sum(axis=1)
        return np.where(viol, slack, 0.0).sum(axis=1), d
    y = _pm1(y)
    m = y * z
    if loss == "logistic":
        return -log_expit(m), -y * expit(-m)
    slack = 1.0 - m
    if loss == "hinge":
        return np.maximum(slack, 0.0), np.where(slack > 0, -y, 0.0)
    if loss == "squared_hinge":
        s = np.maximum(slack, 0.0)
        return s * s, -2.0 * y * s
    raise ValueError(f"unknown loss {loss!r}")


def _scores(X, coef, intercept):
    coef = np.asarray(coef)
    if coef.ndim == 2 and coef.shape[0] > 1:
        z = np.asarray(X @ coef.T)
    else:
        z = np.asarray(X @ coef.reshape(-1))
    if intercept is not None:
        # in z's dtype: a float64 intercept must not promote float32 scores
        b = np.asarray(intercept, dtype=z.dtype).reshape(-1)
        z = z + (b if z.ndim == 2 else b[0])
    return z


def loss_grad(loss, X, y, coef, intercept=None, sample_weight=None, alpha=0.0):
    """(value, grad_coef, grad_intercept) of the penalized, weighted mean loss."""
    coef = np.asarray(coef)
    z = _scores(X, coef, intercept)
    l, d = pointwise(loss, z, y)
    w = np.ones(z.shape[0], dtype=z.dtype) if sample_weight is None else np.asarray(sample_weight)
    W = w.sum()
    penalty = 0.5 * alpha * np.sum(coef.astype(np.float64) ** 2) if alpha != 0 else 0.0
    value = float(np.dot(w, l) / W + penalty)
    if d.ndim == 2:
        r = d * (w / W)[:, None]
        g = np.asarray(X.T @ r).T + alpha * coef
        gb = r.sum(axis=0)
    else:
        r = d * (w / W)
        g = (np.asarray(X.T @ r) + alpha * coef.reshape(-1)).reshape(coef.shape)
        gb = r.sum()
    return value, g, (None if intercept is None else gb)


def _curvature(loss, z, y):
    """l''(z_i, y_i) of a binary loss (the generalized one for squared_hinge)."""
    if loss == "squared":
        return np.ones_like(z)
    if loss == "logistic":
        s = expit(z)
        return s * (1.0 - s)
    if loss == "squared_hinge":
        return np.where(1.0 - _pm1(y) * z > 0, 2.0, 0.0)
    raise ValueError(f"no Hessian for loss {loss!r}")


def hessp(loss, X, y, coef, intercept, vec_coef, vec_intercept=None, sample_weight=None,
          alpha=0.0):
    """Hessian-vector product (hv_coef, hv_intercept) of :func:`loss_grad`'s objective."""
    coef = np.asarray(coef)
    z = _scores(X, coef, intercept)
    t = _scores(X, vec_coef, vec_intercept)
    w = np.ones(z.shape[0], dtype=z.dtype) if sample_weight is None else np.asarray(sample_weight)
    W = w.sum()
    if loss == "softmax":
        p = softmax(z, axis=1)
        r = p * (t - (p * t).sum(axis=1, keepdims=True)) * (w / W)[:, None]
        hv = np.asarray(X.T @ r).T + alpha * np.asarray(vec_coef)
        hb = r.sum(axis=0)
    else:
        r = _curvature(loss, z, y) * t * (w / W)
        hv = (np.asarray(X.T @ r) + alpha * np.asarray(vec_coef).reshape(-1)).reshape(coef.shape)
        hb = r.sum()
    return hv, (None if intercept is None else hb)


def hessian(loss, X, y, coef, intercept=None, sample_weight=None, alpha=0.0):
    """(value, grad, hess) of :func:`loss_grad`'s objective over the packed parameter vector
    ``[coef.ravel(), intercept]`` (the intercept part only when ``intercept`` is given), as
    :meth:`fastoptim.losses.Objective.hessian` returns them.

    Binary losses: ``X~^T diag(w l'') X~ / sum(w)`` with ``X~ = [X, 1]``; 'softmax' (coef
    K x d): block (k, l) is ``X~^T diag(w (p_k [k = l] - p_k p_l)) X~ / sum(w)``, its rows
    and columns reordered from class-major ``(k, j)`` to the coefficients then the
    intercepts.  Plus alpha on the coefficients' diagonal.
    """
    coef = np.asarray(coef)
    value, gc, gb = loss_grad(loss, X, y, coef, intercept, sample_weight, alpha)
    grad = np.concatenate([np.ravel(gc)] + ([] if intercept is None else [np.ravel(gb)]))
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    z = _scores(X, coef, intercept)
    w = np.ones(z.shape[0], dtype=z.dtype) if sample_weight is None else np.asarray(sample_weight)
    wn = w / w.sum()
    Xt = X if intercept is None else np.column_stack([X, np.ones(X.shape[0], dtype=X.dtype)])
    d, P = X.shape[1], Xt.shape[1]
    if loss == "softmax":
        p = softmax(z, axis=1)
        K = p.shape[1]
        H = np.empty((K, P, K, P), dtype=z.dtype)
        for k in range(K):
            for l in range(K):
                a = wn * p[:, k] * ((k == l) - p[:, l])
                H[k, :, l, :] = (Xt * a[:, None]).T @ Xt
        # (k, j) -> the packed position: coefficient k d + j, intercept K d + k
        order = [k * P + j for k in range(K) for j in range(d)] + \
            ([k * P + d for k in range(K)] if intercept is not None else [])
        H = H.reshape(K * P, K * P)[np.ix_(order, order)]
        n_coef = K * d
    else:
        H = (Xt * (wn * _curvature(loss, z, y))[:, None]).T @ Xt
        n_coef = d
    H[np.arange(n_coef), np.arange(n_coef)] += alpha
    return value, grad, H
