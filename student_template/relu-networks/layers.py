"""Q10: the forward and backward passes of the module classes, by hand (each in ≤ 5 lines).

Conventions, as in PyTorch: inputs are batches (one example per row). A layer's backward takes
dL/d(output) and returns dL/d(input); parameter gradients ADD UP in grad_weight and grad_bias
over calls until zero_grad() is called, like .grad in PyTorch. No torch.autograd.
"""
import torch


class Linear:
    def __init__(self, in_features, out_features):
        self.weight = torch.randn(out_features, in_features) / in_features ** 0.5
        self.bias = torch.zeros(out_features)
        self.zero_grad()

    def zero_grad(self):
        self.grad_weight = torch.zeros_like(self.weight)
        self.grad_bias = torch.zeros_like(self.bias)

    def forward(self, x):
        """x: (batch, in_features) → (batch, out_features), out = x Wᵀ + b."""
        self.x = x
        # TODO (a)
        raise NotImplementedError

    def backward(self, grad_out):
        """grad_out: dL/d(out), (batch, out_features). Add to grad_weight, grad_bias; return dL/dx."""
        # TODO (b)
        raise NotImplementedError


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad_out):
        """dL/dx from dL/d(out)."""
        # TODO (c)
        raise NotImplementedError


class CrossEntropyLoss:
    def forward(self, logits, labels):
        """Mean over the batch of −log softmax(logits)[label]; labels are class indices."""
        shifted = logits - logits.max(dim=1, keepdim=True).values
        self.probs = shifted.exp() / shifted.exp().sum(dim=1, keepdim=True)
        self.labels = labels
        return -self.probs[torch.arange(len(labels)), labels].log().mean()

    def backward(self):
        """dL/d(logits), (batch, classes)."""
        # TODO (d)
        raise NotImplementedError
