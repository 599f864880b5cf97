"""The ``module`` kind: a student's forward/backward code, judged against a torch autograd oracle.

The rubric says how to drive the student's code, in a few Python statements (checked at load by
:mod:`autograder.kinds.module.script`, run only in the sandbox)::

    setup: ["net = MLP(n_in, hidden, f, hidden, n_out, g)", "net.parameters['W1'] = W1", ...]
    steps: ["net.clear_grad_and_cache()", "y_hat = net.forward(x)", "net.backward(dJdy_hat)"]
    checks: [{name: y_hat}, {name: dJdW1, read: "net.grads['dJdW1']"}, ...]

and which ``cases`` to run (sizes such as batch 1 and non-square layers, float32 or float64,
integer-valued inputs that hit activation kinks). The grader draws every input from the
question's seed, the sandbox runs the statements (``rounds`` times on one object, with fresh
inputs each round, to catch stale caches and gradients that accumulate), and only the values read
back return. The oracle (:mod:`autograder.kinds.module.oracle`) computes the same checks with autograd
in the grader, under each accepted ``variant`` (e.g. the ReLU derivative at 0). A check earns the
weight of the cases it passes in every round (``credit: per_case``, or ``all_or_nothing``); only
cases in the ``dtypes`` the interface promises count, the others are said. An ``end_to_end`` check
(loss, then backward, as a course's own tests) stands beside the per-piece ones, so conventions
that cancel out keep most of the credit. Feedback names the case, the mistake and what the
failing cases share (:mod:`autograder.kinds.module.compare`), never an expected value.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from autograder.kinds.base import CodeAnswer, Kind, Secret, Verdict
from autograder.kinds.module.compare import Expected, as_array, mismatch
from autograder.kinds.module.inputs import MAX_CASE_ELEMENTS, Dtype, InputSpec, Values, draw, shape_of, size_of
from autograder.kinds.module.oracle import call_oracle
from autograder.kinds.module.script import Statement, parse_expression, parse_statement
from autograder.sandbox import protocol
from autograder.sandbox.work import RunScript
from autograder.seeds import question_seed
from autograder.sourcecode import autograd_uses
from autograder.rubric_models import PositiveNumber, QuestionBase, Source, StrictModel

_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_DEVICE_MIX = re.compile(r"(Expected all tensors to be on the same device|cuda.*cpu|cpu.*cuda)", re.I)
_OUT_OF_MEMORY = re.compile(r"(can't allocate memory|out of memory|MemoryError|Cannot allocate)", re.I)


class OracleSpec(StrictModel):
    """Where the autograd oracle lives, in the assignment's reference folder."""

    file: str = Field(default="oracle.py", pattern=r"^[A-Za-z0-9_.-]+\.py$")
    name: str = Field(pattern=_NAME, description="The oracle function's name.")


class Check(StrictModel):
    """One value compared with the oracle's value of the same name."""

    name: str = Field(pattern=_NAME, description="The oracle's key; also the default read.")
    read: str | None = Field(default=None, description="Expression to read back, e.g. net.grads['dJdW1'].")
    weight: PositiveNumber = 1.0
    accumulate: bool = Field(
        default=False, description="Expected value adds up over the rounds (gradients that accumulate)."
    )
    end_to_end: bool = Field(
        default=False,
        description="Reads what several pieces give together (loss, then backward), as a course's own "
        "tests do; it also holds in a case where every other check holds, since a fault then lies in "
        "a piece graded by another question.",
    )
    shape: list[int | str] | None = Field(
        default=None, max_length=6,
        description="The shape the interface promises, in size names; `check` reports others ([] a scalar).",
    )

    @property
    def expression(self) -> str:
        """What the sandbox evaluates."""
        return self.read or self.name


