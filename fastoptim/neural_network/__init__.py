"""Multi-layer perceptrons (../shared/MATH.md, "Neural networks").

:class:`MLPClassifier` and :class:`MLPRegressor` are the estimators (scikit-learn's
interface; fastoptim's optimizers; batch norm, dropout, torch's initializations).
:class:`Network` (defined in :mod:`fastoptim._network`, below the dask adapter, which
trains it chunk by chunk) is the network's shape over the C kernels of src_c/mlp.c: its
objective value and gradient by backpropagation over dense or CSR input, one training
epoch in C, and its forward pass.
"""
from .._network import Network
from ._multilayer_perceptron import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "Network"]
