"""SVC: the kernel SVM dual by SMO, checked against scipy's QP solvers, the dual's
textbook facts, and scikit-learn's SVC (libsvm) when installed."""
import pickle
import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp

from fastoptim import SVC
from fastoptim.exceptions import ConvergenceWarning, NotFittedError
from fastoptim.kernels import pairwise_kernels
from fastoptim.reference.kernels import pairwise_kernels as reference_pairwise_kernels

RNG = np.random.default_rng(0)


def blobs(n=60, d=4, n_classes=2, sep=1.5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    centers = rng.normal(size=(n_classes, d)) * sep
    X = centers[y] + rng.normal(size=(n, d))
    return X.astype(dtype), y


def reference_kernel(kernel, X, Z, gamma, degree=3, coef0=0.0):
    return reference_pairwise_kernels(X, Z, kernel, gamma=gamma, degree=degree, coef0=coef0)


def qp_dual(K, y, C):
    """The SVM dual by scipy's SLSQP: min 1/2 a^T Q a - sum a, 0 <= a <= C, y.a = 0; and b."""
    Q = (y[:, None] * y[None, :]) * K
    n = len(y)
    C = np.broadcast_to(np.asarray(C, float), (n,))
    res = scipy.optimize.minimize(
        lambda a: 0.5 * a @ Q @ a - a.sum(), np.zeros(n), jac=lambda a: Q @ a - 1.0,
        bounds=list(zip(np.zeros(n), C)), constraints=[{"type": "eq", "fun": lambda a: y @ a,
                                                        "jac": lambda a: y}],
        method="SLSQP", options={"ftol": 1e-14, "maxiter": 2000})
    a = np.clip(res.x, 0, C)
    free = (a > 1e-6 * C.max()) & (a < C - 1e-6 * C.max())
    grad = Q @ a - 1.0
    b = -np.mean(y[free] * grad[free])  # on free vectors y_i (sum a y K + b) = 1
    return a, b, res


# --------------------------------------------------------------------------- against scipy's QP


@pytest.mark.parametrize("kernel,kw", [("rbf", dict(gamma=0.3)), ("linear", {}),
                                       ("poly", dict(gamma=0.5, degree=2, coef0=1.0))])
@pytest.mark.parametrize("C", [0.5, 10.0])
def test_dual_solution_matches_scipy_qp(kernel, kw, C):
    X, y01 = blobs(n=40, sep=1.0)
    y = np.where(y01 == 1, 1.0, -1.0)
    model = SVC(C=C, kernel=kernel, tol=1e-8, **kw).fit(X, y01)
    K = reference_kernel(kernel, X, X, kw.get("gamma", 1.0), kw.get("degree", 3),
                         kw.get("coef0", 0.0))
    a, b, res = qp_dual(K, y, C)
    # decision values on the training points and on new ones, within 1e-4
    Z = np.random.default_rng(1).normal(size=(30, X.shape[1]))
    for P in (X, Z):
        Kp = reference_kernel(kernel, P, X, kw.get("gamma", 1.0), kw.get("degree", 3),
                              kw.get("coef0", 0.0))
        ref = Kp @ (a * y) + b
        np.testing.assert_allclose(model.decision_function(P), ref, atol=1e-4 * max(1, abs(ref).max()))
    # the same dual variables (model.dual_coef_ holds y a with the positive class classes_[1])
    alpha_full = np.zeros(len(y))
    alpha_full[model.support_] = np.abs(model.dual_coef_[0])
    np.testing.assert_allclose(alpha_full, a, atol=1e-4 * C)


def test_per_sample_bounds_match_scipy_qp():
    X, y01 = blobs(n=36, sep=0.8, seed=3)
    y = np.where(y01 == 1, 1.0, -1.0)
    w = np.random.default_rng(3).uniform(0.2, 3.0, size=len(y))
    model = SVC(C=2.0, gamma=0.5, tol=1e-8).fit(X, y01, sample_weight=w)
    K = reference_kernel("rbf", X, X, 0.5)
    a, b, _ = qp_dual(K, y, 2.0 * w)
    np.testing.assert_allclose(model.decision_function(X), K @ (a * y) + b, atol=1e-4)


# --------------------------------------------------------------------------- textbook facts


def test_linear_kernel_w_is_sum_of_support_vectors_and_free_vectors_on_margin():
    X, y = blobs(n=80, sep=1.0, seed=4)
    C = 1.0
    model = SVC(kernel="linear", C=C, tol=1e-8).fit(X, y)
    coef = model.dual_coef_[0]
    w = coef @ X[model.support_]
    np.testing.assert_allclose(model.coef_[0], w, rtol=1e-12)
    b = model.intercept_[0]
    ypm = np.where(y == 1, 1.0, -1.0)
    alpha = np.abs(coef)
    free = (alpha > 1e-8) & (alpha < C - 1e-8)
    assert free.sum() >= 2
    margins = ypm[model.support_][free] * (X[model.support_][free] @ w + b)
    np.testing.assert_allclose(margins, 1.0, atol=1e-6)
    # every sample off the support set is outside the margin
    rest = np.setdiff1d(np.arange(len(y)), model.support_)
    assert np.all(ypm[rest] * (X[rest] @ w + b) >= 1 - 1e-6)
    # the dual objective equals the primal one at the solution
    primal = 0.5 * w @ w + C * np.maximum(0, 1 - ypm * (X @ w + b)).sum()
    dual = alpha.sum() - 0.5 * w @ w
    assert abs(primal - dual) <= 1e-6 * abs(primal)


def test_separable_large_C_gives_the_hard_margin_solution():
    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(size=(25, 2)) + [3, 3], rng.normal(size=(25, 2)) - [3, 3]])
    y = np.r_[np.ones(25), -np.ones(25)]
    model = SVC(kernel="linear", C=1e6, tol=1e-10).fit(X, y)
    w, b = model.coef_[0], model.intercept_[0]
    # the hard-margin primal by SLSQP: min 1/2 |w|^2 s.t. y (w.x + b) >= 1
    res = scipy.optimize.minimize(
        lambda p: 0.5 * p[:2] @ p[:2], np.zeros(3), jac=lambda p: np.r_[p[:2], 0.0],
        constraints=[{"type": "ineq", "fun": lambda p: y * (X @ p[:2] + p[2]) - 1,
                      "jac": lambda p: np.c_[y[:, None] * X, y]}],
        method="SLSQP", options={"ftol": 1e-14, "maxiter": 1000})
    np.testing.assert_allclose(w, res.x[:2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, res.x[2], rtol=1e-5, atol=1e-6)
    margin = 1 / np.linalg.norm(w)
    distances = np.abs(X @ w + b) / np.linalg.norm(w)
    np.testing.assert_allclose(distances.min(), margin, rtol=1e-6)
    assert np.all(model.predict(X) == y)


def separable(seed=5, n=25):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(size=(n, 2)) + [3, 3], rng.normal(size=(n, 2)) - [3, 3]])
    return X, np.r_[np.ones(n), -np.ones(n)]


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_C_inf_is_the_hard_margin(kernel):
    # no upper bound on the dual variables: on separable data, the solution of any C above
    # the largest alpha, and every training point on or outside the margin
    X, y = separable()
    hard = SVC(kernel=kernel, C=np.inf, gamma=0.5, tol=1e-8).fit(X, y)
    big = SVC(kernel=kernel, C=1e6, gamma=0.5, tol=1e-8).fit(X, y)
    assert hard.fit_status_ == 0
    assert np.abs(hard.dual_coef_).max() < 1e6  # the bound of `big` is not active
    np.testing.assert_array_equal(hard.support_, big.support_)
    np.testing.assert_allclose(hard.dual_coef_, big.dual_coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hard.intercept_, big.intercept_, rtol=1e-10, atol=1e-12)
    margins = y * hard.decision_function(X)
    assert margins.min() >= 1 - 1e-6
    np.testing.assert_allclose(margins[hard.support_], 1.0, atol=1e-6)
    if kernel == "linear":  # the hard-margin primal by SLSQP (as in the test above)
        res = scipy.optimize.minimize(
            lambda p: 0.5 * p[:2] @ p[:2], np.zeros(3), jac=lambda p: np.r_[p[:2], 0.0],
            constraints=[{"type": "ineq", "fun": lambda p: y * (X @ p[:2] + p[2]) - 1,
                          "jac": lambda p: np.c_[y[:, None] * X, y]}],
            method="SLSQP", options={"ftol": 1e-14, "maxiter": 1000})
        np.testing.assert_allclose(hard.coef_[0], res.x[:2], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(hard.intercept_[0], res.x[2], rtol=1e-5, atol=1e-6)


def test_C_inf_with_zero_weights_and_as_sklearn():
    X, y = separable(seed=6)
    w = np.ones(len(y))
    w[[0, 30]] = 0.0  # inf * 0 must stay 0: these samples take no part
    ours = SVC(kernel="linear", C=np.inf, tol=1e-8).fit(X, y, sample_weight=w)
    keep = w > 0
    ref = SVC(kernel="linear", C=np.inf, tol=1e-8).fit(X[keep], y[keep])
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-12)
    sk = pytest.importorskip("sklearn.svm")
    theirs = sk.SVC(kernel="linear", C=np.inf, tol=1e-8).fit(X, y)
    mine = SVC(kernel="linear", C=np.inf, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(mine.coef_, theirs.coef_, rtol=1e-6)
    np.testing.assert_allclose(mine.intercept_, theirs.intercept_, rtol=1e-6)


# --------------------------------------------------------------------------- the solver's knobs


def test_shrinking_cache_and_threads_do_not_change_the_solution():
    X, y = blobs(n=300, d=6, n_classes=3, sep=1.0, seed=6)
    base = SVC(tol=1e-6, n_threads=1).fit(X, y)
    for kw in (dict(shrinking=False), dict(cache_size=1e-3), dict(n_threads=2),
               dict(cache_size=0.01, shrinking=False, n_threads=2)):
        other = SVC(tol=1e-6, **kw).fit(X, y)
        np.testing.assert_array_equal(other.support_, base.support_)
        np.testing.assert_allclose(other.dual_coef_, base.dual_coef_, atol=1e-5)
        np.testing.assert_allclose(other.intercept_, base.intercept_, atol=1e-5)
    # threads only change which problem runs where: bit for bit
    two = SVC(tol=1e-6, n_threads=2).fit(X, y)
    np.testing.assert_array_equal(two.dual_coef_, base.dual_coef_)
    np.testing.assert_array_equal(two.intercept_, base.intercept_)


def test_one_long_problem_splits_kernel_rows_across_threads_bitwise():
    X, y = blobs(n=600, d=128, sep=0.3, seed=7)
    one = SVC(n_threads=1).fit(X, y)
    two = SVC(n_threads=2).fit(X, y)
    np.testing.assert_array_equal(one.dual_coef_, two.dual_coef_)
    np.testing.assert_array_equal(one.intercept_, two.intercept_)


@pytest.mark.parametrize("fmt", ["dense", "csr", "float32"])
def test_sparse_and_float32_give_the_dense_solution(fmt):
    X, y = blobs(n=120, d=8, n_classes=3, seed=8)
    X[np.abs(X) < 0.5] = 0.0
    ref = SVC(tol=1e-7).fit(X, y)
    Xf = {"dense": X, "csr": sp.csr_matrix(X), "float32": X.astype(np.float32)}[fmt]
    model = SVC(tol=1e-7).fit(Xf, y)
    atol = 1e-4 if fmt == "float32" else 1e-6
    np.testing.assert_allclose(model.decision_function(Xf), ref.decision_function(X), atol=atol)
    if fmt == "csr":
        assert sp.issparse(model.support_vectors_)
    if fmt == "float32":
        assert model.support_vectors_.dtype == np.float32


def test_mostly_zero_dense_X_is_solved_on_its_csr_form():
    # below CSR_DOTS_DENSITY the dot products run over the nonzeros: the CSR fit's bits,
    # dense support vectors, and the exact QP's solution (as the dense path) to the tolerance
    from fastoptim.svm._svc import CSR_DOTS_DENSITY
    X, y = blobs(n=150, d=40, n_classes=3, seed=9)
    X[np.random.default_rng(9).random(X.shape) > 0.15] = 0.0
    assert np.count_nonzero(X) <= CSR_DOTS_DENSITY * X.size
    for kernel in ("rbf", "poly", "linear"):
        dense = SVC(kernel=kernel, tol=1e-8).fit(X, y)
        csr = SVC(kernel=kernel, tol=1e-8).fit(sp.csr_matrix(X), y)
        np.testing.assert_array_equal(dense.dual_coef_, csr.dual_coef_)
        np.testing.assert_array_equal(dense.intercept_, csr.intercept_)
        assert isinstance(dense.support_vectors_, np.ndarray)
        np.testing.assert_array_equal(dense.support_vectors_, X[dense.support_])
        np.testing.assert_array_equal(dense.predict(X), csr.predict(sp.csr_matrix(X)))


def test_precomputed_and_callable_kernels_equal_the_named_one():
    X, y = blobs(n=90, n_classes=3, seed=9)
    Z = np.random.default_rng(9).normal(size=(20, X.shape[1]))
    ref = SVC(kernel="rbf", gamma=0.2, tol=1e-7).fit(X, y)
    K = pairwise_kernels(X, kernel="rbf", gamma=0.2)
    pre = SVC(kernel="precomputed", tol=1e-7).fit(K, y)
    np.testing.assert_allclose(pre.decision_function(pairwise_kernels(Z, X, kernel="rbf", gamma=0.2)),
                               ref.decision_function(Z), atol=1e-6)
    call = SVC(kernel=lambda A, B: pairwise_kernels(A, B, kernel="rbf", gamma=0.2),
               tol=1e-7).fit(X, y)
    np.testing.assert_allclose(call.decision_function(Z), ref.decision_function(Z), atol=1e-6)
    with pytest.raises(ValueError, match="n_train=90"):
        pre.decision_function(np.zeros((3, 5)))


def test_zero_weight_equals_removing_the_sample_and_class_weight_scales_C():
    X, y = blobs(n=80, seed=10)
    w = np.ones(len(y))
    w[::7] = 0.0
    a = SVC(tol=1e-8, gamma=0.3).fit(X, y, sample_weight=w)  # gamma='scale' would see other X
    b = SVC(tol=1e-8, gamma=0.3).fit(X[w > 0], y[w > 0])
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X), atol=1e-6)
    c = SVC(tol=1e-8, class_weight={0: 2.0, 1: 0.5}).fit(X, y)
    d = SVC(tol=1e-8).fit(X, y, sample_weight=np.where(y == 0, 2.0, 0.5))
    np.testing.assert_allclose(c.decision_function(X), d.decision_function(X), atol=1e-8)


