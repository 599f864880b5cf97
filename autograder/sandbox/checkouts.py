"""Keeping a local checkout of the course out of the sandbox account's reach.

Grading from a checkout (``git clone``, then ``autograder grade``), the interpreter usually lives
in it (``.venv``), so student code finds the checkout from ``sys.executable`` and reads every
expected answer through ``git show HEAD:rubrics/...``, ``dist/*.zip`` or ``reference/``. Under a
root grader each task therefore runs in a mount namespace of its own where every entry of such a
checkout is covered by an empty, unreadable folder (or ``/dev/null`` for a file), except the path
to the interpreter the task must run. Nothing on disk changes. Where the machine refuses mount
namespaces, the grader refuses to run student code and names the fix.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from autograder.sandbox.identity import SandboxSetupError, SandboxUser


def _checkout_of(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that holds ``.git``: a checkout."""
    for folder in [path, *path.parents]:
        if folder != Path("/") and os.path.lexists(folder / ".git"):
            return folder
    return None


def _reachable(user: SandboxUser, path: Path) -> bool:
    """Whether ``user`` (no supplementary groups) may enter ``path`` and every folder above it."""
    for folder in [*reversed(path.parents), path]:
        try:
            info = os.stat(folder)
        except OSError:
            return False
        if info.st_uid == user.uid:
            bit = stat.S_IXUSR
        elif info.st_gid == user.gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def hidden_paths(user: SandboxUser | None, python: str) -> list[tuple[str, bool]]:
    """What a task must not see: (path, is a folder) for every entry of each checkout the
    sandbox account can reach (the one holding this package, the ones holding the interpreter)
    except the entries on the way to the interpreter. Empty when not root."""
    if user is None:
        return []
    here = Path(__file__).resolve().parents[2]
    interpreter = [Path(python).absolute(), Path(sys.prefix).absolute(), Path(sys.prefix).resolve(),
                   Path(python).resolve()]
    checkouts = {c for c in [_checkout_of(here), *(_checkout_of(p) for p in interpreter)] if c is not None}
    hidden: list[tuple[str, bool]] = []
    for checkout in sorted(checkouts):
        if not _reachable(user, checkout):
            continue
        keep = {p.relative_to(checkout).parts[0] for p in interpreter if p.is_relative_to(checkout) and p != checkout}
        for entry in sorted(os.scandir(checkout), key=lambda e: e.name):
            if entry.name in keep or entry.is_symlink():
                continue
            hidden.append((entry.path, entry.is_dir(follow_symlinks=False)))
    return hidden


def refuse_without_namespaces(hidden: list[tuple[str, bool]], isolated: bool) -> None:
    """Stop before any student code runs when a checkout is readable and cannot be hidden."""
    if hidden and not isolated:
        checkout = str(Path(hidden[0][0]).parent)
        raise SandboxSetupError(
            f"the sandbox account could read the checkout {checkout} (its .git, dist/ and "
            "reference/ hold the answers) and this machine refuses mount namespaces to hide it; "
            f"install the grader outside the checkout (setup.sh with AUTOGRADER_VENV=/opt/autograder/venv) "
            f"and make it private: chmod o-rwx {checkout}"
        )
