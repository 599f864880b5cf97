"""Are two answers the same math? Symbolic where cheap, else numeric at seeded random points.

Scalar answers built as equal sympy objects are the same math. Otherwise both trees are
evaluated at the same random values of every declared quantity; points where the reference is
undefined (log of a negative, 0/0) are skipped. When they differ, the comparison says how, in
ways that do not give the answer away: a transposed shape, a flipped sign, a constant factor, a
missing or extra factor of a product.

The numbers are tried first and sympy only when they do not settle it (they say "different",
or cannot be computed): an answer is equal when either test says so, so the order changes no
verdict, and a right answer then needs no sympy, whose import alone costs ~0.35 s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from autograder.kinds.expression.kinks import agree_where_defined, kink_points, solve_scalar, switch_arguments
from autograder.kinds.expression.nodes import Deriv, Node, walk
from autograder.kinds.expression.numeric import EvaluationError, Evaluator, describe_shape, sample_values
from autograder.kinds.expression.scalars import is_scalar
from autograder.kinds.expression.vocabulary import Vocabulary

if TYPE_CHECKING:  # sympy costs ~0.6 s to import: only grading math pays it, not every command
    import sympy

POINTS = 12
MIN_VALID_POINTS = 3


@dataclass(frozen=True)
class Tolerance:
    """Values match when |a - b| <= abs + rel * |b|, elementwise."""

    rel: float = 1e-6
    abs: float = 1e-9


@dataclass(frozen=True)
class Outcome:
    """The comparison of an answer with one expected expression."""

    equal: bool
    hint: str = ""


@dataclass
class Judge:
    """Compares trees of one question at fixed, seeded points."""

    vocabulary: Vocabulary
    seed: int
    tolerance: Tolerance = Tolerance()
    definitions: tuple[tuple[str, Node], ...] = ()
    _points: list[dict[str, np.ndarray]] = field(init=False, repr=False)
    _scalars: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        self._evaluate = Evaluator(self.vocabulary)
        self._points = [self._point(rng) for _ in range(POINTS)]
        self._scalars = frozenset(
            key for key, info in self.vocabulary.symbols.items() if info.shape == () and info.role == "value"
        )

    def _point(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Random free quantities; defined ones (y = W x) computed from them, in order."""
        return self._defined(sample_values(self.vocabulary, rng))

    def _defined(self, point: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """``point`` with its defined quantities computed from the free ones, in order."""
        point = dict(point)
        for key, node in self.definitions:
            value = self._evaluate(node, point)
            declared = point[key]
            if _squeeze(value).shape != _squeeze(declared).shape:
                raise EvaluationError(
                    f"the definition of {self.vocabulary.display(key)} is "
                    f"{describe_shape(value.shape, self.vocabulary.dims)}, but it is declared "
                    f"{describe_shape(declared.shape, self.vocabulary.dims)}"
                )
            point[key] = value.reshape(declared.shape)
        return point

    def values(self, node: Node) -> list[np.ndarray]:
        """The tree's value at every point; raises :class:`EvaluationError` on a shape fault."""
        return [self._evaluate(node, point) for point in self._points]

    def symbolic(self, node: Node) -> "sympy.Expr | None":
        """The sympy form of a scalar tree, or None for tensor expressions."""
        scalars = self._scalars | _derivative_keys(node)
        if not is_scalar(node, scalars):  # told before sympy is imported
            return None
        from autograder.kinds.expression.symbolic import NotScalar, to_sympy

        try:
            return to_sympy(node, scalars)
        except NotScalar:
            return None

    def compare(self, answer: Node, expected: Node) -> Outcome:
        """Whether ``answer`` equals ``expected``; when not, a hint that reveals no answer."""
        forms = _SympyForms(self, answer, expected)
        try:
            outcome = self._compare_numbers(answer, expected, forms)
        except Exception:
            # Equal sympy forms settle it before any number is computed: not a fault then.
            if forms.equal:
                return Outcome(True)
            raise
        return Outcome(True) if not outcome.equal and forms.equal else outcome

    def _compare_numbers(self, answer: Node, expected: Node, forms: "_SympyForms") -> Outcome:
        """The comparison at the seeded points (and at the switches), sympy's forms used only
        for a hint about factors."""
        got = self.values(answer)
        want = self.values(expected)
        if _squeeze(got[0]).shape != _squeeze(want[0]).shape:
            return Outcome(False, self._shape_hint(got[0], want[0]))
        valid = [
            (_squeeze(a), _squeeze(b)) for a, b in zip(got, want) if np.all(np.isfinite(b))
        ]
        if len(valid) < MIN_VALID_POINTS:
            return Outcome(False, "")
        if not all(self._close(a, b) for a, b in valid):
            return Outcome(False, self._difference_hint(valid, forms))
        if not self._agree_at_switches(answer, expected):
            return Outcome(False, "it differs from the answer exactly where a case switches (at a kink or jump)")
        return Outcome(True)

    def _agree_at_switches(self, answer: Node, expected: Node) -> bool:
        """Equal at every point where a switch in either tree changes case (see :mod:`kinks`)."""
        arguments = switch_arguments((answer, expected))
        if not arguments:
            return True
        defined = {key for key, _ in self.definitions}
        free = frozenset(
            key for key, info in self.vocabulary.symbols.items() if info.role == "value" and key not in defined
        )
        points = kink_points(arguments, self._points[:2], free, self._scalar_roots, dict(self.definitions))
        evaluate = Evaluator(self.vocabulary, at_switch=True)
        for point in points:
            try:
                point = self._defined(point)
                got, want = _squeeze(evaluate(answer, point)), _squeeze(evaluate(expected, point))
            except EvaluationError:
                continue
            if got.shape == want.shape and not agree_where_defined(got, want, self._close):
                return False
        return True

    def _scalar_roots(self, argument: Node, key: str, base: dict[str, np.ndarray]) -> list[float]:
        scalars = self._scalars | _derivative_keys(argument)
        if not is_scalar(argument, scalars):  # told before sympy is imported
            return []
        from autograder.kinds.expression.symbolic import NotScalar, symbol_for, to_sympy

        try:
            expression = to_sympy(argument, scalars)
        except NotScalar:
            return []
        others = {symbol_for(k): float(base[k].reshape(-1)[0]) for k in scalars if k != key and k in base}
        return solve_scalar(expression, symbol_for(key), others)

    def _close(self, got: np.ndarray, want: np.ndarray) -> bool:
        if not np.all(np.isfinite(got)):
            return False
        return bool(np.all(np.abs(got - want) <= self.tolerance.abs + self.tolerance.rel * np.abs(want)))

    def _shape_hint(self, got: np.ndarray, want: np.ndarray) -> str:
        got, want = _squeeze(got), _squeeze(want)
        dims = self.vocabulary.dims
        text = (
            f"your expression is {describe_shape(got.shape, dims)}; "
            f"the answer is {describe_shape(want.shape, dims)}"
        )
        if got.ndim == 2 and got.shape[::-1] == want.shape:
            text += ": transposed?"
        return text

    def _difference_hint(self, valid: list[tuple[np.ndarray, np.ndarray]], forms: "_SympyForms") -> str:
        transposable = all(got.ndim == 2 and got.shape == want.T.shape for got, want in valid)
        if transposable and all(self._close(got, want.T) for got, want in valid):
            return "it is the transpose of the answer: transposed?"
        if any(got.shape != want.shape for got, want in valid):
            got, want = next((g, w) for g, w in valid if g.shape != w.shape)
            return f"its shape is {got.shape} where the answer's is {want.shape} at the sizes tried"
        ratio = _constant_ratio(valid)
        if ratio is not None:
            if math.isclose(ratio, -1.0, rel_tol=1e-6):
                return "it has the wrong sign"
            return f"it is off by a constant factor (yours is {_nice(ratio)} times the answer)"
        mine, theirs = forms.pair
        if mine is not None and theirs is not None:
            return _factor_hint(mine, theirs, self.vocabulary)
        return ""


class _SympyForms:
    """The sympy forms of an answer and of an expected tree, built on first use only."""

    def __init__(self, judge: Judge, answer: Node, expected: Node) -> None:
        self._judge, self._answer, self._expected = judge, answer, expected

    @cached_property
    def pair(self) -> "tuple[sympy.Expr | None, sympy.Expr | None]":
        """(answer, expected) as sympy objects; None for a tensor expression."""
        return self._judge.symbolic(self._answer), self._judge.symbolic(self._expected)

    @property
    def equal(self) -> bool:
        """Both scalar and the same sympy object (sympy orders sums and products as it builds)."""
        mine, theirs = self.pair
        return mine is not None and theirs is not None and mine == theirs


def _squeeze(value: np.ndarray) -> np.ndarray:
    return value.reshape(()) if value.shape == (1, 1) else value


def _derivative_keys(node: Node) -> frozenset[str]:
    return frozenset(n.key for n in walk(node) if isinstance(n, Deriv))


def _constant_ratio(valid: list[tuple[np.ndarray, np.ndarray]]) -> float | None:
    ratios = []
    for got, want in valid:
        if not np.all(np.isfinite(got)):
            return None
        mask = np.abs(want) > 1e-9
        if not np.any(mask) or np.any(np.abs(got[~mask]) > 1e-9):
            return None
        ratios.extend((got[mask] / want[mask]).ravel().tolist())
    first = ratios[0]
    if first == 0 or not all(math.isclose(r, first, rel_tol=1e-6) for r in ratios):
        return None
    return first


def _nice(number: float) -> str:
    for denominator in (1, 2, 3, 4, 5, 6, 8, 10):
        if math.isclose(number * denominator, round(number * denominator), rel_tol=1e-9):
            whole = round(number * denominator)
            return str(whole) if denominator == 1 else f"{whole}/{denominator}"
    return f"{number:.4g}"


def _factor_hint(mine: "sympy.Expr", theirs: "sympy.Expr", vocabulary: Vocabulary) -> str:
    """For two single products: which factors are missing or extra."""
    import sympy

    from autograder.kinds.expression.symbolic import factors

    if not (isinstance(mine, (sympy.Mul, sympy.Symbol)) and isinstance(theirs, (sympy.Mul, sympy.Symbol))):
        return ""
    have, want = factors(mine), factors(theirs)
    missing = [base for base in want if have.get(base) != want[base]]
    extra = [base for base in have if want.get(base) != have[base]]
    if not missing and not extra:
        return ""
    names = _display_names(vocabulary)
    parts = [_factor_list(label, [_show(base, names) for base in bases])
             for label, bases in (("missing", missing), ("unexpected", extra)) if bases]
    return "; ".join(parts)


def _factor_list(label: str, shown: list[str | None]) -> str:
    """"missing factor f'_2", "unexpected factors x, w_1", "an unexpected factor" (unnamed)."""
    named = [name for name in shown if name is not None]
    unnamed = len(shown) - len(named)
    if not named:
        article = "an" if label[0] in "aeiou" else "a"
        return f"{article} {label} factor" if unnamed == 1 else f"{unnamed} {label} factors"
    text = f"{label} factor{'s' if len(shown) > 1 else ''} {', '.join(named)}"
    return text + (f" and {unnamed} more" if unnamed else "")


def _display_names(vocabulary: Vocabulary) -> dict[str, str]:
    return {key: info.display for key, info in vocabulary.symbols.items()}


def _show(base: "sympy.Expr", names: dict[str, str]) -> str | None:
    if base.is_Symbol:
        if base.name in names:
            return names[base.name]
        if base.name.startswith("d") and "/d" in base.name:
            of, wrt = base.name[1:].split("/d", 1)
            return f"∂{of}/∂{wrt}"
        return base.name
    return None
