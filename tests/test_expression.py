"""The expression kind on the seed rubrics: worked answers, each class of wrong answer, and attacks."""

from __future__ import annotations

import builtins
import time
from pathlib import Path
from typing import Any

import pytest
import sympy

from autograder.kinds.expression.kind import ExpressionQuestion, grade, precheck
from autograder.grading import Options
from autograder.grading import grade as grade_submission
from autograder.rubric import RubricError, load_rubric, parse_rubric
from autograder.yamlio import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
BACKPROP = load_rubric(ROOT / "rubrics" / "backprop-basics.yaml")
MATRIX = load_rubric(ROOT / "tests" / "fixtures" / "matrix-calculus.yaml")


def q(rubric: Any, question_id: str) -> ExpressionQuestion:
    question = rubric.question(question_id)
    assert isinstance(question, ExpressionQuestion)
    return question


def points(rubric: Any, question_id: str, answer: Any) -> tuple[float, str]:
    question = q(rubric, question_id)
    verdict = grade(question, answer)
    return round(verdict.credit * question.points, 6), " ".join(verdict.messages)


# The completed Q1 of seed 000 (Sloan Atkins' solutions), exactly as typeset in the document.
SEED_000_SOLUTIONS = {
    "q1-w2": r"\frac{\partial L}{\partial w_2} = \frac{\partial L}{\partial h_3} \frac{\partial h_3}{\partial h_2} "
    r"\frac{\partial h_2}{\partial w_2} = \frac{\partial L}{\partial h_3} f'_3 w_4 f'_2 x",
    "q1-w3": r"\frac{\partial L}{\partial w_3} = \frac{\partial L}{\partial h_3} \frac{\partial h_3}{\partial w_3} "
    r"= \frac{\partial L}{\partial h_3} f'_3 h_1",
    "q1-w4": r"\frac{\partial L}{\partial w_4} = \frac{\partial L}{\partial h_3} \frac{\partial h_3}{\partial w_4} "
    r"= \frac{\partial L}{\partial h_3} f'_3 h_2",
    "q1-b1": r"\frac{\partial L}{\partial b_1} = \frac{\partial L}{\partial h_3} \frac{\partial h_3}{\partial h_1} "
    r"\frac{\partial h_1}{\partial b_1} = \frac{\partial L}{\partial h_3} f'_3 w_3 f'_1",
    "q1-b2": r"\frac{\partial L}{\partial b_2} = \frac{\partial L}{\partial h_3} \frac{\partial h_3}{\partial h_2} "
    r"\frac{\partial h_2}{\partial b_2} = \frac{\partial L}{\partial h_3} f'_3 w_4 f'_2",
    "q1-b3": r"\frac{\partial L}{\partial b_3} = \frac{\partial L}{\partial h_3} \frac{\partial h_3}{\partial b_3} "
    r"= \frac{\partial L}{\partial h_3} f'_3",
    "q1-x": r"\begin{aligned} \frac{\partial L}{\partial x} &= \frac{\partial L}{\partial h_3} "
    r"\frac{\partial h_3}{\partial h_1} \frac{\partial h_1}{\partial x} + \frac{\partial L}{\partial h_3} "
    r"\frac{\partial h_3}{\partial h_2} \frac{\partial h_2}{\partial x} \\ &= \frac{\partial L}{\partial h_3} "
    r"f'_3 w_3 f'_1 w_1 + \frac{\partial L}{\partial h_3} f'_3 w_4 f'_2 w_2 \end{aligned}",
    "q2-dydz": "0",
}


def test_seed_000_worked_solutions_score_full_marks() -> None:
    answers = {key: value.replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "") for key, value in SEED_000_SOLUTIONS.items()}
    total = sum(points(BACKPROP, key, answer)[0] for key, answer in answers.items())
    assert total == 19


