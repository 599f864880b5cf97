"""The ``function`` kind: a student's Python function, called in the sandbox, judged by behaviour.

The rubric lists the calls (tensors built by the grader: evenly spaced values, seeded random
values, or given ones; plus plain arguments), and what every output must satisfy:

- ``properties`` of an elementwise activation (seed 000 Q5): ``elementwise`` (same shape),
  ``in_range`` (within the call's ``range``), ``non_constant``, ``monotone``, ``covers_range``
  (reaches or approaches each finite bound, keeps growing towards an infinite one) — so that a
  constant or a squashed function that merely satisfies y ≥ 0 is not an answer;
- ``equivalent_network``: the function maps the parameters of one two-layer network to another
  (seed 003 P2: sigmoid hidden units → tanh), judged by equal outputs on random inputs;
- ``no_branching``: no ``if`` (or other branch) in the function or any helper it reaches, found
  on the syntax tree without running anything.

The student's function only runs in the sandbox; outputs come back as plain arrays and every
comparison happens here.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from autograder.kinds.base import CodeAnswer, Kind, Verdict
from autograder.sandbox import protocol
from autograder.sandbox.work import CallEach
from autograder.seeds import question_seed
from autograder.sourcecode import branching
from autograder.rubric_models import QuestionBase, Source, StrictModel

Property = Literal["elementwise", "in_range", "non_constant", "monotone", "covers_range"]
Activation = Literal["sigmoid", "tanh", "relu", "identity"]
FAR_INPUTS = (-1e6, -1e3, 1e3, 1e6)
_MAX_ELEMENTS = 1_000_000


class Call(StrictModel):
    """One call of the student's function: its arguments and what its output must satisfy."""

    args: list[Any] = Field(
        description="Plain values, or tensors: {linspace: [lo, hi, n], far: true}, "
        "{random: [shape], scale: 1}, {tensor: [[...]]}."
    )
    range: tuple[float | None, float | None] | None = Field(
        default=None, description="[low, high] for in_range and covers_range; null is unbounded."
    )
    label: str | None = Field(default=None, description="How feedback names this call, e.g. 'a = 0, b = 1'.")


class EquivalentNetwork(StrictModel):
    """The function maps (W1, b1, W2, b2) of one network to the same-shaped parameters of another."""

    given: Activation = Field(description="Hidden activation of the network passed in.")
    returned: Activation = Field(description="Hidden activation of the network returned.")
    output: Activation = Field(default="identity", description="Output activation of both.")


class FunctionQuestion(QuestionBase):
    """A Python function in the student's file, called with the rubric's arguments."""

    kind: Literal["function"]
    calls: list[Call] = Field(min_length=1, max_length=50)
    properties: list[Property] = Field(default_factory=list)
    equivalent_network: EquivalentNetwork | None = None
    no_branching: bool = Field(default=False, description="Forbid if/else and other branches.")
    dtype: Literal["float32", "float64"] = "float32"
    input_name: str = Field(default="z", description="How feedback names the first argument.")

    @model_validator(mode="after")
    def _check(self) -> "FunctionQuestion":
        if self.source is None or not str(self.source.file or "").endswith(".py"):
            raise ValueError("needs source: {file: NAME.py, name: FUNCTION}")
        if not self.properties and self.equivalent_network is None and not self.no_branching:
            raise ValueError("needs properties, equivalent_network or no_branching")
        needs_range = {"in_range", "covers_range"} & set(self.properties)
        for index, call in enumerate(self.calls, 1):
            if needs_range and call.range is None:
                raise ValueError(f"call {index}: {', '.join(sorted(needs_range))} needs a range")
        self.arguments  # noqa: B018 - rubric-time check of every argument
        return self

    @cached_property
    def arguments(self) -> list[list[Any]]:
        """Each call's arguments, built once with the question's seed."""
        rng = np.random.default_rng(question_seed(self.id, purpose="function"))
        return [[_build(arg, rng, self.dtype) for arg in call.args] for call in self.calls]

    def sandbox_request(self, source: Source) -> CallEach:
        """Each call's arguments in the wire format: tensors arrive in the sandbox as torch tensors."""
        assert source.file is not None and source.name is not None
        return CallEach(file=source.file, name=source.name, calls=[protocol.to_wire(args) for args in self.arguments])


