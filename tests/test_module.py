"""The module kind on seed 002's MLP: the reference, independent implementations, planted bugs."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from autograder.grading import Options, Report, grade
from autograder.kinds.module.compare import Expected, mismatch
from autograder.kinds.module.script import ScriptError, parse_expression, parse_statement
from autograder.rubric import Rubric, load_rubric

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mlp"
MLP = load_rubric(ROOT / "rubrics" / "mlp-backprop.yaml")
REFERENCE = ROOT / "reference" / "mlp-backprop"
OPTIONS = Options(reference=REFERENCE)  # where the oracle lives


def only(rubric: Rubric, *ids: str) -> Rubric:
    """The rubric cut down to some questions, to grade a planted bug quickly."""
    return rubric.model_copy(update={"questions": [q for q in rubric.questions if q.id in ids]})


def submit(open_dir: Path, code: str) -> Path:
    folder = open_dir / "submission"
    folder.mkdir(exist_ok=True)
    (folder / "mlp.py").write_text(code)
    return folder


def scores(report: Report) -> dict[str, float]:
    return {r.id: r.score for r in report.results}


def feedback(report: Report) -> str:
    return " ".join(m for r in report.results for m in r.messages)


# --- statements, comparison ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "import os", "net = MLP(1).__class__", "x = [a for a in b]", "net._secret = 1",
    "y = lambda: 1", "x = 1; y = 2", "net.forward(x) if x else None", "del net",
    "__builtins__['open']('f')",
])
def test_statements_outside_the_subset_are_refused(text: str) -> None:
    with pytest.raises(ScriptError):
        parse_statement(text)


def test_statements_say_what_they_read_and_bind() -> None:
    statement = parse_statement("J, dJdy_hat = mse_loss(y, y_hat)")
    assert statement.binds == {"J", "dJdy_hat"}
    assert statement.reads == {"mse_loss", "y", "y_hat"}
    assert parse_statement("net.parameters['W1'] = W1").reads == {"net", "W1"}
    assert parse_expression("net.grads['dJdW1']").reads == {"net"}


def _expect(value: np.ndarray, **extra: object) -> Expected:
    return Expected(value=value, dtype="float32", sizes={"batch": 4, "n_out": 3}, batch=4, **extra)


def test_comparison_names_the_usual_mistakes() -> None:
    rng = np.random.default_rng(0)
    want = rng.standard_normal((3, 5))
    rows = rng.standard_normal((4, 3))
    square = rng.standard_normal((3, 3))
    assert mismatch(want.astype(np.float32), _expect(want)) is None
    assert "transposed" in mismatch(want.T.astype(np.float32), _expect(want))
    assert "transposed" in mismatch(square.T.astype(np.float32), _expect(square))
    assert "sum it over the batch" in mismatch(rows.astype(np.float32), _expect(rows.sum(0)))
    assert "4× too small, the size batch" in mismatch((want / 4).astype(np.float32), _expect(want))
    assert "12× too large, the size batch·n_out" in mismatch((want * 12).astype(np.float32), _expect(want))
    assert "wrong sign" in mismatch((-want).astype(np.float32), _expect(want))
    assert "all zeros" in mismatch(np.zeros((3, 5), np.float32), _expect(want))
    previous = rng.standard_normal((3, 5))
    assert "previous call" in mismatch(previous.astype(np.float32), _expect(want, previous=previous))
    assert "not replaced" in mismatch((previous + want).astype(np.float32), _expect(want, previous=previous))
    assert "dtype float64" in mismatch(want, _expect(want))
    assert "NaN" in mismatch(np.full((3, 5), np.nan), _expect(want))
    assert "not a tensor" in mismatch(None, _expect(want))
    wrong = want.copy()
    wrong[1, 2] += 1
    assert "at index (1, 2)" in mismatch(wrong.astype(np.float32), _expect(want))


def test_tolerance_scales_with_the_expected_values() -> None:
    tiny = np.full(1000, 1e-6)
    assert mismatch(np.zeros(1000, np.float32), _expect(tiny)) is not None
    assert mismatch((tiny * (1 + 1e-6)).astype(np.float32), _expect(tiny)) is None


def test_rubric_problems_are_caught_at_load() -> None:
    question = MLP.question("mse-loss").model_dump(exclude_none=True)
    with pytest.raises(ValidationError, match="use an assignment"):
        type(MLP.question("mse-loss")).model_validate({**question, "steps": ["import os"]})
    with pytest.raises(ValidationError, match="private name"):
        type(MLP.question("mse-loss")).model_validate({**question, "steps": ["J = y._data"]})
    with pytest.raises(ValidationError, match="size 'n_out' is not set"):
        type(MLP.question("mse-loss")).model_validate({**question, "cases": [{"sizes": {"batch": 2}}]})


# --- grading real code ---------------------------------------------------------------------------


def test_reference_and_independent_implementations_score_full(open_dir: Path) -> None:
    for name in ("einsum_mlp.py", "loops_numpy_mlp.py"):
        folder = submit(open_dir, (FIXTURES / name).read_text())
        report = grade(MLP, folder, OPTIONS)
        assert report.score == 35, (name, feedback(report))
    loud = next(r for r in report.results if r.id == "mlp-backward")
    assert "backward example" in loud.output  # the prints were captured, not mistaken for a reply


def test_the_course_skeleton_scores_zero_without_crashing(open_dir: Path) -> None:
    report = grade(MLP, ROOT / "student_template" / "mlp-backprop", OPTIONS)
    assert report.score == 0
    assert {r.status for r in report.results if MLP.question(r.id).kind == "module"} == {"graded"}
    assert "is None, not a tensor" in feedback(report)


EINSUM = (FIXTURES / "einsum_mlp.py").read_text()

# mlp-backward's weights: 1 per piece, 3 per end-to-end gradient, 1 for inputs unchanged (17 in
# all); a bug in one gradient costs its piece and its end-to-end check, in the cases it breaks.
W_PIECE = 20 * 4 / 17

# (what is planted, the replacement, the questions it touches, points lost, words in the feedback)
PLANTED = [
    ("transposed dJdW1", ('"bi,bj->ij", ds1, self.x', '"bi,bj->ji", ds1, self.x'),
     "mlp-backward", W_PIECE, "dJdW1 is transposed"),
    ("bias gradient not summed", ('self.grads["dJdb2"] = ds2.sum(0)', 'self.grads["dJdb2"] = ds2'),
     "mlp-backward", 3 / 4 * W_PIECE, "one row per example"),  # right at batch 1
    ("mean instead of sum", ('self.grads["dJdb1"] = ds1.sum(0)', 'self.grads["dJdb1"] = ds1.mean(0)'),
     "mlp-backward", 3 / 4 * W_PIECE, "too small, the size batch"),  # right at batch 1
    ("wrong sign", ('self.grads["dJdW2"] = torch', 'self.grads["dJdW2"] = -torch'),
     "mlp-backward", W_PIECE, "dJdW2 has the wrong sign"),
    ("stale cache", ("self.x = x", "self.x = getattr(self, 'x', x)"),
     "mlp-backward", W_PIECE, "right on the first call"),
    ("stale input", ("        p = self.parameters\n        self.x = x", "        p = self.parameters\n        x = self.x = getattr(self, 'x', x)"),
     "mlp-backward", 20 - 20 * 1.25 / 17, "computed with the previous call's x"),  # dJdb2 right when g is identity
    ("forgot the bias gradient", ('self.grads["dJdb1"] = ds1.sum(0)', 'pass'),
     "mlp-backward", W_PIECE, "dJdb1 is all zeros"),
    ("dJdy_hat modified in place", ("ds2 = dJdy_hat * self.g.grad(self.s2, self.out)",
                                    "ds2 = dJdy_hat.mul_(self.g.grad(self.s2, self.out))"),
     "mlp-backward", 20 / 17, "changed its input dJdy_hat in place"),
    ("mse divides by the batch only", ("n = y.shape[0] * y.shape[1]\n    diff = y_hat - y\n    return (diff * diff).sum() / n, 2 * diff / n",
                                       "n = y.shape[0] * y.shape[1]\n    diff = y_hat - y\n    return (diff * diff).sum() / n, 2 * diff / y.shape[0]"),
     "mse-loss", 5 / 6, "too large, the size n_out"),  # right at batch 1
    ("bce gradient sign", ("(-y / y_hat + (1 - y) / (1 - y_hat)) / n", "(y / y_hat - (1 - y) / (1 - y_hat)) / n"),
     "bce-loss", 5 / 3, "dJdy_hat has the wrong sign"),
    ("forward without the bias", ('self.s2 = torch.einsum("ij,bj->bi", p["W2"], self.a1) + p["b2"]',
                                  'self.s2 = torch.einsum("ij,bj->bi", p["W2"], self.a1)'),
     "mlp-forward", 5, "y_hat is wrong at index"),
]


@pytest.mark.parametrize("what, change, question, lost, words", PLANTED, ids=[p[0] for p in PLANTED])
def test_each_planted_bug_loses_exactly_its_checks(
    open_dir: Path, what: str, change: tuple[str, str], question: str, lost: float, words: str
) -> None:
    assert change[0] in EINSUM, what
    folder = submit(open_dir, EINSUM.replace(change[0], change[1]))
    report = grade(only(MLP, question), folder, OPTIONS)
    points = MLP.question(question).points
    assert report.score == pytest.approx(points - lost, abs=1e-3), feedback(report)
    assert words in feedback(report)


def test_autograd_in_place_of_a_hand_written_backward_is_refused(open_dir: Path) -> None:
    rubric = MLP.model_copy(update={"questions": [
        MLP.question("mlp-backward").model_copy(update={"no_autograd": True})
    ]})
    cheat = EINSUM.replace(
        "        ds2 = dJdy_hat * self.g.grad(self.s2, self.out)",
        "        import torch as t\n        w = self.parameters['W2'].clone().requires_grad_()\n"
        "        ds2 = dJdy_hat * self.g.grad(self.s2, self.out)",
    )
    report = grade(rubric, submit(open_dir, cheat), OPTIONS)
    assert report.score == 0 and "autograd is not allowed" in feedback(report)
    assert grade(rubric, submit(open_dir, EINSUM), OPTIONS).score == 20


def test_a_student_check_runs_the_code_without_the_oracle(open_dir: Path) -> None:
    broken = EINSUM.replace("self.grads[\"dJdb2\"] = ds2.sum(0)", "self.grads[\"dJdb2\"] = ds2.sum(0) + undefined")
    report = grade(MLP, submit(open_dir, broken), Options(mode="check"))
    statuses = {r.id: (r.status, " ".join(r.messages)) for r in report.results}
    assert statuses["mlp-forward"][0] == "ok"
    assert statuses["mlp-backward"][0] == "problem"
    assert "NameError" in statuses["mlp-backward"][1]


# --- the other seed programming questions ----------------------------------------------------------


def _seed_submission(open_dir: Path, assignment: str, file: str, code: str) -> Path:
    folder = open_dir / "submission"
    shutil.copytree(ROOT / "reference" / assignment, folder, dirs_exist_ok=True)
    (folder / file).write_text(code)
    return folder


def _grade_seed(open_dir: Path, assignment: str, question: str, file: str, code: str) -> Report:
    rubric = only(load_rubric(ROOT / "rubrics" / f"{assignment}.yaml"), question)
    folder = _seed_submission(open_dir, assignment, file, code)
    return grade(rubric, folder, Options(reference=ROOT / "reference" / assignment))


def test_a_full_jacobian_fails_the_linear_time_check_without_harm(open_dir: Path) -> None:
    jacobian_softmax = """
