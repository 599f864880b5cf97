"""`autograder build`: the Gradescope zip runs end to end; the student bundle keeps no secret."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal, get_args

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel, Field

from autograder.bundle import build, public_rubric_data, public_rubric_text
from autograder.cli import main
from autograder.kinds import KINDS, Kind
from autograder.kinds.base import Secret, secrets_of
from autograder.kinds.choice import PLACEHOLDER_EXPECTED
from autograder.kinds.expression.kind import PLACEHOLDER_MATH
from autograder.rubric import open_course, rubric_model
from autograder.rubric_models import QuestionBase, StrictModel
from benchmarks.gradescope_like import unpack

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = ["backprop-basics", "relu-networks", "mlp-backprop", "perceptron-weights", "derivatives-convnets"]
SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())


def gradescope_run(root: Path, submission: Path) -> dict[str, Any]:
    """Put a submission into ROOT/submission and run ROOT/source/run_autograder as Gradescope does."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.copytree(submission, root / "submission")
    (root / "results").mkdir(exist_ok=True)
    completed = subprocess.run(
        [str(root / "source" / "run_autograder")],
        env={**os.environ, "AUTOGRADER_ROOT": str(root)}, capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return results


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    out = tmp_path_factory.mktemp("dist")
    result = {}
    for name in SEEDS:
        course = open_course(name, [PROJECT])
        bundles = build(course, out, PROJECT)
        result[name] = (bundles.autograder_zip, bundles.student_zip)
    return result


@pytest.mark.parametrize("name", SEEDS)
def test_the_autograder_zip_grades_the_reference_in_a_gradescope_layout(
    name: str, built: dict[str, tuple[Path, Path]], open_dir: Path
) -> None:
    autograder_zip, _ = built[name]
    with zipfile.ZipFile(autograder_zip) as opened:
        names = set(opened.namelist())
    assert {"setup.sh", "run_autograder", "pyproject.toml", f"rubrics/{name}.yaml"} <= names
    assert "autograder/sandbox/runner.py" in names and f"reference/{name}/" not in names
    assert any(n.startswith(f"reference/{name}/") for n in names)
    unpack(autograder_zip, open_dir / "source")
    assert os.access(open_dir / "source" / "run_autograder", os.X_OK)
    # setup.sh would build this environment on Gradescope; the tests' own one stands in.
    (open_dir / "source" / ".venv").symlink_to(PROJECT / ".venv")
    course = open_course(name, [PROJECT])
    results = gradescope_run(open_dir, PROJECT / "reference" / name)
    autograded = [q for q in course.rubric.questions if not q.graded_by_hand()]
    assert len(results["tests"]) == len(autograded)
    assert results["score"] == pytest.approx(sum(q.points for q in autograded))
    assert all(t["score"] == t["max_score"] for t in results["tests"] if t["max_score"])
    assert "Graded by hand by your instructor" in results["output"]


def test_the_autograder_zip_gives_the_template_zero_and_writes_results_for_junk(
    built: dict[str, tuple[Path, Path]], open_dir: Path
) -> None:
    unpack(built["mlp-backprop"][0], open_dir / "source")
    (open_dir / "source" / ".venv").symlink_to(PROJECT / ".venv")
    template = gradescope_run(open_dir, PROJECT / "student_template" / "mlp-backprop")
    assert template["score"] == 0 and len(template["tests"]) == 9
    junk = open_dir / "junk"
    junk.mkdir()
    (junk / "mlp.py").write_bytes(b"\xff\xfe not python")
    results = gradescope_run(open_dir, junk)
    assert results["score"] == 0 and "answers.yaml was not submitted" in results["output"]


def _secret_strings(rubric_data: dict[str, Any]) -> set[str]:
    """Answers and mistake texts of the real rubric that are distinctive enough to search for."""
    found: set[str] = set()

    def visit(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                visit(v, k)
        elif isinstance(node, list):
            for item in node:
                visit(item, key)
        elif key in {"expected", "accept", "answer", "feedback"} and isinstance(node, str):
            text = node.strip()
            if len(text) >= 5 and text not in {str(v) for v in PLACEHOLDER_EXPECTED.values()}:
                found.add(text)

    for question in rubric_data["questions"]:
        visit({k: v for k, v in question.items() if k in {"expected", "accept", "mistakes", "parts"}})
    # No secret: an answer that a question's statement spells out (sign(x) in Q1(f)), or that is
    # just the name of a given quantity (∂L/∂h^a as ∂L/∂b1).
    titles = " ".join(question["title"] for question in rubric_data["questions"])
    names = {str(name) for block in [*rubric_data["questions"], *(rubric_data.get("contexts") or {}).values()]
             for name in (block.get("symbols") or [])}
    return {text for text in found if text not in titles and text not in names}


@pytest.mark.parametrize("name", SEEDS + ["choice-warmup"])
def test_the_student_bundle_holds_no_answer_mistake_or_reference(
    name: str, tmp_path: Path
) -> None:
    course = open_course(name, [PROJECT])
    student_zip = build(course, tmp_path, PROJECT).student_zip
    with zipfile.ZipFile(student_zip) as opened:
        contents = {n: opened.read(n) for n in opened.namelist()}
    assert not any(n.startswith(("reference/", "run_autograder")) for n in contents)
    assert not any(n.endswith("oracle.py") for n in contents if not n.startswith("autograder/"))
    template_files = {p.relative_to(course.template_dir).as_posix() for p in course.template_dir.rglob("*") if p.is_file()}
    assert {n.split("/", 1)[1] for n in contents if n.startswith(f"{name}/")} == template_files
    reference_texts = {p.read_bytes() for p in course.reference_dir.rglob("*") if p.is_file()}
    template_texts = {p.read_bytes() for p in course.template_dir.rglob("*") if p.is_file()}
    assert not (set(contents.values()) & (reference_texts - template_texts))
    public = yaml.safe_load(contents[f"rubrics/{name}.yaml"])
    real = yaml.safe_load(course.rubric_path.read_text())
    hidden = {q["id"] for q in real["questions"] if q.get("visibility", "visible") != "visible"}
    assert not hidden & {q["id"] for q in public["questions"]}
    # The package is the same public code in every bundle; its docstrings' examples are generic.
    text = "\n".join(d.decode("utf-8", "replace") for n, d in contents.items() if not n.startswith("autograder/"))
    for secret in _secret_strings(real):
        assert secret not in text, f"{secret!r} is in the student bundle"
    for context in (public.get("contexts") or {}).values():
        assert "define" not in context
        assert all(v == "1" for edges in (context.get("graph") or {}).values() for v in edges.values())


def test_public_rubric_replaces_answers_by_the_same_placeholder_everywhere() -> None:
    data = {
        "questions": [
            {"id": "a", "kind": "choice", "type": "yesno", "expected": "yes", "mistakes": [{"answer": "no"}]},
            {"id": "b", "kind": "expression", "parts": [{"name": "p", "expected": "W x", "accept": ["x W"]}]},
            {"id": "c", "kind": "choice", "type": "option", "options": {"A": "x", "B": "y"}, "expected": "B"},
            {"id": "d", "kind": "network", "possible": False, "visibility": "after_due_date"},
            {"id": "e", "kind": "network", "possible": False},
        ],
        "contexts": {"g": {"define": {"y": "W x"}, "graph": {"h": {"x": "w f'"}}}},
    }
    public = public_rubric_data(data)
    assert [q["id"] for q in public["questions"]] == ["a", "b", "c", "e"]
    assert public["questions"][0] == {"id": "a", "kind": "choice", "type": "yesno", "expected": "no"}
    assert public["questions"][1]["parts"] == [{"name": "p", "expected": PLACEHOLDER_MATH}]
    assert public["questions"][2]["expected"] == "A"
    assert "possible" not in public["questions"][3]
    assert public["contexts"] == {"g": {"graph": {"h": {"x": "1"}}}}
    assert data["questions"][0]["expected"] == "yes"  # the rubric itself is untouched


def test_a_student_checks_with_the_bundle_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    course = open_course("perceptron-weights", [PROJECT])
    student_zip = build(course, tmp_path / "dist", PROJECT).student_zip
    bundle = tmp_path / "bundle"
    unpack(student_zip, bundle)
    monkeypatch.chdir(bundle)
    runner = CliRunner()
    untouched = runner.invoke(main, ["check", "perceptron-weights", "perceptron-weights"])
    assert untouched.exit_code == 1, untouched.output
    assert "need attention before you submit" in untouched.output
    for path in course.reference_dir.glob("*"):
        if path.is_file() and path.name != "oracle.py":
            shutil.copy(path, bundle / "perceptron-weights" / path.name)
    done = runner.invoke(main, ["check", "perceptron-weights", "perceptron-weights"])
    assert done.exit_code == 0, done.output
    assert "Everything is in place" in done.output


def test_build_command_prints_the_outline(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "backprop-basics", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "backprop-basics" / "autograder.zip").is_file()
    assert "Autograder (programming assignment): 22 points" in result.output
    assert "8  Programming H4P2T2 (CNN)  (50)" in result.output


# --- secrets are what the kinds mark, wherever they are ------------------------------------------

def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _models_in(arg)


def _secrets_in(data: Any, model: type[BaseModel], where: str) -> Iterator[tuple[str, Secret, Any, dict[str, Any]]]:
    """(path, its mark, value, the mapping it is in) of every field marked secret in raw data read
    as ``model``, in nested models too (read generously: a mapping as the model and as a mapping
    of models, a list as a list of them)."""
    if not isinstance(data, dict):
        return
    marked = secrets_of(model)
    for name, value in data.items():
        if name in marked:
            yield f"{where}.{name}", marked[name], value, data
        elif name in model.model_fields:
            for inner in _models_in(model.model_fields[name].annotation):
                items = [value, *value.values()] if isinstance(value, dict) else value if isinstance(value, list) else []
                for index, item in enumerate(items):
                    yield from _secrets_in(item, inner, f"{where}.{name}[{index}]")


def _rubric_secrets(data: dict[str, Any]) -> Iterator[tuple[str, Secret, Any, dict[str, Any]]]:
    yield from _secrets_in({k: v for k, v in data.items() if k != "questions"}, rubric_model(KINDS), "rubric")
    for question in data["questions"]:
        yield from _secrets_in(question, KINDS[question["kind"]].model, f"question {question['id']}")


@pytest.mark.parametrize("path", sorted((PROJECT / "rubrics").glob("*.yaml")), ids=lambda p: p.stem)
def test_no_field_a_kind_marks_secret_reaches_the_public_rubric(path: Path) -> None:
    course = open_course(path.stem, [PROJECT])
    public = yaml.safe_load(public_rubric_text(course))
    for where, secret, value, mapping in _rubric_secrets(public):
        assert secret.placeholder is not None, f"{where} is in the public rubric"
        assert secret.placeholder(value, mapping) == value, f"{where} is not its placeholder"
    real = yaml.safe_load(path.read_text())
    assert [where for where, *_ in _rubric_secrets(real)], "this rubric has no secret to keep"


def test_the_bundled_rubrics_exercise_every_secret_the_kinds_mark() -> None:
    """So that the test above proves something for each of them."""
    marked = {(kind.name, name) for kind in KINDS.values() for name in secrets_of(kind.model)}
    assert marked == {("choice", f) for f in ("expected", "accept", "mistakes")} | {
        ("expression", f) for f in ("expected", "accept", "mistakes", "graph", "define")
    } | {("network", "possible"), ("module", "variants")}
    found = set()
    for path in (PROJECT / "rubrics").glob("*.yaml"):
        real = yaml.safe_load(path.read_text())
        kinds = {q["id"]: q["kind"] for q in real["questions"]}
        for where, *_ in _rubric_secrets(real):
            owner = where.split(".")[0].removeprefix("question ")
            found.add((kinds.get(owner, "expression"), where.rsplit(".", 1)[1]))  # contexts: expression's
    # No bundled rubric accepts a second expression; the made-up rubric of
    # test_public_rubric_replaces_answers_by_the_same_placeholder_everywhere does.
    assert marked - found == {("expression", "accept")}


class Hint(StrictModel):
    text: str
    reveals: Annotated[str, Secret(lambda value, where: "?")] = "?"


class Riddle(QuestionBase):
    """A made-up kind with secrets of its own, one in a nested model."""

    kind: Literal["riddle"]
    clue: str
    word: Annotated[str, Secret()] = ""
    hints: list[Hint] = Field(default_factory=list)


RIDDLE = Kind(name="riddle", model=Riddle, grade=lambda q, a: None, precheck=lambda q, a: [])  # type: ignore[arg-type,return-value]


def test_a_new_kinds_secrets_are_stripped_with_no_change_to_the_bundle(tmp_path: Path) -> None:
    rubric = tmp_path / "rubrics" / "riddles.yaml"
    rubric.parent.mkdir()
    rubric.write_text(
        "assignment: {name: riddles, title: Riddles, files: [answers.yaml]}\n"
        "questions:\n"
        "  - {id: r1, title: Sphinx, points: 1, kind: riddle, clue: four legs, word: MAN-7c1e,\n"
        "     hints: [{text: at dawn, reveals: CRAWLS-9d2f}]}\n"
    )
    course = open_course("riddles", [tmp_path], kinds=KINDS.with_kind(RIDDLE))
    text = public_rubric_text(course)  # loads again with the rubric's kinds, or raises
    assert "MAN-7c1e" not in text and "CRAWLS-9d2f" not in text
    question = yaml.safe_load(text)["questions"][0]
    assert "word" not in question and question["clue"] == "four legs"
    assert question["hints"] == [{"text": "at dawn", "reveals": "?"}]
