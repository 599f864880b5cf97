"""Side by side with Otter-Grader: the code questions of ``mlp-backprop`` graded by this grader
and by Otter-Grader (from PyPI) with equivalent tests, on the same generated submissions.

    .venv/bin/python benchmarks/otter_comparison.py [--count 50] [--workers 2]
        [--otter-venv .otter-venv]

Otter-Grader is installed (pinned, CPU torch) into its own virtual environment the first time.
Its tests are generated from the rubric's cases (``benchmarks/otter/checks.py`` holds what they
assert): the same four questions and points, the same sizes, activations, value kinds and
dtypes, both ReLU conventions accepted, two rounds for the backward pass. Both sides grade each
submission in a fresh process (``autograder grade`` / ``otter run``), ``--workers`` at a time;
this grader's warm pool is timed too. Prints seconds per submission, the ratios, and how often
the two agree on full marks per question.

Not equivalent, by design: Otter runs student code in its own process with no time or memory
limit (a subprocess timeout of two minutes is added here), and gives no diagnosis beyond the
failed assert; this grader sandboxes each question's code and explains the mistake.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.rubric import open_course  # noqa: E402
from benchmarks.batch_throughput import grade_one_by_one  # noqa: E402
from benchmarks.generate_submissions import generate  # noqa: E402

# torch pinned: the CPU build, never the CUDA one; otter run executes a .py through a Jupyter kernel
OTTER = ["otter-grader==7.0.0", "ipykernel==7.4.0", "torch==2.13.0"]
CHECKS = Path(__file__).resolve().parent / "otter" / "checks.py"
OTTER_TIMEOUT_S = 120

# rubric question → (the student's name it tests, the call that checks one case)
CALLS = {
    "mlp-forward": ("MLP", "check_forward(MLP, {seed}, {network}, {f!r}, {g!r}, {values!r}, {dtype})"),
    "mlp-backward": ("MLP", "check_backward(MLP, {seed}, {network}, {f!r}, {g!r}, {values!r}, {dtype})"),
    "mse-loss": ("mse_loss", "check_loss(mse_loss, F.mse_loss, {seed}, {loss}, 'normal', 'normal', {dtype})"),
    "bce-loss": ("bce_loss",
                 "check_loss(bce_loss, F.binary_cross_entropy, {seed}, {loss}, 'binary', 'probabilities', {dtype})"),
}


def otter_environment(venv: Path) -> Path:
    """The ``otter`` command of ``venv``, installing Otter-Grader there the first time."""
    otter = venv / "bin" / "otter"
    if not otter.exists():
        base_python = Path(sys.base_prefix) / "bin" / "python3"
        subprocess.run([str(base_python), "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *OTTER], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "ipykernel", "install", "--sys-prefix"], check=True)
    return otter


def otter_tests(rubric_data: dict, tests: Path) -> None:
    """One Otter exception-based test file per code question, from the rubric's own cases."""
    tests.mkdir(parents=True)
    checks = CHECKS.read_text()
    for question in rubric_data["questions"]:
        if question["id"] not in CALLS:
            continue
        argument, call = CALLS[question["id"]]
        lines = [checks, "from otter.test_files import test_case", "",
                 f"OK_FORMAT = False\nname = {question['id']!r}\npoints = {question['points']}", ""]
        for index, case in enumerate(question["cases"]):
            sizes = case["sizes"]
            constants = case.get("constants", {})
            filled = call.format(
                seed=index, f=constants.get("f"), g=constants.get("g"), values=case.get("values", "normal"),
                dtype=f"torch.{case.get('dtype', 'float32')}",
                network=tuple(sizes.get(k) for k in ("batch", "n_in", "hidden", "n_out")),
                loss=(sizes["batch"], sizes["n_out"]))
            lines += [f"@test_case(name='case {index + 1}')", f"def case_{index + 1}({argument}):",
                      f"    {filled}", ""]
        (tests / f"{question['id']}.py").write_text("\n".join(lines))


