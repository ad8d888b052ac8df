"""fastoptim.optim.transforms: compile_chain's rules, the transforms' arguments and state,
and every chain the C core can run -- including combinations no optimizer class builds
(AdaGrad or RMSProp with dampened/Nesterov momentum, decoupled decay with SGD, both decays)
-- against the NumPy twins and against this file's own composition of the five stages
of fo_update.h."""
import itertools

import numpy as np
import pytest

from fastoptim.optim.optimizers import Optimizer
from fastoptim.optim.transforms import (AddDecayedWeights, DecoupledWeightDecay, Momentum,
                                        ScaleByAdadelta, ScaleByAdagrad, ScaleByAdam,
                                        ScaleByAdamax, ScaleByASGD, ScaleByLearningRate,
                                        ScaleByNAdam, ScaleByRAdam, ScaleByRMS, ScaleByRprop,
                                        compile_chain, radam_rectification)

LR = 0.02

PRECONDS = {
    "none": lambda: None,
    "adagrad": lambda: ScaleByAdagrad(eps=1e-8, initial_accumulator_value=0.1),
    "adagrad_lr_decay": lambda: ScaleByAdagrad(eps=1e-8, lr_decay=0.01),
    "rms": lambda: ScaleByRMS(alpha=0.9, eps=1e-6),
    "rms_centered": lambda: ScaleByRMS(alpha=0.95, eps=1e-6, centered=True),
    "adam": lambda: ScaleByAdam((0.8, 0.99), eps=1e-7),
    "amsgrad": lambda: ScaleByAdam((0.9, 0.999), amsgrad=True),
    "adadelta": lambda: ScaleByAdadelta(rho=0.9, eps=1e-4),
    "adamax": lambda: ScaleByAdamax((0.8, 0.99), eps=1e-6),
    "radam": lambda: ScaleByRAdam((0.9, 0.95), eps=1e-7),
    "nadam": lambda: ScaleByNAdam((0.85, 0.99), eps=1e-7, momentum_decay=0.01),
    "rprop": lambda: ScaleByRprop((0.4, 1.3), (1e-4, 0.5)),
    "asgd": lambda: ScaleByASGD(lambd=0.05, alpha=0.6, t0=10),
}
MOMENTA = {
    "no_momentum": lambda: None,
    "momentum": lambda: Momentum(0.9),
    "dampened": lambda: Momentum(0.8, dampening=0.3),
    "nesterov": lambda: Momentum(0.7, nesterov=True),
}
DECAYS = {
    "no_decay": (None, None),
    "l2": (None, 0.05),
    "decoupled": (0.1, None),
    "both": (0.1, 0.05),
}
CHAINS = [(p, m, d) for p, m, d in itertools.product(PRECONDS, MOMENTA, DECAYS)
          if not (p in ("adam", "amsgrad", "adadelta", "adamax", "radam", "nadam", "rprop", "asgd")
                  and m != "no_momentum")]


def build(precond, momentum, decay):
    dec, l2 = DECAYS[decay]
    chain = []
    if dec is not None:
        chain.append(DecoupledWeightDecay(dec))
    if l2 is not None:
        chain.append(AddDecayedWeights(l2))
    for t in (PRECONDS[precond](), MOMENTA[momentum]()):
        if t is not None:
            chain.append(t)
    chain.append(ScaleByLearningRate(LR))
    return chain


