"""Q1(m): vector-Jacobian products of sigmoid and softmax in O(n) time and memory."""
import torch


def sigmoid_vjp(x, grad_y):
    """∇x L for y = σ(x), given ∇y L: the Jacobian is diagonal, σ(x)(1 − σ(x))."""
    s = torch.sigmoid(x)
    return grad_y * s * (1 - s)


def softmax_vjp(x, grad_y):
    """∇x L for y = S(x), given ∇y L: (diag(s) − s sᵀ) g = s ⊙ (g − sᵀg)."""
    s = torch.softmax(x, dim=0)
    return s * (grad_y - torch.dot(s, grad_y))
