"""Read a numeric CSV file (the user's own data) into (X, y)."""
from __future__ import annotations

import codecs
import io
import os
import warnings
from typing import BinaryIO, Literal

import numpy as np
from numpy.typing import DTypeLike

from ._io import concatenate_parts, display_name, iter_line_chunks

__all__ = ["load_csv"]


def _is_number(field):
    try:
        float(field.strip().strip('"'))
    except ValueError:
        return False
    return True


def _content_lines(text, comments, first_line=1):
    """(1-based line number, line without comment) of the non-blank lines of a block."""
    for number, line in enumerate(text.split("\n"), start=first_line):  # lines as numpy counts
        if comments:
            line = line.split(comments, 1)[0]
        if line.strip():
            yield number, line


def _split(line, delimiter):
    return line.split(delimiter) if delimiter is not None else line.split()


def _diagnose(name, text, delimiter, comments, first_line, error, shape, header_line,
              text_column=None):
    """The ValueError naming the first line of a block that numpy could not read (error path).

    ``shape`` is (fields per row, the line that set it) from the blocks before, or None;
    ``header_line`` the first content line of the file when it was read as data (else None);
    ``text_column`` the 0-based column of text labels (any text is valid there).
    """
    n_fields, first = shape if shape is not None else (None, None)
    for number, line in _content_lines(text, comments, first_line):
        fields = _split(line, delimiter)
        if n_fields is None:
            n_fields, first = len(fields), number
        elif len(fields) != n_fields:
            return ValueError(f"{name}:{number}: {len(fields)} fields where line {first} has "
                              f"{n_fields}; every row needs the same number of fields")
        for k, field in enumerate(fields, start=1):
            if not field.strip():
                return ValueError(f"{name}:{number}: field {k} is empty; missing values are "
                                  "not supported, fill them in first")
            if k - 1 == text_column:
                continue
            if not _is_number(field):
                hint = (f" (line {number} is read as data: a header line holds names only, no "
                        f"numbers)" if number == header_line else "")
                return ValueError(f"{name}:{number}: field {k} {field.strip()!r} is "
                                  f"not a number{hint}")
    return ValueError(f"{name}: {error}")


def _text_target(fields, target_column, names):
    """The 0-based column of the target when the first data row's target field is not a
    number (text class labels), else None (numbers, no target, or a target_column that
    the checks after reading will refuse)."""
    if target_column is None or isinstance(target_column, bool):
        return None
    if isinstance(target_column, str):
        if names is None or target_column not in names:
            return None
        column = names.index(target_column)
    elif isinstance(target_column, (int, np.integer)):
        if not -len(fields) <= target_column < len(fields):
            return None
        column = int(target_column) % len(fields)
    else:
        return None
    field = fields[column].strip()
    return None if not field or _is_number(field) else column


def _check_text_labels(labels, name, text, delimiter, comments, first_line, column, data_line):
    """Text labels must all be names: a number or an empty field among them is an error naming
    its line (a column of numeric labels with one typo must not become text classes)."""
    odd = [u for u in np.unique(labels) if not u or _is_number(u)]
    if not odd:
        return
    for number, line in _content_lines(text, comments, first_line):
        field = _split(line, delimiter)[column].strip().strip('"')
        if not field:
            raise ValueError(f"{name}:{number}: field {column + 1} is empty; missing values are "
                             "not supported, fill them in first")
        if _is_number(field):
            raise ValueError(f"{name}:{number}: field {column + 1} {field!r} is a number, but "
                             f"the labels are text (line {data_line}'s is not a number); a "
                             f"label column holds names or numbers, not both")


def _check_widths(text, delimiter, comments, first_line, n_fields, data_line, name, n_rows):
    """With text labels numpy reads the columns by number and does not see a row with more
    fields than the first one (one with fewer makes it fail): the error naming it.  Without
    comments in the block the delimiters are counted in one pass (in C), and only a count
    that is off scans the lines, to name the first one."""
    if delimiter is not None and not (comments and comments in text) and \
            text.count(delimiter) == n_rows * (n_fields - 1):
        return
    for number, line in _content_lines(text, comments, first_line):
        count = len(_split(line, delimiter))
        if count != n_fields:
            raise ValueError(f"{name}:{number}: {count} fields where line {data_line} has "
                             f"{n_fields}; every row needs the same number of fields")


def _drop_lines(text, n):
    """(text without its first n lines, how many were dropped)."""
    if n <= 0:
        return text, 0
    pos = 0
    for dropped in range(n):
        nl = text.find("\n", pos)
        if nl < 0:
            return "", dropped + (1 if pos < len(text) else 0)
        pos = nl + 1
    return text[pos:], n


