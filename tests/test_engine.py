"""The one-epoch C engine against a NumPy twin of the same epoch: the same permutation, the
oracle's batch gradient and the optimizer's NumPy twin step, for every loss family, several
optimizers, batch sizes 1 / 7 / n, dense and CSR, float64 and float32."""
import copy

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim.losses import Objective
from fastoptim.optim.engine import epoch_permutation, run_epoch, train
from fastoptim.optim.optimizers import (ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam,
                                        RAdam, RMSProp, Rprop)
from fastoptim.reference import losses as ref

N, D, K = 203, 9, 3
OPTIMIZERS = {
    "sgd": lambda: SGD(lr=0.05),
    "momentum": lambda: SGD(lr=0.05, momentum=0.9, weight_decay=0.01),
    "nesterov": lambda: SGD(lr=0.05, momentum=0.9, nesterov=True),
    "adagrad": lambda: Adagrad(lr=0.1),
    "rmsprop": lambda: RMSProp(lr=0.01, centered=True, momentum=0.5),
    "adam": lambda: Adam(lr=0.01),
    "adamw_amsgrad": lambda: AdamW(lr=0.01, amsgrad=True),
    "adadelta": lambda: Adadelta(lr=1.0, rho=0.9, eps=1e-4, weight_decay=0.01),
    "adamax": lambda: Adamax(lr=0.01, eps=1e-3),
    "radam": lambda: RAdam(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True),
    "nadam": lambda: NAdam(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True),
    "rprop": lambda: Rprop(lr=0.01, step_sizes=(1e-4, 0.5)),
    # averaging from step 40 (of 3 x 203 batch-1 steps, 3 x 29 of 7 rows)
    "asgd": lambda: ASGD(lr=0.05, lambd=1e-3, t0=40, weight_decay=0.01),
}


def _assert_same_state(o1, o2, scale):
    """The optimizers' states (every array, the carried scalars) agree to 1e-10."""
    assert o1._scalars.keys() == o2._scalars.keys()
    for k in o1._scalars:
        assert abs(o1._scalars[k] - o2._scalars[k]) <= 1e-12 * abs(o2._scalars[k]), k
    for st1, st2 in zip(o1.state, o2.state):
        assert st1.keys() == st2.keys()
        for k in st1:
            assert np.abs(st1[k] - st2[k]).max() <= 1e-10 * max(scale, np.abs(st2[k]).max()), k


