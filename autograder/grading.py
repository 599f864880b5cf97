"""Grading one submission: for each question, get the answer, judge it, record the outcome.

Every question is isolated: its answer comes from data or from its own sandboxed process, a
problem with the student's work costs that question only, and a fault in the grader itself
becomes a result marked as a grading error instead of an exception.
"""

from __future__ import annotations

import time
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder.imports import course_modules, missing_import_notes, missing_module_problem, submission_imports
from autograder.kinds.base import CodeAnswer, Figure
from autograder.oracles import Oracle, OracleError, load_oracles, save_answers
from autograder.notebooks import with_notebooks
from autograder.outcomes import Mode, QuestionResult, Report, Status
from autograder.rubric import Rubric
from autograder.sandbox import (
    Limits,
    Sandbox,
    SandboxSetupError,
    resolve_device,
    sandbox_user,
)
from autograder.seeds import question_seed
from autograder.rubric_models import QuestionBase
from autograder.submission import Answers, Submission, open_submission, read_answers

# Reserved for start-up and writing results, out of Gradescope's total time.
TIME_RESERVE_S = 20.0


@dataclass(frozen=True)
class Options:
    """How to grade: ``check`` judges form only, on questions students can already see.

    Plain configuration: the sandbox that runs the code is not an option but is given to
    :func:`grade` beside it (a warm worker's, or else one opened for the run).
    """

    mode: Mode = "grade"
    device: str | None = None
    reference: Path | None = None  # the reference folder, where questions' oracles live
    # Whether oracle answers computed in this run are stored beside the reference for later
    # runs; Gradescope's `run` only reads them (its zip was built with them; the course's files
    # never change while a student is graded).
    store_answers: bool = True


@dataclass(frozen=True)
class Answer:
    """A student's answer as the grader's own plain data, or why there is none."""

    value: Any = None
    problem: str | None = None
    detail: str = ""
    output: str = ""
    device: str | None = None
    code_status: str | None = None




@dataclass
class _Session:
    """What one grading run shares between questions: files, parsed answers, the sandbox."""

    rubric: Rubric
    submission: Submission
    options: Options
    stack: ExitStack
    oracles: dict[str, Oracle | OracleError] = field(default_factory=dict)
    answers: dict[str, Answers] = field(default_factory=dict)
    sandbox: Sandbox | None = None
    budget_end: float = float("inf")  # time.monotonic() by which all grading must be done
    preloads: tuple[str, ...] = ()  # modules for the sandbox's zygote to import once (_preloads)

    def answers_in(self, name: str) -> Answers:
        if name not in self.answers:
            self.answers[name] = read_answers(self.submission, name)
        return self.answers[name]

    def get_sandbox(self) -> Sandbox:
        if self.sandbox is None:
            self.sandbox = self.stack.enter_context(Sandbox(sandbox_user()))
            self.sandbox.preload(self.preloads)
        return self.sandbox

    def answer(self, question: QuestionBase) -> Answer:
        assignment = self.rubric.assignment
        source = question.answer_source(assignment.answers_file)
        assert source.file is not None and source.name is not None
        problem = self.submission.problem(source.file)
        if problem:
            return Answer(problem=problem)
        if not question.runs_code(assignment.answers_file):
            answers = self.answers_in(source.file)
            if answers.data is None:
                return Answer(problem=answers.problem)
            return Answer(value=answers.data.get(source.name))
        limits = Limits(
            time_s=question.time_limit or assignment.time_limit,
            memory_bytes=int((question.memory_mb or assignment.memory_mb) * 2**20),
        )
        task = question.sandbox_request(source)
        device = resolve_device(assignment.device, self.options.device)
        seed = question_seed(question.id, purpose=assignment.name)
        run = self.get_sandbox().run(task, self.submission.base, limits, seed=seed, device=device)
        kind = self.rubric.kinds[question.kind]
        notes: tuple[str, ...] = ()
        rerun = _cpu_rerun_limits(limits, run.seconds, self.budget_end)
        if (run.status == "ok" and run.device == "cuda" and rerun is not None and kind.needs_cpu
                and kind.needs_cpu(question, run.value)):
            run = self.get_sandbox().run(task, self.submission.base, rerun, seed=seed, device="cpu")
            notes = ("Your code creates tensors on the CPU while its inputs are on the GPU (e.g. "
                     "torch.zeros(n) without device=x.device), so it was run on the CPU instead.",)
        if run.status == "ok":
            value = run.value
            if kind.reads_source:
                value = CodeAnswer(value, self.submission.base, self.oracles.get(question.id), notes)
            return Answer(value=value, output=run.output, device=run.device, code_status="ok")
        problem = run.message if run.status == "missing" else (
            missing_module_problem(run.message, assignment.packages) or f"Your code {run.message}.")
        return Answer(
            problem=problem,
            detail=run.traceback,
            output=run.output,
            device=run.device,
            code_status=run.status,
        )