class Case(StrictModel):
    """One configuration the code is run on."""

    sizes: dict[str, int] = Field(default_factory=dict, description="Values of the size names.")
    dtype: Dtype = "float32"
    values: Values | None = Field(default=None, description="Default draw for this case's inputs.")
    constants: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Overrides of the question's constants, e.g. {f: sigmoid}."
    )
    label: str | None = Field(default=None, description="How feedback names this case.")
    weight: PositiveNumber = Field(default=1.0, description="This case's share of each check's credit.")

    def describe(self, index: int) -> str:
        """'case 2 (batch 1, n_in 3, float64)'."""
        what = self.label or ", ".join(f"{k} {v}" for k, v in {**self.sizes, **self.constants}.items())
        return f"case {index + 1} ({what + ', ' if what else ''}{self.dtype})"


@dataclass(frozen=True)
class _DrawnCase:
    setup_inputs: dict[str, np.ndarray]
    rounds: list[dict[str, np.ndarray]]


class ModuleQuestion(QuestionBase):
    """Run the rubric's statements on the student's code; compare what they read with autograd."""

    kind: Literal["module"]
    oracle: OracleSpec
    inputs: dict[str, InputSpec] = Field(description="Tensors the grader draws, by name.")
    constants: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Plain values the statements and the oracle may use."
    )
    setup: list[str] = Field(default_factory=list, description="Run once per case, e.g. the constructor.")
    steps: list[str] = Field(min_length=1, description="Run each round, e.g. forward then backward.")
    checks: list[Check] = Field(min_length=1)
    cases: list[Case] = Field(min_length=1, max_length=20)
    rounds: int = Field(default=1, ge=1, le=5, description="Rounds of steps per case, with fresh inputs.")
    variants: Annotated[list[dict[str, str | int | float | bool]], Secret()] = Field(
        default_factory=lambda: [{}],
        description="Oracle options, any of which is accepted, e.g. [{relu_grad_at_0: 0}, {relu_grad_at_0: 1}].",
    )
    batch: str = Field(default="batch", description="The size name of the batch, for diagnoses.")
    check_dtype: bool = Field(default=True, description="Results must keep the inputs' dtype.")
    inputs_unchanged: PositiveNumber | None = Field(
        default=None, description="Weight of a check that no input is modified in place (unset: only reported)."
    )
    no_autograd: bool = Field(default=False, description="Refuse torch autograd in the student's code.")
    device_fallback: Literal["cpu", "fail"] = Field(
        default="cpu", description="Code that only works on the CPU: run it there (cpu) or give no credit (fail)."
    )
    credit: Literal["per_case", "all_or_nothing"] = Field(
        default="per_case",
        description="A check wrong in some cases earns the weight of the cases it passes (per_case), "
        "or nothing (all_or_nothing).",
    )
    dtypes: list[Dtype] = Field(
        default_factory=lambda: ["float32"], min_length=1,
        description="The dtypes the assignment's interface promises. A case in another dtype is run "
        "and reported, never scored.",
    )
    rtol: float | None = Field(default=None, gt=0, description="Override the dtype's relative tolerance.")
    atol: float | None = Field(default=None, gt=0, description="Override the dtype's absolute tolerance (× max |expected|).")

    @field_validator("setup", "steps")
    @classmethod
    def _statements(cls, texts: list[str]) -> list[str]:
        for text in texts:
            parse_statement(text)
        return texts

    @model_validator(mode="after")
    def _check(self) -> "ModuleQuestion":
        if self.source is None or not str(self.source.file or "").endswith(".py"):
            raise ValueError("needs source: {file: NAME.py}")
        for check in self.checks:
            parse_expression(check.expression)
        if len({c.name for c in self.checks}) != len(self.checks):
            raise ValueError("two checks have the same name")
        if not any(case.dtype in self.dtypes for case in self.cases):
            raise ValueError(f"no case runs in a promised dtype ({', '.join(self.dtypes)})")
        clash = set(self.inputs) & set(self.constants)
        if clash:
            raise ValueError(f"{', '.join(sorted(clash))} is both an input and a constant")
        for name in list(self.inputs) + list(self.constants):
            if not re.match(_NAME, name):
                raise ValueError(f"'{name}' is not a valid Python name")
        self.drawn  # noqa: B018 - every case's inputs are drawn once, at load, to check the sizes
        return self

    @cached_property
    def parsed_setup(self) -> list[Statement]:
        """The setup statements, checked (they were validated at load)."""
        return [parse_statement(text) for text in self.setup]

    @cached_property
    def parsed_steps(self) -> list[Statement]:
        """The step statements, checked (they were validated at load)."""
        return [parse_statement(text) for text in self.steps]

    @cached_property
    def setup_names(self) -> frozenset[str]:
        """Inputs the setup statements read: drawn once per case; the rest are drawn per round."""
        return frozenset(n for s in self.parsed_setup for n in s.reads if n in self.inputs)

    @cached_property
    def drawn(self) -> list[_DrawnCase]:
        """Every case's inputs, drawn from the question's seed."""
        seed = question_seed(self.id, purpose="module")
        cases = []
        for index, case in enumerate(self.cases):
            rng = np.random.default_rng([seed, index])
            default = case.values or "normal"
            try:
                elements = sum(int(np.prod(shape_of(spec, case.sizes))) for spec in self.inputs.values())
                if elements * (self.rounds + 1) > MAX_CASE_ELEMENTS:
                    raise ValueError(f"its inputs hold {elements} numbers; at most {MAX_CASE_ELEMENTS} in all")
                setup = {n: draw(s, case.sizes, case.dtype, rng, default)
                         for n, s in self.inputs.items() if n in self.setup_names}
                rounds = [
                    {n: draw(s, case.sizes, case.dtype, rng, default)
                     for n, s in self.inputs.items() if n not in self.setup_names}
                    for _ in range(self.rounds)
                ]
            except ValueError as error:
                raise ValueError(f"case {index + 1}: {error}") from None
            cases.append(_DrawnCase(setup, rounds))
        return cases

    def oracle_source(self) -> tuple[str, str]:
        """The oracle's file and function in the reference folder."""
        return self.oracle.file, self.oracle.name

    def sandbox_request(self, source: Source) -> RunScript:
        """The statements, and each case's names and drawn inputs in the wire format."""
        assert source.file is not None
        reads = [
            {"name": c.name, "text": c.expression, "reads": sorted(parse_expression(c.expression).reads)}
            for c in self.checks
        ]
        return RunScript(file=source.file, script={
            "setup": self.setup,
            "setup_binds": sorted({n for s in self.parsed_setup for n in s.binds}),
            "steps": [{"text": s.text, "binds": sorted(s.binds), "reads": sorted(s.reads)} for s in self.parsed_steps],
            "no_autograd": self.no_autograd,
            "cases": [
                {
                    "names": {**case.sizes, **self.constants, **case.constants},
                    "setup_inputs": protocol.to_wire(drawn.setup_inputs),
                    "rounds": [protocol.to_wire(r) for r in drawn.rounds],
                    "reads": reads,
                }
                for case, drawn in zip(self.cases, self.drawn, strict=True)
            ],
        })


