"""How long grading one submission takes, for each seed assignment, against the floor.

    .venv/bin/python benchmarks/grade_latency.py [ASSIGNMENT ...] [--repeat N] [--cpu-share S]
        [--validate] [--no-split] [--markdown]

Every command runs in a fresh process with this checkout's code (``python -m autograder``,
``PYTHONPATH`` set to the checkout), the same way as the floor, ``python -c "import torch"``: no
grader that runs PyTorch code in a fresh process can be faster. For each assignment (all of
``rubrics/`` by default) it prints, beside the floor and against the speed goals:

* ``autograder grade`` of the reference end to end (what Gradescope's container runs), × floor
  (goal: at most 1.5);
* the peak memory of that run's whole process tree (PSS, shared pages counted once; goal: at most
  600 MiB), sampled in the first of the runs (every command, the floor too, is sampled the same
  way in its first run, so the conditions stay alike);
* ``autograder check NAME .`` in a copy of the reference folder (the student's loop: form only,
  figures written beside it), × floor (goal: at most 1.5);
* with ``--validate``, ``autograder validate NAME`` in seconds (goal: at most 30 s);
* where its questions' tasks import more than torch (``Kind.sandbox_modules``: a training loop's
  optimizer imports ``torch._dynamo``), grade against the floor of importing that too;
* unless ``--no-split``, the grader's own start-up, one sandboxed task cold and warm, and the
  in-process split of grading (imports already done): questions that run code (waiting for the
  zygote included), and the rest.

Times are medians of ``--repeat`` runs (default 3). ``--cpu-share 0.5`` runs every measured
command, the floor included, in a cgroup of its own (v1 or v2) limited to that share of a CPU and
768 MB (Gradescope's defaults); without it, the machine as it is. ``--markdown`` prints the table
in Markdown, for the README. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Only the light parts at the top: the table functions are tested without importing the grader.
from benchmarks.gradescope_like import MEMORY_BYTES, Cgroup, Measured, measure, workspace  # noqa: E402

FLOOR_RATIO_GOAL = 1.5  # grade and check of a reference, end to end, against the floor
VALIDATE_GOAL_S = 30.0
PSS_GOAL_BYTES = 600 * 2**20
_JSON_MARK = "GRADE-LATENCY-JSON "  # what a helper run's reply line starts with (stderr shares its pipe)


@dataclass(frozen=True)
class Timing:
    """One command measured ``repeat`` times: the median wall time, and the peak PSS of its whole
    process tree sampled during the first run (0: the run ended before the first sample)."""

    seconds: float
    peak_pss_bytes: int


@dataclass(frozen=True)
class Split:
    """Where an in-process grade of the reference goes (imports already done)."""

    code_s: float
    code_questions: int
    rest_s: float


@dataclass(frozen=True)
class MachineFigures:
    """What every assignment is compared with: the floor, and the grader's fixed costs."""

    bare: Timing  # python -c pass
    floor: Timing  # python -c "import torch"
    startup: Timing | None = None  # autograder --help
    task_cold_s: float | None = None
    task_warm_s: float | None = None


@dataclass(frozen=True)
class AssignmentFigures:
    """One assignment's measurements."""

    name: str
    questions: int
    grade: Timing
    check: Timing
    validate: Timing | None = None
    split: Split | None = None
    # The floor of what its tasks import beyond torch (Kind.sandbox_modules: a training loop's
    # optimizer imports torch._dynamo), as ("torch, torch.optim, ...", its timing).
    own_floor: tuple[str, Timing] | None = None


@dataclass(frozen=True)
class Row:
    """One line of the table: ``ratio`` is × floor; ``met`` is None where no goal applies."""

    label: str
    value: str
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None
    sub: bool = False  # a detail of the row above it


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def floor_row(label: str, seconds: float, floor_s: float, sub: bool = False) -> Row:
    """A time against the floor, with the goal of at most ``FLOOR_RATIO_GOAL`` × floor."""
    ratio = seconds / floor_s
    return Row(label, _ms(seconds), ratio, f"≤ {FLOOR_RATIO_GOAL:g}× floor", ratio <= FLOOR_RATIO_GOAL, sub)


def pss_row(label: str, peak_bytes: int, goal: bool = True, sub: bool = True) -> Row:
    """A peak PSS, with the goal of at most ``PSS_GOAL_BYTES`` when ``goal``."""
    if peak_bytes <= 0:  # never sampled: saying "met" would claim what was not measured
        return Row(label, "not sampled", goal=f"≤ {PSS_GOAL_BYTES / 2**20:.0f} MiB" if goal else "", sub=sub)
    value = f"{peak_bytes / 2**20:.0f} MiB"
    if not goal:
        return Row(label, value, sub=sub)
    return Row(label, value, goal=f"≤ {PSS_GOAL_BYTES / 2**20:.0f} MiB", met=peak_bytes <= PSS_GOAL_BYTES, sub=sub)


