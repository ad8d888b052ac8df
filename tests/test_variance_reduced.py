"""SAG, SAGA and SVRG (fastoptim.optim.variance_reduced, src_c/vr.c) and solver='sag' /
'saga' / 'svrg' in the linear estimators.

- the C epochs against the NumPy transcription of fo_vr.h's equations (every method,
  loss, dense and CSR, fixed step and line search, weights, with and without an intercept);
- CSR equals dense, float32 follows float64, the thread count of SVRG's snapshot;
- the optimum: the lbfgs objective to 1e-8 relative on breast cancer, digits (softmax) and
  a9a (sparse) at the default step; scikit-learn's sag/saga coefficients at tol=1e-10;
  linear convergence on a strongly convex problem; the estimators' direct solutions;
- bad input.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import LinearRegression, LinearSVC, LogisticRegression, Ridge, SoftmaxRegression
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.losses import Objective
from fastoptim.optim.schedules import StepDecay
from fastoptim.optim.variance_reduced import (VarianceReducedState, default_step,
                                              lipschitz_constant, run_vr_epoch, visiting_order)
from fastoptim.reference.variance_reduced import vr_epoch as numpy_vr_epoch

METHODS = ("sag", "saga", "svrg")
LOSSES = ("squared", "logistic", "squared_hinge", "softmax")


def _problem(loss, n=50, d=6, density=0.5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[rng.random((n, d)) > density] = 0.0
    if loss == "softmax":
        y = rng.integers(0, 3, n).astype(np.float64)
    elif loss == "squared":
        y = X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n)
    else:
        y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    return X, y, rng.random(n) + 0.5


def _run_both(method, loss, X, y, sw, *, sparse, step, fit_intercept, epochs=3, alpha=0.05,
              alpha_intercept=0.02, l1=0.0):
    """(C results, NumPy results) after `epochs` epochs from zero."""
    Xc = sp.csr_matrix(X) if sparse else X
    obj = Objective(loss, Xc, y, alpha=alpha, sample_weight=sw)
    state = VarianceReducedState(obj, method)
    coef = np.zeros(obj.coef_shape)
    b = np.zeros(obj.n_outputs) if fit_intercept else None
    n, K = X.shape[0], obj.n_outputs
    ref = [np.zeros(obj.coef_shape), np.zeros(K) if fit_intercept else None, np.zeros((n, K)),
           np.zeros(state.grad_sum.shape), np.zeros(n, np.uint8), 0, None, 0.0]
    for epoch in range(epochs):
        loss_c = run_vr_epoch(obj, state, coef, b, step=step, seed=epoch,
                              alpha_intercept=alpha_intercept, l1=l1)
        ref = list(numpy_vr_epoch(method, loss, X, y, ref[0], ref[1], ref[2], ref[3], ref[4],
                                  ref[5], order=visiting_order(n, method, epoch), step=step,
                                  alpha=alpha, alpha_intercept=alpha_intercept,
                                  sample_weight=sw, lipschitz=ref[7],
                                  lipschitz_max=0.0 if step is not None else
                                  state.lipschitz_max(obj, fit_intercept), l1=l1))
        assert loss_c == pytest.approx(ref[6], rel=1e-12)
    return (coef, b, state), ref


# -- the C epochs against the NumPy transcription -----------------------------------------------

@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("line_search", [False, True], ids=["fixed", "line_search"])
@pytest.mark.parametrize("l1", [0.02, 0.3])
def test_saga_proximal_epochs_equal_the_numpy_transcription(loss, sparse, line_search, l1):
    """SAGA with the L1 proximal step: the oracle soft-thresholds every coefficient at every
    step; the CSR path applies the missed steps' maps in closed form when a column comes back
    (l1=0.3: most coefficients sit at zero, crossing it back and forth)."""
    X, y, sw = _problem(loss, n=80, density=0.3)
    obj = Objective(loss, X, y, alpha=0.05, sample_weight=sw)
    step = None if line_search else default_step(obj, "saga", True, 0.0)
    (coef, b, state), ref = _run_both("saga", loss, X, y, sw, sparse=sparse, step=step,
                                      fit_intercept=True, epochs=4, alpha_intercept=0.0, l1=l1)
    np.testing.assert_allclose(coef, ref[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(b, ref[1], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(coef == 0, ref[0] == 0)
    if l1 == 0.3:  # the maps were exercised: exact zeros
        assert np.any(coef == 0)


def test_saga_proximal_folds_the_scale_exactly():
    """A large fixed step with an L2 share: the CSR path's scale falls below 1e-9 and is
    folded into the coefficients (their catch-up with the proximal maps first)."""
    X, y, sw = _problem("logistic", n=400, density=0.3, seed=3)
    (coef, b, _), ref = _run_both("saga", "logistic", X, y, sw, sparse=True, step=0.5,
                                  fit_intercept=True, epochs=2, alpha=0.3, alpha_intercept=0.0,
                                  l1=0.01)
    np.testing.assert_allclose(coef, ref[0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(coef == 0, ref[0] == 0)


@pytest.mark.parametrize("method", ["sag", "svrg"])
def test_l1_needs_saga(method):
    X, y, sw = _problem("logistic")
    obj = Objective("logistic", X, y, alpha=0.05)
    state = VarianceReducedState(obj, method)
    with pytest.raises(ValueError, match=r"l1 > 0 needs method 'saga'"):
        run_vr_epoch(obj, state, np.zeros(obj.coef_shape), np.zeros(1), l1=0.1)
    with pytest.raises(ValueError, match=r"l1 must be a finite number >= 0"):
        run_vr_epoch(obj, VarianceReducedState(obj, "saga"), np.zeros(obj.coef_shape),
                     np.zeros(1), l1=-1.0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("line_search", [False, True], ids=["fixed", "line_search"])
def test_epochs_equal_the_numpy_transcription(method, loss, sparse, line_search):
    X, y, sw = _problem(loss)
    obj = Objective(loss, X, y, alpha=0.05, sample_weight=sw)
    step = None if line_search else default_step(obj, method, True, 0.02)
    (coef, b, state), ref = _run_both(method, loss, X, y, sw, sparse=sparse, step=step,
                                      fit_intercept=True)
    np.testing.assert_allclose(coef, ref[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(b, ref[1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(state.memory, ref[2], rtol=0, atol=1e-12)
    np.testing.assert_allclose(state.grad_sum, ref[3], rtol=0, atol=1e-11)
    if method == "sag":
        np.testing.assert_array_equal(state.seen, ref[4])
        assert state.n_seen == ref[5]
    if line_search:
        assert state.lipschitz == pytest.approx(ref[7], rel=1e-12)
        assert state.lipschitz > 0


@pytest.mark.parametrize("method", METHODS)
def test_no_intercept_and_no_weights(method):
    X, y, _ = _problem("logistic", seed=3)
    (coef, b, state), ref = _run_both(method, "logistic", X, y, None, sparse=True, step=None,
                                      fit_intercept=False)
    assert b is None and ref[1] is None
    np.testing.assert_allclose(coef, ref[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("loss", LOSSES)
def test_csr_equals_dense(method, loss):
    """The just-in-time updates of CSR data give the dense computation (to rounding), also
    on rows with few nonzeros and columns that stay absent for many steps."""
    X, y, sw = _problem(loss, n=200, d=30, density=0.08, seed=5)
    X[:, 7] = 0.0  # a column that never appears
    results = []
    for Xc in (X, sp.csr_matrix(X)):
        obj = Objective(loss, Xc, y, alpha=0.3, sample_weight=sw)  # large decays: wscale shrinks
        state = VarianceReducedState(obj, method)
        coef, b = np.zeros(obj.coef_shape), np.zeros(obj.n_outputs)
        for epoch in range(4):
            run_vr_epoch(obj, state, coef, b, seed=epoch)
        results.append((coef, b))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=0, atol=1e-12)


def test_sparse_rescale_keeps_the_dense_result():
    """A large alpha * step makes the sparse path fold its scale into the coefficients many
    times per epoch (below 1e-9); the result stays the dense one."""
    X, y, _ = _problem("squared", n=300, d=20, density=0.2, seed=2)
    results = []
    for Xc in (X, sp.csr_matrix(X)):
        obj = Objective("squared", Xc, y, alpha=5.0)
        state = VarianceReducedState(obj, "saga")
        coef, b = np.zeros(obj.coef_shape), np.zeros(1)
        for epoch in range(3):
            run_vr_epoch(obj, state, coef, b, step=0.15, seed=epoch)  # a = 0.25 per step
        results.append(np.concatenate([coef, b]))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("method", METHODS)
def test_float32_follows_float64(method):
    X, y, sw = _problem("logistic", n=120, d=8, seed=4)
    out = {}
    for dtype in (np.float64, np.float32):
        obj = Objective("logistic", X.astype(dtype), y, alpha=0.01, sample_weight=sw)
        state = VarianceReducedState(obj, method)
        coef, b = np.zeros(obj.coef_shape, dtype), np.zeros(1, dtype)
        for epoch in range(5):
            run_vr_epoch(obj, state, coef, b, seed=epoch)
        assert coef.dtype == dtype and b.dtype == dtype
        out[dtype] = np.concatenate([coef, b]).astype(np.float64)
    np.testing.assert_allclose(out[np.float32], out[np.float64], rtol=1e-4, atol=1e-5)


def test_svrg_snapshot_threads():
    """SVRG's snapshot pass is split over the threads: the same count gives the same bits,
    other counts agree to rounding."""
    X, y, _ = _problem("softmax", n=3000, d=20, seed=6)
    out = {}
    for threads in (1, 2, 2):
        obj = Objective("softmax", X, y, alpha=0.01, n_threads=threads)
        state = VarianceReducedState(obj, "svrg")
        coef, b = np.zeros(obj.coef_shape), np.zeros(obj.n_outputs)
        for epoch in range(3):
            run_vr_epoch(obj, state, coef, b, seed=epoch)
        value = np.concatenate([coef.ravel(), b])
        if threads in out:
            np.testing.assert_array_equal(value, out[threads])
        out[threads] = value
    np.testing.assert_allclose(out[2], out[1], rtol=1e-12, atol=1e-14)


def test_visiting_order():
    draws = visiting_order(1000, "sag", 7)
    assert draws.min() >= 0 and draws.max() < 1000
    assert len(np.unique(draws)) < 1000  # with replacement: about 632 distinct
    for method in ("saga", "svrg"):
        np.testing.assert_array_equal(np.sort(visiting_order(1000, method, 7)), np.arange(1000))
    np.testing.assert_array_equal(visiting_order(50, "sag", 3), visiting_order(50, "sag", 3))


def test_lipschitz_constant_and_default_steps():
    X, y, sw = _problem("logistic", n=40, d=5)
    obj = Objective("logistic", X, y, alpha=0.1, sample_weight=sw)
    rows = sw * len(sw) / sw.sum() * (np.sum(X ** 2, axis=1) + 1.0)
    L = 0.25 * rows.max() + 0.1
    assert lipschitz_constant(obj, True) == pytest.approx(L, rel=1e-12)
    assert default_step(obj, "sag", True) == pytest.approx(1 / L, rel=1e-12)
    assert default_step(obj, "saga", True) == pytest.approx(1 / (2 * (L + 0.1 * 40)), rel=1e-12)
    assert default_step(obj, "svrg", True) == pytest.approx(1 / (4 * L), rel=1e-12)


def test_line_search_estimate_is_below_the_global_bound():
    """The running L tracks the local curvature: on standardized breast-cancer data it ends
    far below the global bound that the largest row sets (that is its speed)."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X, y = sklearn_datasets.load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    obj = Objective("logistic", X, np.where(y == 1, 1.0, -1.0), alpha=1 / len(y))
    state = VarianceReducedState(obj, "sag")
    coef, b = np.zeros(obj.coef_shape), np.zeros(1)
    for epoch in range(20):
        run_vr_epoch(obj, state, coef, b, seed=epoch)
    assert 0 < state.lipschitz < lipschitz_constant(obj, True) / 4


