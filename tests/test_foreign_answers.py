"""Answers written from the seed homeworks by someone who never read the parser (a held-apart
helper), where the grader was wrong: each must now score as a fair TA would."""

from __future__ import annotations

import pytest

from autograder.kinds import KINDS
from autograder.rubric import load_rubric
from tests.conftest import PROJECT


def credit(assignment: str, question_id: str, answer: object) -> float:
    rubric = load_rubric(PROJECT / "rubrics" / f"{assignment}.yaml")
    return KINDS["expression"].grade(rubric.question(question_id), answer).credit


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("-log(exp(o^a_y) / sum(exp(o^a)))", 1.0),  # seed 004 writes entries as o^a_y, o^s_y
        ("-o^a_y + log(sum(exp(o^a)))", 1.0),
        ("log(sum(exp(o^a))) - (o^a)_y", 1.0),
        ("o^a_y - log(sum(exp(o^a)))", 0.0),  # the sign the other way round
    ],
)
def test_an_entry_taken_with_the_class_label_reads_as_that_entry(answer: str, expected: float) -> None:
    assert credit("derivatives-convnets", "q2d", answer) == expected


def test_an_index_that_is_not_the_class_label_is_still_refused() -> None:
    rubric = load_rubric(PROJECT / "rubrics" / "derivatives-convnets.yaml")
    verdict = KINDS["expression"].grade(rubric.question("q2d"), "-log(exp(o^a_k) / sum(exp(o^a)))")
    assert verdict.credit == 0 and "an entry taken with _" in verdict.messages[0]


RIGHT_WEIGHTS = {"W1_new": "W_1/2", "b1_new": "b_1/2", "W2_new": "W_2", "b2_new": "b_2"}


@pytest.mark.parametrize(
    ("relation", "right"),
    [
        ("\\sigma(a) = \\frac{1}{2}\\left(\\tanh\\left(\\frac{a}{2}\\right) + 1\\right)", True),
        ("σ(a) = (1 + tanh(a/2))/2", True),
        ("1/2 tanh(a/2) + 1/2", True),
        ("tanh(a) = 2 sigma(2a) - 1", False),  # σ on a side that is not the question's
        ("1/(1+exp(-a))", False),
    ],
)
def test_a_side_naming_the_question_may_use_a_forbidden_function(relation: str, right: bool) -> None:
    rubric = load_rubric(PROJECT / "rubrics" / "perceptron-weights.yaml")
    verdict = KINDS["expression"].grade(rubric.question("p2"), {"relation": relation, **RIGHT_WEIGHTS})
    assert verdict.messages[0].startswith("relation: correct" if right else "relation: this answer must not use")