def test_seed_000_partial_solution_example_scores_one_point() -> None:
    """The document's own example: the chain alone is 1 of 2 points; with its expansion, 2."""
    chain = r"\frac{\partial L}{\partial h_3} \frac{\partial h_3}{\partial h_2} \frac{\partial h_2}{\partial w_2}"
    score, message = points(BACKPROP, "q1-w2", chain)
    assert score == 1
    assert "not expanded" in message
    assert points(BACKPROP, "q1-w2", chain + r" = \frac{\partial L}{\partial h_3} f'_3 w_4 f'_2 x")[0] == 2


@pytest.mark.parametrize(
    "answer",
    [
        "dL/dh3 * f3' * w4 * f2' * x",
        "x f_2' w_4 f_3' dL/dh_3",
        "∂L/∂h₃ · f₃' · w₄ · f₂' · x",
        r"\frac{dL}{dh_3} \cdot f'_{3} \times w_{4} f'_{2} x",
        "dL/dw2 = dL/dh3 f3' w4 f2' x",
        "(dL/dh3 f3') (w4 f2' x)",
    ],
)
def test_spellings_of_the_right_answer_get_full_marks(answer: str) -> None:
    assert points(BACKPROP, "q1-w2", answer)[0] == 2


@pytest.mark.parametrize(
    ("question_id", "answer", "score", "feedback"),
    [
        # missing factor
        ("q1-w2", "dL/dh3 f3' w4 x", 0, "missing factor f'_2"),
        # swapped weights: a known mistake with its own feedback
        ("q1-w2", "dL/dh3 f3' w3 f2' x", 0, "w4; w3 belongs to h1"),
        # sign error
        ("q1-b3", "-dL/dh3 f3'", 0, "wrong sign"),
        # constant factor
        ("q1-b3", "2 dL/dh3 f3'", 0, "constant factor"),
        # wrong path: an atom that is not an edge of the graph
        ("q1-w2", "dL/dh3 dh3/dw2", 0, "∂h_3/∂w_2 is not one step of the computational graph"),
        # a chain that goes somewhere else
        ("q1-b3", "dL/dh3 dh3/dh1", 0, "not a path from L to b_3"),
        # unexpanded chain
        ("q1-w3", "dL/dh3 dh3/dw3", 1, "not expanded"),
        # chain summing only one of two paths
        ("q1-x", "dL/dh3 dh3/dh2 dh2/dx", 0, "x reaches h3 along two paths"),
        # chain counting one path twice
        ("q1-x", "dL/dh3 dh3/dh1 dh1/dx + dL/dh3 dh3/dh1 dh1/dx", 0, "counted more than once"),
        # complete chain over both paths
        ("q1-x", "dL/dh3 dh3/dh1 dh1/dx + dL/dh3 dh3/dh2 dh2/dx", 1, "not expanded"),
        # a right chain with a wrong expansion keeps the chain's point, and says what is wrong
        ("q1-b1", "dL/dh3 dh3/dh1 dh1/db1 = dL/dh3 f3' w4 f1'", 1, "side 2 of your equation is not right"),
        # restating the question is not an answer
        ("q1-b1", "dL/db1", 0, "restated the question"),
        # names that do not exist, with a suggestion
        ("q1-b2", "dL/dh3 f3 w4 f2", 0, "did you mean f'_3"),
        ("q2-dydz", "y(1-y)", 0, "That is ∂y/∂h"),
        ("q2-dydz", "1", 0, "Not right."),
    ],
)
def test_wrong_answers_get_exact_points_and_feedback(question_id: str, answer: str, score: float, feedback: str) -> None:
    got, message = points(BACKPROP, question_id, answer)
    assert got == score
    assert feedback in message


def test_sides_all_takes_the_points_of_a_wrong_equation() -> None:
    strict = q(BACKPROP, "q1-b1").model_copy(update={"sides": "all"})
    verdict = grade(strict, "dL/dh3 dh3/dh1 dh1/db1 = dL/dh3 f3' w4 f1'")
    assert verdict.credit == 0
    assert "every side must be right" in verdict.messages[0]


