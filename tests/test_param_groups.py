"""Parameter groups (torch's param_groups, issue 21 item 3) on Optimizer.step: every
optimizer with per-group hyper-parameters against torch.optim with the same groups (100
steps, float64, 1e-12), against separate optimizers (the same bits), against the NumPy
twins; schedules scaling every group as torch's schedulers; lr and momentum setters;
state_dict, pickle, reset, repr; bad groups.  The networks' groups are in
tests/test_param_groups_mlp.py; the numbers NAdam's and ASGD's groups carry from step to step
in tests/test_param_groups_carried.py."""
import copy
import math
import pickle

import numpy as np
import pytest

from fastoptim.optim import (ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam,
                             Optimizer, RAdam, RMSProp, Rprop)
from fastoptim.optim.schedules import (CosineDecay, ExponentialDecay, LinearDecay, LRScheduler,
                                       MomentumSchedule, StepDecay)
from fastoptim.optim.transforms import (AddDecayedWeights, Momentum, ScaleByLearningRate,
                                        ScaleByRMS)

SHAPES = [(5, 4), (4,), (4, 3), (3,)]  # two layers' weights and biases

#: id -> (fastoptim class, torch.optim class name, optimizer arguments, groups)
CASES = {
    "sgd-momentum": (SGD, "SGD", dict(lr=0.02, momentum=0.9, weight_decay=0.01),
                     [{"params": [0, 2], "lr": 0.05, "weight_decay": 0.1},
                      {"params": [3], "weight_decay": 0.0, "momentum": 0.5}]),
    "sgd-nesterov": (SGD, "SGD", dict(lr=0.02, momentum=0.8, nesterov=True, weight_decay=0.05),
                     [{"params": [1, 3], "weight_decay": 0.0},
                      {"params": [2], "lr": 0.005, "dampening": 0.0}]),
    "adam": (Adam, "Adam", dict(lr=0.01, weight_decay=0.01),
             [{"params": [1, 3], "weight_decay": 0.0},
              {"params": [2], "lr": 0.003, "betas": (0.8, 0.99), "eps": 1e-6}]),
    "adam-amsgrad-group": (Adam, "Adam", dict(lr=0.01),
                           [{"params": [0], "amsgrad": True, "weight_decay": 0.1}]),
    "adamw": (AdamW, "AdamW", dict(lr=0.01, weight_decay=0.1),
              [{"params": [1, 3], "weight_decay": 0.0}, {"params": [0], "lr": 0.02}]),
    "adagrad": (Adagrad, "Adagrad", dict(lr=0.1, weight_decay=0.01),
                [{"params": [0], "lr": 0.05, "eps": 1e-6},
                 {"params": [1], "weight_decay": 0.0, "lr_decay": 0.01}]),
    "rmsprop": (RMSProp, "RMSprop", dict(lr=0.01, weight_decay=0.01),
                [{"params": [0, 1], "centered": True, "momentum": 0.9, "lr": 0.002},
                 {"params": [3], "weight_decay": 0.0}]),
    "adadelta": (Adadelta, "Adadelta", dict(lr=1.0, weight_decay=0.01),
                 [{"params": [2], "lr": 0.5, "rho": 0.95}, {"params": [3], "weight_decay": 0.0}]),
    "adamax": (Adamax, "Adamax", dict(lr=0.01, weight_decay=0.01),
               [{"params": [0, 2], "lr": 0.02}, {"params": [1, 3], "weight_decay": 0.0}]),
    "radam": (RAdam, "RAdam", dict(lr=0.01, weight_decay=0.01),
              [{"params": [0, 2], "lr": 0.02, "weight_decay": 0.1}]),
    # the carried scalars are each group's: mu_product follows the group's betas and
    # momentum_decay, eta the group's lr, lambd and alpha
    "nadam": (NAdam, "NAdam", dict(lr=0.01, weight_decay=0.01),
              [{"params": [1, 3], "weight_decay": 0.0, "lr": 0.02},
               {"params": [2], "lr": 0.003, "betas": (0.7, 0.99), "momentum_decay": 0.02}]),
    "nadamw-betas": (NAdam, "NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
                     [{"params": [0], "betas": (0.8, 0.9), "weight_decay": 0.0}]),
    "asgd": (ASGD, "ASGD", dict(lr=0.05, lambd=0.01, t0=10, weight_decay=0.01),
             [{"params": [1, 3], "weight_decay": 0.0, "lambd": 0.2},
              {"params": [2], "lr": 0.01, "alpha": 0.5, "t0": 3}]),
    "rprop": (Rprop, "Rprop", dict(lr=0.01),
              [{"params": [1, 3], "lr": 0.05, "etas": (0.3, 1.5)},
               {"params": [2], "step_sizes": (1e-4, 0.2)}]),
}

