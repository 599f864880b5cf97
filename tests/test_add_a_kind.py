"""docs/ARCHITECTURE.md's walk-through, run as written: a kind is one module, found by looking,
and loads, grades, checks, hides its secrets and makes mutants with no other file changed."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest
import yaml

from autograder.bundle import public_rubric_data
from autograder.grading import Options, grade
from autograder.kinds import KINDS, discover
from autograder.mutation import data_mutants
from autograder.rubric import RubricError, load_rubric
from tests.conftest import PROJECT

DOC = (PROJECT / "docs" / "ARCHITECTURE.md").read_text()


def _block(marker: str) -> str:
    """The fenced block right after ``<!-- add-a-kind:MARKER -->`` in the architecture page."""
    found = re.search(rf"<!-- add-a-kind:{marker} -->\n```\w*\n(.*?)```", DOC, re.S)
    assert found, f"docs/ARCHITECTURE.md has no add-a-kind:{marker} block"
    return found.group(1)


@pytest.fixture
def package(tmp_path: Path) -> Iterator[ModuleType]:
    """A package of kinds holding only the page's module, as autograder/kinds/ would hold it."""
    folder = tmp_path / "course_kinds"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "unordered.py").write_text(_block("module"))
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("course_kinds")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "course_kinds" or n.startswith("course_kinds.")]:
            del sys.modules[name]


@pytest.fixture
def rubric_path(tmp_path: Path) -> Path:
    path = tmp_path / "activations.yaml"
    path.write_text(_block("rubric"))
    return path


def _score(rubric, tmp_path: Path, answer: str, mode: str = "grade"):  # type: ignore[no-untyped-def]
    folder = tmp_path / f"submission-{abs(hash((answer, mode)))}"
    folder.mkdir()
    (folder / "answers.yaml").write_text(f"bounded: {answer}\n")
    return grade(rubric, folder, Options(mode=mode)).results[0]  # type: ignore[arg-type]


def test_the_module_is_found_by_looking(package: ModuleType) -> None:
    found = discover(package)
    assert list(found) == ["unordered"]
    assert found["unordered"].model.__name__ == "UnorderedQuestion"


def test_the_walk_through_kind_loads_grades_and_checks(package: ModuleType, rubric_path: Path,
                                                        tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="unknown kind 'unordered'"):
        load_rubric(rubric_path)
    rubric = load_rubric(rubric_path, kinds=KINDS.with_kind(discover(package)["unordered"]))
    right = _score(rubric, tmp_path, "[tanh, Sigmoid]")
    assert (right.status, right.score, right.messages) == ("graded", 2.0, ("2 of 2 right; 0 that do not belong.",))
    assert _score(rubric, tmp_path, "[tanh]").score == 1.0
    assert _score(rubric, tmp_path, "[tanh, relu]").score == 0.0
    assert _score(rubric, tmp_path, "tanh").messages == ("Write the answer as a list, e.g. [tanh, sigmoid].",)
    checked = _score(rubric, tmp_path, "tanh", mode="check")
    assert (checked.status, checked.messages) == ("problem", ("Write the answer as a list, e.g. [tanh, sigmoid].",))
    assert _score(rubric, tmp_path, "[relu]", mode="check").status == "ok"  # never says it is wrong


def test_the_walk_through_kind_keeps_its_secret_and_makes_mutants(package: ModuleType, rubric_path: Path) -> None:
    kinds = KINDS.with_kind(discover(package)["unordered"])
    data = yaml.safe_load(rubric_path.read_text())
    public = public_rubric_data(data, kinds)
    assert public["questions"][0]["expected"] == ["-"]
    assert "sigmoid" not in yaml.safe_dump(public)
    rubric = load_rubric(rubric_path, kinds=kinds)
    labels = [m.label for m in data_mutants(rubric.question("bounded"), ["sigmoid", "tanh"], kinds)]
    assert labels == ["an item left out", "a wrong item added"]