def validate_row(label: str, seconds: float) -> Row:
    """A validate run's wall time, with the goal of at most ``VALIDATE_GOAL_S``."""
    return Row(label, f"{seconds:.1f} s", goal=f"≤ {VALIDATE_GOAL_S:g} s", met=seconds <= VALIDATE_GOAL_S)


def machine_rows(machine: MachineFigures) -> list[Row]:
    """The floor and the grader's fixed costs."""
    floor_s = machine.floor.seconds
    rows = [
        Row("python -c pass", _ms(machine.bare.seconds)),
        Row("python -c 'import torch' (the floor)", _ms(floor_s), 1.0),
        pss_row("peak PSS of the floor", machine.floor.peak_pss_bytes, goal=False),
    ]
    if machine.startup is not None:
        rows.append(Row("autograder --help (grader start-up)", _ms(machine.startup.seconds),
                        machine.startup.seconds / floor_s))
    if machine.task_cold_s is not None:
        rows.append(Row("one sandboxed task, cold (interpreter + torch + runner)", _ms(machine.task_cold_s)))
    if machine.task_warm_s is not None:
        rows.append(Row("one sandboxed task, warm (forked from the zygote)", _ms(machine.task_warm_s)))
    return rows


def assignment_rows(figures: AssignmentFigures, floor_s: float) -> list[Row]:
    """One assignment's rows, each goal judged against ``floor_s`` or its fixed limit."""
    name = figures.name
    rows = [
        floor_row(f"{name}: `autograder grade` reference ({figures.questions} questions)",
                  figures.grade.seconds, floor_s),
        pss_row("peak PSS of the whole process tree (grade)", figures.grade.peak_pss_bytes),
    ]
    if figures.own_floor is not None:
        modules, timing = figures.own_floor
        rows.append(Row(f"grade × the floor of what its code imports (import {modules}: {_ms(timing.seconds)})",
                        f"{figures.grade.seconds / timing.seconds:.2f}×", sub=True))
    if figures.split is not None:
        rows += [
            Row(f"in-process: questions that run code ({figures.split.code_questions})", _ms(figures.split.code_s),
                sub=True),
            Row("in-process: the rest (sandbox start and stop, loading, judging, report)",
                _ms(figures.split.rest_s), sub=True),
        ]
    rows.append(floor_row(f"{name}: `autograder check` reference folder (the student's loop)",
                          figures.check.seconds, floor_s))
    if figures.validate is not None:
        rows.append(validate_row(f"{name}: `autograder validate`", figures.validate.seconds))
    return rows


def table_rows(machine: MachineFigures, assignments: list[AssignmentFigures]) -> list[Row]:
    """The whole table: the floor first, then each assignment against it."""
    rows = machine_rows(machine)
    for figures in assignments:
        rows += assignment_rows(figures, machine.floor.seconds)
    return rows


def goals_summary(rows: list[Row]) -> str:
    """How many goals are met, naming those that are not."""
    judged = [row for row in rows if row.met is not None]
    missed = [row.label for row in judged if not row.met]
    line = f"goals met: {len(judged) - len(missed)} of {len(judged)}"
    return line + (f"; missed: {'; '.join(missed)}" if missed else "")


def _cells(row: Row) -> tuple[str, str, str, str]:
    ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
    met = "" if row.met is None else ("yes" if row.met else "no")
    return row.value, ratio, row.goal, met


def render_text(rows: list[Row], heading: str) -> str:
    """The table as aligned plain text, under ``heading``, with the goals summary below it."""
    labels = [("  " if row.sub else "") + row.label for row in rows]
    cells = [_cells(row) for row in rows]
    header = ("what", "measured", "× floor", "goal", "met")
    width = max(len(header[0]), *map(len, labels))
    widths = [max(len(header[i + 1]), *(len(c[i]) for c in cells)) for i in range(4)]

    def line(label: str, value: str, ratio: str, goal: str, met: str) -> str:
        return (f"{label:<{width}}  {value:>{widths[0]}}  {ratio:>{widths[1]}}  {goal:<{widths[2]}}  "
                f"{met:<{widths[3]}}").rstrip()

    body = [line(*header)] + [line(label, *c) for label, c in zip(labels, cells)]
    return "\n".join([heading, *body, goals_summary(rows)])


