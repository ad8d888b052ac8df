"""Bad input to every estimator and optimizer: a correct result, or a ValueError/TypeError
whose message names the argument at fault -- never a crash, a hang or NaN output.

(tests/test_bad_input.py covers the loss functions.)  To add an estimator, add one line to
ESTIMATORS: a name, a factory, 'reg' or 'clf', and the names of its regularization
parameters (which must refuse zero/negative values, or take 0 as "none") and whether it
has a learning rate (a stochastic solver).
"""
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import (SVC, ElasticNet, KernelRidge, Lasso, LinearRegression, LinearSVC,
                       LogisticRegression, MLPClassifier, MLPRegressor, Ridge, SoftmaxRegression)
from fastoptim.base import FLAG_PARAMS
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.gradcheck import check_grad
from fastoptim.losses import Objective
from fastoptim.optim import SGD, Adagrad, Adam, AdamW, RMSProp, schedules, train

# the stochastic solvers run 5 epochs here: what they converge to is not the point
pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)


@dataclass
class Case:
    name: str
    make: object            # () -> a fresh estimator
    kind: str               # 'reg' or 'clf'
    positive: tuple = ()    # parameters that must be > 0 (zero and negatives refused)
    inf_ok: tuple = ()      # of those, the ones that accept np.inf (SVC's C: the hard margin)
    nonneg: tuple = ()      # parameters that must be >= 0 (0 allowed: no penalty)
    stochastic: bool = False  # learning_rate / batch_size apply
    exact: bool = True      # a few epochs reach the exact fit (False: a network, 5 epochs)
    names: dict = field(default_factory=dict)  # {parameter: a valid value} of the names checked
    solver_tol: float = 0.0  # > 0: round-off moves the solution within this stopping tolerance


def _sto(cls, solver, **kw):
    return lambda: cls(solver=solver, max_iter=5, random_state=0, **kw)


# one line per estimator and solver family; 'names' lists the string parameters whose
# unknown values must be refused with the parameter named
ESTIMATORS = [
    Case("LinearRegression", lambda: LinearRegression(), "reg", names={"solver": "auto"}),
    Case("LinearRegression-adam", _sto(LinearRegression, "adam"), "reg", stochastic=True),
    Case("Ridge", lambda: Ridge(alpha=0.5), "reg", nonneg=("alpha",), names={"solver": "auto"}),
    Case("Ridge-cg", lambda: Ridge(alpha=0.5, solver="cg"), "reg", nonneg=("alpha",)),
    Case("Ridge-sgd", _sto(Ridge, "sgd", alpha=0.5), "reg", nonneg=("alpha",), stochastic=True),
    Case("Lasso", lambda: Lasso(alpha=0.05), "reg", nonneg=("alpha",),
         names={"selection": "cyclic"}),
    Case("ElasticNet", lambda: ElasticNet(alpha=0.05, l1_ratio=0.5, selection="random",
                                          random_state=0), "reg", nonneg=("alpha",),
         names={"selection": "random"}),
    Case("KernelRidge", lambda: KernelRidge(alpha=0.1, kernel="rbf", gamma=0.3), "reg",
         nonneg=("alpha",), names={"solver": "cholesky", "kernel": "rbf"}),
    Case("KernelRidge-nystroem", lambda: KernelRidge(alpha=0.1, kernel="rbf", gamma=0.3,
                                                     solver="nystroem", n_components=8,
                                                     random_state=0), "reg", nonneg=("alpha",)),
    Case("LogisticRegression", lambda: LogisticRegression(C=2.0), "clf", positive=("C",),
         inf_ok=("C",),  # C=np.inf: no penalty (scikit-learn 1.8+)
         names={"solver": "lbfgs", "multi_class": "auto", "penalty": "l2"}),
    Case("LogisticRegression-sgd", _sto(LogisticRegression, "sgd"), "clf", positive=("C",),
         inf_ok=("C",), stochastic=True),
    Case("SoftmaxRegression", lambda: SoftmaxRegression(C=2.0, solver="newton-cg"), "clf",
         positive=("C",), inf_ok=("C",), names={"solver": "lbfgs"}),
    Case("SoftmaxRegression-adam", _sto(SoftmaxRegression, "adam"), "clf", positive=("C",),
         inf_ok=("C",), stochastic=True),
    Case("LogisticRegression-l1", lambda: LogisticRegression(penalty="l1", C=2.0,
                                                             solver="newton-cd", random_state=0),
         "clf", positive=("C",), names={"penalty": "l1"}),
    Case("LinearSVC-l1", lambda: LinearSVC(penalty="l1", C=0.5, random_state=0), "clf",
         positive=("C",), names={"penalty": "l1"}),
    Case("LinearSVC", lambda: LinearSVC(C=0.5, random_state=0), "clf", positive=("C",),
         names={"solver": "auto", "loss": "squared_hinge", "multi_class": "ovr"}),
    Case("LinearSVC-adam", lambda: LinearSVC(dual=False, solver="adam", max_iter=5,
                                             random_state=0), "clf", positive=("C",),
         stochastic=True),
    Case("SVC", lambda: SVC(C=2.0, gamma=0.3, tol=1e-3), "clf", positive=("C", "gamma"),
         inf_ok=("C",),
         names={"kernel": "rbf", "decision_function_shape": "ovr"}, solver_tol=1e-3),
    Case("MLPClassifier", lambda: MLPClassifier(hidden_layer_sizes=(5,), max_iter=5,
                                                random_state=0), "clf", nonneg=("alpha",),
         names={"solver": "adam", "activation": "relu"}, exact=False),
    Case("MLPRegressor", lambda: MLPRegressor(hidden_layer_sizes=(5,), max_iter=5,
                                              random_state=0), "reg", nonneg=("alpha",),
         names={"solver": "adam", "activation": "relu"}, exact=False),
]
IDS = [c.name for c in ESTIMATORS]
CLASSIFIERS = [c for c in ESTIMATORS if c.kind == "clf"]
REGRESSORS = [c for c in ESTIMATORS if c.kind == "reg"]
STOCHASTIC = [c for c in ESTIMATORS if c.stochastic]
# every entry takes CSR input (Ridge(solver='svd') would not)


