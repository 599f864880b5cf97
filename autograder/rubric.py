"""Rubric loading: YAML → validated, typed :class:`Rubric`, with errors that name file:line.

The rubric model is built from a set of kinds (:func:`rubric_model`): its questions are the union
of the kinds' models, selected by ``kind``, and its top-level sections besides ``assignment`` and
``questions`` are those the kinds declare (``Kind.sections``). The built-in kinds' model,
:class:`Rubric`, exports the JSON Schema that ``autograder schema`` prints.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Union

from pydantic import Field, ValidationError, create_model
from pydantic.fields import FieldInfo

from autograder.kinds import KINDS, Kinds
from autograder.rubric_sharing import EXTENSION_PREFIX, SECTION, defaults_problems, expand_shared
from autograder.rubric_models import Assignment, QuestionBase, StrictModel
from autograder.yamlio import LoadedYaml, YamlError, load_yaml

RUBRIC_MAX_BYTES = 2_000_000


class RubricBase(StrictModel):
    """A whole rubric: the assignment header and its questions in order.

    Every rubric model is built from a set of kinds by :func:`rubric_model`, which adds the kinds'
    shared sections and the questions; ``kinds`` are those it was built from, which grading uses.
    """

    kinds: ClassVar[Kinds] = KINDS
    assignment: Assignment

    def question(self, question_id: str) -> QuestionBase:
        """The question with this id."""
        for question in self.questions:  # type: ignore[attr-defined]
            if question.id == question_id:
                return question
        raise KeyError(question_id)


def sections(kinds: Kinds) -> dict[str, Any]:
    """The shared top-level sections the kinds declare, by name, each with its annotated type."""
    found: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for kind in kinds.values():
        for name, annotation in kind.sections.items():
            if name in owner:
                raise ValueError(f"kinds {owner[name]} and {kind.name} both declare the section {name!r}")
            if name in RubricBase.model_fields or name == "questions" or hasattr(RubricBase, name):
                raise ValueError(f"kind {kind.name} declares the section {name!r}, a name rubrics use")
            if FieldInfo.from_annotation(annotation).is_required():
                raise ValueError(f"kind {kind.name}: section {name!r} needs a default (a rubric may omit it)")
            found[name], owner[name] = annotation, kind.name
    return found


def _field(annotation: Any) -> tuple[Any, FieldInfo]:
    """An annotated type as create_model's (type, field) pair."""
    info = FieldInfo.from_annotation(annotation)
    return info.annotation, info


@lru_cache(maxsize=None)
def rubric_model(kinds: Kinds) -> type[RubricBase]:
    """The rubric model for these kinds: the assignment, the kinds' sections, then the questions,
    each validated by the model of its ``kind``. Built once per set of kinds."""
    models = tuple(kind.model for kind in kinds.values())
    question: Any = Union[models] if len(models) > 1 else models[0]  # type: ignore[valid-type]
    model = create_model(
        "Rubric",
        __base__=RubricBase,
        __module__=__name__,
        __doc__="A whole rubric: the assignment header and its questions in order.",
        **{name: _field(annotation) for name, annotation in sections(kinds).items()},
        questions=(list[Annotated[question, Field(discriminator="kind")]], Field(min_length=1)),
    )
    model.kinds = kinds
    return model


# The model of a rubric of the built-in kinds (``autograder.kinds.KINDS``).
Rubric = rubric_model(KINDS)


class RubricError(Exception):
    """A rubric that cannot be used. ``problems`` holds one ``file:line: message`` per fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Course:
    """Where an assignment's files live: ``rubrics/``, ``reference/`` and ``student_template/``."""

    root: Path
    rubric_path: Path
    rubric: Rubric

    @property
    def name(self) -> str:
        """The assignment's short name."""
        return self.rubric.assignment.name

    @property
    def reference_dir(self) -> Path:
        """The reference submission, which must score full marks."""
        return self.root / "reference" / self.name

    @property
    def template_dir(self) -> Path:
        """What students start from, which must score zero."""
        return self.root / "student_template" / self.name


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """Map a pydantic error location onto the raw YAML data (dropping union tags)."""
    path: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
    return tuple(path)


