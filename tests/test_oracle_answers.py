"""Oracle answers remembered (autograder/oracles.py): computed once, stored beside the reference,
believed only when the grader itself wrote them, and the same grades either way."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.bundle import build
from autograder.grading import Options, grade
from autograder.oracles import STORE_DIR, Oracle, OracleError, call_key, load_oracles, remember_answers
from autograder.rubric import Course, open_course

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def course(tmp_path: Path) -> Course:
    """mlp-backprop with its reference copied (the store is written into the copy)."""
    original = open_course("mlp-backprop", [ROOT])
    copied = Course(tmp_path, original.rubric_path, original.rubric)
    shutil.copytree(original.reference_dir, copied.reference_dir, ignore=shutil.ignore_patterns(STORE_DIR))
    shutil.copytree(original.template_dir, copied.template_dir)
    return copied


def _oracles(course: Course) -> list[Oracle]:
    found = load_oracles(course.rubric.questions, course.reference_dir).values()
    return list({id(o): o for o in found if isinstance(o, Oracle)}.values())


def _never_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Oracle) -> None:
        raise AssertionError(f"{self.name} was compiled although its answers were stored")

    monkeypatch.setattr(Oracle, "function", refuse)


def test_answers_are_stored_then_used_without_the_oracle(course: Course, monkeypatch: pytest.MonkeyPatch) -> None:
    options = Options(reference=course.reference_dir)
    first = grade(course.rubric, course.reference_dir, options)
    stores = sorted((course.reference_dir / STORE_DIR).glob("*.npz"))
    assert [p.name.split("-")[0] for p in stores] == ["bce", "mlp", "mse"]
    _never_compiled(monkeypatch)
    second = grade(course.rubric, course.reference_dir, options)
    assert [(r.id, r.score) for r in second.results] == [(r.id, r.score) for r in first.results]
    assert second.score == second.max_score > 0


def test_build_and_validate_store_every_answer_grading_can_ask(course: Course, monkeypatch: pytest.MonkeyPatch) -> None:
    assert remember_answers(course.rubric, course.reference_dir) == []
    _never_compiled(monkeypatch)
    for oracle in _oracles(course):
        assert not oracle.computed_any
    # A wrong submission asks the oracle nothing new either: questions decide what is asked.
    report = grade(course.rubric, course.template_dir, Options(reference=course.reference_dir))
    assert report.score < report.max_score
    assert not any(r.status == "grading_error" for r in report.results)


def test_stores_not_the_graders_own_are_ignored(course: Course) -> None:
    remember_answers(course.rubric, course.reference_dir)
    store = next((course.reference_dir / STORE_DIR).glob("mlp-*.npz"))
    assert _oracles(course)[0]._known  # believed as written
    store.chmod(0o666)  # anybody could have written it
    assert not [o for o in _oracles(course) if o.name == "mlp"][0]._known
    store.chmod(0o644)
    moved = store.with_name("elsewhere.npz")
    store.rename(moved)
    store.symlink_to(moved)  # a link is never followed
    assert not [o for o in _oracles(course) if o.name == "mlp"][0]._known
    store.unlink()
    store.write_bytes(moved.read_bytes()[:500])  # torn: computed again, never an error
    assert not [o for o in _oracles(course) if o.name == "mlp"][0]._known
    if os.geteuid() == 0:
        shutil.chown(moved, "nobody")
        store.unlink()
        moved.rename(store)
        assert not [o for o in _oracles(course) if o.name == "mlp"][0]._known


def test_an_edited_oracle_is_asked_again(course: Course) -> None:
    remember_answers(course.rubric, course.reference_dir)
    oracle_file = course.reference_dir / "oracle.py"
    oracle_file.write_text(oracle_file.read_text() + "\n# edited\n")
    assert all(not o._known for o in _oracles(course))


def test_a_broken_oracle_is_reported_even_with_answers_stored(course: Course) -> None:
    oracle_file = course.reference_dir / "oracle.py"
    oracle_file.write_text("import torch\ndef mlp(:\n")
    problems = remember_answers(course.rubric, course.reference_dir)
    assert problems and all("SyntaxError" in p for p in problems)


def test_call_keys_tell_arguments_apart() -> None:
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    keys = {
        call_key({"x": a}),
        call_key({"x": a.reshape(3, 2)}),
        call_key({"x": a.astype(np.float32)}),
        call_key({"x": a, "f": "relu"}),
        call_key({"x": a, "f": "sigmoid"}),
        call_key({"x": 1}),
        call_key({"x": 1.0}),
        call_key({"x": "1"}),
    }
    assert len(keys) == 8
    assert call_key({"x": a.copy(), "f": "relu"}) == call_key({"f": "relu", "x": a})


def test_the_gradescope_zip_holds_the_current_answers_only(course: Course, tmp_path: Path) -> None:
    stale = course.reference_dir / STORE_DIR
    stale.mkdir()
    (stale / "mlp-000000000000000000000000.npz").write_bytes(b"old")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("setup.sh", "run_autograder", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    built = build(course, tmp_path / "out", project)
    with zipfile.ZipFile(built.autograder_zip) as archive:
        stored = sorted(n.split("/")[-1].split("-")[0] for n in archive.namelist() if f"/{STORE_DIR}/" in n)
    assert stored == ["bce", "mlp", "mse"]


def test_an_oracle_error_is_still_a_grading_error(course: Course) -> None:
    (course.reference_dir / "oracle.py").unlink()
    oracles = load_oracles(course.rubric.questions, course.reference_dir)
    assert oracles and all(isinstance(o, OracleError) for o in oracles.values())


def test_gradescopes_run_reads_answers_but_never_writes_the_course(course: Course) -> None:
    grade(course.rubric, course.reference_dir, Options(reference=course.reference_dir, store_answers=False))
    assert not (course.reference_dir / STORE_DIR).exists()


def _compression_method(data: bytes, method: int) -> bytes:
    """``data`` (a zip) with every member's compression method field set to ``method``."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = patched.find(signature)
        while at != -1:
            patched[at + offset:at + offset + 2] = method.to_bytes(2, "little")
            at = patched.find(signature, at + 4)
    return bytes(patched)


def test_a_damaged_or_expanding_store_is_computed_again_never_a_crash(course: Course) -> None:
    """Only the grader's own files are read, but one damaged on disk (a flipped byte makes
    zipfile raise NotImplementedError or RuntimeError, not BadZipFile) must cost its answers,
    not the run (the store is read before any question's fault boundary); and members that
    expand (np.savez never compresses) could cost far more memory than the file's size."""
    remember_answers(course.rubric, course.reference_dir)
    store = next((course.reference_dir / STORE_DIR).glob("mlp-*.npz"))
    data = store.read_bytes()

    def mlp() -> Oracle:
        return [o for o in _oracles(course) if o.name == "mlp"][0]

    assert mlp()._known
    for method in (99, zipfile.ZIP_DEFLATED):  # unsupported (AES); deflated (a bomb's form)
        store.write_bytes(_compression_method(data, method))
        assert not mlp()._known
    with np.load(io.BytesIO(data)) as archive:
        flat = {name: archive[name] for name in archive.files}
    compressed = io.BytesIO()
    np.savez_compressed(compressed, **flat)
    store.write_bytes(compressed.getvalue())
    assert not mlp()._known
    report = grade(course.rubric, course.reference_dir, Options(reference=course.reference_dir))
    assert report.score == report.max_score > 0  # computed again, and stored again as np.savez does
    assert mlp()._known
