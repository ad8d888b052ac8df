"""The network kernels (src_c/mlp.c through fastoptim.neural_network.Network) against the
NumPy oracle (fastoptim.reference.mlp) and central differences."""
import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import check_grad
from fastoptim._core import _mlp, _status
from fastoptim.neural_network import Network
from fastoptim.reference import mlp as ref

ACTIVATIONS = ["identity", "logistic", "tanh", "relu", "leaky_relu", "gelu"]
OUTPUTS = ["softmax", "logistic", "identity"]


def _problem(n, sizes, output, seed=0, density=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, sizes[0]))
    if density is not None:
        X[rng.random(X.shape) > density] = 0.0
    K = sizes[-1]
    if output == "softmax":
        Y = np.eye(K)[rng.integers(0, K, n)]
    elif output == "logistic":
        Y = (rng.random((n, K)) < 0.4).astype(float)
    else:
        Y = rng.standard_normal((n, K))
    return X, Y, rng


def _params(net, rng, scale=0.5):
    return (scale * rng.standard_normal(net.n_params)).astype(net.dtype)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("sparse", [False, True])
def test_loss_grad_matches_numpy(activation, output, sparse):
    sizes = (9, 7, 5, 3)
    X, Y, rng = _problem(600, sizes, output, density=0.4 if sparse else None)  # 3 blocks
    w = rng.uniform(0.2, 2.0, X.shape[0])
    net = Network(sizes, activation, output)
    params = _params(net, rng)
    value, grad = net.loss_grad(sp.csr_matrix(X) if sparse else X, Y, params, l2=0.03,
                                sample_weight=w)
    coefs, intercepts = net.unpack(params)
    v_ref, gW, gb = ref.loss_grad(X, Y, coefs, intercepts, activation, output, 0.03, w)
    assert value == pytest.approx(v_ref, rel=1e-13)
    np.testing.assert_allclose(grad, net.pack(gW, gb), rtol=1e-11, atol=1e-14)
    out = net.forward(sp.csr_matrix(X) if sparse else X, params)
    np.testing.assert_allclose(out, ref.forward(X, coefs, intercepts, activation, output),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", OUTPUTS)
def test_gradient_against_central_differences(activation, output):
    sizes = (4, 6, 5, 3)
    X, Y, rng = _problem(40, sizes, output, seed=1)
    net = Network(sizes, activation, output)
    params = _params(net, rng)
    if activation in ("relu", "leaky_relu"):
        # keep every pre-activation away from the kink, where differences straddle it
        coefs, intercepts = net.unpack(params)
        zs = ref._layers(X, coefs, intercepts, activation, 0.01)[0]
        assert min(np.abs(z).min() for z in zs[:-1]) > 1e-5
    err = check_grad(lambda p: net.loss_grad(X, Y, p, l2=0.01), params, eps=1e-5)
    assert err < 1e-6


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_sparse_first_layer_equals_dense(activation):
    sizes = (30, 8, 4)
    X, Y, rng = _problem(300, sizes, "softmax", seed=2, density=0.1)
    net = Network(sizes, activation, "softmax")
    params = _params(net, rng)
    v_dense, g_dense = net.loss_grad(X, Y, params)
    v_csr, g_csr = net.loss_grad(sp.csr_matrix(X), Y, params)
    assert v_csr == pytest.approx(v_dense, rel=1e-14)
    np.testing.assert_allclose(g_csr, g_dense, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.forward(sp.csc_matrix(X), params), net.forward(X, params),
                               rtol=1e-13)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sparse", [False, True])
def test_float32_matches_float64(activation, sparse):
    sizes = (12, 10, 4)
    X, Y, rng = _problem(500, sizes, "softmax", seed=3, density=0.5 if sparse else None)
    net64 = Network(sizes, activation, "softmax")
    net32 = Network(sizes, activation, "softmax", dtype=np.float32)
    params = _params(net64, rng)
    X32 = X.astype(np.float32)
    v64, g64 = net64.loss_grad(X, Y, params, l2=0.01)
    v32, g32 = net32.loss_grad(sp.csr_matrix(X32) if sparse else X32, Y, params.astype(np.float32),
                               l2=0.01)
    assert g32.dtype == np.float32
    assert v32 == pytest.approx(v64, rel=1e-5)
    np.testing.assert_allclose(g32, g64, rtol=2e-3, atol=2e-5 * np.abs(g64).max())
    if activation in ("relu", "leaky_relu"):
        return  # float32's step (1e-2) crosses the kinks; the comparison above covers them
    # and a float32 gradient check at float32's step
    err = check_grad(lambda p: net32.loss_grad(X32, Y, p.astype(np.float32), l2=0.01),
                     params.astype(np.float32), eps=1e-2)
    assert err < 5e-2


def test_one_layer_network_is_multinomial_logistic_regression():
    from fastoptim.losses import loss_grad
    X, Y, rng = _problem(200, (6, 4), "softmax", seed=4)
    net = Network((6, 4), "relu", "softmax")
    params = _params(net, rng)
    value, grad = net.loss_grad(X, Y, params, l2=0.2)
    W, b = net.unpack(params)[0][0], net.unpack(params)[1][0]
    v2, gc, gi = loss_grad("softmax", X, Y.argmax(axis=1).astype(float), W.T.copy(), b.copy(),
                           alpha=0.2)
    assert value == pytest.approx(v2, rel=1e-13)
    gW, gb = net.unpack(grad)[0][0], net.unpack(grad)[1][0]
    np.testing.assert_allclose(gW.T, gc, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(gb, gi, rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_elementwise_kernels(activation, dtype):
    rng = np.random.default_rng(5)
    z0 = (3 * rng.standard_normal((7, 5))).astype(dtype)
    z0[0, :2] = 0.0  # the kink: ReLU's derivative is 0 there (torch's convention)
    b = rng.standard_normal(5).astype(dtype)
    z, a = z0.copy().ravel(), np.empty(z0.size, dtype=dtype)
    assert _mlp.activate(_mlp.ACTIVATION_IDS[activation], 0.01, 7, 5, z, b, a) == 0
    zb = (z0.astype(float) + b)
    rtol = 1e-14 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(z, zb.ravel(), rtol=rtol)
    np.testing.assert_allclose(a, ref.activation(activation, z.astype(float)), rtol=rtol,
                               atol=rtol)
    delta = rng.standard_normal(z0.size).astype(dtype)
    expect = delta * ref.activation_slope(activation, z.astype(float))
    assert _mlp.act_delta(_mlp.ACTIVATION_IDS[activation], 0.01, 7, 5, z, a, delta) == 0
    np.testing.assert_allclose(delta, expect, rtol=10 * rtol, atol=10 * rtol)


def test_same_bits_on_every_call_and_thread_count_budget():
    sizes = (50, 64, 32, 10)
    X, Y, rng = _problem(2000, sizes, "softmax", seed=6)
    net = Network(sizes, "relu", "softmax")
    params = _params(net, rng, 0.2)
    first = net.loss_grad(X, Y, params, n_threads=2)
    for _ in range(3):
        again = net.loss_grad(X, Y, params, n_threads=2)
        assert again[0] == first[0] and np.array_equal(again[1], first[1])
    one = net.loss_grad(X, Y, params, n_threads=1)
    np.testing.assert_allclose(one[1], first[1], rtol=1e-12, atol=1e-16)


def test_unpack_pack_round_trip_and_layout():
    net = Network((3, 4, 2), "tanh", "softmax")
    params = np.arange(net.n_params, dtype=float)
    assert net.n_params == 3 * 4 + 4 + 4 * 2 + 2
    coefs, intercepts = net.unpack(params)
    assert [c.shape for c in coefs] == [(3, 4), (4, 2)]
    assert coefs[0][0, 1] == 1.0 and intercepts[0][0] == 12.0 and coefs[1][0, 0] == 16.0
    np.testing.assert_array_equal(net.pack(coefs, intercepts), params)


@pytest.mark.parametrize("kwargs, match", [
    (dict(sizes=(3,)), "sizes must list"),
    (dict(sizes=(3, 0, 2)), "positive integers"),
    (dict(sizes=(3, 2.5, 2)), "positive integers"),
    (dict(sizes=(3, 4, 2), activation="swish"), "activation must be one of"),
    (dict(sizes=(3, 4, 2), output="hinge"), "output must be one of"),
    (dict(sizes=(3, 4, 1), output="softmax"), "at least 2 outputs"),
    (dict(sizes=(3, 4, 2), leaky_slope=float("nan")), "leaky_slope"),
])
def test_bad_network(kwargs, match):
    sizes = kwargs.pop("sizes")
    with pytest.raises(ValueError, match=match):
        Network(sizes, **kwargs)


def test_bad_inputs():
    net = Network((3, 4, 2), "tanh", "softmax")
    X, Y, rng = _problem(10, (3, 4, 2), "softmax")
    params = _params(net, rng)
    with pytest.raises(ValueError, match="params must be"):
        net.loss_grad(X, Y, params[:-1])
    with pytest.raises(ValueError, match="params must be"):
        net.loss_grad(X, Y, params.astype(np.float32))
    with pytest.raises(ValueError, match="X has 4 features"):
        net.loss_grad(np.ones((10, 4)), Y, params)
    with pytest.raises(ValueError, match="Y must have shape"):
        net.loss_grad(X, Y[:, :1], params)
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        net.loss_grad(X, Y, params, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        net.loss_grad(X, Y, params, l2=-1.0)
    with pytest.raises(ValueError, match="sample weights must sum"):
        net.loss_grad(X, Y, params, sample_weight=np.zeros(10))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(FloatingPointError, match="not finite"):
        net.loss_grad(bad, Y, params)
    with pytest.raises(FloatingPointError, match="not finite"):
        net.forward(bad, params)
    with pytest.raises(ValueError, match="coefs must have shape"):
        net.pack([np.ones((3, 4)), np.ones((2, 4))], [np.ones(4), np.ones(2)])


# ------------------------------------------------------------------ the C training epoch

from fastoptim.optim import SGD, Adagrad, Adam, AdamW, RMSProp  # noqa: E402
from fastoptim.optim.engine import epoch_permutation  # noqa: E402

OPTIMIZERS = {
    "sgd": lambda: SGD(lr=0.1),
    "nesterov": lambda: SGD(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adagrad": lambda: Adagrad(lr=0.1),
    "rmsprop": lambda: RMSProp(lr=1e-2, centered=True, momentum=0.5),
    "adam": lambda: Adam(lr=1e-2),
    "amsgrad": lambda: Adam(lr=1e-2, amsgrad=True),
    "adamw": lambda: AdamW(lr=1e-2, weight_decay=0.1),
}


def _epoch_oracle(net, X, Y, params, optimizer, batch_size, seed, shuffle, l2, w):
    """The epoch as a Python loop: the NumPy network oracle per batch, the optimizers' NumPy
    twins for the steps; the batch gradient is n / sum(w) / |B| sum_B w_i dc_i + l2 W."""
    n = X.shape[0]
    w = np.ones(n) if w is None else w
    scale = n / w.sum()
    order = epoch_permutation(n, seed) if shuffle else np.arange(n)
    for lo in range(0, n, batch_size):
        idx = order[lo:lo + batch_size]
        coefs, intercepts = net.unpack(params)
        _, gW, gb = ref.loss_grad(X[idx], Y[idx], coefs, intercepts, net.activation, net.output,
                                  0.0, w[idx], net.leaky_slope)
        factor = w[idx].sum() * scale / len(idx)
        gW = [g * factor + l2 * W for g, W in zip(gW, coefs)]
        gb = [g * factor for g in gb]
        optimizer.step_numpy([params], [net.pack(gW, gb)])


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_epoch_matches_python_loop(opt, sparse, shuffle):
    sizes = (8, 6, 5, 3)
    X, Y, rng = _problem(101, sizes, "softmax", seed=7, density=0.5 if sparse else None)
    w = rng.uniform(0.5, 2.0, X.shape[0])
    net = Network(sizes, "tanh", "softmax")
    start = _params(net, rng)
    ours, theirs = start.copy(), start.copy()
    o1, o2 = OPTIMIZERS[opt](), OPTIMIZERS[opt]()
    Xin = sp.csr_matrix(X) if sparse else X
    for epoch in range(3):
        net.train_epoch(Xin, Y, ours, o1, batch_size=16, seed=epoch, shuffle=shuffle, l2=0.01,
                        sample_weight=w)
        _epoch_oracle(net, X, Y, theirs, o2, 16, epoch, shuffle, 0.01, w)
    assert o1.n_steps == o2.n_steps == 3 * 7
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("activation, output", [("relu", "identity"), ("gelu", "logistic"),
                                                ("leaky_relu", "softmax"),
                                                ("logistic", "identity")])
def test_epoch_activations_and_outputs(activation, output):
    sizes = (5, 7, 4) if output != "softmax" else (5, 7, 3)
    X, Y, rng = _problem(64, sizes, output, seed=8)
    net = Network(sizes, activation, output)
    start = _params(net, rng)
    ours, theirs = start.copy(), start.copy()
    o1, o2 = Adam(lr=1e-2), Adam(lr=1e-2)
    for epoch in range(2):
        net.train_epoch(X, Y, ours, o1, batch_size=10, seed=epoch, l2=0.001)
        _epoch_oracle(net, X, Y, theirs, o2, 10, epoch, True, 0.001, None)
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-13)


def test_epoch_reduces_the_loss_and_repeats_bits():
    sizes = (10, 16, 3)
    X, _, rng = _problem(400, sizes, "softmax", seed=9)
    Y = np.eye(3)[np.argmax(X @ rng.standard_normal((10, 3)), axis=1)]  # learnable labels
    net = Network(sizes, "relu", "softmax")
    start = _params(net, rng, 0.3)
    runs = []
    for _ in range(2):
        p, opt = start.copy(), Adam(lr=1e-2)
        curve = [net.train_epoch(X, Y, p, opt, batch_size=32, seed=e) for e in range(10)]
        runs.append(p)
    assert curve[-1] < 0.5 * curve[0]
    assert np.array_equal(runs[0], runs[1])
    full = net.loss_grad(X, Y, runs[0])[0]
    assert full < net.loss_grad(X, Y, start)[0]


def test_epoch_float32_tracks_float64():
    sizes = (10, 12, 3)
    X, Y, rng = _problem(300, sizes, "softmax", seed=10)
    net64, net32 = Network(sizes, "tanh", "softmax"), Network(sizes, "tanh", "softmax",
                                                              dtype=np.float32)
    start = _params(net64, rng, 0.3)
    p64, p32 = start.copy(), start.astype(np.float32)
    o64, o32 = Adam(lr=1e-2), Adam(lr=1e-2)
    for e in range(3):
        net64.train_epoch(X, Y, p64, o64, batch_size=32, seed=e)
        net32.train_epoch(X.astype(np.float32), Y, p32, o32, batch_size=32, seed=e)
    assert o32.state[0]["s1"].dtype == np.float32
    np.testing.assert_allclose(p32, p64, rtol=1e-3, atol=1e-4)


def test_epoch_divergence_keeps_the_last_good_parameters():
    sizes = (4, 8, 1)
    X, Y, rng = _problem(64, sizes, "identity", seed=11)
    X *= 1e3
    net = Network(sizes, "identity", "identity")
    p = _params(net, rng)
    with pytest.raises(FloatingPointError, match="lr=1e\\+06.*smaller learning rate"):
        for e in range(20):
            net.train_epoch(X, Y, p, SGD(lr=1e6), batch_size=8, seed=e)
    assert np.all(np.isfinite(p))


def test_epoch_bad_inputs():
    net = Network((3, 4, 2), "tanh", "softmax")
    X, Y, rng = _problem(10, (3, 4, 2), "softmax")
    p = _params(net, rng)
    with pytest.raises(TypeError, match="optimizer must be"):
        net.train_epoch(X, Y, p, "adam", batch_size=4)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        net.train_epoch(X, Y, p, Adam(), batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        net.train_epoch(X, Y, p, Adam(), batch_size=2.5)
    with pytest.raises(ValueError, match="updated in place"):
        net.train_epoch(X, Y, p.astype(np.float32), Adam(), batch_size=4)
    frozen = p.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="updated in place"):
        net.train_epoch(X, Y, frozen, Adam(), batch_size=4)
    with pytest.raises(ValueError, match="sample_weight must be finite"):
        net.train_epoch(X, Y, p, Adam(), batch_size=4, sample_weight=-np.ones(10))
    with pytest.raises(ValueError, match="l2 must be"):
        net.train_epoch(X, Y, p, Adam(), batch_size=4, l2=-1)
    opt = Adam()
    net.train_epoch(X, Y, p, opt, batch_size=4)
    with pytest.raises(ValueError, match="state"):
        Network((3, 5, 2), "tanh", "softmax").train_epoch(
            X, Y, np.zeros(Network((3, 5, 2)).n_params), opt, batch_size=4)


# ------------------------------------------------------------------ batch normalization

def _bn(x, gamma, beta, training=True, run=None, eps=1e-5, momentum=0.1):
    n, d = x.shape
    dt = x.dtype
    xhat, inv_std, y = (np.empty(n * d, dt), np.empty(d, dt), np.empty(n * d, dt))
    rm, rv = (None, None) if run is None else run
    status = _mlp.batchnorm_forward(n, d, x.ravel(), gamma, beta, eps, training, momentum, rm, rv,
                                    xhat, inv_std, y)
    return status, y.reshape(n, d), xhat, inv_std


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batchnorm_forward_matches_torch_semantics(dtype):
    rng = np.random.default_rng(12)
    x = (3 + 2 * rng.standard_normal((33, 5))).astype(dtype)
    gamma, beta = rng.uniform(0.5, 2, 5).astype(dtype), rng.standard_normal(5).astype(dtype)
    rm, rv = rng.standard_normal(5).astype(dtype), rng.uniform(0.5, 2, 5).astype(dtype)
    expect_y, expect_rm, expect_rv = ref.batchnorm_forward(x.astype(float), gamma, beta,
                                                           run_mean=rm.astype(float),
                                                           run_var=rv.astype(float))
    status, y, _, _ = _bn(x, gamma, beta, run=(rm, rv))
    tol = 1e-13 if dtype == np.float64 else 2e-6
    assert status == 0
    np.testing.assert_allclose(y, expect_y, rtol=tol, atol=tol)
    np.testing.assert_allclose(rm, expect_rm, rtol=tol, atol=tol)
    np.testing.assert_allclose(rv, expect_rv, rtol=tol, atol=tol)
    # evaluation uses the running statistics
    status, y_eval, _, _ = _bn(x, gamma, beta, training=False, run=(rm, rv))
    np.testing.assert_allclose(y_eval, ref.batchnorm_forward(x.astype(float), gamma, beta,
                                                             training=False, run_mean=rm,
                                                             run_var=rv)[0], rtol=tol, atol=tol)
    # in place (y = x)
    xx = x.copy().ravel()
    xhat, inv_std = np.empty_like(xx), np.empty(5, dtype)
    assert _mlp.batchnorm_forward(33, 5, xx, gamma, beta, 1e-5, True, 0.1, None, None, xhat,
                                  inv_std, xx) == 0
    np.testing.assert_allclose(xx.reshape(33, 5), expect_y, rtol=tol, atol=tol)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward_against_central_differences(training):
    rng = np.random.default_rng(13)
    n, d = 9, 4
    x0 = rng.standard_normal((n, d))
    gamma, beta = rng.uniform(0.5, 2, d), rng.standard_normal(d)
    R = rng.standard_normal((n, d))
    run = (rng.standard_normal(d), rng.uniform(0.5, 2, d))

    def f(theta):
        x = theta[:n * d].reshape(n, d)
        gm, bt = theta[n * d:n * d + d].copy(), theta[n * d + d:].copy()
        status, y, xhat, inv_std = _bn(x.copy(), gm, bt, training,
                                       None if training else (run[0].copy(), run[1].copy()))
        assert status == 0
        g = R.ravel().copy()
        dx, dgm, dbt = np.empty(n * d), np.empty(d), np.empty(d)
        assert _mlp.batchnorm_backward(n, d, g, xhat, inv_std, gm, training, dx, dgm, dbt) == 0
        return float((y * R).sum()), np.concatenate([dx, dgm, dbt])

    assert check_grad(f, np.concatenate([x0.ravel(), gamma, beta]), eps=1e-5) < 1e-7


def test_batchnorm_bad_inputs():
    x = np.ones((1, 3))
    g = np.ones(3)
    status, *_ = _bn(x, g, g)
    assert status == _status.ERR_BAD_ARGUMENT  # a training batch of one sample, as torch
    status, *_ = _bn(np.ones((4, 3)), g, g, training=False)
    assert status == _status.ERR_BAD_ARGUMENT  # evaluation needs the running statistics
    status, *_ = _bn(np.ones((4, 3)), g, g, eps=0.0)
    assert status == _status.ERR_BAD_ARGUMENT


def test_batchnorm_backward_float32_matches_float64():
    rng = np.random.default_rng(14)
    n, d = 17, 6
    x = rng.standard_normal((n, d))
    gamma, beta, g = rng.uniform(0.5, 2, d), rng.standard_normal(d), rng.standard_normal(n * d)
    out = {}
    for dt in (np.float64, np.float32):
        _, _, xhat, inv_std = _bn(x.astype(dt), gamma.astype(dt), beta.astype(dt))
        dx, dgm, dbt = np.empty(n * d, dt), np.empty(d, dt), np.empty(d, dt)
        assert _mlp.batchnorm_backward(n, d, g.astype(dt), xhat, inv_std, gamma.astype(dt), True,
                                       dx, dgm, dbt) == 0
        out[dt] = (dx, dgm, dbt)
    for a, b in zip(out[np.float32], out[np.float64]):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


# ------------------------------------------------ batch norm and dropout inside the network

def _bn_params(net, rng, scale=0.5):
    """Parameters with gammas near 1 (and betas near 0), as after some training."""
    params = _params(net, rng, scale)
    _, _, gammas, betas = net.unpack(params, batch_norm=True)
    for g in gammas:
        g[:] = 1.0 + 0.3 * rng.standard_normal(g.shape)
    return params


def _bn_oracle(net, params, running=None, training=True):
    coefs, intercepts, gammas, betas = net.unpack(params, batch_norm=True)
    means, variances = net.unpack_running(running) if running is not None else (None, None)
    return coefs, intercepts, dict(gammas=gammas, betas=betas, training=training, means=means,
                                   variances=variances, eps=net.bn_eps)


def _masks(net, p, seed, step, samples):
    return [ref.dropout_mask(p, seed, step, samples, l + 1, d)
            for l, d in enumerate(net.sizes[1:-1])]


def test_layout_with_batch_norm():
    net = Network((5, 4, 3, 2), "relu", "softmax", batch_norm=True)
    assert net.n_params == 5 * 4 + 4 * 3 + 4 * 3 + 3 * 3 + 3 * 2 + 2
    assert net.n_running == 2 * (4 + 3)
    params = np.arange(net.n_params, dtype=float)
    coefs, intercepts, gammas, betas = net.unpack(params, batch_norm=True)
    assert [g.shape for g in gammas] == [(4,), (3,)] and len(betas) == 2
    assert gammas[0][0] == 24 and betas[0][0] == 28 and coefs[1][0, 0] == 32
    np.testing.assert_array_equal(net.pack(coefs, intercepts, gammas, betas), params)
    means, variances = net.unpack_running(net.new_running())
    assert all(np.all(m == 0) for m in means) and all(np.all(v == 1) for v in variances)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "gelu"])
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_loss_grad_matches_numpy(activation, output, sparse, training):
    sizes = (9, 7, 5, 3)
    X, Y, rng = _problem(300 if training else 600, sizes, output, seed=3,
                         density=0.4 if sparse else None)
    w = rng.uniform(0.2, 2.0, X.shape[0])
    net = Network(sizes, activation, output, batch_norm=True)
    params = _bn_params(net, rng)
    running = net.new_running()
    for m, v in zip(*net.unpack_running(running)):
        m[:] = 0.2 * rng.standard_normal(m.shape)
        v[:] = rng.uniform(0.5, 2.0, v.shape)
    Xin = sp.csr_matrix(X) if sparse else X
    value, grad = net.loss_grad(Xin, Y, params, l2=0.02, sample_weight=w, training=training,
                                running=running.copy())
    coefs, intercepts, bn = _bn_oracle(net, params, running, training)
    v_ref, gW, gb, gg, gbeta = ref.loss_grad(X, Y, coefs, intercepts, activation, output, 0.02,
                                             w, bn=bn)
    assert value == pytest.approx(v_ref, rel=1e-12)
    np.testing.assert_allclose(grad, net.pack(gW, gb, gg, gbeta), rtol=1e-10, atol=1e-13)
    bn["training"] = False
    out = net.forward(Xin, params, running=running)
    np.testing.assert_allclose(out, ref.forward(X, coefs, intercepts, activation, output, bn=bn),
                               rtol=1e-12, atol=1e-15)


def test_batch_norm_loss_grad_moves_running_statistics_as_torch():
    sizes = (6, 5, 4, 3)
    X, Y, rng = _problem(50, sizes, "softmax", seed=4)
    net = Network(sizes, "tanh", "softmax", batch_norm=True)
    params = _bn_params(net, rng)
    running = net.new_running()
    net.loss_grad(X, Y, params, running=running, bn_momentum=0.1)
    coefs, intercepts, bn = _bn_oracle(net, params)
    _, _, _, norm = ref._layers(X, coefs, intercepts, "tanh", 0.01, bn)
    z1 = X @ coefs[0] + intercepts[0]
    means, variances = net.unpack_running(running)
    np.testing.assert_allclose(means[0], 0.1 * z1.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(variances[0], 0.9 + 0.1 * z1.var(axis=0, ddof=1), rtol=1e-12)
    before = running.copy()
    net.loss_grad(X, Y, params, running=running)  # bn_momentum=0: kept
    np.testing.assert_array_equal(running, before)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("batch_norm, dropout", [(True, 0.0), (False, 0.3), (True, 0.3)])
@pytest.mark.parametrize("sparse", [False, True])
def test_batch_norm_and_dropout_gradients_against_central_differences(activation, batch_norm,
                                                                      dropout, sparse):
    sizes = (4, 6, 5, 3)
    net = Network(sizes, activation, "softmax", batch_norm=batch_norm, dropout=dropout)
    for seed in range(5, 100):
        X, Y, rng = _problem(40, sizes, "softmax", seed=seed, density=0.6 if sparse else None)
        params = _bn_params(net, rng) if batch_norm else _params(net, rng)
        if activation not in ("relu", "leaky_relu"):
            break
        # keep every pre-activation away from the kink, where differences straddle it
        coefs, intercepts = net.unpack(params)[:2]
        bn = _bn_oracle(net, params)[2] if batch_norm else None
        zs = ref._layers(X, coefs, intercepts, activation, 0.01, bn)[0]
        if min(np.abs(z).min() for z in zs[:-1]) > 1e-4:
            break
    else:
        raise AssertionError("no draw keeps the pre-activations off the kink")
    Xin = sp.csr_matrix(X) if sparse else X
    fn = lambda p: net.loss_grad(Xin, Y, p, l2=0.01, dropout_seed=11, dropout_step=3)
    # (with batch norm the biases before it have a zero gradient, up to rounding: the
    # differences' round-off, relative to a thousandth of the largest entry, sets the bound)
    assert check_grad(fn, params, eps=1e-5) < (1e-5 if batch_norm else 1e-6)
    if dropout:  # the fixed mask is the oracle's, and it changes the objective
        coefs, intercepts = net.unpack(params)[:2]
        bn = _bn_oracle(net, params)[2] if batch_norm else None
        masks = _masks(net, dropout, 11, 3, np.arange(40))
        v_ref = ref.loss_grad(X, Y, coefs, intercepts, activation, "softmax", 0.01, bn=bn,
                              masks=masks)[0]
        assert fn(params)[0] == pytest.approx(v_ref, rel=1e-12)
        assert net.loss_grad(Xin, Y, params, l2=0.01, dropout_seed=12)[0] != pytest.approx(
            v_ref, rel=1e-6)


@pytest.mark.parametrize("batch_norm, dropout", [(True, 0.0), (False, 0.25), (True, 0.25)])
@pytest.mark.parametrize("sparse", [False, True])
def test_batch_norm_and_dropout_float32_match_float64(batch_norm, dropout, sparse):
    sizes = (8, 10, 6, 4)
    X, Y, rng = _problem(300, sizes, "softmax", seed=6, density=0.5 if sparse else None)
    kw = dict(batch_norm=batch_norm, dropout=dropout)
    n64, n32 = Network(sizes, "gelu", "softmax", **kw), Network(sizes, "gelu", "softmax",
                                                                dtype=np.float32, **kw)
    p = _bn_params(n64, rng) if batch_norm else _params(n64, rng)
    conv = (lambda A: sp.csr_matrix(A)) if sparse else (lambda A: A)
    v64, g64 = n64.loss_grad(conv(X), Y, p, dropout_seed=1)
    v32, g32 = n32.loss_grad(conv(X.astype(np.float32)), Y, p.astype(np.float32),
                             dropout_seed=1)
    assert v32 == pytest.approx(v64, rel=1e-5)
    np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-5 * np.abs(g64).max())


def test_dropout_mask_is_the_counter_based_draw():
    for p, seed, step, layer in [(0.5, 0, 1, 1), (0.1, 2 ** 63 + 5, 12345, 3), (0.9, 7, 0, 2)]:
        samples = np.array([0, 1, 17, 99999, 2 ** 40])
        mask = ref.dropout_mask(p, seed, step, samples, layer, 33)
        keep = np.array([[_mlp.dropout_keep(p, seed, step, int(s), layer, j) for j in range(33)]
                         for s in samples])
        np.testing.assert_array_equal(mask > 0, keep)
        np.testing.assert_allclose(mask[keep], 1.0 / (1.0 - p))
    big = ref.dropout_mask(0.3, 5, 1, np.arange(2000), 1, 100)
    assert abs((big > 0).mean() - 0.7) < 0.005  # 200000 draws: 5 standard errors
    # a new step, seed, layer or sample is a new mask
    assert not np.array_equal(big, ref.dropout_mask(0.3, 5, 2, np.arange(2000), 1, 100))
    assert not np.array_equal(big, ref.dropout_mask(0.3, 6, 1, np.arange(2000), 1, 100))
    assert not np.array_equal(big, ref.dropout_mask(0.3, 5, 1, np.arange(2000), 2, 100))


def _bn_epoch_oracle(net, X, Y, params, running, optimizer, batch_size, seed, shuffle, l2, w,
                     momentum=0.1, dropout_seed=0):
    """The epoch with batch norm and dropout as a Python loop of the NumPy oracle."""
    n = X.shape[0]
    w = np.ones(n) if w is None else w
    scale = n / w.sum()
    order = epoch_permutation(n, seed) if shuffle else np.arange(n)
    means, variances = net.unpack_running(running)
    for lo in range(0, n, batch_size):
        idx = order[lo:lo + batch_size]
        coefs, intercepts, gammas, betas = net.unpack(params, batch_norm=True)
        bn = dict(gammas=gammas, betas=betas, training=True, eps=net.bn_eps)
        masks = (_masks(net, net.dropout, dropout_seed, optimizer.n_steps + 1, idx)
                 if net.dropout else None)
        zs = [X[idx] @ coefs[0] + intercepts[0]]
        _, gW, gb, gg, gbeta = ref.loss_grad(X[idx], Y[idx], coefs, intercepts, net.activation,
                                             net.output, 0.0, w[idx], net.leaky_slope, bn=bn,
                                             masks=masks)
        # the running statistics of each hidden layer's scores z (before normalization)
        inputs = ref._layers(X[idx], coefs, intercepts, net.activation, net.leaky_slope, bn,
                             masks)[2]
        for l in range(len(means)):
            z = inputs[l] @ coefs[l] + intercepts[l]
            means[l][:] = (1 - momentum) * means[l] + momentum * z.mean(axis=0)
            variances[l][:] = (1 - momentum) * variances[l] + momentum * z.var(axis=0, ddof=1)
        factor = w[idx].sum() * scale / len(idx)
        grads = net.pack([g * factor + l2 * W for g, W in zip(gW, coefs)],
                         [g * factor for g in gb], [g * factor for g in gg],
                         [g * factor for g in gbeta])
        optimizer.step_numpy([params], [grads])


def _pre_bn_biases(net):
    """A mask of the parameter buffer: the hidden layers' biases (followed by batch norm)."""
    mask = np.zeros(net.n_params, dtype=bool)
    _, intercepts = net.unpack(np.arange(net.n_params))[:2]
    for b in intercepts[:-1]:
        mask[b] = True
    return mask


@pytest.mark.parametrize("opt", ["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize("dropout", [0.0, 0.2])
@pytest.mark.parametrize("sparse", [False, True])
def test_batch_norm_epoch_matches_python_loop(opt, dropout, sparse):
    sizes = (8, 6, 5, 3)
    X, Y, rng = _problem(102, sizes, "softmax", seed=12, density=0.5 if sparse else None)
    w = rng.uniform(0.5, 2.0, X.shape[0])
    net = Network(sizes, "relu", "softmax", batch_norm=True, dropout=dropout)
    start = _bn_params(net, rng)
    ours, theirs = start.copy(), start.copy()
    run_ours, run_theirs = net.new_running(), net.new_running()
    o1, o2 = OPTIMIZERS[opt](), OPTIMIZERS[opt]()
    Xin = sp.csr_matrix(X) if sparse else X
    for epoch in range(3):
        net.train_epoch(Xin, Y, ours, o1, batch_size=16, seed=epoch, l2=0.01, sample_weight=w,
                        running=run_ours, dropout_seed=9)
        _bn_epoch_oracle(net, X, Y, theirs, run_theirs, o2, 16, epoch, True, 0.01, w,
                         dropout_seed=9)
    # the biases before batch norm have a zero gradient in exact arithmetic: Adam's and
    # RMSProp's normalization (g / (sqrt(v) + eps)) turns the gradients' rounding into steps
    # of lr |g| / eps, so those entries agree to what rounding allows, the rest to 1e-10
    before_bn = _pre_bn_biases(net)
    np.testing.assert_allclose(ours[~before_bn], theirs[~before_bn], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours[before_bn], theirs[before_bn], atol=1e-7)
    # (the running means follow those biases)
    np.testing.assert_allclose(run_ours, run_theirs, rtol=1e-10, atol=1e-7)


def test_dropout_epoch_matches_python_loop_without_batch_norm():
    sizes = (8, 9, 7, 3)
    X, Y, rng = _problem(90, sizes, "softmax", seed=13)
    net = Network(sizes, "tanh", "softmax", dropout=0.4)
    start = _params(net, rng)
    ours, theirs = start.copy(), start.copy()
    o1, o2 = Adam(lr=1e-2), Adam(lr=1e-2)
    for epoch in range(2):
        net.train_epoch(X, Y, ours, o1, batch_size=20, seed=epoch, dropout_seed=3)
        order = epoch_permutation(90, epoch)
        for lo in range(0, 90, 20):
            idx = order[lo:lo + 20]
            coefs, intercepts = net.unpack(theirs)
            masks = _masks(net, 0.4, 3, o2.n_steps + 1, idx)
            _, gW, gb = ref.loss_grad(X[idx], Y[idx], coefs, intercepts, "tanh", "softmax",
                                      masks=masks)
            o2.step_numpy([theirs], [net.pack(gW, gb)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-13)
    # evaluation has no dropout: forward is the plain network
    coefs, intercepts = net.unpack(ours)
    np.testing.assert_allclose(net.forward(X, ours),
                               ref.forward(X, coefs, intercepts, "tanh", "softmax"), rtol=1e-12)


def test_batch_norm_epoch_refuses_a_batch_of_one_sample():
    sizes = (4, 5, 3)
    X, Y, rng = _problem(33, sizes, "softmax")
    net = Network(sizes, "relu", "softmax", batch_norm=True)
    params, running = _bn_params(net, rng), net.new_running()
    with pytest.raises(ValueError, match="batch of one sample.*choose another batch_size"):
        net.train_epoch(X, Y, params, Adam(), batch_size=16, running=running)
    with pytest.raises(ValueError, match="running is required"):
        net.train_epoch(X, Y, params, Adam(), batch_size=11)
    with pytest.raises(ValueError, match="running is required"):
        net.forward(X, params)
    with pytest.raises(ValueError, match="at least 2 samples"):
        net.loss_grad(X[:1], Y[:1], params)
    with pytest.raises(ValueError, match="dropout must be"):
        Network(sizes, dropout=1.0)
    net.train_epoch(X, Y, params, Adam(), batch_size=11, running=running)  # 3 batches of 11
    # the C core refuses it too, before any step
    before = params.copy()
    status, _, _ = _mlp.epoch(net._sizes, net._arch, dict(
        batch_size=16, seed=0, shuffle=False, l2=0.0, weight_scale=1.0, bn_momentum=0.1,
        dropout_seed=0), dict(Adam()._rule, t=1), X.ravel(), None, None, 33, Y.ravel(), None,
        params, running, *([np.zeros_like(params)] * 3))
    assert status == _status.ERR_BAD_ARGUMENT
    np.testing.assert_array_equal(params, before)


@pytest.mark.parametrize("batch_norm, dropout, sparse, shuffle", [
    (False, 0.0, False, True), (True, 0.2, False, True), (True, 0.0, True, True),
    (False, 0.3, False, False)])
def test_epoch_workspace_kept_across_epochs_gives_the_same_bits(batch_norm, dropout, sparse,
                                                               shuffle):
    sizes = (8, 9, 7, 3)
    X, Y, rng = _problem(100, sizes, "softmax", seed=14, density=0.5 if sparse else None)
    Xin = sp.csr_matrix(X) if sparse else X
    net = Network(sizes, "relu", "softmax", batch_norm=batch_norm, dropout=dropout)
    start = _bn_params(net, rng) if batch_norm else _params(net, rng)
    runs = []
    for use in (False, True):
        p, run, opt = start.copy(), net.new_running(), Adam(lr=1e-2)
        ws = net.epoch_workspace(100, 20, shuffle=shuffle, sparse=sparse) if use else None
        for e in range(3):
            net.train_epoch(Xin, Y, p, opt, batch_size=20, seed=e, shuffle=shuffle,
                            running=run, workspace=ws, dropout_seed=2)
        runs.append((p, run))
    assert np.array_equal(runs[0][0], runs[1][0]) and np.array_equal(runs[0][1], runs[1][1])
    # a workspace too small for the call is not used (the epoch allocates its own)
    small = net.epoch_workspace(10, 5)
    p, run = start.copy(), net.new_running()
    opt = Adam(lr=1e-2)
    for e in range(3):
        net.train_epoch(Xin, Y, p, opt, batch_size=20, seed=e, shuffle=shuffle, running=run,
                        workspace=small, dropout_seed=2)
    assert np.array_equal(p, runs[0][0])
    with pytest.raises(ValueError, match="workspace must come from"):
        net.train_epoch(Xin, Y, p, opt, batch_size=20, workspace=np.zeros(10), running=run)


@pytest.mark.parametrize("batch_norm, dropout, sparse", [(False, 0.0, False), (True, 0.25, False),
                                                         (True, 0.0, True)])
def test_team_of_two_equals_one_thread_and_repeats_its_bits(batch_norm, dropout, sparse):
    """Large enough for the team to split the products (slabs of single-threaded gemm
    calls) and the elementwise passes (row or column slabs)."""
    sizes = (300, 256, 128, 10)
    X, Y, rng = _problem(1024, sizes, "softmax", seed=15, density=0.3 if sparse else None)
    Xin = sp.csr_matrix(X) if sparse else X
    net = Network(sizes, "relu", "softmax", batch_norm=batch_norm, dropout=dropout)
    start = _bn_params(net, rng, 0.05) if batch_norm else _params(net, rng, 0.05)
    runs = {}
    for key, nt in (("one", 1), ("two", 2), ("two again", 2)):
        p, run, opt = start.copy(), net.new_running(), Adam(lr=1e-3)
        for e in range(2):
            net.train_epoch(Xin, Y, p, opt, batch_size=512, seed=e, running=run,
                            dropout_seed=4, n_threads=nt)
        runs[key] = (p, run, net.loss_grad(Xin, Y, p, running=run.copy(), n_threads=nt),
                     net.forward(Xin, p, running=run, n_threads=nt))
    for a, b in zip(runs["two"][:2], runs["two again"][:2]):
        assert np.array_equal(a, b)
    assert runs["two"][2][0] == runs["two again"][2][0]
    assert np.array_equal(runs["two"][3], runs["two again"][3])
    for a, b in zip(runs["one"][:2], runs["two"][:2]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(runs["one"][2][1], runs["two"][2][1], rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(runs["one"][3], runs["two"][3], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("sparse", [False, True])
def test_prepared_data_equals_raw_and_is_checked(sparse):
    sizes = (6, 5, 3)
    X, Y, rng = _problem(50, sizes, "softmax", seed=16, density=0.5 if sparse else None)
    Xin = sp.csr_matrix(X) if sparse else X
    net = Network(sizes, "tanh", "softmax")
    params = _params(net, rng)
    prepared = net.prepare(Xin)
    assert prepared.sparse == sparse and net.prepare(prepared) is prepared
    v1, g1 = net.loss_grad(Xin, Y, params)
    v2, g2 = net.loss_grad(prepared, Y, params)
    assert v1 == v2 and np.array_equal(g1, g2)
    np.testing.assert_array_equal(net.forward(prepared, params), net.forward(Xin, params))
    with pytest.raises(ValueError, match="prepared X has 6 features of float64"):
        Network(sizes, "tanh", "softmax", dtype=np.float32).loss_grad(
            prepared, Y, params.astype(np.float32))


# ---- a row subset trains in place (#17, 13a: early stopping's training rows) --------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("kind", ["plain", "weights", "batch_norm", "dropout"])
def test_epoch_on_rows_equals_epoch_on_their_copy(dtype, sparse, shuffle, kind):
    sizes = (8, 6, 3)
    X, Y, rng = _problem(150, sizes, "softmax", seed=5, density=0.5 if sparse else None)
    X, Y = X.astype(dtype), Y.astype(dtype)
    w = rng.uniform(0.5, 2.0, X.shape[0]).astype(dtype) if kind == "weights" else None
    rows = np.sort(rng.choice(X.shape[0], 121, replace=False))
    net = Network(sizes, "tanh", "softmax", batch_norm=kind == "batch_norm",
                  dropout=0.3 if kind == "dropout" else 0.0, dtype=dtype)
    start = _params(net, rng).astype(dtype)
    Xin = sp.csr_matrix(X) if sparse else X
    runs = []
    for subset in (False, True):
        params, opt, running = start.copy(), Adam(lr=1e-2), net.new_running()
        ws = net.epoch_workspace(len(rows), 16, shuffle=shuffle, sparse=sparse, subset=subset)
        for epoch in range(3):
            kw = dict(batch_size=16, seed=epoch, shuffle=shuffle, l2=0.01, running=running,
                      dropout_seed=3, workspace=ws)
            if subset:
                net.train_epoch(Xin, Y, params, opt, sample_weight=w, rows=rows, **kw)
            else:
                net.train_epoch(Xin[rows], Y[rows], params, opt,
                                sample_weight=None if w is None else w[rows], **kw)
        runs.append((params, running))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    # the evaluation pass over the rows (early stopping's validation score)
    params, running = runs[0]
    ev = {} if kind != "batch_norm" else dict(running=running)
    np.testing.assert_array_equal(net.forward(Xin, params, rows=rows, **ev),
                                  net.forward(Xin[rows], params, **ev))
