"""How long grading one submission takes, for each seed assignment, against the floor.

    .venv/bin/python benchmarks/grade_latency.py [ASSIGNMENT ...] [--repeat N]

Prints medians over N runs of: the floor (``python -c "import torch"``), the grader's own
start-up (``autograder --help``), one sandboxed task in a cold and in a warm sandbox, and, for each
assignment (all of ``rubrics/`` by default), its reference graded end to end in a fresh process
(``autograder grade``, what Gradescope's container runs) as milliseconds and as a multiple of the
floor, with the in-process split (imports already done): questions that run code (waiting for
the zygote included), and the rest.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.grading import Options, grade  # noqa: E402
from autograder.rubric import open_course  # noqa: E402
from autograder.sandbox import Limits, ReadValue, Sandbox, sandbox_user  # noqa: E402


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` calls of ``action``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def command(*args: str) -> Callable[[], object]:
    """An action that runs a command and checks that it succeeded."""
    return lambda: subprocess.run(args, check=True, capture_output=True)


def one_task(warm: bool, repeat: int) -> float:
    """A trivial task's median time in an open sandbox (its zygote, if warm, already started)."""
    with tempfile.TemporaryDirectory() as folder, Sandbox(sandbox_user(), warm=warm) as sandbox:
        (Path(folder) / "trivial.py").write_text("X = 1\n")
        limits = Limits(time_s=60, memory_bytes=512 * 2**20)
        return median_seconds(lambda: sandbox.run(ReadValue("trivial.py", "X"), Path(folder), limits, 0, "cpu"), repeat)


def assignment_rows(name: str, autograder: str, floor: float, repeat: int) -> list[tuple[str, float, str]]:
    """End-to-end and in-process times of grading ``name``'s reference."""
    course = open_course(name, [ROOT])
    with tempfile.TemporaryDirectory() as out:
        end_to_end = median_seconds(command(autograder, "grade", str(course.rubric_path), str(course.reference_dir),
                                            "--out", str(Path(out) / "results.json")), repeat)
    options = Options(reference=course.reference_dir)  # where module questions' oracles live
    reports = sorted((grade(course.rubric, course.reference_dir, options) for _ in range(repeat)),
                     key=lambda r: r.seconds)
    report = reports[len(reports) // 2]
    code = sum(r.seconds for r in report.results if r.code_status is not None)
    code_questions = sum(r.code_status is not None for r in report.results)
    return [
        (f"{name}: `autograder grade` reference, {len(report.results)} questions", end_to_end,
         f"{end_to_end / floor:.2f}x floor"),
        (f"  in-process: questions that run code ({code_questions})", code, ""),
        ("  in-process: the rest (sandbox start and stop, loading, judging, report)", report.seconds - code, ""),
    ]


def main() -> None:
    """Print the latency table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    autograder = str(Path(python).parent / "autograder")
    names = args.assignments or sorted(p.stem for p in (ROOT / "rubrics").glob("*.yaml"))

    floor = median_seconds(command(python, "-c", "import torch"), args.repeat)
    rows: list[tuple[str, float, str]] = [
        ("python -c pass", median_seconds(command(python, "-c", "pass"), args.repeat), ""),
        ("python -c 'import torch' (the floor)", floor, "1.00x floor"),
        ("autograder --help (grader start-up)", median_seconds(command(autograder, "--help"), args.repeat), ""),
        ("one sandboxed task, cold (interpreter + torch + runner)", one_task(False, args.repeat), ""),
        ("one sandboxed task, warm (forked from the zygote)", one_task(True, args.repeat), ""),
    ]
    for name in names:
        rows += assignment_rows(name, autograder, floor, args.repeat)
    width = max(len(label) for label, _, _ in rows)
    print(f"median of {args.repeat} runs")
    for label, seconds, note in rows:
        print(f"{label:<{width}}  {seconds * 1000:8.1f} ms  {note}")


if __name__ == "__main__":
    main()
