"""P2 as code. Given the parameters of a two-layer network with sigmoid hidden units,

    y = sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2),

return the parameters (W1, b1, W2, b2) of a network with tanh hidden units that computes the
same function: y = sigmoid(W2' @ tanh(W1' @ x + b1') + b2'). Shapes stay the same:
W1 (M, D), b1 (M,), W2 (K, M), b2 (K,). Inputs are torch tensors; return tensors.

Example of the interface (not the answer): return W1, b1, W2, b2 returns the same network.
"""

import torch


def sigmoid_to_tanh(W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor):
    raise NotImplementedError("write sigmoid_to_tanh")
