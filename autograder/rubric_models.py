"""The typed shapes every rubric shares: the assignment header and the base of a question.

Each question kind (``autograder/kinds/``) extends :class:`QuestionBase` with its own fields;
``autograder/rubric.py`` assembles them into the full rubric model.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from autograder.sandbox.work import ReadValue, Request

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
DevicePolicy = Literal["auto", "cpu", "cuda"]

IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"must be a positive number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"must be a positive number, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"must be a positive number, got {value!r}")
    return number


PositiveNumber = Annotated[float, BeforeValidator(_positive_number)]

# A pip requirement: a name, extras, version bounds (no URLs, paths or pip options).
_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._, -]+\])?"
    r"(\s*(===|==|!=|~=|>=|<=|>|<)\s*[A-Za-z0-9.*+!_-]+(\s*,\s*(===|==|!=|~=|>=|<=|>|<)\s*[A-Za-z0-9.*+!_-]+)*)?$"
)


def _requirement(value: Any) -> str:
    """A course package: ``matplotlib==3.10.9``, ``tqdm>=4.66``; torch is the grader's own."""
    if not isinstance(value, str) or not _REQUIREMENT.match(value.strip()):
        raise ValueError(f"must be a pip requirement such as 'matplotlib==3.10.9', got {value!r}")
    name = re.split(r"[\[=!~<> ]", value.strip(), maxsplit=1)[0].lower()
    if name == "torch" and value.strip().lower() != "torch":
        raise ValueError("torch's version is the grader's (setup.sh, AUTOGRADER_TORCH); list it without one")
    return value.strip()


Requirement = Annotated[str, BeforeValidator(_requirement)]


class StrictModel(BaseModel):
    """Immutable model that rejects unknown fields, so typos in a rubric are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(StrictModel):
    """Where a question's answer comes from.

    A YAML file (the default, ``answers.yaml``) is read as data in the grader. A ``.py`` file is
    imported only in the sandbox; ``name`` is read from it, and called with ``call`` when given.
    """

    file: str | None = Field(
        default=None, description="Submitted file holding the answer (default: the answers file)."
    )
    name: str | None = Field(
        default=None, description="Key in the YAML file or attribute of the module (default: id)."
    )
    call: list[Any] | None = Field(
        default=None, description="Python sources only: call the attribute with these arguments."
    )


class QuestionBase(StrictModel):
    """Fields every question has, whatever its kind."""

    id: str = Field(pattern=IDENTIFIER, description="Unique id; also the default answer key.")
    title: str = Field(min_length=1, description="Shown to students as the test name.")
    points: PositiveNumber = Field(description="Full marks for this question.")
    kind: str = Field(description="Question kind; selects the remaining fields.")
    visibility: Visibility = Field(default="visible", description="Gradescope test visibility.")
    tags: list[str] = Field(default_factory=list)
    number: str | None = Field(default=None, description="Gradescope test number, e.g. '1.2'.")
    time_limit: PositiveNumber | None = Field(
        default=None, description="Seconds for this question's sandboxed code (overrides default)."
    )
    memory_mb: PositiveNumber | None = Field(
        default=None, description="Memory this question's code may allocate (overrides the default)."
    )
    source: Source | None = None
    bonus: bool = Field(
        default=False, description="Extra credit: its points add to the score, not to the maximum."
    )
    mutants_accepted: dict[str, str] = Field(
        default_factory=dict,
        description="Mutation testing (validate): surviving mutants accepted, as label or "
        "pattern (* is any text) → why (e.g. another right construction).",
    )

    def answer_source(self, answers_file: str) -> Source:
        """The effective source, with the defaults filled in."""
        given = self.source or Source()
        return Source(file=given.file or answers_file, name=given.name or self.id, call=given.call)

    def sandbox_request(self, source: Source) -> Request:
        """What the sandbox should do with the effective ``source`` (:meth:`answer_source`): by
        default read its attribute, called once with ``call`` when given. Kinds that need more
        return another request of :mod:`autograder.sandbox.work` (call with each argument list,
        run a module question's statements, run the training harness)."""
        assert source.file is not None and source.name is not None
        return ReadValue(file=source.file, name=source.name, call=source.call)

    def oracle_source(self) -> tuple[str, str] | None:
        """(file, function) of the trusted oracle in the reference folder, for kinds that have one."""
        return None

    def runs_code(self, answers_file: str) -> bool:
        """Whether grading this question runs student code (in the sandbox)."""
        return not self.graded_by_hand() and str(self.answer_source(answers_file).file).endswith(".py")

    def graded_by_hand(self) -> bool:
        """True for questions the instructor grades (kind ``manual``): never scored here."""
        return False


class Assignment(StrictModel):
    """The assignment header of a rubric."""

    name: str = Field(pattern=IDENTIFIER, description="Short name, as in rubrics/NAME.yaml.")
    title: str = Field(min_length=1)
    files: list[str] = Field(min_length=1, description="Files the student submits.")
    answers_file: str = Field(default="answers.yaml", description="Where math/choice answers live.")
    time_limit: PositiveNumber = Field(
        default=60, description="Default seconds for each question that runs student code."
    )
    total_time_limit: PositiveNumber = Field(
        default=600, description="The Gradescope autograder timeout this rubric must fit in."
    )
    memory_mb: PositiveNumber = Field(
        default=512, description="Memory the student's code may allocate, per question."
    )
    device: DevicePolicy = Field(default="auto", description="Where student code runs.")
    visibility: Visibility = Field(default="visible", description="Top-level result visibility.")
    stdout_visibility: Visibility = Field(
        default="hidden", description="Whether students see the grader's own stdout."
    )
    packages: list[Requirement] = Field(
        default_factory=list,
        description="pip requirements the course provides to student code besides Python's "
        "standard library, torch and numpy (setup.sh installs them; torch is never replaced).",
    )
