"""Save fitted estimators to a file and load them back, without pickle.

:func:`save_model` writes a fitted :class:`~fastoptim.LinearRegression`,
:class:`~fastoptim.Ridge`, :class:`~fastoptim.Lasso`, :class:`~fastoptim.ElasticNet`,
:class:`~fastoptim.LogisticRegression`,
:class:`~fastoptim.SoftmaxRegression`, :class:`~fastoptim.LinearSVC`,
:class:`~fastoptim.SVC` (named or precomputed kernels, dense training data),
:class:`~fastoptim.MLPClassifier` or :class:`~fastoptim.MLPRegressor`;
:func:`load_model` rebuilds it, in any process, so that ``predict``,
``decision_function`` and ``predict_proba`` give the same bits as before the
save.  A loaded network also continues training as the saved one would have:
its optimizer's state (moments, step count, learning rate) is in the file, so
``partial_fit`` (or a ``warm_start`` fit) after :func:`load_model` gives the
bits of the same call on the estimator that was saved.  The ``fastoptim
train`` / ``fastoptim predict`` commands use these files.

The file format (versions 1 and 2)
----------------------------------
A NumPy ``.npz`` archive (a zip file of ``.npy`` arrays, see
:func:`numpy.savez`), read with ``allow_pickle=False``: no entry can run code
when the file is loaded.  A file is written in the lowest version that
describes it: version 1 for the linear models and SVC whose parameters are all
numbers, strings, booleans, None and containers of them (the entries and the
``__meta__`` keys of fastoptim's first model format), version 2 as soon as it holds
a network or a parameter that is a :mod:`fastoptim.optim` object.  This module
reads both.  Its entries:

``__format__``
    The string ``'fastoptim-model'`` (a 0-d unicode array): what the file is.
``__format_version__``
    The integer 1 or 2 (a 0-d int64 array).  A reader refuses files of a
    newer version than it knows (:data:`FORMAT_VERSION`).
``__meta__``
    A JSON document (a 0-d unicode array) with the keys

    - ``"format"``, ``"format_version"``: the two entries above, repeated;
    - ``"fastoptim_version"``: the version that wrote the file (informative);
    - ``"class"``: the estimator's class name, one of :data:`SUPPORTED`;
    - ``"params"``: ``get_params(deep=False)``, each value encoded as below;
    - ``"dropped_params"``: ``{name: repr}`` of the parameters of a linear
      model or SVC that cannot be stored (a ``RandomState``, a callable): the
      loaded estimator has the class's default there, which does not change
      its predictions, only a later refit.  (A network's parameters are all
      stored, or :func:`save_model` refuses it.)
    - ``"metadata"``: the ``metadata`` dict given to :func:`save_model`
      (``{}`` by default; ``fastoptim train`` stores ``{"data_format": ...,
      "zero_based": ...}`` there), encoded as below;
    - ``"attributes"``: the fitted attributes (the instance's attributes whose
      name ends with ``_``), ``{name: {"kind": ..., ...}}`` with kind
      ``"array"`` (an ndarray, stored as the entry ``attr.<name>``, dtype and
      shape kept), ``"scalar"`` (a NumPy scalar, stored as a 0-d entry
      ``attr.<name>``, restored as a scalar of its dtype), ``"csr"`` (``coef_`` after
      ``sparsify()``: stored dense as ``attr.coef_``, restored as a CSR matrix), ``"object_array"``
      (an object ndarray, e.g. string class labels, stored in JSON as
      ``"shape"`` and ``"items"``) or ``"json"`` (a Python number, string,
      bool, None, or a list/tuple/dict of those, in ``"value"``);
    - ``"network"`` (version 2, MLPClassifier and MLPRegressor only): the
      fitted network, as described below.
``attr.<name>``
    One ``.npy`` array per stored array attribute.
``net.<part>.<l>``, ``opt.<state>``
    A network's arrays (version 2, below).

A network (``"network"`` in ``__meta__``) is the JSON object

- ``"sizes"``: the layer widths ``[n_features_in_, hidden_1, ..., n_outputs_]``;
- ``"activation"`` (one of ``ACTIVATIONS`` of
  :mod:`fastoptim.neural_network`), ``"output"`` (``'softmax'``,
  ``'logistic'`` or ``'identity'``: ``out_activation_``), ``"batch_norm"``,
  ``"dropout"``, ``"leaky_slope"``, ``"bn_eps"``: the network the estimator
  predicts with (which ``set_params`` after the fit does not change);
- ``"dtype"``: ``'float64'`` or ``'float32'``, the dtype of every array of
  the network (a float32 network stays float32);
- ``"seeds"``: the two seeds of the fit (the shuffles, the dropout masks), which
  ``partial_fit`` and ``warm_start`` continue from;
- ``"multilabel"`` (MLPClassifier: trained on a 0/1 indicator matrix) or
  ``"y_1d"`` (MLPRegressor: trained on a 1-D y, so predict returns 1-D);
- ``"optimizer"``: None (fitted by ``'lbfgs'``) or ``{"object": the optimizer
  encoded as below, with the learning rate it reached, "n_steps": its step
  count, "state": the names of its state arrays or None[, "scalars": the numbers
  it carries from step to step, NAdam's ``mu_product`` and ASGD's ``eta``, when it
  has taken a step][, "group_scalars": with ``param_groups``, those of each group
  (a list, in the order of its param_groups; "scalars" are the default group's)]}``;
- ``"plateau"`` (present only when the fit used a ``ReduceOnPlateau``
  schedule): that schedule's working copy, encoded as below with the rate it
  reached, which ``partial_fit`` after loading goes on reducing.

and its arrays are the entries ``net.coefs.<l>`` (``coefs_[l]``, shape
``(sizes[l], sizes[l + 1])``) and ``net.intercepts.<l>`` (shape
``(sizes[l + 1],)``) for each layer l, with batch norm ``net.gammas.<l>``,
``net.betas.<l>``, ``net.running_means.<l>`` and ``net.running_vars.<l>``
(shape ``(sizes[l + 1],)``) for each hidden layer l, and one ``opt.<name>``
per optimizer state array (``s1``, ``s2``, ``s3`` of
:mod:`fastoptim.optim.transforms`, over the network's one parameter buffer).

:func:`load_model` trusts nothing in the file: it refuses entries that
``__meta__`` does not describe, an ``__meta__`` above :data:`MAX_META_BYTES`,
attributes the class does not define (:data:`FITTED_ATTRIBUTES`), arrays
whose shape or dtype disagrees with ``n_features_in_``, ``classes_``, the
network's sizes or each other (checked on the .npy headers and the zip
directory, before any array is read), a zip directory whose sizes its data
cannot give (:data:`MAX_DEFLATE_RATIO`) or that point past the end of the
file, NaN or infinity in coefficients,
intercepts, support vectors, weights, batch-norm statistics and optimizer
state, negative variances, unknown activations and outputs, and parameters
that the estimator's own checks (those of ``fit``) refuse.

JSON values: numbers, strings, booleans and None as themselves (floats
written with their shortest round-trip text, so they come back exactly);
tuples as ``{"__tuple__": [...]}``; dicts whose keys are not all strings (or
that use one of the keys ``__tuple__``, ``__items__``, ``__object__``) as
``{"__items__": [[key, value], ...]}``; other dicts as objects.  In version 2,
a parameter may also be one of the :mod:`fastoptim.optim` objects named in
:data:`OBJECTS` (an optimizer such as ``Adam(lr=0.01)``, a chain of
transforms, a schedule such as ``CosineDecay(0.1, total=50)``), as
``{"__object__": class name, "args": [...], "kwargs": {...}}`` (plus
``"state"`` for a ``ReduceOnPlateau``'s current rate, last and best metric, bad-epoch
and cooldown counters (files without the last three load with the best set to the last
loss and both counters at zero) and count of
reductions, or for an optimizer with ``param_groups`` -- stored in its kwargs, with the
rates it was built with -- ``{"lr": the rate a schedule set}``): the class comes from
that fixed list and is called with those
arguments, which its constructor checks; :func:`save_model` stores an object
only when those arguments rebuild it exactly.

Examples
--------
>>> import numpy as np, tempfile, os
>>> from fastoptim import LogisticRegression
>>> from fastoptim.model_io import save_model, load_model
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = ["no", "no", "yes", "yes"]
>>> model = LogisticRegression().fit(X, y)
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> save_model(model, path)
>>> load_model(path).predict([[0.2], [2.8]]).tolist()
['no', 'yes']
"""
from __future__ import annotations

import errno
import io
import json
import math
import numbers
import os
import secrets
import warnings
import zipfile
import zlib
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._threads import effective_n_threads
from ._version import __version__
from .base import BaseEstimator, check_is_fitted
from .linear_model import (ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge,
                           SoftmaxRegression)
from .neural_network import MLPClassifier, MLPRegressor
from ._network import ACTIVATIONS, OUTPUTS, Network
from .optim import (ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam,
                    RMSProp, Rprop)
