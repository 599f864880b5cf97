"""Exact evaluation in integers (networks, boundaries) gives what Fraction arithmetic gives."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Callable

import pytest

from autograder.kinds.network.architecture import Architecture, Layer, Network
from autograder.kinds.network.cases import on_boundary
from autograder.kinds.network.forward import evaluate, evaluator
from autograder.kinds.network.predicate import Boundary

Point = tuple[Fraction, ...]


def _fraction_activation(name: str, threshold_at_zero: int) -> Callable[[Fraction], Fraction]:
    if name == "relu":
        return lambda z: z if z > 0 else Fraction(0)
    if name == "threshold":
        return lambda z: Fraction(1) if (z >= 0 if threshold_at_zero else z > 0) else Fraction(0)
    return lambda z: z


def _by_fractions(network: Network, point: Point) -> tuple[Fraction, ...]:
    """The network's outputs computed the plain way, one Fraction operation at a time."""
    arch = network.architecture
    values = point
    for index, layer in enumerate(network.layers):
        last = index == len(network.layers) - 1
        act = _fraction_activation(arch.output_activation if last else arch.activation, arch.threshold_at_zero)
        values = tuple(act(sum((w * v for w, v in zip(row, values)), b)) for row, b in zip(layer.weights, layer.bias))
    return values


def _number(rng: random.Random) -> Fraction:
    """Small values with the denominators that matter: whole, halves, thirds, 10⁻⁶ steps; zeros."""
    return Fraction(rng.randint(-6, 6), rng.choice([1, 1, 2, 3, 7, 10**6]))


def _network(rng: random.Random, inputs: int) -> Network:
    hidden, output = (rng.choice(["relu", "threshold", "identity"]) for _ in range(2))
    arch = Architecture(inputs=inputs, activation=hidden, output_activation=output,  # type: ignore[arg-type]
                        threshold_at_zero=rng.choice([0, 1]))
    sizes = [inputs] + [rng.randint(1, 4) for _ in range(rng.randint(0, 3))] + [rng.randint(1, 2)]
    layers = tuple(
        Layer(tuple(tuple(_number(rng) for _ in range(cols)) for _ in range(rows)),
              tuple(_number(rng) for _ in range(rows)))
        for cols, rows in zip(sizes, sizes[1:])
    )
    return Network(layers, arch)


@pytest.mark.parametrize("seed", range(5))
def test_exact_networks_give_the_values_of_fraction_arithmetic(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        inputs = rng.randint(1, 5)
        network = _network(rng, inputs)
        run = evaluator(network)
        for _ in range(8):
            point = tuple(_number(rng) for _ in range(inputs))
            got, want = run(point), _by_fractions(network, point)
            assert got == want and all(type(value) is Fraction for value in got)
            assert evaluate(network, point) == want


def test_ties_at_zero_follow_the_threshold_convention() -> None:
    # One hidden unit at exactly 0 after cancelling thirds and millionths.
    layer = Layer(((Fraction(1, 3), Fraction(-1, 3)),), (Fraction(0),))
    out = Layer(((Fraction(1),),), (Fraction(-1, 10**6),))
    point = (Fraction(7, 10**6), Fraction(7, 10**6))
    for at_zero, want in ((1, Fraction(999999, 10**6)), (0, Fraction(-1, 10**6))):
        arch = Architecture(inputs=2, activation="threshold", output_activation="identity", threshold_at_zero=at_zero)
        assert evaluate(Network((layer, out), arch), point) == (want,)


def test_float_networks_are_still_evaluated_in_floats() -> None:
    arch = Architecture(inputs=1, activation="sigmoid", output_activation="identity")
    network = Network((Layer(((Fraction(1),),), (Fraction(0),)), Layer(((Fraction(2),),), (Fraction(-1),))), arch)
    assert evaluate(network, (Fraction(0),)) == (0.0,)
    assert type(evaluate(network, (Fraction(1),))[0]) is float


@pytest.mark.parametrize("seed", range(3))
def test_on_boundary_is_the_exact_test(seed: int) -> None:
    rng = random.Random(seed)
    hits = 0
    for _ in range(300):
        inputs = rng.randint(1, 5)
        boundary = Boundary(tuple(_number(rng) for _ in range(inputs)), _number(rng))
        points = [tuple(_number(rng) for _ in range(inputs)) for _ in range(5)]
        if any(boundary.coefficients):  # and one point put on it exactly
            index = next(i for i, c in enumerate(boundary.coefficients) if c)
            base = list(points[0])
            rest = sum(c * x for i, (c, x) in enumerate(zip(boundary.coefficients, base)) if i != index)
            base[index] = -(rest + boundary.constant) / boundary.coefficients[index]
            points.append(tuple(base))
        for point in points:
            want = sum(a * x for a, x in zip(boundary.coefficients, point)) + boundary.constant == 0
            assert on_boundary(point, boundary) == want
            hits += want
    assert hits > 100
