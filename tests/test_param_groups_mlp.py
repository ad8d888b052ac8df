"""Parameter groups on the networks (issue 21, item 3): Network.train_epoch's per-segment
rules in C (fo_mlp_epoch's segments) -- groups that change nothing give the one-rule
epoch's bits, a refused step changes no segment, bad segments are refused by C; the
names of a network's arrays and their errors; MLPClassifier / MLPRegressor with groups
(pickle, partial_fit, float32).  The trajectories against torch's nn.Sequential with the
same groups are in tests/test_mlp_torch.py, the model files in tests/test_model_io_mlp.py,
the dask path in tests/test_dask_mlp.py."""
import pickle
import warnings

import numpy as np
import pytest

from fastoptim import MLPClassifier, MLPRegressor
from fastoptim._core import _mlp, _status
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.neural_network import Network
from fastoptim.optim import SGD, Adagrad, Adam, RMSProp


def _problem(n=90, p=5, K=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)).astype(dtype)
    y = np.argmax(X @ rng.standard_normal((p, K)), axis=1)
    return X, np.eye(K, dtype=dtype)[y], y


def _epochs(net, opt, X, Y, params, n_epochs=3, **kw):
    running = net.new_running()
    for e in range(n_epochs):
        net.train_epoch(X, Y, params, opt, batch_size=16, seed=e, running=running, **kw)
    return params, running


