"""LinearSVC (dual coordinate descent) against its own duality, scikit-learn and USPS digits.

The model minimizes liblinear's / scikit-learn's objective

    P(w~) = ||w~||^2 / 2 + sum_i C_i xi_i,   xi_i = max(0, 1 - y_i w~.x~_i)  (or its square),

x~_i = [x_i, s] (s = intercept_scaling: a penalized intercept), C_i = C * sample weight *
class weight, through its dual

    D(a) = sum_i a_i - ||sum_i a_i y_i x~_i||^2 / 2 - sum_i D_ii a_i^2 / 2,   0 <= a_i <= U_i

(hinge: U_i = C_i, D_ii = 0; squared hinge: U_i = inf, D_ii = 1 / (2 C_i)).  The tests:

- at a tight tol the duality gap P - D is below 1e-6 relative, dense and CSR, both losses,
  with an intercept and sample weights; w~ = sum_i a_i y_i x~_i;
- dense, CSR and float32 give the same model; integer sample weights equal repetition;
- scikit-learn's LinearSVC (when installed): coefficients within 1e-4 relative, binary and
  one-vs-rest, both losses, with weights; USPS digits: predictions agree on >= 99.5 % of the
  test digits; check_estimator;
- at max_iter (standardized 8x8 digits, 10 classes, both losses): closer to the optimum than
  scikit-learn's liblinear at the same passes; at a tol rounding cannot reach, the optimum;
- solver='auto' with dual=False: the solver the cost model picks for the measured shapes, and
  the auto fit is that solver's fit;
- bad inputs raise errors that name the argument;
- the primal (dual=False): Newton-Cholesky, Newton-CG and L-BFGS reach the dual's objective
  within 1e-6 (and scikit-learn's dual=False, and scipy's L-BFGS-B on the objective written
  in NumPy), certified by the squared hinge's duality gap at a_i = 2 C_i xi_i, on a9a-like
  data and on a9a itself; the hinge by L-BFGS is approximate (1e-4); the stochastic solvers
  come within 1e-3; float32, weights, dual='auto', dask arrays;
- Weston-Watkins: objective and gradient against the NumPy oracle, the solution against the
  QP solved by SLSQP (approximate: 1e-3), two classes = the binary hinge at 2C, USPS digits.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim._core import _dual_cd, _status
from fastoptim.datasets import load_a9a, load_usps
from fastoptim.exceptions import ConvergenceWarning, NotFittedError
from fastoptim.losses import Objective
from fastoptim.optim import ASGD, SGD, Adam, Adamax, AdamW, RAdam
from fastoptim.optim.schedules import CosineDecay
from fastoptim.reference import losses as ref_losses
from fastoptim.svm import LinearSVC
from fastoptim.svm._linear_svc import _InterceptPenalty
from conftest import DATA_DIR, assert_rel, usps_source

LOSSES = ("hinge", "squared_hinge")
TIGHT = dict(dual=True, tol=1e-10, max_iter=200_000, random_state=0)  # the dual CD


# -- data and oracles ---------------------------------------------------------------------------

def make_data(K=2, n=150, p=6, *, seed=0, sparse=False, density=0.4):
    """X (dense or CSR), y (class indices 0..K-1) from a noisy linear model, w in [0.2, 3]."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 2.0, size=p) + 0.5 * rng.normal(size=p)
    if sparse:
        X = np.where(rng.random((n, p)) < density, X, 0.0)
    T = rng.normal(size=(K, p))
    y = np.argmax(X @ T.T + rng.gumbel(size=(n, K)), axis=1)
    w = rng.uniform(0.2, 3.0, size=n)
    return (sp.csr_matrix(X) if sparse else X), y, w


def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)


def augmented(X, fit_intercept, s=1.0):
    X = _dense(X)
    return np.hstack([X, np.full((X.shape[0], 1), s)]) if fit_intercept else X


def primal(Xa, ypm, cost, wa, loss):
    margin = np.maximum(0.0, 1.0 - ypm * (Xa @ wa))
    xi = margin if loss == "hinge" else margin ** 2
    return 0.5 * float(wa @ wa) + float(cost @ xi)


def dual(Xa, ypm, cost, alpha, loss):
    v = Xa.T @ (alpha * ypm)
    diag = np.zeros_like(cost) if loss == "hinge" else 0.5 / cost
    return float(alpha.sum() - 0.5 * v @ v - 0.5 * np.sum(diag * alpha ** 2))


def w_tilde(model, s=1.0):
    """[coef, intercept / s] of a binary model (the weights the solver works with)."""
    coef = model.coef_[0].astype(np.float64)
    return np.append(coef, model.intercept_[0] / s) if model.fit_intercept else coef


# -- 1. the optimum: duality gap and w = sum a_i y_i x_i --------------------------------------------

@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_duality_gap_and_primal_from_dual(loss, sparse, weighted):
    X, y, w = make_data(sparse=sparse, seed=1)
    sw = w if weighted else None
    C, s = 0.7, 1.5
    m = LinearSVC(C=C, loss=loss, intercept_scaling=s, **TIGHT).fit(X, y, sample_weight=sw)
    ypm = np.where(y == 1, 1.0, -1.0)
    cost = C * (w if weighted else np.ones(len(y)))
    Xa = augmented(X, True, s)
    alpha = m.dual_coef_[0]
    wa = w_tilde(m, s)
    assert np.all(alpha >= 0)
    if loss == "hinge":
        assert np.all(alpha <= cost * (1 + 1e-12))
    # w~ = sum_i a_i y_i x~_i (the solver keeps w in sync with alpha)
    assert_rel(wa, Xa.T @ (alpha * ypm), 1e-10, "w from alpha")
    P, D = primal(Xa, ypm, cost, wa, loss), dual(Xa, ypm, cost, alpha, loss)
    assert P >= D - 1e-9 * abs(P)  # weak duality
    assert (P - D) <= 1e-6 * abs(P), (P, D)


@pytest.mark.parametrize("loss", LOSSES)
def test_no_intercept(loss):
    X, y, _ = make_data(seed=2)
    m = LinearSVC(loss=loss, fit_intercept=False, **TIGHT).fit(X, y)
    assert np.all(m.intercept_ == 0)
    ypm = np.where(y == 1, 1.0, -1.0)
    cost = np.ones(len(y))
    Xa = augmented(X, False)
    P = primal(Xa, ypm, cost, w_tilde(m), loss)
    D = dual(Xa, ypm, cost, m.dual_coef_[0], loss)
    assert (P - D) <= 1e-6 * abs(P)


