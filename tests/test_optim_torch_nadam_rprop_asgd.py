"""NAdam, Rprop and ASGD (issue 21, item 1): what the shared tests of test_optimizers.py (the
configurations against torch.optim, the transcriptions, pickling, state_dict, maximize,
thread counts, non-finite steps) do not cover -- ASGD's averaged parameters against torch's
state['ax'], the carried scalars (NAdam's mu_product, ASGD's eta) inside the C epochs and
through state_dict, Rprop's bounds and sign rule, and the arguments each refuses.
"""
import copy
import math
import pickle

import numpy as np
import pytest

from fastoptim.losses import Objective
from fastoptim.optim import ASGD, NAdam, Rprop
from fastoptim.optim.engine import run_epoch
from fastoptim.optim.transforms import asgd_averaging_weight, nadam_momentum
from test_optimizers import (CONFIG_IDS, CONFIGS, DTYPE_IDS, DTYPES, RTOL, SHAPE, fo_trajectory,
                             make_grads, make_opt, make_params, max_traj_err, ref_trajectory,
                             relerr, torch_default_dtype, torch_trajectory)

NEW = [c for c in CONFIG_IDS if CONFIGS[c][0] in ("nadam", "rprop", "asgd")]
AVERAGING = [c for c in NEW if CONFIGS[c][0] == "asgd"]


@pytest.mark.parametrize("config", NEW)
def test_against_the_transcriptions_to_rounding(config):
    """float64, 100 steps: the NumPy twin within 1e-15 of test_optimizers' transcription of
    torch's algorithm (measured <= 1.4e-16), the C core within 2e-15 (its compiled loops may
    fuse a multiply and an add, one rounding fewer; measured <= 1.2e-15)."""
    p0, grads = make_params(SHAPE, 0), make_grads(SHAPE)
    ref = ref_trajectory(config, p0, grads)
    assert max_traj_err(fo_trajectory(make_opt(config), p0, grads, numpy_twin=True), ref) < 1e-15
    assert max_traj_err(fo_trajectory(make_opt(config), p0, grads), ref) < 2e-15


# -- ASGD's average --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("config", AVERAGING)
def test_asgd_average_matches_torchs_ax(config, dtype):
    """state['ax'] of torch.optim.ASGD after each of 100 steps, two parameter arrays; t0 is
    small, so the average is a copy of p at first and the mean of the iterates after."""
    shapes = [SHAPE, (5,)]
    p0s = [make_params(s, i, dtype) for i, s in enumerate(shapes)]
    gs = [make_grads(s, seed=3 + i, dtype=dtype) for i, s in enumerate(shapes)]
    theirs = torch_trajectory(config, p0s, gs, averaged=True)
    opt, ps = make_opt(config), [p.copy() for p in p0s]
    t0 = CONFIGS[config][1]["t0"]
    for t in range(100):
        opt.step(ps, [gs[0][t], gs[1][t]])
        for i in range(2):
            ax = opt.averaged(i)
            assert ax.dtype == dtype and ax.shape == shapes[i]
            assert relerr(ps[i], theirs[t][i]) < RTOL[dtype]
            assert relerr(ax, theirs[t][2 + i]) < RTOL[dtype]
            if t + 1 <= t0 + 2:  # mu_t = 1: a copy
                np.testing.assert_array_equal(ax, ps[i])
    assert relerr(opt.averaged(0), ps[0]) > 1e-2  # the average moved away from the iterate


def test_asgd_average_is_the_mean_of_the_iterates_since_t0():
    """Polyak & Juditsky's estimate: after step T, ax = mean(p_{t0+2}, ..., p_T)."""
    opt, p = ASGD(lr=0.05, lambd=0.0, alpha=0.0, t0=7), make_params((9,), 0)
    iterates = []
    for g in make_grads((9,), 60):
        opt.step(p, g)
        iterates.append(p.copy())
    np.testing.assert_allclose(opt.averaged(), np.mean(iterates[8:], axis=0), rtol=1e-13,
                               atol=1e-15)
    # and averaged() is a copy, not a view of the state
    a = opt.averaged()
    a[:] = 0
    assert np.any(opt.averaged() != 0)