# --- judging -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Failure:
    where: str
    problem: str


def _case_replies(answer: Any, question: ModuleQuestion) -> list[dict[str, Any]]:
    value = answer.value if isinstance(answer, CodeAnswer) else answer
    if not isinstance(value, list) or len(value) != len(question.cases):
        return []
    return [v if isinstance(v, dict) else {} for v in value]


def _rounds(reply: dict[str, Any]) -> list[dict[str, Any]]:
    rounds = reply.get("rounds")
    return [r if isinstance(r, dict) else {} for r in rounds] if isinstance(rounds, list) else []


def _reads(round_reply: dict[str, Any]) -> dict[str, Any]:
    reads = round_reply.get("reads")
    return reads if isinstance(reads, dict) else {}


def _error_text(reply: dict[str, Any]) -> str | None:
    """What a failed statement (a case's setup, or a step a read depends on) said, with hints."""
    error = reply.get("error")
    if not isinstance(error, dict):
        return None
    statement, message = str(error.get("statement", ""))[:200], str(error.get("error", ""))[:400]
    text = f"running `{statement}` {message}"
    if _DEVICE_MIX.search(message):
        text += (" — your code mixes CPU and CUDA tensors: create new tensors on the inputs' "
                 "device (e.g. torch.zeros(n, device=x.device))")
    elif _OUT_OF_MEMORY.search(message):
        text += (" — it ran out of memory: at these sizes only an O(n) method fits (no n×n "
                 "matrices such as a full Jacobian)")
    return text


