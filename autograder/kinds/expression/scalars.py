"""Which trees sympy can hold: scalar ones, told without importing sympy.

A tree is scalar when every quantity in it is a declared scalar (or a Leibniz atom), it has no
outer product, no 𝟙 or I, and it calls only functions :mod:`symbolic` can build. Telling this
first keeps sympy (~0.35 s to import) out of runs that never compare scalar answers.
"""

from __future__ import annotations

from autograder.kinds.expression.nodes import Call, Deriv, Fill, Mul, Node, Num, Sym, children

# The functions symbolic.to_sympy builds (a test keeps the two in step).
SCALAR_FUNCTIONS = frozenset({
    "exp", "log", "sqrt", "sigma", "tanh", "relu", "sin", "cos", "abs", "sign", "heaviside",
    "softplus", "sigma'", "tanh'", "relu'", "sin'", "cos'", "exp'", "softplus'", "log'",
    "indicator", "norm", "l1norm", "max", "min",
})


class NotScalar(ValueError):
    """The tree uses vectors or matrices; it is compared numerically instead."""


def is_scalar(node: Node, scalars: frozenset[str]) -> bool:
    """Whether :func:`symbolic.to_sympy` can build ``node`` (``scalars``: the scalar quantities'
    keys), i.e. would not raise :class:`NotScalar`."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Sym) and current.key not in scalars:
            return False
        if isinstance(current, Fill) or (isinstance(current, Mul) and current.op == "outer"):
            return False
        if isinstance(current, Call) and current.func not in SCALAR_FUNCTIONS:
            return False
        if not isinstance(current, (Num, Sym, Deriv)):
            stack.extend(children(current))
    return True