from .optim.optimizers import check_carried_scalar
from .optim.schedules import (Constant, CosineDecay, ExponentialDecay, InverseSqrtDecay,
                              InverseTimeDecay, LinearDecay, MomentumSchedule, ReduceOnPlateau,
                              Schedule, StepDecay, Warmup)
from .optim.transforms import (AddDecayedWeights, DecoupledWeightDecay, Momentum,
                               ScaleByAdadelta, ScaleByAdagrad, ScaleByAdam, ScaleByAdamax,
                               ScaleByASGD, ScaleByLearningRate, ScaleByNAdam, ScaleByRAdam,
                               ScaleByRMS, ScaleByRprop, Transform)
from .svm import SVC, LinearSVC

__all__ = ["save_model", "load_model", "FORMAT", "FORMAT_VERSION", "SUPPORTED", "NETWORKS",
           "OBJECTS", "FITTED_ATTRIBUTES", "REQUIRED_ATTRIBUTES", "MAX_META_BYTES",
           "MAX_HEADER_ENTRY_BYTES", "MAX_STREAM_BYTES", "MAX_DEFLATE_RATIO"]

#: The value of the ``__format__`` entry.
FORMAT = "fastoptim-model"
#: The newest format version this module writes and reads (it reads every older one too).
FORMAT_VERSION = 2
#: The estimator classes save_model writes and load_model reads, by name.
SUPPORTED = ("LinearRegression", "Ridge", "Lasso", "ElasticNet", "LogisticRegression",
             "SoftmaxRegression", "LinearSVC", "SVC", "MLPClassifier", "MLPRegressor")
#: The network estimators among them (format version 2: the ``"network"`` of ``__meta__``).
NETWORKS = ("MLPClassifier", "MLPRegressor")

_ATTR = "attr."
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_RESERVED_KEYS = {"__tuple__", "__items__", "__object__"}


def _classes():
    """name -> class of the supported estimators."""
    return {cls.__name__: cls for cls in (LinearRegression, Ridge, Lasso, ElasticNet,
                                          LogisticRegression, SoftmaxRegression, LinearSVC, SVC,
                                          MLPClassifier, MLPRegressor)}


def _object_classes():
    """name -> class of the fastoptim.optim objects a parameter may hold (version 2)."""
    return {cls.__name__: cls for cls in (
        Optimizer, SGD, Adagrad, RMSProp, Adam, AdamW, Adadelta, Adamax, RAdam, NAdam, Rprop,
        ASGD, DecoupledWeightDecay, AddDecayedWeights, ScaleByAdagrad, ScaleByRMS, ScaleByAdam,
        ScaleByAdadelta, ScaleByAdamax, ScaleByRAdam, ScaleByNAdam, ScaleByRprop, ScaleByASGD,
        Momentum, ScaleByLearningRate,
        Constant, StepDecay, ExponentialDecay, InverseTimeDecay, InverseSqrtDecay, CosineDecay,
        LinearDecay, Warmup, ReduceOnPlateau, MomentumSchedule)}


#: The classes of the objects a parameter may hold in a model file (format version 2), by
#: name: fastoptim.optim's optimizers, their transforms and the schedules (these classes
#: exactly, not subclasses, which could change what the arguments mean).
OBJECTS = tuple(_object_classes())


class _Unencodable(Exception):
    """A value with no JSON encoding here (a function, a RandomState, ...)."""


def _encode(value, objects=None):
    """A JSON-able form of value (see the module docstring), or raise _Unencodable.

    ``objects``: a list that collects the names of the fastoptim.optim objects encoded
    (:data:`OBJECTS`, format version 2); None refuses them (metadata, fitted attributes)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)  # shortest round-trip text: read back exactly (nan/inf as NaN/Infinity)
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, objects) for v in value]}
    if isinstance(value, list):
        return [_encode(v, objects) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not (_RESERVED_KEYS & set(value)):
            return {k: _encode(v, objects) for k, v in value.items()}
        return {"__items__": [[_encode(k, objects), _encode(v, objects)]
                              for k, v in value.items()]}
    name = type(value).__name__
    if objects is not None and _object_classes().get(name) is type(value):
        return _encode_object(value, objects)
    raise _Unencodable(name)


def _decode(value, objects=False):
    """The inverse of _encode (``objects``: rebuild ``{"__object__": ...}`` dicts, version 2).
    Raises ValueError or TypeError on a value that no _encode gives."""
    if isinstance(value, list):
        return [_decode(v, objects) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            if not isinstance(value["__tuple__"], list):
                raise ValueError("a '__tuple__' that is not a list")
            return tuple(_decode(v, objects) for v in value["__tuple__"])
        if set(value) == {"__items__"}:
            items = value["__items__"]
            if not (isinstance(items, list) and all(isinstance(kv, list) and len(kv) == 2
                                                    for kv in items)):
                raise ValueError("an '__items__' that is not a list of [key, value] pairs")
            return {_hashable(_decode(k, objects)): _decode(v, objects) for k, v in items}
        if objects and "__object__" in value:
            return _decode_object(value)
        return {k: _decode(v, objects) for k, v in value.items()}
    return value


def _hashable(key):
    if isinstance(key, list):
        key = tuple(key)
    hash(key)  # a TypeError for a dict (no _encode writes one as a key)
    return key


# -- fastoptim.optim objects as class name + constructor arguments (version 2) ---------------

def _constructor_arguments(obj):
    """(args, kwargs, state) that rebuild obj: ``type(obj)(*args, **kwargs)``, then the state
    set as attributes (a ReduceOnPlateau's)."""
    if isinstance(obj, Optimizer):
        common = {"check_finite": obj.check_finite, "n_threads": obj.n_threads}
        if obj.maximize:  # (never in an estimator's file: they refuse it)
            common["maximize"] = True
        lr, state = obj.lr, {}  # the rate a schedule set
        if obj._groups:  # their rates are relative to the one at construction: that one is
            lr = obj._base_lr  # the argument, the rate a schedule set the state
            state = {"lr": obj.lr} if obj.lr != lr else {}
            common["param_groups"] = [dict(spec) for spec, _ in obj._groups]
            for spec, (_, chain) in zip(common["param_groups"], obj._groups):
                if type(obj) is SGD and "momentum" in spec:  # a momentum schedule's value
                    spec["momentum"] = chain.momentum
        if type(obj) is Optimizer:  # a hand-built chain
            return [ScaleByLearningRate(lr) if isinstance(t, ScaleByLearningRate) else t
                    for t in obj.transforms], common, state
        named = dict(obj._args, lr=lr)
        if type(obj) is SGD:  # the momentum a schedule set
            named["momentum"] = obj.momentum
        return [], dict(named, **common), state
    if isinstance(obj, Transform):
        return [], dict(vars(obj)), {}
    kwargs = obj._params()  # a Schedule
    return [], kwargs, {k: v for k, v in vars(obj).items() if k not in kwargs}


def _fingerprint(obj):
    """What an object computes with: its class and settings, nested objects included."""
    if isinstance(obj, Optimizer):
        groups = [(spec["params"], sorted(spec), _fingerprint(chain))
                  for spec, chain in obj._groups]
        return (type(obj), [_fingerprint(t) for t in obj.transforms], obj.check_finite,
                obj.n_threads, obj.maximize, groups, obj._base_lr if groups else None)
    if isinstance(obj, (Transform, Schedule)):
        return (type(obj), {k: _fingerprint(v) for k, v in vars(obj).items()})
    if isinstance(obj, (list, tuple)):
        return type(obj), [_fingerprint(v) for v in obj]
    return obj


def _encode_object(obj, objects):
    args, kwargs, state = _constructor_arguments(obj)
    spec = {"__object__": type(obj).__name__, "args": [_encode(v, objects) for v in args],
            "kwargs": {k: _encode(v, objects) for k, v in kwargs.items()}}
    if state:
        spec["state"] = {k: _encode(v, objects) for k, v in state.items()}
    try:  # stored only if the file rebuilds it exactly
        same = _fingerprint(_decode_object(json.loads(json.dumps(spec)))) == _fingerprint(obj)
    except (TypeError, ValueError):
        same = False
    if not same:
        raise _Unencodable(f"{type(obj).__name__} whose constructor arguments do not rebuild it")
    objects.append(type(obj).__name__)
    return spec


def _decode_object(spec):
    """The fastoptim.optim object of ``{"__object__": name, "args", "kwargs"[, "state"]}``;
    a ValueError naming what the class or its constructor refuses."""
    unknown = sorted(set(spec) - {"__object__", "args", "kwargs", "state"})
    if unknown:
        raise ValueError(f"an object with the unknown keys {unknown}")
    name = spec["__object__"]
    cls = _object_classes().get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"an object of class {name!r}, which is not one a model file may hold "
                         f"({', '.join(OBJECTS)})")
    args, kwargs, state = spec.get("args", []), spec.get("kwargs", {}), spec.get("state", {})
    if not (isinstance(args, list) and isinstance(kwargs, dict) and isinstance(state, dict)):
        raise ValueError(f"a {name} whose 'args' is not a list or 'kwargs'/'state' not an "
                         f"object")
    args = [_decode(v, True) for v in args]
    kwargs = {k: _decode(v, True) for k, v in kwargs.items()}
    if cls is Optimizer and not all(isinstance(t, Transform) for t in args):
        raise ValueError("an Optimizer whose arguments are not all transforms")
    try:
        obj = cls(*args, **kwargs)
        if isinstance(obj, Optimizer):
            effective_n_threads(obj.n_threads)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} refuses the stored arguments ({exc})") from None
    if state and isinstance(obj, Optimizer):  # the rate a schedule set, of one with groups
        if set(state) != {"lr"} or not obj._groups:
            raise ValueError(f"a {name} with the state {sorted(state)}; only an optimizer with "
                             f"param_groups has one, its 'lr'")
        try:
            obj.lr = state["lr"]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} refuses the stored lr ({exc})") from None
        return obj
    if state:
        old = {"current_lr", "last_loss", "n_reductions"}  # files before the torch rule
        if cls is not ReduceOnPlateau or set(state) not in (old, old | _PLATEAU_COUNTERS):
            raise ValueError(f"a {name} with the state {sorted(state)}, which it does not have")
        state = dict({"best": state["last_loss"], "num_bad_epochs": 0, "cooldown_counter": 0},
                     **state)  # an older file: the last loss as the best, no count running
        _check_plateau_state(obj, **state)
        obj.current_lr, obj.n_reductions = float(state["current_lr"]), state["n_reductions"]
        obj.last_loss = None if state["last_loss"] is None else float(state["last_loss"])
        obj.best = None if state["best"] is None else float(state["best"])
        obj.num_bad_epochs, obj.cooldown_counter = state["num_bad_epochs"], \
            state["cooldown_counter"]
    return obj


