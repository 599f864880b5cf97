"""The ``autograder`` command: run · grade · check · validate · schema."""

from __future__ import annotations

import os
import time
import traceback
from contextlib import closing
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from autograder.grading import Options, code_questions, grade
from autograder.outcomes import Report
from autograder.report.results import (
    failure_results, gradescope_results, reserve_results, write_figures, write_results,
)
from autograder.report.table import print_report
from autograder.rubric import Course, RubricError, json_schema, open_course
from autograder.sandbox import Sandbox, hide_from_others
from autograder.sandbox.early import EarlyStart

DEVICE = click.Choice(["auto", "cpu", "cuda"])
_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _search_roots(*near: Path) -> list[Path]:
    """Where ASSIGNMENT names are looked up: here, the folders around ``near`` and above them
    (a student's check, from inside the bundle), $AUTOGRADER_COURSE, this project."""
    roots = [Path.cwd()]
    for place in near:
        roots += [place.resolve(), *place.resolve().parents]
    if os.environ.get("AUTOGRADER_COURSE"):
        roots.append(Path(os.environ["AUTOGRADER_COURSE"]))
    roots.append(_PROJECT_ROOT)
    unique: list[Path] = []
    for root in roots:
        if root.resolve() not in [u.resolve() for u in unique]:
            unique.append(root)
    return unique


class CliError(Exception):
    """Why a command stops, and its exit status (2: it cannot start, e.g. a broken rubric or bad
    inputs; 1: what it looked at needs fixing).

    The message goes to stderr; it is empty when the command has already said why in its own
    output (a table, a list of problems). :class:`_Commands` turns it into both.
    """

    def __init__(self, message: str = "", code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class _Commands(click.Group):
    """The command group: every command's :class:`CliError` ends here, as its message and status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CliError as error:
            if error.message:
                click.echo(error.message, err=True)
            ctx.exit(error.code)


def submission_folder(given: Path, files: list[str], name: str) -> tuple[Path, str]:
    """The folder a student's check looks at, and why: ``given`` unless it holds none of the
    assignment's files and one folder inside it does (run from the bundle, not from the
    assignment's folder)."""
    def holds(folder: Path) -> list[str]:
        return [f for f in files if (folder / f).is_file() or (folder / f).with_suffix(".ipynb").is_file()]

    if holds(given):
        return given, f"it holds {', '.join(holds(given))}"
    inside = sorted(d for d in given.iterdir() if d.is_dir() and not d.name.startswith(".") and holds(d)) \
        if given.is_dir() else []
    if len(inside) > 1:
        inside = [d for d in inside if d.name == name] or inside
    if len(inside) == 1:
        return inside[0], (f"{given} holds none of {', '.join(files)}, and {inside[0].name}/ inside it "
                           f"holds {', '.join(holds(inside[0]))}")
    found = f"; {', '.join(d.name + '/' for d in inside)} inside it hold some: name one" if inside else ""
    return given, f"it holds none of {', '.join(files)}{found}"


def _open(assignment: str, roots: list[Path] | None = None) -> Course:
    """Open the course or stop with the rubric's problems, one line each (exit 2)."""
    try:
        return open_course(assignment, roots or _search_roots())
    except RubricError as error:
        raise CliError("\n".join(error.problems), 2) from None


def _protect(course: Course, *private: Path) -> None:
    """As root, student code runs as another user: make the secrets unreadable to it.

    ``private`` adds what one student must not read of another's: their submitted folders and
    the results written for them (a regrade grades many students on one machine).
    """
    if os.geteuid() == 0:
        hide_from_others([course.rubric_path.parent, course.reference_dir, *private])


def _early_sandbox(course: Course, options: Options) -> Sandbox | None:
    """The sandbox the entry point opened for this command (``autograder/entry.py``), or None;
    let go at once when no question of the rubric runs code."""
    early = click.get_current_context().find_object(EarlyStart)
    if early is None:
        return None
    return early.take(bool(code_questions(course.rubric, options.mode)))


def _print_grading_errors(report: Report, console: Console) -> None:
    for result in report.grading_errors:
        console.print(f"[bold red]grading error in {result.id}:[/]")
        console.print(result.error, markup=False, highlight=False)


def _say_figures(paths: list[Path], console: Console) -> None:
    if paths:
        console.print(f"pictures: {', '.join(str(p) for p in paths)}", highlight=False, soft_wrap=True)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dl-autograder")
def main() -> None:
    """Grade deep-learning homework from YAML rubrics; results in Gradescope's format.

    ASSIGNMENT is a name under rubrics/ (rubrics/NAME.yaml) or a path to a rubric file.
    """


@main.command()
@click.option("--submission", type=click.Path(path_type=Path), default="/autograder/submission",
              show_default=True, help="The student's files.")
@click.option("--results", type=click.Path(path_type=Path),
              default="/autograder/results/results.json", show_default=True)
@click.option("--source", type=click.Path(path_type=Path), default="/autograder/source",
              show_default=True, help="The unpacked autograder: rubrics/, reference/.")
@click.option("--assignment", default=None, help="Rubric name, when the source holds several.")
@click.option("--device", type=DEVICE, default=None, help="Override the rubric's device policy.")
def run(submission: Path, results: Path, source: Path, assignment: str | None,
        device: str | None) -> None:
    """Gradescope's entry point: grade one submission, always write results.json."""
    started = time.monotonic()
    console = Console(width=120)
    reserve_results(results)  # room for the real results even if a submission fills the disk
    try:
        if assignment is None:
            rubrics = sorted((source / "rubrics").glob("*.yaml"))
            if len(rubrics) != 1:
                raise RubricError([f"{source}/rubrics holds {len(rubrics)} rubrics; pass --assignment"])
            assignment = str(rubrics[0])
        course = open_course(assignment, [source])
        if os.geteuid() == 0:
            hide_from_others([source / "rubrics", source / "reference", results.parent])
        options = Options(device=device, reference=course.reference_dir, store_answers=False)
        report = grade(course.rubric, submission, options, _early_sandbox(course, options))
        data = gradescope_results(course.rubric, report)
        print_report(course.rubric, report, console)
        _print_grading_errors(report, console)
    except RubricError as error:
        console.print("\n".join(error.problems), markup=False, soft_wrap=True)
        data = failure_results(
            "The autograder for this assignment is misconfigured, so nothing was graded. "
            "This is not a problem with your submission; your instructor can see the details.",
            time.monotonic() - started,
        )
    except Exception:  # noqa: BLE001 - results.json must be written whatever happens
        console.print(traceback.format_exc(), markup=False)
        data = failure_results(
            "The autograder failed before grading your submission. This is not a problem with "
            "your submission; your instructor can see the details.",
            time.monotonic() - started,
        )
    write_results(results, data)


@main.command("grade")
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True,
                type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="One submission: the results.json to write (default results.json). Several, or "
                   "a Gradescope export: the folder for their results (default regrade/).")
