"""Terminal tables for people: the grade summary and the student's pre-submission check."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from typing import Sequence

from autograder.outcomes import Report
from autograder.mutation import QuestionMutation
from autograder.mutation import score as mutation_score
from autograder.report.render import points
from autograder.rubric import Rubric

_STATUS_STYLE = {
    "ok": "green",
    "problem": "yellow",
    "grading_error": "bold red",
    "skipped": "red",
    "manual": "dim",
}


def _feedback(messages: tuple[str, ...]) -> str:
    """All of it: the table wraps it to the terminal's width, and never cuts it."""
    return escape(" ".join(messages))


def _grade_status(score: float, max_score: float, status: str) -> tuple[str, str]:
    """The word and colour for a graded question."""
    if status == "manual":
        return "by hand", "dim"
    if score >= max_score:
        return "passed", "green"
    if status == "graded":
        return ("partial", "yellow") if score > 0 else ("failed", "red")
    return status.replace("_", " "), _STATUS_STYLE.get(status, "red")


def print_report(rubric: Rubric, report: Report, console: Console, heading: str | None = None) -> None:
    """One row per question of ``rubric`` graded in ``report``: score (or check status) and the
    first feedback."""
    title = heading or rubric.assignment.title
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("#", justify="right")
    table.add_column("question", overflow="fold")
    if report.mode == "grade":
        table.add_column("score", justify="right")
    table.add_column("status")
    table.add_column("feedback", overflow="fold")
    for index, result in enumerate(report.results):
        question = rubric.question(result.id)
        if report.mode == "grade":
            status, style = _grade_status(result.score, question.points, result.status)
            earned = "–" if result.status == "manual" else points(result.score)
            row = [
                question.number or str(index + 1),
                escape(question.title),
                f"{earned}/{points(question.points)}" + (" bonus" if question.bonus else ""),
                f"[{style}]{status}[/]",
            ]
        else:
            style = _STATUS_STYLE.get(result.status, "")
            row = [question.number or str(index + 1), escape(question.title), f"[{style}]{result.status}[/]"]
        table.add_row(*row, _feedback(result.messages), end_section=False)
    console.print(table)
    if report.mode == "grade":
        devices = ", ".join(report.devices) or "no code ran"
        bonus = sum(r.score for r in report.results if rubric.question(r.id).bonus)
        with_bonus = f"(with {points(bonus)} bonus) " if bonus else ""
        console.print(
            f"Total: [bold]{points(report.score)} / {points(report.max_score)}[/] {with_bonus}"
            f"in {report.seconds:.1f} s (device: {devices})"
        )
    for note in report.notes:
        console.print(f"[yellow]! {escape(note)}[/]")


def print_mutations(results: Sequence[QuestionMutation], console: Console) -> None:
    """Per question: mutants caught out of those counted, accepted survivors, the others."""
    table = Table(title="Mutation testing: wrong variants of the reference", title_justify="left")
    table.add_column("question")
    table.add_column("caught", justify="right")
    table.add_column("accepted (right answers in disguise)", overflow="fold")
    table.add_column("survivors", overflow="fold")
    for result in results:
        style = "green" if not result.survivors else "red"
        table.add_row(
            escape(result.question.id), f"[{style}]{result.caught}/{result.counted}[/]",
            escape("; ".join(result.accepted)),
            escape("; ".join(result.survivors)),
        )
    console.print(table)
    console.print(f"Mutation score: [bold]{mutation_score(list(results)):.0%}[/] of "
                  f"{sum(r.counted for r in results)} mutants caught"
                  f" ({sum(len(r.accepted) for r in results)} accepted as right answers)")
