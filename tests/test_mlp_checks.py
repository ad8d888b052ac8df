"""scikit-learn's estimator checks on MLPClassifier and MLPRegressor, with and without batch
norm (skipped without scikit-learn)."""
import warnings

import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from fastoptim import MLPClassifier, MLPRegressor  # noqa: E402
from fastoptim.exceptions import ConvergenceWarning  # noqa: E402

ESTIMATORS = [
    MLPClassifier((20,), max_iter=200, random_state=0),
    MLPClassifier((20,), batch_norm=True, max_iter=200, random_state=0),
    MLPClassifier((10,), solver="lbfgs", max_iter=200, random_state=0),
    MLPRegressor((20,), max_iter=200, random_state=0),
    MLPRegressor((20,), batch_norm=True, max_iter=200, random_state=0),
]


def expected_failed_checks(estimator):
    """Batch norm's statistics are those of the batch's rows, unweighted (torch's
    BatchNorm1d has no weights): a row of weight 2 is not the row twice."""
    if estimator.batch_norm:
        return {name: "batch statistics count rows, not weights"
                for name in ("check_sample_weight_equivalence_on_dense_data",
                             "check_sample_weight_equivalence_on_sparse_data")}
    return {}


with warnings.catch_warnings():  # "does not inherit from sklearn.base.BaseEstimator": by design
    warnings.simplefilter("ignore", UserWarning)
    _checks = parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)


@_checks
def test_sklearn_compatible_mlp(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
