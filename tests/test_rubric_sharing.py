"""What rubrics may share: YAML anchors and merge keys (trusted, bounded) and per-kind defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.bundle import public_rubric_data
from autograder.rubric import RubricError, load_rubric
from autograder.yamlio import MAX_EXPANDED_ENTRIES, load_yaml

HEADER = """\
assignment:
  name: demo
  title: Demo
  files: [answers.yaml]
"""


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "x.yaml"
    path.write_text(text)
    return load_rubric(path, label="rubrics/x.yaml")


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RubricError) as caught:
        load(tmp_path, text)
    return caught.value.problems


def test_anchors_and_merge_keys_share_fields_between_questions(tmp_path: Path) -> None:
    shared = HEADER + """\
x-common: &common {points: 2, kind: choice, type: integer}
questions:
  - {<<: *common, id: q1, title: First, expected: 4}
  - {<<: *common, id: q2, title: Second, expected: 5, points: 3}
"""
    assert [q.points for q in load(tmp_path, shared).questions] == [2, 3]
    assert problems(tmp_path, shared.replace("x-common", "common")) == ["rubrics/x.yaml:5: unknown field 'common'"]
    text = HEADER + """\
questions:
  - &first {id: q1, title: First, points: 2, kind: choice, type: integer, expected: 4}
  - {<<: *first, id: q2, title: Second, expected: 5, points: 3}
"""
    rubric = load(tmp_path, text)
    first, second = rubric.questions
    assert (first.points, second.points) == (2, 3)
    assert (second.type, second.expected, second.title) == ("integer", 5, "Second")


def test_an_alias_bomb_in_a_rubric_is_refused_with_its_file(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    text = "\n".join(levels) + "\n"
    assert problems(tmp_path, text) == [
        f"rubrics/x.yaml: the aliases (*name) expand to more than {MAX_EXPANDED_ENTRIES} entries"
    ]


def test_answers_files_still_refuse_aliases(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("a: &x 1\nb: *x\n")
    with pytest.raises(Exception, match=r"answers.yaml:2: not valid YAML: aliases \(\*name\) are not allowed"):
        load_yaml(path, 10_000, "answers.yaml")


DEFAULTS = HEADER + """\
defaults:
  choice: {type: integer, points: 2}
questions:
  - {id: q1, title: First, kind: choice, expected: 4}
  - {id: q2, title: Second, kind: choice, expected: 5, points: 3}
  - {id: q3, title: Third, kind: choice, type: yesno, expected: yes}
"""


def test_defaults_fill_what_a_question_leaves_out(tmp_path: Path) -> None:
    q1, q2, q3 = load(tmp_path, DEFAULTS).questions
    assert (q1.type, q1.points) == ("integer", 2)
    assert (q2.type, q2.points) == ("integer", 3)
    assert (q3.type, q3.points, q3.expected) == ("yesno", 2, True)


def test_a_mistake_in_a_default_is_reported_at_its_own_line(tmp_path: Path) -> None:
    text = DEFAULTS.replace("points: 2}", "points: two}")
    assert problems(tmp_path, text) == [
        "rubrics/x.yaml:6: question q1: points must be a positive number, got 'two'",
        "rubrics/x.yaml:6: question q3: points must be a positive number, got 'two'",
    ]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("  chioce: {points: 2}", "rubrics/x.yaml:6: defaults: unknown kind 'chioce'; known kinds: "),
        ("  choice: [points]", "rubrics/x.yaml:6: defaults.choice must be a mapping of question fields"),
        ("  choice: {id: q9}", "rubrics/x.yaml:6: defaults.choice: id cannot be a default"),
    ],
)
def test_a_broken_defaults_section_is_named(tmp_path: Path, section: str, expected: str) -> None:
    text = DEFAULTS.replace("  choice: {type: integer, points: 2}", section)
    found = problems(tmp_path, text)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_the_public_rubric_has_the_defaults_applied_and_their_secrets_removed(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DEFAULTS.replace("points: 2}", "points: 2, accept: [4]}"))
    data = load_yaml(path, 100_000, aliases=True).data
    public = public_rubric_data(data)
    assert "defaults" not in public
    assert [q.get("type") for q in public["questions"]] == ["integer", "integer", "yesno"]
    assert all("accept" not in q for q in public["questions"])


def test_the_schema_admits_defaults_and_x_keys(tmp_path: Path) -> None:
    import json

    import jsonschema
    import yaml

    from autograder.rubric import json_schema

    schema = json.loads(json_schema())
    data = yaml.safe_load(HEADER + "x-note: &n 1\ndefaults: {choice: {points: 2}}\nquestions:\n"
                          "  - {id: q1, title: First, points: 1, kind: choice, type: integer, expected: 4}\n")
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "extra": 1}, schema)
