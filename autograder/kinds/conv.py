"""The ``conv`` kind: a convolution layer's (k, s, p, d) that maps a given input to a given output.

Any configuration that works is right. It is checked against the rubric's constraints (e.g. no
padding) and by the output-size formula ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1 on each spatial axis,
which is ``torch.nn.Conv2d``'s own (``tests/test_kinds.py`` runs a real Conv2d over a grid of
settings to prove they agree; the grader does not import torch for it).
Feedback works the formula through with the student's numbers.
"""

from __future__ import annotations

from typing import Any, Iterator, Literal

from pydantic import Field, model_validator

from autograder.kinds.base import Kind, Mutant, Verdict, as_sentence
from autograder.rubric_models import QuestionBase

Setting = Literal["k", "s", "p", "d"]
_NAMES: dict[str, Setting] = {
    "k": "k", "kernel": "k", "kernel_size": "k", "window": "k",
    "s": "s", "stride": "s",
    "p": "p", "pad": "p", "padding": "p",
    "d": "d", "dilation": "d",
}
_WORDS = {"k": "kernel size", "s": "stride", "p": "padding", "d": "dilation"}
_DEFAULTS = {"p": 0, "d": 1}
MAX_SETTING = 1024


class ConvQuestion(QuestionBase):
    """Find square (k, s, p, d) so that Conv2d maps ``input`` (C, H, W) to ``output`` (C', H', W')."""

    kind: Literal["conv"]
    input: tuple[int, int, int] = Field(description="(channels, height, width) of the input.")
    output: tuple[int, int, int] = Field(description="(channels, height, width) wanted.")
    fixed: dict[Setting, int] = Field(
        default_factory=dict, description="Settings the question fixes, e.g. {p: 0, d: 1}."
    )

    @model_validator(mode="after")
    def _check(self) -> "ConvQuestion":
        if min(self.input) < 1 or min(self.output) < 1:
            raise ValueError("input and output sizes must be positive")
        for name, value in self.fixed.items():
            if value < (0 if name == "p" else 1):
                raise ValueError(f"fixed {name} = {value} is not a valid {_WORDS[name]}")
        return self


def _read(answer: Any) -> tuple[dict[Setting, int], str]:
    if not isinstance(answer, dict):
        return {}, "write the configuration as a mapping: {k: 5, s: 1, p: 0, d: 1}"
    settings: dict[Setting, int] = {}
    for key, value in answer.items():
        name = _NAMES.get(str(key).strip().lower())
        if name is None:
            return {}, f"unknown setting '{str(key)[:20]}': use k, s, p and d"
        if value is None:
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return {}, f"the {_WORDS[name]} {name} must be a whole number, got {str(value)[:20]}"
        settings[name] = value
    for name, default in _DEFAULTS.items():
        settings.setdefault(name, default)
    missing = [name for name in ("k", "s") if name not in settings]
    if missing:
        return {}, f"give {' and '.join(missing)} ({', '.join(_WORDS[m] for m in missing)})"
    for name, value in settings.items():
        smallest = 0 if name == "p" else 1
        if not smallest <= value <= MAX_SETTING:
            return {}, f"the {_WORDS[name]} {name} = {value} is out of range"
    return settings, ""


def output_size(n: int, k: int, s: int, p: int, d: int) -> int:
    """Conv2d's output length along one axis (≤ 0 when the kernel does not fit)."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def grade(question: ConvQuestion, answer: Any) -> Verdict:
    """Right when the constraints hold and the formula gives the output size."""
    settings, problem = _read(answer)
    if problem:
        return Verdict(0.0, (as_sentence(problem),))
    broken = [f"{n} must be {v} here, got {settings[n]}" for n, v in question.fixed.items() if settings[n] != v]
    if broken:
        return Verdict(0.0, ("The question fixes this setting: " + "; ".join(broken) + ".",))
    k, s, p, d = (settings[n] for n in ("k", "s", "p", "d"))
    channels, height, width = question.input
    messages = []
    for axis, n, want in (("height", height, question.output[1]), ("width", width, question.output[2])):
        got = output_size(n, k, s, p, d)
        if got != want:
            span = d * (k - 1) + 1
            if got < 1:
                return Verdict(0.0, (f"The kernel spans {span} pixels, more than the padded {axis} {n + 2 * p}.",))
            messages.append(
                f"Along the {axis}: ⌊({n} + 2·{p} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = {got}, not {want}."
            )
    if messages:
        return Verdict(0.0, tuple(messages[:1]))
    shape = (question.output[0], output_size(height, k, s, p, d), output_size(width, k, s, p, d))
    return Verdict(1.0, (f"Right: Conv2d(k={k}, s={s}, p={p}, d={d}) maps {tuple(question.input)} to {shape}.",))


def precheck(question: ConvQuestion, answer: Any) -> list[str]:
    """Whether the answer is a readable configuration; never whether it works."""
    _, problem = _read(answer)
    return [problem] if problem else []


def _shifted(question: ConvQuestion, answer: dict[str, Any]) -> Iterator[Mutant]:
    for key in ("k", "s"):
        if not isinstance(answer.get(key), int):
            continue
        for step in (1, -1, 2, -2):
            changed = {"p": 0, "d": 1, **answer, key: answer[key] + step}
            if changed[key] < 1:
                continue
            sizes = [output_size(n, changed["k"], changed["s"], changed["p"], changed["d"])
                     for n in question.input[1:]]
            if sizes != list(question.output[1:]):
                yield Mutant(f"{key} {'+' if step > 0 else '−'} {abs(step)}", changed)


def mutants(question: ConvQuestion, answer: Any) -> list[Mutant]:
    """k or s shifted by 1 or 2; a shift that is another right configuration is no mistake."""
    return list(_shifted(question, answer)) if isinstance(answer, dict) else []


KIND = Kind(name="conv", model=ConvQuestion, grade=grade, precheck=precheck, mutants=mutants)