def _read_problem(value: Any) -> str | None:
    if isinstance(value, dict) and "$error" in value:
        cause = value["$error"]
        if isinstance(cause, dict):
            return f"has no value: {_error_text({'error': cause})}"
        return f"could not be read: {str(cause)[:300]}"
    return None


@dataclass(frozen=True)
class _Round:
    """The oracle's answer for one round, and its answers had one input been the previous round's."""

    values: dict[str, np.ndarray]
    stale: dict[str, dict[str, np.ndarray]]


def _expected_rounds(question: ModuleQuestion, oracle: Any, index: int, variant: dict[str, Any]) -> list[_Round]:
    case, drawn = question.cases[index], question.drawn[index]
    fixed = {**case.sizes, **question.constants, **case.constants, **variant, **drawn.setup_inputs}
    rounds = []
    for number, fresh in enumerate(drawn.rounds):
        stale = {
            name: call_oracle(oracle, {**fixed, **fresh, name: drawn.rounds[number - 1][name]})
            for name in (fresh if number else ())
        }
        rounds.append(_Round(call_oracle(oracle, {**fixed, **fresh}), stale))
    return rounds


def _case_failures(
    question: ModuleQuestion, index: int, reply: dict[str, Any], expected: list[_Round]
) -> dict[str, _Failure]:
    """The first problem of each check in one case (checks without a problem are absent)."""
    case = question.cases[index]
    where = case.describe(index)
    rounds = _rounds(reply)
    failures: dict[str, _Failure] = {}
    sums: dict[str, np.ndarray] = {}
    for number, expected_round in enumerate(expected):
        want = expected_round.values
        label = where if len(expected) == 1 else f"{where}, call {number + 1}"
        reads = _reads(rounds[number]) if number < len(rounds) else None
        for check in question.checks:
            if check.name not in want:
                raise KeyError(f"the oracle returned no '{check.name}'")
            own = want[check.name]
            total = sums.get(check.name, 0) + own if check.accumulate else own
            sums[check.name] = total
            if check.name in failures:
                continue
            if reads is None:
                failures[check.name] = _Failure(label, _error_text(reply) or "gave no answer")
                continue
            value = reads.get(check.name)
            problem = _read_problem(value) or mismatch(
                value,
                Expected(
                    value=np.asarray(total),
                    dtype=case.dtype,
                    sizes=case.sizes,
                    batch=case.sizes.get(question.batch),
                    previous=expected[number - 1].values[check.name] if number else None,
                    fresh=own if check.accumulate else None,
                    stale={name: alt[check.name] for name, alt in expected_round.stale.items()},
                    rtol=question.rtol,
                    atol=question.atol,
                ),
                question.check_dtype,
            )
            if problem and number and "previous call" not in problem:
                problem += (" It was right on the first call, so something from the previous call "
                            "leaks into this one (a stale cache?)")
            if problem:
                failures[check.name] = _Failure(label, problem)
    return failures


def _changed_inputs(question: ModuleQuestion, index: int, reply: dict[str, Any]) -> list[str]:
    drawn = question.drawn[index]
    changed = []
    for number, round_reply in enumerate(_rounds(reply)):
        after = round_reply.get("inputs")
        if not isinstance(after, dict) or number >= len(drawn.rounds):
            continue
        for name, before in {**drawn.setup_inputs, **drawn.rounds[number]}.items():
            now = after.get(name)
            if isinstance(now, np.ndarray) and now.shape == before.shape and not np.array_equal(
                now.astype(np.float64), before.astype(np.float64), equal_nan=True
            ):
                changed.append(name)
    return sorted(set(changed))


