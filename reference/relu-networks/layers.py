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
        return x @ self.weight.T + self.bias

    def backward(self, grad_out):
        """grad_out: dL/d(out), (batch, out_features). Add to grad_weight, grad_bias; return dL/dx."""
        self.grad_weight += grad_out.T @ self.x
        self.grad_bias += grad_out.sum(dim=0)
        return grad_out @ self.weight


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad_out):
        """dL/dx from dL/d(out)."""
        return grad_out * self.mask


class CrossEntropyLoss:
    def forward(self, logits, labels):
        """Mean over the batch of −log softmax(logits)[label]; labels are class indices."""
        shifted = logits - logits.max(dim=1, keepdim=True).values
        self.probs = shifted.exp() / shifted.exp().sum(dim=1, keepdim=True)
        self.labels = labels
        return -self.probs[torch.arange(len(labels)), labels].log().mean()

    def backward(self):
        """dL/d(logits), (batch, classes)."""
        onehot = torch.zeros_like(self.probs)
        onehot[torch.arange(len(self.labels)), self.labels] = 1
        return (self.probs - onehot) / len(self.labels)