_PLATEAU_COUNTERS = {"best", "num_bad_epochs", "cooldown_counter"}


def _check_plateau_state(schedule, current_lr, last_loss, n_reductions, best=None,
                         num_bad_epochs=0, cooldown_counter=0):
    def real(v):
        return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
    if not (best is None or real(best)):
        raise ValueError(f"a ReduceOnPlateau whose best={best!r} is not a finite number")
    for key, value, top in (("num_bad_epochs", num_bad_epochs, None),
                            ("cooldown_counter", cooldown_counter, schedule.cooldown)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (
                top is not None and value > top):
            raise ValueError(f"a ReduceOnPlateau whose {key}={value!r} is not an int in "
                             f"[0, {'n' if top is None else top}]")
    if not (real(current_lr) and schedule.min_lr <= current_lr <= schedule.lr):
        raise ValueError(f"a ReduceOnPlateau whose current_lr={current_lr!r} is not a rate in "
                         f"[min_lr, lr]")
    if not (last_loss is None or real(last_loss)):
        raise ValueError(f"a ReduceOnPlateau whose last_loss={last_loss!r} is not a finite "
                         f"number")
    if isinstance(n_reductions, bool) or not isinstance(n_reductions, int) or n_reductions < 0:
        raise ValueError(f"a ReduceOnPlateau whose n_reductions={n_reductions!r} is not an "
                         f"int >= 0")


def _fitted_attributes(estimator):
    """The fitted state: instance attributes named ``*_`` (not dunder), sorted by name."""
    return {name: value for name, value in sorted(vars(estimator).items())
            if name.endswith("_") and not name.startswith("__")}


def save_model(estimator: BaseEstimator, path: str | os.PathLike[str], *,
               metadata: dict[str, Any] | None = None) -> None:
    """Write a fitted estimator to ``path`` (the fastoptim model format, no pickle).

    Parameters
    ----------
    estimator : one of :data:`SUPPORTED`
        Fitted: LinearRegression, Ridge, Lasso, ElasticNet, LogisticRegression,
        SoftmaxRegression,
        LinearSVC, SVC, MLPClassifier or MLPRegressor.  Its parameters
        (``get_params(deep=False)``) and every fitted attribute (the attributes
        whose name ends with ``_``: ``coef_``, ``intercept_``, ``classes_``,
        ``n_features_in_``, ``loss_curve_``, ...) are stored; arrays keep
        their dtype (float32 stays float32) and string labels stay strings.
        A network also stores its weights, biases, batch-norm parameters and
        running statistics, its seeds and its optimizer's state, so that the
        loaded one predicts the same bits and continues training (``partial_fit``,
        ``warm_start``) exactly as this one would.
    path : str or os.PathLike
        The file to write, used as given (no extension is added; ``.npz`` is
        the natural one).  Written to a temporary file in the same directory
        first and then renamed, so an interrupted or refused save never leaves
        a truncated model under ``path`` (nor changes a file already there).
    metadata : dict, optional
        Facts about the training data that a reader needs besides the model
        (``fastoptim train`` stores the svmlight index base): string keys,
        values numbers, strings, booleans, None or lists/dicts of those.
        :func:`load_model` returns it with ``return_metadata=True``.  None (the
        default) stores ``{}``.

    Raises
    ------
    TypeError
        When the estimator is not one of :data:`SUPPORTED` (a subclass
        neither), or a fitted attribute has a type that cannot be stored.
    ValueError
        When a parameter of a network cannot be stored (a callable
        ``schedule`` that is not a :mod:`fastoptim.optim.schedules` object, a
        ``RandomState``, a subclass of an optimizer: only :data:`OBJECTS`
        are), naming the parameter; nothing is written.
    fastoptim.exceptions.NotFittedError
        When the estimator is not fitted.

    Warns
    -----
    UserWarning
        For each parameter of a linear model or SVC whose value cannot be
        stored (a ``RandomState``, a callable): the loaded model has the
        default value there.  Predictions do not depend on it.

    See Also
    --------
    load_model : the reader; the module docstring describes the format.
    """
    name = type(estimator).__name__
    if name not in SUPPORTED or _classes()[name] is not type(estimator):
        raise TypeError(f"save_model supports the estimators {', '.join(SUPPORTED)}; got "
                        f"{type(estimator).__module__}.{type(estimator).__qualname__}")
    check_is_fitted(estimator)
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict) or not all(isinstance(k, str) for k in metadata):
        raise TypeError(f"save_model: metadata must be a dict with string keys, got "
                        f"{type(metadata).__name__}")
    try:
        metadata = _encode(metadata)
    except _Unencodable as exc:
        raise TypeError(f"save_model: metadata holds a {exc}; only numbers, strings, booleans, "
                        f"None and lists/dicts of them can be stored") from None
    if name == "SVC" and callable(estimator.kernel):
        raise TypeError("save_model: an SVC with a callable kernel cannot be stored (the file "
                        "holds no code); use a named kernel, or kernel='precomputed' with the "
                        "matrix computed by your function")
    params, dropped, objects = {}, {}, []
    for key, value in estimator.get_params(deep=False).items():
        try:
            params[key] = _encode(value, objects)
        except _Unencodable as exc:
            if name in NETWORKS:  # a network's parameters drive its continued training
                fix = "an int seed" if key == "random_state" else (
                    "a name or a fastoptim.optim optimizer" if key == "solver" else
                    "None or a fastoptim.optim.schedules object" if key == "schedule" else
                    "a number, a string or a tuple of them")
                raise ValueError(f"save_model: {name}'s parameter {key}={value!r} (a {exc}) "
                                 f"cannot be stored in a model file, which holds no code: only "
                                 f"numbers, strings, booleans, None, tuples/lists/dicts of "
                                 f"them and the optimizers, transforms and schedules of "
                                 f"fastoptim.optim named in fastoptim.model_io.OBJECTS; set "
                                 f"{key} to {fix} and save again; nothing was written") from None
            dropped[key] = repr(value)
            warnings.warn(f"save_model: {name}'s parameter {key}={value!r} is an object that the "
                          f"model file cannot store; the loaded model gets the default {key} "
                          f"(its predictions are the same; set {key} again before refitting)",
                          UserWarning, stacklevel=2)
    arrays, attributes = {}, {}
    for attr, value in _fitted_attributes(estimator).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "O":
            try:
                items = [_encode(v) for v in value.ravel().tolist()]
            except _Unencodable:
                raise TypeError(f"save_model: {name}.{attr} is an object array holding a "
                                f"{type(value.ravel()[0]).__name__}; only numbers and strings "
                                f"can be stored") from None
            attributes[attr] = {"kind": "object_array", "shape": list(value.shape), "items": items}
        elif isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufcUSM" or value.dtype.hasobject:
                raise TypeError(f"save_model: {name}.{attr} has dtype {value.dtype}, which the "
                                f"model file cannot store")
            arrays[_ATTR + attr] = value
            attributes[attr] = {"kind": "array"}
        elif isinstance(value, np.generic):
            arrays[_ATTR + attr] = np.asarray(value)
            attributes[attr] = {"kind": "scalar"}
        elif attr == "coef_" and sp.issparse(value) and value.dtype.kind in "biuf":
            arrays[_ATTR + attr] = value.toarray()  # coef_ after sparsify(): stored dense
            attributes[attr] = {"kind": "csr"}
        else:
            try:
                attributes[attr] = {"kind": "json", "value": _encode(value)}
            except _Unencodable as exc:
                raise TypeError(f"save_model: {name}.{attr} is a {exc}, which the model file "
                                f"cannot store (arrays, numbers, strings and lists of them "
                                f"can)") from None
    version = 2 if (name in NETWORKS or objects) else 1  # the lowest that describes the file
    meta = {"format": FORMAT, "format_version": version, "fastoptim_version": __version__,
            "class": name, "params": params, "dropped_params": dropped,
            "attributes": attributes, "metadata": metadata}
    if name in NETWORKS:
        meta["network"], network_arrays = _network_entries(estimator)
        arrays.update(network_arrays)
    entries = {"__format__": np.array(FORMAT), "__format_version__": np.array(version,
                                                                              dtype=np.int64),
               "__meta__": np.array(json.dumps(meta, sort_keys=True))}
    entries.update(arrays)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"the directory {directory} does not exist", path)
    # a new file next to the target (ordinary permissions), renamed over it when complete
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as f:
            np.savez(f, **entries)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _network_entries(estimator):
    """(the ``"network"`` of ``__meta__``, {entry: array}) of a fitted MLP (see the module
    docstring): the network it predicts with, its seeds and its optimizer's state."""
    name = type(estimator).__name__
    net = estimator._net
    coefs, intercepts, gammas, betas = net.unpack(estimator._params, batch_norm=True) \
        if net.batch_norm else (*net.unpack(estimator._params), [], [])
    means, variances = net.unpack_running(estimator._running)
    arrays = {}
    for part, layers in (("coefs", coefs), ("intercepts", intercepts), ("gammas", gammas),
                         ("betas", betas), ("running_means", means),
                         ("running_vars", variances)):
        arrays.update((f"net.{part}.{l}", np.ascontiguousarray(a)) for l, a in enumerate(layers))
    spec = {"sizes": list(net.sizes), "activation": net.activation, "output": net.output,
            "batch_norm": net.batch_norm, "dropout": net.dropout,
            "leaky_slope": net.leaky_slope, "bn_eps": net.bn_eps, "dtype": net.dtype.name,
            "seeds": [int(s) for s in estimator._seeds], "optimizer": None}
    if name == "MLPClassifier":
        spec["multilabel"] = bool(estimator._multilabel)
    else:
        spec["y_1d"] = bool(estimator._y_1d)
    opt = estimator._optimizer
    if opt is not None:
        try:
            encoded = _encode(opt, [])
        except _Unencodable as exc:
            raise ValueError(f"save_model: {name}'s optimizer {opt!r} (a {exc}) cannot be "
                             f"stored; fit with solver set to a name or one of "
                             f"{', '.join(OBJECTS[:6])}") from None
        state = opt.state
        if state is not None:
            if len(state) != 1 or not all(
                    isinstance(a, np.ndarray) and a.shape == (net.n_params,)
                    and a.dtype == net.dtype for a in state[0].values()):
                raise ValueError(f"save_model: {name}'s optimizer state is not one set of "
                                 f"({net.n_params},) {net.dtype} arrays over the network's "
                                 f"parameters; refit the model")
            arrays.update((f"opt.{k}", np.ascontiguousarray(a)) for k, a in state[0].items())
        spec["optimizer"] = {"object": encoded, "n_steps": int(opt.n_steps),
                             "state": None if state is None else sorted(state[0])}
        if opt._scalars:  # NAdam's mu_product, ASGD's eta: what the next step starts from
            spec["optimizer"]["scalars"] = dict(opt._scalars)
            if opt._groups:  # every group's own (they depend on its hyper-parameters)
                spec["optimizer"]["group_scalars"] = [dict(chain._scalars)
                                                      for _, chain in opt._groups]
    plateau = getattr(estimator, "_plateau", None)
    if plateau is not None:  # the ReduceOnPlateau copy the fit reduced (partial_fit goes on)
        spec["plateau"] = _encode(plateau, [])
    return spec, arrays