def over(cases, *extra):
    """parametrize over (case, *extra) pairs, ids from the case names."""
    if not extra:
        return pytest.mark.parametrize("case", cases, ids=[c.name for c in cases])
    rows = [(c, *e) for c in cases for e in extra[0](c)]
    ids = [f"{r[0].name}-{'-'.join(map(str, r[1:]))}" for r in rows]
    names = "case," + ",".join(extra[1])
    return pytest.mark.parametrize(names, rows, ids=ids)

RNG = np.random.default_rng(0)
N, D = 30, 4
X = RNG.normal(size=(N, D))
Y_REG = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * RNG.normal(size=N)
Y_CLF = np.arange(N) % 3  # three classes, every one present
X_SPARSE = np.where(RNG.random((N, D)) < 0.5, X, 0.0)


def y_for(case):
    return Y_REG if case.kind == "reg" else Y_CLF


def fitted_state(est):
    """Every public fitted attribute (trailing underscore) as arrays, sparse ones densified."""
    out = {}
    for name, value in vars(est).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        if sp.issparse(value):
            value = value.toarray()
        if isinstance(value, list):
            value = np.asarray(value, dtype=object if value and isinstance(value[0], list) else None)
        out[name] = value
    return out


def assert_same_state(a, b, rtol=0.0):
    sa, sb = fitted_state(a), fitted_state(b)
    assert sa.keys() == sb.keys()
    for k in sa:
        va, vb = np.asarray(sa[k]), np.asarray(sb[k])
        if rtol == 0.0 or va.dtype.kind not in "f":
            np.testing.assert_array_equal(va, vb, err_msg=k)
        else:
            scale = max(float(np.max(np.abs(vb), initial=0.0)), 1e-300)
            assert float(np.max(np.abs(va - vb), initial=0.0)) <= rtol * scale, k


def fit_ok(make, Xf, y, **kw):
    """Fit make() and check the result: finite coefficients, finite predictions."""
    est = make().fit(Xf, y, **kw)
    for name, value in fitted_state(est).items():
        arr = np.asarray(value)
        if arr.dtype.kind == "f":
            assert np.all(np.isfinite(arr)), name
    pred = est.predict(X[:5] if not sp.issparse(Xf) else sp.csr_matrix(X[:5]))
    if np.asarray(pred).dtype.kind == "f":
        assert np.all(np.isfinite(pred))
    return est


@pytest.fixture(params=ESTIMATORS, ids=IDS)
def case(request):
    return request.param


# --------------------------------------------------------------------------- X, y, sample_weight


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_nonfinite_X(case, bad, sparse):
    Xb = X.copy()
    Xb[7, 2] = bad
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        case.make().fit(sp.csr_matrix(Xb) if sparse else Xb, y_for(case))


@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "inf"])
def test_nonfinite_y(case, bad):
    y = y_for(case).astype(np.float64)
    y[3] = bad
    with pytest.raises(ValueError, match="y contains NaN or infinity"):
        case.make().fit(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "inf"])
def test_nonfinite_sample_weight(case, bad):
    sw = np.ones(N)
    sw[4] = bad
    with pytest.raises(ValueError, match="sample_weight contains NaN or infinity"):
        case.make().fit(X, y_for(case), sample_weight=sw)


@pytest.mark.parametrize("sw, match", [(-np.ones(N), "sample_weight must be >= 0"),
                                       (np.zeros(N), "sample_weight must have a positive sum"),
                                       (np.ones(N - 1), r"sample_weight must have shape"),
                                       (np.ones(N) + 1j, "sample_weight")],
                         ids=["negative", "zeros", "length", "complex"])
def test_bad_sample_weight(case, sw, match):
    with pytest.raises(ValueError, match=match):
        case.make().fit(X, y_for(case), sample_weight=sw)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("shape", [(0, D), (N, 0)], ids=["no-rows", "no-columns"])
def test_empty_X(case, shape, sparse):
    Xe = np.zeros(shape)
    with pytest.raises(ValueError, match=r"0 (sample|feature)\(s\).*X needs at least one"):
        case.make().fit(sp.csr_matrix(Xe) if sparse else Xe, y_for(case)[:shape[0]])


def test_one_sample(case):
    """Regressors fit one sample (finite predictions); classifiers refuse it (one class)."""
    if case.kind == "clf":
        with pytest.raises(ValueError, match="y holds only one class"):
            case.make().fit(X[:1], Y_CLF[:1])
    else:
        est = fit_ok(case.make, X[:1], Y_REG[:1])
        if case.exact and not (case.stochastic or isinstance(est, KernelRidge)):
            # the intercept is the mean of y: a direct solve goes through the one point
            np.testing.assert_allclose(est.predict(X[:1]), Y_REG[:1], rtol=1e-12)
            np.testing.assert_array_equal(est.coef_, 0.0)


