"""Regrade throughput: one by one (a fresh `autograder run` each, as Gradescope does) against
the warm pool, on generated submissions; checks that both give the same scores.

    .venv/bin/python benchmarks/batch_throughput.py [ASSIGNMENT] [--count 200] [--workers 2]
        [--one-by-one 20]

One-by-one grading is timed on the first ``--one-by-one`` submissions (it is slow: that is the
point) and its per-submission time is extrapolated; scores are compared on those.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.rubric import open_course  # noqa: E402
from benchmarks.generate_submissions import generate  # noqa: E402


def main() -> None:
    """Print seconds per submission for each way of grading, the speed-up, and agreement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="?", default="mlp-backprop")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--one-by-one", type=int, default=20)
    args = parser.parse_args()
    course = open_course(args.assignment, [ROOT])
    autograder = str(Path(sys.executable).parent / "autograder")
    with tempfile.TemporaryDirectory(prefix="autograder-bench-") as temporary:
        work = Path(temporary)
        work.chmod(0o755)
        folders = generate(course, args.count, work / "subs", seed=0)
        started = time.monotonic()
        alone = {}
        for folder in folders[: args.one_by_one]:
            results = work / "alone" / folder.name / "results.json"
            subprocess.run([autograder, "grade", str(course.rubric_path), str(folder), "--out", str(results)],
                           check=True, capture_output=True)
            alone[folder.name] = json.loads(results.read_text())["score"]
        per_alone = (time.monotonic() - started) / max(len(alone), 1)
        timings = {}
        for workers in sorted({1, args.workers}):
            out = work / f"pool-{workers}"
            started = time.monotonic()
            subprocess.run([autograder, "grade", str(course.rubric_path), *map(str, folders), "--out", str(out),
                            "--workers", str(workers)], check=True, capture_output=True)
            timings[workers] = (time.monotonic() - started) / len(folders)
            pooled = {f.name: json.loads((out / f.name / "results.json").read_text())["score"] for f in folders}
            agree = all(pooled[name] == score for name, score in alone.items())
            print(f"warm, {workers} worker(s): {timings[workers]:.3f} s/submission over {len(folders)}; "
                  f"scores equal to one-by-one on {len(alone)}: {agree}")
        print(f"one by one (fresh process each): {per_alone:.3f} s/submission over {len(alone)}")
        print(f"speed-up of the warm pool ({args.workers} workers) over one by one: "
              f"{per_alone / timings[args.workers]:.1f}x")


if __name__ == "__main__":
    main()
