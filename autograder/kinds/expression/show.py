"""One canonical, unambiguous Unicode line for a parsed answer: what ``autograder check`` shows.

Students validate before they are graded (as STACK and PrairieLearn let them): seeing
``∂L/∂h₃ · f₃′ · w₄ · f₂′ · x`` tells them how their ``dL/dh3 f3' w4 f2' x`` was read, and a
misreading (a product where a function was meant, ½x where 1/(2x) was) shows before it costs
points. Every product is an explicit ``·`` (``⊙``, ``⊗``), every grouping that matters has
parentheses, and nothing here judges the answer.
"""

from __future__ import annotations

import re
from fractions import Fraction

from autograder.kinds.expression.nodes import (
    Add,
    Call,
    Compare,
    Deriv,
    Div,
    Fill,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Sym,
    Transpose,
)
from autograder.kinds.expression.parser import leibniz_keys
from autograder.kinds.expression.vocabulary import Vocabulary

_SUB = dict(zip("0123456789+-()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUP = dict(zip("0123456789+-()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿ"))
_FUNCTION_NAMES = {"sigma": "σ", "heaviside": "H", "l1norm": "‖·‖₁"}
_COMPARE = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}
_PRODUCT = {"dot": " · ", "hadamard": " ⊙ ", "outer": " ⊗ "}
# Binding strength: a child weaker than its parent gets parentheses.
_SUM, _HADAMARD, _DOT, _UNARY, _POWER, _ATOM = range(6)
_NAME = re.compile(r"^(?P<base>\\?[A-Za-z]+)(?P<accent>hat|bar|tilde)?(?P<rest>.*)$")


def show(node: Node, vocabulary: Vocabulary) -> str:
    """The canonical line for ``node``."""
    return _Shower(vocabulary).text(node)


def pretty_name(display: str) -> str:
    """A rubric's name in Unicode: w_1 → w₁, f'_3 → f₃′, dL/dh_3 → ∂L/∂h₃, W^{(2)} stays."""
    atom = leibniz_keys(display) if "/" in display else None
    if atom is not None:
        of, wrt = display.split("/", 1)
        return f"∂{pretty_name(of.lstrip('d∂ ').strip())}/∂{pretty_name(wrt.lstrip('d∂ ').strip())}"
    primes = display.count("'")
    base, _, sub = display.replace("'", "").partition("_")
    sub = sub.strip("{}")
    if sub and all(char in _SUB for char in sub):
        sub = "".join(_SUB[char] for char in sub)
    elif sub:
        sub = f"_{sub}" if len(sub) == 1 else f"_{{{sub}}}"
    return base + sub + "′" * primes


class _Shower:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def text(self, node: Node) -> str:
        return self._show(node)[0]

    def _wrapped(self, node: Node, at_least: int) -> str:
        text, strength = self._show(node)
        return f"({text})" if strength < at_least else text

    def _show(self, node: Node) -> tuple[str, int]:
        """The text of ``node`` and how strongly it binds."""
        if isinstance(node, Num):
            return _number(node.value)
        if isinstance(node, Sym):
            return pretty_name(self.vocabulary.display(node.key)), _ATOM
        if isinstance(node, Deriv):
            of, wrt = (pretty_name(self.vocabulary.display(key)) for key in (node.of, node.wrt))
            return f"∂{of}/∂{wrt}", _ATOM
        if isinstance(node, Fill):
            name = "𝟙" if node.kind == "ones" else "I"
            return name + (pretty_name(f"x_{node.size}")[1:] if node.size is not None else ""), _ATOM
        if isinstance(node, Add):
            return self._sum(node), _SUM
        if isinstance(node, Neg):
            return "−" + self._wrapped(node.arg, _DOT), _UNARY
        if isinstance(node, Mul):
            return self._product(node)
        if isinstance(node, Div):
            return f"{self._wrapped(node.num, _POWER)}/{self._wrapped(node.den, _POWER)}", _DOT
        if isinstance(node, Pow):
            return self._power(node), _POWER
        if isinstance(node, Transpose):
            return self._wrapped(node.arg, _ATOM) + "ᵀ", _ATOM
        if isinstance(node, Compare):
            return f"[{self.text(node.left)} {_COMPARE[node.op]} {self.text(node.right)}]", _ATOM
        if isinstance(node, Call):
            return self._call(node), _ATOM
        return type(node).__name__, _ATOM

    def _product(self, node: Mul) -> tuple[str, int]:
        """Matrix products are associative, so a chain of them is flat; a quotient, a fraction
        or a negation inside one is parenthesised, and ⊙ ⊗ group explicitly."""
        if node.op != "dot":
            left = self._wrapped(node.left, _HADAMARD)
            return left + _PRODUCT[node.op] + self._wrapped(node.right, _HADAMARD + 1), _HADAMARD
        left_flat = isinstance(node.left, Mul) and node.left.op == "dot"
        left = self._wrapped(node.left, _DOT if left_flat else _UNARY)
        right_flat = isinstance(node.right, Mul) and node.right.op == "dot"
        right = self._wrapped(node.right, _DOT if right_flat else _POWER)
        return left + _PRODUCT["dot"] + right, _DOT

    def _sum(self, node: Add) -> str:
        parts = [self._wrapped(node.terms[0], _SUM + 1) if not isinstance(node.terms[0], Neg)
                 else self._show(node.terms[0])[0]]
        for term in node.terms[1:]:
            if isinstance(term, Neg):
                parts.append(" − " + self._wrapped(term.arg, _SUM + 1))
            else:
                parts.append(" + " + self._wrapped(term, _SUM + 1))
        return "".join(parts)

    def _power(self, node: Pow) -> str:
        base = self._wrapped(node.base, _ATOM)
        if isinstance(node.exp, Num) and node.exp.value.denominator == 1:
            return base + "".join(_SUP[char] for char in str(node.exp.value.numerator))
        if isinstance(node.exp, Neg) and isinstance(node.exp.arg, Num) and node.exp.arg.value.denominator == 1:
            return base + "⁻" + "".join(_SUP[char] for char in str(node.exp.arg.value.numerator))
        return f"{base}^({self.text(node.exp)})"

    def _call(self, node: Call) -> str:
        func = node.func
        args = ", ".join(self.text(arg) for arg in node.args)
        if func == "abs":
            return f"|{args}|"
        if func == "norm":
            return f"‖{args}‖"
        if func == "l1norm":
            return f"‖{args}‖₁"
        if func == "indicator":
            return f"𝟙{args}" if isinstance(node.args[0], Compare) else f"𝟙[{args}]"
        primes = "′" if func.endswith("'") else ""
        name = _FUNCTION_NAMES.get(func.rstrip("'"), func.rstrip("'"))
        return f"{name}{primes}({args})"


def _number(value: Fraction) -> tuple[str, int]:
    if value.denominator == 1:
        return str(value.numerator), _ATOM
    return f"{value.numerator}/{value.denominator}", _DOT
