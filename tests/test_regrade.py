"""Regrading many submissions: plain folders and Gradescope's export layout, with scores.csv."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.outcomes import QuestionResult, Report
from autograder.regrade import RegradeError, find_submissions

ROOT = Path(__file__).resolve().parent.parent
METADATA = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :email: ada@example.edu
    :sid: "0001"
  :created_at: 2026-09-24 23:59:00.000000000 -04:00
submission_102:
  :submitters:
  - :name: Alan Turing
    :email: alan@example.edu
  - :name: Grace Hopper
    :email: grace@example.edu
"""


def export(where: Path) -> Path:
    folder = where / "export"
    shutil.copytree(ROOT / "reference" / "choice-warmup", folder / "submission_101")
    shutil.copytree(ROOT / "student_template" / "choice-warmup", folder / "submission_102")
    (folder / "submission_102" / "answers.yaml").write_text("q4a: 0\nq4b: A\nconv-a: 1600\n")
    (folder / "submission_metadata.yml").write_text(METADATA)
    return folder


def test_an_export_and_a_folder_are_regraded_into_results_and_a_csv(open_dir: Path) -> None:
    folder = export(open_dir)
    single = open_dir / "late"
    shutil.copytree(ROOT / "reference" / "choice-warmup", single)
    (single / "lenet.py").write_text("raise SystemExit(0)\n")
    out = open_dir / "regrade"
    result = CliRunner().invoke(main, ["grade", "choice-warmup", str(folder), str(single), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 graded, 0 already graded" in result.output and (out / "report.html").is_file()
    rows = list(csv.DictReader((out / "scores.csv").open()))
    assert [r["submission"] for r in rows] == ["submission_101", "submission_102", "late"]
    assert rows[0]["names"] == "Ada Lovelace" and rows[0]["sids"] == "0001"
    assert rows[1]["emails"] == "alan@example.edu; grace@example.edu"
    assert [r["total"] for r in rows] == ["23", "4", "22"]
    assert rows[1]["q4a"] == "1" and rows[1]["q4b"] == "0" and rows[1]["conv-a"] == "3"
    assert rows[2]["conv-b-torch"] == "0"
    for row in rows:
        results = json.loads((out / row["submission"] / "results.json").read_text())
        assert results["score"] == float(row["total"])
    # the same score as grading the folder on its own
    alone = CliRunner().invoke(main, ["grade", "choice-warmup", str(single), "--out", str(open_dir / "one.json")])
    assert json.loads((open_dir / "one.json").read_text())["score"] == 22, alone.output


def test_bad_regrade_inputs_are_refused_with_a_reason(open_dir: Path) -> None:
    folder = export(open_dir)
    (folder / "submission_metadata.yml").write_text("a: &x 1\nb: *x\n")
    result = CliRunner().invoke(main, ["grade", "choice-warmup", str(folder), str(open_dir)])
    assert result.exit_code == 2 and "aliases" in result.output
    twice = [open_dir / "a" / "x", open_dir / "b" / "x"]
    for path in twice:
        path.mkdir(parents=True)
    with pytest.raises(RegradeError, match="share the name x"):
        find_submissions(twice)


def test_a_summary_reads_back_as_what_the_csvs_and_the_page_need() -> None:
    report = Report(
        (QuestionResult("a", 1.5, 2.0, "graded", ("Close.\nThe details.",), detail="d", output="o"),
         QuestionResult("b", 0.0, 0.0, "manual", ("By hand.",)),
         QuestionResult("c", 0.0, 1.0, "grading_error", (), error="Traceback")),
        seconds=1.23456, label="s1", names=("Ada",), sids=("1",),
    )
    back = Report.from_summary(json.loads(json.dumps(report.to_summary())))
    assert back.to_summary() == report.to_summary() and back.seconds == 1.235
    assert (back.label, back.names, back.sids, back.score, back.max_score) == ("s1", ("Ada",), ("1",), 1.5, 3.0)
    assert [r.message for r in back.results] == ["Close.", "By hand.", ""]
    assert [r.error for r in back.grading_errors] == ["Traceback"]
