"""The rubric's little scripts: how to build and drive a student's class, in Python syntax.

A module question lists statements such as ``net = MLP(n_in, hidden, f, hidden, n_out, g)``,
``net.parameters['W1'] = W1`` or ``J, dJdy_hat = mse_loss(y, y_hat)``, and expressions to read
back such as ``net.grads['dJdW1']``. They are parsed here, in the grader, at rubric load, and
only a small, harmless subset of Python is accepted: names, constants, attribute access (no
dunder or private names), indexing, calls, tuples and lists, and assignments to those. The text
is then executed in the sandbox, never in the grader.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

_ALLOWED_EXPRESSIONS = (
    ast.Name, ast.Constant, ast.Attribute, ast.Subscript, ast.Call, ast.Tuple, ast.List,
    ast.keyword, ast.Load, ast.Store, ast.UnaryOp, ast.USub, ast.Slice,
)


class ScriptError(ValueError):
    """A rubric statement outside the accepted subset; the message says what and where."""


@dataclass(frozen=True)
class Statement:
    """One checked statement: its text and the names it reads and binds."""

    text: str
    reads: frozenset[str]
    binds: frozenset[str]


def _check_node(node: ast.AST, text: str) -> None:
    for child in ast.walk(node):
        if not isinstance(child, _ALLOWED_EXPRESSIONS):
            raise ScriptError(f"'{text}': {type(child).__name__.lower()} is not allowed here")
        if isinstance(child, ast.Attribute) and child.attr.startswith("_"):
            raise ScriptError(f"'{text}': the private name .{child.attr} is not allowed")
        if isinstance(child, ast.Name) and child.id.startswith("__"):
            raise ScriptError(f"'{text}': the name {child.id} is not allowed")


def _names(node: ast.AST, context: type[ast.expr_context]) -> frozenset[str]:
    return frozenset(
        n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, context)
    )


def parse_statement(text: str) -> Statement:
    """Check one statement: an assignment or a bare call."""
    try:
        tree = ast.parse(text.strip(), mode="exec")
    except SyntaxError as error:
        raise ScriptError(f"'{text}' is not valid Python: {error.msg}") from None
    if len(tree.body) != 1:
        raise ScriptError(f"'{text}': write one statement per line")
    (node,) = tree.body
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        _check_node(node.targets[0], text)
        _check_node(node.value, text)
        reads = _names(node.value, ast.Load) | _names(node.targets[0], ast.Load)
        return Statement(text.strip(), reads, _names(node.targets[0], ast.Store))
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        _check_node(node.value, text)
        return Statement(text.strip(), _names(node.value, ast.Load), frozenset())
    raise ScriptError(f"'{text}': use an assignment (a = f(x)) or a call (net.backward(g))")


def parse_expression(text: str) -> Statement:
    """Check one expression to read back, e.g. ``net.grads['dJdW1']``."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ScriptError(f"'{text}' is not a valid Python expression: {error.msg}") from None
    _check_node(tree.body, text)
    return Statement(text.strip(), _names(tree.body, ast.Load), frozenset())
