"""After every task: nothing the sandbox account owns remains on the machine.

A task can leave files in every world-writable place (``/tmp``, ``/var/tmp``, ``/dev/shm``,
``/dev/mqueue``, ``/run/lock``) and System V IPC objects (``shmget``: one submission left
1.25 GB of shared memory). They would carry state from one question or submission to the next,
and a regrade of many would exhaust the machine. This sweep is the rule everywhere (a private
IPC namespace per task was tried: forked tasks in one were killed under the process limit).
It runs as root after every process of the account has been killed, so nothing it removes can
be swapped under it; it never follows a link (:func:`autograder.safefs.remove_tree`).
"""

from __future__ import annotations

import ctypes
import os
import stat
import tempfile
from pathlib import Path

from autograder.safefs import remove_tree

# Where any account can create names; world-writable folders inside them are searched too.
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock", "/var/lock")
_DEPTH = 3
_IPC_RMID = 0
_SYSV = {"shm": "shmctl", "sem": "semctl", "msg": "msgctl"}


def sweep_account(uid: int) -> list[str]:
    """Remove every file and IPC object ``uid`` owns in shared places; what was removed."""
    removed: list[str] = []
    roots = dict.fromkeys([*WORLD_WRITABLE, tempfile.gettempdir()])
    for root in roots:
        removed += _sweep_folder(Path(root), uid, _DEPTH)
    removed += _sweep_ipc(uid)
    return removed


def _sweep_folder(folder: Path, uid: int, depth: int) -> list[str]:
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if info.st_uid == uid:
            try:
                remove_tree(Path(entry.path))
                removed.append(entry.path)
            except OSError:
                pass
        elif depth > 1 and stat.S_ISDIR(info.st_mode) and info.st_mode & 0o002:
            removed += _sweep_folder(Path(entry.path), uid, depth - 1)
    return removed


def ipc_objects(uid: int) -> list[tuple[str, int]]:
    """The System V IPC objects (``shm``, ``sem``, ``msg``) ``uid`` owns, as (kind, id)."""
    found = []
    for kind in _SYSV:
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        header = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[0].split()
        for line in lines:
            fields = dict(zip(header, line.split()))
            if fields.get("uid") == str(uid) or fields.get("cuid") == str(uid):
                found.append((kind, int(fields["shmid" if kind == "shm" else "semid" if kind == "sem" else "msqid"])))
    return found


def _sweep_ipc(uid: int) -> list[str]:
    removed = []
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return removed
    for kind, ident in ipc_objects(uid):
        call = getattr(libc, _SYSV[kind])
        result = call(ident, 0, _IPC_RMID, None) if kind == "sem" else call(ident, _IPC_RMID, None)
        if result == 0:
            removed.append(f"{kind} {ident}")
    return removed
