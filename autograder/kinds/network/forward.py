"""Evaluating a network: exactly on rationals where the activations allow, else in floats."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Union

import numpy as np

from autograder.kinds.network.architecture import Network

Number = Union[Fraction, float]


def _sigmoid(z: float) -> float:
    # Split by sign so that exp never overflows.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _scalar_activation(name: str, threshold_at_zero: int) -> Callable[[Number], Number]:
    if name == "relu":
        return lambda z: z if z > 0 else type(z)(0)
    if name == "threshold":
        if threshold_at_zero:
            return lambda z: type(z)(1) if z >= 0 else type(z)(0)
        return lambda z: type(z)(1) if z > 0 else type(z)(0)
    if name == "identity":
        return lambda z: z
    if name == "sigmoid":
        return lambda z: _sigmoid(float(z))
    if name == "tanh":
        return lambda z: math.tanh(float(z))
    raise ValueError(f"unknown activation {name}")


def evaluate(network: Network, point: tuple[Fraction, ...]) -> tuple[Number, ...]:
    """The network's outputs at one input: exact Fractions when every activation is piecewise
    linear or a step, so that ties and zeros are judged without rounding."""
    arch = network.architecture
    hidden = _scalar_activation(arch.activation, arch.threshold_at_zero)
    final = _scalar_activation(arch.output_activation, arch.threshold_at_zero)
    values: tuple[Number, ...] = point if arch.exact else tuple(float(v) for v in point)
    last = len(network.layers) - 1
    for index, layer in enumerate(network.layers):
        act = final if index == last else hidden
        weights = layer.weights if arch.exact else [[float(w) for w in row] for row in layer.weights]
        bias = layer.bias if arch.exact else [float(b) for b in layer.bias]
        values = tuple(
            act(sum((w * v for w, v in zip(row, values)), b)) for row, b in zip(weights, bias)
        )
    return values


def _array_activation(name: str, threshold_at_zero: int) -> Callable[[np.ndarray], np.ndarray]:
    if name == "relu":
        return lambda z: np.maximum(z, 0.0)
    if name == "threshold":
        return (lambda z: (z >= 0).astype(float)) if threshold_at_zero else (lambda z: (z > 0).astype(float))
    if name == "identity":
        return lambda z: z
    if name == "sigmoid":
        return lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
    if name == "tanh":
        return np.tanh
    raise ValueError(f"unknown activation {name}")


def evaluate_many(network: Network, points: np.ndarray) -> np.ndarray:
    """Outputs for many inputs at once, in float64 (rows are inputs); for pictures, not verdicts."""
    arch = network.architecture
    hidden = _array_activation(arch.activation, arch.threshold_at_zero)
    final = _array_activation(arch.output_activation, arch.threshold_at_zero)
    values = np.asarray(points, dtype=float)
    last = len(network.layers) - 1
    with np.errstate(over="ignore", invalid="ignore"):
        for index, layer in enumerate(network.layers):
            weights = np.array([[float(w) for w in row] for row in layer.weights])
            bias = np.array([float(b) for b in layer.bias])
            values = (final if index == last else hidden)(values @ weights.T + bias)
    return values
