"""LinearRegression and Ridge against the closed form, scipy and scikit-learn.

Both minimize  sum_i w_i (y_i - x_i.b - b0)^2 + alpha ||b||^2  (alpha = 0 for
LinearRegression, b0 not penalized).  The oracles here are written from that
equation only:

- ``ref_lstsq``: scipy.linalg.lstsq on [X, 1] (rows scaled by sqrt(w)), and for
  Ridge on the same system stacked on sqrt(alpha) [I, 0];
- ``ref_normal``: scipy.linalg.solve of (Xc^T W Xc + alpha I) b = Xc^T W yc with
  the weighted centering mu = X^T w / sum w, intercept ybar - mu.b.

Direct solvers must agree with them to 1e-8 (relative, float64); conjugate
gradients and every stochastic optimizer must reach the optimal objective
value to 1e-6 relative.  Real data: California housing from ../shared/data.
"""
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from fastoptim.exceptions import ConvergenceWarning, NotFittedError
from fastoptim.linear_model import LinearRegression, Ridge
from fastoptim.optim import Adam, AdamW, schedules
from conftest import assert_rel

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CAL_HOUSING = DATA_DIR / "california-housing" / "cal_housing.data"

STOCHASTIC = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta", "nadam")
NO_CONV_WARN = pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")


# -- data and oracles -------------------------------------------------------------------

def make_data(n=120, p=7, k=None, *, seed=0, sparse=False, density=0.4, weights=False,
              zero_weights=0, offset=2.0):
    """X (dense or CSR, float64), y (n,) or (n, k), w or None.

    Features have different scales and non-zero means (so that centering
    matters); y has an offset (so that the intercept matters).
    """
    rng = np.random.default_rng(seed)
    D = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, size=p) + rng.normal(size=p)
    if sparse:
        D = np.where(rng.random((n, p)) < density, D, 0.0)
    kk = 1 if k is None else k
    B = rng.normal(size=(p, kk))
    Y = D @ B + 0.5 * rng.normal(size=(n, kk)) + offset * (1 + np.arange(kk))
    y = Y[:, 0] if k is None else Y
    w = None
    if weights:
        w = rng.uniform(0.2, 3.0, size=n)
        w[rng.choice(n, size=zero_weights, replace=False)] = 0.0
    return (sp.csr_matrix(D) if sparse else D), y, w


def standardized_data(n=300, p=5, *, seed=0, weights=False):
    """Well-conditioned data for the iterative solvers: standardized features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, size=p) + rng.normal(size=p)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = X @ rng.normal(size=p) + 0.5 * rng.normal(size=n) + 2.0
    w = rng.uniform(0.5, 2.0, size=n) if weights else None
    return X, y, w


def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)


def _as2d(Y):
    Y = np.asarray(Y, dtype=np.float64)
    return Y[:, None] if Y.ndim == 1 else Y


def ref_lstsq(X, Y, w=None, alpha=0.0, fit_intercept=True):
    """scipy.linalg.lstsq on sqrt(w) [X, 1] (stacked on sqrt(alpha) [I, 0] for ridge).

    Returns coef (k, p) and intercept (k,) (zeros without intercept).
    """
    X, Y = _dense(X), _as2d(Y)
    n, p = X.shape
    A = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X
    s = np.ones(n) if w is None else np.sqrt(np.asarray(w, dtype=np.float64))
    A, R = s[:, None] * A, s[:, None] * Y
    if alpha:
        pen = np.zeros((p, A.shape[1]))
        pen[:, :p] = np.sqrt(alpha) * np.eye(p)
        A = np.vstack([A, pen])
        R = np.vstack([R, np.zeros((p, Y.shape[1]))])
    sol = scipy.linalg.lstsq(A, R)[0]
    coef = sol[:p].T
    intercept = sol[p] if fit_intercept else np.zeros(Y.shape[1])
    return coef, intercept


def ref_normal(X, Y, w=None, alpha=0.0, fit_intercept=True):
    """scipy.linalg.solve of (Xc^T W Xc + alpha I) b = Xc^T W yc, weighted centering."""
    X, Y = _dense(X), _as2d(Y)
    n, p = X.shape
    w = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
    if fit_intercept:
        mu, ybar = w @ X / w.sum(), w @ Y / w.sum()
    else:
        mu, ybar = np.zeros(p), np.zeros(Y.shape[1])
    Xc, Yc = X - mu, Y - ybar
    G = Xc.T @ (w[:, None] * Xc) + alpha * np.eye(p)
    coef = scipy.linalg.solve(G, Xc.T @ (w[:, None] * Yc), assume_a="pos").T
    return coef, ybar - coef @ mu


def objective(X, y, w, alpha, coef, intercept):
    """sum_i w_i (y_i - x_i.b - b0)^2 + alpha ||b||^2, summed over outputs."""
    X, Y = _dense(X), _as2d(y)
    w = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    C = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    b0 = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
    R = Y - X @ C.T - b0
    return float(np.sum(w[:, None] * R * R) + alpha * np.sum(C * C))


def assert_fit_matches(model, coef, intercept, rtol, single, fit_intercept):
    """coef_/intercept_ shapes and values against the oracle's (k, p) / (k,)."""
    k, p = coef.shape
    if single:
        assert model.coef_.shape == (p,)
        assert isinstance(model.intercept_, float)
        assert_rel(model.coef_, coef[0], rtol, "coef_")
        got_b0 = np.array([model.intercept_])
    else:
        assert model.coef_.shape == (k, p)
        assert np.shape(model.intercept_) == (k,)
        assert_rel(model.coef_, coef, rtol, "coef_")
        got_b0 = np.asarray(model.intercept_)
    if fit_intercept:
        # relative to the intercept's own size and the coefficients'
        scale = max(np.max(np.abs(intercept)), np.max(np.abs(coef)))
        assert np.max(np.abs(got_b0 - intercept)) <= rtol * scale
    else:
        assert np.all(got_b0 == 0.0)


# -- 1. direct solvers against scipy ------------------------------------------------------

DIRECT = [(LinearRegression, "auto"), (LinearRegression, "cholesky"), (LinearRegression, "lstsq"),
          (Ridge, "auto"), (Ridge, "cholesky"), (Ridge, "svd")]


def _make(est, solver, alpha, **kw):
    return est(alpha=alpha, solver=solver, **kw) if est is Ridge else est(solver=solver, **kw)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("multi", [False, True], ids=["y1", "y3"])
@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
@pytest.mark.parametrize("est,solver", DIRECT, ids=[f"{e.__name__}-{s}" for e, s in DIRECT])
def test_direct_solvers_match_scipy(est, solver, fit_intercept, weights, multi, sparse):
    X, y, w = make_data(k=3 if multi else None, sparse=sparse, weights=weights, zero_weights=5,
                        seed=11)
    alpha = 0.7 if est is Ridge else 0.0
    model = _make(est, solver, alpha, fit_intercept=fit_intercept)
    if sparse and solver == "svd":
        with pytest.raises(ValueError, match=r"solver='svd' needs dense X.*'cholesky'.*'cg'"):
            model.fit(X, y, sample_weight=w)
        return
    model.fit(X, y, sample_weight=w)
    coef_n, b0_n = ref_normal(X, y, w, alpha, fit_intercept)
    coef_l, b0_l = ref_lstsq(X, y, w, alpha, fit_intercept)
    # the two oracles agree (checks the oracles, not the library)
    assert_rel(coef_l, coef_n, 1e-10, "oracles")
    for coef, b0 in ((coef_n, b0_n), (coef_l, b0_l)):
        assert_fit_matches(model, coef, b0, 1e-8, single=not multi, fit_intercept=fit_intercept)
    assert model.coef_.dtype == np.float64
    assert model.n_features_in_ == X.shape[1]
    pred = model.predict(X)
    ref_pred = _dense(X) @ coef_n.T + b0_n
    assert_rel(pred, ref_pred[:, 0] if not multi else ref_pred, 1e-8, "predict")


