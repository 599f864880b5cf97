"""Q2 in code: one example through the MLP of Q2 and the gradients of its loss, by hand.

The forward pass is yours from Q2(a)-(c), with φ = sin and a softmax output; L = −log o^s_y.
x has shape (d,), y is the class index (a 0-d integer tensor), W1 has shape (d_h, d), and b1,
W2, b2 have the shapes you found in Q2(a)-(b), for d_h hidden units and m classes.
Return (L, grads) where grads is a dict with keys "W1", "b1", "W2", "b2" holding tensors of
the parameters' shapes. Use your answers to (g)-(o); no torch.autograd.
"""
import torch


def sin_mlp_gradients(x, y, W1, b1, W2, b2):
    raise NotImplementedError
