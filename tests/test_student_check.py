"""The student's loop with the student bundle alone: the line written in each template works
from the assignment's folder, the folder checked is named, and feedback is never cut."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from rich.console import Console

from autograder.bundle import build
from autograder.cli import submission_folder
from autograder.outcomes import QuestionResult, Report
from autograder.report.table import print_report
from autograder.rubric import load_rubric, open_course
from tests.conftest import PROJECT

ASSIGNMENTS = sorted(p.stem for p in (PROJECT / "rubrics").glob("*.yaml"))


def _template_line(folder: Path) -> list[str]:
    """The command a template tells students to run, as written in its answers file."""
    text = (folder / "answers.yaml").read_text()
    found = re.search(r"Check before you submit:\s+(autograder check \S+ \S+)", text)
    assert found, f"{folder}/answers.yaml names no check line"
    return found.group(1).split()


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if (PROJECT / "student_template" / a / "answers.yaml").exists()])
def test_the_template_line_works_in_the_unpacked_bundle(tmp_path: Path, assignment: str) -> None:
    course = open_course(assignment, [PROJECT])
    bundle = tmp_path / "bundle"
    with zipfile.ZipFile(build(course, tmp_path / "dist", PROJECT).student_zip) as opened:
        opened.extractall(bundle)
    folder = bundle / assignment
    command = _template_line(folder)
    # The bundle's own package, as its setup.sh installs it, run where the student is.
    env = {**os.environ, "PYTHONPATH": str(bundle)}
    env.pop("AUTOGRADER_COURSE", None)
    done = subprocess.run([sys.executable, "-m", *command], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 1, done.stdout + done.stderr  # found and checked: the blanks need work
    assert "Checking .: it holds" in done.stdout
    assert "need attention before you submit" in done.stdout


def test_the_folder_checked_is_named_with_why(tmp_path: Path) -> None:
    files = ["answers.yaml", "mlp.py"]
    inside = tmp_path / "mlp-backprop"
    inside.mkdir()
    (inside / "answers.yaml").write_text("")
    assert submission_folder(inside, files, "mlp-backprop") == (inside, "it holds answers.yaml")
    folder, why = submission_folder(tmp_path, files, "mlp-backprop")
    assert folder == inside
    assert why == f"{tmp_path} holds none of answers.yaml, mlp.py, and mlp-backprop/ inside it holds answers.yaml"
    other = tmp_path / "old"
    other.mkdir()
    (other / "mlp.ipynb").write_text("{}")
    assert submission_folder(tmp_path, files, "mlp-backprop")[0] == inside  # the assignment's name wins
    (inside / "answers.yaml").unlink()
    assert submission_folder(tmp_path, files, "mlp-backprop")[0] == other  # the only one left
    (tmp_path / "older").mkdir()
    (tmp_path / "older" / "mlp.py").write_text("")
    assert submission_folder(tmp_path, files, "mlp-backprop") == (
        tmp_path, "it holds none of answers.yaml, mlp.py; old/, older/ inside it hold some: name one")


def test_the_table_wraps_feedback_and_never_cuts_it() -> None:
    rubric = load_rubric(PROJECT / "rubrics" / "choice-warmup.yaml")
    question = rubric.questions[0]
    long = "The words of this feedback go on and on, " * 8 + "and the last word is ZEBRA."
    report = Report(results=(QuestionResult.of(question, 0.0, "graded", (long,)),), seconds=0.1, mode="grade")
    console = Console(width=70, record=True, color_system=None)
    print_report(rubric, report, console)
    text = console.export_text()
    assert "ZEBRA" in text and "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 70
    flat = " ".join("".join(cell for cell in line.split("│")[-2:-1]).strip() for line in text.splitlines())
    assert " ".join(long.split()) in " ".join(flat.split())