#: optimizers whose groups set what the optimizer sets: the same steps as without groups
SAME = {
    "adam": (lambda **g: Adam(lr=0.01, weight_decay=0.01, **g),
             [{"params": "biases", "lr": 0.01}, {"params": [0], "weight_decay": 0.01}]),
    "sgd": (lambda **g: SGD(lr=0.05, momentum=0.9, **g),
            [{"params": ["gammas", "betas"], "momentum": 0.9}, {"params": "weights[-1]"}]),
    "adagrad": (lambda **g: Adagrad(lr=0.05, initial_accumulator_value=0.1, **g),
                [{"params": "layers[1]", "initial_accumulator_value": 0.1}]),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", list(SAME))
def test_groups_that_change_nothing_give_the_one_rule_epochs_bits(case, dtype):
    make, groups = SAME[case]
    X, Y, _ = _problem(dtype=dtype)
    net = Network((5, 6, 4, 3), "tanh", batch_norm=True, dropout=0.1, dtype=dtype)
    p0 = net.pack(*[[np.random.default_rng(l).standard_normal((a, b)) * 0.5 for l, (a, b)
                     in enumerate(zip(net.sizes[:-1], net.sizes[1:]))],
                    [np.full(b, 0.1) for b in net.sizes[1:]]])
    grouped, plain = make(param_groups=groups), make()
    a, ra = _epochs(net, grouped, X, Y, p0.copy(), l2=1e-3)
    b, rb = _epochs(net, plain, X, Y, p0.copy(), l2=1e-3)
    assert len(net._segments(grouped)) > 1  # the segments' path did run
    assert np.array_equal(a, b) and np.array_equal(ra, rb)
    assert grouped.n_steps == plain.n_steps == 3 * 6
    assert grouped.state[0].keys() == plain.state[0].keys()
    assert all(np.array_equal(grouped.state[0][k], plain.state[0][k]) for k in plain.state[0])


def _pieces(net, buffer):
    """Views of a buffer's arrays in Network.param_names' order (no batch norm)."""
    coefs, intercepts = net.unpack(buffer)
    return [a for pair in zip(coefs, intercepts) for a in pair]


def _start(net, w=None):
    rng = np.random.default_rng(0)
    return net.pack([rng.standard_normal((a, b)) if w is None else np.full((a, b), w)
                     for a, b in zip(net.sizes[:-1], net.sizes[1:])],
                    [np.full(b, 0.1) for b in net.sizes[1:]])


def test_each_segment_steps_by_its_groups_rule_and_state():
    """Full-batch epochs: each group's part of the buffer moves as Optimizer.step moves that
    array with the group's hyper-parameters (the gradient from Network.loss_grad; the groups
    by name for the network, by index into param_names for step)."""
    X, Y, _ = _problem(n=40)
    net = Network((5, 4, 3), "relu")
    groups = [{"params": "biases", "lr": 0.05, "amsgrad": True}, {"params": [2], "eps": 1e-3}]
    opt = Adam(lr=0.01, weight_decay=0.1, param_groups=groups)
    params = _start(net)
    ref = Adam(lr=0.01, weight_decay=0.1,
               param_groups=[dict(groups[0], params=[1, 3]), groups[1]])
    q = params.copy()
    for _ in range(4):
        net.train_epoch(X, Y, params, opt, batch_size=40, shuffle=False)
        _, grad = net.loss_grad(X, Y, q)
        ref.step(_pieces(net, q), [a.copy() for a in _pieces(net, grad)])
    np.testing.assert_allclose(params, q, rtol=1e-13, atol=1e-15)
    assert set(opt.state[0]) == {"s1", "s2", "s3"}  # AMSGrad's s3: over the whole buffer
    for name in ("s1", "s2", "s3"):  # biases[0]'s state is step's
        np.testing.assert_allclose(_pieces(net, opt.state[0][name])[1], ref.state[1][name],
                                   rtol=1e-13, atol=1e-300)


def test_a_refused_step_changes_no_segment():
    """A gradient that is finite in the first segments but not in a later one (the L2 term
    of large weights overflowing) is refused whole: no segment moves."""
    X, Y, _ = _problem(n=32)
    net = Network((5, 4, 3), "tanh")
    params = _start(net, w=0.1)
    _pieces(net, params)[2][...] = 2.0  # weights[1]: l2 * w = inf
    before = params.copy()
    opt = SGD(lr=1e-3, param_groups=[{"params": "weights[-1]", "lr": 1e-4}])
    assert net._segments(opt)[:, 2].tolist() == [1, 0, 1]  # [w0 b0] [w1] [b1]
    with pytest.raises(FloatingPointError, match="training diverged"):
        net.train_epoch(X, Y, params, opt, batch_size=16, shuffle=False, l2=1e308)
    assert np.array_equal(params, before) and opt.n_steps == 0


def test_c_refuses_segments_that_do_not_tile_the_buffer():
    X, Y, _ = _problem(n=20)
    net = Network((5, 3), "tanh")
    params = np.zeros(net.n_params)
    spec = dict(Adam()._rule, t=1)
    config = dict(batch_size=10, seed=0, shuffle=False, l2=0.0, weight_scale=1.0,
                  bn_momentum=0.1, dropout_seed=0)
    s = [np.zeros(net.n_params) for _ in range(2)]
    n = net.n_params
    for rows in ([[0, 10, 0], [11, n - 11, 0]], [[0, 10, 0]], [[0, n + 1, 0]], [[0, 0, 0], [0, n, 0]]):
        status, _, _ = _mlp.epoch(net._sizes, net._arch, config, spec, X.reshape(-1), None, None,
                                  20, Y.reshape(-1), None, params, net.new_running(), s[0], s[1],
                                  None, None, [spec], np.array(rows, dtype=np.int64))
        assert status == _status.ERR_BAD_ARGUMENT and not params.any()
    amsgrad = dict(Adam(amsgrad=True)._rule, t=1)  # a segment's rule needs s3: not given
    status, _, _ = _mlp.epoch(net._sizes, net._arch, config, spec, X.reshape(-1), None, None, 20,
                              Y.reshape(-1), None, params, net.new_running(), s[0], s[1], None,
                              None, [spec, amsgrad], np.array([[0, 5, 0], [5, n - 5, 1]],
                                                              dtype=np.int64))
    assert status == _status.ERR_BAD_ARGUMENT and not params.any()
    with pytest.raises(ValueError, match="names group 3"):
        _mlp.epoch(net._sizes, net._arch, config, spec, X.reshape(-1), None, None, 20,
                   Y.reshape(-1), None, params, net.new_running(), s[0], s[1], None, None,
                   [spec], np.array([[0, n, 3]], dtype=np.int64))


def test_network_names_and_their_errors():
    net = Network((4, 5, 3, 2), batch_norm=True)
    assert net.param_names == ["weights[0]", "biases[0]", "gammas[0]", "betas[0]", "weights[1]",
                               "biases[1]", "gammas[1]", "betas[1]", "weights[2]", "biases[2]"]
    assert net._group_members("weights") == [0, 4, 8]
    assert net._group_members("biases[-1]") == [9]
    assert net._group_members("gammas[-1]") == [6]
    assert net._group_members("layers[0]") == [0, 1, 2, 3]
    assert Network((4, 2))._group_members("gammas") == []  # no batch norm: no gammas
    for name, match in [("bias", "names no arrays of a network"),
                        ("layers", "names no arrays of a network"),
                        ("weights[3]", "it has 3 layers"),
                        ("gammas[2]", "it has 2 hidden layers with batch norm"),
                        ("weights[0] ", "names no arrays")]:
        with pytest.raises(ValueError, match=match):
            net._group_members(name)
    with pytest.raises(ValueError, match="it has 0 hidden layers"):
        Network((4, 3, 2))._group_members("betas[0]")


@pytest.mark.parametrize("groups, match", [
    ([{"params": "bias", "weight_decay": 0.0}],
     r"param_groups\[0\]\['params'\]: 'bias' names no arrays of a network"),
    ([{"params": "weights[2]", "lr": 0.1}], r"param_groups\[0\]\['params'\]: 'weights\[2\]'"),
    ([{"params": "weights"}, {"params": "weights[0]", "lr": 0.1}],
     r"'weights\[0\]' is in param_groups\[0\] and in param_groups\[1\]"),
    ([{"params": [0, 4]}], r"holds 4, but the network's list of arrays \(Network.param_names\) "
                           r"has 4 arrays"),
])
def test_estimators_refuse_bad_network_groups_and_stay_unfitted(groups, match):
    X, _, y = _problem()
    est = MLPClassifier((4,), solver=Adam(param_groups=groups), max_iter=2)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")


def _fit(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kw)


def test_no_decay_on_biases_moves_only_the_weights_towards_zero():
    """The common use: decay the weights, not the biases (SGD on zero inputs: the first
    layer's weights have no data gradient, so the decay alone moves them)."""
    X, _, y = _problem(n=60)
    coefs = [np.full((5, 4), 0.3), np.full((4, 3), 0.3)]
    intercepts = [np.full(4, 0.5), np.full(3, 0.5)]
    kw = dict(alpha=0.0, batch_size=60, shuffle=False, max_iter=5, tol=0.0,
              n_iter_no_change=100)
    est = _fit(MLPClassifier((4,), "identity", solver=SGD(lr=0.1, weight_decay=1.0,
               param_groups=[{"params": "biases", "weight_decay": 0.0}]), **kw), 0 * X, y,
               coefs_init=coefs, intercepts_init=intercepts)
    # zero inputs: the first layer's weights have no data gradient, only the decay
    np.testing.assert_allclose(est.coefs_[0], 0.3 * 0.9 ** 5, rtol=1e-12)
    decayed = _fit(MLPClassifier((4,), "identity", solver=SGD(lr=0.1, weight_decay=1.0), **kw),
                   0 * X, y, coefs_init=coefs, intercepts_init=intercepts)
    np.testing.assert_allclose(decayed.coefs_[0], est.coefs_[0], rtol=1e-12)
    assert np.all(np.abs(decayed.intercepts_[0]) < np.abs(est.intercepts_[0]))


def test_grouped_estimators_pickle_and_partial_fit_continue_exactly():
    X, Y, y = _problem(n=80)
    solver = RMSProp(lr=0.01, weight_decay=1e-3, param_groups=[
        {"params": "biases", "weight_decay": 0.0, "centered": True},
        {"params": "weights[-1]", "lr": 0.003}])
    est = _fit(MLPClassifier((6, 4), solver=solver, batch_norm=True, max_iter=3,
                             random_state=0), X, y)
    assert solver.state is None  # the estimator trained a copy
    clone = pickle.loads(pickle.dumps(est))
    for m in (est, clone):
        m.partial_fit(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, clone.coefs_ + clone.intercepts_):
        assert np.array_equal(a, b)
    assert [g["lr"] for g in est._optimizer.param_groups] == [0.01, 0.003, 0.01]
    reg = _fit(MLPRegressor((5,), solver=Adam(lr=0.01, param_groups=[
        {"params": "weights[0]", "lr": 0.001}]), max_iter=4, random_state=0,
        early_stopping=True, validation_fraction=0.2), X, Y[:, 0] + X[:, 1])
    assert np.all(np.isfinite(reg.predict(X)))


def test_float32_network_with_groups_stays_float32():
    X, _, y = _problem(dtype=np.float32)
    est = _fit(MLPClassifier((5,), solver=Adam(lr=0.01, param_groups=[
        {"params": "biases", "lr": 0.02}]), max_iter=3, random_state=0), X, y)
    assert est.coefs_[0].dtype == np.float32
    assert all(a.dtype == np.float32 for a in est._optimizer.state[0].values())