import torch

def sigmoid_vjp(x, grad_y):
    s = torch.sigmoid(x)
    return grad_y * s * (1 - s)

def softmax_vjp(x, grad_y):
    s = torch.softmax(x, dim=0)
    return (torch.diag(s) - torch.outer(s, s)).T @ grad_y
"""
    report = _grade_seed(open_dir, "derivatives-convnets", "q1m-code", "vjp.py", jacobian_softmax)
    (result,) = report.results
    # sigmoid and inputs-unchanged hold; softmax in the cases small enough for a Jacobian
    assert result.score == pytest.approx(2 * (1 + 3 / 4 + 1) / 3, abs=1e-3)
    text = feedback(report)
    assert "n = 1,000,000" in text and "softmax has no value" in text and "O(n)" in text
    assert "sigmoid" not in text.split("softmax has no value")[0]


def test_linear_time_products_in_another_form_score_full(open_dir: Path) -> None:
    other = """
import numpy as np
import torch

def sigmoid_vjp(x, grad_y):
    s = 1 / (1 + torch.exp(-x))
    return grad_y * (s - s * s)

def softmax_vjp(x, grad_y):
    e = torch.exp(x - x.max())
    s = e / e.sum()
    return s * grad_y - s * (s * grad_y).sum()
"""
    report = _grade_seed(open_dir, "derivatives-convnets", "q1m-code", "vjp.py", other)
    assert report.score == 2, feedback(report)


def test_autograd_for_the_products_is_refused(open_dir: Path) -> None:
    cheat = """