def _problem(loss, sparse, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    if sparse:
        X = sp.csr_matrix(X * (rng.random((N, D)) < 0.4))
    if loss in ("softmax", "multiclass_hinge"):
        y = rng.integers(0, K, N).astype(float)
    elif loss == "squared":
        y = rng.standard_normal(N)
    else:
        y = rng.choice([-1.0, 1.0], N)
    sw = rng.uniform(0.5, 2.0, N)
    return X.astype(dtype), y, sw


def _twin_epoch(loss, X, y, sw, alpha, opt, coef, b, batch, seed):
    """One epoch by NumPy: same rows, oracle gradient of the batch, the optimizer's twin step."""
    Xd = X.toarray() if sp.issparse(X) else X
    Xd = Xd.astype(np.float64)
    perm = epoch_permutation(X.shape[0], seed)
    scale = X.shape[0] / sw.sum()
    for lo in range(0, X.shape[0], batch):
        rows = perm[lo:lo + batch]
        z = ref._scores(Xd[rows], coef.astype(np.float64), b.astype(np.float64))
        _, dz = ref.pointwise(loss, z, y[rows])
        wr = sw[rows] * scale / len(rows)
        if dz.ndim == 2:
            r = dz * wr[:, None]
            g, gb = (Xd[rows].T @ r).T + alpha * coef, r.sum(axis=0)
        else:
            r = dz * wr
            g, gb = Xd[rows].T @ r + alpha * coef, np.array([r.sum()])
        opt.step_numpy([coef, b], [g.astype(coef.dtype), gb.astype(coef.dtype)])


@pytest.mark.parametrize("loss", ["logistic", "squared", "hinge", "softmax", "multiclass_hinge"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("batch", [1, 7, N])
def test_epoch_matches_numpy_twin(loss, sparse, name, batch):
    X, y, sw = _problem(loss, sparse, np.float64)
    obj = Objective(loss, X, y, sample_weight=sw, alpha=0.01,
                    n_classes=K if loss in ("softmax", "multiclass_hinge") else None)
    c1 = np.zeros(obj.coef_shape)
    b1 = np.zeros(obj.n_outputs)
    c2, b2 = c1.copy(), b1.copy()
    o1, o2 = OPTIMIZERS[name](), OPTIMIZERS[name]()
    for epoch in range(3):
        run_epoch(obj, o1, c1, b1, batch_size=batch, seed=epoch, lazy=False)
        _twin_epoch(loss, X, y, sw, 0.01, o2, c2, b2, batch, epoch)
    scale = max(np.abs(c2).max(), np.abs(b2).max())
    assert np.abs(c1 - c2).max() <= 1e-10 * scale
    assert np.abs(b1 - b2).max() <= 1e-10 * scale
    assert o1.n_steps == o2.n_steps == 3 * -(-N // batch)
    _assert_same_state(o1, o2, scale)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_float32_epoch_close_to_float64(name):
    X, y, sw = _problem("logistic", False, np.float64)
    res = {}
    for dtype in (np.float64, np.float32):
        obj = Objective("logistic", X.astype(dtype), y, alpha=0.01)
        c, b, opt = np.zeros(D, dtype), np.zeros(1, dtype), OPTIMIZERS[name]()
        for epoch in range(3):
            run_epoch(obj, opt, c, b, batch_size=7, seed=epoch)
        res[dtype] = c.astype(np.float64)
    assert np.abs(res[np.float32] - res[np.float64]).max() <= 1e-4 * np.abs(res[np.float64]).max()


def test_threads_give_same_bits_and_parts_are_deterministic():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4000, 20))
    y = np.sign(rng.standard_normal(4000))
    out = []
    for n_threads in (2, 2, 1):
        obj = Objective("logistic", X, y, alpha=1e-3, n_threads=n_threads)
        c, b, opt = np.zeros(20), np.zeros(1), Adam(lr=0.01)
        run_epoch(obj, opt, c, b, batch_size=1000, seed=5)
        out.append(c)
    assert np.array_equal(out[0], out[1])                 # same thread count: same bits
    assert np.abs(out[0] - out[2]).max() <= 1e-12 * np.abs(out[2]).max()


def test_storage_order_and_permutation():
    perm = epoch_permutation(1000, 42)
    assert sorted(perm.tolist()) == list(range(1000))
    assert np.array_equal(perm, epoch_permutation(1000, 42))
    assert not np.array_equal(perm, epoch_permutation(1000, 43))


def test_full_batch_is_gradient_descent():
    """batch_size = n: one step of lr * (the fused objective's gradient) per epoch."""
    X, y, sw = _problem("logistic", False, np.float64)
    obj = Objective("logistic", X, y, sample_weight=sw, alpha=0.1)
    c, b, opt = np.full(D, 0.1), np.zeros(1), SGD(lr=0.5)
    _, g, gb = obj.value_grad(c, b[0])
    expect = c - 0.5 * g
    run_epoch(obj, opt, c, b, batch_size=N, seed=0)
    np.testing.assert_allclose(c, expect, rtol=1e-12, atol=1e-15)


def test_train_converges_to_the_optimum():
    """SGD epochs with a decaying rate reach the L-BFGS optimum of the same objective."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 5))
    y = np.sign(X @ rng.standard_normal(5) + 0.3 * rng.standard_normal(500))
    obj = Objective("logistic", X, y, alpha=0.05)

    def f(w):
        v, g, gb = obj.value_grad(w[:-1], w[-1])
        return v, np.append(g, gb)

    best = minimize(f, np.zeros(6), jac=True, method="L-BFGS-B", options={"gtol": 1e-10}).fun
    res = train(obj, Adam(lr=0.05), batch_size=500, max_epochs=2000, tol=0, n_iter_no_change=10**6,
                schedule=lambda t: 0.05 / np.sqrt(t))
    final = obj.value_grad(res.coef, res.intercept[0])[0]
    assert final - best < 1e-6
    assert res.n_epochs == 2000 and len(res.loss_curve) == 2000


def test_divergence_raises_naming_lr():
    X, y, sw = _problem("squared", False, np.float64)
    obj = Objective("squared", X * 1e3, y)
    c, b = np.zeros(D), np.zeros(1)
    with pytest.raises(FloatingPointError, match="lr=10"):
        for epoch in range(50):
            run_epoch(obj, SGD(lr=10.0), c, b, batch_size=N, seed=epoch)


@pytest.mark.parametrize("bad, exc, match", [
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(batch_size=1.5), TypeError, "batch_size"),
    (dict(batch_size=1, seed="x"), TypeError, "seed"),
])
def test_bad_arguments(bad, exc, match):
    X, y, sw = _problem("logistic", False, np.float64)
    obj = Objective("logistic", X, y)
    with pytest.raises(exc, match=match):
        run_epoch(obj, SGD(lr=0.1), np.zeros(D), np.zeros(1), **bad)


def test_bad_params():
    X, y, sw = _problem("logistic", False, np.float64)
    obj = Objective("logistic", X, y)
    with pytest.raises(ValueError, match="coef"):
        run_epoch(obj, SGD(lr=0.1), np.zeros(D + 1), np.zeros(1), batch_size=1)
    with pytest.raises(TypeError, match="coef"):
        run_epoch(obj, SGD(lr=0.1), np.zeros(D, np.float32), np.zeros(1), batch_size=1)
    with pytest.raises(ValueError, match="intercept"):
        run_epoch(obj, SGD(lr=0.1), np.zeros(D), np.zeros(2), batch_size=1)


# --------------------------------------------------------------------------- lazy mode


def _twin_lazy_epoch(loss, X, y, sw, alpha, opt, coef, b, batch, seed):
    """The lazy semantics computed densely: each step, the batch's columns take the rule's
    step; the other columns take a step without data gradient (plain SGD: the decays; other
    rules: decoupled decay on p, state decayed as under zero gradients)."""
    from fastoptim.optim.transforms import (AddDecayedWeights, DecoupledWeightDecay, Momentum,
                                            ScaleByAdadelta, ScaleByAdagrad, ScaleByAdam,
                                            ScaleByAdamax, ScaleByASGD, ScaleByNAdam,
                                            ScaleByRAdam, ScaleByRMS, ScaleByRprop,
                                            asgd_averaging_weight)

    Xd = X.toarray().astype(np.float64)
    perm = epoch_permutation(X.shape[0], seed)
    scale = X.shape[0] / sw.sum()
    get = lambda cls: next((t for t in opt.transforms if isinstance(t, cls)), None)
    dec, l2 = get(DecoupledWeightDecay), get(AddDecayedWeights)
    mom, rms, adam = get(Momentum), get(ScaleByRMS), get(ScaleByAdam)
    delta, amax = get(ScaleByAdadelta), get(ScaleByAdamax)
    adam = adam or get(ScaleByRAdam) or get(ScaleByNAdam)  # their moments decay as Adam's
    rprop, asgd = get(ScaleByRprop), get(ScaleByASGD)
    pre = get(ScaleByAdagrad) or rms or adam or delta or amax or rprop or asgd
    if opt.state is None:
        opt.state = opt._init_state([coef, b])
    st = opt.state[0]
    for lo in range(0, X.shape[0], batch):
        rows = perm[lo:lo + batch]
        cols = np.flatnonzero((X[rows] != 0).sum(axis=0).A1 > 0)
        rest = np.setdiff1d(np.arange(X.shape[1]), cols)
        lr = opt.lr
        df = 1 - lr * (dec.weight_decay if dec else 0.0)
        # the columns outside the batch: a step without data gradient
        if pre is None and mom is None:
            coef[..., rest] *= df * (1 - lr * (l2.weight_decay if l2 else 0.0)) - lr * alpha
        else:
            coef[..., rest] *= df
            if mom is not None:
                st["s1"][..., rest] *= mom.momentum
            if rms is not None:
                st["s2"][..., rest] *= rms.alpha
                if rms.centered:
                    st["s3"][..., rest] *= rms.alpha
            if adam is not None:
                st["s1"][..., rest] *= adam.betas[0]
                st["s2"][..., rest] *= adam.betas[1]
            if amax is not None:  # u <- max(b2 u, |0| + eps)
                st["s1"][..., rest] *= amax.betas[0]
                st["s2"][..., rest] = np.maximum(st["s2"][..., rest] * amax.betas[1], amax.eps)
            if delta is not None:  # a zero gradient: a zero step, both averages decay
                st["s2"][..., rest] *= delta.rho
                st["s3"][..., rest] *= delta.rho
            if rprop is not None:  # a zero gradient: no step, the step size only clamped
                d = np.full(len(rest), lr) if opt.n_steps == 0 else st["s2"][..., rest]
                st["s2"][..., rest] = np.clip(d, *rprop.step_sizes)
                st["s1"][..., rest] = 0.0
            if asgd is not None:  # p stays; the average takes it in (a copy while mu = 1)
                mu = asgd_averaging_weight(asgd.t0, opt.n_steps + 1)
                ax = st["s1"][..., rest]
                st["s1"][..., rest] = coef[..., rest] if mu == 1 else ax + (coef[..., rest] - ax) * mu
        # the batch's columns: the rule, on a view of coef and the state
        z = ref._scores(Xd[rows], coef, b)
        _, dz = ref.pointwise(loss, z, y[rows])
        r = dz * (sw[rows] * scale / len(rows))
        g, gb = Xd[rows].T @ r + alpha * coef, np.array([r.sum()])
        sub_state = {k: v[..., cols].copy() for k, v in st.items()}
        full, opt.state[0] = opt.state[0], sub_state
        sub = coef[..., cols].copy()
        opt.step_numpy([sub, b], [g[..., cols], gb])
        coef[..., cols] = sub
        for k, v in sub_state.items():
            full[k][..., cols] = v
        opt.state[0] = full
        st = full


@pytest.mark.parametrize("loss", ["logistic", "squared", "hinge"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("batch", [1, 7])
def test_lazy_epoch_matches_its_dense_twin(loss, name, batch):
    X, y, sw = _problem(loss, True, np.float64)
    obj = Objective(loss, X, y, sample_weight=sw, alpha=0.01)
    c1, b1 = np.full(D, 0.1), np.zeros(1)
    c2, b2 = c1.copy(), b1.copy()
    o1, o2 = OPTIMIZERS[name](), OPTIMIZERS[name]()
    for epoch in range(3):
        run_epoch(obj, o1, c1, b1, batch_size=batch, seed=epoch, lazy=True)
        _twin_lazy_epoch(loss, X, y, sw, 0.01, o2, c2, b2, batch, epoch)
    scale = max(np.abs(c2).max(), np.abs(b2).max())
    assert np.abs(c1 - c2).max() <= 1e-10 * scale
    assert np.abs(b1 - b2).max() <= 1e-10 * scale
    _assert_same_state(o1, o2, scale)


@pytest.mark.parametrize("batch", [1, 5, 64])
def test_lazy_plain_sgd_equals_dense_epoch(batch):
    """Plain SGD with the L2 penalty (and weight_decay): lazy == dense, the decays just in time."""
    X, y, sw = _problem("logistic", True, np.float64)
    obj = Objective("logistic", X, y, sample_weight=sw, alpha=0.05)
    res = []
    for lazy in (True, False):
        c, b, opt = np.full(D, 0.3), np.zeros(1), SGD(lr=0.1, weight_decay=0.02)
        for epoch in range(3):
            run_epoch(obj, opt, c, b, batch_size=batch, seed=epoch, lazy=lazy)
        res.append((c, b))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("lr, alpha", [(0.5, 0.2), (1.0, 1.5), (0.05, 0.0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_scaled_batch_one_epoch_folds_its_scale(lr, alpha, dtype):
    """Batch-1 plain SGD on CSR keeps coef = s v: a decay of 0.9 a step takes s below 1e-9
    within the epoch (folded into v), a decay of -0.5 (lr alpha > 1) folds every step, no
    decay never folds; each the dense epoch's steps (with weights, weight decay, a row
    subset) to rounding."""
    X, y, sw = _problem("logistic", True, dtype)
    rows = np.arange(0, N, 2)[::-1].copy()
    tol = 1e-12 if dtype == np.float64 else 2e-5
    for kw in ({}, {"rows": rows}):
        res = []
        for XX in (X, X.toarray()):
            obj = Objective("logistic", XX, y, sample_weight=sw, alpha=alpha, **kw)
            c, b = np.full(D, 0.3, dtype=dtype), np.zeros(1, dtype=dtype)
            opt = SGD(lr=lr, weight_decay=0.01)
            for epoch in range(2):
                run_epoch(obj, opt, c, b, batch_size=1, seed=epoch)
            assert opt.n_steps == 2 * obj.n_samples
            res.append((c.astype(np.float64), b.astype(np.float64)))
        scale = max(1.0, np.abs(res[1][0]).max())
        np.testing.assert_allclose(res[0][0], res[1][0], rtol=0, atol=tol * scale)
        np.testing.assert_allclose(res[0][1], res[1][1], rtol=0, atol=tol * scale)


def test_lazy_auto_and_errors():
    X, y, sw = _problem("logistic", False, np.float64)
    obj = Objective("logistic", X, y)
    with pytest.raises(ValueError, match="lazy=True needs sparse X"):
        run_epoch(obj, SGD(lr=0.1), np.zeros(D), np.zeros(1), batch_size=1, lazy=True)
    with pytest.raises(ValueError, match="lazy"):
        run_epoch(obj, SGD(lr=0.1), np.zeros(D), np.zeros(1), batch_size=1, lazy="yes")


def test_weight_scale_default_and_bad_values():
    """weight_scale defaults to n / sum(w); passing that value gives the same bits, and twice
    it is the step of sample weights doubled (a part of a larger set trained in turn)."""
    X, y, sw = _problem("logistic", False, np.float64)
    obj = Objective("logistic", X, y, sample_weight=sw, alpha=0.1)
    runs = []
    for scale in (None, obj.n_samples / obj.weight_sum):
        c, b, opt = np.zeros(X.shape[1]), np.zeros(1), SGD(lr=0.1)
        run_epoch(obj, opt, c, b, batch_size=7, seed=3, weight_scale=scale)
        runs.append(c)
    np.testing.assert_array_equal(runs[0], runs[1])
    doubled = Objective("logistic", X, y, sample_weight=2 * sw, alpha=0.1)
    c2, b2, opt2 = np.zeros(X.shape[1]), np.zeros(1), SGD(lr=0.1)
    run_epoch(doubled, opt2, c2, b2, batch_size=7, seed=3,
              weight_scale=2 * doubled.n_samples / doubled.weight_sum)
    c1, b1, opt1 = np.zeros(X.shape[1]), np.zeros(1), SGD(lr=0.1)
    run_epoch(obj, opt1, c1, b1, batch_size=7, seed=3,
              weight_scale=2 * obj.n_samples / obj.weight_sum)
    np.testing.assert_allclose(c2, c1, rtol=1e-12, atol=1e-15)
    for bad in (0.0, -1.0, np.nan, np.inf, "2"):
        with pytest.raises(ValueError, match="weight_scale must be a finite number > 0"):
            run_epoch(obj, SGD(lr=0.1), np.zeros(X.shape[1]), np.zeros(1), batch_size=7,
                      weight_scale=bad)


@pytest.mark.parametrize("make", [
    lambda: __import__("fastoptim").Ridge(solver="sgd", tol=None, max_iter=7, random_state=0),
    lambda: __import__("fastoptim").LogisticRegression(solver="adam", tol=None, max_iter=7,
                                                       random_state=0),
])
def test_tol_none_runs_every_epoch_without_a_convergence_warning(make):
    """As scikit-learn's SGD estimators (issue 16, item 12): tol=None, no stopping rule."""
    import warnings
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4))
    y = (X @ np.arange(1.0, 5.0) > 0).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = make().fit(X, y)
    assert int(np.max(est.n_iter_)) == 7 and len(est.loss_curve_) == 7
    with pytest.raises(ValueError, match="tol must be a number >= 0, or None"):
        make().set_params(tol=-1.0).fit(X, y)