def render_markdown(rows: list[Row], heading: str) -> str:
    """The same table in Markdown (details marked with ↳, since Markdown drops leading spaces)."""
    lines = [heading, "", "| what | measured | × floor | goal | met |", "|---|---:|---:|---|---|"]
    for row in rows:
        label = ("↳ " if row.sub else "") + row.label.replace("|", "\\|")
        lines.append("| " + " | ".join((label, *_cells(row))) + " |")
    return "\n".join([*lines, "", goals_summary(rows)])


# ---------------------------------------------------------------------------------------------
# Measuring (everything below runs the machine).


class CommandFailed(RuntimeError):
    """A measured command exited nonzero: its figures would mean nothing."""

    def __init__(self, command: list[str], run: Measured) -> None:
        super().__init__(f"{' '.join(command)} exited {run.returncode}:\n{run.output[-3000:]}")


class Runner:
    """Runs every measured command alike: a fresh process with this checkout's code, in a fresh
    cgroup of ``cpu_share`` and 768 MB when ``cpu_share`` is set."""

    def __init__(self, repeat: int, cpu_share: float | None) -> None:
        self.repeat = repeat
        self.cpu_share = cpu_share
        # Set for the floor too, so that every command starts with the same environment.
        path = os.environ.get("PYTHONPATH")
        self.env = {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}

    def once(self, command: list[str], cwd: Path | None = None, sample: bool = False) -> Measured:
        """One run of ``command``; CommandFailed unless it succeeds."""
        run = measure(command, self.env, self.cpu_share is not None, cpu_share=self.cpu_share or 1.0,
                      memory_bytes=MEMORY_BYTES, sample=sample, cwd=cwd)
        if run.returncode != 0:
            raise CommandFailed(command, run)
        return run

    def timing(self, command: list[str], cwd: Path | None = None) -> Timing:
        """The median of ``repeat`` runs; the first one sampled for memory (each command alike)."""
        runs = [self.once(command, cwd, sample=i == 0) for i in range(self.repeat)]
        return Timing(statistics.median(r.seconds for r in runs), runs[0].peak_pss_bytes)

    def helper(self, *args: str) -> dict[str, float]:
        """This script's in-process measurement ``args`` in its own process (in the cgroup too)."""
        run = self.once([sys.executable, str(Path(__file__).resolve()), *args, "--repeat", str(self.repeat)])
        for line in reversed(run.output.splitlines()):
            if line.startswith(_JSON_MARK):
                return json.loads(line[len(_JSON_MARK):])
        raise RuntimeError(f"no figures from {' '.join(args)}:\n{run.output[-3000:]}")


def _autograder() -> list[str]:
    # `python -m` rather than the venv's entry script, which may import another checkout's package.
    return [sys.executable, "-m", "autograder"]


def measure_machine(runner: Runner, split: bool) -> MachineFigures:
    """The floor, and (with ``split``) the grader's start-up and one sandboxed task."""
    python = sys.executable
    bare = runner.timing([python, "-c", "pass"])
    floor = runner.timing([python, "-c", "import torch"])
    if not split:
        return MachineFigures(bare, floor)
    startup = runner.timing([*_autograder(), "--help"])
    tasks = runner.helper("--tasks")
    return MachineFigures(bare, floor, startup, tasks["cold"], tasks["warm"])


