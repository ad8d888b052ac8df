"""MLPClassifier and MLPRegressor on dask arrays (fastoptim._dask.DaskNetwork): the chunks
trained in turn, each on the worker that holds it.

What a dask epoch is, exactly: ``Network.train_epoch`` on each chunk's rows in turn (as
arrays of their own), shuffled with ``chunk_seeds(epoch seed, n_chunks)[k]``, with the
whole set's weight scale n / W and penalty alpha / W, the parameters, the running
statistics and the optimizer handed on from chunk to chunk.  So:

* with ``shuffle=False`` and chunks a multiple of the batch size the batches are the
  in-memory fit's, and the fit equals the in-memory fit (tested to 1e-12; it is exact);
* with shuffling, it equals that definition run here in memory (:func:`chunks_in_turn`).

The local scheduler (no client) runs first; the LocalCluster tests come last in this file
(a module-scoped client, once it exists, is the default for every later dask call).
Skipped without dask and distributed.
"""
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import fastoptim._dask as fodask  # noqa: E402
from fastoptim._dask import DaskData, DaskNetwork, chunk_seeds  # noqa: E402
from fastoptim.exceptions import ConvergenceWarning  # noqa: E402
from fastoptim.neural_network import MLPClassifier, MLPRegressor, Network  # noqa: E402
from fastoptim.optim import ASGD, Adam, NAdam  # noqa: E402

N, D, HIDDEN = 800, 6, (7, 5)


def problem(kind, seed=0, n=N, d=D, dtype=np.float64, sparse=False):
    """(X, y, sample weights) of a binary, multiclass (3) or regression problem."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if sparse:
        X = np.where(np.abs(X) > 0.6, X, 0.0)
    s = X @ rng.normal(size=(d, 3)) + 0.3 * rng.normal(size=(n, 3))
    y = {"binary": (s[:, 0] > 0).astype(int), "multiclass": np.argmax(s, axis=1),
         "regression": s[:, 0]}[kind]
    sw = rng.uniform(0.2, 2.0, size=n)
    X = X.astype(dtype)
    return (sp.csr_matrix(X) if sparse else X), y, sw


def chunked(X, rows):
    """X as a dask array with row chunks of the given sizes (one column chunk)."""
    return da.from_array(X, chunks=(tuple(rows), X.shape[1]), asarray=not sp.issparse(X))


def targets(kind, y, dtype):
    """The network's targets: one 0/1 column (binary), one-hot rows, or y as a column."""
    if kind == "binary":
        return (y == 1).astype(dtype)[:, None]
    if kind == "multiclass":
        return np.eye(3, dtype=dtype)[y]
    return y.astype(dtype)[:, None]


def estimator(kind, **kw):
    params = dict(hidden_layer_sizes=HIDDEN, solver="adam", learning_rate=0.01, batch_size=50,
                  alpha=1e-3, random_state=3, max_iter=3, tol=0.0, n_iter_no_change=1000)
    params.update(kw)
    return (MLPRegressor if kind == "regression" else MLPClassifier)(**params)