def test_sample_weight_is_repetition_and_zero_weight_is_removal():
    """Integer weights = repeated rows; weight-0 rows = rows removed."""
    X, y, _ = make_data(n=60, p=4, seed=3)
    w = np.random.default_rng(0).integers(0, 4, size=60).astype(float)
    rows = np.repeat(np.arange(60), w.astype(int))
    for est in (LinearRegression(), Ridge(alpha=2.5), Ridge(alpha=2.5, solver="svd"),
                Ridge(alpha=2.5, solver="cg", tol=1e-12)):
        a = est.fit(X, y, sample_weight=w)
        ca, ba = a.coef_.copy(), a.intercept_
        b = est.fit(X[rows], y[rows])
        assert_rel(ca, b.coef_, 1e-9, repr(est))
        assert ba == pytest.approx(b.intercept_, rel=1e-9, abs=1e-9)


def test_scalar_sample_weight_scales_like_alpha():
    """A scalar weight c on every row is the unweighted problem with alpha / c."""
    X, y, _ = make_data(seed=4)
    a = Ridge(alpha=3.0).fit(X, y, sample_weight=2.0)
    b = Ridge(alpha=1.5).fit(X, y)
    assert_rel(a.coef_, b.coef_, 1e-10)
    assert a.intercept_ == pytest.approx(b.intercept_, rel=1e-10)


def test_list_and_int_input_become_float64():
    X, y, _ = make_data(n=30, p=3, seed=5)
    Xi = np.round(X * 10).astype(np.int64)
    m = LinearRegression().fit(Xi.tolist(), list(y))
    coef, b0 = ref_lstsq(Xi.astype(float), y)
    assert m.coef_.dtype == np.float64
    assert_rel(m.coef_, coef[0], 1e-8)
    assert m.intercept_ == pytest.approx(b0[0], rel=1e-8)


@pytest.mark.parametrize("fmt", ["csc", "coo"])
def test_other_sparse_formats_equal_csr(fmt):
    X, y, w = make_data(k=2, sparse=True, weights=True, seed=8)
    for est in (LinearRegression(), LinearRegression(solver="lstsq"), Ridge(alpha=0.3),
                Ridge(alpha=0.3, solver="cg", tol=1e-12)):
        a = est.fit(X.asformat(fmt), y, sample_weight=w).coef_.copy()
        b = est.fit(X, y, sample_weight=w).coef_
        assert_rel(a, b, 1e-12, f"{fmt} {est!r}")


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_normal_equations_in_many_row_blocks(monkeypatch, sparse):
    """The Gram matrix is accumulated over blocks of rows (centered and weighted per
    block): tiny blocks, with a last partial one, give the same solution."""
    import fastoptim._moments as moments

    X, y, w = make_data(n=103, k=2, sparse=sparse, weights=True, zero_weights=4, seed=9)
    monkeypatch.setattr(moments, "_BLOCK_ROWS", 10)
    for est in (LinearRegression(solver="cholesky"), Ridge(alpha=0.4, solver="cholesky")):
        alpha = getattr(est, "alpha", 0.0)
        m = est.fit(X, y, sample_weight=w)
        coef, b0 = ref_normal(X, y, w, alpha)
        assert_fit_matches(m, coef, b0, 1e-8, single=False, fit_intercept=True)


def test_ridge_alpha_zero_equals_linear_regression():
    X, y, w = make_data(k=2, weights=True, seed=6)
    for solver in ("auto", "cholesky", "svd"):
        r = Ridge(alpha=0.0, solver=solver).fit(X, y, sample_weight=w)
        lr = LinearRegression().fit(X, y, sample_weight=w)
        assert_rel(r.coef_, lr.coef_, 1e-9, solver)
        assert_rel(r.intercept_, lr.intercept_, 1e-9, solver)


# -- 2. conjugate gradients and the stochastic solvers reach the optimum ---------------------

@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
def test_ridge_cg_reaches_closed_form(fit_intercept, weights, sparse):
    X, y, w = make_data(k=2, sparse=sparse, weights=weights, zero_weights=3, seed=21)
    alpha = 0.7
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # must converge within max_iter
        m = Ridge(alpha=alpha, solver="cg", tol=1e-10, fit_intercept=fit_intercept).fit(
            X, y, sample_weight=w)
    coef, b0 = ref_normal(X, y, w, alpha, fit_intercept)
    f_opt = objective(X, y, w, alpha, coef, b0)
    f = objective(X, y, w, alpha, m.coef_, m.intercept_)
    assert f_opt * (1 - 1e-13) <= f <= f_opt * (1 + 1e-6)  # the closed form, to round-off
    assert_fit_matches(m, coef, b0, 1e-6, single=False, fit_intercept=fit_intercept)
    assert m.coef_.shape == (2, X.shape[1])
    iters = np.asarray(m.n_iter_)
    assert iters.shape == (2,) and np.all(iters >= 1) and np.all(iters <= 10 * (X.shape[1] + 10))


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
@pytest.mark.parametrize("est", [Ridge, LinearRegression])
def test_gd_with_armijo_search_reaches_closed_form(est, fit_intercept, weights, sparse):
    X, y, w = make_data(k=2, sparse=sparse, weights=weights, zero_weights=3, seed=23)
    alpha = 0.7 if est is Ridge else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # must converge within max_iter
        # (tol=1e-7: near the smallest relative gradient (~1e-8) whose steps still lower the
        # objective by more than its round-off)
        m = _make(est, "gd", alpha, tol=1e-7, max_iter=5000, fit_intercept=fit_intercept).fit(
            X, y, sample_weight=w)
    coef, b0 = ref_normal(X, y, w, alpha, fit_intercept)
    f_opt = objective(X, y, w, alpha, coef, b0)
    f = objective(X, y, w, alpha, m.coef_, m.intercept_)
    assert f_opt * (1 - 1e-13) <= f <= f_opt * (1 + 1e-10)
    assert_fit_matches(m, coef, b0, 1e-4, single=False, fit_intercept=fit_intercept)
    iters = np.asarray(m.n_iter_)
    assert iters.shape == (2,) and np.all(iters >= 2)
    # the curve: the scaled objective after each iteration, never rising (Armijo)
    wsum = X.shape[0] if w is None else np.sum(w)
    for k, curve in enumerate(m.loss_curve_):
        assert len(curve) == iters[k] and np.all(np.diff(curve) <= 0)
        f_k = objective(X, y[:, k], w, alpha, m.coef_[k], m.intercept_[k])
        assert curve[-1] == pytest.approx(f_k / (2 * wsum), rel=1e-10)


