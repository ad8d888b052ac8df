"""LogisticRegression and SoftmaxRegression against scipy, scikit-learn and USPS digits.

Both minimize scikit-learn's objective

    C sum_i w_i l_i + ||W||^2 / 2        (the intercept not penalized; no norm with penalty=None)

with l the logistic loss log(1 + exp(-s z)) (two classes, s = +1 for classes_[1])
or the softmax cross-entropy logsumexp(z) - z_y (multinomial), and one binary
problem per class for multi_class='ovr'.  The oracle here is that equation
written in plain NumPy and minimized by scipy.optimize.minimize (L-BFGS-B,
gtol 1e-10); its own gradient is checked before it is trusted.

- 'lbfgs' and 'newton-cg' (tol=1e-10) agree with it to 1e-5 relative (float64),
  2e-4 in float32; 'gd' (tol=1e-8) to 1e-4;
- every stochastic solver with a cosine decay reaches the optimal objective
  value to 1e-3 relative (settings in STOCHASTIC_SETTINGS);
- scikit-learn (when installed): coefficients within 1e-4, OvR against
  OneVsRestClassifier, and check_estimator;
- USPS digits from ../shared/data/usps: every solver's test accuracy within one
  point of lbfgs.

Library bugs found are strict xfails; each reason says what is wrong.
"""
import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp
import scipy.special

from fastoptim.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from fastoptim.linear_model import LogisticRegression, SoftmaxRegression
from fastoptim.optim import SGD, Adam, schedules
from conftest import assert_rel, usps_source


STOCHASTIC = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta", "nadam")
DIRECT = ("lbfgs", "newton-cg", "newton-cholesky")
NO_CONV_WARN = pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")


# -- data and oracles -------------------------------------------------------------------------

def make_data(K=2, n=200, p=6, *, seed=0, sparse=False, density=0.4):
    """X (dense or CSR, float64), y (class indices 0..K-1), w (weights in [0.2, 3]).

    Features of different scales with non-zero means; labels drawn from a noisy
    linear model (Gumbel noise: exactly multinomial logit), so that the classes
    overlap and the optimum is finite even without a penalty.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 2.0, size=p) + 0.5 * rng.normal(size=p)
    if sparse:
        X = np.where(rng.random((n, p)) < density, X, 0.0)
    T = rng.normal(size=(K, p))
    y = np.argmax(X @ T.T + rng.gumbel(size=(n, K)) + 0.3 * np.arange(K), axis=1)
    w = rng.uniform(0.2, 3.0, size=n)
    return (sp.csr_matrix(X) if sparse else X), y, w


def standardized_data(K=2, n=300, p=5, *, seed=0):
    """Well-conditioned data for the stochastic solvers: standardized features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, size=p) + rng.normal(size=p)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    T = rng.normal(size=(K, p))
    y = np.argmax(X @ T.T + rng.gumbel(size=(n, K)), axis=1)
    return X, y, rng.uniform(0.5, 2.0, size=n)


def _dense(X):
    return X.toarray().astype(np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64)


def effective_weights(y, K, w=None, class_weight=None):
    """sample_weight times the class weight of each sample's class.

    'balanced' is the documented rule (scikit-learn's): sum(w) / (n_classes * the class's
    weight sum), n_samples / (n_classes * count of the class) without weights.
    """
    n = len(y)
    ew = np.ones(n) if w is None else np.asarray(w, dtype=np.float64).copy()
    if class_weight == "balanced":
        counts = np.bincount(y, weights=None if w is None else ew, minlength=K)
        ew *= (ew.sum() / (K * counts))[y]
    elif isinstance(class_weight, dict):
        ew *= np.array([class_weight.get(k, 1.0) for k in range(K)])[y]
    return ew


def _mode(K, multi_class="auto", softmax=False):
    return "multinomial" if softmax else ("binary" if K == 2 else
                                          ("ovr" if multi_class == "ovr" else "multinomial"))


def ref_value_grad(X, y, K, C, w, coef, intercept, *, mode, penalty=True):
    """The objective C sum_i w_i l_i + ||coef||^2 / 2 and its gradient (coef (R, p), b (R,))."""
    n = X.shape[0]
    W = np.atleast_2d(coef)
    Z = X @ W.T + intercept
    if mode == "binary":
        s = np.where(y == 1, 1.0, -1.0)
        z = Z[:, 0]
        loss = np.logaddexp(0.0, -s * z)
        dZ = (-s * scipy.special.expit(-s * z))[:, None]
    else:
        lse = scipy.special.logsumexp(Z, axis=1)
        loss = lse - Z[np.arange(n), y]
        dZ = np.exp(Z - lse[:, None])
        dZ[np.arange(n), y] -= 1.0
    value = C * float(w @ loss)
    G = C * (w[:, None] * dZ)
    gW, gb = G.T @ X, G.sum(axis=0)
    if penalty:
        value += 0.5 * float(np.sum(W * W))
        gW = gW + W
    return value, gW, gb


