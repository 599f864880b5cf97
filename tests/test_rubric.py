"""Rubric loading: typed models, and one located line per problem instead of a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from autograder.rubric import RubricError, json_schema, load_rubric
from tests.conftest import ASSIGNMENT, PROJECT

GOOD = """\
assignment:
  name: demo
  title: Demo
  files: [answers.yaml]
questions:
  - id: q1
    title: First
    points: 2
    kind: choice
    type: integer
    expected: 4
  - id: q3
    title: Third
    points: 1
    kind: choice
    type: yesno
    expected: yes
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(RubricError) as caught:
        load_rubric(path, label="rubrics/x.yaml")
    return caught.value.problems


def test_good_rubric_loads_typed(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(GOOD)
    rubric = load_rubric(path)
    assert rubric.assignment.time_limit == 60 and rubric.assignment.device == "auto"
    assert [q.points for q in rubric.questions] == [2.0, 1.0]
    assert rubric.question("q3").visibility == "visible"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("points: 1", "points: two"), "rubrics/x.yaml:14: question q3: points must be a positive number, got 'two'"),
        (("points: 1", "points: -1"), "rubrics/x.yaml:14: question q3: points must be a positive number, got -1"),
        (("kind: choice\n    type: yesno", "kind: chioce\n    type: yesno"), "rubrics/x.yaml:15: question q3: unknown kind 'chioce'; known kinds: choice, conv, expression, function, manual, module, network, training"),
        (("expected: yes", "expectd: yes"), "rubrics/x.yaml:17: question q3: unknown field 'expectd' (did you mean 'expected'?)"),
        (("  title: Demo\n", ""), "rubrics/x.yaml:1: assignment.title is required"),
        (("type: yesno", "type: boolean"), "rubrics/x.yaml:16: question q3: type must be 'option', 'yesno', 'number', 'integer', 'shape' or 'text', got 'boolean'"),
        (("expected: yes", "expected: maybe"), "rubrics/x.yaml:17: question q3: expected 'maybe' is not a valid yesno answer: answer yes or no"),
        (("id: q3", "id: q1"), "rubrics/x.yaml:12: question q1: id is used twice"),
        (("  name: demo", "  name: my demo"), "rubrics/x.yaml:2: assignment.name must be letters, digits, '_', '.' or '-', got 'my demo'"),
    ],
)
def test_broken_rubric_names_file_line_and_field(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in GOOD
    text = GOOD.replace("    points: 1\n", f"    {new}\n") if old == "points: 1" else GOOD.replace(old, new, 1)
    assert problems(tmp_path, text) == [expected]


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = GOOD.replace("points: 2", "points: 0").replace("type: yesno", "type: nope")
    assert problems(tmp_path, text) == [
        "rubrics/x.yaml:8: question q1: points must be a positive number, got 0",
        "rubrics/x.yaml:16: question q3: type must be 'option', 'yesno', 'number', 'integer', 'shape' or 'text', got 'nope'",
    ]


def test_answer_file_must_be_submitted(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD.replace("  files: [answers.yaml]", "  files: [other.yaml]")) == [
        "rubrics/x.yaml:6: question q1: answers come from answers.yaml, which is not in assignment.files",
        "rubrics/x.yaml:12: question q3: answers come from answers.yaml, which is not in assignment.files",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("assignment: [1\n", "rubrics/x.yaml:2: not valid YAML: expected ',' or ']', but got '<stream end>'"),
        ("- 1\n- 2\n", "rubrics/x.yaml:1: a rubric is a mapping with 'assignment' and 'questions'"),
        ("a: 1\nb: *nope\n", "rubrics/x.yaml:2: not valid YAML: found undefined alias 'nope'"),
        ("a: 1\na: 2\n", "rubrics/x.yaml:2: duplicate key 'a' (first at line 1)"),
    ],
)
def test_unreadable_yaml_is_one_located_line(tmp_path: Path, text: str, expected: str) -> None:
    assert problems(tmp_path, text) == [expected]


def test_bundled_rubric_matches_exported_schema() -> None:
    schema = json.loads(json_schema())
    data = yaml.safe_load((PROJECT / "rubrics" / f"{ASSIGNMENT}.yaml").read_text())
    jsonschema.validate(data, schema)
    bad = dict(data, questions=[dict(data["questions"][0], kind="nope")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    assert "choice" in json.dumps(schema["$defs"])
