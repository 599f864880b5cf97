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
from pathlib import Path
from typing import Any, Callable, Iterable

from autograder.executors import Executor, Submitted
from autograder.outcomes import SUMMARY, Report, read_summary
from autograder.rubric import Rubric
from autograder.yamlio import YamlError, load_yaml

METADATA = "submission_metadata.yml"
METADATA_LIMIT = 50_000_000


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


def already_graded(submitted: Submitted, out_dir: Path) -> Report | None:
    """The report of an earlier run (as its summary keeps it), when both of its files are there
    and readable."""
    folder = out_dir / submitted.label
    if not (folder / "results.json").is_file():
        return None
    report = read_summary(folder / SUMMARY)
    return report if report is not None and report.label == submitted.label else None


def regrade(
    rubric: Rubric,
    submissions: list[Submitted],
    out_dir: Path,
    executor: Executor,
    force: bool = False,
    progress: Callable[[Report, bool], None] | None = None,
) -> list[Report]:
    """Grade each submission (skipping those already graded unless ``force``) and write the CSVs.

    ``progress`` hears of each submission as it is done, with whether it was graded now (True)
    or taken from an earlier run (False). Reports come back in the submissions' order.
    """
    done: dict[str, Report] = {}
    todo = []
    for submitted in submissions:
        earlier = None if force else already_graded(submitted, out_dir)
        if earlier is None:
            todo.append(submitted)
        else:
            done[submitted.label] = earlier
            if progress:
                progress(earlier, False)
    for report in executor.grade(todo, out_dir):
        done[report.label] = report
        if progress:
            progress(report, True)
    reports = [done[s.label] for s in submissions]
    write_scores(out_dir / "scores.csv", rubric, reports)
    write_question_scores(out_dir / "questions", rubric, reports)
    return reports


def _autograded(rubric: Rubric) -> list[Any]:
    return [q for q in rubric.questions if not q.graded_by_hand()]


def write_scores(path: Path, rubric: Rubric, reports: list[Report]) -> None:
    """One row per submission: who, total, maximum, grading errors, then each question's score."""
    questions = _autograded(rubric)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["submission", "names", "emails", "sids", "total", "max", "grading_errors",
                         *[q.id for q in questions]])
        for report in reports:
            scores = {r.id: r.score for r in report.results}
            writer.writerow([
                report.label, "; ".join(report.names), "; ".join(report.emails),
                "; ".join(report.sids), f"{report.score:g}", f"{report.max_score:g}",
                len(report.grading_errors), *[f"{scores.get(q.id, 0.0):g}" for q in questions],
            ])


def write_question_scores(folder: Path, rubric: Rubric, reports: list[Report]) -> None:
    """``folder/ID.csv`` per autograded question: each submission's score, status and feedback."""
    folder.mkdir(parents=True, exist_ok=True)
    for question in _autograded(rubric):
        with (folder / f"{question.id}.csv").open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["submission", "score", "max", "status", "feedback"])
            for report in reports:
                found = report.result(question.id)
                if found is not None:
                    writer.writerow([report.label, f"{found.score:g}", f"{found.max_score:g}",
                                     found.status, found.message])
