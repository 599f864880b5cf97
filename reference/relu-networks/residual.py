"""Q8(b): dL/dW = v ⊗ u + diag(Θ(y))(I + Wᵀ)v ⊗ x."""
import torch


def loss_gradient(W, x):
    y = W @ x
    u = torch.relu(y)
    v = u + W @ u
    theta = (y >= 0).to(W.dtype)
    return torch.outer(v, u) + torch.outer(theta * ((torch.eye(len(x), dtype=W.dtype) + W.T) @ v), x)
