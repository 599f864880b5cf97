"""The ``training`` kind: a student's ``train_epoch`` and ``evaluate`` (seed 001 Q11), run for real.

The grader draws a small classification data set from the question's seed (Gaussian clusters:
offline, instant, and hard enough that an untrained network is at chance). In the sandbox, the
harness (:mod:`autograder.sandbox.harness`) builds an MLP with dropout, calls the student's
``train_epoch(model, loader, criterion, optimizer)`` for the rubric's epochs (putting the model in
eval mode before each, so a loop must call ``model.train()`` itself) and then
``evaluate(model, loader, criterion)``, which must return ``(mean loss, accuracy)``.

Only weights and counts come back. The grader rebuilds the network, loads the trained weights and
computes the loss and accuracy itself, so nothing the student's process claims is taken on
trust; the harness's counts (optimizer steps, ``zero_grad`` calls, train mode and gradient
tracking during each phase, gradients never cleared) explain what went wrong. Two weighted checks: the training loop
(weights changed, a step per batch, gradients cleared, train mode, accuracy and loss-drop
thresholds) and the evaluation (eval mode, no gradients tracked or left behind, weights
untouched, and the loss and accuracy it reports are the ones the weights give).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from autograder.kinds.base import Kind, Verdict
from autograder.sandbox import protocol
from autograder.sandbox.work import RunTraining
from autograder.seeds import question_seed
from autograder.rubric_models import PositiveNumber, QuestionBase, Source, StrictModel

class Data(StrictModel):
    """Gaussian clusters, one per class, drawn from the question's seed."""

    features: int = Field(default=8, ge=2, le=64)
    classes: int = Field(default=4, ge=2, le=10)
    train: int = Field(default=512, ge=16, le=20_000, description="Training examples.")
    test: int = Field(default=256, ge=16, le=20_000, description="Test examples.")
    spread: PositiveNumber = Field(default=1.0, description="Cluster spread; larger is harder.")


class Network(StrictModel):
    """The MLP the harness trains: Linear → ReLU → Dropout → Linear."""

    hidden: int = Field(default=32, ge=2, le=512)
    dropout: float = Field(default=0.3, ge=0.0, lt=1.0)


class TrainingQuestion(QuestionBase):
    """Run the student's training loop and evaluation; judge the trained weights in the grader."""

    kind: Literal["training"]
    data: Data = Field(default_factory=Data)
    model: Network = Field(default_factory=Network)
    epochs: int = Field(default=5, ge=1, le=50)
    batch_size: int = Field(default=32, ge=1, le=1024)
    lr: PositiveNumber = 0.1
    min_accuracy: float = Field(default=0.8, gt=0, le=1, description="Test accuracy the trained weights must reach.")
    min_loss_drop: float = Field(
        default=0.3, ge=0, lt=1, description="Fraction by which the training loss must fall."
    )
    train_weight: PositiveNumber = Field(default=1.0, description="Weight of the train_epoch check.")
    evaluate_weight: PositiveNumber = Field(default=1.0, description="Weight of the evaluate check.")

    @model_validator(mode="after")
    def _check(self) -> "TrainingQuestion":
        if self.source is None or not str(self.source.file or "").endswith(".py"):
            raise ValueError("needs source: {file: NAME.py} defining train_epoch and evaluate")
        if self.data.train % self.batch_size or self.data.test % self.batch_size:
            raise ValueError("data.train and data.test must be multiples of batch_size, so that a "
                             "mean of batch means and a mean over examples agree")
        return self

    @cached_property
    def dataset(self) -> dict[str, np.ndarray]:
        """Train and test examples, standardised, from the question's seed."""
        rng = np.random.default_rng(question_seed(self.id, purpose="training"))
        spec = self.data
        centers = rng.standard_normal((spec.classes, spec.features)) * 2.0
        out: dict[str, np.ndarray] = {}
        for part, count in (("train", spec.train), ("test", spec.test)):
            labels = rng.integers(0, spec.classes, size=count)
            points = centers[labels] + rng.standard_normal((count, spec.features)) * spec.spread
            out[f"{part}_x"], out[f"{part}_y"] = points.astype(np.float32), labels.astype(np.int64)
        scale = out["train_x"].std(axis=0) + 1e-6
        for part in ("train", "test"):
            out[f"{part}_x"] = (out[f"{part}_x"] / scale).astype(np.float32)
        return out

    def sandbox_request(self, source: Source) -> RunTraining:
        """The harness's settings and the data, in the wire format."""
        assert source.file is not None
        return RunTraining(file=source.file, training={
            "data": protocol.to_wire(self.dataset),
            "model": {"features": self.data.features, "classes": self.data.classes,
                      "hidden": self.model.hidden, "dropout": self.model.dropout},
            "epochs": self.epochs, "batch_size": self.batch_size, "lr": self.lr,
            "seed": question_seed(self.id, purpose="training-run"), "train": True,
        })