def test_gd_stops_at_max_iter_with_a_warning_and_keeps_float32():
    X, y, _ = make_data(seed=5)
    X = X * np.array([1.0, 1e3, 1.0, 1.0, 1.0, 1.0, 1.0])  # ill-conditioned: slow descent
    with pytest.warns(ConvergenceWarning, match=r"Ridge: solver 'gd' stopped after "
                                                  r"max_iter=5 iterations"):
        m = Ridge(solver="gd", max_iter=5).fit(X, y)
    assert m.n_iter_ == 5 and len(m.loss_curve_) == 5
    X32, y32 = make_data(seed=5)[0].astype(np.float32), y.astype(np.float32)
    m32 = Ridge(solver="gd", tol=1e-3).fit(X32, y32)
    ref = Ridge().fit(X32.astype(np.float64), y32.astype(np.float64))
    assert m32.coef_.dtype == np.float32
    assert_rel(m32.coef_, ref.coef_, 1e-2, "float32 gd")
    with pytest.raises(ValueError, match="tol must be a number > 0"):
        Ridge(solver="gd", tol=0).fit(X, y)
    with pytest.raises(ValueError, match="positive=True is solved on the normal equations"):
        LinearRegression(solver="gd", positive=True).fit(X, y)


# Full batch (batch_size = n_samples: deterministic gradient descent), tol=0 and
# n_iter_no_change huge so that every fit runs to max_iter.  Settings found to
# reach 1e-6 on standardized data (300 x 5) with and without weights/intercept.
FULL_BATCH = {
    "sgd": dict(learning_rate="auto", max_iter=2000),
    "momentum": dict(learning_rate="auto", max_iter=2000),
    "nesterov": dict(learning_rate="auto", max_iter=2000),
    "adagrad": dict(learning_rate=0.3, max_iter=3000),
    "rmsprop": dict(learning_rate=0.03, schedule=schedules.CosineDecay(0.03, total=3000),
                    max_iter=3000),
    "adam": dict(learning_rate=0.1, schedule=schedules.CosineDecay(0.1, total=3000), max_iter=3000),
    "Adam-object": dict(solver=Adam(lr=0.1), schedule=schedules.CosineDecay(0.1, total=3000),
                        max_iter=3000),
}


def _stochastic(est, name, settings, alpha, **kw):
    """est with a stochastic solver that runs to max_iter (tol=0)."""
    settings = dict(settings)
    solver = settings.pop("solver", name)
    # n_threads=1: these are many tiny epochs, where thread hand-offs on a busy machine
    # dominate (the threaded kernels are tested elsewhere)
    params = dict(solver=solver, tol=0.0, n_iter_no_change=10 ** 6, random_state=0, n_threads=1,
                  **settings, **kw)
    return Ridge(alpha=alpha, **params) if est is Ridge else LinearRegression(**params)