def objective(X, y, K, C, coef, intercept, w=None, *, mode, penalty=True):
    X = _dense(X)
    w = np.ones(X.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    b = np.broadcast_to(np.asarray(intercept, dtype=np.float64), (coef.shape[0],))
    return ref_value_grad(X, y, K, C, w, coef, b, mode=mode, penalty=penalty)[0]


_ORACLE_CACHE = {}


def ref_fit(X, y, K, C=1.0, w=None, *, fit_intercept=True, penalty=True, mode=None, key=None):
    """scipy's L-BFGS-B at tight tolerance on the objective; returns coef (R, p), b (R,).

    mode 'binary' (R = 1), 'multinomial' (R = K) or 'ovr' (K binary problems).
    """
    if key is not None and key in _ORACLE_CACHE:
        return _ORACLE_CACHE[key]
    mode = mode or _mode(K)
    if mode == "ovr":
        parts = [ref_fit(X, (y == k).astype(int), 2, C, w, fit_intercept=fit_intercept,
                         penalty=penalty, mode="binary") for k in range(K)]
        out = np.vstack([c for c, _ in parts]), np.concatenate([b for _, b in parts])
        if key is not None:
            _ORACLE_CACHE[key] = out
        return out
    X = _dense(X)
    n, p = X.shape
    w = np.ones(n) if w is None else np.asarray(w, dtype=np.float64)
    R = 1 if mode == "binary" else K

    def f(x):
        W = x[:R * p].reshape(R, p)
        b = x[R * p:] if fit_intercept else np.zeros(R)
        v, gW, gb = ref_value_grad(X, y, K, C, w, W, b, mode=mode, penalty=penalty)
        return v, (np.concatenate([gW.ravel(), gb]) if fit_intercept else gW.ravel())

    x0 = np.zeros(R * p + (R if fit_intercept else 0))
    res = scipy.optimize.minimize(f, x0, jac=True, method="L-BFGS-B",
                                  options=dict(gtol=1e-10, ftol=1e-16, maxiter=100000, maxcor=30))
    # the oracle is trusted only at a stationary point (gradient relative to C sum w)
    assert np.max(np.abs(f(res.x)[1])) <= 1e-8 * C * w.sum(), res.message
    W = res.x[:R * p].reshape(R, p)
    b = res.x[R * p:] if fit_intercept else np.zeros(R)
    if key is not None:
        _ORACLE_CACHE[key] = (W, b)
    return W, b


def _centered(b, mode):
    """Multinomial intercepts are defined up to a common shift (unpenalized): compare centered."""
    b = np.asarray(b, dtype=np.float64)
    return b - b.mean() if mode == "multinomial" else b


def assert_fit_matches(model, coef, intercept, rtol, *, mode, fit_intercept=True):
    assert model.coef_.shape == coef.shape, (model.coef_.shape, coef.shape)
    assert model.intercept_.shape == (coef.shape[0],)
    assert_rel(model.coef_, coef, rtol, "coef_")
    if fit_intercept:
        scale = max(np.max(np.abs(intercept)), np.max(np.abs(coef)))
        err = np.max(np.abs(_centered(model.intercept_, mode) - _centered(intercept, mode)))
        assert err <= rtol * scale, f"intercept_: {err:.3e} > {rtol:.0e} * {scale:.3e}"
    else:
        assert np.all(model.intercept_ == 0.0)


def ref_proba(X, coef, intercept, mode):
    Z = _dense(X) @ np.atleast_2d(coef).T + intercept
    if mode == "binary":
        p1 = scipy.special.expit(Z[:, 0])
        return np.column_stack([1.0 - p1, p1])
    if mode == "ovr":
        P = scipy.special.expit(Z)
        return P / P.sum(axis=1, keepdims=True)
    return scipy.special.softmax(Z, axis=1)


# -- 1. the objective: which problem is solved ---------------------------------------------------

def test_binary_labels_map_classes_1_to_plus_one():
    X, y, _ = make_data(2, seed=1)
    labels = np.where(y == 1, "spam", "ham")
    m = LogisticRegression(C=0.7, tol=1e-10).fit(X, labels)
    assert m.classes_.tolist() == ["ham", "spam"]
    coef, b = ref_fit(X, (labels == "spam").astype(int), 2, 0.7)
    assert_fit_matches(m, coef, b, 1e-6, mode="binary")
    z = m.decision_function(X)
    assert z.shape == (200,)
    np.testing.assert_array_equal(m.predict(X), np.where(z > 0, "spam", "ham"))
    np.testing.assert_allclose(m.predict_proba(X)[:, 1], scipy.special.expit(z), rtol=1e-12)
    # renaming the classes so that the other one sorts last negates the model
    other = LogisticRegression(C=0.7, tol=1e-10).fit(X, np.where(y == 1, "a-spam", "z-ham"))
    assert other.classes_.tolist() == ["a-spam", "z-ham"]
    assert_rel(other.coef_, -m.coef_, 1e-6)
    assert other.intercept_[0] == pytest.approx(-m.intercept_[0], rel=1e-6)


@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
def test_tiny_C_leaves_the_unpenalized_intercept_at_class_log_frequencies(K, weights):
    """C -> 0: coef -> 0 while the (unpenalized) intercept fits the weighted class
    frequencies: log(f1 / f0) (binary) or log f_k up to a shift (multinomial)."""
    X, y, w = make_data(K, seed=2)
    w = w if weights else None
    m = LogisticRegression(C=1e-9, tol=1e-10).fit(X, y, sample_weight=w)
    freq = np.bincount(y, weights=w, minlength=K) / (len(y) if w is None else w.sum())
    assert np.max(np.abs(m.coef_)) < 1e-6
    if K == 2:
        assert m.intercept_[0] == pytest.approx(np.log(freq[1] / freq[0]), abs=1e-6)
    else:
        np.testing.assert_allclose(_centered(m.intercept_, "multinomial"),
                                   _centered(np.log(freq), "multinomial"), atol=1e-6)
        # predict_proba is the class frequency everywhere
        np.testing.assert_allclose(m.predict_proba(X[:5]), np.tile(freq, (5, 1)), atol=1e-6)


@pytest.mark.parametrize("K", [2, 3])
def test_penalty_none_drops_the_norm(K):
    X, y, _ = make_data(K, seed=3)
    m = LogisticRegression(penalty=None, tol=1e-10, max_iter=1000).fit(X, y)
    mode = _mode(K)
    coef, b = ref_fit(X, y, K, 1.0, penalty=False)
    f_opt = objective(X, y, K, 1.0, coef, b, mode=mode, penalty=False)
    f = objective(X, y, K, 1.0, m.coef_, m.intercept_, mode=mode, penalty=False)
    assert f_opt * (1 - 1e-12) <= f <= f_opt * (1 + 1e-10)
    # multinomial without a penalty: the rows of W are defined up to a common shift,
    # the probabilities are not
    np.testing.assert_allclose(m.predict_proba(X), ref_proba(X, coef, b, mode), atol=1e-6)
    if K == 2:
        assert_fit_matches(m, coef, b, 1e-5, mode=mode)
    # C does not matter without a penalty
    m2 = LogisticRegression(penalty=None, C=123.0, tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(m2.predict_proba(X), m.predict_proba(X), atol=1e-6)


def test_multinomial_penalty_centers_the_rows():
    """With the penalty, sum_k w_k = 0 at the optimum (a common shift only adds norm)."""
    X, y, _ = make_data(4, seed=4)
    m = LogisticRegression(C=3.0, tol=1e-10).fit(X, y)
    assert np.max(np.abs(m.coef_.sum(axis=0))) <= 1e-8 * np.max(np.abs(m.coef_))


@pytest.mark.parametrize("C", [0.3, 2.0])
def test_softmax_regression_two_classes(C):
    """SoftmaxRegression keeps one row per class for two classes; since w_0 = -w_1 at
    the optimum, its objective is the binary one in w = w_1 - w_0 with C doubled."""
    X, y, _ = make_data(2, seed=5)
    s = SoftmaxRegression(C=C, tol=1e-10).fit(X, y)
    assert s.coef_.shape == (2, 6) and s.intercept_.shape == (2,)
    coef, b = ref_fit(X, y, 2, C, mode="multinomial")
    assert_fit_matches(s, coef, b, 1e-5, mode="multinomial")
    binary = LogisticRegression(C=2 * C, tol=1e-10).fit(X, y)
    assert_rel(s.coef_[1] - s.coef_[0], binary.coef_[0], 1e-5)
    assert s.intercept_[1] - s.intercept_[0] == pytest.approx(binary.intercept_[0], rel=1e-5)
    np.testing.assert_allclose(s.predict_proba(X), binary.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(s.predict(X), binary.predict(X))


@pytest.mark.parametrize("solver", DIRECT)
def test_ovr_is_one_binary_problem_per_class(solver):
    X, y, w = make_data(3, seed=6)
    m = LogisticRegression(C=0.8, solver=solver, multi_class="ovr", tol=1e-10).fit(
        X, y, sample_weight=w)
    coef, b = ref_fit(X, y, 3, 0.8, w, mode="ovr")
    assert_fit_matches(m, coef, b, 1e-5, mode="ovr")
    for k in range(3):
        bk = LogisticRegression(C=0.8, solver=solver, tol=1e-10).fit(X, y == k, sample_weight=w)
        assert_rel(m.coef_[k], bk.coef_[0], 1e-6)
    assert m.n_iter_.shape == (3,)
    P = m.predict_proba(X)
    np.testing.assert_allclose(P, ref_proba(X, coef, b, "ovr"), atol=1e-6)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    # multi_class='ovr' changes nothing for two classes
    X2, y2, _ = make_data(2, seed=7)
    a = LogisticRegression(multi_class="ovr", tol=1e-10).fit(X2, y2)
    c = LogisticRegression(tol=1e-10).fit(X2, y2)
    np.testing.assert_array_equal(a.coef_, c.coef_)


# -- 2. accuracy against scipy ---------------------------------------------------------------------

@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
@pytest.mark.parametrize("K", [2, 3], ids=["binary", "multinomial"])
@pytest.mark.parametrize("solver", DIRECT)
def test_direct_solvers_match_scipy(solver, K, fit_intercept, weights, sparse):
    X, y, w = make_data(K, seed=10 + K, sparse=sparse)
    w = w if weights else None
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # converges within max_iter
        m = LogisticRegression(C=0.7, solver=solver, tol=1e-10, fit_intercept=fit_intercept,
                               n_threads=1).fit(X, y, sample_weight=w)
    mode = _mode(K)
    coef, b = ref_fit(X, y, K, 0.7, w, fit_intercept=fit_intercept,
                      key=("direct", K, fit_intercept, weights, sparse))
    assert_fit_matches(m, coef, b, 1e-5, mode=mode, fit_intercept=fit_intercept)
    assert m.coef_.dtype == np.float64
    f_opt = objective(X, y, K, 0.7, coef, b, w, mode=mode)
    f = objective(X, y, K, 0.7, m.coef_, m.intercept_, w, mode=mode)
    assert f_opt * (1 - 1e-12) <= f <= f_opt * (1 + 1e-10)
    np.testing.assert_allclose(m.predict_proba(X), ref_proba(X, coef, b, mode), atol=1e-6)
    iters = np.asarray(m.n_iter_)
    assert iters.shape == (1,) and 1 <= iters[0] <= (60 if solver == "lbfgs" else 15)


CLASS_WEIGHTS = {"balanced": "balanced", "dict": {0: 2.5, 1: 0.4}}


@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("cw", list(CLASS_WEIGHTS))
@pytest.mark.parametrize("K", [2, 3], ids=["binary", "multinomial"])
@pytest.mark.parametrize("solver", DIRECT)
def test_class_weight_matches_scipy(solver, K, cw, weights):
    X, y, w = make_data(K, seed=20 + K)
    w = w if weights else None
    class_weight = CLASS_WEIGHTS[cw]
    m = LogisticRegression(C=0.5, solver=solver, class_weight=class_weight, tol=1e-10,
                           n_threads=1).fit(X, y, sample_weight=w)
    ew = effective_weights(y, K, w, class_weight)
    coef, b = ref_fit(X, y, K, 0.5, ew, key=("cw", K, cw, weights))
    assert_fit_matches(m, coef, b, 1e-5, mode=_mode(K))
    # the same problem as the explicit per-sample weights
    e = LogisticRegression(C=0.5, solver=solver, tol=1e-10, n_threads=1).fit(X, y, sample_weight=ew)
    assert_rel(m.coef_, e.coef_, 1e-8)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("K", [2, 3], ids=["binary", "multinomial"])
@pytest.mark.parametrize("solver", DIRECT)
def test_float32_stays_float32_and_matches_scipy(solver, K, sparse):
    """float32: coefficients within 2e-4 of the float64 optimum of the same (rounded) data.

    (The ~1e-4 level, not the 1e-6 that float32 gradients allow: lbfgs stops on
    scipy's ftol test in float32, see test_lbfgs_stops_before_tol_without_warning.)"""
    X, y, w = make_data(K, seed=30 + K, sparse=sparse)
    X32 = X.astype(np.float32)
    w32 = w.astype(np.float32)
    m = LogisticRegression(C=0.5, solver=solver, tol=1e-6, n_threads=1).fit(X32, y, sample_weight=w32)
    assert m.coef_.dtype == np.float32 and m.intercept_.dtype == np.float32
    assert m.decision_function(X32).dtype == np.float32
    X64, w64 = _dense(X32), w32.astype(np.float64)
    coef, b = ref_fit(X64, y, K, 0.5, w64, key=("f32", K, sparse))
    assert_fit_matches(m, coef, b, 2e-4, mode=_mode(K))
    f_opt = objective(X64, y, K, 0.5, coef, b, w64, mode=_mode(K))
    f = objective(X64, y, K, 0.5, m.coef_, m.intercept_, w64, mode=_mode(K))
    assert f <= f_opt * (1 + 1e-7)


@pytest.mark.xfail(strict=True, reason=(
    "_logistic.py _solve_lbfgs: converged = res.status == 0 also counts scipy's ftol stop "
    "('RELATIVE REDUCTION OF F <= FACTR*EPSMCH', ftol=64*eps64): the fit returns, without a "
    "ConvergenceWarning, with max|grad| above tol -- 86x in float32 (round-off in f triggers the "
    "ftol test early), 1.8x in float64; the docstring promises max|grad| <= tol"))
@pytest.mark.parametrize("case", ["float32-binary-csr", "float64-multinomial"])
def test_lbfgs_stops_before_tol_without_warning(case):
    if case == "float32-binary-csr":
        X, y, _ = make_data(2, seed=2, sparse=True)
        X, K, C, tol, fit_intercept, slack = X.astype(np.float32), 2, 0.5, 1e-7, False, 2.0
    else:
        X, y, _ = make_data(3, seed=73)
        K, C, tol, fit_intercept, slack = 3, 1.0, 1e-8, True, 1.1
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        m = LogisticRegression(C=C, tol=tol, fit_intercept=fit_intercept, n_threads=1).fit(X, y)
    warned = any(issubclass(r.category, ConvergenceWarning) for r in rec)
    # the gradient of the scaled objective (the one tol bounds), in float64
    _, gW, gb = ref_value_grad(_dense(X), y, K, C, np.ones(200), m.coef_.astype(np.float64),
                               m.intercept_.astype(np.float64), mode=_mode(K))
    gmax = max(np.max(np.abs(gW)), np.max(np.abs(gb)) if fit_intercept else 0.0) / (C * 200)
    assert warned or gmax <= slack * tol, f"max|grad| {gmax:.2e} > tol {tol:.0e}, no warning"


@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("K", [2, 3], ids=["binary", "multinomial"])
def test_gd_matches_scipy(K, sparse, weights):
    X, y, w = make_data(K, seed=10 + K, sparse=sparse)
    w = w if weights else None
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        m = LogisticRegression(C=0.7, solver="gd", tol=1e-8, max_iter=5000, n_threads=1).fit(
            X, y, sample_weight=w)
    coef, b = ref_fit(X, y, K, 0.7, w, key=("direct", K, True, weights, sparse))
    assert_fit_matches(m, coef, b, 1e-4, mode=_mode(K))
    assert 1 <= m.n_iter_[0] < 5000


# Mini-batches of 50 (6 per epoch) over standardized data (300 x 5), a cosine decay to 0
# over 300 epochs, tol=0: every fit runs its 300 epochs (~10-30 ms each).
STOCHASTIC_LR = {"sgd": 1.0, "momentum": 0.3, "nesterov": 0.3, "adagrad": 0.5, "rmsprop": 0.01,
                 "adam": 0.05, "Adam-object": 0.05}
STOCHASTIC_SETTINGS = dict(batch_size=50, max_iter=300, tol=0.0, n_iter_no_change=10 ** 6,
                           random_state=0, n_threads=1)
STOCHASTIC_CASES = {
    "binary-w": dict(K=2, weights=True),
    "multinomial-w": dict(K=3, weights=True),
    "multinomial-nob0-csr": dict(K=3, fit_intercept=False, sparse=True),
    "ovr": dict(K=3, multi_class="ovr"),
    "softmax-binary": dict(K=2, softmax=True),
}


def _stochastic_model(name, softmax=False, **kw):
    lr = STOCHASTIC_LR[name]
    solver = Adam(lr=lr) if name == "Adam-object" else name
    cls = SoftmaxRegression if softmax else LogisticRegression
    params = dict(STOCHASTIC_SETTINGS, solver=solver, learning_rate=lr,
                  schedule=schedules.CosineDecay(lr, total=STOCHASTIC_SETTINGS["max_iter"]))
    params.update(kw)
    return cls(**params)


@NO_CONV_WARN
@pytest.mark.parametrize("case", list(STOCHASTIC_CASES))
@pytest.mark.parametrize("name", list(STOCHASTIC_LR))
def test_stochastic_solvers_reach_the_optimum(name, case):
    spec = dict(STOCHASTIC_CASES[case])
    K = spec.pop("K")
    weights, sparse = spec.pop("weights", False), spec.pop("sparse", False)
    softmax = spec.pop("softmax", False)
    X, y, w = standardized_data(K, seed=K)
    w = w if weights else None
    fit_intercept = spec.get("fit_intercept", True)
    mode = _mode(K, spec.get("multi_class", "auto"), softmax)
    coef, b = ref_fit(X, y, K, 1.0, w, fit_intercept=fit_intercept, mode=mode,
                      key=("stoch", case))
    m = _stochastic_model(name, softmax, C=1.0, **spec).fit(sp.csr_matrix(X) if sparse else X, y,
                                                             sample_weight=w)
    if mode == "ovr":
        f_opt = sum(objective(X, (y == k).astype(int), 2, 1.0, coef[k], b[k], w, mode="binary")
                    for k in range(K))
        f = sum(objective(X, (y == k).astype(int), 2, 1.0, m.coef_[k], m.intercept_[k], w,
                          mode="binary") for k in range(K))
    else:
        f_opt = objective(X, y, K, 1.0, coef, b, w, mode=mode)
        f = objective(X, y, K, 1.0, m.coef_, m.intercept_, w, mode=mode)
    assert f >= f_opt * (1 - 1e-12)
    assert (f - f_opt) / f_opt <= 1e-3, f"relative objective gap {(f - f_opt) / f_opt:.2e}"
    problems = K if mode == "ovr" else 1
    assert np.array_equal(m.n_iter_, [300] * problems)
    curves = m.loss_curve_ if mode == "ovr" else [m.loss_curve_]
    assert len(curves) == problems and all(len(c) == 300 for c in curves)
    if not fit_intercept:
        assert np.all(m.intercept_ == 0.0)


@NO_CONV_WARN
def test_sgd_auto_learning_rate_full_batch_reaches_the_optimum():
    """learning_rate='auto' (1/L) with full batches is gradient descent that cannot blow up."""
    X, y, w = standardized_data(3, seed=3)
    coef, b = ref_fit(X, y, 3, 1.0, w, key=("auto-sgd",))
    m = LogisticRegression(solver="sgd", batch_size=len(y), max_iter=2000, tol=0.0,
                           n_iter_no_change=10 ** 6, n_threads=1).fit(X, y, sample_weight=w)
    curve = np.asarray(m.loss_curve_)
    assert np.all(np.diff(curve) <= 1e-12)  # monotone
    f_opt = objective(X, y, 3, 1.0, coef, b, w, mode="multinomial")
    f = objective(X, y, 3, 1.0, m.coef_, m.intercept_, w, mode="multinomial")
    assert (f - f_opt) / f_opt <= 1e-3


# -- 3. scikit-learn parity ------------------------------------------------------------------

SK_CLASS_WEIGHTS = [None, "balanced", {0: 2.5, 1: 0.4}]



@pytest.mark.parametrize("cw", SK_CLASS_WEIGHTS, ids=["cw-none", "balanced", "cw-dict"])
@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("K", [2, 3], ids=["binary", "multinomial"])
def test_matches_sklearn(K, weights, cw, request):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y, w = make_data(K, seed=40 + K)
    w = w if weights else None
    for solver in DIRECT:
        ours = LogisticRegression(C=0.5, solver=solver, class_weight=cw, tol=1e-10).fit(
            X, y, sample_weight=w)
        ref = sk.LogisticRegression(C=0.5, solver=solver, class_weight=cw, tol=1e-12,
                                    max_iter=10000).fit(X, y, sample_weight=w)
        assert ours.coef_.shape == ref.coef_.shape and ours.intercept_.shape == ref.intercept_.shape
        assert np.max(np.abs(ours.coef_ - ref.coef_)) <= 1e-4 * max(1.0, np.max(np.abs(ref.coef_)))
        assert np.max(np.abs(ours.intercept_ - ref.intercept_)) <= 1e-4 * max(
            1.0, np.max(np.abs(ref.intercept_)))
        np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
        np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X),
                                   atol=1e-5)
        np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-5)
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
        assert ours.score(X, y, sample_weight=w) == pytest.approx(
            ref.score(X, y, sample_weight=w), rel=1e-12)


