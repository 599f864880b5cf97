"""Running one task of student code in a fresh, limited child process.

The grader never imports student code. :class:`Sandbox` copies the runner into a directory the
sandbox user can read, and for each task makes a private working directory holding a copy of
the submission, starts ``runner.py`` there (as the sandbox user when the grader is root), enforces
a wall-clock limit, caps what is read back, kills every process the task left behind, and
decodes the reply with the grader's own :mod:`protocol` checks.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Literal

from autograder.safefs import TreeLimits, copy_tree, remove_tree
from autograder.sandbox import framing, protocol
from autograder.sandbox.checkouts import hidden_paths, refuse_without_namespaces
from autograder.sandbox.fonts import font_lists, seed_home
from autograder.sandbox.identity import SandboxSetupError, SandboxUser, lease_user
from autograder.sandbox.sweep import sweep_account
from autograder.sandbox.work import Request

RunStatus = Literal["ok", "error", "missing", "timeout", "crashed", "bad_reply"]

_RUNNER_FILES = ("runner.py", "protocol.py", "harness.py", "zygote.py", "framing.py")
_ENV_PASSTHROUGH = ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "NVIDIA_VISIBLE_DEVICES", "OMP_NUM_THREADS",
                    "MKL_NUM_THREADS")
_EXIT_GRACE_S = 1.0
_ZYGOTE_START_S = 60.0
_PR_SET_CHILD_SUBREAPER = 36
# What the runner writes on the reply pipe just before the student's code runs (runner.py).
STARTED = b"\x01"


@dataclass(frozen=True)
class Limits:
    """What one task may use."""

    time_s: float
    memory_bytes: int
    max_output_bytes: int = 16_000
    max_reply_bytes: int = 64 * 2**20
    max_file_bytes: int = 64 * 2**20
    max_processes: int = 256
    max_copy_bytes: int = 200 * 2**20
    # The grader's own part of a task (a zygote still importing torch, a cold interpreter's
    # import at half a CPU), before the student's code starts: not on the student's clock.
    startup_s: float = 120.0


@dataclass(frozen=True)
class RunResult:
    """What came back from one task; ``value`` is the grader's own decoded copy."""

    status: RunStatus
    value: Any = None
    message: str = ""
    traceback: str = ""
    output: str = ""
    device: str = "cpu"
    seconds: float = 0.0


class SandboxStartupError(SandboxSetupError):
    """The sandbox could not start the student's code within the grader's start-up budget: the
    grader's fault (a loaded or slow machine), never the student's."""


@dataclass
class _Capture:
    limit: int
    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        self.data += chunk[: max(room, 0)]
        self.dropped += max(len(chunk) - max(room, 0), 0)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _copy_submission(source: Path, dest: Path, limit: int) -> None:
    """Copy regular files only (no symlinks, hard links, devices or FIFOs), never following a
    link, within a budget of bytes, files and depth (:mod:`autograder.safefs`)."""
    copy_tree(source, dest, TreeLimits(max_bytes=limit))


def _chown_tree(root: Path, user: SandboxUser) -> None:
    """Give the task's copy to the sandbox account (iteratively: the copy is bounded in depth)."""
    os.chown(root, user.uid, user.gid, follow_symlinks=False)
    for directory, subdirs, files in os.walk(root):
        for name in subdirs + files:
            os.chown(os.path.join(directory, name), user.uid, user.gid, follow_symlinks=False)


def _remove_tree(root: Path) -> None:
    """Delete a task's folder whatever the task left in it: thousands of nested folders,
    unreadable modes, links (never followed)."""
    remove_tree(root)


def _become_subreaper() -> None:
    """Adopt the task's orphans (Linux), so they are reaped here rather than left as zombies.

    PID 1 in a container may never reap; zombies would then count against the next task's
    process limit.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _reap_orphans() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _live_processes_of(uid: int) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                state = stat.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            pids.append(int(entry.name))
    return pids


def _kill_all(process: Any, user: SandboxUser | None) -> None:
    """Kill the task's process group and, with a dedicated user, every process it owns."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    if user is not None:
        for _ in range(200):  # a fork bomb can respawn between two sweeps
            survivors = _live_processes_of(user.uid)
            if not survivors:
                break
            for pid in survivors:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.005)
    process.wait()
    _reap_orphans()