@NO_CONV_WARN
@pytest.mark.parametrize("case", ["ridge-b0-w", "ols-nob0"])
@pytest.mark.parametrize("name", list(FULL_BATCH))
def test_stochastic_full_batch_reaches_closed_form(name, case):
    X, y, w = standardized_data(seed=1, weights=case == "ridge-b0-w")
    est, alpha, fit_intercept = (Ridge, 1.0, True) if case == "ridge-b0-w" else (LinearRegression, 0.0, False)
    coef, b0 = ref_normal(X, y, w, alpha, fit_intercept)
    f_opt = objective(X, y, w, alpha, coef, b0)
    m = _stochastic(est, name, FULL_BATCH[name], alpha, batch_size=X.shape[0],
                    fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    f = objective(X, y, w, alpha, m.coef_, m.intercept_)
    assert f >= f_opt * (1 - 1e-12)
    assert (f - f_opt) / f_opt <= 1e-6, f"relative objective gap {(f - f_opt) / f_opt:.2e}"
    assert m.n_iter_ == FULL_BATCH[name]["max_iter"] == len(m.loss_curve_)
    assert m.solver_ == (name if name in STOCHASTIC else "Adam")
    if not fit_intercept:
        assert m.intercept_ == 0.0


# Mini-batches of 50 (6 per epoch) and a cosine decay to 0 over 2000 epochs.
MINI_BATCH_LR = {"sgd": 0.03, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.1,
                 "rmsprop": 0.01, "adam": 0.01, "adadelta": 1.0, "nadam": 0.01}


@NO_CONV_WARN
@pytest.mark.parametrize("name", list(STOCHASTIC) + ["AdamW-object-wd0"])
def test_stochastic_mini_batch_reaches_closed_form(name):
    X, y, _ = standardized_data(seed=2)
    alpha = 1.0
    coef, b0 = ref_normal(X, y, None, alpha)
    f_opt = objective(X, y, None, alpha, coef, b0)
    lr = MINI_BATCH_LR.get(name, 0.01)
    # the same AdamW without its decoupled decay is Adam: it reaches the optimum
    solver = AdamW(lr=lr, weight_decay=0.0) if name == "AdamW-object-wd0" else name
    m = Ridge(alpha=alpha, solver=solver, learning_rate=lr, batch_size=50,
              schedule=schedules.CosineDecay(lr, total=2000), max_iter=2000, tol=0.0,
              n_iter_no_change=10 ** 6, random_state=0, n_threads=1).fit(X, y)
    f = objective(X, y, None, alpha, m.coef_, m.intercept_)
    # Adadelta's step d keeps the size of its past steps (their running RMS), so only the
    # decayed factor shrinks it: the same 2000 epochs end at 1.2e-6 (1e-6 for lr >= 3)
    bound = 2e-6 if name == "adadelta" else 1e-6
    assert (f - f_opt) / f_opt <= bound, f"relative objective gap {(f - f_opt) / f_opt:.2e}"


@NO_CONV_WARN
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_stochastic_csr_mini_batch_matches_dense(name):
    """CSR X with small batches takes the lazy path; plain SGD's and (here, every
    column present in every batch of this fairly dense X) Adam's result reach the
    same optimum as dense X."""
    rng = np.random.default_rng(7)
    D = np.where(rng.random((300, 8)) < 0.3, rng.normal(size=(300, 8)), 0.0)
    y = D @ rng.normal(size=8) + 0.3 * rng.normal(size=300) + 1.0
    coef, b0 = ref_normal(D, y, None, 1.0)
    f_opt = objective(D, y, None, 1.0, coef, b0)
    kw = dict(alpha=1.0, solver=name, learning_rate=0.03, batch_size=50, n_threads=1,
              schedule=schedules.CosineDecay(0.03, total=2000), max_iter=2000, tol=0.0,
              n_iter_no_change=10 ** 6, random_state=0)
    ms = Ridge(**kw).fit(sp.csr_matrix(D), y)
    md = Ridge(**kw).fit(D, y)
    for m in (ms, md):
        f = objective(D, y, None, 1.0, m.coef_, m.intercept_)
        assert (f - f_opt) / f_opt <= 1e-6


@NO_CONV_WARN
def test_stochastic_multi_output():
    X, y1, _ = standardized_data(seed=3)
    Y = np.column_stack([y1, -2.0 * y1 + 1.0, X[:, 0]])
    coef, b0 = ref_normal(X, Y, None, 1.0)
    m = Ridge(alpha=1.0, solver="sgd", batch_size=X.shape[0], max_iter=2000, tol=0.0, n_threads=1,
              n_iter_no_change=10 ** 6).fit(X, Y)
    assert m.coef_.shape == (3, 5) and m.intercept_.shape == (3,)
    assert_fit_matches(m, coef, b0, 1e-6, single=False, fit_intercept=True)
    assert np.array_equal(m.n_iter_, [2000, 2000, 2000])
    assert len(m.loss_curve_) == 3 and all(len(c) == 2000 for c in m.loss_curve_)


# -- 3. float32 -------------------------------------------------------------------------------

F32 = [(LinearRegression, "auto"), (LinearRegression, "cholesky"), (LinearRegression, "lstsq"),
       (Ridge, "auto"), (Ridge, "cholesky"), (Ridge, "svd"), (Ridge, "cg"), (Ridge, "sgd")]


F32_CASES = [(e, s, sparse) for e, s in F32 for sparse in (False, True) if not (sparse and s == "svd")]


@NO_CONV_WARN
@pytest.mark.parametrize("est,solver,sparse", F32_CASES,
                         ids=[f"{e.__name__}-{s}-{'csr' if sp_ else 'dense'}" for e, s, sp_ in F32_CASES])
def test_float32_stays_float32(est, solver, sparse):
    X, y, w = make_data(seed=31, sparse=sparse, weights=True)
    if solver == "sgd":
        X, y, w = standardized_data(seed=31, weights=True)
        X = sp.csr_matrix(X) if sparse else X
    X32 = X.astype(np.float32)
    kw = dict(batch_size=X.shape[0], max_iter=2000, tol=0.0, n_threads=1) if solver == "sgd" else {}
    alpha = 0.7 if est is Ridge else 0.0
    m64 = _make(est, solver, alpha, **kw).fit(X, y, sample_weight=w)
    m32 = _make(est, solver, alpha, **kw).fit(X32, y, sample_weight=w)
    assert m32.coef_.dtype == np.float32
    assert m32.predict(X32).dtype == np.float32
    assert_rel(m32.coef_, m64.coef_, 1e-4, "float32 coef_")
    assert m32.intercept_ == pytest.approx(m64.intercept_, rel=1e-4, abs=1e-4 * np.abs(m64.coef_).max())
    Y = np.column_stack([y, 3.0 - y])
    mm = _make(est, solver, alpha, **kw).fit(X32, Y)
    assert mm.coef_.dtype == np.float32 and mm.intercept_.dtype == np.float32
    assert mm.coef_.shape == (2, X.shape[1])


# -- 4. scikit-learn parity ---------------------------------------------------------------------

@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("multi", [False, True], ids=["y1", "y2"])
@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
def test_matches_sklearn(fit_intercept, weights, multi, sparse):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y, w = make_data(k=2 if multi else None, sparse=sparse, weights=weights, zero_weights=2,
                        seed=41)
    for alpha in (0.0, 0.3, 10.0):
        ours = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
        ref = sk.Ridge(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14).fit(X, y, sample_weight=w)
        assert_rel(ours.coef_, ref.coef_, 1e-8, f"Ridge alpha={alpha}")
        assert np.max(np.abs(np.asarray(ours.intercept_) - ref.intercept_)) <= 1e-8 * max(
            1.0, np.max(np.abs(ref.intercept_)))
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    ref = sk.LinearRegression(fit_intercept=fit_intercept, tol=1e-15).fit(X, y, sample_weight=w)
    assert_rel(ours.coef_, ref.coef_, 1e-8, "LinearRegression")
    assert np.max(np.abs(np.asarray(ours.intercept_) - ref.intercept_)) <= 1e-8 * max(
        1.0, np.max(np.abs(ref.intercept_)))
    assert_rel(ours.predict(X), ref.predict(X), 1e-8, "predict")
    assert ours.score(X, y, sample_weight=w) == pytest.approx(ref.score(X, y, sample_weight=w),
                                                                rel=1e-10)


# -- 5. real data: California housing ------------------------------------------------------------

@pytest.fixture(scope="module")
def cal_housing():
    if not CAL_HOUSING.exists():
        pytest.skip(f"California housing data not found at {CAL_HOUSING} "
                    f"(expected in ../shared/data/california-housing)")
    data = np.loadtxt(CAL_HOUSING, delimiter=",", skiprows=1)
    assert data.shape == (20640, 9)
    return np.ascontiguousarray(data[:, :-1]), data[:, -1].copy()


@pytest.mark.parametrize("est,solver", DIRECT, ids=[f"{e.__name__}-{s}" for e, s in DIRECT])
def test_california_housing_matches_scipy(cal_housing, est, solver):
    X, y = cal_housing
    alpha = 10.0 if est is Ridge else 0.0
    m = _make(est, solver, alpha).fit(X, y)
    coef, b0 = ref_lstsq(X, y, None, alpha)
    assert_rel(m.coef_, coef[0], 1e-8, "coef_")
    assert m.intercept_ == pytest.approx(b0[0], rel=1e-8)
    r2 = m.score(X, y)
    assert 0.60 < r2 < 0.65  # the usual in-sample R^2 of a linear model on these data
    resid = y - X @ coef[0] - b0[0]
    assert r2 == pytest.approx(1 - resid @ resid / np.sum((y - y.mean()) ** 2), rel=1e-10)


def test_california_housing_weighted_and_standardized(cal_housing):
    X, y = cal_housing
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    ys = y / 1e5  # in units of 100 000 dollars
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    for alpha in (0.0, 1.0, 100.0):
        m = Ridge(alpha=alpha).fit(Xs, ys, sample_weight=w)
        coef, b0 = ref_normal(Xs, ys, w, alpha)
        assert_rel(m.coef_, coef[0], 1e-8)
        assert m.intercept_ == pytest.approx(b0[0], rel=1e-8)
        cg = Ridge(alpha=alpha, solver="cg", tol=1e-10).fit(Xs, ys, sample_weight=w)
        f_opt = objective(Xs, ys, w, alpha, coef, b0)
        assert objective(Xs, ys, w, alpha, cg.coef_, cg.intercept_) <= f_opt * (1 + 1e-6)


@NO_CONV_WARN
def test_california_housing_sgd_full_batch(cal_housing):
    X, y = cal_housing
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    ys = y / 1e5
    coef, b0 = ref_normal(Xs, ys, None, 1.0)
    f_opt = objective(Xs, ys, None, 1.0, coef, b0)
    # learning_rate='auto' (0.1 / max_i ||x_i||^2) is tiny here: a few rows lie 30+ standard
    # deviations out; an explicit rate below 2 / lambda_max(X^T X / n) = 2 / 3.9 converges.
    m = Ridge(alpha=1.0, solver="momentum", learning_rate=0.1, batch_size=len(ys), max_iter=1000,
              tol=0.0, n_iter_no_change=10 ** 6, n_threads=1).fit(Xs, ys)
    f = objective(Xs, ys, None, 1.0, m.coef_, m.intercept_)
    assert (f - f_opt) / f_opt <= 1e-6, (f - f_opt) / f_opt
    assert m.score(Xs, ys) == pytest.approx(
        Ridge(alpha=1.0).fit(Xs, ys).score(Xs, ys), rel=1e-6)


# -- 6. rank-deficient X ----------------------------------------------------------------------

def _pinv_solution(X, y, fit_intercept):
    """Minimum-norm least squares on the centered X (the intercept is free)."""
    X = _dense(X)
    if fit_intercept:
        mu, ybar = X.mean(axis=0), y.mean()
        coef = np.linalg.pinv(X - mu) @ (y - ybar)
        return coef, ybar - mu @ coef
    return np.linalg.pinv(X) @ y, 0.0


def _duplicate_columns(seed=0, n=50, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) + 1.0
    if sparse:
        X = np.where(rng.random(X.shape) < 0.5, X, 0.0)
    X = np.column_stack([X, X[:, 0], 2.0 * X[:, 1]])  # exact copies (2 x is exact too)
    y = rng.normal(size=n) + 3.0
    return (sp.csr_matrix(X) if sparse else X), y


def _wide(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(10, 30)), rng.normal(size=10) + 1.0


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
@pytest.mark.parametrize("shape", ["duplicates", "p>n"])
@pytest.mark.parametrize("est,solver", [(LinearRegression, "lstsq"), (LinearRegression, "auto"),
                                        (Ridge, "auto")],
                         ids=["lr-lstsq", "lr-auto", "ridge0-auto"])
def test_rank_deficient_minimum_norm(est, solver, shape, fit_intercept, sparse):
    X, y = _duplicate_columns(sparse=sparse) if shape == "duplicates" else _wide()
    if sparse and shape == "p>n":
        X = sp.csr_matrix(X)
    m = _make(est, solver, 0.0, fit_intercept=fit_intercept).fit(X, y)
    coef, b0 = _pinv_solution(X, y, fit_intercept)
    assert_rel(m.coef_, coef, 1e-8, "minimum-norm coef_")
    assert m.intercept_ == pytest.approx(b0, rel=1e-8, abs=1e-8)
    if shape == "duplicates":
        # the minimum-norm solution shares the weight between copies in proportion to their scale
        assert m.coef_[4] == pytest.approx(m.coef_[0], rel=1e-8)
        assert m.coef_[5] == pytest.approx(2.0 * m.coef_[1], rel=1e-8)
    else:
        # p > n: interpolation
        assert_rel(m.predict(X), y, 1e-8, "interpolation")


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
def test_cholesky_on_wide_x_falls_back_to_least_squares_with_a_warning(fit_intercept):
    """As scikit-learn (issue 16, item 10): an explicit 'cholesky' on a singular system warns
    (LinAlgWarning) and gives the least-squares solution, 'lstsq''s minimum-norm one."""
    X, y = _wide(seed=1)
    for est in (LinearRegression(solver="cholesky", fit_intercept=fit_intercept),
                Ridge(alpha=0.0, solver="cholesky", fit_intercept=fit_intercept)):
        with pytest.warns(scipy.linalg.LinAlgWarning,
                          match=r"singular.*least-squares solution") as info:
            est.fit(X, y)
        assert type(est).__name__ in str(info[0].message)
        coef, b0 = _pinv_solution(X, y, fit_intercept)
        assert_rel(est.coef_, coef, 1e-8, "minimum-norm coef_")
    # alpha > 0 makes it solvable, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
        r = Ridge(alpha=0.5, solver="cholesky", fit_intercept=fit_intercept).fit(X, y)
    coef, b0 = ref_normal(X, y, None, 0.5, fit_intercept)
    assert_rel(r.coef_, coef[0], 1e-8)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
def test_cholesky_on_duplicate_columns_warns_and_falls_back(fit_intercept):
    for seed in range(20):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(50, 4))
        X = np.column_stack([X, X[:, 0]])  # column 4 is column 0: X^T X is singular
        y = rng.normal(size=50)
        with pytest.warns(scipy.linalg.LinAlgWarning, match="solver='lstsq'"):
            m = LinearRegression(solver="cholesky", fit_intercept=fit_intercept).fit(X, y)
        # the minimum-norm solution splits the weight between the two copies
        assert m.coef_[4] == pytest.approx(m.coef_[0], rel=1e-8)