# -- the optimum -------------------------------------------------------------------------------

def _standardized(loader):
    X, y = loader(return_X_y=True)
    std = X.std(0)
    return (X - X.mean(0)) / np.where(std > 0, std, 1.0), y


def _gap(est, X, y, reference):
    """The relative objective gap of est against reference (fitted on the same data)."""
    loss = "softmax" if isinstance(est, SoftmaxRegression) else "logistic"
    if loss == "logistic":
        target = np.where(y == est.classes_[1], 1.0, -1.0)
        obj = Objective(loss, X, target, alpha=1.0 / (est.C * X.shape[0]))
        value = lambda m: obj.value_grad(np.ravel(m.coef_).astype(np.float64),
                                         np.asarray(m.intercept_, np.float64))[0]
    else:
        obj = Objective(loss, X, np.searchsorted(est.classes_, y).astype(np.float64),
                        alpha=1.0 / (est.C * X.shape[0]))
        value = lambda m: obj.value_grad(m.coef_.astype(np.float64),
                                         np.asarray(m.intercept_, np.float64))[0]
    best = value(reference)
    return (value(est) - best) / best


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("data", ["breast_cancer", "digits"])
def test_reaches_the_lbfgs_objective(method, data):
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X, y = _standardized(getattr(sklearn_datasets, f"load_{data}"))
    E = LogisticRegression if data == "breast_cancer" else SoftmaxRegression
    reference = E(solver="lbfgs", tol=1e-12, max_iter=100000).fit(X, y)
    est = E(solver=method, tol=1e-9, max_iter=20000, random_state=0).fit(X, y)
    gap = _gap(est, X, y, reference)
    assert abs(gap) < 1e-8, gap  # (below 0: ahead of lbfgs at its tol)


