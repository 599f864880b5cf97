"""P2 as code: σ(a) = (tanh(a/2) + 1) / 2, so halve the first layer and fold the +1/2 into b2."""

import torch


def sigmoid_to_tanh(W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor):
    return W1 / 2, b1 / 2, W2 / 2, b2 + W2.sum(dim=1) / 2
