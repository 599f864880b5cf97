"""The ``choice`` kind: options, yes/no, numbers, integers, shapes and short text.

A question is one answer or several named ``parts`` (e.g. the shapes of W2, b1 and b2), each with
its type, the expected value, accepted equivalents and known mistakes with their own feedback.
Student answers are parsed from plain data (YAML scalars, lists, strings such as ``(1, k)`` or
``1.6e3``); nothing is evaluated.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Annotated, Any, Callable, Iterator, Literal, Mapping, Union

from pydantic import Field, model_validator

from autograder.kinds.answer_text import control_problem, mistake_message, sentence
from autograder.kinds.base import Kind, Mutant, Secret, Verdict, split_parts
from autograder.kinds.mutants import per_part
from autograder.rubric_models import PositiveNumber, QuestionBase, StrictModel

ChoiceType = Literal["option", "yesno", "number", "integer", "shape", "text"]
Shape = tuple[Union[int, str], ...]

_ECHO_LIMIT = 60
# What stands in for ``expected`` in the public rubric: one value per answer type, never the
# question's own (an option question shows its first option).
PLACEHOLDER_EXPECTED: dict[str, Any] = {
    "option": None, "yesno": "no", "number": 0, "integer": 0, "shape": "()", "text": "-",
}


class AnswerFormatError(ValueError):
    """The answer cannot be read as the part's type; the message tells the student why."""


def _placeholder(expected: Any, answer: Mapping[str, Any]) -> Any:
    """The public rubric's ``expected``: the same for every answer of this type."""
    kind_type = answer.get("type")
    if kind_type == "option":
        options = answer.get("options") or []
        return next(iter(options)) if options else None
    return PLACEHOLDER_EXPECTED.get(str(kind_type), "0")


class Mistake(StrictModel):
    """A wrong answer the rubric expects, with feedback and optional partial credit."""

    answer: Any = Field(description="The wrong answer, written as a student would.")
    feedback: str = Field(min_length=1)
    credit: float = Field(default=0.0, ge=0.0, lt=1.0, description="Fraction of the part's points.")


class Tolerance(StrictModel):
    """Numbers match when |a - b| <= abs + rel * |expected|."""

    abs: float = Field(default=1e-9, ge=0)
    rel: float = Field(default=1e-6, ge=0)


class _AnswerFields(StrictModel):
    """The fields of one answer; shared by a single-answer question and each of its parts."""

    type: ChoiceType | None = Field(default=None, description="How the answer is read.")
    expected: Annotated[Any, Secret(_placeholder)] = Field(default=None, description="The right answer.")
    accept: Annotated[list[Any], Secret()] = Field(
        default_factory=list, description="Other answers that are right."
    )
    options: list[str] | dict[str, str] | None = Field(
        default=None, description="type option: labels, or labels mapped to their text."
    )
    tolerance: Tolerance = Field(default_factory=Tolerance, description="type number only.")
    symbols: list[str] = Field(
        default_factory=list, description="type shape: symbolic sizes allowed, e.g. [k]."
    )
    # Their feedback can give the answer away.
    mistakes: Annotated[list[Mistake], Secret()] = Field(default_factory=list)


class ChoicePart(_AnswerFields):
    """One named blank of a multi-part question."""

    name: str = Field(min_length=1)
    weight: PositiveNumber = 1.0

    @model_validator(mode="after")
    def _check(self) -> "ChoicePart":
        _check_answer_fields(self)
        return self


class ChoiceQuestion(QuestionBase, _AnswerFields):
    """A question with one answer (``type`` + ``expected``) or several ``parts``."""

    kind: Literal["choice"]
    parts: list[ChoicePart] | None = Field(default=None, description="Named blanks, graded apart.")

    @model_validator(mode="after")
    def _check(self) -> "ChoiceQuestion":
        if self.parts is None:
            _check_answer_fields(self)
            return self
        if self.type is not None or self.expected is not None:
            raise ValueError("give either type/expected or parts, not both")
        names = [part.name for part in self.parts]
        if len(set(names)) != len(names) or not names:
            raise ValueError("parts need distinct names")
        return self

    def answer_parts(self) -> list[tuple[str | None, _AnswerFields, float]]:
        """(name, fields, weight) for each blank; the name is None for a single answer."""
        if self.parts is None:
            return [(None, self, 1.0)]
        return [(part.name, part, part.weight) for part in self.parts]


# --- reading answers ---------------------------------------------------------------------------