@over(CLASSIFIERS)
def test_one_sample_per_class(case):
    """The smallest classification problem: one sample of each of two classes."""
    Xs, ys = np.array([[1.0, 0, 0, 0], [-1.0, 0, 0, 0]]), np.array(["a", "b"])
    est = fit_ok(case.make, Xs, ys)
    if case.exact:
        np.testing.assert_array_equal(est.predict(Xs), ys)
    else:
        assert set(est.predict(Xs).tolist()) <= {"a", "b"}


@over(CLASSIFIERS)
def test_one_class(case):
    with pytest.raises(ValueError, match=r"y holds only one class \(7\)"):
        case.make().fit(X, np.full(N, 7))


@pytest.mark.parametrize("delta", [-1, 1])
def test_y_length_differs(case, delta):
    y = np.resize(y_for(case), N + delta)
    with pytest.raises(ValueError, match=rf"y has {N + delta} samples but X has {N}"):
        case.make().fit(X, y)


@pytest.mark.parametrize("Xbad", [X[:, :, None], X[None], X[:, 0]], ids=["3d", "3d-front", "1d"])
def test_X_wrong_ndim(case, Xbad):
    with pytest.raises(ValueError, match="X must be 2-D"):
        case.make().fit(Xbad, y_for(case))


# --------------------------------------------------------------------------- dtypes


def test_object_dtype_of_numbers_is_converted(case):
    a = case.make().fit(X, y_for(case))
    b = case.make().fit(X.astype(object), y_for(case).astype(object))
    assert_same_state(a, b)


@pytest.mark.parametrize("Xbad, exc, match", [
    (np.full((N, D), "a"), TypeError, "X has dtype <U1"),
    (X.astype(str), TypeError, "X has dtype <U"),
    (np.where(np.arange(D) == 1, None, X).astype(object), ValueError, "X contains NaN"),
    (np.where(np.arange(D) == 1, "abc", X.astype(object)), TypeError, "X must hold numbers"),
    (X + 1j, ValueError, "Complex data not supported: X"),
], ids=["letters", "number-strings", "object-None", "object-str", "complex"])
def test_bad_X_dtype(case, Xbad, exc, match):
    with pytest.raises(exc, match=match):
        case.make().fit(Xbad, y_for(case))


def test_complex_y(case):
    with pytest.raises(ValueError, match="Complex data not supported: y"):
        case.make().fit(X, y_for(case) + 1j)


@over(REGRESSORS)
def test_string_y_for_regressors(case):
    with pytest.raises(ValueError, match="y must hold numbers"):
        case.make().fit(X, np.array(["a"] * N))


@over(CLASSIFIERS)
def test_string_labels_for_classifiers(case):
    """Labels of any type: strings give the same model as their integer codes."""
    a = fitted_state(case.make().fit(X, Y_CLF))
    b = fitted_state(case.make().fit(X, np.array(["x", "y", "z"])[Y_CLF]))
    np.testing.assert_array_equal(b.pop("classes_"), ["x", "y", "z"])
    np.testing.assert_array_equal(a.pop("classes_"), [0, 1, 2])
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


# --------------------------------------------------------------------------- memory layouts


def _layouts():
    big = np.zeros((N, 2 * D))
    big[:, ::2] = X
    ro = X.copy()
    ro.flags.writeable = False
    return {"fortran": np.asfortranarray(X), "strided": big[:, ::2], "read-only": ro,
            "reversed-rows": X[::-1][::-1]}


@pytest.mark.parametrize("layout", list(_layouts()))
def test_memory_layouts_give_the_same_fit(case, layout):
    """Fortran-ordered, non-contiguous and read-only X (with read-only y and sample_weight)
    give exactly the fit of C-contiguous X."""
    y = y_for(case).copy()
    sw = np.linspace(0.5, 2.0, N)
    ref = case.make().fit(X, y, sample_weight=sw)
    Xl = _layouts()[layout]
    y.flags.writeable = False
    sw_ro = sw.copy()
    sw_ro.flags.writeable = False
    got = case.make().fit(Xl, y, sample_weight=sw_ro)
    assert_same_state(ref, got)
    np.testing.assert_array_equal(Xl, X)  # the caller's array is untouched


def test_float32_fortran(case):
    X32 = X.astype(np.float32)
    assert_same_state(case.make().fit(X32, y_for(case)),
                      case.make().fit(np.asfortranarray(X32), y_for(case)))


# --------------------------------------------------------------------------- sparse input


def _noncanonical(kind):
    """X_SPARSE as a non-canonical CSR: 'unsorted' rows, 'duplicates' (each value v stored as
    v and an explicit 0, which sum to v exactly), or with 'explicit-zeros'."""
    C = sp.csr_matrix(X_SPARSE)
    rows = np.repeat(np.arange(N), np.diff(C.indptr))
    cols, vals = C.indices, C.data
    if kind == "unsorted":
        order = np.lexsort((-cols, rows))
    elif kind == "duplicates":
        rows, cols = np.concatenate([rows, rows]), np.concatenate([cols, cols])
        vals = np.concatenate([np.zeros_like(vals), vals])
        order = np.argsort(rows, kind="stable")
    else:  # explicit zeros in every row's empty slots
        full = np.ones((N, D), dtype=bool)
        full[rows, cols] = False
        zr, zc = np.nonzero(full)
        rows, cols = np.concatenate([rows, zr]), np.concatenate([cols, zc])
        vals = np.concatenate([vals, np.zeros(len(zr))])
        order = np.lexsort((cols, rows))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=N))])
    M = sp.csr_matrix((vals[order], cols[order].astype(np.int32), indptr), shape=(N, D))
    assert (kind == "explicit-zeros") == M.has_canonical_format
    return M


