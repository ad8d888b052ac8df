"""Multi-layer perceptrons (../shared/MATH.md, "Neural networks").

:class:`~fastoptim.neural_network._network.Network` is the network's shape over the C
kernels of src_c/mlp.c: its objective value and gradient by backpropagation over dense or
CSR input, and its forward pass.
"""
from ._network import Network

__all__ = ["Network"]
