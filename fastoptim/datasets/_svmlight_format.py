"""Read and write the svmlight / LIBSVM sparse text format.

The parsing and the formatting loops are C (src_c/svmlight.c, glued by
fastoptim/_core/_svmlight.pyx); this module opens and decompresses the file,
validates the arguments, resolves the index base and turns the C reader's
error details into messages that name the file and the line.
"""
from __future__ import annotations

import locale
import os
import re
from typing import BinaryIO, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, DTypeLike

from fastoptim._core import _svmlight as _c
from fastoptim._core._status import ERR_NO_MEMORY, ERR_NONFINITE, OK, strerror

from ._io import concatenate_parts, display_name, iter_line_chunks, open_binary

__all__ = ["load_svmlight", "dump_svmlight"]

_R = _c.REASONS
_INT32_MAX = np.iinfo(np.int32).max
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")


def _float_dtype(dtype, name="dtype"):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"{name}={dtype} is not supported; pass np.float32 or np.float64")
    return dtype


def _index_base(zero_based):
    if isinstance(zero_based, str):
        if zero_based != "auto":
            raise ValueError(f"zero_based={zero_based!r} is not valid; pass True, False or 'auto'")
        return _c.INDEX_AUTO
    if zero_based in (True, False):  # also numpy bools
        return _c.INDEX_ZERO_BASED if zero_based else _c.INDEX_ONE_BASED
    raise ValueError(f"zero_based={zero_based!r} is not valid; pass True, False or 'auto'")


