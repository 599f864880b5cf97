"""Grader faults are contained: one question marked as a grading error, the rest graded."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from autograder import grading
from autograder.kinds import KINDS, Kinds
from autograder.report.results import gradescope_results
from autograder.rubric import load_rubric
from tests.conftest import ASSIGNMENT, PROJECT


def test_checker_exception_becomes_a_marked_grading_error() -> None:
    choice = KINDS["choice"]

    def flaky(question: Any, answer: Any) -> Any:
        if question.id == "q4b":
            raise ZeroDivisionError("bug in the checker")
        return choice.grade(question, answer)

    kinds = Kinds({**KINDS, "choice": dataclasses.replace(choice, grade=flaky)})
    rubric = load_rubric(PROJECT / "rubrics" / f"{ASSIGNMENT}.yaml", kinds=kinds)
    report = grading.grade(rubric, PROJECT / "reference" / ASSIGNMENT)
    results = gradescope_results(rubric, report)
    broken = results["tests"][3]
    assert broken["score"] == 0.0 and broken["status"] == "failed" and "grading-error" in broken["tags"]
    assert "fault in the autograder, not in your work" in broken["output"]
    assert "ZeroDivisionError: bug in the checker" in broken["extra_data"]["grading_error"]
    assert "Traceback" not in broken["output"]
    assert results["score"] == 22.0
    assert "1 question(s) could not be graded" in results["output"]


def test_out_of_time_questions_are_skipped_not_lost(tmp_path: Path) -> None:
    text = (PROJECT / "rubrics" / f"{ASSIGNMENT}.yaml").read_text()
    rubric_path = tmp_path / "r.yaml"
    rubric_path.write_text(text.replace("  device: auto", "  device: auto\n  total_time_limit: 30"))
    report = grading.grade(load_rubric(rubric_path), PROJECT / "reference" / ASSIGNMENT)
    assert [r.status for r in report.results][-1] == "skipped"
    assert report.score == 22.0  # answers.yaml questions cost no time and are all graded