def ref_step(chain, p, g, st, t, lr):
    """The five stages of fo_update.h, written from its header comment.  AdaGrad's lr_decay
    divides the preconditioned gradient by 1 + (t - 1) lr_decay at stage 3, before any
    momentum (without momentum: torch's decayed rate lr / (1 + (t - 1) lr_decay)).  Rprop's
    and ASGD's stage 5 steps by 1 and by eta_t instead of lr (the header's equations)."""
    step_lr, asgd = lr, None
    for tr in chain:
        if isinstance(tr, DecoupledWeightDecay):
            p = p * (1 - lr * tr.weight_decay)
        elif isinstance(tr, AddDecayedWeights):
            g = g + tr.weight_decay * p
        elif isinstance(tr, ScaleByAdagrad):
            st.setdefault("s", np.full_like(p, tr.initial_accumulator_value))
            st["s"] = st["s"] + g ** 2
            g = g / (np.sqrt(st["s"]) + tr.eps) / (1 + (t - 1) * tr.lr_decay)
        elif isinstance(tr, ScaleByRMS):
            a = tr.alpha
            st["s"] = a * st.get("s", 0.0) + (1 - a) * g ** 2
            s = st["s"]
            if tr.centered:
                st["m"] = a * st.get("m", 0.0) + (1 - a) * g
                s = s - st["m"] ** 2
            g = g / (np.sqrt(s) + tr.eps)
        elif isinstance(tr, ScaleByAdam):
            b1, b2 = tr.betas
            st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
            st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g ** 2
            v = st["v"]
            if tr.amsgrad:
                st["vmax"] = np.maximum(st.get("vmax", 0.0), v)
                v = st["vmax"]
            g = (st["m"] / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + tr.eps)
        elif isinstance(tr, ScaleByAdamax):
            b1, b2 = tr.betas
            st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
            st["u"] = np.maximum(b2 * st.get("u", 0.0), np.abs(g) + tr.eps)
            g = st["m"] / (1 - b1 ** t) / st["u"]
        elif isinstance(tr, ScaleByRAdam):
            b1, b2 = tr.betas
            st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
            st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g ** 2
            r = radam_rectification(b2, t)
            g = st["m"] / (1 - b1 ** t)
            if r is not None:
                g = g * r * np.sqrt(1 - b2 ** t) / (np.sqrt(st["v"]) + tr.eps)
        elif isinstance(tr, ScaleByNAdam):
            (b1, b2), psi = tr.betas, tr.momentum_decay
            mu, mu_next = (b1 * (1 - 0.5 * 0.96 ** (k * psi)) for k in (t, t + 1))
            st["P"] = st.get("P", 1.0) * mu
            st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
            st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g ** 2
            g = ((1 - mu) / (1 - st["P"]) * g + mu_next / (1 - st["P"] * mu_next) * st["m"]) \
                / (np.sqrt(st["v"] / (1 - b2 ** t)) + tr.eps)
        elif isinstance(tr, ScaleByRprop):
            d = np.full_like(p, lr) if t == 1 else st["d"]
            s = g * st.get("prev", 0.0)
            d = np.clip(d * np.where(s > 0, tr.etas[1], np.where(s < 0, tr.etas[0], 1.0)),
                        *tr.step_sizes)
            st["prev"] = g = np.where(s < 0, 0.0, g)
            st["d"] = d
            g, step_lr = np.sign(g) * d, 1.0
        elif isinstance(tr, ScaleByASGD):
            step_lr = lr if t == 1 else st["eta"]
            p, asgd = p * (1 - tr.lambd * step_lr), tr
        elif isinstance(tr, ScaleByAdadelta):
            rho = tr.rho
            st["s"] = rho * st.get("s", 0.0) + (1 - rho) * g ** 2
            d = np.sqrt(st.get("u", 0.0) + tr.eps) / np.sqrt(st["s"] + tr.eps) * g
            st["u"] = rho * st.get("u", 0.0) + (1 - rho) * d ** 2
            g = d
        elif isinstance(tr, Momentum):
            st["b"] = g.copy() if t == 1 else tr.momentum * st["b"] + (1 - tr.dampening) * g
            g = g + tr.momentum * st["b"] if tr.nesterov else st["b"]
        elif isinstance(tr, ScaleByLearningRate):
            p = p - step_lr * g
    if asgd is not None:  # the average, and eta of the next step from this step's lr
        m = t - 1 - asgd.t0
        mu = 1.0 / m if m > 1 else 1.0
        st["ax"] = p.copy() if mu == 1 else st["ax"] + mu * (p - st["ax"])
        st["eta"] = lr / (1 + asgd.lambd * lr * t) ** asgd.alpha
    return p


def _data(dtype, n_steps=60, shape=(9, 4), seed=0):
    rng = np.random.default_rng(seed)
    p0 = rng.normal(size=shape).astype(dtype)
    scale = 10.0 ** rng.uniform(-2, 1, size=shape)
    grads = [(scale * np.exp(rng.normal(0, 0.5)) * rng.normal(size=shape)).astype(dtype)
             for _ in range(n_steps)]
    return p0, grads


def _relerr(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)],
                         ids=["f64", "f32"])
@pytest.mark.parametrize("precond, momentum, decay", CHAINS,
                         ids=["-".join(c) for c in CHAINS])