def _bad(path, what):
    return ValueError(f"{path}: {what}")


# -- limits and the fitted state each class may hold ------------------------------------------

#: Largest ``__meta__`` entry (uncompressed) load_model reads: 64 MiB of JSON.
MAX_META_BYTES = 64 << 20
#: Largest ``__format__`` / ``__format_version__`` entry (uncompressed): 4 KiB.
MAX_HEADER_ENTRY_BYTES = 4096
#: Largest model read from a stream that cannot seek (a named pipe): 4 GiB.
MAX_STREAM_BYTES = 4 << 30

_COMMON_ATTRS = ("n_features_in_", "n_iter_", "solver_", "loss_curve_", "validation_scores_",
                 "validation_loss_curve_", "best_validation_score_")
_LINEAR_ATTRS = _COMMON_ATTRS + ("coef_", "intercept_")
_NETWORK_SHAPE = ("n_features_in_", "n_layers_", "n_outputs_", "out_activation_", "out_kind_")
_NETWORK_ATTRS = _NETWORK_SHAPE + ("loss_", "loss_curve_", "best_loss_", "n_iter_", "t_",
                                   "validation_scores_", "best_validation_score_",
                                   "validation_loss_curve_")
#: class name -> the fitted attributes its fit sets (a model file may hold no other).
FITTED_ATTRIBUTES = {
    "LinearRegression": _LINEAR_ATTRS,
    "Ridge": _LINEAR_ATTRS,
    "Lasso": ("n_features_in_", "n_iter_", "coef_", "intercept_", "dual_gap_"),
    "ElasticNet": ("n_features_in_", "n_iter_", "coef_", "intercept_", "dual_gap_"),
    "LogisticRegression": _LINEAR_ATTRS + ("classes_", "_mode_"),
    "SoftmaxRegression": _LINEAR_ATTRS + ("classes_", "_mode_"),
    "LinearSVC": _LINEAR_ATTRS + ("classes_", "dual_coef_"),
    "SVC": ("n_features_in_", "n_iter_", "classes_", "n_support_", "support_",
            "support_vectors_", "dual_coef_", "intercept_", "_gamma_", "fit_status_",
            "shape_fit_"),
    "MLPClassifier": _NETWORK_ATTRS + ("classes_",),
    "MLPRegressor": _NETWORK_ATTRS,
}
for _name in FITTED_ATTRIBUTES:  # a fit on a DataFrame: its column names (checked at predict)
    FITTED_ATTRIBUTES[_name] += ("feature_names_in_",)
#: class name -> the fitted attributes that predict needs (a model file must hold them).
REQUIRED_ATTRIBUTES = {
    "LinearRegression": ("n_features_in_", "coef_", "intercept_"),
    "Ridge": ("n_features_in_", "coef_", "intercept_"),
    "Lasso": ("n_features_in_", "coef_", "intercept_"),
    "ElasticNet": ("n_features_in_", "coef_", "intercept_"),
    "LogisticRegression": ("n_features_in_", "coef_", "intercept_", "classes_", "_mode_"),
    "SoftmaxRegression": ("n_features_in_", "coef_", "intercept_", "classes_", "_mode_"),
    "LinearSVC": ("n_features_in_", "coef_", "intercept_", "classes_"),
    "SVC": ("n_features_in_", "classes_", "n_support_", "support_", "support_vectors_",
            "dual_coef_", "intercept_", "_gamma_", "shape_fit_"),
    "MLPClassifier": _NETWORK_SHAPE + ("classes_",),
    "MLPRegressor": _NETWORK_SHAPE,
}
_KINDS = ("array", "scalar", "csr", "object_array", "json")


