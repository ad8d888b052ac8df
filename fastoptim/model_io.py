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
      bool, None, or a list/tuple/dict of those, in ``"value"``).
``attr.<name>``
    One ``.npy`` array per stored array attribute.

:func:`load_model` trusts nothing in the file: it refuses entries that
``__meta__`` does not describe, an ``__meta__`` above :data:`MAX_META_BYTES`,
attributes the class does not define (:data:`FITTED_ATTRIBUTES`), arrays
whose shape or dtype disagrees with ``n_features_in_``, ``classes_`` or each
other (checked on the .npy headers and the zip directory, before any array
is read), NaN or infinity in coefficients, intercepts and support vectors,
and parameters that the estimator's own checks (those of ``fit``) refuse.

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
import io
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

from ._version import __version__
from .base import check_is_fitted
from .linear_model import LinearRegression, LogisticRegression, Ridge, SoftmaxRegression
from .svm import SVC, LinearSVC

__all__ = ["save_model", "load_model", "FORMAT", "FORMAT_VERSION", "SUPPORTED", "FITTED_ATTRIBUTES",
           "REQUIRED_ATTRIBUTES", "MAX_META_BYTES", "MAX_HEADER_ENTRY_BYTES", "MAX_STREAM_BYTES"]

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
    """name -> class of the supported estimators."""
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


def save_model(estimator, path, *, metadata=None):
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
    metadata : dict, optional
        Facts about the training data that a reader needs besides the model
        (``fastoptim train`` stores the svmlight index base): string keys,
        values numbers, strings, booleans, None or lists/dicts of those.
        :func:`load_model` returns it with ``return_metadata=True``.

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
            "attributes": attributes, "metadata": metadata}
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


# -- limits and the fitted state each class may hold ------------------------------------------

#: Largest ``__meta__`` entry (uncompressed) load_model reads: 64 MiB of JSON.
MAX_META_BYTES = 64 << 20
#: Largest ``__format__`` / ``__format_version__`` entry (uncompressed): 4 KiB.
MAX_HEADER_ENTRY_BYTES = 4096
#: Largest model read from a stream that cannot seek (a named pipe): 4 GiB.
MAX_STREAM_BYTES = 4 << 30

_COMMON_ATTRS = ("n_features_in_", "n_iter_", "solver_", "loss_curve_", "validation_scores_")
_LINEAR_ATTRS = _COMMON_ATTRS + ("coef_", "intercept_")
#: class name -> the fitted attributes its fit sets (a model file may hold no other).
FITTED_ATTRIBUTES = {
    "LinearRegression": _LINEAR_ATTRS,
    "Ridge": _LINEAR_ATTRS,
    "LogisticRegression": _LINEAR_ATTRS + ("classes_", "_mode_"),
    "SoftmaxRegression": _LINEAR_ATTRS + ("classes_", "_mode_"),
    "LinearSVC": _LINEAR_ATTRS + ("classes_", "dual_coef_"),
    "SVC": ("n_features_in_", "n_iter_", "classes_", "n_support_", "support_",
            "support_vectors_", "dual_coef_", "intercept_", "_gamma_", "fit_status_",
            "shape_fit_"),
}
#: class name -> the fitted attributes that predict needs (a model file must hold them).
REQUIRED_ATTRIBUTES = {
    "LinearRegression": ("n_features_in_", "coef_", "intercept_"),
    "Ridge": ("n_features_in_", "coef_", "intercept_"),
    "LogisticRegression": ("n_features_in_", "coef_", "intercept_", "classes_", "_mode_"),
    "SoftmaxRegression": ("n_features_in_", "coef_", "intercept_", "classes_", "_mode_"),
    "LinearSVC": ("n_features_in_", "coef_", "intercept_", "classes_"),
    "SVC": ("n_features_in_", "classes_", "n_support_", "support_", "support_vectors_",
            "dual_coef_", "intercept_", "_gamma_", "shape_fit_"),
}
_KINDS = ("array", "scalar", "csr", "object_array", "json")


class _Checker:
    """The checks of one model file's fitted state, each failure a ValueError naming the file
    and the attribute.  Run twice: on stand-ins with the arrays' shapes and dtypes (read from
    their .npy headers, before any data is read), then on the arrays (values)."""

    def __init__(self, path, cls_name, state, values):
        self.path, self.cls_name, self.state, self.values = path, cls_name, state, values

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
        n_iter = self.get("n_iter_")
        if n_iter is not None and not isinstance(n_iter, numbers.Integral):
            self.array("n_iter_", "iu", None)
        for attr in ("loss_curve_", "validation_scores_"):
            if attr in self.state and not isinstance(self.get(attr), list):
                raise self.fail(attr, f"must be a list, not a {type(self.get(attr)).__name__}")
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


