"""NumPy oracle of the mini-batch epoch with the cumulative L1 penalty (fo_epoch.h).

Plain SGD (the only rule the penalty takes), step by step on dense float64 arrays:
every coefficient is decayed, stepped and clipped at every step (no just-in-time
updates), so that the C core's dense paths and its lazy sparse one are checked
against the same plain computation.  Tsuruoka, Tsujii & Ananiadou (2009),
"Stochastic gradient descent training for L1-regularized log-linear models with
cumulative penalty", ACL, Figure 2.
"""
import numpy as np
import scipy.sparse as sp

from .losses import _scores, pointwise

__all__ = ["clip", "l1_sgd_epoch"]


def clip(w, u, q):
    """Tsuruoka's ApplyPenalty on every entry: returns (w, q), new arrays.

    w > 0 moves to max(0, w - (u + q)), w < 0 to min(0, w + (u - q)), 0 stays; q takes
    the change.
    """
    w = np.asarray(w, dtype=np.float64)
    z = w.copy()
    out = np.where(z > 0, np.maximum(0.0, z - (u + q)),
                   np.where(z < 0, np.minimum(0.0, z + (u - q)), 0.0))
    return out, q + (out - z)


def l1_sgd_epoch(loss, X, y, coef, intercept, u, q, *, order, batch, lr, alpha, l1,
                 sample_weight=None, weight_decay=0.0):
    """One epoch of plain SGD with the L2 penalty ``alpha`` and the cumulative L1 penalty
    ``l1``, visiting the rows in ``order`` in batches of ``batch``; returns (coef,
    intercept, u, q), new arrays.

    coef: (K, d) or (d,); intercept: (K,) or None; u: the total penalty so far (a
    number); q: the applied penalty, coef's size.  Each batch B: g = n / sum(w) / |B|
    sum_{i in B} w_i dl_i/dz x_i + alpha coef (+ weight_decay coef, torch's SGD, whose
    decay is on the intercept too); coef <- coef - lr g; intercept <- intercept - lr g_b;
    u <- u + lr l1; clip.
    """
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    n, d = X.shape
    shape = np.shape(coef)
    W = np.array(coef, dtype=np.float64).reshape(-1, d)
    b = None if intercept is None else np.array(intercept, dtype=np.float64).reshape(-1)
    q = np.array(q, dtype=np.float64).reshape(W.shape)
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    scale = n / w.sum()
    order = np.asarray(order)
    for lo in range(0, len(order), batch):
        rows = order[lo:lo + batch]
        coef_now = W if W.shape[0] > 1 else W[0]
        z = _scores(X[rows], coef_now, np.zeros(W.shape[0]) if b is None else b)
        _, dz = pointwise(loss, z, np.asarray(y, np.float64)[rows])
        r = (dz.reshape(len(rows), -1)) * (w[rows] * scale / len(rows))[:, None]
        g = r.T @ X[rows] + (alpha + weight_decay) * W
        W = W - lr * g
        if b is not None:  # torch's weight decay is on every parameter, the intercept too
            b = b - lr * (r.sum(axis=0) + weight_decay * b)
        u = u + lr * l1
        W, q = clip(W, u, q)
    return W.reshape(shape), b, u, q.reshape(-1)
