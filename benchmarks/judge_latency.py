"""How long the grader itself spends judging data questions, per seed assignment (no sandbox).

    .venv/bin/python benchmarks/judge_latency.py [ASSIGNMENT ...] [--repeat N]

Each assignment's reference is graded in a fresh interpreter (as `autograder grade` does once),
with the questions that run code left out, so nothing starts a sandbox. Prints the median over N
runs of the sum of the questions' own times, and the questions over 5 ms in the median run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ("relu-networks", "derivatives-convnets", "perceptron-weights", "backprop-basics")


def judge_once(name: str) -> dict[str, float]:
    """Seconds per data question of ``name``'s reference, graded in this interpreter."""
    sys.path.insert(0, str(ROOT))
    from autograder.grading import Options, grade
    from autograder.rubric import open_course

    course = open_course(name, [ROOT])
    rubric = course.rubric
    data = [q for q in rubric.questions if not q.runs_code(rubric.assignment.answers_file)]
    report = grade(rubric.model_copy(update={"questions": data}), course.reference_dir,
                   Options(reference=course.reference_dir))
    return {r.id: r.seconds for r in report.results}


def fresh_runs(name: str, repeat: int) -> list[dict[str, float]]:
    """``repeat`` runs of :func:`judge_once`, each in a new interpreter."""
    command = [sys.executable, __file__, "--child", name]
    return [json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            for _ in range(repeat)]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(judge_once(args.child)))
        return
    for name in args.assignments or DEFAULT:
        runs = sorted(fresh_runs(name, args.repeat), key=lambda run: sum(run.values()))
        median = runs[len(runs) // 2]
        slow = " ".join(f"{qid}={s * 1000:.0f}" for qid, s in median.items() if s > 0.005)
        total = statistics.median(sum(run.values()) for run in runs)
        print(f"{name:<22} {len(median):3d} data questions  {total * 1000:8.1f} ms  {slow}")


if __name__ == "__main__":
    main()