@pytest.mark.parametrize(
    ("question_id", "answer", "score", "feedback"),
    [
        ("residual-dldw", "outer(v, u) + diag(H(y)) (I + W.T) v x^T", 2, "Correct"),
        ("residual-dldw", r"\mathbf{v} \otimes \mathbf{u} + \mathrm{diag}(\Theta(\mathbf{y}))(\mathbf{I} + \mathbf{W}^{\top})\mathbf{v} \otimes \mathbf{x}", 2, "Correct"),
        # using the definitions (u = ReLU(y), y = W x) is just as right
        ("residual-dldw", "v relu(W x)^T + diag(Θ(y)) (I + W^T) v x^T", 2, "Correct"),
        ("residual-dldw", "v ⊗ u + diag(Θ(y)) (I + W) v ⊗ x", 0, "as W^T, not W"),
        ("residual-dldw", "u ⊗ v + x ⊗ (diag(Θ(y)) (I + W^T) v)", 0, "transposed?"),
        ("residual-dldw", "v u + x", 0, "cannot multiply (d, 1) by (d, 1)"),
        ("grad-hs", "dL/do^a^T W_2", 0, "transposed?"),
        ("grad-hs", "W_2 dL/do^a", 0, "is the left factor transposed?"),
        ("grad-oa", "onehot(y) - o^s", 0, "the sign is the other way round"),
        ("grad-ha", "dL/dh^s * cos(h^a)", 0, "did you mean ⊙"),
        ("softmax-jacobian", "diag(S(x)) - S(x)^T S(x)", 0, "outer product"),
        ("residual-mlp-xbar", "W_1^T (σ'(z) ⊙ (W_2^T (y - s) + r))", 0, "skip connection"),
        ("residual-mlp-xbar", "y - s + W_1^T (sigma(z) ⊙ (1 - sigma(z)) ⊙ (W_2^T (y - s) + r))", 20, "Correct"),
        ("residual-mlp-xbar", "ybar + W_1^T zbar", 20, "Correct"),
        ("sigmoid-derivative", "sigma'(x)", 0, "must not use sigma'"),
        ("sigmoid-derivative", "e^{-x} / (1 + e^{-x})^2", 0, "must not use exp"),
        ("sigmoid-derivative", "sigma(x) - sigma(x)^2", 1, "Correct"),
        ("sign-indicators", "[x > 0] - [x < 0]", 1, "Correct"),
        # equal off the kink, wrong at x = 0: switching points are always tried (issue 19)
        ("sign-indicators", "1_{x >= 0} - 1_{x < 0}", 0, "exactly where a case switches"),
        ("sign-indicators", "2 [x > 0] - 1", 0, "exactly where a case switches"),
        ("sign-indicators", "1_{x > 0} - 1_{-x > 0}", 1, "Correct"),
        # Heaviside's value at 0 is a convention: [y ≥ 0] for ReLU's derivative is as right
        ("residual-dldw", "outer(v, u) + diag([y >= 0]) (I + W.T) v x^T", 2, "Correct"),
        ("n-theta", "d_h d + d_h + m d_h + m", 1, "Correct"),
        ("n-theta", "d_h d + m d_h", 0, "Count the biases"),
        ("relu3", "f(x) = W3 relu(W2 relu(W1 x + b1) + b2) + b3", 1, "Correct"),
        ("relu3", "W3 (W2 (W1 x + b1) + b2) + b3", 0, "Without the ReLUs"),
        ("grad-l2", "x", 0, "the factor 2 stays"),
        ("grad-l2", "2 x^T", 0, "transposed?"),
    ],
)
def test_matrix_answers_are_judged_by_value_with_shape_feedback(
    question_id: str, answer: str, score: float, feedback: str
) -> None:
    got, message = points(MATRIX, question_id, answer)
    assert got == score, message
    assert feedback in message