@pytest.mark.parametrize("K", [2, 3], ids=["binary", "multinomial"])
def test_sklearn_balanced_with_sample_weight_uses_weighted_counts(K):
    """What scikit-learn does (the diagnosis of the xfails above): 'balanced' with
    sample_weight is sum(w) / (K * weighted count), which fastoptim reproduces only
    when given those weights explicitly."""
    sk = pytest.importorskip("sklearn.linear_model")
    X, y, w = make_data(K, seed=40 + K)
    cw = (w.sum() / (K * np.bincount(y, weights=w)))[y]
    ours = LogisticRegression(C=0.5, tol=1e-10).fit(X, y, sample_weight=w * cw)
    ref = sk.LogisticRegression(C=0.5, class_weight="balanced", tol=1e-12, max_iter=10000).fit(
        X, y, sample_weight=w)
    assert_rel(ours.coef_, ref.coef_, 1e-6)


@pytest.mark.parametrize("K", [2, 3], ids=["binary", "multinomial"])
def test_matches_sklearn_sparse_no_intercept_and_no_penalty(K):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y, _ = make_data(K, seed=50 + K, sparse=True)
    ours = LogisticRegression(C=2.0, fit_intercept=False, tol=1e-10).fit(X, y)
    ref = sk.LogisticRegression(C=2.0, fit_intercept=False, tol=1e-12, max_iter=10000).fit(X, y)
    assert_rel(ours.coef_, ref.coef_, 1e-4)
    np.testing.assert_array_equal(ours.intercept_, ref.intercept_)  # both zeros
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    if K == 2:  # no penalty: scikit-learn's C=inf (penalty= is deprecated in 1.8+)
        ours = LogisticRegression(penalty=None, tol=1e-10, max_iter=1000).fit(X, y)
        ref = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
        assert_rel(ours.coef_, ref.coef_, 1e-4)
        assert ours.intercept_[0] == pytest.approx(ref.intercept_[0], rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
def test_ovr_matches_sklearn_one_vs_rest(weights):
    """scikit-learn 1.9 has no multi_class='ovr': OneVsRestClassifier(LogisticRegression)."""
    sklearn = pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression as SkLR
    from sklearn.multiclass import OneVsRestClassifier

    X, y, w = make_data(4, seed=55)
    ours = LogisticRegression(C=0.8, multi_class="ovr", tol=1e-10).fit(
        X, y, sample_weight=w if weights else None)
    if weights:  # OneVsRestClassifier passes sample_weight on through metadata routing
        with sklearn.config_context(enable_metadata_routing=True):
            ref = OneVsRestClassifier(SkLR(C=0.8, tol=1e-12, max_iter=10000).set_fit_request(
                sample_weight=True)).fit(X, y, sample_weight=w)
    else:
        ref = OneVsRestClassifier(SkLR(C=0.8, tol=1e-12, max_iter=10000)).fit(X, y)
    ref_coef = np.vstack([e.coef_ for e in ref.estimators_])
    ref_b = np.concatenate([e.intercept_ for e in ref.estimators_])
    assert ours.coef_.shape == ref_coef.shape == (4, 6)
    assert np.max(np.abs(ours.coef_ - ref_coef)) <= 1e-4 * max(1.0, np.max(np.abs(ref_coef)))
    assert np.max(np.abs(ours.intercept_ - ref_b)) <= 1e-4 * max(1.0, np.max(np.abs(ref_b)))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-5)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