import torch

def _vjp(f, x, grad_y):
    x = x.detach().requires_grad_()
    f(x).backward(grad_y)
    return x.grad

def sigmoid_vjp(x, grad_y):
    return _vjp(torch.sigmoid, x, grad_y)

def softmax_vjp(x, grad_y):
    return _vjp(lambda t: torch.softmax(t, 0), x, grad_y)
"""
    report = _grade_seed(open_dir, "derivatives-convnets", "q1m-code", "vjp.py", cheat)
    assert report.score == 0 and "autograd is not allowed" in feedback(report)


LAYERS = (ROOT / "reference" / "relu-networks" / "layers.py").read_text()


@pytest.mark.parametrize("change, lost, words", [
    (("self.grad_weight += grad_out.T @ self.x", "self.grad_weight = grad_out.T @ self.x"),
     1 / 4, "grad_weight was overwritten"),
    (("return grad_out @ self.weight", "return grad_out @ self.weight.T"), 7 / 12, "shapes cannot be multiplied"),
    (("self.grad_bias += grad_out.sum(dim=0)", "self.grad_bias += grad_out.mean(dim=0)"),
     1 / 6, "too small, the size batch"),  # right at batch 1
])
def test_linear_backward_accumulates_like_pytorch(
    open_dir: Path, change: tuple[str, str], lost: float, words: str
) -> None:
    assert change[0] in LAYERS
    report = _grade_seed(open_dir, "relu-networks", "q10b", "layers.py", LAYERS.replace(*change))
    assert report.score == pytest.approx(1 - lost, abs=1e-3), feedback(report)
    assert words in feedback(report)


def test_relu_backward_accepts_either_derivative_at_zero(open_dir: Path) -> None:
    for mask in ("grad_out * self.mask", "grad_out * (self.mask | (self.mask == 0) & False)",
                 "grad_out * (self.x_seen >= 0)"):
        code = LAYERS.replace("return grad_out * self.mask", f"return {mask}").replace(
            "        self.mask = x > 0\n", "        self.mask = x > 0\n        self.x_seen = x\n")
        report = _grade_seed(open_dir, "relu-networks", "q10c", "layers.py", code)
        assert report.score == 1, (mask, feedback(report))
    half = LAYERS.replace("return grad_out * self.mask", "return grad_out * torch.where(self.x_seen == 0, 0.5, self.mask.to(grad_out.dtype))").replace(
        "        self.mask = x > 0\n", "        self.mask = x > 0\n        self.x_seen = x\n")
    report = _grade_seed(open_dir, "relu-networks", "q10c", "layers.py", half)
    # wrong only at exactly 0: the whole-number case alone loses its share
    assert report.score == pytest.approx(5 / 6, abs=1e-3) and "whole numbers" in feedback(report)


def test_residual_mlp_x_bar_with_a_missing_term_is_diagnosed(open_dir: Path) -> None:
    code = (ROOT / "reference" / "perceptron-weights" / "residual_mlp.py").read_text()
    forgot_skip = code.replace("return y_bar + W1.T @ z_bar", "return W1.T @ z_bar")
    report = _grade_seed(open_dir, "perceptron-weights", "p4-code", "residual_mlp.py", forgot_skip)
    assert report.score == 0 and "x_bar is wrong" in feedback(report)
    forgot_r = code.replace("h_bar = r + W2.T @ y_bar", "h_bar = W2.T @ y_bar")
    assert _grade_seed(open_dir, "perceptron-weights", "p4-code", "residual_mlp.py", forgot_r).score == 0


# --- device ---------------------------------------------------------------------------------------


CPU_ONLY = EINSUM.replace('        self.grads["dJdb2"] = ds2.sum(0)',
                          '        self.grads["dJdb2"] = ds2.sum(0) + torch.zeros(ds2.shape[1])')


def test_cpu_only_code_is_moved_to_the_cpu_when_the_rubric_allows(open_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No GPU here: a first run 'on CUDA' that fails by mixing devices is simulated, the rerun on
    the CPU is real."""
    from autograder.sandbox import RunResult, Sandbox

    real_run = Sandbox.run
    devices: list[str] = []

    def run(self: Sandbox, task, submission, limits, seed, device):  # type: ignore[no-untyped-def]
        devices.append(device)
        if device != "cuda":
            return real_run(self, task, submission, limits, seed, device)
        error = {"statement": "net.backward(dJdy_hat)", "error": "raised RuntimeError: Expected all "
                 "tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"}
        reads = {c["name"]: {"$error": error} for c in task.script["cases"][0]["reads"]}
        case = {"rounds": [{"reads": reads, "inputs": {}}]}
        return RunResult("ok", value=[case] * len(task.script["cases"]), device="cuda")

    monkeypatch.setattr(Sandbox, "run", run)
    folder = submit(open_dir, CPU_ONLY)
    backward = only(MLP, "mlp-backward")
    report = grade(backward, folder, Options(device="cuda", reference=REFERENCE))
    assert devices == ["cuda", "cpu"]
    assert report.score == 20 and report.devices == ("cpu",)
    assert "run on the CPU instead" in feedback(report)

    devices.clear()
    strict = backward.model_copy(update={"questions": [
        backward.questions[0].model_copy(update={"device_fallback": "fail"})
    ]})
    report = grade(strict, folder, Options(device="cuda", reference=REFERENCE))
    assert devices == ["cuda"] and report.score == 0
    assert "mixes CPU and CUDA tensors" in feedback(report)


def test_validate_names_a_missing_oracle(open_dir: Path) -> None:
    from autograder.rubric import open_course
    from autograder.validate import lint

    for part in ("rubrics", "reference", "student_template"):
        source = ROOT / part / ("mlp-backprop.yaml" if part == "rubrics" else "mlp-backprop")
        target = open_dir / part / source.name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True)
            shutil.copy(source, target)
    text = (open_dir / "rubrics" / "mlp-backprop.yaml").read_text().replace("oracle: {name: bce}", "oracle: {name: bce_missing}")
    (open_dir / "rubrics" / "mlp-backprop.yaml").write_text(text)
    course = open_course("mlp-backprop", [open_dir])
    assert any("bce-loss" in p and "defines no function 'bce_missing'" in p for p in lint(course))


def test_without_its_oracle_a_question_is_a_grading_error_not_a_zero_for_the_student(open_dir: Path) -> None:
    report = grade(only(MLP, "mse-loss"), submit(open_dir, EINSUM), Options())
    (result,) = report.results
    assert result.status == "grading_error" and "no reference folder" in (result.error or "")
