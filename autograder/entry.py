"""The ``autograder`` command's entry point: the sandbox starts before the grader's own imports.

A command that grades one submission (``run``, ``check``, ``grade`` of one folder) will most
likely run student code, and the sandbox's zygote then spends a second importing torch. Started
here, before the command-line module and everything it imports (pydantic, the kinds, numpy,
rich: half a second), both happen at once on two cores. The command finds the sandbox in click's
context object (:class:`autograder.sandbox.early.EarlyStart`) and passes it to :func:`autograder.grading.grade`, or lets
it go when the rubric runs no code.

The command line is only glanced at here, never interpreted: a misreading costs an unneeded
zygote or a later start, never a wrong grade (click parses the real command afterwards).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder.sandbox.early import start_early


def _positionals(args: list[str]) -> list[str]:
    """The arguments that are not options (an option's value is taken as its own: a glance)."""
    return [a for a in args if not a.startswith("-")]


def _option(args: list[str], name: str, default: str) -> str:
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def submission_to_grade(args: list[str]) -> Path | None:
    """The one submission folder the command line names, when it grades (or checks) one."""
    if not args:
        return None
    command, rest = args[0], args[1:]
    if command == "run":
        return Path(_option(rest, "--submission", "/autograder/submission"))
    if command == "check":
        positional = _positionals(rest)
        return Path(positional[1]) if len(positional) > 1 else Path(".")
    if command == "grade":
        positional = _positionals(rest)
        many = _option(rest, "--workers", "1") != "1" or _option(rest, "--executor", "local") != "local"
        return Path(positional[1]) if len(positional) == 2 and not many else None
    return None


def main() -> None:
    """Run the ``autograder`` command, its sandbox started first when it will likely need one."""
    # The grader's numpy works on small arrays; OpenBLAS's pool of spinning threads would only
    # take a core from the zygote's torch import (0.1 s of CPU). Tasks get their own environment.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    early = start_early(submission_to_grade(sys.argv[1:]))
    try:
        from autograder.cli import main as commands  # the heavy imports, beside the zygote's

        commands(obj=early)
    finally:
        early.close()
