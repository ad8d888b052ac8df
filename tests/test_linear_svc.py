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
  one-vs-rest, both losses, with weights; USPS digits: predictions agree on >= 99 % of the
  test digits; check_estimator;
- bad inputs raise errors that name the argument.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim._core import _dual_cd, _status
from fastoptim.exceptions import ConvergenceWarning, NotFittedError
from fastoptim.svm import LinearSVC
from conftest import assert_rel, usps_source

LOSSES = ("hinge", "squared_hinge")
TIGHT = dict(tol=1e-10, max_iter=200_000, random_state=0)


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
    a = LinearSVC(random_state=7).fit(X, labels)
    b = LinearSVC(random_state=7).fit(X, labels)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.coef_.shape == (3, X.shape[1]) and a.intercept_.shape == (3,)
    assert a.dual_coef_.shape == (3, X.shape[0])
    assert a.decision_function(X).shape == (X.shape[0], 3)
    assert set(a.predict(X)) <= {"cat", "dog", "eel"}
    assert a.score(X, labels) > 0.6
    m2 = LinearSVC(random_state=0).fit(X[y < 2], labels[y < 2])
    assert m2.coef_.shape == (1, X.shape[1]) and m2.decision_function(X).shape == (X.shape[0],)
    np.testing.assert_array_equal(m2.predict(X), np.where(m2.decision_function(X) > 0, "dog", "cat"))


def test_convergence_warning_at_max_iter():
    X, y, _ = make_data(seed=6)
    with pytest.warns(ConvergenceWarning, match="max_iter=2 passes"):
        m = LinearSVC(max_iter=2, tol=1e-12, random_state=0).fit(X, y)
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
    assert agree >= 0.99, (agree, acc, ref_acc)
    assert abs(acc - ref_acc) <= 0.01 and acc > 0.88, (acc, ref_acc)


# -- 4. bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, exc, match", [
    (dict(C=0.0), ValueError, "C must be a finite number > 0"),
    (dict(C=-1.0), ValueError, "C must be a finite number > 0"),
    (dict(C="1"), TypeError, "C must be a number"),
    (dict(loss="log"), ValueError, "loss must be 'squared_hinge' or 'hinge', got 'log'"),
    (dict(dual=False), ValueError, "dual=False is not available yet; use dual=True"),
    (dict(dual="yes"), ValueError, "dual must be True or 'auto'"),
    (dict(intercept_scaling=0.0), ValueError, "intercept_scaling must be a finite number > 0"),
    (dict(max_iter=0), ValueError, "max_iter must be >= 1"),
    (dict(max_iter=1.5), TypeError, "max_iter must be an int"),
    (dict(tol=0.0), ValueError, "tol must be a finite number > 0"),
    (dict(class_weight="equal"), ValueError, "class_weight must be None, 'balanced' or a dict"),
    (dict(class_weight={5: 1.0}), ValueError, "class_weight names the class 5"),
    (dict(random_state=-3), ValueError, "random_state must be None"),
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
            [LinearSVC(random_state=0), LinearSVC(loss="hinge", random_state=0)],
            # as for scikit-learn's own LinearSVC (its PER_ESTIMATOR_XFAIL_CHECKS): at the
            # default tol=1e-4 the stochastic dual solver's answers differ by ~1e-5, above the
            # check's tolerance; test_integer_weights_equal_repetition_and_zero_weights_removal
            # checks the equivalence at a tight tol instead
            expected_failed_checks=lambda est: {
                "check_sample_weight_equivalence_on_dense_data":
                    "dual CD stops at tol=1e-4: not exact enough for this check",
                "check_sample_weight_equivalence_on_sparse_data":
                    "dual CD stops at tol=1e-4: not exact enough for this check"})

    @_checks
    def test_sklearn_compatible_estimator(estimator, check):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            check(estimator)
