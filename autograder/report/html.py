"""The instructor's page after a regrade: per-question histograms, common feedback, errors, time.

One self-contained HTML file (no script, no network): histograms are inline SVG drawn from the
reports, so the page shows the same in a browser, a mail attachment or a CI artefact. Every
text that came from a submission (labels, feedback) is escaped by jinja2's autoescape.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jinja2

from autograder.outcomes import Report
from autograder.report.render import points
from autograder.rubric import Rubric

_BINS = 10
_COMMON = 5
_SLOWEST = 10


@dataclass(frozen=True)
class Bar:
    """One histogram bar: its label (a score or a range), count, and height in [0, 1]."""

    label: str
    count: int
    height: float


@dataclass(frozen=True)
class QuestionSection:
    """What the page shows of one question."""

    id: str
    title: str
    max_score: float
    mean: float
    full_marks: int
    bars: tuple[Bar, ...]
    common: tuple[tuple[str, int], ...]


def _bars(scores: list[float], max_score: float) -> tuple[Bar, ...]:
    """Distinct scores when there are few (partial credit steps), else ten equal ranges."""
    distinct = sorted(set(scores))
    if len(distinct) <= _BINS:
        counts = Counter(scores)
        pairs = [(points(value), counts[value]) for value in distinct]
    else:
        width = max_score / _BINS or 1.0
        counts = Counter(min(int(score / width), _BINS - 1) for score in scores)
        pairs = [(f"{points(i * width)}–{points((i + 1) * width)}", counts[i]) for i in range(_BINS)]
    tallest = max((count for _, count in pairs), default=1) or 1
    return tuple(Bar(label, count, count / tallest) for label, count in pairs)


def question_sections(rubric: Rubric, reports: list[Report]) -> list[QuestionSection]:
    """One section per autograded question, in rubric order."""
    sections = []
    for question in rubric.questions:
        if question.graded_by_hand():
            continue
        found = [r for report in reports for r in report.results if r.id == question.id]
        if not found:
            continue
        scores = [q.score for q in found]
        messages = Counter(q.message for q in found if q.message and q.score < q.max_score)
        sections.append(QuestionSection(
            id=question.id, title=question.title, max_score=found[0].max_score,
            mean=statistics.fmean(scores), full_marks=sum(q.score >= q.max_score for q in found),
            bars=_bars(scores, found[0].max_score), common=tuple(messages.most_common(_COMMON)),
        ))
    return sections


def render_report(rubric: Rubric, reports: list[Report]) -> str:
    """The page as text."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("autograder.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    environment.filters["points"] = points
    totals = [r.score for r in reports]
    errors = [(r.label, q) for r in reports for q in r.grading_errors]
    return environment.get_template("report.html.j2").render(
        title=rubric.assignment.title,
        count=len(reports),
        max_score=reports[0].max_score if reports else 0.0,
        mean=statistics.fmean(totals) if totals else 0.0,
        median=statistics.median(totals) if totals else 0.0,
        totals=_bars(totals, reports[0].max_score) if reports else (),
        sections=question_sections(rubric, reports),
        errors=errors,
        slowest=sorted(reports, key=lambda r: -r.seconds)[:_SLOWEST],
    )


def write_report(path: Path, rubric: Rubric, reports: list[Report]) -> Path:
    """Write the page to ``path``; returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(rubric, reports), encoding="utf-8")
    return path
