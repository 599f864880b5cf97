"""Reading the student's Python as a syntax tree, in the grader, without running any of it.

Used for rules a behaviour test cannot see, such as seed 000 Q5's "no if statements": the
function and every helper it reaches (in its own file, or imported from another submitted file)
is searched for branching. Code the rule cannot see (built with ``exec`` or fetched with
``getattr``) fails the rule rather than passing it; library functions are not searched.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

MAX_SOURCE_BYTES = 2_000_000
_OPAQUE_CALLS = frozenset({"exec", "eval", "compile", "__import__", "getattr", "globals", "locals", "vars"})


@dataclass(frozen=True)
class Finding:
    """A place in the student's code that breaks a rule."""

    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.what}"


def _branch(node: ast.AST) -> str | None:
    if isinstance(node, ast.If):
        return "an if statement"
    if isinstance(node, ast.IfExp):
        return "a conditional expression (x if c else y)"
    if isinstance(node, ast.Match):
        return "a match statement"
    if isinstance(node, ast.comprehension) and node.ifs:
        return "an if inside a comprehension"
    if isinstance(node, ast.BoolOp):
        return "'and'/'or', which branch on their operands"
    if isinstance(node, (ast.While, ast.Try)):
        return "a while loop" if isinstance(node, ast.While) else "a try statement"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _OPAQUE_CALLS:
        return f"a call to {node.func.id}(), which hides code from this check"
    return None


class _Module:
    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        path = folder / name
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
            raise FileNotFoundError(name)
        self.tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"), filename=name)
        self.definitions: dict[str, ast.AST] = {}
        self.imports: dict[str, tuple[str, str]] = {}
        for node in self.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.definitions[node.name] = node
            elif isinstance(node, ast.Assign):  # f = lambda ...: searching the assignment covers it
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.definitions[target.id] = node
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = (node.module.replace(".", "/") + ".py", alias.name)


def branching(folder: Path, file: str, name: str) -> list[Finding]:
    """Every branch in ``name`` (defined in ``file``) and in the helpers it calls, transitively."""
    modules: dict[str, _Module | None] = {}

    def module(filename: str) -> _Module | None:
        if filename not in modules:
            try:
                modules[filename] = _Module(folder, filename)
            except (FileNotFoundError, OSError, SyntaxError, ValueError):
                modules[filename] = None
        return modules[filename]

    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    pending = [(file, name)]
    while pending:
        filename, symbol = pending.pop()
        if (filename, symbol) in seen:
            continue
        seen.add((filename, symbol))
        source = module(filename)
        if source is None:
            findings.append(Finding(filename, 0, "the file cannot be read as Python"))
            continue
        if symbol in source.imports:
            target = source.imports[symbol]
            if module(target[0]) is not None:
                pending.append(target)
            continue
        node = source.definitions.get(symbol)
        if node is None:
            if (filename, symbol) == (file, name):
                findings.append(Finding(filename, 0, f"no 'def {name}' found; define it with def"))
            continue
        for inner in ast.walk(node):
            what = _branch(inner)
            if what:
                findings.append(Finding(filename, getattr(inner, "lineno", node.lineno), what))  # type: ignore[attr-defined]
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
                pending.append((filename, inner.id))
    return sorted(set(findings), key=lambda f: (f.file, f.line))


_AUTOGRAD_NAMES = frozenset({
    "autograd", "functorch", "requires_grad", "requires_grad_", "enable_grad", "set_grad_enabled",
    "_execution_engine", "run_backward", "grad_fn",
})


def autograd_uses(folder: Path, file: str) -> list[Finding]:
    """Every place in ``file`` that reaches for torch's autograd (``torch.autograd``,
    ``torch.func``, ``requires_grad``, ``enable_grad``, ...), for questions whose gradients must
    be computed by hand. The sandbox also disables autograd's entry points at run time."""
    try:
        tree = _Module(folder, file).tree
    except (FileNotFoundError, OSError, SyntaxError, ValueError):
        return []
    findings = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
            if name == "func" and isinstance(node.value, ast.Name) and node.value.id == "torch":
                name = "torch.func"
        elif isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            modules += [alias.name for alias in node.names]
            hit = [m for m in modules if {"autograd", "functorch", "func"} & set(m.split("."))]
            name = f"import of {hit[0]}" if hit else None
        if name and (name in _AUTOGRAD_NAMES or name == "torch.func" or name.startswith("import of")):
            findings.append(Finding(file, getattr(node, "lineno", 0), f"uses {name}"))
    return sorted(set(findings), key=lambda f: (f.file, f.line))