@pytest.mark.parametrize("method", METHODS)
def test_reaches_the_lbfgs_objective_on_a9a(method, data_dir):
    from fastoptim.datasets import load_a9a
    if not (data_dir / "a9a" / "a9a").is_file():
        pytest.skip("../shared/data/a9a is absent")
    X, y, _, _ = load_a9a(data_dir / "a9a")
    reference = LogisticRegression(solver="lbfgs", tol=1e-12, max_iter=100000).fit(X, y)
    est = LogisticRegression(solver=method, tol=1e-8, max_iter=2000, random_state=0).fit(X, y)
    gap = _gap(est, X, y, reference)
    assert abs(gap) < 1e-8, gap  # (below 0: ahead of lbfgs at its tol)


@pytest.mark.parametrize("method", ["sag", "saga"])
def test_equals_scikit_learn(method):
    """At tol=1e-10 both stop near the unique optimum: the same coefficients (dense X).  On
    CSR X scikit-learn's solvers damp the intercept's steps (by 0.01) and reach max_iter
    20000 epochs 7e-6 (sag) and 1e-3 (saga) away from the optimum; ours, whose CSR steps
    are the dense ones, stop where they stop on dense X."""
    sklearn = pytest.importorskip("sklearn")
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
    X, y = _standardized(load_breast_cancer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
        theirs = SkLogisticRegression(solver=method, tol=1e-10, max_iter=20000,
                                      random_state=0).fit(X, y)
    scale = np.max(np.abs(theirs.coef_))
    optimum = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=100).fit(X, y)
    for Xc in (X, sp.csr_matrix(X)):
        ours = LogisticRegression(solver=method, tol=1e-10, max_iter=20000,
                                  random_state=0).fit(Xc, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-7 * scale)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-7 * scale)
        np.testing.assert_allclose(ours.coef_, optimum.coef_, rtol=0, atol=1e-8 * scale)


