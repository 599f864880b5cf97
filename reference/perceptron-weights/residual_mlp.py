"""Problem 4: ȳ = y − s, h̄ = r + W2ᵀȳ, z̄ = h̄ ⊙ σ'(z), x̄ = ȳ + W1ᵀz̄."""
import torch


def x_bar(x, W1, b1, W2, b2, r, s):
    z = W1 @ x + b1
    h = torch.sigmoid(z)
    y = x + W2 @ h + b2
    y_bar = y - s
    h_bar = r + W2.T @ y_bar
    z_bar = h_bar * h * (1 - h)
    return y_bar + W1.T @ z_bar
