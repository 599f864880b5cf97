"""The commands as students and instructors use them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from tests.conftest import ASSIGNMENT, PROJECT, make_submission


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_check_passes_a_complete_submission_without_grading_it(course: Path, tmp_path: Path) -> None:
    submission = make_submission(tmp_path / "sub", course)
    code, output = invoke("check", str(course / "rubrics" / f"{ASSIGNMENT}.yaml"), str(submission))
    assert code == 0, output
    assert "Everything is in place" in output and "correct" not in output.lower()


def test_check_names_missing_and_malformed_answers_and_fails(course: Path, tmp_path: Path) -> None:
    answers = (course / "reference" / ASSIGNMENT / "answers.yaml").read_text()
    submission = make_submission(
        tmp_path / "sub", course, lenet_py=None, answers_yaml=answers.replace("q4b: B", "q4b: E")
    )
    code, output = invoke("check", str(course / "rubrics" / f"{ASSIGNMENT}.yaml"), str(submission))
    assert code == 1
    assert "lenet.py was not submitted" in output
    assert "answer with one of A, B, C" in output


def test_check_does_not_reveal_wrong_answers(course: Path, tmp_path: Path) -> None:
    answers = (course / "reference" / ASSIGNMENT / "answers.yaml").read_text()
    submission = make_submission(tmp_path / "sub", course, answers_yaml=answers.replace("conv-a: 1600", "conv-a: 17"))
    code, output = invoke("check", str(course / "rubrics" / f"{ASSIGNMENT}.yaml"), str(submission))
    assert code == 0 and "not right" not in output


def test_grade_writes_results_and_prints_the_table(course: Path, tmp_path: Path) -> None:
    answers = (course / "reference" / ASSIGNMENT / "answers.yaml").read_text()
    submission = make_submission(tmp_path / "sub", course, answers_yaml=answers.replace("q4d: yes", "q4d: no"))
    out = tmp_path / "out" / "results.json"
    code, output = invoke("grade", str(course / "rubrics" / f"{ASSIGNMENT}.yaml"), str(submission), "--out", str(out))
    assert code == 0
    assert json.loads(out.read_text())["score"] == 22.0
    assert "Total: 22 / 23" in output


def test_validate_accepts_the_bundled_assignment(course: Path) -> None:
    code, output = invoke("validate", str(course / "rubrics" / f"{ASSIGNMENT}.yaml"))
    assert code == 0, output
    assert "validate: choice-warmup is ready" in output


def test_validate_catches_a_wrong_rubric(course: Path) -> None:
    rubric = course / "rubrics" / f"{ASSIGNMENT}.yaml"
    rubric.write_text(rubric.read_text().replace("expected: 1600", "expected: 1601"))
    (course / "student_template" / ASSIGNMENT / "lenet.py").unlink()
    code, output = invoke("validate", str(rubric))
    assert code == 1
    assert "the reference scores 0/3 on conv-a" in output
    assert "the template lacks lenet.py" in output


def test_validate_catches_time_limits_beyond_gradescope(course: Path) -> None:
    rubric = course / "rubrics" / f"{ASSIGNMENT}.yaml"
    rubric.write_text(rubric.read_text().replace("  device: auto", "  device: auto\n  total_time_limit: 20"))
    code, output = invoke("validate", str(rubric))
    assert code == 1 and "exceeds total_time_limit (20 s)" in output


def test_broken_rubric_is_one_line_and_exit_2(course: Path) -> None:
    rubric = course / "rubrics" / f"{ASSIGNMENT}.yaml"
    rubric.write_text(rubric.read_text().replace("points: 3", "points: three"))
    result = CliRunner().invoke(main, ["validate", str(rubric)])
    assert result.exit_code == 2
    assert result.output.strip().endswith("question conv-a: points must be a positive number, got 'three'")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_unknown_assignment_lists_the_known_ones(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "nope", str(tmp_path)])
    assert result.exit_code == 2 and "no rubric named 'nope'" in result.output and ASSIGNMENT in result.output


def test_assignment_by_name_from_the_course_folder(course: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(course)
    submission = make_submission(tmp_path / "sub", course)
    shutil.rmtree(submission / "__pycache__", ignore_errors=True)
    code, _ = invoke("check", ASSIGNMENT, str(submission))
    assert code == 0


def test_schema_is_json_schema(tmp_path: Path) -> None:
    code, output = invoke("schema")
    assert code == 0
    schema = json.loads(output)
    assert schema["title"] == "Autograder rubric" and "assignment" in schema["properties"]


@pytest.mark.parametrize("name", sorted(p.stem for p in (PROJECT / "rubrics").glob("*.yaml")))
def test_every_bundled_assignment_validates(name: str) -> None:
    from autograder.rubric import open_course
    from autograder.validate import validate

    result = validate(open_course(name, [PROJECT]))
    assert result.ok, result.problems
    assert result.reference is not None and result.reference.score >= result.reference.max_score > 0


def test_grade_and_check_write_network_pictures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    submission = tmp_path / "mine"
    submission.mkdir()
    (submission / "answers.yaml").write_text("q7a: {W1: [[1, 0], [0, 1]], W2: [[1, 1]], b2: 1}\nq7b: nonsense\n")
    code, output = invoke("check", "relu-networks", str(submission))
    assert code == 1  # q7b cannot be read, and most answers are missing
    assert (tmp_path / "autograder-figures" / "q7a.png").read_bytes().startswith(b"\x89PNG")
    assert not (tmp_path / "autograder-figures" / "q7b.png").exists()
    assert "pictures: autograder-figures/q7a.png" in output
    code, output = invoke("grade", "relu-networks", str(submission), "--out", str(tmp_path / "out" / "results.json"))
    assert code == 0
    assert (tmp_path / "out" / "figures" / "q7a.png").read_bytes().startswith(b"\x89PNG")
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["score"] == 0  # b2 = 1 says yes at (0, 0)
