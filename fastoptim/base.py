"""The small base every fastoptim estimator shares.

scikit-learn's estimator conventions without a run-time dependency on it:
``get_params``/``set_params``/``__repr__`` read the ``__init__`` signature,
``__init__`` only stores its arguments, validation happens in ``fit``, and
fitted attributes end with an underscore.  That is all that ``clone``,
``Pipeline``, ``GridSearchCV`` and ``cross_val_score`` need.
``__sklearn_tags__`` imports scikit-learn lazily: only scikit-learn calls it.

Dask arrays, in one place: every subclass's prediction methods (``_ROW_METHODS``:
``predict``, ``decision_function``, ``predict_proba``, ``predict_log_proba``) are wrapped
once, when the class is defined (``BaseEstimator.__init_subclass__``), by
:func:`fastoptim._dask.dask_rows`: a dask array in gives a lazy dask array out (the
method mapped over the row chunks), anything else goes to the method unchanged.  ``fit``
takes dask arrays only where the class sets ``_dask_fit = True``, through
:meth:`BaseEstimator._dask_data` (a :class:`fastoptim._dask.DaskData`; other estimators
raise a TypeError saying what to do instead); where ``_dask_whole_rows = True`` (the
networks) an X chunked along its columns is refused instead of merged.  The adapter
sits below this module: it depends on the objectives, the network engine
(fastoptim._network), the optimizers' epoch engine and the validation helpers only, never
on an estimator (README, "Layout").
"""
from __future__ import annotations

import functools
import inspect
import numbers
import os
import sys
import threading
import warnings
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ._dask import DaskData, dask_rows
from ._validation import check_finite, feature_names, is_dask_collection, validate_X
from .exceptions import DataConversionWarning, UndefinedMetricWarning, not_fitted_error, warn

if TYPE_CHECKING:  # the annotations' names (never evaluated at run time)
    from typing import Self

    from numpy.typing import ArrayLike

__all__ = ["BaseEstimator", "RegressorMixin", "ClassifierMixin", "SparseCoefMixin", "available_if",
           "check_is_fitted", "resolve_n_jobs", "linear_scores",
           "validate_X", "class_sample_weights", "partial_fit_classes",
           "validate_y", "validate_labels", "validate_sample_weight"]


# The prediction methods that also take dask arrays (lazily, chunk by chunk; see _dask.py).
_ROW_METHODS = ("predict", "decision_function", "predict_proba", "predict_log_proba")


#: Boolean parameters of the estimators (checked by BaseEstimator._check_common_params).
FLAG_PARAMS = ("batch_norm", "break_ties", "copy_X", "early_stopping", "fit_intercept",
               "positive", "shrinking", "shuffle", "warm_start")


def check_random_state_param(random_state, name="random_state"):
    """None, an int seed in [0, 2**32 - 1], a RandomState or a Generator; else a clear error."""
    if random_state is None or isinstance(random_state, (np.random.RandomState,
                                                         np.random.Generator)):
        return
    if isinstance(random_state, (bool, np.bool_)) or not isinstance(random_state,
                                                                     numbers.Integral):
        raise TypeError(f"{name} must be None, an int seed, a numpy RandomState or a Generator; "
                        f"got {random_state!r}")
    if not 0 <= random_state <= 2 ** 32 - 1:
        raise ValueError(f"{name} must be an int seed in [0, 2**32 - 1] (or None, a "
                         f"RandomState, a Generator); got {random_state}")


def as_random_state(random_state):
    """A numpy RandomState from an estimator's checked ``random_state``: None gives a fresh
    one (seeded by the OS), an int seeds one, a RandomState is used as it is, a Generator
    seeds one from its next draw (so that the fit is repeatable from the Generator's
    state)."""
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(int(random_state.integers(0, 2 ** 32)))
    check_random_state_param(random_state)
    return np.random.RandomState(random_state)


def seed_of(random_state):
    """An int seed for a C solver from an estimator's ``random_state``: an int is itself (the
    same seed, the same bits), anything else draws one through :func:`as_random_state`."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state,
                                                                       (bool, np.bool_)):
        return int(random_state)
    return int(as_random_state(random_state).randint(0, 2 ** 31 - 1))


# Depth of the estimator calls running in this thread: only the outermost public call checks
# X's feature names (predict_proba calling decision_function passes a validated array, and
# fit's own predictions, on validation rows, are not the user's input).
_calls = threading.local()


class _nested:
    def __enter__(self):
        _calls.depth = getattr(_calls, "depth", 0) + 1

    def __exit__(self, *exc):
        _calls.depth -= 1


def _outermost():
    return getattr(_calls, "depth", 0) == 0


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _stacklevel_of_caller():
    """warnings.warn's stacklevel that names the first frame outside fastoptim (the user's
    call, however many of fastoptim's wrappers and mixins lie between)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def _first_argument(args, kwargs):
    return args[0] if args else kwargs.get("X")