def test_every_chain_c_vs_twin_vs_reference(precond, momentum, decay, dtype, rtol):
    p0, grads = _data(dtype)
    opt = Optimizer(*build(precond, momentum, decay))
    twin = Optimizer(*build(precond, momentum, decay))
    ref_chain = build(precond, momentum, decay)
    p, q, r, st = p0.copy(), p0.copy(), p0.astype(np.float64), {}
    for t, g in enumerate(grads, start=1):
        lr = LR * (1 + 0.5 * np.sin(t))             # an lr that changes every step
        opt.lr = twin.lr = lr
        opt.step(p, g)
        twin.step_numpy(q, g)
        r = ref_step(ref_chain, r, g.astype(np.float64), st, t, lr)
        assert _relerr(p, r) < rtol, t
        assert _relerr(q, r) < rtol, t
    assert p.dtype == q.dtype == dtype
    assert _relerr(p, p0) > 1e-3


@pytest.mark.parametrize("momentum", ["momentum", "dampened", "nesterov"])
def test_adagrad_lr_decay_then_momentum_c_matches_twin(momentum):
    """ScaleByAdagrad(lr_decay > 0) followed by Momentum: the C core and the NumPy twin
    run the same rule, the one fo_update.h states (the decay divides the preconditioned
    gradient at stage 3, before the momentum buffer).

    (Regression: the C core once applied the decay to the step's learning rate at stage 5,
    after the buffer, while the twin scaled g at stage 3; they differed by ~1e-3 relative
    after 60 steps with Momentum(0.9), lr_decay=0.01.  Without momentum, as in
    torch.optim.Adagrad, the two readings coincide.)
    """
    p0, grads = _data(np.float64)
    chain = build("adagrad_lr_decay", momentum, "no_decay")
    opt = Optimizer(*build("adagrad_lr_decay", momentum, "no_decay"))
    twin = Optimizer(*build("adagrad_lr_decay", momentum, "no_decay"))
    p, q, r, st = p0.copy(), p0.copy(), p0.copy(), {}
    for t, g in enumerate(grads, start=1):
        opt.step(p, g)
        twin.step_numpy(q, g)
        r = ref_step(chain, r, g, st, t, LR)
    assert _relerr(p, r) < 1e-12
    assert _relerr(q, r) < 1e-12
    # and the decay matters here: it is not the stage-5 (decayed-lr) reading
    w, b = p0.copy(), None
    s2 = np.zeros_like(p0)
    m = build("adagrad_lr_decay", momentum, "no_decay")[1]
    for t, g in enumerate(grads, start=1):
        s2 = s2 + g * g
        d = g / (np.sqrt(s2) + 1e-8)
        b = d.copy() if b is None else m.momentum * b + (1 - m.dampening) * d
        step = d + m.momentum * b if m.nesterov else b
        w = w - LR / (1 + (t - 1) * 0.01) * step
    assert _relerr(p, w) > 1e-5


def test_compile_chain_rule_fields():
    rule = compile_chain([DecoupledWeightDecay(0.1), AddDecayedWeights(0.2),
                          ScaleByRMS(0.9, 1e-6, centered=True), Momentum(0.5, 0.1),
                          ScaleByLearningRate(0.3)])
    assert rule["precond"] == "rmsprop" and rule["centered"] and rule["momentum"]
    assert (rule["decoupled_decay"], rule["weight_decay"], rule["alpha"], rule["eps"],
            rule["mu"], rule["dampening"], rule["lr"], rule["t"]) == (
        0.1, 0.2, 0.9, 1e-6, 0.5, 0.1, 0.3, 1)
    rule = compile_chain([ScaleByAdam((0.8, 0.95), 1e-7, amsgrad=True), ScaleByLearningRate(1)])
    assert rule["precond"] == "adam" and rule["amsgrad"] and not rule["momentum"]
    assert (rule["beta1"], rule["beta2"], rule["eps"]) == (0.8, 0.95, 1e-7)
    assert compile_chain([ScaleByLearningRate(0.1)])["precond"] == "none"


@pytest.mark.parametrize("chain", [
    [],
    [Momentum(0.9)],
    [ScaleByLearningRate(0.1), Momentum(0.9)],
    [Momentum(0.9), ScaleByAdagrad(), ScaleByLearningRate(0.1)],
    [ScaleByAdagrad(), ScaleByRMS(), ScaleByLearningRate(0.1)],
    [AddDecayedWeights(0.1), DecoupledWeightDecay(0.1), ScaleByLearningRate(0.1)],
    [Momentum(0.9), Momentum(0.5), ScaleByLearningRate(0.1)],
    [ScaleByLearningRate(0.1), ScaleByLearningRate(0.1)],
], ids=["empty", "no_lr", "lr_not_last", "momentum_before_precond", "two_preconds",
        "decays_swapped", "two_momenta", "two_lrs"])
def test_compile_chain_rejects_bad_order(chain):
    with pytest.raises(ValueError, match="chain must be"):
        compile_chain(chain)


