"""The estimators on dask arrays (fastoptim._dask): the same fits as in memory, X kept on the
workers of a dask.distributed LocalCluster with 2 worker processes.  Skipped without dask."""
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from fastoptim import (SVC, KernelRidge, LinearRegression, LinearSVC,  # noqa: E402
                       LogisticRegression, Ridge, SoftmaxRegression)
from fastoptim._dask import DaskData, DaskObjective  # noqa: E402
from fastoptim.losses import Objective  # noqa: E402

N, D = 4000, 8


def problem(seed=0, n=N, d=D, n_classes=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + rng.normal(size=d)
    w = rng.normal(size=(n_classes, d))
    if n_classes > 2:
        y = np.argmax(X @ w.T + rng.normal(size=(n, n_classes)), axis=1)
    else:
        s = X @ w[0] + rng.normal(size=n)
        y = (s > np.median(s)).astype(int)
    sw = rng.uniform(0.5, 2.0, size=n)
    return X, y, sw


def chunked(X, n_chunks=4):
    return da.from_array(X, chunks=(int(np.ceil(X.shape[0] / n_chunks)), X.shape[1]),
                         asarray=not sp.issparse(X))


def assert_rel(got, ref, rtol):
    err = np.max(np.abs(np.asarray(got) - np.asarray(ref))) / max(np.max(np.abs(ref)), 1e-300)
    assert err <= rtol, f"relative difference {err:.3g} > {rtol:g}"


# --------------------------------------------------------------------------- no client: local scheduler


def test_local_scheduler_without_a_client_gives_the_in_memory_fit():
    X, y, sw = problem(1)
    ours = LogisticRegression(tol=1e-10).fit(chunked(X), da.from_array(y, chunks=N // 4),
                                              sample_weight=sw)
    ref = LogisticRegression(tol=1e-10).fit(X, y, sample_weight=sw)
    assert_rel(ours.coef_, ref.coef_, 1e-6)
    assert_rel(ours.intercept_, ref.intercept_, 1e-6)


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_local_scheduler_multinomial_newton_cholesky(C):
    """The chunks' (K(d+1))^2 softmax Hessians summed: the in-memory fit."""
    X, y, sw = problem(6, n_classes=3)
    kw = dict(solver="newton-cholesky", C=C, tol=1e-10)
    ours = LogisticRegression(**kw).fit(chunked(X), da.from_array(y, chunks=N // 4),
                                        sample_weight=sw)
    ref = LogisticRegression(**kw).fit(X, y, sample_weight=sw)
    assert_rel(ours.coef_, ref.coef_, 1e-9)
    assert_rel(ours.intercept_, ref.intercept_, 1e-9)


def test_fastoptim_imports_dask_only_when_given_a_dask_collection():
    code = ("import sys, numpy as np; from fastoptim import LogisticRegression, Ridge; "
            "X = np.random.default_rng(0).normal(size=(50, 3)); y = (X[:, 0] > 0).astype(int); "
            "LogisticRegression().fit(X, y).predict(X); Ridge().fit(X, X[:, 1]).predict(X); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_kernel_estimators_say_they_need_in_memory_data():
    X, y, _ = problem(2, n=200)
    with pytest.raises(TypeError, match="KernelRidge needs in-memory data.*compute"):
        KernelRidge().fit(chunked(X), y.astype(float))
    with pytest.raises(TypeError, match="SVC needs in-memory data.*LinearSVC"):
        SVC().fit(chunked(X), y)
    with pytest.raises(TypeError, match="dask collection.*compute"):
        LogisticRegression(solver="sgd").fit(X, y).partial_fit(chunked(X), y)
    with pytest.raises(ValueError, match="solver='lstsq' needs in-memory data"):
        LinearRegression(solver="lstsq").fit(chunked(X), y.astype(float))
    with pytest.raises(ValueError, match="early_stopping"):
        LogisticRegression(solver="adam", early_stopping=True).fit(chunked(X), y)


def test_bad_dask_input():
    X, y, _ = problem(3, n=200)
    with pytest.raises(ValueError, match="2-D"):
        LogisticRegression().fit(da.from_array(X[:, 0], chunks=50), y)
    with pytest.raises(ValueError, match="real numbers"):
        LogisticRegression().fit(da.from_array(X.astype(complex), chunks=(50, D)), y)
    bad = X.copy()
    bad[7, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(chunked(bad), y)
    Xd = chunked(X)[chunked(X)[:, 0] > -100]  # unknown chunk sizes
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        LogisticRegression().fit(Xd, y)


# --------------------------------------------------------------------------- a LocalCluster (the
# module-scoped `client` fixture of conftest.py)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky"])
@pytest.mark.parametrize("weighted", [False, True])
def test_logistic_regression_on_the_cluster_equals_in_memory(client, solver, weighted):
    X, y, sw = problem(4)
    sw = sw if weighted else None
    kw = dict(solver=solver, tol=1e-10, max_iter=200)
    ours = LogisticRegression(**kw).fit(chunked(X, 5), da.from_array(y, chunks=800),
                                        sample_weight=sw)
    ref = LogisticRegression(**kw).fit(X, y, sample_weight=sw)
    assert_rel(ours.coef_, ref.coef_, 1e-6)
    assert_rel(ours.intercept_, ref.intercept_, 1e-6)
    pred = ours.predict(chunked(X, 5))
    assert isinstance(pred, da.Array)
    np.testing.assert_array_equal(pred.compute(), ref.predict(X))
    proba = ours.predict_proba(chunked(X, 5))
    assert isinstance(proba, da.Array) and proba.shape == (N, 2)
    np.testing.assert_allclose(proba.compute(), ref.predict_proba(X), atol=1e-6)


def test_softmax_regression_on_the_cluster_equals_in_memory(client):
    X, y, _ = problem(5, n_classes=4)
    ours = SoftmaxRegression(tol=1e-10, max_iter=500).fit(chunked(X), y)
    ref = SoftmaxRegression(tol=1e-10, max_iter=500).fit(X, y)
    assert_rel(ours.coef_, ref.coef_, 1e-6)
    np.testing.assert_array_equal(ours.predict(chunked(X)).compute(), ref.predict(X))


@pytest.mark.parametrize("est", [Ridge(alpha=2.0), Ridge(alpha=2.0, solver="cg", tol=1e-12),
                                 LinearRegression()], ids=repr)
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_least_squares_on_the_cluster_equals_in_memory(client, est, fmt):
    X, _, sw = problem(6)
    X = X if fmt == "dense" else sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    y = X @ np.arange(1.0, D + 1) + np.random.default_rng(6).normal(size=N)
    ours = est.fit(chunked(X), da.from_array(y, chunks=N // 4), sample_weight=sw)
    coef, intercept = ours.coef_.copy(), ours.intercept_
    ref = est.fit(X, y, sample_weight=sw)
    assert_rel(coef, ref.coef_, 1e-6)
    assert abs(intercept - ref.intercept_) <= 1e-6 * max(1.0, abs(ref.intercept_))


@pytest.mark.parametrize("solver", [None, "newton-cg"], ids=["default", "newton-cg"])
def test_linear_svc_primal_on_the_cluster_equals_in_memory(client, solver):
    X, y, _ = problem(7)
    kw = dict(dual=False, tol=1e-10, max_iter=500)
    if solver is not None:
        kw["solver"] = solver
    try:
        ref = LinearSVC(**kw).fit(X, y)
    except ValueError as exc:  # the primal solver is not available in this build
        pytest.skip(str(exc))
    ours = LinearSVC(**kw).fit(chunked(X), y)
    assert_rel(ours.coef_, ref.coef_, 1e-6)
    assert_rel(ours.intercept_, ref.intercept_, 1e-6)


def test_only_d_sized_vectors_travel_per_iteration(client):
    for n in (2000, 8000):
        X, y, _ = problem(8, n=n)
        data = DaskData(chunked(X, 4))
        obj = DaskObjective("logistic", data, np.where(y == 1, 1.0, -1.0), alpha=1e-3)
        ref = Objective("logistic", X, np.where(y == 1, 1.0, -1.0), alpha=1e-3)
        coef = np.linspace(-1, 1, D)
        value, g, gb = obj.value_grad(coef, 0.3)
        rv, rg, rgb = ref.value_grad(coef, 0.3)
        assert abs(value - rv) <= 1e-12 * abs(rv)
        np.testing.assert_allclose(g, rg, rtol=1e-10, atol=1e-14)
        # per worker (2, one actor each): coef (D) and intercept in, value + D + 1 sums out
        assert obj.bytes_per_evaluation == 2 * ((D + 1) * 8 + (1 + D + 1) * 8)
        hv, hb = obj.hessp(coef, 0.3, np.ones(D), 1.0)
        rhv, rhb = ref.hessp(coef, 0.3, np.ones(D), 1.0)
        np.testing.assert_allclose(hv, rhv, rtol=1e-10)
        # the operator: the same products, and the diagonal summed over the chunks
        op, rop = obj.hessp_operator(coef, 0.3), ref.hessp_operator(coef, 0.3)
        np.testing.assert_allclose(op(np.ones(D), 1.0)[0], rhv, rtol=1e-10)
        (dc, db), (rdc, rdb) = op.diagonal(), rop.diagonal()
        np.testing.assert_allclose(dc, rdc, rtol=1e-10)
        assert abs(db - rdb) <= 1e-10 * abs(rdb)


def test_stochastic_solvers_train_the_chunks_in_turn(client):
    X, y, _ = problem(9)
    # a fixed rate: the two runs see the samples in different orders, and the comparison is
    # of their progress, not of where a large rate's noise leaves them
    kw = dict(solver="sgd", max_iter=60, random_state=0, tol=1e-6, batch_size=32,
              learning_rate=0.1)
    on_cluster = LogisticRegression(**kw).fit(chunked(X), y)
    in_memory = LogisticRegression(**kw).fit(X, y)
    assert len(on_cluster.loss_curve_) == on_cluster.n_iter_[0]
    optimum = LogisticRegression(tol=1e-10).fit(X, y)
    obj = Objective("logistic", X, np.where(y == 1, 1.0, -1.0), alpha=1.0 / N)
    f = lambda m: obj.value_grad(m.coef_[0].astype(float), m.intercept_[0])[0]  # noqa: E731
    # the same steps as in memory but for the shuffle (within chunks): the same progress
    assert abs(f(on_cluster) - f(in_memory)) <= 1e-2 * f(in_memory)
    assert f(on_cluster) - f(optimum) <= 0.05 * f(optimum)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_auto_learning_rate_on_chunks_reaches_the_optimum(client, solver):
    """learning_rate='auto' tests its rates on rows gathered from the chunks (the same sample
    as in memory), then cuts the rate on plateaus: near the optimum at the defaults."""
    X, y, _ = problem(9)
    obj = Objective("logistic", X, np.where(y == 1, 1.0, -1.0), alpha=1.0 / N)
    f = lambda m: obj.value_grad(m.coef_[0].astype(float), m.intercept_[0])[0]  # noqa: E731
    best = f(LogisticRegression(tol=1e-10).fit(X, y))
    for data in (chunked(X), X):
        model = LogisticRegression(solver=solver, random_state=0).fit(data, y)
        assert f(model) - best <= 0.01 * best


def test_cluster_and_local_scheduler_give_the_same_stochastic_bits(client):
    X, y, _ = problem(10, n=1200)
    kw = dict(solver="momentum", max_iter=5, random_state=3, batch_size=16)
    on_cluster = LogisticRegression(**kw).fit(chunked(X, 3), y)
    # the local path (no client) evaluates the same chunk functions in this process
    import dask
    with dask.config.set(scheduler="synchronous"):
        local = _fit_without_client(LogisticRegression(**kw), chunked(X, 3), y)
    np.testing.assert_array_equal(on_cluster.coef_, local.coef_)
    np.testing.assert_array_equal(on_cluster.intercept_, local.intercept_)


def _fit_without_client(est, X, y):
    import fastoptim._dask as fd
    saved = fd._client
    fd._client = lambda: None
    try:
        return est.fit(X, y)
    finally:
        fd._client = saved


def test_a_worker_lost_mid_fit_is_recomputed_or_reported(client):
    X, y, _ = problem(11, n=60000, d=20)
    ref = LogisticRegression(solver="gd", tol=1e-9, max_iter=60).fit(X, y)
    result = {}

    def fit():
        try:
            result["model"] = LogisticRegression(solver="gd", tol=1e-9, max_iter=60).fit(
                chunked(X, 6), y)
        except Exception as exc:  # noqa: BLE001 -- any error is an acceptable outcome
            result["error"] = exc

    thread = threading.Thread(target=fit)
    thread.start()
    time.sleep(1.5)
    victim = sorted(client.scheduler_info()["workers"])[0]
    try:  # the nanny restarts it; its chunks are gone
        client.run(os._exit, 1, workers=[victim])
    except (OSError, distributed.comm.core.CommClosedError):
        pass  # the worker died before it could answer: as intended
    thread.join(timeout=120)
    assert not thread.is_alive(), "the fit hung after a worker was lost"
    if "model" in result:
        assert_rel(result["model"].coef_, ref.coef_, 1e-6)
    else:
        assert str(result["error"])  # a clear error, not a silently wrong model


def test_cumulative_l1_carries_over_the_chunks(client):
    """run_epoch(l1=) over a DaskObjective: the chunks in turn with one optimizer, whose
    cumulative-penalty state goes from chunk to chunk -- the same bits as the in-memory
    engine over the chunks' rows in turn; and the estimator reaches the L1 optimum."""
    from fastoptim._dask import chunk_seeds
    from fastoptim.optim import SGD, run_epoch

    X, y, _ = problem(12, n=1200)
    ys = np.where(y == 1, 1.0, -1.0)
    obj = DaskObjective("logistic", DaskData(chunked(X, 3)), ys, alpha=1e-3)
    c, b, opt = np.zeros(D), np.zeros(1), SGD(lr=0.05)
    c2, b2, opt2 = np.zeros(D), np.zeros(1), SGD(lr=0.05)
    for epoch in range(2):
        obj.run_epoch(opt, c, b, batch_size=4, seed=epoch, l1=0.2)
        for k, s in enumerate(chunk_seeds(epoch, 3)):
            part = Objective("logistic", X[400 * k:400 * (k + 1)], ys[400 * k:400 * (k + 1)],
                             alpha=1e-3)
            run_epoch(part, opt2, c2, b2, batch_size=4, seed=int(s), weight_scale=1.0, l1=0.2)
    np.testing.assert_array_equal(c, c2)
    np.testing.assert_array_equal(opt._l1_state["q"], opt2._l1_state["q"])
    assert np.sum(c == 0) >= 1
    model = LogisticRegression(penalty="l1", C=0.05, solver="sgd", random_state=0)
    on_chunks = model.fit(chunked(X), y)
    best = LogisticRegression(penalty="l1", C=0.05, solver="newton-cd", tol=1e-10).fit(X, y)
    f = lambda m: (0.05 * np.sum(np.logaddexp(0, -ys * (X @ m.coef_[0] + m.intercept_[0])))  # noqa: E731
                   + np.abs(m.coef_).sum())
    assert f(on_chunks) - f(best) <= 0.01 * f(best)
    np.testing.assert_array_equal(on_chunks.coef_ == 0, best.coef_ == 0)
