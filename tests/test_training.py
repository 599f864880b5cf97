"""The training kind on seed 001 Q11: a right loop, other right loops, and loops with planted bugs."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.kinds.training import measure
from autograder.grading import Options, grade
from autograder.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
RUBRIC = load_rubric(ROOT / "rubrics" / "relu-networks.yaml")
Q11 = RUBRIC.model_copy(update={"questions": [RUBRIC.question("q11")]})
REFERENCE = (ROOT / "reference" / "relu-networks" / "training.py").read_text()


def _grade(open_dir: Path, code: str) -> tuple[float, str]:
    folder = open_dir / "submission"
    shutil.copytree(ROOT / "reference" / "relu-networks", folder, dirs_exist_ok=True)
    (folder / "training.py").write_text(code)
    (result,) = grade(Q11, folder, Options()).results
    return result.score, " ".join(result.messages)


def test_the_graders_own_measure_is_cross_entropy_and_accuracy() -> None:
    weights = {"0.weight": np.eye(2), "0.bias": np.zeros(2), "4.weight": np.eye(2), "4.bias": np.zeros(2)}
    x = np.array([[2.0, 0.0], [0.0, 3.0], [1.0, 0.0]])
    loss, accuracy = measure(weights, x, np.array([0, 1, 1]))
    assert accuracy == pytest.approx(2 / 3)
    expected = np.mean([np.log1p(np.exp(-2.0)), np.log1p(np.exp(-3.0)), np.log1p(np.exp(1.0))])
    assert loss == pytest.approx(expected)


def test_reference_and_other_right_loops_score_full(open_dir: Path) -> None:
    assert _grade(open_dir, REFERENCE)[0] == 2
    other = '''
import numpy as np
import torch

def train_epoch(model, loader, criterion, optimizer):
    model.train()
    losses = []
    for x, y in loader:
        model.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print("epoch done", np.mean(losses))
    return float(np.mean(losses))

@torch.no_grad()
def evaluate(model, loader, criterion):
    model.eval()
    losses, right = [], 0
    for x, y in loader:
        out = model(x)
        losses.append(criterion(out, y))
        right += int((out.argmax(1) == y).sum())
    return torch.stack(losses).mean(), 100.0 * right / len(loader.dataset)
'''
    score, text = _grade(open_dir, other)
    assert score == 2, text


def _bug(old: str, new: str) -> str:
    assert old in REFERENCE, old
    return REFERENCE.replace(old, new)


@pytest.mark.parametrize("code, words", [
    (_bug("        optimizer.step()\n", ""), "train_epoch: the weights never changed"),
    (_bug("        optimizer.zero_grad()\n", ""), "gradients were not cleared"),
    (_bug("    model.train()\n", ""), "ran the model in eval mode"),
    (_bug("        count += len(y)\n    return total / count\n\n\ndef evaluate",
          "        count += len(y)\n        break\n    return total / count\n\n\ndef evaluate"),
     "step once per batch"),
    (_bug("    model.eval()\n", ""), "evaluate ran the model in train mode"),
    (_bug("    with torch.no_grad():\n", "    if True:\n"), "evaluate tracked gradients"),
    (_bug("    with torch.no_grad():\n", "    if True:\n").replace(
        "            total += criterion(logits, y).item() * len(y)\n            correct",
        "            criterion(logits, y).backward()\n            total += criterion(logits, y).item() * len(y)\n            correct"),
     "left gradients"),
    (_bug("    return total / count, correct / count", "    return total / count, correct"),
     "evaluate reports an accuracy of"),
    (_bug("    return total / count, correct / count", "    return total, correct / count"),
     "evaluate reports a loss of"),
])
def test_each_planted_bug_costs_its_half(open_dir: Path, code: str, words: str) -> None:
    score, text = _grade(open_dir, code)
    assert score == 1, text
    assert words in text


def test_a_loop_that_crashes_costs_the_question_only(open_dir: Path) -> None:
    score, text = _grade(open_dir, "def train_epoch(*a):\n    raise ValueError('no')\n\ndef evaluate(*a):\n    return 0, 0\n")
    assert score == 0 and "ValueError" in text
    score, text = _grade(open_dir, "def evaluate(*a):\n    return 0, 0\n")
    assert score == 0 and "defines no function 'train_epoch'" in text


def test_the_template_scores_zero(open_dir: Path) -> None:
    score, _ = _grade(open_dir, (ROOT / "student_template" / "relu-networks" / "training.py").read_text())
    assert score == 0