def test_compile_chain_rejects_adam_with_momentum():
    with pytest.raises(ValueError, match="Adam has its own first moment"):
        compile_chain([ScaleByAdam(), Momentum(0.9), ScaleByLearningRate(0.1)])


@pytest.mark.parametrize("make, exc, name", [
    (lambda: ScaleByLearningRate(0), ValueError, "lr"),
    (lambda: ScaleByLearningRate(True), TypeError, "lr"),
    (lambda: DecoupledWeightDecay(-1), ValueError, "weight_decay"),
    (lambda: AddDecayedWeights(float("inf")), ValueError, "weight_decay"),
    (lambda: ScaleByAdagrad(eps=0), ValueError, "eps"),
    (lambda: ScaleByAdagrad(lr_decay=-1), ValueError, "lr_decay"),
    (lambda: ScaleByAdagrad(initial_accumulator_value=-1), ValueError,
     "initial_accumulator_value"),
    (lambda: ScaleByRMS(alpha=1.0), ValueError, "alpha"),
    (lambda: ScaleByRMS(eps=-1.0), ValueError, "eps"),
    (lambda: ScaleByAdam(betas=(0.9, 1.0)), ValueError, "betas"),
    (lambda: ScaleByAdam(betas=[0.9]), TypeError, "betas"),
    (lambda: ScaleByAdam(eps=0.0), ValueError, "eps"),
    (lambda: Momentum(1.0), ValueError, "momentum"),
    (lambda: Momentum(0.9, dampening=2.0), ValueError, "dampening"),
    (lambda: Momentum(0.9, dampening=0.5, nesterov=True), ValueError, "nesterov"),
    (lambda: Momentum(0.0, nesterov=True), ValueError, "nesterov"),
    (lambda: Momentum("0.9"), TypeError, "momentum"),
    (lambda: ScaleByNAdam(momentum_decay=-1e-3), ValueError, "momentum_decay"),
    (lambda: ScaleByNAdam(betas=(1.0, 0.9)), ValueError, "betas"),
    (lambda: ScaleByRprop(etas=(0.5, 1.0)), ValueError, "etas"),
    (lambda: ScaleByRprop(etas=0.5), TypeError, "etas"),
    (lambda: ScaleByRprop(step_sizes=(0.0, 1.0)), ValueError, "step_sizes"),
    (lambda: ScaleByRprop(step_sizes=(1.0, 0.5)), ValueError, "step_sizes"),
    (lambda: ScaleByASGD(lambd=-1.0), ValueError, "lambd"),
    (lambda: ScaleByASGD(alpha=float("nan")), ValueError, "alpha"),
    (lambda: ScaleByASGD(t0=-1.0), ValueError, "t0"),
])
def test_transform_arguments(make, exc, name):
    with pytest.raises(exc, match=name):
        make()


def test_init_state():
    p = np.ones((3, 2), np.float32)
    assert ScaleByLearningRate(0.1).init_state(p) == {}
    st = ScaleByAdagrad(initial_accumulator_value=0.25).init_state(p)
    assert list(st) == ["s2"] and st["s2"].dtype == np.float32 and np.all(st["s2"] == 0.25)
    assert set(ScaleByRMS().init_state(p)) == {"s2"}
    assert set(ScaleByRMS(centered=True).init_state(p)) == {"s2", "s3"}
    assert set(ScaleByAdam().init_state(p)) == {"s1", "s2"}
    st = ScaleByAdam(amsgrad=True).init_state(p)
    assert set(st) == {"s1", "s2", "s3"}
    assert all(a.shape == (3, 2) and not a.any() for a in st.values())
    assert set(Momentum().init_state(p)) == {"s1"}
    assert set(ScaleByNAdam().init_state(p)) == {"s1", "s2"}
    assert set(ScaleByRprop().init_state(p)) == {"s1", "s2"}
    assert set(ScaleByASGD().init_state(p)) == {"s1"}
    assert ScaleByNAdam.scalar_names == ("mu_product",) and ScaleByASGD.scalar_names == ("eta",)
    assert ScaleByRprop.scalar_names == () == ScaleByAdam.scalar_names


def test_optimizer_state_is_named_after_c_arrays():
    opt = Optimizer(AddDecayedWeights(0.1), ScaleByRMS(centered=True), Momentum(0.5),
                    ScaleByLearningRate(0.1))
    opt.step(np.zeros(4), np.ones(4))
    assert set(opt.state[0]) == {"s1", "s2", "s3"}
    assert "ScaleByRMS" in repr(opt) and "Momentum" in repr(opt)
