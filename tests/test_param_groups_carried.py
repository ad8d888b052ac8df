"""Parameter groups (issue 21, item 3) with the rules that carry numbers from step to step
(item 1): NAdam's mu_product follows a group's betas and momentum_decay, ASGD's eta a group's
lr, lambd and alpha, so every group carries its own, moved past every step (a group of no
array too) -- by step(), step_numpy(), the networks' C epoch (each distinct segment rule
once per step), through state_dict, pickles and the networks' epochs.  The trajectories
against torch.optim's groups are in tests/test_param_groups.py (CASES), the networks'
against torch's nn.Sequential in tests/test_mlp_torch.py (GROUPED), the model files in
tests/test_model_io_mlp.py."""
import copy
import pickle
import warnings

import numpy as np
import pytest

from fastoptim import MLPClassifier
from fastoptim._core import _mlp
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.neural_network import Network
from fastoptim.optim import ASGD, NAdam
from fastoptim.optim.transforms import nadam_momentum

SHAPES = [(5, 4), (4,), (4, 3), (3,)]


def _product(beta1, psi, n):
    out = 1.0
    for i in range(1, n + 1):
        out *= nadam_momentum(beta1, psi, i)
    return out


def _eta(lr, lambd, alpha, n):
    """ASGD's eta after n steps at the constant rate lr (torch's formula)."""
    return lr / (1 + lambd * lr * n) ** alpha


def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in SHAPES]


#: groups that hold every array of step()'s list, so that the default group has none
NADAM_GROUPS = [{"params": [0, 2], "betas": (0.8, 0.99), "momentum_decay": 0.05},
                {"params": [1, 3], "lr": 0.02, "betas": (0.6, 0.9)}]
ASGD_GROUPS = [{"params": [0, 2], "lambd": 0.2, "alpha": 0.5},
               {"params": [1, 3], "lr": 0.05, "lambd": 0.05}]


@pytest.mark.parametrize("numpy_twin", [False, True], ids=["step", "step_numpy"])
def test_every_group_carries_its_own_scalars(numpy_twin):
    """After n steps each group's carried number is its closed form of n steps with the
    group's own hyper-parameters -- the default group's as well, though it has no array."""
    n = 13
    nadam = NAdam(lr=0.01, betas=(0.9, 0.999), momentum_decay=4e-3, param_groups=NADAM_GROUPS)
    asgd = ASGD(lr=0.01, lambd=1e-3, alpha=0.75, param_groups=ASGD_GROUPS)
    for opt in (nadam, asgd):
        ps = _arrays()
        for k in range(n):
            (opt.step_numpy if numpy_twin else opt.step)(ps, _arrays(k + 1))
    assert [c._scalars["mu_product"] for c in nadam._chains()] == [
        _product(0.8, 0.05, n), _product(0.6, 4e-3, n), _product(0.9, 4e-3, n)]
    assert [c._scalars["eta"] for c in asgd._chains()] == [
        _eta(0.01, 0.2, 0.5, n), _eta(0.05, 0.05, 0.75, n), _eta(0.01, 1e-3, 0.75, n)]


def test_step_and_the_numpy_twin_carry_the_same_numbers():
    for make in (lambda: NAdam(lr=0.01, param_groups=NADAM_GROUPS[:1]),
                 lambda: ASGD(lr=0.02, t0=3, param_groups=ASGD_GROUPS[1:])):
        ours, twin = make(), make()
        p, q = _arrays(), _arrays()
        for k in range(20):
            ours.step(p, _arrays(k + 1))
            twin.step_numpy(q, _arrays(k + 1))
        assert [c._scalars for c in ours._chains()] == [c._scalars for c in twin._chains()]
        for a, b in zip(p, q):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_state_dict_holds_each_groups_scalars_and_continues_bit_for_bit():
    groups = [{"params": [1, 3], "betas": (0.7, 0.95)}, {"params": [0], "momentum_decay": 0.1}]
    opt = NAdam(lr=0.01, weight_decay=0.01, param_groups=groups)
    ps = _arrays()
    for k in range(7):
        opt.step(ps, _arrays(k + 1))
    sd = opt.state_dict()
    own = [_product(0.7, 4e-3, 7), _product(0.9, 0.1, 7), _product(0.9, 4e-3, 7)]
    # torch's layout: each array's state holds its group's; each group's entry too
    assert [sd["state"][i]["mu_product"] for i in range(4)] == [own[1], own[0], own[2], own[0]]
    assert [g["mu_product"] for g in sd["param_groups"]] == own
    assert sd["param_groups"] == opt.param_groups
    again = NAdam(lr=0.01, weight_decay=0.01, param_groups=groups)
    again.load_state_dict(pickle.loads(pickle.dumps(sd)))
    clones = [again, pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)]
    assert all([c._scalars for c in clone._chains()] == [c._scalars for c in opt._chains()]
               for clone in clones)
    qs = [[p.copy() for p in ps] for _ in clones]
    for k in range(7, 20):
        opt.step(ps, _arrays(k + 1))
        for c, q in zip(clones, qs):
            c.step(q, _arrays(k + 1))
    assert all(np.array_equal(a, b) for q in qs for a, b in zip(ps, q))
    # reset forgets every group's
    opt.reset()
    assert all(c._scalars == {} for c in opt._chains())


