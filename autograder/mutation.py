"""Mutation testing of a rubric: wrong variants of the reference must lose credit.

For every autograded question, small wrong versions of the reference's answer ("mutants") are
graded with the question's own rubric. A mutant that still gets full marks *survives*: the rubric
cannot tell that mistake from the right answer (or the mutant is an equivalent rewrite). By kind:

- ``expression``: the answer negated, doubled, plus one, with its last factor dropped, with one
  function swapped (σ ↔ tanh, sin ↔ cos, exp ↔ log, ReLU → σ); each part of a multi-part answer
  on its own.
- ``choice``: the other option, the other yes/no, an integer ± 1 or doubled, a number × 1.1, a
  shape with its sizes swapped or one dropped.
- ``network``: one weight or bias perturbed (negated, zeroed, ± 1, ± ½).
- ``conv``: kernel size or stride shifted by one.
- code (``function``, ``module``, ``training``): the reference's source file with one change inside
  a function: an arithmetic operator swapped (+ ↔ −, * ↔ /, @ → *), a comparison flipped, a
  unary minus removed, a number changed, a ``.T`` dropped, an argument such as ``dim=0``
  shifted. Each mutant is graded in the sandbox like a submission.

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
from typing import Any, Callable, Iterator

import yaml

from autograder.executors import Executor, Submitted
from autograder.grading import question_seed
from autograder.outcomes import Report
from autograder.rubric import Rubric
from autograder.spec import QuestionBase
from autograder.submission import open_submission, read_answers

DEFAULT_LIMIT = 8
_SWAPS = [("sigma", "tanh"), ("σ", "tanh"), ("tanh", "sigma"), ("sin", "cos"), ("cos", "sin"),
          ("exp", "log"), ("log", "exp"), ("ReLU", "sigma"), ("relu", "sigma"), ("sign", "tanh")]
_BINOP_SWAPS: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div,
                                   ast.Div: ast.Mult, ast.MatMult: ast.Mult, ast.Pow: ast.Mult}
_COMPARE_SWAPS: dict[type, type] = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt,
                                     ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


@dataclass(frozen=True)
class Mutant:
    """One wrong variant: what changed (for the report) and the answer or source it gives."""

    label: str
    answer: Any = None
    source: str | None = None


@dataclass(frozen=True)
class QuestionMutation:
    """How one question did: mutants tried, those that kept full marks and the rubric does not
    accept (``survivors``), and those it accepts as right answers in disguise (``accepted``)."""

    question: QuestionBase
    tried: int
    survivors: tuple[str, ...]
    accepted: tuple[str, ...] = ()

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

def _expression_mutants(text: str) -> Iterator[tuple[str, str]]:
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        yield "a different constant", str(float(text) + 1)
        return
    body = text.split("=")[-1].strip() if "=" in text and "==" not in text else text
    yield "negated", f"-({body})"
    yield "doubled", f"2 ({body})"
    yield "plus one", f"{body} + 1"
    factors = re.split(r"\s*\*\s*", body)
    if len(factors) > 1:
        yield "last factor dropped", " * ".join(factors[:-1])
    for old, new in _SWAPS:
        if re.search(rf"(?<![A-Za-z]){re.escape(old)}(?![A-Za-z])", body):
            yield f"{old} → {new}", re.sub(rf"(?<![A-Za-z]){re.escape(old)}(?![A-Za-z])", new, body, count=1)
            break


def _choice_mutants(value: Any, part: Any) -> Iterator[tuple[str, Any]]:
    kind = getattr(part, "type", None)
    if kind == "option" and part.options:
        for label in (part.options if isinstance(part.options, list) else list(part.options)):
            if str(label).strip().upper() != str(value).strip().upper():
                yield f"option {label}", label
    elif kind == "yesno":
        yield "the other answer", "no" if str(value).lower() in {"yes", "true"} else "yes"
    elif kind == "integer" and isinstance(value, int):
        yield "plus one", value + 1
        yield "minus one", value - 1
        yield "doubled", 2 * value if value else 3
    elif kind == "number" and isinstance(value, (int, float)):
        yield "× 1.1", value * 1.1 if value else 0.5
    elif kind == "shape" and isinstance(value, str):
        sizes = [s.strip() for s in value.strip("()[] ").split(",") if s.strip()]
        if len(sizes) > 1 and sizes[0] != sizes[1]:
            yield "sizes swapped", f"({', '.join(reversed(sizes))})"
        if len(sizes) > 1:
            yield "a size dropped", f"({sizes[0]},)"
        elif sizes:
            yield "a size added", f"({sizes[0]}, {sizes[0]})"
    elif kind == "text":
        yield "other text", f"{value}1"


def _parts(question: Any) -> list[tuple[str | None, Any]]:
    parts = getattr(question, "parts", None)
    return [(p.name, p) for p in parts] if parts else [(None, question)]


def _per_part(answer: Any, question: Any, mutate: Callable[[Any, Any], Iterator[tuple[str, Any]]]) -> Iterator[Mutant]:
    for name, part in _parts(question):
        value = answer.get(name) if name is not None and isinstance(answer, dict) else answer
        right = {str(a).replace(" ", "") for a in getattr(part, "accept", None) or []}
        for label, wrong in mutate(value, part):
            if str(wrong).replace(" ", "") in right:
                continue  # the rubric lists it as right
            if name is None:
                yield Mutant(label, wrong)
            else:
                changed = dict(answer)
                changed[name] = wrong
                yield Mutant(f"{name}: {label}", changed)


def _network_mutants(answer: Any) -> Iterator[Mutant]:
    if not isinstance(answer, dict):
        return
    for key, value in answer.items():
        rows = value if isinstance(value, list) else [value]
        for i, row in enumerate(rows):
            cells = row if isinstance(row, list) else [row]
            for j, cell in enumerate(cells):
                try:
                    number = float(cell)
                except (TypeError, ValueError):
                    continue
                changes = [("+ ½", number + 0.5), ("+ 1", number + 1)]
                changes += [("negated", -number), ("zeroed", 0.0)] if number else [("− ½", -0.5)]
                for label, new in changes:
                    changed = copy.deepcopy(answer)
                    target = changed[key] if isinstance(value, list) else None
                    if target is None:
                        changed[key] = new
                    elif isinstance(row, list):
                        target[i][j] = new
                    else:
                        target[i] = new
                    yield Mutant(f"{key}[{i}][{j}] {label}" if isinstance(row, list) else f"{key}[{i}] {label}", changed)


def _conv_mutants(question: Any, answer: Any) -> Iterator[Mutant]:
    """k or s shifted by 1 or 2; a shift that is another right configuration is no mistake."""
    from autograder.kinds.conv import output_size

    if not isinstance(answer, dict):
        return
    for key in ("k", "s"):
        if not isinstance(answer.get(key), int):
            continue
        for step in (1, -1, 2, -2):
            changed = {"p": 0, "d": 1, **answer, key: answer[key] + step}
            if changed[key] < 1:
                continue
            sizes = [output_size(n, changed["k"], changed["s"], changed["p"], changed["d"])
                     for n in question.input[1:]]
            if sizes != list(question.output[1:]):
                yield Mutant(f"{key} {'+' if step > 0 else '−'} {abs(step)}", changed)


def data_mutants(question: QuestionBase, answer: Any) -> list[Mutant]:
    """Wrong variants of a data answer, for the question's kind."""
    if answer is None:
        return []
    if question.kind == "expression":
        return list(_per_part(answer, question, lambda value, part: _expression_mutants(str(value))
                              if value is not None else iter(())))
    if question.kind == "choice":
        return list(_per_part(answer, question, _choice_mutants))
    if question.kind == "network":
        if isinstance(answer, str):  # "impossible": any network is a wrong answer
            return [Mutant("a network instead of 'impossible'", {"W1": [[1], [1]], "W2": [[1, -1]]})]
        return list(_network_mutants(answer))
    if question.kind == "conv":
        return list(_conv_mutants(question, answer))
    return []


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


def _used_names(question: QuestionBase) -> frozenset[str] | None:
    """What of the source file a question uses: a function question its function; a module
    question the names in its statements; None (the whole file) otherwise."""
    if question.kind == "function":
        return frozenset({str(question.answer_source("").name)})
    statements = [*getattr(question, "setup", []), *getattr(question, "steps", [])]
    if not statements:
        return None
    names: set[str] = set()
    for text in statements:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
    return frozenset(names)


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
            if question.graded_by_hand():
                continue
            seed = question_seed(assignment.name, question.id)
            source = question.answer_source(assignment.answers_file)
            file = str(source.file)
            if question.runs_code(assignment.answers_file):
                mutants = code_mutants((reference / file).read_text(), seed, limit, _used_names(question))
                texts = [(m.label, m.source or "") for m in mutants]
            else:
                if file not in answers:  # read once per answers file
                    answers[file] = read_answers(submission, file).data or {}
                data = answers[file]
                mutants = data_mutants(question, data.get(str(source.name)))
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
            results.append(QuestionMutation(
                question, len(mine),
                tuple(a for a in alive if not _accepted(question, a)),
                tuple(a for a in alive if _accepted(question, a)),
            ))
    return results