# -- 4. real data: USPS digits ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def usps():
    tr, te = usps_source()
    assert set(np.unique(tr[:, 0])) == set(range(10)) == set(np.unique(te[:, 0]))
    Xtr, Xte = np.ascontiguousarray(tr[:, 1:], np.float32), np.ascontiguousarray(te[:, 1:], np.float32)
    assert -1.0 - 1e-6 <= Xtr.min() and Xtr.max() <= 1.0 + 1e-6
    return Xtr, tr[:, 0].astype(int), Xte, te[:, 0].astype(int)


@pytest.fixture(scope="module")
def usps_lbfgs(usps):
    Xtr, ytr, Xte, yte = usps
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        m = SoftmaxRegression(C=1.0, max_iter=1000).fit(Xtr, ytr)
    return m, m.score(Xte, yte)


def test_usps_lbfgs(usps, usps_lbfgs):
    Xtr, ytr, Xte, yte = usps
    m, acc = usps_lbfgs
    assert m.coef_.shape == (10, 256) and m.coef_.dtype == np.float32
    assert m.classes_.tolist() == list(range(10))
    assert 0.90 <= acc <= 0.93  # a linear softmax model on USPS: ~91 % test accuracy
    assert m.score(Xtr, ytr) > 0.98
    P = m.predict_proba(Xte)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(m.predict(Xte), np.argmax(P, axis=1))


# name -> (estimator parameters, note); stochastic: float32, mini-batches of 100, 30 epochs
# with a cosine decay (each ~0.2 s on the full training set)
USPS_SOLVERS = {
    "newton-cg": dict(solver="newton-cg"),
    "gd": dict(solver="gd", max_iter=300),
    "LogisticRegression-lbfgs": dict(solver="lbfgs", max_iter=1000),
    **{name: dict(solver=name, learning_rate=lr) for name, lr in
       {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.1, "rmsprop": 0.001,
        "adam": 0.003}.items()},
    "Adam-object": dict(solver=Adam(lr=0.003), learning_rate=0.003),
}


@NO_CONV_WARN
@pytest.mark.parametrize("name", list(USPS_SOLVERS))
def test_usps_every_solver_within_one_point_of_lbfgs(usps, usps_lbfgs, name):
    Xtr, ytr, Xte, yte = usps
    params = dict(USPS_SOLVERS[name])
    if "learning_rate" in params:
        lr = params["learning_rate"]
        params.update(batch_size=100, max_iter=30, tol=0.0, n_iter_no_change=10 ** 6,
                      random_state=0, schedule=schedules.CosineDecay(lr, total=30))
    cls = LogisticRegression if name == "LogisticRegression-lbfgs" else SoftmaxRegression
    m = cls(C=1.0, **params).fit(Xtr, ytr)
    acc = m.score(Xte, yte)
    ref = usps_lbfgs[1]
    assert abs(acc - ref) <= 0.01, f"{name}: test accuracy {acc:.4f} vs lbfgs {ref:.4f}"
    if name == "LogisticRegression-lbfgs":  # the same problem as SoftmaxRegression
        assert_rel(m.coef_, usps_lbfgs[0].coef_, 1e-3)


# -- 5. the estimator API ---------------------------------------------------------------------

def _three_class_strings(seed=60):
    X, y, w = make_data(3, n=150, seed=seed)
    names = np.array(["zebra", "ant", "mole"])  # classes_ sorts them: ant, mole, zebra
    return X, names[y], w


@pytest.mark.parametrize("kind", ["binary", "multinomial", "ovr", "softmax-binary", "softmax-3"])
def test_prediction_methods(kind):
    if kind in ("binary", "softmax-binary"):
        X, y, w = make_data(2, n=150, seed=61)
        y = np.array(["no", "yes"])[y]
    else:
        X, y, w = _three_class_strings()
    est = SoftmaxRegression() if kind.startswith("softmax") else LogisticRegression(
        multi_class="ovr" if kind == "ovr" else "auto")
    m = est.fit(X, y)
    K = len(m.classes_)
    np.testing.assert_array_equal(m.classes_, np.unique(y))
    P = m.predict_proba(X)
    assert P.shape == (150, K) and P.dtype == np.float64
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all((P >= 0) & (P <= 1))
    # columns in classes_ order: the most probable column is the predicted label
    np.testing.assert_array_equal(m.predict(X), m.classes_[np.argmax(P, axis=1)])
    np.testing.assert_allclose(m.predict_log_proba(X), np.log(P), rtol=1e-10, atol=1e-12)
    z = m.decision_function(X)
    binary_lr = kind in ("binary", "softmax-binary")  # a two-class softmax scores class 1 over 0
    assert z.shape == ((150,) if binary_lr else (150, K))
    if binary_lr:
        np.testing.assert_array_equal(m.predict(X), m.classes_[(z > 0).astype(int)])
    else:
        np.testing.assert_array_equal(m.predict(X), m.classes_[np.argmax(z, axis=1)])
    scores = X @ m.coef_.T + m.intercept_
    if kind == "softmax-binary":
        scores = scores[:, 1] - scores[:, 0]
    np.testing.assert_allclose(z, np.squeeze(scores), rtol=1e-12, atol=1e-12)
    # score: the (weighted) accuracy
    assert m.score(X, y) == pytest.approx(np.mean(m.predict(X) == y), rel=1e-15)
    assert m.score(X, y, sample_weight=w) == pytest.approx(
        np.average(m.predict(X) == y, weights=w), rel=1e-12)
    assert m.score(X, y) > 0.6


def test_softmax_regression_binary_decision_function_is_1d():
    X, y, _ = make_data(2, n=150, seed=61)
    m = SoftmaxRegression().fit(X, y)
    z = m.decision_function(X)
    assert z.shape == (150,)
    np.testing.assert_array_equal(m.predict(X), m.classes_[(z > 0).astype(int)])


def test_predict_log_proba_is_stable_for_huge_scores():
    X, y, _ = make_data(3, seed=62)
    far = 1e4 * np.vstack([X[:5], -X[:5]])  # scores of order 1e4
    for est, y_fit in ((LogisticRegression(), y == 1), (LogisticRegression(), y),
                       (SoftmaxRegression(), y)):
        m = est.fit(X, y_fit)
        L = m.predict_log_proba(far)
        assert np.all(np.isfinite(L)) and np.all(L <= 0)
        z = np.atleast_2d(m.decision_function(far).T).T
        if z.shape[1] == 1:
            ref = np.column_stack([-np.logaddexp(0, z[:, 0]), -np.logaddexp(0, -z[:, 0])])
        else:
            ref = scipy.special.log_softmax(z, axis=1)
        np.testing.assert_allclose(L, ref, rtol=1e-12)
        P = m.predict_proba(far)
        assert np.all(np.isfinite(P))
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)