@pytest.mark.parametrize("loss", LOSSES)
def test_dense_csr_float32_agree(loss):
    X, y, w = make_data(sparse=True, seed=3)
    ref = LinearSVC(loss=loss, **TIGHT).fit(X.toarray(), y, sample_weight=w)
    csr = LinearSVC(loss=loss, **TIGHT).fit(X, y, sample_weight=w)
    assert_rel(csr.coef_, ref.coef_, 1e-7, "csr coef")
    assert_rel(csr.intercept_, ref.intercept_, 1e-7, "csr intercept")
    f32 = LinearSVC(loss=loss, tol=1e-6, max_iter=100_000, random_state=0).fit(
        X.astype(np.float32), y, sample_weight=w)
    assert f32.coef_.dtype == np.float32
    assert_rel(f32.coef_, ref.coef_, 1e-4, "float32 coef")


@pytest.mark.parametrize("loss", LOSSES)
def test_integer_weights_equal_repetition_and_zero_weights_removal(loss):
    X, y, _ = make_data(n=80, seed=4)
    reps = np.random.default_rng(0).integers(0, 3, size=len(y))
    a = LinearSVC(loss=loss, **TIGHT).fit(X, y, sample_weight=reps)
    keep = np.repeat(np.arange(len(y)), reps)
    b = LinearSVC(loss=loss, **TIGHT).fit(X[keep], y[keep])
    assert_rel(a.coef_, b.coef_, 1e-6, "coef")
    assert_rel(a.intercept_, b.intercept_, 1e-6, "intercept")


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
def test_same_seed_same_bits_and_multiclass_shapes():
    X, y, _ = make_data(K=3, seed=5)
    labels = np.array(["cat", "dog", "eel"])[y]
    a = LinearSVC(dual=True, random_state=7).fit(X, labels)
    b = LinearSVC(dual=True, random_state=7).fit(X, labels)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.coef_.shape == (3, X.shape[1]) and a.intercept_.shape == (3,)
    assert a.dual_coef_.shape == (3, X.shape[0])
    assert a.decision_function(X).shape == (X.shape[0], 3)
    assert set(a.predict(X)) <= {"cat", "dog", "eel"}
    assert a.score(X, labels) > 0.6
    m2 = LinearSVC(dual=True, random_state=0).fit(X[y < 2], labels[y < 2])
    assert m2.coef_.shape == (1, X.shape[1]) and m2.decision_function(X).shape == (X.shape[0],)
    np.testing.assert_array_equal(m2.predict(X), np.where(m2.decision_function(X) > 0, "dog", "cat"))


def test_convergence_warning_at_max_iter():
    X, y, _ = make_data(seed=6)
    with pytest.warns(ConvergenceWarning, match="max_iter=2 passes"):
        m = LinearSVC(dual=True, max_iter=2, tol=1e-12, random_state=0).fit(X, y)
    assert m.n_iter_ == 2


def test_class_weight_dict_scales_cost():
    X, y, w = make_data(seed=7)
    a = LinearSVC(class_weight={0: 2.0, 1: 0.5}, **TIGHT).fit(X, y)
    b = LinearSVC(**TIGHT).fit(X, y, sample_weight=np.where(y == 0, 2.0, 0.5))
    assert_rel(a.coef_, b.coef_, 1e-7, "class_weight dict")


@pytest.mark.parametrize("loss", LOSSES)
def test_shrinking_changes_the_path_not_the_solution(loss):
    """The C solver with and without shrinking (Hsieh et al. 2008, Alg. 2) reaches one optimum."""
    X, y, w = make_data(seed=12)
    ypm = np.where(y == 1, 1.0, -1.0)
    cost = np.ascontiguousarray(0.8 * w)
    out = []
    for shrinking in (True, False):
        alpha, wv = np.zeros(len(y)), np.zeros(X.shape[1] + 1)
        status, n_iter = _dual_cd.dual_cd(X.ravel(), None, None, X.shape[0], X.shape[1], ypm, cost,
                                          _dual_cd.LOSS_IDS[loss], True, 1.0, 1e-10, 200_000, 3,
                                          shrinking, alpha, wv)
        assert status == _status.OK and n_iter > 0
        out.append(wv)
    assert_rel(out[0], out[1], 1e-6, "shrinking on vs off")


def test_zero_rows_and_zero_cost_samples():
    """An all-zero row under the hinge without intercept sits at a_i = C_i; C_i = 0 means a_i = 0."""
    X, y, w = make_data(seed=13)
    X[:5] = 0.0
    w[5:10] = 0.0
    m = LinearSVC(loss="hinge", fit_intercept=False, **TIGHT).fit(X, y, sample_weight=w)
    alpha = m.dual_coef_[0]
    np.testing.assert_array_equal(alpha[:5], w[:5])
    np.testing.assert_array_equal(alpha[5:10], 0.0)
    ypm = np.where(y == 1, 1.0, -1.0)
    P = primal(X, ypm, w, w_tilde(m), "hinge")
    D = dual(X, ypm, w, alpha, "hinge")
    assert (P - D) <= 1e-6 * abs(P)
    keep = w > 0
    ref = LinearSVC(loss="hinge", fit_intercept=False, **TIGHT).fit(X[keep], y[keep],
                                                                    sample_weight=w[keep])
    assert_rel(m.coef_, ref.coef_, 1e-6, "zero weights = removal")


# -- 2. scikit-learn ------------------------------------------------------------------------------------