def test_max_iter_warns_and_sets_fit_status():
    X, y = blobs(n=200, sep=0.2, seed=11)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        model = SVC(max_iter=3).fit(X, y)
    assert model.fit_status_ == 1
    assert np.all(model.n_iter_ == 3)
    assert SVC().fit(X, y).fit_status_ == 0


def test_string_labels_multiclass_votes_and_pickle():
    X, y = blobs(n=150, n_classes=4, sep=3.0, seed=12)
    labels = np.array(["ant", "bee", "cat", "dog"])[y]
    model = SVC(C=3.0).fit(X, labels)
    assert list(model.classes_) == ["ant", "bee", "cat", "dog"]
    assert model.score(X, labels) > 0.9
    assert model.decision_function(X).shape == (150, 4)
    ovo = model.set_params(decision_function_shape="ovo").decision_function(X)
    assert ovo.shape == (150, 6)
    assert model.dual_coef_.shape == (3, model.support_.size)
    assert model.n_support_.sum() == model.support_.size
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.decision_function(X), ovo)
    # break_ties: argmax of the ovr decision function
    model.set_params(decision_function_shape="ovr", break_ties=True)
    np.testing.assert_array_equal(model.predict(X),
                                  model.classes_[np.argmax(model.decision_function(X), axis=1)])