def test_ridge_auto_sparse_ill_conditioned_falls_back():
    X, y = _duplicate_columns(sparse=True, seed=2)
    m = Ridge(alpha=1e-12).fit(X, y)
    coef, b0 = _pinv_solution(X, y, True)  # alpha -> 0: the minimum-norm solution
    assert_rel(m.coef_, coef, 1e-6)


def test_ridge_alpha_regularizes_singular_problem():
    """alpha > 0 on duplicate columns: unique solution, equal weight on the copies."""
    X, y = _duplicate_columns(seed=3)
    coef, b0 = ref_normal(X, y, None, 0.5)
    for solver in ("auto", "cholesky", "svd"):
        m = Ridge(alpha=0.5, solver=solver).fit(X, y)
        assert_rel(m.coef_, coef[0], 1e-8, solver)
        assert m.coef_[4] == pytest.approx(m.coef_[0], rel=1e-8)


# -- 7. bad input ---------------------------------------------------------------------------

@pytest.fixture
def xy():
    X, y, _ = make_data(n=20, p=3, seed=51)
    return X, y


@pytest.mark.parametrize("alpha,exc,msg", [
    (-1.0, ValueError, r"alpha must be a finite number >= 0, got -1"),
    (np.inf, ValueError, r"alpha must be a finite number >= 0, got inf"),
    (np.nan, ValueError, r"alpha must be a finite number >= 0, got nan"),
    ("1.0", TypeError, r"alpha must be a number >= 0 or a 1-D array .*, got '1.0'"),
    (None, TypeError, r"alpha must be a number >= 0 or a 1-D array .*, got None"),
    (True, TypeError, r"alpha must be a number >= 0 or a 1-D array .*, got True"),
    ([[1.0]], TypeError, r"alpha must be a number >= 0 or a 1-D array"),  # 2-D
    ([1.0, 2.0], ValueError, r"alpha has 2 values but y has 1 target"),
])
def test_bad_alpha(xy, alpha, exc, msg):
    with pytest.raises(exc, match=msg):
        Ridge(alpha=alpha).fit(*xy)


@pytest.mark.parametrize("est", [LinearRegression, Ridge])
def test_unknown_solver_lists_valid_names(xy, est):
    with pytest.raises(ValueError, match=r"solver='newton' is not a solver of") as info:
        est(solver="newton").fit(*xy)
    msg = str(info.value)
    direct = ["auto", "cholesky", "lstsq"] if est is LinearRegression else ["auto", "cholesky", "svd", "cg"]
    names = direct + list(STOCHASTIC)
    for name in names:
        assert repr(name) in msg
    assert "optimizer object" in msg
    # each estimator's direct solvers are its own
    other = "svd" if est is LinearRegression else "lstsq"
    with pytest.raises(ValueError, match=f"solver='{other}' is not a solver of {est.__name__}"):
        est(solver=other).fit(*xy)


def test_predict_with_wrong_number_of_features(xy):
    X, y = xy
    m = Ridge().fit(X, y)
    with pytest.raises(ValueError, match=r"X has 2 features, but Ridge is expecting 3 features"):
        m.predict(X[:, :2])
    with pytest.raises(ValueError, match=r"X has 4 features, but LinearRegression is expecting 3"):
        LinearRegression().fit(X, y).predict(np.column_stack([X, X[:, 0]]))


