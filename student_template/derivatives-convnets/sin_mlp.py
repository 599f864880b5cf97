"""Q2 in code: one example through the MLP of Q2 and the gradients of its loss, by hand.

h^a = W1 x + b1, h^s = sin(h^a), o^a = W2 h^s + b2, o^s = softmax(o^a), L = −log o^s_y.
x has shape (d,), y is the class index (a 0-d integer tensor), W1 (d_h, d), b1 (d_h,),
W2 (m, d_h), b2 (m,). Return (L, grads) where grads is a dict with keys "W1", "b1", "W2", "b2"
holding tensors of the parameters' shapes. Use your answers to (g)-(o); no torch.autograd.
"""
import torch


def sin_mlp_gradients(x, y, W1, b1, W2, b2):
    raise NotImplementedError
