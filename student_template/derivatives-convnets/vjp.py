"""Q1(m): vector-Jacobian products in O(n).

For y = f(x) and a loss L, the chain rule gives ∇x L = (∂y/∂x)ᵀ ∇y L, an O(n²) product in
general. Implement it for f = sigmoid and f = softmax in O(n) time and memory: your functions
are run at n = 1,000,000, where an n × n Jacobian does not fit in memory.
x and grad_y are 1-D tensors of the same length; return a tensor of that shape and dtype.
Compute the gradients by hand (no torch.autograd).
"""
import torch


def sigmoid_vjp(x, grad_y):
    """∇x L for y = sigmoid(x), given grad_y = ∇y L."""
    raise NotImplementedError


def softmax_vjp(x, grad_y):
    """∇x L for y = softmax(x), given grad_y = ∇y L."""
    raise NotImplementedError
