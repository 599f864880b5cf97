"""The ``network`` kind: weights and biases built by hand, judged by what the network computes.

The rubric fixes the architecture (inputs, layers, widths, activations, biases) and the target:

- a ``condition`` on the inputs (``x1 > 0 or x2 > 0``), with ``output: sign`` (f(x) > 0 exactly
  when it holds) or ``output: binary`` (f(x) is 1 when it holds, else 0); the network is run in
  exact rational arithmetic on random inputs, on and just off every boundary of the condition,
  on grids with ties and zeros, on huge inputs and on every ordering of distinct values;
  ``tiers`` give partial credit when it is right on a subset (seed 003: distinct values → 10/20);
- or a ``shape`` and/or number of ``kinks`` of a one-input ReLU network on an interval, found
  exactly; ``possible: false`` makes "impossible" the right answer.

Feedback gives the simplest counter-example found, or what the network's shape really is.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Any, Iterator, Literal

from pydantic import Field, model_validator

from autograder.kinds.base import Figure, Kind, Mutant, Secret, Verdict, as_sentence
from autograder.kinds.network.architecture import Activation, Architecture, Network, NetworkError, read_network
from autograder.kinds.network.cases import (
    CASE_GROUPS,
    REAL_GROUPS,
    Case,
    CaseGroup,
    Filter,
    between,
    draw_cases,
    on_boundary,
    passes_filter,
)
from autograder.kinds.network.forward import evaluator
from autograder.kinds.network.numbers import show, show_point
from autograder.kinds.network.piecewise import analyse
from autograder.kinds.network.predicate import Boundary, Output, Predicate, PredicateError
from autograder.kinds.network.regions import extent_for, png_picture, text_picture
from autograder.seeds import question_seed
from autograder.rubric_models import QuestionBase, StrictModel

ShapeName = Literal["linear", "convex", "concave", "neither"]

_GROUP_WORDS: dict[CaseGroup, str] = {
    "random": "a random input",
    "boundary": "an input on or next to a boundary of the condition",
    "grid": "an input with ties and zeros",
    "large": "an input of large magnitude",
    "orderings": "an input with distinct values",
    "boolean": "a boolean input",
    "switching": "an input where one of your hidden units switches, near the condition's boundary",
}
_FILTER_WORDS: dict[str, str] = {
    "distinct": "inputs whose values are all distinct",
    "nonzero": "inputs with no zero value",
    "off_boundary": "inputs off the boundaries of the condition",
}
_IMPOSSIBLE = re.compile(r"^\s*(impossible|not possible|no such|does not exist|cannot)", re.IGNORECASE)


class Tier(StrictModel):
    """Partial credit for a network that is right on a subset of the inputs."""

    credit: float = Field(gt=0.0, lt=1.0, description="Fraction of the points.")
    only: list[Filter] = Field(min_length=1, description="The inputs this tier is judged on.")
    feedback: str | None = Field(default=None, description="Said when this tier is the one earned.")


class NetworkQuestion(QuestionBase):
    """Weights and biases for a network of a given architecture, judged by its behaviour."""

    kind: Literal["network"]
    inputs: int = Field(ge=1, le=32, description="Size of the input x.")
    outputs: int = Field(default=1, ge=1, le=32)
    layers: int | None = Field(default=None, ge=1, le=8, description="Exact number of weight matrices.")
    max_layers: int | None = Field(default=None, ge=1, le=8)
    widths: list[int] | None = Field(default=None, description="Exact hidden widths, e.g. [4].")
    max_width: int | None = Field(default=None, ge=1, le=256)
    activation: Activation = Field(default="relu", description="Hidden units' activation.")
    output_activation: Activation = "identity"
    biases: bool = Field(default=True, description="false: every bias must be absent or zero.")
    threshold_at_zero: Literal[0, 1] = Field(default=1, description="threshold(0): seed 003 uses 1.")
    condition: str | None = Field(default=None, description="Target, e.g. 'x1 > 0 or x2 > 0'.")
    output: Output = Field(default="sign", description="sign: f>0 ⟺ condition; binary: f = 1/0.")
    cases: list[CaseGroup] | None = Field(default=None, description=f"Inputs tried: {', '.join(CASE_GROUPS)}.")
    tiers: list[Tier] = Field(default_factory=list)
    shape: ShapeName | None = Field(default=None, description="Target shape of a one-input network.")
    kinks: int | None = Field(default=None, ge=0, description="Target number of non-differentiable points.")
    interval: tuple[float, float] = Field(default=(-5.0, 5.0), description="Where shape and kinks count.")
    possible: Annotated[bool, Secret()] = Field(
        default=True, description="false: the right answer is 'impossible'."
    )

    @model_validator(mode="after")
    def _check(self) -> "NetworkQuestion":
        if (self.condition is None) == (self.shape is None and self.kinks is None):
            raise ValueError("give either a condition, or a shape and/or kinks")
        if self.widths is not None and self.layers is not None and len(self.widths) != self.layers - 1:
            raise ValueError(f"widths lists {len(self.widths)} hidden layers, but layers is {self.layers}")
        if self.widths is not None and self.layers is None:
            raise ValueError("widths needs layers")
        if self.condition is not None:
            if self.outputs != 1:
                raise ValueError("a condition needs a single output")
            try:
                self.predicate  # noqa: B018 - rubric-time check
            except PredicateError as error:
                raise ValueError(str(error)) from None
        else:
            if self.inputs != 1 or self.outputs != 1:
                raise ValueError("shape and kinks are for networks with one input and one output")
            if {self.activation, self.output_activation} - {"relu", "identity"}:
                raise ValueError("shape and kinks need relu or identity activations")
            if not self.interval[0] < self.interval[1]:
                raise ValueError("interval must be [low, high] with low < high")
        if "orderings" in (self.cases or ()) and self.inputs < 2:
            raise ValueError("orderings needs at least two inputs")
        return self

    @cached_property
    def architecture(self) -> Architecture:
        """The limits a student's network is checked against."""
        return Architecture(
            inputs=self.inputs, outputs=self.outputs, layers=self.layers, max_layers=self.max_layers,
            widths=tuple(self.widths) if self.widths is not None else None, max_width=self.max_width,
            activation=self.activation, output_activation=self.output_activation,
            biases=self.biases, threshold_at_zero=self.threshold_at_zero,
        )

    @cached_property
    def predicate(self) -> Predicate:
        """The target condition, parsed."""
        assert self.condition is not None
        return Predicate(self.condition, self.inputs)

    @cached_property
    def judged_cases(self) -> list[tuple[Case, bool]]:
        """Each input with the condition's truth there (drawn on first use, then kept)."""
        # "switching" cases depend on the student's weights: they are added when grading.
        chosen = self.cases or [g for g in REAL_GROUPS if g != "orderings" or self.inputs > 1]
        groups = tuple(g for g in chosen if g != "switching")
        seed = question_seed(self.id, purpose="network")
        cases = draw_cases(self.inputs, groups, self.predicate.boundaries(), seed)
        return [(case, self.predicate.holds(case.point)) for case in cases]

    @cached_property
    def boundary_points(self) -> list[tuple[Fraction, ...]]:
        """The judged inputs that lie on a boundary of the condition: where the "switching"
        cases start from (kept, as they depend on the question only)."""
        boundaries = self.predicate.boundaries()
        return [case.point for case, _ in self.judged_cases
                if any(on_boundary(case.point, b) for b in boundaries)]


