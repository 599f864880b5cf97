"""Q5: output activations for regression, built from PyTorch functions.

Each function takes a tensor z (the network's output before the activation) and returns a
tensor of the same shape, elementwise. Use PyTorch activation functions (torch.relu,
torch.sigmoid, torch.nn.functional.softplus, torch.clamp, ...), combined or modified as you
need. Do NOT use if statements (nor x if c else y, and/or, loops with conditions): the grader
checks the code, including any helper function you call.

The activation should be a sensible output layer: it must depend on z, be monotone, and cover
the whole allowed range (reach or approach each bound; grow without limit towards an open end).

Worked example (not graded): outputs in (0, 1) → torch.sigmoid(z).
"""

import torch


def nonnegative(z: torch.Tensor) -> torch.Tensor:
    """Q5(1): y ≥ 0."""
    raise NotImplementedError("write nonnegative")


def nonpositive(z: torch.Tensor) -> torch.Tensor:
    """Q5(2): y ≤ 0."""
    raise NotImplementedError("write nonpositive")


def bounded(z: torch.Tensor, a: float, b: float) -> torch.Tensor:
    """Q5(3): a ≤ y ≤ b."""
    raise NotImplementedError("write bounded")
