"""Shared fixtures: a Gradescope-like copy of the bundled course, submissions, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner, Result

from autograder.cli import main

PROJECT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "choice-warmup"
TEST_TIME_LIMIT = 8

requires_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="needs the grader to run as root with a dedicated sandbox user"
)


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory every user may traverse and read, like /autograder on Gradescope.

    pytest's own tmp_path sits under a private directory, which would hide the course from the
    sandbox user by accident; secrecy tests need the grader's own protection to be what works.
    """
    path = Path(tempfile.mkdtemp(prefix="autograder-test-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def course(open_dir: Path) -> Path:
    """/autograder/source: the bundled assignment, with a short time limit for fast tests."""
    source = open_dir / "source"
    for part in ("reference", "student_template"):
        shutil.copytree(PROJECT / part / ASSIGNMENT, source / part / ASSIGNMENT)
    (source / "rubrics").mkdir(parents=True)
    text = (PROJECT / "rubrics" / f"{ASSIGNMENT}.yaml").read_text()
    assert "time_limit: 60" in text
    text = text.replace("time_limit: 60", f"time_limit: {TEST_TIME_LIMIT}")
    (source / "rubrics" / f"{ASSIGNMENT}.yaml").write_text(text)
    for directory, _, files in os.walk(source):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    return source


def make_submission(where: Path, course: Path, **files: str | None) -> Path:
    """The reference submission with some files replaced (text) or removed (None)."""
    shutil.copytree(course / "reference" / ASSIGNMENT, where)
    for name, text in files.items():
        name = name.replace("_yaml", ".yaml").replace("_py", ".py")
        if text is None:
            (where / name).unlink()
        else:
            (where / name).write_text(text)
    return where


def run_gradescope(course: Path, submission: Path, results: Path) -> tuple[Result, dict[str, Any]]:
    """`autograder run` as Gradescope calls it; returns the CLI result and results.json."""
    result = CliRunner().invoke(
        main,
        ["run", "--source", str(course), "--submission", str(submission), "--results", str(results)],
        catch_exceptions=False,
    )
    return result, json.loads(results.read_text())