@pytest.mark.parametrize("method", METHODS)
def test_linear_convergence(method):
    """On a strongly convex problem the objective gap falls at least 10x every 8 epochs
    (every 8 SVRG epochs: 16 passes) until it reaches rounding."""
    X, y, _ = _problem("logistic", n=500, d=10, density=1.0, seed=8)
    obj = Objective("logistic", X, y, alpha=0.1)
    # the optimum, by Newton's method on the same objective
    w = np.zeros(11)
    for _ in range(30):
        _, g, H = obj.hessian(w[:10], w[10:])
        w -= np.linalg.solve(H, g)
    best = obj.value_grad(w[:10], w[10:])[0]
    state = VarianceReducedState(obj, method)
    coef, b = np.zeros(10), np.zeros(1)
    gaps = []
    for epoch in range(60):
        run_vr_epoch(obj, state, coef, b, seed=epoch)
        gaps.append(obj.value_grad(coef, b)[0] - best)
    gaps = np.maximum(np.asarray(gaps), 0.0)
    for k in range(0, 48, 8):
        if gaps[k] < 1e-13:
            break
        assert gaps[k + 8] <= gaps[k] / 10, (k, gaps[k], gaps[k + 8])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_ridge_and_linear_regression_equal_the_closed_form(method, sparse):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 8))
    Y = np.column_stack([X @ rng.standard_normal(8) + 2.0, X @ rng.standard_normal(8) - 1.0])
    Y += 0.1 * rng.standard_normal(Y.shape)
    Xc = sp.csr_matrix(X) if sparse else X
    for E, kw in ((Ridge, dict(alpha=3.0)), (LinearRegression, {}),
                  (Ridge, dict(alpha=np.array([1.0, 10.0])))):
        exact = E(solver="cholesky" if E is Ridge else "lstsq", **kw).fit(X, Y)
        est = E(solver=method, tol=1e-12, max_iter=5000, random_state=0, **kw).fit(Xc, Y)
        np.testing.assert_allclose(est.coef_, exact.coef_, rtol=0, atol=1e-8)
        np.testing.assert_allclose(est.intercept_, exact.intercept_, rtol=0, atol=1e-8)
        assert est.solver_ == method and np.asarray(est.n_iter_).shape == (2,)
        if E is LinearRegression:  # one problem per target: a curve each
            assert len(est.loss_curve_) == 2 and est.loss_curve_[0][-1] < est.loss_curve_[0][0]


