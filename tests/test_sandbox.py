"""The sandbox on its own: limits, leftovers and replies, with hostile student code."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from autograder.sandbox import (
    CallEach, Limits, ReadValue, RunResult, RunScript, RunTraining, Sandbox, protocol, sandbox_user,
)
from tests.conftest import requires_root

LIMITS = Limits(time_s=10, memory_bytes=256 * 2**20)


def run(tmp_path: Path, code: str, name: str = "f", call: list | None = None, limits: Limits = LIMITS) -> RunResult:
    (tmp_path / "student.py").write_text(code)
    with Sandbox(sandbox_user()) as sandbox:
        return sandbox.run(ReadValue("student.py", name, call), tmp_path, limits, seed=7, device="cpu")


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
    assert time.monotonic() - started < 4 + Limits.startup_s  # not the 1000 s it asked for


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
            result = sandbox.run(ReadValue("student.py", "f", []), tmp_path, LIMITS, seed=7, device="cpu")
        assert (result.status, result.value) == ("ok", 1), warm


# --- one request type per operation, each through the runner (warm and cold) --------------------

MODULE = (
    "import torch\n"
    "X = [1, 2]\n"
    "def f(x):\n"
    "    return 1 / x\n"
    "class Scale:\n"
    "    def __init__(self, k):\n"
    "        self.k = k\n"
    "    def __call__(self, x):\n"
    "        return x * self.k\n"
    "def train_epoch(model, loader, criterion, optimizer):\n"
    "    model.train()\n"
    "    for x, y in loader:\n"
    "        optimizer.zero_grad()\n"
    "        loss = criterion(model(x), y)\n"
    "        loss.backward()\n"
    "        optimizer.step()\n"
    "    return loss.item()\n"
    "def evaluate(model, loader, criterion):\n"
    "    model.eval()\n"
    "    with torch.no_grad():\n"
    "        return sum(criterion(model(x), y).item() for x, y in loader)\n"
)


@pytest.fixture(scope="module", params=[True, False], ids=["warm", "cold"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with Sandbox(sandbox_user(), warm=request.param) as opened:
        yield opened
        zygote = opened._zygote  # warm: every task was forked (a broken zygote falls back silently)
        assert zygote is None if not request.param else (zygote.started and not zygote.broken)


def run_request(sandbox: Sandbox, folder: Path, task: Any) -> RunResult:
    (folder / "student.py").write_text(MODULE)
    return sandbox.run(task, folder, LIMITS, seed=7, device="cpu")


def test_read_value_reads_or_calls_the_attribute(sandbox: Sandbox, tmp_path: Path) -> None:
    assert ReadValue("student.py", "X").to_wire() == {"op": "value", "file": "student.py", "name": "X", "call": None}
    assert run_request(sandbox, tmp_path, ReadValue("student.py", "X")).value == [1, 2]
    assert run_request(sandbox, tmp_path, ReadValue("student.py", "f", [4])).value == 0.25
    called = run_request(sandbox, tmp_path, ReadValue("student.py", "X", []))
    assert (called.status, called.message) == ("error", "'X' is not a function")
    failed = run_request(sandbox, tmp_path, ReadValue("student.py", "f", [0]))
    assert failed.status == "error" and failed.message.startswith("raised ZeroDivisionError in f: ")
    missing = run_request(sandbox, tmp_path, ReadValue("student.py", "g"))
    assert (missing.status, missing.message) == ("missing", "student.py defines no 'g'")
    absent = run_request(sandbox, tmp_path, ReadValue("absent.py", "g"))
    assert (absent.status, absent.message) == ("missing", "absent.py was not found")


def test_call_each_answers_call_by_call(sandbox: Sandbox, tmp_path: Path) -> None:
    calls = [protocol.to_wire([np.array([1.0, 2.0])]), protocol.to_wire([0])]
    result = run_request(sandbox, tmp_path, CallEach("student.py", "f", calls))
    assert result.status == "ok"
    first, second = result.value
    np.testing.assert_array_equal(first["value"], [1.0, 0.5])  # the array arrived as a tensor
    assert second["error"].startswith("raised ZeroDivisionError when called: ")
    assert "student.py" in second["traceback"]
    not_callable = run_request(sandbox, tmp_path, CallEach("student.py", "X", calls))
    assert (not_callable.status, not_callable.message) == ("error", "'X' is not a function")


def test_run_script_runs_the_statements_case_by_case(sandbox: Sandbox, tmp_path: Path) -> None:
    script = {
        "setup": ["scale = Scale(k)"],
        "setup_binds": ["scale"],
        "steps": [{"text": "y = scale(x)", "binds": ["y"], "reads": ["scale", "x"]}],
        "no_autograd": True,
        "cases": [{
            "names": {"k": 3},
            "setup_inputs": protocol.to_wire({}),
            "rounds": [protocol.to_wire({"x": np.array([1.0, 2.0])})],
            "reads": [
                {"name": "y", "text": "y", "reads": ["y"]},
                {"name": "grad", "text": "torch.ones(1, requires_grad=True).sum().backward()", "reads": []},
            ],
        }],
    }
    result = run_request(sandbox, tmp_path, RunScript("student.py", script))
    assert result.status == "ok"
    [case] = result.value
    [round_] = case["rounds"]
    np.testing.assert_array_equal(round_["reads"]["y"], [3.0, 6.0])
    assert "autograd is not allowed" in round_["reads"]["grad"]["$error"]  # prepared before the import
    assert round_["inputs"] == {}  # unchanged inputs are not sent back


def test_run_script_sends_back_only_the_inputs_the_code_changed(sandbox: Sandbox, tmp_path: Path) -> None:
    script = {
        "setup": [], "setup_binds": [], "no_autograd": False,
        "steps": [{"text": "x.mul_(2)", "binds": [], "reads": ["x"]}],
        "cases": [{
            "names": {},
            "setup_inputs": protocol.to_wire({"w": np.array([np.nan, 1.0], dtype=np.float32)}),
            "rounds": [protocol.to_wire({"x": np.array([1.0, 2.0]), "n": np.array([np.nan, 3.0])}),
                       protocol.to_wire({"x": np.array([0.0, 0.0]), "n": np.array([4.0])})],
            "reads": [],
        }],
    }
    (tmp_path / "student.py").write_text("")
    result = sandbox.run(RunScript("student.py", script), tmp_path, LIMITS, seed=7, device="cpu")
    assert result.status == "ok", result.message
    first, second = result.value[0]["rounds"]
    assert list(first["inputs"]) == ["x"]  # NaN is equal to NaN, as the grader judges
    np.testing.assert_array_equal(first["inputs"]["x"], [2.0, 4.0])
    assert second["inputs"] == {}  # doubled zeros are the zeros that were sent


def test_run_training_trains_with_the_students_loop(sandbox: Sandbox, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = {f"{part}_{name}": value for part in ("train", "test") for name, value in
            (("x", rng.standard_normal((16, 2)).astype(np.float32)), ("y", rng.integers(0, 2, 16)))}
    training = {"data": protocol.to_wire(data), "model": {"features": 2, "classes": 2, "hidden": 4, "dropout": 0.5},
                "epochs": 2, "batch_size": 8, "lr": 0.1, "seed": 3, "train": True}
    result = run_request(sandbox, tmp_path, RunTraining("student.py", training))
    assert result.status == "ok"
    assert [epoch["steps"] for epoch in result.value["epochs"]] == [2, 2]
    assert result.value["evaluation"]["steps"] == 0 and not result.value["evaluation"]["weights_changed"]
    (tmp_path / "student.py").write_text("def train_epoch(*args):\n    pass\n")
    missing = sandbox.run(RunTraining("student.py", training), tmp_path, LIMITS, seed=7, device="cpu")
    assert (missing.status, missing.message) == ("missing", "student.py defines no function 'evaluate'")


@dataclass(frozen=True)
class _Teleport:
    """A request the runner has no handler for (a grader out of step with its runner)."""

    file: str = "student.py"

    def to_wire(self) -> dict[str, Any]:
        return {"op": "teleport", "file": self.file}


def test_an_unknown_operation_is_refused_clearly(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "student.py").write_text("raise SystemExit('must not be imported')\n")
    result = sandbox.run(_Teleport(), tmp_path, LIMITS, seed=7, device="cpu")  # type: ignore[arg-type]
    assert result.status == "error"
    assert result.message == "the sandbox failed: no operation 'teleport' (it knows calls, script, training, value)"
