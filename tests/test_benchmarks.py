"""The table of benchmarks/grade_latency.py judges each goal right, on made-up measurements (no
machine timed, no sandbox)."""

from __future__ import annotations

from benchmarks.grade_latency import (
    PSS_GOAL_BYTES, AssignmentFigures, MachineFigures, Split, Timing, goals_summary, render_markdown,
    render_text, table_rows,
)

MIB = 2**20
FLOOR = MachineFigures(bare=Timing(0.03, 0), floor=Timing(2.0, 300 * MIB), startup=Timing(0.5, 60 * MIB),
                       task_cold_s=1.4, task_warm_s=0.03)


def test_each_goal_is_met_at_its_limit_and_missed_beyond() -> None:
    at_limit = AssignmentFigures("a", 10, grade=Timing(3.0, PSS_GOAL_BYTES), check=Timing(3.0, 0),
                                 validate=Timing(30.0, 0), split=Split(1.0, 2, 1.5))
    beyond = AssignmentFigures("b", 5, grade=Timing(3.02, PSS_GOAL_BYTES + MIB), check=Timing(1.0, 0),
                               validate=Timing(30.5, 0))
    rows = table_rows(FLOOR, [at_limit, beyond])
    by_label = {r.label: r for r in rows}
    pss_a, pss_b = [r for r in rows if r.label == "peak PSS of the whole process tree (grade)"]
    grade_a = by_label["a: `autograder grade` reference (10 questions)"]
    assert grade_a.ratio == 1.5 and grade_a.met and grade_a.goal == "≤ 1.5× floor"  # 3.0 s on a 2.0 s floor
    assert pss_a.met and pss_a.value == "600 MiB" and pss_a.goal == "≤ 600 MiB"
    assert by_label["a: `autograder check` reference folder (the student's loop)"].met
    assert by_label["a: `autograder validate`"].met and by_label["a: `autograder validate`"].value == "30.0 s"
    assert not by_label["b: `autograder grade` reference (5 questions)"].met  # 1.51× floor
    assert by_label["b: `autograder check` reference folder (the student's loop)"].ratio == 0.5
    assert not by_label["b: `autograder validate`"].met
    assert pss_b.met is False and pss_b.value == "601 MiB"
    # No goal on the floor's own rows nor on the in-process split.
    assert all(r.met is None for r in rows[:6]) and all(r.met is None for r in rows if r.label.startswith("in-process"))
    assert goals_summary(rows).startswith("goals met: 5 of 8; missed: b: `autograder grade`")


def test_what_was_not_measured_is_not_judged() -> None:
    quick = AssignmentFigures("q", 1, grade=Timing(1.0, 0), check=Timing(1.0, 0))  # never sampled, no validate
    rows = table_rows(MachineFigures(Timing(0.03, 0), Timing(2.0, 0)), [quick])
    assert not any("validate" in r.label or "in-process" in r.label or "sandboxed" in r.label for r in rows)
    pss = next(r for r in rows if r.label.startswith("peak PSS of the whole"))
    assert pss.value == "not sampled" and pss.met is None
    assert goals_summary(rows) == "goals met: 2 of 2"


def test_text_and_markdown_show_the_same_goal_column() -> None:
    figures = AssignmentFigures("a", 10, grade=Timing(4.0, 400 * MIB), check=Timing(2.5, 0), validate=Timing(12.0, 0))
    rows = table_rows(FLOOR, [figures])
    text = render_text(rows, "heading").splitlines()
    assert text[0] == "heading" and text[1].split() == ["what", "measured", "×", "floor", "goal", "met"]
    grade_line = next(line for line in text if "`autograder grade`" in line)
    assert grade_line.split()[-5:] == ["2.00", "≤", "1.5×", "floor", "no"]
    assert text[-1] == goals_summary(rows)
    markdown = render_markdown(rows, "heading").splitlines()
    assert markdown[2] == "| what | measured | × floor | goal | met |"
    table = [line for line in markdown if line.startswith("| ")][1:]
    assert len(table) == len(rows) and all(line.count(" | ") == 4 for line in table)
    assert "| a: `autograder grade` reference (10 questions) | 4000 ms | 2.00 | ≤ 1.5× floor | no |" in table
    assert "| ↳ peak PSS of the whole process tree (grade) | 400 MiB |  | ≤ 600 MiB | yes |" in table
    assert "| a: `autograder validate` | 12.0 s |  | ≤ 30 s | yes |" in table


def test_an_assignment_whose_code_imports_more_is_also_shown_against_that_floor() -> None:
    trains = AssignmentFigures("t", 3, grade=Timing(3.2, 0), check=Timing(2.0, 0),
                               own_floor=("torch, torch._dynamo", Timing(2.5, 0)))
    rows = table_rows(FLOOR, [trains])
    own = next(r for r in rows if "floor of what its code imports" in r.label)
    assert own.value == "1.28×" and own.met is None and own.sub
    assert "import torch, torch._dynamo: 2500 ms" in own.label
    grade = next(r for r in rows if "`autograder grade`" in r.label)
    assert grade.met is False  # the goal stays judged against the plain floor