@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("options", ["plain", "weights", "balanced", "no-intercept", "csr"])
def test_against_sklearn(K, loss, options):
    svm = pytest.importorskip("sklearn.svm")
    X, y, w = make_data(K=K, seed=8, sparse=options == "csr")
    kw = dict(C=0.5, loss=loss, tol=1e-10, max_iter=200_000)
    if options == "balanced":
        kw["class_weight"] = "balanced"
    if options == "no-intercept":
        kw["fit_intercept"] = False
    sw = w if options in ("weights", "balanced") else None
    ours = LinearSVC(random_state=0, **kw).fit(X, y, sample_weight=sw)
    if options == "balanced" and K > 2:
        # liblinear's one-vs-rest gives the "rest" samples plain C, not their class's weight;
        # fastoptim gives every sample its own class's weight in every problem: compare with
        # scikit-learn fed those weights as sample weights
        counts = np.bincount(y, weights=w, minlength=K)
        sw = w * (w.sum() / (K * counts))[y]
        del kw["class_weight"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = svm.LinearSVC(dual=True, random_state=0, **kw).fit(X, y, sample_weight=sw)
    assert_rel(ours.coef_, ref.coef_, 1e-4, "coef")
    ref_b = np.broadcast_to(ref.intercept_, ours.intercept_.shape)  # scikit-learn: 0.0 unfitted
    assert_rel(ours.intercept_, ref_b, 1e-4, "intercept")
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


# -- 3. real data: USPS digits ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def usps():
    tr, te = usps_source()
    return tr[:, 1:], tr[:, 0].astype(int), te[:, 1:], te[:, 0].astype(int)


def test_usps_agrees_with_sklearn(usps):
    svm = pytest.importorskip("sklearn.svm")
    Xtr, ytr, Xte, yte = usps
    ours = LinearSVC(C=0.1, tol=1e-4, random_state=0).fit(Xtr, ytr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = svm.LinearSVC(C=0.1, tol=1e-4, dual=True, random_state=0).fit(Xtr, ytr)
    agree = np.mean(ours.predict(Xte) == ref.predict(Xte))
    acc, ref_acc = ours.score(Xte, yte), ref.score(Xte, yte)
    assert agree >= 0.995, (agree, acc, ref_acc)  # the issue asks 99.5 %; measured 100 %
    assert abs(acc - ref_acc) <= 0.01 and acc > 0.88, (acc, ref_acc)


# -- 4. bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, exc, match", [
    (dict(C=0.0), ValueError, "C must be a finite number > 0"),
    (dict(C=-1.0), ValueError, "C must be a finite number > 0"),
    (dict(C="1"), TypeError, "C must be a number"),
    (dict(loss="log"), ValueError, "loss must be 'squared_hinge' or 'hinge', got 'log'"),
    (dict(dual="yes"), ValueError, "dual must be True, False or 'auto'"),
    (dict(intercept_scaling=0.0), ValueError, "intercept_scaling must be a finite number > 0"),
    (dict(max_iter=0), ValueError, "max_iter must be >= 1"),
    (dict(max_iter=1.5), TypeError, "max_iter must be an int"),
    (dict(tol=0.0), ValueError, "tol must be a finite number > 0"),
    (dict(class_weight="equal"), ValueError, "class_weight must be None, 'balanced' or a dict"),
    (dict(class_weight={5: 1.0}), ValueError, "class_weight names the class 5"),
    (dict(random_state=-3), ValueError, r"random_state must be an int seed in \[0, 2\*\*32 - 1\]"),
    (dict(fit_intercept="yes"), TypeError, "fit_intercept must be True or False"),
])
def test_bad_params(params, exc, match):
    X, y, _ = make_data(seed=9)
    with pytest.raises(exc, match=match):
        LinearSVC(**params).fit(X, y)


