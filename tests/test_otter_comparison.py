"""The Otter-Grader side of benchmarks/otter_comparison.py grades what the rubric grades.

Otter itself is not installed here (the benchmark installs it in a venv of its own); these tests
run the asserts its test files are made of against the reference and against wrong answers,
and check that the generated test files mirror the rubric's questions and cases.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch
import torch.nn.functional as F

from benchmarks.otter import checks
from benchmarks.otter_comparison import code_only_course, otter_tests

ROOT = Path(__file__).resolve().parent.parent


def _load(source: str, tmp_path: Path) -> ModuleType:
    path = tmp_path / "student_mlp.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("student_mlp", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def reference_source() -> str:
    return (ROOT / "reference" / "mlp-backprop" / "mlp.py").read_text()


def test_reference_passes_every_case(reference_source: str, tmp_path: Path) -> None:
    mlp = _load(reference_source, tmp_path)
    for f, g in [("relu", "identity"), ("sigmoid", "sigmoid"), ("identity", "relu")]:
        checks.check_forward(mlp.MLP, 0, (10, 2, 20, 5), f, g)
        checks.check_backward(mlp.MLP, 1, (7, 5, 3, 2), f, g)
    checks.check_backward(mlp.MLP, 2, (6, 4, 8, 3), "relu", "relu", "integers")
    checks.check_forward(mlp.MLP, 3, (5, 3, 6, 4), "sigmoid", "identity", "normal", torch.float64)
    checks.check_loss(mlp.mse_loss, F.mse_loss, 0, (10, 5), "normal", "normal")
    checks.check_loss(mlp.bce_loss, F.binary_cross_entropy, 0, (3, 7), "binary", "probabilities", torch.float64)


@pytest.mark.parametrize("wrong, right, failing", [
    ("self.grads['dJdb2'] = dJdz3.sum(dim=0)", "self.grads['dJdb2'] = dJdz3.mean(dim=0)", "backward"),
    ("self.grads['dJdW1'] = dJdz1.T @ c['x']", "self.grads['dJdW1'] = c['x'].T @ dJdz1", "backward"),
    ("z2 = f(z1)", "z2 = z1", "forward"),
])
def test_planted_bugs_fail(reference_source: str, tmp_path: Path, wrong: str, right: str, failing: str) -> None:
    assert wrong in reference_source
    mlp = _load(reference_source.replace(wrong, right), tmp_path)
    check = checks.check_backward if failing == "backward" else checks.check_forward
    with pytest.raises(AssertionError):
        check(mlp.MLP, 0, (10, 2, 20, 5), "relu", "identity")


def test_a_loss_summed_instead_of_averaged_fails() -> None:
    def summed(y: torch.Tensor, y_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return ((y_hat - y) ** 2).sum(), 2 * (y_hat - y)
    with pytest.raises(AssertionError, match="J: wrong values"):
        checks.check_loss(summed, F.mse_loss, 0, (10, 5), "normal", "normal")


def test_generated_test_files_mirror_the_rubric(tmp_path: Path) -> None:
    rubric_path, data = code_only_course(ROOT, "mlp-backprop", tmp_path / "course")
    assert [q["id"] for q in data["questions"]] == ["mlp-forward", "mlp-backward", "mse-loss", "bce-loss"]
    assert (tmp_path / "course" / "reference" / "mlp-backprop" / "oracle.py").is_file()
    otter_tests(data, tmp_path / "tests")
    for question in data["questions"]:
        tree = ast.parse((tmp_path / "tests" / f"{question['id']}.py").read_text())
        cases = [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("case_")]
        assigned = {node.targets[0].id: node.value for node in tree.body
                    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}
        assert len(cases) == len(question["cases"])
        assert ast.literal_eval(assigned["points"]) == question["points"]
        assert ast.literal_eval(assigned["name"]) == question["id"]
