"""Warnings and errors raised by fastoptim."""
import sys

__all__ = ["ConvergenceWarning", "DataConversionWarning", "NotFittedError"]


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at its iteration limit before meeting its tolerance."""


class DataConversionWarning(UserWarning):
    """Input was converted to the shape or type the estimator needs (e.g. a column y)."""


class NotFittedError(ValueError, AttributeError):
    """predict (or another method that needs a fit) was called before fit.

    A ValueError and an AttributeError, like scikit-learn's, so that code
    catching either keeps working.  When scikit-learn is already imported,
    the error raised is also an instance of scikit-learn's NotFittedError
    (see :func:`not_fitted_error`), for the code and checks that catch that.
    """


_COMBINED = []


def not_fitted_error(message):
    """A NotFittedError, also scikit-learn's when scikit-learn is already imported.

    scikit-learn is never imported here: it stays an optional dependency.
    """
    sk = sys.modules.get("sklearn.exceptions")
    if sk is None or not hasattr(sk, "NotFittedError"):
        return NotFittedError(message)
    if not _COMBINED:
        _COMBINED.append(type("NotFittedError", (NotFittedError, sk.NotFittedError),
                              {"__module__": __name__, "__doc__": NotFittedError.__doc__}))
    return _COMBINED[0](message)
