"""Grading many submissions: folders given one by one, or Gradescope's "Export Submissions" layout.

An export is a folder with ``submission_metadata.yml`` and one ``submission_<id>/`` folder per
submission; the metadata names the submitters (``:submitters:`` with ``:name:``, ``:email:``,
``:sid:``). Each submission gets its own ``results.json``; ``scores.csv`` has one row per
submission and one column per autograded question.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from autograder.grading import Options, Report, grade
from autograder.report.results import gradescope_results, write_results
from autograder.rubric import Rubric
from autograder.yamlio import YamlError, load_yaml

METADATA = "submission_metadata.yml"
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


def regrade(
    rubric: Rubric,
    submissions: list[Submitted],
    out_dir: Path,
    options: Options,
    progress: Callable[[Submitted, Report], None] | None = None,
) -> list[tuple[Submitted, Report]]:
    """Grade each submission, writing ``out_dir/LABEL/results.json`` and ``out_dir/scores.csv``."""
    graded = []
    for submitted in submissions:
        report = grade(rubric, submitted.folder, options)
        write_results(out_dir / submitted.label / "results.json", gradescope_results(report))
        graded.append((submitted, report))
        if progress:
            progress(submitted, report)
    write_scores(out_dir / "scores.csv", rubric, graded)
    return graded


def write_scores(path: Path, rubric: Rubric, graded: list[tuple[Submitted, Report]]) -> None:
    """One row per submission: who, total, maximum, grading errors, then each question's score."""
    questions = [q for q in rubric.questions if not q.graded_by_hand()]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["submission", "names", "emails", "sids", "total", "max", "grading_errors",
                         *[q.id for q in questions]])
        for submitted, report in graded:
            scores = {r.question.id: r.score for r in report.results}
            writer.writerow([
                submitted.label, "; ".join(submitted.names), "; ".join(submitted.emails),
                "; ".join(submitted.sids), f"{report.score:g}", f"{report.max_score:g}",
                len(report.grading_errors), *[f"{scores.get(q.id, 0.0):g}" for q in questions],
            ])
