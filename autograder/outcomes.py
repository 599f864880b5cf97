"""What grading produced, as plain data: one question's result, and one submission's report.

The one model of a graded submission, shared by everything above it: :mod:`autograder.grading`
makes it, an executor's worker process sends it back (it is plain data, so it pickles), a
regrade writes its summary to ``summary.json`` and reads it back to resume, and the reports
(results.json, the terminal table, the CSVs, the instructor's page) are drawn from it. It names
each question by id only; what a question *is* (its title, points, tags) lives in the rubric,
which the reports that need it are given beside the results.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from autograder.kinds.base import Figure
from autograder.rubric_models import QuestionBase

Mode = Literal["grade", "check"]
Status = Literal["graded", "ok", "problem", "grading_error", "skipped", "manual"]

SUMMARY = "summary.json"  # beside each results.json of a regrade: what it resumes from


@dataclass(frozen=True)
class QuestionResult:
    """The outcome of one question."""

    id: str
    score: float
    max_score: float  # the question's points towards the maximum (0 for a bonus or hand-graded one)
    status: Status
    messages: tuple[str, ...] = ()
    detail: str = ""
    output: str = ""
    error: str | None = None
    device: str | None = None
    code_status: str | None = None
    seconds: float = 0.0
    figures: tuple[Figure, ...] = ()

    @classmethod
    def of(cls, question: QuestionBase, score: float, status: Status, messages: tuple[str, ...] = (),
           **details: Any) -> "QuestionResult":
        """The result of ``question``; ``details`` are the other fields (detail, output, ...)."""
        max_score = 0.0 if question.bonus or status == "manual" else question.points
        return cls(question.id, score, max_score, status, messages, **details)

    @property
    def message(self) -> str:
        """The first line of feedback, for the CSVs and the instructor's page."""
        return self.messages[0].splitlines()[0] if self.messages and self.messages[0] else ""


@dataclass(frozen=True)
class Report:
    """All results for one submission; in a regrade, also who submitted it, under what label."""

    results: tuple[QuestionResult, ...]
    seconds: float
    mode: Mode = "grade"
    notes: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    label: str = ""
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    sids: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        """Total points earned."""
        return round(sum(r.score for r in self.results), 4)

    @property
    def max_score(self) -> float:
        """Total points available among the graded questions."""
        return round(sum(r.max_score for r in self.results), 4)

    @property
    def autograded(self) -> tuple[QuestionResult, ...]:
        """Results of the questions this grader scores (not those graded by hand)."""
        return tuple(r for r in self.results if r.status != "manual")

    @property
    def by_hand(self) -> tuple[QuestionResult, ...]:
        """The questions left to the instructor, in rubric order."""
        return tuple(r for r in self.results if r.status == "manual")

    @property
    def grading_errors(self) -> tuple[QuestionResult, ...]:
        """Questions the grader itself failed on."""
        return tuple(r for r in self.results if r.status == "grading_error")

    def result(self, question_id: str) -> QuestionResult | None:
        """The result of one question, if it was graded."""
        return next((r for r in self.results if r.id == question_id), None)

    def to_summary(self) -> dict[str, Any]:
        """What ``summary.json`` keeps: what the CSVs and the instructor's page read.

        Feedback beyond its first line, output and pictures stay in results.json only.
        """
        return {
            "label": self.label,
            "score": self.score,
            "max_score": self.max_score,
            "seconds": round(self.seconds, 3),
            "questions": [
                {"id": r.id, "score": r.score, "max_score": r.max_score, "status": r.status,
                 "message": r.message, "error": r.error}
                for r in self.results
            ],
            "names": list(self.names),
            "emails": list(self.emails),
            "sids": list(self.sids),
        }

    @classmethod
    def from_summary(cls, data: dict[str, Any]) -> "Report":
        """The report :meth:`to_summary` kept (a regrade's totals come out the same)."""
        results = tuple(
            QuestionResult(q["id"], q["score"], q["max_score"], q["status"],
                           (q["message"],) if q["message"] else (), error=q.get("error"))
            for q in data["questions"]
        )
        return cls(results, data["seconds"], label=data["label"], names=tuple(data.get("names", ())),
                   emails=tuple(data.get("emails", ())), sids=tuple(data.get("sids", ())))


def write_summary(path: Path, report: Report) -> None:
    """Write ``report``'s summary to ``path`` atomically: a regrade stopped half-way never
    leaves half a summary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(report.to_summary(), indent=1), encoding="utf-8")
    os.replace(temporary, path)


def read_summary(path: Path) -> Report | None:
    """The report summarised at ``path``, or None when it is missing or unreadable."""
    try:
        return Report.from_summary(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