def _text(raw: Any) -> str:
    if isinstance(raw, str):
        problem = control_problem(raw)
        if problem:
            raise AnswerFormatError(problem)
        return raw.strip()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    raise AnswerFormatError(f"expected text, got {_describe(raw)}")


def _read_option(raw: Any, spec: _AnswerFields) -> str:
    options = spec.options or []
    labels = list(options)
    text = _text(raw)
    stripped = text.strip("()[] .").lower()
    for label in labels:
        if stripped == label.lower():
            return label
    # "B) piecewise-linear", "(B) piecewise linear", "B. ..."
    match = re.match(r"^\(?([A-Za-z0-9]+)[).:]\s", text + " ")
    if match:
        for label in labels:
            if match.group(1).lower() == label.lower():
                return label
    if isinstance(options, dict):
        wanted = _squash(text)
        for label, description in options.items():
            if wanted == _squash(description):
                return label
    raise AnswerFormatError(f"answer with one of {', '.join(labels)}")


def _read_yesno(raw: Any, spec: _AnswerFields) -> bool:
    if isinstance(raw, bool):
        return raw
    word = _text(raw).lower().strip(".!")
    if word in {"yes", "y", "true"}:
        return True
    if word in {"no", "n", "false"}:
        return False
    raise AnswerFormatError("answer yes or no")


_MAX_EXPONENT = 400
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


def _read_exact(raw: Any) -> Fraction:
    """A number as an exact fraction (floats convert exactly), so integers compare exactly."""
    if isinstance(raw, bool):
        raise AnswerFormatError("expected a number, got yes/no")
    if isinstance(raw, int):
        return Fraction(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise AnswerFormatError("expected a finite number")
        return Fraction(raw)
    text = _text(raw).replace(" ", "").replace("_", "")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if len(text) > 64:
        raise AnswerFormatError("expected a number; this answer is too long")
    if text.lower().lstrip("+-") in {"inf", "infinity", "nan"}:
        raise AnswerFormatError("expected a finite number")
    exponent = re.search(r"[eE]([+-]?\d+)$", text)
    if exponent and abs(int(exponent.group(1))) > _MAX_EXPONENT:
        # Fraction("1e999999999") would build a billion-digit integer.
        raise AnswerFormatError("expected a number of reasonable size")
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise AnswerFormatError(
            f"expected a number such as 12, 0.5, 1e-3 or 3/4, got '{_clip(text)}'"
        ) from None


def _read_number(raw: Any, spec: _AnswerFields) -> float:
    return float(_read_exact(raw))


_SHAPE_SPLIT = re.compile(r"\s*(?:,|\bx\b|×|\*|\bby\b|\\times(?![A-Za-z]))\s*")
# LaTeX around a shape: $k \times 1$, \mathbb{R}^{k \times 1}, \left( … \right), d_{h}.
_SHAPE_LATEX = re.compile(r"\$|\\left(?![A-Za-z])|\\right(?![A-Za-z])|\\mathbb\s*\{\s*R\s*\}\s*\^|ℝ\s*\^")


def _read_shape(raw: Any, spec: _AnswerFields, declared_only: bool = False) -> Shape:
    """A shape: whole numbers and names. Any name reads (grading then finds it wrong), so that
    an error never says which names the question's answer uses; the rubric's own shapes
    (``declared_only``) must use declared names."""
    if isinstance(raw, (list, tuple)):
        items = [_text(item) for item in raw]
    else:
        text = _text(raw)
        if len(text) > 200:
            raise AnswerFormatError("a shape is short, e.g. (3, 4); this answer is too long")
        text = re.sub(r"^torch\.Size\(\s*(.*)\)$", r"\1", text)
        text = re.sub(r"_\{\s*(\w+)\s*\}", r"_\1", _SHAPE_LATEX.sub("", text))
        text = text.strip().strip("()[]{}").strip()
        if text.lower() in {"", "scalar"}:
            return ()
        items = [item for item in _SHAPE_SPLIT.split(text)]
        if items and items[-1] == "":  # "(k,)"
            items.pop()
    dims: list[int | str] = []
    for item in items:
        item = item.strip()
        if re.fullmatch(r"\d+", item):
            dims.append(int(item))
        elif item in spec.symbols or (not declared_only and _SIZE_NAME.fullmatch(item)):
            dims.append(item)
        elif declared_only:
            raise AnswerFormatError(f"'{_clip(item)}' is not one of the symbols ({', '.join(spec.symbols)})")
        else:
            raise AnswerFormatError(
                f"cannot read '{_clip(item)}' as a size: write whole numbers or names, separated "
                "by commas, e.g. (3, 4) or (n, 1)"
            )
    return tuple(dims)


_SIZE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,20}")