@pytest.mark.parametrize("est", [LinearRegression(), Ridge(), Ridge(solver="sgd")])
def test_predict_before_fit(xy, est):
    with pytest.raises(NotFittedError, match=f"This {type(est).__name__} instance is not fitted yet"):
        est.predict(xy[0])
    with pytest.raises(NotFittedError):
        est.score(*xy)


@pytest.mark.parametrize("where", ["X", "y"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("solver", ["auto", "sgd"])
def test_nonfinite_input(xy, where, bad, solver):
    X, y = xy[0].copy(), xy[1].copy()
    if where == "X":
        X[4, 1] = bad
    else:
        y[7] = bad
    with pytest.raises(ValueError, match=f"{where} contains NaN or infinity"):
        Ridge(solver=solver).fit(X, y)
    if where == "X":
        with pytest.raises(ValueError, match="X contains NaN or infinity"):
            Ridge().fit(*xy).predict(X)
        with pytest.raises(ValueError, match="X contains NaN or infinity"):
            Ridge().fit(sp.csr_matrix(X), y)


def test_y_length_mismatch(xy):
    X, y = xy
    with pytest.raises(ValueError, match=r"y has 19 samples but X has 20"):
        LinearRegression().fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"y has 21 samples but X has 20"):
        Ridge().fit(X, np.append(y, 1.0))


@pytest.mark.parametrize("est", [LinearRegression(), Ridge(), Ridge(solver="cg"), Ridge(solver="sgd")])
def test_bad_sample_weight(xy, est):
    X, y = xy
    w = np.ones(20)
    w[3] = -0.5
    with pytest.raises(ValueError, match="sample_weight must be >= 0 everywhere"):
        est.fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match=r"sample_weight must have a positive sum \(every weight is zero\)"):
        est.fit(X, y, sample_weight=np.zeros(20))
    with pytest.raises(ValueError, match="sample_weight must have a positive sum"):
        est.fit(X, y, sample_weight=0.0)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(20,\)"):
        est.fit(X, y, sample_weight=np.ones(19))
    w = np.ones(20)
    w[0] = np.nan
    with pytest.raises(ValueError, match="sample_weight contains NaN or infinity"):
        est.fit(X, y, sample_weight=w)


@pytest.mark.parametrize("solver", ["sgd", "adam", Adam(lr=0.1)], ids=["sgd", "adam", "Adam-object"])
@pytest.mark.parametrize("lr", [0, 0.0, -0.1, np.inf, np.nan, True])
@pytest.mark.parametrize("est", [LinearRegression, Ridge])
def test_bad_learning_rate(xy, est, lr, solver):
    with pytest.raises(ValueError, match=r"learning_rate must be 'auto' or a number > 0, got"):
        est(solver=solver, learning_rate=lr).fit(*xy)


def test_learning_rate_string_other_than_auto(xy):
    # 'auto' is the only string; any other is rejected like a non-positive number
    with pytest.raises((ValueError, TypeError), match=r"learning_rate must be 'auto' or a number > 0"):
        Ridge(solver="sgd", learning_rate="fast").fit(*xy)


@pytest.mark.parametrize("batch_size,exc,msg", [
    (0, ValueError, r"batch_size must be >= 1 \(1 is SGD, n_samples is full batch\), got 0"),
    (-3, ValueError, r"batch_size must be >= 1 .* got -3"),
    (2.5, TypeError, r"batch_size must be an int >= 1 or None, got 2.5"),
    (True, TypeError, r"batch_size must be an int >= 1 or None, got True"),
])
def test_bad_batch_size(xy, batch_size, exc, msg):
    with pytest.raises(exc, match=msg):
        Ridge(solver="sgd", batch_size=batch_size).fit(*xy)


@pytest.mark.parametrize("solver,lr", [("sgd", 10.0), ("sgd", 1e3), ("momentum", 50.0),
                                       ("nesterov", 50.0)])
def test_divergence_raises_and_names_learning_rate(solver, lr):
    X, y, _ = standardized_data(n=100, seed=61)
    m = Ridge(solver=solver, learning_rate=lr, batch_size=100, max_iter=200, random_state=0)
    with pytest.raises(FloatingPointError, match=f"learning rate {lr:g}"):
        m.fit(X, y)
    assert not hasattr(m, "coef_")
    # a fitted model that diverges on refit keeps its previous, finite coefficients
    m.set_params(learning_rate="auto", max_iter=3, tol=0.0)  # a fit short of the optimum
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(X, y)
    before = m.coef_.copy()
    m.set_params(learning_rate=lr, warm_start=True, max_iter=200)
    with pytest.raises(FloatingPointError, match=r"learning rate .*learning_rate"):
        m.fit(X, y)
    assert np.all(np.isfinite(m.coef_)) and np.array_equal(m.coef_, before)
    assert np.isfinite(m.intercept_)


@pytest.mark.parametrize("value", ["yes", 1, 0, None, np.array([True])])
@pytest.mark.parametrize("est", [LinearRegression, Ridge])
def test_fit_intercept_not_bool(xy, est, value):
    with pytest.raises(TypeError, match=r"fit_intercept must be True or False, got"):
        est(fit_intercept=value).fit(*xy)


def test_numpy_bool_fit_intercept_is_accepted(xy):
    m = Ridge(fit_intercept=np.bool_(False)).fit(*xy)
    assert m.intercept_ == 0.0


def test_bad_cg_tol_and_max_iter(xy):
    with pytest.raises(ValueError, match=r"tol must be a number > 0, got 0"):
        Ridge(solver="cg", tol=0).fit(*xy)
    with pytest.raises(ValueError, match=r"max_iter must be >= 1, got 0"):
        Ridge(solver="cg", max_iter=0).fit(*xy)
    with pytest.raises(TypeError, match=r"max_iter must be an int or None, got 2.0"):
        Ridge(solver="cg", max_iter=2.0).fit(*xy)




def test_failed_fit_does_not_leave_fitted_state(xy):
    """A fit that raises on bad y must not make an unfitted estimator look fitted."""
    X, y = xy
    m = Ridge()
    with pytest.raises(ValueError):
        m.fit(X, y[:-1])
    with pytest.raises(NotFittedError):
        m.predict(X)


def test_failed_refit_keeps_previous_model(xy):
    X, y = xy
    m = Ridge().fit(X, y)
    before = m.predict(X)
    X6 = np.column_stack([X, X])
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        m.fit(X6, y, sample_weight=-np.ones(20))
    assert m.n_features_in_ == 3
    np.testing.assert_array_equal(m.predict(X), before)


# -- 8. estimator API ----------------------------------------------------------------------------

