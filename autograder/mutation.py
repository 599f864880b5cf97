"""Mutation testing of a rubric: wrong variants of the reference must lose credit.

For every autograded question, small wrong versions of the reference's answer ("mutants") are
graded with the question's own rubric. A mutant that still gets full marks *survives*: the rubric
cannot tell that mistake from the right answer (or the mutant is an equivalent rewrite).

- An answer given as data is mutated by its kind (``Kind.mutants``: e.g. an expression negated or
  a function swapped, the other option of a choice, one weight of a network perturbed).
- An answer given as code: the reference's source file with one change inside a function the
  question uses (``Kind.code_targets``): an arithmetic operator swapped (+ ↔ −, * ↔ /, @ → *), a
  comparison flipped, a unary minus removed, a number changed, a ``.T`` dropped. Each mutant is
  graded in the sandbox like a submission.

Mutants are drawn deterministically from the question's seed, at most ``limit`` per question.
"""

from __future__ import annotations

import ast
import copy
import random
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from autograder.executors import Executor, Submitted
from autograder.kinds import KINDS, Kinds
from autograder.kinds.base import Mutant
from autograder.outcomes import Report
from autograder.rubric import Rubric
from autograder.seeds import question_seed
from autograder.rubric_models import QuestionBase
from autograder.submission import open_submission, read_answers

DEFAULT_LIMIT = 8
_BINOP_SWAPS: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div,
                                   ast.Div: ast.Mult, ast.MatMult: ast.Mult, ast.Pow: ast.Mult}
_COMPARE_SWAPS: dict[type, type] = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt,
                                     ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


@dataclass(frozen=True)
class QuestionMutation:
    """How one question did: mutants tried, those that kept full marks and the rubric does not
    accept (``survivors``), and those it accepts as right answers in disguise (``accepted``)."""

    question: QuestionBase
    tried: int
    survivors: tuple[str, ...]
    accepted: tuple[str, ...] = ()
    feedback: tuple[str, ...] = ()  # every message the mutants got, for scanning (never shown)

    @property
    def caught(self) -> int:
        """Mutants that lost credit."""
        return self.tried - len(self.survivors) - len(self.accepted)

    @property
    def counted(self) -> int:
        """Mutants that count towards the score: all but the accepted ones."""
        return self.tried - len(self.accepted)


def score(results: list[QuestionMutation]) -> float:
    """The share of counted mutants caught, over a whole rubric (1.0 when none counted)."""
    counted = sum(r.counted for r in results)
    return sum(r.caught for r in results) / counted if counted else 1.0


def _accepted(question: QuestionBase, label: str) -> bool:
    """Whether the rubric accepts this survivor: a label, or a pattern where * is any text
    (and [, ] are themselves, as in the labels W1[0][1])."""
    return any(re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), label)
               for pattern in question.mutants_accepted)


# --- answers given as data --------------------------------------------------------------------

def data_mutants(question: QuestionBase, answer: Any, kinds: Kinds = KINDS) -> list[Mutant]:
    """Wrong variants of a data answer, made by the question's kind (none when it makes none)."""
    make = kinds[question.kind].mutants
    if answer is None or make is None:
        return []
    return make(question, answer)


# --- answers given as code --------------------------------------------------------------------

def _skipped(node: ast.FunctionDef | ast.ClassDef, only: frozenset[str] | None, depth: int) -> bool:
    """A top-level function, class or method the question never uses: its mutants could not
    lose credit, so they are not made. ``__init__`` runs whenever its class is used."""
    return only is not None and depth == 0 and node.name not in only and node.name != "__init__"


def _site_label(node: ast.AST) -> str | None:
    line = getattr(node, "lineno", "?")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
        return f"line {line}: {type(node.op).__name__} → {_BINOP_SWAPS[type(node.op)].__name__}"
    if isinstance(node, ast.Compare) and type(node.ops[0]) in _COMPARE_SWAPS:
        return f"line {line}: {type(node.ops[0]).__name__} → {_COMPARE_SWAPS[type(node.ops[0])].__name__}"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return f"line {line}: unary minus removed"
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return f"line {line}: {node.value!r} changed"
    if isinstance(node, ast.Attribute) and node.attr in {"T", "mT"}:
        return f"line {line}: .{node.attr} dropped"
    return None


def _change(node: ast.AST) -> ast.AST:
    """The node with the change its label names."""
    if isinstance(node, ast.BinOp):
        node.op = _BINOP_SWAPS[type(node.op)]()
    elif isinstance(node, ast.Compare):
        node.ops[0] = _COMPARE_SWAPS[type(node.ops[0])]()
    elif isinstance(node, ast.UnaryOp):
        return node.operand
    elif isinstance(node, ast.Constant):
        node.value = node.value + 1 if node.value in (0, -1) else node.value * 2
    elif isinstance(node, ast.Attribute):
        return node.value
    return node