def test_parts_are_weighted_and_named() -> None:
    answer = {"relation": "tanh(a/2)/2 + 1/2", "W1_new": "W_1/2", "b1_new": "b_1", "W2_new": "0.5 W_2", "b2_new": "b_2"}
    score, message = points(MATRIX, "sigmoid-tanh", answer)
    assert score == 8 + 3 + 0 + 3 + 0
    assert "b1_new: not right: it is off by a constant factor" in message
    assert "b2_new: not right. The +1/2" in message
    assert points(MATRIX, "sigmoid-tanh", "1/2")[1].startswith("Write this answer as a mapping")


@pytest.mark.parametrize(
    "attack",
    [
        "__import__('os').system('true')",
        "x.__class__.__mro__",
        "exec('1')",
        "eval('1')",
        "lambda: 0",
        "getattr(x, 'y')",
        "9**9**9**9**9",
        "x^(9^9^9)",
        "((((((((9^9)^9)^9)^9)^9)^9)^9)^9)",
        "(" * 500 + "x" + ")" * 500,
        "x" * 5000,
        "1e999999999",
        "9" * 400,
        "dL/dh3 " * 300,
        "\\frac{" * 300,
        "sympify('x')",
        "x; import os",
        "{x: 1}",
    ],
)
def test_attack_strings_get_a_clean_message_fast_and_never_reach_eval(
    attack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("student text reached eval/exec/sympify")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, refuse)
    monkeypatch.setattr(sympy, "sympify", refuse)
    monkeypatch.setattr(sympy, "parse_expr", refuse, raising=False)
    started = time.perf_counter()
    for rubric, question_id in ((BACKPROP, "q1-w2"), (MATRIX, "residual-dldw")):
        verdict = grade(q(rubric, question_id), attack)
        assert verdict.credit == 0
        assert verdict.messages and len(verdict.messages[0]) < 600
    assert time.perf_counter() - started < 2.0


def test_precheck_reads_form_but_never_correctness() -> None:
    question = q(BACKPROP, "q1-w2")
    assert precheck(question, "dL/dh3 f3' w3 f2' x") == []  # wrong, but well-formed
    assert precheck(question, "dL/dh3 dh3/dw2") == []  # a wrong chain is still well-formed
    problems = precheck(question, "dL/dh3 g3 w4")
    assert len(problems) == 1 and "unknown name 'g3'" in problems[0]
    assert precheck(q(MATRIX, "sigmoid-derivative"), "sigma'(x)") == ["this answer must not use sigma'"]
    assert precheck(question, None) == ["no answer given"]


def test_grading_is_deterministic() -> None:
    first = [grade(q(MATRIX, "residual-mlp-xbar"), "ybar + W_1^T (sigma'(z) ⊙ hbar)") for _ in range(2)]
    assert first[0] == first[1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("expected: \"0\"", "expected: \"0 +\""), "question q2-dydz: expected '0 +': expected a number, a name or '(', found 'the end'"),
        (("context: q1-network\n    target: dL/dw_3", "context: q9\n    target: dL/dw_3"), "question q1-w3: context 'q9' is not defined under contexts (defined: q1-network)"),
        (("expected: \"dL/dh_3 f'_3\"", "expected: \"dL/dh_3 dh_3/dx\""), "expected uses ∂h_3/∂x, which is neither given"),
        (("b_3: \"f'_3\"}", "b_3: \"f'_9\"}"), "graph h_3 → b_3 \"f'_9\": unknown name"),
    ],
)
def test_broken_expression_rubrics_name_file_line_and_question(change: tuple[str, str], message: str) -> None:
    text = (ROOT / "rubrics" / "backprop-basics.yaml").read_text()
    assert change[0] in text
    with pytest.raises(RubricError) as raised:
        parse_rubric(parse_yaml(text.replace(change[0], change[1], 1), "x.yaml"), "x.yaml")
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


@pytest.mark.parametrize("name", ["backprop-basics", "derivatives-convnets"])
def test_reference_scores_full_marks_and_template_zero(name: str) -> None:
    rubric = load_rubric(ROOT / "rubrics" / f"{name}.yaml")
    options = Options(reference=ROOT / "reference" / name)
    reference = grade_submission(rubric, ROOT / "reference" / name, options)
    assert all(r.score == rubric.question(r.id).points for r in reference.autograded)
    template = grade_submission(rubric, ROOT / "student_template" / name, options)
    assert template.score == 0 and not template.grading_errors