def _cpu_rerun_limits(limits: Limits, spent_s: float, budget_end: float) -> Limits | None:
    """The limits of a rerun on the CPU, or None when there is no time for one.

    Whether code failed by mixing devices is read from the student's own error message, which
    the student can forge; so the rerun gets only what is left of the question's own limit (and
    of the assignment's budget): a forged error never buys more time than the question had.
    """
    left = min(limits.time_s - spent_s, budget_end - time.monotonic())
    if left < 1.0:
        return None
    return replace(limits, time_s=left)


def _judge(session: _Session, question: QuestionBase) -> QuestionResult:
    kind = session.rubric.kinds[question.kind]
    started = time.monotonic()
    answer = session.answer(question)

    def result(
        score: float, status: Status, messages: tuple[str, ...], figures: tuple[Figure, ...] = ()
    ) -> QuestionResult:
        return QuestionResult.of(
            question, score, status, messages,
            detail=answer.detail, output=answer.output, device=answer.device,
            code_status=answer.code_status, seconds=time.monotonic() - started, figures=figures,
        )

    if answer.problem:
        return result(0.0, "problem", (answer.problem,))
    if session.options.mode == "check":
        problems = kind.precheck(question, answer.value)
        figures = kind.draw(question, answer.value) if kind.draw and not problems else ()
        readings = tuple(kind.read_back(question, answer.value)) if kind.read_back and not problems else ()
        return result(
            0.0, "problem" if problems else "ok",
            tuple(problems) or readings or ("Answer found and readable.",), figures,
        )
    verdict = kind.grade(question, answer.value)
    return result(round(verdict.credit * question.points, 4), "graded", verdict.messages, verdict.figures)


def _grading_error(question: QuestionBase, error: BaseException) -> QuestionResult:
    if isinstance(error, SandboxSetupError):
        trace = str(error)
    else:
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return QuestionResult.of(
        question,
        0.0,
        "grading_error",
        ("This question could not be graded because of a fault in the autograder, not in "
         "your work. Your instructor can see the details.",),
        error=trace,
    )


def code_questions(rubric: Rubric, mode: Mode) -> list[QuestionBase]:
    """The questions whose grading (or check) runs student code in the sandbox."""
    answers_file = rubric.assignment.answers_file
    return [q for q in rubric.questions
            if q.runs_code(answers_file) and (mode == "grade" or q.visibility == "visible")]


def _preloads(rubric: Rubric, mode: Mode, course: list[str]) -> tuple[str, ...]:
    """What the sandbox should import once for all the run's tasks: what the code questions'
    kinds import in their tasks, and the course's packages the submission imports (``course``:
    matplotlib.pyplot, pandas...); nothing when no question runs code."""
    questions = code_questions(rubric, mode)
    if not questions:
        return ()
    return (*(m for q in questions for m in rubric.kinds[q.kind].sandbox_modules), *course)


