"""``autograder validate``: is this rubric fit to ship?

The rubric must load, its files must exist in the reference and the template, its oracles must
import from the reference folder, its time limits must fit Gradescope's, the reference must
score full marks, and the template must score zero with no crash, timeout or grading error.
"""

from __future__ import annotations

import re
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from autograder.executors import Executor, Serial, Submitted, WorkerSpec
from autograder.grading import TIME_RESERVE_S, Options
from autograder.oracles import remember_answers
from autograder.mutation import QuestionMutation, mutate
from autograder.mutation import score as mutation_score
from autograder.outcomes import Report
from autograder.rubric import Course, Rubric

_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")
_CRASHES = {"timeout", "crashed", "bad_reply"}


MUTATION_TARGET = 0.95


@dataclass(frozen=True)
class Validation:
    """The two grading reports, the mutation results (when run) and every problem found."""

    reference: Report | None
    template: Report | None
    problems: tuple[str, ...]
    mutations: tuple[QuestionMutation, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the rubric is fit to ship."""
        return not self.problems


def lint(course: Course) -> list[str]:
    """Problems visible without grading anything."""
    problems = []
    assignment = course.rubric.assignment
    for label, folder in (("reference", course.reference_dir), ("template", course.template_dir)):
        if not folder.is_dir():
            problems.append(f"the {label} folder {folder} is missing")
            continue
        for name in assignment.files:
            if not (folder / name).is_file():
                problems.append(f"the {label} lacks {name}, which students must submit")
    for name in assignment.files:
        if name.endswith(".py") and not _MODULE_NAME.match(name):
            problems.append(f"{name} cannot be imported as a Python module; rename it")
    problems += remember_answers(course.rubric, course.reference_dir)
    problems += _kind_lint(course.rubric)
    code_time = sum(
        q.time_limit or assignment.time_limit
        for q in course.rubric.questions
        if q.runs_code(assignment.answers_file)
    )
    if code_time + TIME_RESERVE_S > assignment.total_time_limit:
        problems.append(
            f"the questions' time limits add up to {code_time:g} s, which with {TIME_RESERVE_S:g} s "
            f"of overhead exceeds total_time_limit ({assignment.total_time_limit:g} s): "
            "a slow submission would lose questions at the end"
        )
    return problems


def _kind_lint(rubric: Rubric) -> list[str]:
    """What each question's kind finds wrong in its rubric (feedback that gives the answer away)."""
    problems = []
    for question in rubric.questions:
        kind = rubric.kinds[question.kind]
        if kind.lint is not None:
            problems += [f"question {question.id}: {problem}" for problem in kind.lint(question)]
    return problems


def _reference_problems(rubric: Rubric, report: Report) -> list[str]:
    points = {q.id: q.points for q in rubric.questions}
    return [
        f"the reference scores {r.score:g}/{points[r.id]:g} on {r.id}: {' '.join(r.messages)}"
        for r in report.autograded
        if r.score < points[r.id]
    ]


def _template_problems(report: Report) -> list[str]:
    problems = []
    for r in report.results:
        if r.score > 0:
            problems.append(f"the template scores {r.score:g} on {r.id}; it must score 0")
        if r.status in {"grading_error", "skipped"} or r.code_status in _CRASHES:
            problems.append(f"the template crashes the grading of {r.id}: {' '.join(r.messages)}")
    return problems


def _grade(executor: Executor, label: str, folder: Path) -> Report:
    """One folder graded on the whole rubric."""
    (report,) = executor.grade([Submitted(label, folder)], None)
    return report


def validate(course: Course, device: str | None = None, mutants: int = 0) -> Validation:
    """Lint the rubric, grade the reference and the template, then (``mutants`` > 0) grade up
    to that many mutants of the reference per question: the rubric must catch 95% of them.

    All of it is graded in this process by one executor, whose warm sandbox serves the
    reference, the template and every mutant (on two cores, one sandbox at a time is fastest).
    """
    problems = lint(course)
    reference = template = None
    options = Options(device=device, reference=course.reference_dir)
    mutations: list[QuestionMutation] = []
    with closing(Serial(WorkerSpec.for_rubric(course.rubric_path, course.rubric, options))) as executor:
        if course.reference_dir.is_dir():
            reference = _grade(executor, "reference", course.reference_dir)
            problems += _reference_problems(course.rubric, reference)
        if course.template_dir.is_dir():
            template = _grade(executor, "template", course.template_dir)
            problems += _template_problems(template)
        for report in (reference, template):
            for r in report.grading_errors if report else []:
                problems.append(f"grading error on {r.id}:\n{r.error}")
        if mutants and reference is not None and not problems:
            mutations = mutate(course.rubric, course.reference_dir, executor, limit=mutants)
    if mutations:
        caught = mutation_score(mutations)
        if caught < MUTATION_TARGET:
            problems.append(
                f"the rubric catches {caught:.0%} of the reference's mutants (target "
                f"{MUTATION_TARGET:.0%}); see the survivors above, and tighten the rubric or list "
                "those that are right answers under mutants_accepted with the reason"
            )
    return Validation(reference=reference, template=template, problems=tuple(problems),
                      mutations=tuple(mutations))
