"""Scalar syntax trees as sympy objects, built node by node (never from strings).

sympy canonicalises sums and products as it builds them, so two answers that differ only in the
order of factors or terms become the same object: the cheap symbolic test of equivalence. Nothing
here expands, simplifies or evaluates numbers beyond the parser's bounds, so building is linear in
the size of the answer.
"""

from __future__ import annotations

from typing import Callable, Mapping

import sympy

from autograder.kinds.expression.nodes import (
    Add,
    Call,
    Compare,
    Deriv,
    Div,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Sym,
    Transpose,
)
from autograder.kinds.expression.scalars import NotScalar

__all__ = ["NotScalar", "factors", "symbol_for", "to_sympy"]


def _sigma(x: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-x))


_FUNCTIONS: Mapping[str, Callable[..., sympy.Expr]] = {
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "sigma": _sigma,
    "tanh": sympy.tanh,
    "relu": lambda x: sympy.Max(0, x),
    "sin": sympy.sin,
    "cos": sympy.cos,
    "abs": sympy.Abs,
    "sign": sympy.sign,
    "heaviside": lambda x: sympy.Heaviside(x, sympy.Rational(1, 2)),
    "softplus": lambda x: sympy.log(1 + sympy.exp(x)),
    "sigma'": lambda x: _sigma(x) * (1 - _sigma(x)),
    "tanh'": lambda x: 1 - sympy.tanh(x) ** 2,
    "relu'": lambda x: sympy.Heaviside(x, 0),
    "sin'": sympy.cos,
    "cos'": lambda x: -sympy.sin(x),
    "exp'": sympy.exp,
    "softplus'": _sigma,
    "log'": lambda x: 1 / x,
    "indicator": lambda x: x,
    "norm": sympy.Abs,  # of a scalar; a vector never reaches sympy
    "l1norm": sympy.Abs,
    "max": sympy.Max,
    "min": sympy.Min,
}
_RELATIONS: Mapping[str, Callable[[sympy.Expr, sympy.Expr], sympy.Basic]] = {
    "<": sympy.Lt,
    "<=": sympy.Le,
    ">": sympy.Gt,
    ">=": sympy.Ge,
    "=": sympy.Eq,
    "!=": sympy.Ne,
}


def symbol_for(key: str) -> sympy.Symbol:
    """The sympy symbol of a declared quantity or Leibniz atom."""
    return sympy.Symbol(key, real=True)


def to_sympy(node: Node, scalars: frozenset[str]) -> sympy.Expr:
    """The sympy form of a scalar tree; ``scalars`` are the keys of scalar quantities.

    Raises :class:`NotScalar` when the tree involves vectors, matrices or tensor-only functions.
    """
    if isinstance(node, Num):
        return sympy.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, (Sym, Deriv)):
        if node.key not in scalars and isinstance(node, Sym):
            raise NotScalar(node.key)
        return symbol_for(node.key)
    if isinstance(node, Neg):
        return -to_sympy(node.arg, scalars)
    if isinstance(node, Add):
        return sympy.Add(*(to_sympy(term, scalars) for term in node.terms))
    if isinstance(node, Mul):
        if node.op == "outer":
            raise NotScalar("outer")
        return to_sympy(node.left, scalars) * to_sympy(node.right, scalars)
    if isinstance(node, Div):
        return to_sympy(node.num, scalars) / to_sympy(node.den, scalars)
    if isinstance(node, Pow):
        return sympy.Pow(to_sympy(node.base, scalars), to_sympy(node.exp, scalars))
    if isinstance(node, Transpose):
        return to_sympy(node.arg, scalars)
    if isinstance(node, Compare):
        relation = _RELATIONS[node.op](to_sympy(node.left, scalars), to_sympy(node.right, scalars))
        return sympy.Piecewise((1, relation), (0, True))
    if isinstance(node, Call) and node.func in _FUNCTIONS:
        return _FUNCTIONS[node.func](*(to_sympy(arg, scalars) for arg in node.args))
    raise NotScalar(getattr(node, "func", type(node).__name__))


def factors(expression: sympy.Expr) -> dict[sympy.Expr, sympy.Expr]:
    """A product's factors with their powers (``x**2*y`` → {x: 2, y: 1}); numbers dropped."""
    return {
        base: power
        for base, power in expression.as_powers_dict().items()
        if not base.is_number
    }
