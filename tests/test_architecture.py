"""The package's shape, as docs/ARCHITECTURE.md describes it: layers without import cycles, and
question kinds that nothing outside ``autograder/kinds/`` knows by name."""

from __future__ import annotations

import ast
from pathlib import Path

from autograder.kinds import KINDS
from tests.conftest import PROJECT

PACKAGE = PROJECT / "autograder"
# What the rest of the package may import from the kinds: the registry and the interface.
KIND_INTERFACE = {"autograder.kinds", "autograder.kinds.base"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``path`` imports (anywhere in the file, lazily or not)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else base)
    return {name for name in found if name in modules}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    assert _cycle(graph) is None, " → ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _outside_kinds() -> list[Path]:
    return [path for path in PACKAGE.rglob("*.py") if "kinds" not in path.relative_to(PACKAGE).parts]


def test_no_module_outside_the_kinds_imports_a_kind() -> None:
    modules = _modules()
    offenders = {
        f"{path.relative_to(PROJECT)} imports {name}"
        for path in _outside_kinds()
        for name in _imports(path, modules)
        if name.startswith("autograder.kinds") and name not in KIND_INTERFACE
    }
    assert not offenders


def _names_a_kind(node: ast.AST) -> bool:
    """``question.kind``, ``kind``, ``data["kind"]``, ``data.get("kind")``: what holds a kind's name."""
    for part in ast.walk(node):
        if isinstance(part, ast.Attribute) and part.attr == "kind":
            return True
        if isinstance(part, ast.Name) and part.id == "kind":
            return True
        if isinstance(part, ast.Constant) and part.value == "kind":
            return True
    return False


def _kind_comparisons(source: str) -> list[tuple[int, list[str]]]:
    names = set(KINDS)
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        constants = [c for side in sides for c in ([side] if isinstance(side, ast.Constant) else getattr(side, "elts", []))]
        hits = [c.value for c in constants if isinstance(c, ast.Constant) and c.value in names]
        if hits and any(_names_a_kind(side) for side in sides):
            found.append((node.lineno, hits))
    return found


def test_no_module_outside_the_kinds_branches_on_a_kind_name() -> None:
    offenders = [
        f"{path.relative_to(PROJECT)}:{line} compares a kind with {hits}"
        for path in _outside_kinds() for line, hits in _kind_comparisons(path.read_text())
    ]
    assert not offenders, offenders


def test_the_kind_name_check_sees_the_usual_spellings() -> None:
    source = ('if question.kind == "manual": pass\n'
              'if data.get("kind") in ("expression", "choice"): pass\n'
              'if status == "manual": pass\n')
    assert _kind_comparisons(source) == [(1, ["manual"]), (2, ["expression", "choice"])]
