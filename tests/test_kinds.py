"""The kind interface: a kind of one's own is one more module, and the rest of the grader only
asks the kinds (their models, mutants, sections, whether they are graded here)."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field, ValidationInfo, model_validator

from autograder.grading import grade
from autograder.kinds import KINDS, Kind, Verdict
from autograder.kinds.base import Mutant, Secret
from autograder.mutation import data_mutants
from autograder.rubric import Rubric, RubricError, load_rubric, rubric_model
from autograder.seeds import question_seed
from autograder.rubric_models import QuestionBase

ROOT = Path(__file__).resolve().parent.parent


class Riddle(QuestionBase):
    """A made-up kind: a word to guess, from the rubric's shared ``riddle_words`` or its own."""

    kind: Literal["riddle"]
    word: Annotated[str, Secret()] = Field(default="", description="The answer.")
    word_from: str | None = Field(default=None, description="A name under riddle_words.")

    @model_validator(mode="before")
    @classmethod
    def _shared_word(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and data.get("word_from"):
            return {**data, "word": ((info.context or {}).get("riddle_words") or {})[data["word_from"]]}
        return data


def _grade_riddle(question: Riddle, answer: Any) -> Verdict:
    return Verdict(1.0 if str(answer).strip().lower() == question.word else 0.0, ("Judged.",))


RIDDLE = Kind(
    name="riddle", model=Riddle, grade=_grade_riddle, precheck=lambda question, answer: [],
    mutants=lambda question, answer: [Mutant("reversed", str(answer)[::-1])],
    sections={"riddle_words": Annotated[dict[str, str], Field(default_factory=dict)]},
)
RUBRIC = """\
assignment: {name: riddles, title: Riddles, files: [answers.yaml]}
riddle_words: {sphinx: man}
questions:
  - {id: r1, title: Sphinx, points: 2, kind: riddle, word_from: sphinx}
  - {id: r2, title: Own, points: 1, kind: riddle, word: echo}
  - {id: c1, title: Built-in, points: 1, kind: choice, type: yesno, expected: yes}
"""


def test_a_kind_of_ones_own_loads_grades_and_mutates_with_no_other_change(tmp_path: Path) -> None:
    rubric_path = tmp_path / "riddles.yaml"
    rubric_path.write_text(RUBRIC)
    with pytest.raises(RubricError, match="unknown kind 'riddle'"):
        load_rubric(rubric_path)
    kinds = KINDS.with_kind(RIDDLE)
    rubric = load_rubric(rubric_path, kinds=kinds)
    assert rubric.kinds == kinds and Rubric.kinds == KINDS
    assert type(rubric) is rubric_model(kinds)  # built once per set of kinds
    assert rubric.question("r1").word == "man"  # read from the kind's shared section
    (tmp_path / "answers.yaml").write_text("r1: Man\nr2: ohce\nc1: yes\n")
    report = grade(rubric, tmp_path)
    assert [(r.status, r.score) for r in report.results] == [("graded", 2.0), ("graded", 0.0), ("graded", 1.0)]
    assert data_mutants(rubric.question("r2"), "echo", rubric.kinds) == [Mutant("reversed", "ohce")]


def test_a_section_needs_one_owner_and_a_default() -> None:
    twice = Kind(name="riddle2", model=Riddle, grade=_grade_riddle, precheck=lambda q, a: [],
                 sections={"riddle_words": dict[str, str]})
    with pytest.raises(ValueError, match="both declare the section 'riddle_words'"):
        rubric_model(KINDS.with_kind(RIDDLE).with_kind(twice))
    required = Kind(name="riddle", model=Riddle, grade=_grade_riddle, precheck=lambda q, a: [],
                    sections={"riddle_words": dict[str, str]})
    with pytest.raises(ValueError, match="needs a default"):
        rubric_model(KINDS.with_kind(required))


def test_the_kinds_graded_by_hand_are_those_whose_model_says_so() -> None:
    for kind in KINDS.values():
        says = kind.model.graded_by_hand is not QuestionBase.graded_by_hand
        assert says == (kind.by_hand is not None), kind.name
    assert [name for name, kind in KINDS.items() if kind.by_hand] == ["manual"]


def test_question_seed_reproduces_every_recipe_it_replaced() -> None:
    assert question_seed("q1", purpose="") == zlib.crc32(b"q1") == 639851122  # expression's judge
    assert question_seed("q1", purpose="perceptron-weights") == 1356104003  # grading: assignment/id
    for purpose, value in [("network", 4193902307), ("training", 1930874275), ("training-run", 18066907),
                           ("module", 1646911715), ("function", 2867846515)]:
        assert question_seed("q1", purpose=purpose) == zlib.crc32(f"{purpose}/q1".encode()) == value
    with pytest.raises(TypeError):
        question_seed("perceptron-weights", "q1")  # type: ignore[misc]  # purpose is named


def test_kinds_remember_what_they_hold() -> None:
    bigger = KINDS.with_kind(RIDDLE)
    assert set(bigger) == set(KINDS) | {"riddle"} and "riddle" not in KINDS
    assert hash(bigger) == hash(KINDS.with_kind(RIDDLE)) and bigger == KINDS.with_kind(RIDDLE)
    with pytest.raises(ValueError, match="defined twice"):
        bigger.with_kind(RIDDLE)
