"""Warnings and errors raised by fastoptim."""
from __future__ import annotations

import sys
import warnings

__all__ = ["ConvergenceWarning", "DataConversionWarning", "UndefinedMetricWarning",
           "NotFittedError", "warn"]


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at its iteration limit before meeting its tolerance."""


class DataConversionWarning(UserWarning):
    """Input was converted to the shape or type the estimator needs (e.g. a column y)."""


class UndefinedMetricWarning(UserWarning):
    """A score is not defined on the data given (e.g. R^2 of fewer than two samples)."""


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


_COMBINED_WARNINGS = {}


def sklearn_compatible(category):
    """``category``, or -- when scikit-learn's exceptions module is already imported and
    defines a warning of the same name -- a subclass of both, so that a filter on either
    class catches it (``warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)``
    as well as fastoptim's).  scikit-learn is never imported here."""
    sk = sys.modules.get("sklearn.exceptions")
    theirs = getattr(sk, category.__name__, None) if sk is not None else None
    if not (isinstance(theirs, type) and issubclass(theirs, Warning)):
        return category
    key = (category, theirs)
    if key not in _COMBINED_WARNINGS:
        _COMBINED_WARNINGS[key] = type(category.__name__, (category, theirs),
                                       {"__module__": __name__, "__doc__": category.__doc__})
    return _COMBINED_WARNINGS[key]


def warn(message: str, category: type[Warning], stacklevel: int = 1) -> None:
    """warnings.warn with :func:`sklearn_compatible` (category); stacklevel as warnings.warn's,
    counted from the caller.

    Parameters
    ----------
    message : str
        The warning's text.
    category : type
        A Warning subclass, e.g. :class:`ConvergenceWarning`; when scikit-learn's
        exceptions module is already imported and defines a warning of the same
        name, the warning issued is an instance of both classes.
    stacklevel : int, default 1
        As :func:`warnings.warn`'s, counted from the caller of this function: 1
        attributes the warning to the line that called ``warn``, 2 to its
        caller, and so on.
    """
    warnings.warn(message, sklearn_compatible(category), stacklevel=stacklevel + 1)