def test_bad_data():
    X, y, w = make_data(seed=10)
    with pytest.raises(ValueError, match="only one class"):
        LinearSVC().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="y has 3 samples but X has"):
        LinearSVC().fit(X, y[:3])
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        LinearSVC().fit(np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        LinearSVC().fit(X, y, sample_weight=-w)
    with pytest.raises(ValueError, match="sum to zero"):
        LinearSVC(class_weight={0: 0.0, 1: 0.0}).fit(X, y)
    with pytest.raises(NotFittedError):
        LinearSVC().predict(X)
    m = LinearSVC(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but LinearSVC is expecting 6"):
        m.predict(X[:, :2])


def test_glue_reports_bad_labels_and_settings():
    X, _, _ = make_data(n=10, seed=11)
    y = np.full(10, 2.0)
    args = (X.ravel(), None, None, 10, X.shape[1])
    status, _ = _dual_cd.dual_cd(*args, y, np.ones(10), _dual_cd.LOSS_IDS["hinge"], True, 1.0,
                                 1e-4, 10, 0, True, np.zeros(10), np.zeros(X.shape[1] + 1))
    assert status == _status.ERR_BAD_ARGUMENT
    status, _ = _dual_cd.dual_cd(*args, np.ones(10), np.ones(10), 99, True, 1.0, 1e-4, 10, 0, True,
                                 np.zeros(10), np.zeros(X.shape[1] + 1))
    assert status == _status.ERR_BAD_ARGUMENT


# -- 5. scikit-learn's estimator checks -----------------------------------------------------------------

try:
    from sklearn.utils.estimator_checks import parametrize_with_checks
except ImportError:  # scikit-learn not installed: no check_estimator
    parametrize_with_checks = None

if parametrize_with_checks is not None:
    with warnings.catch_warnings():  # "does not inherit from sklearn.base.BaseEstimator": by design
        warnings.filterwarnings("ignore", message=".*does not inherit", category=UserWarning)
        _checks = parametrize_with_checks(
            [LinearSVC(random_state=0), LinearSVC(loss="hinge", random_state=0),
             LinearSVC(dual=False), LinearSVC(dual=False, multi_class="weston_watkins"),
             LinearSVC(dual=False, solver="saga", tol=1e-10, max_iter=5000, random_state=0),
             LinearSVC(penalty="l1", C=0.5, tol=1e-10, random_state=0)],
            # as for scikit-learn's own LinearSVC (its PER_ESTIMATOR_XFAIL_CHECKS): at the
            # default tol=1e-4 the stochastic dual solver's answers differ by ~1e-5, above the
            # check's tolerance; test_integer_weights_equal_repetition_and_zero_weights_removal
            # checks the equivalence at a tight tol instead; the primal solvers pass it
            expected_failed_checks=lambda est: {
                "check_sample_weight_equivalence_on_dense_data":
                    "saga: about 1e5 epochs on the check's ill-conditioned problem",
                "check_sample_weight_equivalence_on_sparse_data":
                    "saga: about 1e5 epochs on the check's ill-conditioned problem"}
            if est.solver == "saga" else {} if est.dual is False or est.penalty == "l1" else {
                "check_sample_weight_equivalence_on_dense_data":
                    "dual CD stops at tol=1e-4: not exact enough for this check",
                "check_sample_weight_equivalence_on_sparse_data":
                    "dual CD stops at tol=1e-4: not exact enough for this check"})

    @_checks
    def test_sklearn_compatible_estimator(estimator, check):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            check(estimator)


# -- 6. the primal (dual=False): Newton, L-BFGS and the stochastic solvers ---------------------------

PRIMAL_TIGHT = dict(dual=False, tol=1e-10, max_iter=1000)


def a9a_like(n=600, d=123, groups=14, *, seed=0):
    """a9a's shape in small: CSR rows of `groups` ones, one per block of one-hot columns."""
    rng = np.random.default_rng(seed)
    blocks = np.array_split(np.arange(d), groups)
    cols = np.stack([rng.choice(b, size=n) for b in blocks], axis=1)
    X = sp.csr_matrix((np.ones(n * groups), (np.repeat(np.arange(n), groups), cols.ravel())),
                      shape=(n, d))
    X.sort_indices()
    z = X @ rng.normal(size=d)
    z = (z - z.mean()) / z.std()
    y = np.where(z + 0.8 * rng.normal(size=n) > 0.5, 1, 0)  # about 1/3 positive, not separable
    return X, y, rng.uniform(0.2, 3.0, size=n)


def certificate_gap(X, y, model, cost, s=1.0):
    """(P(w) - D(a(w))) / P(w) for the squared hinge, a_i = 2 C_i xi_i: an optimality
    certificate from the primal solution alone (weak duality: D(a) <= P* <= P(w))."""
    Xa = augmented(X, model.fit_intercept, s)
    ypm = np.where(y == 1, 1.0, -1.0)
    wa = w_tilde(model, s)
    alpha = 2.0 * cost * np.maximum(0.0, 1.0 - ypm * (Xa @ wa))
    P = primal(Xa, ypm, cost, wa, "squared_hinge")
    return (P - dual(Xa, ypm, cost, alpha, "squared_hinge")) / P


def ww_objective(X, y, W, b, cost, s=1.0):
    """The Weston-Watkins primal and its gradient, from the NumPy oracle's per-sample terms."""
    X = _dense(X)
    loss, dz = ref_losses.pointwise("multiclass_hinge", X @ W.T + b, y)
    value = 0.5 * np.sum(W * W) + 0.5 * np.sum(b * b) / s ** 2 + float(cost @ loss)
    r = dz * cost[:, None]
    return value, W + r.T @ X, b / s ** 2 + r.sum(axis=0)


@pytest.mark.parametrize("solver", ["newton-cholesky", "newton-cg", "lbfgs"])
@pytest.mark.parametrize("sparse", [True, False], ids=["csr", "dense"])
def test_primal_solvers_reach_the_dual_optimum(solver, sparse):
    """dual=False reaches the objective of dual=True (1e-6 relative), with weights and s != 1;
    the squared hinge's certificate P(w) - D(2 C xi(w)) <= 1e-6 P(w) shows it is the optimum."""
    X, y, w = a9a_like(seed=1)
    X = X if sparse else X.toarray()
    C, s = 0.5, 1.5
    kw = dict(C=C, intercept_scaling=s)
    d = LinearSVC(**kw, **TIGHT).fit(X, y, sample_weight=w)
    p = LinearSVC(solver=solver, **kw, **PRIMAL_TIGHT).fit(X, y, sample_weight=w)
    assert p.solver_ == solver and not hasattr(p, "dual_coef_")
    ypm, Xa = np.where(y == 1, 1.0, -1.0), augmented(X, True, s)
    P_dual = primal(Xa, ypm, C * w, w_tilde(d, s), "squared_hinge")
    P_primal = primal(Xa, ypm, C * w, w_tilde(p, s), "squared_hinge")
    assert abs(P_primal - P_dual) <= 1e-6 * P_dual, (P_primal, P_dual)
    assert certificate_gap(X, y, p, C * w, s) <= 1e-6
    assert_rel(p.coef_, d.coef_, 1e-4, "coef")
    assert_rel(p.intercept_, d.intercept_, 1e-4 * np.abs(d.coef_).max() / abs(d.intercept_[0]),
               "intercept")


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("options", ["plain", "weights", "balanced", "no-intercept", "csr"])
def test_primal_against_sklearn(K, options):
    svm = pytest.importorskip("sklearn.svm")
    X, y, w = make_data(K=K, seed=8, sparse=options == "csr")
    kw = dict(C=0.5, tol=1e-10, max_iter=1000)
    if options == "balanced":
        kw["class_weight"] = "balanced"
    if options == "no-intercept":
        kw["fit_intercept"] = False
    sw = w if options in ("weights", "balanced") else None
    ours = LinearSVC(dual=False, solver="newton-cholesky", **kw).fit(X, y, sample_weight=sw)
    if options == "balanced" and K > 2:  # see test_against_sklearn: liblinear's "rest" get C
        counts = np.bincount(y, weights=w, minlength=K)
        sw = w * (w.sum() / (K * counts))[y]
        del kw["class_weight"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = svm.LinearSVC(dual=False, **kw).fit(X, y, sample_weight=sw)
    assert_rel(ours.coef_, ref.coef_, 1e-5, "coef")
    assert_rel(ours.intercept_, np.broadcast_to(ref.intercept_, ours.intercept_.shape), 1e-5,
               "intercept")
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_primal_matches_scipy_minimize():
    """The same objective, written in NumPy, minimized by scipy's L-BFGS-B at a tight tolerance."""
    from scipy.optimize import minimize

    X, y, w = make_data(n=80, p=4, seed=14)
    C, s = 2.0, 0.5
    ypm = np.where(y == 1, 1.0, -1.0)
    Xa = augmented(X, True, s)

    def fun(wa):
        slack = np.maximum(0.0, 1.0 - ypm * (Xa @ wa))
        return 0.5 * wa @ wa + C * w @ slack ** 2, wa - 2.0 * C * Xa.T @ (w * ypm * slack)

    res = minimize(fun, np.zeros(Xa.shape[1]), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-11, "ftol": 1e-16, "maxiter": 10_000})
    for solver in ("newton-cholesky", "newton-cg", "lbfgs"):
        m = LinearSVC(C=C, intercept_scaling=s, solver=solver, **PRIMAL_TIGHT).fit(
            X, y, sample_weight=w)
        assert abs(fun(w_tilde(m, s))[0] - res.fun) <= 1e-9 * res.fun, solver
        assert_rel(w_tilde(m, s), res.x, 1e-5, solver)


def test_a9a_primal_newton_certified_and_against_sklearn():
    """Real data (skipped without ../shared/data): Newton-Cholesky's solution on a9a is
    certified within 1e-6 by duality, reaches scikit-learn's dual=False objective, and
    L-BFGS reaches it too."""
    if not (DATA_DIR / "a9a").is_dir():
        pytest.skip(f"a9a not found in {DATA_DIR} (../shared/data/a9a)")
    X, y, X_test, y_test = load_a9a(folder=DATA_DIR)
    y = (y > 0).astype(int)
    cost = np.ones(X.shape[0])
    newton = LinearSVC(dual=False, solver="newton-cholesky", tol=1e-8).fit(X, y)
    assert certificate_gap(X, y, newton, cost) <= 1e-6
    P = primal(augmented(X, True), np.where(y == 1, 1.0, -1.0), cost, w_tilde(newton),
               "squared_hinge")
    lbfgs = LinearSVC(dual=False, solver="lbfgs", tol=1e-7).fit(X, y)
    assert certificate_gap(X, y, lbfgs, cost) <= 1e-6
    assert newton.score(X_test, y_test > 0) > 0.84
    svm = pytest.importorskip("sklearn.svm")
    ref = svm.LinearSVC(dual=False, tol=1e-8).fit(X, y)
    ref.fit_intercept = True
    P_ref = primal(augmented(X, True), np.where(y == 1, 1.0, -1.0), cost, w_tilde(ref),
                   "squared_hinge")
    assert abs(P - P_ref) <= 1e-6 * P_ref, (P, P_ref)
    assert_rel(newton.coef_, ref.coef_, 1e-3, "coef vs scikit-learn")


def test_hinge_primal_lbfgs_is_approximate_but_close():
    """loss='hinge' with dual=False (scikit-learn refuses it): L-BFGS on a non-smooth function
    stops near the optimum -- within 1e-4 of the dual's objective here, never below it."""
    X, y, w = make_data(n=300, seed=0)
    C, s = 0.7, 1.5
    ypm, Xa = np.where(y == 1, 1.0, -1.0), augmented(X, True, s)
    d = LinearSVC(C=C, loss="hinge", intercept_scaling=s, **TIGHT).fit(X, y, sample_weight=w)
    P_opt = primal(Xa, ypm, C * w, w_tilde(d, s), "hinge")
    m = LinearSVC(C=C, loss="hinge", intercept_scaling=s, dual=False, tol=1e-6).fit(
        X, y, sample_weight=w)
    assert m.solver_ == "lbfgs"
    P = primal(Xa, ypm, C * w, w_tilde(m, s), "hinge")
    assert -1e-9 * P_opt <= P - P_opt <= 1e-4 * P_opt, (P, P_opt)
    assert np.mean(m.predict(X) == d.predict(X)) >= 0.98


def _stochastic_params(solver):
    lr0 = solver.lr if not isinstance(solver, str) else {
        "sgd": 0.3, "momentum": 0.03, "nesterov": 0.03, "adagrad": 0.1, "rmsprop": 0.01,
        "adam": 0.01, "adadelta": 3.0, "nadam": 0.01}[solver]
    E = 60
    return dict(max_iter=E, tol=1e-12, n_iter_no_change=E,
                schedule=CosineDecay(lr0, E, final_lr=lr0 / 100), random_state=0)


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                                    "adadelta", "nadam", Adamax(lr=0.03), RAdam(lr=0.03),
                                    ASGD(lr=0.3, lambd=0.0), Adam(lr=0.01),
                                    AdamW(lr=0.01, weight_decay=0.0)],
                         ids=lambda s: s if isinstance(s, str) else type(s).__name__)