def expected(question: ModuleQuestion, oracle: Any) -> None:
    """Ask the oracle every answer grading can need: each case's rounds under each variant."""
    for index in range(len(question.cases)):
        for variant in question.variants:
            _expected_rounds(question, oracle, index, variant)


def _best_failures(question: ModuleQuestion, oracle: Any, index: int, reply: dict[str, Any]) -> dict[str, _Failure]:
    """One case's failing checks under the variant (e.g. ReLU'(0)) that suits the code best."""
    best: dict[str, _Failure] | None = None
    for variant in question.variants:
        found = _case_failures(question, index, reply, _expected_rounds(question, oracle, index, variant))
        if best is None or len(found) < len(best):
            best = found
    assert best is not None
    return best


def _forgive_end_to_end(question: ModuleQuestion, failures: dict[str, _Failure]) -> list[str]:
    """End-to-end checks that failed in a case where every piece of this question is right: the
    fault is in a piece another question grades (the loss), which takes the loss there."""
    pieces = [c.name for c in question.checks if not c.end_to_end]
    if not pieces or any(name in failures for name in pieces):
        return []
    return [c.name for c in question.checks if c.end_to_end and failures.pop(c.name, None)]


def _case_traits(question: ModuleQuestion, index: int) -> dict[str, str]:
    """What may set a case apart, for naming what failing cases have in common."""
    case = question.cases[index]
    traits = {name: str(value) for name, value in {**question.constants, **case.constants}.items()}
    traits.update({name: str(value) for name, value in case.sizes.items()})
    traits["dtype"] = case.dtype
    return traits


def common_trait(traits: list[dict[str, str]], failing: set[int], batch: str = "batch",
                 constants: frozenset[str] = frozenset()) -> str | None:
    """'wrong whenever g is sigmoid' (every failing case has it, no passing case does), or 'right
    only when batch is 1' (the reverse), or None when nothing sets them apart. Several traits
    may: a batch of 1 is named first (the usual edge), then a constant (an activation), the
    dtype, a size; one case alone is named only by such a trait."""
    passing = set(range(len(traits))) - failing
    if not failing or not passing:
        return None
    for cases, others, words in ((failing, passing, "wrong whenever"), (passing, failing, "right only when")):
        first = traits[min(cases)]
        found = [key for key, value in first.items()
                 if all(traits[i].get(key) == value for i in cases)
                 and all(traits[i].get(key) != value for i in others)]
        found.sort(key=lambda k: (not (k == batch and first[k] == "1"), k not in constants, k != "dtype"))
        if found and (len(found) == 1 or len(cases) > 1 or found[0] in {*constants, batch, "dtype"}):
            return f"{words} {found[0]} is {first[found[0]]}"
    return None


def _check_credit(question: ModuleQuestion, name: str, failing: set[int], scored: list[int]) -> float:
    """The share of a check's weight earned over the scored cases."""
    total = sum(question.cases[i].weight for i in scored)
    passed = sum(question.cases[i].weight for i in scored if i not in failing)
    if question.credit == "all_or_nothing":
        return 1.0 if passed == total else 0.0
    return passed / total


def _compensating(question: ModuleQuestion, first: dict[str, _Failure], credit: dict[str, float]) -> str | None:
    """Right end to end, wrong piece by piece: two conventions that cancel, said as such."""
    ends = [c.name for c in question.checks if c.end_to_end]
    pieces = [c.name for c in question.checks if not c.end_to_end]
    if not ends or any(credit[n] < 1 for n in ends) or all(credit[n] == 1 for n in pieces):
        return None
    problems = " ".join(first[n].problem for n in pieces if n in first)
    if f"too small, the size {question.batch}" in problems:
        return ("Your losses return per-example gradients and your backward averages over the batch: "
                "right end to end (as the course's own tests check), but dJdy_hat should be the "
                "gradient of the mean loss, and backward should use it as it is.")
    if f"too large, the size {question.batch}" in problems:
        return ("Your losses average over the batch twice as it were, and your backward makes up for "
                "it with a sum: right end to end (as the course's own tests check), but each piece "
                "must be right on its own: dJdy_hat is the gradient of the mean loss, and backward "
                "uses it as it is.")
    return ("Right end to end (as the course's own tests check), but the pieces follow conventions "
            "that cancel out: each must be right on its own.")