def _node_at(path: tuple[Any, ...], data: Any) -> Any:
    for part in path:
        data = data[part]
    return data


def _where(path: tuple[Any, ...], data: Any) -> str:
    """'question q3: ' for anything inside a question, else ''."""
    if len(path) >= 2 and path[0] == "questions" and isinstance(path[1], int):
        entry = data["questions"][path[1]]
        label = entry.get("id") if isinstance(entry, dict) else None
        return f"question {label if isinstance(label, str) else '#' + str(path[1] + 1)}: "
    return ""


def _field_name(loc: tuple[Any, ...], path: tuple[Any, ...], kinds: Kinds) -> str:
    trail = [str(p) for p in path[2:] if not isinstance(p, int)] if path[:1] == ("questions",) else [
        str(p) for p in path if not isinstance(p, int)
    ]
    named = [str(p) for p in loc if isinstance(p, str) and p not in kinds]
    if named and (not trail or named[-1] != trail[-1]):
        trail.append(named[-1])
    return ".".join(trail) or "rubric"


def _allowed_fields(loc: tuple[Any, ...], data: Any, kinds: Kinds) -> list[str]:
    path = _data_path(loc[:-1], data)
    if path == ():
        return list(rubric_model(kinds).model_fields)
    if path == ("assignment",):
        return list(Assignment.model_fields)
    if len(path) == 2 and path[0] == "questions":
        kind = data["questions"][path[1]].get("kind")
        if kind in kinds:
            return list(kinds[kind].model.model_fields)
    return []


def _message(error: Any, data: Any, kinds: Kinds) -> tuple[tuple[Any, ...], str]:
    loc = tuple(error["loc"])
    path = _data_path(loc, data)
    field = _field_name(loc, path, kinds)
    error_type = error["type"]
    given = error.get("input")
    if error_type == "missing":
        text = f"{field} is required"
    elif error_type == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _allowed_fields(loc, data, kinds), n=1)
        text = f"unknown field '{loc[-1]}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    elif error_type == "union_tag_invalid":
        text = f"unknown kind {given.get('kind')!r}; known kinds: {', '.join(kinds)}"
        path = _data_path(loc + ("kind",), data)
    elif error_type == "union_tag_not_found":
        text = f"kind is required; known kinds: {', '.join(kinds)}"
    elif error_type == "literal_error":
        text = f"{field} must be {error['ctx']['expected']}, got {given!r}"
    elif error_type == "value_error":
        reason = str(error["ctx"]["error"])
        # A model-level check names its field first ("expected 'x' is not ..."): point there.
        first_word = reason.split(" ", 1)[0]
        node = _node_at(path, data)
        if isinstance(node, dict) and first_word in node:
            text = reason
            path = path + (first_word,)
        elif len(path) == 2 and path[0] == "questions":
            text = reason
        else:
            text = f"{field} {reason}" if field != "rubric" else reason
    elif error_type == "string_pattern_mismatch":
        text = f"{field} must be letters, digits, '_', '.' or '-', got {given!r}"
    else:
        text = f"{field}: {error['msg'][:1].lower()}{error['msg'][1:]}, got {given!r}"
    return path, _where(path, data) + text


def _semantic_problems(rubric: RubricBase) -> list[tuple[tuple[Any, ...], str]]:
    problems = []
    seen: dict[str, int] = {}
    files = set(rubric.assignment.files)
    for index, question in enumerate(rubric.questions):
        where = ("questions", index)
        if question.id in seen:
            problems.append((where + ("id",), f"question {question.id}: id is used twice"))
        seen[question.id] = index
        source = question.answer_source(rubric.assignment.answers_file)
        if source.file not in files and not question.graded_by_hand():
            problems.append(
                (
                    where + ("source",),
                    f"question {question.id}: answers come from {source.file}, "
                    f"which is not in assignment.files",
                )
            )
        if source.call is not None and not str(source.file).endswith(".py"):
            problems.append(
                (where + ("source", "call"), f"question {question.id}: call needs a .py source")
            )
    return problems


