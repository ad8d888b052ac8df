"""fastoptim.optim.optimizers: every update rule against this file's own NumPy
transcription of torch.optim's documented algorithm, against the NumPy twins
(``step_numpy``) and against torch.optim itself (when installed); MATH.md's
momentum/Nesterov equivalences; textbook facts (Adam's first step, AdaGrad's
falling rate and rare features, Nesterov < momentum < GD on an ill-conditioned
quadratic, convergence of every optimizer); state handling (pickle, reset, lr
and momentum changes, in-place updates, thread-count determinism); bad input.

Relative error between trajectories is max|a - b| / max|b| (the max-norm
relative error of the whole parameter array).
"""
import contextlib
import copy
import inspect
import math
import pickle

import numpy as np
import pytest

from fastoptim.optim.optimizers import (ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam,
                                        Optimizer, RAdam, RMSProp, Rprop)

N_STEPS = 100
SHAPE = (6, 7)          # a 2-D parameter array: the kernels see it flattened
RTOL = {np.float64: 1e-12, np.float32: 1e-5}
DTYPES = [np.float64, np.float32]
DTYPE_IDS = ["f64", "f32"]


# ============================================================================================
# The oracle: torch.optim's documented algorithms, transcribed independently of
# fastoptim.optim.transforms.  One function per algorithm: (p, g, state, t, lr, **hp) -> new p,
# state a dict it fills at t = 1.  Arithmetic in the arrays' dtype (float64 in the oracle runs).
# ============================================================================================


