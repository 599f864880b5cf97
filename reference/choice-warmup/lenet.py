"""Reference: the third LeNet layer of seed 004 Q3, counted by PyTorch."""

import torch


def last_layer_params() -> int:
    layer = torch.nn.Conv2d(in_channels=6, out_channels=16, kernel_size=5, bias=False)
    return sum(p.numel() for p in layer.parameters())