def test_a_matrix_plus_a_scalar_of_another_shape_is_wrong_not_a_grader_fault() -> None:
    """Found by a generated regrade: broadcasting gave the answer a shape the hints did not expect."""
    mlp = load_rubric(ROOT / "rubrics" / "mlp-backprop.yaml")
    question = next(q for q in mlp.questions if q.title.startswith("1.2(c)"))
    assert isinstance(question, ExpressionQuestion)
    answers = parse_yaml((ROOT / "reference" / "mlp-backprop" / "answers.yaml").read_text(), "answers.yaml").data
    mine = dict(answers[str(question.answer_source("answers.yaml").name)])
    mine["W1"] = "(dl/dyhat^T dyhat/dz_3 W_2 dz_2/dz_1)^T x^T + 1"
    verdict = grade(question, mine)
    assert verdict.credit == pytest.approx(0.7)
    assert "W1: not right" in " ".join(verdict.messages)


# --- issue 19: reading back, the YAML quoting trap, strict sides, words, the lint ---------------

from autograder.kinds.expression.kind import lint, read_back  # noqa: E402


def test_check_reads_each_answer_back_in_one_canonical_line() -> None:
    assert read_back(q(BACKPROP, "q1-w2"), "dL/dh3 * f3' * w4 * f2' * x") == ["read as: ∂L/∂h₃ · f₃′ · w₄ · f₂′ · x"]
    notes = read_back(q(BACKPROP, "q1-b2"), "x(w1 + w2)")
    assert notes[0] == "read as: x · (w₁ + w₂)"
    assert "not a function" in notes[1]


@pytest.mark.parametrize(("answer", "meant"), [("\tanh(x)", "\\tanh"), ("\frac{x}{2}", "\\frac"), ("\beta x", "\\beta")])
def test_control_characters_from_double_quotes_are_named_with_the_fix(answer: str, meant: str) -> None:
    question = q(BACKPROP, "q1-w2")
    (problem,) = precheck(question, answer)
    assert meant in problem and "single quotes" in problem
    assert "unknown name" not in " ".join(grade(question, answer).messages)


@pytest.mark.parametrize("answer", ["x w4 f2' f3' dL/dh3 = x", "x = x w4 f2' f3' dL/dh3", "dL/dh3 f3' w4 f2' x = dL/dh3 f3' w3 f2' x"])
def test_guessing_several_sides_never_scores_and_never_says_which_side_was_right(answer: str) -> None:
    score, message = points(BACKPROP, "q1-w2", answer)
    assert score == 0
    assert "side 1" not in message and "side 2" not in message and "one side is right" not in message


def test_words_and_justifications() -> None:
    assert points(BACKPROP, "q2-dydz", "zero")[0] == 5
    assert points(BACKPROP, "q2-dydz", "0, since there is no path from z to y")[0] == 5
    assert points(BACKPROP, "q2-dydz", "dy/dz = 0")[0] == 5


def test_seed_rubrics_pass_the_feedback_lint() -> None:
    for name in ("backprop-basics", "derivatives-convnets", "mlp-backprop", "perceptron-weights", "relu-networks"):
        rubric = load_rubric(ROOT / "rubrics" / f"{name}.yaml")
        assert [p for question in rubric.questions if isinstance(question, ExpressionQuestion) for p in lint(question)] == []


def test_the_lint_finds_feedback_that_gives_the_answer_away() -> None:
    question = q(BACKPROP, "q1-w2")
    mistake = question.mistakes[0].model_copy(update={"feedback": "It should be `x f2' w4 f3' dL/dh3`. Use w4."})
    leaky = question.model_copy(update={"mistakes": [mistake]})
    leaky.__dict__.pop("compiled", None)
    problems = lint(leaky)
    assert any("equals the expected answer" in p for p in problems)
    assert any("dictates the fix" in p for p in problems)