def test_get_set_params_round_trip():
    sched = schedules.CosineDecay(0.1, total=50)
    m = Ridge(alpha=2.5, solver="adam", schedule=sched, batch_size=32, random_state=3)
    params = m.get_params()
    assert params["alpha"] == 2.5 and params["solver"] == "adam" and params["schedule"] is sched
    assert set(params) == {"alpha", "batch_size", "copy_X", "early_stopping", "fit_intercept",
                           "learning_rate", "max_iter", "n_iter_no_change", "n_threads",
                           "positive", "random_state", "schedule", "solver", "tol",
                           "validation_fraction", "verbose", "warm_start"}
    other = Ridge().set_params(**params)
    assert other.get_params() == params
    assert "alpha" not in LinearRegression().get_params()
    assert m.set_params(alpha=0.1, fit_intercept=False) is m
    assert m.alpha == 0.1 and m.fit_intercept is False
    with pytest.raises(ValueError, match=r"'alpah' is not a parameter of Ridge; valid parameters are"):
        m.set_params(alpah=1.0)
    # set_params never validates: fit does
    m.set_params(alpha=-1.0)
    with pytest.raises(ValueError, match="alpha must be"):
        m.fit(*make_data(n=10, p=2)[:2])


def test_repr_shows_changed_params_only():
    assert repr(Ridge()) == "Ridge()"
    assert repr(LinearRegression()) == "LinearRegression()"
    assert repr(Ridge(alpha=2.0, solver="svd")) == "Ridge(alpha=2.0, solver='svd')"
    assert repr(LinearRegression(fit_intercept=False)) == "LinearRegression(fit_intercept=False)"
    assert repr(Ridge(alpha=1.0, tol=1e-4)) == "Ridge()"  # equal to the defaults
    r = repr(Ridge(solver=Adam(lr=0.1), schedule=schedules.CosineDecay(0.1, total=10)))
    assert r.startswith("Ridge(") and "solver=Adam(" in r and "schedule=CosineDecay(" in r
    assert "alpha" not in r and "tol" not in r


def test_clone_pipeline_gridsearch_cross_val():
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _ = make_data(n=150, p=6, seed=71)
    m = Ridge(alpha=3.0, solver="svd")
    c = clone(m)
    assert c is not m and c.get_params() == m.get_params() and not hasattr(c, "coef_")
    opt = Ridge(solver=Adam(lr=0.1))
    assert clone(opt).solver is not opt.solver  # the optimizer object is copied

    pipe = make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(X, y)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    coef, b0 = ref_normal((X - mu) / sd, y, None, 1.0)
    assert_rel(pipe[-1].coef_, coef[0], 1e-8)
    assert_rel(pipe.predict(X), ((X - mu) / sd) @ coef[0] + b0[0], 1e-8)

    cv = KFold(5, shuffle=True, random_state=0)
    gs = GridSearchCV(Ridge(), {"alpha": [0.01, 1.0, 100.0, 1e4]}, cv=cv).fit(X, y)
    assert gs.best_params_["alpha"] in (0.01, 1.0)  # the true model is not sparse or tiny
    assert gs.best_estimator_.alpha == gs.best_params_["alpha"]
    scores = cross_val_score(LinearRegression(), X, y, cv=cv)
    assert scores.shape == (5,) and np.all(scores > 0.8)
    # cross_val_score equals a hand-written loop
    by_hand = []
    for tr, te in cv.split(X):
        by_hand.append(LinearRegression().fit(X[tr], y[tr]).score(X[te], y[te]))
    np.testing.assert_allclose(scores, by_hand, rtol=1e-12)


@NO_CONV_WARN
@pytest.mark.parametrize("est", [
    LinearRegression(), Ridge(alpha=0.5, solver="svd"), Ridge(solver="cg"),
    Ridge(solver=Adam(lr=0.05), schedule=schedules.CosineDecay(0.05, total=20), max_iter=20),
], ids=["lr", "ridge-svd", "ridge-cg", "ridge-adam"])
def test_pickle_round_trip(est):
    X, y, _ = make_data(n=80, p=4, k=2, seed=81)
    est.fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    assert back.get_params().keys() == est.get_params().keys()
    assert repr(back) == repr(est)


@NO_CONV_WARN
def test_warm_start_continues():
    X, y, _ = standardized_data(seed=91)
    coef, b0 = ref_normal(X, y, None, 1.0)
    m = Ridge(alpha=1.0, solver="sgd", batch_size=len(y), n_threads=1, max_iter=2000, tol=0.0,
              warm_start=True)
    m.fit(X, y)
    first = m.coef_.copy(), m.intercept_
    assert_rel(first[0], coef[0], 1e-8)
    m.set_params(max_iter=1)
    m.fit(X, y)
    assert m.n_iter_ == 1 and len(m.loss_curve_) == 1
    # one more step from the optimum stays there; the first epoch's loss is optimal already
    assert_rel(m.coef_, first[0], 1e-8)
    assert m.intercept_ == pytest.approx(first[1], rel=1e-8)
    cold = Ridge(alpha=1.0, solver="sgd", batch_size=len(y), n_threads=1, max_iter=1).fit(X, y)
    assert np.max(np.abs(cold.coef_ - coef[0])) > 1e-2  # one epoch from zero is not there
    assert m.loss_curve_[0] < cold.loss_curve_[0]
    # warm_start=False starts over
    m.set_params(warm_start=False)
    m.fit(X, y)
    np.testing.assert_allclose(m.coef_, cold.coef_, rtol=1e-12)


@NO_CONV_WARN
def test_warm_start_with_changed_shape_starts_over():
    X, y, _ = standardized_data(seed=92)
    m = Ridge(solver="sgd", batch_size=len(y), n_threads=1, max_iter=50, warm_start=True).fit(X, y)
    m.fit(X[:, :3], y)  # 3 features now: no warm start, no error
    assert m.coef_.shape == (3,)
    ref = Ridge(solver="sgd", batch_size=len(y), n_threads=1, max_iter=50).fit(X[:, :3], y)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-12)


@NO_CONV_WARN
def test_warm_start_from_direct_fit():
    X, y, _ = standardized_data(seed=93)
    m = Ridge(alpha=1.0).fit(X, y)
    direct = m.coef_.copy()
    m.set_params(solver="sgd", warm_start=True, max_iter=1, batch_size=len(y))
    m.fit(X, y)
    assert_rel(m.coef_, direct, 1e-6)