@click.option("--device", type=DEVICE, default=None, help="Override the rubric's device policy.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Submissions graded at once, each worker warm (torch loaded once).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine; dask: a Dask cluster (local, or --scheduler).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --executor dask: a running scheduler, e.g. tcp://host:8786.")
@click.option("--force", is_flag=True, help="Regrade submissions that already have results.")
def grade_command(assignment: str, submissions: tuple[Path, ...], out: Path | None,
                  device: str | None, workers: int, executor: str, scheduler: str | None,
                  force: bool) -> None:
    """Grade SUBMISSIONS locally: results.json and a summary table.

    Several folders, or a folder of Gradescope's "Export Submissions" (with
    submission_metadata.yml), are regraded into OUT/LABEL/results.json, OUT/scores.csv,
    OUT/questions/ID.csv and the instructor's page OUT/report.html. A regrade resumes: what
    already has results is skipped unless --force.
    """
    from autograder.regrade import METADATA

    course = _open(assignment)
    options = Options(device=device, reference=course.reference_dir)
    console = Console()
    if len(submissions) == 1 and not (submissions[0] / METADATA).is_file() and executor == "local":
        target = out or Path("results.json")
        _protect(course)
        report = grade(course.rubric, submissions[0], options, _early_sandbox(course, options))
        write_results(target, gradescope_results(course.rubric, report))
        print_report(course.rubric, report, console, heading=f"{course.rubric.assignment.title} — {submissions[0]}")
        _print_grading_errors(report, console)
        console.print(f"results: {target}")
        _say_figures(write_figures(target.parent / "figures", report.results), console)
        return
    _regrade_many(course, submissions, out or Path("regrade"), options, workers, executor,
                  scheduler, force, console)