@pytest.mark.parametrize("kind", ["unsorted", "duplicates", "explicit-zeros"])
def test_noncanonical_csr(case, kind):
    """Unsorted indices and duplicates give exactly the canonical CSR's fit (X is summed and
    sorted on validation); explicit zeros only shift the SIMD lanes of some sums (round-off)."""
    ref = case.make().fit(sp.csr_matrix(X_SPARSE), y_for(case))
    M = _noncanonical(kind)
    before = (M.data.copy(), M.indices.copy(), M.indptr.copy())
    got = case.make().fit(M, y_for(case))
    if kind == "explicit-zeros" and case.solver_tol:
        # SMO's stopping point moves within its tolerance when the rounding changes
        a, b = ref.decision_function(X_SPARSE), got.decision_function(X_SPARSE)
        assert np.max(np.abs(a - b)) <= 10 * case.solver_tol * (1 + np.max(np.abs(a)))
    else:
        assert_same_state(ref, got, rtol=0.0 if kind != "explicit-zeros" else 1e-12)
    for a, b in zip(before, (M.data, M.indices, M.indptr)):  # the caller's matrix is untouched
        np.testing.assert_array_equal(a, b)


def test_int64_sparse_indices(case):
    C = sp.csr_matrix(X_SPARSE)
    C64 = C.copy()
    C64.indices, C64.indptr = C.indices.astype(np.int64), C.indptr.astype(np.int64)
    assert C64.indices.dtype == np.int64 and C64.indptr.dtype == np.int64
    assert_same_state(case.make().fit(C, y_for(case)), case.make().fit(C64, y_for(case)))


def test_other_sparse_formats(case):
    C = sp.csr_matrix(X_SPARSE)
    ref = case.make().fit(C, y_for(case))
    for M in (sp.csc_matrix(X_SPARSE), sp.coo_matrix(X_SPARSE), sp.csr_array(X_SPARSE)):
        assert_same_state(ref, case.make().fit(M, y_for(case)))


def test_all_zero_sparse_X(case):
    """A CSR matrix without a stored entry (e.g. a batch of documents with no known word)."""
    fit_ok(case.make, sp.csr_matrix((N, D)), y_for(case))


def test_sparse_index_out_of_range(case):
    C = sp.csr_matrix(X_SPARSE)
    bad = C.copy()
    bad.indices = C.indices.astype(np.int64)
    bad.indices[3] = 2 ** 32 + 1  # would wrap to 1 if narrowed to int32 before the check
    with pytest.raises(ValueError, match=r"X has column indices outside \[0, 4\)|index"):
        case.make().fit(bad, y_for(case))
    bad.indices[3] = -1
    with pytest.raises(ValueError, match=r"X has column indices outside \[0, 4\)|index"):
        case.make().fit(bad, y_for(case))


# --------------------------------------------------------------------------- parameters


@over([c for c in ESTIMATORS if c.positive], lambda c: [(n, v) for n in c.positive
                                                         for v in (0, -1.0, np.nan, np.inf)
                                                         if not (v == np.inf and n in c.inf_ok)],
      ("name", "value"))
def test_positive_parameters(case, name, value):
    with pytest.raises(ValueError, match=name):
        case.make().set_params(**{name: value}).fit(X, y_for(case))


@over([c for c in ESTIMATORS if c.nonneg], lambda c: [(n, v) for n in c.nonneg
                                                       for v in (-1.0, -1e-300, np.nan, np.inf)],
      ("name", "value"))
def test_nonnegative_parameters(case, name, value):
    with pytest.raises(ValueError, match=name):
        case.make().set_params(**{name: value}).fit(X, y_for(case))


@over([c for c in ESTIMATORS if c.nonneg], lambda c: [(n,) for n in c.nonneg], ("name",))
def test_zero_penalty_is_valid(case, name):
    """alpha=0 (no penalty) is a valid choice: the fit is finite."""
    fit_ok(lambda: case.make().set_params(**{name: 0.0}), X, y_for(case))


@over([c for c in ESTIMATORS if c.positive or c.nonneg],
      lambda c: [(n, v) for n in c.positive + c.nonneg for v in ("1", None, [1.0, 2.0, 3.0])],
      ("name", "value"))
def test_parameters_of_the_wrong_type(case, name, value):
    with pytest.raises((TypeError, ValueError), match=name):
        case.make().set_params(**{name: value}).fit(X, y_for(case))


@over([c for c in ESTIMATORS if c.names], lambda c: [(n,) for n in c.names], ("param",))
def test_unknown_names(case, param):
    est = case.make().set_params(**{param: "no-such-name"})
    with pytest.raises(ValueError, match=param) as info:
        est.fit(X, y_for(case))
    assert "no-such-name" in str(info.value)
    # the message lists the valid choice
    assert repr(case.names[param]) in str(info.value) or case.names[param] in str(info.value)


