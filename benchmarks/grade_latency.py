"""How long grading one submission takes, and where the time goes.

    .venv/bin/python benchmarks/grade_latency.py [ASSIGNMENT] [--repeat N]

Prints medians over N runs of: the floor (a bare interpreter, and ``import torch``), the
grader's own start-up (``autograder --help``), one sandboxed task (interpreter + torch + runner),
and the whole assignment's reference graded in-process, split into sandboxed code and the rest
(rubric loading, reading answers, judging, results).
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
from autograder.sandbox import Limits, Sandbox, Task, sandbox_user  # noqa: E402


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def command(*args: str) -> Callable[[], object]:
    return lambda: subprocess.run(args, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="?", default="choice-warmup")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    autograder = str(Path(python).parent / "autograder")

    rows: list[tuple[str, float]] = [
        ("python -c pass", median_seconds(command(python, "-c", "pass"), args.repeat)),
        ("python -c 'import torch' (floor)", median_seconds(command(python, "-c", "import torch"), args.repeat)),
        ("autograder --help (grader start-up)", median_seconds(command(autograder, "--help"), args.repeat)),
    ]
    with tempfile.TemporaryDirectory() as folder, Sandbox(sandbox_user()) as sandbox:
        (Path(folder) / "trivial.py").write_text("X = 1\n")
        limits = Limits(time_s=60, memory_bytes=512 * 2**20)
        rows.append((
            "one sandboxed task (spawn + torch + runner)",
            median_seconds(lambda: sandbox.run(Task("trivial.py", "X"), Path(folder), limits, 0, "cpu"), args.repeat),
        ))

    course = open_course(args.assignment, [ROOT])
    options = Options(reference=course.reference_dir)  # where module questions' oracles live
    reports = sorted((grade(course.rubric, course.reference_dir, options) for _ in range(args.repeat)),
                     key=lambda r: r.seconds)
    report = reports[len(reports) // 2]  # the median run, split below
    total = report.seconds
    code = sum(r.seconds for r in report.results if r.code_status is not None)
    code_questions = sum(r.code_status is not None for r in report.results)
    rows += [
        (f"grade {args.assignment} reference ({len(report.results)} questions), in-process", total),
        (f"  of which questions that run code ({code_questions}), judging included", code),
        ("  of which loading, judging and reporting", report.seconds - code),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"median of {args.repeat} runs; score {report.score:g}/{report.max_score:g}")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
