"""Data files on the command line: the format (by extension, else by the first line),
the reader, the labels a classifier needs, the held-out split."""
import os

import numpy as np

from ..datasets import load_csv
from ..datasets._io import open_binary, peek
from ..datasets._svmlight_format import read_svmlight
from ._args import CLIError
from ._models import MODELS

__all__ = ["detect_format", "load_data", "check_labels", "split"]

_COMPRESSED = (".gz", ".bz2", ".xz", ".lzma")
_ZIP_MAGIC = b"PK\x03\x04"  # model files are .npz: zip archives
_SVMLIGHT_EXT = (".svm", ".svmlight", ".libsvm", ".t", ".scale")


def _strip_compression(path):
    """The lower-case file name without a .gz/.bz2/.xz/.lzma extension."""
    name = os.fspath(path).lower()
    for ext in _COMPRESSED:
        if name.endswith(ext):
            return name[:-len(ext)]
    return name


def detect_format(path, head=None):
    """The format of a data file: by extension, else by its first data line.

    ``.csv`` and ``.tsv`` (optionally compressed) are CSV; ``.svm``,
    ``.svmlight``, ``.libsvm``, ``.t``, ``.scale`` (LIBSVM's data sets)
    are svmlight; for other names, a first data line with ``index:value``
    tokens is svmlight and one with commas CSV (svmlight otherwise).

    Parameters
    ----------
    path : str or os.PathLike
    head : bytes, optional
        The first bytes of the (decompressed) file, peeked by the caller
        from the stream it reads (so that a pipe such as /dev/stdin is not
        consumed); by default the file is opened and peeked here.

    Returns
    -------
    {'svmlight', 'csv'}
    """
    name = _strip_compression(path)
    if name.endswith((".csv", ".tsv")):
        return "csv"
    if name.endswith(_SVMLIGHT_EXT):
        return "svmlight"
    if head is None:
        with open_binary(path) as f:
            head = peek(f)
    text = head.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if lines and not text.endswith(("\n", "\r")) and len(lines) > 1:
        lines = lines[:-1]  # a line cut by the end of the peeked bytes
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        tokens = line.split()
        if any(":" in t for t in tokens[1:]):
            return "svmlight"
        return "csv" if "," in line else "svmlight"
    return "svmlight"


def load_data(path, fmt="auto", *, n_features=None, target_column=None, labels="required",
              zero_based="auto"):
    """Read a data file as (X, y, format, zero_based).

    The file is opened once: the format is detected on bytes peeked from the
    stream that the reader then reads, so a pipe (``/dev/stdin``) works.

    Parameters
    ----------
    path : str
    fmt : {'auto', 'svmlight', 'csv'}
        'auto': :func:`detect_format`.
    n_features : int, optional
        The model's feature count: svmlight files get that many columns (an
        index beyond it is an error naming its line); a CSV file must have
        that many columns plus, optionally, a label column.
    target_column : int, optional
        CSV: the label column (default: the last).
    labels : {'required', 'optional'}
        Whether a CSV file must have a label column ('optional': a CSV file
        of exactly n_features columns has none, y is None).
    zero_based : bool or 'auto'
        svmlight: the index base (see :func:`fastoptim.datasets.load_svmlight`).

    Returns
    -------
    X : ndarray or CSR matrix
    y : ndarray or None
    fmt : str
    zero_based : bool or None
        The index base an svmlight file was read with ('auto' resolved);
        None for CSV.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CLIError(f"{path}: no such file")
    if os.path.isdir(path):
        raise CLIError(f"{path}: is a directory, not a data file")
    with open_binary(path) as f:
        if peek(f).startswith(_ZIP_MAGIC):
            raise CLIError(f"{path}: a zip archive (a fastoptim model file?), not a data file; "
                           f"pass an svmlight or CSV file here (a model file goes to predict's "
                           f"MODEL_FILE)")
        if fmt == "auto":
            fmt = detect_format(path, head=peek(f))
        if fmt == "svmlight":
            X, y, _, zero = read_svmlight(f, n_features=n_features, zero_based=zero_based)
            if X.shape[0] == 0:
                raise CLIError(f"{path}: no data rows")
            return X, y, fmt, zero
        delimiter = "\t" if _strip_compression(path).endswith(".tsv") else ","
        col = -1 if target_column is None else int(target_column)
        try:  # (labels that are not numbers come back as strings: class names)
            X, y = load_csv(f, target_column=col, delimiter=delimiter)
        except ValueError as exc:
            if "target_column=" in str(exc) and "out of range" in str(exc):
                raise CLIError(f"--target-column {col} is out of range for {path}: "
                               f"{str(exc).split(', which has ', 1)[-1]}") from None
            raise
    n_cols = X.shape[1] + 1
    if n_features is not None and labels == "optional" and target_column is None \
            and n_cols == n_features and y.dtype.kind == "f":
        # no label column: the last column was a feature
        return np.ascontiguousarray(np.column_stack([X, y])), None, fmt, None
    if n_features is not None and X.shape[1] != n_features:
        label = " plus an optional label column" if labels == "optional" else " and a label column"
        raise CLIError(f"{path}: {n_cols} columns, but the model has {n_features} features "
                       f"(the file needs {n_features} feature columns{label})")
    if n_cols < 2:
        raise CLIError(f"{path}: one column only; a training file needs features and a label "
                       f"column")
    return X, y, fmt, None


def check_labels(model, y, path):
    """Class labels read from a file must be whole numbers or names (strings) for a
    classifier, numbers for a regressor."""
    if y.dtype.kind in "US":
        if MODELS[model][1] == "regressor":
            raise CLIError(f"{path}: the labels are text ('{y[0]}', ...), so they are classes, "
                           f"not a real-valued target; use a classifier (e.g. --model "
                           f"{'mlp' if model in ('mlp-regressor',) else 'logistic'})")
        return
    if MODELS[model][1] == "classifier" and np.any(y != np.round(y)):
        fix = ("--model mlp-regressor" if model == "mlp" else
               "--model ridge or --model linear")
        raise CLIError(f"{path}: the labels are not whole numbers, so they are not classes; use "
                       f"{fix} for a regression target")


def split(X, y, fraction, seed, path):
    """(X, y, X_test, y_test): a seeded held-out ``fraction`` of the rows as the test set."""
    n = X.shape[0]
    n_test = int(round(fraction * n))
    if not 0 < fraction < 1 or n_test < 1 or n - n_test < 2:
        raise CLIError(f"{path}: {n} samples cannot be split with --test-fraction {fraction} "
                       f"(it needs 0 < fraction < 1 and samples on both sides); pass --test FILE")
    order = np.random.default_rng(seed).permutation(n)
    test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
    return X[train], y[train], X[test], y[test]
