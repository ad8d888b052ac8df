"""NumPy oracle of the SAG / SAGA / SVRG epochs (fastoptim.optim.variance_reduced).

A step-by-step transcription of the equations in fo_vr.h on dense float64
arrays: every coordinate is updated at every step (no just-in-time updates),
so that the C core's dense path and its sparse one are both checked against the
same plain computation.
"""
import numpy as np
import scipy.sparse as sp

from .losses import pointwise

__all__ = ["vr_epoch"]


def vr_epoch(method, loss, X, y, coef, intercept, memory, grad_sum, seen, n_seen, *, order,
             step, alpha, alpha_intercept=0.0, sample_weight=None, lipschitz=0.0,
             lipschitz_max=0.0, l1=0.0):
    """One epoch visiting the samples in ``order``; returns (coef, intercept, memory,
    grad_sum, seen, n_seen, mean_loss, lipschitz), new arrays.

    coef: (K, d) or (d,); intercept: (K,) or None; memory: (n, K); grad_sum: K d + K;
    seen: (n,) flags (SAG).  y: labels +-1, reals, or class indices for 'softmax'.
    step None: the line search for L (fo_vr.h), starting from ``lipschitz`` (0: 1), capped
    at ``lipschitz_max`` when that is > 0.  l1 > 0 (SAGA): each step ends with the
    soft-threshold of every coefficient at eta l1 (the proximal map of l1 ||W||_1).
    """
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    n, d = X.shape
    W = np.array(coef, dtype=np.float64).reshape(-1, d)
    K = W.shape[0]
    b = np.zeros(K) if intercept is None else np.array(intercept, dtype=np.float64)
    m = np.array(memory, dtype=np.float64).reshape(n, K)
    S = np.array(grad_sum, dtype=np.float64).reshape(-1)
    SW, Sb = S[:K * d].reshape(K, d), S[K * d:]
    seen = np.array(seen, dtype=np.uint8)
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    s = w * n / w.sum()
    y = np.asarray(y, dtype=np.float64)

    def derivative(i, W, b):
        z = W @ X[i] + b
        if loss == "softmax":
            li, dz = pointwise(loss, z[None, :], y[i:i + 1])
            return float(li[0]), s[i] * dz[0]
        li, dz = pointwise(loss, z, y[i:i + 1])
        return float(li[0]), s[i] * np.atleast_1d(dz)

    if method == "svrg":  # the snapshot at the start of the epoch
        for i in range(n):
            m[i] = derivative(i, W, b)[1]
        SW[:] = m.T @ X
        Sb[:] = m.sum(axis=0)
    fraction = {"sag": 1.0, "saga": 0.5, "svrg": 0.25}[method]
    offset = max(alpha, alpha_intercept) + (alpha * n if method == "saga" else 0.0)
    L = lipschitz if lipschitz > 0 else 1.0
    loss_sum = 0.0
    for i in order:
        li, g = derivative(i, W, b)
        loss_sum += w[i] * li
        if step is None:
            q = X[i] @ X[i] + (0.0 if intercept is None else 1.0)
            grad_sq = float(g @ g) * q
            tested = grad_sq > 1e-8
            z = W @ X[i] + b
            while grad_sq > 1e-8:
                trial = z - g * q / L
                lt = pointwise(loss, trial[None, :], y[i:i + 1])[0] if loss == "softmax" \
                    else pointwise(loss, trial, y[i:i + 1])[0]
                if s[i] * float(lt[0]) <= s[i] * li - 0.5 * grad_sq / L:
                    break
                L *= 2.0
            if lipschitz_max > 0:
                L = min(L, lipschitz_max)
            eta = fraction / (L + offset)
        else:
            eta = step
        dg = g - m[i]
        if method == "sag":
            if not seen[i]:
                seen[i] = 1
                n_seen += 1
            SW += np.outer(dg, X[i])
            Sb += dg
            m[i] = g
            W = W - eta * (SW / n_seen + alpha * W)
            if intercept is not None:
                b = b - eta * (Sb / n_seen + alpha_intercept * b)
        else:
            W = W - eta * (np.outer(dg, X[i]) + SW / n + alpha * W)
            if l1 > 0:
                W = np.sign(W) * np.maximum(np.abs(W) - eta * l1, 0.0)
            if intercept is not None:
                b = b - eta * (dg + Sb / n + alpha_intercept * b)
            if method == "saga":
                SW += np.outer(dg, X[i])
                Sb += dg
                m[i] = g
        if step is None and tested:
            L *= 2.0 ** (-1.0 / n)
    out_coef = W.reshape(np.shape(coef))
    return (out_coef, None if intercept is None else b, m, S, seen, n_seen,
            loss_sum / w[list(order)].sum(), L if step is None else lipschitz)