def test_a_group_of_no_array_keeps_its_scalars_through_state_dict():
    opt = ASGD(lr=0.01, param_groups=ASGD_GROUPS)  # the default group holds no array
    ps = _arrays()
    for k in range(5):
        opt.step(ps, _arrays(k + 1))
    sd = opt.state_dict()
    assert sd["param_groups"][-1]["eta"] == _eta(0.01, 1e-4, 0.75, 5)
    again = ASGD(lr=0.01, param_groups=ASGD_GROUPS)
    again.load_state_dict(sd)
    assert [c._scalars for c in again._chains()] == [c._scalars for c in opt._chains()]


def test_load_state_dict_checks_the_groups_scalars():
    groups = [{"params": [0, 1], "betas": (0.7, 0.95)}]
    opt = NAdam(lr=0.01, param_groups=groups)
    opt.step(_arrays(), _arrays(1))
    sd = opt.state_dict()
    for edit, match in (
            (lambda d: d["state"][1].update(mu_product=0.5),
             r"parameter arrays and param_groups\[0\] disagree on mu_product"),
            (lambda d: d["param_groups"][0].update(mu_product=0.5),
             r"parameter arrays and param_groups\[0\] disagree on mu_product"),
            (lambda d: d["param_groups"][1].pop("mu_product"),
             r"state_dict\['param_groups'\]\[1\]\['mu_product'\] must be a number in \[0, 1\], "
             r"got None"),
            (lambda d: d["state"][2].pop("mu_product"),
             r"state_dict\['state'\]\[2\]\['mu_product'\] must be a number in \[0, 1\]")):
        d = pickle.loads(pickle.dumps(sd))
        edit(d)
        target = NAdam(lr=0.01, param_groups=groups)
        with pytest.raises(ValueError, match=match):
            target.load_state_dict(d)
        assert target.state is None and all(c._scalars == {} for c in target._chains())


# -- the networks: one C epoch, a rule per group, segments sharing one ------------------------