def code_only_course(course_root: Path, assignment: str, out: Path) -> tuple[Path, dict]:
    """A copy of the assignment with only its code questions, so both graders do the same work."""
    data = yaml.safe_load((course_root / "rubrics" / f"{assignment}.yaml").read_text())
    data.pop("contexts", None)
    data["questions"] = [q for q in data["questions"] if q["id"] in CALLS]
    data["assignment"]["files"] = ["mlp.py"]
    (out / "rubrics").mkdir(parents=True)
    (out / "rubrics" / f"{assignment}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.copytree(course_root / "reference" / assignment, out / "reference" / assignment)
    return out / "rubrics" / f"{assignment}.yaml", data


def otter_one_by_one(otter: Path, autograder_zip: Path, folders: list[Path], out: Path,
                     at_once: int) -> dict[str, dict[str, float]]:
    """``otter run`` on each submission's mlp.py, ``at_once`` at a time: question → score."""
    def one(folder: Path) -> tuple[str, dict[str, float]]:
        results = out / folder.name
        results.mkdir(parents=True)
        try:
            subprocess.run([str(otter), "run", "-a", str(autograder_zip), "-o", str(results), "--no-logo",
                            str(folder / "mlp.py")], check=True, capture_output=True, timeout=OTTER_TIMEOUT_S)
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
            return folder.name, {}  # Otter wrote nothing: no points
        data = json.loads((results / "results.json").read_text())
        return folder.name, {test["name"]: test["score"] for test in data["tests"] if test["name"] in CALLS}

    with ThreadPoolExecutor(max_workers=at_once) as threads:
        return dict(threads.map(one, folders))


def main() -> None:
    """Grade the same submissions both ways; print times, ratios and agreement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--otter-venv", type=Path, default=ROOT / ".otter-venv")
    args = parser.parse_args()
    otter = otter_environment(args.otter_venv.resolve())
    course = open_course("mlp-backprop", [ROOT])
    autograder = str(Path(sys.executable).parent / "autograder")
    with tempfile.TemporaryDirectory(prefix="autograder-otter-") as temporary:
        work = Path(temporary)
        work.chmod(0o755)
        rubric_path, rubric_data = code_only_course(course.root, course.name, work / "course")
        points = {q["id"]: float(q["points"]) for q in rubric_data["questions"]}
        otter_tests(rubric_data, work / "otter" / "tests")
        subprocess.run([str(otter), "generate", "-t", "tests", "-o", "autograder.zip", "--no-config",
                        "--no-requirements", "--no-environment"], cwd=work / "otter", check=True, capture_output=True)
        folders = generate(course, args.count, work / "subs", seed=0)

        timings = {}
        started = time.monotonic()
        ours = grade_one_by_one(autograder, rubric_path, folders, work / "ours", args.workers)
        timings["this grader, one by one"] = time.monotonic() - started
        started = time.monotonic()
        subprocess.run([autograder, "grade", str(rubric_path), *map(str, folders), "--out", str(work / "pool"),
                        "--workers", str(args.workers)], check=True, capture_output=True)
        timings[f"this grader, warm pool of {args.workers}"] = time.monotonic() - started
        started = time.monotonic()
        theirs = otter_one_by_one(otter, work / "otter" / "autograder.zip", folders, work / "theirs", args.workers)
        timings["Otter-Grader (otter run), one by one"] = time.monotonic() - started

        print(f"{len(folders)} submissions of mlp-backprop's 4 code questions (35 points), "
              f"{args.workers} at a time")
        for label, seconds in timings.items():
            print(f"  {label:<40} {seconds / len(folders):6.3f} s/submission")
        otter_time = timings["Otter-Grader (otter run), one by one"]
        print(f"Otter-Grader time / this grader's: {otter_time / timings['this grader, one by one']:.2f} (one by one), "
              f"{otter_time / timings[f'this grader, warm pool of {args.workers}']:.2f} (warm pool)")
        ours_by_question = {name: dict(zip(points, (score for _, score in sheet[1]))) for name, sheet in ours.items()}
        for question, full in points.items():
            both = sum((ours_by_question[n][question] == full) == (theirs[n].get(question, 0) == full) for n in ours)
            print(f"  {question:<14} full marks agree on {both}/{len(ours)}; mean score this grader "
                  f"{sum(ours_by_question[n][question] for n in ours) / len(ours):.2f}, Otter "
                  f"{sum(theirs[n].get(question, 0) for n in ours) / len(ours):.2f} of {full:g}")


if __name__ == "__main__":
    main()