def _with_common_checks(method):
    """fit / partial_fit preceded by BaseEstimator._check_common_params, and recording the
    feature names of a DataFrame X (``feature_names_in_``) once the fit succeeded; a
    partial_fit that continues a fitted model checks them instead."""
    continues = method.__name__ == "partial_fit"

    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        self._check_common_params()
        if not _outermost():
            return method(self, *args, **kwargs)
        X = _first_argument(args, kwargs)
        names = feature_names(X)
        fitted = continues and hasattr(self, "n_features_in_")
        if fitted:
            self._check_feature_names(X)
        with _nested():
            result = method(self, *args, **kwargs)
        if not fitted:
            if names is None:
                self.__dict__.pop("feature_names_in_", None)
            else:
                self.feature_names_in_ = names
        return result
    checked._checks_common = True
    return checked


def _with_feature_name_check(method):
    """A prediction method that first checks X's feature names against the fit's."""
    @functools.wraps(method)
    def checked(self, X, *args, **kwargs):
        if not _outermost():
            return method(self, X, *args, **kwargs)
        if hasattr(self, "n_features_in_"):
            self._check_feature_names(X)
        with _nested():
            return method(self, X, *args, **kwargs)
    return checked


class BaseEstimator:
    """Parameters from the ``__init__`` signature; validation helpers for fit/predict.

    Subclasses list every parameter as an explicit keyword of ``__init__`` and
    store it unchanged under the same name.  Their prediction methods
    (``_ROW_METHODS``) are wrapped so that a dask array in gives a lazy dask
    array out (``fastoptim._dask.dask_rows``); ``fit`` takes dask arrays where
    the class sets ``_dask_fit = True`` (through :meth:`_dask_data`).
    """

    _multi_output = False  # True where y may be 2-D (several targets)
    _dask_fit = False  # True where fit takes dask arrays (X stays on the workers)
    _dask_hint = ""  # what to do instead, for estimators that need in-memory data
    _dask_whole_rows = False  # True: a dask X chunked along columns is refused, not merged

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in _ROW_METHODS:
            method = cls.__dict__.get(name)
            if method is not None and callable(method) and not getattr(method, "_dask_rows", False):
                wrapped = _with_feature_name_check(dask_rows(method))
                wrapped._dask_rows = True
                setattr(cls, name, wrapped)
        for name in ("score", "transform"):
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_names_checked", False):
                wrapped = _with_feature_name_check(method)
                wrapped._names_checked = True
                setattr(cls, name, wrapped)
        for name in ("fit", "partial_fit"):
            method = cls.__dict__.get(name)
            if isinstance(method, available_if):  # the descriptor keeps its check
                if not getattr(method.method, "_checks_common", False):
                    method.method = _with_common_checks(method.method)
            elif callable(method) and not getattr(method, "_checks_common", False):
                setattr(cls, name, _with_common_checks(method))

    def _check_common_params(self):
        """The parameters many estimators share, checked once for all of them before fit
        and partial_fit: the flags (:data:`FLAG_PARAMS`) must be bools, ``verbose`` a
        bool or an int >= 0, ``random_state`` None, an int in [0, 2**32 - 1], a
        RandomState or a Generator."""
        params = self.get_params(deep=False)
        for name in FLAG_PARAMS:
            if name in params and not isinstance(params[name], (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {params[name]!r}")
        if "verbose" in params:
            v = params["verbose"]
            if not (isinstance(v, (bool, np.bool_))
                    or (isinstance(v, numbers.Integral) and v >= 0)):
                raise TypeError(f"verbose must be True, False or an int >= 0, got {v!r}")
        if "random_state" in params:
            check_random_state_param(params["random_state"])

    def _check_feature_names(self, X):
        """X's feature names against ``feature_names_in_``, as scikit-learn checks them: a
        ValueError when both have names that differ (other, missing or reordered), a
        UserWarning when only one of them has names.  A dask collection has none to check."""
        if is_dask_collection(X):
            return
        names = feature_names(X)
        fitted = getattr(self, "feature_names_in_", None)
        who = type(self).__name__
        if names is None and fitted is None:
            return
        if fitted is None:
            warnings.warn(f"X has feature names, but {who} was fitted without feature names",
                          UserWarning, stacklevel=_stacklevel_of_caller())
            return
        if names is None:
            warnings.warn(f"X does not have valid feature names, but {who} was fitted with "
                          f"feature names", UserWarning, stacklevel=_stacklevel_of_caller())
            return
        if len(names) == len(fitted) and np.all(names == fitted):
            return
        unseen = [n for n in names if n not in set(fitted)]
        missing = [n for n in fitted if n not in set(names)]

        def listed(items, limit=5):
            shown = "".join(f"- {n}\n" for n in items[:limit])
            return shown + ("- ...\n" if len(items) > limit else "")

        message = "The feature names should match those that were passed during fit.\n"
        if unseen:
            message += "Feature names unseen at fit time:\n" + listed(unseen)
        if missing:
            message += "Feature names seen at fit time, yet now missing:\n" + listed(missing)
        if not unseen and not missing:
            message += "Feature names must be in the same order as they were in fit.\n"
        raise ValueError(message)

    def _dask_data(self, X, solver=None):
        """X (a dask array) as a fastoptim._dask.DaskData, or a TypeError where fit needs
        in-memory data."""
        if not self._dask_fit:
            raise TypeError(f"{type(self).__name__} needs in-memory data, and X is a dask array: "
                            f"call X.compute() first{self._dask_hint}")
        return DaskData(X, whole_rows=self._dask_whole_rows)

    def _store_init_args(self, args):
        """Store ``__init__``'s arguments (its ``locals()``) unchanged, under their names."""
        for name in self._param_names():
            setattr(self, name, args[name])

    @classmethod
    def _param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must list its parameters explicitly "
                                f"(no *args or **kwargs)")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict:
        """The estimator's parameters as a dict.

        Parameters
        ----------
        deep : bool, default True
            Also list the parameters of parameters that are estimators themselves,
            as ``name__sub``.

        Returns
        -------
        dict
            Parameter name -> value, the constructor's arguments.
        """
        out = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params):
        """Set parameters, as scikit-learn's ``set_params``.

        Parameters
        ----------
        **params
            Parameter name -> new value; ``name__sub`` sets the parameter ``sub`` of
            the estimator held in parameter ``name``.  An unknown name is a
            ValueError listing the valid ones.

        Returns
        -------
        self
        """
        if not params:
            return self
        valid = self._param_names()
        nested = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"{name!r} is not a parameter of {type(self).__name__}; "
                                 f"valid parameters are {valid}")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
                    if p.default is not inspect.Parameter.empty}
        changed = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            if default is inspect.Parameter.empty or not _same(value, default):
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_features_in_")

    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags

        return Tags(estimator_type=None,
                    target_tags=TargetTags(required=True, multi_output=self._multi_output),
                    input_tags=InputTags(sparse=True))

    # -- validation shared by fit and predict -------------------------------------------

    def _validate_predict_X(self, X, dtype=None):
        """X for predict: the estimator must be fitted and X have ``n_features_in_`` columns."""
        check_is_fitted(self)
        X = validate_X(X, "X", dtype=dtype)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input (the number it was fitted on)")
        return X