@pytest.mark.parametrize("value", [0, -0.1, np.nan, np.inf, "fast"])
def test_bad_learning_rate(value):
    for case in STOCHASTIC:
        with pytest.raises(ValueError, match="learning_rate"):
            case.make().set_params(learning_rate=value).fit(X, y_for(case))


@pytest.mark.parametrize("case", STOCHASTIC, ids=[c.name for c in STOCHASTIC])
def test_batch_size(case):
    """batch_size > n_samples runs as full batch: exactly the fit with batch_size = n."""
    full = case.make().set_params(batch_size=N).fit(X, y_for(case))
    for b in (N + 1, 10 * N, 2 ** 40):
        assert_same_state(full, case.make().set_params(batch_size=b).fit(X, y_for(case)))
    fit_ok(lambda: case.make().set_params(batch_size=1), X, y_for(case))  # plain SGD
    with pytest.raises(ValueError, match="batch_size"):
        case.make().set_params(batch_size=0).fit(X, y_for(case))
    with pytest.raises(TypeError, match="batch_size"):
        case.make().set_params(batch_size=2.5).fit(X, y_for(case))


def _flags(case):
    params = case.make().get_params()
    return [(n,) for n in FLAG_PARAMS if n in params]


@over(ESTIMATORS, _flags, ("name",))
def test_flag_parameters_must_be_bools(case, name):
    """One check for every estimator's boolean parameters, at fit and partial_fit
    (warm_start='yes' was accepted)."""
    for value in ("yes", 1, None, 0.0):
        with pytest.raises(TypeError, match=f"{name} must be True or False, got {value!r}"):
            case.make().set_params(**{name: value}).fit(X, y_for(case))
    fit_ok(lambda: case.make().set_params(**{name: np.bool_(False)}), X, y_for(case))


def _seeded(case):
    return [()] if "random_state" in case.make().get_params() else []


@over([c for c in ESTIMATORS if "random_state" in c.make().get_params()])
@pytest.mark.parametrize("seed, exc", [(-1, ValueError), (2 ** 40, ValueError),
                                       ("abc", TypeError), (1.5, TypeError), (True, TypeError)])
def test_random_state_checked_with_a_clear_message(case, seed, exc):
    with pytest.raises(exc, match=r"random_state must be .*int seed"):
        case.make().set_params(random_state=seed).fit(X, y_for(case))
    for ok in (0, 2 ** 32 - 1, np.random.RandomState(3), np.random.default_rng(3)):
        case.make().set_params(random_state=ok).fit(X, y_for(case))


@over([c for c in CLASSIFIERS if c.name.startswith(("Logistic", "Softmax", "LinearSVC"))])
def test_C_too_small_for_its_penalty(case):
    """C=1e-320: the penalty 1/C overflows; the error names C (it said 'alpha must be finite,
    got inf')."""
    if "loss" in case.make().get_params() and case.make().get_params()["loss"] == "hinge":
        pytest.skip("the hinge dual has no 1/C term")
    with pytest.raises(ValueError, match=r"C=1e-320 is too small"):
        case.make().set_params(C=1e-320).fit(X, y_for(case))
    fit_ok(lambda: case.make().set_params(C=1e-200), X, y_for(case))


@pytest.mark.parametrize("s", [1e300, 1e-300, 1e151])
def test_linear_svc_intercept_scaling_out_of_range(s):
    """intercept_scaling=1e300 was reported as 'X or C too large'."""
    with pytest.raises(ValueError, match=r"intercept_scaling=.* is out of range.*\[1e-150, "
                                         r"1e150\]"):
        LinearSVC(intercept_scaling=s).fit(X, Y_CLF)
    fit_ok(lambda: LinearSVC(intercept_scaling=1e100, random_state=0), X, Y_CLF)


_SCHEDULED = STOCHASTIC + [c for c in ESTIMATORS if c.name.startswith("MLP")]


@over(_SCHEDULED)
def test_schedule_reaching_zero_names_the_schedule_and_the_epoch(case):
    decay = schedules.LinearDecay(0.05, total=2, final_lr=0.0)
    with pytest.raises(ValueError, match=r"the schedule LinearDecay\(lr=0.05, total=2, "
                                         r"final_lr=0.0\) gives lr = 0.0 at epoch 3.*final_lr"):
        case.make().set_params(schedule=decay, max_iter=5).fit(X, y_for(case))


@over(_SCHEDULED)
def test_default_warmup_starts_above_zero(case):
    """Warmup's default start_factor is torch's LinearLR 1/3: a default Warmup failed every
    estimator at epoch 1 (lr = 0)."""
    warm = schedules.Warmup(schedules.Constant(0.05), warmup_steps=3)
    fit_ok(lambda: case.make().set_params(schedule=warm), X, y_for(case))


# --------------------------------------------------------------------------- predict


def test_predict_bad_input(case):
    est = case.make().fit(X, y_for(case))
    with pytest.raises(ValueError, match="X has 3 features"):
        est.predict(X[:, :3])
    with pytest.raises(ValueError, match="X contains NaN"):
        est.predict(np.full((2, D), np.nan))
    with pytest.raises(ValueError, match="X must be 2-D"):
        est.predict(X[0])
    ref = est.predict(X)
    np.testing.assert_array_equal(est.predict(np.asfortranarray(X)), ref)
    np.testing.assert_array_equal(est.predict(X.astype(object)), ref)


