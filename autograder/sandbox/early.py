"""A sandbox opened before the grader has anything to run in it (see ``autograder/entry.py``).

Its zygote's torch import, the longest part of a sandbox's start, then runs beside the grader's
own imports and loading. It runs no student code until the grader asks, so opening it early
changes nothing but when torch is ready.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox.identity import sandbox_user
from autograder.sandbox.process import Sandbox

_CODE_SUFFIXES = (".py", ".ipynb")
_SCAN_ENTRIES = 2000  # a glance, not a walk: a huge folder just starts later, as before


@dataclass
class EarlyStart:
    """The sandbox opened at start (or None), owned by the entry point's stack until let go."""

    sandbox: Sandbox | None = None
    _stack: ExitStack = field(default_factory=ExitStack)

    def take(self, needed: bool) -> Sandbox | None:
        """The sandbox for a command that ``needed`` one; otherwise it is closed now (its torch
        import would only slow what remains)."""
        if not needed:
            self.close()
        return self.sandbox

    def close(self) -> None:
        """Close the sandbox, if one was opened (idempotent)."""
        self._stack.close()
        self.sandbox = None


def has_code(folder: Path) -> bool:
    """Whether ``folder`` (looked at two levels deep, links not followed) holds a .py or .ipynb."""
    pending, seen = [(folder, 0)], 0
    while pending:
        here, depth = pending.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > _SCAN_ENTRIES:
                return False
            if entry.name.endswith(_CODE_SUFFIXES) and entry.is_file(follow_symlinks=False):
                return True
            if depth < 2 and entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                pending.append((Path(entry.path), depth + 1))
    return False


def start_early(folder: Path | None) -> EarlyStart:
    """A sandbox opened now when ``folder`` (the submission to grade) holds code."""
    early = EarlyStart()
    if folder is None or not has_code(folder):
        return early
    try:
        early.sandbox = early._stack.enter_context(Sandbox(sandbox_user()))
    except Exception:  # noqa: BLE001 - the command opens its own later and reports what fails
        early.close()
    return early
