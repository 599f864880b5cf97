"""benchmarks/gpu_parity.py on this machine's path: without a GPU the `cuda` run falls back to
the CPU, and the script still compares every code question's score on the two devices."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT


def test_the_gpu_parity_script_compares_scores_question_by_question() -> None:
    done = subprocess.run([sys.executable, str(PROJECT / "benchmarks" / "gpu_parity.py"), "choice-warmup"],
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "same scores on both devices"
    rows = [line.split() for line in lines[1:-1]]
    assert [(r[1], r[2]) for r in rows] == [("reference", "cuda"), ("reference", "cpu"),
                                            ("template", "cuda"), ("template", "cpu")]
    assert [r[-1] for r in rows] == ["1", "1", "0", "0"]  # choice-warmup's one code question