class RegressorMixin:
    """``score`` as the coefficient of determination R^2 of ``predict``."""

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """R^2 = 1 - sum w (y - pred)^2 / sum w (y - mean_w y)^2, averaged over outputs.

        As scikit-learn's r2_score: NaN with an UndefinedMetricWarning for fewer than two
        samples; where the denominator is zero, 1 for exact predictions and 0 otherwise.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples to predict.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The true targets.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the samples in both sums (None: all 1).

        Returns
        -------
        float
        """
        pred = np.asarray(self.predict(X), dtype=np.float64)
        # y and the weights get fit's checks: finite, of X's length, weights >= 0, sum > 0
        y = validate_y(y, pred.shape[0], np.float64, multi_output=True)
        sw = validate_sample_weight(sample_weight, pred.shape[0], np.float64)
        if y.shape[0] < 2:
            warn("R^2 score is not well-defined with less than two samples.",
                 UndefinedMetricWarning, stacklevel=2)
            return float("nan")
        if y.ndim == 1:
            y = y[:, None]
        if pred.size != y.size:
            raise ValueError(f"y has {y.shape[1]} outputs but the model predicts "
                             f"{pred.size // pred.shape[0]}; they must match")
        pred = pred.reshape(y.shape)
        w = np.ones(y.shape[0]) if sw is None else sw
        mean = np.average(y, axis=0, weights=w)
        ss_res = (w[:, None] * (y - pred) ** 2).sum(axis=0)
        ss_tot = (w[:, None] * (y - mean) ** 2).sum(axis=0)
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0),
                      np.where(ss_res > 0, 0.0, 1.0))
        return float(np.mean(r2))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        from sklearn.utils import RegressorTags

        tags.regressor_tags = RegressorTags()
        return tags