def _read_text(raw: Any, spec: _AnswerFields) -> str:
    return _squash(_text(raw))


_READERS: dict[str, Callable[[Any, _AnswerFields], Any]] = {
    "option": _read_option,
    "yesno": _read_yesno,
    "number": _read_number,
    "integer": lambda raw, spec: _read_exact(raw),
    "shape": _read_shape,
    "text": _read_text,
}


def _same(kind: str, value: Any, target: Any, spec: _AnswerFields) -> bool:
    if kind == "number":
        return abs(value - target) <= spec.tolerance.abs + spec.tolerance.rel * abs(target)
    return bool(value == target)


def _check_answer_fields(spec: _AnswerFields) -> None:
    """Rubric-time checks: every written answer must itself be readable as the type."""
    if spec.type is None or spec.expected is None:
        raise ValueError("needs type and expected")
    if spec.type == "option" and not spec.options:
        raise ValueError("type option needs options")
    if spec.type != "option" and spec.options:
        raise ValueError("options are only for type option")
    reader = _READERS[spec.type]
    if spec.type == "shape":
        reader = partial(_read_shape, declared_only=True)
    for label, raw in [("expected", spec.expected)] + [("accept", a) for a in spec.accept] + [
        ("mistakes", m.answer) for m in spec.mistakes
    ]:
        try:
            reader(raw, spec)
        except AnswerFormatError as error:
            raise ValueError(f"{label} {raw!r} is not a valid {spec.type} answer: {error}") from None


# --- judging -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PartResult:
    credit: float
    message: str


def _grade_part(raw: Any, spec: _AnswerFields) -> _PartResult:
    assert spec.type is not None
    reader = _READERS[spec.type]
    if raw is None:
        return _PartResult(0.0, "no answer given.")
    try:
        value = reader(raw, spec)
    except AnswerFormatError as error:
        return _PartResult(0.0, sentence(f"could not read your answer: {error}"))
    targets = [reader(spec.expected, spec)] + [reader(a, spec) for a in spec.accept]
    if any(_same(spec.type, value, target, spec) for target in targets):
        return _PartResult(1.0, "correct.")
    shown = _show(value)
    for mistake in spec.mistakes:
        if _same(spec.type, value, reader(mistake.answer, spec), spec):
            return _PartResult(mistake.credit, mistake_message(mistake.credit, mistake.feedback, shown))
    hint = _hint(spec.type, value, targets)
    return _PartResult(0.0, f"{shown} is not right." + (f" {hint}" if hint else ""))


def _hint(kind: str, value: Any, targets: list[Any]) -> str:
    """General advice that does not give the answer away."""
    if kind == "shape":
        if any(len(value) > 1 and tuple(reversed(value)) == t for t in targets):
            return "It looks transposed: check which size comes first."
        if all(len(value) != len(t) for t in targets):
            return "It has the wrong number of dimensions."
    if kind == "integer" and value.denominator != 1:
        return "The answer is a whole number."
    return ""


def _parts_of(question: ChoiceQuestion, answer: Any) -> tuple[list[Any], str]:
    return split_parts([name for name, _, _ in question.answer_parts()], answer)


def grade(question: ChoiceQuestion, answer: Any) -> Verdict:
    """Credit is the weighted share of parts answered right (or matching a known mistake)."""
    raws, problem = _parts_of(question, answer)
    if problem:
        return Verdict(0.0, (problem,))
    total = sum(weight for _, _, weight in question.answer_parts())
    credit = 0.0
    messages = []
    for (name, spec, weight), raw in zip(question.answer_parts(), raws, strict=True):
        result = _grade_part(raw, spec)
        credit += weight * result.credit
        messages.append(f"{name}: {result.message}" if name else _capitalize(result.message))
    return Verdict(min(1.0, credit / total), tuple(messages))


def precheck(question: ChoiceQuestion, answer: Any) -> list[str]:
    """Problems with the answer's form only; never whether it is right."""
    raws, problem = _parts_of(question, answer)
    if problem:
        return [problem]
    problems = []
    for (name, spec, _), raw in zip(question.answer_parts(), raws, strict=True):
        prefix = f"{name}: " if name else ""
        if raw is None:
            problems.append(f"{prefix}no answer given")
            continue
        try:
            _READERS[spec.type or "text"](raw, spec)
        except AnswerFormatError as error:
            problems.append(f"{prefix}{error}")
    return problems


