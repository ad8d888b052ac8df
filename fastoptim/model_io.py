"""Save fitted estimators to a file and load them back, without pickle.

:func:`save_model` writes a fitted :class:`~fastoptim.LinearRegression`,
:class:`~fastoptim.Ridge`, :class:`~fastoptim.LogisticRegression`,
:class:`~fastoptim.SoftmaxRegression`, :class:`~fastoptim.LinearSVC` or
:class:`~fastoptim.SVC` (named or precomputed kernels, dense training data);
:func:`load_model` rebuilds it, in any process, so that ``predict``,
``decision_function`` and ``predict_proba`` give the same bits as before the
save.  The ``fastoptim train`` / ``fastoptim predict`` commands use these
files.

The file format (version 1)
---------------------------
A NumPy ``.npz`` archive (a zip file of ``.npy`` arrays, see
:func:`numpy.savez`), read with ``allow_pickle=False``: no entry can run code
when the file is loaded.  Its entries:

``__format__``
    The string ``'fastoptim-model'`` (a 0-d unicode array): what the file is.
``__format_version__``
    The integer 1 (a 0-d int64 array).  A reader refuses files of a newer
    version than it knows.
``__meta__``
    A JSON document (a 0-d unicode array) with the keys

    - ``"format"``, ``"format_version"``: the two entries above, repeated;
    - ``"fastoptim_version"``: the version that wrote the file (informative);
    - ``"class"``: the estimator's class name, one of :data:`SUPPORTED`;
    - ``"params"``: ``get_params(deep=False)``, each value encoded as below;
    - ``"dropped_params"``: ``{name: repr}`` of the parameters that cannot be
      stored (an optimizer or schedule object, a ``RandomState``): the loaded
      estimator has the class's default there, which does not change its
      predictions, only a later refit;
    - ``"attributes"``: the fitted attributes (the instance's attributes whose
      name ends with ``_``), ``{name: {"kind": ..., ...}}`` with kind
      ``"array"`` (an ndarray, stored as the entry ``attr.<name>``, dtype and
      shape kept), ``"scalar"`` (a NumPy scalar, stored as a 0-d entry
      ``attr.<name>``, restored as a scalar of its dtype), ``"csr"`` (``coef_`` after
      ``sparsify()``: stored dense as ``attr.coef_``, restored as a CSR matrix), ``"object_array"``
      (an object ndarray, e.g. string class labels, stored in JSON as
      ``"shape"`` and ``"items"``) or ``"json"`` (a Python number, string,
      bool, None, or a list/tuple/dict of those, in ``"value"``).
``attr.<name>``
    One ``.npy`` array per stored array attribute.

JSON values: numbers, strings, booleans and None as themselves (floats
written with their shortest round-trip text, so they come back exactly);
tuples as ``{"__tuple__": [...]}``; dicts whose keys are not all strings as
``{"__items__": [[key, value], ...]}``; other dicts as objects.

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
import errno
import json
import math
import numbers
import os
import secrets
import warnings
import zipfile
import zlib

import numpy as np
import scipy.sparse as sp

__all__ = ["save_model", "load_model", "FORMAT", "FORMAT_VERSION", "SUPPORTED"]

#: The value of the ``__format__`` entry.
FORMAT = "fastoptim-model"
#: The format version this module writes (and the newest it reads).
FORMAT_VERSION = 1
#: The estimator classes save_model writes and load_model reads, by name.
SUPPORTED = ("LinearRegression", "Ridge", "LogisticRegression", "SoftmaxRegression", "LinearSVC",
             "SVC")

_ATTR = "attr."
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"


def _classes():
    """name -> class of the supported estimators (imported here: no import cycle)."""
    from .linear_model import LinearRegression, LogisticRegression, Ridge, SoftmaxRegression
    from .svm import SVC, LinearSVC

    return {cls.__name__: cls for cls in (LinearRegression, Ridge, LogisticRegression,
                                          SoftmaxRegression, LinearSVC, SVC)}


class _Unencodable(Exception):
    """A value with no JSON encoding here (an object, a RandomState, ...)."""


def _encode(value):
    """A JSON-able form of value (see the module docstring), or raise _Unencodable."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)  # shortest round-trip text: read back exactly (nan/inf as NaN/Infinity)
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not ({"__tuple__", "__items__"} & set(value)):
            return {k: _encode(v) for k, v in value.items()}
        return {"__items__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise _Unencodable(type(value).__name__)


def _decode(value):
    """The inverse of _encode."""
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_decode(v) for v in value["__tuple__"])
        if set(value) == {"__items__"}:
            return {_hashable(_decode(k)): _decode(v) for k, v in value["__items__"]}
        return {k: _decode(v) for k, v in value.items()}
    return value


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def _fitted_attributes(estimator):
    """The fitted state: instance attributes named ``*_`` (not dunder), sorted by name."""
    return {name: value for name, value in sorted(vars(estimator).items())
            if name.endswith("_") and not name.startswith("__")}


