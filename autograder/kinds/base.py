"""What every question kind provides, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from pydantic import BaseModel

from autograder.rubric_models import QuestionBase


@dataclass(frozen=True)
class Figure:
    """A picture that goes with the feedback: PNG bytes and a one-line caption."""

    png: bytes
    caption: str


@dataclass(frozen=True)
class Verdict:
    """A kind's judgement of one answer: a fraction of the points and what to tell the student."""

    credit: float
    messages: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.credit <= 1.0:
            raise ValueError(f"credit must lie in [0, 1], got {self.credit}")


@dataclass(frozen=True)
class CodeAnswer:
    """What a kind that reads source gets: the sandbox's plain-data reply, the submission
    folder, whose files it may parse as text (never import or run), the question's trusted
    oracle (loaded from the reference folder before any student code ran; an error saying why
    there is none, e.g. in a student's check), and notes on how the code was run (e.g. moved to
    the CPU)."""

    value: Any
    folder: Path
    oracle: Callable[..., Any] | Exception | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mutant:
    """A wrong variant of the reference's answer, for mutation testing (``autograder validate``):
    what changed (its label, which reports and ``mutants_accepted`` name) and the answer data or
    the source file it gives."""

    label: str
    answer: Any = None
    source: str | None = None


@dataclass(frozen=True)
class Secret:
    """Marks a rubric field students must not see: ``expected: Annotated[str, Secret()]``.

    The public rubric in the student bundle (``autograder build``) drops the field, or, with
    ``placeholder``, shows what that returns from the field's value and the mapping it is in: a
    stand-in that says nothing of the answer (the same for every question of its type) and keeps
    the public rubric loadable. A field of a nested model (a part, a context) is found the same
    way, so a kind marks its secrets where it declares them and the bundle needs no list.
    """

    placeholder: Callable[[Any, Mapping[str, Any]], Any] | None = None


def secrets_of(model: type[BaseModel]) -> dict[str, Secret]:
    """The fields of ``model`` itself (not of the models inside it) that are marked secret."""
    found = {}
    for name, info in model.model_fields.items():
        marks = [m for m in info.metadata if isinstance(m, Secret)]
        if marks:
            found[name] = marks[0]
    return found


@dataclass(frozen=True)
class Kind:
    """A question kind: its rubric model, its two judgements, and what else it knows.

    ``grade`` decides credit. ``precheck`` only says whether the answer is well-formed, for the
    student's local check, and must never reveal whether it is right; ``draw`` (optional) pictures
    the answer for that check, again without the target. ``needs_cpu`` (optional) says, from a
    reply that came back from CUDA, that the code only works on the CPU and the question allows
    running it there.

    ``by_hand`` (optional) makes the kind one the instructor grades: the grader never scores it,
    and the student reads what ``by_hand(question)`` returns instead (its model's
    ``graded_by_hand()`` says True as well).

    ``mutants`` (optional) makes wrong variants of the reference's answer when it is data
    (mutation testing; the answer is never None). A kind whose answer is code gets mutants of its
    source file; ``code_targets`` (optional) names the top-level functions and classes the
    question uses, so that only those are changed (None: the whole file).

    ``sections`` are the top-level rubric sections the kind owns and its questions share, each a
    name and its annotated type with a default (e.g. the expression kind's ``contexts``). While a
    rubric validates, the raw data of every section is in the validation context by its name.

    ``read_back`` (optional) says, for ``check``, how a well-formed answer was read (a math
    answer as one canonical line) and what looks suspicious, never whether it is right.
    ``lint`` (optional) finds problems in a question's rubric that loading cannot (feedback that
    gives the answer away), for ``autograder validate``.

    ``expected`` (optional), for a kind whose questions name an oracle: asks the oracle (an
    :class:`autograder.oracles.Oracle`) everything grading the question can ask it, so that the
    answers are stored ahead of grading (``autograder build`` and ``validate`` do this).

    ``sandbox_modules`` names modules the kind's sandboxed work imports beyond torch (the
    training harness's optimizer pulls in ``torch._dynamo``, most of a second): a warm sandbox
    imports them once, before its first task, rather than every task importing them anew.

    Fields students must not see are marked on the model with :class:`Secret`.
    """

    name: str
    model: type[QuestionBase]
    grade: Callable[[Any, Any], Verdict]
    precheck: Callable[[Any, Any], list[str]]
    reads_source: bool = False
    draw: Callable[[Any, Any], tuple[Figure, ...]] | None = None
    needs_cpu: Callable[[Any, Any], bool] | None = None
    by_hand: Callable[[Any], str] | None = None
    mutants: Callable[[Any, Any], list[Mutant]] | None = None
    code_targets: Callable[[Any], frozenset[str] | None] | None = None
    sections: Mapping[str, Any] = field(default_factory=dict, hash=False)
    read_back: Callable[[Any, Any], list[str]] | None = None
    lint: Callable[[Any], list[str]] | None = None
    expected: Callable[[Any, Any], None] | None = None
    sandbox_modules: tuple[str, ...] = ()


class Kinds(Mapping[str, Kind]):
    """An immutable set of kinds by name: the built-in ones (``autograder.kinds.KINDS``), or
    those plus a kind of an instructor's own (:meth:`with_kind`)."""

    def __init__(self, kinds: Mapping[str, Kind]) -> None:
        self._kinds = dict(kinds)

    @classmethod
    def of(cls, *kinds: Kind) -> "Kinds":
        """The kinds given, by name; a name given twice is an error."""
        names = [kind.name for kind in kinds]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"kind {', '.join(twice)} is defined twice")
        return cls({kind.name: kind for kind in kinds})

    def with_kind(self, kind: Kind) -> "Kinds":
        """These kinds and one more."""
        return Kinds.of(*self._kinds.values(), kind)

    def __getitem__(self, name: str) -> Kind:
        return self._kinds[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def __hash__(self) -> int:
        return hash(tuple(self._kinds.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Kinds) and self._kinds == other._kinds


def as_sentence(text: str) -> str:
    """Capitalised, ending with a full stop; a leading name such as b1 or W2 stays as written."""
    if text[:1].islower() and not text[1:2].isdigit():
        text = text[:1].upper() + text[1:]
    return text if text.endswith(("?", ".", "!")) else text + "."


def split_parts(names: Sequence[str | None], answer: Any) -> tuple[list[Any], str]:
    """One raw answer per part (``names``; a single None for a one-answer question).

    The message explains, for the student, why a multi-part answer cannot be split.
    """
    if list(names) == [None]:
        return [answer], ""
    if not isinstance(answer, dict):
        return [], f"Write this answer as a mapping with the keys {', '.join(map(str, names))}."
    return [answer.get(name) for name in names], ""