def test_score_checks_y_and_weights_as_fit_does(case):
    """score: NaN in y, a y of another length, negative or all-zero weights are errors (a NaN
    once gave R^2 = 1.0, negative weights an accuracy outside [0, 1])."""
    y = y_for(case)
    est = case.make().fit(X, y)
    bad = y.astype(np.float64).copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        est.score(X, bad)
    with pytest.raises(ValueError, match=f"y has {N - 1} samples but X has {N}"):
        est.score(X, y[:-1])
    with pytest.raises(ValueError, match="y is None"):
        est.score(X, None)
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        est.score(X, y, sample_weight=-np.ones(N))
    with pytest.raises(ValueError, match="sample_weight must have a positive sum"):
        est.score(X, y, sample_weight=np.zeros(N))
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        est.score(X, y, sample_weight=np.ones(N + 1))
    w = np.random.default_rng(1).uniform(0.5, 2.0, N)
    score = est.score(X, y, sample_weight=w)
    assert np.isfinite(score) and score <= 1.0
    if case.kind == "clf":
        assert 0.0 <= score
        hits = est.predict(X) == y
        assert score == pytest.approx(np.average(hits, weights=w), abs=1e-15)


@over(CLASSIFIERS)
@pytest.mark.parametrize("missing", [np.nan, None], ids=["nan", "none"])
def test_missing_labels_in_an_object_y(case, missing):
    """An object y with NaN or None: refused (NaN once became a class, classes_ = [nan 0 1])."""
    y = np.array(["a", "b", "c"] * (N // 3), dtype=object)
    y[4] = missing
    with pytest.raises(ValueError, match="y contains 1 missing label"):
        case.make().fit(X, y)
    est = case.make().fit(X, np.array(["a", "b", "c"] * (N // 3), dtype=object))
    with pytest.raises(ValueError, match="y contains 1 missing label"):
        est.score(X, y)


@over(CLASSIFIERS)
@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.uint8, np.int64])
def test_small_integer_label_dtypes(case, dtype):
    """int8/int16 labels such as {-100, 100}: y - min(y) once wrapped around in the small dtype."""
    labels = np.array([-100, 0, 100]) if np.dtype(dtype).kind == "i" else np.array([0, 100, 250])
    y = labels[Y_CLF].astype(dtype)
    est = case.make().fit(X, y)
    assert est.classes_.tolist() == labels.tolist()
    assert est.classes_.dtype == dtype
    assert set(est.predict(X).tolist()) <= set(labels.tolist())
    assert 0.0 <= est.score(X, y) <= 1.0


# --------------------------------------------------------------------------- optimizers


OPTIMIZERS = [
    ("SGD", lambda **kw: SGD(**{"lr": 0.1, **kw})),
    ("SGD-nesterov", lambda **kw: SGD(**{"lr": 0.1, "momentum": 0.9, "nesterov": True, **kw})),
    ("Adagrad", lambda **kw: Adagrad(**{"lr": 0.1, **kw})),
    ("RMSProp", lambda **kw: RMSProp(**{"lr": 0.01, "centered": True, **kw})),
    ("Adam", lambda **kw: Adam(**{"lr": 0.01, "amsgrad": True, **kw})),
    ("AdamW", lambda **kw: AdamW(**{"lr": 0.01, **kw})),
]
OPT_IDS = [o[0] for o in OPTIMIZERS]


@pytest.fixture(params=OPTIMIZERS, ids=OPT_IDS)
def make_opt(request):
    return request.param[1]


@pytest.mark.parametrize("lr", [0, -1e-3, np.nan, np.inf])
def test_optimizer_bad_lr(make_opt, lr):
    with pytest.raises(ValueError, match="lr must be"):
        make_opt(lr=lr)
    opt = make_opt()
    with pytest.raises(ValueError, match="lr must be"):
        opt.lr = lr
    assert opt.lr > 0  # unchanged


@pytest.mark.parametrize("lr", ["0.1", None, [0.1]])
def test_optimizer_lr_wrong_type(make_opt, lr):
    with pytest.raises(TypeError, match="lr must be a real number"):
        make_opt(lr=lr)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_optimizer_nonfinite_grad_refused(make_opt, bad):
    """A NaN/inf gradient is refused before anything changes (FloatingPointError, documented:
    it signals a diverging run), naming the gradient."""
    opt = make_opt()
    p = np.linspace(-1, 1, 9)
    opt.step(p, np.ones(9))
    before, state = p.copy(), [{k: v.copy() for k, v in s.items()} for s in opt.state]
    g = np.ones(9)
    g[4] = bad
    with pytest.raises(FloatingPointError, match=r"grads contains NaN or infinity.*unchanged"):
        opt.step(p, g)
    np.testing.assert_array_equal(p, before)
    assert opt.n_steps == 1
    for s0, s1 in zip(state, opt.state):
        for k in s0:
            np.testing.assert_array_equal(s0[k], s1[k])
    with pytest.raises(FloatingPointError, match=r"grads\[1\] contains NaN"):
        make_opt().step([p, np.zeros(2)], [np.ones(9), np.array([0.0, bad])])
    np.testing.assert_array_equal(p, before)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_optimizer_nonfinite_result_refused(make_opt, dtype):
    """A finite gradient whose step overflows (lr * g, or g * g in a second moment) is refused
    too, before any array changes (two steps of SGD(lr=1e308) once gave NaN parameters)."""
    huge = 1e200 if dtype == np.float64 else 1e30
    opt = make_opt(lr=1e300 if dtype == np.float64 else 1e30, weight_decay=0.0)
    p = np.linspace(-1, 1, 9).astype(dtype)
    q = np.ones(3, dtype=dtype)
    opt.step([p, q], [np.full(9, 1e-3, dtype=dtype), np.full(3, 1e-3, dtype=dtype)])
    before = (p.copy(), q.copy())
    state = [{k: v.copy() for k, v in s.items()} for s in opt.state]
    g = np.full(3, huge, dtype=dtype)
    with pytest.raises(FloatingPointError, match=r"the step would make params\[1\].*NaN or "
                                                 r"infinite.*unchanged"):
        opt.step([p, q], [np.ones(9, dtype=dtype), g])
    np.testing.assert_array_equal(p, before[0])  # the first array was not stepped either
    np.testing.assert_array_equal(q, before[1])
    assert opt.n_steps == 1
    for s0, s1 in zip(state, opt.state):
        for k in s0:
            np.testing.assert_array_equal(s0[k], s1[k])
    # a step that stays finite goes through
    opt.step([p, q], [np.ones(9, dtype=dtype) * 1e-3, np.ones(3, dtype=dtype) * 1e-3])
    assert opt.n_steps == 2 and np.all(np.isfinite(p)) and np.all(np.isfinite(q))


@pytest.mark.parametrize("g, exc, match", [
    (np.ones(8), ValueError, r"grads has shape \(8,\) but params has \(9,\)"),
    (np.ones(9, np.float32), TypeError, "grads has dtype float32 but params has float64"),
    (np.ones(9) + 0j, TypeError, "grads has dtype complex128"),
    (np.ones(9).astype(object), TypeError, "grads has dtype object"),
    (np.array(["1"] * 9), TypeError, "grads has dtype <U1"),
], ids=["shape", "dtype", "complex", "object", "string"])
def test_optimizer_bad_grads(make_opt, g, exc, match):
    p = np.zeros(9)
    opt = make_opt()
    with pytest.raises(exc, match=match):
        opt.step(p, g)
    assert opt.state is None and opt.n_steps == 0
    np.testing.assert_array_equal(p, 0.0)


@pytest.mark.parametrize("p, exc, match", [
    (np.zeros(9, np.int64), TypeError, "params must be a float32 or float64 ndarray"),
    (np.zeros((3, 3), order="F"), ValueError, "params must be a writeable C-contiguous"),
    (np.zeros(18)[::2], ValueError, "params must be a writeable C-contiguous"),
    (np.zeros(9), ValueError, "params must be a writeable C-contiguous"),  # made read-only below
    ([1.0] * 9, TypeError, "params"),
], ids=["int", "fortran", "strided", "read-only", "list-of-floats"])
def test_optimizer_params_not_updatable(make_opt, p, exc, match):
    """params are updated in place: a layout that cannot be is refused, naming params."""
    if isinstance(p, np.ndarray) and p.flags.c_contiguous and p.dtype == np.float64:
        p.flags.writeable = False
    g = np.ones(np.shape(p)) if not isinstance(p, list) else np.ones(9)
    with pytest.raises(exc, match=match):
        make_opt().step(p, g if not isinstance(p, np.ndarray) or p.ndim == g.ndim else g)


def test_optimizer_params_list_mismatch(make_opt):
    with pytest.raises(ValueError, match="params has 2 arrays but grads has 1"):
        make_opt().step([np.zeros(2), np.zeros(3)], [np.zeros(2)])
    opt = make_opt()
    opt.step([np.zeros(2), np.zeros(3)], [np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="state is for 2 parameter arrays"):
        opt.step([np.zeros(2)], [np.ones(2)])
    if any(opt.state[1]):  # a stateful rule: its state arrays fit the old shapes only
        with pytest.raises(ValueError, match="reset"):
            opt.step([np.zeros(2), np.zeros(4)], [np.ones(2), np.ones(4)])


@pytest.mark.parametrize("layout", ["fortran", "strided", "read-only"])
def test_optimizer_grad_layouts(make_opt, layout):
    """Gradients in any layout give exactly the C-contiguous gradients' steps."""
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=(4, 5)) for _ in range(4)]
    ref_p, got_p = np.ones((4, 5)), np.ones((4, 5))
    ref_o, got_o = make_opt(), make_opt()
    for g in grads:
        ref_o.step(ref_p, g)
        if layout == "fortran":
            h = np.asfortranarray(g)
        elif layout == "strided":
            big = np.zeros((4, 10))
            big[:, ::2] = g
            h = big[:, ::2]
        else:
            h = g.copy()
            h.flags.writeable = False
        got_o.step(got_p, h)
    np.testing.assert_array_equal(got_p, ref_p)


@pytest.mark.parametrize("shape", [(0,), (1,), (2, 0, 3), (2, 3, 4)])
def test_optimizer_shapes(make_opt, shape):
    """Empty, one-element and 3-D parameters: the same steps as the flattened array."""
    rng = np.random.default_rng(2)
    p = rng.normal(size=shape)
    q = p.reshape(-1).copy()
    a, b = make_opt(), make_opt()
    for _ in range(3):
        g = rng.normal(size=shape)
        a.step(p, g)
        b.step(q, g.reshape(-1))
    np.testing.assert_array_equal(p.reshape(-1), q)
    assert np.all(np.isfinite(p))


@pytest.mark.parametrize("kwargs, match", [
    (dict(momentum=1.0), "momentum"), (dict(momentum=-0.1), "momentum"),
    (dict(nesterov=True), "nesterov"), (dict(weight_decay=-1.0), "weight_decay"),
    (dict(dampening=1.5), "dampening"),
])
def test_sgd_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGD(lr=0.1, **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(betas=(1.0, 0.999)), "beta"), (dict(betas=(0.9, -0.1)), "beta"),
    (dict(eps=0.0), "eps"), (dict(eps=-1e-8), "eps"), (dict(weight_decay=np.nan), "weight_decay"),
])
def test_adam_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adam(lr=0.1, **kwargs)


