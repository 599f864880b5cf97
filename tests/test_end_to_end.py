"""`autograder run` on whole submissions, Gradescope layout, asserting the exact results.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from tests.conftest import ASSIGNMENT, PROJECT, TEST_TIME_LIMIT, make_submission, requires_root, run_gradescope

SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
TITLE = "Warm-up: ReLU networks, backprop sparsity and conv arithmetic"

# (number, name, max_score, tags) of every test, in rubric order.
QUESTIONS = [
    ("1", "001 Q1: shapes of W2, b1 and b2 in a width-k two-layer ReLU network", 1.0, ["shapes"]),
    ("3", "001 Q3: is a ReLU network's output convex / concave in its input?", 1.0, []),
    ("4.a", "001 Q4(a): how many discontinuities can the output have?", 1.0, []),
    ("4.b", "001 Q4(b): the output is always (A) linear, (B) piecewise-linear, (C) polynomial", 1.0, []),
    ("4.c", "001 Q4(c): differentiability and the number of non-differentiable points", 2.0, []),
    ("4.d", "001 Q4(d): with tanh instead of ReLU, is the output differentiable everywhere?", 1.0, []),
    ("5", "003 P3: which weight derivatives are guaranteed to be 0 when h1's input is -1?", 10.0, ["backprop"]),
    ("6.a", "004 Q3(a): dimensionality of the last layer's output", 3.0, ["conv"]),
    ("6.b", "004 Q3(b): parameters of the last layer, without biases", 2.0, ["conv"]),
    ("6.c", "004 Q3(b) in PyTorch: lenet.py last_layer_params() counts the weights", 1.0, ["conv", "code"]),
]
CORRECT_OUTPUT = {
    "1": "W2: correct.\nb1: correct.\nb2: correct.\n",
    "3": "convex: correct.\nconcave: correct.\n",
    "4.c": (
        "differentiable_everywhere: correct.\nsmallest: correct.\nlargest_two_layers: correct.\n"
        "growth_in_depth: correct.\ndeeper_more_efficient: correct.\n"
    ),
    "5": "w1: correct.\nw2: correct.\nw3: correct.\n",
}


def expected_results(
    changes: dict[str, tuple[float, str]], summary_extra: str = "", ran_code: bool = True
) -> dict[str, Any]:
    """The reference's results.json with some tests changed to (score, output)."""
    tests = []
    for number, name, max_score, tags in QUESTIONS:
        score, output = changes.get(number, (max_score, CORRECT_OUTPUT.get(number, "Correct.\n")))
        tests.append(
            {
                "score": score,
                "max_score": max_score,
                "status": "passed" if score >= max_score else "failed",
                "name": name,
                "number": number,
                "output": output,
                "output_format": "text",
                "tags": tags,
                "visibility": "visible",
            }
        )
    total = round(sum(t["score"] for t in tests), 4)
    device = "Your code ran on: cpu\n" if ran_code else ""
    return {
        "score": total,
        "output": f"{TITLE}: {total:g} / 23 points\n{device}{summary_extra}",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def graded(course: Path, submission: Path, tmp_path: Path) -> dict[str, Any]:
    results_path = tmp_path / "results" / "results.json"
    result, results = run_gradescope(course, submission, results_path)
    assert result.exit_code == 0, result.output
    jsonschema.validate(results, SCHEMA)
    elapsed = results.pop("execution_time")
    assert 0 < elapsed < TEST_TIME_LIMIT * 2 + 20
    return results


def test_reference_scores_full_marks(course: Path, tmp_path: Path) -> None:
    submission = make_submission(tmp_path / "sub", course)
    assert graded(course, submission, tmp_path) == expected_results({})


WRONG_ANSWERS = """\
q1: {W2: "(k, 1)", b1: "k x 1", b2: "scalar"}
q3: {convex: yes, concave: no}
q4a: 1
q4b: "(B) piecewise-linear"
q4c: {differentiable_everywhere: no, smallest: 0, largest_two_layers: 2k, growth_in_depth: exponential, deeper_more_efficient: y}
q4d: maybe
p3: {w1: yes, w2: no, w3: no}
conv-a: 1,600
conv-b: 400
"""
WRONG_LENET = """\
import torch
print("building the layer")
def last_layer_params():
    return sum(p.numel() for p in torch.nn.Conv2d(6, 16, 5).parameters())
"""


def test_wrong_submission_gets_partial_credit_and_feedback(course: Path, tmp_path: Path) -> None:
    submission = make_submission(
        tmp_path / "sub", course, answers_yaml=WRONG_ANSWERS, lenet_py=WRONG_LENET
    )
    assert graded(course, submission, tmp_path) == expected_results(
        {
            "1": (0.6667, "W2: (k, 1) is not right. It looks transposed: check which size comes first.\nb1: correct.\nb2: correct.\n"),
            "3": (0.5, "convex: yes is not right.\nconcave: correct.\n"),
            "4.a": (0.0, "1 is not right. A kink is not a discontinuity: ReLU networks are continuous.\n"),
            "4.c": (
                1.6,
                "differentiable_everywhere: correct.\nsmallest: correct.\nlargest_two_layers: '2k' is not "
                "right. Each hidden unit contributes at most one kink.\ngrowth_in_depth: correct.\n"
                "deeper_more_efficient: correct.\n",
            ),
            "4.d": (0.0, "Could not read your answer: answer yes or no.\n"),
            "5": (6.6667, "w1: correct.\nw2: no is not right. dz3/dw2 = h1, and h1 = ReLU(-1) = 0.\nw3: correct.\n"),
            "6.b": (0.0, "400 is not right. Each 5×5 kernel spans all 6 input channels.\n"),
            "6.c": (
                0.0,
                "2416 is not right. Pass bias=False: the question counts weights only.\n\n"
                "Your code printed:\n  | building the layer\n",
            ),
        }
    )


def test_missing_file_costs_only_its_question(course: Path, tmp_path: Path) -> None:
    submission = make_submission(tmp_path / "sub", course, lenet_py=None)
    assert graded(course, submission, tmp_path) == expected_results(
        {"6.c": (0.0, "lenet.py was not submitted\n")},
        summary_extra="\nProblems with the submitted files:\n  - lenet.py was not submitted\n",
        ran_code=False,
    )


def test_malformed_answers_yaml_costs_only_its_questions(course: Path, tmp_path: Path) -> None:
    submission = make_submission(tmp_path / "sub", course, answers_yaml="q1: [unclosed\nq3: yes\n")
    message = "answers.yaml:2: not valid YAML: expected ',' or ']', but got ':'\n"
    changes = {number: (0.0, message) for number, _, _, _ in QUESTIONS if number != "6.c"}
    assert graded(course, submission, tmp_path) == expected_results(changes)


def test_answers_yaml_with_python_tags_and_aliases_is_data_only(course: Path, tmp_path: Path) -> None:
    evil = "q4a: !!python/object/apply:os.system ['touch /tmp/pwned']\nconv-a: &x 1600\nconv-b: *x\n"
    Path("/tmp/pwned").unlink(missing_ok=True)
    submission = make_submission(tmp_path / "sub", course, answers_yaml=evil)
    results = graded(course, submission, tmp_path)
    assert not Path("/tmp/pwned").exists()
    assert results["tests"][2]["output"] == "answers.yaml:3: not valid YAML: aliases (*name) are not allowed\n"
    assert results["score"] == 1.0  # only the code question, which does not read answers.yaml


def test_exit_at_import_costs_only_its_question(course: Path, tmp_path: Path) -> None:
    submission = make_submission(tmp_path / "sub", course, lenet_py="import sys\nsys.exit(0)\n")
    assert graded(course, submission, tmp_path) == expected_results(
        {
            "6.c": (
                0.0,
                "Your code called exit(0) while importing lenet.py.\n\nWhere it failed in your code:\n"
                '  |   File "lenet.py", line 2, in <module>\n  |     sys.exit(0)\n  | SystemExit: 0\n',
            )
        }
    )


def test_infinite_loop_times_out(course: Path, tmp_path: Path) -> None:
    lenet = "while True:\n    pass\n"
    submission = make_submission(tmp_path / "sub", course, lenet_py=lenet)
    assert graded(course, submission, tmp_path) == expected_results(
        {"6.c": (0.0, f"Your code took longer than {TEST_TIME_LIMIT} s.\n")}
    )


def test_writing_to_the_results_path_changes_nothing(course: Path, tmp_path: Path) -> None:
    results_path = tmp_path / "results" / "results.json"
    results_path.parent.mkdir()
    lenet = f"""
import os, torch
for attempt in (lambda: open({str(results_path)!r}, "w").write('{{"score": 1000}}'),
                lambda: os.remove({str(results_path)!r})):
    try:
        attempt()
    except OSError:
        pass

def last_layer_params():
    return sum(p.numel() for p in torch.nn.Conv2d(6, 16, 5, bias=False).parameters())
"""
    submission = make_submission(tmp_path / "sub", course, lenet_py=lenet)
    assert graded(course, submission, tmp_path) == expected_results({})


@requires_root
def test_reading_the_rubric_and_reference_gets_nothing(course: Path, tmp_path: Path) -> None:
    rubric = course / "rubrics" / f"{ASSIGNMENT}.yaml"
    reference = course / "reference" / ASSIGNMENT / "answers.yaml"
    lenet = f"""
def last_layer_params():
    found = []
    for path in ({str(rubric)!r}, {str(reference)!r}):
        try:
            found.append(open(path).read())
        except OSError as error:
            print("blocked:", type(error).__name__)
    if found:
        return "\\n".join(found)
    return -1
"""
    submission = make_submission(tmp_path / "sub", course, lenet_py=lenet)
    results = graded(course, submission, tmp_path)
    assert results == expected_results(
        {
            "6.c": (
                0.0,
                "-1 is not right.\n\nYour code printed:\n  | blocked: PermissionError\n"
                "  | blocked: PermissionError\n",
            )
        }
    )
    text = json.dumps(results)
    for secret in ("expected", "mistakes", "deeper_more_efficient: yes", "conv-b: 2400"):
        assert secret not in text


def test_broken_rubric_still_writes_valid_results(course: Path, tmp_path: Path) -> None:
    rubric = course / "rubrics" / f"{ASSIGNMENT}.yaml"
    rubric.write_text(rubric.read_text().replace("points: 10", "points: ten"))
    submission = make_submission(tmp_path / "sub", course)
    result, results = run_gradescope(course, submission, tmp_path / "results.json")
    assert result.exit_code == 0
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0.0 and results["tests"] == []
    assert "misconfigured" in results["output"] and "ten" not in results["output"]
    # The instructor sees exactly what is wrong in the autograder's stdout.
    assert "question p3: points must be a positive number, got 'ten'" in result.output


def test_same_submission_same_results(course: Path, tmp_path: Path) -> None:
    submission = make_submission(tmp_path / "sub", course, answers_yaml=WRONG_ANSWERS, lenet_py=WRONG_LENET)
    first = graded(course, submission, tmp_path)
    second = graded(course, submission, tmp_path)
    assert first == second and first != expected_results({})


def test_nested_folder_submission_is_found(course: Path, tmp_path: Path) -> None:
    make_submission(tmp_path / "sub" / "my-homework", course)
    assert graded(course, tmp_path / "sub", tmp_path) == expected_results({})


def test_template_scores_zero(course: Path, tmp_path: Path) -> None:
    results = graded(course, course / "student_template" / ASSIGNMENT, tmp_path)
    assert results["score"] == 0.0
    assert [t["score"] for t in results["tests"]] == [0.0] * len(QUESTIONS)
    assert results["tests"][-1]["output"].startswith(
        "Your code raised NotImplementedError in last_layer_params: build the layer"
    )


def _gradescope_source(open_dir: Path, assignment: str) -> Path:
    """/autograder/source holding one bundled assignment, readable like Gradescope's."""
    import os
    import shutil

    source = open_dir / "source"
    shutil.copytree(PROJECT / "reference" / assignment, source / "reference" / assignment)
    (source / "rubrics").mkdir(parents=True)
    shutil.copy(PROJECT / "rubrics" / f"{assignment}.yaml", source / "rubrics")
    for directory, _, files in os.walk(source):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    return source


def test_constructions_graded_as_gradescope_runs_them(open_dir: Path) -> None:
    """Seed 003: the flipped threshold earns 10/20, a sign-flipped tanh mapping 1/1 (bonus); seed 001's
    reference, code questions included, scores full marks with the two-input networks' pictures in
    escaped HTML."""
    source = _gradescope_source(open_dir, "perceptron-weights")
    submission = open_dir / "submission"
    submission.mkdir()
    (submission / "answers.yaml").write_text(
        "p1:\n  W1: [[1, -1, 0, 0, 0], [0, 1, -1, 0, 0], [0, 0, 1, -1, 0], [0, 0, 0, 1, -1]]\n"
        "  W2: [1, 1, 1, 1]\n  b2: -4\n"
    )
    (submission / "equivalent.py").write_text(
        "print('<b>not markup</b>')\n"
        "def sigmoid_to_tanh(W1, b1, W2, b2):\n"
        "    return -W1 / 2, -b1 / 2, -W2 / 2, b2 + W2.sum(dim=1) / 2\n"
    )
    for path in (submission, *submission.iterdir()):
        path.chmod(0o755 if path.is_dir() else 0o644)
    results = graded(source, submission, open_dir)
    # p1, p2 (no answers.yaml entry), p2-code, p3, p4-xbar, p4-code (its file was not submitted)
    assert [t["score"] for t in results["tests"]] == [10, 0, 1, 0, 0, 0]
    assert "residual_mlp.py" in results["tests"][5]["output"]
    assert "for x = (0, 0, 0, 0, 0) your network outputs 1; expected 0" in results["tests"][0]["output"]

    source = _gradescope_source(open_dir / "second", "relu-networks")
    reference = PROJECT / "reference" / "relu-networks"
    results = graded(source, reference, open_dir / "second")
    pictured = [t for t in results["tests"] if t["output_format"] == "html"]
    assert [t["name"][:6] for t in pictured] == ["Q7(a):", "Q7(b):", "Q7(c):"]
    assert all("data:image/png;base64," in t["output"] for t in pictured)
    # 20 autograded + bonus: Q5(c), Q5(d), Q7(c), q8b-code (Q6 is by hand)
    assert results["score"] == 24
