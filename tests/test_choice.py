"""The choice kind: how answers are read, judged, and explained — right and varied wrong ones."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from autograder.kinds.choice import ChoiceQuestion, grade, precheck


def question(**fields: Any) -> ChoiceQuestion:
    return ChoiceQuestion.model_validate({"id": "q", "title": "Q", "points": 1, "kind": "choice", **fields})


SHAPE = question(type="shape", symbols=["k"], expected="(1, k)", accept=["(1, k, 1)"])
B2 = question(type="shape", expected="(1,)", accept=["()", "(1, 1)"])
OPTION = question(type="option", options={"A": "linear", "B": "piecewise-linear", "C": "polynomial"}, expected="B")
YESNO = question(type="yesno", expected=False)
NUMBER = question(type="number", expected=0.25, tolerance={"abs": 0, "rel": 1e-3})
INTEGER = question(type="integer", expected=1600, mistakes=[{"answer": 9216, "feedback": "Pooling?", "credit": 0.25}])


@pytest.mark.parametrize(
    ("spec", "answer"),
    [
        (SHAPE, "(1, k)"), (SHAPE, "[1, k]"), (SHAPE, "1 x k"), (SHAPE, "1×k"), (SHAPE, [1, "k"]),
        (SHAPE, "torch.Size([1, k])"), (SHAPE, "1 by k"), (SHAPE, "(1,k,1)"),
        (B2, "(1,)"), (B2, "1"), (B2, "scalar"), (B2, "()"), (B2, [1, 1]),
        (OPTION, "B"), (OPTION, "b"), (OPTION, "(B)"), (OPTION, "B) piecewise-linear"), (OPTION, "Piecewise linear"),
        (YESNO, False), (YESNO, "no"), (YESNO, "No."), (YESNO, "n"),
        (NUMBER, 0.25), (NUMBER, "1/4"), (NUMBER, "2.5e-1"), (NUMBER, 0.25002),
        (INTEGER, 1600), (INTEGER, "1,600"), (INTEGER, 1600.0), (INTEGER, "1.6e3"), (INTEGER, " 1600 "),
    ],
)
def test_equivalent_right_answers_get_full_credit(spec: ChoiceQuestion, answer: Any) -> None:
    assert grade(spec, answer).credit == 1.0
    assert precheck(spec, answer) == []


@pytest.mark.parametrize(
    ("spec", "answer", "message"),
    [
        (SHAPE, "(k, 1)", "(k, 1) is not right. It looks transposed: check which size comes first."),
        (SHAPE, "(k,)", "(k,) is not right. It has the wrong number of dimensions."),
        (SHAPE, "(2, k)", "(2, k) is not right."),
        (B2, "(1, 2)", "(1, 2) is not right."),
        (OPTION, "A", "'A' is not right."),
        (YESNO, "yes", "Yes is not right."),
        (NUMBER, 0.26, "0.26 is not right."),
        (NUMBER, -0.25, "-0.25 is not right."),
        (INTEGER, 1601, "1601 is not right."),
        (INTEGER, 1600.5, "1600.5 is not right. The answer is a whole number."),
    ],
)
def test_wrong_answers_get_zero_and_say_why(spec: ChoiceQuestion, answer: Any, message: str) -> None:
    verdict = grade(spec, answer)
    assert verdict.credit == 0.0
    assert verdict.messages == (message,)
    assert precheck(spec, answer) == []  # well-formed: the check must not give the verdict away


@pytest.mark.parametrize(
    ("spec", "answer", "problem"),
    [
        (SHAPE, "(1, m + 1)", "cannot read 'm + 1' as a size: write whole numbers or names, separated by commas, e.g. (3, 4) or (n, 1)"),
        (OPTION, "\tanh", "your answer contains a tab where you probably wrote \\tanh: in double quotes YAML reads \\t as an escape, so \"\\tanh\" loses its backslash; put the answer in single quotes ('…') or a | block, where a backslash stays a backslash"),
        (SHAPE, {"a": 1}, "expected text, got a mapping"),
        (OPTION, "E", "answer with one of A, B, C"),
        (YESNO, "maybe", "answer yes or no"),
        (NUMBER, "a quarter", "expected a number such as 12, 0.5, 1e-3 or 3/4, got 'aquarter'"),
        (NUMBER, float("nan"), "expected a finite number"),
        (NUMBER, "inf", "expected a finite number"),
        (NUMBER, True, "expected a number, got yes/no"),
        (INTEGER, "1" * 100, "expected a number; this answer is too long"),
        (INTEGER, "1e999999999", "expected a number of reasonable size"),
        (NUMBER, "-1E-99999", "expected a number of reasonable size"),
        (INTEGER, [1600], "expected text, got a list"),
    ],
)
def test_unreadable_answers_are_explained(spec: ChoiceQuestion, answer: Any, problem: str) -> None:
    verdict = grade(spec, answer)
    assert verdict.credit == 0.0
    assert verdict.messages == (f"Could not read your answer: {problem}.",)
    assert precheck(spec, answer) == [problem]


def test_a_size_name_the_question_lacks_reads_and_is_judged_without_saying_so() -> None:
    """(k,) for a question whose answer has no k: check must not reveal that (issue 19)."""
    assert precheck(SHAPE, "(1, m)") == []
    assert grade(SHAPE, "(1, m)").credit == 0
    assert "m" not in grade(SHAPE, "(1, m)").messages[0].replace("(1, m)", "")


def test_known_mistake_gives_its_feedback_and_partial_credit() -> None:
    assert grade(INTEGER, "9216") == grade(INTEGER, 9216)
    verdict = grade(INTEGER, 9216)
    assert verdict.credit == 0.25 and verdict.messages == ("9216 is not right. Pooling?",)


def test_parts_are_weighted_and_judged_separately() -> None:
    spec = question(parts=[
        {"name": "convex", "type": "yesno", "expected": "no", "weight": 3},
        {"name": "concave", "type": "yesno", "expected": "no"},
    ])
    assert grade(spec, {"convex": "no", "concave": "no"}).credit == 1.0
    assert grade(spec, {"convex": "no", "concave": "yes"}).credit == 0.75
    assert grade(spec, {"convex": "yes"}).messages == ("convex: yes is not right.", "concave: no answer given.")
    assert grade(spec, "no").messages == ("Write this answer as a mapping with the keys convex, concave.",)
    assert precheck(spec, {"convex": "no"}) == ["concave: no answer given"]


def test_no_answer_is_zero() -> None:
    assert grade(YESNO, None).messages == ("No answer given.",)
    assert precheck(YESNO, None) == ["no answer given"]


def test_feedback_never_contains_the_expected_answer() -> None:
    for spec, wrong in ((INTEGER, 17), (NUMBER, 3), (SHAPE, "(3, 3)"), (OPTION, "C")):
        text = " ".join(grade(spec, wrong).messages)
        assert str(spec.expected) not in text


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "shape", "expected": "(1, j)", "symbols": ["k"]},
        {"type": "option", "expected": "D", "options": ["A", "B"]},
        {"type": "option", "expected": "A"},
        {"type": "yesno", "expected": "perhaps"},
        {"type": "integer"},
        {"type": "integer", "expected": 3, "parts": [{"name": "a", "type": "yesno", "expected": "yes"}]},
        {"parts": [{"name": "a", "type": "yesno", "expected": "yes"}, {"name": "a", "type": "yesno", "expected": "no"}]},
        {"type": "integer", "expected": 3, "mistakes": [{"answer": "three", "feedback": "x"}]},
    ],
)
def test_rubric_answers_must_be_valid_themselves(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        question(**fields)


@pytest.mark.parametrize(
    ("fields", "leaks"),
    [
        ({"type": "integer", "expected": 2400, "mistakes": [
            {"answer": 2416, "feedback": "Count again: 2400 without the biases."}]}, ["'2400'"]),
        ({"type": "integer", "expected": 2400, "mistakes": [
            {"answer": 2416, "feedback": "That counts the 16 biases too."}]}, []),
        ({"type": "number", "expected": 0.5, "tolerance": {"abs": 0.01}, "mistakes": [
            {"answer": 2, "feedback": "You inverted it: 1/2 is what you want."}]}, ["'1/2'"]),
        ({"type": "shape", "symbols": ["k"], "expected": "(1, k)", "accept": ["[1, k]"], "mistakes": [
            {"answer": "(k, 1)", "feedback": "Transposed: it should be [1, k]."}]}, ["'[1, k]'"]),
        ({"type": "shape", "symbols": ["k"], "expected": "(1, k)", "mistakes": [
            {"answer": "(k, 1)", "feedback": "Transposed: (k, 1) maps the wrong way."}]}, []),
        ({"type": "text", "expected": "cross entropy", "mistakes": [
            {"answer": "mse", "feedback": "Not for classes; think Cross-Entropy."}]}, ["'cross entropy'"]),
        ({"type": "yesno", "expected": "yes", "mistakes": [
            {"answer": "no", "feedback": "Yes it can: think of a line."}]}, []),
    ],
)
def test_lint_finds_a_right_answer_in_a_mistake_s_feedback(fields: dict[str, Any], leaks: list[str]) -> None:
    from autograder.kinds.choice import lint

    problems = lint(question(**fields))
    assert len(problems) == len(leaks)
    for problem, leak in zip(problems, leaks):
        assert f"contains {leak}, which is a right answer" in problem