# ---- a row subset without a copy (#17, 13a) ------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("loss", ["logistic", "squared", "softmax"])
@pytest.mark.parametrize("batch,n_threads", [(1, 1), (7, 1), (200, 1), (1200, 2)])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_objective_on_rows_equals_objective_on_their_copy(dtype, sparse, loss, batch,
                                                           n_threads, opt):
    rng = np.random.RandomState(1)
    n, p = 1500, 19
    X = rng.randn(n, p).astype(dtype)
    if sparse:
        X[rng.rand(n, p) < 0.7] = 0
        X = sp.csr_matrix(X)
    y = (rng.randint(0, 3, n) if loss == "softmax" else
         rng.randn(n) if loss == "squared" else np.sign(rng.randn(n)))
    w = rng.rand(n) + 0.1
    rows = rng.permutation(n)[:1300]  # any order
    kw = dict(alpha=1e-3, n_threads=n_threads)
    copy = Objective(loss, X[rows], y[rows], sample_weight=w[rows], **kw)
    subset = Objective(loss, X, y, sample_weight=w, rows=rows, **kw)
    assert (subset.n_samples, subset.weight_sum, subset.n_outputs, subset.n_threads) == \
        (copy.n_samples, copy.weight_sum, copy.n_outputs, copy.n_threads)
    fits = []
    for obj in (copy, subset):
        coef, b = np.zeros(obj.coef_shape, dtype), np.zeros(obj.n_outputs, dtype)
        o = SGD(lr=0.01) if opt == "sgd" else Adam(lr=0.01)
        losses = [run_epoch(obj, o, coef, b, batch_size=batch, seed=e) for e in range(3)]
        fits.append((coef, b, losses, obj.value_grad(coef, b)))
    (c0, b0, l0, v0), (c1, b1, l1, v1) = fits
    np.testing.assert_array_equal(c0, c1)
    np.testing.assert_array_equal(b0, b1)
    assert l0 == l1 and v0[0] == v1[0]
    np.testing.assert_array_equal(v0[1], v1[1])
    np.testing.assert_array_equal(v0[2], v1[2])


def test_objective_rows_are_checked():
    X, y = np.ones((5, 2)), np.array([1, -1, 1, -1, 1])
    for bad, err in (([0, 5], ValueError), ([-1], ValueError), ([], ValueError),
                     ([0.5], TypeError), ([[0]], TypeError)):
        with pytest.raises(err):
            Objective("logistic", X, y, rows=bad)
    obj = Objective("logistic", X, y, rows=[0, 1])
    with pytest.raises(ValueError, match="row subset"):
        obj.hessp(np.zeros(2), 0.0, np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="positive sum"):
        Objective("logistic", X, y, sample_weight=[0, 0, 1, 1, 1], rows=[0, 1])