def _early_sandbox(code: list[QuestionBase], answers_file: str, submission: Submission,
                   stack: ExitStack) -> Sandbox | None:
    """The run's sandbox, opened before judging when some of the ``code`` questions will run the
    student's code.

    Its zygote then imports torch on another core while the grader judges the questions that
    come before the first one that runs code. No student code runs until that question. A
    submission without the files those questions run opens none (an empty submission costs no
    torch import). Where the sandbox cannot open, each question that needs it says why (the lazy
    path in ``_Session.get_sandbox``).
    """
    if not any(submission.problem(str(q.answer_source(answers_file).file)) is None for q in code):
        return None
    try:
        return stack.enter_context(Sandbox(sandbox_user()))
    except Exception:  # noqa: BLE001 - reported per question by the lazy path
        return None


def _unreadable(questions: list[QuestionBase], error: Exception, started: float, mode: Mode) -> Report:
    """Every question a grading error when opening the submission itself failed: a fault of the
    grader (what a student's folder can do wrong is a problem named per file), reported, and the
    run goes on (a regrade never aborts at one submission)."""
    results = tuple(_grading_error(q, error) for q in questions)
    return Report(mode=mode, results=results, notes=(), devices=(), seconds=time.monotonic() - started)


def grade(rubric: Rubric, submission_dir: Path, options: Options = Options(),
          sandbox: Sandbox | None = None,
          oracles: dict[str, Oracle | OracleError] | None = None) -> Report:
    """Grade (or, in check mode, inspect) the submission in ``submission_dir``.

    ``sandbox``: an open sandbox to run the code in (a warm worker's, shared by the submissions
    it grades); without one, the run opens its own when some question runs code. ``oracles``:
    the questions' oracles, opened before any student code ran (a warm worker's, so that their
    answers are computed once for all its submissions); without, the run opens them itself.
    """
    started = time.monotonic()
    assignment = rubric.assignment
    budget_end = started + max(assignment.total_time_limit - TIME_RESERVE_S, 1.0)
    questions = [
        q for q in rubric.questions if options.mode == "grade" or q.visibility == "visible"
    ]
    results = []
    with ExitStack() as stack:
        # Before any student code runs (see load_oracles); a student's check needs none.
        if oracles is None:
            oracles = load_oracles(questions, options.reference) if options.mode == "grade" else {}
        try:
            submitted = open_submission(submission_dir, assignment.files)
            submission, cell_notes = with_notebooks(submitted, assignment.files, stack)
            imported = submission_imports(submitted.base, assignment.files)
            imports = missing_import_notes(submitted.base, assignment.files, assignment.packages, imported)
        except Exception as error:  # noqa: BLE001 - the submission's fault boundary: never a crash
            return _unreadable(questions, error, started, options.mode)
        sandbox = sandbox or _early_sandbox(code_questions(rubric, options.mode), assignment.answers_file,
                                            submission, stack)
        preloads = _preloads(rubric, options.mode, course_modules(imported, assignment.packages))
        if sandbox is not None:
            sandbox.preload(preloads)
        notes = tuple(submission.problems[name] for name in assignment.files if name in submission.problems)
        notes += tuple(cell_notes) + submission.notes + tuple(imports)
        session = _Session(rubric, submission, options, stack, oracles, sandbox=sandbox, budget_end=budget_end,
                           preloads=preloads)
        for question in questions:
            by_hand = rubric.kinds[question.kind].by_hand
            if by_hand:
                results.append(QuestionResult.of(question, 0.0, "manual", (by_hand(question),)))
                continue
            limit = question.time_limit or assignment.time_limit
            runs_code = question.runs_code(assignment.answers_file)
            if runs_code and time.monotonic() + limit > budget_end:
                results.append(
                    QuestionResult.of(
                        question, 0.0, "skipped",
                        ("Not graded: the autograder ran out of time before this question.",),
                    )
                )
                continue
            try:
                results.append(_judge(session, question))
            except Exception as error:  # noqa: BLE001 - a grader fault costs one question only
                results.append(_grading_error(question, error))
        if options.store_answers:
            save_answers(oracles)
    devices = tuple(sorted({r.device for r in results if r.device}))
    return Report(
        mode=options.mode,
        results=tuple(results),
        notes=notes,
        devices=devices,
        seconds=time.monotonic() - started,
    )
