"""The function kind (seed 000 Q5, seed 003 P2 as code) and the conv kind (seed 004 Q3)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from autograder.kinds.conv import grade as grade_conv
from autograder.kinds.conv import output_size
from autograder.grading import Options, Report
from autograder.grading import grade as grade_submission
from autograder.rubric import load_rubric
from autograder.sourcecode import branching

ROOT = Path(__file__).resolve().parent.parent
BACKPROP = load_rubric(ROOT / "rubrics" / "backprop-basics.yaml")
PERCEPTRON = load_rubric(ROOT / "rubrics" / "perceptron-weights.yaml")
CONV = load_rubric(ROOT / "rubrics" / "derivatives-convnets.yaml")


def submit(open_dir: Path, assignment: str, file: str, code: str) -> Path:
    folder = open_dir / "submission"
    shutil.copytree(ROOT / "reference" / assignment, folder)
    (folder / file).write_text(textwrap.dedent(code))
    return folder


def by_id(report: Report) -> dict[str, tuple[float, str]]:
    return {r.id: (r.score, " ".join(r.messages)) for r in report.results}


Q5 = ("q5-nonnegative", "q5-nonpositive", "q5-bounded")


def test_other_right_activations_score_full(open_dir: Path) -> None:
    folder = submit(open_dir, "backprop-basics", "activations.py", """
        import numpy as np   # imported and unused, as real submissions do
        import torch
        import torch.nn.functional as F

        print("loading my activations" * 50)

        def nonnegative(z):
            return F.softplus(z)

        def _flip(t):
            return -t

        def nonpositive(z):
            return _flip(torch.exp(-z))

        bounded = lambda z, a, b: torch.clamp(z, a, b)
    """)
    results = by_id(grade_submission(BACKPROP, folder, Options()))
    assert [results[q][0] for q in Q5] == [1, 1, 1], results


def test_degenerate_and_branching_activations_lose_their_points(open_dir: Path) -> None:
    folder = submit(open_dir, "backprop-basics", "activations.py", """
        import torch

        def nonnegative(z):
            return torch.zeros_like(z)          # satisfies y >= 0, but is no activation

        def helper(t):
            if t.numel() > 0:                   # an if hidden in a helper
                return torch.relu(t)
            return t

        def nonpositive(z):
            return -helper(z)

        def bounded(z, a, b):
            return torch.sigmoid(z)             # ignores a and b
    """)
    results = by_id(grade_submission(BACKPROP, folder, Options()))
    assert results["q5-nonnegative"][0] == 0
    assert "is constant" in results["q5-nonnegative"][1]
    assert results["q5-nonpositive"][0] == 0
    assert "activations.py, line 8: an if statement" in results["q5-nonpositive"][1]
    assert results["q5-bounded"][0] == 0
    assert "does not cover the range [-2, 3] (with a = -2, b = 3)" in results["q5-bounded"][1]
    # The expression questions are untouched by the code questions.
    assert results["q1-w2"][0] == 2


def test_squashed_non_monotone_and_nan_activations(open_dir: Path) -> None:
    folder = submit(open_dir, "backprop-basics", "activations.py", """
        import torch

        def nonnegative(z):
            return torch.sigmoid(z)             # bounded by 1: cannot give large outputs

        def nonpositive(z):
            return -torch.abs(z)                # y <= 0, but not monotone

        def bounded(z, a, b):
            return a + (b - a) * torch.sigmoid(z) * torch.log(z.abs() + 1) / torch.log(z.abs() + 1)
    """)
    results = by_id(grade_submission(BACKPROP, folder, Options()))
    assert "stops growing" in results["q5-nonnegative"][1]
    assert "is not monotone" in results["q5-nonpositive"][1]
    assert "returns NaN at z = 0" in results["q5-bounded"][1]
    assert all(results[q][0] == 0 for q in Q5)


@pytest.mark.parametrize(
    ("body", "points", "says"),
    [
        # tanh is odd: flipping a hidden unit's signs in and out gives another right answer
        ("return -W1 / 2, -b1 / 2, -W2 / 2, b2 + W2.sum(dim=1) / 2", 1, "Right on all 3 calls"),
        ("return W1 / 2, b1 / 2, W2 / 2, b2", 0, "computes a different function"),
        ("return W1 / 2, b1 / 2, W2 / 2", 0, "return the four new parameters"),
        ("return W1.T / 2, b1 / 2, W2 / 2, b2 + W2.sum(dim=1) / 2", 0, "W1 has shape"),
    ],
)
def test_sigmoid_to_tanh_by_behaviour(open_dir: Path, body: str, points: float, says: str) -> None:
    code = f"import torch\n\ndef sigmoid_to_tanh(W1, b1, W2, b2):\n    {body}\n"
    folder = submit(open_dir, "perceptron-weights", "equivalent.py", code)
    score, feedback = by_id(grade_submission(PERCEPTRON, folder, Options()))["p2-code"]
    assert (score, says in feedback) == (points, True), feedback


def test_branching_sees_helpers_in_other_files_and_hidden_code(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("def clip(t):\n    return t if t > 0 else 0\n")
    (tmp_path / "act.py").write_text(textwrap.dedent("""
        from helpers import clip
        SCALE = 2.0

        def ok(z):
            return SCALE * z

        def via_import(z):
            return clip(z)

        def via_exec(z):
            exec("y = 1")
            return z

        def via_comprehension(z):
            return [v for v in z if v > 0]

        def via_bool(z):
            return z > 0 and z
    """))
    assert branching(tmp_path, "act.py", "ok") == []
    assert [str(f) for f in branching(tmp_path, "act.py", "via_import")] == [
        "helpers.py, line 2: a conditional expression (x if c else y)"
    ]
    assert "exec()" in str(branching(tmp_path, "act.py", "via_exec")[0])
    assert "comprehension" in str(branching(tmp_path, "act.py", "via_comprehension")[0])
    assert "'and'/'or'" in str(branching(tmp_path, "act.py", "via_bool")[0])
    assert "no 'def missing' found" in str(branching(tmp_path, "act.py", "missing")[0])


@pytest.mark.parametrize(
    ("question", "answer", "says"),
    [
        ("q3c", {"k": 4, "s": 12}, "Right"),
        ("q3c", {"kernel_size": 14, "stride": 10, "padding": 0, "dilation": 1}, "Right"),
        ("q3c", {"k": 9, "s": 11, "p": 0, "d": 1}, "Right"),
        ("q3d", {"k": 6, "s": 11, "p": 1, "d": 2}, "Right"),
        ("q3d", {"k": 2, "s": 12, "p": 1, "d": 2}, "Right"),
        ("q3e", {"k": 6, "s": 12, "p": 1, "d": 1}, "Right"),
        ("q3e", {"k": 11, "s": 11, "p": 1, "d": 1}, "Right"),
        ("q3c", {"k": 4, "s": 10}, "⌊(64 + 2·0 − 1·(4 − 1) − 1) / 10⌋ + 1 = 7, not 6"),
        ("q3c", {"k": 4, "s": 12, "p": 1}, "p must be 0 here, got 1"),
        ("q3d", {"k": 6, "s": 11, "p": 1}, "d must be 2 here, got 1"),
        ("q3c", {"k": 100, "s": 1}, "The kernel spans 100 pixels"),
        ("q3c", {"k": 4, "s": 0}, "stride s = 0 is out of range"),
        ("q3c", {"k": 4.5, "s": 12}, "must be a whole number"),
        ("q3c", {"k": 4}, "Give s (stride)"),
        ("q3c", "k=4, s=12", "as a mapping"),
        ("q3c", {"k": 4, "s": 12, "groups": 2}, "Unknown setting 'groups'"),
    ],
)
def test_conv_configurations(question: str, answer: object, says: str) -> None:
    verdict = grade_conv(CONV.question(question), answer)  # type: ignore[arg-type]
    assert (verdict.credit == 1.0) == says.startswith("Right")
    assert says in " ".join(verdict.messages)


def test_conv_formula_is_torchs_own() -> None:
    """The grader judges by the formula alone (no torch import); a real Conv2d agrees with it on
    every setting of a grid wide enough to cover padding, dilation, strides past the input, and
    kernels that barely fit (sizes below 1 are where Conv2d refuses)."""
    import torch

    for n in (1, 5, 8, 13):
        for k in (1, 2, 3, 5):
            for s in (1, 2, 3, 7):
                for p in (0, 1, 2):
                    for d in (1, 2, 3):
                        want = output_size(n, k, s, p, d)
                        layer = torch.nn.Conv2d(1, 1, kernel_size=k, stride=s, padding=p, dilation=d, bias=False)
                        if want < 1:
                            with pytest.raises(RuntimeError):
                                layer(torch.zeros(1, 1, n, n))
                            continue
                        with torch.no_grad():
                            assert layer(torch.zeros(1, 1, n, n)).shape[-2:] == (want, want), (n, k, s, p, d)