@pytest.mark.parametrize("method", METHODS)
def test_linear_svc_equals_the_newton_solution(method):
    """The squared hinge with LinearSVC's intercept penalty b^2 / (2 s^2), exactly."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 6))
    y = np.where(X @ rng.standard_normal(6) + 0.3 * rng.standard_normal(300) > 0.5, 1, 0)
    for s in (1.0, 3.0):
        exact = LinearSVC(dual=False, solver="newton-cholesky", tol=1e-12,
                          intercept_scaling=s).fit(X, y)
        est = LinearSVC(dual=False, solver=method, tol=1e-12, max_iter=20000,
                        intercept_scaling=s, random_state=0).fit(X, y)
        np.testing.assert_allclose(est.coef_, exact.coef_, rtol=0, atol=1e-8)
        np.testing.assert_allclose(est.intercept_, exact.intercept_, rtol=0, atol=1e-8)
        assert est.solver_ == method


@pytest.mark.parametrize("method", METHODS)
def test_ovr_and_multinomial(method):
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X, y = _standardized(sklearn_datasets.load_iris)
    for kw in (dict(multi_class="ovr"), dict(multi_class="multinomial")):
        exact = LogisticRegression(solver="lbfgs", tol=1e-12, max_iter=10000, **kw).fit(X, y)
        est = LogisticRegression(solver=method, tol=1e-11, max_iter=50000, random_state=0,
                                 **kw).fit(X, y)
        np.testing.assert_allclose(est.coef_, exact.coef_, rtol=0, atol=2e-6)
        np.testing.assert_allclose(est.predict_proba(X), exact.predict_proba(X), atol=1e-7)


def test_estimator_details():
    X, y, sw = _problem("logistic", n=200, d=5, seed=9)
    # float32 stays float32; sample weights equal repeated rows at the optimum
    est = LogisticRegression(solver="saga", tol=1e-6, random_state=0, max_iter=1000)
    est.fit(X.astype(np.float32), y)
    assert est.coef_.dtype == np.float32 and est.intercept_.dtype == np.float32
    w = np.random.default_rng(0).integers(0, 3, 200)
    weighted = LogisticRegression(solver="sag", tol=1e-12, max_iter=20000, random_state=0)
    weighted.fit(X, y, sample_weight=w)
    repeated = LogisticRegression(solver="sag", tol=1e-12, max_iter=20000, random_state=0)
    repeated.fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-8)
    # a number for learning_rate is the fixed step; warm_start continues
    fixed = LogisticRegression(solver="saga", learning_rate=0.01, max_iter=3, tol=0.0,
                               random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"solver='saga' did not converge in "
                                                r"max_iter=3 epochs"):
        fixed.fit(X, y)
    assert fixed.n_iter_[0] == 3 and len(fixed.loss_curve_) == 3
    assert not hasattr(fixed, "partial_fit")


def test_verbose_prints_each_epoch(capsys):
    X, y, _ = _problem("squared", n=50, d=3)
    Ridge(solver="svrg", max_iter=4, tol=None, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("[Ridge] svrg epoch") == 4


def test_passes_curve_counts_svrg_snapshots():
    X, y, _ = _problem("squared", n=50, d=3)
    est = Ridge(solver="svrg", max_iter=5, tol=None, random_state=0).fit(X, y)
    assert est._passes_curve == [2, 4, 6, 8, 10]
    est = Ridge(solver="saga", max_iter=3, tol=None, random_state=0).fit(X, y)
    assert est._passes_curve == [1, 2, 3]


# -- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_bad_input(method):
    X, y, _ = _problem("logistic", n=40, d=3)
    with pytest.raises(ValueError, match=rf"schedule=.*solver='{method}' takes a fixed step"):
        LogisticRegression(solver=method, schedule=StepDecay(0.1, step_size=5)).fit(X, y)
    with pytest.raises(ValueError, match="learning_rate must be 'auto'"):
        Ridge(solver=method, learning_rate=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="early_stopping=True"):
        Ridge(solver=method, early_stopping=True).fit(X, y)
    with pytest.raises(ValueError, match="tol must be a number >= 0"):
        LogisticRegression(solver=method, tol=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="max_iter"):
        LogisticRegression(solver=method, max_iter=0).fit(X, y)
    with pytest.raises(ValueError, match=rf"solver='{method}' needs a loss with a Lipschitz "
                                         r"gradient, and the Weston-Watkins hinge"):
        LinearSVC(dual=False, solver=method, multi_class="weston_watkins").fit(X, y)
    with pytest.raises(ValueError, match=r"loss='hinge' is not differentiable"):
        LinearSVC(dual=False, solver=method, loss="hinge").fit(X, y)
    with pytest.raises(ValueError, match=r"solves the primal problem, but dual=True"):
        LinearSVC(dual=True, solver=method).fit(X, y)
    # the epoch function
    obj = Objective("hinge", X, y)
    with pytest.raises(ValueError, match="Lipschitz gradient"):
        VarianceReducedState(obj, method) and run_vr_epoch(obj, VarianceReducedState(obj, method),
                                                           np.zeros(3))
    obj = Objective("logistic", X, y)
    state = VarianceReducedState(obj, method)
    for step in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="step must be a finite number > 0"):
            run_vr_epoch(obj, state, np.zeros(3), step=step)
    with pytest.raises(TypeError, match="coef must be an ndarray of dtype float64"):
        run_vr_epoch(obj, state, np.zeros(3, np.float32))
    other = VarianceReducedState(Objective("logistic", X[:10], y[:10]), method)
    with pytest.raises(ValueError, match="state was built for another objective"):
        run_vr_epoch(obj, other, np.zeros(3))
    with pytest.raises(ValueError, match="over every row of X"):
        run_vr_epoch(Objective("logistic", X, y, rows=[0, 1, 2]), state, np.zeros(3))
    with pytest.raises(ValueError, match="method must be one of"):
        VarianceReducedState(obj, "SAG")


def test_divergence_is_a_clear_error():
    X, y, _ = _problem("squared", n=100, d=4)
    with pytest.raises(FloatingPointError, match=r"solver='saga' diverged at epoch \d+ with "
                                                 r"step 1000"):
        Ridge(solver="saga", learning_rate=1000.0, max_iter=50).fit(X * 10, y)


def test_dask_input_is_refused():
    da = pytest.importorskip("dask.array")
    X, y, _ = _problem("logistic", n=40, d=3)
    with pytest.raises(TypeError, match="needs in-memory X"):
        LogisticRegression(solver="saga").fit(da.from_array(X, chunks=20), y)


@pytest.mark.parametrize("method", METHODS)
def test_interpolating_optimum_has_no_noise_floor(method):
    """A consistent underdetermined least-squares problem (4 samples, 12 features, alpha
    0): every sample's gradient vanishes at the optimum, below the line search's test
    threshold.  Its estimate of L then stays (it used to keep decaying, and the steps grew
    until the error sat at 1e-4); from zero the iterates tend to the minimum-norm solution."""
    rng = np.random.default_rng(42)
    X = rng.standard_normal((4, 12))
    y = rng.uniform(-10, 10, 4)
    minimum_norm = np.linalg.pinv(X) @ y
    est = Ridge(alpha=0.0, fit_intercept=False, solver=method, tol=1e-15, max_iter=3000,
                random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    np.testing.assert_allclose(est.coef_, minimum_norm, rtol=0, atol=1e-10)
    # with an intercept: dense X is centered, the minimum-norm solution of the centered rows
    Xc = X - X.mean(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = Ridge(alpha=0.0, solver=method, tol=1e-15, max_iter=3000, random_state=0).fit(X, y)
    np.testing.assert_allclose(est.coef_, np.linalg.pinv(Xc) @ (y - y.mean()), rtol=0, atol=1e-9)
    np.testing.assert_allclose(est.predict(X), y, rtol=0, atol=1e-9)
