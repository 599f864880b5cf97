"""Rubric loading: YAML → validated, typed :class:`Rubric`, with errors that name file:line.

The question model is the union of every registered kind's model, selected by ``kind``; the same
model exports the JSON Schema that ``autograder schema`` prints.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, ValidationError

from autograder.kinds import KINDS
from autograder.kinds.expression.kind import MathContext
from autograder.rubric_sharing import EXTENSION_PREFIX, SECTION, defaults_problems, expand_shared
from autograder.spec import Assignment, QuestionBase, StrictModel
from autograder.yamlio import LoadedYaml, YamlError, load_yaml

RUBRIC_MAX_BYTES = 2_000_000

Question = Annotated[
    Union[tuple(kind.model for kind in KINDS.values())],  # type: ignore[misc]
    Field(discriminator="kind"),
]


class Rubric(StrictModel):
    """A whole rubric: the assignment header and its questions in order."""

    assignment: Assignment
    contexts: dict[str, MathContext] = Field(
        default_factory=dict,
        description="Named quantities and graphs that expression questions share (context: NAME).",
    )
    questions: list[Question] = Field(min_length=1)  # type: ignore[valid-type]

    def question(self, question_id: str) -> QuestionBase:
        """The question with this id."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)


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


def _field_name(loc: tuple[Any, ...], path: tuple[Any, ...]) -> str:
    trail = [str(p) for p in path[2:] if not isinstance(p, int)] if path[:1] == ("questions",) else [
        str(p) for p in path if not isinstance(p, int)
    ]
    named = [str(p) for p in loc if isinstance(p, str) and p not in KINDS]
    if named and (not trail or named[-1] != trail[-1]):
        trail.append(named[-1])
    return ".".join(trail) or "rubric"


def _allowed_fields(loc: tuple[Any, ...], data: Any) -> list[str]:
    path = _data_path(loc[:-1], data)
    if path == ():
        return list(Rubric.model_fields)
    if path == ("assignment",):
        return list(Assignment.model_fields)
    if len(path) == 2 and path[0] == "questions":
        kind = data["questions"][path[1]].get("kind")
        if kind in KINDS:
            return list(KINDS[kind].model.model_fields)
    return []


def _message(error: Any, data: Any) -> tuple[tuple[Any, ...], str]:
    loc = tuple(error["loc"])
    path = _data_path(loc, data)
    field = _field_name(loc, path)
    kind = error["type"]
    given = error.get("input")
    if kind == "missing":
        text = f"{field} is required"
    elif kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _allowed_fields(loc, data), n=1)
        text = f"unknown field '{loc[-1]}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    elif kind == "union_tag_invalid":
        text = f"unknown kind {given.get('kind')!r}; known kinds: {', '.join(KINDS)}"
        path = _data_path(loc + ("kind",), data)
    elif kind == "union_tag_not_found":
        text = f"kind is required; known kinds: {', '.join(KINDS)}"
    elif kind == "literal_error":
        text = f"{field} must be {error['ctx']['expected']}, got {given!r}"
    elif kind == "value_error":
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
    elif kind == "string_pattern_mismatch":
        text = f"{field} must be letters, digits, '_', '.' or '-', got {given!r}"
    else:
        text = f"{field}: {error['msg'][:1].lower()}{error['msg'][1:]}, got {given!r}"
    return path, _where(path, data) + text


def _semantic_problems(rubric: Rubric) -> list[tuple[tuple[Any, ...], str]]:
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


def parse_rubric(loaded: LoadedYaml, label: str) -> Rubric:
    """Validate parsed YAML as a rubric; raise :class:`RubricError` with located messages."""
    if not isinstance(loaded.data, dict):
        raise RubricError([f"{label}:1: a rubric is a mapping with 'assignment' and 'questions'"])
    shared = defaults_problems(loaded.data, KINDS)
    if shared:
        raise RubricError([f"{label}:{loaded.line_of(p)}: {m}" for p, m in shared])
    loaded = expand_shared(loaded)
    data = loaded.data
    try:
        # Questions read their shared context while validating, so errors point at the question.
        rubric = Rubric.model_validate(data, context={"contexts": data.get("contexts")})
    except ValidationError as error:
        located = [_message(e, data) for e in error.errors()]
        lines = sorted({(loaded.line_of(p), m) for p, m in located})
        raise RubricError([f"{label}:{line}: {message}" for line, message in lines]) from None
    problems = _semantic_problems(rubric)
    if problems:
        raise RubricError([f"{label}:{loaded.line_of(p)}: {m}" for p, m in problems])
    return rubric


def load_rubric(path: Path, label: str | None = None) -> Rubric:
    """Load and validate the rubric at ``path``."""
    label = label or str(path)
    try:
        loaded = load_yaml(path, RUBRIC_MAX_BYTES, label, aliases=True)
    except YamlError as error:
        raise RubricError([str(error)]) from None
    return parse_rubric(loaded, label)


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


def open_course(assignment: str, search_roots: list[Path]) -> Course:
    """Find, load and validate an assignment's rubric; its folder's parent is the course root."""
    path = find_rubric(assignment, search_roots)
    try:
        label = str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        label = str(path)
    rubric = load_rubric(path, label)
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
