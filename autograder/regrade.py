"""Grading many submissions: folders given one by one, or Gradescope's "Export Submissions" layout.

An export is a folder with ``submission_metadata.yml`` and one ``submission_<id>/`` folder per
submission; the metadata names the submitters (``:submitters:`` with ``:name:``, ``:email:``,
``:sid:``). Each submission gets its own ``results.json`` (and a ``summary.json``, from which
a regrade stopped half-way resumes); ``scores.csv`` has one row per submission and one column
per autograded question, and ``questions/ID.csv`` each submission's score and feedback on one
question. The grading itself is done by an executor (:mod:`autograder.executors`).
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from autograder.grading import Options, Report, grade
from autograder.report.results import gradescope_results, write_results
from autograder.rubric import Rubric
from autograder.yamlio import YamlError, load_yaml

if TYPE_CHECKING:
    from autograder.executors import Executor

METADATA = "submission_metadata.yml"
SUMMARY = "summary.json"
METADATA_LIMIT = 50_000_000


@dataclass(frozen=True)
class Submitted:
    """One submission to grade: a label for reports, its folder, who submitted it."""

    label: str
    folder: Path
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    sids: tuple[str, ...] = ()


class RegradeError(Exception):
    """The submissions cannot be listed; the message says why."""


def _people(entry: Any, field: str) -> tuple[str, ...]:
    submitters = entry.get(":submitters") if isinstance(entry, dict) else None
    if not isinstance(submitters, list):
        return ()
    return tuple(str(s.get(field, "")) for s in submitters if isinstance(s, dict))


def _from_export(folder: Path) -> list[Submitted]:
    try:
        metadata = load_yaml(folder / METADATA, METADATA_LIMIT, str(folder / METADATA)).data
    except YamlError as error:
        raise RegradeError(str(error)) from None
    if not isinstance(metadata, dict):
        raise RegradeError(f"{folder / METADATA}: expected a mapping of submission folders")
    found = []
    for key, entry in sorted(metadata.items(), key=lambda item: str(item[0])):
        sub = folder / str(key)
        if "/" in str(key) or not sub.is_dir():
            continue
        found.append(Submitted(str(key), sub, _people(entry, ":name"), _people(entry, ":email"),
                               _people(entry, ":sid")))
    return found


def find_submissions(paths: Iterable[Path]) -> list[Submitted]:
    """Every submission under ``paths``: an export expands into its submissions."""
    found: list[Submitted] = []
    for path in paths:
        if not path.is_dir():
            raise RegradeError(f"{path} is not a folder")
        found += _from_export(path) if (path / METADATA).is_file() else [Submitted(path.name, path)]
    labels = [s.label for s in found]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise RegradeError(f"two submissions share the name {duplicates[0]}: give distinct folders")
    return found


@dataclass(frozen=True)
class QuestionOutcome:
    """One question of one graded submission, as plain data (it crosses process boundaries)."""

    id: str
    score: float
    max_score: float
    status: str
    message: str
    error: str | None = None


@dataclass(frozen=True)
class Outcome:
    """One graded submission, as plain data: what the CSVs and the instructor report need."""

    label: str
    score: float
    max_score: float
    seconds: float
    questions: tuple[QuestionOutcome, ...]
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    sids: tuple[str, ...] = ()

    @property
    def grading_errors(self) -> int:
        """How many questions the grader itself failed on."""
        return sum(q.status == "grading_error" for q in self.questions)

    @classmethod
    def of(cls, submitted: Submitted, report: Report) -> "Outcome":
        """The summary of ``report``, graded from ``submitted``."""
        questions = tuple(
            QuestionOutcome(
                r.question.id, r.score, r.max_score, r.status,
                r.messages[0].splitlines()[0] if r.messages else "", r.error,
            )
            for r in report.results
        )
        return cls(submitted.label, report.score, report.max_score, round(report.seconds, 3),
                   questions, submitted.names, submitted.emails, submitted.sids)

    def to_json(self) -> dict[str, Any]:
        """For ``summary.json`` beside each ``results.json`` (a regrade resumes from it)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Outcome":
        """The inverse of :meth:`to_json`."""
        fields = dict(data)
        fields["questions"] = tuple(QuestionOutcome(**q) for q in data["questions"])
        for key in ("names", "emails", "sids"):
            fields[key] = tuple(data.get(key, ()))
        return cls(**fields)