# --------------------------------------------------------------------------- train, check_grad


def _objective():
    return Objective("logistic", X, np.where(Y_CLF == 1, 1.0, -1.0))


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(tol=np.nan), ValueError, "tol must be finite"),
    (dict(tol=-1e-3), ValueError, "tol must be >= 0.0"),
    (dict(max_epochs="5"), TypeError, "max_epochs must be an int"),
    (dict(max_epochs=-5), ValueError, "max_epochs must be >= 1"),
    (dict(max_epochs=0), ValueError, "max_epochs must be >= 1"),
    (dict(n_iter_no_change=0), ValueError, "n_iter_no_change must be >= 1"),
    (dict(fit_intercept="yes"), TypeError, "fit_intercept must be True or False"),
    (dict(shuffle=None), TypeError, "shuffle must be True or False"),
    (dict(verbose=-1), TypeError, "verbose must be"),
    (dict(callback=3), TypeError, "callback must be None or a callable"),
    (dict(schedule="cosine"), TypeError, "schedule must be None or a callable"),
], ids=lambda v: str(v) if not isinstance(v, dict) else ",".join(v))
def test_train_checks_its_arguments(kwargs, exc, match):
    """tol=nan had reported convergence, max_epochs='5' ran and -5 ran none."""
    with pytest.raises(exc, match=match):
        train(_objective(), SGD(lr=0.1), batch_size=8, **kwargs)