def _build(spec: Any, rng: np.random.Generator, dtype: str) -> Any:
    if not isinstance(spec, dict):
        return spec
    if set(spec) <= {"linspace", "far"} and "linspace" in spec:
        lo, hi, count = spec["linspace"]
        if not 2 <= int(count) <= _MAX_ELEMENTS:
            raise ValueError("linspace needs between 2 and 10⁶ points")
        values = np.linspace(float(lo), float(hi), int(count))
        if spec.get("far"):
            values = np.sort(np.concatenate([values, FAR_INPUTS]))
        return values.astype(dtype)
    if set(spec) <= {"random", "scale"} and "random" in spec:
        shape = [int(n) for n in spec["random"]]
        if any(n < 1 for n in shape) or int(np.prod(shape)) > _MAX_ELEMENTS:
            raise ValueError("random shapes need positive sizes, at most 10⁶ elements")
        return (rng.standard_normal(shape) * float(spec.get("scale", 1.0))).astype(dtype)
    if set(spec) == {"tensor"}:
        return np.asarray(spec["tensor"], dtype=dtype)
    raise ValueError(f"unknown argument {spec!r}: use linspace, random or tensor")


# --- judging -----------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _describe_call(question: FunctionQuestion, index: int) -> str:
    call = question.calls[index]
    if call.label:
        return f" (with {call.label})"
    return f" (call {index + 1})" if len(question.calls) > 1 else ""