def grade(question: ModuleQuestion, answer: Any) -> Verdict:
    """Weighted share of checks right, case by case (per_case) or in every case (all_or_nothing),
    in the promised dtypes; a diagnosis for the rest."""
    notes = list(answer.notes) if isinstance(answer, CodeAnswer) else []
    if question.no_autograd and isinstance(answer, CodeAnswer):
        uses = autograd_uses(answer.folder, str(question.answer_source("").file))
        if uses:
            shown = "; ".join(str(u) for u in uses[:3])
            return Verdict(0.0, (*notes, f"Compute the gradients by hand; autograd is not allowed here: {shown}."))
    replies = _case_replies(answer, question)
    if not replies:
        return Verdict(0.0, (*notes, "Your code gave no usable answer."))
    oracle = answer.oracle if isinstance(answer, CodeAnswer) else None
    if isinstance(oracle, Exception):
        raise oracle  # a fault of the rubric or its reference: a grading error, not the student's
    if oracle is None:
        raise RuntimeError("module questions are graded against the reference folder's oracle")
    per_case = [_best_failures(question, oracle, i, reply) for i, reply in enumerate(replies)]
    forgiven = sorted({n for failures in per_case for n in _forgive_end_to_end(question, failures)})
    scored = [i for i, case in enumerate(question.cases) if case.dtype in question.dtypes]
    traits = [_case_traits(question, i) for i in scored]
    messages, credit, first = list(notes), {}, {}
    said_only = False  # a failure in a dtype never promised, said but not counted
    for check in question.checks:
        failing = {i for i in scored if check.name in per_case[i]}
        credit[check.name] = _check_credit(question, check.name, failing, scored)
        if failing:
            failure = first[check.name] = per_case[min(failing)][check.name]
            message = f"In {failure.where}, {check.name} {failure.problem.rstrip('.')}."
            if len(failing) < len(scored):
                common = common_trait(traits, {scored.index(i) for i in failing}, question.batch, frozenset(
                    n for i in scored for n in {**question.constants, **question.cases[i].constants}))
                message += (f" It is right in {len(scored) - len(failing)} of {len(scored)} cases"
                            + (f": {common}." if common else "."))
            messages.append(message)
            continue
        unpromised = [i for i in range(len(replies)) if i not in scored and check.name in per_case[i]]
        if unpromised:
            said_only = True
            failure = per_case[unpromised[0]][check.name]
            messages.append(
                f"{check.name} is right in every case the assignment promises, but in {failure.where}, "
                f"a dtype it never promises, it {failure.problem.rstrip('.')}: said, not counted.")
    compensating = _compensating(question, first, credit)
    if compensating:
        messages.append(compensating)
    elif forgiven:
        messages.append(f"End to end ({', '.join(forgiven)}) the result is wrong although every piece of "
                        "this question is right: the fault lies in a piece graded by another question.")
    changed = sorted({n for i, reply in enumerate(replies) for n in _changed_inputs(question, i, reply)})
    weights = {c.name: c.weight for c in question.checks}
    if question.inputs_unchanged is not None:
        weights["inputs unchanged"] = question.inputs_unchanged
        # Leaving the inputs alone earns nothing from code that computes nothing right.
        credit["inputs unchanged"] = 0.0 if changed or not any(credit.values()) else 1.0
    if changed:
        messages.append(
            f"Your code changed its input{'s' if len(changed) > 1 else ''} {', '.join(changed)} in place "
            "(e.g. with +=, relu_() or [...] =); work on a copy or out of place."
        )
    earned = sum(w * credit.get(name, 1.0) for name, w in weights.items())
    if earned == sum(weights.values()) and not (first or changed or said_only or forgiven):
        runs = len(question.cases) * question.rounds
        messages.append(f"All {len(weights)} checks right in {runs} run{'s' if runs > 1 else ''}: "
                        f"{', '.join(weights)}.")
    return Verdict(earned / sum(weights.values()), tuple(messages))