def test_asgd_schedules_match_torch_after_the_step():
    """eta_1 = lr, eta_{t+1} = lr / (1 + lambd lr t)^alpha, mu_t = 1 / max(1, t - 1 - t0):
    the eta the optimizer carries after t steps is the one torch's state holds."""
    lr, lambd, alpha, t0 = 0.1, 0.3, 0.6, 4.5
    opt = ASGD(lr=lr, lambd=lambd, alpha=alpha, t0=t0)
    with torch_default_dtype(np.float64) as torch:
        tp = torch.zeros(3, requires_grad=True)
        theirs = torch.optim.ASGD([tp], lr=lr, lambd=lambd, alpha=alpha, t0=t0)
        p = np.zeros(3)
        for t in range(1, 15):
            g = np.array([1.0, -2.0, 0.5]) * t
            opt.step(p, g)
            tp.grad = torch.from_numpy(g.copy())
            theirs.step()
            assert opt.state_dict()["state"][0]["eta"] == theirs.state[tp]["eta"].item()
            assert opt._scalars["eta"] == lr / (1 + lambd * lr * t) ** alpha
            assert asgd_averaging_weight(t0, t + 1) == theirs.state[tp]["mu"].item()
    assert [asgd_averaging_weight(4.5, t) for t in (1, 6, 7, 8)] == [1.0, 1.0, 1 / 1.5, 1 / 2.5]


def test_asgd_averaged_refuses_what_is_not_there():
    opt = ASGD()
    with pytest.raises(ValueError, match="no step yet"):
        opt.averaged()
    opt.step([np.zeros(2), np.zeros(3)], [np.ones(2), np.ones(3)])
    assert opt.averaged(1).shape == (3,)
    for bad in (2, -1, 1.0, True):
        with pytest.raises(ValueError, match="position of a parameter array"):
            opt.averaged(bad)


# -- the carried scalars ---------------------------------------------------------------------

def _product(beta1, psi, n):
    out = 1.0
    for i in range(1, n + 1):
        out *= nadam_momentum(beta1, psi, i)
    return out


def test_nadam_mu_product_is_the_product_of_the_momentum_factors():
    opt = NAdam(betas=(0.8, 0.99), momentum_decay=0.05)
    p = np.zeros(4)
    for t in range(1, 31):
        opt.step(p, np.full(4, 0.1 * t))
        assert opt._scalars["mu_product"] == _product(0.8, 0.05, t)
        assert opt.state_dict()["state"][0]["mu_product"] == opt._scalars["mu_product"]
    assert opt._scalars["mu_product"] == pytest.approx(
        math.prod(0.8 * (1 - 0.5 * 0.96 ** (i * 0.05)) for i in range(1, 31)), rel=1e-14)
    assert nadam_momentum(0.9, 4e-3, 1) == 0.9 * (1 - 0.5 * 0.96 ** 4e-3)


def _logistic(sparse=False):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((57, 6))
    if sparse:
        import scipy.sparse as sp
        X = sp.csr_matrix(X * (rng.random(X.shape) < 0.4))
    return Objective("logistic", X, rng.choice([-1.0, 1.0], 57), alpha=0.01)


@pytest.mark.parametrize("lazy", [False, True], ids=["dense", "lazy"])
@pytest.mark.parametrize("batch", [1, 5])
@pytest.mark.parametrize("make", [lambda: NAdam(lr=0.01), lambda: ASGD(lr=0.05, lambd=0.01)],
                         ids=["nadam", "asgd"])
