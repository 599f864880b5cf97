"""Notebook submissions: ``NAME.ipynb`` stands in for a missing ``NAME.py``.

The seeds' programming parts are Colab notebooks, and students submit them as they are: with
``!pip install`` lines, ``%matplotlib`` magics, and cells that download data, train for thirty
epochs and plot. The notebook is read as JSON with ``nbformat`` (never executed here), and only
what defines things is kept from its code cells, in order: imports, functions, classes and
assignments that call nothing (``SCALE = 2.0``). Everything else a notebook runs at the top level
(training, plots, prints, shell and cell magics) is left out, so importing the module in the
sandbox is quick and does what importing a ``.py`` file does. A cell that is not valid Python is
left out with a note naming it; the question that needs its code then says what is missing.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

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


def notebook_code(text: str, label: str) -> tuple[str, list[str]]:
    """The module source kept from a notebook's code cells, and notes on cells left out."""
    import nbformat  # only submissions with notebooks pay for the import

    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds for bad JSON
        raise NotebookError(f"{label} is not a Jupyter notebook ({str(error).splitlines()[0][:120]})") from None
    kept: list[str] = []
    notes: list[str] = []
    for number, cell in enumerate(notebook.cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = _without_magics(str(cell.get("source", "")))
        if source is None:
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            notes.append(f"{label}: cell {number} is not valid Python (line {error.lineno}: "
                         f"{error.msg}), so it was left out")
            continue
        lines = source.splitlines()
        for node in tree.body:
            if _keeps(node):
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
    shutil.copytree(submission.base, base, symlinks=True)
    present = {name: base / path.relative_to(submission.base) for name, path in submission.present.items()}
    problems = dict(submission.problems)
    notes: list[str] = []
    for name, notebook in found.items():
        problems.pop(name, None)
        if notebook.stat().st_size > FILE_MAX_BYTES:
            problems[name] = f"{notebook.name} is over {FILE_MAX_BYTES // 1_000_000} MB"
            continue
        try:
            code, cell_notes = notebook_code(notebook.read_text(encoding="utf-8", errors="replace"), notebook.name)
        except NotebookError as error:
            problems[name] = str(error)
            continue
        (base / name).write_text(code, encoding="utf-8")
        present[name] = base / name
        notes += cell_notes
    return replace(submission, base=base, present=present, problems=problems), notes
