"""NumPy oracle of fastoptim.neural_network's kernels: the same network, plain matrix code.

Computations happen in the dtype of the inputs (pass float64 for an accurate oracle).
"""
import numpy as np
from scipy.special import erf, expit, log_expit, logsumexp, softmax

__all__ = ["activation", "activation_slope", "forward", "loss_grad"]


def activation(name, z, leaky_slope=0.01):
    """f(z) of a hidden unit."""
    if name == "identity":
        return z
    if name == "logistic":
        return expit(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, leaky_slope * z)
    if name == "gelu":
        return 0.5 * z * (1 + erf(z / np.sqrt(2)))
    raise ValueError(name)


def activation_slope(name, z, leaky_slope=0.01):
    """f'(z) (0 at z = 0 for ReLU, as torch)."""
    if name == "identity":
        return np.ones_like(z)
    if name == "logistic":
        s = expit(z)
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, leaky_slope).astype(z.dtype)
    if name == "gelu":
        return 0.5 * (1 + erf(z / np.sqrt(2))) + z * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    raise ValueError(name)


def _layers(X, coefs, intercepts, act, leaky_slope):
    zs, acts = [], [X]
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = acts[-1] @ W + b
        zs.append(z)
        if l < len(coefs) - 1:
            acts.append(activation(act, z, leaky_slope))
    return zs, acts


def forward(X, coefs, intercepts, act, output, leaky_slope=0.01):
    """Output activations (softmax / sigmoid probabilities, or the scores)."""
    z = _layers(X, coefs, intercepts, act, leaky_slope)[0][-1]
    if output == "softmax":
        return softmax(z, axis=1)
    if output == "logistic":
        return expit(z)
    return z


def loss_grad(X, Y, coefs, intercepts, act, output, l2=0.0, sample_weight=None,
              leaky_slope=0.01):
    """(value, grad_coefs, grad_intercepts) of sum_i w_i c_i / sum w + l2/2 sum ||W||^2."""
    n = X.shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    zs, acts = _layers(X, coefs, intercepts, act, leaky_slope)
    z = zs[-1]
    if output == "softmax":
        c = (Y * (logsumexp(z, axis=1)[:, None] - z)).sum(axis=1)
        p = softmax(z, axis=1)
    elif output == "logistic":
        c = (-(Y * log_expit(z) + (1 - Y) * log_expit(-z))).sum(axis=1)
        p = expit(z)
    else:
        c = 0.5 * ((z - Y) ** 2).sum(axis=1)
        p = z
    value = (w * c).sum() / w.sum() + 0.5 * l2 * sum((W * W).sum() for W in coefs)
    delta = (p - Y) * (w / w.sum())[:, None]
    gW, gb = [None] * len(coefs), [None] * len(coefs)
    for l in range(len(coefs) - 1, -1, -1):
        A = acts[l]
        gW[l] = np.asarray(A.T @ delta) + l2 * coefs[l]
        gb[l] = delta.sum(axis=0)
        if l > 0:
            delta = (delta @ coefs[l].T) * activation_slope(act, zs[l - 1], leaky_slope)
    return value, gW, gb


def batchnorm_forward(x, gamma, beta, eps=1e-5, training=True, momentum=0.1, run_mean=None,
                      run_var=None):
    """(y, new_run_mean, new_run_var): torch.nn.BatchNorm1d's forward and running update."""
    if training:
        mu, var = x.mean(axis=0), x.var(axis=0)
        n = x.shape[0]
        if run_mean is not None:
            run_mean = (1 - momentum) * run_mean + momentum * mu
            run_var = (1 - momentum) * run_var + momentum * var * n / (n - 1)
    else:
        mu, var = run_mean, run_var
    return gamma * (x - mu) / np.sqrt(var + eps) + beta, run_mean, run_var
