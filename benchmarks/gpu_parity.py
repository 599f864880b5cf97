"""The GPU path, in one command: every code question of the five seed homeworks graded with
``--device cuda`` and with ``--device cpu``, the scores compared question by question, and the
times and peak GPU memory printed::

    python benchmarks/gpu_parity.py [ASSIGNMENT ...] [--devices cuda,cpu]

Exits 1 when a question scores differently on the two devices. On a machine without an NVIDIA
GPU the ``cuda`` run falls back to the CPU (as the grader does), which the output says; the
comparison then only proves the script. Peak GPU memory is sampled with ``nvidia-smi`` while a
run lasts (the sandboxed student processes are the GPU's users).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = ["backprop-basics", "relu-networks", "mlp-backprop", "perceptron-weights", "derivatives-convnets"]


@dataclass(frozen=True)
class DeviceRun:
    """One assignment's submission graded on one device."""

    device: str
    scores: dict[str, float]
    devices_used: tuple[str, ...]
    seconds: float
    peak_gpu_mib: float | None


def _gpu_used_mib() -> float | None:
    """Memory in use on all GPUs now, from nvidia-smi (None without one)."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        done = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                              capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return sum(float(line) for line in done.stdout.split() if line.strip())


def code_questions(name: str) -> list[str]:
    """The ids of the assignment's questions that run student code."""
    from autograder.rubric import load_rubric

    rubric = load_rubric(PROJECT / "rubrics" / f"{name}.yaml")
    return [q.id for q in rubric.questions if q.runs_code(rubric.assignment.answers_file)]


def _grade_here(name: str, submission: Path, device: str) -> None:
    """In the child process: grade the assignment's code questions, print {id: [score, device]}."""
    from autograder.grading import Options, grade
    from autograder.rubric import load_rubric

    rubric = load_rubric(PROJECT / "rubrics" / f"{name}.yaml")
    wanted = set(code_questions(name))
    rubric = rubric.model_copy(update={"questions": [q for q in rubric.questions if q.id in wanted]})
    report = grade(rubric, submission, Options(device=device, reference=PROJECT / "reference" / name))
    print(json.dumps({r.id: [r.score, r.device] for r in report.results}))


def grade_on(name: str, submission: Path, device: str) -> DeviceRun:
    """The code questions graded in a fresh process (grader start-up included) on ``device``."""
    baseline = _gpu_used_mib()
    peak: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            used = _gpu_used_mib()
            if used is not None:
                peak.append(used)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        child = subprocess.run([sys.executable, __file__, "--one", name, str(submission), device], cwd=PROJECT,
                               capture_output=True, text=True, timeout=900, check=True)
    finally:
        done.set()
        sampler.join()
    seconds = time.monotonic() - started
    graded = json.loads(child.stdout.strip().splitlines()[-1])
    used = tuple(sorted({d for _, d in graded.values() if d}))
    gpu = None if baseline is None or not peak else max(peak) - baseline
    return DeviceRun(device, {q: s for q, (s, _) in graded.items()}, used, seconds, gpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=SEEDS)
    parser.add_argument("--devices", default="cuda,cpu", help="the two devices to compare")
    parser.add_argument("--one", nargs=3, metavar=("NAME", "FOLDER", "DEVICE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        _grade_here(args.one[0], Path(args.one[1]), args.one[2])
        return
    first, second = args.devices.split(",")
    differ = 0
    print(f"{'assignment':22} {'submission':10} {'device':7} {'ran on':10} {'s':>6} {'GPU MiB':>8}  score")
    for name in args.assignments:
        for label in ("reference", "template"):
            folder = PROJECT / ("reference" if label == "reference" else "student_template") / name
            runs = [grade_on(name, folder, device) for device in (first, second)]
            for run in runs:
                gpu = "–" if run.peak_gpu_mib is None else f"{run.peak_gpu_mib:.0f}"
                print(f"{name:22} {label:10} {run.device:7} {','.join(run.devices_used) or '-':10} "
                      f"{run.seconds:6.1f} {gpu:>8}  {sum(run.scores.values()):g}")
            unequal = sorted(q for q in runs[0].scores if runs[0].scores[q] != runs[1].scores.get(q))
            if unequal:
                differ += 1
                print(f"  scores differ on {', '.join(unequal)}")
    print("same scores on both devices" if not differ else f"{differ} submission(s) scored differently")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
