"""Finding the student's files and reading ``answers.yaml`` as data.

Students zip folders, rename things and submit symlinks; this module decides, before anything
runs, which files are there and which are not, with a message for each problem.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.safefs import TreeLimits, scan
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
    notes: tuple[str, ...] = field(default=())  # what was left out of the folder, and why

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
    """``root`` and its real subfolders up to a small depth, shallowest first.

    ``os.walk`` lists a symlink to a folder among the subfolders (without entering it); such a
    link is never a candidate, or a submission that is one link to the reference would be
    graded as the reference.
    """
    found = [root]
    for directory, subdirs, _ in os.walk(root, followlinks=False):
        depth = len(Path(directory).relative_to(root).parts)
        subdirs[:] = sorted(d for d in subdirs if d not in _IGNORED_DIRS and not d.startswith(".")
                            and not os.path.islink(os.path.join(directory, d)))
        if depth >= _MAX_DEPTH:
            subdirs[:] = []
        found.extend(Path(directory) / d for d in subdirs)
    return found


def _check_file(base: Path, name: str) -> str | None:
    """Why ``base / name`` cannot be used (read with ``lstat``: nothing is followed)."""
    if any(os.path.islink(base / parent) for parent in Path(name).parents if str(parent) != "."):
        return f"{name} is inside a symbolic link; submit the folder itself"
    info = (base / name).lstat()
    if stat.S_ISLNK(info.st_mode):
        return f"{name} is a symbolic link; submit the file itself"
    if not stat.S_ISREG(info.st_mode):
        return f"{name} is not a regular file"
    if info.st_nlink > 1:
        return f"{name} is a hard link to another file; submit the file itself"
    size = info.st_size
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
        problem = _check_file(base, name)
        if problem:
            problems[name] = problem
        else:
            present[name] = path
    return Submission(base=base, present=present, problems=problems, notes=tuple(scan(base, TreeLimits()).notes()))


def read_answers(submission: Submission, name: str) -> Answers:
    """Load an answers file as plain data: safe loader, no aliases, bounded size."""
    problem = submission.problem(name)
    if problem:
        return Answers(None, problem)
    try:
        loaded = load_yaml(submission.present[name], ANSWERS_MAX_BYTES, label=name, student=True)
    except YamlError as error:
        return Answers(None, f"{error}")
    if loaded.data is None:
        return Answers({})
    if not isinstance(loaded.data, dict):
        return Answers(None, f"{name}: expected 'question-id: answer' lines, one per question")
    return Answers({str(key): value for key, value in loaded.data.items()})
