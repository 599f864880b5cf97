"""The inputs a construction is tried on, drawn the same way on every run.

Hand-made networks are usually right on typical inputs and wrong exactly where the question is
subtle, so besides random points the cases visit every boundary of the target condition (on it
and just off it), grids with ties and zeros, huge magnitudes, and every ordering of distinct
values. All coordinates are exact rationals.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from autograder.kinds.network.predicate import Boundary

CaseGroup = Literal["random", "boundary", "grid", "large", "orderings", "boolean", "switching"]
CASE_GROUPS: tuple[CaseGroup, ...] = ("random", "boundary", "grid", "large", "orderings", "boolean")
REAL_GROUPS: tuple[CaseGroup, ...] = ("random", "boundary", "grid", "large", "orderings")
Filter = Literal["distinct", "nonzero", "off_boundary"]

Point = tuple[Fraction, ...]
_TINY = Fraction(1, 10**6)
_MAX_GRID = 1100
_MAX_ORDERINGS = 800


@dataclass(frozen=True)
class Case:
    """One input and the group it was drawn for (named in feedback and tiers)."""

    point: Point
    group: CaseGroup


def _random_point(rng: random.Random, n: int, scale: int = 1000) -> Point:
    return tuple(Fraction(rng.randint(-10 * scale, 10 * scale), scale) for _ in range(n))


def _grid(rng: random.Random, n: int) -> list[Point]:
    values = [Fraction(v) for v in (-1, 0, 1, 2)] if n > 2 else [Fraction(v, 2) for v in range(-4, 5)]
    if len(values) ** n <= _MAX_GRID:
        return list(itertools.product(values, repeat=n))
    return [tuple(rng.choice(values) for _ in range(n)) for _ in range(_MAX_GRID)]


def _on_and_near(rng: random.Random, boundary: Boundary, n: int, count: int) -> list[Point]:
    a, c = boundary.coefficients, boundary.constant
    norm = sum(x * x for x in a)
    points = []
    for _ in range(count):
        base = tuple(Fraction(rng.randint(-3, 3)) for _ in range(n)) if rng.random() < 0.5 else (
            _random_point(rng, n, 100)
        )
        excess = (sum(x * y for x, y in zip(a, base)) + c) / norm
        on = tuple(p - excess * x for p, x in zip(base, a))
        points.append(on)
        for step in (_TINY, -_TINY, Fraction(1, 2), Fraction(-1, 2)):
            points.append(tuple(p + step * x for p, x in zip(on, a)))
    return points


def _orderings(rng: random.Random, n: int) -> list[Point]:
    """Every ordering of a few sets of distinct values (one set with gaps of 10⁻⁶)."""
    sets = [
        tuple(Fraction(v, 100) for v in rng.sample(range(-1000, 1000), n)),
        tuple(Fraction(v) for v in range(n)),
        tuple(Fraction(rng.randint(-5, 5)) + i * _TINY for i in range(n)),
    ]
    orders = list(itertools.permutations(range(n)))
    if len(orders) * len(sets) > _MAX_ORDERINGS:
        orders = rng.sample(orders, _MAX_ORDERINGS // len(sets))
    return [tuple(values[i] for i in order) for values in sets for order in orders]


def draw_cases(
    inputs: int, groups: tuple[CaseGroup, ...], boundaries: list[Boundary], seed: int
) -> list[Case]:
    """The question's inputs, group by group, without repeats; the same for every submission."""
    rng = random.Random(seed)
    cases: list[Case] = []
    seen: set[Point] = set()

    def add(points: list[Point], group: CaseGroup) -> None:
        for point in points:
            if point not in seen:
                seen.add(point)
                cases.append(Case(point, group))

    for group in groups:
        if group == "boolean":
            add([tuple(Fraction(v) for v in bits) for bits in itertools.product((0, 1), repeat=inputs)], group)
        elif group == "random":
            add([_random_point(rng, inputs) for _ in range(200)], group)
        elif group == "grid":
            add(_grid(rng, inputs), group)
        elif group == "boundary":
            for boundary in boundaries[:12]:
                add(_on_and_near(rng, boundary, inputs, 30), group)
        elif group == "large":
            big = [tuple(v * 10**6 for v in _random_point(rng, inputs)) for _ in range(40)]
            big += [tuple(v * 10**9 for v in _random_point(rng, inputs, 10)) for _ in range(40)]
            add(big, group)
        elif group == "orderings":
            add(_orderings(rng, inputs), group)
    return cases


def on_boundary(point: Point, boundary: Boundary) -> bool:
    """Whether the point lies exactly on the hyperplane."""
    # In integers (hyperplane and point each times its common denominator): a verdict asks this
    # for every input and boundary, and Fraction arithmetic made it most of the judging time.
    coefficients, constant = boundary.integers
    scale = math.lcm(*(x.denominator for x in point))
    total = constant * scale
    for a, x in zip(coefficients, point):
        if a:
            total += a * x.numerator * (scale // x.denominator)
    return total == 0


def between(points: list[Point], hyperplanes: list[Boundary], limit: int = 400) -> list[Case]:
    """Points on each of the network's own hyperplanes and halfway to the target's boundary.

    A unit that switches at x1 = 10⁻⁹ instead of x1 = 0 is wrong only in between; no fixed grid
    finds that, so the cases follow the student's own first-layer hyperplanes.
    """
    found: list[Case] = []
    for plane in hyperplanes:
        a, c = plane.coefficients, plane.constant
        norm = sum(x * x for x in a)
        for point in points:
            excess = (sum(x * y for x, y in zip(a, point)) + c) / norm
            if excess == 0:
                continue
            on = tuple(p - excess * x for p, x in zip(point, a))
            found.append(Case(on, "switching"))
            found.append(Case(tuple((p + q) / 2 for p, q in zip(point, on)), "switching"))
            if len(found) >= limit:
                return found
    return found


def passes_filter(point: Point, name: Filter, boundaries: list[Boundary]) -> bool:
    """Whether a case belongs to a tier's inputs: distinct values, no zero, or off every boundary."""
    if name == "distinct":
        return len(set(point)) == len(point)
    if name == "nonzero":
        return all(point)
    return not any(on_boundary(point, b) for b in boundaries)