def test_stochastic_solvers_reach_the_optimum(solver):
    """Mini-batch epochs of the C engine, a cosine-decayed rate: within 1e-3 of the optimum
    (their objective leaves out the intercept's penalty b^2 / 2, see the module docstring)."""
    X, y, _ = a9a_like(n=2000, seed=2)
    C = 1.0
    ypm, Xa, cost = np.where(y == 1, 1.0, -1.0), augmented(X, True), np.full(len(y), C)
    opt = LinearSVC(C=C, **PRIMAL_TIGHT).fit(X, y)
    P_opt = primal(Xa, ypm, cost, w_tilde(opt), "squared_hinge")
    m = LinearSVC(C=C, dual=False, solver=solver, **_stochastic_params(solver)).fit(X, y)
    assert m.solver_ == (solver if isinstance(solver, str) else type(solver).__name__)
    assert len(m.loss_curve_) == m.n_iter_ == 60
    P = primal(Xa, ypm, cost, w_tilde(m), "squared_hinge")
    assert 0 <= (P - P_opt) / P_opt <= 1e-3, (P, P_opt)
    if not isinstance(solver, str):
        assert solver.state is None  # the estimator trains a copy


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
def test_stochastic_defaults_early_stopping_and_one_vs_rest():
    X, y, _ = make_data(K=3, n=300, seed=15)
    m = LinearSVC(dual=False, solver="adam", early_stopping=True, max_iter=50,
                  random_state=0).fit(X, y)
    assert len(m.loss_curve_) == 3 and len(m.validation_scores_) == 3  # one per problem
    assert m.coef_.shape == (3, X.shape[1]) and m.score(X, y) > 0.6
    d = LinearSVC(dual=True, random_state=0).fit(X, y)
    assert not hasattr(d, "loss_curve_")
    m.set_params(dual=True, solver="auto").fit(X, y)  # refit: the stale curves go
    assert not hasattr(m, "loss_curve_") and not hasattr(m, "validation_scores_")


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["newton-cholesky", "lbfgs", "adam"])
def test_primal_float32_stays_float32(solver):
    X, y, w = make_data(sparse=True, seed=3)
    kw = dict(dual=False, solver=solver, random_state=0)
    if solver == "adam":
        kw.update(_stochastic_params("adam"))
    ref = LinearSVC(**kw).fit(X, y, sample_weight=w)
    f32 = LinearSVC(**kw).fit(X.astype(np.float32), y, sample_weight=w)
    assert f32.coef_.dtype == np.float32 and f32.intercept_.dtype == np.float32
    assert f32.decision_function(X.astype(np.float32)).dtype == np.float32
    assert_rel(f32.coef_, ref.coef_, 1e-3, "float32 coef")