# --- the grader's own evaluation -----------------------------------------------------------------

def _weights(value: Any, question: TrainingQuestion) -> dict[str, np.ndarray] | None:
    """The trained weights, checked against the network's shapes."""
    if not isinstance(value, dict):
        return None
    shapes = {
        "0.weight": (question.model.hidden, question.data.features), "0.bias": (question.model.hidden,),
        "4.weight": (question.data.classes, question.model.hidden), "4.bias": (question.data.classes,),
    }
    out = {}
    for name, shape in shapes.items():
        array = value.get(name)
        if not isinstance(array, np.ndarray) or array.shape != shape or array.dtype.kind != "f":
            return None
        out[name] = array.astype(np.float64)
    return out


def measure(weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of the network with these weights, dropout off."""
    hidden = np.maximum(x.astype(np.float64) @ weights["0.weight"].T + weights["0.bias"], 0.0)
    logits = hidden @ weights["4.weight"].T + weights["4.bias"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_probs[np.arange(len(y)), y].mean())
    return loss, float((logits.argmax(axis=1) == y).mean())


def accuracy_range(weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The accuracies these weights can honestly be reported with: exact, except that an example
    whose two largest logits nearly tie may be classified either way on another device."""
    hidden = np.maximum(x.astype(np.float64) @ weights["0.weight"].T + weights["0.bias"], 0.0)
    logits = hidden @ weights["4.weight"].T + weights["4.bias"]
    top = np.sort(logits, axis=1)
    scale = np.maximum(np.abs(top[:, -1]), 1.0)
    close = (top[:, -1] - top[:, -2] <= 1e-4 * scale) if logits.shape[1] > 1 else np.zeros(len(y), bool)
    right = (logits.argmax(axis=1) == y) & ~close
    return float(right.sum()) / len(y), float(right.sum() + close.sum()) / len(y)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, float) and math.isfinite(value) else None


def _training_problems(question: TrainingQuestion, reply: dict[str, Any]) -> list[str]:
    data = question.dataset
    initial = _weights(reply.get("initial"), question)
    trained = _weights(reply.get("trained"), question)
    epochs = [e for e in reply.get("epochs", []) if isinstance(e, dict)]
    if initial is None or trained is None or len(epochs) != question.epochs:
        return ["the training run gave no usable weights"]
    problems = []
    steps = sum(int(e.get("steps", 0)) for e in epochs)
    batches = sum(int(e.get("batches", 0)) for e in epochs)
    if all(np.array_equal(initial[k], trained[k]) for k in initial):
        problems.append("the weights never changed: train_epoch must call optimizer.step() "
                        f"after loss.backward() (optimizer.step() ran {steps} times)")
    elif steps != batches:
        problems.append(f"optimizer.step() ran {steps} times for {batches} batches: step once per batch")
    leaks = sum(int(e.get("leaks", 0)) for e in epochs)
    if leaks:
        problems.append(f"gradients were not cleared between batches ({leaks} backward passes added to "
                        "old gradients): call optimizer.zero_grad() before each loss.backward()")
    if any(int(e.get("forwards", 0)) and not int(e.get("train_mode", 0)) for e in epochs):
        problems.append("train_epoch ran the model in eval mode (dropout off): call model.train() first")
    if any(_number(e.get("value")) is None for e in epochs):
        problems.append("train_epoch should return the epoch's mean loss as a number")
    before, _ = measure(initial, data["train_x"], data["train_y"])
    after, _ = measure(trained, data["train_x"], data["train_y"])
    _, accuracy = measure(trained, data["test_x"], data["test_y"])
    if after > (1 - question.min_loss_drop) * before:
        problems.append(f"the training loss only went from {before:.3f} to {after:.3f} in "
                        f"{question.epochs} epochs (it must fall by {question.min_loss_drop:.0%})")
    if accuracy < question.min_accuracy:
        problems.append(f"the trained weights reach {accuracy:.1%} test accuracy (computed by the "
                        f"grader), below the {question.min_accuracy:.0%} required")
    return problems


