"""Bad arguments raise ValueError/TypeError whose message names the argument at fault."""
import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim.losses import LOSSES, Objective, loss_grad, loss_hessp, pointwise_loss

from conftest import MULTICLASS

RNG = np.random.default_rng(0)
N, D, K = 20, 4, 3
X = RNG.normal(size=(N, D))
Y_PM1 = np.where(RNG.normal(size=N) > 0, 1.0, -1.0)
Y_CLS = np.arange(N) % K
COEF = RNG.normal(size=D) * 0.3
COEF_MC = RNG.normal(size=(K, D)) * 0.3


def args_for(loss):
    """(X, y, coef, intercept) of a valid small problem for `loss`."""
    if loss in MULTICLASS:
        return X, Y_CLS, COEF_MC, np.zeros(K)
    return X, (RNG.normal(size=N) if loss == "squared" else Y_PM1), COEF, 0.0


def test_valid_problem_runs(loss):
    loss_grad(loss, *args_for(loss))


# --------------------------------------------------------------------------- loss


@pytest.mark.parametrize("bad", ["logistc", "Logistic", "", "l2"])
def test_unknown_loss_lists_valid_names(bad):
    with pytest.raises(ValueError, match="loss") as info:
        loss_grad(bad, X, Y_PM1, COEF)
    msg = str(info.value)
    for name in LOSSES:
        assert repr(name) in msg
    with pytest.raises(ValueError, match="logistic.*softmax"):
        pointwise_loss(bad, np.zeros(3), np.ones(3))


@pytest.mark.parametrize("bad", [None, 1, b"logistic", ["logistic"]])
def test_loss_not_a_string(bad):
    with pytest.raises(TypeError, match="loss must be a string"):
        loss_grad(bad, X, Y_PM1, COEF)


# --------------------------------------------------------------------------- X


@pytest.mark.parametrize("Xbad", [np.ones(5), np.ones((2, 3, 4)), np.float64(1.0)],
                         ids=["1d", "3d", "0d"])
def test_X_wrong_ndim(loss, Xbad):
    _, y, coef, b = args_for(loss)
    with pytest.raises(ValueError, match="X must be 2-D"):
        loss_grad(loss, Xbad, y, coef, b)


def test_X_1d_hint():
    with pytest.raises(ValueError, match=r"X must be 2-D.*reshape"):
        loss_grad("squared", np.ones(5), np.ones(5), np.ones(1))


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_X_no_rows_or_columns(loss, sparse):
    _, y, coef, b = args_for(loss)
    for shape in [(0, D), (N, 0)]:
        Xe = np.zeros(shape)
        if sparse:
            Xe = sp.csr_matrix(Xe)
        with pytest.raises(ValueError, match=r"0 (sample|feature)\(s\).*X needs at least one (row|column)"):
            loss_grad(loss, Xe, y[:shape[0]], coef, b)


