"""Issue 20: code judged as seed 002's course judges it, and more fairly.

Three submissions of our own, each a mistake (or not) a real student makes: float32-only
buffers, compensating 1/N conventions, a backward that forgets g′. Each must get the credit a
fair TA gives, with feedback that says why; `check` reports None and wrong shapes or dtypes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading import Options, grade
from tests.test_module import EINSUM, MLP, OPTIONS, feedback, only, scores, submit

# Preallocated float32 buffers, as the course's skeleton keeps them: right in float32, float32
# results in the float64 cases the course never promises.
FLOAT32_BUFFERS = EINSUM.replace(
    "        self.out = self.g(self.s2)\n        return self.out",
    "        self.out = torch.zeros(x.shape[0], p['W2'].shape[0])\n"
    "        self.out[:] = self.g(self.s2)\n        return self.out",
).replace(
    "    diff = y_hat - y\n    return (diff * diff).sum() / n, 2 * diff / n",
    "    diff = y_hat - y\n    grad = torch.zeros(y.shape)\n    grad[:] = 2 * diff / n\n"
    "    return (diff * diff).sum() / n, grad",
)

# Losses return each example's own gradient (no 1/batch); backward averages over the batch.
COMPENSATING = EINSUM.replace(
    "    return (diff * diff).sum() / n, 2 * diff / n",
    "    return (diff * diff).sum() / n, 2 * diff / y.shape[1]",
).replace(
    "    return loss, (-y / y_hat + (1 - y) / (1 - y_hat)) / n",
    "    return loss, (-y / y_hat + (1 - y) / (1 - y_hat)) / y.shape[1]",
).replace(
    "        ds2 = dJdy_hat * self.g.grad(self.s2, self.out)",
    "        ds2 = dJdy_hat * self.g.grad(self.s2, self.out) / dJdy_hat.shape[0]",
)

# The chain rule without g′: right exactly when g is the identity.
NO_G_PRIME = EINSUM.replace(
    "        ds2 = dJdy_hat * self.g.grad(self.s2, self.out)", "        ds2 = dJdy_hat"
)


def test_the_changes_are_planted() -> None:
    assert len({EINSUM, FLOAT32_BUFFERS, COMPENSATING, NO_G_PRIME}) == 4
    assert FLOAT32_BUFFERS.count("torch.zeros(") == EINSUM.count("torch.zeros(") + 2


def test_float32_only_buffers_lose_nothing_in_a_dtype_never_promised(open_dir: Path) -> None:
    report = grade(only(MLP, "mlp-forward", "mse-loss"), submit(open_dir, FLOAT32_BUFFERS), OPTIONS)
    assert scores(report) == {"mlp-forward": 5, "mse-loss": 5}, feedback(report)
    text = feedback(report)
    assert "a dtype it never promises" in text and "said, not counted" in text
    assert "dtype float32; the inputs were float64" in text


def test_compensating_conventions_keep_most_of_the_credit_and_are_explained(open_dir: Path) -> None:
    report = grade(only(MLP, "mlp-forward", "mlp-backward", "mse-loss", "bce-loss"),
                   submit(open_dir, COMPENSATING), OPTIONS)
    got = scores(report)
    # backward: every end-to-end gradient (3 each), each piece at batch 1 only, inputs unchanged
    assert got["mlp-backward"] == pytest.approx(20 * (12 + 1 + 1) / 17, abs=1e-3), feedback(report)
    # each loss: J, inputs unchanged, and dJdy_hat in its batch-1 case
    assert got["mse-loss"] == pytest.approx(5 * 2.5 / 3, abs=1e-3)
    assert got["bce-loss"] == pytest.approx(5 * 2.5 / 3, abs=1e-3)
    assert sum(got.values()) >= 0.8 * 35
    text = feedback(report)
    assert "your losses return per-example gradients and your backward averages over the batch" in text.lower()
    assert "right only when batch is 1" in text
    assert "too large, the size batch" in text  # the loss's own feedback


def test_a_backward_without_g_prime_earns_the_g_identity_case_only(open_dir: Path) -> None:
    report = grade(only(MLP, "mlp-backward"), submit(open_dir, NO_G_PRIME), OPTIONS)
    # a quarter of every check (one case of four), and inputs unchanged
    assert report.score == pytest.approx(20 * (16 / 4 + 1) / 17, abs=1e-3), feedback(report)
    assert "right only when g is identity" in feedback(report)
    assert "per-example" not in feedback(report)


def test_all_or_nothing_is_still_a_rubric_option(open_dir: Path) -> None:
    strict = MLP.question("mlp-backward").model_copy(update={"credit": "all_or_nothing"})
    rubric = MLP.model_copy(update={"questions": [strict]})
    assert grade(rubric, submit(open_dir, NO_G_PRIME), OPTIONS).score == 0


def test_a_float64_case_counts_only_where_the_rubric_promises_float64(open_dir: Path) -> None:
    forward = MLP.question("mlp-forward").model_copy(update={"dtypes": ["float32", "float64"]})
    rubric = MLP.model_copy(update={"questions": [forward]})
    report = grade(rubric, submit(open_dir, FLOAT32_BUFFERS), OPTIONS)
    assert report.score == pytest.approx(5 * 4 / 5, abs=1e-3), feedback(report)
    assert "right in 4 of 5 cases: wrong whenever dtype is float64" in feedback(report)


# --- check: the form grading will punish, never correctness --------------------------------------

SKELETON = Path(__file__).resolve().parent.parent / "student_template" / "mlp-backprop"


def _check(folder: Path, *ids: str) -> dict[str, tuple[str, str]]:
    report = grade(only(MLP, *ids), folder, Options(mode="check"))
    return {r.id: (r.status, " ".join(r.messages)) for r in report.results}


def test_check_reports_a_forward_that_returns_none() -> None:
    status, text = _check(SKELETON, "mlp-forward")["mlp-forward"]
    assert status == "problem" and "y_hat is None" in text


def test_check_reports_wrong_shapes_and_dtypes_without_judging_values(open_dir: Path) -> None:
    transposed = EINSUM.replace("        return self.out", "        return self.out.T")
    status, text = _check(submit(open_dir, transposed), "mlp-forward")["mlp-forward"]
    assert status == "problem" and "has shape (5, 10), but the interface promises (10, 5)" in text
    doubled = EINSUM.replace("        return self.out", "        return self.out.double()")
    status, text = _check(submit(open_dir, doubled), "mlp-forward")["mlp-forward"]
    assert status == "problem" and "has dtype float64; the inputs were float32" in text
    wrong_values = EINSUM.replace("        return self.out", "        return self.out + 1")
    assert _check(submit(open_dir, wrong_values), "mlp-forward")["mlp-forward"][0] == "ok"
    scalar_loss = EINSUM.replace("return (diff * diff).sum() / n,", "return ((diff * diff).sum() / n).reshape(1),")
    assert _check(submit(open_dir, scalar_loss), "mse-loss")["mse-loss"][0] == "ok"  # grading accepts (1,)