# --- mutation testing --------------------------------------------------------------------------


def _mutate_part(value: Any, part: Any) -> Iterator[tuple[str, Any]]:
    """The other option, the other yes/no, an integer ± 1 or doubled, a number × 1.1, a shape
    with its sizes swapped or one dropped, other text."""
    kind = getattr(part, "type", None)
    if kind == "option" and part.options:
        for label in (part.options if isinstance(part.options, list) else list(part.options)):
            if str(label).strip().upper() != str(value).strip().upper():
                yield f"option {label}", label
    elif kind == "yesno":
        yield "the other answer", "no" if str(value).lower() in {"yes", "true"} else "yes"
    elif kind == "integer" and isinstance(value, int):
        yield "plus one", value + 1
        yield "minus one", value - 1
        yield "doubled", 2 * value if value else 3
    elif kind == "number" and isinstance(value, (int, float)):
        yield "× 1.1", value * 1.1 if value else 0.5
    elif kind == "shape" and isinstance(value, str):
        sizes = [s.strip() for s in value.strip("()[] ").split(",") if s.strip()]
        if len(sizes) > 1 and sizes[0] != sizes[1]:
            yield "sizes swapped", f"({', '.join(reversed(sizes))})"
        if len(sizes) > 1:
            yield "a size dropped", f"({sizes[0]},)"
        elif sizes:
            yield "a size added", f"({sizes[0]}, {sizes[0]})"
    elif kind == "text":
        yield "other text", f"{value}1"


def mutants(question: ChoiceQuestion, answer: Any) -> list[Mutant]:
    """Each part's wrong variants (see :func:`_mutate_part`), the others kept."""
    return per_part(answer, question, _mutate_part)


# --- small helpers -----------------------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"[\s\-_]+", " ", text).strip().lower()


def _clip(text: str) -> str:
    return text if len(text) <= _ECHO_LIMIT else text[: _ECHO_LIMIT - 1] + "…"


def _describe(raw: Any) -> str:
    return {list: "a list", dict: "a mapping", type(None): "nothing"}.get(type(raw), type(raw).__name__)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        inner = ", ".join(str(v) for v in value)
        return _clip(f"({inner},)" if len(value) == 1 else f"({inner})")
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
    if isinstance(value, float):
        return f"{value:g}"
    return _clip(f"'{value}'" if isinstance(value, str) else str(value))


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


# Where an answer may hide in a mistake's feedback, by type: numbers, and (…)/[…] spans for
# shapes. Options and yes/no are single words that feedback uses in passing ("yes, but…").
_CANDIDATES: dict[str, str] = {
    "integer": r"-?\d+(?:\.\d+)?(?:/\d+)?",
    "number": r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?(?:/\d+)?",
    "shape": r"\([^()]*\)|\[[^\[\]]*\]",
}


def _leak(feedback: str, spec: _AnswerFields) -> str:
    """The first piece of ``feedback`` that reads as a right answer, or ''."""
    assert spec.type is not None
    reader = _READERS[spec.type]
    targets = [reader(spec.expected, spec)] + [reader(a, spec) for a in spec.accept]
    if spec.type == "text":
        found = next((t for t in targets if len(t) >= 3 and t in _squash(feedback)), "")
        return str(found)
    for piece in re.findall(_CANDIDATES.get(spec.type, r"(?!)"), feedback):
        try:
            value = reader(piece, spec)
        except AnswerFormatError:
            continue
        if any(_same(spec.type, value, target, spec) for target in targets):
            return piece
    return ""


def lint(question: ChoiceQuestion) -> list[str]:
    """A mistake's feedback that contains a right answer (a number, a shape, a text): students
    who give that mistake would read the answer."""
    problems = []
    for name, spec, _ in question.answer_parts():
        label = f"part {name}: " if name else ""
        for mistake in spec.mistakes:
            leak = _leak(mistake.feedback, spec)
            if leak:
                problems.append(f"{label}the feedback of mistake {mistake.answer!r} contains {leak!r}, "
                                "which is a right answer")
    return problems


KIND = Kind(name="choice", model=ChoiceQuestion, grade=grade, precheck=precheck, mutants=mutants, lint=lint)