def test_ovr_proba_is_stable_for_huge_scores():
    X, y, _ = make_data(3, seed=62)
    m = LogisticRegression(multi_class="ovr").fit(X, y)
    # a point where every one-vs-rest score is very negative
    v = -np.linalg.lstsq(m.coef_, np.ones(3), rcond=None)[0]
    far = 1e4 * v[None, :]
    assert np.all(m.decision_function(far) < -1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0: shows as NaN below
        P = m.predict_proba(far)
        L = m.predict_log_proba(far)
    assert np.all(np.isfinite(P)) and P.sum() == pytest.approx(1.0)
    assert np.all(np.isfinite(L))


@pytest.mark.parametrize("labels", [
    "int", "negative-int", "float", "string", "bool", "object-string", "uint8"])
def test_label_types(labels):
    # floats with integer values only: non-integral floats are a regression target
    # (scikit-learn's 'continuous'; see check_classifiers_regression_target below)
    X, y, _ = make_data(2 if labels == "bool" else 3, n=120, seed=63)
    table = {"int": np.array([3, 7, 11]), "negative-int": np.array([-5, 0, 2]),
             "float": np.array([-1.0, 0.0, 2.0]), "string": np.array(["c", "a", "b"]),
             "bool": np.array([False, True]), "object-string": np.array(["x", "yy", "z"], dtype=object),
             "uint8": np.array([200, 4, 17], dtype=np.uint8)}[labels]
    y_lab = table[y]
    m = LogisticRegression(tol=1e-10).fit(X, y_lab)
    ref = LogisticRegression(tol=1e-10).fit(X, np.searchsorted(np.unique(table), y_lab))
    np.testing.assert_array_equal(m.classes_, np.unique(table))
    assert m.classes_.dtype == np.unique(table).dtype
    assert_rel(m.coef_, ref.coef_, 1e-12)
    pred = m.predict(X)
    assert pred.dtype == m.classes_.dtype
    np.testing.assert_array_equal(pred, np.unique(table)[ref.predict(X)])
    assert m.score(X, y_lab) == ref.score(X, np.searchsorted(np.unique(table), y_lab))


@NO_CONV_WARN
def test_fitted_attribute_shapes_like_sklearn():
    X2, y2, _ = make_data(2, n=80, p=4, seed=64)
    X3, y3, _ = make_data(3, n=80, p=4, seed=64)
    cases = [
        (LogisticRegression(), X2, y2, (1, 4), (1,), (1,)),
        (LogisticRegression(fit_intercept=False), X2, y2, (1, 4), (1,), (1,)),
        (LogisticRegression(), X3, y3, (3, 4), (3,), (1,)),
        (LogisticRegression(multi_class="ovr"), X3, y3, (3, 4), (3,), (3,)),
        (LogisticRegression(multi_class="ovr", solver="sgd", max_iter=5), X3, y3, (3, 4), (3,), (3,)),
        (LogisticRegression(solver="adam", max_iter=5), X2, y2, (1, 4), (1,), (1,)),
        (SoftmaxRegression(), X2, y2, (2, 4), (2,), (1,)),
        (SoftmaxRegression(solver="newton-cg"), X3, y3, (3, 4), (3,), (1,)),
    ]
    for est, X, y, cs, bs, ns in cases:
        m = est.fit(X, y)
        assert m.coef_.shape == cs and m.intercept_.shape == bs and m.n_iter_.shape == ns, repr(est)
        assert m.n_features_in_ == 4
        assert m.coef_.flags.writeable
        if not est.fit_intercept:
            assert np.all(m.intercept_ == 0)


def test_n_iter_and_loss_curve_of_stochastic_solvers():
    X, y, _ = standardized_data(3, seed=65)
    m = LogisticRegression(solver="sgd", batch_size=len(y), tol=1e-6, n_iter_no_change=5,
                           max_iter=5000, n_threads=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stops by n_iter_no_change
        m.fit(X, y)
    curve = np.asarray(m.loss_curve_)
    assert m.n_iter_.tolist() == [len(curve)] and 5 < len(curve) < 5000
    assert np.all(np.diff(curve) <= 1e-12)
    # the recorded loss is the mean cross-entropy (penalty excluded), at the last epoch's start
    P = m.predict_proba(X)
    mean_ce = -np.mean(np.log(P[np.arange(len(y)), y]))
    assert curve[-1] == pytest.approx(mean_ce, rel=1e-4)
    # the full-batch solvers record theirs too (the objective per iteration, issue 16)
    lbfgs = LogisticRegression().fit(X, y)
    assert len(lbfgs.loss_curve_) == int(lbfgs.n_iter_[0])


FULL_BATCH_PF = ["sgd", "momentum", "adam", "Adam-object"]


@pytest.mark.parametrize("multi_class", ["multinomial", "ovr"])
@pytest.mark.parametrize("name", FULL_BATCH_PF)
def test_partial_fit_continues_like_fit(name, multi_class):
    """Full batches (the order of samples is irrelevant): E partial_fit calls are fit with
    max_iter=E, the optimizer's state (momentum, Adam's moments) carrying over; a pickled
    model continues the same way."""
    X, y, _ = make_data(3, n=90, p=3, seed=66)
    solver = Adam(lr=0.05) if name == "Adam-object" else name
    kw = dict(solver=solver, batch_size=90, n_threads=1, multi_class=multi_class,
              schedule=schedules.CosineDecay(0.05, total=30) if name == "adam" else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = LogisticRegression(max_iter=20, tol=0.0, n_iter_no_change=10 ** 6, **kw).fit(X, y)
    b = LogisticRegression(**kw)
    for _ in range(20):
        b.partial_fit(X, y, classes=np.array([2, 0, 1]))
    # equal up to the summation order inside a (shuffled) full batch
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(b.intercept_, a.intercept_, rtol=1e-8, atol=1e-12)
    assert b.classes_.tolist() == [0, 1, 2]
    assert np.array_equal(b.n_iter_, [20] * (3 if multi_class == "ovr" else 1))
    assert len(b.loss_curve_) == 20
    c = LogisticRegression(**kw)
    for _ in range(10):
        c.partial_fit(X, y, classes=[0, 1, 2])
    c = pickle.loads(pickle.dumps(c))
    for _ in range(10):
        c.partial_fit(X, y)  # classes only at the first call
    np.testing.assert_array_equal(c.coef_, b.coef_)


@pytest.mark.parametrize("multi_class", ["multinomial", "ovr"])
def test_a_plateau_schedule_is_reduced_by_fit_and_by_partial_fit_alike(multi_class):
    """A ReduceOnPlateau watches the training objective (it was updated only with early
    stopping, so without it the rate never fell), in fit and across partial_fit calls (which
    once read the passed object's initial rate at every call)."""
    X, y, _ = make_data(3, n=90, p=3, seed=66)
    kw = dict(solver="sgd", batch_size=90, n_threads=1, multi_class=multi_class,
              schedule=schedules.ReduceOnPlateau(30.0, factor=0.5, patience=0,
                                                        threshold=0.0, reference="last"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = LogisticRegression(max_iter=20, tol=0.0, n_iter_no_change=10 ** 6, **kw).fit(X, y)
    b = LogisticRegression(**kw)
    for _ in range(20):
        b.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-8, atol=1e-12)
    rates = [opt.lr for _, _, opt, *_ in b._partial]
    plateaus = [p[1] for *_, p in b._partial]
    assert all(p.n_reductions >= 1 for p in plateaus)  # a rate of 30 overshoots: cut
    assert rates == [p.current_lr for p in plateaus] and max(rates) < 30.0
    assert a.schedule.current_lr == b.schedule.current_lr == 30.0  # the passed object as is
    c = pickle.loads(pickle.dumps(b))
    b.partial_fit(X, y)
    c.partial_fit(X, y)
    np.testing.assert_array_equal(c.coef_, b.coef_)


def test_partial_fit_batches_need_not_show_every_class():
    X, y, _ = standardized_data(3, seed=67)
    m = LogisticRegression(solver="adam", learning_rate=0.05, n_threads=1)
    order = np.argsort(y, kind="stable")  # batches of one class, then two
    for rows in np.array_split(order, 6):
        m.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    assert m.coef_.shape == (3, 5) and m.classes_.tolist() == [0, 1, 2]
    assert m.n_iter_.tolist() == [6] and len(m.loss_curve_) == 6
    assert np.all(np.isfinite(m.coef_))
    assert set(np.unique(m.predict(X))) <= {0, 1, 2}


@NO_CONV_WARN
def test_partial_fit_after_fit_continues_from_fit():
    X, y, _ = standardized_data(3, seed=68)
    m = LogisticRegression(solver="sgd", batch_size=len(y), max_iter=50, tol=0.0,
                           n_iter_no_change=10 ** 6, n_threads=1).fit(X, y)
    ref = LogisticRegression(solver="sgd", batch_size=len(y), max_iter=51, tol=0.0,
                             n_iter_no_change=10 ** 6, n_threads=1).fit(X, y)
    m.partial_fit(X, y)  # no classes needed: fit knows them
    assert m.n_iter_.tolist() == [51]
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-8)


def test_fit_after_partial_fit_starts_the_partial_state_over():
    X, y, _ = standardized_data(3, p=4, seed=69)
    m = LogisticRegression(solver="sgd", n_threads=1)
    for _ in range(3):
        m.partial_fit(X, y, classes=[0, 1, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(X[:, :2], y)
    m.partial_fit(X[:, :2], y)
    assert m.coef_.shape == (3, 2)


def test_partial_fit_with_other_classes_raises():
    X, y, _ = standardized_data(3, seed=70)
    m = LogisticRegression(solver="sgd").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="classes"):
        m.partial_fit(X, y, classes=[0, 1, 2, 3])


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "gd"])
def test_partial_fit_needs_a_stochastic_solver(solver):
    X, y, _ = make_data(3, n=40, seed=71)
    est = LogisticRegression(solver=solver)
    assert not hasattr(est, "partial_fit")  # as scikit-learn's available_if
    with pytest.raises(AttributeError, match=r"partial_fit is not available: partial_fit needs a "
                                             r"stochastic solver \('sgd', .*optimizer object\)"):
        est.partial_fit(X, y, classes=[0, 1, 2])


def test_partial_fit_bad_labels_and_classes():
    X, y, _ = make_data(3, n=40, seed=72)
    m = LogisticRegression(solver="sgd")
    with pytest.raises(ValueError, match=r"classes must be given at the first call of partial_fit"):
        m.partial_fit(X, y)
    assert not hasattr(m, "coef_")
    with pytest.raises(ValueError, match=r"classes must hold at least two labels"):
        m.partial_fit(X, np.zeros(40), classes=[0])
    with pytest.raises(ValueError, match=r"y holds labels that are not in classes"):
        m.partial_fit(X, y, classes=[0, 1])  # y has 2
    m.partial_fit(X, y, classes=[0, 1, 2])
    before = m.coef_.copy()
    with pytest.raises(ValueError, match=r"y holds labels that are not in classes"):
        m.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match=r"y has 39 samples but X has 40"):
        m.partial_fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"X has 2 features, but LogisticRegression is expecting 6"):
        m.partial_fit(X[:, :2], y)
    np.testing.assert_array_equal(m.coef_, before)
    assert m.n_iter_.tolist() == [1]


