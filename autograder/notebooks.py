"""Notebook submissions: ``NAME.ipynb`` stands in for a missing ``NAME.py``.

The seeds' programming parts are Colab notebooks, and students submit them as they are: with
``!pip install`` lines, ``%matplotlib`` magics, and cells that download data, train for thirty
epochs and plot. The notebook is read as bounded JSON (never executed here; ``nbformat`` took
3.6 GB for a 20 MB notebook, so only the cells' sources are kept from the parse), and only
what defines things is kept from its code cells, in order: imports, functions, classes and
assignments that call nothing (``SCALE = 2.0``). Everything else a notebook runs at the top level
(training, plots, prints, shell and cell magics) is left out, so importing the module in the
sandbox is quick and does what importing a ``.py`` file does. A cell that is not valid Python is
left out with a note naming it; the question that needs its code then says what is missing.
"""

from __future__ import annotations

import ast
import json
import tempfile
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from autograder.safefs import copy_tree, read_regular
from autograder.sourcecode import parse_student
from autograder.submission import FILE_MAX_BYTES, Submission

_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class NotebookError(ValueError):
    """The file is not a readable notebook; the message says why, for the student."""


def _runs_something(node: ast.AST) -> bool:
    """Whether evaluating the expression calls anything (a lambda's body runs later, if ever)."""
    if isinstance(node, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
        return True
    if isinstance(node, ast.Lambda):
        return any(_runs_something(default) for default in node.args.defaults + node.args.kw_defaults if default)
    return any(_runs_something(child) for child in ast.iter_child_nodes(node))


def _keeps(node: ast.stmt) -> bool:
    if isinstance(node, _KEPT):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        return not _runs_something(node.value)
    return False


def _without_magics(source: str) -> str | None:
    """The cell without IPython magics and shell lines; None for a whole-cell magic (%%bash)."""
    if source.lstrip().startswith("%%"):
        return None
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        # Keep the line count, so that a syntax error's line number is the notebook's.
        lines.append("" if stripped.startswith(("!", "%")) else line)
    return "\n".join(lines)


# A notebook's JSON may hold at most this many containers and items (outputs included), and
# its code cells this many characters in all: bounds checked before anything is built.
MAX_NOTEBOOK_ITEMS = 200_000
MAX_CODE_CHARS = 2_000_000


def notebook_cells(text: str, label: str) -> list[dict[str, object]]:
    """The notebook's cells as plain JSON, its size bounded before the parse allocates."""
    if text.count("{") + text.count("[") + text.count(",") > 3 * MAX_NOTEBOOK_ITEMS:
        raise NotebookError(f"{label} holds too much (clear the outputs and submit again)")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError, MemoryError) as error:
        raise NotebookError(f"{label} is not a Jupyter notebook ({str(error).splitlines()[0][:120]})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise NotebookError(f"{label} is not a Jupyter notebook (it has no list of cells)")
    return cells


def cell_source(cell: dict[str, object]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(line for line in source if isinstance(line, str))
    return source if isinstance(source, str) else ""


def notebook_code(text: str, label: str) -> tuple[str, list[str]]:
    """The module source kept from a notebook's code cells, and notes on cells left out."""
    kept: list[str] = []
    notes: list[str] = []
    cells = notebook_cells(text, label)
    if sum(len(cell_source(c)) for c in cells if c.get("cell_type") == "code") > MAX_CODE_CHARS:
        raise NotebookError(f"{label} has more than {MAX_CODE_CHARS} characters of code")
    for number, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = _without_magics(cell_source(cell))
        if source is None:
            continue
        try:
            tree = parse_student(source)
            kept_nodes = [node for node in tree.body if _keeps(node)]
        except RecursionError:
            notes.append(f"{label}: cell {number} is nested too deeply to read, so it was left out")
            continue
        except SyntaxError as error:
            notes.append(f"{label}: cell {number} is not valid Python (line {error.lineno}: "
                         f"{error.msg}), so it was left out")
            continue
        lines = source.splitlines()
        for node in kept_nodes:
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            kept.append("\n".join(lines[start - 1 : node.end_lineno]))
    header = f"# Code kept from {label}: imports, functions, classes and constants.\n"
    return header + "\n\n".join(kept) + "\n", notes


def with_notebooks(submission: Submission, files: list[str], stack: ExitStack) -> tuple[Submission, list[str]]:
    """The submission with each missing ``X.py`` made from a submitted ``X.ipynb``.

    The student's folder is never changed: a converted submission is a copy in a temporary
    folder that lives as long as ``stack``. Returns the submission and notes for the student.
    """
    wanted = {name: submission.base / (name[:-3] + ".ipynb") for name in files
              if name.endswith(".py") and name not in submission.present}
    found = {name: path for name, path in wanted.items() if path.is_file() and not path.is_symlink()}
    if not found:
        return submission, []
    copy = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="autograder-nb-")))
    base = copy / "submission"
    base.mkdir()
    copy_tree(submission.base, base)  # regular files only, bounded, nothing followed
    present = {name: base / path.relative_to(submission.base) for name, path in submission.present.items()}
    problems = dict(submission.problems)
    notes: list[str] = []
    for name, notebook in found.items():
        problems.pop(name, None)
        if notebook.stat().st_size > FILE_MAX_BYTES:
            problems[name] = f"{notebook.name} is over {FILE_MAX_BYTES // 1_000_000} MB"
            continue
        try:
            text = read_regular(notebook, FILE_MAX_BYTES).decode("utf-8", errors="replace")
            code, cell_notes = notebook_code(text, notebook.name)
        except NotebookError as error:
            problems[name] = str(error)
            continue
        except OSError:
            problems[name] = f"{notebook.name} is not a regular file"
            continue
        (base / name).write_text(code, encoding="utf-8")
        present[name] = base / name
        notes += cell_notes
    return replace(submission, base=base, present=present, problems=problems), notes