@pytest.mark.parametrize("solver", ["newton-cholesky", "newton-cg", "lbfgs"])
def test_primal_weights(solver):
    """Integer weights equal repetition, zero weights equal removal, class_weight equals the
    matching sample weights -- with the primal solvers."""
    X, y, _ = make_data(n=80, seed=4)
    kw = dict(solver=solver, **PRIMAL_TIGHT)
    reps = np.random.default_rng(0).integers(0, 3, size=len(y))
    a = LinearSVC(**kw).fit(X, y, sample_weight=reps)
    keep = np.repeat(np.arange(len(y)), reps)
    b = LinearSVC(**kw).fit(X[keep], y[keep])
    assert_rel(a.coef_, b.coef_, 1e-6, "repetition")
    assert_rel(a.intercept_, b.intercept_, 1e-6, "repetition intercept")
    c = LinearSVC(class_weight={0: 2.0, 1: 0.5}, **kw).fit(X, y)
    e = LinearSVC(**kw).fit(X, y, sample_weight=np.where(y == 0, 2.0, 0.5))
    assert_rel(c.coef_, e.coef_, 1e-7, "class_weight dict")


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
def test_dual_auto_and_solver_choice():
    X, y, _ = make_data(n=60, p=6, seed=16)
    wide = np.hstack([X[:4]] * 3)  # 4 samples, 18 features
    assert LinearSVC(dual="auto").fit(X, y).solver_ == "newton-cholesky"  # n >= d: primal
    assert LinearSVC(dual="auto").fit(wide, y[:4]).solver_ == "dual-cd"  # n < d: dual
    assert LinearSVC(dual="auto", loss="hinge").fit(X, y).solver_ == "dual-cd"
    assert LinearSVC(dual="auto", solver="lbfgs").fit(wide, y[:4]).solver_ == "lbfgs"
    assert LinearSVC(dual=False, loss="hinge").fit(X, y).solver_ == "lbfgs"
    assert LinearSVC(dual="auto", multi_class="weston_watkins").fit(X, y).solver_ == "lbfgs"
    assert LinearSVC(dual=False, solver=SGD(lr=0.01)).fit(X, y).solver_ == "SGD"
    usps_like = np.random.default_rng(0).normal(size=(300, 256))  # long dense rows
    assert LinearSVC(dual=False).fit(usps_like, np.arange(300) % 2).solver_ == "newton-cg"
    assert LinearSVC().fit(X, y).solver_ == "newton-cholesky"  # the default is 'auto'
    assert LinearSVC().fit(wide, y[:4]).solver_ == "dual-cd"
    d = LinearSVC(dual=True, random_state=0).fit(X, y)
    assert d.solver_ == "dual-cd" and hasattr(d, "dual_coef_")
    d.set_params(dual=False).fit(X, y)
    assert not hasattr(d, "dual_coef_")  # no stale dual solution next to a primal one


def _auto_primal_solver(X):
    """What solver='auto' runs with dual=False (squared hinge, L2) on X (its shape and rows)."""
    m = LinearSVC(dual=False)
    m._check_params()
    return m._pick_solver(X)


def _csr(n, d, density, seed=0):
    return sp.random(n, d, density=density, format="csr", random_state=seed)


# the shapes of the timings behind the cost model (issue 24; _CG_PAIRS_PER_ENTRY's comment): the
# solver that was faster there, on 2 cores (newton-cholesky ms / newton-cg ms)
@pytest.mark.parametrize("make, expected", [
    (lambda: _csr(32561, 123, 0.113), "newton-cholesky"),  # a9a's shape: 8 / 82 on a9a
    (lambda: _csr(50000, 300, 0.04), "newton-cholesky"),  # the bench's CSR: 16 / 25
    (lambda: np.zeros((1797, 64)), "newton-cholesky"),  # digits: 27 / 138 (standardized)
    (lambda: np.zeros((7291, 64)), "newton-cholesky"),  # USPS pooled to 8 x 8: 76 / 154
    (lambda: np.zeros((5391, 64)), "newton-cholesky"),  # digits x 3 with noise: 88 / 241
    (lambda: _csr(20000, 100, 0.2), "newton-cholesky"),  # 9 / 25
    (lambda: np.zeros((7291, 256)), "newton-cg"),  # usps: 737 / 402
    (lambda: np.zeros((20000, 64)), "newton-cg"),  # make_classification: 17 / 10
    (lambda: _csr(20000, 300, 0.2), "newton-cg"),  # 46 / 33
    (lambda: _csr(2000, 3000, 0.01), "newton-cg"),  # wide: the (d + 1)^3 factorization
    (lambda: _csr(20000, 3000, 0.01), "newton-cg"),  # 3174 / 39
    (lambda: np.zeros((2000, 5000)), "newton-cg"),  # (d + 1)^2 > 2^24: no Hessian at all
], ids=["a9a-like", "bench-csr-4%", "digits-like", "usps-8x8-like", "digits-x3-like",
        "csr-100-20%", "usps-like", "dense-20000x64",
        "csr-300-20%", "wide-csr-2000x3000", "csr-20000x3000", "wide-dense-2000x5000"])
def test_auto_primal_solver_on_the_measured_shapes(make, expected):
    assert _auto_primal_solver(make()) == expected


def test_auto_primal_solver_hessian_size_limit(monkeypatch):
    """Objective.hessian refuses (d + 1)^2 > 2^24 entries: newton-cg there whatever the costs."""
    import fastoptim.svm._linear_svc as mod
    monkeypatch.setattr(mod, "_CG_FIXED_WORK", np.inf)  # the cost model alone: always Cholesky
    assert _auto_primal_solver(_csr(10, 4095, 0.001)) == "newton-cholesky"  # 4096^2 = 2^24
    assert _auto_primal_solver(_csr(10, 4096, 0.001)) == "newton-cg"
    assert _auto_primal_solver(np.zeros((2, 4096))) == "newton-cg"


@pytest.mark.parametrize("K, sparse, expected", [(10, False, "newton-cholesky"),
                                                 (2, True, "newton-cg")],
                         ids=["digits-like-10-classes", "wide-csr"])
def test_auto_primal_fit_is_the_chosen_solvers_fit(K, sparse, expected):
    """solver='auto' only names the solver: the fit is that solver's, bit for bit."""
    if sparse:
        X = _csr(600, 3000, 0.01, seed=3)
        y = np.asarray(X @ np.random.default_rng(3).normal(size=3000) > 0, dtype=int)
    else:
        X, y, _ = make_data(K=K, n=1797, p=64, seed=21)
    auto = LinearSVC(dual=False).fit(X, y)
    assert auto.solver_ == expected
    named = LinearSVC(dual=False, solver=expected).fit(X, y)
    np.testing.assert_array_equal(auto.coef_, named.coef_)
    np.testing.assert_array_equal(auto.intercept_, named.intercept_)
    assert auto.coef_.shape == ((K if K > 2 else 1), X.shape[1]) and auto.n_iter_ == named.n_iter_


def test_primal_convergence_warning():
    X, y, _ = make_data(seed=6)
    with pytest.warns(ConvergenceWarning, match="solver='newton-cg'.*max_iter=1 iterations"):
        m = LinearSVC(dual=False, solver="newton-cg", max_iter=1, tol=1e-12).fit(X, y)
    assert m.n_iter_ == 1


# -- 7. Weston-Watkins --------------------------------------------------------------------------------