def _value_type(question: ModuleQuestion, index: int, check: Check, value: Any) -> str | None:
    """What grading would punish in a value's form (None, not a tensor, shape, dtype), never
    whether it is right: the oracle is not in the student's bundle."""
    case = question.cases[index]
    if value is None:
        return "is None: does the function return (or the method store) its result?"
    array = as_array(value)
    if array is None:
        return f"is {value.type_name if isinstance(value, protocol.Unsupported) else type(value).__name__}, not a tensor"
    if array.dtype.kind not in "biuf":
        return f"is an array of {array.dtype}, not numbers"
    if check.shape is not None:
        try:
            want = tuple(size_of(d, case.sizes) for d in check.shape)
        except ValueError:
            want = None
        if want is not None and array.shape != want and not (array.size == 1 == int(np.prod(want))):
            return f"has shape {tuple(array.shape)}, but the interface promises {want}"
    if question.check_dtype and isinstance(value, np.ndarray) and value.ndim and str(value.dtype) != case.dtype:
        return f"has dtype {value.dtype}; the inputs were {case.dtype}"
    return None


def precheck(question: ModuleQuestion, answer: Any) -> list[str]:
    """Every statement ran and every value could be read back, in the form grading needs (not
    None, a tensor, the promised shape and the inputs' dtype); whether values are right is not said."""
    replies = _case_replies(answer, question)
    if not replies:
        return ["your code gave no usable answer"]
    checks = {c.name: c for c in question.checks}
    problems = []
    for index, reply in enumerate(replies):
        where = question.cases[index].describe(index)
        error = _error_text(reply)
        if error:
            problems.append(f"{where}: {error}")
            continue
        for round_reply in _rounds(reply):
            for name, value in _reads(round_reply).items():
                problem = _read_problem(value)
                if problem is None and name in checks:
                    problem = _value_type(question, index, checks[name], value)
                if problem:
                    problems.append(f"{where}: {name} {problem}")
    return list(dict.fromkeys(problems))


def needs_cpu(question: ModuleQuestion, answer: Any) -> bool:
    """The code failed on CUDA by mixing in CPU tensors, and the rubric lets it run on the CPU."""
    if question.device_fallback != "cpu":
        return False
    texts = [_error_text(r) or "" for r in _case_replies(answer, question)]
    texts += [
        _read_problem(value) or ""
        for reply in _case_replies(answer, question)
        for round_reply in _rounds(reply)
        for value in _reads(round_reply).values()
    ]
    return any(_DEVICE_MIX.search(text) for text in texts)


def _piece_statements(question: ModuleQuestion) -> list[str]:
    """The statements the per-piece checks depend on (all of them when no check is end to end):
    an end-to-end check also runs pieces other questions grade (the loss), whose mutants it must
    not claim."""
    statements = [*question.parsed_setup, *question.parsed_steps]
    if not any(c.end_to_end for c in question.checks):
        return [s.text for s in statements]
    needed = {n for c in question.checks if not c.end_to_end for n in parse_expression(c.expression).reads}
    kept: list[str] = []
    for statement in reversed(statements):
        if (statement.binds | statement.reads) & needed:
            needed |= statement.reads
            kept.append(statement.text)
    return kept[::-1]


def code_targets(question: ModuleQuestion) -> frozenset[str]:
    """What of the student's file the statements use: every name and attribute in them (the
    class, its methods), for mutation testing."""
    names: set[str] = set()
    for text in _piece_statements(question):
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
    return frozenset(names)


KIND = Kind(
    name="module", model=ModuleQuestion, grade=grade, precheck=precheck, reads_source=True,
    needs_cpu=needs_cpu, code_targets=code_targets, expected=expected,
)
