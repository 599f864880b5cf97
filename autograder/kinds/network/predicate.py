"""The rubric's target condition, e.g. ``x1 > 0 or x2 > 0`` or ``x1 > x2 > x3 > x4 > x5``.

Written in Python's expression syntax, read with :func:`ast.parse` and walked by hand: nothing is
compiled or evaluated by Python. Inputs are named ``x1 … xn``; allowed are numbers, ``+ - * /``,
comparisons (chained too), ``and or not``, and ``abs min max``. Evaluation is exact on Fractions,
and every comparison between linear terms yields a boundary (a hyperplane) that the test inputs
visit. Pictures evaluate the same tree in floats on whole grids at once (:meth:`Predicate.holds_grid`),
never for a verdict.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, reduce
from typing import Callable, Literal, Sequence

import numpy as np

# How a network's output answers the condition: sign, f(x) > 0 exactly when it holds; binary,
# f(x) = 1 when it holds and 0 when not.
Output = Literal["sign", "binary"]
MAX_LENGTH = 500
MAX_NODES = 300

_COMPARE: dict[type, Callable[[Fraction, Fraction], bool]] = {
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
}
_FUNCTIONS: dict[str, Callable[..., Fraction]] = {"abs": abs, "min": min, "max": max}
_GRID_COMPARE: dict[type, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater,
    ast.GtE: np.greater_equal, ast.Eq: np.equal, ast.NotEq: np.not_equal,
}
_GRID_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "abs": np.abs,
    "min": lambda *args: reduce(np.minimum, args),
    "max": lambda *args: reduce(np.maximum, args),
}


class PredicateError(ValueError):
    """The rubric's condition cannot be read (an instructor's error)."""


@dataclass(frozen=True)
class Boundary:
    """The hyperplane ``coefficients · x + constant = 0`` where one comparison changes."""

    coefficients: tuple[Fraction, ...]
    constant: Fraction

    @cached_property
    def integers(self) -> tuple[tuple[int, ...], int]:
        """The same hyperplane times its coefficients' common denominator, all integers: exact
        tests against it need no Fraction arithmetic."""
        common = math.lcm(*(v.denominator for v in (*self.coefficients, self.constant)))
        return (tuple(c.numerator * (common // c.denominator) for c in self.coefficients),
                self.constant.numerator * (common // self.constant.denominator))


class Predicate:
    """A checked condition on the inputs ``x1 … xn``."""

    def __init__(self, text: str, inputs: int) -> None:
        if len(text) > MAX_LENGTH:
            raise PredicateError(f"the condition is longer than {MAX_LENGTH} characters")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as error:
            raise PredicateError(f"cannot read the condition '{text}': {error.msg}") from None
        if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
            raise PredicateError("the condition is too long")
        self.text = text.strip()
        self.inputs = inputs
        self._tree = tree.body
        self._check(self._tree)
        if not isinstance(self._tree, (ast.Compare, ast.BoolOp)) and not (
            isinstance(self._tree, ast.UnaryOp) and isinstance(self._tree.op, ast.Not)
        ):
            raise PredicateError(f"'{text}' is not a condition (use comparisons, and, or, not)")

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            match = re.fullmatch(r"x(\d+)", node.id)
            if not match or not 1 <= int(match.group(1)) <= self.inputs:
                raise PredicateError(f"unknown name '{node.id}': inputs are x1 … x{self.inputs}")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise PredicateError(f"only numbers may appear as constants, not {node.value!r}")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
                raise PredicateError(f"only {', '.join(_FUNCTIONS)} may be called")
            for arg in node.args:
                self._check(arg)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            self._check(node.operand)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self._check(value)
        elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            for part in (node.left, *node.comparators):
                self._check(part)
        else:
            raise PredicateError(f"'{ast.unparse(node)}' is not allowed in a condition")

    def holds(self, point: tuple[Fraction, ...]) -> bool:
        """Whether the condition is true at this input (exactly)."""
        return bool(self._value(self._tree, point))

    def _value(self, node: ast.AST, x: tuple[Fraction, ...]) -> Fraction | bool:
        if isinstance(node, ast.Name):
            return x[int(node.id[1:]) - 1]
        if isinstance(node, ast.Constant):
            return Fraction(node.value)
        if isinstance(node, ast.Call):
            return _FUNCTIONS[node.func.id](*(self._value(a, x) for a in node.args))  # type: ignore[union-attr]
        if isinstance(node, ast.BinOp):
            left, right = self._value(node.left, x), self._value(node.right, x)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if right == 0:
                raise PredicateError(f"the condition divides by zero at x = {x}")
            return Fraction(left) / right
        if isinstance(node, ast.UnaryOp):
            operand = self._value(node.operand, x)
            if isinstance(node.op, ast.Not):
                return not operand
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BoolOp):
            values = [bool(self._value(v, x)) for v in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        assert isinstance(node, ast.Compare)
        terms = [self._value(t, x) for t in (node.left, *node.comparators)]
        return all(_COMPARE[type(op)](a, b) for op, a, b in zip(node.ops, terms, terms[1:]))

    def holds_grid(self, columns: Sequence[np.ndarray]) -> np.ndarray:
        """Where the condition is true at many inputs at once, in float64 (for pictures only).

        ``columns[i]`` holds the values of x(i+1), all of one shape; the answer has that shape.
        Rounding can differ from :meth:`holds` only at points on a boundary that floats cannot
        represent. Where the condition divides by zero the point counts as not holding (a
        picture has no way to show an undefined point; grading never gets here).
        """
        values = tuple(np.asarray(column, dtype=float) for column in columns)
        undefined = np.zeros(np.broadcast_shapes(*(v.shape for v in values)), dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            truth, undefined = self._grid_value(self._tree, values, undefined)
        return np.broadcast_to(np.asarray(truth, dtype=bool), undefined.shape) & ~undefined

    def _grid_value(
        self, node: ast.AST, x: tuple[np.ndarray, ...], undefined: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The node's value on the grid (numbers as float64, conditions as bool), and where a
        division by zero has happened so far; the same walk as :meth:`_value`."""
        if isinstance(node, ast.Name):
            return x[int(node.id[1:]) - 1], undefined
        if isinstance(node, ast.Constant):
            return np.asarray(float(node.value)), undefined
        parts: list[np.ndarray] = []
        for child in _children(node):
            value, undefined = self._grid_value(child, x, undefined)
            parts.append(value)
        if isinstance(node, ast.Call):
            return _GRID_FUNCTIONS[node.func.id](*map(_number, parts)), undefined  # type: ignore[union-attr]
        if isinstance(node, ast.BinOp):
            return _grid_arithmetic(node.op, _number(parts[0]), _number(parts[1]), undefined)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return np.logical_not(parts[0]), undefined
            return (-_number(parts[0]) if isinstance(node.op, ast.USub) else _number(parts[0])), undefined
        if isinstance(node, ast.BoolOp):
            join = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return reduce(join, (np.asarray(p, dtype=bool) for p in parts)), undefined
        assert isinstance(node, ast.Compare)
        pairs = zip(node.ops, parts, parts[1:])
        return reduce(np.logical_and, (_GRID_COMPARE[type(op)](a, b) for op, a, b in pairs)), undefined

    def boundaries(self) -> list[Boundary]:
        """One hyperplane per comparison of two linear terms (others are skipped)."""
        found: list[Boundary] = []
        for node in ast.walk(self._tree):
            if not isinstance(node, ast.Compare):
                continue
            terms = [self._linear(t) for t in (node.left, *node.comparators)]
            for left, right in zip(terms, terms[1:]):
                if left is None or right is None:
                    continue
                coefficients = tuple(a - b for a, b in zip(left[0], right[0]))
                if any(coefficients):
                    boundary = Boundary(coefficients, left[1] - right[1])
                    if boundary not in found:
                        found.append(boundary)
        return found

    def _linear(self, node: ast.AST) -> tuple[tuple[Fraction, ...], Fraction] | None:
        """(coefficients, constant) of a linear term; None when it is not linear."""
        zero = (Fraction(0),) * self.inputs
        if isinstance(node, ast.Name):
            index = int(node.id[1:]) - 1
            return tuple(Fraction(i == index) for i in range(self.inputs)), Fraction(0)
        if isinstance(node, ast.Constant):
            return zero, Fraction(node.value)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            inner = self._linear(node.operand)
            if inner is None or isinstance(node.op, ast.UAdd):
                return inner
            return tuple(-c for c in inner[0]), -inner[1]
        if isinstance(node, ast.BinOp):
            left, right = self._linear(node.left), self._linear(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, (ast.Add, ast.Sub)):
                sign = 1 if isinstance(node.op, ast.Add) else -1
                return tuple(a + sign * b for a, b in zip(left[0], right[0])), left[1] + sign * right[1]
            if isinstance(node.op, ast.Mult):
                if not any(left[0]):
                    left, right = right, left
                if any(right[0]):
                    return None
                return tuple(c * right[1] for c in left[0]), left[1] * right[1]
            if any(right[0]) or right[1] == 0:
                return None
            return tuple(c / right[1] for c in left[0]), left[1] / right[1]
        return None


def _children(node: ast.AST) -> list[ast.AST]:
    """The operands of a checked node, in the order :meth:`Predicate._value` evaluates them."""
    if isinstance(node, ast.Call):
        return list(node.args)
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    assert isinstance(node, ast.Compare)
    return [node.left, *node.comparators]


def _number(value: np.ndarray) -> np.ndarray:
    """A condition used as a number, as Python does (True is 1): numpy's bool arithmetic is
    logical (True + True is True), so it is cast first."""
    return value.astype(float) if value.dtype == bool else value


def _grid_arithmetic(
    op: ast.operator, left: np.ndarray, right: np.ndarray, undefined: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``left op right`` on the grid; a division marks where its divisor is 0 as undefined."""
    if isinstance(op, ast.Add):
        return left + right, undefined
    if isinstance(op, ast.Sub):
        return left - right, undefined
    if isinstance(op, ast.Mult):
        return left * right, undefined
    return left / right, undefined | (right == 0)
