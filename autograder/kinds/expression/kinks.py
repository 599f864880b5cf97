"""The points that matter: where an indicator, sign, Heaviside, |·|, max/min or ReLU switches.

Random points almost never land on a switch (x = 0 has probability zero), so an answer that is
wrong exactly there (``1_{x≥0} − 1_{x<0}`` for ``sign(x)``) would pass. For every switching
expression in the expected answer **or** the student's, this finds points where its argument is
exactly 0: a quantity that is the argument itself is set to 0 (all of it, and every other entry
of a vector or matrix); a scalar argument polynomial (degree ≤ 2) in one scalar quantity is solved
for it, the others kept at a random point's values. Bounded work: no general solving.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

import numpy as np

from autograder.kinds.expression.nodes import Add, Call, Compare, Neg, Node, Sym, walk

MAX_KINK_POINTS = 24
_SWITCHING = frozenset({"sign", "heaviside", "abs", "relu", "relu'"})

Point = dict[str, np.ndarray]


def switch_arguments(nodes: Iterable[Node]) -> list[Node]:
    """Every expression whose sign decides a switch, in the trees given (deduplicated)."""
    found: list[Node] = []
    for tree in nodes:
        for node in walk(tree):
            argument = _switch_argument(node)
            if argument is not None and argument not in found:
                found.append(argument)
    return found


def _switch_argument(node: Node) -> Node | None:
    if isinstance(node, Call) and node.func in _SWITCHING:
        return node.args[0]
    if isinstance(node, Call) and node.func in {"max", "min"}:
        return Add((node.args[0], Neg(node.args[1])))
    if isinstance(node, Compare):
        return Add((node.left, Neg(node.right)))
    return None


def kink_points(
    arguments: list[Node],
    bases: list[Point],
    free: frozenset[str],
    scalar_roots: Callable[[Node, str, Point], list[float]],
    definitions: Mapping[str, Node] | None = None,
) -> list[Point]:
    """Points (copies of ``bases``) where some argument is exactly 0.

    ``free``: the quantities that may be set (random, not defined from others);
    ``scalar_roots(argument, key, base)``: the real values of scalar ``key`` that make the
    argument 0 with the rest at ``base`` ([] when it cannot tell cheaply); ``definitions``: a
    defined quantity (z = W x + b) is made 0 through its free bias, or through a vector
    multiplied by a matrix (projected onto the rows' null space).
    """
    points: list[Point] = []
    for argument in arguments:
        for base in bases:
            points.extend(_zeroing(argument, base, free, scalar_roots))
            points.extend(_zeroing_defined(argument, base, free, definitions or {}))
            if len(points) >= MAX_KINK_POINTS:
                return points[:MAX_KINK_POINTS]
    return points


def _zeroing(argument: Node, base: Point, free: frozenset[str],
             scalar_roots: Callable[[Node, str, Point], list[float]]) -> list[Point]:
    bare = argument.arg if isinstance(argument, Neg) else argument
    if isinstance(bare, Add) and len(bare.terms) == 2 and bare.terms[1] == Neg(_zero()):
        bare = bare.terms[0]
    if isinstance(bare, Sym) and bare.key in free:
        return _zeroed_entries(base, bare.key)
    points = []
    for key in sorted(free):
        if base[key].size != 1 or not any(isinstance(n, Sym) and n.key == key for n in walk(argument)):
            continue
        for root in scalar_roots(argument, key, base):
            point = dict(base)
            point[key] = np.full_like(base[key], root)
            points.append(point)
    return points


def _zeroing_defined(argument: Node, base: Point, free: frozenset[str], definitions: Mapping[str, Node]) -> list[Point]:
    """Points where a defined quantity (the argument itself) is 0 in all entries or every other
    one. ``base`` holds its value there; the caller recomputes the definitions afterwards."""
    bare = argument.arg if isinstance(argument, Neg) else argument
    if isinstance(bare, Add) and len(bare.terms) == 2 and bare.terms[1] == Neg(_zero()):
        bare = bare.terms[0]
    if not isinstance(bare, Sym) or bare.key not in definitions:
        return []
    value = base[bare.key]
    masks = [np.ones(value.shape, dtype=bool)]
    if value.size > 1:
        every_other = np.zeros(value.size, dtype=bool)
        every_other[::2] = True
        masks.append(every_other.reshape(value.shape))
    definition = definitions[bare.key]
    points = []
    for mask in masks:
        point = _through_bias(definition, base, value, mask, free) or _through_null_space(definition, base, mask, free)
        if point is not None:
            points.append(point)
    return points


def _through_bias(definition: Node, base: Point, value: np.ndarray, mask: np.ndarray, free: frozenset[str]) -> Point | None:
    """z = … + b: b minus z's value on the masked entries makes them 0."""
    if not isinstance(definition, Add):
        return None
    for term in definition.terms:
        if isinstance(term, Sym) and term.key in free and base[term.key].shape == value.shape:
            point = dict(base)
            point[term.key] = np.where(mask, base[term.key] - value, base[term.key])
            return point
    return None


def _through_null_space(definition: Node, base: Point, mask: np.ndarray, free: frozenset[str]) -> Point | None:
    """z = W x: x projected so that the masked rows of W x are 0."""
    from autograder.kinds.expression.nodes import Mul

    if not (isinstance(definition, Mul) and definition.op == "dot" and isinstance(definition.left, Sym)
            and isinstance(definition.right, Sym) and definition.right.key in free):
        return None
    matrix, vector = base.get(definition.left.key), base[definition.right.key]
    if matrix is None or matrix.ndim != 2 or vector.ndim != 2 or vector.shape[1] != 1:
        return None
    rows = matrix[mask.reshape(-1)] if mask.shape[0] == matrix.shape[0] else None
    if rows is None or rows.size == 0:
        return None
    point = dict(base)
    point[definition.right.key] = vector - np.linalg.pinv(rows) @ (rows @ vector)
    return point


def _zeroed_entries(base: Point, key: str) -> list[Point]:
    """The quantity all 0, and (for a vector or matrix) every other entry 0."""
    value = base[key]
    whole = dict(base)
    whole[key] = np.zeros_like(value)
    if value.size == 1:
        return [whole]
    mixed = dict(base)
    flat = value.copy().ravel()
    flat[::2] = 0.0
    mixed[key] = flat.reshape(value.shape)
    return [whole, mixed]


def _zero() -> Node:
    from fractions import Fraction

    from autograder.kinds.expression.nodes import Num

    return Num(Fraction(0))


def agree_where_defined(got: np.ndarray, want: np.ndarray, close: Callable[[np.ndarray, np.ndarray], bool]) -> bool:
    """At a switch, entries where either side is undefined (Heaviside(0), ReLU′(0): a
    convention; x/|x| at 0) make no claim; every other entry must match."""
    got, want = np.broadcast_arrays(np.asarray(got, dtype=float), np.asarray(want, dtype=float))
    both = np.isfinite(got) & np.isfinite(want)
    return close(got[both], want[both]) if np.any(both) else True


def solve_scalar(expression: "object", symbol: "object", others: Mapping["object", float]) -> list[float]:
    """Real roots of a sympy ``expression`` in ``symbol`` when it is a polynomial of degree ≤ 2
    in it once ``others`` are substituted; [] otherwise."""
    import sympy

    try:
        numeric = sympy.sympify(expression).subs(others)  # type: ignore[arg-type]
        poly = sympy.Poly(numeric, symbol)
    except (sympy.PolynomialError, sympy.GeneratorsNeeded, TypeError, ValueError):
        return []
    if poly.degree() < 1 or poly.degree() > 2 or len(poly.free_symbols - {symbol}) > 0:
        return []
    try:
        coefficients = [float(c) for c in poly.all_coeffs()]
    except TypeError:
        return []
    roots = np.roots(coefficients)
    return [float(r.real) for r in roots if abs(r.imag) < 1e-12 and np.isfinite(r.real)]
