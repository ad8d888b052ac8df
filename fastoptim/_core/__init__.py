"""Thin Cython glue over the C core (src_c/): typed memoryviews in, status codes out.

Nothing here validates user input or holds algorithm logic; see fastoptim.losses
and the other Python modules for that.
"""
