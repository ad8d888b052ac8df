"""Loaders of public data sets that are not shipped with the package (MNIST, a9a, Reuters,
California housing), from a folder the user names.

Each loader takes the folder holding the files, or a data folder holding them in its
usual subfolder (``mnist/``, ``a9a/``, ...); without one, the data folder named by the
environment variable ``FASTOPTIM_DATA`` (see :func:`data_dir`).  A missing file is a
FileNotFoundError saying what is missing, where it was looked for and where to get it.
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from ._csv import load_csv
from ._svmlight_format import load_svmlight

__all__ = ["data_dir", "DATA_ENV", "load_mnist", "load_a9a", "load_reuters",
           "load_california_housing", "A9A_N_FEATURES", "REUTERS_N_FEATURES",
           "CALIFORNIA_FEATURE_NAMES"]

#: Columns of the a9a and Reuters (LaSVM "money-fx") data sets.
A9A_N_FEATURES = 123
REUTERS_N_FEATURES = 8315
#: Columns of X of load_california_housing (the target is median_house_value).
CALIFORNIA_FEATURE_NAMES = ("longitude", "latitude", "housing_median_age", "total_rooms",
                            "total_bedrooms", "population", "households", "median_income")


#: The environment variable naming the data folder of the loaders' default.
DATA_ENV = "FASTOPTIM_DATA"


def data_dir() -> Path | None:
    """The data folder named by the environment variable ``FASTOPTIM_DATA``, or None.

    The loaders of this module look there (and in its subfolders ``mnist/``,
    ``a9a/``, ``reuters-lasvm/``, ``california-housing/``) when no folder is given.

    Returns
    -------
    pathlib.Path or None
        The folder, when the variable is set and non-empty (whether or not it
        exists: a loader then says it is missing); None otherwise.

    Examples
    --------
    >>> import os
    >>> from fastoptim.datasets import data_dir
    >>> os.environ["FASTOPTIM_DATA"] = "/data/sets"
    >>> str(data_dir())
    '/data/sets'
    >>> del os.environ["FASTOPTIM_DATA"]
    >>> data_dir() is None
    True
    """
    value = os.environ.get(DATA_ENV, "").strip()
    return Path(value).expanduser() if value else None


def _locate(folder, subdir, files, what, origin):
    """The folder holding all of `files`: `folder` itself or `folder/subdir`."""
    if folder is None:
        folder = data_dir()
        if folder is None:
            raise FileNotFoundError(
                f"{what}: no folder given; pass folder=, the folder holding "
                f"{', '.join(files)} (from {origin}), or set the environment variable "
                f"{DATA_ENV} to a data folder holding them (or holding {subdir}/ with them)")
    folder = Path(folder)
    for candidate in (folder, folder / subdir):
        if all((candidate / f).is_file() for f in files):
            return candidate
    raise FileNotFoundError(
        f"{what}: {', '.join(files)} not found in {folder} nor in {folder / subdir}; pass the "
        f"folder that holds them (they come from {origin})")


def _read_idx(path, magic, ndim):
    """An IDX file (gzip) of unsigned bytes as an ndarray."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header = 4 + 4 * ndim
    if len(raw) < header or int.from_bytes(raw[:4], "big") != magic:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes with {ndim} dimension(s) "
                         f"(magic number {magic:#010x} expected)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes of data where the header announces "
                         f"shape {shape}")
    return data.reshape(shape)


