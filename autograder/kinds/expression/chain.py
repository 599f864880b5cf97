"""Chain-rule analysis on the rubric's computational graph.

The graph maps each edge (of, wrt) to its local derivative ∂of/∂wrt, written in the question's
quantities. An answer written as products of Leibniz atoms is a *chain*; it is right when every
atom is an edge (or a given quantity such as ∂L/∂h3) and substituting the local derivatives gives
the reference. For feedback, a chain's products are read as paths through the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

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

MAX_TERMS = 64
MAX_PATHS = 64


@dataclass(frozen=True)
class Graph:
    """Edges of a computational graph with their local derivatives."""

    local: Mapping[tuple[str, str], Node]
    given: frozenset[tuple[str, str]] = frozenset()

    def is_step(self, atom: Deriv) -> bool:
        """Whether ∂of/∂wrt is one edge of the graph or a given derivative."""
        return (atom.of, atom.wrt) in self.local or (atom.of, atom.wrt) in self.given

    def substitute(self, node: Node) -> Node:
        """The tree with every edge atom replaced by its local derivative."""
        if isinstance(node, Deriv):
            local = self.local.get((node.of, node.wrt))
            return node if local is None else local
        if isinstance(node, (Num, Sym, Fill)):
            return node
        if isinstance(node, Add):
            return Add(tuple(self.substitute(term) for term in node.terms))
        if isinstance(node, Neg):
            return Neg(self.substitute(node.arg))
        if isinstance(node, Transpose):
            return Transpose(self.substitute(node.arg))
        if isinstance(node, Mul):
            return Mul(self.substitute(node.left), self.substitute(node.right), node.op)
        if isinstance(node, Div):
            return Div(self.substitute(node.num), self.substitute(node.den))
        if isinstance(node, Pow):
            return Pow(self.substitute(node.base), self.substitute(node.exp))
        if isinstance(node, Compare):
            return Compare(node.op, self.substitute(node.left), self.substitute(node.right))
        assert isinstance(node, Call)
        return Call(node.func, tuple(self.substitute(arg) for arg in node.args))

    def steps(self) -> set[tuple[str, str]]:
        """Every edge and given derivative."""
        return set(self.local) | set(self.given)

    def paths(self, start: str, end: str) -> list[tuple[str, ...]]:
        """Every path start → … → end along edges (each a sequence of quantities)."""
        outgoing: dict[str, list[str]] = {}
        for of, wrt in sorted(self.steps()):
            outgoing.setdefault(of, []).append(wrt)
        found: list[tuple[str, ...]] = []
        stack: list[tuple[str, ...]] = [(start,)]
        while stack and len(found) < MAX_PATHS:
            path = stack.pop()
            if path[-1] == end:
                found.append(path)
                continue
            for following in outgoing.get(path[-1], []):
                if following not in path:
                    stack.append(path + (following,))
        return sorted(found)


def chain_products(node: Node) -> list[tuple[int, list[Deriv]]] | None:
    """A chain as a sum of signed products of atoms; None when it is not only atoms and signs."""
    if isinstance(node, Deriv):
        return [(1, [node])]
    if isinstance(node, Neg):
        inner = chain_products(node.arg)
        return None if inner is None else [(-sign, atoms) for sign, atoms in inner]
    if isinstance(node, Add):
        terms: list[tuple[int, list[Deriv]]] = []
        for term in node.terms:
            part = chain_products(term)
            if part is None:
                return None
            terms.extend(part)
        return terms if len(terms) <= MAX_TERMS else None
    if isinstance(node, Mul) and node.op == "dot":
        left, right = chain_products(node.left), chain_products(node.right)
        if left is None or right is None or len(left) * len(right) > MAX_TERMS:
            return None
        return [(ls * rs, la + ra) for ls, la in left for rs, ra in right]
    return None


def as_path(atoms: list[Deriv], start: str, end: str) -> tuple[str, ...] | None:
    """The path start → end that these atoms make, in any order; None when they make none."""
    by_start = {}
    for atom in atoms:
        if atom.of in by_start:
            return None
        by_start[atom.of] = atom.wrt
    path = [start]
    while path[-1] in by_start and len(path) <= len(atoms):
        path.append(by_start.pop(path[-1]))
    if path[-1] != end or by_start:
        return None
    return tuple(path)
