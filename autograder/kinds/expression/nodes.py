"""The checked syntax tree of a math answer.

The parser builds these from student text; nothing else does. Names are already resolved against
the question's vocabulary, so every :class:`Sym` is a declared quantity and every :class:`Call` a
known function.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Literal, Union

Product = Literal["dot", "hadamard", "outer"]
Comparison = Literal["<", "<=", ">", ">=", "=", "!="]


@dataclass(frozen=True)
class Num:
    """An exact number."""

    value: Fraction


@dataclass(frozen=True)
class Sym:
    """A declared quantity (scalar, vector or matrix), by its canonical key."""

    key: str


@dataclass(frozen=True)
class Fill:
    """The all-ones vector (𝟙, \\mathbf{1}) or the identity matrix (I) that no rubric declares.

    ``size`` is a dimension name or number (𝟙_M, I_K); None sizes it by what it meets: W 𝟙 has
    W's column count, I - A is A's size. Where nothing fixes the size, evaluation says so.
    """

    kind: Literal["ones", "identity"]
    size: int | str | None = None


@dataclass(frozen=True)
class Deriv:
    """A Leibniz atom ∂of/∂wrt: one symbol, never a fraction that could cancel."""

    of: str
    wrt: str

    @property
    def key(self) -> str:
        """The key it is declared under when it is a known quantity."""
        return derivative_key(self.of, self.wrt)


@dataclass(frozen=True)
class Call:
    """A built-in function applied to its arguments."""

    func: str
    args: tuple["Node", ...]


@dataclass(frozen=True)
class Add:
    """A sum of terms."""

    terms: tuple["Node", ...]


@dataclass(frozen=True)
class Neg:
    """Negation."""

    arg: "Node"


@dataclass(frozen=True)
class Mul:
    """A product: ``dot`` (juxtaposition, ``*``, ``\\cdot``), elementwise or outer."""

    left: "Node"
    right: "Node"
    op: Product = "dot"


@dataclass(frozen=True)
class Div:
    """A quotient; only scalars divide."""

    num: "Node"
    den: "Node"


@dataclass(frozen=True)
class Pow:
    """A power; for a square matrix an integer exponent is a matrix power."""

    base: "Node"
    exp: "Node"


@dataclass(frozen=True)
class Transpose:
    """``W^T``, ``W^\\top``, ``W.T``."""

    arg: "Node"


@dataclass(frozen=True)
class Compare:
    """An Iverson bracket: 1 where the comparison holds, else 0 (``1_{x>0}``, ``[x > 0]``)."""

    op: Comparison
    left: "Node"
    right: "Node"


Node = Union[Num, Sym, Fill, Deriv, Call, Add, Neg, Mul, Div, Pow, Transpose, Compare]


def derivative_key(of: str, wrt: str) -> str:
    """The canonical key of ∂of/∂wrt."""
    return f"d{of}/d{wrt}"


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``."""
    if isinstance(node, (Num, Sym, Fill, Deriv)):
        return ()
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Add):
        return node.terms
    if isinstance(node, (Neg, Transpose)):
        return (node.arg,)
    if isinstance(node, Mul):
        return (node.left, node.right)
    if isinstance(node, Div):
        return (node.num, node.den)
    if isinstance(node, Pow):
        return (node.base, node.exp)
    return (node.left, node.right)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
