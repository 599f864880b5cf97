"""The course's environment: which modules a student's code may import, and which it imports.

The grader's environment holds Python's standard library, torch and numpy (the grader's own
dependencies that students use) and the packages the rubric lists in ``assignment.packages``
(``setup.sh`` installs them). A submission that imports anything else fails on Gradescope with a
bare ``No module named 'pandas'``; this module lets ``check`` and grading name the package first.
The student's files are read as syntax trees, never imported. Only imports that would fail when
the file is imported are reported: not those guarded by ``try: ... except ImportError``, not
those under ``if TYPE_CHECKING:``, and not the student's own modules (``helpers.py`` beside it).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.notebooks import NotebookError, cell_source, notebook_cells
from autograder.safefs import read_regular
from autograder.sourcecode import parse_student

# The grader's own dependencies that students' code may import (pyproject.toml).
GRADER_PROVIDES = ("torch", "numpy")

# Distribution names (as in a requirement) whose import names differ from the name.
_MODULES_OF: dict[str, tuple[str, ...]] = {
    "scikit-learn": ("sklearn",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "opencv-contrib-python": ("cv2",),
    "pillow": ("PIL",),
    "pyyaml": ("yaml",),
    "matplotlib": ("matplotlib", "mpl_toolkits", "pylab"),
    "beautifulsoup4": ("bs4",),
    "python-dateutil": ("dateutil",),
    "scikit-image": ("skimage",),
    "tensorflow-datasets": ("tensorflow_datasets",),
    "ipython": ("IPython",),
    "torch-geometric": ("torch_geometric",),
    "pytorch-lightning": ("pytorch_lightning",),
    "huggingface-hub": ("huggingface_hub",),
}
_DISTRIBUTION_OF = {module: name for name, modules in _MODULES_OF.items() for module in modules}
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_MAX_FILES = 50
_MAX_BYTES = 2_000_000


def distribution_name(requirement: str) -> str:
    """``matplotlib`` of ``matplotlib==3.10.9``, normalised (lower case, ``-`` for ``_``/``.``)."""
    match = _REQUIREMENT_NAME.match(requirement)
    name = match.group(1) if match else requirement
    return re.sub(r"[-_.]+", "-", name).lower()


def modules_of(requirement: str) -> tuple[str, ...]:
    """The top-level import names a requirement provides (``scikit-learn`` → ``sklearn``)."""
    name = distribution_name(requirement)
    return _MODULES_OF.get(name, (name.replace("-", "_"),))


# Modules students import that no package provides outside their own machines.
_ONLY_ELSEWHERE = {"google": "google (google.colab exists only on Colab)"}


def package_of(module: str) -> str:
    """What to call a missing module for the student: ``sklearn (the package scikit-learn)``."""
    if module in _ONLY_ELSEWHERE:
        return _ONLY_ELSEWHERE[module]
    distribution = _DISTRIBUTION_OF.get(module)
    return f"{module} (the package {distribution})" if distribution and distribution != module else module


@dataclass(frozen=True)
class Environment:
    """What the grader's environment provides to the student's code."""

    packages: tuple[str, ...] = ()

    def provides(self, module: str) -> bool:
        """Whether ``module`` (a top-level name) can be imported where the student's code runs."""
        if module in sys.stdlib_module_names or module in GRADER_PROVIDES:
            return True
        return any(module in modules_of(requirement) for requirement in self.packages)

    def describe(self) -> str:
        """``Python's standard library, torch, numpy, matplotlib and tqdm``."""
        names = [*GRADER_PROVIDES]
        for requirement in self.packages:
            name = distribution_name(requirement)
            if name not in names:
                names.append(name)
        return "Python's standard library, " + ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Import:
    """One import of a top-level module, and where the student wrote it (``mlp.py, line 3``);
    ``names``: the dotted names it may load (``matplotlib.pyplot``; for ``from matplotlib import
    pyplot``, ``matplotlib`` and ``matplotlib.pyplot``, which may be a submodule or not)."""

    place: str
    module: str
    names: tuple[str, ...] = ()


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _guarded(handler: ast.ExceptHandler) -> bool:
    """Whether the handler catches a failed import (``except ImportError``, bare ``except``)."""
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _IMPORT_ERRORS for t in types)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _visit(node: ast.AST, file: str, found: list[Import]) -> None:
    """The unguarded absolute imports in ``node`` and everything inside it."""
    if isinstance(node, ast.Import):
        found += [Import(f"{file}, line {node.lineno}", alias.name.split(".")[0], (alias.name,))
                  for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level == 0 and node.module:  # relative imports are the student's own
            names = (node.module, *(f"{node.module}.{a.name}" for a in node.names if a.name != "*"))
            found.append(Import(f"{file}, line {node.lineno}", node.module.split(".")[0], names))
    elif isinstance(node, ast.Try) and any(_guarded(h) for h in node.handlers):
        for part in [*node.handlers, *node.orelse, *node.finalbody]:
            _visit(part, file, found)
    elif isinstance(node, ast.If) and _type_checking(node):
        for part in node.orelse:
            _visit(part, file, found)
    else:
        for child in ast.iter_child_nodes(node):
            _visit(child, file, found)


def imports_of(source: str, file: str) -> list[Import]:
    """The top-level modules ``source`` imports (relative imports are the student's own)."""
    found: list[Import] = []
    _visit(parse_student(source, filename=file), file, found)
    return found


def notebook_imports(text: str, label: str) -> list[Import]:
    """The imports in a notebook's code cells, placed by cell (as ``notebooks.py`` numbers them);
    shell lines and magics are not Python, and a cell that does not parse is skipped."""
    found: list[Import] = []
    try:
        cells = notebook_cells(text, label)
    except NotebookError:
        return []  # the questions that need it say why
    for number, cell in enumerate(cells, 1):
        source = cell_source(cell)
        if cell.get("cell_type") != "code" or source.lstrip().startswith("%%"):
            continue
        lines = ["" if line.lstrip().startswith(("!", "%")) else line for line in source.splitlines()]
        try:
            found += imports_of("\n".join(lines), f"{label}, cell {number}")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return found


def _imports_in_file(folder: Path, name: str) -> list[Import]:
    """The imports of the submitted ``name``, or of the notebook that stands in for it."""
    for path in (folder / name, folder / (name[:-3] + ".ipynb")):
        try:
            raw = read_regular(path, _MAX_BYTES)  # never through a link a student made
        except OSError:
            continue
        if len(raw) > _MAX_BYTES:
            return []
        text = raw.decode("utf-8", errors="replace")
        return notebook_imports(text, path.name) if path.suffix == ".ipynb" else imports_of(text, name)
    return []


def _local_file(folder: Path, module: str) -> Path | None:
    """The student's own module ``module`` in ``folder``: ``module.py`` or a package folder."""
    for candidate in (folder / f"{module}.py", folder / module / "__init__.py"):
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    directory = folder / module
    return directory if directory.is_dir() and not directory.is_symlink() else None


def submission_imports(folder: Path, files: list[str]) -> list[Import]:
    """Imports in the submitted ``.py`` files or the notebooks that stand in for them (and in the
    student's modules they import, in turn) of modules that are not the student's own."""
    queue = [name for name in files if name.endswith(".py")]
    seen: set[str] = set()
    imports: list[Import] = []
    while queue and len(seen) < _MAX_FILES:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        try:
            found = _imports_in_file(folder, name)
        except Exception:  # noqa: BLE001 - unreadable: the question that imports it says so
            continue
        for item in found:
            local = _local_file(folder, item.module)
            if local is None:
                imports.append(item)
            elif local.suffix == ".py":
                queue.append(str(local.relative_to(folder)))
    return imports


def course_modules(imports: list[Import], packages: tuple[str, ...] | list[str], most: int = 20) -> list[str]:
    """The dotted names of ``imports`` that come from the course's own packages (not Python's
    standard library, torch or numpy, which every task has): what a warm sandbox imports once
    for all the submission's tasks rather than in each (``Sandbox.preload``)."""
    course, default = Environment(tuple(packages)), Environment()
    names = dict.fromkeys(name for item in imports if course.provides(item.module)
                          and not default.provides(item.module) for name in item.names or (item.module,))
    return list(names)[:most]


def missing_import_notes(folder: Path, files: list[str], packages: tuple[str, ...] | list[str],
                         imports: list[Import] | None = None) -> list[str]:
    """One note per module the submission imports (``imports``, when already read) that the
    grader will not have."""
    environment = Environment(tuple(packages))
    missing: dict[str, Import] = {}  # one per module, where it is first imported
    for item in submission_imports(folder, files) if imports is None else imports:
        if not environment.provides(item.module):
            missing.setdefault(item.module, item)
    return [f"{item.place}: imports {package_of(item.module)}, which the course's "
            f"environment does not include (it has {environment.describe()}). Code that imports it "
            f"fails when graded: {_FIX}." for item in missing.values()]


_FIX = "remove the import, or ask your instructor to add the package"
_NO_MODULE = re.compile(r"raised ModuleNotFoundError (.*?): No module named '([^'.]+)[^']*'")


def missing_module_problem(message: str, packages: tuple[str, ...] | list[str]) -> str | None:
    """The feedback for a sandbox failure that is an import of a module the environment lacks
    (``raised ModuleNotFoundError while importing mlp.py: No module named 'pandas'``); None for
    any other failure. A course package that is missing was not installed (a student's bundle
    set up before the rubric listed it): ``setup.sh`` installs it."""
    match = _NO_MODULE.search(message)
    if match is None:
        return None
    environment = Environment(tuple(packages))
    where, module = match.groups()
    if environment.provides(module):
        if Environment().provides(module):
            return None  # the standard library, torch or numpy: not a question of packages
        return (f"Your code imports {module} ({where}), one of the course's packages, but it is not "
                f"installed in this environment: ./setup.sh installs the course's packages.")
    return (f"Your code imports {package_of(module)} ({where}), but the course's environment "
            f"does not include it (it has {environment.describe()}) and it is not one of your "
            f"submitted files: {_FIX}.")
