"""Support vector machines: LinearSVC (linear SVM solved in the dual by coordinate descent)."""
from ._linear_svc import LinearSVC

__all__ = ["LinearSVC"]