def load_csv(path: str | os.PathLike[str] | BinaryIO, target_column: int | str | None = -1,
             delimiter: str | None = ",", skip_header: Literal["auto"] | bool | int = "auto",
             dtype: DTypeLike = np.float64, comments: str | None = "#",
             ) -> tuple[np.ndarray, np.ndarray | None]:
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
        none of its fields is a number (a line with a number among its
        fields is data, and a non-number there is an error naming its line
        and column); True always does, False never;
        an int skips that many physical lines first (no header names then).
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of X and y.
    comments : str or None, default='#'
        Text from this marker to the end of a line is ignored.

    Returns
    -------
    X : ndarray of shape (n_samples, n_columns - 1), or (n_samples, n_columns) without target
    y : ndarray of shape (n_samples,) or None
        Numbers (``dtype``), or strings (a NumPy ``str`` array, surrounding spaces and
        quotes removed) when the target field of the first data row is not a number:
        class labels such as ``setosa`` or ``spam``, which the classifiers take as they are.
        Every row's target is then read as text; a later row's feature that is not a
        number is still an error.

    Raises
    ------
    ValueError
        On a field that is not a number, an empty field or a row with a
        different number of fields, as ``"<path>:<line>: <what is wrong>"``;
        on a ``target_column`` outside the columns or not in the header.

    Notes
    -----
    The parsing is numpy's (:func:`numpy.loadtxt`, in C), on blocks of whole
    lines of about 4 MiB read one after the other, so a compressed file is
    never decompressed whole into memory; when a block fails, it is scanned
    again in Python to name the line.  A truncated or damaged compressed
    file is a ValueError naming it.  Quoted numbers
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
    if isinstance(skip_header, bool) or skip_header == "auto":
        header_pending, skip_lines = True, 0
    elif isinstance(skip_header, (int, np.integer)) and skip_header >= 0:
        header_pending, skip_lines = False, int(skip_header)
    else:
        raise ValueError(f"skip_header={skip_header!r} is not valid; pass 'auto', True, False "
                         "or a number of lines")
    if skip_header is False:
        header_pending = False

    names, header_line, data_line = None, None, None
    parts, shape, offset = [], None, 0
    text_column, label_parts = None, []  # text labels: their column, and their blocks
    for first_line, chunk in iter_line_chunks(path):
        n_bytes = len(chunk)
        if offset == 0 and chunk.startswith(codecs.BOM_UTF8):
            chunk = chunk[len(codecs.BOM_UTF8):]
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = first_line + chunk.count(b"\n", 0, exc.start)
            raise ValueError(f"{name}:{line}: not UTF-8 text (byte {offset + exc.start}); "
                             "re-encode the file as UTF-8") from None
        offset += n_bytes
        del chunk
        if skip_lines:
            text, dropped = _drop_lines(text, skip_lines)
            skip_lines -= dropped
            first_line += dropped
            if skip_lines:
                continue
        if header_pending:
            first = next(_content_lines(text, comments, first_line), None)
            if first is None:  # blank and comment lines only
                continue
            header_pending = False
            number, line = first
            fields = _split(line, delimiter)
            # 'auto': a header holds names only; a number among them makes the line data
            if skip_header is True or not any(_is_number(f) for f in fields):
                names = [f.strip().strip('"') for f in fields]
                header_line = number
                text, _ = _drop_lines(text, number - first_line + 1)
                first_line = number + 1
        if data_line is None:
            first = next(_content_lines(text, comments, first_line), None)
            if first is None:
                continue
            data_line = first[0]
            text_column = _text_target(_split(first[1], delimiter), target_column, names)
            if text_column is not None:
                n_fields = len(_split(first[1], delimiter))
                feature_columns = [k for k in range(n_fields) if k != text_column]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a block of comments: no data
            try:
                if text_column is None:
                    block = np.loadtxt(io.StringIO(text), dtype=dtype, delimiter=delimiter,
                                       comments=comments, ndmin=2, quotechar='"')
                else:
                    block = np.loadtxt(io.StringIO(text), dtype=dtype, delimiter=delimiter,
                                       comments=comments, ndmin=2, quotechar='"',
                                       usecols=feature_columns)
                    labels = np.loadtxt(io.StringIO(text), dtype=str, delimiter=delimiter,
                                        comments=comments, ndmin=1, quotechar='"',
                                        usecols=[text_column])
                    if labels.shape[0] != block.shape[0]:
                        raise ValueError("the label column and the features disagree")
                    _check_widths(text, delimiter, comments, first_line, n_fields, data_line,
                                  name, block.shape[0])
            except ValueError as exc:
                raise _diagnose(name, text, delimiter, comments, first_line, exc, shape,
                                data_line if names is None else None, text_column) from None
        if block.shape[0] == 0:
            continue
        if shape is None:
            shape = (block.shape[1], data_line)
        elif block.shape[1] != shape[0]:
            raise _diagnose(name, text, delimiter, comments, first_line, "", shape, None)
        parts.append(block)
        if text_column is not None:
            labels = np.char.strip(np.char.strip(labels), '"')
            _check_text_labels(labels, name, text, delimiter, comments, first_line, text_column,
                               data_line)
            label_parts.append(labels)
        del block, text
    if not parts:
        raise ValueError(f"{name}: no data rows (after line {header_line})"
                         if header_line else f"{name}: no data rows")
    data = concatenate_parts(parts)
    if text_column is not None:
        return np.ascontiguousarray(data), np.concatenate(label_parts)
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
