"""The sandbox on its own: limits, leftovers and replies, with hostile student code."""

from __future__ import annotations

import os
import time
from pathlib import Path


from autograder.sandbox import Limits, RunResult, Sandbox, Task, sandbox_user
from tests.conftest import requires_root

LIMITS = Limits(time_s=10, memory_bytes=256 * 2**20)


def run(tmp_path: Path, code: str, name: str = "f", call: list | None = None, limits: Limits = LIMITS) -> RunResult:
    (tmp_path / "student.py").write_text(code)
    with Sandbox(sandbox_user()) as sandbox:
        return sandbox.run(Task("student.py", name, call), tmp_path, limits, seed=7, device="cpu")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


def test_values_and_seeded_randomness(tmp_path: Path) -> None:
    code = "import torch, random\ndef f():\n    return torch.rand(3).tolist(), random.random()\n"
    first = run(tmp_path, code, call=[])
    second = run(tmp_path, code, call=[])
    assert first.status == "ok" and first.value == second.value and first.device == "cpu"


def test_memory_bomb_is_stopped(tmp_path: Path) -> None:
    result = run(tmp_path, "def f():\n    return len(bytearray(4 * 2**30))\n", call=[])
    assert result.status == "error" and "MemoryError" in result.message


def test_output_flood_is_capped(tmp_path: Path) -> None:
    code = "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1_000_000)\nX = 1\n"
    result = run(tmp_path, code, name="X")
    assert result.status == "ok" and result.value == 1
    assert len(result.output) < LIMITS.max_output_bytes + 100
    assert result.output.endswith("more bytes of output not shown]")


def test_leftover_processes_are_killed(tmp_path: Path) -> None:
    code = "import subprocess\nchild = subprocess.Popen(['sleep', '1000'])\nPID = child.pid\n"
    result = run(tmp_path, code, name="PID")
    assert result.status == "ok"
    time.sleep(0.2)
    assert not _alive(result.value)


@requires_root
def test_escaped_processes_are_killed_and_fork_bombs_capped(tmp_path: Path) -> None:
    code = (
        "import os, subprocess\n"
        "child = subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
        "PID = child.pid\n"
        "forks = 0\n"
        "try:\n"
        "    for _ in range(10000):\n"
        "        if os.fork() == 0:\n"
        "            import time; time.sleep(1000)\n"
        "        forks += 1\n"
        "except OSError:\n"
        "    pass\n"
        "RESULT = (PID, forks)\n"
    )
    result = run(tmp_path, code, name="RESULT")
    assert result.status == "ok"
    pid, forks = result.value
    assert forks < LIMITS.max_processes
    assert not _alive(pid)
    user = sandbox_user()
    assert user is not None
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _owned_by(p, user.uid)]


def _owned_by(pid: str, uid: int) -> bool:
    """A process of this uid that still exists, zombies included: they must have been reaped."""
    try:
        return os.stat(f"/proc/{pid}").st_uid == uid
    except OSError:
        return False


@requires_root
def test_student_cannot_signal_the_grader(tmp_path: Path) -> None:
    code = "import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\n    R = 'killed'\nexcept OSError as e:\n    R = type(e).__name__\n"
    assert run(tmp_path, code, name="R").value == "PermissionError"


def test_ignoring_sigterm_does_not_outlive_the_timeout(tmp_path: Path) -> None:
    code = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(1000)\n"
    started = time.monotonic()
    result = run(tmp_path, code, limits=Limits(time_s=4, memory_bytes=2**28))
    assert result.status == "timeout" and result.message == "took longer than 4 s"
    assert time.monotonic() - started < 8


def test_oversized_reply_is_refused(tmp_path: Path) -> None:
    code = "import numpy\ndef f():\n    return numpy.zeros(10**6)\n"
    result = run(tmp_path, code, call=[], limits=Limits(time_s=10, memory_bytes=2**28, max_reply_bytes=2**20))
    assert result.status == "bad_reply" and result.message == "returned a value that is too large"


def test_forged_reply_on_stdout_is_just_output(tmp_path: Path) -> None:
    code = 'print(\'{"status": "ok", "value": 2400}\')\nX = 5\n'
    result = run(tmp_path, code, name="X")
    assert result.value == 5 and '"value": 2400' in result.output


def test_crash_by_signal_is_named(tmp_path: Path) -> None:
    result = run(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    assert result.status == "crashed" and result.message == "was stopped by SIGSEGV"


def test_student_files_shadowing_modules_do_not_break_the_runner(tmp_path: Path) -> None:
    (tmp_path / "json.py").write_text("raise RuntimeError('gotcha')\n")
    (tmp_path / "protocol.py").write_text("raise RuntimeError('gotcha')\n")
    assert run(tmp_path, "X = [1, 2]\n", name="X").value == [1, 2]


def test_threads_cap_torch_in_warm_and_cold_tasks(tmp_path: Path) -> None:
    (tmp_path / "student.py").write_text("import torch\ndef f():\n    return torch.get_num_threads()\n")
    for warm in (True, False):
        with Sandbox(sandbox_user(), warm=warm, threads=1) as sandbox:
            result = sandbox.run(Task("student.py", "f", []), tmp_path, LIMITS, seed=7, device="cpu")
        assert (result.status, result.value) == ("ok", 1), warm