def test_carried_scalars_advance_every_step_of_a_c_epoch(make, batch, lazy):
    """One C call takes many steps (batch 1: the fused per-sample loop; 5: the batch loop;
    lazy: the sparse loop): the carried scalar after two epochs is the closed form of its
    n steps, the same bits as steps taken one at a time from Python."""
    obj = _logistic(sparse=lazy)
    opt = make()
    c, b = np.zeros(6), np.zeros(1)
    for epoch in range(2):
        run_epoch(obj, opt, c, b, batch_size=batch, seed=epoch, lazy=lazy)
    n = opt.n_steps
    assert n == 2 * -(-57 // batch)
    one_by_one = make()
    for _ in range(n):
        one_by_one.step([np.zeros(6), np.zeros(1)], [np.ones(6), np.ones(1)])
    assert opt._scalars == one_by_one._scalars
    if isinstance(opt, NAdam):
        assert opt._scalars["mu_product"] == _product(0.9, 4e-3, n)
    else:
        assert opt._scalars["eta"] == 0.05 / (1 + 0.01 * 0.05 * n) ** 0.75


def test_mlp_epoch_carries_the_scalars():
    from fastoptim._network import Network
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((40, 3)), np.eye(2)[rng.integers(0, 2, 40)]
    net = Network([3, 4, 2], "tanh", "softmax")
    for make, key in ((lambda: NAdam(lr=0.01), "mu_product"), (lambda: ASGD(lr=0.01), "eta")):
        opt = make()
        params = 0.3 * np.random.default_rng(2).standard_normal(net.n_params)
        for epoch in range(3):
            net.train_epoch(X, Y, params, opt, batch_size=7, seed=epoch)
        assert opt.n_steps == 18
        ref = make()
        for _ in range(18):
            ref.step(np.zeros(1), np.ones(1))
        assert opt._scalars[key] == ref._scalars[key]


def test_state_dict_holds_and_checks_the_carried_scalars():
    opt = NAdam(lr=0.01)
    opt.step([np.zeros(3), np.zeros(2)], [np.ones(3), np.ones(2)])
    sd = opt.state_dict()
    assert set(sd["state"][0]) == {"step", "mu_product", "s1", "s2"}
    assert isinstance(sd["state"][1]["mu_product"], float)
    for bad, match in ((None, "must be a number in"), (1.5, "must be a number in"),
                       (float("nan"), "must be a number in")):
        d = pickle.loads(pickle.dumps(sd))
        if bad is None:
            del d["state"][1]["mu_product"]
        else:
            d["state"][1]["mu_product"] = bad
        target = NAdam(lr=0.01)
        with pytest.raises(ValueError, match=r"\['state'\]\[1\]\['mu_product'\] " + match):
            target.load_state_dict(d)
        assert target.state is None and target._scalars == {}
    d = pickle.loads(pickle.dumps(sd))
    d["state"][1]["mu_product"] = 0.5
    with pytest.raises(ValueError, match="disagree on mu_product"):
        NAdam(lr=0.01).load_state_dict(d)
    asgd = ASGD()
    asgd.step(np.zeros(2), np.ones(2))
    d = asgd.state_dict()
    d["state"][0]["eta"] = 0.0
    with pytest.raises(ValueError, match=r"\['eta'\] must be a number > 0"):
        ASGD().load_state_dict(d)
    # reset forgets them, as the state
    opt.reset()
    assert opt._scalars == {} and opt.state_dict() == {"state": {}, "param_groups": [
        dict(opt.state_dict()["param_groups"][0])]}


def test_an_optimizer_pickled_before_the_carried_scalars_loads():
    from fastoptim.optim import Adam
    opt = Adam(lr=0.01)
    opt.step(np.zeros(2), np.ones(2))
    state = copy.deepcopy(opt.__dict__)
    del state["_scalars"]
    old = Adam.__new__(Adam)
    old.__setstate__(state)
    p, q = np.zeros(2), np.zeros(2)
    old.step(p, np.ones(2))
    opt.step(q, np.ones(2))
    np.testing.assert_array_equal(p, q)


# -- Rprop -----------------------------------------------------------------------------------

def test_rprop_step_sizes_stay_within_step_sizes():
    """Whatever the gradients, every step size stays in [min, max] and every coordinate moves
    by 0 (a flipped sign) or by its step size."""
    rng = np.random.default_rng(4)
    lo, hi = 1e-3, 0.3
    opt = Rprop(lr=0.05, etas=(0.4, 1.6), step_sizes=(lo, hi))
    p = np.zeros(200)
    seen_lo = seen_hi = False
    for t in range(300):
        g = rng.standard_normal(200) * np.where(rng.random(200) < 0.3, -1.0, 1.0) * (t % 3 - 0.5)
        before = p.copy()
        opt.step(p, g)
        d = opt.state[0]["s2"]
        assert np.all((lo <= d) & (d <= hi))
        moved = np.abs(p - before)
        assert np.all((moved == 0) | np.isclose(moved, d, rtol=1e-12, atol=0))
        seen_lo, seen_hi = seen_lo or np.any(d == lo), seen_hi or np.any(d == hi)
    assert seen_lo and seen_hi


def test_rprop_skips_the_step_after_a_sign_change():
    """Riedmiller & Braun's rule as torch has it: a flipped sign halves the step size, takes
    no step and forgets the gradient (so the next step neither grows nor shrinks it)."""
    opt, p = Rprop(lr=0.1), np.zeros(1)
    sizes, moves = [], []
    for g in (1.0, 1.0, -1.0, -1.0, -1.0):
        before = p.copy()
        opt.step(p, np.array([g]))
        sizes.append(float(opt.state[0]["s2"][0]))
        moves.append(float(p[0] - before[0]))
    np.testing.assert_allclose(sizes, [0.1, 0.12, 0.06, 0.06, 0.072], rtol=1e-15)
    np.testing.assert_allclose(moves, [-0.1, -0.12, 0.0, 0.06, 0.072], rtol=1e-15)
    assert opt.state[0]["s1"][0] == -1.0


@pytest.mark.parametrize("lr", [100.0, 1e-9])
def test_rprop_first_step_clamps_lr_as_torch(lr):
    """torch clamps the initial step size (lr) into step_sizes at the first step too."""
    p0, grads = make_params(SHAPE, 0), make_grads(SHAPE, 20)
    first = Rprop(lr=lr)
    first.step(p0.copy(), grads[0])
    assert np.all(first.state[0]["s2"] == (50.0 if lr > 1 else 1e-6))
    ours = fo_trajectory(Rprop(lr=lr), p0, grads)
    with torch_default_dtype(np.float64) as torch:
        tp = torch.tensor(p0.copy(), requires_grad=True)
        theirs = torch.optim.Rprop([tp], lr=lr)
        for g, mine in zip(grads, ours):
            tp.grad = torch.from_numpy(g.copy())
            theirs.step()
            assert relerr(mine, tp.detach().numpy()) < 1e-12


# -- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("make, exc, name", [
    (lambda: Rprop(etas=(0.0, 1.2)), ValueError, "etas"),
    (lambda: Rprop(etas=(0.5, 1.0)), ValueError, "etas"),
    (lambda: Rprop(etas=(1.0, 1.2)), ValueError, "etas"),
    (lambda: Rprop(etas=(1.5, 1.2)), ValueError, "etas"),
    (lambda: Rprop(etas=(0.5, float("inf"))), ValueError, "etas"),
    (lambda: Rprop(etas=(0.5,)), TypeError, "etas"),
    (lambda: Rprop(etas="ab"), TypeError, "etas"),
    (lambda: Rprop(step_sizes=(0.0, 50)), ValueError, "step_sizes"),
    (lambda: Rprop(step_sizes=(-1e-6, 50)), ValueError, "step_sizes"),
    (lambda: Rprop(step_sizes=(1.0, 0.5)), ValueError, "step_sizes"),
    (lambda: Rprop(step_sizes=(1e-6, float("nan"))), ValueError, "step_sizes"),
    (lambda: Rprop(step_sizes=1e-6), TypeError, "step_sizes"),
    (lambda: ASGD(lambd=-1e-4), ValueError, "lambd"),
    (lambda: ASGD(lambd=float("inf")), ValueError, "lambd"),
    (lambda: ASGD(alpha=-0.75), ValueError, "alpha"),
    (lambda: ASGD(alpha=float("nan")), ValueError, "alpha"),
    (lambda: ASGD(t0=-1.0), ValueError, "t0"),
    (lambda: ASGD(t0=float("inf")), ValueError, "t0"),
    (lambda: ASGD(t0="10"), TypeError, "t0"),
    (lambda: NAdam(momentum_decay=-4e-3), ValueError, "momentum_decay"),
    (lambda: NAdam(momentum_decay=float("inf")), ValueError, "momentum_decay"),
    (lambda: NAdam(betas=(0.9, 1.0)), ValueError, "betas"),
    (lambda: NAdam(eps=0.0), ValueError, "eps"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_hyperparameters_name_the_argument(make, exc, name):
    with pytest.raises(exc, match=name):
        make()


def test_rprop_takes_no_weight_decay_and_bounds_may_be_equal():
    with pytest.raises(TypeError, match="weight_decay"):
        Rprop(weight_decay=0.1)
    p = np.zeros(3)
    opt = Rprop(lr=0.3, step_sizes=(0.2, 0.2))  # a constant step of 0.2 (lr clamped)
    for _ in range(4):
        opt.step(p, np.array([1.0, -1.0, 0.0]))
    np.testing.assert_allclose(p, [-0.8, 0.8, 0.0], rtol=1e-15)