@dataclass(frozen=True)
class _Failure:
    case: Case
    output: Fraction | float
    expected: bool

    def simplicity(self) -> tuple[int, Fraction, int]:
        point = self.case.point
        return (max(v.denominator for v in point), max(abs(v) for v in point), len(point))


def _correct(value: Fraction | float, truth: bool, output: Output) -> bool:
    if output == "sign":
        return (value > 0) == truth
    return value == (1 if truth else 0)


def _explain(failure: _Failure, question: NetworkQuestion) -> str:
    value = failure.output
    point = show_point(failure.case.point)
    truth = "true" if failure.expected else "false"
    where = f"{question.condition} is {truth} there ({_GROUP_WORDS[failure.case.group]})"
    if question.output == "sign":
        side = "> 0" if value > 0 else "≤ 0"
        want = "> 0" if failure.expected else "≤ 0"
        return f"for x = {point} your network outputs {show(value)} ({side}); expected {want}, since {where}."
    return f"for x = {point} your network outputs {show(value)}; expected {int(failure.expected)}, since {where}."


def _first_layer_planes(network: Network) -> list[Boundary]:
    return [
        Boundary(tuple(row), bias)
        for row, bias in zip(network.layers[0].weights, network.layers[0].bias)
        if any(row)
    ]


def _judge_condition(network: Network, question: NetworkQuestion) -> Verdict:
    failures = []
    boundaries = question.predicate.boundaries()
    if question.cases is None or "switching" in question.cases:
        extra = [(case, question.predicate.holds(case.point))
                 for case in between(question.boundary_points, _first_layer_planes(network))]
    else:
        extra = []
    judged = question.judged_cases + extra
    outputs = evaluator(network)
    for case, truth in judged:
        value = outputs(case.point)[0]
        if not _correct(value, truth, question.output):
            failures.append(_Failure(case, value, truth))
    total = len(judged)
    simplest = min(failures, key=_Failure.simplicity) if failures else None
    extent = extent_for([simplest.case.point] if simplest else [])
    figures = _figures(network, question, [f.case.point for f in failures], extent)
    if simplest is None:
        return Verdict(1.0, (f"Correct on all {total} inputs tried.",), figures)
    wrong = f"Wrong on {len(failures)} of {total} inputs; for example, {_explain(simplest, question)}"
    if question.inputs == 2:
        wrong += "\nWhat your network decides, against the condition:\n" + text_picture(
            network, question.predicate, question.output, extent
        )
    for tier in sorted(question.tiers, key=lambda t: -t.credit):
        if all(not all(passes_filter(f.case.point, name, boundaries) for name in tier.only) for f in failures):
            subset = " and ".join(_FILTER_WORDS[name] for name in tier.only)
            lead = tier.feedback or f"Correct on {subset}, which earns part of the points."
            return Verdict(tier.credit, (lead, wrong), figures)
    return Verdict(0.0, (wrong,), figures)