def _quote(token, limit=40):
    text = token.decode("utf-8", errors="replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _parse_error(name, info, buf, n_features, dtype):
    """The ValueError (or MemoryError) for a failed parse, naming file, line and token."""
    tok = bytes(buf[info["token_start"]:info["token_start"] + info["token_len"]])
    reason = info["reason"]
    where = f"{name}:{info['line']}: "
    if reason == _R["missing_label"]:
        msg = f"missing label: the line starts with the index:value pair {_quote(tok)}"
    elif reason == _R["bad_label"]:
        msg = f"label {_quote(tok)} is not a number"
    elif reason == _R["multilabel"]:
        msg = (f"label {_quote(tok)} is a comma-separated list; multilabel files are not "
               "supported")
    elif reason == _R["nonfinite_label"]:
        msg = f"label {_quote(tok)} is not finite"
    elif reason == _R["bad_pair"]:
        msg = f"{_quote(tok)} is not an index:value pair"
    elif reason == _R["bad_index"]:
        text = tok.decode("utf-8", errors="replace")
        if _INTEGER.match(text) and text.startswith("-"):
            msg = f"feature index {_quote(tok)} is negative"
        elif _INTEGER.match(text):
            msg = (f"feature index {_quote(tok)} has a sign; write indices as plain digits "
                   f"({text.lstrip('+')!r})")
        else:
            msg = f"feature index {_quote(tok)} is not an integer"
    elif reason == _R["index_too_large"]:
        msg = f"feature index {_quote(tok)} is too large (the limit is {_INT32_MAX})"
    elif reason == _R["zero_index"]:
        msg = ("feature index 0 in a file read as one-based (zero_based=False); pass "
               "zero_based=True or zero_based='auto' (the fastoptim command: --zero-based, "
               "for a test file too when the training file was zero-based)")
    elif reason == _R["index_out_of_range"]:
        msg = (f"feature index {tok.decode()} does not fit in n_features={n_features}; pass a "
               "larger n_features, or n_features=None to take it from the file")
    elif reason == _R["decreasing_index"]:
        msg = (f"feature index {tok.decode()} follows index {info['prev_index']}: indices must "
               "be strictly increasing on a line")
    elif reason == _R["duplicate_index"]:
        msg = (f"feature index {tok.decode()} appears twice: indices must be strictly "
               "increasing on a line")
    elif reason in (_R["bad_value"], _R["nonfinite_value"]):
        index, _, value = tok.partition(b":")
        if not value:
            msg = f"missing value after {_quote(index + b':')}"
        elif reason == _R["bad_value"]:
            msg = f"value {_quote(value)} of feature {index.decode()} is not a number"
        elif dtype == np.float32 and np.isfinite(float(value)):
            msg = (f"value {_quote(value)} of feature {index.decode()} overflows float32; "
                   "load with dtype=np.float64")
        else:
            msg = f"value {_quote(value)} of feature {index.decode()} is not finite"
    elif reason == _R["bad_qid"]:
        msg = f"qid {_quote(tok)} is not an integer"
    elif reason == _R["misplaced_qid"]:
        msg = f"{_quote(tok)}: qid:<int> must come right after the label"
    else:  # capacity: a bug in the bounds, not in the file
        msg = f"internal error of the svmlight reader (reason {reason}); please report it"
    return ValueError(where + msg)


def load_svmlight(path: str | os.PathLike[str] | BinaryIO, n_features: int | None = None,
                  dtype: DTypeLike = np.float64, zero_based: bool | Literal["auto"] = "auto",
                  dense: bool = False, query_id: bool = False,
                  ) -> (tuple[sp.csr_matrix | np.ndarray, np.ndarray]
                        | tuple[sp.csr_matrix | np.ndarray, np.ndarray, np.ndarray]):
    """Load a file in svmlight / LIBSVM format.

    Each line is ``<label> [qid:<int>] <index>:<value> ...`` with strictly
    increasing feature indices, optionally followed by a ``#`` comment; blank
    lines and comment lines are skipped.  The parsing runs in C without the
    GIL.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        The file; ``.gz``, ``.bz2`` and ``.xz`` files are decompressed by
        their extension.  A file object must be opened in binary mode.
    n_features : int, optional
        Number of columns of X.  By default the largest index in the file
        decides; pass the training file's count when loading a test file,
        which need not use the last feature.  An index that does not fit is
        an error naming its line.
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of X.  float32 values are the float64 values rounded to float32.
    zero_based : bool or 'auto', default='auto'
        Whether indices start at 0 (True) or 1 (False).  'auto', as in
        scikit-learn, reads the file as zero-based when any index is 0 and as
        one-based otherwise.
    dense : bool, default=False
        Return X as a C-contiguous ndarray instead of a CSR matrix.
    query_id : bool, default=False
        Also return the ``qid`` of every row (0 where a line has none).
        ``qid`` tokens are accepted (right after the label) and ignored when
        False.

    Returns
    -------
    X : scipy.sparse.csr_matrix or ndarray of shape (n_samples, n_features)
        With sorted, unique column indices (int32 when they fit).
    y : ndarray of shape (n_samples,), float64
        The labels.
    qid : ndarray of shape (n_samples,), int64
        Only when ``query_id=True``.

    Raises
    ------
    ValueError
        On a malformed line, as ``"<path>:<line>: <what is wrong>"``: a missing
        or non-numeric label, a feature index that is not an integer, is
        negative, 0 in a one-based file or beyond n_features, indices that
        decrease or repeat on a line, a value that is not a number or not
        finite, a misplaced or non-integer qid, a multilabel line.
    FileNotFoundError
        When the file does not exist.

    See Also
    --------
    dump_svmlight : the writer.

    Notes
    -----
    Numbers are read exactly (to the nearest double, as Python's ``float()``);
    the uncommon long ones go through the C library's ``strtod``, which
    follows the LC_NUMERIC locale -- Python leaves it at "C" unless a program
    calls ``locale.setlocale``.

    Examples
    --------
    >>> import io
    >>> from fastoptim.datasets import load_svmlight
    >>> X, y = load_svmlight(io.BytesIO(b"1 1:0.5 3:2\\n-1 2:1 # a comment\\n"))
    >>> X.toarray()
    array([[0.5, 0. , 2. ],
           [0. , 1. , 0. ]])
    >>> y
    array([ 1., -1.])
    """
    X, labels, qid, _ = read_svmlight(path, n_features, dtype, zero_based, dense, query_id)
    if query_id:
        return X, labels, qid
    return X, labels


def read_svmlight(path, n_features=None, dtype=np.float64, zero_based="auto", dense=False,
                  query_id=False):
    """:func:`load_svmlight`, returning ``(X, y, qid or None, zero_based)``.

    ``zero_based`` in the result is the index base the file was read with
    (``'auto'`` resolved), which a test file must be read with too: the
    ``fastoptim`` command stores it in the model file.

    The file is read in blocks of whole lines (about 4 MiB, see
    :func:`~fastoptim.datasets._io.iter_line_chunks`), each parsed by the C
    reader; the arrays of the blocks are copied into the result one after
    the other, so the text of a compressed file is never held whole.
    """
    name = display_name(path)
    dtype = _float_dtype(dtype)
    base = _index_base(zero_based)
    if n_features is not None:
        if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) \
                or n_features < 0:
            raise ValueError(f"n_features={n_features!r} is not valid; pass a non-negative "
                             "integer or None")
        n_features = int(n_features)
        # largest index accepted as written: one-based files (and 'auto') may use n_features
        # (-1, no limit, for n_features=0 zero-based: the check after parsing catches it)
        max_index = n_features - 1 if base == _c.INDEX_ZERO_BASED else n_features
    else:
        max_index = -1
    parts = {"labels": [], "qid": [], "indptr": [], "indices": [], "values": []}
    n_rows = nnz = 0
    min_index, top, top_line = -1, -1, 0
    for first_line, chunk in iter_line_chunks(path):
        status, info, labels, qid, indptr, indices, values = _c.parse(
            chunk, base, max_index, dtype == np.float32)
        if status == ERR_NO_MEMORY:
            raise MemoryError(f"{name}: out of memory while reading the file")
        if status != OK:
            info["line"] += first_line - 1
            raise _parse_error(name, info, chunk, n_features, dtype)
        del chunk
        if info["nnz"]:
            min_index = info["min_index"] if min_index < 0 else min(min_index, info["min_index"])
            if info["max_index"] > top:
                top, top_line = info["max_index"], info["max_index_line"] + first_line - 1
        parts["labels"].append(labels)
        if query_id:
            parts["qid"].append(qid)
        parts["indptr"].append(indptr[1:] + nnz if nnz else indptr[1:])
        parts["indices"].append(indices)
        parts["values"].append(values)
        n_rows += info["n_rows"]
        nnz += info["nnz"]
        del labels, qid, indptr, indices, values
    if base == _c.INDEX_AUTO:
        zero = nnz > 0 and min_index == 0
    else:
        zero = base == _c.INDEX_ZERO_BASED
    shift = 0 if zero else 1
    needed = top + 1 - shift if nnz else 0
    if n_features is None:
        n_features = needed
    elif needed > n_features:  # 'auto' resolved as zero-based, or n_features=0
        raise ValueError(
            f"{name}:{top_line}: feature index {top} does not fit in n_features={n_features} "
            f"(read as {'zero' if zero else 'one'}-based); pass a larger n_features, or "
            "n_features=None to take it from the file")
    index_dtype = np.int32 if nnz <= _INT32_MAX else np.int64
    indptr = concatenate_parts([np.zeros(1, dtype=index_dtype)] + parts.pop("indptr"),
                               dtype=index_dtype)
    indices = _joined(parts.pop("indices"), np.int32)
    if shift and nnz:
        np.subtract(indices, 1, out=indices)
    if index_dtype == np.int64:
        indices = indices.astype(np.int64)
    values = _joined(parts.pop("values"), dtype)
    labels = _joined(parts.pop("labels"), np.float64)
    qid = _joined(parts.pop("qid"), np.int64) if query_id else None
    X = sp.csr_matrix((values, indices, indptr), shape=(n_rows, n_features))
    X.has_sorted_indices = True
    if dense:
        X = X.toarray()
    return X, labels, qid, zero