def load_mnist(folder=None, dtype=np.float64):
    """Load MNIST (LeCun, Cortes & Burges) from its four IDX gzip files.

    Parameters
    ----------
    folder : str or Path, optional
        The folder holding ``train-images-idx3-ubyte.gz``,
        ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
        ``t10k-labels-idx1-ubyte.gz``, or its parent (with them in
        ``mnist/``).  Default: :func:`data_dir` (``FASTOPTIM_DATA``).
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of X.

    Returns
    -------
    X_train : ndarray of shape (60000, 784)
        Pixels / 255, in [0, 1], each 28 x 28 image row-major.
    y_train : ndarray of shape (60000,), int64
        The digits 0-9.
    X_test : ndarray of shape (10000, 784)
    y_test : ndarray of shape (10000,), int64

    Raises
    ------
    FileNotFoundError
        When the files are absent.
    ValueError
        When a file is not the expected IDX file or images and labels differ
        in number.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype={dtype} is not supported; pass np.float32 or np.float64")
    parts = {"train": "train", "test": "t10k"}
    files = [f"{p}-{k}-idx{n}-ubyte.gz" for p in parts.values()
             for k, n in (("images", 3), ("labels", 1))]
    where = _locate(folder, "mnist", files, "MNIST", "http://yann.lecun.com/exdb/mnist/")
    out = []
    for prefix in parts.values():
        images = _read_idx(where / f"{prefix}-images-idx3-ubyte.gz", 0x803, 3)
        labels = _read_idx(where / f"{prefix}-labels-idx1-ubyte.gz", 0x801, 1)
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{where}: {images.shape[0]} {prefix} images but "
                             f"{labels.shape[0]} labels")
        X = images.reshape(images.shape[0], -1).astype(dtype)
        X /= dtype.type(255)
        out += [X, labels.astype(np.int64)]
    return tuple(out)


def _load_svmlight_pair(folder, subdir, train, test, n_features, what, origin, dtype, dense):
    where = _locate(folder, subdir, [train, test], what, origin)
    X_train, y_train = load_svmlight(where / train, n_features=n_features, dtype=dtype,
                                     zero_based=False, dense=dense)
    X_test, y_test = load_svmlight(where / test, n_features=n_features, dtype=dtype,
                                   zero_based=False, dense=dense)
    return X_train, y_train, X_test, y_test


def load_a9a(folder=None, dtype=np.float64, dense=False):
    """Load a9a (UCI Adult, as preprocessed for LIBSVM by Platt, 1998).

    Parameters
    ----------
    folder : str or Path, optional
        The folder holding ``a9a`` and ``a9a.t`` (svmlight, one-based), or its
        parent (with them in ``a9a/``).  Default: :func:`data_dir` (``FASTOPTIM_DATA``).
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of X (the labels stay float64).
    dense : bool, default=False
        Return ndarrays instead of CSR matrices.

    Returns
    -------
    X_train : scipy.sparse.csr_matrix of shape (32561, 123)
        Binary features.
    y_train : ndarray of shape (32561,), float64
        Labels -1 / +1 (income above 50K is +1).
    X_test : scipy.sparse.csr_matrix of shape (16281, 123)
    y_test : ndarray of shape (16281,), float64

    Raises
    ------
    FileNotFoundError
        When the files are absent.
    """
    return _load_svmlight_pair(
        folder, "a9a", "a9a", "a9a.t", A9A_N_FEATURES, "a9a",
        "https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/binary.html#a9a", dtype, dense)


def load_reuters(folder=None, dtype=np.float64, dense=False):
    """Load the Reuters-21578 "money-fx" task of the LaSVM experiments.

    Bordes, Ertekin, Weston & Bottou (2005), "Fast kernel classifiers with
    online and active learning", JMLR 6.

    Parameters
    ----------
    folder : str or Path, optional
        The folder holding ``reuters.trn.bz2`` and ``reuters.tst.bz2``
        (svmlight, one-based), or its parent (with them in
        ``reuters-lasvm/``).  Default: :func:`data_dir` (``FASTOPTIM_DATA``).
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of X (the labels stay float64).
    dense : bool, default=False
        Return ndarrays instead of CSR matrices.

    Returns
    -------
    X_train : scipy.sparse.csr_matrix of shape (7770, 8315)
        tf-idf features (0.5 % nonzero).
    y_train : ndarray of shape (7770,), float64
        Labels -1 / +1 (538 positive).
    X_test : scipy.sparse.csr_matrix of shape (3299, 8315)
    y_test : ndarray of shape (3299,), float64

    Raises
    ------
    FileNotFoundError
        When the files are absent.
    """
    return _load_svmlight_pair(
        folder, "reuters-lasvm", "reuters.trn.bz2", "reuters.tst.bz2", REUTERS_N_FEATURES,
        "Reuters (LaSVM)", "http://leon.bottou.org/_media/papers/lasvm-reuters.tar.bz2",
        dtype, dense)


def load_california_housing(folder=None, dtype=np.float64):
    """Load the California housing data (Pace & Barry, 1997; StatLib).

    Parameters
    ----------
    folder : str or Path, optional
        The folder holding ``cal_housing.data`` (CSV with a header line), or
        its parent (with it in ``california-housing/``).  Default:
        :func:`data_dir` (``FASTOPTIM_DATA``).
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of X and y.

    Returns
    -------
    X : ndarray of shape (20640, 8)
        The columns of ``CALIFORNIA_FEATURE_NAMES`` (one row per block
        group); they span 1 to 35000: scale them before a gradient method.
    y : ndarray of shape (20640,)
        The median house value in dollars.

    Raises
    ------
    FileNotFoundError
        When the file is absent.
    """
    where = _locate(folder, "california-housing", ["cal_housing.data"], "California housing",
                    "https://www.dcc.fc.up.pt/~ltorgo/Regression/cal_housing.html")
    return load_csv(where / "cal_housing.data", target_column=-1, skip_header="auto",
                    dtype=dtype)