@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weston_watkins_objective_and_gradient_against_numpy(sparse, dtype):
    """The objective the primal solvers see -- Objective('multiclass_hinge') scaled by
    1 / (C sum c) plus the intercept's penalty -- times C sum c equals the NumPy oracle."""
    X, y, w = make_data(K=4, n=120, seed=17, sparse=sparse)
    X = X.astype(dtype)
    C, s = 0.3, 2.0
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(4, X.shape[1])), rng.normal(size=4)
    obj = Objective("multiclass_hinge", X, y.astype(float), sample_weight=w,
                    alpha=1.0 / (C * w.sum()), n_classes=4)
    value, gW, gb = _InterceptPenalty(obj, s).value_grad(W.astype(dtype), b.astype(dtype))
    Wr, br = W.astype(dtype).astype(float), b.astype(dtype).astype(float)
    X64 = X.astype(np.float64)
    ref_value, ref_gW, ref_gb = ww_objective(X64, y, Wr, br, C * w, s)
    rtol = 1e-10 if dtype == np.float64 else 1e-5
    scale = C * w.sum()
    assert abs(value * scale - ref_value) <= rtol * ref_value
    assert_rel(np.asarray(gW, float) * scale, ref_gW, rtol, "grad W")
    assert_rel(np.asarray(gb, float) * scale, ref_gb, rtol, "grad b")


def test_weston_watkins_matches_the_qp():
    """A tiny problem as the quadratic program it is (slacks xi_ij >= z_ij - z_iy + 1, >= 0),
    solved by scipy's SLSQP.  The L-BFGS solution is approximate (a non-smooth function: it
    stalls at a kink, here 3e-4 above the optimum, coefficients 4 % off): within 1e-3 of the
    QP's objective, W's rows and b sum to zero (the penalized intercept's optimality), and
    the predictions mostly agree."""
    from scipy.optimize import minimize

    X, y, w = make_data(K=3, n=24, p=3, seed=18)
    K, (n, p), C, s = 3, X.shape, 0.8, 2.0
    cost = C * w
    others = np.array([[j for j in range(K) if j != y[i]] for i in range(n)])  # (n, K-1)
    nv = K * p + K

    def split(v):
        return v[:K * p].reshape(K, p), v[K * p:nv], v[nv:].reshape(n, K - 1)

    def fun(v):
        W, b, xi = split(v)
        g = np.concatenate([W.ravel(), b / s ** 2, np.repeat(cost, K - 1)])
        return 0.5 * np.sum(W * W) + 0.5 * b @ b / s ** 2 + cost @ xi.sum(axis=1), g

    # A v - 1 >= 0: row (i, j) reads xi_ij - (w_j - w_yi) . x_i - (b_j - b_yi)
    A = np.zeros((n * (K - 1), nv + n * (K - 1)))
    for r, (i, j) in enumerate((i, j) for i in range(n) for j in others[i]):
        A[r, j * p:(j + 1) * p] -= X[i]
        A[r, y[i] * p:(y[i] + 1) * p] += X[i]
        A[r, K * p + j] -= 1.0
        A[r, K * p + y[i]] += 1.0
        A[r, nv + r] = 1.0
    x0 = np.concatenate([np.zeros(nv), np.ones(n * (K - 1))])
    res = minimize(fun, x0, jac=True, method="SLSQP",
                   constraints=[{"type": "ineq", "fun": lambda v: A @ v - 1.0,
                                 "jac": lambda v: A}],
                   bounds=[(None, None)] * nv + [(0, None)] * (n * (K - 1)),
                   options={"ftol": 1e-12, "maxiter": 2000})
    assert res.success, res.message
    W_qp, b_qp, _ = split(res.x)
    P_qp = ww_objective(X, y, W_qp, b_qp, cost, s)[0]
    assert abs(P_qp - res.fun) <= 1e-8 * res.fun
    assert np.abs(W_qp.sum(axis=0)).max() <= 1e-6 * np.abs(W_qp).max()  # rows of W sum to 0
    m = LinearSVC(C=C, intercept_scaling=s, dual=False, multi_class="weston_watkins",
                  tol=1e-8).fit(X, y, sample_weight=w)
    P = ww_objective(X, y, m.coef_, m.intercept_, cost, s)[0]
    assert -1e-8 * P_qp <= P - P_qp <= 1e-3 * P_qp, (P, P_qp)
    assert abs(m.intercept_.sum()) <= 1e-6 * np.abs(m.intercept_).max()
    assert np.abs(m.coef_.sum(axis=0)).max() <= 1e-6 * np.abs(m.coef_).max()
    assert np.mean(m.predict(X) == np.argmax(X @ W_qp.T + b_qp, axis=1)) >= 0.9
    assert_rel(m.coef_, W_qp, 0.1, "W")