def _joined(parts, dtype):
    return concatenate_parts(parts, dtype) if parts else np.empty(0, dtype=dtype)


def _check_decimal_point():
    point = locale.localeconv()["decimal_point"]
    if point != ".":
        raise RuntimeError(
            f"the LC_NUMERIC locale writes numbers with {point!r} as decimal point, which the "
            "svmlight format does not allow; call locale.setlocale(locale.LC_NUMERIC, 'C') first")


def dump_svmlight(X: ArrayLike | sp.spmatrix | sp.sparray, y: ArrayLike,
                  path: str | os.PathLike[str] | BinaryIO, zero_based: bool = False,
                  query_id: ArrayLike | None = None) -> None:
    """Write a data set in svmlight / LIBSVM format.

    Every stored entry of a sparse X is written (explicit zeros included);
    the zeros of a dense X are not.  Each number is written with the fewest
    significant digits that read back to the same float32/float64 (integers
    as integers), so :func:`load_svmlight` returns exactly the arrays written.
    The formatting runs in C without the GIL, in chunks of about 1 MiB.

    Parameters
    ----------
    X : array-like or scipy sparse matrix of shape (n_samples, n_features)
        float32 stays float32 (written with float32 precision); anything else
        is converted to float64.
    y : array-like of shape (n_samples,)
        The labels (converted to float64; integers are written as integers).
    path : str, os.PathLike or binary file object
        Where to write; ``.gz``, ``.bz2`` and ``.xz`` paths are compressed.
        An existing file is replaced.
    zero_based : bool, default=False
        Write indices from 0 instead of the customary 1.
    query_id : array-like of shape (n_samples,), optional
        Integer ``qid`` of every row, written after the label.

    Raises
    ------
    ValueError
        When X or y is not finite (naming the first bad row), or their shapes
        disagree.

    See Also
    --------
    load_svmlight : the reader.

    Examples
    --------
    >>> import io, numpy as np
    >>> from fastoptim.datasets import dump_svmlight
    >>> f = io.BytesIO()
    >>> dump_svmlight(np.array([[0.5, 0.0], [0.0, 0.1]]), np.array([1, -1]), f)
    >>> f.getvalue()
    b'1 1:0.5\\n-1 2:0.1\\n'
    """
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        dtype = np.float32 if X.dtype == np.float32 else np.float64
        X = X.astype(dtype, copy=False)
        if not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
    else:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}")
        dtype = np.float32 if X.dtype == np.float32 else np.float64
        X = sp.csr_matrix(np.asarray(X, dtype=dtype))
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X; got {y.shape}")
    if y.dtype.kind not in "biuf":
        raise ValueError(f"y must hold real numbers; got dtype {y.dtype}")
    y = np.ascontiguousarray(y, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ValueError(f"y[{bad[0]}] = {y[bad[0]]} is not finite; the svmlight format "
                         "cannot store it")
    if not np.all(np.isfinite(X.data)):
        k = np.flatnonzero(~np.isfinite(X.data))[0]
        row = int(np.searchsorted(X.indptr, k, side="right") - 1)
        raise ValueError(f"X[{row}, {X.indices[k]}] = {X.data[k]} is not finite; the svmlight "
                         "format cannot store it")
    if query_id is not None:
        query_id = np.asarray(query_id)
        if query_id.shape != y.shape or not np.issubdtype(query_id.dtype, np.integer):
            raise ValueError(f"query_id must be integers of shape {y.shape}; got "
                             f"{query_id.dtype} {query_id.shape}")
        query_id = np.ascontiguousarray(query_id, dtype=np.int64)
    if zero_based not in (True, False):
        raise ValueError(f"zero_based={zero_based!r} is not valid; pass True or False")
    _check_decimal_point()

    indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
    indices = np.ascontiguousarray(X.indices, dtype=np.int32)
    values = np.ascontiguousarray(X.data)
    n = X.shape[0]
    longest = int(np.diff(indptr).max()) if n else 0
    out = np.empty(max(1 << 20, _c.row_bound(longest)), dtype=np.uint8)
    offset = 0 if zero_based else 1

    own = not hasattr(path, "write")
    f = open_binary(path, "wb") if own else path
    try:
        row = 0
        while row < n:
            status, n_bytes, done = _c.format_rows(indptr, indices, values, y, query_id, row,
                                                   offset, out)
            f.write(out[:n_bytes].data)
            if status != OK:
                if status == ERR_NONFINITE:  # checked above; kept for safety
                    raise ValueError(f"row {row + done} of X or y is not finite")
                raise RuntimeError(f"svmlight writer failed: {strerror(status)}")
            row += done
    finally:
        if own:
            f.close()
