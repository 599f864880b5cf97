"""The network kind on seed 001 Q5/Q7 and seed 003 P1: many right constructions, exact near misses."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from autograder.kinds.network.kind import NetworkQuestion, grade, precheck
from autograder.kinds.network.architecture import Architecture, read_network
from autograder.kinds.network.numbers import NumberError, exact
from autograder.kinds.network.piecewise import analyse
from autograder.rubric import RubricError, load_rubric, parse_rubric
from autograder.yamlio import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
RELU = load_rubric(ROOT / "rubrics" / "relu-networks.yaml")
PERCEPTRON = load_rubric(ROOT / "rubrics" / "perceptron-weights.yaml")

SEED_003 = {  # the homework's own solution, as printed
    "W1": [[-1, 1, 0, 0, 0], [0, -1, 1, 0, 0], [0, 0, -1, 1, 0], [0, 0, 0, -1, 1]],
    "b1": [0, 0, 0, 0],
    "w2": [-1, -1, -1, -1],
    "b2": 0,
}
# The first idea in the homework's solution: fire when x_i ≥ x_{i+1}; output when all four fire.
# Right on strict orderings, wrong on ties (the threshold fires at 0).
SEED_003_FLIPPED = {
    "W1": [[1, -1, 0, 0, 0], [0, 1, -1, 0, 0], [0, 0, 1, -1, 0], [0, 0, 0, 1, -1]],
    "b1": [0, 0, 0, 0],
    "W2": [[1, 1, 1, 1]],
    "b2": -4,
}


def judge(rubric: Any, question_id: str, answer: Any) -> tuple[float, str]:
    question = rubric.question(question_id)
    assert isinstance(question, NetworkQuestion)
    verdict = grade(question, answer)
    return round(verdict.credit * question.points, 6), " ".join(verdict.messages)


def test_seed_003_solution_scores_20_and_flipped_threshold_scores_10() -> None:
    assert judge(PERCEPTRON, "p1", SEED_003)[0] == 20
    score, feedback = judge(PERCEPTRON, "p1", SEED_003_FLIPPED)
    assert score == 10
    assert "10 of 20 points" in feedback
    assert "for x = (0, 0, 0, 0, 0) your network outputs 1; expected 0" in feedback


@pytest.mark.parametrize(
    "answer",
    [
        # scaled first layer, unequal output weights
        {"W1": [[-3, 3, 0, 0, 0], [0, -2, 2, 0, 0], [0, 0, -1, 1, 0], [0, 0, 0, -5, 5]],
         "W2": [-1, -2, -3, -4], "b2": 0},
        # fractions and decimals as text; hidden units in another order; b2 inside [0, 1)
        {"W^(1)": [[0, 0, 0, "-1/2", "1/2"], [0, 0, -0.5, 0.5, 0], [0, -1, 1, 0, 0], [-1, 1, 0, 0, 0]],
         "b^(1)": [0, 0, 0, 0], "w^(2)": [[-1], [-1], [-1], [-1]], "b^(2)": "1/2"},
    ],
)
def test_other_right_constructions_for_p1_score_20(answer: dict[str, Any]) -> None:
    assert judge(PERCEPTRON, "p1", answer)[0] == 20


@pytest.mark.parametrize(
    ("answer", "points", "says"),
    [
        (dict(SEED_003, b2=-0.5), 0, "for x = (4, 3, 2, 1, 0) your network outputs 0; expected 1"),
        (dict(SEED_003, W1=[list(r) for r in zip(*SEED_003["W1"])]), 0, "W1 must be 4×5, got 5×4: transposed?"),
        (dict(SEED_003, b1=[0, 0, 0]), 0, "b1 must have 4 entries"),
        (dict(SEED_003, W3=[[1]]), 0, "the network must have 2 layers"),
        (dict(SEED_003, W1=[[-1, 1, 0, 0, 0], [0, -1, 1, 0, 0], [0, 0, -1, 1, 0], [0, 0, 0, -1, "x"]]), 0,
         "'x' is not a number"),
    ],
)
def test_p1_near_misses(answer: dict[str, Any], points: float, says: str) -> None:
    score, feedback = judge(PERCEPTRON, "p1", answer)
    assert score == points
    assert says.lower() in feedback.lower()


OR_GATE = {"W1": [[1, 0], [0, 1]], "b1": [0, 0], "W2": [[1, 1]], "b2": 0}


@pytest.mark.parametrize(
    "answer",
    [OR_GATE, {"W1": [[2, 0], [0, 3]], "W2": [0.5, "1/3"]}, {"W1": [[0, 1], [1, 0]], "W2": [[4, 4]], "b1": 0.0}],
)
def test_or_gate_constructions(answer: dict[str, Any]) -> None:
    assert judge(RELU, "q7a", answer)[0] == 2


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (dict(OR_GATE, b2=0.001), "for x = (0, 0) your network outputs 0.001 (> 0); expected ≤ 0"),
        # a unit that switches at x1 = 10⁻⁹ instead of 0: only inputs in between show it
        (dict(OR_GATE, b1=["-1/1000000000", 0]), "for x = (1e-09, 0) your network outputs 0 (≤ 0); expected > 0"),
        (dict(OR_GATE, W1=[[1, 0], [0, 1], [1, 1]], b1=[0, 0, 0], W2=[[1, 1, 1]]), "W1 must be 2×2, got 3×2"),
        ({"W1": [[1, 0], [0, 1]], "W2": [[1, -1]]}, "expected > 0"),
        ({"W1": [[1, 0], [0, 1]], "W2": [[1, 1]], "c1": 3}, "Unexpected entry 'c1'"),
        ("impossible", "Such a network exists"),
        ([1, 2, 3], "Write the network as a mapping"),
    ],
)
def test_or_gate_near_misses(answer: Any, says: str) -> None:
    score, feedback = judge(RELU, "q7a", answer)
    assert score == 0
    assert says in feedback


XOR_MIN = {  # min(ReLU(x1), ReLU(−x2)) + min(ReLU(−x1), ReLU(x2)), 3 layers
    "W1": [[1, 0], [-1, 0], [0, 1], [0, -1]],
    "W2": [[1, 0, 0, 0], [1, 0, 0, -1], [0, 1, 0, 0], [0, 1, -1, 0]],
    "W3": [[1, -1, 1, -1]],
}
XOR_ABS = {  # |x1 − x2| − |x1 + x2| > 0 ⟺ x1 x2 < 0, 2 layers
    "W1": [[1, -1], [-1, 1], [1, 1], [-1, -1]],
    "W2": [[1, 1, -1, -1]],
}


@pytest.mark.parametrize("answer", [XOR_MIN, XOR_ABS, dict(XOR_ABS, W2=[[3, 3, -3, -3]], b2=0)])
def test_xor_constructions(answer: dict[str, Any]) -> None:
    assert judge(RELU, "q7b", answer)[0] == 2


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (dict(XOR_ABS, b2="1/10"), "for x = (0, 0) your network outputs 0.1 (> 0); expected ≤ 0"),
        (dict(XOR_ABS, W2=[[1, 1, -1, -1]], b2="-1/1000"), "expected > 0"),
        (dict(XOR_MIN, W4=[[1]]), "At most 3 layers allowed; you gave 4."),
        ({"W1": [[1, 0]] * 5, "W2": [[1] * 5]}, "Hidden layer 1 has 5 units; at most 4 allowed."),
    ],
)
def test_xor_near_misses(answer: dict[str, Any], says: str) -> None:
    score, feedback = judge(RELU, "q7b", answer)
    assert score == 0
    assert says in feedback


def test_nand_on_boolean_inputs() -> None:
    assert judge(RELU, "q7c", {"W1": [[1, 1]], "b1": [-1], "W2": [[-1]], "b2": 1})[0] == 1
    score, feedback = judge(RELU, "q7c", {"W1": [[1, 1]], "b1": [-1], "W2": [[-2]], "b2": 1})
    assert score == 0 and "for x = (1, 1) your network outputs -1; expected 0" in feedback


@pytest.mark.parametrize(
    ("question", "answer", "points", "says"),
    [
        ("q5a", {"W1": [1, -1], "W2": [1, -1]}, 1, "linear"),
        ("q5a", {"W1": [[2], [-2]], "W2": [[0.5, -0.5]]}, 1, "linear"),
        ("q5a", {"W1": [1, 1], "W2": [1, -1]}, 1, "linear"),  # zero function: linear too
        ("q5a", {"W1": [1, -1], "W2": [1, 1]}, 0, "it is convex (not linear)"),
        ("q5a", "impossible", 0, "Such a network exists"),
        ("q5a", {"W1": [1, -1], "W2": [1, -1], "b1": [1, 0]}, 0, "no biases: b1 must be absent or zero"),
        ("q5b", "impossible: no biases means every kink is at 0", 1, "no such network"),
        ("q5b", {"W1": [1, -1], "W2": [1, 1]}, 0, "1 non-differentiable point (x = 0); the question asks for 2"),
        ("q5c", {"W1": [1, 0], "W2": [1, 0]}, 1, "convex"),
        ("q5c", {"W1": [1, -1], "W2": [-1, -1]}, 0, "concave (not linear)"),
        ("q5d", "Impossible", 1, "no such network"),
        ("q5d", {"W1": [1, -1], "W2": [1, -2]}, 0, "it is concave (not linear)"),
    ],
)
def test_q5_shapes_and_impossible(question: str, answer: Any, points: float, says: str) -> None:
    score, feedback = judge(RELU, question, answer)
    assert score == points
    assert says in feedback


def test_kinks_are_found_exactly_in_deeper_networks() -> None:
    arch = Architecture(inputs=1, max_layers=4)
    # ReLU(ReLU(x) − 1/3) − ReLU(x − 7/3): kinks at 1/3 and 7/3 only (the one at 0 is flattened)
    network = read_network(
        {"W1": [[1], [1]], "b1": [0, "-7/3"], "W2": [[1, 0], [0, 1]], "b2": ["-1/3", 0], "W3": [[1, -1]]},
        arch,
    )
    pieces = analyse(network, Fraction(-5), Fraction(5))
    assert pieces.kinks == (Fraction(1, 3), Fraction(7, 3))
    assert pieces.describe() == "neither convex nor concave"


def test_arrays_from_a_python_answer_are_read_like_lists() -> None:
    import numpy as np

    answer = {"W1": np.array([[1.0, 0.0], [0.0, 1.0]]), "W2": np.array([[1.0, 1.0]], dtype=np.float32), "b2": 0.0}
    assert judge(RELU, "q7a", answer)[0] == 2


def test_oversized_networks_are_refused_before_they_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import autograder.kinds.network.kind as network_kind

    def never(*_: object) -> None:
        raise AssertionError("an oversized network was evaluated")

    monkeypatch.setattr(network_kind, "evaluator", never)
    unlimited = NetworkQuestion.model_validate(
        {"id": "u", "title": "U", "points": 1, "kind": "network", "inputs": 2, "condition": "x1 > 0"}
    )
    wide = {"W1": [[1, 0]] * 40, "W2": [[1] * 40] * 40, "W3": [[1] * 40]}
    deep = {f"W{i}": [[1, 0], [0, 1]] for i in range(1, 10)} | {"W10": [[1, 1]]}
    assert grade(unlimited, wide).messages == ("More than 1000 parameters; this calls for a small network.",)
    assert grade(unlimited, deep).messages == ("At most 8 layers; this calls for a small network.",)


def test_numbers_are_read_exactly_or_refused() -> None:
    assert exact("1/3") == Fraction(1, 3)
    assert exact(0.1) == Fraction(1, 10)
    assert exact(" -2.5e1 ") == -25
    for bad in (True, float("nan"), float("inf"), "1/0", "eval('1')", None, [1], 1e300):
        with pytest.raises(NumberError):
            exact(bad)


def test_precheck_reads_form_only() -> None:
    question = RELU.question("q7a")
    assert precheck(question, dict(OR_GATE, b2=5)) == []  # wrong, but well-formed
    assert precheck(question, {"W1": [[1, 0]], "W2": [1, 1]}) == ["W1 must be 2×2, got 1×2"]
    assert precheck(question, None) == ["no answer given"]


def test_cases_are_the_same_every_time() -> None:
    fresh = load_rubric(ROOT / "rubrics" / "relu-networks.yaml").question("q7b")
    old = RELU.question("q7b")
    assert isinstance(fresh, NetworkQuestion) and isinstance(old, NetworkQuestion)
    assert [c.point for c, _ in fresh.judged_cases] == [c.point for c, _ in old.judged_cases]
    assert any(0 in c.point for c, _ in old.judged_cases)  # zeros and boundaries are visited
    assert any(max(map(abs, c.point)) >= 10**6 for c, _ in old.judged_cases)


BROKEN = """\
assignment: {name: broken, title: Broken, files: [answers.yaml]}
questions:
  - id: a
    title: A
    points: 1
    kind: network
    inputs: 2
    condition: "{condition}"
