"""Who student code runs as, and keeping the grader's secrets away from that user."""

from __future__ import annotations

import os
import pwd
import stat
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SANDBOX_USER = "student"


class SandboxSetupError(RuntimeError):
    """The machine is not set up to run student code safely (an instructor's problem)."""


@dataclass(frozen=True)
class SandboxUser:
    """A dedicated unprivileged account: every process it owns is killed after each task."""

    name: str
    uid: int
    gid: int


def sandbox_user() -> SandboxUser | None:
    """The account for student code when the grader is root; None when it is not root.

    Without root the grader cannot switch users, so student code runs as the grader's own user
    (local grading by a student or instructor); SECURITY.md says what that does not protect.
    """
    if os.geteuid() != 0:
        return None
    name = os.environ.get("AUTOGRADER_SANDBOX_USER", DEFAULT_SANDBOX_USER)
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise SandboxSetupError(
            f"the sandbox user '{name}' does not exist; run setup.sh as root, "
            "or set AUTOGRADER_SANDBOX_USER to a dedicated unprivileged account"
        ) from None
    if entry.pw_uid == 0:
        raise SandboxSetupError(f"the sandbox user '{name}' is root; use an unprivileged account")
    return SandboxUser(name=name, uid=entry.pw_uid, gid=entry.pw_gid)


def hide_from_others(paths: list[Path]) -> None:
    """Remove group and other permissions from secret paths (rubrics, references, results).

    Only meaningful when student code runs as another user; a directory without 'x' for others
    also hides everything below it.
    """
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            continue
        os.chmod(path, stat.S_IMODE(mode) & 0o700)
