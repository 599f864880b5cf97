"""Finding the student's files and reading answers.yaml: broken input gets a clear message."""

from __future__ import annotations

import os
from pathlib import Path

from autograder.submission import open_submission, read_answers

FILES = ["answers.yaml", "model.py"]


def test_symlinks_and_folders_are_refused(tmp_path: Path) -> None:
    (tmp_path / "answers.yaml").symlink_to("/etc/passwd")
    (tmp_path / "model.py").mkdir()
    submission = open_submission(tmp_path, FILES)
    assert submission.present == {}
    assert submission.problem("answers.yaml") == "answers.yaml is a symbolic link; submit the file itself"
    assert submission.problem("model.py") == "model.py is not a regular file"


def test_most_complete_nested_folder_wins(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "answers.yaml").write_text("q: 1\n")
    (tmp_path / "b" / "c").mkdir(parents=True)
    for name in FILES:
        (tmp_path / "b" / "c" / name).write_text("q: 1\n")
    (tmp_path / "__MACOSX").mkdir()
    submission = open_submission(tmp_path, FILES)
    assert submission.base == tmp_path / "b" / "c" and set(submission.present) == set(FILES)


def answers(tmp_path: Path, content: bytes) -> tuple[object, str | None]:
    (tmp_path / "answers.yaml").write_bytes(content)
    result = read_answers(open_submission(tmp_path, ["answers.yaml"]), "answers.yaml")
    return result.data, result.problem


def test_answers_yaml_problems(tmp_path: Path) -> None:
    assert answers(tmp_path, b"") == ({}, None)
    assert answers(tmp_path, b"q1: 3\n2: x\n") == ({"q1": 3, "2": "x"}, None)
    assert answers(tmp_path, b"- 1\n") == (None, "answers.yaml: expected 'question-id: answer' lines, one per question")
    assert answers(tmp_path, b"q1: 3\nq2: \xff\xfe\n") == (None, "answers.yaml:2: not UTF-8 text")
    assert answers(tmp_path, b"q1: !!python/name:os.system\n")[1] == (
        "answers.yaml:1: not valid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/name:os.system'"
    )
    bomb = b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    assert answers(tmp_path, bomb) == (None, "answers.yaml:2: not valid YAML: aliases (*name) are not allowed")
    big = b"q: '" + b"x" * 2_000_000 + b"'\n"
    assert answers(tmp_path, big) == (None, f"answers.yaml: file is {len(big)} bytes; the limit is 1000000")


def test_missing_folder(tmp_path: Path) -> None:
    submission = open_submission(tmp_path / "nope", FILES)
    assert submission.problem("model.py") == f"{tmp_path / 'nope'} is not a folder"
    assert os.path.exists(tmp_path)
