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
from autograder.safefs import fresh_dir, write_new
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
    """Each question's pictures as QUESTION.png (QUESTION-2.png, ...) in ``folder``.

    The folder is made fresh (whatever was there removed, links never followed) and every file
    created new with ``O_EXCL | O_NOFOLLOW``: a symlink a student left in the output folder
    must not make root write through it.
    """
    written: list[Path] = []
    if not any(result.figures for result in results):
        return written
    fresh_dir(folder)
    for result in results:
        for index, figure in enumerate(result.figures, 1):
            path = folder / (result.id + (f"-{index}" if index > 1 else "") + ".png")
            write_new(path, figure.png)
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


# Bytes kept for results.json before grading starts (reserve_results).
RESERVED_BYTES = 2 * 2**20


def reserve_results(path: Path) -> None:
    """Before grading: a valid results.json (a failure) padded to :data:`RESERVED_BYTES`, so that
    the real one can be written over it in place even if a submission fills the disk."""
    text = json.dumps(failure_results("The autograder did not finish grading your submission. "
                                      "This is not a problem with your submission."), indent=2)
    try:
        write_results(path, None, text.encode() + b" " * (RESERVED_BYTES - len(text)))
    except OSError:
        pass  # no room even now: write_results will say so at the end


def _in_place(path: Path, data: bytes) -> None:
    """Overwrite the reserved file without new blocks (no truncation until the data is in)."""
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _shrunk(results: dict[str, Any]) -> bytes:
    """The results with long outputs cut, to fit the reserved space."""
    tests = [{**test, "output": str(test.get("output", ""))[:2000], "extra_data": {}}
             for test in results.get("tests", [])]
    return json.dumps({**results, "output": str(results.get("output", ""))[:4000], "tests": tests}).encode()


def write_results(path: Path, results: dict[str, Any] | None, raw: bytes | None = None) -> None:
    """Write JSON atomically: a reader sees the old file or the whole new one, never a part.

    On a full disk, the file :func:`reserve_results` made is overwritten in place instead.
    """
    try:
        _write_atomically(path, results, raw)
    except OSError:
        if results is None or not path.is_file():
            raise
        data = json.dumps(results, indent=2, allow_nan=False).encode() + b"\n"
        _in_place(path, data if len(data) <= RESERVED_BYTES else _shrunk(results))


def _write_atomically(path: Path, results: dict[str, Any] | None, raw: bytes | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".results-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            if raw is not None:
                stream.buffer.write(raw)
            else:
                json.dump(results, stream, indent=2, allow_nan=False)
                stream.write("\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
