"""Support vector machines solved in the dual: LinearSVC (coordinate descent, or the primal)
and SVC (kernel SMO, one-vs-one)."""
from ._linear_svc import LinearSVC
from ._svc import SVC

__all__ = ["LinearSVC", "SVC"]
