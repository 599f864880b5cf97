"""A warm start for sandboxed tasks: torch is imported once, and each task is a fresh fork.

Importing torch costs a second or more of CPU, paid again by every question of every
submission when each task starts a new interpreter. The zygote is started once per sandbox
(``python -s -B zygote.py``, with this folder's runner beside it), imports torch and the runner,
and then, for each task the grader sends, forks a child that becomes what a cold start would
be: a new session, a network namespace of its own, the sandbox user with no groups and no new
privileges, the task's folder and environment; then the runner serves the task. The zygote
itself never runs student code and, under a root grader, runs as root, so no student process
can signal, trace or change it; nothing of one task survives into the next, which is forked
from the zygote's untouched memory.

Messages on the socket (framed by ``framing.py``) from the grader: ``{"request", "workdir",
"env", "uid", "gid", "isolate"}``, with the task's output and reply pipes' write ends attached
(SCM_RIGHTS), or ``{"preload": [MODULE, ...]}`` (imported before the next fork; no answer).
Answers: ``{"ready": true}`` once torch is imported, ``{"pid": N}`` once forked, then
``{"pid": N, "status": S}`` (the ``waitpid`` status) once the child has ended. EOF on the socket
ends the zygote.

Like the runner, it imports nothing from the ``autograder`` package.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import sys
from typing import Any

import framing  # the sibling copy of autograder/sandbox/framing.py
import runner  # the sibling copy of autograder/sandbox/runner.py

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 4096, 16384, 1 << 18
_PR_SET_NO_NEW_PRIVS = 38


def _write(path: str, text: str) -> None:
    with open(path, "w") as stream:
        stream.write(text)


def _isolate(libc: Any, order: dict[str, Any]) -> None:
    """Network namespace and identity, as ``unshare --net`` and ``setpriv`` do for a cold start."""
    uid, gid = order.get("uid"), order.get("gid")
    if order.get("isolate"):
        if uid is not None:  # root: a network namespace needs no user namespace
            hide = order.get("hide") or []
            if libc.unshare(_CLONE_NEWNET | (_CLONE_NEWNS if hide else 0)) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
            if hide:
                _hide(libc, hide)
        else:  # not root: a user namespace that maps only ourselves makes it possible
            own_uid, own_gid = os.getuid(), os.getgid()
            if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER|CLONE_NEWNET) failed")
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{own_uid} {own_uid} 1")
            _write("/proc/self/gid_map", f"{own_gid} {own_gid} 1")
    if uid is not None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def _hide(libc: Any, hide: list[list[Any]]) -> None:
    """In the task's own mount namespace: cover each path (a checkout's entries) with an empty,
    unreadable folder, or ``/dev/null`` for a file (``checkouts.py`` in the grader says why)."""
    if libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "making / private failed")
    for path, is_dir in hide:
        if is_dir:
            done = libc.mount(b"hidden", path.encode(), b"tmpfs", _MS_RDONLY, b"size=4k,mode=000")
        else:
            done = libc.mount(b"/dev/null", path.encode(), None, _MS_BIND, None)
        if done != 0:
            raise OSError(ctypes.get_errno(), f"hiding {path} failed")


def _become_task(libc: Any, channel: socket.socket, order: dict[str, Any], fds: list[int],
                 own_modules: frozenset[str]) -> None:
    """In the forked child: take the pipes, shed the zygote's ties, become the task, serve it
    (``own_modules``: the top-level modules the zygote had before any preload)."""
    out_fd, reply_fd = fds
    try:
        channel.close()
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.closerange(3, reply_fd)
        os.closerange(reply_fd + 1, 65536)
        _isolate(libc, order)
        os.chdir(order["workdir"])
        os.environ.clear()
        os.environ.update(order["env"])
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # the task's own pipe
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
        request = order["request"]
        request["result_fd"] = reply_fd
        del order
        del sys.modules["framing"]  # the zygote's alone: a student's own framing.py imports as in a cold start
        _forget_shadowed(request["workdir"], own_modules)
    except BaseException as error:  # noqa: BLE001 - tell the grader through the reply pipe
        try:
            os.write(reply_fd, json.dumps({"status": "error", "message": f"the sandbox failed: {error!r}"[:500]}).encode())
        finally:
            os._exit(0)
    runner.serve(request)  # never returns


def _preload(modules: list[str]) -> None:
    """Import what the grader says its tasks will import (e.g. what an optimizer's first use
    pulls in: most of a second), once here rather than in every forked task. No reply: the next
    fork simply waits until this is done.

    The names come from a submission's imports; a module may raise anything while it is
    imported (``SystemExit``, pytest's ``Skipped`` from a test module's ``importorskip``), and
    none of it may end the zygote that every later task (of every later submission) forks from."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - a task that needs it imports it (and says why it fails)
            pass


def _forget_shadowed(workdir: str, before: frozenset[str]) -> None:
    """In a forked task: forget the preloaded modules that the task's own folder provides.

    A warm worker's zygote keeps what every earlier submission's imports preloaded; a student's
    own ``pandas.py`` must still be what their ``import pandas`` finds, as in a cold start, and
    never depend on which submissions this zygote served before. Only top-level names that a
    preload added (not among ``before``, the zygote's own before any preload) are forgotten, with
    their submodules: torch and the runner stay."""
    from importlib.machinery import PathFinder

    added = {name.partition(".")[0] for name in sys.modules} - before
    for top in added:
        try:
            spec = PathFinder.find_spec(top, [workdir])
        except Exception:  # noqa: BLE001 - an odd entry in the task's folder: as if absent
            spec = None
        if spec is None or spec.origin is None:  # absent, or a namespace portion that does not shadow
            continue
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            del sys.modules[name]
    sys.path_importer_cache.pop(workdir, None)  # the student's imports look at their folder afresh


def main() -> None:
    """Serve fork requests from the grader on the socket named by argv[1] until it closes."""
    channel = socket.socket(fileno=int(sys.argv[1]))
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        import torch  # noqa: F401 - the point of the zygote: paid once, shared by every fork
    except ImportError:
        pass
    runner.warm_up()
    own_modules = frozenset(name.partition(".")[0] for name in sys.modules)  # before any preload
    framing.send_message(channel, {"ready": True})
    while True:
        try:
            order, fds = framing.read_message(channel, max_fds=2)
        except framing.Closed:
            return
        if "preload" in order:
            _preload(order["preload"])
            continue
        pid = os.fork()
        if pid == 0:
            _become_task(libc, channel, order, fds, own_modules)
        for fd in fds:
            os.close(fd)
        del order
        framing.send_message(channel, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        framing.send_message(channel, {"pid": pid, "status": status})


if __name__ == "__main__":
    main()