def load_model(path, *, return_metadata=False):
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

    Returns
    -------
    estimator
        A new fitted estimator of the saved class with the saved parameters
        and fitted attributes: its predictions equal, bit for bit, those of
        the estimator that was saved.
    metadata : dict
        Only with ``return_metadata=True``.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        Naming the file (and the attribute) and what is wrong: not a zip/npz
        archive (another kind of file), damaged or truncated, an npz archive
        that is not a fastoptim model, a newer format version, an unknown
        estimator class, a parameter the class does not have or that the
        class's own checks (those of ``fit``) refuse, an attribute the class
        does not define, one of the wrong type, dtype or shape (for
        ``n_features_in_``, ``classes_`` and the other attributes), NaN or
        infinity in coefficients, support vectors or intercepts, an entry
        larger than its limit (:data:`MAX_META_BYTES`,
        :data:`MAX_HEADER_ENTRY_BYTES`) or not described by ``__meta__``,
        missing entries.

    See Also
    --------
    save_model : the writer; the module docstring describes the format.
    """
    path = os.fspath(path)
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
            f.seek(0)
            source = f
        else:  # a pipe: the zip directory is at the end, so the whole stream is needed
            data = head + f.read(MAX_STREAM_BYTES + 1 - len(head))
            if len(data) > MAX_STREAM_BYTES:
                raise _bad(path, f"the stream holds more than {MAX_STREAM_BYTES} bytes, the "
                                 f"limit of a model read from a pipe; save it to a file")
            source = io.BytesIO(data)
        try:
            with np.load(source, allow_pickle=False) as z:
                meta, arrays = _read_entries(path, z)
            estimator = _build(path, meta, arrays)
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
        return estimator, ({k: _decode(v) for k, v in metadata.items()}
                           if isinstance(metadata, dict) else {})
    return estimator


def _read_entries(path, z):
    """(meta, {attribute: array}) of an open npz archive; sizes checked before reading."""
    sizes = {}
    for info in z.zip.infolist():
        if not info.filename.endswith(".npy"):
            raise _bad(path, f"the entry {info.filename!r} is not an .npy array: not a "
                             f"fastoptim model file")
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
    stored = {attr for attr, spec in meta["attributes"].items()
              if isinstance(spec, dict) and spec.get("kind") in ("array", "scalar", "csr")}
    for entry in sizes:
        if entry not in ("__format__", "__format_version__", "__meta__") and not (
                entry.startswith(_ATTR) and entry[len(_ATTR):] in stored):
            raise _bad(path, f"the entry '{entry}' is not described by '__meta__' (not part of "
                             f"a fastoptim model file); the file is damaged or was edited")
    _check_names(path, meta)
    headers = {}
    for attr in stored:
        if _ATTR + attr not in sizes:
            raise _bad(path, f"the entry '{_ATTR}{attr}' is missing; the file is damaged")
        try:
            headers[attr] = _npy_header(z.zip, sizes[_ATTR + attr])
        except ValueError as exc:
            raise _bad(path, f"{exc}; the file is damaged") from None
    # the shapes and dtypes, checked on stand-ins that take no memory, before any data is read
    state = _state(path, meta, {attr: np.broadcast_to(np.zeros((), dtype), shape)
                                for attr, (shape, dtype) in headers.items()}, standins=True)
    _Checker(path, meta["class"], state, values=False).check()
    return meta, {attr: z[_ATTR + attr] for attr in stored}


def _check_names(path, meta):
    """The class is supported and every attribute is one its fit sets."""
    name = meta.get("class")
    if name not in SUPPORTED:
        raise _bad(path, f"holds a model of class {name!r}, which fastoptim cannot load "
                         f"(supported: {', '.join(SUPPORTED)})")
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
        elif kind == "object_array":
            items = [_decode(v) for v in spec.get("items", [])]
            shape = tuple(spec.get("shape", [len(items)]))
            if not all(isinstance(d, int) and d >= 0 for d in shape) \
                    or math.prod(shape) != len(items):
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
        state[attr] = value
    return state


def _build(path, meta, arrays):
    """The estimator described by the decoded ``__meta__`` and the ``attr.*`` arrays."""
    name = meta["class"]
    cls = _classes()[name]
    params = {k: _decode(v) for k, v in meta["params"].items()}
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
    _Checker(path, name, state, values=True).check()
    for attr, value in state.items():
        setattr(estimator, attr, value)
    return estimator
