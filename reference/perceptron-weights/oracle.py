"""Autograd oracle for the perceptron-weights rubric's Problem 4 (run in the grader, in float64)."""

import torch


def residual_mlp(x, W1, b1, W2, b2, r, s):
    leaf = x.clone().requires_grad_()
    h = torch.sigmoid(W1 @ leaf + b1)
    y = leaf + W2 @ h + b2
    (0.5 * ((y - s) ** 2).sum() + r @ h).backward()
    return {"x_bar": leaf.grad}