def test_y_length_differs(loss):
    Xv, y, coef, b = args_for(loss)
    with pytest.raises(ValueError, match=r"y has 19 entries but X has 20 rows"):
        loss_grad(loss, Xv, y[:-1], coef, b)
    with pytest.raises(ValueError, match="y must be 1-D"):
        loss_grad(loss, Xv, np.stack([y, y], axis=1), coef, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_X(loss, dtype, sparse, bad):
    Xv, y, coef, b = args_for(loss)
    Xb = Xv.astype(dtype)
    Xb[7, 2] = bad
    if sparse:
        Xb = sp.csr_matrix(Xb)
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        loss_grad(loss, Xb, y, coef, b)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_nonfinite_X_where_coef_is_zero(loss, sparse):
    """A NaN must be caught even where it meets a zero coefficient or zero weight."""
    Xv, y, coef, b = args_for(loss)
    Xb = Xv.copy()
    Xb[7, 2] = np.nan
    coef = np.array(coef)
    coef[..., 2] = 0.0
    sw = np.ones(N)
    sw[7] = 0.0
    if sparse:
        Xb = sp.csr_matrix(Xb)
    with pytest.raises(ValueError, match="X contains NaN"):
        loss_grad(loss, Xb, y, coef, b, sample_weight=sw)


@pytest.mark.parametrize("loss", ["squared", "logistic", "squared_hinge", "softmax"])
def test_nonfinite_X_hessp(loss):
    Xv, y, coef, b = args_for(loss)
    Xb = Xv.copy()
    Xb[3, 1] = np.inf
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        loss_hessp(loss, Xb, y, coef, b, coef, b)


@pytest.mark.parametrize("Xbad", [
    X.astype(np.complex128),
    np.array([["a", "b"], ["c", "d"]]),
    np.array([["a", 1.0], [2.0, 3.0]], dtype=object),
    np.zeros((2, 2), dtype="datetime64[s]"),
    "a string",
    None,
], ids=["complex", "str", "object-str", "datetime", "pystr", "None"])
def test_unsupported_X_dtype(Xbad):
    with pytest.raises(TypeError, match="X"):
        loss_grad("squared", Xbad, np.zeros(2), np.zeros(2))


def test_None_in_object_X_is_nan():
    """None in an object array converts to NaN, which is reported as such."""
    Xo = np.array([[None, 1.0], [2.0, 3.0]], dtype=object)
    with pytest.raises(ValueError, match="X contains NaN"):
        loss_grad("squared", Xo, np.zeros(2), np.zeros(2))


def test_complex_sparse_X():
    Xc = sp.csr_matrix(X.astype(np.complex128))
    with pytest.raises(TypeError, match="X has dtype complex128"):
        loss_grad("squared", Xc, np.zeros(N), np.zeros(D))


def test_numeric_object_X_accepted():
    Xo = X.astype(object)
    got = loss_grad("squared", Xo, np.zeros(N), COEF)
    assert got[1].dtype == np.float64
    assert got[0] == loss_grad("squared", X, np.zeros(N), COEF)[0]


def test_int_X_accepted_as_float64(loss):
    Xv, y, coef, b = args_for(loss)
    Xi = np.rint(Xv * 4).astype(np.int64)
    value, g, gb = loss_grad(loss, Xi, y, coef, b)
    assert g.dtype == np.float64
    expected = loss_grad(loss, Xi.astype(np.float64), y, coef, b)
    assert value == expected[0] and np.array_equal(g, expected[1])
    # float16 is widened too
    assert loss_grad(loss, Xv.astype(np.float16), y, coef, b)[1].dtype == np.float64
    # and an int sparse matrix
    assert loss_grad(loss, sp.csr_matrix(Xi), y, coef, b)[1].dtype == np.float64


# --------------------------------------------------------------------------- out-of-range CSR


def _csr_with_index_beyond_shape(n_features):
    """A CSR matrix whose stored column indices reach past shape[1] (scipy does not check)."""
    rng = np.random.default_rng(1)
    dense = rng.normal(size=(N, n_features + 2))
    full = sp.csr_matrix(dense)
    bad = sp.csr_matrix((full.data, full.indices, full.indptr), shape=(N, n_features))
    if bad.indices.max() < n_features:  # pragma: no cover - scipy dropped the index
        pytest.skip("scipy rejected or dropped the out-of-range index")
    return bad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_csr_column_index_out_of_range(loss, dtype):
    _, y, coef, b = args_for(loss)
    Xbad = _csr_with_index_beyond_shape(D).astype(dtype)
    with pytest.raises(ValueError, match=r"X has column indices outside \[0, 4\)"):
        loss_grad(loss, Xbad, y, coef, b)


@pytest.mark.parametrize("loss", ["squared", "logistic", "squared_hinge", "softmax"])
def test_csr_column_index_out_of_range_hessp(loss):
    _, y, coef, b = args_for(loss)
    Xbad = _csr_with_index_beyond_shape(D)
    with pytest.raises(ValueError, match="X has column indices outside"):
        loss_hessp(loss, Xbad, y, coef, b, coef, b)


@pytest.mark.parametrize("bad_row", [0, 1], ids=["bad-index-first", "bad-index-second"])
def test_csr_bad_index_reported_even_when_another_row_overflows(loss, bad_row):
    """A malformed CSR matrix (a column index >= n_features) is an error in X whatever the
    other rows hold: it must not be reported as a score overflow (FloatingPointError,
    'scale X or use smaller coefficients') because some other row's score overflows."""
    dense = np.ones((4, 2))
    dense[1 - bad_row] = 1e200  # this row's score overflows with coef ~1e200
    Xbad = sp.csr_matrix(dense)
    Xbad.indices[Xbad.indptr[bad_row]] = 5
    y = np.array([0, 1, 0, 1]) if loss in MULTICLASS else np.array([1.0, 1.0, -1.0, -1.0])
    coef = np.full((2, 2) if loss in MULTICLASS else 2, 1e200)
    with pytest.raises(ValueError, match="X has column indices outside"):
        loss_grad(loss, Xbad, y, coef, n_threads=1)


def test_csr_negative_column_index(loss):
    _, y, coef, b = args_for(loss)
    Xbad = sp.csr_matrix(X)
    Xbad.indices[5] = -1
    with pytest.raises(ValueError, match="X"):
        loss_grad(loss, Xbad, y, coef, b)


@pytest.mark.parametrize("case", ["decreasing", "edited"])
def test_csr_invalid_indptr_is_named(case):
    """A decreasing indptr used to reach scipy's sort_indices first (a C++ 'vector' error)."""
    from fastoptim import LogisticRegression

    indptr = [0, 3, 1, 4] if case == "decreasing" else [0, 2, 3, 4]
    Xbad = sp.csr_matrix((np.ones(4), np.array([0, 1, 0, 1]), np.array(indptr)), shape=(3, 2))
    if case == "edited":
        Xbad.indptr[1] = 9  # past the stored entries
    with pytest.raises(ValueError, match=r"X is a CSR matrix with an invalid indptr \(it must "
                                         r"have n_rows \+ 1 = 4 entries, start at 0, never "
                                         r"decrease"):
        LogisticRegression().fit(Xbad, [0, 1, 0])
    with pytest.raises(ValueError, match=r"X is a CSR matrix with an invalid indptr"):
        loss_grad("logistic", Xbad, np.array([1.0, -1.0, 1.0]), np.zeros(2))


# --------------------------------------------------------------------------- coef / intercept


@pytest.mark.parametrize("loss", ["squared", "logistic", "hinge", "squared_hinge"])
@pytest.mark.parametrize("shape", [(D + 1,), (D - 1,), (2, D), (D, 1), ()])
def test_binary_coef_wrong_shape(loss, shape):
    _, y, _, b = args_for(loss)
    with pytest.raises(ValueError, match="coef has shape"):
        loss_grad(loss, X, y, np.zeros(shape), b)


@pytest.mark.parametrize("loss", MULTICLASS)
def test_multiclass_coef_wrong_shape(loss):
    with pytest.raises(ValueError, match="coef has shape"):
        loss_grad(loss, X, Y_CLS, np.zeros((K, D + 1)), np.zeros(K))
    with pytest.raises(ValueError, match="coef must be 2-D"):
        loss_grad(loss, X, Y_CLS, np.zeros(D), np.zeros(K))
    with pytest.raises(ValueError, match="coef must be 2-D"):
        loss_grad(loss, X, Y_CLS, np.zeros((1, K, D)), np.zeros(K))
    # a single row is not a multiclass model
    with pytest.raises(ValueError, match="n_classes must be >= 2"):
        loss_grad(loss, X, np.zeros(N), np.zeros((1, D)))


@pytest.mark.parametrize("loss", ["squared", "logistic", "hinge", "squared_hinge"])
@pytest.mark.parametrize("shape", [(2,), (1, 1), (0,)])
def test_binary_intercept_wrong_shape(loss, shape):
    _, y, coef, _ = args_for(loss)
    with pytest.raises(ValueError, match="intercept has shape"):
        loss_grad(loss, X, y, coef, np.zeros(shape))


@pytest.mark.parametrize("loss", MULTICLASS)
@pytest.mark.parametrize("intercept", [0.0, np.zeros(K + 1), np.zeros((K, 1)), np.zeros(1)])
def test_multiclass_intercept_wrong_shape(loss, intercept):
    with pytest.raises(ValueError, match="intercept has shape"):
        loss_grad(loss, X, Y_CLS, COEF_MC, intercept)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_coef_and_intercept(loss, bad):
    Xv, y, coef, b = args_for(loss)
    coef = np.array(coef, dtype=float)
    coef.flat[1] = bad
    with pytest.raises(ValueError, match="coef contains NaN or infinity"):
        loss_grad(loss, Xv, y, coef, b)
    b_bad = bad if np.ndim(b) == 0 else np.full(K, bad)
    with pytest.raises(ValueError, match="intercept contains NaN or infinity"):
        loss_grad(loss, Xv, y, args_for(loss)[2], b_bad)


def test_non_numeric_coef(loss):
    Xv, y, coef, b = args_for(loss)
    with pytest.raises(TypeError, match="coef must hold real numbers"):
        loss_grad(loss, Xv, y, np.asarray(coef).astype(str), b)
    with pytest.raises(TypeError, match="intercept must hold real numbers"):
        loss_grad(loss, Xv, y, coef, "0")


# --------------------------------------------------------------------------- y


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_y(loss, bad):
    Xv, y, coef, b = args_for(loss)
    y = np.array(y, dtype=float)
    y[3] = bad
    with pytest.raises(ValueError, match="y contains NaN or infinity"):
        loss_grad(loss, Xv, y, coef, b)


def test_non_numeric_y(loss):
    Xv, y, coef, b = args_for(loss)
    with pytest.raises(TypeError, match="y"):
        loss_grad(loss, Xv, np.asarray(y).astype(str), coef, b)
    with pytest.raises(TypeError, match="y"):
        loss_grad(loss, Xv, None, coef, b)


@pytest.mark.parametrize("loss", ["logistic", "hinge", "squared_hinge"])
@pytest.mark.parametrize("bad", [2.0, 0.5, -2.0, 3])
def test_binary_labels_out_of_domain(loss, bad):
    y = Y_PM1.copy()
    y[4] = bad
    with pytest.raises(ValueError, match=r"labels y in \{-1, \+1\}"):
        loss_grad(loss, X, y, COEF)


@pytest.mark.parametrize("loss", MULTICLASS)
@pytest.mark.parametrize("bad", [-1.0, 1.5, 0.999])
def test_class_labels_not_indices(loss, bad):
    y = Y_CLS.astype(float)
    y[2] = bad
    with pytest.raises(ValueError, match="integer class indices 0..K-1 in y"):
        loss_grad(loss, X, y, COEF_MC)


@pytest.mark.parametrize("loss", MULTICLASS)
def test_class_index_too_large(loss):
    y = Y_CLS.copy()
    y[0] = K
    with pytest.raises(ValueError, match=r"y holds class index 3 .* n_classes=3"):
        loss_grad(loss, X, y, COEF_MC, np.zeros(K))
    with pytest.raises(ValueError, match="n_classes"):
        Objective(loss, X, y, n_classes=K)
    with pytest.raises(ValueError, match="n_classes"):
        pointwise_loss(loss, np.zeros((N, K)), y)


def test_objective_n_classes_type():
    with pytest.raises(TypeError, match="n_classes"):
        Objective("softmax", X, Y_CLS, n_classes=3.0)
    with pytest.raises(TypeError, match="n_classes"):
        Objective("softmax", X, Y_CLS, n_classes=True)
    with pytest.raises(ValueError, match="n_classes"):
        Objective("softmax", X, np.zeros(N), n_classes=1)


# --------------------------------------------------------------------------- sample_weight


@pytest.mark.parametrize("kind", ["nan", "inf", "negative", "all-zero", "short", "2d", "str"])
def test_bad_sample_weight(loss, kind):
    Xv, y, coef, b = args_for(loss)
    sw = np.ones(N)
    exc = ValueError
    if kind == "nan":
        sw[3] = np.nan
    elif kind == "inf":
        sw[3] = np.inf
    elif kind == "negative":
        sw[3] = -0.5
    elif kind == "all-zero":
        sw[:] = 0.0
    elif kind == "short":
        sw = sw[:-2]
    elif kind == "2d":
        sw = np.ones((N, 2))
    else:
        sw = sw.astype(str)
        exc = TypeError
    with pytest.raises(exc, match="sample_weight"):
        loss_grad(loss, Xv, y, coef, b, sample_weight=sw)


@pytest.mark.parametrize("sw", [0.0, -1.0, np.nan])
def test_bad_scalar_sample_weight(sw):
    with pytest.raises(ValueError, match="sample_weight"):
        loss_grad("logistic", X, Y_PM1, COEF, sample_weight=sw)


def test_some_zero_weights_are_fine():
    sw = np.ones(N)
    sw[:5] = 0.0
    v, g, _ = loss_grad("logistic", X, Y_PM1, COEF, sample_weight=sw)
    v2, g2, _ = loss_grad("logistic", X[5:], Y_PM1[5:], COEF)
    assert v == pytest.approx(v2, rel=1e-14)
    np.testing.assert_allclose(g, g2, rtol=1e-13)


# --------------------------------------------------------------------------- alpha, n_threads


@pytest.mark.parametrize("alpha,exc", [(-0.1, ValueError), (np.nan, ValueError),
                                       (np.inf, ValueError), ("1", TypeError),
                                       (None, TypeError), (True, TypeError)])
def test_bad_alpha(loss, alpha, exc):
    with pytest.raises(exc, match="alpha"):
        loss_grad(loss, *args_for(loss), alpha=alpha)


@pytest.mark.parametrize("n_threads,exc", [(0, ValueError), (-2, ValueError),
                                           (1.5, TypeError), (True, TypeError),
                                           (np.bool_(True), TypeError), ("2", TypeError),
                                           (2.0, TypeError)])
def test_bad_n_threads(loss, n_threads, exc):
    with pytest.raises(exc, match="n_threads"):
        loss_grad(loss, *args_for(loss), n_threads=n_threads)


def test_numpy_int_n_threads_ok():
    a = loss_grad("logistic", X, Y_PM1, COEF, n_threads=np.int64(2))
    b = loss_grad("logistic", X, Y_PM1, COEF, n_threads=2)
    assert a[0] == b[0] and np.array_equal(a[1], b[1])


# --------------------------------------------------------------------------- pointwise


def test_pointwise_bad_input():
    with pytest.raises(ValueError, match="z must be 1-D"):
        pointwise_loss("logistic", np.zeros((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"z must have shape \(n, K\)"):
        pointwise_loss("softmax", np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"z must have shape \(n, K\)"):
        pointwise_loss("softmax", np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="z contains NaN"):
        pointwise_loss("squared", np.array([0.0, np.nan]), np.zeros(2))
    with pytest.raises(TypeError, match="z must hold real numbers"):
        pointwise_loss("squared", np.array(["a"]), np.zeros(1))
    with pytest.raises(ValueError, match="y has 2 entries"):
        pointwise_loss("squared", np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="y"):
        pointwise_loss("hinge", np.zeros(3), np.array([1, 2, 1]))


# --------------------------------------------------------------------------- overflow


def test_overflowing_scores_raise_floating_point_error():
    Xh = np.full((3, 2), 1e200)
    with pytest.raises(FloatingPointError, match="squared.*overflowed"):
        loss_grad("squared", Xh, np.zeros(3), np.full(2, 1e200))
    Xs = sp.csr_matrix(Xh)
    with pytest.raises(FloatingPointError, match="overflowed"):
        loss_grad("logistic", Xs, np.ones(3), np.full(2, 1e200))
    with pytest.raises(FloatingPointError, match="overflowed"):
        loss_grad("softmax", Xh, np.zeros(3), np.full((2, 2), 1e200))


def test_overflowing_squared_loss_value_raises():
    """Scores are finite (~2e160) but their squares overflow."""
    Xh = np.full((3, 2), 1e80)
    with pytest.raises(FloatingPointError, match="overflowed"):
        loss_grad("squared", Xh, np.zeros(3), np.full(2, 1e80), alpha=0.0)


def test_float32_gradient_overflow_raises():
    """Finite double gradients beyond float32's range must not come back as inf."""
    Xh = np.full((3, 2), 1e30, dtype=np.float32)
    with pytest.raises(FloatingPointError):
        loss_grad("squared", Xh, np.zeros(3), np.full(2, 1e10, dtype=np.float32))


@pytest.mark.parametrize("where", ["coef", "intercept"])
def test_coef_beyond_float32_range_with_float32_X(where):
    """float32 X makes float32 the working dtype; a finite float64 coef (or intercept) too
    large for float32 must be reported as such -- a ValueError naming the argument -- not
    turned into inf by a silent cast (numpy's 'overflow encountered in cast' RuntimeWarning)
    and then reported as 'contains NaN or infinity'."""
    import warnings

    X32 = X.astype(np.float32)
    coef = COEF.copy()
    b = 0.0
    if where == "coef":
        coef[0] = 1e300
    else:
        b = 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=where) as info:
            loss_grad("logistic", X32, Y_PM1, coef, b)
    assert "NaN or infinity" not in str(info.value)
