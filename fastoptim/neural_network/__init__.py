"""Multi-layer perceptrons (../shared/MATH.md, "Neural networks").

:class:`MLPClassifier` and :class:`MLPRegressor` are the estimators (scikit-learn's
interface; fastoptim's optimizers; batch norm, dropout, torch's initializations).
:class:`~fastoptim.neural_network._network.Network` is the network's shape over the C
kernels of src_c/mlp.c: its objective value and gradient by backpropagation over dense or
CSR input, one training epoch in C, and its forward pass.
"""
from ._multilayer_perceptron import MLPClassifier, MLPRegressor
from ._network import Network

__all__ = ["MLPClassifier", "MLPRegressor", "Network"]