def _launcher(user: SandboxUser | None) -> list[str]:
    """The command prefix that starts the runner without network, as the sandbox user.

    util-linux's ``unshare --net`` gives the task a network namespace of its own, holding only a
    loopback device that is down: no connection can be made, not even to this machine. As root,
    ``setpriv`` then drops to the sandbox user (no supplementary groups, no new privileges through
    setuid programs); without root, a user namespace makes the network namespace possible. Where
    the container forbids namespaces (e.g. Docker's default seccomp profile), the prefix is empty
    and the task runs with the container's network; SECURITY.md says so.
    """
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if user is not None:
        drop = [
            setpriv or "setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups",
            "--no-new-privs", "--",
        ]
        candidates = [[unshare or "unshare", "--net", "--", *drop], drop]
    else:
        candidates = [[unshare or "unshare", "--user", "--map-current-user", "--net", "--"]]
    for prefix in candidates:
        if _starts(prefix):
            return prefix
    return []


# Run by root inside the task's new mount namespace: cover each path, then become the task.
_HIDE_SCRIPT = (
    'while [ "$1" != "--" ]; do '
    'if [ -d "$1" ]; then mount -t tmpfs -o ro,size=4k,mode=000 hidden "$1" || exit 97; '
    'else mount --bind /dev/null "$1" || exit 97; fi; shift; done; shift; exec "$@"'
)


def _hiding(launcher: list[str], hidden: list[tuple[str, bool]]) -> list[str]:
    """``unshare --net -- setpriv ...`` made ``unshare --net --mount --propagation private --
    sh -c HIDE sh PATH... -- setpriv ...``: the cold start's way of hiding a checkout."""
    split = launcher.index("--")
    return [*launcher[:split], "--mount", "--propagation", "private", "--", "sh", "-c", _HIDE_SCRIPT, "sh",
            *(path for path, _ in hidden), "--", *launcher[split + 1:]]


def _starts(prefix: list[str]) -> bool:
    try:
        return subprocess.run(
            [*prefix, "true"], capture_output=True, timeout=10, check=False
        ).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


class _ForkedTask:
    """A task forked by the zygote, seen through the zygote's messages (it is not our child)."""

    def __init__(self, zygote: "_Zygote", pid: int, output: BinaryIO) -> None:
        self.zygote = zygote
        self.pid = pid
        self.output = output
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self._settle(block=False)

    def wait(self) -> int | None:
        return self._settle(block=True)

    def _settle(self, block: bool) -> int | None:
        if self.returncode is None:
            try:
                status = self.zygote.status(self.pid, block)
            except (OSError, ValueError):
                self.zygote.broken = True  # the sandbox goes back to cold starts
                status = signal.SIGKILL  # as waitpid would say of a killed child
            if status is not None:
                self.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                self.zygote.busy.release()
        return self.returncode


class _Zygote:
    """The grader's end of ``zygote.py``: torch imported once, one fork per task."""

    def __init__(self, python: str, runner_dir: Path, env: dict[str, str], user: SandboxUser | None,
                 isolate: bool, hide: list[tuple[str, bool]]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.user = user
        self.hide = hide
        self.isolate = isolate
        self.broken = False
        self.busy = threading.Lock()  # one task at a time; a second thread starts cold instead
        self.channel = ours
        self.process = subprocess.Popen(
            [python, "-s", "-B", str(runner_dir / "zygote.py"), str(theirs.fileno())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),), cwd=runner_dir, env=env,
        )
        theirs.close()
        self.started: bool | None = None  # known at the first task: the grader works meanwhile
        self.preloaded: set[str] = set()

    def ready(self) -> bool:
        """Whether the zygote has imported torch and waits for tasks (waiting for it the first time).

        Not waiting at start lets torch's import in the zygote overlap the grader's own start-up
        (loading oracles, reading answers, judging questions that run no code).
        """
        if self.started is None:
            self.channel.settimeout(_ZYGOTE_START_S)
            try:
                self.started = self._read() == {"ready": True}
            except (OSError, ValueError):
                self.started = False
            if self.started:
                self.channel.settimeout(None)
            else:
                self.broken = True
                self.close()
        return self.started

    def _read(self) -> Any:
        message, _ = framing.read_message(self.channel)
        return message

    def fork(self, request: dict[str, Any], workdir: Path, env: dict[str, str],
             out_fd: int, reply_fd: int, output: BinaryIO, wait_s: float | None = None) -> _ForkedTask:
        """Send one task; the child runs it with the pipes' write ends as stdout and reply.

        ``wait_s`` bounds the wait for the fork: the zygote first imports what was preloaded
        (names taken from a submission's imports), and an import that hangs must cost the
        grader's start-up budget, never the whole run (``socket.timeout`` then)."""
        order = {
            "request": request, "workdir": str(workdir), "env": env, "isolate": self.isolate,
            "hide": self.hide,
            "uid": self.user.uid if self.user else None, "gid": self.user.gid if self.user else None,
        }
        framing.send_message(self.channel, order, fds=(out_fd, reply_fd))
        self.channel.settimeout(wait_s)
        try:
            pid = int(self._read()["pid"])
        finally:
            if self.channel.fileno() != -1:
                self.channel.settimeout(None)
        return _ForkedTask(self, pid, output)

    def preload(self, modules: list[str]) -> None:
        """Have the zygote import ``modules`` before its next fork (no answer comes back)."""
        framing.send_message(self.channel, {"preload": modules})
        self.preloaded.update(modules)

    def status(self, pid: int, block: bool) -> int | None:
        """The task's ``waitpid`` status once it has ended; None while it runs (not blocking)."""
        if not block:
            ready, _, _ = select.select([self.channel], [], [], 0)
            if not ready:
                return None
        message = self._read()
        if message.get("pid") != pid:
            raise OSError("the zygote answered for another task")
        return int(message["status"])

    def close(self) -> None:
        """End the zygote at once: it keeps nothing worth a clean exit, and tearing down an
        interpreter that imported torch takes a third of a second that nobody should wait for.
        Every task it forked has been killed by then (``_finish``)."""
        self.channel.close()
        self.process.kill()
        self.process.wait()