def start(kind, d=D, seed=11):
    """Initial weights (coefs, intercepts) for the layer widths of `kind`."""
    rng = np.random.default_rng(seed)
    sizes = (d, *HIDDEN, 3 if kind == "multiclass" else 1)
    coefs = [rng.normal(scale=0.5, size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    return coefs, [rng.normal(scale=0.1, size=b) for b in sizes[1:]]


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def chunks_in_turn(est, kind, X, y, sw, rows, epochs, init):
    """The definition of a dask fit, run in memory: ``epochs`` epochs of Network.train_epoch
    over each chunk's rows in turn (seeds, weight scale and penalty as the module says).
    Returns (network, parameters, running statistics)."""
    dtype = X.dtype
    Y = targets(kind, y, dtype)
    output = {"binary": "logistic", "multiclass": "softmax", "regression": "identity"}[kind]
    net = Network((X.shape[1], *est.hidden_layer_sizes, Y.shape[1]), est.activation, output,
                  batch_norm=est.batch_norm, dropout=est.dropout, dtype=dtype)
    params, running = net.pack(*init), net.new_running()
    # with coefs_init the random state draws the two seeds only: shuffles, dropout masks
    seeds = np.random.RandomState(est.random_state).randint(0, 2 ** 31 - 1, size=2)
    sw = None if sw is None else sw.astype(dtype)
    W = float(X.shape[0]) if sw is None else float(np.sum(sw, dtype=np.float64))
    bounds = np.concatenate([[0], np.cumsum(rows)])
    opt = Adam(lr=est.learning_rate)
    for epoch in range(1, epochs + 1):
        for k, s in enumerate(chunk_seeds(seeds[0] + epoch, len(rows))):
            a, b = bounds[k], bounds[k + 1]
            net.train_epoch(X[a:b], Y[a:b], params, opt, batch_size=est.batch_size,
                            seed=int(s), shuffle=est.shuffle, l2=est.alpha / W,
                            sample_weight=None if sw is None else sw[a:b], running=running,
                            dropout_seed=int(seeds[1]), weight_scale=X.shape[0] / W)
    return net, params, running


def assert_close_networks(ours, ref, rtol):
    """Every weight and bias of two fitted estimators within rtol of the largest entry."""
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        err = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30)
        assert err <= rtol, f"relative difference {err:.3g} > {rtol:g}"


def assert_same_network(est, net, params, running, rtol):
    """Every weight, bias, gamma, beta and running statistic of est equals the oracle's."""
    ours = (est.coefs_, est.intercepts_, est.bn_gammas_, est.bn_betas_,
            est.bn_running_means_, est.bn_running_vars_)
    theirs = (*net.unpack(params, batch_norm=True), *net.unpack_running(running)) \
        if net.batch_norm else (*net.unpack(params), [], [], [], [])
    for got_list, ref_list in zip(ours, theirs):
        assert len(got_list) == len(ref_list)
        for got, ref in zip(got_list, ref_list):
            assert got.dtype == ref.dtype
            err = np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-30)
            assert err <= rtol, f"relative difference {err:.3g} > {rtol:g}"


# --------------------------------------------------------------------------- no client


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_unshuffled_fit_on_aligned_chunks_equals_the_in_memory_fit(kind, fmt, batch_norm,
                                                                   weighted):
    """shuffle=False, chunks of 200, 100, 300, 200 rows and batches of 50: the in-memory
    batches, so the in-memory fit (weights, running statistics, loss curve, t_)."""
    X, y, sw = problem(kind, 1, sparse=fmt == "csr")
    sw = sw if weighted else None
    kw = dict(shuffle=False, batch_norm=batch_norm)
    ours = quiet(estimator(kind, **kw).fit, chunked(X, (200, 100, 300, 200)), y,
                 sample_weight=sw)
    ref = quiet(estimator(kind, **kw).fit, X, y, sample_weight=sw)
    for a, b in zip(ours.coefs_ + ours.intercepts_ + ours.bn_running_means_
                    + ours.bn_running_vars_, ref.coefs_ + ref.intercepts_
                    + ref.bn_running_means_ + ref.bn_running_vars_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-12)
    assert (ours.n_iter_, ours.t_) == (ref.n_iter_, ref.t_) == (3, 3 * N)


