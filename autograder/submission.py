"""Finding the student's files and reading ``answers.yaml`` as data.

Students zip folders, rename things and submit symlinks; this module decides, before anything
runs, which files are there and which are not, with a message for each problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.yamlio import YamlError, load_yaml

ANSWERS_MAX_BYTES = 1_000_000
FILE_MAX_BYTES = 20_000_000
_IGNORED_DIRS = {"__MACOSX", ".git", "__pycache__", ".ipynb_checkpoints"}
_MAX_DEPTH = 3


@dataclass(frozen=True)
class Submission:
    """The folder holding the student's files, and what is present, missing or refused."""

    base: Path
    present: dict[str, Path]
    problems: dict[str, str]

    def problem(self, name: str) -> str | None:
        """Why ``name`` cannot be used, or None when it is present."""
        if name in self.present:
            return None
        return self.problems.get(name, f"{name} was not submitted")


@dataclass(frozen=True)
class Answers:
    """The parsed answers file: a mapping of answer keys, or the reason it could not be read."""

    data: dict[str, Any] | None
    problem: str | None = None


def _candidate_dirs(root: Path) -> list[Path]:
    """``root`` and its subfolders up to a small depth, shallowest first."""
    found = [root]
    for directory, subdirs, _ in os.walk(root, followlinks=False):
        depth = len(Path(directory).relative_to(root).parts)
        subdirs[:] = sorted(d for d in subdirs if d not in _IGNORED_DIRS and not d.startswith("."))
        if depth >= _MAX_DEPTH:
            subdirs[:] = []
        found.extend(Path(directory) / d for d in subdirs)
    return found


def _check_file(path: Path, name: str) -> str | None:
    if path.is_symlink():
        return f"{name} is a symbolic link; submit the file itself"
    if not path.is_file():
        return f"{name} is not a regular file"
    size = path.stat().st_size
    if size > FILE_MAX_BYTES:
        return f"{name} is {size // 1_000_000} MB; the limit is {FILE_MAX_BYTES // 1_000_000} MB"
    return None


def open_submission(root: Path, expected: list[str]) -> Submission:
    """Locate the expected files; a single nested folder (a zipped directory) is accepted."""
    if not root.is_dir():
        return Submission(base=root, present={}, problems={n: f"{root} is not a folder" for n in expected})
    candidates = _candidate_dirs(root)

    def count(directory: Path) -> int:
        return sum(os.path.lexists(directory / name) for name in expected)

    base = max(candidates, key=count)  # max keeps the first (shallowest) among equals
    if count(base) == 0:
        base = root
    present: dict[str, Path] = {}
    problems: dict[str, str] = {}
    for name in expected:
        path = base / name
        if not os.path.lexists(path):
            problems[name] = f"{name} was not submitted"
            continue
        problem = _check_file(path, name)
        if problem:
            problems[name] = problem
        else:
            present[name] = path
    return Submission(base=base, present=present, problems=problems)


def read_answers(submission: Submission, name: str) -> Answers:
    """Load an answers file as plain data: safe loader, no aliases, bounded size."""
    problem = submission.problem(name)
    if problem:
        return Answers(None, problem)
    try:
        loaded = load_yaml(submission.present[name], ANSWERS_MAX_BYTES, label=name)
    except YamlError as error:
        return Answers(None, f"{error}")
    if loaded.data is None:
        return Answers({})
    if not isinstance(loaded.data, dict):
        return Answers(None, f"{name}: expected 'question-id: answer' lines, one per question")
    return Answers({str(key): value for key, value in loaded.data.items()})
