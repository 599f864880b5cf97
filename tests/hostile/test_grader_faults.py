"""A fault in the grader itself is a grading error: visible to the instructor, never a silent mark."""

from __future__ import annotations

from dataclasses import replace

import pytest

from autograder.kinds import KINDS, Kinds
from tests.hostile.conftest import Graded, Grader


def _broken(*_: object, **__: object) -> object:
    raise ZeroDivisionError("a bug in a checker")


def test_a_checker_exception_is_a_grading_error(
    grader: Grader, baseline: Graded, monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograder.rubric

    # The kinds that `autograder run` loads the rubric with, and that grading then asks.
    broken = Kinds({**KINDS, "choice": replace(KINDS["choice"], grade=_broken)})
    monkeypatch.setattr(autograder.rubric, "KINDS", broken)
    graded = grader.grade(grader.submission({}))
    for number in ("1", "4"):  # the two choice questions
        test = graded.test(number)
        assert test["score"] == 0 and test["status"] == "failed"
        assert "grading-error" in test["tags"]
        assert test["output"].startswith("This question could not be graded because of a fault in the autograder")
        trace = test["extra_data"]["grading_error"]
        assert "ZeroDivisionError: a bug in a checker" in trace and "Traceback" in trace
        assert "a bug in a checker" not in test["output"]
    for number in ("2", "3"):
        assert graded.test(number) == baseline.test(number)
    assert "2 question(s) could not be graded because of a fault in the autograder" in graded.results["output"]


def test_a_broken_oracle_is_a_grading_error(grader: Grader, baseline: Graded) -> None:
    oracle = grader.source / "reference" / "hostile" / "oracle.py"
    original = oracle.read_text()
    oracle.write_text(original.replace('return {"y": 3 * x}', 'return {"y": 3 * x.undefined}'))
    try:
        graded = grader.grade(grader.submission({}))
    finally:
        oracle.write_text(original)
    test = graded.test("2")
    assert test["score"] == 0 and "grading-error" in test["tags"]
    assert "AttributeError" in test["extra_data"]["grading_error"]
    for number in ("1", "3", "4"):
        assert graded.test(number) == baseline.test(number)


def test_results_are_written_when_the_grader_fails_outright(
    grader: Grader, monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograder.cli

    monkeypatch.setattr(autograder.cli, "grade", _broken)
    graded = grader.grade(grader.submission({}))
    assert graded.results["score"] == 0 and graded.results["tests"] == []
    assert "The autograder failed before grading your submission" in graded.results["output"]