class _Checker:
    """The checks of one model file's fitted state, each failure a ValueError naming the file
    and the attribute.  Run twice: on stand-ins with the arrays' shapes and dtypes (read from
    their .npy headers, before any data is read), then on the arrays (values).  ``network``:
    a network's (spec from _network_spec, {entry: array or stand-in})."""

    def __init__(self, path, cls_name, state, values, network=None):
        self.path, self.cls_name, self.state, self.values = path, cls_name, state, values
        self.network = network

    def fail(self, attr, what):
        return _bad(self.path, f"{self.cls_name}.{attr} {what}; the file is damaged or was "
                               f"edited")

    def get(self, attr):
        return self.state.get(attr)

    def integer(self, attr, low):
        v = self.get(attr)
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < low:
            raise self.fail(attr, f"must be an integer >= {low}, not {v!r}")
        return int(v)

    def length(self, attr, ndim):
        """The last dimension of attr when it has ndim dimensions (else -1: a shape no array
        has, so that the shape check that follows names it)."""
        shape = getattr(self.get(attr), "shape", ())
        return shape[-1] if len(shape) == ndim else -1

    def array(self, attr, kinds, shape, finite=False):
        """attr must be an ndarray of a dtype kind in ``kinds`` and shape ``shape``."""
        v = self.get(attr)
        if sp.issparse(v):  # coef_ after sparsify(): its shape, then its stored values
            if shape is not None and v.shape != tuple(shape):
                raise self.fail(attr, f"has shape {v.shape} where {tuple(shape)} is expected")
            v, shape = v.data, None
        if not isinstance(v, np.ndarray) and not (isinstance(v, np.generic) and shape == ()):
            raise self.fail(attr, f"must be an array, not a {type(v).__name__}")
        v = np.asarray(v)
        if v.dtype.kind not in kinds:
            raise self.fail(attr, f"has dtype {v.dtype}")
        if shape is not None and v.shape != tuple(shape):
            raise self.fail(attr, f"has shape {v.shape} where {tuple(shape)} is expected")
        if self.values and finite and v.size and not np.all(np.isfinite(v)):
            raise self.fail(attr, "holds NaN or infinity")
        return v

    def check(self):
        """Every check of the class; returns nothing, raises on the first failure."""
        p = self.integer("n_features_in_", 1)
        names = self.get("feature_names_in_")
        if names is not None:
            if not (isinstance(names, np.ndarray) and names.dtype == object
                    and names.shape == (p,) and all(isinstance(n, str) for n in names.tolist())):
                raise self.fail("feature_names_in_", f"must be an object array of {p} strings "
                                                     f"(n_features_in_), one per column")
            if len(set(names.tolist())) != p:
                raise self.fail("feature_names_in_", "repeats a column name")
        if self.cls_name in NETWORKS:
            self.check_network(p)
            return
        n_iter = self.get("n_iter_")
        if n_iter is not None and not isinstance(n_iter, numbers.Integral):
            self.array("n_iter_", "iu", None)
        for attr in ("loss_curve_", "validation_scores_", "validation_loss_curve_"):
            if attr in self.state and not isinstance(self.get(attr), list):
                raise self.fail(attr, f"must be a list, not a {type(self.get(attr)).__name__}")
        best = self.get("best_validation_score_")  # one number, or one per problem
        if "best_validation_score_" in self.state and not (
                _real(best) or (isinstance(best, list) and best and all(map(_real, best)))):
            raise self.fail("best_validation_score_", f"must be a number or a list of numbers, "
                                                      f"not {best!r}")
        if "solver_" in self.state and not isinstance(self.get("solver_"), str):
            raise self.fail("solver_", "must be a string")
        if self.cls_name == "SVC":
            self.check_svc(p)
        elif "classes_" in FITTED_ATTRIBUTES[self.cls_name]:
            self.check_linear_classifier(p)
        else:
            self.check_regressor(p)

    def classes(self):
        classes = self.get("classes_")
        if not isinstance(classes, np.ndarray):
            raise self.fail("classes_", f"must be an array, not a {type(classes).__name__}")
        c = self.array("classes_", "biufUO", (classes.size,))
        if c.size < 2:
            raise self.fail("classes_", f"holds {c.size} class; a classifier has at least 2")
        if self.values:
            if c.dtype.kind == "f" and not np.all(np.isfinite(c)):
                raise self.fail("classes_", "holds NaN or infinity")
            try:
                sorted_unique = np.unique(c)
            except TypeError:
                raise self.fail("classes_", "mixes labels of different types") from None
            if sorted_unique.shape != c.shape or not np.array_equal(sorted_unique, c):
                raise self.fail("classes_", "is not sorted without repeats (np.unique)")
        return c.size

    def check_regressor(self, p):
        coef = self.get("coef_")
        ndim = getattr(coef, "ndim", None)
        if ndim not in (1, 2):
            raise self.fail("coef_", f"must be a 1-D or 2-D array, not {type(coef).__name__} "
                                     f"of {ndim} dimensions")
        coef = self.array("coef_", "f", (p,) if ndim == 1 else (coef.shape[0], p), finite=True)
        icpt = self.get("intercept_")
        if ndim == 1 and isinstance(icpt, float) and not isinstance(icpt, np.generic):
            if self.values and not math.isfinite(icpt):
                raise self.fail("intercept_", "is not finite")
            return
        i = self.array("intercept_", "f", () if ndim == 1 else (coef.shape[0],), finite=True)
        if i.dtype != coef.dtype:
            raise self.fail("intercept_", f"has dtype {i.dtype}, coef_ {coef.dtype}")

    def check_linear_classifier(self, p):
        k = self.classes()
        rows = k if (k > 2 or self.cls_name == "SoftmaxRegression") else 1
        coef = self.array("coef_", "f", (rows, p), finite=True)
        i = self.array("intercept_", "f", (rows,), finite=True)
        if i.dtype != coef.dtype:
            raise self.fail("intercept_", f"has dtype {i.dtype}, coef_ {coef.dtype}")
        if "_mode_" in FITTED_ATTRIBUTES[self.cls_name]:
            modes = (("multinomial",) if self.cls_name == "SoftmaxRegression" else
                     ("binary",) if k == 2 else ("ovr", "multinomial"))
            if self.get("_mode_") not in modes:
                raise self.fail("_mode_", f"is {self.get('_mode_')!r} for {k} classes (expected "
                                          f"{' or '.join(map(repr, modes))})")
        if "dual_coef_" in self.state:
            self.array("dual_coef_", "f", (rows, self.length("dual_coef_", 2)), finite=True)

    def check_network(self, p):
        """A network's attributes against its sizes, output and target, then its arrays."""
        spec, arrays = self.network
        net = spec["net"]
        sizes = list(net.sizes)
        for attr, value, want in (("n_features_in_", p, sizes[0]),
                                  ("n_layers_", self.integer("n_layers_", 3), len(sizes)),
                                  ("n_outputs_", self.integer("n_outputs_", 1), sizes[-1])):
            if value != want:
                raise self.fail(attr, f"is {value} where the network's sizes {sizes} say {want}")
        n_outputs = sizes[-1]
        out = self.get("out_activation_")
        if out not in OUTPUTS:
            raise self.fail("out_activation_", f"is {out!r}, not an output fastoptim knows "
                                               f"({', '.join(OUTPUTS)})")
        if out != net.output:
            raise self.fail("out_activation_", f"is {out!r} where the network's output is "
                                               f"{net.output!r}")
        if self.get("out_kind_") != out:
            raise self.fail("out_kind_", f"is {self.get('out_kind_')!r} where out_activation_ "
                                         f"is {out!r}")
        target_key, target = spec["target"]
        if self.cls_name == "MLPClassifier":
            k = self.classes()
            if target:  # multilabel: one sigmoid per label, the labels 0..n_outputs_-1
                labels = self.array("classes_", "iu", (n_outputs,))
                if out != "logistic":
                    raise self.fail("out_activation_", f"is {out!r} for a multilabel "
                                                       f"classifier (expected 'logistic')")
                if self.values and not np.array_equal(labels, np.arange(n_outputs)):
                    raise self.fail("classes_", f"of a multilabel classifier must be 0..."
                                                f"{n_outputs - 1}")
            else:
                expected = "logistic" if k == 2 else "softmax"
                if out != expected:
                    raise self.fail("out_activation_", f"is {out!r} for {k} classes (expected "
                                                       f"{expected!r})")
                if n_outputs != (1 if k == 2 else k):
                    raise self.fail("n_outputs_", f"is {n_outputs} for {k} classes")
        else:
            if out != "identity":
                raise self.fail("out_activation_", f"is {out!r}; a regressor's is 'identity'")
            if target and n_outputs != 1:
                raise self.fail("n_outputs_", f"is {n_outputs} for a model fitted on a 1-D y")
        self.check_history()
        for entry, (shape, what) in spec["entries"].items():
            a = arrays[entry]
            if a.dtype != net.dtype:
                raise self.fail_entry(entry, f"has dtype {a.dtype} where the network's is "
                                             f"{net.dtype}")
            if a.shape != shape:
                raise self.fail_entry(entry, f"has shape {a.shape} where {shape} is expected "
                                             f"({what})")
            if self.values and a.size and not np.all(np.isfinite(a)):
                raise self.fail_entry(entry, "holds NaN or infinity")
            if self.values and entry.startswith(("net.running_vars.", "opt.s2")) \
                    and np.any(a < 0):
                raise self.fail_entry(entry, "holds negative values (it is a variance or a "
                                             "mean of squares)")

    def check_history(self):
        """The fitted history that continued training reads: numbers and lists of them."""
        def number(v):
            return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
        for attr, none_ok in (("loss_", False), ("best_loss_", True),
                              ("best_validation_score_", True)):
            v = self.get(attr)
            if attr in self.state and not (number(v) or (none_ok and v is None)):
                raise self.fail(attr, f"must be a number{' or None' if none_ok else ''}, not "
                                      f"{v!r}")
        for attr, none_ok in (("loss_curve_", False), ("validation_scores_", True),
                              ("validation_loss_curve_", True)):
            v = self.get(attr)
            if attr in self.state and not ((none_ok and v is None) or (
                    isinstance(v, list) and all(number(x) for x in v))):
                raise self.fail(attr, f"must be a list of numbers{' or None' if none_ok else ''}")
        for attr in ("n_iter_", "t_"):
            if attr in self.state:
                self.integer(attr, 0)

    def fail_entry(self, entry, what):
        return _bad(self.path, f"{self.cls_name}: the entry '{entry}' {what}; the file is "
                               f"damaged or was edited")

    def check_svc(self, p):
        k = self.classes()
        shape_fit = self.get("shape_fit_")
        if not (isinstance(shape_fit, tuple) and len(shape_fit) == 2 and all(
                isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
                for v in shape_fit)):
            raise self.fail("shape_fit_", f"must be a tuple of two integers >= 1, not "
                                          f"{shape_fit!r}")
        n_train = shape_fit[0]
        precomputed = self.get("_gamma_") is None
        if shape_fit[1] != p or (precomputed and n_train != p):
            raise self.fail("shape_fit_", f"is {shape_fit} for n_features_in_={p}")
        n_support = self.array("n_support_", "iu", (k,))
        n_sv = self.length("support_", 1)
        support = self.array("support_", "iu", (n_sv,))
        self.array("support_vectors_", "f", (0, 0) if precomputed else (n_sv, p), finite=True)
        self.array("dual_coef_", "f", (k - 1, n_sv), finite=True)
        self.array("intercept_", "f", (k * (k - 1) // 2,), finite=True)
        if self.get("n_iter_") is not None:
            self.array("n_iter_", "iu", (k * (k - 1) // 2,))
        if not precomputed:
            g = self.get("_gamma_")
            if isinstance(g, bool) or not isinstance(g, numbers.Real) or not (
                    math.isfinite(g) and g > 0):
                raise self.fail("_gamma_", f"must be a finite number > 0, not {g!r}")
        if self.values:
            if np.any(n_support < 0) or int(np.sum(n_support, dtype=np.int64)) != n_sv:
                raise self.fail("n_support_", f"({n_support.tolist()}) does not add up to the "
                                              f"{n_sv} support vectors")
            if n_sv and (int(support.min()) < 0 or int(support.max()) >= n_train):
                raise self.fail("support_", f"holds indices outside the {n_train} training "
                                            f"samples")


def _real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def _npy_header(zf, info):
    """(shape, dtype) of a .npy member from its header, checked against the zip directory's
    size, without reading the data."""
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        start = f.tell()
    if dtype.hasobject:
        raise ValueError(f"the entry {info.filename!r} holds Python objects (dtype {dtype}), "
                         f"which a model file never does")
    nbytes = math.prod(shape) * dtype.itemsize
    if start + nbytes != info.file_size:
        raise ValueError(f"the entry {info.filename!r} is {info.file_size} bytes but its header "
                         f"announces {start + nbytes}")
    return shape, dtype


def load_model(path: str | os.PathLike[str], *, return_metadata: bool = False,
               expected_class: type | str | tuple[type | str, ...] | None = None,
               ) -> BaseEstimator | tuple[BaseEstimator, dict[str, Any]]:
    """Read an estimator written by :func:`save_model`.

    Parameters
    ----------
    path : str or os.PathLike
        A fastoptim model file, from this process or any other.  Opened
        once, so a named pipe works too (read into memory, up to
        :data:`MAX_STREAM_BYTES`).
    return_metadata : bool, default=False
        Also return the ``metadata`` dict given to :func:`save_model` (``{}``
        when none was).
    expected_class : class, str or tuple of them, optional
        The estimator classes (or their names, :data:`SUPPORTED`) the caller
        can use, e.g. :data:`NETWORKS`: a file holding another class is a
        ValueError naming the file and both classes, raised before any array
        is read.  None accepts every supported class.

    Returns
    -------
    estimator
        A new fitted estimator of the saved class with the saved parameters
        and fitted attributes: its predictions equal, bit for bit, those of
        the estimator that was saved, and a network continues training
        (``partial_fit``, ``warm_start``) from the saved optimizer state.
    metadata : dict
        Only with ``return_metadata=True``.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        Naming the file (and the attribute or entry) and what is wrong: not a
        zip/npz archive (another kind of file), damaged or truncated, an npz
        archive that is not a fastoptim model, a newer format version, an
        unknown estimator class (or not one of ``expected_class``), a
        parameter the class does not have or that the class's own checks
        (those of ``fit``) refuse, an attribute the class does not define,
        one of the wrong type, dtype or shape (for ``n_features_in_``,
        ``classes_`` and the other attributes), a network's weights, biases or
        batch-norm statistics of the wrong shape or dtype for its sizes, an
        unknown activation or output, NaN or infinity in coefficients,
        support vectors, intercepts, weights or optimizer state, an entry
        larger than its limit (:data:`MAX_META_BYTES`,
        :data:`MAX_HEADER_ENTRY_BYTES`) or not described by ``__meta__``,
        missing entries.
    TypeError
        When ``expected_class`` is not a supported class, a name or a tuple
        of them.

    See Also
    --------
    save_model : the writer; the module docstring describes the format.
    """
    path = os.fspath(path)
    expected = _expected_names(expected_class)
    with open(path, "rb") as f:  # opened once: a named pipe cannot be read twice
        head = f.read(4)
        if head not in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
            if head and _ZIP_MAGIC.startswith(head):
                raise _bad(path, f"truncated fastoptim model file ({len(head)} bytes); save the "
                                 f"model again")
            kind = "an empty file" if not head else f"a file starting with {head!r}"
            raise _bad(path, f"not a fastoptim model file ({kind}, not an .npz archive); write "
                             f"one with fastoptim.model_io.save_model or `fastoptim train`")
        if f.seekable():
            archive_bytes = f.seek(0, os.SEEK_END)
            f.seek(0)
            source = f
        else:  # a pipe: the zip directory is at the end, so the whole stream is needed
            data = head + f.read(MAX_STREAM_BYTES + 1 - len(head))
            if len(data) > MAX_STREAM_BYTES:
                raise _bad(path, f"the stream holds more than {MAX_STREAM_BYTES} bytes, the "
                                 f"limit of a model read from a pipe; save it to a file")
            source = io.BytesIO(data)
            archive_bytes = len(data)
        try:
            with np.load(source, allow_pickle=False) as z:
                meta, arrays, network, version = _read_entries(path, z, expected,
                                                               archive_bytes)
            estimator = _build(path, meta, arrays, network, version)
        except MemoryError:  # arrays as large as the (checked) directory says, too large here
            raise _bad(path, "the model's arrays need more memory than this machine can "
                             "allocate; load it on a larger machine") from None
        except RecursionError:  # json.loads or _decode on lists nested thousands deep
            raise _bad(path, "the '__meta__' entry nests lists or objects too deeply to be "
                             "read; the file is damaged or was crafted") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            raise _bad(path, f"damaged or truncated fastoptim model file ({exc}); save the "
                             f"model again") from None
        except ValueError as exc:
            if str(exc).startswith(f"{path}: "):
                raise
            raise _bad(path, f"damaged or truncated fastoptim model file ({exc}); save the "
                             f"model again") from None
    if return_metadata:
        metadata = meta.get("metadata", {})
        try:
            metadata = {k: _decode(v) for k, v in metadata.items()} \
                if isinstance(metadata, dict) else {}
        except (TypeError, ValueError) as exc:
            raise _bad(path, f"the metadata in '__meta__' cannot be read ({exc}); the file is "
                             f"damaged or was edited") from None
        return estimator, metadata
    return estimator


def _expected_names(expected_class):
    """load_model's expected_class as a tuple of class names (None: any)."""
    if expected_class is None:
        return None
    items = expected_class if isinstance(expected_class, tuple) else (expected_class,)
    names = []
    for item in items:
        name = item if isinstance(item, str) else item.__name__ if isinstance(item, type) \
            else None
        if name not in SUPPORTED or (isinstance(item, type) and _classes()[name] is not item):
            raise TypeError(f"load_model: expected_class must be one of the classes "
                            f"{', '.join(SUPPORTED)} (or its name), or a tuple of them; got "
                            f"{item!r}")
        names.append(name)
    return tuple(names)


#: The most a deflated entry may expand (deflate's own limit is about 1032:1): a zip
#: directory announcing more than this many bytes per stored byte was edited.
MAX_DEFLATE_RATIO = 1100


def _check_directory_entry(path, info, archive_bytes):
    """The zip directory's sizes of one entry, against the archive: its data lies inside the
    file, and the size it announces is one its data can give (a stored entry is its own
    size; a deflated one expands at most MAX_DEFLATE_RATIO times).  Without this a directory
    and .npy header edited to agree on a huge array over a few bytes of data would have
    numpy allocate that array before finding the data short."""
    name = info.filename
    if info.header_offset + info.compress_size > archive_bytes:
        raise _bad(path, f"the entry {name!r} announces {info.compress_size} bytes of data at "
                         f"offset {info.header_offset}, past the end of the {archive_bytes}-byte "
                         f"file; the file is truncated or damaged: save the model again")
    if info.compress_type == zipfile.ZIP_STORED:
        plausible = info.file_size == info.compress_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        plausible = info.file_size <= MAX_DEFLATE_RATIO * info.compress_size + 1024
    else:
        raise _bad(path, f"the entry {name!r} is compressed with zip method "
                         f"{info.compress_type}, which no model file uses (only stored or "
                         f"deflated entries); the file was not written by save_model")
    if not plausible:
        raise _bad(path, f"the zip directory says the entry {name!r} holds {info.file_size} "
                         f"bytes, which its {info.compress_size} bytes of data cannot give; the "
                         f"file is damaged or was edited")


def _read_entries(path, z, expected=None, archive_bytes=None):
    """(meta, {attribute: array}, network or None, format version) of an open npz archive;
    sizes checked before reading.  network: (spec of _network_spec, {entry: array})."""
    sizes = {}
    for info in z.zip.infolist():
        if not info.filename.endswith(".npy"):
            raise _bad(path, f"the entry {info.filename!r} is not an .npy array: not a "
                             f"fastoptim model file")
        if archive_bytes is not None:
            _check_directory_entry(path, info, archive_bytes)
        sizes[info.filename[:-4]] = info
    if "__format__" not in sizes or "__meta__" not in sizes:
        raise _bad(path, "an .npz archive but not a fastoptim model file (no "
                         "'__format__'/'__meta__' entries); write one with "
                         "fastoptim.model_io.save_model or `fastoptim train`")
    for entry, limit in (("__format__", MAX_HEADER_ENTRY_BYTES),
                         ("__format_version__", MAX_HEADER_ENTRY_BYTES),
                         ("__meta__", MAX_META_BYTES)):
        if entry in sizes and sizes[entry].file_size > limit:
            raise _bad(path, f"the entry '{entry}' is {sizes[entry].file_size} bytes, above "
                             f"the limit of {limit} bytes; the file is not a fastoptim model "
                             f"file or was edited")
    fmt = z["__format__"]
    if fmt.dtype.kind != "U" or fmt.shape != () or str(fmt) != FORMAT:
        raise _bad(path, f"an .npz archive of another format ({fmt!r}), not a fastoptim model "
                         f"file")
    version = z["__format_version__"] if "__format_version__" in sizes else None
    if version is None or version.dtype.kind not in "iu" or version.shape != ():
        raise _bad(path, "the fastoptim model file has no valid '__format_version__'")
    version = int(version)
    if version > FORMAT_VERSION:
        raise _bad(path, f"written in fastoptim model format version {version}; fastoptim "
                         f"{__version__} reads up to version {FORMAT_VERSION}: upgrade fastoptim")
    if version < 1:
        raise _bad(path, f"invalid model format version {version}")
    text = z["__meta__"]
    if text.dtype.kind != "U" or text.shape != ():
        raise _bad(path, "the '__meta__' entry is not a JSON string; the file is damaged")
    try:
        meta = json.loads(str(text))
    except json.JSONDecodeError as exc:
        raise _bad(path, f"the '__meta__' entry is not valid JSON ({exc}); the file is "
                         f"damaged") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("attributes"), dict) \
            or not isinstance(meta.get("params"), dict):
        raise _bad(path, "the '__meta__' entry lacks 'params'/'attributes'; the file is damaged")
    _check_names(path, meta, version)
    if expected is not None and meta["class"] not in expected:
        raise _bad(path, f"holds a model of class {meta['class']}, where one of class "
                         f"{' or '.join(expected)} is expected; pass the file of such a model")
    stored = {attr for attr, spec in meta["attributes"].items()
              if isinstance(spec, dict) and spec.get("kind") in ("array", "scalar", "csr")}
    network = _network_spec(path, meta) if meta["class"] in NETWORKS else None
    described = {_ATTR + attr: attr for attr in stored}
    for entry in (network["entries"] if network else ()):
        described[entry] = entry
    for entry in sizes:
        if entry not in ("__format__", "__format_version__", "__meta__") \
                and entry not in described:
            raise _bad(path, f"the entry '{entry}' is not described by '__meta__' (not part of "
                             f"a fastoptim model file); the file is damaged or was edited")
    headers = {}
    for entry, key in described.items():
        if entry not in sizes:
            raise _bad(path, f"the entry '{entry}' is missing; the file is damaged")
        try:
            headers[key] = _npy_header(z.zip, sizes[entry])
        except ValueError as exc:
            raise _bad(path, f"{exc}; the file is damaged") from None
    # the shapes and dtypes, checked on stand-ins that take no memory, before any data is read
    standins = {key: np.broadcast_to(np.zeros((), dtype), shape)
                for key, (shape, dtype) in headers.items()}
    state = _state(path, meta, {attr: standins[attr] for attr in stored}, standins=True)
    _Checker(path, meta["class"], state, values=False, network=None if network is None else (
        network, {entry: standins[entry] for entry in network["entries"]})).check()
    arrays = {key: z[entry] for entry, key in described.items()}
    return (meta, {attr: arrays[attr] for attr in stored}, None if network is None else (
        network, {entry: arrays[entry] for entry in network["entries"]}), version)


def _check_names(path, meta, version):
    """The class is supported (a network needs format version 2) and every attribute is one
    its fit sets."""
    name = meta.get("class")
    if name not in SUPPORTED:
        raise _bad(path, f"holds a model of class {name!r}, which fastoptim cannot load "
                         f"(supported: {', '.join(SUPPORTED)})")
    if name in NETWORKS and version < 2:
        raise _bad(path, f"holds a {name} in format version {version}, which has no networks "
                         f"(they came with version 2); the file is damaged or was edited")
    allowed = FITTED_ATTRIBUTES[name]
    unknown = sorted(set(meta["attributes"]) - set(allowed))
    if unknown:
        raise _bad(path, f"{name} has no fitted attribute {', '.join(map(repr, unknown))} (a "
                         f"model file holds only {', '.join(allowed)}); the file is damaged or "
                         f"was edited")
    missing = [a for a in REQUIRED_ATTRIBUTES[name] if a not in meta["attributes"]]
    if missing:
        raise _bad(path, f"the {name} in the file lacks the fitted attribute"
                         f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}; the file is "
                         f"damaged")


def _network_spec(path, meta):
    """The ``"network"`` of a network's ``__meta__``, checked and parsed: {"net": Network,
    "seeds": (int, int), "target": ("multilabel" or "y_1d", bool), "optimizer": None or
    (Optimizer, n_steps, state names or None), "entries": {entry: (shape, description)}}."""
    name = meta["class"]
    spec = meta.get("network")

    def fail(what):
        return _bad(path, f"the {name}'s network in '__meta__' {what}; the file is damaged or "
                          f"was edited")

    if not isinstance(spec, dict):
        raise _bad(path, f"the {name} in the file has no 'network' in '__meta__' (its weights "
                         f"and layers); the file is damaged")
    target_key = "multilabel" if name == "MLPClassifier" else "y_1d"
    keys = {"sizes", "activation", "output", "batch_norm", "dropout", "leaky_slope", "bn_eps",
            "dtype", "seeds", "optimizer", target_key}
    if set(spec) - {"plateau"} != keys:
        raise fail(f"has the keys {sorted(spec)} where {sorted(keys)} are expected (and "
                   f"'plateau' when the fit used a ReduceOnPlateau)")
    sizes = spec["sizes"]
    if not (isinstance(sizes, list) and len(sizes) >= 3 and all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d < 2 ** 31 for d in sizes)):
        raise fail(f"has sizes {sizes!r}, not a list of 3 or more layer widths in [1, 2**31) "
                   f"(inputs, hidden layers, outputs)")
    if sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])) + 2 * sum(sizes[1:-1]) > 2 ** 40:
        raise fail(f"has sizes {sizes} of more than 2**40 parameters")
    if spec["activation"] not in ACTIVATIONS:
        raise fail(f"has the activation {spec['activation']!r}, not one fastoptim knows "
                   f"({', '.join(ACTIVATIONS)})")
    if spec["output"] not in OUTPUTS:
        raise fail(f"has the output {spec['output']!r}, not one fastoptim knows "
                   f"({', '.join(OUTPUTS)})")
    for key in ("batch_norm", target_key):
        if not isinstance(spec[key], bool):
            raise fail(f"has {key}={spec[key]!r}, not true or false")
    for key in ("dropout", "leaky_slope", "bn_eps"):
        if isinstance(spec[key], bool) or not isinstance(spec[key], numbers.Real):
            raise fail(f"has {key}={spec[key]!r}, not a number")
    if spec["dtype"] not in ("float64", "float32"):
        raise fail(f"has dtype={spec['dtype']!r}, not 'float64' or 'float32'")
    try:
        net = Network(sizes, spec["activation"], spec["output"], leaky_slope=spec["leaky_slope"],
                      batch_norm=spec["batch_norm"], dropout=spec["dropout"],
                      bn_eps=spec["bn_eps"], dtype=np.dtype(spec["dtype"]))
    except (TypeError, ValueError) as exc:
        raise fail(f"describes no network fastoptim can build ({exc})") from None
    seeds = spec["seeds"]
    if not (isinstance(seeds, list) and len(seeds) == 2 and all(
            isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2 ** 63 for s in seeds)):
        raise fail(f"has seeds={seeds!r}, not two ints in [0, 2**63)")
    optimizer = spec["optimizer"]
    if optimizer is not None:
        if not (isinstance(optimizer, dict) and set(optimizer) -
                {"scalars", "group_scalars"} == {"object", "n_steps", "state"}):
            raise fail("has an optimizer that is not {'object', 'n_steps', 'state'[, "
                       "'scalars'][, 'group_scalars']}")
        try:
            opt = _decode(optimizer["object"], objects=True)
        except (TypeError, ValueError) as exc:
            raise fail(f"has an optimizer that cannot be rebuilt ({exc})") from None
        if not isinstance(opt, Optimizer):
            raise fail(f"has an optimizer that is a {type(opt).__name__}, not a fastoptim.optim "
                       f"optimizer")
        n_steps, names = optimizer["n_steps"], optimizer["state"]
        if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 0:
            raise fail(f"has an optimizer with n_steps={n_steps!r}, not an int >= 0")
        own = sorted({s for chain in opt._chains() for t in chain.transforms
                      for s in t.state_names})
        if names is not None and names != own:
            raise fail(f"has the optimizer state {names!r} where {opt!r} has {own}")
        scalars = [_carried_scalars(optimizer.get("scalars", {}), opt, n_steps, "scalars", fail)]
        groups = optimizer.get("group_scalars")
        if groups is None and opt._groups and scalars[0]:
            raise fail(f"has no optimizer group_scalars where {opt!r} after {n_steps} steps "
                       f"carries {list(opt._scalar_names)} in each of its param_groups")
        if groups is None:  # (an optimizer that carries nothing, or before a first step)
            scalars[:0] = [{} for _ in opt._groups]
        else:
            if not (isinstance(groups, list) and len(groups) == len(opt._groups) and scalars[0]):
                raise fail(f"has the optimizer group_scalars {groups!r} where {opt!r} after "
                           f"{n_steps} steps carries numbers in "
                           f"{len(opt._groups) if scalars[0] else 'none'} of its param_groups")
            scalars[:0] = [_carried_scalars(g, chain, n_steps, f"group_scalars[{k}]", fail)
                           for k, (g, (_, chain)) in enumerate(zip(groups, opt._groups))]
        optimizer = (opt, n_steps, names, scalars)
    plateau = spec.get("plateau")
    if plateau is not None:
        try:
            plateau = _decode(plateau, objects=True)
        except (TypeError, ValueError) as exc:
            raise fail(f"has a plateau schedule that cannot be rebuilt ({exc})") from None
        if not isinstance(plateau, ReduceOnPlateau):
            raise fail(f"has a plateau schedule that is a {type(plateau).__name__}, not a "
                       f"ReduceOnPlateau")
        if optimizer is None:
            raise fail("has a plateau schedule but no optimizer (an 'lbfgs' or 'gd' fit has "
                       "neither)")
    entries = {}
    for l, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        entries[f"net.coefs.{l}"] = ((a, b), f"layer {l} maps {a} inputs to {b} units: the "
                                             f"network's sizes are {sizes}")
        entries[f"net.intercepts.{l}"] = ((b,), f"one per unit of layer {l}")
    if net.batch_norm:
        for l, d in enumerate(sizes[1:-1]):
            for part in ("gammas", "betas", "running_means", "running_vars"):
                entries[f"net.{part}.{l}"] = ((d,), f"one per unit of hidden layer {l}")
    for s in (optimizer[2] or ()) if optimizer else ():
        entries[f"opt.{s}"] = ((net.n_params,), "one per parameter of the network")
    return {"net": net, "seeds": tuple(seeds), "target": (target_key, spec[target_key]),
            "optimizer": optimizer, "plateau": plateau, "entries": entries}