def _regrade_many(course: Course, submissions: tuple[Path, ...], folder: Path, options: Options,
                  workers: int, executor_kind: str, scheduler: str | None, force: bool,
                  console: Console) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from autograder.executors import DaskUnavailable, WorkerSpec, make_executor
    from autograder.regrade import RegradeError, find_submissions, regrade
    from autograder.report.html import write_report

    try:
        found = find_submissions(submissions)
    except RegradeError as error:
        raise CliError(f"grade: {error}", 2) from None
    folder.mkdir(parents=True, exist_ok=True)
    _protect(course, folder, *submissions, *(s.folder for s in found))
    executor = make_executor(executor_kind, WorkerSpec.for_rubric(course.rubric_path, course.rubric, options), workers, scheduler)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    counts = {"graded": 0, "skipped": 0, "errors": 0}
    with Progress(*columns, console=console, transient=False) as bar, closing(executor):
        task = bar.add_task("grading", total=len(found))

        def progress(report: Report, fresh: bool) -> None:
            counts["graded" if fresh else "skipped"] += 1
            counts["errors"] += bool(report.grading_errors)
            bar.advance(task)
            if report.grading_errors:
                bar.console.print(f"[red]{escape(report.label)}: {len(report.grading_errors)} grading error(s)[/]",
                                  highlight=False)

        try:
            reports = regrade(course.rubric, found, folder, executor, force, progress)
        except DaskUnavailable as error:
            raise CliError(f"grade: {error}", 2) from None
    report_path = write_report(folder / "report.html", course.rubric, reports)
    console.print(
        f"{counts['graded']} graded, {counts['skipped']} already graded (--force regrades them), "
        f"{counts['errors']} with grading errors", highlight=False,
    )
    console.print(f"results: {folder}/LABEL/results.json; scores: {folder / 'scores.csv'}, "
                  f"{folder / 'questions'}/ID.csv; report: {report_path}", highlight=False)


@main.command()
@click.argument("assignment")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--device", type=DEVICE, default=None, help="Override the rubric's device policy.")
def check(assignment: str, directory: Path, device: str | None) -> None:
    """Before submitting: are the files there, and can every visible answer be read?

    Says nothing about whether answers are right. Exits 1 when something needs fixing.
    """
    course = _open(assignment, _search_roots(Path.cwd(), directory))
    console = Console()
    directory, why = submission_folder(directory, course.rubric.assignment.files, course.name)
    console.print(f"Checking {escape(str(directory))}: {why}")
    options = Options(mode="check", device=device)
    report = grade(course.rubric, directory, options, _early_sandbox(course, options))
    print_report(course.rubric, report, console, heading=f"{course.rubric.assignment.title}: check of {directory}")
    _print_grading_errors(report, console)
    _say_figures(write_figures(Path("autograder-figures"), report.results), console)
    bad = [r for r in report.results if r.status not in ("ok", "manual")]
    if report.notes or bad:
        console.print(f"[yellow]{len(bad)} question(s) need attention before you submit.[/]")
        raise CliError(code=1)
    console.print("[green]Everything is in place. This check does not say whether answers are right.[/]")


@main.command("validate")
@click.argument("assignment")
@click.option("--device", type=DEVICE, default=None, help="Override the rubric's device policy.")
@click.option("--mutants", type=click.IntRange(min=0), default=8, show_default=True,
              help="Mutants of the reference graded per question (0: no mutation testing).")
def validate_command(assignment: str, device: str | None, mutants: int) -> None:
    """Lint the rubric; the reference must score full marks, the template zero without crashes,
    and wrong variants of the reference (mutants) must lose credit: 95% of them at least."""
    from autograder.report.table import print_mutations
    from autograder.validate import validate

    course = _open(assignment)
    _protect(course)
    console = Console()
    result = validate(course, device, mutants)
    for label, report in (("reference", result.reference), ("template", result.template)):
        if report is not None:
            print_report(course.rubric, report, console, heading=f"{course.rubric.assignment.title} — {label}")
            console.print()
    if result.mutations:
        print_mutations(result.mutations, console)
        console.print()
    if result.ok:
        console.print(f"[green]validate: {course.name} is ready[/]")
        return
    for problem in result.problems:
        console.print(f"[red]✗[/] {escape(problem)}", highlight=False, soft_wrap=True)
    console.print(f"[red]validate: {len(result.problems)} problem(s)[/]")
    raise CliError(code=1)


@main.command("build")
@click.argument("assignment")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("dist"),
              show_default=True, help="Folder for the two zips.")
def build_command(assignment: str, out: Path) -> None:
    """Write autograder.zip (upload to Gradescope) and NAME-student.zip (for students).

    Run validate first: build packs what is there. It prints the Gradescope outline: the
    autograder's points and the questions to add as manually graded ones.
    """
    from autograder.bundle import BuildError, build

    course = _open(assignment)
    try:
        built = build(course, out, _PROJECT_ROOT)
    except BuildError as error:
        raise CliError(f"build: {error}", 1) from None
    click.echo(f"autograder: {built.autograder_zip}  (Gradescope: Configure Autograder → upload)")
    click.echo(f"students:   {built.student_zip}  (the template, the public rubric, the check)")
    click.echo(built.outline, nl=False)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to a file.")
def schema(out: Path | None) -> None:
    """Print the JSON Schema of the rubric format (for editors and CI)."""
    text = json_schema()
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
