"""The autograd oracle for the mlp-backprop rubric: what the student's hand-written code must match.

Runs in the grader, in float64, never in the sandbox; ``rubrics/mlp-backprop.yaml`` names these
functions. ``relu_grad_at_0`` picks the convention at the kink, since both 0 and 1 are accepted.
"""

import torch
import torch.nn.functional as F


def _activation(name, relu_grad_at_0):
    if name == "relu":
        if relu_grad_at_0:
            return lambda z: torch.where(z >= 0, z, torch.zeros_like(z))
        return lambda z: torch.where(z > 0, z, torch.zeros_like(z))
    if name == "sigmoid":
        return torch.sigmoid
    return lambda z: z


def _forward(x, W1, b1, W2, b2, f, g, relu_grad_at_0):
    params = [p.clone().requires_grad_() for p in (W1, b1, W2, b2)]
    w1, c1, w2, c2 = params
    y_hat = _activation(g, relu_grad_at_0)(F.linear(_activation(f, relu_grad_at_0)(F.linear(x, w1, c1)), w2, c2))
    return y_hat, params


def mlp(x, W1, b1, W2, b2, f, g, dJdy_hat=None, y=None, relu_grad_at_0=0):
    """y_hat of the two-layer network; given dJ/dy_hat, the gradients of its parameters; given y,
    the gradients of F.mse_loss(y_hat, y) end to end (``e2e_*``), as the course's own tests do."""
    y_hat, (w1, c1, w2, c2) = _forward(x, W1, b1, W2, b2, f, g, relu_grad_at_0)
    out = {"y_hat": y_hat}
    if dJdy_hat is not None:
        y_hat.backward(dJdy_hat)
        out.update(dJdW1=w1.grad, dJdb1=c1.grad, dJdW2=w2.grad, dJdb2=c2.grad)
    if y is not None:
        y_hat, (w1, c1, w2, c2) = _forward(x, W1, b1, W2, b2, f, g, relu_grad_at_0)
        F.mse_loss(y_hat, y).backward()
        out.update(e2e_dJdW1=w1.grad, e2e_dJdb1=c1.grad, e2e_dJdW2=w2.grad, e2e_dJdb2=c2.grad)
    return out


def mse(y, y_hat):
    """F.mse_loss (the mean over every element) and its gradient."""
    y_hat = y_hat.clone().requires_grad_()
    loss = F.mse_loss(y_hat, y)
    loss.backward()
    return {"J": loss, "dJdy_hat": y_hat.grad}


def bce(y, y_hat):
    """F.binary_cross_entropy (the mean over every element) and its gradient."""
    y_hat = y_hat.clone().requires_grad_()
    loss = F.binary_cross_entropy(y_hat, y)
    loss.backward()
    return {"J": loss, "dJdy_hat": y_hat.grad}