def _state(path, meta, arrays, standins=False):
    """{attribute: value} from the decoded ``__meta__`` and the ``attr.*`` arrays (or their
    stand-ins: read-only zero-stride views with the shapes and dtypes of the entries)."""
    state = {}
    for attr, spec in meta["attributes"].items():
        kind = spec.get("kind") if isinstance(spec, dict) else None
        if kind in ("array", "scalar", "csr"):
            value = arrays[attr]
            if kind == "scalar":
                if value.shape != ():
                    raise _bad(path, f"attribute {attr} is stored as a scalar but has shape "
                                     f"{value.shape}; the file is damaged")
                value = value[()]
            elif kind == "csr":
                if value.ndim != 2:
                    raise _bad(path, f"attribute {attr} is stored as a CSR matrix but has "
                                     f"shape {value.shape}; the file is damaged")
                # a stand-in (no data read yet) gives an empty matrix of its shape and dtype
                value = sp.csr_matrix(value.shape, dtype=value.dtype) if standins else \
                    sp.csr_matrix(value)
        elif kind in ("object_array", "json"):
            try:
                value = _json_attribute(spec, kind)
            except (TypeError, ValueError) as exc:
                raise _bad(path, f"attribute {attr}: {exc}; the file is damaged") from None
        else:
            raise _bad(path, f"attribute {attr} has an unknown kind {kind!r}; the file is "
                             f"damaged or from a newer fastoptim")
        state[attr] = value
    return state


