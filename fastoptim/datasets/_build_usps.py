"""Rebuild the embedded USPS file ``fastoptim/datasets/usps.npz`` from the source.

The source is ``zip.train.gz`` and ``zip.test.gz`` as distributed with *The
Elements of Statistical Learning* (``usps/`` of the data folder named by
``FASTOPTIM_DATA``, or any folder given): one digit per line, the digit (0-9)
then 256 grey levels in [-1, 1], row-major 16 x 16.

Every grey level in the source is a multiple of 0.001 (2001 distinct values),
so it is stored losslessly as the integer ``level = round(1000 * v) + 1000``
in 0..2000 (uint16) and read back as ``(level - 1000) / 1000`` -- one
correctly rounded division, hence exactly the double that ``float()`` makes
of the source text (a ``-0.0000`` of the source reads back as ``0.0``, an
equal value).  This script checks that property on every value before
writing.  The arrays are saved with :func:`numpy.savez_compressed` (zlib).

Usage::

    python -m fastoptim.datasets._build_usps [SOURCE_FOLDER] [--out PATH]
"""
import argparse
import gzip
import hashlib
from pathlib import Path

import numpy as np

from ._usps import SCALE, decode

#: The files of the source folder, the embedded file and its arrays.
SOURCE_FILES = {"train": "zip.train.gz", "test": "zip.test.gz"}
EMBEDDED = Path(__file__).with_name("usps.npz")
SHAPES = {"train": 7291, "test": 2007}
N_PIXELS = 256


def read_source(path):
    """Read one source file exactly.

    Parameters
    ----------
    path : str or Path
        ``zip.train.gz`` or ``zip.test.gz``.

    Returns
    -------
    X : ndarray of shape (n, 256), float64
        The grey levels, each the double nearest to its text.
    y : ndarray of shape (n,), int64
        The digits.
    sha256 : str
        Hex digest of the decompressed text (provenance).

    Raises
    ------
    ValueError
        When a line does not have 257 fields or a label is not a digit 0-9.
    """
    with gzip.open(path, "rb") as f:
        raw = f.read()
    rows = raw.decode("ascii").split("\n")
    rows = [r for r in rows if r.strip()]
    table = np.array([r.split() for r in rows], dtype=object)
    if table.ndim != 2 or table.shape[1] != 1 + N_PIXELS:
        raise ValueError(f"{path}: every line must hold a digit and {N_PIXELS} grey levels")
    # float() on each token: the correctly rounded double of the text
    values = np.array([[float(t) for t in r] for r in table], dtype=np.float64)
    y = values[:, 0]
    if not np.all((y == np.rint(y)) & (y >= 0) & (y <= 9)):
        raise ValueError(f"{path}: the first column must hold the digits 0-9")
    return values[:, 1:], y.astype(np.int64), hashlib.sha256(raw).hexdigest()


def encode(X):
    """Grey levels -> uint16 levels 0..2000, checking that decoding is exact.

    Parameters
    ----------
    X : ndarray of float64
        Values on the grid of multiples of 0.001 in [-1, 1].

    Returns
    -------
    ndarray of uint16

    Raises
    ------
    ValueError
        When a value is off the grid (the storage would not be lossless).
    """
    k = np.rint(X * SCALE)
    if k.min() < -SCALE or k.max() > SCALE or not np.array_equal(decode(k + SCALE), X):
        raise ValueError("the grey levels are not all multiples of 0.001 in [-1, 1]; the "
                         "uint16 storage would not be lossless")
    return (k + SCALE).astype(np.uint16)


def build(source=None, out=EMBEDDED):
    """Write the embedded USPS file from the source folder.

    Parameters
    ----------
    source : str or Path, optional
        Folder holding ``zip.train.gz`` and ``zip.test.gz``; by default
        ``usps/`` in the data folder named by ``FASTOPTIM_DATA``.
    out : str or Path
        The file to write (the package's ``usps.npz`` by default).

    Returns
    -------
    Path
        The file written.
    """
    if source is None:
        from ._shared import DATA_ENV, data_dir
        base = data_dir()
        if base is None:
            raise FileNotFoundError(f"no source folder given and {DATA_ENV} is not set")
        source = base / "usps"
    source = Path(source)
    arrays = {}
    for part, file in SOURCE_FILES.items():
        X, y, digest = read_source(source / file)
        if X.shape[0] != SHAPES[part]:
            raise ValueError(f"{source / file}: {X.shape[0]} rows, expected {SHAPES[part]}")
        arrays[f"X_{part}"] = encode(X)
        arrays[f"y_{part}"] = y.astype(np.uint8)
        arrays[f"sha256_{part}"] = np.array(f"{file} {digest}")
    arrays["encoding"] = np.array("X_train, X_test: uint16 levels; X = (levels.astype(float64) - 1000) / 1000")
    np.savez_compressed(out, **arrays)
    return Path(out)


def main(argv=None):
    """Command-line entry: ``python -m fastoptim.datasets._build_usps [SOURCE] [--out PATH]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=None,
                        help="folder with zip.train.gz and zip.test.gz")
    parser.add_argument("--out", default=str(EMBEDDED), help="file to write")
    args = parser.parse_args(argv)
    path = build(args.source, args.out)
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
