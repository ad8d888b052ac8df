"""Thin Cython glue over the C core (src_c/): typed memoryviews in, status codes out.

Nothing here validates user input or holds algorithm logic; see fastoptim.losses
and the other Python modules for that.  Importing this package loads the C
core's OpenMP runtime first, with a bounded busy-wait (see ``_wait_policy``).
"""
from . import _wait_policy

_token = _wait_policy.before_load()
try:
    from . import _openmp  # noqa: F401  (its libgomp reads the environment now)
finally:
    _wait_policy.after_load(_token)
del _token
