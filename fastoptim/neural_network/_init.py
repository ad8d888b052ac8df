r"""Initial weights of a network: scikit-learn's Glorot-uniform and torch.nn.init's schemes.

For the weights W^l of shape (fan_in, fan_out) = (sizes[l-1], sizes[l]) and the gain g of
the nonlinearity that follows the layer (torch.nn.init.calculate_gain; 1 for the output
layer, whose activation is the softmax / sigmoid / identity of the loss):

=================  ===========================================================  ==========
init               W^l ~                                                         b^l
=================  ===========================================================  ==========
'glorot_uniform'   U(-r, r), r = sqrt(f / (fan_in + fan_out)), f = 2 for          U(-r, r)
                   'logistic' and 6 otherwise (scikit-learn's MLP)
'xavier_normal'    N(0, g^2 2 / (fan_in + fan_out))   (torch xavier_normal_)     0
'he_normal'        N(0, g^2 / fan_in)                 (torch kaiming_normal_)    0
'he_uniform'       U(-r, r), r = g sqrt(3 / fan_in)   (torch kaiming_uniform_)   0
'lecun_normal'     N(0, 1 / fan_in)                                              0
=================  ===========================================================  ==========

Gains (torch): identity and logistic 1, tanh 5/3, relu sqrt(2), leaky_relu
sqrt(2 / (1 + slope^2)); GELU, which torch's table lacks, takes ReLU's sqrt(2) (it is
ReLU-like for |z| >> 1).  Why these variances: with independent inputs of second moment
E[x^2], z = sum_j W_j x_j has E[z^2] = fan_in Var(W) E[x^2], so Var(W) = 1 / fan_in keeps
it across a linear layer, and 2 / fan_in across a ReLU, which halves the second moment
(He et al. 2015; Glorot & Bengio 2010 average fan_in and fan_out for the backward pass).
Batch norm's gamma starts at 1 and beta at 0, as torch's BatchNorm1d.
"""
import math

import numpy as np

__all__ = ["INITS", "gain", "initial_layers"]

INITS = ("glorot_uniform", "xavier_normal", "he_normal", "he_uniform", "lecun_normal")


def gain(activation, leaky_slope=0.01):
    """torch.nn.init.calculate_gain of a hidden activation (GELU: ReLU's)."""
    if activation in ("identity", "logistic"):
        return 1.0
    if activation == "tanh":
        return 5.0 / 3.0
    if activation in ("relu", "gelu"):
        return math.sqrt(2.0)
    if activation == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + leaky_slope ** 2))
    raise ValueError(f"unknown activation {activation!r}")


def initial_layers(sizes, init, activation, rng, leaky_slope=0.01):
    """(coefs, intercepts): float64 arrays per layer drawn from ``rng`` (numpy RandomState)."""
    coefs, intercepts = [], []
    n_layers = len(sizes) - 1
    for l in range(n_layers):
        fan_in, fan_out = sizes[l], sizes[l + 1]
        g = gain(activation, leaky_slope) if l < n_layers - 1 else 1.0
        if init == "glorot_uniform":
            r = math.sqrt((2.0 if activation == "logistic" else 6.0) / (fan_in + fan_out))
            W = rng.uniform(-r, r, (fan_in, fan_out))
            b = rng.uniform(-r, r, fan_out)
        else:
            if init == "xavier_normal":
                W = rng.normal(0.0, g * math.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out))
            elif init == "he_normal":
                W = rng.normal(0.0, g / math.sqrt(fan_in), (fan_in, fan_out))
            elif init == "he_uniform":
                r = g * math.sqrt(3.0 / fan_in)
                W = rng.uniform(-r, r, (fan_in, fan_out))
            elif init == "lecun_normal":
                W = rng.normal(0.0, 1.0 / math.sqrt(fan_in), (fan_in, fan_out))
            else:
                raise ValueError(f"init must be one of {INITS}, got {init!r}")
            b = np.zeros(fan_out)
        coefs.append(W)
        intercepts.append(b)
    return coefs, intercepts