@pytest.mark.parametrize("make", [Adam, NAdam, ASGD], ids=["adam", "nadam", "asgd"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_parameter_groups_on_chunks_equal_the_in_memory_fit(batch_norm, make):
    """An optimizer with parameter groups (no decay on the biases, a slower last layer) is
    handed from chunk to chunk with its per-segment rules and every group's carried numbers
    (NAdam's mu_product, ASGD's eta; in param_groups): the in-memory fit's numbers."""
    X, y, sw = problem("multiclass", 4)
    solver = make(lr=0.01, weight_decay=0.01, param_groups=[
        {"params": ["biases", "betas"], "weight_decay": 0.0},
        {"params": "weights[-1]", "lr": 0.002}])
    kw = dict(shuffle=False, batch_norm=batch_norm, solver=solver)
    ours = quiet(estimator("multiclass", **kw).fit, chunked(X, (200, 100, 300, 200)), y,
                 sample_weight=sw)
    ref = quiet(estimator("multiclass", **kw).fit, X, y, sample_weight=sw)
    for a, b in zip(ours.coefs_ + ours.intercepts_ + ours.bn_gammas_ + ours.bn_betas_,
                    ref.coefs_ + ref.intercepts_ + ref.bn_gammas_ + ref.bn_betas_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert ours._optimizer.param_groups == ref._optimizer.param_groups
    plain = quiet(estimator("multiclass", shuffle=False, batch_norm=batch_norm).fit, X, y,
                  sample_weight=sw)
    assert np.max(np.abs(plain.coefs_[-1] - ref.coefs_[-1])) > 1e-6


@pytest.mark.parametrize("kind,fmt,batch_norm,dropout,weighted", [
    ("binary", "dense", False, 0.0, False),
    ("binary", "csr", True, 0.0, True),
    ("multiclass", "dense", True, 0.2, True),
    ("multiclass", "csr", False, 0.2, False),
    ("regression", "dense", True, 0.0, True),
    ("regression", "csr", False, 0.1, True),
])
def test_shuffled_fit_equals_the_chunks_trained_in_turn(kind, fmt, batch_norm, dropout,
                                                        weighted):
    X, y, sw = problem(kind, 2, sparse=fmt == "csr")
    sw = sw if weighted else None
    rows = (250, 150, 400)  # not multiples of the batch: each chunk ends in a short batch
    init = start(kind)
    est = estimator(kind, batch_norm=batch_norm, dropout=dropout)
    quiet(est.fit, chunked(X, rows), y, sample_weight=sw, coefs_init=init[0],
          intercepts_init=init[1])
    assert_same_network(est, *chunks_in_turn(est, kind, X, y, sw, rows, 3, init), rtol=1e-12)
    # ... and not the in-memory fit, whose shuffle runs across the chunks
    ref = quiet(estimator(kind, batch_norm=batch_norm, dropout=dropout).fit, X, y,
                sample_weight=sw, coefs_init=init[0], intercepts_init=init[1])
    assert np.max(np.abs(ref.coefs_[0] - est.coefs_[0])) > 1e-6


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_float32_chunks_train_a_float32_network(kind, fmt):
    X, y, sw = problem(kind, 3, dtype=np.float32, sparse=fmt == "csr")
    rows = (300, 260, 240)
    init = start(kind)
    est = estimator(kind, batch_norm=True)
    quiet(est.fit, chunked(X, rows), y, sample_weight=sw, coefs_init=init[0],
          intercepts_init=init[1])
    assert est.coefs_[0].dtype == np.float32
    # the same float32 operations in the same order: float32's rounding at most
    assert_same_network(est, *chunks_in_turn(est, kind, X, y, sw, rows, 3, init), rtol=1e-6)
    pred = est.predict(chunked(X, rows))
    np.testing.assert_array_equal(pred.compute(), est.predict(X))


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_partial_fit_is_one_epoch_over_the_chunks(kind):
    """Each partial_fit on a dask array is the next epoch of the fit: three calls equal
    fit(max_iter=3) on the chunks, and the definition."""
    X, y, sw = problem(kind, 4)
    rows = (300, 300, 200)
    init = start(kind)
    fitted = quiet(estimator(kind, batch_norm=True).fit, chunked(X, rows), y,
                   sample_weight=sw, coefs_init=init[0], intercepts_init=init[1])
    # the first epoch from the same start: a fit of max_iter=1, then partial_fit twice
    est = quiet(estimator(kind, batch_norm=True, max_iter=1).fit, chunked(X, rows), y,
                sample_weight=sw, coefs_init=init[0], intercepts_init=init[1])
    kw = {} if kind == "regression" else {"classes": [0, 1, 2]}
    for _ in range(2):
        est.partial_fit(chunked(X, rows), y, sample_weight=sw, **kw)
    assert est.n_iter_ == 3 and est.t_ == 3 * N
    for a, b in zip(est.coefs_ + est.bn_running_vars_, fitted.coefs_ + fitted.bn_running_vars_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(est.loss_curve_, fitted.loss_curve_, rtol=1e-12)
    assert_same_network(est, *chunks_in_turn(est, kind, X, y, sw, rows, 3, init), rtol=1e-12)


def test_partial_fit_from_scratch_on_chunks_equals_in_memory_partial_fit():
    X, y, _ = problem("binary", 5)
    kw = dict(shuffle=False)
    ours, ref = estimator("binary", **kw), estimator("binary", **kw)
    for _ in range(2):
        ours.partial_fit(chunked(X, (400, 400)), da.from_array(y, chunks=100), classes=[0, 1])
        ref.partial_fit(X, y, classes=[0, 1])
    for a, b in zip(ours.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_class_weight_and_dask_targets_behave_as_in_memory():
    """class_weight multiplies into the weights as in memory; y and sample_weight may be
    dask arrays of other chunks (they are gathered once)."""
    X, y, sw = problem("multiclass", 6)
    kw = dict(shuffle=False, class_weight="balanced")
    ours = quiet(estimator("multiclass", **kw).fit, chunked(X, (400, 200, 200)),
                 da.from_array(y, chunks=300), sample_weight=da.from_array(sw, chunks=350))
    ref = quiet(estimator("multiclass", **kw).fit, X, y, sample_weight=sw)
    for a, b in zip(ours.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_multilabel_y_and_a_y_of_unknown_chunk_lengths():
    """A 0/1 indicator y (one sigmoid per label) and a dask y whose chunk lengths are
    unknown (gathered once, then split as X's rows): the in-memory fits."""
    X, y, _ = problem("multiclass", 16)
    labels = np.eye(3, dtype=int)[y]
    labels[:, 0] |= X[:, 1] > 0
    y_unknown = da.from_array(y, chunks=200)
    y_unknown = y_unknown[y_unknown >= 0]
    assert np.isnan(y_unknown.chunks[0][0])
    for target, in_memory in ((labels, labels), (y_unknown, y)):
        ours = quiet(estimator("multiclass", shuffle=False).fit, chunked(X, (200, 200, 400)),
                     target)
        ref = quiet(estimator("multiclass", shuffle=False).fit, X, in_memory)
        for a, b in zip(ours.coefs_, ref.coefs_):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(ours.predict(chunked(X, (400, 400))).compute(),
                                      ref.predict(X))


def test_divergence_on_chunks_is_a_clear_error_and_keeps_nothing():
    X, y, _ = problem("regression", 17, n=400)
    est = estimator("regression", solver="sgd", learning_rate=1e4)
    with pytest.raises(FloatingPointError, match="(diverged|exploded) at epoch.*smaller learning_rate"):
        est.fit(chunked(X, (200, 200)), 1e3 * y)
    assert not hasattr(est, "coefs_")


def test_an_epoch_cut_short_by_a_lost_connection_runs_again_with_the_same_numbers(monkeypatch):
    """A chunk's epoch failing with a connection error (what a lost worker gives) regroups
    the chunks and reruns the epoch from its start: the undisturbed fit's bits (a real
    lost worker on a LocalCluster was measured the same way: identical weights)."""
    X, y, _ = problem("binary", 18)
    rows = (300, 300, 200)
    ref = quiet(estimator("binary").fit, chunked(X, rows), y)
    real_epoch, calls = fodask._NetworkChunkGroup.epoch, []

    def flaky(self, position, state, *args):
        calls.append(position)
        if len(calls) == 5:  # the second epoch's second chunk
            raise OSError("Unable to contact Actor's worker")
        return real_epoch(self, position, state, *args)

    monkeypatch.setattr(fodask._NetworkChunkGroup, "epoch", flaky)
    ours = quiet(estimator("binary").fit, chunked(X, rows), y)
    assert len(calls) == 3 * 3 + 2  # one epoch's two chunks ran twice
    for a, b in zip(ours.coefs_, ref.coefs_):
        np.testing.assert_array_equal(a, b)


def test_warm_start_and_empty_chunks():
    """A chunk of no rows trains nothing; warm_start continues from the fitted weights."""
    X, y, _ = problem("binary", 7)
    Xd = chunked(X, (400, 0, 400))
    kw = dict(shuffle=False, warm_start=True, max_iter=2)
    ours = quiet(estimator("binary", **kw).fit, Xd, y)
    ref = quiet(estimator("binary", **kw).fit, X, y)
    quiet(ours.fit, Xd, y)
    quiet(ref.fit, X, y)
    assert ours.n_iter_ == ref.n_iter_ == 4
    np.testing.assert_allclose(ours.coefs_[0], ref.coefs_[0], rtol=1e-12, atol=1e-15)


def test_stopping_rule_watches_the_weighted_mean_loss_over_the_chunks():
    """The epoch's loss is sum_k W_k loss_k / W (plus the penalty): the in-memory curve,
    so the fit stops at the same epoch."""
    X, y, sw = problem("regression", 8)
    kw = dict(shuffle=False, tol=1e-3, n_iter_no_change=2, max_iter=200, learning_rate=0.05)
    ours = estimator("regression", **kw).fit(chunked(X, (100, 500, 200)), y, sample_weight=sw)
    ref = estimator("regression", **kw).fit(X, y, sample_weight=sw)
    assert 3 < ours.n_iter_ == ref.n_iter_ < 200
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-12)
    assert ours.best_loss_ == pytest.approx(ref.best_loss_, rel=1e-12)


@pytest.mark.parametrize("kind", ["binary", "regression"])
def test_lbfgs_sums_the_objective_over_the_chunks(kind):
    X, y, sw = problem(kind, 9)
    rows = (350, 250, 200)
    Y = targets(kind, y, np.float64)
    output = "logistic" if kind == "binary" else "identity"
    net = Network((D, *HIDDEN, 1), "tanh", output)
    data = DaskData(chunked(X, rows))
    dnet = DaskNetwork(net, data, Y, sw)
    params = net.pack(*start(kind))
    value, grad = dnet.loss_grad(data, Y, params, l2=0.3, sample_weight=sw)
    rv, rg = net.loss_grad(X, Y, params, l2=0.3, sample_weight=sw)
    assert value == pytest.approx(rv, rel=1e-13)
    np.testing.assert_allclose(grad, rg, rtol=1e-11, atol=1e-14 * np.max(np.abs(rg)))
    # the fit: the same objective, summed in another order, so the same L-BFGS steps up to
    # rounding (measured 1e-14 after 20 iterations; on this non-convex objective such
    # differences grow with more iterations, as for any other order of the sums)
    kw = dict(solver="lbfgs", activation="tanh", max_iter=20, tol=1e-12)
    ours = quiet(estimator(kind, **kw).fit, chunked(X, rows), y, sample_weight=sw)
    ref = quiet(estimator(kind, **kw).fit, X, y, sample_weight=sw)
    assert ours.n_iter_ == ref.n_iter_ == 20
    assert_close_networks(ours, ref, 1e-11)
    assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-12)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression", "regression-2d"])
def test_predictions_on_dask_input_are_lazy_and_exact(kind):
    X, y, _ = problem(kind.split("-")[0], 10)
    if kind == "regression-2d":
        y = np.column_stack([y, -2 * y])
    est = quiet(estimator(kind.split("-")[0], batch_norm=True).fit, X, y)
    Xd = chunked(X, (300, 300, 200))
    methods = ["predict"] if kind.startswith("regression") else [
        "predict", "predict_proba", "predict_log_proba"]
    for name in methods:
        lazy = getattr(est, name)(Xd)
        assert isinstance(lazy, da.Array), name
        np.testing.assert_array_equal(lazy.compute(), getattr(est, name)(X))


def test_bad_dask_input_is_refused_with_the_fix():
    X, y, _ = problem("binary", 11, n=200)
    est = estimator("binary")
    columns = da.from_array(X, chunks=(100, 3))
    with pytest.raises(ValueError, match=r"X is chunked along its columns.*X\.rechunk\(\{1: -1\}\)"):
        est.fit(columns, y)
    with pytest.raises(ValueError, match=r"X is chunked along its columns"):
        est.partial_fit(columns, y, classes=[0, 1])
    unknown = chunked(X, (100, 100))
    unknown = unknown[unknown[:, 0] > -100]
    with pytest.raises(ValueError, match="X has chunks of unknown length.*compute_chunk_sizes"):
        est.fit(unknown, y)
    with pytest.raises(ValueError, match="y has 150 samples but X has 200"):
        est.fit(chunked(X, (100, 100)), da.from_array(y[:150], chunks=50))
    with pytest.raises(TypeError, match="coefs_init holds dask arrays.*compute"):
        est.fit(chunked(X, (100, 100)), y, coefs_init=[da.from_array(W) for W in
                                                       start("binary")[0]],
                intercepts_init=start("binary")[1])
    with pytest.raises(ValueError, match="early_stopping=True is not available on dask arrays"
                                         ".*early_stopping=False.*X.compute"):
        estimator("binary", early_stopping=True).fit(chunked(X, (100, 100)), y)
    with pytest.raises(ValueError, match="lbfgs.*batch_norm=True.*do not split over the chunks"):
        estimator("binary", solver="lbfgs", batch_norm=True).fit(chunked(X, (100, 100)), y)
    with pytest.raises(ValueError, match="leaves a training batch of one sample in chunk 1 "
                                         "of X \\(51 rows.*rechunk X"):
        estimator("binary", batch_norm=True).fit(chunked(X, (149, 51)), y)
    bad = X.copy()
    bad[150, 2] = np.nan
    with pytest.raises(ValueError, match="X \\(a chunk of the dask array\\) contains NaN"):
        est.fit(chunked(bad, (100, 100)), y)
    with pytest.raises(ValueError, match="2-D"):
        est.fit(da.from_array(X[:, 0], chunks=100), y)
    assert not hasattr(est, "coefs_")  # nothing of a refused fit is kept


def test_a_refused_partial_fit_leaves_the_fitted_model_as_it_was():
    X, y, _ = problem("binary", 12, n=200)
    est = quiet(estimator("binary").fit, X, y)
    before = [W.copy() for W in est.coefs_]
    with pytest.raises(ValueError, match="X has 5 features, but MLPClassifier is expecting 6"):
        est.partial_fit(chunked(X[:, :5], (100, 100)), y)
    with pytest.raises(ValueError, match="NaN"):
        est.partial_fit(chunked(np.full_like(X, np.nan), (100, 100)), y)
    for a, b in zip(est.coefs_, before):
        np.testing.assert_array_equal(a, b)


def test_auto_batch_moves_past_a_chunk_ending_in_one_row():
    """batch_size='auto' (200) with batch norm: a chunk of 401 rows would end in a batch of
    one; the batch moves up (to 201: 401 = 201 + 200) as it does in memory for n rows."""
    X, y, _ = problem("binary", 13, n=801)
    est = quiet(estimator("binary", batch_norm=True, batch_size="auto", max_iter=1).fit,
                chunked(X, (400, 401)), y)
    assert est.t_ == 801
    assert est._batch(801, (400, 401)) == 201


def test_dask_network_takes_back_its_own_data_only():
    X, y, sw = problem("regression", 14, n=200)
    net = Network((D, 4, 1), "relu", "identity", batch_norm=True)
    data = DaskData(chunked(X, (100, 100)))
    Y = targets("regression", y, np.float64)
    dnet = DaskNetwork(net, data, Y, sw)
    rng = np.random.default_rng(1)
    params = net.pack([rng.normal(size=(D, 4)), rng.normal(size=(4, 1))],
                      [np.zeros(4), np.zeros(1)])
    with pytest.raises(ValueError, match="trains on the X, Y and sample_weight it was built"):
        dnet.train_epoch(data, Y.copy(), params, Adam(), batch_size=10, sample_weight=sw,
                         running=net.new_running())
    with pytest.raises(ValueError, match="batch norm's statistics of all rows.*training=False"):
        dnet.loss_grad(data, Y, params, sample_weight=sw)
    with pytest.raises(ValueError, match="running is required"):
        dnet.train_epoch(data, Y, params, Adam(), batch_size=10, sample_weight=sw)
    # evaluation mode splits over chunks: the in-memory value
    running = net.new_running()
    value, _ = dnet.loss_grad(data, Y, params, sample_weight=sw, training=False,
                              running=running)
    ref, _ = net.loss_grad(X, Y, params, sample_weight=sw, training=False, running=running)
    assert value == pytest.approx(ref, rel=1e-13)


def test_fitting_a_network_in_memory_imports_no_dask():
    code = ("import sys, numpy as np; from fastoptim import MLPClassifier; "
            "X = np.random.default_rng(0).normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int); "
            "MLPClassifier((4,), max_iter=2).fit(X, y).predict(X); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- a LocalCluster (the
# module-scoped `client` fixture of conftest.py)


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_on_the_cluster_each_chunk_trains_where_it_is_held(client, kind):
    """Five chunks on two workers: the chunks-in-turn definition, and the same bits as the
    local scheduler; predictions computed on the workers equal the in-memory ones."""
    X, y, sw = problem(kind, 15)
    rows = (200, 150, 150, 100, 200)
    init = start(kind)
    kw = dict(batch_norm=True, dropout=0.1 if kind == "multiclass" else 0.0)
    est = quiet(estimator(kind, **kw).fit, chunked(X, rows), y, sample_weight=sw,
                coefs_init=init[0], intercepts_init=init[1])
    held = client.who_has()
    assert len({w for ws in held.values() for w in ws}) == 2  # both workers hold chunks
    assert_same_network(est, *chunks_in_turn(est, kind, X, y, sw, rows, 3, init), rtol=1e-12)
    saved = fodask._client
    fodask._client = lambda: None  # the same chunk functions, in this process
    try:
        local = quiet(estimator(kind, **kw).fit, chunked(X, rows), y, sample_weight=sw,
                      coefs_init=init[0], intercepts_init=init[1])
    finally:
        fodask._client = saved
    for a, b in zip(est.coefs_ + est.bn_running_means_, local.coefs_ + local.bn_running_means_):
        np.testing.assert_array_equal(a, b)
    pred = est.predict(chunked(X, rows))
    assert isinstance(pred, da.Array)
    np.testing.assert_array_equal(pred.compute(), est.predict(X))


def test_partial_fit_and_lbfgs_on_the_cluster(client):
    X, y, sw = problem("binary", 16)
    rows = (400, 200, 200)
    ours = estimator("binary", shuffle=False)
    ref = estimator("binary", shuffle=False)
    for _ in range(2):
        ours.partial_fit(chunked(X, rows), y, classes=[0, 1], sample_weight=sw)
        ref.partial_fit(X, y, classes=[0, 1], sample_weight=sw)
    for a, b in zip(ours.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    kw = dict(solver="lbfgs", max_iter=20, tol=1e-12)
    ours = quiet(estimator("binary", **kw).fit, chunked(X, rows), y, sample_weight=sw)
    ref = quiet(estimator("binary", **kw).fit, X, y, sample_weight=sw)
    assert ours.n_iter_ == ref.n_iter_ == 20
    assert_close_networks(ours, ref, 1e-11)  # as test_lbfgs_sums_the_objective_over_the_chunks
    np.testing.assert_array_equal(ours.predict(chunked(X, rows)).compute(), ref.predict(X))