def test_weston_watkins_two_classes_is_the_binary_hinge_at_2C():
    """K = 2: at the optimum w_0 = -w_1, so the WW objective is half the binary hinge
    objective at C' = 2C in v = w_1 - w_0 (the row kept in coef_)."""
    X, y, w = make_data(n=200, seed=19)
    C, s = 0.4, 1.5
    ww = LinearSVC(C=C, intercept_scaling=s, dual=False, multi_class="weston_watkins",
                   tol=1e-8).fit(X, y, sample_weight=w)
    assert ww.coef_.shape == (1, X.shape[1]) and ww.decision_function(X).shape == (len(y),)
    hinge = LinearSVC(C=2 * C, loss="hinge", intercept_scaling=s, **TIGHT).fit(
        X, y, sample_weight=w)
    ypm, Xa = np.where(y == 1, 1.0, -1.0), augmented(X, True, s)
    P_ww = primal(Xa, ypm, 2 * C * w, w_tilde(ww, s), "hinge")
    P_opt = primal(Xa, ypm, 2 * C * w, w_tilde(hinge, s), "hinge")
    assert -1e-9 * P_opt <= P_ww - P_opt <= 1e-4 * P_opt, (P_ww, P_opt)
    assert np.mean(ww.predict(X) == hinge.predict(X)) >= 0.98


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_weston_watkins_on_usps(solver):
    """The embedded USPS digits (7291 x 256, 10 classes): one joint model, test accuracy
    near one-vs-rest's (about 0.91 at C = 0.1)."""
    Xtr, ytr, Xte, yte = load_usps()
    kw = dict(max_iter=150) if solver == "lbfgs" else dict(max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # stopped early on purpose
        m = LinearSVC(C=0.1, dual=False, multi_class="weston_watkins", solver=solver,
                      **kw).fit(Xtr, ytr)
    assert m.coef_.shape == (10, 256) and m.intercept_.shape == (10,)
    assert m.score(Xte, yte) > 0.89


def test_dask_arrays_need_the_primal():
    """A dask X stays on its workers: the primal solvers sum over its chunks (tests/test_dask.py
    compares with in-memory fits); the dual's coordinate loop needs the rows in memory."""
    da = pytest.importorskip("dask.array")
    X, y, _ = make_data(seed=20)
    Xd = da.from_array(X, chunks=(50, X.shape[1]))
    with pytest.raises(TypeError, match="dual coordinate descent needs in-memory data.*dual=False"):
        LinearSVC(dual=True).fit(Xd, y)
    assert LinearSVC().fit(Xd, y).solver_ == "newton-cholesky"  # the default 'auto': primal
    auto = LinearSVC(dual="auto", loss="hinge").fit(Xd, y)  # 'auto' on dask: the primal
    assert auto.solver_ == "lbfgs"


# -- 8. bad input of the new parameters -------------------------------------------------------------

@pytest.mark.parametrize("params, match", [
    (dict(dual=False, solver="bfgs"), "solver='bfgs' is not a solver of LinearSVC; use one of"),
    (dict(dual=False, solver="adamw"), "solver='adamw' is not a solver name.*AdamW"),
    (dict(dual=True, solver="lbfgs"), "solver='lbfgs' solves the primal problem, but dual=True; set "
                           "dual=False"),
    (dict(dual=True, solver=Adam()), "solver='Adam' solves the primal problem, but dual=True"),
    (dict(dual=True, multi_class="weston_watkins"), "multi_class='weston_watkins' is solved in the primal "
                                         "only, but dual=True; set dual=False"),
    (dict(multi_class="crammer_singer"), "multi_class must be 'ovr' or 'weston_watkins'"),
    (dict(dual=False, loss="hinge", solver="newton-cholesky"),
     "solver='newton-cholesky' needs a twice-differentiable loss, and loss='hinge' is not"),
    (dict(dual="auto", loss="hinge", solver="newton-cg"), "solver='newton-cg' needs a twice"),
    (dict(dual=False, multi_class="weston_watkins", solver="newton-cholesky"),
     "Weston-Watkins hinge is not; use solver='lbfgs'"),
    (dict(dual=False, C=0.0), "C must be a finite number > 0"),
    (dict(dual=False, solver="sgd", learning_rate=-1.0), "learning_rate must be 'auto' or a "
                                                         "number > 0"),
])
def test_bad_primal_params(params, match):
    """(A Generator as random_state seeds the stochastic solvers too, as every estimator's.)"""
    X, y, _ = make_data(seed=9)
    with pytest.raises(ValueError, match=match):
        LinearSVC(**params).fit(X, y)


def _ovr_primal(X, y, model, loss):
    """Sum over the one-vs-rest problems of P(w~) at C=1 (intercept_scaling 1)."""
    total = 0.0
    for k, label in enumerate(model.classes_):
        ypm = np.where(y == label, 1.0, -1.0)
        wa = np.append(model.coef_[k], model.intercept_[k])
        total += primal(augmented(X, True), ypm, np.ones(len(y)), wa, loss)
    return total


def test_shrinking_at_a_tol_rounding_cannot_reach_ends_at_the_optimum():
    """Coordinates shrunk early come back on the schedule of checks, not only at tol.

    With tol=1e-12 the shrunk set's spread never reaches tol in double precision, so
    liblinear's rule (restore the shrunk coordinates only then) keeps the early ones out for
    good: scikit-learn's LinearSVC ends 1e-7 to 4e-4 above the optimum on these sets after
    20000 passes.  Here the passes end at Newton's optimum to rounding.
    """
    for seed in range(3):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((500, 30))
        X[:, :5] *= 3.0
        ypm = np.where(X @ rng.standard_normal(30) + 2.0 * rng.standard_normal(500) > 0, 1.0, -1.0)
        newton = LinearSVC(dual=False, solver="newton-cholesky", tol=1e-12).fit(X, ypm)
        ours = LinearSVC(dual=True, tol=1e-12, max_iter=5000, random_state=seed)
        with pytest.warns(ConvergenceWarning):
            ours.fit(X, ypm)
        Xa, cost = augmented(X, True), np.ones(500)
        best = primal(Xa, ypm, cost, w_tilde(newton), "squared_hinge")
        got = primal(Xa, ypm, cost, w_tilde(ours), "squared_hinge")
        assert abs(got - best) <= 1e-12 * best, (seed, got, best)
        assert_rel(ours.coef_, newton.coef_, 1e-6, f"seed {seed}: dual CD vs Newton")


@pytest.mark.parametrize("loss", LOSSES)
def test_dual_cd_at_max_iter_is_closer_than_liblinear(loss):
    """At the default tol and max_iter=1000 the passes end closer to the optimum than liblinear's.

    Standardized 8x8 digits, 10 classes one-vs-rest: no problem converges in 1000 passes.
    Measured over 6 seeds: liblinear's rule (scikit-learn) ends 1e-2 to 5e-2 above the
    optimum (both losses); the checks of the shrunk coordinates take that to 1e-3 to 3e-3
    (hinge) and below 1e-6 (squared hinge).
    """
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    from sklearn.svm import LinearSVC as SkLinearSVC
    X, y = sklearn_datasets.load_digits(return_X_y=True)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    ours, theirs = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # none converges: that is the point
        warnings.simplefilter("ignore", UserWarning)  # (scikit-learn's ConvergenceWarning)
        if loss == "squared_hinge":
            best = _ovr_primal(X, y, LinearSVC(dual=False, solver="newton-cholesky", tol=1e-12)
                               .fit(X, y), loss)
        else:  # 20000 passes: within 1e-9 of the optimum (the minimum over the runs below)
            best = _ovr_primal(X, y, LinearSVC(loss=loss, dual=True, tol=1e-9, max_iter=20_000,
                                               random_state=0).fit(X, y), loss)
        for seed in range(3):
            kwargs = dict(loss=loss, dual=True, max_iter=1000, random_state=seed)
            ours.append(_ovr_primal(X, y, LinearSVC(**kwargs).fit(X, y), loss) / best - 1.0)
            theirs.append(_ovr_primal(X, y, SkLinearSVC(**kwargs).fit(X, y), loss) / best - 1.0)
    assert min(ours) >= -1e-9, ours  # best is the optimum
    assert max(ours) <= (5e-3 if loss == "hinge" else 1e-5), ours
    assert max(ours) <= min(theirs), (ours, theirs)
