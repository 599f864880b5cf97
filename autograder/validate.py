"""``autograder validate``: is this rubric fit to ship?

The rubric must load, its files must exist in the reference and the template, its oracles must
import from the reference folder, its time limits must fit Gradescope's, the reference must
score full marks, and the template must score zero with no crash, timeout or grading error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autograder.grading import TIME_RESERVE_S, Options, Report, grade
from autograder.oracles import OracleError, load_oracles
from autograder.mutation import QuestionMutation, mutate
from autograder.mutation import score as mutation_score
from autograder.rubric import Course

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
    for question_id, oracle in load_oracles(course.rubric.questions, course.reference_dir).items():
        if isinstance(oracle, OracleError):
            problems.append(f"question {question_id}: {oracle}")
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


def _reference_problems(report: Report) -> list[str]:
    return [
        f"the reference scores {r.score:g}/{r.question.points:g} on {r.question.id}: {' '.join(r.messages)}"
        for r in report.autograded
        if r.score < r.question.points
    ]


def _template_problems(report: Report) -> list[str]:
    problems = []
    for r in report.results:
        if r.score > 0:
            problems.append(f"the template scores {r.score:g} on {r.question.id}; it must score 0")
        if r.status in {"grading_error", "skipped"} or r.code_status in _CRASHES:
            problems.append(f"the template crashes the grading of {r.question.id}: {' '.join(r.messages)}")
    return problems


def validate(course: Course, device: str | None = None, mutants: int = 0) -> Validation:
    """Lint the rubric, grade the reference and the template, then (``mutants`` > 0) grade up
    to that many mutants of the reference per question: the rubric must catch 95% of them."""
    problems = lint(course)
    reference = template = None
    options = Options(device=device, reference=course.reference_dir)
    if course.reference_dir.is_dir():
        reference = grade(course.rubric, course.reference_dir, options)
        problems += _reference_problems(reference)
    if course.template_dir.is_dir():
        template = grade(course.rubric, course.template_dir, options)
        problems += _template_problems(template)
    for report in (reference, template):
        for r in report.grading_errors if report else []:
            problems.append(f"grading error on {r.question.id}:\n{r.error}")
    mutations: list[QuestionMutation] = []
    if mutants and reference is not None and not problems:
        mutations = mutate(course.rubric, course.reference_dir, options, limit=mutants)
        caught = mutation_score(mutations)
        if caught < MUTATION_TARGET:
            problems.append(
                f"the rubric catches {caught:.0%} of the reference's mutants (target "
                f"{MUTATION_TARGET:.0%}); see the survivors above, and tighten the rubric or list "
                "those that are right answers under mutants_accepted with the reason"
            )
    return Validation(reference=reference, template=template, problems=tuple(problems),
                      mutations=tuple(mutations))