@NO_CONV_WARN
def test_early_stopping_records_validation_scores():
    X, y, _ = standardized_data(n=400, seed=94)
    m = Ridge(solver="sgd", early_stopping=True, n_threads=1, validation_fraction=0.2, n_iter_no_change=5,
              tol=1e-4, max_iter=500, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stops early, no warning
        m.fit(X, y)
    assert 5 < m.n_iter_ < 500
    assert len(m.validation_scores_) == len(m.validation_loss_curve_) == len(m.loss_curve_) \
        == m.n_iter_
    v = np.asarray(m.validation_loss_curve_)  # the validation loss: lower is better
    assert np.all(np.isfinite(v)) and v[-1] < v[0]
    # the stopping rule: the last n_iter_no_change losses did not beat the best before by tol
    best_before = v[:-5].min()
    assert np.all(v[-5:] >= best_before - 1e-4)
    # validation_scores_: R^2 on the validation rows (higher is better), as scikit-learn's
    rng = np.random.RandomState(0)  # the split fit_stochastic draws (its first draws)
    rng.randint(0, 2 ** 31 - 1)
    order = rng.permutation(len(y))
    val = np.sort(order[:int(np.ceil(0.2 * len(y)))])
    r2 = 1 - np.sum((y[val] - m.predict(X[val])) ** 2) / np.sum((y[val] - y[val].mean()) ** 2)
    assert m.validation_scores_[-1] == pytest.approx(r2, rel=1e-10)
    assert m.best_validation_score_ == max(m.validation_scores_) > 0.9
    assert m.validation_scores_[-1] > m.validation_scores_[0]
    # the result is a good fit, though trained on 80 % of the rows
    assert m.score(X, y) > Ridge().fit(X, y).score(X, y) - 1e-3
    assert not hasattr(Ridge(solver="sgd", max_iter=5).fit(X, y), "validation_scores_")


def test_loss_curve_and_n_iter_for_stochastic_solvers():
    X, y, _ = standardized_data(seed=95)
    m = Ridge(solver="sgd", batch_size=len(y), n_threads=1, tol=1e-6, n_iter_no_change=5, max_iter=5000)
    m.fit(X, y)
    curve = np.asarray(m.loss_curve_)
    assert m.n_iter_ == len(curve) < 5000
    assert np.all(np.diff(curve) <= 1e-12)  # full-batch GD at 1/L decreases monotonically
    # the recorded loss is the mean data loss sum_i (y_i - z_i)^2 / (2 n), penalty excluded
    coef, b0 = ref_normal(X, y, None, 1.0)
    r = y - X @ coef[0] - b0[0]
    assert curve[-1] == pytest.approx(r @ r / (2 * len(y)), rel=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        full = Ridge(solver="sgd", batch_size=len(y), tol=0.0, max_iter=2000, n_iter_no_change=10 ** 6,
                     n_threads=1).fit(X, y)
    assert full.loss_curve_[-1] == pytest.approx(r @ r / (2 * len(y)), rel=1e-12)
    assert Ridge().fit(X, y).n_iter_ == 1  # a direct solve


@pytest.mark.parametrize("solver", ["sgd", "adam", "cg"])
def test_convergence_warning_when_max_iter_runs_out(solver):
    X, y, _ = standardized_data(seed=96)
    kw = dict(max_iter=1, tol=1e-14) if solver == "cg" else dict(max_iter=3, random_state=0)
    m = Ridge(solver=solver, **kw)
    with pytest.warns(ConvergenceWarning, match="max_iter") as rec:
        m.fit(X, y)
    assert issubclass(rec[0].category, UserWarning)
    if solver != "cg":
        assert m.n_iter_ == 3
        assert f"{solver!r} solver ran max_iter=3 epochs" in str(rec[0].message)
    else:
        assert np.all(np.asarray(m.n_iter_) == 1)
    # no warning when converged
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        Ridge(solver="cg", tol=1e-8).fit(X, y)
        Ridge(solver="sgd", batch_size=len(y), n_threads=1, tol=1e-6, max_iter=5000).fit(X, y)


# ------------------------------------------- 'cg' on wide data: the dual system (issue 16)

def _wide_or_tall(n, p, density, seed=0, weights=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if density is not None:
        X[rng.random(X.shape) > density] = 0.0
    y = X[:, :10] @ rng.standard_normal(10) + 0.1 * rng.standard_normal(n) + 3.0
    w = rng.uniform(0.5, 2.0, n) if weights else None
    return X, y, w


@pytest.mark.parametrize("shape", [(200, 2000), (2000, 200)])
@pytest.mark.parametrize("density", [None, 0.05])
@pytest.mark.parametrize("alpha", [1e-4, 1e-2, 1.0, 1e2])
def test_cg_within_1e3_of_the_exact_ridge_solution_on_wide_and_tall_data(shape, density, alpha):
    X, y, _ = _wide_or_tall(*shape, density)
    exact = Ridge(alpha=alpha, solver="svd").fit(X, y)
    cg = Ridge(alpha=alpha, solver="cg").fit(sp.csr_matrix(X) if density else X, y)
    err = np.linalg.norm(cg.coef_ - exact.coef_) / np.linalg.norm(exact.coef_)
    assert err < 1e-3
    assert abs(cg.intercept_ - exact.intercept_) < 1e-3 * max(1.0, abs(exact.intercept_))


@pytest.mark.parametrize("fit_intercept, weights", [(True, True), (False, False), (False, True)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cg_dual_with_weights_no_intercept_and_float32(fit_intercept, weights, dtype):
    X, y, w = _wide_or_tall(150, 900, 0.1, seed=1, weights=weights)
    X = X.astype(dtype)
    exact = Ridge(alpha=0.05, solver="svd", fit_intercept=fit_intercept).fit(
        X.astype(np.float64), y, sample_weight=w)
    cg = Ridge(alpha=0.05, solver="cg", fit_intercept=fit_intercept, tol=1e-6).fit(
        sp.csr_matrix(X), y, sample_weight=w)
    err = np.linalg.norm(cg.coef_ - exact.coef_) / np.linalg.norm(exact.coef_)
    assert err < (1e-3 if dtype == np.float32 else 1e-5)
    assert cg.coef_.dtype == dtype


def test_cg_on_wide_data_generalizes_and_stays_in_the_row_space():
    """The issue's case: sparse 200 x 2000, alpha=0.01 (was 100% away, test R^2 < 0)."""
    X, y, _ = _wide_or_tall(400, 2000, 0.05, seed=2)
    Xtr, Xte, ytr, yte = X[:200], X[200:], y[:200], y[200:]
    cg = Ridge(alpha=0.01, solver="cg").fit(sp.csr_matrix(Xtr), ytr)
    exact = Ridge(alpha=0.01, solver="svd").fit(Xtr, ytr)
    assert exact.score(Xte, yte) > 0
    assert cg.score(Xte, yte) == pytest.approx(exact.score(Xte, yte), abs=1e-3)
    # b = X_c^T a lies in the row space of the centered X
    Xc = Xtr - Xtr.mean(axis=0)
    a, *_ = np.linalg.lstsq(Xc.T, cg.coef_, rcond=None)
    assert np.linalg.norm(Xc.T @ a - cg.coef_) < 1e-8 * np.linalg.norm(cg.coef_)


def test_cg_needs_no_more_products_than_scikit_learns_sparse_cg(monkeypatch):
    sk = pytest.importorskip("sklearn.linear_model")
    import scipy.sparse.linalg as spla
    real = spla.cg
    products = []

    def counting_cg(A, b, *args, **kwargs):
        A = spla.aslinearoperator(A)
        calls = [0]

        def mv(v):
            calls[0] += 1
            return A.matvec(v)

        out = real(spla.LinearOperator(A.shape, matvec=mv, dtype=A.dtype), b, *args, **kwargs)
        products.append(calls[0])
        return out

    monkeypatch.setattr(spla, "cg", counting_cg)
    import sklearn.linear_model._ridge as sk_ridge  # it binds scipy's cg at import
    monkeypatch.setattr(sk_ridge, "_sparse_linalg_cg", counting_cg, raising=False)
    for shape, density in [((200, 2000), 0.05), ((300, 3000), None)]:
        X, y, _ = _wide_or_tall(*shape, density, seed=3)
        Xin = sp.csr_matrix(X) if density else X
        for alpha in (1e-2, 1.0):
            products.clear()
            Ridge(alpha=alpha, solver="cg").fit(Xin, y)
            ours = sum(products)
            products.clear()
            sk.Ridge(alpha=alpha, solver="sparse_cg").fit(Xin, y)
            theirs = sum(products)
            assert 0 < ours <= theirs, (shape, alpha, ours, theirs)