def _figures(
    network: Network, question: NetworkQuestion, wrong: list[tuple[Fraction, ...]], extent: float
) -> tuple[Figure, ...]:
    """For two inputs: the decision regions against the condition, wrong inputs marked."""
    if question.inputs != 2 or question.condition is None:
        return ()
    png = png_picture(network, question.predicate, question.output, extent, wrong)
    caption = (f"{question.id}: blue = yes and should be, grey = no and should be, red = yes but should "
               f"not be, orange = no but should be; black = wrong inputs; x1 → and x2 ↑ in ±{extent:g}")
    return (Figure(png, caption),)


def draw(question: NetworkQuestion, answer: Any) -> tuple[Figure, ...]:
    """For the local check: what a two-input network decides, without the target."""
    if question.inputs != 2 or question.condition is None or claims_impossible(answer):
        return ()
    try:
        network = read_network(answer, question.architecture)
    except NetworkError:
        return ()
    png = png_picture(network, None, question.output, 2.0, [])
    return (Figure(png, f"{question.id}: where your network says yes (blue), x1 → and x2 ↑ in ±2"),)


def _shape_words(kinks: tuple[Fraction, ...]) -> str:
    if not kinks:
        return "no non-differentiable point"
    where = ", ".join(f"x = {show(k)}" for k in kinks[:6])
    return f"{len(kinks)} non-differentiable point{'s' if len(kinks) > 1 else ''} ({where})"


