"""NumPy oracle of fastoptim.neural_network's kernels: the same network, plain matrix code.

Computations happen in the dtype of the inputs (pass float64 for an accurate oracle).
"""
import numpy as np
from scipy.special import erf, expit, log_expit, logsumexp, softmax

__all__ = ["activation", "activation_slope", "forward", "loss_grad", "batchnorm_forward",
           "dropout_mask"]


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


def _layers(X, coefs, intercepts, act, leaky_slope, bn=None, masks=None):
    """Forward pass.  bn: dict(gammas, betas, training, means, variances, eps) or None;
    masks: per hidden layer an (n, width) array of m / (1 - p), or None.  Returns the
    scores z, the activations f(u) and each layer's input, and batch norm's pieces."""
    zs, fs, inputs, norm = [], [], [X], []
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = inputs[-1] @ W + b
        if l == len(coefs) - 1:
            zs.append(z)
            break
        if bn is not None:
            if bn["training"]:
                mu, var = z.mean(axis=0), z.var(axis=0)
            else:
                mu, var = bn["means"][l], bn["variances"][l]
            inv_std = 1.0 / np.sqrt(var + bn.get("eps", 1e-5))
            xhat = (z - mu) * inv_std
            norm.append((xhat, inv_std))
            z = bn["gammas"][l] * xhat + bn["betas"][l]
        zs.append(z)
        a = activation(act, z, leaky_slope)
        fs.append(a)
        inputs.append(a if masks is None else a * masks[l])
    return zs, fs, inputs, norm


def forward(X, coefs, intercepts, act, output, leaky_slope=0.01, bn=None, masks=None):
    """Output activations (softmax / sigmoid probabilities, or the scores)."""
    z = _layers(X, coefs, intercepts, act, leaky_slope, bn, masks)[0][-1]
    if output == "softmax":
        return softmax(z, axis=1)
    if output == "logistic":
        return expit(z)
    return z


def loss_grad(X, Y, coefs, intercepts, act, output, l2=0.0, sample_weight=None,
              leaky_slope=0.01, bn=None, masks=None):
    """(value, grad_coefs, grad_intercepts) of sum_i w_i c_i / sum w + l2/2 sum ||W||^2;
    with ``bn`` (see _layers), (value, grad_coefs, grad_intercepts, grad_gammas,
    grad_betas), the batch-norm backward of Ioffe & Szegedy (2015)."""
    n = X.shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    zs, fs, inputs, norm = _layers(X, coefs, intercepts, act, leaky_slope, bn, masks)
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
    L = len(coefs)
    gW, gb, gg, gbeta = [None] * L, [None] * L, [None] * (L - 1), [None] * (L - 1)
    for l in range(L - 1, -1, -1):
        gW[l] = np.asarray(inputs[l].T @ delta) + l2 * coefs[l]
        gb[l] = delta.sum(axis=0)
        if l > 0:
            g = delta @ coefs[l].T
            if masks is not None:
                g = g * masks[l - 1]
            g = g * activation_slope(act, zs[l - 1], leaky_slope)
            if bn is not None:
                xhat, inv_std = norm[l - 1]
                gg[l - 1], gbeta[l - 1] = (g * xhat).sum(axis=0), g.sum(axis=0)
                g = g * bn["gammas"][l - 1]
                if bn["training"]:
                    g = inv_std * (g - g.mean(axis=0) - xhat * (g * xhat).mean(axis=0))
                else:
                    g = inv_std * g
            delta = g
    if bn is not None:
        return value, gW, gb, gg, gbeta
    return value, gW, gb


_M64 = (1 << 64) - 1


def _mix64(x):
    """SplitMix64's finalizer on uint64 arrays."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def dropout_mask(p, seed, step, samples, layer, width):
    """The counter-based dropout mask of fo_mlp_dropout_keep, as m / (1 - p): an array of
    shape (len(samples), width) for the given sample ids of one layer (layer numbered from
    1, the first hidden layer) at one step."""
    with np.errstate(over="ignore"):
        h = _mix64(np.uint64(int(seed) & _M64) ^ np.uint64(0x9E3779B97F4A7C15))
        h = _mix64(h ^ np.uint64(int(step) & _M64))
        s = np.asarray(samples, dtype=np.uint64)[:, None]
        h = _mix64(h ^ ((s << np.uint64(8)) ^ np.uint64(layer)))
        h = _mix64(h ^ np.arange(width, dtype=np.uint64)[None, :])
    u = (h >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return (u >= p) / (1.0 - p)


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