def _json_attribute(spec, kind):
    """The value of an attribute stored in ``__meta__`` (kind 'json' or 'object_array')."""
    if kind == "json":
        return _decode(spec.get("value"))
    items = spec.get("items", [])
    if not isinstance(items, list):
        raise ValueError("its items are not a list")
    items = [_decode(v) for v in items]
    shape = spec.get("shape", [len(items)])
    if not (isinstance(shape, list) and all(isinstance(d, int) and not isinstance(d, bool)
                                            and d >= 0 for d in shape)) \
            or math.prod(shape) != len(items):
        raise ValueError(f"{len(items)} items for shape {shape!r}")
    value = np.empty(len(items), dtype=object)
    value[:] = items
    return value.reshape(shape)


def _build(path, meta, arrays, network=None, version=1):
    """The estimator described by the decoded ``__meta__``, the ``attr.*`` arrays and, for a
    network, its (spec, {entry: array})."""
    name = meta["class"]
    cls = _classes()[name]
    params = {}
    for key, value in meta["params"].items():
        try:
            params[key] = _decode(value, objects=version >= 2)
        except (TypeError, ValueError) as exc:
            raise _bad(path, f"the {name}'s parameter {key} cannot be rebuilt ({exc}); the file "
                             f"is damaged or was edited") from None
    unknown = sorted(set(params) - set(cls().get_params(deep=False)))
    if unknown:
        raise _bad(path, f"{name} has no parameter {', '.join(map(repr, unknown))}; the file "
                         f"was written by another fastoptim version")
    estimator = cls(**params)
    try:
        estimator._check_params()  # the checks fit makes, the estimator's own
    except (TypeError, ValueError) as exc:
        raise _bad(path, f"the {name}'s parameters are invalid: {exc}; the file is damaged or "
                         f"was edited") from None
    state = _state(path, meta, arrays)
    _Checker(path, name, state, values=True, network=network).check()
    for attr, value in state.items():
        setattr(estimator, attr, value)
    if network is not None:
        _restore_network(estimator, *network)
    return estimator