def test_usps_accuracy_embedded_digits():
    from fastoptim.datasets import load_usps
    X, y, Xt, yt = load_usps()
    model = SVC().fit(X, y)
    assert model.score(Xt, yt) > 0.94


# --------------------------------------------------------------------------- scikit-learn


@pytest.mark.parametrize("kernel,kw", [("rbf", {}), ("linear", {}),
                                       ("poly", dict(degree=2, coef0=1.0)),
                                       ("sigmoid", dict(gamma=0.05, coef0=0.1))])
@pytest.mark.parametrize("fmt", ["dense", "csr", "float32"])
def test_matches_sklearn_svc(kernel, kw, fmt):
    sk = pytest.importorskip("sklearn.svm")
    X, y = blobs(n=150, d=5, n_classes=3, sep=1.0, seed=13)
    Xf = {"dense": X, "csr": sp.csr_matrix(X), "float32": X.astype(np.float32)}[fmt]
    ours = SVC(kernel=kernel, tol=1e-6, **kw).fit(Xf, y)
    theirs = sk.SVC(kernel=kernel, tol=1e-6, **kw).fit(Xf, y)
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    np.testing.assert_array_equal(ours.n_support_, theirs.n_support_)
    dense = theirs.dual_coef_.toarray() if sp.issparse(theirs.dual_coef_) else theirs.dual_coef_
    np.testing.assert_allclose(ours.dual_coef_, dense, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-4)
    for shape in ("ovr", "ovo"):
        ours.set_params(decision_function_shape=shape)
        theirs.set_params(decision_function_shape=shape)
        np.testing.assert_allclose(ours.decision_function(Xf), theirs.decision_function(Xf),
                                   atol=1e-4)
    np.testing.assert_array_equal(ours.predict(Xf), theirs.predict(Xf))


