"""The estimator base: parameters, repr, fitted checks, validation (fastoptim.base)."""
import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import LinearRegression, Ridge
from fastoptim.base import BaseEstimator, validate_sample_weight, validate_X, validate_y
from fastoptim.exceptions import NotFittedError
from fastoptim.optim import Adam


def test_get_params_reads_the_init_signature():
    params = Ridge(alpha=3.0).get_params()
    assert params["alpha"] == 3.0 and params["solver"] == "auto" and params["fit_intercept"] is True
    assert set(params) == set(Ridge._param_names())


def test_set_params_sets_and_returns_self():
    est = Ridge()
    assert est.set_params(alpha=0.5, solver="svd") is est
    assert est.alpha == 0.5 and est.solver == "svd"


def test_set_params_rejects_unknown_names_and_lists_valid_ones():
    with pytest.raises(ValueError, match=r"'alpah' is not a parameter of Ridge; valid parameters are \["):
        Ridge().set_params(alpah=1.0)


def test_repr_shows_only_changed_parameters():
    assert repr(Ridge()) == "Ridge()"
    assert repr(Ridge(alpha=2.0, solver=Adam(lr=0.1))) == "Ridge(alpha=2.0, solver=Adam(lr=0.1))"


def test_varargs_in_init_are_refused():
    class Bad(BaseEstimator):
        def __init__(self, *args):
            self.args = args

    with pytest.raises(TypeError, match="explicitly"):
        Bad().get_params()


def test_predict_before_fit_raises_not_fitted_error():
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        Ridge().predict(np.ones((2, 2)))
    # both a ValueError and an AttributeError, like scikit-learn's
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


def test_not_fitted_error_is_sklearns_too_once_sklearn_is_imported():
    sk = pytest.importorskip("sklearn.exceptions")
    with pytest.raises(sk.NotFittedError):
        Ridge().predict(np.ones((2, 2)))


def test_fastoptim_never_imports_sklearn():
    code = ("import sys, numpy as np, fastoptim\n"
            "m = fastoptim.Ridge().fit(np.eye(3), [1., 2., 3.]); m.predict(np.eye(3)); repr(m)\n"
            "try:\n    fastoptim.Ridge().predict(np.eye(3))\nexcept fastoptim.exceptions.NotFittedError:\n"
            "    pass\n"
            "assert not [k for k in sys.modules if k.split('.')[0] == 'sklearn'], 'sklearn imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_predict_checks_the_number_of_features():
    est = LinearRegression().fit(np.random.default_rng(0).standard_normal((10, 3)), np.arange(10.0))
    with pytest.raises(ValueError, match="X has 2 features, but LinearRegression is expecting 3"):
        est.predict(np.ones((4, 2)))


def test_pickle_round_trip_predicts_the_same():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((20, 4)), rng.standard_normal(20)
    est = Ridge(alpha=0.3).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_validate_X_keeps_float_dtypes(dtype):
    X = np.ones((3, 2), dtype=dtype)
    assert validate_X(X).dtype == dtype
    assert validate_X(sp.csr_matrix(X)).dtype == dtype
    assert validate_X(np.ones((3, 2), dtype=np.int64)).dtype == np.float64


@pytest.mark.parametrize("bad, exc, match", [
    (np.array([[1.0, np.nan]]), ValueError, "NaN or infinity"),
    (np.array([[1.0, np.inf]]), ValueError, "NaN or infinity"),
    (np.array([[1 + 2j, 0]]), ValueError, "Complex data not supported"),
    (np.ones(3), ValueError, "Reshape your data"),
    (np.ones((0, 3)), ValueError, r"0 sample\(s\)"),
    (np.ones((3, 0)), ValueError, r"0 feature\(s\)"),
    (np.array([["a", "b"]], dtype=object), TypeError, "must hold numbers"),
    (None, ValueError, "X is None"),
])
def test_validate_X_names_the_problem(bad, exc, match):
    with pytest.raises(exc, match=match):
        validate_X(bad)


def test_validate_y_and_weights():
    assert validate_y([1, 2, 3], 3, np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="y has 2 samples but X has 3"):
        validate_y([1, 2], 3, np.float64)
    with pytest.raises(ValueError, match="requires y to be passed"):
        validate_y(None, 3, np.float64)
    with pytest.raises(ValueError, match="must have shape"):
        validate_y(np.ones((3, 2)), 3, np.float64, multi_output=False)
    np.testing.assert_array_equal(validate_sample_weight(2.0, 3, np.float64), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match=">= 0"):
        validate_sample_weight([1.0, -1.0, 1.0], 3, np.float64)
    with pytest.raises(ValueError, match="every weight is zero"):
        validate_sample_weight([0.0, 0.0, 0.0], 3, np.float64)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        validate_sample_weight([1.0, 1.0], 3, np.float64)


# ------------------------------------------------ scikit-learn parity (issue 16, items 2 and 4)

def test_r2_of_fewer_than_two_samples_is_nan_with_a_warning_as_scikit_learn():
    from fastoptim import Ridge
    from fastoptim.exceptions import UndefinedMetricWarning
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    model = Ridge().fit(X, y)
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(model.score(X[:1], y[:1]))
    sk = pytest.importorskip("sklearn.metrics")
    for w in (None, rng.uniform(0, 2, 20), np.where(np.arange(20) < 10, 0.0, 1.0)):
        assert model.score(X, y, sample_weight=w) == pytest.approx(
            sk.r2_score(y, model.predict(X), sample_weight=w), abs=1e-12)
    const = np.full(20, 0.7)  # zero denominator: 0 (not exact), as force_finite=True
    assert model.score(X, const, sample_weight=w) == sk.r2_score(const, model.predict(X),
                                                                 sample_weight=w)


def test_fastoptim_warnings_are_caught_by_scikit_learns_filters():
    sk_exc = pytest.importorskip("sklearn.exceptions")
    import warnings
    from fastoptim import LogisticRegression
    from fastoptim.exceptions import ConvergenceWarning
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 5))
    y = (X[:, 0] + 0.5 * rng.standard_normal(200) > 0).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", sk_exc.ConvergenceWarning)
        LogisticRegression(max_iter=1).fit(X, y)
    assert not [w for w in caught if "max_iter" in str(w.message)]
    with pytest.warns(ConvergenceWarning) as record:  # fastoptim's own class still works
        LogisticRegression(max_iter=1).fit(X, y)
    assert issubclass(record[0].category, sk_exc.ConvergenceWarning)
    with pytest.warns(sk_exc.DataConversionWarning):
        LogisticRegression().fit(X, y[:, None])


def test_warnings_without_scikit_learn_import_nothing_of_it():
    import subprocess
    import sys
    code = ("import sys, warnings, numpy as np\n"
            "sys.modules['sklearn'] = None\n"  # not importable
            "from fastoptim import LogisticRegression\n"
            "from fastoptim.exceptions import ConvergenceWarning\n"
            "X = np.random.default_rng(0).standard_normal((50, 3)); y = (X[:, 0] > 0).astype(int)\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    LogisticRegression(max_iter=1).fit(X, y)\n"
            "cats = [x.category for x in w if 'max_iter' in str(x.message)]\n"
            "assert cats == [ConvergenceWarning], cats\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