def save_model(estimator, path):
    """Write a fitted estimator to ``path`` (the fastoptim model format, no pickle).

    Parameters
    ----------
    estimator : LinearRegression, Ridge, LogisticRegression, SoftmaxRegression, LinearSVC or SVC
        Fitted.  Its parameters (``get_params(deep=False)``) and every fitted
        attribute (the attributes whose name ends with ``_``: ``coef_``,
        ``intercept_``, ``classes_``, ``n_features_in_``, ``loss_curve_``, ...)
        are stored; arrays keep their dtype (float32 stays float32) and
        string labels stay strings.
    path : str or os.PathLike
        The file to write, used as given (no extension is added; ``.npz`` is
        the natural one).  Written to a temporary file in the same directory
        first and then renamed, so an interrupted save never leaves a
        truncated model under ``path``.

    Raises
    ------
    TypeError
        When the estimator is not one of :data:`SUPPORTED` (a subclass
        neither), or a fitted attribute has a type that cannot be stored.
    fastoptim.exceptions.NotFittedError
        When the estimator is not fitted.

    Warns
    -----
    UserWarning
        For each parameter whose value cannot be stored (an optimizer or
        schedule object, a ``RandomState``): the loaded model has the
        default value there.  Predictions do not depend on it.

    See Also
    --------
    load_model : the reader; the module docstring describes the format.
    """
    from . import __version__
    from .base import check_is_fitted

    name = type(estimator).__name__
    if name not in SUPPORTED or _classes()[name] is not type(estimator):
        raise TypeError(f"save_model supports the estimators {', '.join(SUPPORTED)}; got "
                        f"{type(estimator).__module__}.{type(estimator).__qualname__}")
    check_is_fitted(estimator)
    if name == "SVC" and callable(estimator.kernel):
        raise TypeError("save_model: an SVC with a callable kernel cannot be stored (the file "
                        "holds no code); use a named kernel, or kernel='precomputed' with the "
                        "matrix computed by your function")
    params, dropped = {}, {}
    for key, value in estimator.get_params(deep=False).items():
        try:
            params[key] = _encode(value)
        except _Unencodable:
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
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "fastoptim_version": __version__,
            "class": name, "params": params, "dropped_params": dropped,
            "attributes": attributes}
    entries = {"__format__": np.array(FORMAT), "__format_version__": np.array(FORMAT_VERSION,
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


def _bad(path, what):
    return ValueError(f"{path}: {what}")


def load_model(path):
    """Read an estimator written by :func:`save_model`.

    Parameters
    ----------
    path : str or os.PathLike
        A fastoptim model file, from this process or any other.

    Returns
    -------
    estimator
        A new fitted estimator of the saved class with the saved parameters
        and fitted attributes: its predictions equal, bit for bit, those of
        the estimator that was saved.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        Naming the file and what is wrong: not a zip/npz archive (another
        kind of file), damaged or truncated, an npz archive that is not a
        fastoptim model, a newer format version, an unknown estimator class,
        a parameter the class does not have, or missing entries.

    See Also
    --------
    save_model : the writer; the module docstring describes the format.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(4)
    if head not in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
        if head and _ZIP_MAGIC.startswith(head):
            raise _bad(path, f"truncated fastoptim model file ({len(head)} bytes); save the "
                             f"model again")
        kind = "an empty file" if not head else f"a file starting with {head!r}"
        raise _bad(path, f"not a fastoptim model file ({kind}, not an .npz archive); write one "
                         f"with fastoptim.model_io.save_model or `fastoptim train`")
    try:
        with np.load(path, allow_pickle=False) as z:
            names = set(z.files)
            if "__format__" not in names or "__meta__" not in names:
                raise _bad(path, "an .npz archive but not a fastoptim model file (no "
                                 "'__format__'/'__meta__' entries); write one with "
                                 "fastoptim.model_io.save_model or `fastoptim train`")
            fmt = z["__format__"]
            if fmt.dtype.kind != "U" or fmt.shape != () or str(fmt) != FORMAT:
                raise _bad(path, f"an .npz archive of another format ({fmt!r}), not a "
                                 f"fastoptim model file")
            version = z["__format_version__"] if "__format_version__" in names else None
            if version is None or version.dtype.kind not in "iu" or version.shape != ():
                raise _bad(path, "the fastoptim model file has no valid '__format_version__'")
            version = int(version)
            if version > FORMAT_VERSION:
                from . import __version__
                raise _bad(path, f"written in fastoptim model format version {version}; "
                                 f"fastoptim {__version__} reads up to version {FORMAT_VERSION}: "
                                 f"upgrade fastoptim")
            if version < 1:
                raise _bad(path, f"invalid model format version {version}")
            try:
                meta = json.loads(str(z["__meta__"]))
            except json.JSONDecodeError as exc:
                raise _bad(path, f"the '__meta__' entry is not valid JSON ({exc}); the file is "
                                 f"damaged") from None
            arrays = {n[len(_ATTR):]: z[n] for n in z.files if n.startswith(_ATTR)}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise _bad(path, f"damaged or truncated fastoptim model file ({exc}); save the model "
                         f"again") from None
    except ValueError as exc:
        if str(exc).startswith(f"{path}: "):
            raise
        raise _bad(path, f"damaged or truncated fastoptim model file ({exc}); save the model "
                         f"again") from None
    return _build(path, meta, arrays)


def _build(path, meta, arrays):
    """The estimator described by the decoded ``__meta__`` and the ``attr.*`` arrays."""
    if not isinstance(meta, dict) or not isinstance(meta.get("attributes"), dict) \
            or not isinstance(meta.get("params"), dict):
        raise _bad(path, "the '__meta__' entry lacks 'params'/'attributes'; the file is damaged")
    name = meta.get("class")
    classes = _classes()
    if name not in classes:
        raise _bad(path, f"holds a model of class {name!r}, which fastoptim cannot load "
                         f"(supported: {', '.join(SUPPORTED)})")
    cls = classes[name]
    params = {k: _decode(v) for k, v in meta["params"].items()}
    unknown = sorted(set(params) - set(cls().get_params(deep=False)))
    if unknown:
        raise _bad(path, f"{name} has no parameter {', '.join(map(repr, unknown))}; the file "
                         f"was written by another fastoptim version")
    estimator = cls(**params)
    for attr, spec in meta["attributes"].items():
        kind = spec.get("kind") if isinstance(spec, dict) else None
        if kind in ("array", "scalar", "csr"):
            if attr not in arrays:
                raise _bad(path, f"the entry '{_ATTR}{attr}' is missing; the file is damaged")
            value = arrays[attr][()] if kind == "scalar" else arrays[attr]
            if kind == "csr":
                value = sp.csr_matrix(np.atleast_2d(value))
        elif kind == "object_array":
            items = [_decode(v) for v in spec.get("items", [])]
            shape = tuple(spec.get("shape", [len(items)]))
            if math.prod(shape) != len(items):
                raise _bad(path, f"attribute {attr}: {len(items)} items for shape {shape}; the "
                                 f"file is damaged")
            value = np.empty(len(items), dtype=object)
            value[:] = items
            value = value.reshape(shape)
        elif kind == "json":
            value = _decode(spec.get("value"))
        else:
            raise _bad(path, f"attribute {attr} has an unknown kind {kind!r}; the file is "
                             f"damaged or from a newer fastoptim")
        setattr(estimator, attr, value)
    if not hasattr(estimator, "n_features_in_"):
        raise _bad(path, f"the {name} in the file has no fitted attributes (n_features_in_); "
                         f"the file is damaged")
    return estimator
