"""Regrade throughput: one by one (a fresh `autograder grade` process per submission, as
Gradescope runs each) against the warm pool, on generated submissions; checks that both give the
same scores, question by question.

    .venv/bin/python benchmarks/batch_throughput.py [ASSIGNMENT] [--count 200] [--workers 2]
        [--one-by-one N]

One-by-one grading runs ``--workers`` fresh processes at a time, so both ways use the same cores;
by default it grades every submission (``--one-by-one N`` grades the first N only and compares
scores on those).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.rubric import open_course  # noqa: E402
from benchmarks.generate_submissions import generate  # noqa: E402

Scores = tuple[float, tuple[tuple[str, float], ...]]


def scores(results: Path) -> Scores:
    """The total and every question's score in a results.json: what must agree."""
    data = json.loads(results.read_text())
    return data["score"], tuple((test["name"], test["score"]) for test in data.get("tests", []))


def grade_one_by_one(autograder: str, rubric: Path, folders: list[Path], out: Path, at_once: int) -> dict[str, Scores]:
    """Grade each folder in its own fresh ``autograder grade`` process, ``at_once`` at a time."""
    def one(folder: Path) -> tuple[str, Scores]:
        results = out / folder.name / "results.json"
        subprocess.run([autograder, "grade", str(rubric), str(folder), "--out", str(results)],
                       check=True, capture_output=True)
        return folder.name, scores(results)

    with ThreadPoolExecutor(max_workers=at_once) as threads:
        return dict(threads.map(one, folders))


def main() -> None:
    """Print seconds per submission for each way of grading, the speed-up, and agreement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="?", default="mlp-backprop")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one-by-one", type=int, default=None, metavar="N",
                        help="grade only the first N one by one (default: all)")
    args = parser.parse_args()
    course = open_course(args.assignment, [ROOT])
    autograder = str(Path(sys.executable).parent / "autograder")
    with tempfile.TemporaryDirectory(prefix="autograder-bench-") as temporary:
        work = Path(temporary)
        work.chmod(0o755)
        folders = generate(course, args.count, work / "subs", seed=0)
        alone_folders = folders[: args.one_by_one or len(folders)]
        started = time.monotonic()
        alone = grade_one_by_one(autograder, course.rubric_path, alone_folders, work / "alone", args.workers)
        per_alone = (time.monotonic() - started) / len(alone)
        print(f"one by one (a fresh process each, {args.workers} at a time): {per_alone:.3f} s/submission "
              f"over {len(alone)}", flush=True)
        timings = {}
        for workers in sorted({1, args.workers}):
            out = work / f"pool-{workers}"
            started = time.monotonic()
            subprocess.run([autograder, "grade", str(course.rubric_path), *map(str, folders), "--out", str(out),
                            "--workers", str(workers)], check=True, capture_output=True)
            timings[workers] = (time.monotonic() - started) / len(folders)
            pooled = {f.name: scores(out / f.name / "results.json") for f in folders}
            differ = sorted(name for name, expected in alone.items() if pooled[name] != expected)
            print(f"warm pool, {workers} worker(s): {timings[workers]:.3f} s/submission over {len(folders)}; "
                  f"every question's score equal to one by one on {len(alone) - len(differ)}/{len(alone)}"
                  + (f" (differ: {', '.join(differ)})" if differ else ""), flush=True)
        totals = sorted(score for score, _ in alone.values())
        print(f"scores one by one: min {totals[0]:g}, median {totals[len(totals) // 2]:g}, max {totals[-1]:g}; "
              f"{len(set(alone.values()))} distinct score sheets")
        print(f"speed-up of the warm pool ({args.workers} workers) over one by one ({args.workers} at a time): "
              f"{per_alone / timings[args.workers]:.1f}x")


if __name__ == "__main__":
    main()