def test_binary_sign_conventions_match_sklearn():
    sk = pytest.importorskip("sklearn.svm")
    X, y = blobs(n=100, seed=14)
    labels = np.where(y == 1, "yes", "no")
    ours = SVC(kernel="linear", tol=1e-7).fit(X, labels)
    theirs = sk.SVC(kernel="linear", tol=1e-7).fit(X, labels)
    np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), atol=1e-5)


def badly_scaled(n=200, d=5, seed=1, shift=100.0):
    """X ~ N(shift, 1): a poly kernel's entries are ~1e12 with a tiny smallest eigenvalue."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.randn(n) > 0).astype(int)
    return X + shift, y


def test_badly_scaled_poly_converges():
    # the exact (double) rows of Q kept SMO trading violations rounding re-creates until
    # max_iter=1e7; rows rounded to float, as LIBSVM's, stop it (libsvm: 229151 iterations)
    X, y = badly_scaled()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = SVC(kernel="poly", n_threads=1).fit(X, y)
    assert model.fit_status_ == 0
    assert 150_000 < model.n_iter_[0] < 300_000
    assert model.score(X, y) > 0.9


@pytest.mark.parametrize("kernel", ["linear", "poly", "rbf", "sigmoid"])
@pytest.mark.parametrize("shift", [0.0, 100.0])
@pytest.mark.parametrize("seed", [1, 2])
def test_iterations_match_libsvm(kernel, shift, seed):
    # same rounding of Q, same scans and sums (shrinking's order, the gradient's rebuild):
    # LIBSVM's iteration count within 10% on scaled and badly scaled data, every kernel
    sk = pytest.importorskip("sklearn.svm")
    X, y = badly_scaled(n=300, d=5, seed=seed, shift=shift)
    ours = SVC(kernel=kernel, n_threads=1).fit(X, y)
    theirs = sk.SVC(kernel=kernel).fit(X, y)
    assert ours.fit_status_ == theirs.fit_status_ == 0
    assert abs(int(ours.n_iter_[0]) / int(theirs.n_iter_[0]) - 1) <= 0.1
    np.testing.assert_array_equal(ours.support_, theirs.support_)
    agree = np.mean(ours.predict(X) == theirs.predict(X))
    assert agree >= 0.99


@pytest.mark.parametrize("seed", [0, 1])
def test_precomputed_iterations_equal_libsvm(seed):
    # the same float64 kernel matrix: every rounding is LIBSVM's, so is every pair chosen
    sk = pytest.importorskip("sklearn.svm")
    X, y = badly_scaled(n=300, d=5, seed=seed)
    gamma = 1.0 / (X.shape[1] * X.var())
    for K in ((gamma * (X @ X.T)) ** 3, np.exp(-0.2 * ((X[:, None] - X[None]) ** 2).sum(-1))):
        ours = SVC(kernel="precomputed", n_threads=1).fit(K, y)
        theirs = sk.SVC(kernel="precomputed").fit(K, y)
        assert ours.n_iter_[0] == theirs.n_iter_[0]
        np.testing.assert_array_equal(ours.support_, theirs.support_)
        np.testing.assert_allclose(ours.dual_coef_, theirs.dual_coef_, rtol=1e-9, atol=1e-12)


def test_usps_predictions_agree_with_sklearn():
    sk = pytest.importorskip("sklearn.svm")
    from fastoptim.datasets import load_usps
    X, y, Xt, yt = load_usps()
    ours = SVC().fit(X, y)
    theirs = sk.SVC().fit(X, y)
    assert np.mean(ours.predict(Xt) == theirs.predict(Xt)) >= 0.995
    assert abs(ours.score(Xt, yt) - theirs.score(Xt, yt)) <= 0.005


def _sklearn_checks():
    try:
        from sklearn.utils.estimator_checks import parametrize_with_checks
    except ImportError:
        return pytest.mark.skip(reason="scikit-learn is not installed")
    # weight 2 == the sample twice holds for the exact QP solution; SMO stops at tol, so
    # the two fits agree to about tol, not to the check's 1e-7 (scikit-learn's SVC marks
    # the same two checks)
    expected = {name: "equal to the solver tolerance only" for name in (
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weight_equivalence_on_sparse_data")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return parametrize_with_checks([SVC(), SVC(kernel="linear", C=10.0)],
                                       expected_failed_checks=lambda est: expected)


@_sklearn_checks()
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# --------------------------------------------------------------------------- bad input


X_OK, Y_OK = blobs(n=20)


@pytest.mark.parametrize("kw,exc,match", [
    (dict(C=0), ValueError, "C must be"),
    (dict(C=-1.0), ValueError, "C must be"),
    (dict(C="1"), TypeError, "C must be"),
    (dict(gamma=0.0), ValueError, "gamma must be"),
    (dict(gamma=-2.0), ValueError, "gamma must be"),
    (dict(gamma="big"), ValueError, "gamma must be"),
    (dict(cache_size=0), ValueError, "cache_size must be"),
    (dict(tol=0.0), ValueError, "tol must be"),
    (dict(kernel="cubic"), ValueError, "kernel must be one of"),
    (dict(kernel="poly", degree=0), ValueError, "degree must be"),
    (dict(max_iter=0), ValueError, "max_iter must be"),
    (dict(max_iter=2.5), TypeError, "max_iter must be"),
    (dict(decision_function_shape="ovx"), ValueError, "decision_function_shape"),
])
def test_bad_parameters_name_the_argument(kw, exc, match):
    with pytest.raises(exc, match=match):
        SVC(**kw).fit(X_OK, Y_OK)


def test_coef_is_read_only():
    X, y = blobs(n=40, seed=2)
    model = SVC(kernel="linear").fit(X, y)
    w = model.coef_.copy()
    with pytest.raises(AttributeError):
        model.coef_ = np.zeros_like(w)
    with pytest.raises(ValueError, match="read-only"):
        model.coef_[0, 0] = 5.0
    np.testing.assert_array_equal(model.coef_, w)


def test_break_ties_with_ovo_fits_and_only_predict_raises():
    X, y = blobs(n=60, n_classes=3, seed=4)
    model = SVC(break_ties=True, decision_function_shape="ovo").fit(X, y)
    ref = SVC().fit(X, y)
    np.testing.assert_array_equal(model.dual_coef_, ref.dual_coef_)
    assert model.decision_function(X).shape == (60, 3)
    with pytest.raises(ValueError, match="break_ties.*decision_function_shape='ovr'"):
        model.predict(X)
    model.set_params(break_ties=False)
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))


def test_sparse_precomputed_kernel_is_a_type_error():
    K = X_OK @ X_OK.T
    for M in (sp.csr_matrix(K), sp.csc_array(K)):
        with pytest.raises(TypeError, match="Sparse precomputed.*not supported.*toarray"):
            SVC(kernel="precomputed").fit(M, Y_OK)


def test_bad_data():
    with pytest.raises(ValueError, match="one class"):
        SVC().fit(X_OK, np.zeros(20))
    with pytest.raises(ValueError, match="NaN|infinity"):
        SVC().fit(np.where(X_OK > 1, np.nan, X_OK), Y_OK)
    with pytest.raises(ValueError, match="square"):
        SVC(kernel="precomputed").fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match="shape"):
        SVC(kernel=lambda A, B: np.zeros((len(A), 3))).fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match="weight zero"):
        SVC().fit(X_OK, Y_OK, sample_weight=np.where(Y_OK == 0, 0.0, 1.0))
    with pytest.raises(NotFittedError):
        SVC().predict(X_OK)
    with pytest.raises(AttributeError, match="kernel='linear'"):
        SVC().fit(X_OK, Y_OK).coef_
    with pytest.raises(ValueError, match="features"):
        SVC().fit(X_OK, Y_OK).predict(X_OK[:, :2])
    with pytest.raises(ValueError, match="not finite.*scale X"):
        SVC(kernel="poly", degree=200, gamma=10.0, coef0=10.0).fit(X_OK * 100, Y_OK)
    # (x . z)^7 = (4e6)^7 ~ 1.6e46: finite in float64, beyond float32, where Q's rows are kept
    with pytest.raises(ValueError, match="float32.*not finite.*scale X"):
        SVC(kernel="poly", degree=7, gamma=1.0, coef0=0.0).fit(np.full((20, 4), 1e3), Y_OK)


@pytest.mark.parametrize("layout", ["dense", "float32", "csr", "3-classes-2-threads",
                                    "rows-on-2-threads"])
def test_poly_kernel_that_overflows_is_refused(layout):
    """(gamma x.z + coef0)^400 on standardized data overflows float32 (where Q's rows are
    kept) on every path: refused with an error that names degree, gamma and coef0 and the
    fix, never an intercept from a solve on infinite values."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] > 0).astype(int)
    kw = {}
    if layout == "float32":
        X = X.astype(np.float32)
    elif layout == "csr":
        X = sp.csr_matrix(X)
    elif layout == "3-classes-2-threads":
        y = rng.integers(0, 3, 120)
        kw = {"n_threads": 2}
    elif layout == "rows-on-2-threads":
        kw = {"n_threads": 2}
    est = SVC(kernel="poly", degree=400, **kw)
    with pytest.raises(ValueError, match=r"gamma='scale' \(= [0-9.e+-]+\), degree=400, "
                                         r"coef0=0\.0\).*lower degree or gamma"):
        est.fit(X, y)
    assert not hasattr(est, "intercept_")


def test_rbf_rows_of_close_points_far_from_the_origin():
    """Close pairs of rows at |x| ~ 1e7: the expansion's distances are noise there; the SMO's
    kernel rows recompute them from the coordinates (as the Gram matrices do), so the
    training points are classified right and the dual meets its tolerance."""
    rng = np.random.default_rng(21)
    base = rng.normal(size=(60, 3)) * 1e7
    X = np.vstack([base, base + rng.normal(size=(60, 3)) * 1e-3])
    y = np.r_[np.arange(60) % 2, np.arange(60) % 2]
    for Xf in (X, X.astype(np.float32)):
        model = SVC(gamma=1.0, C=10.0).fit(Xf, y)
        assert model.fit_status_ == 0
        assert model.score(Xf.copy(), y) == 1.0
