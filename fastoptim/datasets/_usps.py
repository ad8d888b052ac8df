"""The USPS handwritten digits, shipped inside the package (usps.npz)."""
from __future__ import annotations

from importlib import resources

import numpy as np
from numpy.typing import DTypeLike

__all__ = ["load_usps"]

#: usps.npz stores each grey level v as the uint16 level 1000 * v + 1000 (0..2000).
SCALE = 1000


def decode(levels, dtype=np.float64):
    """uint16 levels 0..2000 -> grey levels ``(level - 1000) / 1000``.

    Parameters
    ----------
    levels : ndarray
    dtype : {np.float64, np.float32}
        float32 is the float64 value rounded to float32.

    Returns
    -------
    ndarray of dtype
        The subtraction is exact and the division correctly rounded, so a
        level gives the double nearest to ``v``, as ``float()`` reads it.
    """
    X = (levels.astype(np.float64) - SCALE) / SCALE
    return X if np.dtype(dtype) == np.float64 else X.astype(dtype)


def load_usps(dtype: DTypeLike = np.float64,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load the USPS handwritten digits (16 x 16 grey levels), shipped with fastoptim.

    7291 training and 2007 test images of the digits 0-9, automatically
    scanned from envelopes by the U.S. Postal Service, deslanted and size
    normalized (Le Cun et al., 1990), as distributed with *The Elements of
    Statistical Learning* (Hastie, Tibshirani & Friedman).  The test set is
    notoriously hard: a 2.5 % error rate is excellent.

    Parameters
    ----------
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of X.

    Returns
    -------
    X_train : ndarray of shape (7291, 256)
        Grey levels in [-1, 1] (-1 is the background), row-major 16 x 16.
    y_train : ndarray of shape (7291,), int64
        The digits 0-9.
    X_test : ndarray of shape (2007, 256)
    y_test : ndarray of shape (2007,), int64

    Notes
    -----
    Lossless: every grey level of the source files is a multiple of 0.001,
    stored as a uint16 level 0..2000 (see ``fastoptim.datasets._build_usps``,
    which rebuilds the file from ``zip.train.gz``/``zip.test.gz``), so the
    float64 arrays equal, value for value, the doubles that ``float()`` reads
    from the source text (a source ``-0.0000`` loads as ``0.0``).  float32
    arrays are those values rounded to float32.  Class counts: train
    1194 1005 731 658 652 556 664 645 542 644, test 359 264 198 166 200 160
    170 147 166 177 (digits 0 to 9).

    References
    ----------
    .. [1] Y. Le Cun et al., "Handwritten digit recognition with a
       back-propagation network", NIPS 2, 1990.

    Examples
    --------
    >>> from fastoptim.datasets import load_usps
    >>> X_train, y_train, X_test, y_test = load_usps()
    >>> X_train.shape, X_test.shape
    ((7291, 256), (2007, 256))
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype={dtype} is not supported; pass np.float32 or np.float64")
    with resources.files(__package__).joinpath("usps.npz").open("rb") as f, \
            np.load(f, allow_pickle=False) as z:
        return (decode(z["X_train"], dtype), z["y_train"].astype(np.int64),
                decode(z["X_test"], dtype), z["y_test"].astype(np.int64))
