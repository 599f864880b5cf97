"""Autograd oracles for the relu-networks rubric (run in the grader, in float64)."""

import torch
import torch.nn.functional as F


def _relu(z, relu_grad_at_0):
    return torch.where(z >= 0 if relu_grad_at_0 else z > 0, z, torch.zeros_like(z))


def linear(x, weight, bias, grad_out=None):
    """Linear forward; given dL/d(out), the gradients of x, weight and bias."""
    leaves = [t.clone().requires_grad_() for t in (x, weight, bias)]
    out = F.linear(*leaves)
    answer = {"out": out}
    if grad_out is not None:
        out.backward(grad_out)
        answer.update(grad_in=leaves[0].grad, grad_weight=leaves[1].grad, grad_bias=leaves[2].grad)
    return answer


def relu(x, grad_out, relu_grad_at_0=0):
    leaf = x.clone().requires_grad_()
    _relu(leaf, relu_grad_at_0).backward(grad_out)
    return {"grad_in": leaf.grad}


def cross_entropy(logits, labels):
    leaf = logits.clone().requires_grad_()
    F.cross_entropy(leaf, labels).backward()
    return {"grad_logits": leaf.grad}


def residual(W, x, relu_grad_at_0=1):
    leaf = W.clone().requires_grad_()
    u = _relu(leaf @ x, relu_grad_at_0)
    v = u + leaf @ u
    (0.5 * (v * v).sum()).backward()
    return {"dLdW": leaf.grad}