class Sandbox:
    """A grading session's sandbox; use as a context manager, then :meth:`run` tasks.

    ``warm`` (the default) starts a zygote that imports torch once and forks each task from it;
    where it cannot start, or with ``warm=False``, every task starts a fresh interpreter. Both
    give the task the same isolation. A sandbox may be kept open across many submissions (a
    regrade worker), since nothing of one task survives into the next. ``threads`` caps torch's
    threads in each task (a pool shares the cores among its workers); by default the task gets
    the grader's ``OMP_NUM_THREADS``, or torch's own choice.
    """

    def __init__(self, user: SandboxUser | None, python: str | None = None, warm: bool = True,
                 threads: int | None = None) -> None:
        self.user = user
        self.python = python or sys.executable
        self.warm = warm
        self.threads = threads
        self._base: Path | None = None
        self._launcher: list[str] | None = None
        self._zygote: _Zygote | None = None
        self._leases = ExitStack()
        self._hidden: list[tuple[str, bool]] = []  # a checkout's entries no task may see
        self._font_lists: list[Path] = []  # matplotlib's, made at set-up (fonts.py)

    @property
    def network_isolated(self) -> bool:
        """Whether tasks run in a network namespace of their own (known once entered)."""
        return bool(self._launcher) and Path(self._launcher[0]).name == "unshare"

    def __enter__(self) -> "Sandbox":
        _become_subreaper()
        self._leases = ExitStack()
        self.user = lease_user(self.user, self._leases)
        self._launcher = _launcher(self.user)
        self._hidden = hidden_paths(self.user, self.python)
        self._font_lists = font_lists()
        try:
            refuse_without_namespaces(self._hidden, self.network_isolated)
        except SandboxSetupError:
            self._leases.close()
            raise
        self._base = Path(tempfile.mkdtemp(prefix="autograder-sandbox-"))
        os.chmod(self._base, 0o711)  # others may enter, not list: workdirs stay private
        runner_dir = self._base / "runner"
        runner_dir.mkdir()
        here = Path(__file__).parent
        for name in _RUNNER_FILES:
            shutil.copyfile(here / name, runner_dir / name)
            os.chmod(runner_dir / name, 0o644)
        os.chmod(runner_dir, 0o755)
        seed_home(runner_dir, self._font_lists)  # the zygote's home: a preloaded matplotlib reads it
        if self.warm:
            self._zygote = self._start_zygote(runner_dir)
        return self

    def preload(self, modules: Iterable[str]) -> None:
        """Import ``modules`` once in the zygote, for every task forked after (what the tasks
        of a question kind import, ``Kind.sandbox_modules``). Nothing happens without a zygote
        (cold tasks import what they use) or when it was asked before."""
        zygote = self._zygote
        if zygote is None or zygote.broken:
            return
        wanted = sorted(set(modules) - zygote.preloaded)
        if not wanted or not zygote.busy.acquire(blocking=False):
            return
        try:
            zygote.preload(wanted)
        except (OSError, ValueError):
            zygote.broken = True  # from now on, cold starts
        finally:
            zygote.busy.release()

    def _start_zygote(self, runner_dir: Path) -> _Zygote | None:
        try:
            return _Zygote(self.python, runner_dir, self._env(runner_dir), self.user, self.network_isolated,
                           self._hidden)
        except (OSError, ValueError, subprocess.SubprocessError):
            return None  # cold starts still work

    def __exit__(self, *exc: object) -> None:
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
        if self._base is not None:
            _remove_tree(self._base)
            self._base = None
        self._leases.close()

    def _env(self, workdir: Path) -> dict[str, str]:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(workdir),
            "TMPDIR": str(workdir),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg",
        }
        env.update({k: os.environ[k] for k in _ENV_PASSTHROUGH if k in os.environ})
        if self.threads is not None:
            env.update(OMP_NUM_THREADS=str(self.threads), MKL_NUM_THREADS=str(self.threads))
        return env

    def run(
        self, task: Request, submission_dir: Path, limits: Limits, seed: int, device: str
    ) -> RunResult:
        """Run one task (a request of :mod:`autograder.sandbox.work`) against a fresh copy of
        ``submission_dir``."""
        if self._base is None:
            raise RuntimeError("Sandbox.run outside its 'with' block")
        workdir = Path(tempfile.mkdtemp(prefix="task-", dir=self._base))
        try:
            _copy_submission(submission_dir, workdir, limits.max_copy_bytes)
            seed_home(workdir, self._font_lists)
            if self.user is not None:
                _chown_tree(workdir, self.user)
            result = self._spawn(task, workdir, limits, seed, device)
            # The device is the one the grader chose; the runner may only say it fell back to
            # the CPU (no usable CUDA), never claim a device it was not given.
            return replace(result, device=device if result.device == device else "cpu")
        finally:
            _remove_tree(workdir)
            if self.user is not None:
                sweep_account(self.user.uid)  # every process of it is dead by now (_finish)

    def _spawn(
        self, task: Request, workdir: Path, limits: Limits, seed: int, device: str
    ) -> RunResult:
        assert self._base is not None
        reply_read, reply_write = os.pipe()
        request = {
            "task": task.to_wire(),
            "workdir": str(workdir),
            "seed": seed,
            "device": device,
            "result_fd": reply_write,
            "preload_torch": True,
            "memory_bytes": limits.memory_bytes,
            "max_file_bytes": limits.max_file_bytes,
            "max_processes": limits.max_processes if self.user is not None else None,
        }
        started = time.monotonic()
        process = self._fork(request, workdir, reply_read, reply_write, limits.startup_s)
        if process is not None:
            return self._finish(process, reply_read, limits, started)
        started = time.monotonic()  # a zygote that failed to fork took none of the cold start's budget
        cold = self._start_cold(request, workdir, reply_write)
        return self._finish(cold, reply_read, limits, started, cold.stdout)

    def _start_cold(self, request: dict[str, Any], workdir: Path, reply_write: int) -> subprocess.Popen[bytes]:
        """Start the task in a fresh interpreter (no zygote, or it is busy or broken)."""
        assert self._base is not None
        user_args: dict[str, Any] = {}
        launcher = self._launcher or []
        if self._hidden and launcher:
            launcher = _hiding(launcher, self._hidden)
        if self.user is not None and not launcher:
            # No setpriv on this machine: subprocess switches the user itself.
            user_args = {"user": self.user.uid, "group": self.user.gid, "extra_groups": []}
        try:
            process = subprocess.Popen(
                [*launcher, self.python, "-s", "-B", str(self._base / "runner" / "runner.py")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(reply_write,),
                cwd=workdir,
                env=self._env(workdir),
                start_new_session=True,
                **user_args,
            )
        finally:
            os.close(reply_write)
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(request).encode())
            process.stdin.close()
        except BrokenPipeError:
            pass
        return process

    def _fork(self, request: dict[str, Any], workdir: Path, reply_read: int,
              reply_write: int, startup_s: float | None = None) -> _ForkedTask | None:
        """Start the task from the zygote; None when there is none (or it just failed)."""
        zygote = self._zygote
        if zygote is None or zygote.broken or not zygote.busy.acquire(blocking=False):
            return None
        if not zygote.ready():
            zygote.busy.release()
            return None  # it failed to start: cold starts from now on
        out_read, out_write = os.pipe()
        output = os.fdopen(out_read, "rb", buffering=0)
        try:
            task = zygote.fork(request, workdir, self._env(workdir), out_write, reply_write, output,
                               wait_s=startup_s)
        except (OSError, ValueError):
            zygote.broken = True  # from now on, cold starts
            zygote.close()  # stuck or confused: it must never fork this task late, onto the cold one's pipe
            zygote.busy.release()
            output.close()
            return None
        finally:
            os.close(out_write)
        os.close(reply_write)
        return task

    def _finish(self, process: Any, reply_read: int, limits: Limits, started: float,
                output_stream: Any = None) -> RunResult:
        stream = output_stream if output_stream is not None else process.output
        try:
            output, reply, timed_out, too_big = self._collect(
                process, stream.fileno(), reply_read, limits, started
            )
            if timed_out and not reply:
                raise SandboxStartupError(
                    f"the sandbox did not start the student's code within {limits.startup_s:g} s "
                    "(the machine is overloaded or too slow to import torch)"
                )
        finally:
            _kill_all(process, self.user)
            os.close(reply_read)
            stream.close()
        seconds = time.monotonic() - started
        shown = output.data.decode("utf-8", "replace")
        if output.dropped:
            shown += f"\n[... {output.dropped} more bytes of output not shown]"
        common = {"output": shown, "seconds": seconds}
        if timed_out:
            return RunResult("timeout", message=f"took longer than {limits.time_s:g} s", **common)
        if too_big:
            return RunResult("bad_reply", message="returned a value that is too large", **common)
        start = len(STARTED) if reply.startswith(STARTED) else 0
        body = bytes(memoryview(reply)[start:])  # one copy of a reply that may be many MB
        if not body:
            return RunResult("crashed", message=self._exit_reason(process.returncode), **common)
        return self._decode(body, common)

    def _collect(
        self, process: Any, out_fd: int, reply_fd: int, limits: Limits,
        started: float,
    ) -> tuple[_Capture, bytearray, bool, bool]:
        """Read output and reply until both close, the deadline passes, or the reply overflows.

        The student's clock starts with the reply's first byte (the runner's :data:`STARTED`
        marker, sent just before it imports the student's file); until then the deadline is the
        grader's start-up budget. Timed out with no reply byte: the start-up's fault.
        """
        output = _Capture(limits.max_output_bytes)
        reply = bytearray()
        selector = selectors.DefaultSelector()
        selector.register(out_fd, selectors.EVENT_READ, "out")
        selector.register(reply_fd, selectors.EVENT_READ, "reply")
        deadline = started + limits.startup_s
        student_started = False
        exited_at: float | None = None
        try:
            while selector.get_map():
                now = time.monotonic()
                if now >= deadline:
                    return output, reply, True, False
                if exited_at is None and process.poll() is not None:
                    exited_at = now
                if exited_at is not None and now - exited_at > _EXIT_GRACE_S:
                    break  # a leftover grandchild holds the pipes open; it is killed next
                for key, _ in selector.select(timeout=min(0.25, deadline - now)):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fd)
                    elif key.data == "out":
                        output.add(chunk)
                    else:
                        if not student_started:
                            student_started = True
                            deadline = time.monotonic() + limits.time_s
                        reply += chunk
                        if len(reply) > limits.max_reply_bytes:
                            return output, reply, False, True
        finally:
            selector.close()
        return output, reply, False, False

    @staticmethod
    def _exit_reason(code: int | None) -> str:
        if code is None:
            return "stopped without answering"
        if code < 0:
            name = _signal_name(-code)
            if name == "SIGKILL":
                return "was killed (SIGKILL), most likely for using too much memory"
            if name == "SIGXFSZ":
                return "wrote a file larger than allowed"
            return f"was stopped by {name}"
        return f"ended the process (exit status {code}) before returning an answer"

    @staticmethod
    def _decode(raw: bytes, common: dict[str, Any]) -> RunResult:
        try:
            envelope = protocol.parse_json(raw)
            if not isinstance(envelope, dict) or envelope.get("status") not in {
                "ok", "error", "missing"
            }:
                raise protocol.WireError("malformed reply")
            device = envelope.get("device")
            device = device if device in {"cpu", "cuda"} else "cpu"
            message = str(envelope.get("message", ""))[:1000]
            trace = str(envelope.get("traceback", ""))[:4000]
            if envelope["status"] != "ok":
                return RunResult(
                    envelope["status"], message=message, traceback=trace, device=device, **common
                )
            value = protocol.decode(envelope.get("value"))
        except protocol.WireError as error:
            return RunResult("bad_reply", message=f"returned something unreadable: {error}", **common)
        return RunResult("ok", value=value, device=device, **common)