def grade_into(rubric: Rubric, submitted: Submitted, out_dir: Path, options: Options) -> Outcome:
    """Grade one submission into ``out_dir/LABEL/``: results.json, then summary.json."""
    report = grade(rubric, submitted.folder, options)
    folder = out_dir / submitted.label
    write_results(folder / "results.json", gradescope_results(report))
    outcome = Outcome.of(submitted, report)
    _write_json(folder / SUMMARY, outcome.to_json())
    return outcome


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, path)  # a regrade stopped half-way never leaves half a summary


def already_graded(submitted: Submitted, out_dir: Path) -> Outcome | None:
    """The outcome of an earlier run, when both of its files are there and readable."""
    folder = out_dir / submitted.label
    if not (folder / "results.json").is_file():
        return None
    try:
        outcome = Outcome.from_json(json.loads((folder / SUMMARY).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return outcome if outcome.label == submitted.label else None


def regrade(
    rubric: Rubric,
    submissions: list[Submitted],
    out_dir: Path,
    executor: "Executor",
    force: bool = False,
    progress: Callable[[Outcome, bool], None] | None = None,
) -> list[Outcome]:
    """Grade each submission (skipping those already graded unless ``force``) and write the CSVs.

    ``progress`` hears of each submission as it is done, with whether it was graded now (True)
    or taken from an earlier run (False). Outcomes come back in the submissions' order.
    """
    done: dict[str, Outcome] = {}
    todo = []
    for submitted in submissions:
        earlier = None if force else already_graded(submitted, out_dir)
        if earlier is None:
            todo.append(submitted)
        else:
            done[submitted.label] = earlier
            if progress:
                progress(earlier, False)
    for outcome in executor.grade(todo, out_dir):
        done[outcome.label] = outcome
        if progress:
            progress(outcome, True)
    outcomes = [done[s.label] for s in submissions]
    write_scores(out_dir / "scores.csv", rubric, outcomes)
    write_question_scores(out_dir / "questions", rubric, outcomes)
    return outcomes


def _autograded(rubric: Rubric) -> list[Any]:
    return [q for q in rubric.questions if not q.graded_by_hand()]


def write_scores(path: Path, rubric: Rubric, outcomes: list[Outcome]) -> None:
    """One row per submission: who, total, maximum, grading errors, then each question's score."""
    questions = _autograded(rubric)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["submission", "names", "emails", "sids", "total", "max", "grading_errors",
                         *[q.id for q in questions]])
        for outcome in outcomes:
            scores = {q.id: q.score for q in outcome.questions}
            writer.writerow([
                outcome.label, "; ".join(outcome.names), "; ".join(outcome.emails),
                "; ".join(outcome.sids), f"{outcome.score:g}", f"{outcome.max_score:g}",
                outcome.grading_errors, *[f"{scores.get(q.id, 0.0):g}" for q in questions],
            ])


def write_question_scores(folder: Path, rubric: Rubric, outcomes: list[Outcome]) -> None:
    """``folder/ID.csv`` per autograded question: each submission's score, status and feedback."""
    folder.mkdir(parents=True, exist_ok=True)
    for question in _autograded(rubric):
        with (folder / f"{question.id}.csv").open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["submission", "score", "max", "status", "feedback"])
            for outcome in outcomes:
                found = next((q for q in outcome.questions if q.id == question.id), None)
                if found is not None:
                    writer.writerow([outcome.label, f"{found.score:g}", f"{found.max_score:g}",
                                     found.status, found.message])