"""


@pytest.mark.parametrize(
    ("condition", "says"),
    [
        ("x1 > 0 or x3 > 0", "unknown name 'x3': inputs are x1 … x2"),
        ("__import__('os').system('true') or x1 > 0", "only abs, min, max may be called"),
        ("x1.real > 0", "is not allowed in a condition"),
        ("x1 +", "cannot read the condition"),
        ("x1 + x2", "is not a condition"),
    ],
)
def test_broken_conditions_are_rubric_errors(condition: str, says: str) -> None:
    text = BROKEN.replace("{condition}", condition)
    with pytest.raises(RubricError) as error:
        parse_rubric(parse_yaml(text, Path("broken.yaml")), "broken.yaml")
    assert says in str(error.value)
    assert "broken.yaml:" in str(error.value) and "question a" in str(error.value)


def test_two_input_networks_come_with_pictures() -> None:
    question = RELU.question("q7b")
    assert isinstance(question, NetworkQuestion)
    verdict = grade(question, dict(XOR_ABS, b2="1/2"))
    picture = verdict.messages[-1]
    assert "What your network decides, against the condition" in picture
    assert "X" in picture and "+" in picture  # wrong region and right region both drawn
    assert verdict.figures and verdict.figures[0].png.startswith(b"\x89PNG\r\n\x1a\n")
    assert grade(question, XOR_ABS).figures  # a right answer is pictured too, without a text grid
    assert "What your network decides" not in " ".join(grade(question, XOR_ABS).messages)


def test_pictures_reach_gradescope_as_escaped_html(open_dir: Path) -> None:
    import base64
    import json

    from autograder.grading import Options
    from autograder.grading import grade as grade_submission
    from autograder.report.results import gradescope_results, write_figures

    folder = open_dir / "sub"
    folder.mkdir()
    (folder / "answers.yaml").write_text('q7a: {W1: [[1, 0], [0, 1]], W2: [[1, 1]], b2: "</pre><script>"}\n')
    report = grade_submission(RELU, folder, Options())
    test = next(t for t in gradescope_results(RELU, report)["tests"] if t["name"].startswith("Q7(a)"))
    assert test["output_format"] == "text"  # an unreadable answer: no picture, plain text
    (folder / "answers.yaml").write_text("q7a: {W1: [[1, 0], [0, 1]], W2: [[1, 1]], b2: 1}\n")
    report = grade_submission(RELU, folder, Options())
    results = gradescope_results(RELU, report)
    test = next(t for t in results["tests"] if t["name"].startswith("Q7(a)"))
    assert test["output_format"] == "html" and test["output"].startswith("<pre>")
    png = base64.b64decode(test["output"].split("base64,")[1].split('"')[0])
    assert png.startswith(b"\x89PNG")
    json.dumps(results)
    written = write_figures(open_dir / "figures", report.results)
    assert [p.name for p in written] == ["q7a.png"]  # the other answers are missing: nothing to draw


def test_html_output_escapes_every_text() -> None:
    from autograder.kinds.base import Figure
    from autograder.outcomes import QuestionResult
    from autograder.report.results import figures_html

    result = QuestionResult.of(RELU.question("q7a"), 0.0, "graded", ("<script>x</script>",),
                               figures=(Figure(b"\x89PNG", 'a "quoted" <caption>'),))
    page = figures_html("printed </pre><b>bold</b>", result)
    assert "<script>" not in page and "<b>" not in page and "</pre><b>" not in page
    assert "&lt;b&gt;" in page and "&quot;quoted&quot; &lt;caption&gt;" in page


def test_bonus_questions_add_to_the_score_not_the_maximum() -> None:
    from autograder.grading import Options
    from autograder.grading import grade as grade_submission
    from autograder.report.results import gradescope_results

    networks = RELU.model_copy(update={"questions": [q for q in RELU.questions if q.kind == "network"]})
    report = grade_submission(networks, ROOT / "reference" / "relu-networks", Options())
    assert (report.score, report.max_score) == (9, 6)
    tests = {t["name"]: t for t in gradescope_results(networks, report)["tests"]}
    bonus = next(t for name, t in tests.items() if name.startswith("Q5(c)"))
    assert bonus["name"].endswith("(bonus)") and (bonus["score"], bonus["max_score"]) == (1, 0)


def test_sigmoid_networks_are_judged_in_floats() -> None:
    question = NetworkQuestion.model_validate({
        "id": "s", "title": "S", "points": 1, "kind": "network", "inputs": 2, "layers": 2, "widths": [1],
        "activation": "sigmoid", "condition": "x1 + x2 > 0",
    })
    assert grade(question, {"W1": [[1, 1]], "W2": [[1]], "b2": "-1/2"}).credit == 1.0
    verdict = grade(question, {"W1": [[1, 1]], "W2": [[1]], "b2": "-0.4"})
    assert verdict.credit == 0.0 and "expected ≤ 0" in verdict.messages[0]
