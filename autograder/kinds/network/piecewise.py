"""Exact shape of a one-input ReLU network on an interval: its pieces, kinks and curvature.

Kinks are found, not sampled: each layer's pre-activations are affine between the breakpoints
found so far, so their zero crossings (the new breakpoints) are computed exactly in rationals.
A breakpoint is a kink only if the slope really changes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from autograder.kinds.network.architecture import Network


@dataclass(frozen=True)
class PiecewiseLinear:
    """The function on [lo, hi] as consecutive pieces: breakpoints and the slope between them."""

    breakpoints: tuple[Fraction, ...]
    slopes: tuple[Fraction, ...]

    @property
    def kinks(self) -> tuple[Fraction, ...]:
        """Inner points where the slope changes: where the function is not differentiable."""
        return tuple(
            point
            for point, left, right in zip(self.breakpoints[1:-1], self.slopes, self.slopes[1:])
            if left != right
        )

    @property
    def linear(self) -> bool:
        """One slope on the whole interval."""
        return not self.kinks

    @property
    def convex(self) -> bool:
        """Slopes never decrease (linear counts as convex)."""
        return all(a <= b for a, b in zip(self.slopes, self.slopes[1:]))

    @property
    def concave(self) -> bool:
        """Slopes never increase (linear counts as concave)."""
        return all(a >= b for a, b in zip(self.slopes, self.slopes[1:]))

    def describe(self) -> str:
        """'linear', 'convex (not linear)', 'concave (not linear)' or 'neither convex nor concave'."""
        if self.linear:
            return "linear"
        if self.convex:
            return "convex (not linear)"
        if self.concave:
            return "concave (not linear)"
        return "neither convex nor concave"


def _activate(name: str, z: Fraction) -> Fraction:
    if name == "relu":
        return z if z > 0 else Fraction(0)
    if name == "identity":
        return z
    raise ValueError(f"exact kinks need ReLU or identity activations, not {name}")


def _layer_inputs(network: Network, x: Fraction, upto: int) -> tuple[Fraction, ...]:
    """The pre-activations of layer ``upto`` (0-based) at input x."""
    arch = network.architecture
    values: tuple[Fraction, ...] = (x,)
    for index, layer in enumerate(network.layers):
        pre = tuple(sum((w * v for w, v in zip(row, values)), b) for row, b in zip(layer.weights, layer.bias))
        if index == upto:
            return pre
        act = arch.output_activation if index == len(network.layers) - 1 else arch.activation
        values = tuple(_activate(act, z) for z in pre)
    raise IndexError(upto)


def _output(network: Network, x: Fraction) -> Fraction:
    last = len(network.layers) - 1
    pre = _layer_inputs(network, x, last)
    return _activate(network.architecture.output_activation, pre[0])


def analyse(network: Network, lo: Fraction, hi: Fraction) -> PiecewiseLinear:
    """The exact pieces of a one-input, one-output network on [lo, hi]."""
    points = [lo, hi]
    last = len(network.layers) - 1
    for depth in range(len(network.layers)):
        if depth == last and network.architecture.output_activation == "identity":
            break
        found = set(points)
        for p, q in zip(points, points[1:]):
            for zp, zq in zip(_layer_inputs(network, p, depth), _layer_inputs(network, q, depth)):
                if zp * zq < 0:
                    found.add(p + (q - p) * zp / (zp - zq))
        points = sorted(found)
    values = [_output(network, x) for x in points]
    slopes = tuple((b - a) / (q - p) for a, b, p, q in zip(values, values[1:], points, points[1:]))
    return PiecewiseLinear(tuple(points), slopes)
