"""Gradescope's ``results.json``: built from a grading report, written atomically."""

from __future__ import annotations

import base64
import html
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from autograder.outcomes import QuestionResult, Report
from autograder.report.render import render
from autograder.rubric import Rubric
from autograder.rubric_models import QuestionBase


def gradescope_test(index: int, question: QuestionBase, result: QuestionResult) -> dict[str, Any]:
    """One Gradescope test for one question."""
    entry: dict[str, Any] = {
        "score": result.score,
        "max_score": result.max_score,
        "status": "passed" if result.score >= question.points else "failed",
        "name": question.title + (" (bonus)" if question.bonus else ""),
        "number": question.number or str(index + 1),
        "output": render(
            "test_output.txt.j2",
            messages=result.messages,
            detail=result.detail,
            output=result.output,
        ),
        "output_format": "text",
        "tags": list(question.tags) + (["grading-error"] if result.error else []),
        "visibility": question.visibility,
    }
    if result.figures:
        entry["output"] = figures_html(entry["output"], result)
        entry["output_format"] = "html"
    if result.error:
        # Not shown to students; kept for the instructor with the submission's results.
        entry["extra_data"] = {"grading_error": result.error}
    return entry


def figures_html(text: str, result: QuestionResult) -> str:
    """The text (escaped, so nothing in it becomes markup) followed by the question's pictures."""
    parts = [f"<pre>{html.escape(text)}</pre>"]
    for figure in result.figures:
        data = base64.b64encode(figure.png).decode("ascii")
        caption = html.escape(figure.caption)
        parts.append(f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
                     f"<figcaption>{caption}</figcaption></figure>")
    return "\n".join(parts)


def write_figures(folder: Path, results: tuple[QuestionResult, ...]) -> list[Path]:
    """Each question's pictures as QUESTION.png (QUESTION-2.png, ...) in ``folder``."""
    written = []
    for result in results:
        for index, figure in enumerate(result.figures, 1):
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / (result.id + (f"-{index}" if index > 1 else "") + ".png")
            path.write_bytes(figure.png)
            written.append(path)
    return written


def summary_text(rubric: Rubric, report: Report) -> str:
    """The submission-wide message at the top of the results."""
    by_hand = [rubric.question(r.id) for r in report.by_hand]
    return render(
        "summary.txt.j2",
        title=rubric.assignment.title,
        score=report.score,
        max_score=report.max_score,
        mode=report.mode,
        devices=report.devices,
        notes=report.notes,
        grading_errors=len(report.grading_errors),
        by_hand=[(q.number or q.id, q.title, q.points, q.bonus) for q in by_hand],
    )


def gradescope_results(rubric: Rubric, report: Report) -> dict[str, Any]:
    """The whole ``results.json`` document for one submission graded on ``rubric``."""
    assignment = rubric.assignment
    return {
        "score": report.score,
        "execution_time": round(report.seconds, 3),
        "output": summary_text(rubric, report),
        "output_format": "text",
        "visibility": assignment.visibility,
        "stdout_visibility": assignment.stdout_visibility,
        "tests": [gradescope_test(i, rubric.question(r.id), r)
                  for i, r in enumerate(report.results) if r.status != "manual"],
    }


def failure_results(message: str, seconds: float = 0.0) -> dict[str, Any]:
    """Results for a submission that could not be graded at all (e.g. a broken rubric)."""
    return {
        "score": 0.0,
        "execution_time": round(seconds, 3),
        "output": message.strip() + "\n",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Write JSON atomically: a reader sees the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".results-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(results, stream, indent=2, allow_nan=False)
            stream.write("\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