#: groups whose torch counterpart differs: torch.optim.Adagrad fills every state with the
#: constructor's initial_accumulator_value, a group's own is not read (fastoptim's is)
OURS_ONLY = {
    "adagrad-initial-accumulator": (Adagrad, None, dict(lr=0.1, initial_accumulator_value=0.1),
                                    [{"params": [0, 3], "initial_accumulator_value": 0.5}]),
}


def _params(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _grads(n_steps=100, seed=1, dtype=np.float64):
    """Gradients whose scale varies per coordinate and per step (the adaptive rules'
    states grow and shrink)."""
    rng = np.random.default_rng(seed)
    scales = [10.0 ** rng.uniform(-2, 1, size=s) for s in SHAPES]
    return [[(c * math.exp(rng.normal(0, 0.7)) * rng.standard_normal(c.shape)).astype(dtype)
             for c in scales] for _ in range(n_steps)]


def _relerr(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def _torch_run(torch_name, kw, groups, p0, grads, lr_at=None, scheduler=None):
    """torch.optim over tensors of p0 with the same groups (those in no group: a last
    group with the defaults), fed the given gradients; per step, the tensors' values.
    torch's default dtype is float64 meanwhile, so that its scalar state (the step count,
    NAdam's mu_product, ASGD's eta) is float64 too, as fastoptim's."""
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return _torch_steps(torch, torch_name, kw, groups, p0, grads, lr_at, scheduler)
    finally:
        torch.set_default_dtype(before)


def _torch_steps(torch, torch_name, kw, groups, p0, grads, lr_at, scheduler):
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in p0]
    grouped = {i for g in groups for i in g["params"]}
    tgroups = [dict(g, params=[tensors[i] for i in g["params"]]) for g in groups]
    rest = [t for i, t in enumerate(tensors) if i not in grouped]
    if rest:
        tgroups.append({"params": rest})
    opt = getattr(torch.optim, torch_name)(tgroups, **kw)
    sched = scheduler(opt) if scheduler is not None else None
    out, rates = [], []
    for t, gs in enumerate(grads):
        rates.append([g["lr"] for g in opt.param_groups])
        for tensor, g in zip(tensors, gs):
            tensor.grad = torch.from_numpy(g.copy())
        opt.step()
        if sched is not None and lr_at is not None and lr_at(t):
            sched.step()
        out.append([tensor.detach().numpy().copy() for tensor in tensors])
    return out, rates


def _ours_run(opt, p0, grads, lr_at=None, scheduler=None, numpy_twin=False):
    ps = [p.copy() for p in p0]
    sched = scheduler(opt) if scheduler is not None else None
    out, rates = [], []
    for t, gs in enumerate(grads):
        rates.append([g["lr"] for g in opt.param_groups])
        (opt.step_numpy if numpy_twin else opt.step)(ps, gs)
        if sched is not None and lr_at is not None and lr_at(t):
            sched.step()
        out.append([p.copy() for p in ps])
    return out, rates


@pytest.mark.parametrize("case", list(CASES))
def test_groups_match_torch_param_groups(case):
    cls, torch_name, kw, groups = CASES[case]
    p0, grads = _params(), _grads()
    theirs, _ = _torch_run(torch_name, kw, groups, p0, grads)
    ours, _ = _ours_run(cls(**kw, param_groups=groups), p0, grads)
    for mine, torchs in zip(ours, theirs):
        for a, b in zip(mine, torchs):
            assert _relerr(a, b) < 1e-12
    # and the parameter groups moved differently from the defaults' trajectory
    plain, _ = _ours_run(cls(**kw), p0, grads)
    assert any(_relerr(a, b) > 1e-6 for a, b in zip(ours[-1], plain[-1]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", list(CASES) + list(OURS_ONLY))
def test_groups_equal_separate_optimizers_bit_for_bit(case, dtype):
    cls, _, kw, groups = {**CASES, **OURS_ONLY}[case]
    p0, grads = _params(dtype=dtype), _grads(30, dtype=dtype)
    ours, _ = _ours_run(cls(**kw, param_groups=groups), p0, grads)
    grouped = {i for g in groups for i in g["params"]}
    parts = [(list(g["params"]), cls(**dict(kw, **{k: v for k, v in g.items() if k != "params"})))
             for g in groups] + [([i for i in range(len(SHAPES)) if i not in grouped], cls(**kw))]
    ps = [p.copy() for p in p0]
    for gs in grads:
        for idx, opt in parts:
            if idx:
                opt.step([ps[i] for i in idx], [gs[i] for i in idx])
    for a, b in zip(ours[-1], ps):
        assert a.dtype == dtype and np.array_equal(a, b)


@pytest.mark.parametrize("case", list(CASES) + list(OURS_ONLY))
def test_numpy_twin_applies_the_groups(case):
    cls, _, kw, groups = {**CASES, **OURS_ONLY}[case]
    p0, grads = _params(), _grads(40)
    ours, _ = _ours_run(cls(**kw, param_groups=groups), p0, grads)
    twin, _ = _ours_run(cls(**kw, param_groups=groups), p0, grads, numpy_twin=True)
    for a, b in zip(ours[-1], twin[-1]):
        assert _relerr(a, b) < 1e-12


@pytest.mark.parametrize("ours_schedule, theirs, case", [
    (StepDecay(0.02, step_size=3, gamma=0.5), lambda L: (lambda o: L.StepLR(o, 3, gamma=0.5)),
     "sgd-momentum"),
    (ExponentialDecay(0.01, -math.log(0.9)), lambda L: (lambda o: L.ExponentialLR(o, 0.9)),
     "adam"),
    # (torch's eta_min is a floor of every group, not a factor: without it the two agree)
    (CosineDecay(0.01, 25), lambda L: (lambda o: L.CosineAnnealingLR(o, 25)), "adamw"),
    (LinearDecay(0.01, 10, final_lr=0.002),
     lambda L: (lambda o: L.LinearLR(o, 1.0, 0.2, total_iters=10)), "rmsprop"),
    # ASGD's eta of each group follows the group's scheduled rate, one step late as torch's
    (StepDecay(0.05, step_size=3, gamma=0.5), lambda L: (lambda o: L.StepLR(o, 3, gamma=0.5)),
     "asgd"),
    (ExponentialDecay(0.01, -math.log(0.9)), lambda L: (lambda o: L.ExponentialLR(o, 0.9)),
     "nadam"),
], ids=["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "StepLR-ASGD",
        "ExponentialLR-NAdam"])
def test_schedules_scale_every_group_as_torchs_schedulers(ours_schedule, theirs, case):
    """20 epochs of 5 steps, the scheduler stepped after each epoch: torch's scheduler
    scales each group's initial rate by the schedule's factor, and so does ours (for a
    group that sets no lr, the factor times the optimizer's rate)."""
    torch = pytest.importorskip("torch")
    cls, torch_name, kw, groups = CASES[case]
    p0, grads = _params(), _grads(100)
    epoch_end = lambda t: t % 5 == 4
    their_traj, their_rates = _torch_run(torch_name, kw, groups, p0, grads, lr_at=epoch_end,
                                         scheduler=theirs(torch.optim.lr_scheduler))
    our_traj, our_rates = _ours_run(cls(**kw, param_groups=groups), p0, grads, lr_at=epoch_end,
                                    scheduler=lambda o: LRScheduler(o, ours_schedule))
    np.testing.assert_allclose(np.array(our_rates), np.array(their_rates), rtol=1e-12, atol=0)
    for mine, torchs in zip(our_traj, their_traj):
        for a, b in zip(mine, torchs):
            assert _relerr(a, b) < 1e-12
    # the rates are not all the same: the groups keep their own
    assert len({round(r, 15) for r in our_rates[-1]}) > 1


def test_lr_setter_scales_each_group_and_is_exact_at_the_initial_rate():
    opt = Adam(lr=1e-3, param_groups=[{"params": [0], "lr": 3e-4}, {"params": [1]}])
    assert [g["lr"] for g in opt.param_groups] == [3e-4, 1e-3, 1e-3]
    opt.lr = 1e-2
    assert [g["lr"] for g in opt.param_groups] == [3e-4 * (1e-2 / 1e-3), 1e-2, 1e-2]
    opt.lr = 1e-3  # back at the constructor's rate: the groups' own, bit for bit
    assert [g["lr"] for g in opt.param_groups] == [3e-4, 1e-3, 1e-3]
    with pytest.raises(ValueError, match="lr must be > 0"):
        opt.lr = 0.0
    tiny = SGD(lr=1.0, param_groups=[{"params": [0], "lr": 1e-300}])
    with pytest.raises(ValueError, match="scales a group's rate"):
        tiny.lr = 1e-30
    assert [g["lr"] for g in tiny.param_groups] == [1e-300, 1.0]  # nothing changed


def test_momentum_setter_and_schedule_set_every_group_with_momentum():
    opt = SGD(lr=0.1, momentum=0.9, param_groups=[{"params": [0], "momentum": 0.5},
                                                  {"params": [1], "momentum": 0.0}])
    sched = LRScheduler(opt, MomentumSchedule(0.95))
    assert [g["momentum"] for g in opt.param_groups] == [0.5, 0.0, 0.5]
    assert sched.get_last_lr() == [0.5, 0.0, 0.5]
    opt.momentum = 0.7
    assert [g["momentum"] for g in opt.param_groups] == [0.7, 0.0, 0.7]
    no_momentum = SGD(lr=0.1, param_groups=[{"params": [0], "lr": 0.2}])
    with pytest.raises(ValueError, match="momentum=0"):
        no_momentum.momentum = 0.5
    only_a_group = SGD(lr=0.1, param_groups=[{"params": [0], "momentum": 0.9}])
    only_a_group.momentum = 0.6
    assert [g["momentum"] for g in only_a_group.param_groups] == [0.6, 0.0]


def test_param_groups_view_and_state_dict_layout():
    opt = SGD(lr=0.1, momentum=0.9, param_groups=[{"params": [2, 0], "lr": 0.01}])
    groups = opt.param_groups
    assert len(groups) == 2 and groups[0]["params"] == [2, 0] and groups[1]["params"] is None
    assert groups[0]["lr"] == 0.01 and groups[1]["lr"] == 0.1
    assert groups[0]["momentum"] == groups[1]["momentum"] == 0.9
    groups[0]["params"].append(1)  # a copy: the optimizer's groups do not change
    assert opt.param_groups[0]["params"] == [2, 0]
    for write in (lambda g: g.__setitem__("lr", 0.5), lambda g: g.update(lr=0.5),
                  lambda g: g.pop("lr"), lambda g: g.setdefault("x", 1)):
        with pytest.raises(TypeError, match="param_groups is read only.*set opt.lr"):
            write(opt.param_groups[0])  # torch's `group['lr'] = ...` would be a silent no-op
    for copied in (copy.copy(groups[0]), copy.deepcopy(groups[0]), groups[0].copy(),
                   pickle.loads(pickle.dumps(groups[0]))):
        copied["lr"] = 1.0  # copies are plain dicts
        assert type(copied) is dict
    opt.step(_params(), _grads(1)[0])
    sd = opt.state_dict()
    assert sd["param_groups"] == opt.param_groups and sorted(sd["state"]) == [0, 1, 2, 3]
    assert all(type(g) is dict for g in sd["param_groups"])  # plain data
    assert all(set(st) == {"s1", "step"} for st in sd["state"].values())
    # no groups: one group of every array, as before
    plain = SGD(lr=0.1)
    plain.step(_params(), _grads(1)[0])
    assert [g["params"] for g in plain.param_groups] == [[0, 1, 2, 3]]


@pytest.mark.parametrize("case", list(CASES))
def test_state_dict_pickle_and_deepcopy_continue_bit_for_bit(case):
    cls, _, kw, groups = CASES[case]
    p0, grads = _params(), _grads(40)
    opt = cls(**kw, param_groups=groups)
    ps = [p.copy() for p in p0]
    for gs in grads[:20]:
        opt.step(ps, gs)
    opt.lr = kw["lr"] * 0.3  # a schedule's rate: the groups' scaled ones travel too
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    again = cls(**kw, param_groups=groups)
    again.load_state_dict(saved)
    clones = [again, pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)]
    assert all(c.param_groups == opt.param_groups for c in clones)
    qs = [[p.copy() for p in ps] for _ in clones]
    for gs in grads[20:]:
        opt.step(ps, gs)
        for c, q in zip(clones, qs):
            c.step(q, gs)
    for q in qs:
        assert all(np.array_equal(a, b) for a, b in zip(ps, q))


def test_load_state_dict_refuses_other_groups():
    groups = [{"params": [0, 2], "lr": 0.05}]
    opt = Adam(lr=0.01, param_groups=groups)
    opt.step(_params(), _grads(1)[0])
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="must hold 1 group"):
        Adam(lr=0.01).load_state_dict(sd)
    with pytest.raises(ValueError, match="must hold 2 group"):
        Adam(lr=0.01, param_groups=groups).load_state_dict(Adam(lr=0.01).state_dict())
    with pytest.raises(ValueError, match="group 0: its params"):
        Adam(lr=0.01, param_groups=[{"params": [0, 1], "lr": 0.05}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0: its eps"):
        Adam(lr=0.01, param_groups=[dict(groups[0], eps=1e-6)]).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0's lr=0.05"):  # another group rate
        Adam(lr=0.01, param_groups=[{"params": [0, 2], "lr": 0.02}]).load_state_dict(sd)
    amsgrad = Adam(lr=0.01, param_groups=[dict(groups[0], amsgrad=True)])
    with pytest.raises(ValueError, match="another optimizer"):
        amsgrad.load_state_dict(sd)
    target = Adam(lr=0.01, param_groups=groups)
    target.load_state_dict(sd)
    assert target.param_groups == opt.param_groups and target.n_steps == 1


def test_reset_and_repr():
    opt = RMSProp(lr=0.01, param_groups=[{"params": [1], "weight_decay": 0.1, "centered": True}])
    opt.step(_params(), _grads(1)[0])
    assert set(opt.state[1]) == {"s2", "s3"} and set(opt.state[0]) == {"s2"}
    opt.reset()
    assert opt.state is None and opt.n_steps == 0
    opt.step([np.zeros(3), np.zeros(2)], [np.ones(3), np.ones(2)])  # another shape after reset
    text = repr(opt)
    assert text == ("RMSProp(lr=0.01, param_groups=[{'params': [1], 'weight_decay': 0.1, "
                    "'centered': True}])")
    assert repr(eval(text)) == text


def test_hand_built_chain_groups_set_lr_and_weight_decay():
    chain = (AddDecayedWeights(0.1), ScaleByRMS(0.9, 1e-7), Momentum(0.8),
             ScaleByLearningRate(0.01))
    groups = [{"params": [1, 3], "weight_decay": 0.0}, {"params": [0], "lr": 0.002}]
    opt = Optimizer(*chain, param_groups=groups)
    p0, grads = _params(), _grads(20)
    ours, _ = _ours_run(opt, p0, grads)
    twin, _ = _ours_run(Optimizer(*chain, param_groups=groups), p0, grads, numpy_twin=True)
    separate = [Optimizer(AddDecayedWeights(0.0), *chain[1:]),
                Optimizer(*chain[:3], ScaleByLearningRate(0.002)), Optimizer(*chain)]
    ps = [p.copy() for p in p0]
    for gs in grads:
        for idx, o in zip(([1, 3], [0], [2]), separate):
            o.step([ps[i] for i in idx], [gs[i] for i in idx])
    assert all(np.array_equal(a, b) for a, b in zip(ours[-1], ps))
    assert all(_relerr(a, b) < 1e-12 for a, b in zip(ours[-1], twin[-1]))
    assert opt.param_groups[0]["weight_decay"] == 0.0
    assert "param_groups=[{'params': [1, 3], 'weight_decay': 0.0}" in repr(opt)
    with pytest.raises(ValueError, match=r"key 'eps'.*may set 'lr', 'weight_decay'"):
        Optimizer(*chain, param_groups=[{"params": [0], "eps": 1e-3}])
    with pytest.raises(ValueError, match=r"key 'weight_decay'.*may set 'lr'$"):
        Optimizer(ScaleByLearningRate(0.1), param_groups=[{"params": [0], "weight_decay": 0.1}])


def test_groups_inherit_the_optimizer_wide_settings():
    opt = SGD(lr=0.1, maximize=True, param_groups=[{"params": [0], "lr": 0.2}])
    p = [np.zeros(2), np.zeros(2)]
    opt.step(p, [np.ones(2), np.ones(2)])
    assert p[0].tolist() == [0.2, 0.2] and p[1].tolist() == [0.1, 0.1]
    strict = SGD(lr=1e300, param_groups=[{"params": [1], "lr": 1e-3}])
    p = [np.ones(2), np.ones(2)]
    with pytest.raises(FloatingPointError, match="params\\[0\\]"):
        strict.step(p, [np.full(2, 1e10), np.ones(2)])
    assert p[1].tolist() == [1.0, 1.0]  # the refused step changed no array


@pytest.mark.parametrize("groups, exc, match", [
    ({"params": [0]}, TypeError, "param_groups must be a list of dicts"),
    ("biases", TypeError, "param_groups must be a list of dicts"),
    ([[0, 1]], TypeError, r"param_groups\[0\] must be a dict"),
    ([{"lr": 0.1}], ValueError, r"param_groups\[0\] has no 'params'"),
    ([{"params": []}], ValueError, r"param_groups\[0\]\['params'\] is empty"),
    ([{"params": [0, 1.5]}], TypeError, r"param_groups\[0\]\['params'\] must be indices"),
    ([{"params": True}], TypeError, r"param_groups\[0\]\['params'\] must be indices"),
    ([{"params": [-1]}], ValueError, r"param_groups\[0\]\['params'\] holds -1"),
    ([{"params": [0, 1]}, {"params": [2, 1]}], ValueError,
     r"param_groups\[1\]\['params'\] holds 1, which param_groups\[0\] holds too"),
    ([{"params": [0], "learning_rate": 0.1}], ValueError,
     r"param_groups\[0\] has the key 'learning_rate', which is not a hyper-parameter of Adam"),
    ([{"params": [0], "maximize": True}], ValueError,
     r"param_groups\[0\] has the key 'maximize', which is the whole optimizer's"),
    ([{"params": [0], "n_threads": 2}], ValueError, "the whole optimizer's"),
    ([{"params": [0]}, {"params": [1], "lr": -1.0}], ValueError,
     r"param_groups\[1\]: lr must be > 0"),
    ([{"params": [0], "weight_decay": float("nan")}], ValueError,
     r"param_groups\[0\]: weight_decay must be finite"),
    ([{"params": [0], "betas": (0.9, 1.0)}], ValueError, r"param_groups\[0\]: betas\[1\]"),
    ([{"params": [0], "betas": 0.9}], TypeError, r"param_groups\[0\]: betas must be a pair"),
])
def test_bad_groups_name_the_group_and_the_key(groups, exc, match):
    with pytest.raises(exc, match=match):
        Adam(lr=0.01, param_groups=groups)


def test_bad_sgd_group_values_are_sgds_checks():
    with pytest.raises(ValueError, match=r"param_groups\[0\]: nesterov=True needs momentum"):
        SGD(lr=0.1, param_groups=[{"params": [0], "nesterov": True}])
    with pytest.raises(ValueError, match=r"param_groups\[0\]: momentum must be < 1"):
        SGD(lr=0.1, momentum=0.5, param_groups=[{"params": [0], "momentum": 1.0}])


def test_indices_past_the_arrays_and_names_are_refused_at_step():
    opt = Adam(param_groups=[{"params": [1, 4]}])
    p = [np.zeros(2) for _ in range(3)]
    with pytest.raises(ValueError, match=r"param_groups\[0\]\['params'\] holds 4, but step\(\)'s "
                                         r"list has 3 arrays"):
        opt.step(p, [np.ones(2)] * 3)
    assert opt.state is None and opt.n_steps == 0 and p[1].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="step_numpy|step\\(\\)'s list"):
        opt.step_numpy(p, [np.ones(2)] * 3)
    named = Adam(param_groups=[{"params": "biases", "weight_decay": 0.0}])
    with pytest.raises(ValueError, match="names 'biases', a network's arrays"):
        named.step(p, [np.ones(2)] * 3)
    single = Adam(param_groups=[{"params": 0, "lr": 0.1}])  # one int, one array
    q = np.zeros(2)
    single.step(q, np.ones(2))
    assert single.param_groups[0]["params"] == [0] and np.allclose(q, -0.1)


def test_linear_models_refuse_groups():
    from fastoptim import LogisticRegression
    X = np.random.default_rng(0).standard_normal((40, 3))
    y = (X[:, 0] > 0).astype(int)
    opt = SGD(lr=0.1, param_groups=[{"params": [1], "lr": 0.01}])
    with pytest.raises(ValueError, match="param_groups.*linear models' epoch"):
        LogisticRegression(solver=opt, max_iter=2).fit(X, y)