class ClassifierMixin:
    """``score`` as the (weighted) accuracy of ``predict``; fit's validation of (X, y)."""

    def _labels_from_scores(self, z):
        """``classes_`` from decision scores: positive -> ``classes_[1]`` (one column), else the
        largest score (the first on ties)."""
        idx = (z > 0).astype(np.intp) if z.ndim == 1 else np.argmax(z, axis=1)
        return self.classes_[idx]

    def _validate_classification(self, X, y):
        """(X validated, ``classes_``, y as class indices); at least two classes.  A dask X
        becomes a DaskData (where fit supports it); a dask y is gathered (n labels, once)."""
        if is_dask_collection(X):
            X = self._dask_data(X)
            if is_dask_collection(y):
                y = y.compute()
        else:
            X = validate_X(X)
        classes, y_idx = validate_labels(y, X.shape[0])
        check_two_classes(classes, type(self).__name__)
        return X, classes, y_idx

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """The fraction of samples whose predicted class equals y (weighted by sample_weight).

        y and the weights get fit's checks (labels without NaN or None, X's length, weights
        finite and >= 0 with a positive sum).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples to classify.
        y : array-like of shape (n_samples,)
            The true labels.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the samples (None: all 1).

        Returns
        -------
        float
            The (weighted) accuracy, in [0, 1].
        """
        pred = self.predict(X)
        multilabel = pred.ndim == 2
        y = validate_label_array(y, pred.shape[0], multilabel=multilabel)
        sw = validate_sample_weight(sample_weight, pred.shape[0], np.float64)
        if multilabel:  # every label of the row right
            if y.shape != pred.shape:
                raise ValueError(f"y has {y.shape[1]} labels per sample but the model predicts "
                                 f"{pred.shape[1]}; they must match")
            hits = np.all(pred == y, axis=1).astype(np.float64)
        else:
            hits = (pred == y).astype(np.float64)
        return float(np.average(hits, weights=sw))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        from sklearn.utils import ClassifierTags

        tags.classifier_tags = ClassifierTags()
        return tags


class available_if:
    """A method that exists only when ``check(self)`` holds (else: AttributeError).

    So ``hasattr(est, "partial_fit")`` tells whether the estimator's current
    parameters support it, as scikit-learn's ``available_if`` does.
    """

    def __init__(self, check, why):
        self.check, self.why = check, why

    def __call__(self, method):
        self.method = method
        self.__doc__ = method.__doc__
        return self

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.method
        if not self.check(obj):
            raise AttributeError(f"{type(obj).__name__}.{self.name} is not available: {self.why}")
        return self.method.__get__(obj, owner)


