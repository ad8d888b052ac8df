"""Plain NumPy implementations of the equations the C core computes.

They are the test oracles (tests compare every kernel against them) and the
NumPy baselines of the benchmarks.  Written for clarity, not speed.
"""
from . import kernels, losses

__all__ = ["kernels", "losses"]
