"""Who student code runs as, and keeping the grader's secrets away from that user."""

from __future__ import annotations

import fcntl
import os
import pwd
import stat
import subprocess
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from autograder.safefs import private_dir

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


def lease_user(user: SandboxUser | None, stack: ExitStack) -> SandboxUser | None:
    """An account of ``user``'s family (``student``, ``student-1`` … ``student-7``) that no other
    open sandbox on this machine holds, held until ``stack`` closes.

    After each task every process of the task's account is killed; two sandboxes running tasks
    at once (regrade workers, mutation testing) must therefore never share an account. The
    lease is an exclusive ``flock`` on a file per account, so it holds across processes and
    threads and ends by itself if its holder dies. When every account is taken, the first one
    is waited for.
    """
    if user is None:
        return None
    family = [user] + [
        SandboxUser(f"{user.name}-{n}", entry.pw_uid, entry.pw_gid)
        for n in range(1, 8)
        for entry in [_account(f"{user.name}-{n}")] if entry is not None and entry.pw_uid != 0
    ]
    folder = lease_folder()
    for blocking, candidate in [(False, c) for c in family] + [(True, family[0])]:
        fd = os.open(folder / f"user-{candidate.uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        held = ExitStack()
        if _flock(fd, blocking, held):
            stack.push(held.pop_all())
            return candidate
        held.close()
    raise SandboxSetupError("no sandbox account could be leased")  # not reached: the last waits


def _flock(fd: int, blocking: bool, held: ExitStack) -> bool:
    """Take an exclusive lock on ``fd`` (closed with ``held``); False when it is taken."""
    held.callback(os.close, fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


def lease_folder() -> Path:
    """Where the lease locks live: a mode-700 folder of root's, never a name in ``/tmp`` that a
    sandbox account could have made first (a FIFO or a symlink there would stall or redirect
    every later grader). ``/run`` when it is root's own, else a checked folder in ``/tmp``."""
    run = Path("/run")
    try:
        info = run.lstat()
        usable = stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o022
    except OSError:
        usable = False
    base = run if usable and os.access(run, os.W_OK) else Path(tempfile.gettempdir())
    return private_dir(base / f"autograder-leases-{os.geteuid()}")


def check_account(python: str) -> str | None:
    """Whether a sandbox account can run ``python`` with torch and numpy: None, or why not.

    The account is leased like a sandbox's, so a grading run that sweeps the account's processes
    at the same moment cannot kill the check (setup.sh runs it while the machine may be grading).
    """
    with ExitStack() as stack:
        user = lease_user(sandbox_user(), stack)
        if user is None:
            return None
        try:
            done = subprocess.run(
                ["runuser", "-u", user.name, "--", python, "-c", "import torch, numpy"],
                capture_output=True, text=True, timeout=300, check=False,
            )
        except (OSError, subprocess.SubprocessError) as error:
            return f"the sandbox account '{user.name}' could not be checked: {error}"
        if done.returncode != 0:
            return (f"the sandbox account '{user.name}' cannot run {python} with torch "
                    f"({(done.stderr.strip().splitlines() or ['no message'])[-1]}); "
                    "make the environment and its interpreter readable by others")
    return None


def _account(name: str) -> "pwd.struct_passwd | None":
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


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