def _same(a, b):
    """Parameter equality for __repr__: identity, or equal values of the same type."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # arrays and the like: shown
        return False


def check_is_fitted(estimator):
    """Raise NotFittedError when ``fit`` has not run on ``estimator``."""
    if not estimator.__sklearn_is_fitted__():
        raise not_fitted_error(f"This {type(estimator).__name__} instance is not fitted yet; call "
                               f"fit(X, y) before using it")


def _target_array(y, name, labels=False):
    """y as an ndarray; None and sparse matrices refused with messages naming ``name``."""
    if y is None:
        raise ValueError(f"{name} is None: this estimator requires y to be passed, but the target "
                         f"y is None")
    if sp.issparse(y):
        raise TypeError(f"{name} must be a dense array{' of labels' if labels else ''}; call "
                        f"y.toarray() first")
    return np.asarray(y)


def validate_y(y, n_samples, dtype, *, multi_output=True, name="y"):
    """Real-valued targets: shape (n_samples,) or (n_samples, n_outputs), finite, X's dtype."""
    y = _target_array(y, name)
    if np.iscomplexobj(y):
        raise ValueError(f"Complex data not supported: {name} must hold real numbers")
    if y.dtype.kind not in "biuf":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must hold numbers; got dtype {y.dtype}")
    if y.ndim == 0 or y.ndim > 2 or (y.ndim == 2 and not multi_output and y.shape[1] != 1):
        allowed = "(n_samples,) or (n_samples, n_outputs)" if multi_output else "(n_samples,)"
        raise ValueError(f"{name} must have shape {allowed}, got {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"{name} has {y.shape[0]} samples but X has {n_samples}; they must match")
    y = np.ascontiguousarray(y, dtype=dtype)
    check_finite(y, name)
    return y


def validate_labels(y, n_samples, name="y"):
    """Class labels of any type (ints, floats, strings): returns (classes, indices 0..K-1).

    A column vector (n_samples, 1) is accepted with a DataConversionWarning.
    """
    y = _target_array(y, name, labels=True)
    if y.ndim == 2 and y.shape[1] == 1:
        warn("A column-vector y was passed when a 1d array was expected. Please change "
             "the shape of y to (n_samples,), for example using ravel().",
             DataConversionWarning, stacklevel=3)
    y = validate_label_array(y, n_samples, name)
    if y.dtype.kind in "biu" and y.size:
        lo, hi = int(y.min()), int(y.max())
        if hi - lo < 1 << 20:  # small integer range: a table instead of a sort
            # offsets in int64: y - lo in y's own dtype wraps around for int8/int16 labels
            offsets = y.astype(np.int64) - lo
            present = np.bincount(offsets, minlength=hi - lo + 1) > 0
            classes = (np.flatnonzero(present) + lo).astype(y.dtype)
            table = np.cumsum(present) - 1
            return classes, table[offsets]
    classes, idx = np.unique(y, return_inverse=True)
    return classes, idx.reshape(-1)


def check_two_classes(classes, estimator_name):
    """A classifier needs at least two classes: a ValueError naming the one label otherwise."""
    if len(classes) < 2:
        label = classes[0].item() if hasattr(classes[0], "item") else classes[0]
        raise ValueError(f"y holds only one class ({label!r}); {estimator_name} needs samples of "
                         f"at least two classes")


def _check_label_values(y, name):
    """Labels a classifier can take: finite numbers, or one type of objects without NaN/None."""
    if y.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} must hold real numbers or labels")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{name} contains NaN or infinity; class labels must be finite")
        if np.any(y != np.round(y)):
            raise ValueError(f"Unknown label type: continuous. {name} holds non-integer numbers; "
                             f"a classifier needs class labels (use a regressor for continuous "
                             f"targets)")
    if y.dtype.kind == "O":
        missing = [v for v in y if v is None or (isinstance(v, (float, np.floating)) and v != v)]
        if missing:
            raise ValueError(f"{name} contains {len(missing)} missing label(s) ({missing[0]!r}); "
                             f"every sample needs a class label (drop or fill those rows)")
        types = {type(v) for v in y}
        if len(types) > 1 and not all(issubclass(t, (int, float, np.number)) for t in types):
            raise TypeError(f"{name} mixes label types {sorted(t.__name__ for t in types)}; use one "
                            f"type (all strings or all numbers)")