def ref_sgd(p, g, st, t, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    """torch.optim.SGD:  g <- g + wd p;  b_1 = g, b_t = mu b_{t-1} + (1 - tau) g;
    g <- g + mu b (Nesterov) or b;  p <- p - lr g."""
    if weight_decay != 0:
        g = g + weight_decay * p
    if momentum != 0:
        if t == 1:
            st["b"] = g.copy()
        else:
            st["b"] = momentum * st["b"] + (1 - dampening) * g
        g = g + momentum * st["b"] if nesterov else st["b"]
    return p - lr * g


def ref_adagrad(p, g, st, t, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                eps=1e-10):
    """torch.optim.Adagrad:  lr~ = lr / (1 + (t - 1) eta);  g <- g + wd p;
    sum <- sum + g^2 (sum_0 = initial_accumulator_value);  p <- p - lr~ g / (sqrt(sum) + eps)."""
    if t == 1:
        st["sum"] = np.full_like(p, initial_accumulator_value)
    clr = lr / (1 + (t - 1) * lr_decay)
    if weight_decay != 0:
        g = g + weight_decay * p
    st["sum"] = st["sum"] + g * g
    return p - clr * g / (np.sqrt(st["sum"]) + eps)


def ref_rmsprop(p, g, st, t, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                centered=False):
    """torch.optim.RMSprop:  g <- g + wd p;  v <- alpha v + (1 - alpha) g^2;  v~ = v;
    centered: g_ave <- alpha g_ave + (1 - alpha) g, v~ = v - g_ave^2;
    momentum: b <- mu b + g / (sqrt(v~) + eps), p <- p - lr b;
    else p <- p - lr g / (sqrt(v~) + eps)."""
    if t == 1:
        st["v"] = np.zeros_like(p)
        st["g_ave"] = np.zeros_like(p)
        st["b"] = np.zeros_like(p)
    if weight_decay != 0:
        g = g + weight_decay * p
    st["v"] = alpha * st["v"] + (1 - alpha) * g * g
    v_tilde = st["v"]
    if centered:
        st["g_ave"] = alpha * st["g_ave"] + (1 - alpha) * g
        v_tilde = v_tilde - st["g_ave"] ** 2
    if momentum > 0:
        st["b"] = momentum * st["b"] + g / (np.sqrt(v_tilde) + eps)
        return p - lr * st["b"]
    return p - lr * g / (np.sqrt(v_tilde) + eps)


def ref_adam(p, g, st, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
             decoupled=False):
    """torch.optim.Adam (decoupled=False: g <- g + wd p) and torch.optim.AdamW
    (decoupled=True: p <- p - lr wd p):  m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
    m^ = m / (1 - b1^t);  AMSGrad: v_max <- max(v_max, v), v^ = v_max / (1 - b2^t), else
    v^ = v / (1 - b2^t);  p <- p - lr m^ / (sqrt(v^) + eps)."""
    b1, b2 = betas
    if t == 1:
        st["m"] = np.zeros_like(p)
        st["v"] = np.zeros_like(p)
        st["v_max"] = np.zeros_like(p)
    if decoupled:
        p = p - lr * weight_decay * p
    elif weight_decay != 0:
        g = g + weight_decay * p
    st["m"] = b1 * st["m"] + (1 - b1) * g
    st["v"] = b2 * st["v"] + (1 - b2) * g * g
    m_hat = st["m"] / (1 - b1 ** t)
    if amsgrad:
        st["v_max"] = np.maximum(st["v_max"], st["v"])
        v_hat = st["v_max"] / (1 - b2 ** t)
    else:
        v_hat = st["v"] / (1 - b2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


def ref_adamw(p, g, st, t, lr, weight_decay=1e-2, **hp):
    return ref_adam(p, g, st, t, lr, weight_decay=weight_decay, decoupled=True, **hp)


def ref_adadelta(p, g, st, t, lr, rho=0.9, eps=1e-6, weight_decay=0.0):
    """torch.optim.Adadelta (Zeiler 2012):  g <- g + wd p;  v <- rho v + (1 - rho) g^2;
    d = sqrt(u + eps) / sqrt(v + eps) g;  u <- rho u + (1 - rho) d^2;  p <- p - lr d."""
    if t == 1:
        st["v"] = np.zeros_like(p)
        st["u"] = np.zeros_like(p)
    if weight_decay != 0:
        g = g + weight_decay * p
    st["v"] = rho * st["v"] + (1 - rho) * g * g
    d = np.sqrt(st["u"] + eps) / np.sqrt(st["v"] + eps) * g
    st["u"] = rho * st["u"] + (1 - rho) * d * d
    return p - lr * d


def ref_adamax(p, g, st, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """torch.optim.Adamax:  g <- g + wd p;  m <- b1 m + (1 - b1) g;
    u <- max(b2 u, |g| + eps);  p <- p - lr / (1 - b1^t) m / u."""
    b1, b2 = betas
    if t == 1:
        st["m"] = np.zeros_like(p)
        st["u"] = np.zeros_like(p)
    if weight_decay != 0:
        g = g + weight_decay * p
    st["m"] = b1 * st["m"] + (1 - b1) * g
    st["u"] = np.maximum(b2 * st["u"], np.abs(g) + eps)
    return p - lr / (1 - b1 ** t) * st["m"] / st["u"]


def ref_radam(p, g, st, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              decoupled_weight_decay=False):
    """torch.optim.RAdam (Liu et al. 2020, Algorithm 2):  weight decay on g (or on p,
    decoupled);  m, v as Adam's;  rho_inf = 2 / (1 - b2) - 1,
    rho_t = rho_inf - 2 t b2^t / (1 - b2^t);  rho_t > 5:
    r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
    p <- p - lr m^ r sqrt(1 - b2^t) / (sqrt(v) + eps);  else p <- p - lr m^."""
    b1, b2 = betas
    if t == 1:
        st["m"] = np.zeros_like(p)
        st["v"] = np.zeros_like(p)
    if weight_decay != 0:
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    st["m"] = b1 * st["m"] + (1 - b1) * g
    st["v"] = b2 * st["v"] + (1 - b2) * g * g
    m_hat = st["m"] / (1 - b1 ** t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    if rho_t > 5:
        r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        return p - lr * m_hat * r * math.sqrt(1 - b2 ** t) / (np.sqrt(st["v"]) + eps)
    return p - lr * m_hat


def ref_nadam(p, g, st, t, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              momentum_decay=4e-3, decoupled_weight_decay=False):
    """torch.optim.NAdam (Dozat 2016):  weight decay on g (or on p, decoupled);
    mu_t = b1 (1 - 0.96^(t psi) / 2);  P_t = prod_{i <= t} mu_i;  m, v as Adam's;
    m^ = mu_{t+1} m / (1 - P_t mu_{t+1}) + (1 - mu_t) g / (1 - P_t);  v^ = v / (1 - b2^t);
    p <- p - lr m^ / (sqrt(v^) + eps)."""
    b1, b2 = betas
    if t == 1:
        st["m"] = np.zeros_like(p)
        st["v"] = np.zeros_like(p)
        st["mu_product"] = 1.0
    if weight_decay != 0:
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    st["mu_product"] *= mu
    st["m"] = b1 * st["m"] + (1 - b1) * g
    st["v"] = b2 * st["v"] + (1 - b2) * g * g
    m_hat = mu_next * st["m"] / (1 - st["mu_product"] * mu_next) + (1 - mu) * g / (1 - st["mu_product"])
    return p - lr * m_hat / (np.sqrt(st["v"] / (1 - b2 ** t)) + eps)


def ref_rprop(p, g, st, t, lr, etas=(0.5, 1.2), step_sizes=(1e-6, 50)):
    """torch.optim.Rprop (Riedmiller & Braun 1993):  d_0 = lr, g_prev = 0;  s = g g_prev;
    s > 0: d <- min(d eta+, d_max);  s < 0: d <- max(d eta-, d_min), g <- 0;  else d stays;
    p <- p - sign(g) d;  g_prev <- g."""
    if t == 1:
        st["prev"] = np.zeros_like(p)
        st["d"] = np.full_like(p, lr)
    s = g * st["prev"]
    st["d"] = np.where(s > 0, np.minimum(st["d"] * etas[1], step_sizes[1]),
                       np.where(s < 0, np.maximum(st["d"] * etas[0], step_sizes[0]), st["d"]))
    g = np.where(s < 0, 0.0, g)
    st["prev"] = g
    return p - np.sign(g) * st["d"]


def ref_asgd(p, g, st, t, lr, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0):
    """torch.optim.ASGD (Polyak & Juditsky 1992):  eta_1 = lr, mu_1 = 1;  g <- g + wd p;
    p <- p (1 - lambd eta) - eta g;  ax <- p if mu = 1 else ax + mu (p - ax);  then
    eta <- lr / (1 + lambd lr t)^alpha, mu <- 1 / max(1, t - t0) for the next step."""
    if t == 1:
        st["eta"], st["mu"], st["ax"] = lr, 1.0, np.zeros_like(p)
    if weight_decay != 0:
        g = g + weight_decay * p
    p = p * (1 - lambd * st["eta"]) - st["eta"] * g
    st["ax"] = p.copy() if st["mu"] == 1 else st["ax"] + st["mu"] * (p - st["ax"])
    st["eta"] = lr / (1 + lambd * lr * t) ** alpha
    st["mu"] = 1 / max(1, t - t0)
    return p


#: kind -> (fastoptim class, oracle, torch.optim class name)
KINDS = {
    "sgd": (SGD, ref_sgd, "SGD"),
    "adagrad": (Adagrad, ref_adagrad, "Adagrad"),
    "rmsprop": (RMSProp, ref_rmsprop, "RMSprop"),
    "adam": (Adam, ref_adam, "Adam"),
    "adamw": (AdamW, ref_adamw, "AdamW"),
    "adadelta": (Adadelta, ref_adadelta, "Adadelta"),
    "adamax": (Adamax, ref_adamax, "Adamax"),
    "radam": (RAdam, ref_radam, "RAdam"),
    "nadam": (NAdam, ref_nadam, "NAdam"),
    "rprop": (Rprop, ref_rprop, "Rprop"),
    "asgd": (ASGD, ref_asgd, "ASGD"),
}

#: Every configuration under test: id -> (kind, keyword arguments; names as torch's).
CONFIGS = {
    "sgd": ("sgd", dict(lr=0.05)),
    "sgd_momentum": ("sgd", dict(lr=0.05, momentum=0.9)),
    "sgd_dampening": ("sgd", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    "sgd_nesterov": ("sgd", dict(lr=0.05, momentum=0.9, nesterov=True)),
    "sgd_weight_decay": ("sgd", dict(lr=0.05, weight_decay=0.1)),
    "sgd_momentum_weight_decay": ("sgd", dict(lr=0.05, momentum=0.8, dampening=0.1,
                                              weight_decay=0.05)),
    "sgd_nesterov_weight_decay": ("sgd", dict(lr=0.05, momentum=0.7, nesterov=True,
                                              weight_decay=0.2)),
    "adagrad": ("adagrad", dict(lr=0.1)),
    "adagrad_lr_decay": ("adagrad", dict(lr=0.1, lr_decay=0.05)),
    "adagrad_weight_decay": ("adagrad", dict(lr=0.1, weight_decay=0.1)),
    "adagrad_initial_accumulator": ("adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    "adagrad_all": ("adagrad", dict(lr=0.2, lr_decay=0.02, weight_decay=0.05,
                                    initial_accumulator_value=0.1, eps=1e-6)),
    "rmsprop": ("rmsprop", dict(lr=0.01)),
    "rmsprop_centered": ("rmsprop", dict(lr=0.01, centered=True)),
    "rmsprop_momentum": ("rmsprop", dict(lr=0.01, momentum=0.9)),
    "rmsprop_centered_momentum": ("rmsprop", dict(lr=0.01, centered=True, momentum=0.9)),
    "rmsprop_weight_decay": ("rmsprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1, eps=1e-6)),
    "adam": ("adam", dict(lr=0.01)),
    "adam_betas_eps": ("adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    "amsgrad": ("adam", dict(lr=0.01, amsgrad=True)),
    "adam_weight_decay": ("adam", dict(lr=0.01, weight_decay=0.1)),
    "adam_weight_decay_amsgrad": ("adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    "adamw": ("adamw", dict(lr=0.01, weight_decay=0.1)),
    "adamw_default_decay": ("adamw", dict(lr=0.01)),
    "adamw_amsgrad": ("adamw", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    "adadelta": ("adadelta", dict(lr=1.0)),
    "adadelta_rho_eps": ("adadelta", dict(lr=0.5, rho=0.95, eps=1e-4)),
    "adadelta_weight_decay": ("adadelta", dict(lr=1.0, weight_decay=0.1, eps=1e-5)),
    "adadelta_rho_bounds": ("adadelta", dict(lr=2.0, rho=0.0, eps=1e-3)),
    "adamax": ("adamax", dict(lr=0.01)),
    "adamax_betas_eps": ("adamax", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-3)),
    "adamax_weight_decay": ("adamax", dict(lr=0.01, weight_decay=0.1)),
    # rho_t passes 5 at step 6 with the default beta2: both branches within the 100 steps
    "radam": ("radam", dict(lr=0.01)),
    "radam_betas_eps": ("radam", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6)),
    "radam_weight_decay": ("radam", dict(lr=0.01, weight_decay=0.1)),
    "radam_decoupled": ("radam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    "nadam": ("nadam", dict(lr=0.01)),
    "nadam_betas_eps_decay": ("nadam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6,
                                            momentum_decay=0.02)),
    "nadam_weight_decay": ("nadam", dict(lr=0.01, weight_decay=0.1)),
    "nadam_decoupled": ("nadam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    "rprop": ("rprop", dict(lr=0.01)),
    # step sizes that reach both bounds within the 100 steps
    "rprop_etas_step_sizes": ("rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    # t0 small: the averaging starts inside the 100 steps (p does not depend on t0)
    "asgd": ("asgd", dict(lr=0.01, t0=20)),
    "asgd_lambd_alpha": ("asgd", dict(lr=0.02, lambd=0.5, alpha=0.5, t0=10)),
    "asgd_weight_decay": ("asgd", dict(lr=0.01, lambd=1e-3, weight_decay=0.1, t0=50)),
}
CONFIG_IDS = list(CONFIGS)


def make_opt(config, **extra):
    kind, kw = CONFIGS[config]
    return KINDS[kind][0](**kw, **extra)


def make_params(shape, seed, dtype=np.float64):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def make_grads(shape, n_steps=N_STEPS, seed=1, dtype=np.float64):
    """Random gradients whose scale varies per coordinate (1e-2 ... 10) and per step
    (log-normal), so that the adaptive rules' states grow and shrink (AMSGrad's maximum
    differs from v) and their per-coordinate scaling matters."""
    rng = np.random.default_rng(seed)
    coord_scale = 10.0 ** rng.uniform(-2, 1, size=shape)
    out = []
    for _ in range(n_steps):
        step_scale = math.exp(rng.normal(0.0, 0.7))
        out.append((coord_scale * step_scale * rng.normal(size=shape)).astype(dtype))
    return out


def ref_trajectory(config, p0, grads, lrs=None):
    """Parameters after each step by the oracle, in float64."""
    kind, kw = CONFIGS[config]
    fn = KINDS[kind][1]
    hp = {k: v for k, v in kw.items() if k != "lr"}
    p, st, out = np.asarray(p0, dtype=np.float64).copy(), {}, []
    for t, g in enumerate(grads, start=1):
        lr = kw["lr"] if lrs is None else lrs[t - 1]
        p = fn(p, np.asarray(g, dtype=np.float64), st, t, lr, **hp)
        out.append(p.copy())
    return out


def fo_trajectory(opt, p0, grads, lrs=None, numpy_twin=False):
    p, out = p0.copy(), []
    for t, g in enumerate(grads, start=1):
        if lrs is not None:
            opt.lr = lrs[t - 1]
        (opt.step_numpy if numpy_twin else opt.step)(p, g)
        out.append(p.copy())
    return out


def relerr(got, ref):
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape
    return float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))


def max_traj_err(got, ref):
    return max(relerr(a, b) for a, b in zip(got, ref))


# ============================================================================================
# Every rule against the oracle and against the NumPy twins
# ============================================================================================


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("config", CONFIG_IDS)
def test_matches_transcription(config, dtype):
    p0 = make_params(SHAPE, 0, dtype)
    grads = make_grads(SHAPE, dtype=dtype)
    ref = ref_trajectory(config, p0, grads)       # float64 from the same (rounded) inputs
    got = fo_trajectory(make_opt(config), p0, grads)
    twin = fo_trajectory(make_opt(config), p0, grads, numpy_twin=True)
    assert got[-1].dtype == dtype
    assert np.all(np.isfinite(got[-1]))
    assert max_traj_err(got, ref) < RTOL[dtype]
    assert max_traj_err(twin, ref) < RTOL[dtype]
    assert max_traj_err(got, twin) < RTOL[dtype]
    # the run is not trivial: the parameters moved by many steps' worth
    assert relerr(got[-1], p0) > 1e-3


def test_configurations_are_distinct():
    """Each option changes the trajectory (so the tests above exercise it)."""
    p0 = make_params(SHAPE, 0)
    grads = make_grads(SHAPE)
    finals = {c: ref_trajectory(c, p0, grads)[-1] for c in CONFIG_IDS}
    for a in CONFIG_IDS:
        for b in CONFIG_IDS:
            if a < b:
                assert relerr(finals[a], finals[b]) > 1e-6, (a, b)


@pytest.mark.parametrize("config", CONFIG_IDS)
def test_list_of_arrays_of_different_shapes(config):
    """A list [2-D, 1-D] in one step: each array follows its own oracle trajectory, and
    the same bits as an optimizer stepping that array alone."""
    shapes = [(5, 8), (3,)]
    p0s = [make_params(s, 10 + i) for i, s in enumerate(shapes)]
    gs = [make_grads(s, 30, seed=20 + i) for i, s in enumerate(shapes)]
    opt = make_opt(config)
    ps = [p.copy() for p in p0s]
    for t in range(30):
        opt.step(ps, [gs[0][t], gs[1][t]])
    assert opt.n_steps == 30 and len(opt.state) == 2
    for i in range(2):
        ref = ref_trajectory(config, p0s[i], gs[i])[-1]
        assert relerr(ps[i], ref) < 1e-12
        alone = fo_trajectory(make_opt(config), p0s[i], gs[i])[-1]
        assert np.array_equal(ps[i], alone)
        for arr in opt.state[i].values():
            assert arr.shape == shapes[i]
    # and the NumPy twin takes lists too
    twin = make_opt(config)
    qs = [p.copy() for p in p0s]
    for t in range(30):
        twin.step_numpy(qs, [gs[0][t], gs[1][t]])
    for i in range(2):
        assert relerr(qs[i], ps[i]) < 1e-12


def test_list_of_mixed_dtypes():
    """float64 and float32 arrays in one step: each in its own dtype."""
    p64, p32 = make_params((4, 3), 0), make_params((5,), 1, np.float32)
    g64, g32 = make_grads((4, 3), 20), make_grads((5,), 20, seed=3, dtype=np.float32)
    opt = Adam(lr=0.01)
    for t in range(20):
        opt.step([p64, p32], [g64[t], g32[t]])
    assert p64.dtype == np.float64 and p32.dtype == np.float32
    assert opt.state[1]["s1"].dtype == np.float32
    assert relerr(p64, ref_trajectory("adam", make_params((4, 3), 0), g64)[-1]) < 1e-12
    assert relerr(p32, ref_trajectory("adam", make_params((5,), 1, np.float32), g32)[-1]) < 1e-5


# ============================================================================================
# torch.optim trajectories
# ============================================================================================


@contextlib.contextmanager
def torch_default_dtype(dtype):
    """torch with its default dtype float64 for float64 parameters: its scalar state (the
    step, NAdam's mu_product, ASGD's eta and mu) is then float64 too, as fastoptim's (which
    keeps those numbers in double for float32 parameters as well)."""
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64 if dtype == np.float64 else torch.float32)
    try:
        yield torch
    finally:
        torch.set_default_dtype(before)


def torch_trajectory(config, p0s, grads_per_param, lrs=None, momenta=None, default_kw=False,
                     averaged=False):
    """Parameters after each step by torch.optim, fed the same gradients (p.grad set by hand);
    averaged: also ASGD's state['ax'] of each parameter."""
    kind, kw = CONFIGS[config]
    with torch_default_dtype(p0s[0].dtype) as torch:
        params = [torch.tensor(p0.copy(), requires_grad=True) for p0 in p0s]
        opt = getattr(torch.optim, KINDS[kind][2])(params, **({} if default_kw else kw))
        out = []
        for t in range(len(grads_per_param[0])):
            if lrs is not None:
                opt.param_groups[0]["lr"] = lrs[t]
            if momenta is not None:
                opt.param_groups[0]["momentum"] = momenta[t]
            for p, gs in zip(params, grads_per_param):
                p.grad = torch.from_numpy(gs[t].copy())
            opt.step()
            out.append([p.detach().numpy().copy() for p in params])
            if averaged:
                out[-1] += [opt.state[p]["ax"].numpy().copy() for p in params]
    return out


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("config", CONFIG_IDS)
def test_matches_torch(config, dtype):
    p0 = make_params(SHAPE, 0, dtype)
    grads = make_grads(SHAPE, dtype=dtype)
    theirs = [ps[0] for ps in torch_trajectory(config, [p0], [grads])]
    ours = fo_trajectory(make_opt(config), p0, grads)
    assert theirs[-1].dtype == ours[-1].dtype == dtype
    assert max_traj_err(ours, theirs) < RTOL[dtype]


@pytest.mark.parametrize("config", CONFIG_IDS)
def test_matches_torch_two_params_and_lr_schedule(config):
    """Two parameter tensors in one group, and an lr changed before every step."""
    shapes = [(4, 5), (7,)]
    p0s = [make_params(s, 30 + i) for i, s in enumerate(shapes)]
    gs = [make_grads(s, 50, seed=40 + i) for i, s in enumerate(shapes)]
    lr0 = CONFIGS[config][1]["lr"]
    lrs = [lr0 * (0.5 + abs(math.sin(t))) for t in range(50)]
    theirs = torch_trajectory(config, p0s, gs, lrs=lrs)
    opt = make_opt(config)
    ps = [p.copy() for p in p0s]
    for t in range(50):
        opt.lr = lrs[t]
        opt.step(ps, [gs[0][t], gs[1][t]])
        for i in range(2):
            assert relerr(ps[i], theirs[t][i]) < 1e-12


@pytest.mark.parametrize("config", ["sgd_momentum", "sgd_dampening", "sgd_nesterov"])
def test_matches_torch_momentum_schedule(config):
    """SGD.momentum set before every step, as torch's param_groups[0]['momentum']."""
    p0 = make_params(SHAPE, 0)
    grads = make_grads(SHAPE, 60)
    momenta = [min(0.99, 0.5 + 0.01 * t) for t in range(60)]
    theirs = [ps[0] for ps in torch_trajectory(config, [p0], [grads], momenta=momenta)]
    opt = make_opt(config)
    p = p0.copy()
    for t in range(60):
        opt.momentum = momenta[t]
        opt.step(p, grads[t])
        assert relerr(p, theirs[t]) < 1e-12


@pytest.mark.parametrize("kind", list(KINDS))
def test_defaults_match_torch(kind):
    """Every hyper-parameter both share has torch's default, and default-built optimizers
    follow the same trajectory."""
    torch = pytest.importorskip("torch")
    ours = inspect.signature(KINDS[kind][0]).parameters
    theirs = inspect.signature(getattr(torch.optim, KINDS[kind][2])).parameters
    shared = [n for n in ours if n in theirs]
    assert {"lr", "weight_decay"} <= set(shared) or kind == "rprop"  # (Rprop has no decay)
    assert "lr" in shared
    for name in shared:
        assert ours[name].default == theirs[name].default, name
    config = next(c for c, (k, _) in CONFIGS.items() if k == kind)
    p0 = make_params(SHAPE, 0)
    grads = make_grads(SHAPE)
    their = torch_trajectory(config, [p0], [grads], default_kw=True)[-1][0]
    our = fo_trajectory(KINDS[kind][0](), p0, grads)[-1]
    assert relerr(our, their) < 1e-12


# ============================================================================================
# MATH.md's equivalences (NumPy only)
# ============================================================================================

_A = np.diag(np.linspace(1.0, 10.0, 8))
_XSTAR = np.linspace(-1.0, 1.0, 8)


def _grad(w, t):
    """A quadratic's gradient plus seeded noise: the trajectories are genuinely dynamic."""
    return _A @ (w - _XSTAR) + 0.3 * np.random.default_rng(1000 + t).normal(size=w.shape)


def _torch_style(w0, lr, mu, nesterov, n, lrs=None):
    """b <- mu b + g;  w <- w - lr b   (Nesterov: w <- w - lr (g + mu b))."""
    w, b, out = w0.copy(), np.zeros_like(w0), []
    for t in range(n):
        lr_t = lr if lrs is None else lrs[t]
        g = _grad(w, t)
        b = mu * b + g
        w = w - lr_t * (g + mu * b if nesterov else b)
        out.append(w.copy())
    return out


def _mathmd_style(w0, lr, mu, nesterov, n, lrs=None):
    """v <- mu v - lr g;  w <- w + v   (Nesterov: v_prev = v; v = mu v - lr g;
    w += -mu v_prev + (1 + mu) v)."""
    w, v, out = w0.copy(), np.zeros_like(w0), []
    for t in range(n):
        lr_t = lr if lrs is None else lrs[t]
        g = _grad(w, t)
        v_prev = v
        v = mu * v - lr_t * g
        w = w + (-mu * v_prev + (1 + mu) * v if nesterov else v)
        out.append(w.copy())
    return out


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
@pytest.mark.parametrize("mu", [0.5, 0.9, 0.99])
def test_momentum_forms_agree_at_constant_lr(mu, nesterov):
    w0, lr, n = np.zeros(8), 0.02, 200
    a = _torch_style(w0, lr, mu, nesterov, n)
    b = _mathmd_style(w0, lr, mu, nesterov, n)
    assert max_traj_err(a, b) < 1e-12
    opt = SGD(lr=lr, momentum=mu, nesterov=nesterov)
    w, ours = w0.copy(), []
    for t in range(n):
        opt.step(w, _grad(w, t))
        ours.append(w.copy())
    assert max_traj_err(ours, a) < 1e-12
    assert max_traj_err(ours, b) < 1e-12


def test_momentum_forms_differ_when_lr_changes():
    """MATH.md's "identical at constant lr" qualifier matters: with a changing lr, v = -lr b
    stops holding, and fastoptim follows the torch form."""
    w0, n = np.zeros(8), 50
    lrs = [0.05 / (1 + t) for t in range(n)]
    a = _torch_style(w0, None, 0.9, False, n, lrs)
    b = _mathmd_style(w0, None, 0.9, False, n, lrs)
    assert relerr(a[-1], b[-1]) > 1e-3
    opt = SGD(lr=lrs[0], momentum=0.9)
    w = w0.copy()
    for t in range(n):
        opt.lr = lrs[t]
        opt.step(w, _grad(w, t))
    assert relerr(w, a[-1]) < 1e-12


# ============================================================================================
# Textbook facts
# ============================================================================================


@pytest.mark.parametrize("make", [
    lambda: Adam(lr=1e-3), lambda: Adam(lr=0.05, betas=(0.5, 0.9)), lambda: Adam(amsgrad=True),
    lambda: AdamW(lr=1e-3, weight_decay=0.0), lambda: AdamW(lr=1e-2, weight_decay=0.0,
                                                             amsgrad=True)],
    ids=["adam", "adam_betas", "amsgrad", "adamw", "adamw_amsgrad"])
def test_adam_first_step_has_size_lr(make):
    """Bias correction: m^_1 = g, v^_1 = g^2, so the first step is lr g / (|g| + eps):
    size lr in every coordinate, whatever the gradient's scale."""
    rng = np.random.default_rng(5)
    g = rng.choice([-1.0, 1.0], size=1000) * 10.0 ** rng.uniform(-0.3, 3, size=1000)
    opt = make()
    p0 = rng.normal(size=1000)
    p = p0.copy()
    opt.step(p, g)
    np.testing.assert_allclose(np.abs(p - p0), opt.lr, rtol=1e-7, atol=0)
    assert np.array_equal(np.sign(p0 - p), np.sign(g))


@pytest.mark.parametrize("lr_decay", [0.0, 0.1])
def test_adagrad_effective_rate_never_rises(lr_decay):
    """lr / (1 + (t-1) lr_decay) / (sqrt(s) + eps) per coordinate only falls, and it is the
    rate the step applies."""
    shape = (50,)
    opt = Adagrad(lr=0.1, lr_decay=lr_decay)
    p = make_params(shape, 0)
    prev = np.full(shape, np.inf)
    first = None
    for t, g in enumerate(make_grads(shape, 200, seed=7), start=1):
        before = p.copy()
        opt.step(p, g)
        rate = opt.lr / (1 + (t - 1) * lr_decay) / (np.sqrt(opt.state[0]["s2"]) + 1e-10)
        assert np.all(rate <= prev)
        # (before - p cancels: its rounding error is that of p, about 1e-16 absolute)
        np.testing.assert_allclose(before - p, rate * g, rtol=1e-12, atol=1e-15)
        prev = rate
        first = rate if first is None else first
    assert np.all(prev < first) and np.median(prev / first) < 0.2   # it fell by a lot


def _steps_to_converge(opt, A, x0, tol=1e-6, max_steps=100_000):
    x = x0.copy()
    for k in range(1, max_steps + 1):
        opt.step(x, A * x)
        if np.linalg.norm(x) < tol:
            return k
    return math.inf


def test_nesterov_beats_momentum_beats_gd_on_ill_conditioned_quadratic():
    """f = (x1^2 + 100 x2^2) / 2, lr = 1/L = 0.01, mu = 0.9: steps to ||x|| < 1e-6."""
    A, x0 = np.array([1.0, 100.0]), np.array([1.0, 1.0])
    gd = _steps_to_converge(SGD(lr=0.01), A, x0)
    hb = _steps_to_converge(SGD(lr=0.01, momentum=0.9), A, x0)
    nag = _steps_to_converge(SGD(lr=0.01, momentum=0.9, nesterov=True), A, x0)
    assert nag < hb < gd < math.inf
    # GD contracts by (1 - lr lambda_min) = 0.99 per step: about 1375 steps
    assert 1300 < gd < 1450
    assert hb < gd / 3


def test_adagrad_moves_rare_feature_further_than_sgd():
    """Least squares, 5 dense N(0, 1) features and one feature present in 1 % of the rows;
    mini-batches of 50, same lr, same 200 steps: AdaGrad's rare coordinate travels much
    further (its accumulated sum of squares stays small), the dense ones match."""
    rng = np.random.default_rng(0)
    n, d, batch = 10_000, 6, 50
    X = rng.normal(size=(n, d))
    X[:, -1] = (rng.random(n) < 0.01).astype(float)
    w_true = np.ones(d)
    w_true[-1] = 2.0
    y = X @ w_true + 0.1 * rng.normal(size=n)

    def run(opt):
        w = np.zeros(d)
        for t in range(200):
            rows = np.arange(t * batch, (t + 1) * batch) % n
            opt.step(w, X[rows].T @ (X[rows] @ w - y[rows]) / batch)
        return w

    w_sgd, w_ada = run(SGD(lr=0.1)), run(Adagrad(lr=0.1))
    assert abs(w_ada[-1]) > 2 * abs(w_sgd[-1])
    assert abs(w_ada[-1] - 2.0) < abs(w_sgd[-1] - 2.0)
    np.testing.assert_allclose(w_ada[:-1], 1.0, atol=0.05)
    np.testing.assert_allclose(w_sgd[:-1], 1.0, atol=0.05)


def _quadratic(d=10, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(np.linspace(1.0, 10.0, d)) @ Q.T
    return A, rng.normal(size=d)


_DECAY_999 = ("exp", 0.999)
_DECAY_997 = ("exp", 0.997)

#: (optimizer, L2 weight decay it adds (moves the minimizer), lr decay or None)
CONVERGENCE = {
    "sgd": (lambda: SGD(lr=0.1), 0.0, None),
    "sgd_weight_decay": (lambda: SGD(lr=0.1, weight_decay=0.5), 0.5, None),
    "sgd_momentum": (lambda: SGD(lr=0.05, momentum=0.5), 0.0, None),
    "sgd_dampening": (lambda: SGD(lr=0.05, momentum=0.5, dampening=0.5), 0.0, None),
    "sgd_nesterov": (lambda: SGD(lr=0.05, momentum=0.5, nesterov=True), 0.0, None),
    "adagrad": (lambda: Adagrad(lr=1.0), 0.0, None),
    "adagrad_weight_decay": (lambda: Adagrad(lr=0.5, weight_decay=0.5), 0.5, None),
    "rmsprop": (lambda: RMSProp(lr=0.1), 0.0, _DECAY_997),
    "rmsprop_centered": (lambda: RMSProp(lr=0.1, centered=True), 0.0, _DECAY_997),
    "rmsprop_momentum": (lambda: RMSProp(lr=0.1, momentum=0.5), 0.0, _DECAY_997),
    "rmsprop_centered_momentum": (lambda: RMSProp(lr=0.1, centered=True, momentum=0.5), 0.0,
                                  _DECAY_997),
    "rmsprop_weight_decay": (lambda: RMSProp(lr=0.1, weight_decay=0.5), 0.5, _DECAY_997),
    "adam": (lambda: Adam(lr=0.1), 0.0, _DECAY_999),
    "amsgrad": (lambda: Adam(lr=0.1, amsgrad=True), 0.0, _DECAY_999),
    "adam_weight_decay": (lambda: Adam(lr=0.1, weight_decay=0.5), 0.5, _DECAY_999),
    "adamw": (lambda: AdamW(lr=0.1, weight_decay=0.0), 0.0, _DECAY_999),
    "adamw_amsgrad": (lambda: AdamW(lr=0.1, weight_decay=0.0, amsgrad=True), 0.0, _DECAY_999),
}


@pytest.mark.parametrize("name", list(CONVERGENCE))
def test_converges_on_strongly_convex_quadratic(name):
    """f(x) = (x - x*)^T A (x - x*) / 2 with A's eigenvalues in [1, 10], plus the optimizer's
    L2 term: distance to the minimizer < 1e-8.  Constant lr for SGD and AdaGrad; an
    exponentially decaying lr (set through opt.lr) for the normalized-step methods, whose
    constant-lr iterates hover at a distance of order lr."""
    make, wd, decay = CONVERGENCE[name]
    A, xstar = _quadratic()
    target = np.linalg.solve(A + wd * np.eye(len(xstar)), A @ xstar)
    opt = make()
    lr0 = opt.lr
    x = np.zeros_like(xstar)
    for t in range(20_000):
        if decay is not None:
            opt.lr = lr0 * decay[1] ** t
        opt.step(x, A @ (x - xstar))
        if np.linalg.norm(x - target) < 1e-8:
            break
    assert np.linalg.norm(x - target) < 1e-8, (t, np.linalg.norm(x - target))


# ============================================================================================
# State: pickle, reset, lr / momentum changes, in place
# ============================================================================================


def _states_equal(a, b):
    if a is None or b is None:
        return a is b
    return len(a) == len(b) and all(
        da.keys() == db.keys() and all(np.array_equal(da[k], db[k]) for k in da)
        for da, db in zip(a, b))


@pytest.mark.parametrize("config", CONFIG_IDS)
def test_pickle_round_trip_continues_exactly(config):
    shapes = [(4, 3), (5,)]
    ps = [make_params(s, i) for i, s in enumerate(shapes)]
    gs = [make_grads(s, 20, seed=50 + i) for i, s in enumerate(shapes)]
    opt = make_opt(config)
    for t in range(10):
        opt.step(ps, [gs[0][t], gs[1][t]])
    opt.lr = opt.lr * 0.7                       # a changed lr travels with it
    clone = pickle.loads(pickle.dumps(opt))
    assert clone.n_steps == 10 and clone.lr == opt.lr
    assert _states_equal(clone.state, opt.state)
    qs = [p.copy() for p in ps]
    for t in range(10, 20):
        opt.step(ps, [gs[0][t], gs[1][t]])
        clone.step(qs, [gs[0][t], gs[1][t]])
    assert all(np.array_equal(p, q) for p, q in zip(ps, qs))
    assert _states_equal(clone.state, opt.state)
    assert clone.n_steps == opt.n_steps == 20


@pytest.mark.parametrize("config", CONFIG_IDS)
def test_reset_restarts(config):
    p0 = make_params(SHAPE, 0)
    grads = make_grads(SHAPE, 10)
    opt = make_opt(config)
    fo_trajectory(opt, make_params(SHAPE, 1), make_grads(SHAPE, 7, seed=9))
    opt.reset()
    assert opt.state is None and opt.n_steps == 0
    again = fo_trajectory(opt, p0, grads)
    fresh = fo_trajectory(make_opt(config), p0, grads)
    assert all(np.array_equal(a, b) for a, b in zip(again, fresh))
    # after reset the optimizer takes parameters of another shape
    opt.reset()
    opt.step(np.zeros(3), np.ones(3))
    assert all(a.shape == (3,) for a in opt.state[0].values())


@pytest.mark.parametrize("config", CONFIG_IDS)
def test_setting_lr_between_steps_takes_effect(config):
    p0 = make_params(SHAPE, 0)
    grads = make_grads(SHAPE, 40)
    lr0 = CONFIGS[config][1]["lr"]
    lrs = [lr0 * (10.0 if t % 7 == 3 else 1.0 / (1 + t)) for t in range(40)]
    got = fo_trajectory(make_opt(config), p0, grads, lrs=lrs)
    ref = ref_trajectory(config, p0, grads, lrs=lrs)
    assert max_traj_err(got, ref) < 1e-12
    if CONFIGS[config][0] == "rprop":  # torch's Rprop reads lr at the first step only
        assert np.array_equal(got[-1], fo_trajectory(make_opt(config), p0, grads)[-1])
        first = [3 * lrs[0]] + lrs[1:]
        assert relerr(fo_trajectory(make_opt(config), p0, grads, lrs=first)[-1], got[-1]) > 1e-3
    else:
        assert relerr(got[-1], ref_trajectory(config, p0, grads)[-1]) > 1e-3
    twin = fo_trajectory(make_opt(config), p0, grads, lrs=lrs, numpy_twin=True)
    assert max_traj_err(twin, ref) < 1e-12


def test_setting_lr_on_plain_sgd_scales_the_step_exactly():
    opt = SGD(lr=0.1)
    p, g = np.zeros(4), np.array([1.0, -2.0, 4.0, 0.5])
    opt.step(p, g)
    np.testing.assert_array_equal(p, -0.1 * g)
    opt.lr = 0.25
    assert opt.lr == 0.25
    opt.step(p, g)
    np.testing.assert_array_equal(p, -0.1 * g - 0.25 * g)


@pytest.mark.parametrize("nesterov", [False, True])
def test_setting_momentum_between_steps_takes_effect(nesterov):
    p0 = make_params(SHAPE, 0)
    grads = make_grads(SHAPE, 40)
    momenta = [0.5 + 0.4 * (t % 5) / 4 for t in range(40)]
    opt = SGD(lr=0.05, momentum=0.5, nesterov=nesterov)
    p, w, b = p0.copy(), p0.copy(), None
    for t in range(40):
        opt.momentum = momenta[t]
        assert opt.momentum == momenta[t]
        opt.step(p, grads[t])
        mu, g = momenta[t], grads[t]
        b = g.copy() if b is None else mu * b + g
        w = w - 0.05 * (g + mu * b if nesterov else b)
        assert relerr(p, w) < 1e-12


def test_momentum_setter_needs_momentum():
    with pytest.raises(ValueError, match="momentum"):
        SGD(lr=0.1).momentum = 0.9
    assert SGD(lr=0.1).momentum == 0.0


def test_rejected_momentum_leaves_optimizer_unchanged():
    """A value the setter refuses must not be half-applied.

    (Regression: the setter once called ``Momentum.__init__(0.0, ...)`` in place, which
    assigned ``momentum = 0.0`` before raising, so ``opt.momentum`` read 0.0 while the C
    rule kept 0.9 and ``step`` / ``step_numpy`` followed different rules.)
    """
    opt = SGD(lr=0.1, momentum=0.9, nesterov=True)
    with pytest.raises(ValueError, match="nesterov"):
        opt.momentum = 0.0
    assert opt.momentum == 0.9
    p0, grads = make_params(SHAPE, 0), make_grads(SHAPE, 5)
    a = fo_trajectory(opt, p0, grads)
    opt.reset()
    b = fo_trajectory(opt, p0, grads, numpy_twin=True)
    assert max_traj_err(a, b) < 1e-12


@pytest.mark.parametrize("config", ["sgd_momentum", "rmsprop_centered_momentum", "adam",
                                    "adagrad_all", "adamw_amsgrad"])
def test_updates_in_place(config):
    opt = make_opt(config)
    p = make_params(SHAPE, 0)
    before, address = p.copy(), p.__array_interface__["data"][0]
    obj = p
    opt.step(p, make_grads(SHAPE, 1)[0])
    assert obj is p and p.__array_interface__["data"][0] == address
    assert not np.array_equal(p, before)
    # a C-contiguous view writes through to its base; lists are updated array by array
    base = np.zeros((6, 5))
    view = base[2:4]
    ref = view.copy()
    opt2, opt3 = make_opt(config), make_opt(config)
    g = np.ones((2, 5))
    opt2.step(view, g)
    opt3.step(ref, g)
    assert np.array_equal(base[2:4], ref) and not np.any(ref == 0)
    assert not base[:2].any() and not base[4:].any()
    a, b = np.zeros(3), np.zeros((2, 2))
    make_opt(config).step([a, b], [np.ones(3), np.ones((2, 2))])
    assert np.all(a != 0) and np.all(b != 0)


def test_non_contiguous_gradient_is_accepted():
    g = make_grads((8, 6), 1)[0]
    p1, p2 = make_params((6, 8), 0), make_params((6, 8), 0)
    Adam(lr=0.1).step(p1, g.T)                 # Fortran-ordered view
    Adam(lr=0.1).step(p2, np.ascontiguousarray(g.T))
    assert np.array_equal(p1, p2)


# ============================================================================================
# Determinism across thread counts
# ============================================================================================


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("config", CONFIG_IDS)
def test_thread_count_does_not_change_bits(config, dtype):
    n = 10 ** 6
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=n).astype(dtype)
    grads = [rng.normal(size=n).astype(dtype) for _ in range(3)]
    results = []
    for n_threads in (1, 2, 3):
        opt = make_opt(config, n_threads=n_threads)
        p = p0.copy()
        for g in grads:
            opt.step(p, g)
        results.append((p, opt.state))
    for p, state in results[1:]:
        assert np.array_equal(p, results[0][0])
        assert _states_equal(state, results[0][1])


# ============================================================================================
# Bad input
# ============================================================================================

ALL_CLASSES = [SGD, Adagrad, RMSProp, Adam, AdamW, Adadelta, Adamax, RAdam, NAdam, Rprop, ASGD]
DECAY_CLASSES = [c for c in ALL_CLASSES if c is not Rprop]  # (torch's Rprop has no weight_decay)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("lr", [0.0, -1e-3, float("nan"), float("inf")])
def test_bad_lr(cls, lr):
    with pytest.raises(ValueError, match="lr"):
        cls(lr=lr)
    opt = cls(lr=0.01)
    with pytest.raises(ValueError, match="lr"):
        opt.lr = lr
    assert opt.lr == 0.01
    with pytest.raises(TypeError, match="lr"):
        cls(lr="0.1")


@pytest.mark.parametrize("cls", [Adam, AdamW, Adamax, RAdam, NAdam], ids=lambda c: c.__name__)
@pytest.mark.parametrize("betas, exc", [
    ((0.9, 1.0), ValueError), ((1.0, 0.999), ValueError), ((-0.1, 0.999), ValueError),
    ((0.9, 1.5), ValueError), ((0.9, float("nan")), ValueError),
    ((0.9,), TypeError), (0.9, TypeError), ((0.9, 0.99, 0.9), TypeError), ("ab", TypeError),
])
def test_bad_betas(cls, betas, exc):
    with pytest.raises(exc, match="betas"):
        cls(betas=betas)


@pytest.mark.parametrize("cls", [Adagrad, RMSProp, Adam, AdamW, Adadelta, Adamax, RAdam, NAdam],
                         ids=lambda c: c.__name__)
@pytest.mark.parametrize("eps", [0.0, -1e-8, float("nan")])
def test_bad_eps(cls, eps):
    with pytest.raises(ValueError, match="eps"):
        cls(eps=eps)


@pytest.mark.parametrize("cls", [SGD, RMSProp], ids=lambda c: c.__name__)
@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5, float("nan")])
def test_bad_momentum(cls, momentum):
    with pytest.raises(ValueError, match="momentum"):
        cls(lr=0.1, momentum=momentum)
    opt = SGD(lr=0.1, momentum=0.5)
    with pytest.raises(ValueError, match="momentum"):
        opt.momentum = momentum
    assert opt.momentum == 0.5


def test_nesterov_without_momentum():
    with pytest.raises(ValueError, match="nesterov"):
        SGD(lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="nesterov"):
        SGD(lr=0.1, momentum=0.0, nesterov=True)
    with pytest.raises(ValueError, match="nesterov"):
        SGD(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)


@pytest.mark.parametrize("cls", DECAY_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("wd", [-1e-4, -1.0, float("nan")])
def test_bad_weight_decay(cls, wd):
    with pytest.raises(ValueError, match="weight_decay"):
        cls(weight_decay=wd)


@pytest.mark.parametrize("make, name", [
    (lambda: SGD(lr=0.1, momentum=0.9, dampening=-0.1), "dampening"),
    (lambda: SGD(lr=0.1, momentum=0.9, dampening=1.5), "dampening"),
    (lambda: RMSProp(alpha=1.0), "alpha"),
    (lambda: RMSProp(alpha=-0.5), "alpha"),
    (lambda: Adagrad(lr_decay=-0.1), "lr_decay"),
    (lambda: Adagrad(initial_accumulator_value=-1.0), "initial_accumulator_value"),
])
def test_other_bad_hyperparameters(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def _adam_after(n_steps, shapes=((5,),)):
    opt = Adam(lr=0.01)
    ps = [make_params(s, i) for i, s in enumerate(shapes)]
    for t in range(n_steps):
        opt.step(ps, [np.full(s, 0.1 * (t + 1)) for s in shapes])
    return opt, ps


@pytest.mark.parametrize("p, g, exc, match", [
    (np.zeros(3), np.zeros(4), ValueError, r"grads has shape \(4,\) but params has \(3,\)"),
    (np.zeros((2, 3)), np.zeros((3, 2)), ValueError, "grads has shape"),
    (np.zeros(6), np.zeros((2, 3)), ValueError, "grads has shape"),
    (np.zeros(3), np.zeros(3, np.float32), TypeError, "grads has dtype float32 but params"),
    (np.zeros(3, np.float32), np.zeros(3), TypeError, "grads has dtype float64"),
    (np.zeros(3, np.int64), np.zeros(3, np.int64), TypeError, "params must be a float32 or"),
    (np.zeros(3, np.int32), np.zeros(3), TypeError, "params"),
    (np.zeros(3, np.complex128), np.zeros(3), TypeError, "params"),
    ([1.0, 2.0], [1.0, 2.0], TypeError, "params"),
    (np.zeros(8)[::2], np.zeros(4), ValueError, "params must be a writeable C-contiguous"),
    (np.zeros((3, 4)).T, np.zeros((4, 3)), ValueError, "C-contiguous"),
    ([np.zeros(3), np.zeros(2)], [np.zeros(3)], ValueError,
     "params has 2 arrays but grads has 1"),
    ([np.zeros(3)], [np.zeros(3), np.zeros(2)], ValueError,
     "params has 1 arrays but grads has 2"),
    ([np.zeros(3), np.zeros(2)], [np.zeros(3), np.zeros(3)], ValueError,
     r"grads\[1\] has shape"),
    ([np.zeros(3), np.zeros(2, np.int64)], [np.zeros(3), np.zeros(2)], TypeError,
     r"params\[1\]"),
    ([np.zeros(3)], np.zeros(3), TypeError, "params and grads must be"),
], ids=["shape", "shape2d", "shape_size", "dtype", "dtype32", "int64", "int32", "complex",
        "list_not_array", "strided", "fortran", "list_len", "list_len2", "list_shape",
        "list_int", "list_vs_array"])
@pytest.mark.parametrize("config", ["sgd_momentum", "adam", "rmsprop_centered"])
def test_bad_step_arguments(config, p, g, exc, match):
    opt = make_opt(config)
    before = copy.deepcopy(p)
    with pytest.raises(exc, match=match):
        opt.step(p, g)
    assert opt.state is None and opt.n_steps == 0
    if isinstance(p, np.ndarray):
        assert np.array_equal(p, before)


def test_read_only_params():
    p = np.zeros(3)
    p.flags.writeable = False
    with pytest.raises(ValueError, match="params must be a writeable"):
        SGD(lr=0.1).step(p, np.ones(3))


def test_params_that_do_not_match_the_state():
    opt, ps = _adam_after(2)
    with pytest.raises(ValueError, match="reset"):
        opt.step(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="reset"):
        opt.step(np.zeros(5, np.float32), np.zeros(5, np.float32))
    with pytest.raises(ValueError, match="state is for 1 parameter arrays"):
        opt.step([np.zeros(5), np.zeros(5)], [np.zeros(5), np.zeros(5)])
    assert opt.n_steps == 2


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("config", CONFIG_IDS)
def test_non_finite_gradient_changes_nothing(config, bad, dtype):
    shapes = [(4, 3), (50_000,)]            # the second is big enough for the threaded path
    ps = [make_params(s, i, dtype) for i, s in enumerate(shapes)]
    gs = [make_grads(s, 4, seed=60 + i, dtype=dtype) for i, s in enumerate(shapes)]
    opt = make_opt(config)
    twin = make_opt(config)
    qs = [p.copy() for p in ps]

    # first step, single array: the state is not even created
    g_bad = gs[0][0].copy()
    g_bad[2, 1] = bad
    p_single = ps[0].copy()
    with pytest.raises(FloatingPointError, match="grads contains NaN or infinity"):
        opt.step(p_single, g_bad)
    assert np.array_equal(p_single, ps[0]) and opt.state is None and opt.n_steps == 0

    for t in range(2):
        opt.step(ps, [gs[0][t], gs[1][t]])
        twin.step(qs, [gs[0][t], gs[1][t]])
    # only the second array of the list is bad (its last value: the last thread's block)
    g1 = gs[1][2].copy()
    g1[-1] = bad
    params_before, state_before = [p.copy() for p in ps], copy.deepcopy(opt.state)
    with pytest.raises(FloatingPointError, match=r"grads\[1\]"):
        opt.step(ps, [gs[0][2], g1])
    assert all(np.array_equal(a, b) for a, b in zip(ps, params_before))
    assert _states_equal(opt.state, state_before) and opt.n_steps == 2
    # the refused step left no trace: the run continues as if it never happened
    for t in range(2, 4):
        opt.step(ps, [gs[0][t], gs[1][t]])
        twin.step(qs, [gs[0][t], gs[1][t]])
    assert all(np.array_equal(a, b) for a, b in zip(ps, qs))
    assert _states_equal(opt.state, twin.state)


@pytest.mark.parametrize("config", ["sgd", "sgd_momentum", "adagrad", "rmsprop_centered",
                                    "adam", "adamw_amsgrad"])
def test_zero_size_parameter_array(config):
    """An empty array (e.g. a bias of length 0) is a valid parameter, as in torch.optim:
    the step must leave it empty and update the others exactly as without it.

    (Regression: a size-0 array's state pointers reach the C core as NULL, and
    fo_rule_check used to reject them for every stateful rule, so ``step`` raised
    ValueError("an argument is out of its domain") -- after updating the arrays before it
    in a list.)
    """
    opt = make_opt(config)
    e = np.zeros(0)
    opt.step(e, np.zeros(0))
    assert e.shape == (0,) and opt.n_steps == 1

    w0, g = make_params(SHAPE, 0), make_grads(SHAPE, 3)
    opt, alone = make_opt(config), make_opt(config)
    w, v, b = w0.copy(), w0.copy(), np.zeros((0, 3))
    for t in range(3):
        opt.step([w, b], [g[t], np.zeros((0, 3))])
        alone.step(v, g[t])
    assert np.array_equal(w, v) and opt.n_steps == 3


@pytest.mark.parametrize("config", ["sgd_momentum", "adam"])
def test_failed_list_step_is_not_half_applied(config):
    """Whether or not empty arrays are accepted, a list step that raises must leave every
    array and the step count as they were.  (Optimizer.step checks each array's C status
    inside the update loop; a failure at array i would leave arrays 0 .. i-1 updated with
    n_steps not incremented.  Since size-0 arrays are accepted, no input is known to reach
    that path; this guards it.)
    """
    opt = make_opt(config)
    w = make_params((4,), 0)
    before = w.copy()
    try:
        opt.step([w, np.zeros(0)], [np.ones(4), np.zeros(0)])
    except ValueError:
        assert np.array_equal(w, before), "params[0] was updated by a step that raised"
        assert opt.n_steps == 0
    else:
        assert opt.n_steps == 1


def test_errors_leave_params_untouched_in_list():
    """Whatever a list step raises, no array of the list has changed (all checks precede
    every update)."""
    opt, ps = _adam_after(2, shapes=((3,), (2,)))
    before = [p.copy() for p in ps]
    for bad_g in ([np.ones(3), np.ones(4)], [np.ones(3), np.ones(2, np.float32)],
                  [np.ones(3), np.array([1.0, np.nan])]):
        with pytest.raises((ValueError, TypeError, FloatingPointError)):
            opt.step(ps, bad_g)
        assert all(np.array_equal(a, b) for a, b in zip(ps, before))
        assert opt.n_steps == 2


def test_optimizer_chain_must_end_with_learning_rate():
    from fastoptim.optim.transforms import Momentum, ScaleByAdam, ScaleByLearningRate
    with pytest.raises(ValueError, match="chain"):
        Optimizer(Momentum(0.9))
    with pytest.raises(ValueError, match="Momentum"):
        Optimizer(ScaleByAdam(), Momentum(0.9), ScaleByLearningRate(0.1))


# -- Adadelta (issue 21): torch's bounds, the unit-free step ---------------------------------

@pytest.mark.parametrize("rho", [-0.1, 1.0 + 1e-9, 2.0, float("nan"), float("inf")])
def test_adadelta_bad_rho(rho):
    with pytest.raises(ValueError, match="rho"):
        Adadelta(rho=rho)


@pytest.mark.parametrize("rho", [0.0, 1.0])
def test_adadelta_rho_bounds_are_allowed(rho):
    # torch's range is [0, 1]: rho = 0 divides by the last gradient's size, rho = 1 keeps
    # both averages at 0 (steps of lr * g)
    p, g = np.array([1.0, -2.0]), np.array([0.5, -3.0])
    opt = Adadelta(rho=rho)
    opt.step(p, g)
    d = np.sqrt(1e-6) / np.sqrt((1 - rho) * g * g + 1e-6) * g
    np.testing.assert_allclose(p, np.array([1.0, -2.0]) - d, rtol=1e-15)


def test_adadelta_takes_no_momentum():
    from fastoptim.optim.transforms import Momentum, ScaleByAdadelta, ScaleByLearningRate
    with pytest.raises(ValueError, match="Adadelta takes no momentum"):
        Optimizer(ScaleByAdadelta(), Momentum(0.9), ScaleByLearningRate(1.0))


def _first_steps(opt, scale, n=5):
    """The sizes of the first n steps on scale * |x - 1|^2 / 2 from x = 0 (8 coordinates)."""
    x = np.zeros(8)
    sizes = []
    for _ in range(n):
        before = x.copy()
        opt.step(x, scale * (x - 1.0))
        sizes.append(np.abs(x - before))
    return np.array(sizes)


def test_adadelta_steps_are_unit_free_where_sgd_s_scale_with_the_objective():
    # Zeiler's point: d is a ratio of root mean squares, so scaling the objective by 1000
    # scales g and sqrt(s) alike and leaves the steps (nearly) unchanged, where SGD's
    # steps scale by 1000
    small, large = _first_steps(Adadelta(), 1.0), _first_steps(Adadelta(), 1000.0)
    np.testing.assert_allclose(large, small, rtol=2e-3)
    sgd_small, sgd_large = _first_steps(SGD(lr=1e-6), 1.0), _first_steps(SGD(lr=1e-6), 1000.0)
    np.testing.assert_allclose(sgd_large[0], 1000.0 * sgd_small[0], rtol=1e-12)
    assert np.all(sgd_large > 900 * sgd_small)
    # the first step is about sqrt(eps / (1 - rho)) = sqrt(1e-5) in every coordinate
    np.testing.assert_allclose(small[0], np.sqrt(1e-6 / (0.1 + 1e-6)), rtol=1e-12)


# -- Adamax, RAdam (issue 21) ----------------------------------------------------------------

def test_radam_takes_the_momentum_step_until_rho_t_exceeds_5():
    from fastoptim.optim.transforms import radam_rectification
    # beta2 = 0.999: rho_t = 1, 1.999.., ... passes 5 at step 6 (torch's threshold)
    assert [radam_rectification(0.999, t) is None for t in range(1, 8)] == [True] * 5 + [False] * 2
    # the first steps are the bias-corrected momentum: lr * sign-free m^ = lr * g at step 1
    p, g = np.array([1.0, -2.0]), np.array([0.5, -3.0])
    RAdam(lr=0.1).step(p, g)
    np.testing.assert_allclose(p, [1.0 - 0.05, -2.0 + 0.3], rtol=1e-15)
    # the rectification grows to 1 as t grows
    rs = [radam_rectification(0.999, t) for t in (6, 100, 10000, 100000)]
    assert all(0 < a < b <= 1 for a, b in zip(rs, rs[1:]))


def test_adamax_steps_are_bounded_by_lr():
    # |m| <= u after the bias correction's 1 - b1^t: every step is at most lr / (1 - b1^t)
    # times 1 in each coordinate (Kingma & Ba 2015, sec. 7.1: |step| <= lr)
    rng = np.random.default_rng(3)
    p = np.zeros(50)
    opt = Adamax(lr=0.01)
    for t in range(1, 200):
        before = p.copy()
        opt.step(p, rng.standard_normal(50) * 10.0 ** rng.uniform(-3, 3))
        assert np.max(np.abs(p - before)) <= 0.01 * (1 + 1e-12)


# -- torch.optim's conventions (issue 21, item 3): maximize, state_dict, the spellings --------

@pytest.mark.parametrize("config", CONFIG_IDS)
def test_maximize_matches_torch(config):
    torch = pytest.importorskip("torch")
    kind, kw = CONFIGS[config]
    p0 = make_params(SHAPE, 0)
    grads = make_grads(SHAPE, n_steps=30)
    ours = KINDS[kind][0](**kw, maximize=True)
    p = p0.copy()
    with torch_default_dtype(np.float64):
        tp = torch.tensor(p0.copy(), requires_grad=True)
        theirs = getattr(torch.optim, KINDS[kind][2])([tp], maximize=True, **kw)
        for g in grads:
            ours.step(p, g)
            tp.grad = torch.from_numpy(g.copy())
            theirs.step()
    assert relerr(p, tp.detach().numpy()) < 1e-12
    # the NumPy twin flips the sign too, and maximizing f is minimizing -f
    twin = KINDS[kind][0](**kw, maximize=True)
    q = p0.copy()
    neg = KINDS[kind][0](**kw)
    r = p0.copy()
    for g in grads:
        twin.step_numpy(q, g)
        neg.step(r, -g)
    assert relerr(q, p) < 1e-12
    np.testing.assert_array_equal(r, p)


def test_an_epoch_refuses_an_optimizer_that_maximizes():
    from fastoptim import LogisticRegression, MLPClassifier
    X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
    for est in (LogisticRegression(solver=Adam(maximize=True)),
                MLPClassifier((4,), solver=SGD(0.1, maximize=True), max_iter=2)):
        with pytest.raises(ValueError, match="maximize=True, but a training epoch"):
            est.fit(X, y)


@pytest.mark.parametrize("config", CONFIG_IDS)
def test_state_dict_continues_the_trajectory_bit_for_bit(config):
    p0 = [make_params(SHAPE, 0), make_params((5,), 1)]
    grads = [make_grads(SHAPE, n_steps=20), make_grads((5,), n_steps=20, seed=2)]
    opt = make_opt(config)
    p = [a.copy() for a in p0]
    for t in range(10):
        opt.step(p, [grads[0][t], grads[1][t]])
    opt.lr = opt.lr * 0.5  # a schedule's rate travels with the state
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    assert set(saved["state"]) == {0, 1} and saved["state"][0]["step"] == 10
    assert all(isinstance(v, (np.ndarray, int, float)) for st in saved["state"].values()
               for v in st.values())
    again = make_opt(config)
    again.load_state_dict(saved)
    q = [a.copy() for a in p]
    for t in range(10, 20):
        opt.step(p, [grads[0][t], grads[1][t]])
        again.step(q, [grads[0][t], grads[1][t]])
    for a, b in zip(p, q):
        np.testing.assert_array_equal(a, b)
    assert again.lr == opt.lr and again.n_steps == 20
    # a fresh optimizer's state_dict loads into a used one: it starts over
    again.load_state_dict(make_opt(config).state_dict())
    assert again.state is None and again.n_steps == 0


def test_load_state_dict_refuses_what_is_not_its_state():
    adam = Adam(lr=0.01)
    adam.step(np.ones(3), np.ones(3))
    good = adam.state_dict()
    with pytest.raises(ValueError, match=r"another optimizer: its chain=\['AddDecayedWeights', "
                                         r"'Momentum'"):
        Adam().load_state_dict(SGD(0.1, momentum=0.9).state_dict())
    with pytest.raises(ValueError, match=r"its betas=\(0.9, 0.999\), this optimizer's \(0.8"):
        Adam(betas=(0.8, 0.9)).load_state_dict(good)
    bad = copy.deepcopy(good)
    del bad["state"][0]["s2"]
    with pytest.raises(ValueError, match=r"holds \['s1'\]; this optimizer keeps \['s1', 's2'\]"):
        Adam().load_state_dict(bad)
    bad = copy.deepcopy(good)
    bad["state"][0]["s1"] = np.full(3, np.nan)
    with pytest.raises(ValueError, match="NaN or infinity"):
        Adam().load_state_dict(bad)
    with pytest.raises(TypeError, match="keys 'state' and 'param_groups'"):
        Adam().load_state_dict({"state": {}})
    target = Adam(lr=0.01)
    target.step(np.zeros(2), np.ones(2))
    before = copy.deepcopy(target.state)
    with pytest.raises(ValueError):
        target.load_state_dict(bad)
    np.testing.assert_array_equal(target.state[0]["s1"], before[0]["s1"])  # unchanged


def test_torch_spellings_and_adams_decoupled_weight_decay():
    from fastoptim.optim import RMSprop
    assert RMSprop is RMSProp
    p0, grads = make_params(SHAPE, 0), make_grads(SHAPE, n_steps=30)
    a = fo_trajectory(Adam(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), p0, grads)
    w = fo_trajectory(AdamW(lr=0.01, weight_decay=0.1), p0, grads)
    np.testing.assert_array_equal(a[-1], w[-1])  # Adam's torch-2 flag is AdamW
    torch = pytest.importorskip("torch")
    tp = torch.tensor(p0.copy(), requires_grad=True)
    theirs = torch.optim.Adam([tp], lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)
    for g in grads:
        tp.grad = torch.from_numpy(g.copy())
        theirs.step()
    assert relerr(a[-1], tp.detach().numpy()) < 1e-12


@pytest.mark.parametrize("name", ["Adamax", "RAdam", "NAdam", "Rprop", "ASGD"])
def test_adamax_and_radam_take_no_momentum(name):
    from fastoptim.optim import transforms
    with pytest.raises(ValueError, match=f"{name} takes no momentum"):
        Optimizer(getattr(transforms, f"ScaleBy{name}")(), transforms.Momentum(0.9),
                  transforms.ScaleByLearningRate(1e-3))