class _Mutator(ast.NodeTransformer):
    """Walks the places inside the used functions where one small change can be made, in a
    fixed order, labelling each; with ``target``, makes the change at that place."""

    def __init__(self, only: frozenset[str] | None, target: int | None = None) -> None:
        self.only = only
        self.target = target
        self.labels: list[str] = []
        self.depth = 0

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        if self.depth == 0 and not _skipped(node, self.only, 0):
            node.body = [self.visit(s) if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) else s
                         for s in node.body]
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        if _skipped(node, self.only, self.depth):
            return node
        self.depth += 1
        start = 1 if ast.get_docstring(node) else 0
        node.body[start:] = [self.visit(s) for s in node.body[start:]]
        self.depth -= 1
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def generic_visit(self, node: ast.AST) -> ast.AST:
        label = _site_label(node) if self.depth else None
        if label:
            self.labels.append(label)
            if len(self.labels) - 1 == self.target:
                return _change(node)
        return super().generic_visit(node)


def code_mutants(source: str, seed: int, limit: int, only: frozenset[str] | None = None) -> list[Mutant]:
    """Up to ``limit`` one-change variants of a Python source, chosen from the seed; with
    ``only``, changes are made only in the top-level functions, classes and methods it names."""
    tree = ast.parse(source)
    finder = _Mutator(only)
    finder.visit(copy.deepcopy(tree))
    sites = list(enumerate(finder.labels))
    chosen = sorted(random.Random(seed).sample(sites, min(limit, len(sites))))
    mutants = []
    for index, label in chosen:
        changed = _Mutator(only, index).visit(copy.deepcopy(tree))
        mutants.append(Mutant(label, source=ast.unparse(ast.fix_missing_locations(changed))))
    return mutants


def _used_names(question: QuestionBase, kinds: Kinds) -> frozenset[str] | None:
    """What of the source file a question uses, as its kind says (None: the whole file)."""
    targets = kinds[question.kind].code_targets
    return targets(question) if targets else None


# --- running them -----------------------------------------------------------------------------

def _full_marks(question: QuestionBase, report: Report) -> bool:
    """Whether the mutant graded in ``report`` (on ``question`` alone) kept full marks."""
    return report.results[0].score >= question.points


def _mutant_folder(reference: Path, work: Path, file: str, text: str) -> Path:
    """A copy of the reference, in ``work``, with ``file`` replaced by ``text``."""
    folder = Path(tempfile.mkdtemp(dir=work))
    shutil.copytree(reference, folder, dirs_exist_ok=True)
    (folder / file).write_text(text, encoding="utf-8")
    folder.chmod(0o755)
    return folder


def mutate(rubric: Rubric, reference: Path, executor: Executor,
           limit: int = DEFAULT_LIMIT) -> list[QuestionMutation]:
    """Grade up to ``limit`` mutants of the reference per autograded question.

    Each mutant is a submission graded on its question alone by ``executor`` (one made for
    ``rubric``), as a regrade grades students: its warm workers serve every mutant.
    """
    assignment = rubric.assignment
    submission = open_submission(reference, assignment.files)
    answers: dict[str, dict[str, Any]] = {}
    jobs: list[tuple[QuestionBase, str, str, str]] = []  # question, label, file, its new text
    with tempfile.TemporaryDirectory(prefix="autograder-mutants-") as temporary:
        work = Path(temporary)
        work.chmod(0o755)
        for question in rubric.questions:
            if rubric.kinds[question.kind].by_hand:
                continue
            seed = question_seed(question.id, purpose=assignment.name)
            source = question.answer_source(assignment.answers_file)
            file = str(source.file)
            if question.runs_code(assignment.answers_file):
                only = _used_names(question, rubric.kinds)
                mutants = code_mutants((reference / file).read_text(), seed, limit, only)
                texts = [(m.label, m.source or "") for m in mutants]
            else:
                if file not in answers:  # read once per answers file
                    answers[file] = read_answers(submission, file).data or {}
                data = answers[file]
                mutants = data_mutants(question, data.get(str(source.name)), rubric.kinds)
                picked = random.Random(seed).sample(mutants, min(limit, len(mutants)))
                texts = [(m.label, yaml.safe_dump({**data, str(source.name): m.answer}, allow_unicode=True))
                         for m in picked]
            jobs += [(question, label, file, text) for label, text in texts]
        submitted = [
            Submitted(f"mutant-{index}", _mutant_folder(reference, work, file, text), questions=(question.id,))
            for index, (question, _, file, text) in enumerate(jobs)
        ]
        reports = {report.label: report for report in executor.grade(submitted, None)}
    survived = [_full_marks(job[0], reports[s.label]) for job, s in zip(jobs, submitted)]
    results = []
    for question in rubric.questions:
        mine = [(label, alive) for (q, label, _, _), alive in zip(jobs, survived) if q is question]
        if mine:
            alive = [label for label, kept in mine if kept]
            said = tuple(m for job, s in zip(jobs, submitted) if job[0] is question
                         for r in reports[s.label].results for m in r.messages)
            results.append(QuestionMutation(
                question, len(mine),
                tuple(a for a in alive if not _accepted(question, a)),
                tuple(a for a in alive if _accepted(question, a)),
                said,
            ))
    return results