def test_warm_start():
    X, y, _ = make_data(3, seed=73)
    for est in (LogisticRegression(tol=1e-8), LogisticRegression(tol=1e-8, multi_class="ovr"),
                LogisticRegression(tol=1e-8, solver="newton-cg"), SoftmaxRegression(tol=1e-8)):
        cold = est.fit(X, y).coef_.copy()
        cold_iters = est.n_iter_.copy()
        est.set_params(warm_start=True)
        est.fit(X, y)  # from the optimum: at most one more iteration (lbfgs, see below)
        assert np.all(est.n_iter_ <= 1) and np.all(cold_iters >= 5), repr(est)
        assert_rel(est.coef_, cold, 1e-7, repr(est))
    # from a direct fit, one more full-batch SGD epoch stays at the optimum
    m = LogisticRegression(tol=1e-10, warm_start=True).fit(X, y)
    opt = m.coef_.copy()
    m.set_params(solver="sgd", max_iter=1, batch_size=len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(X, y)
    assert_rel(m.coef_, opt, 1e-6)
    # changed number of classes or features: starts over, no error
    m = LogisticRegression(warm_start=True, tol=1e-8).fit(X, y)
    m.fit(X, y == 1)
    np.testing.assert_allclose(m.coef_, LogisticRegression(tol=1e-8).fit(X, y == 1).coef_)
    m.fit(X[:, :3], y)
    assert m.coef_.shape == (3, 3)
    # warm_start=False starts over
    m = LogisticRegression(tol=1e-8).fit(X, y)
    assert m.fit(X, y).n_iter_[0] > 0


@NO_CONV_WARN
@pytest.mark.parametrize("est", [
    LogisticRegression(C=0.5), LogisticRegression(solver="newton-cg", multi_class="ovr"),
    SoftmaxRegression(class_weight="balanced"),
    LogisticRegression(solver=Adam(lr=0.05), schedule=schedules.CosineDecay(0.05, total=10),
                       max_iter=10),
], ids=["lbfgs", "newton-ovr", "softmax-balanced", "adam-object"])
def test_pickle_round_trip(est):
    X, y = _three_class_strings()[:2]
    est.fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(back.classes_, est.classes_)
    assert repr(back) == repr(est)


def test_get_set_params_and_repr():
    m = LogisticRegression(C=2.0, solver="adam", multi_class="ovr")
    params = m.get_params()
    assert params["C"] == 2.0 and params["solver"] == "adam" and params["multi_class"] == "ovr"
    assert "multi_class" not in SoftmaxRegression().get_params()
    assert repr(LogisticRegression()) == "LogisticRegression()"
    assert repr(m) == "LogisticRegression(C=2.0, multi_class='ovr', solver='adam')"
    with pytest.raises(ValueError, match=r"'multi_class' is not a parameter of SoftmaxRegression"):
        SoftmaxRegression().set_params(multi_class="ovr")


def test_clone_pipeline_gridsearch():
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression as SkLR
    from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _ = make_data(3, n=240, seed=74)
    m = LogisticRegression(C=3.0, solver="newton-cg")
    c = clone(m)
    assert c is not m and c.get_params() == m.get_params() and not hasattr(c, "coef_")
    opt = LogisticRegression(solver=Adam(lr=0.1))
    assert clone(opt).solver is not opt.solver

    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, tol=1e-10)).fit(X, y)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    coef, b = ref_fit(Xs, y, 3, 0.5)
    assert_fit_matches(pipe[-1], coef, b, 1e-5, mode="multinomial")
    np.testing.assert_allclose(pipe.predict_proba(X), ref_proba(Xs, coef, b, "multinomial"),
                               atol=1e-6)

    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    grid = {"logisticregression__C": [1e-4, 1e-2, 1.0, 100.0]}
    ours = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10)), grid,
                        cv=cv).fit(X, y)
    ref = GridSearchCV(make_pipeline(StandardScaler(), SkLR(tol=1e-12, max_iter=10000)), grid,
                       cv=cv).fit(X, y)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               ref.cv_results_["mean_test_score"], atol=1e-12)
    assert ours.best_params_ == ref.best_params_
    assert ours.best_params_["logisticregression__C"] >= 1e-2  # C=1e-4 predicts the prior
    scores = cross_val_score(LogisticRegression(), X, y, cv=cv)
    by_hand = [LogisticRegression().fit(X[tr], y[tr]).score(X[te], y[te]) for tr, te in cv.split(X, y)]
    np.testing.assert_allclose(scores, by_hand, rtol=1e-12)


# scikit-learn's check_estimator.  Expected failures: the stochastic solvers are not exactly
# equivalent under integer sample weights (the samples of an epoch differ), which is by design.
_NON_STOCHASTIC_BUGS = {}
_COMMON_BUGS = {}


def _expected_failures(est):
    out = dict(_COMMON_BUGS)
    # (sag/saga/svrg run to a tight tol: converged, the weighted and repeated fits agree)
    stochastic = not (isinstance(est.solver, str) and est.solver in ("lbfgs", "newton-cg", "gd",
                                                                      "sag", "saga", "svrg",
                                                                      "newton-cd"))
    # (with 'adam' and 'sgd' and their range-tested rates, on one grid for both fits, the
    # check's weighted and repeated fits agree to its tolerance: its rows are seeded, so this
    # is deterministic; not with an L1 share, whose default batch n // 64 follows the rows)
    agree = est.solver == "adam" or (est.solver == "sgd" and est.penalty == "l2")
    if stochastic and not agree:
        out["check_sample_weight_equivalence_on_dense_data"] = (
            "stochastic solver: weights scale the per-sample gradient, repetition changes the "
            "mini-batches; not equivalent to 1e-7 after max_iter=20 epochs (by design)")
        out["check_sample_weight_equivalence_on_sparse_data"] = out[
            "check_sample_weight_equivalence_on_dense_data"]
    else:
        out.update(_NON_STOCHASTIC_BUGS)
    return out


def _sklearn_checks():
    try:
        from sklearn.utils.estimator_checks import parametrize_with_checks
    except ImportError:
        return pytest.mark.parametrize("estimator,check", [pytest.param(
            None, None, marks=pytest.mark.skip(reason="scikit-learn is not installed"))])
    with warnings.catch_warnings():
        # "does not inherit from sklearn.base.BaseEstimator": by design (no run-time dependency)
        warnings.filterwarnings("ignore", message=".*does not inherit from", category=UserWarning)
        return parametrize_with_checks(
            [LogisticRegression(), LogisticRegression(solver="newton-cg"), SoftmaxRegression(),
             LogisticRegression(solver="sgd", max_iter=20),
             LogisticRegression(solver="adam", max_iter=20),
             LogisticRegression(solver="saga", tol=1e-10, max_iter=5000, random_state=0),
             SoftmaxRegression(solver="sag", tol=1e-10, max_iter=5000, random_state=0),
             LogisticRegression(penalty="l1", C=0.5, solver="newton-cd", tol=1e-10,
                                max_iter=1000, random_state=0),
             LogisticRegression(penalty="elasticnet", l1_ratio=0.5, solver="newton-cd",
                                tol=1e-10, max_iter=1000, random_state=0),
             SoftmaxRegression(penalty="l1", C=0.5, solver="saga", tol=1e-12, max_iter=50000,
                               random_state=0),
             LogisticRegression(penalty="l1", C=0.5, solver="sgd", max_iter=20)],
            expected_failed_checks=_expected_failures, xfail_strict=True)


@_sklearn_checks()
def test_sklearn_check_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# -- 6. convergence and divergence -------------------------------------------------------------

@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "gd"])
def test_convergence_warning_direct_solvers(solver):
    X, y, _ = make_data(3, seed=80)
    with pytest.warns(ConvergenceWarning, match=rf"solver '{solver}' stopped after max_iter=1 "
                                                r"iterations before the gradient fell below "
                                                r"tol=1e-10; increase max_iter") as rec:
        m = LogisticRegression(solver=solver, max_iter=1, tol=1e-10).fit(X, y)
    assert issubclass(rec[0].category, UserWarning)
    assert m.n_iter_.tolist() == [1]
    assert np.all(np.isfinite(m.coef_))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        LogisticRegression(solver=solver, tol=1e-6, max_iter=1000).fit(X, y)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_convergence_warning_stochastic_solvers(solver):
    X, y, _ = standardized_data(3, seed=81)
    with pytest.warns(ConvergenceWarning, match=rf"the '{solver}' solver ran max_iter=3 epochs"):
        m = LogisticRegression(solver=solver, max_iter=3, random_state=0).fit(X, y)
    assert m.n_iter_.tolist() == [3] and len(m.loss_curve_) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        m = LogisticRegression(solver="sgd", batch_size=len(y), tol=1e-6, max_iter=5000,
                               n_threads=1).fit(X, y)
    assert m.n_iter_[0] < 5000


