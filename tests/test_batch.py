"""Regrades at scale: a warm pool and Dask give the scores of one-by-one grading; resume; CSVs."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.executors import DaskCluster, DaskUnavailable, LocalPool, Serial, WorkerSpec, make_executor
from autograder.grading import Options, grade
from autograder.regrade import find_submissions
from autograder.report.results import gradescope_results
from autograder.rubric import open_course
from benchmarks.generate_submissions import generate

PROJECT = Path(__file__).resolve().parent.parent
COUNT = 6


@pytest.fixture(scope="module")
def course():  # type: ignore[no-untyped-def]
    return open_course("mlp-backprop", [PROJECT])


@pytest.fixture(scope="module")
def generated(course, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("generated")
    folder.chmod(0o755)
    return generate(course, COUNT, folder, seed=3)


@pytest.fixture(scope="module")
def one_by_one(course, generated: list[Path]) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """Each submission graded alone, as Gradescope does (its own sandbox, nothing shared)."""
    options = Options(reference=course.reference_dir)
    return {path.name: _without_times(gradescope_results(course.rubric, grade(course.rubric, path, options)))
            for path in generated}


def _without_times(results: dict) -> dict:
    results = dict(results)
    results.pop("execution_time", None)
    return results


def _regrade(course, generated: list[Path], out: Path, *extra: str) -> str:  # type: ignore[no-untyped-def]
    outcome = CliRunner().invoke(
        main, ["grade", str(course.rubric_path), *map(str, generated), "--out", str(out), *extra],
        catch_exceptions=False,
    )
    assert outcome.exit_code == 0, outcome.output
    return outcome.output


def _results(out: Path, labels: list[str]) -> dict[str, dict]:
    return {label: _without_times(json.loads((out / label / "results.json").read_text())) for label in labels}


def test_the_generated_submissions_differ(one_by_one: dict[str, dict]) -> None:
    scores = [r["score"] for r in one_by_one.values()]
    assert len(set(scores)) >= 3 and max(scores) <= 65


def test_a_warm_pool_gives_the_scores_of_one_by_one_grading(
    course, generated: list[Path], one_by_one: dict[str, dict], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    output = _regrade(course, generated, tmp_path / "out", "--workers", "2")
    assert f"{COUNT} graded, 0 already graded" in output
    assert _results(tmp_path / "out", list(one_by_one)) == one_by_one
    rows = list(csv.DictReader((tmp_path / "out" / "scores.csv").open()))
    assert [float(r["total"]) for r in rows] == [one_by_one[r["submission"]]["score"] for r in rows]
    per_question = list(csv.DictReader((tmp_path / "out" / "questions" / "mlp-backward.csv").open()))
    assert [r["submission"] for r in per_question] == sorted(one_by_one)
    assert {r["status"] for r in per_question} <= {"graded", "problem"}


def test_a_regrade_resumes_and_force_regrades(course, generated: list[Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    _regrade(course, generated[:3], out)
    first = (out / generated[0].name / "results.json").read_text()
    shutil.rmtree(out / generated[1].name)
    output = _regrade(course, generated[:3], out)
    assert "1 graded, 2 already graded" in output
    assert (out / generated[0].name / "results.json").read_text() == first  # not rewritten
    assert "3 graded, 0 already graded" in _regrade(course, generated[:3], out, "--force")


def test_dask_gives_the_same_scores(
    course, generated: list[Path], one_by_one: dict[str, dict], tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    pytest.importorskip("distributed")
    labels = [p.name for p in generated[:3]]
    _regrade(course, generated[:3], tmp_path / "out", "--executor", "dask", "--workers", "2")
    assert _results(tmp_path / "out", labels) == {label: one_by_one[label] for label in labels}


def test_dask_refuses_gpu_work_without_a_gpu_worker(course, generated: list[Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("distributed")
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the local workers declare it")
    spec = WorkerSpec.for_rubric(course.rubric_path, course.rubric, Options(device="cuda", reference=course.reference_dir))
    assert spec.needs_gpu and not WorkerSpec.for_rubric(course.rubric_path, course.rubric, Options()).needs_gpu
    with pytest.raises(DaskUnavailable, match="needs a GPU, and no Dask worker declares one"):
        list(DaskCluster(spec, 1).grade(find_submissions(generated[:1]), tmp_path))


def test_local_workers_share_the_cores(course) -> None:  # type: ignore[no-untyped-def]
    spec = WorkerSpec.for_rubric(course.rubric_path, course.rubric, Options())
    pool = make_executor("local", spec, 2)
    assert isinstance(pool, LocalPool) and pool.spec.threads == max(1, (os.cpu_count() or 1) // 2)
    serial = make_executor("local", spec, 1)
    assert isinstance(serial, Serial) and serial.spec.threads is None  # one submission at a time: torch's default
    remote = make_executor("dask", spec, 4, "tcp://127.0.0.1:8786")
    assert isinstance(remote, DaskCluster) and remote.spec.threads is None  # the cluster's workers decide
