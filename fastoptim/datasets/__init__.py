"""Data sets and data files: USPS digits shipped in the package, readers and writers.

- :func:`load_usps` -- the USPS digits, embedded (lossless, about 1.7 MB).
- :func:`load_svmlight`, :func:`dump_svmlight` -- the svmlight/LIBSVM sparse
  text format (gzip/bz2/xz by extension), parsed and written in C.
- :func:`load_csv` -- the user's own numeric CSV files.
- :func:`load_mnist`, :func:`load_a9a`, :func:`load_reuters`,
  :func:`load_california_housing` -- public data sets, not shipped: from the
  folder given, or the data folder named by ``FASTOPTIM_DATA`` (:func:`data_dir`).
"""
from ._csv import load_csv
from ._shared import (A9A_N_FEATURES, CALIFORNIA_FEATURE_NAMES, DATA_ENV, REUTERS_N_FEATURES,
                      data_dir, load_a9a, load_california_housing, load_mnist, load_reuters)
from ._svmlight_format import dump_svmlight, load_svmlight
from ._usps import load_usps

__all__ = ["load_usps", "load_svmlight", "dump_svmlight", "load_csv", "load_mnist",
           "load_a9a", "load_reuters", "load_california_housing", "data_dir", "DATA_ENV",
           "A9A_N_FEATURES", "REUTERS_N_FEATURES", "CALIFORNIA_FEATURE_NAMES"]