def test_train_tol_none_runs_every_epoch():
    result = train(_objective(), SGD(lr=0.1), batch_size=8, max_epochs=7, tol=None)
    assert result.n_epochs == 7 and not result.converged


def test_train_schedule_error_names_the_schedule():
    with pytest.raises(ValueError, match=r"LinearDecay.*gives lr = 0.0 at epoch 3"):
        train(_objective(), SGD(lr=0.1), batch_size=8, max_epochs=5,
              schedule=schedules.LinearDecay(0.1, total=2))


@pytest.mark.parametrize("eps, exc", [(True, TypeError), ("1e-6", TypeError), (0.0, ValueError),
                                      (np.nan, ValueError), (-1e-6, ValueError)])
def test_check_grad_eps(eps, exc):
    with pytest.raises(exc, match="eps must be a positive finite number"):
        check_grad(lambda x: (x @ x, 2 * x), np.ones(3), eps=eps)


@pytest.mark.parametrize("x0", [np.ones(3) + 1j, np.array(["a", "b"]), np.array([None, 1.0])],
                         ids=["complex", "str", "object"])
def test_check_grad_refuses_non_real_x0(x0):
    with pytest.raises(TypeError, match="x0 must hold real numbers"):
        check_grad(lambda x: (x @ x, 2 * x), x0)


# --------------------------------------------------------------------------- huge features


@pytest.mark.parametrize("make", [LogisticRegression, SoftmaxRegression], ids=["logistic",
                                                                                "softmax"])
@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
@pytest.mark.parametrize("scale", [1e10, 1e50])
def test_full_batch_solvers_on_features_of_huge_magnitude(make, solver, scale):
    """Features of magnitude 1e50 gave coef_ = 0 after 0 iterations and a warning claiming
    max_iter was reached: now a fit as good as newton-cg's, or a ValueError saying why."""
    rng = np.random.default_rng(0)
    X0 = rng.normal(size=(100, 3))
    y = (X0[:, 0] + 0.5 * rng.normal(size=100) > 0).astype(int)
    Xh = X0 * scale
    ref = make(solver="newton-cg", max_iter=300).fit(Xh, y).score(Xh, y)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = make(solver=solver).fit(Xh, y)
    except ValueError as err:
        assert re.search(r"could not take a first step.*largest \|X\| = [0-9.]+e\+50.*scale X",
                         str(err)), err
        assert scale == 1e50
        return
    assert model.score(Xh, y) >= ref - 0.05
    for w in caught:  # a warning that claims max_iter must mean it
        if "max_iter=" in str(w.message) and "stopped after max_iter" in str(w.message):
            assert np.max(model.n_iter_) >= 100


def test_line_search_stop_is_not_reported_as_max_iter():
    """A solver that stops early on its line search says so, not 'max_iter reached'."""
    from fastoptim.linear_model._logistic import report_unconverged
    with pytest.warns(ConvergenceWarning, match=r"stopped after 7 of max_iter=100 iterations: "
                                                r"the line search found no further decrease"):
        report_unconverged("solver 'gd'", 7, 100, "tol=1e-4", [1.0] * 7, X)
    with pytest.warns(ConvergenceWarning, match=r"stopped at the first iteration"):
        report_unconverged("solver 'gd'", 1, 100, "tol=1e-4", [], X)
    with pytest.warns(ConvergenceWarning, match=r"stopped after max_iter=100 iterations"):
        report_unconverged("solver 'gd'", 100, 100, "tol=1e-4", [1.0] * 100, X)
