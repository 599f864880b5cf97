"""The student's time limit starts when the student's code starts, not when the grader asks:
a slow start (a zygote still importing torch, an interpreter at half a CPU) is the grader's
own budget, and running out of it is the grader's fault."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from autograder.sandbox import Limits, ReadValue, Sandbox, SandboxStartupError, sandbox_user


@pytest.fixture
def slow_python() -> Iterator[str]:
    """An interpreter that takes 3 s to start, as torch's import can at half a CPU under load."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-slow-python-"))
    folder.chmod(0o755)
    wrapper = folder / "python"
    wrapper.write_text(f"#!/bin/sh\nsleep 3\nexec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    try:
        yield str(wrapper)
    finally:
        shutil.rmtree(folder)


def _submission(tmp_path: Path) -> Path:
    (tmp_path / "student.py").write_text("X = 42\n")
    tmp_path.chmod(0o755)
    return tmp_path


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_a_slow_start_does_not_count_against_the_student(tmp_path: Path, slow_python: str, warm: bool) -> None:
    limits = Limits(time_s=2, memory_bytes=256 * 2**20)
    with Sandbox(sandbox_user(), python=slow_python, warm=warm) as sandbox:
        result = sandbox.run(ReadValue("student.py", "X"), _submission(tmp_path), limits, seed=1, device="cpu")
    assert (result.status, result.value) == ("ok", 42), result.message
    assert result.seconds > 2  # the start took longer than the student's whole limit


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_a_start_past_the_grader_budget_is_the_grader_fault(tmp_path: Path, slow_python: str, warm: bool) -> None:
    limits = Limits(time_s=30, memory_bytes=256 * 2**20, startup_s=1)
    with Sandbox(sandbox_user(), python=slow_python, warm=warm) as sandbox:
        with pytest.raises(SandboxStartupError, match="did not start the student's code within 1 s"):
            sandbox.run(ReadValue("student.py", "X"), _submission(tmp_path), limits, seed=1, device="cpu")


def test_the_student_clock_still_runs_out(tmp_path: Path) -> None:
    (tmp_path / "student.py").write_text("while True:\n    pass\n")
    tmp_path.chmod(0o755)
    limits = Limits(time_s=1, memory_bytes=256 * 2**20)
    with Sandbox(sandbox_user()) as sandbox:
        result = sandbox.run(ReadValue("student.py", "X"), tmp_path, limits, seed=1, device="cpu")
    assert (result.status, result.message) == ("timeout", "took longer than 1 s")