@pytest.mark.parametrize("solver", ["sgd", "momentum"])
def test_too_large_learning_rate_raises_and_keeps_coef_finite(solver):
    X, y, _ = make_data(3, n=100, seed=82)
    X = 1000.0 * X + 500.0  # unscaled
    m = LogisticRegression(solver=solver, learning_rate=1e6, max_iter=50, random_state=0)
    with pytest.raises(FloatingPointError, match=r"learning rate 1e\+06.*try a smaller "
                                                 r"learning_rate or learning_rate='auto'"):
        m.fit(X, y)
    assert not hasattr(m, "coef_")
    # a fitted model that diverges on a refit keeps its previous, finite coefficients
    m.set_params(learning_rate="auto", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(X, y)
    before = m.coef_.copy(), m.intercept_.copy()
    m.set_params(learning_rate=1e6, max_iter=50, warm_start=True)
    with pytest.raises(FloatingPointError, match=r"learning rate 1e\+06"):
        m.fit(X, y)
    assert np.all(np.isfinite(m.coef_)) and np.array_equal(m.coef_, before[0])
    assert np.array_equal(m.intercept_, before[1])


def test_partial_fit_divergence_raises():
    X, y, _ = make_data(3, n=60, seed=83)
    X = 1000.0 * X + 500.0
    m = LogisticRegression(solver="sgd", learning_rate=1e6)
    with pytest.raises(FloatingPointError, match=r"learning rate 1e\+06.*smaller learning_rate"):
        for _ in range(5):
            m.partial_fit(X, y, classes=[0, 1, 2])
    assert not hasattr(m, "coef_") or np.all(np.isfinite(m.coef_))


def test_partial_fit_divergence_never_leaves_nan():
    X, y, _ = make_data(3, n=60, seed=83)
    X = 1000.0 * X + 500.0
    m = LogisticRegression(solver="sgd", learning_rate=1e6)
    with pytest.raises(FloatingPointError, match=r"partial_fit(: the loss exploded| diverged).* with learning rate "
                                                 r"1e\+06.*try a smaller learning_rate"):
        for _ in range(200):
            m.partial_fit(X, y, classes=[0, 1, 2])
            assert np.all(np.isfinite(m.coef_)) and np.all(np.isfinite(m.intercept_))
    assert np.all(np.isfinite(m.coef_))


# -- 7. bad input ---------------------------------------------------------------------------------

@pytest.fixture
def xy():
    X, y, _ = make_data(3, n=30, p=3, seed=90)
    return X, y


@pytest.mark.parametrize("est", [LogisticRegression(), SoftmaxRegression(), LogisticRegression(solver="sgd")])
def test_single_class(xy, est):
    X, _ = xy
    with pytest.raises(ValueError, match=rf"y holds only one class \('b'\); {type(est).__name__} "
                                         r"needs samples of at least two classes"):
        est.fit(X, np.full(30, "b"))


@pytest.mark.parametrize("C,exc,msg", [
    (0, ValueError, r"C must be a number > 0 \(smaller C: stronger penalty; np.inf: no penalty\), got 0"),
    (-1.0, ValueError, r"C must be a number > 0 .*got -1.0"),
    (np.nan, ValueError, r"C must be a number > 0 .*got nan"),
    (-np.inf, ValueError, r"C must be a number > 0 .*got -inf"),
    ("1.0", TypeError, r"C must be a number > 0, got '1.0'"),
    (None, TypeError, r"C must be a number > 0, got None"),
    (True, TypeError, r"C must be a number > 0, got True"),
    ([1.0], TypeError, r"C must be a number > 0, got \[1.0\]"),
])
def test_bad_C(xy, C, exc, msg):
    for est in (LogisticRegression(C=C), SoftmaxRegression(C=C), LogisticRegression(C=C, solver="sgd")):
        with pytest.raises(exc, match=msg):
            est.fit(*xy)


def test_C_accepts_numpy_and_int(xy):
    ref = LogisticRegression(C=2.0, tol=1e-10).fit(*xy).coef_
    for C in (2, np.int64(2), np.float64(2.0)):
        np.testing.assert_array_equal(LogisticRegression(C=C, tol=1e-10).fit(*xy).coef_, ref)
    # np.float32: 1 / (C * sum w) is computed in float32 (NEP 50), ~1e-8 off
    assert_rel(LogisticRegression(C=np.float32(2.0), tol=1e-10).fit(*xy).coef_, ref, 1e-6)


def test_C_float16_is_not_dropped():
    rng = np.random.default_rng(91)
    X = rng.normal(size=(7000, 3))
    y = (X @ [1.0, -1.0, 0.5] + rng.logistic(size=7000) > 0).astype(int)
    ref = LogisticRegression(C=10.0, tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = LogisticRegression(C=np.float16(10.0), tol=1e-10).fit(X, y)
    assert_rel(m.coef_, ref.coef_, 1e-6)


def test_bad_class_weight(xy):
    X, y = xy
    with pytest.raises(ValueError, match=r"class_weight names the class 7, which is not in y "
                                         r"\(classes: \[0, 1, 2\]\)"):
        LogisticRegression(class_weight={0: 1.0, 7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight names the class 'dog', which is not in y "
                                         r"\(classes: \['ant', 'cat'\]\)"):
        LogisticRegression(class_weight={"dog": 2.0}).fit(X, np.array(["ant", "cat"])[y % 2])
    with pytest.raises(ValueError, match=r"class_weight must be None, 'balanced' or a dict, got 'auto'"):
        LogisticRegression(class_weight="auto").fit(X, y)
    with pytest.raises(TypeError, match=r"class_weight must be None, 'balanced' or a dict, got \[1, 2\]"):
        LogisticRegression(class_weight=[1, 2]).fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight\[1\] must be a number >= 0, got -2.0"):
        LogisticRegression(class_weight={1: -2.0}).fit(X, y)
    with pytest.raises(ValueError, match=r"the sample weights times the class weights sum to zero"):
        LogisticRegression(class_weight={0: 0, 1: 0, 2: 0}).fit(X, y)
    # numpy keys name the same classes
    a = LogisticRegression(class_weight={np.int64(1): 3.0}).fit(X, y)
    b = LogisticRegression(class_weight={1: 3.0}).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_column_vector_y_warns_and_gives_the_same_fit(xy):
    X, y = xy
    with pytest.warns(DataConversionWarning, match=r"A column-vector y was passed when a 1d array "
                                                   r"was expected.*ravel\(\)"):
        a = LogisticRegression().fit(X, y[:, None])
    b = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    with pytest.raises(ValueError, match=r"y must be a 1-D array of class labels of shape "
                                         r"\(n_samples,\), got shape \(30, 2\)"):
        LogisticRegression().fit(X, np.column_stack([y, y]))


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba",
                                    "decision_function", "score"])
@pytest.mark.parametrize("est", [LogisticRegression(), SoftmaxRegression(),
                                 LogisticRegression(solver="adam")])
def test_not_fitted(xy, est, method):
    X, y = xy
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError, match=rf"This {type(est).__name__} instance is not fitted "
                                             r"yet; call fit\(X, y\)"):
        getattr(est, method)(*args)


@pytest.mark.parametrize("est", [LogisticRegression, SoftmaxRegression])
def test_unknown_solver_lists_valid_names(xy, est):
    with pytest.raises(ValueError, match=rf"solver='liblinear' is not a solver of {est.__name__}; "
                                         r"use one of") as info:
        est(solver="liblinear").fit(*xy)
    msg = str(info.value)
    for name in ("lbfgs", "newton-cg", "gd", "sag", "saga", "svrg") + STOCHASTIC:
        assert repr(name) in msg
    assert "optimizer object" in msg
    for bad in ("LBFGS", "SAGA", None, 3):
        with pytest.raises(ValueError, match=r"is not a solver of"):
            est(solver=bad).fit(*xy)


@pytest.mark.parametrize("multi_class", ["foo", "OVR", None, "multinomial "])
def test_unknown_multi_class(xy, multi_class):
    with pytest.raises(ValueError, match=rf"multi_class must be 'auto', 'multinomial' or 'ovr', "
                                         rf"got {multi_class!r}"):
        LogisticRegression(multi_class=multi_class).fit(*xy)


@pytest.mark.parametrize("penalty", ["none", "L2", "L1", "lasso", 0])
def test_bad_penalty(xy, penalty):
    for est in (LogisticRegression(penalty=penalty), SoftmaxRegression(penalty=penalty)):
        with pytest.raises(ValueError, match=rf"penalty must be 'l2', 'l1', 'elasticnet' or "
                                             rf"None, got {penalty!r}"):
            est.fit(*xy)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky", "gd", "sag",
                                    "svrg", "momentum", "adam", "liblinear",
                                    SGD(lr=0.1, momentum=0.5), Adam(lr=0.01)])
@pytest.mark.parametrize("penalty, l1_ratio", [("l1", 0.0), ("elasticnet", 0.5), ("l2", 1.0)])
def test_l1_penalty_with_a_solver_that_cannot(xy, solver, penalty, l1_ratio):
    """An L1 share with a solver that cannot do it: a ValueError naming the ones that can
    (scikit-learn's 'liblinear' with a pointer to its algorithm here)."""
    name = re.escape(repr(solver))
    with pytest.raises(ValueError, match=rf"solver={name} does not handle the L1 / "
                                         rf"elastic-net penalty.*use solver='newton-cd', "
                                         rf"'saga' or 'sgd'"):
        LogisticRegression(penalty=penalty, l1_ratio=l1_ratio, solver=solver).fit(*xy)
    with pytest.raises(ValueError, match=rf"solver={name} does not handle the L1 / "
                                         rf"elastic-net penalty.*use solver='saga' or 'sgd' "
                                         rf"\('saga': its proximal step"):
        SoftmaxRegression(penalty=penalty, l1_ratio=l1_ratio, solver=solver).fit(*xy)


@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "inf"])
@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_nonfinite_X(xy, bad, solver):
    X, y = xy
    Xb = X.copy()
    Xb[4, 1] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or infinity"):
        LogisticRegression(solver=solver).fit(Xb, y)
    with pytest.raises(ValueError, match=r"X contains NaN or infinity"):
        LogisticRegression(solver=solver).fit(sp.csr_matrix(Xb), y)
    m = LogisticRegression().fit(X, y)
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(ValueError, match=r"X contains NaN or infinity"):
            getattr(m, method)(Xb)


def test_bad_y(xy):
    X, y = xy
    with pytest.raises(ValueError, match=r"y has 29 samples but X has 30; they must match"):
        LogisticRegression().fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"y has 31 samples but X has 30"):
        SoftmaxRegression().fit(X, np.append(y, 1))
    yf = y.astype(float)
    yf[3] = np.nan
    with pytest.raises(ValueError, match=r"y contains NaN or infinity; class labels must be finite"):
        LogisticRegression().fit(X, yf)
    with pytest.raises(TypeError, match=r"y mixes label types \['int', 'str'\]"):
        LogisticRegression().fit(X, np.array([1 if v else "a" for v in y % 2], dtype=object))
    with pytest.raises(ValueError, match=r"y is None"):
        LogisticRegression().fit(X, None)


def test_bad_sample_weight(xy):
    X, y = xy
    w = np.ones(30)
    w[2] = -1.0
    with pytest.raises(ValueError, match=r"sample_weight must be >= 0 everywhere"):
        LogisticRegression().fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(30,\)"):
        LogisticRegression().fit(X, y, sample_weight=np.ones(29))
    with pytest.raises(ValueError, match=r"sample_weight must have a positive sum"):
        LogisticRegression().fit(X, y, sample_weight=np.zeros(30))


def test_predict_with_wrong_number_of_features(xy):
    X, y = xy
    m = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"X has 2 features, but LogisticRegression is expecting 3 "
                                         r"features"):
        m.predict_proba(X[:, :2])


def test_failed_fit_keeps_previous_model(xy):
    X, y = xy
    m = LogisticRegression().fit(X, y)
    before = m.predict_proba(X)
    with pytest.raises(ValueError, match=r"class_weight names the class 9"):
        m.set_params(class_weight={9: 1.0}).fit(np.column_stack([X, X]), y)
    assert m.n_features_in_ == 3
    np.testing.assert_array_equal(m.predict_proba(X), before)


# -- newton-cholesky: the full Hessian from the C core (multinomial: test_newton_multinomial) ----