def parse_rubric(loaded: LoadedYaml, label: str, kinds: Kinds | None = None) -> RubricBase:
    """Validate parsed YAML as a rubric of ``kinds`` (default: the built-in ones); raise
    :class:`RubricError` with located messages."""
    kinds = KINDS if kinds is None else kinds
    if not isinstance(loaded.data, dict):
        raise RubricError([f"{label}:1: a rubric is a mapping with 'assignment' and 'questions'"])
    problems = defaults_problems(loaded.data, kinds)
    if problems:
        raise RubricError([f"{label}:{loaded.line_of(p)}: {m}" for p, m in problems])
    loaded = expand_shared(loaded)
    data = loaded.data
    try:
        model = rubric_model(kinds)
        # Questions read the shared sections while validating, so errors point at the question.
        shared = {name: data.get(name) for name in sections(kinds)}
        rubric = model.model_validate(data, context=shared)
    except ValidationError as error:
        located = [_message(e, data, kinds) for e in error.errors()]
        lines = sorted({(loaded.line_of(p), m) for p, m in located})
        raise RubricError([f"{label}:{line}: {message}" for line, message in lines]) from None
    problems = _semantic_problems(rubric)
    if problems:
        raise RubricError([f"{label}:{loaded.line_of(p)}: {m}" for p, m in problems])
    return rubric


def load_rubric(path: Path, label: str | None = None, kinds: Kinds | None = None) -> RubricBase:
    """Load and validate the rubric at ``path``, of ``kinds`` (default: the built-in ones, e.g.
    ``KINDS.with_kind(mine)`` for a kind of one's own)."""
    label = label or str(path)
    try:
        loaded = load_yaml(path, RUBRIC_MAX_BYTES, label, aliases=True)
    except YamlError as error:
        raise RubricError([str(error)]) from None
    return parse_rubric(loaded, label, kinds)


def find_rubric(assignment: str, search_roots: list[Path]) -> Path:
    """Resolve ASSIGNMENT: a path to a rubric file, or NAME looked up as ``rubrics/NAME.yaml``."""
    given = Path(assignment)
    if given.suffix in {".yaml", ".yml"} or given.is_file():
        if given.is_file():
            return given
        raise RubricError([f"{assignment}: no such rubric file"])
    for root in search_roots:
        for suffix in (".yaml", ".yml"):
            candidate = root / "rubrics" / f"{assignment}{suffix}"
            if candidate.is_file():
                return candidate
    known = sorted({p.stem for root in search_roots for p in (root / "rubrics").glob("*.y*ml")})
    hint = f"; known assignments: {', '.join(known)}" if known else ""
    where = ", ".join(str(root / "rubrics") for root in search_roots)
    raise RubricError([f"no rubric named '{assignment}' in {where}{hint}"])


def open_course(assignment: str, search_roots: list[Path], kinds: Kinds | None = None) -> Course:
    """Find, load and validate an assignment's rubric (of ``kinds``, default the built-in ones);
    its folder's parent is the course root."""
    path = find_rubric(assignment, search_roots)
    try:
        label = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        label = str(path)
    rubric = load_rubric(path, label, kinds)
    return Course(root=path.resolve().parent.parent, rubric_path=path.resolve(), rubric=rubric)


def json_schema() -> str:
    """The JSON Schema of the rubric format, for editors and external checkers."""
    schema = Rubric.model_json_schema()
    schema["properties"][SECTION] = {
        "type": "object", "additionalProperties": {"type": "object"},
        "description": "Fields every question of a kind shares: {KIND: {field: value}}.",
    }
    schema["patternProperties"] = {f"^{EXTENSION_PREFIX}": {"description": "Anchored values to share."}}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Autograder rubric"
    return json.dumps(schema, indent=2)