def _problem(n=40, p=5, K=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, np.eye(K)[np.argmax(X @ rng.standard_normal((p, K)), axis=1)]


def _pieces(net, buffer):
    """Views of a buffer's arrays in Network.param_names' order (no batch norm)."""
    coefs, intercepts = net.unpack(buffer)
    return [a for pair in zip(coefs, intercepts) for a in pair]


NETWORK_CASES = {  # id -> (make(param_groups), the groups by name, the same by index)
    "nadam": (lambda g: NAdam(lr=0.01, weight_decay=0.01, param_groups=g),
              [{"params": "biases", "lr": 0.02, "betas": (0.7, 0.95), "weight_decay": 0.0},
               {"params": "weights[-1]", "momentum_decay": 0.05}],
              [{"params": [1, 3], "lr": 0.02, "betas": (0.7, 0.95), "weight_decay": 0.0},
               {"params": [2], "momentum_decay": 0.05}]),
    "asgd": (lambda g: ASGD(lr=0.02, lambd=0.01, t0=4, weight_decay=0.01, param_groups=g),
             [{"params": "biases", "lr": 0.05, "lambd": 0.3, "alpha": 0.5},
              {"params": "weights[-1]", "lambd": 0.1, "weight_decay": 0.0}],
             [{"params": [1, 3], "lr": 0.05, "lambd": 0.3, "alpha": 0.5},
              {"params": [2], "lambd": 0.1, "weight_decay": 0.0}]),
}


@pytest.mark.parametrize("case", list(NETWORK_CASES))
def test_network_epochs_equal_step_on_the_arrays(case):
    """Mini-batch epochs (4 steps in each C call, the biases' group and the default group each
    on two segments of the buffer): the parameters as step() moves the same arrays with the
    same groups, and every group's carried number the same bits -- each distinct segment rule
    moved once per step."""
    make, by_name, by_index = NETWORK_CASES[case]
    X, Y = _problem()
    net = Network((5, 4, 3), "tanh")
    params = net.pack([np.random.default_rng(1).standard_normal((5, 4)),
                       np.random.default_rng(2).standard_normal((4, 3))],
                      [np.full(4, 0.1), np.full(3, -0.1)])
    opt, ref = make(by_name), make(by_index)
    assert net._segments(opt)[:, 2].tolist() == [2, 0, 1, 0]  # [w0] [b0] [w1] [b1]
    q = params.copy()
    for epoch in range(3):
        net.train_epoch(X, Y, params, opt, batch_size=10, shuffle=False)
        for lo in range(0, 40, 10):
            _, grad = net.loss_grad(X[lo:lo + 10], Y[lo:lo + 10], q)
            ref.step(_pieces(net, q), [a.copy() for a in _pieces(net, grad)])
    assert opt.n_steps == ref.n_steps == 12
    np.testing.assert_allclose(params, q, rtol=1e-12, atol=1e-14)
    assert [c._scalars for c in opt._chains()] == [c._scalars for c in ref._chains()]
    key = "mu_product" if case == "nadam" else "eta"
    assert len({c._scalars[key] for c in opt._chains()}) == 3  # every group its own
    if case == "nadam":
        assert opt._chains()[0]._scalars[key] == _product(0.7, 4e-3, 12)


def test_network_group_of_no_segment_moves_too():
    """Groups that hold every array of the network: the default group has no segment, and its
    eta still moves past every step (the glue advances it to the epoch's step)."""
    X, Y = _problem()
    net = Network((5, 4, 3), "tanh")
    params = np.random.default_rng(0).standard_normal(net.n_params) * 0.3
    opt = ASGD(lr=0.02, lambd=0.01, param_groups=[{"params": "weights", "lambd": 0.2},
                                                  {"params": "biases", "lr": 0.05}])
    assert 2 not in net._segments(opt)[:, 2].tolist()
    for epoch in range(2):
        net.train_epoch(X, Y, params, opt, batch_size=8, seed=epoch)
    assert [c._scalars["eta"] for c in opt._chains()] == [
        _eta(0.02, 0.2, 0.75, 10), _eta(0.05, 0.01, 0.75, 10), _eta(0.02, 0.01, 0.75, 10)]


def test_c_epoch_returns_every_groups_carried_numbers():
    X, Y = _problem(n=20)
    net = Network((5, 3), "tanh")
    params = np.zeros(net.n_params)
    opt = NAdam(lr=0.01, betas=(0.9, 0.999))
    shared, other = dict(opt._rule, t=1), dict(NAdam(betas=(0.5, 0.9))._rule, t=1)
    config = dict(batch_size=5, seed=0, shuffle=False, l2=0.0, weight_scale=1.0,
                  bn_momentum=0.1, dropout_seed=0)
    s = [np.zeros(net.n_params) for _ in range(2)]
    n = net.n_params
    # rule 0 on two segments (moved once per step), rule 1 on one, rule 2 on none
    status, _, carried = _mlp.epoch(
        net._sizes, net._arch, config, shared, X.reshape(-1), None, None, 20, Y.reshape(-1),
        None, params, net.new_running(), s[0], s[1], None, None, [shared, other, other],
        np.array([[0, 4, 0], [4, 6, 1], [10, n - 10, 0]], dtype=np.int64))
    assert status == 0 and [c["t"] for c in carried] == [5, 5, 5]
    assert [c["mu_product"] for c in carried] == [
        _product(0.9, 4e-3, 4), _product(0.5, 4e-3, 4), _product(0.5, 4e-3, 4)]


def test_network_state_dict_with_groups_continues_bit_for_bit():
    """A network's optimizer state is one buffer over its groups: state_dict keeps every
    group's carried number in its param_groups entry, and a loaded optimizer goes on."""
    make, by_name, _ = NETWORK_CASES["asgd"]
    X, Y = _problem()
    net = Network((5, 4, 3), "tanh")
    params = np.random.default_rng(0).standard_normal(net.n_params) * 0.3
    opt = make(by_name)
    net.train_epoch(X, Y, params, opt, batch_size=8, seed=0)
    sd = opt.state_dict()
    assert set(sd["state"][0]) == {"s1", "step"}  # the buffer spans the groups: none there
    assert [g["eta"] for g in sd["param_groups"]] == [c._scalars["eta"] for c in opt._chains()]
    again = make(by_name)
    again.load_state_dict(pickle.loads(pickle.dumps(sd)))
    q = params.copy()
    for epoch in (1, 2):
        net.train_epoch(X, Y, params, opt, batch_size=8, seed=epoch)
        net.train_epoch(X, Y, q, again, batch_size=8, seed=epoch)
    assert np.array_equal(params, q)
    assert [c._scalars for c in again._chains()] == [c._scalars for c in opt._chains()]


def test_classifier_with_grouped_nadam_pickles_and_continues():
    X, Y = _problem(n=60)
    y = np.argmax(Y, axis=1)
    solver = NAdam(lr=0.01, param_groups=[{"params": "biases", "betas": (0.7, 0.9)}])
    est = MLPClassifier((6,), solver=solver, batch_size=16, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    for m in (est, clone):
        m.partial_fit(X, y)
    assert np.array_equal(est.coefs_[0], clone.coefs_[0])
    groups = est._optimizer._chains()
    assert groups[0]._scalars["mu_product"] == _product(0.7, 4e-3, est._optimizer.n_steps)
    assert [c._scalars for c in groups] == [c._scalars for c in clone._optimizer._chains()]
