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

from autograder.safefs import read_regular, scan

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


def parse_student(source: str, filename: str = "<student>") -> ast.Module:
    """``ast.parse`` of a student's text, with every way it can fail turned into SyntaxError.

    100,000 unary minus signs make CPython's parser raise MemoryError, 200,000 ``+`` terms
    RecursionError; both are the student's malformed code, never a fault of the grader.
    """
    if len(source) > MAX_SOURCE_BYTES:
        raise SyntaxError(f"the code is longer than {MAX_SOURCE_BYTES} characters")
    try:
        return ast.parse(source, filename=filename)
    except (MemoryError, RecursionError) as error:
        raise SyntaxError(f"the code is nested too deeply to read ({type(error).__name__})") from None
    except ValueError as error:  # e.g. null bytes
        raise SyntaxError(str(error)) from None


def _read_source(path: Path) -> str:
    """A submitted file's text: a regular file with one name, never followed, at most 2 MB."""
    try:
        raw = read_regular(path, MAX_SOURCE_BYTES)
    except OSError:
        raise FileNotFoundError(str(path)) from None
    if len(raw) > MAX_SOURCE_BYTES:
        raise FileNotFoundError(str(path))
    return raw.decode("utf-8", errors="replace")


class _Module:
    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        self.tree = parse_student(_read_source(folder / name), filename=name)
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
        self.imported_files = _imported_files(self.tree)


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
    # the engine and forward mode reached around the names above, and the ways to reach any
    # C symbol from Python (what the run-time block in runner.py cannot stop in-process)
    "_C", "_ImperativeEngine", "_EngineBase", "_make_dual", "make_dual", "forward_ad",
    "jacfwd", "jacrev", "vjp", "jvp", "hessian",
})


def _imported_files(tree: ast.Module) -> set[str]:
    """The files an ``import x`` / ``from x import y`` anywhere in ``tree`` (at any depth: in a
    function too) would load from the submission's folder, as relative paths."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            found.update("/".join(parts[: n + 1]) + ".py" for n in range(len(parts)))
            found.update("/".join(parts[: n + 1]) + "/__init__.py" for n in range(len(parts)))
    return found


def submitted_python(folder: Path) -> set[str]:
    """Every ``.py`` file in the submission's folder (relative paths), as the runner's copy has."""
    return {relative for relative, _ in scan(folder).files if relative.endswith(".py")}


def autograd_uses(folder: Path, file: str) -> list[Finding]:
    """Every place in ``file``, and in every submitted file it imports (transitively, found by
    name in the folder), that reaches for torch's autograd (``torch.autograd``, ``torch.func``,
    ``requires_grad``, ``enable_grad``, ...), for questions whose gradients must be computed by
    hand. A file that cannot be read as Python breaks the rule (what it does cannot be seen).
    The sandbox also disables autograd's entry points at run time."""
    present = submitted_python(folder)
    findings: list[Finding] = []
    pending, seen = [file], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            module = _Module(folder, name)
        except (FileNotFoundError, OSError, SyntaxError, ValueError):
            if name != file:
                findings.append(Finding(name, 0, "a file that cannot be read as Python"))
            continue
        findings += _autograd_in(module.tree, name)
        pending += sorted(module.imported_files & present)
    return sorted(set(findings), key=lambda f: (f.file, f.line))


def _autograd_in(tree: ast.Module, file: str) -> list[Finding]:
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
            hit = [m for m in modules if {"autograd", "functorch", "func", "_functorch", "_C", "ctypes"} & set(m.split("."))]
            name = f"import of {hit[0]}" if hit else None
        if name and (name in _AUTOGRAD_NAMES or name == "torch.func" or name.startswith("import of")):
            findings.append(Finding(file, getattr(node, "lineno", 0), f"uses {name}"))
    return sorted(set(findings), key=lambda f: (f.file, f.line))