def _carried_scalars(scalars, opt, n_steps, where, fail):
    """The carried scalars of a file's optimizer (of one of its groups: ``opt`` its chain),
    checked: those of its rule once it has stepped, none before."""
    carried = list(opt._scalar_names) if n_steps > 0 else []  # (none before a first step)
    if not (isinstance(scalars, dict) and sorted(scalars) == sorted(carried)):
        raise fail(f"has the optimizer {where} {scalars!r} where {opt!r} after {n_steps} "
                   f"steps carries {carried}")
    try:
        return {k: check_carried_scalar(v, k, where) for k, v in scalars.items()}
    except ValueError as exc:
        raise fail(f"has an optimizer whose {exc}") from None


def _restore_network(estimator, spec, arrays):
    """Set a network estimator's private fitted state (what fit leaves besides the ``*_``
    attributes) from its checked network spec and arrays."""
    net = spec["net"]
    n_layers, n_hidden = net.n_layers, (net.n_layers - 1 if net.batch_norm else 0)

    def layers(part, n):
        return [arrays[f"net.{part}.{l}"] for l in range(n)]

    params = net.pack(layers("coefs", n_layers), layers("intercepts", n_layers),
                      layers("gammas", n_hidden) or None, layers("betas", n_hidden) or None)
    running = net.new_running()
    for dst, src in zip(net.unpack_running(running),
                        (layers("running_means", n_hidden), layers("running_vars", n_hidden))):
        for d, s in zip(dst, src):
            d[:] = s
    opt = None
    if spec["optimizer"] is not None:
        opt, n_steps, names, scalars = spec["optimizer"]
        opt.n_steps = n_steps
        for chain, carried in zip(opt._chains(), scalars):  # every group's own
            chain._scalars = carried
        opt.state = None if names is None else [
            {s: np.array(arrays[f"opt.{s}"], order="C") for s in names}]
    target_key, target = spec["target"]
    estimator._net, estimator._params, estimator._running = net, params, running
    estimator._seeds, estimator._optimizer = spec["seeds"], opt
    plateau = spec["plateau"]  # the copy partial_fit continues, when the schedule still is one
    usable = plateau is not None and isinstance(getattr(estimator, "schedule", None),
                                                ReduceOnPlateau)
    estimator._plateau = plateau if usable else None
    estimator._plateau_of = estimator.schedule if usable else None
    setattr(estimator, "_" + target_key, target)