def _as_array(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return np.asarray(value, dtype=float)
    return None


def _activation_problem(question: FunctionQuestion, index: int, output: Any) -> str | None:
    """The first property the output breaks, said for the student; None when all hold."""
    z = np.asarray(question.arguments[index][0], dtype=float).ravel()
    y_raw = _as_array(output)
    name = question.input_name
    if y_raw is None:
        return f"returned {type(output).__name__}, not a tensor"
    if "elementwise" in question.properties and y_raw.shape != np.shape(question.arguments[index][0]):
        return f"for an input of shape {tuple(np.shape(question.arguments[index][0]))} it returned shape {y_raw.shape}; apply it elementwise"
    y = np.broadcast_to(y_raw.astype(float), np.shape(question.arguments[index][0])).ravel()
    if np.isnan(y).any():
        at = z[np.isnan(y)][0]
        return f"returns NaN at {name} = {_fmt(at)}"
    low, high = question.calls[index].range or (None, None)
    if "in_range" in question.properties:
        below = y < low - 1e-6 if low is not None else np.zeros_like(y, dtype=bool)
        above = y > high + 1e-6 if high is not None else np.zeros_like(y, dtype=bool)
        bad = below | above
        if bad.any():
            i = int(np.argmax(bad))
            return f"f({_fmt(z[i])}) = {_fmt(y[i])}, outside the allowed range {_range(low, high)}"
    if "non_constant" in question.properties:
        finite = y[np.isfinite(y)]
        if finite.size and finite.max() - finite.min() <= 1e-6:
            return (f"is constant (f({name}) = {_fmt(finite[0])} for every {name}): it meets the range, "
                    f"but an activation must depend on its input")
    if "monotone" in question.properties:
        order = np.argsort(z, kind="stable")
        zs, ys = z[order], y[order]
        steps = np.diff(ys)
        if (steps < -1e-6).any() and (steps > 1e-6).any():
            down, up = int(np.argmax(steps < -1e-6)), int(np.argmax(steps > 1e-6))
            return (f"is not monotone: it rises from {name} = {_fmt(zs[up])} to {_fmt(zs[up + 1])} "
                    f"but falls from {name} = {_fmt(zs[down])} to {_fmt(zs[down + 1])}")
    if "covers_range" in question.properties:
        return _coverage_problem(z, y, low, high, name)
    return None


def _range(low: float | None, high: float | None) -> str:
    return f"[{'-∞' if low is None else _fmt(low)}, {'∞' if high is None else _fmt(high)}]"


def _coverage_problem(z: np.ndarray, y: np.ndarray, low: float | None, high: float | None, name: str) -> str | None:
    """Each finite bound is reached or approached; towards an infinite one, the output keeps growing."""
    width = (high - low) if low is not None and high is not None else 1.0
    tolerance = 1e-3 * max(1.0, abs(width))
    near = np.abs(z) <= 100
    for bound, sign in ((low, -1.0), (high, 1.0)):
        if bound is not None:
            closest = np.min(np.abs(y - bound))
            if closest > tolerance:
                side = "smallest" if sign < 0 else "largest"
                extreme = y.min() if sign < 0 else y.max()
                return (f"never reaches or approaches the bound {_fmt(bound)} (its {side} output is "
                        f"{_fmt(extreme)}): it does not cover the range {_range(low, high)}")
        else:
            far_best = np.max(sign * y)
            near_best = np.max(sign * y[near]) if near.any() else -np.inf
            if not far_best > near_best + 1:
                return (f"stops growing: it stays within {_fmt(sign * near_best)} even at {name} = ±10⁶, "
                        f"so it cannot produce large outputs in {_range(low, high)}")
    return None


_NUMPY_ACTIVATIONS = {
    "sigmoid": lambda v: 0.5 * (1.0 + np.tanh(0.5 * v)),
    "tanh": np.tanh,
    "relu": lambda v: np.maximum(v, 0.0),
    "identity": lambda v: v,
}


def _network(params: list[np.ndarray], hidden: str, output: str, x: np.ndarray) -> np.ndarray:
    w1, b1, w2, b2 = params
    h = _NUMPY_ACTIVATIONS[hidden](x @ w1.T + b1)
    return _NUMPY_ACTIVATIONS[output](h @ w2.T + b2)


def _equivalence_problem(question: FunctionQuestion, index: int, output: Any) -> str | None:
    spec = question.equivalent_network
    assert spec is not None
    given = [np.asarray(a, dtype=float) for a in question.arguments[index]]
    if isinstance(output, dict):
        output = [output.get(key) for key in ("W1", "b1", "W2", "b2")]
    if not isinstance(output, (list, tuple)) or len(output) != 4:
        return "return the four new parameters (W1, b1, W2, b2), in that order"
    returned = []
    for name, value, like in zip(("W1", "b1", "W2", "b2"), output, given):
        array = _as_array(value)
        if array is None:
            return f"{name}: returned {type(value).__name__}, not a tensor"
        array = array.astype(float)
        if array.shape != like.shape:
            return f"{name} has shape {array.shape}; it must keep the shape {like.shape}"
        returned.append(array)
    rng = np.random.default_rng(index)
    x = rng.standard_normal((64, given[0].shape[1])) * 3.0
    want = _network(given, spec.given, spec.output, x)
    got = _network(returned, spec.returned, spec.output, x)
    if not np.all(np.isfinite(got)):
        return "the returned network's outputs are not finite"
    gap = float(np.max(np.abs(got - want)))
    if gap > 1e-4 + 1e-4 * float(np.max(np.abs(want))):
        return (f"the {spec.returned} network you return computes a different function: its outputs "
                f"differ from the {spec.given} network's by up to {_fmt(gap)}")
    return None


def _results(answer: Any) -> tuple[list[Any], CodeAnswer | None]:
    if isinstance(answer, CodeAnswer):
        return (answer.value if isinstance(answer.value, list) else []), answer
    return (answer if isinstance(answer, list) else []), None


def grade(question: FunctionQuestion, answer: Any) -> Verdict:
    """Full credit when every call's output has every property (and the code does not branch)."""
    results, code = _results(answer)
    if len(results) != len(question.calls):
        return Verdict(0.0, ("The function did not answer every call.",))
    branches = _branches(question, code)
    if branches:
        return Verdict(0.0, (branches,))
    for index, result in enumerate(results):
        where = _describe_call(question, index)
        if not isinstance(result, dict) or ("value" not in result and "error" not in result):
            return Verdict(0.0, (f"Your function gave no usable answer{where}.",))
        if "error" in result:
            return Verdict(0.0, (f"Your function {result['error']}{where}.",))
        problem = None
        if question.properties:
            with np.errstate(invalid="ignore", over="ignore"):  # inf − inf at ±10⁶ is not an error
                problem = _activation_problem(question, index, result["value"])
        if problem is None and question.equivalent_network is not None:
            problem = _equivalence_problem(question, index, result["value"])
        if problem:
            return Verdict(0.0, (f"Your function {problem}{where}.",))
    return Verdict(1.0, (f"Right on all {len(results)} call{'s' if len(results) > 1 else ''}.",))


def _branches(question: FunctionQuestion, code: CodeAnswer | None) -> str:
    if not question.no_branching or code is None:
        return ""
    source = question.answer_source("")
    findings = branching(code.folder, str(source.file), str(source.name))
    shown = "; ".join(str(f) for f in findings[:3])
    return f"Build it from tensor operations, without branching: {shown}." if findings else ""


def precheck(question: FunctionQuestion, answer: Any) -> list[str]:
    """The function ran on every call without raising and does not branch where that is
    forbidden; whether it is right is not said."""
    results, code = _results(answer)
    branches = _branches(question, code)
    problems = [branches] if branches else []
    problems += [
        f"call {index + 1}: {result['error']}"
        for index, result in enumerate(results)
        if isinstance(result, dict) and "error" in result
    ]
    if len(results) != len(question.calls):
        problems.append("the function did not answer every call")
    return problems


def code_targets(question: FunctionQuestion) -> frozenset[str]:
    """The one function of the student's file the question calls, for mutation testing."""
    return frozenset({str(question.answer_source("").name)})


KIND = Kind(
    name="function", model=FunctionQuestion, grade=grade, precheck=precheck, reads_source=True,
    code_targets=code_targets,
)