@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["b0", "nob0"])
def test_newton_cholesky_matches_scipy(sparse, weights, fit_intercept):
    X, y, w = make_data(2, seed=12, sparse=sparse)
    w = w if weights else None
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        m = LogisticRegression(C=0.7, solver="newton-cholesky", tol=1e-10,
                               fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    coef, b = ref_fit(X, y, 2, 0.7, w, fit_intercept=fit_intercept,
                      key=("direct", 2, fit_intercept, weights, sparse))
    assert_fit_matches(m, coef, b, 1e-5, mode="binary", fit_intercept=fit_intercept)
    assert 1 <= m.n_iter_[0] <= 15  # Newton: a handful of iterations


def test_newton_cholesky_one_vs_rest():
    X, y, _ = make_data(3, seed=13)
    ovr = LogisticRegression(solver="newton-cholesky", multi_class="ovr", tol=1e-10).fit(X, y)
    ref = LogisticRegression(solver="lbfgs", multi_class="ovr", tol=1e-10, max_iter=1000).fit(X, y)
    np.testing.assert_allclose(ovr.coef_, ref.coef_, rtol=1e-5, atol=1e-7)


def test_truncated_cg_jacobi_preconditioner():
    """With H's diagonal, conjugate gradients solve the same system (to 1e-10) in fewer
    products on a badly scaled one."""
    from fastoptim.linear_model._logistic import _truncated_cg

    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 40))
    scale = np.logspace(0, 3, 40)
    H = scale[:, None] * (A @ A.T / 40 + np.eye(40)) * scale[None, :]
    g = rng.standard_normal(40)
    exact = -np.linalg.solve(H, g)
    counts = {}
    for name, diag in (("plain", None), ("jacobi", np.diag(H).copy())):
        n = [0]

        def hessp(v):
            n[0] += 1
            return H @ v

        d = _truncated_cg(hessp, g, rtol=1e-13, max_iter=10_000, diag=diag)
        np.testing.assert_allclose(d, exact, rtol=1e-8, atol=1e-10 * np.abs(exact).max())
        counts[name] = n[0]
    assert counts["jacobi"] < counts["plain"] / 2


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky", "gd"])
def test_full_batch_solvers_record_the_objective_per_iteration(solver):
    """loss_curve_ for the full-batch solvers too (issue 16, item 12): the objective the
    solver minimizes after each iteration, one entry per iteration, never increasing."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6))
    y = (X @ rng.standard_normal(6) + 0.3 * rng.standard_normal(300) > 0).astype(int)
    clf = LogisticRegression(solver=solver, max_iter=200).fit(X, y)
    curve = np.asarray(clf.loss_curve_)
    assert len(curve) == int(np.max(clf.n_iter_)) and len(curve) >= 2
    assert np.all(np.diff(curve) <= 1e-12 * abs(curve[0]))
    # the last entry is the scaled objective at the solution: mean loss + ||w||^2 / (2 C n)
    z = X @ clf.coef_.ravel() + clf.intercept_[0]
    s = np.where(y == 1, 1.0, -1.0)
    value = np.mean(np.logaddexp(0, -s * z)) + 0.5 * np.sum(clf.coef_ ** 2) / (clf.C * 300)
    assert curve[-1] == pytest.approx(value, rel=1e-9)


# -- newton-cg at the default tol (issue 16, item 15) -------------------------------------------

def _newton_cg_problems():
    rng = np.random.default_rng(150)
    out = {}
    for name, (n, p, k) in {"tall-binary": (3000, 20, 2), "wide-binary": (150, 400, 2),
                            "tall-multiclass": (2000, 15, 4), "wide-multiclass": (120, 300, 3)}.items():
        X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, size=p) + rng.normal(size=p)
        W = rng.normal(size=(k, p)) / np.sqrt(p)
        y = np.argmax(X @ W.T + rng.gumbel(size=(n, k)), axis=1)
        out[name] = (X, y)
        Xs = np.where(rng.random((n, p)) < 0.2, X, 0.0)
        out[name + "-csr"] = (sp.csr_matrix(Xs), y)
    return out


@pytest.mark.parametrize("C", [1.0, 100.0])
@pytest.mark.parametrize("name", sorted(_newton_cg_problems()))
def test_newton_cg_default_tol_no_worse_than_sklearn(name, C):
    """At the default tol, newton-cg's objective is no worse than scikit-learn's newton-cg
    (the Eisenstat-Walker forcing term and one Newton step past the gradient test)."""
    sklm = pytest.importorskip("sklearn.linear_model")
    X, y = _newton_cg_problems()[name]
    ours = LogisticRegression(C=C, solver="newton-cg").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sklm.LogisticRegression(C=C, solver="newton-cg").fit(X, y)

    def objective(m):
        P = np.clip(m.predict_proba(X), 1e-300, 1.0)
        nll = -np.sum(np.log(P[np.arange(len(y)), np.searchsorted(m.classes_, y)]))
        return C * nll + 0.5 * float(np.sum(np.asarray(m.coef_, dtype=np.float64) ** 2))

    exact = LogisticRegression(C=C, solver="lbfgs", tol=1e-12, max_iter=100000).fit(X, y)
    best = min(objective(exact), objective(ours), objective(theirs))
    assert objective(ours) - best <= (objective(theirs) - best) + 1e-12 * best


# ---- early stopping splits by index (#17, 13a): the bits of the copy-based split ----------

def _copy_based_split(monkeypatch):
    """The split as it was before #17 13a: every row subset copied into its own Objective
    (and the row norms of the rate's bound by one einsum over the copy)."""
    from fastoptim import _moments
    from fastoptim.linear_model import _stochastic
    from fastoptim.losses import Objective

    def copying(loss, X, y, *, sample_weight=None, rows=None, **kwargs):
        if rows is not None:
            X, y = X[rows], y[rows]
            sample_weight = None if sample_weight is None else sample_weight[rows]
        return Objective(loss, X, y, sample_weight=sample_weight, **kwargs)

    def einsum_norms(X, rows):
        assert rows is None
        if hasattr(X, "multiply"):
            return np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
        return np.einsum("ij,ij->i", X, X, dtype=np.float64)

    monkeypatch.setattr(_stochastic, "Objective", copying)
    monkeypatch.setattr(_moments, "_row_sqnorms", einsum_norms)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver,batch_size", [("sgd", None), ("sgd", 1), ("adam", 16),
                                               ("momentum", 64), ("adagrad", None),
                                               ("sgd", 600)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_early_stopping_index_split_equals_copy_bit_for_bit(monkeypatch, dtype, layout, solver,
                                                             batch_size, weighted, n_classes,
                                                             n_threads):
    # the training, validation and range-test rows are read in place from X: the fit
    # must be the one of the copy-based split, bit for bit (CSR with batches <= 256:
    # lazy sparse updates; learning_rate='auto': the range test's sample)
    rng = np.random.RandomState(3)
    n, p = 1500, 23
    X = rng.randn(n, p).astype(dtype)
    y = rng.randint(0, n_classes, n)
    if layout == "csr":
        X[rng.rand(n, p) < 0.7] = 0
        X = sp.csr_matrix(X)
    sw = rng.rand(n) + 0.1 if weighted else None
    Est = LogisticRegression if n_classes == 2 else SoftmaxRegression
    kw = dict(solver=solver, batch_size=batch_size, early_stopping=True, max_iter=6,
              random_state=7, n_threads=n_threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        new = Est(**kw).fit(X, y, sample_weight=sw)
        with monkeypatch.context() as m:
            _copy_based_split(m)
            old = Est(**kw).fit(X, y, sample_weight=sw)
    assert new.coef_.dtype == dtype
    np.testing.assert_array_equal(new.coef_, old.coef_)
    np.testing.assert_array_equal(new.intercept_, old.intercept_)
    assert new.validation_scores_ == old.validation_scores_
    assert new.loss_curve_ == old.loss_curve_


def _validation_rows(n, fraction, random_state):
    """The rows early stopping holds out (fit_stochastic's first draws of the seed)."""
    rng = np.random.RandomState(random_state)
    rng.randint(0, 2 ** 31 - 1)
    order = rng.permutation(n)
    return np.sort(order[:int(np.ceil(fraction * n))])


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("multi_class", ["multinomial", "ovr"])
def test_early_stopping_records_accuracy_losses_and_the_best_score(multi_class):
    """validation_scores_ holds accuracies (higher is better, as scikit-learn's), the
    losses are in validation_loss_curve_; one list per problem for one-vs-rest."""
    X, y, _ = make_data(3, n=300, p=4, seed=68)
    m = LogisticRegression(solver="sgd", multi_class=multi_class, early_stopping=True,
                           validation_fraction=0.2, max_iter=30, random_state=0,
                           n_threads=1).fit(X, y)
    val = _validation_rows(len(y), 0.2, 0)
    if multi_class == "multinomial":
        assert m.validation_scores_[-1] == pytest.approx(np.mean(m.predict(X[val]) == y[val]),
                                                         abs=1e-12)
        assert m.best_validation_score_ == max(m.validation_scores_)
        assert len(m.validation_loss_curve_) == len(m.validation_scores_) == len(m.loss_curve_)
        assert all(0.0 <= s <= 1.0 for s in m.validation_scores_)
        assert m.validation_loss_curve_[-1] < m.validation_loss_curve_[0]
    else:  # each problem's own split (its own seed draws) and its binary accuracy
        assert len(m.validation_scores_) == 3 and len(m.best_validation_score_) == 3
        for k in range(3):
            assert m.best_validation_score_[k] == max(m.validation_scores_[k])
            assert all(0.0 <= s <= 1.0 for s in m.validation_scores_[k])
            assert len(m.validation_loss_curve_[k]) == len(m.validation_scores_[k])
    refit = m.set_params(early_stopping=False).fit(X, y)
    for name in ("validation_scores_", "validation_loss_curve_", "best_validation_score_"):
        assert not hasattr(refit, name), name
