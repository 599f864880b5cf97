"""The ``manual`` kind: a question graded by hand (a proof, a plot, an essay).

It is part of the rubric so that the assignment's outline mirrors the homework: its points are
listed, students are told where to hand it in, and the autograder never scores it. On Gradescope
it becomes a manually graded question next to the autograder (``autograder build`` prints the
outline); in ``results.json`` it adds nothing to the score or to the maximum.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from autograder.kinds.base import Kind, Verdict
from autograder.rubric_models import QuestionBase


class ManualQuestion(QuestionBase):
    """A question an instructor grades by hand; ``what`` says what students hand in."""

    kind: Literal["manual"]
    what: str = Field(
        default="your written answer in the PDF", min_length=1,
        description="What students hand in for it, e.g. 'the proof, in the PDF'.",
    )

    def graded_by_hand(self) -> bool:
        return True


def message(question: QuestionBase) -> str:
    """What the student reads in place of a score."""
    unit = "point" if question.points == 1 else "points"
    worth = f"{question.points:g} bonus {unit}" if question.bonus else f"{question.points:g} {unit}"
    what = getattr(question, "what", ManualQuestion.model_fields["what"].default)
    return f"Graded by hand ({worth}): {what}."


def grade(question: ManualQuestion, answer: Any) -> Verdict:
    """Never called for credit (grading asks ``by_hand`` instead); says so if it is."""
    return Verdict(0.0, (message(question),))


def precheck(question: ManualQuestion, answer: Any) -> list[str]:
    """Nothing to read: the answer is not in the submitted files."""
    return []


KIND = Kind(name="manual", model=ManualQuestion, grade=grade, precheck=precheck, by_hand=message)