def _evaluation_problems(question: TrainingQuestion, reply: dict[str, Any]) -> list[str]:
    data = question.dataset
    trained = _weights(reply.get("trained"), question)
    evaluation = reply.get("evaluation")
    if trained is None or not isinstance(evaluation, dict):
        return ["the evaluation gave no usable answer"]
    problems = []
    if int(evaluation.get("train_mode", 0)):
        problems.append("evaluate ran the model in train mode (dropout on): call model.eval()")
    if int(evaluation.get("grad_enabled", 0)):
        problems.append("evaluate tracked gradients: run the model under torch.no_grad()")
    if int(evaluation.get("grads_left", 0)):
        problems.append("evaluate left gradients in the parameters: no loss.backward() in evaluation")
    if evaluation.get("weights_changed"):
        problems.append("evaluate changed the weights: it must not train")
    value = evaluation.get("value")
    pair = [_number(v) for v in value] if isinstance(value, list) and len(value) == 2 else None
    if pair is None or None in pair:
        return problems + [f"evaluate must return (mean loss, accuracy) as two numbers, not {value!r}"[:200]]
    loss, accuracy = pair
    want_loss, _ = measure(trained, data["test_x"], data["test_y"])
    # The grader's own numbers are not shown: the student's value, and what it should be.
    if abs(loss - want_loss) > 1e-3 * max(1.0, want_loss):
        problems.append(f"evaluate reports a loss of {loss:.4f}, not the mean loss over the test "
                        "examples that the weights give")
    low, high = accuracy_range(trained, data["test_x"], data["test_y"])
    if not any(low - 1e-9 <= value <= high + 1e-9 for value in (accuracy, accuracy / 100)):
        problems.append(f"evaluate reports an accuracy of {accuracy:.4g}, not the share of test "
                        "examples the weights classify correctly (count every example once)")
    return problems


def grade(question: TrainingQuestion, answer: Any) -> Verdict:
    """Weighted: the training loop's check and the evaluation's check."""
    reply = answer if isinstance(answer, dict) else {}
    training = _training_problems(question, reply)
    evaluation = _evaluation_problems(question, reply)
    earned = (0 if training else question.train_weight) + (0 if evaluation else question.evaluate_weight)
    messages = [f"train_epoch: {p}." for p in training] + [f"evaluate: {p}." for p in evaluation]
    if not messages:
        _, accuracy = measure(_weights(reply["trained"], question) or {}, question.dataset["test_x"],
                              question.dataset["test_y"])
        messages = [f"Training works: {accuracy:.1%} test accuracy after {question.epochs} epochs, "
                    "and evaluate reports it faithfully."]
    return Verdict(earned / (question.train_weight + question.evaluate_weight), tuple(messages))


def precheck(question: TrainingQuestion, answer: Any) -> list[str]:
    """Both functions ran and returned numbers; how well they train is not said."""
    reply = answer if isinstance(answer, dict) else {}
    epochs = [e for e in reply.get("epochs", []) if isinstance(e, dict)]
    problems = []
    if not epochs or any(_number(e.get("value")) is None for e in epochs):
        problems.append("train_epoch should return the epoch's mean loss as a number")
    evaluation = reply.get("evaluation")
    value = evaluation.get("value") if isinstance(evaluation, dict) else None
    if not (isinstance(value, list) and len(value) == 2 and all(_number(v) is not None for v in value)):
        problems.append("evaluate should return (mean loss, accuracy) as two numbers")
    return problems


KIND = Kind(name="training", model=TrainingQuestion, grade=grade, precheck=precheck,
            sandbox_modules=("torch.optim", "torch._dynamo"))  # an optimizer's first use imports both
