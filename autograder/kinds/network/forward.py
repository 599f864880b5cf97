"""Evaluating a network: exactly on rationals where the activations allow, else in floats.

Exact evaluation runs on integers: each layer's weights and bias are scaled once by their common
denominator, and an input by its own, so a layer is integer multiply-adds and one shared
denominator; only the outputs become Fractions. The values are those of Fraction arithmetic
(every step is exact) at a fraction of its cost, which matters because a verdict evaluates the
network at thousands of inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Union

import numpy as np

from autograder.kinds.network.architecture import Layer, Network

Number = Union[Fraction, float]
Point = tuple[Fraction, ...]
# A vector of rationals as integer numerators over one positive denominator.
Scaled = tuple[tuple[int, ...], int]


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


def evaluate(network: Network, point: Point) -> tuple[Number, ...]:
    """The network's outputs at one input: exact Fractions when every activation is piecewise
    linear or a step, so that ties and zeros are judged without rounding."""
    return evaluator(network)(point)


def evaluator(network: Network) -> Callable[[Point], tuple[Number, ...]]:
    """:func:`evaluate` for one network, its preparation done once for all the inputs it is
    judged on."""
    if network.architecture.exact:
        return _ExactNetwork.of(network).outputs
    return lambda point: _evaluate_floats(network, point)


def _evaluate_floats(network: Network, point: Point) -> tuple[float, ...]:
    arch = network.architecture
    hidden = _scalar_activation(arch.activation, arch.threshold_at_zero)
    final = _scalar_activation(arch.output_activation, arch.threshold_at_zero)
    values: tuple[Number, ...] = tuple(float(v) for v in point)
    last = len(network.layers) - 1
    for index, layer in enumerate(network.layers):
        act = final if index == last else hidden
        weights = [[float(w) for w in row] for row in layer.weights]
        bias = [float(b) for b in layer.bias]
        values = tuple(
            act(sum((w * v for w, v in zip(row, values)), b)) for row, b in zip(weights, bias)
        )
    return values  # type: ignore[return-value]


@dataclass(frozen=True)
class _ScaledLayer:
    """W and b times their common denominator: W x + b = (Wn xn + bn d) / (D d) for x = xn / d."""

    weights: tuple[tuple[int, ...], ...]
    bias: tuple[int, ...]
    denominator: int
    activation: Callable[[int], int]
    steps: bool  # a step activation: its outputs are whole numbers, whatever came in

    @classmethod
    def of(cls, layer: Layer, activation: str, threshold_at_zero: int) -> "_ScaledLayer":
        """The layer scaled to integers, with its activation on numerators (the denominator is
        positive, so a numerator's sign is the value's)."""
        numbers = [w for row in layer.weights for w in row] + list(layer.bias)
        common = math.lcm(*(v.denominator for v in numbers))
        weights = tuple(tuple(w.numerator * (common // w.denominator) for w in row) for row in layer.weights)
        bias = tuple(b.numerator * (common // b.denominator) for b in layer.bias)
        return cls(weights, bias, common, _integer_activation(activation, threshold_at_zero),
                   activation == "threshold")

    def __call__(self, values: Scaled) -> Scaled:
        numerators, denominator = values
        activate = self.activation
        out = tuple(
            activate(sum(w * x for w, x in zip(row, numerators)) + b * denominator)
            for row, b in zip(self.weights, self.bias)
        )
        if self.steps:
            return out, 1
        # Reduced at every layer so that the integers stay as small as the Fractions would.
        common = math.gcd(self.denominator * denominator, *out)
        return tuple(n // common for n in out), self.denominator * denominator // common


def _integer_activation(name: str, threshold_at_zero: int) -> Callable[[int], int]:
    """An exact activation applied to a numerator over a positive denominator."""
    if name == "relu":
        return lambda n: n if n > 0 else 0
    if name == "threshold":
        if threshold_at_zero:
            return lambda n: 1 if n >= 0 else 0
        return lambda n: 1 if n > 0 else 0
    if name == "identity":
        return lambda n: n
    raise ValueError(f"no exact evaluation for the activation {name}")


@dataclass(frozen=True)
class _ExactNetwork:
    """A network of exact activations, evaluated in integers."""

    layers: tuple[_ScaledLayer, ...]

    @classmethod
    def of(cls, network: Network) -> "_ExactNetwork":
        """Every layer of ``network`` scaled once."""
        arch = network.architecture
        last = len(network.layers) - 1
        return cls(tuple(
            _ScaledLayer.of(layer, arch.output_activation if index == last else arch.activation,
                            arch.threshold_at_zero)
            for index, layer in enumerate(network.layers)
        ))

    def outputs(self, point: Point) -> tuple[Fraction, ...]:
        """The outputs at ``point``, as Fractions (the same values Fraction arithmetic gives)."""
        common = math.lcm(*(v.denominator for v in point))
        values: Scaled = (tuple(v.numerator * (common // v.denominator) for v in point), common)
        for layer in self.layers:
            values = layer(values)
        numerators, denominator = values
        return tuple(Fraction(n, denominator) for n in numerators)


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
