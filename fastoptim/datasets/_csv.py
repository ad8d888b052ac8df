"""Read a numeric CSV file (the user's own data) into (X, y)."""
import io

import numpy as np

from ._io import display_name, read_bytes

__all__ = ["load_csv"]


def _is_number(field):
    try:
        float(field.strip().strip('"'))
    except ValueError:
        return False
    return True


def _content_lines(text, comments):
    """(1-based line number, line without comment) of the non-blank lines."""
    for number, line in enumerate(text.split("\n"), start=1):  # lines as numpy counts them
        if comments:
            line = line.split(comments, 1)[0]
        if line.strip():
            yield number, line


def _diagnose(name, text, delimiter, comments, first_data_line, error):
    """The ValueError naming the first line numpy could not read (error path only)."""
    n_fields = None
    for number, line in _content_lines(text, comments):
        if number < first_data_line:
            continue
        fields = line.split(delimiter) if delimiter is not None else line.split()
        if n_fields is None:
            n_fields, first = len(fields), number
        elif len(fields) != n_fields:
            return ValueError(f"{name}:{number}: {len(fields)} fields where line {first} has "
                              f"{n_fields}; every row needs the same number of fields")
        for k, field in enumerate(fields, start=1):
            if not field.strip():
                return ValueError(f"{name}:{number}: field {k} is empty; missing values are "
                                  "not supported, fill them in first")
            if not _is_number(field):
                return ValueError(f"{name}:{number}: field {k} {field.strip()!r} is not a "
                                  "number")
    return ValueError(f"{name}: {error}")


def load_csv(path, target_column=-1, delimiter=",", skip_header="auto", dtype=np.float64,
             comments="#"):
    """Load a numeric delimited text file as features and target.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        The file (UTF-8 text); ``.gz``, ``.bz2`` and ``.xz`` files are
        decompressed by their extension.
    target_column : int, str or None, default=-1
        The column holding the target y: an index (negative counts from the
        end), a header name, or None for no target (y is then None).
    delimiter : str or None, default=','
        Field separator; None splits at any whitespace.
    skip_header : 'auto', bool or int, default='auto'
        'auto' treats the first non-blank, non-comment line as a header when
        one of its fields is not a number; True always does, False never;
        an int skips that many physical lines first (no header names then).
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of X and y.
    comments : str or None, default='#'
        Text from this marker to the end of a line is ignored.

    Returns
    -------
    X : ndarray of shape (n_samples, n_columns - 1), or (n_samples, n_columns) without target
    y : ndarray of shape (n_samples,) or None

    Raises
    ------
    ValueError
        On a field that is not a number, an empty field or a row with a
        different number of fields, as ``"<path>:<line>: <what is wrong>"``;
        on a ``target_column`` outside the columns or not in the header.

    Notes
    -----
    The parsing is numpy's (:func:`numpy.loadtxt`, in C); when it fails, the
    file is scanned again in Python to name the line.  Quoted numbers
    (``"1.5"``) are accepted; quoted delimiters inside a field are not.
    'nan' and 'inf' fields are read as such.

    Examples
    --------
    >>> import io
    >>> from fastoptim.datasets import load_csv
    >>> X, y = load_csv(io.BytesIO(b"a,b,target\\n1,2,3\\n4,5,6\\n"))
    >>> X
    array([[1., 2.],
           [4., 5.]])
    >>> y
    array([3., 6.])
    """
    name = display_name(path)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype={dtype} is not supported; pass np.float32 or np.float64")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ValueError(f"delimiter={delimiter!r} is not valid; pass one character or None")
    try:
        text = read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not UTF-8 text (byte {exc.start}); re-encode the file as "
                         "UTF-8") from None

    def split(line):
        return line.split(delimiter) if delimiter is not None else line.split()

    names = None
    first_data_line = 1
    if isinstance(skip_header, bool) or skip_header == "auto":
        first = next(_content_lines(text, comments), None)
        if first is not None:
            number, line = first
            header = skip_header is True or (
                skip_header == "auto" and not all(_is_number(f) for f in split(line)))
            if header:
                names = [f.strip().strip('"') for f in split(line)]
                first_data_line = number + 1
    elif isinstance(skip_header, (int, np.integer)) and skip_header >= 0:
        first_data_line = int(skip_header) + 1
    else:
        raise ValueError(f"skip_header={skip_header!r} is not valid; pass 'auto', True, False "
                         "or a number of lines")

    if not any(number >= first_data_line for number, _ in _content_lines(text, comments)):
        raise ValueError(f"{name}: no data rows (after line {first_data_line - 1})"
                         if first_data_line > 1 else f"{name}: no data rows")
    try:
        data = np.loadtxt(io.StringIO(text), dtype=dtype, delimiter=delimiter,
                          comments=comments, skiprows=first_data_line - 1, ndmin=2,
                          quotechar='"')
    except ValueError as exc:
        raise _diagnose(name, text, delimiter, comments, first_data_line, exc) from None
    n_columns = data.shape[1]
    if target_column is None:
        return np.ascontiguousarray(data), None
    if isinstance(target_column, str):
        if names is None:
            raise ValueError(f"target_column={target_column!r} names a column but {name} has "
                             "no header; pass the column's index")
        if target_column not in names:
            raise ValueError(f"target_column={target_column!r} is not a column of {name}; its "
                             f"header has {names}")
        target_column = names.index(target_column)
    if isinstance(target_column, bool) or not isinstance(target_column, (int, np.integer)):
        raise ValueError(f"target_column={target_column!r} is not valid; pass an int, a "
                         "header name or None")
    if not -n_columns <= target_column < n_columns:
        raise ValueError(f"target_column={target_column} is out of range for {name}, which has "
                         f"{n_columns} columns ({-n_columns}..{n_columns - 1})")
    target_column = int(target_column) % n_columns
    y = np.ascontiguousarray(data[:, target_column])
    X = np.ascontiguousarray(np.delete(data, target_column, axis=1))
    return X, y