def validate_label_array(y, n_samples, name="y", multilabel=False):
    """Labels for score and partial_fit: the checks of :func:`validate_labels` (None, shape,
    length, NaN and mixed types) without the class encoding; a column vector is raveled.
    ``multilabel``: a 2-D indicator matrix of n_samples rows is kept as it is."""
    y = _target_array(y, name, labels=True)
    if y.ndim == 2 and y.shape[1] == 1 and not multilabel:
        y = y.ravel()
    if y.ndim != (2 if multilabel else 1):
        want = "a 2-D array of class labels of shape (n_samples, n_labels)" if multilabel \
            else "a 1-D array of class labels of shape (n_samples,)"
        raise ValueError(f"{name} must be {want}, got shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"{name} has {y.shape[0]} samples but X has {n_samples}; they must match")
    _check_label_values(y.ravel() if multilabel else y, name)
    return y


def partial_fit_classes(classes, fitted_classes):
    """The class labels of a partial_fit call: ``classes`` (at least two, sorted; equal to
    the fitted ones when the model is fitted), else the fitted ones (``fitted_classes``,
    None before the first fit).  A first call must name every class, since a batch may not
    contain them all."""
    if classes is not None:
        given = np.unique(np.asarray(classes))
        if len(given) < 2:
            raise ValueError("classes must hold at least two labels")
        if fitted_classes is not None and not np.array_equal(given, fitted_classes):
            raise ValueError(f"classes={given.tolist()} differs from the classes of the earlier "
                             f"fit ({fitted_classes.tolist()}); refit from scratch to change them")
        return given
    if fitted_classes is not None:
        return fitted_classes
    raise ValueError("classes must be given at the first call of partial_fit (every class "
                     "label, since a batch may not contain them all)")


def class_sample_weights(class_weight, classes, y_idx, sw, n):
    """Each sample's weight times its class's weight (None when both are absent).

    'balanced': sum of the sample weights / (n_classes * the class's sum of sample
    weights), scikit-learn's rule; a dict maps labels to weights (others: 1).
    """
    cw = class_weight
    if cw is None:
        return sw
    if isinstance(cw, str):
        if cw != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {cw!r}")
        w = None if sw is None else sw.astype(np.float64)
        counts = np.bincount(y_idx, weights=w, minlength=len(classes)).astype(np.float64)
        total = float(n if w is None else w.sum())
        per_class = total / (len(classes) * np.where(counts > 0, counts, 1.0))
    elif isinstance(cw, dict):
        per_class = np.ones(len(classes))
        known = {c.item() if hasattr(c, "item") else c: k for k, c in enumerate(classes)}
        for label, weight in cw.items():
            key = label.item() if hasattr(label, "item") else label
            if key not in known:
                raise ValueError(f"class_weight names the class {label!r}, which is not in y "
                                 f"(classes: {classes.tolist()})")
            if not (isinstance(weight, numbers.Real) and np.isfinite(weight) and weight >= 0):
                raise ValueError(f"class_weight[{label!r}] must be a number >= 0, got {weight!r}")
            per_class[known[key]] = weight
    else:
        raise TypeError(f"class_weight must be None, 'balanced' or a dict, got {cw!r}")
    w = per_class[y_idx]
    return w if sw is None else sw * w


def validate_sample_weight(sample_weight, n_samples, dtype):
    """None, a scalar (every sample the same weight) or n_samples finite weights >= 0."""
    if sample_weight is None:
        return None
    if is_dask_collection(sample_weight):  # n numbers: gathered once (O(n), not per iteration)
        sample_weight = sample_weight.compute()
    w = np.asarray(sample_weight)
    if w.ndim == 0:
        w = np.full(n_samples, float(w))
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(f"sample_weight must have shape ({n_samples},) like y, got {w.shape}")
    if w.dtype.kind not in "biuf":
        raise ValueError(f"sample_weight must hold numbers, got dtype {w.dtype}")
    w = np.ascontiguousarray(w, dtype=dtype)
    check_finite(w, "sample_weight")
    if np.any(w < 0):
        raise ValueError("sample_weight must be >= 0 everywhere")
    if not np.sum(w, dtype=np.float64) > 0:
        raise ValueError("sample_weight must have a positive sum (every weight is zero)")
    return w


def resolve_n_jobs(n_threads, n_jobs):
    """The thread count of an estimator that takes both ``n_threads`` (fastoptim's name) and
    ``n_jobs`` (scikit-learn's): whichever is given; both given and different is an error."""
    if n_jobs is None:
        return n_threads
    if n_threads is not None and n_threads != n_jobs:
        raise ValueError(f"n_jobs={n_jobs!r} and n_threads={n_threads!r} disagree; they are two "
                         f"names for the thread count: set one of them")
    return n_jobs


def linear_scores(X, coef, intercept):
    """X @ coef.T + intercept as a 2-D ndarray, for a dense or sparse X and a dense or CSR coef
    (after :meth:`SparseCoefMixin.sparsify`)."""
    z = X @ coef.T
    z = z.toarray() if sp.issparse(z) else np.asarray(z)
    return z + intercept


class SparseCoefMixin:
    """``sparsify()`` and ``densify()``, as scikit-learn's linear classifiers have them."""

    def sparsify(self) -> Self:
        """Store ``coef_`` as a scipy.sparse CSR matrix (worth it when most entries are zero);
        predictions are unchanged.  ``densify()`` turns it back.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        self.coef_ = sp.csr_matrix(self.coef_)
        return self

    def densify(self) -> Self:
        """Store ``coef_`` as a dense ndarray again (the default after fit).

        Returns
        -------
        self
        """
        check_is_fitted(self)
        if sp.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self