def measure_assignment(runner: Runner, name: str, work: Path, validate: bool, split: bool) -> AssignmentFigures:
    """Grade, check (and validate) ``name``'s reference as fresh processes."""
    from autograder.rubric import open_course

    course = open_course(name, [ROOT])
    autograder = _autograder()
    grade = runner.timing([*autograder, "grade", str(course.rubric_path), str(course.reference_dir),
                           "--out", str(work / f"{name}-results" / "results.json")], cwd=work)
    # A student's folder: the reference without the oracle, checked from inside it, as the README
    # says; its figures land in the copy, not in the checkout.
    folder = work / "check" / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(course.reference_dir, folder, ignore=shutil.ignore_patterns("oracle.py", "__pycache__"))
    for directory, _, _ in os.walk(work / "check"):
        os.chmod(directory, 0o755)
    check = runner.timing([*autograder, "check", name, "."], cwd=folder)
    own_floor = None
    modules = sorted({m for q in course.rubric.questions if q.runs_code(course.rubric.assignment.answers_file)
                      for m in course.rubric.kinds[q.kind].sandbox_modules})
    if modules:
        imports = ", ".join(["torch", *modules])
        own_floor = (imports, runner.timing([sys.executable, "-c", f"import {imports}"]))
    validated = runner.timing([*autograder, "validate", str(course.rubric_path)], cwd=work) if validate else None
    parts = None
    if split:
        got = runner.helper("--split", name)
        parts = Split(got["code_s"], int(got["code_questions"]), got["rest_s"])
    return AssignmentFigures(name, len(course.rubric.questions), grade, check, validated, parts, own_floor)


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` calls of ``action``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def one_task(warm: bool, repeat: int) -> float:
    """A trivial task's median time in an open sandbox (its zygote, if warm, already started)."""
    from autograder.sandbox import Limits, ReadValue, Sandbox, sandbox_user

    with tempfile.TemporaryDirectory() as folder, Sandbox(sandbox_user(), warm=warm) as sandbox:
        (Path(folder) / "trivial.py").write_text("X = 1\n")
        limits = Limits(time_s=60, memory_bytes=512 * 2**20)

        def task() -> object:
            return sandbox.run(ReadValue("trivial.py", "X"), Path(folder), limits, 0, "cpu")

        if warm:
            task()  # waits for the zygote to import torch: otherwise one run alone would time that
        return median_seconds(task, repeat)


def in_process_split(name: str, repeat: int) -> Split:
    """The median in-process grade of ``name``'s reference, split into code and the rest."""
    from autograder.grading import Options, grade
    from autograder.rubric import open_course

    course = open_course(name, [ROOT])
    options = Options(reference=course.reference_dir)  # where module questions' oracles live
    grade(course.rubric, course.reference_dir, options)  # the grader's lazy imports, not timed
    reports = sorted((grade(course.rubric, course.reference_dir, options) for _ in range(repeat)),
                     key=lambda r: r.seconds)
    report = reports[len(reports) // 2]
    code = sum(r.seconds for r in report.results if r.code_status is not None)
    return Split(code, sum(r.code_status is not None for r in report.results), report.seconds - code)


def _conditions(cpu_share: float | None) -> str:
    """The limits every command ran under; exits when the asked-for cgroup cannot be made."""
    if cpu_share is None:
        return f"no limits: the machine as it is ({os.cpu_count()} cores)"
    try:
        group = Cgroup.make(MEMORY_BYTES, cpu_share)
    except OSError as error:
        sys.exit(f"--cpu-share {cpu_share:g}: no writable cgroup (v1 or v2) with memory and cpu "
                 f"controllers: {error}")
    group.remove()
    return f"cgroup v{group.version}: {cpu_share:g} of a CPU, {MEMORY_BYTES // 2**20} MB, a fresh group per run"


def main() -> None:
    """Measure, then print the latency table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command; times are medians (default 3)")
    parser.add_argument("--cpu-share", type=float, default=None, metavar="S",
                        help="run every command (the floor too) in a cgroup of S CPUs and 768 MB")
    parser.add_argument("--validate", action="store_true", help="also time `autograder validate` (slow)")
    parser.add_argument("--no-split", action="store_true",
                        help="skip the start-up, sandboxed-task and in-process rows")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    # In-process measurements, run by the benchmark itself in a process of their own.
    parser.add_argument("--tasks", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--split", metavar="ASSIGNMENT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 1 or (args.cpu_share is not None and args.cpu_share <= 0):
        parser.error("--repeat must be at least 1 and --cpu-share above 0")
    if args.tasks:
        figures = {"cold": one_task(False, args.repeat), "warm": one_task(True, args.repeat)}
        print(_JSON_MARK + json.dumps(figures))
        return
    if args.split:
        split = in_process_split(args.split, args.repeat)
        print(_JSON_MARK + json.dumps(asdict(split)))
        return

    names = args.assignments or sorted(p.stem for p in (ROOT / "rubrics").glob("*.yaml"))
    conditions = _conditions(args.cpu_share)
    runner = Runner(args.repeat, args.cpu_share)
    try:
        with workspace() as work:
            print(f"measuring the floor ({conditions})", file=sys.stderr, flush=True)
            machine = measure_machine(runner, not args.no_split)
            assignments = []
            for name in names:
                print(f"measuring {name}", file=sys.stderr, flush=True)
                assignments.append(measure_assignment(runner, name, work, args.validate, not args.no_split))
    except CommandFailed as failed:
        sys.exit(str(failed))
    heading = (f"median of {args.repeat} run(s); peak PSS sampled every 50 ms in the first; {conditions}; "
               f"{time.strftime('%Y-%m-%d')}")
    rows = table_rows(machine, assignments)
    print(render_markdown(rows, heading) if args.markdown else render_text(rows, heading))


if __name__ == "__main__":
    main()