def _judge_shape(network: Network, question: NetworkQuestion) -> Verdict:
    lo, hi = (Fraction(v) for v in question.interval)
    pieces = analyse(network, lo, hi)
    interval = f"[{show(lo)}, {show(hi)}]"
    problems = []
    if question.kinks is not None and len(pieces.kinks) != question.kinks:
        problems.append(f"it has {_shape_words(pieces.kinks)}; the question asks for {question.kinks}")
    if question.shape is not None:
        wanted = {"linear": pieces.linear, "convex": pieces.convex and not pieces.linear,
                  "concave": pieces.concave and not pieces.linear,
                  "neither": not pieces.convex and not pieces.concave}[question.shape]
        if not wanted:
            problems.append(f"it is {pieces.describe()}")
    if problems:
        return Verdict(0.0, (f"On {interval} your network does not have the property: {'; '.join(problems)}.",))
    return Verdict(1.0, (f"Right: on {interval} your network is {pieces.describe()}, with "
                         f"{_shape_words(pieces.kinks)}.",))


def claims_impossible(answer: Any) -> bool:
    """Whether the answer says no such network exists ('impossible', 'not possible', ...)."""
    return isinstance(answer, str) and bool(_IMPOSSIBLE.match(answer))


def grade(question: NetworkQuestion, answer: Any) -> Verdict:
    """Full credit when the network does what the target says on every input (or has the shape)."""
    if answer is None:
        return Verdict(0.0, ("No answer given.",))
    if claims_impossible(answer):
        if question.possible:
            return Verdict(0.0, ("Such a network exists: give its weights.",))
        return Verdict(1.0, ("Right: no such network exists.",))
    try:
        network = read_network(answer, question.architecture)
    except NetworkError as error:
        return Verdict(0.0, (as_sentence(str(error)),))
    if question.condition is not None:
        return _judge_condition(network, question)
    return _judge_shape(network, question)


def precheck(question: NetworkQuestion, answer: Any) -> list[str]:
    """Whether the weights fit the architecture (or the answer says 'impossible'); never more."""
    if answer is None:
        return ["no answer given"]
    if claims_impossible(answer):
        return []
    try:
        read_network(answer, question.architecture)
    except NetworkError as error:
        return [str(error)]
    return []


# --- mutation testing --------------------------------------------------------------------------


def _perturbed(answer: dict[str, Any]) -> Iterator[Mutant]:
    """Each weight or bias in turn perturbed: + ½, + 1, negated, zeroed (a zero: − ½)."""
    for key, value in answer.items():
        rows = value if isinstance(value, list) else [value]
        for i, row in enumerate(rows):
            cells = row if isinstance(row, list) else [row]
            for j, cell in enumerate(cells):
                try:
                    number = float(cell)
                except (TypeError, ValueError):
                    continue
                changes = [("+ ½", number + 0.5), ("+ 1", number + 1)]
                changes += [("negated", -number), ("zeroed", 0.0)] if number else [("− ½", -0.5)]
                for label, new in changes:
                    changed = copy.deepcopy(answer)
                    target = changed[key] if isinstance(value, list) else None
                    if target is None:
                        changed[key] = new
                    elif isinstance(row, list):
                        target[i][j] = new
                    else:
                        target[i] = new
                    yield Mutant(f"{key}[{i}][{j}] {label}" if isinstance(row, list) else f"{key}[{i}] {label}", changed)


def mutants(question: NetworkQuestion, answer: Any) -> list[Mutant]:
    """One weight or bias perturbed; for the answer "impossible", any network."""
    if isinstance(answer, str):  # "impossible": any network is a wrong answer
        return [Mutant("a network instead of 'impossible'", {"W1": [[1], [1]], "W2": [[1, -1]]})]
    if not isinstance(answer, dict):
        return []
    return list(_perturbed(answer))


KIND = Kind(
    name="network", model=NetworkQuestion, grade=grade, precheck=precheck, draw=draw, mutants=mutants,
)
