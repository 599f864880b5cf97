"""sympy only where it is needed: a tree is known to be scalar (or not) without it, and a right
answer is judged by the numbers alone; the verdicts are those of sympy-first judging."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import pytest

from autograder.kinds.expression import NotationError, parse
from autograder.kinds.expression.equivalence import Judge, Outcome, _derivative_keys
from autograder.kinds.expression.kind import ExpressionQuestion
from autograder.kinds.expression.nodes import Call, Compare, Fill, Mul, Node, Num, Sym, Transpose, walk
from autograder.kinds.expression.scalars import SCALAR_FUNCTIONS, is_scalar
from autograder.kinds.expression.symbolic import _FUNCTIONS, NotScalar, to_sympy
from autograder.rubric import load_rubric
from tests.notation_corpus import corpus

ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=None)
def _rubric(name: str) -> Any:
    return load_rubric(ROOT / "rubrics" / f"{name}.yaml")


def _questions() -> Iterator[ExpressionQuestion]:
    for path in sorted((ROOT / "rubrics").glob("*.yaml")):
        yield from (q for q in _rubric(path.stem).questions if isinstance(q, ExpressionQuestion))


def _rubric_trees(question: ExpressionQuestion) -> Iterator[Node]:
    """Every tree a question's rubric holds: answers, accepted ones, mistakes, local derivatives."""
    compiled = question.compiled
    for part in compiled.parts:
        yield from part.expected
        yield from (mistake.node for mistake in part.mistakes)
    yield from compiled.graph.local.values()
    yield from (node for _, node in compiled.judge.definitions)


def _corpus_trees() -> Iterator[tuple[Judge, Node]]:
    """The notation corpus's answers as parsed trees, with their questions' judges."""
    for item in corpus():
        question = _rubric(item.rubric).question(item.question)
        try:
            sides = parse(item.answer, question.compiled.vocabulary).sides
        except NotationError:
            continue
        yield from ((question.compiled.judge, side) for side in sides)


def _builds(node: Node, scalars: frozenset[str]) -> bool:
    try:
        to_sympy(node, scalars)
    except NotScalar:
        return False
    return True


def test_the_scalar_functions_are_those_sympy_builds() -> None:
    assert SCALAR_FUNCTIONS == frozenset(_FUNCTIONS)


def test_is_scalar_agrees_with_building_every_subtree_of_the_rubrics_and_the_corpus() -> None:
    pairs = [(q.compiled.judge, tree) for q in _questions() for tree in _rubric_trees(q)] + list(_corpus_trees())
    seen = {True: 0, False: 0}
    for judge, tree in pairs:
        for node in walk(tree):
            scalars = judge._scalars | _derivative_keys(node)
            built = _builds(node, scalars)
            assert is_scalar(node, scalars) == built, node
            seen[built] += 1
    assert seen[True] > 100 and seen[False] > 100


@pytest.mark.parametrize("node, scalar", [
    (Num(Fraction(1, 2)), True),
    (Sym("a"), True),
    (Sym("W"), False),
    (Fill("ones"), False),
    (Mul(Sym("a"), Sym("a"), "outer"), False),
    (Mul(Sym("a"), Transpose(Sym("a")), "hadamard"), True),
    (Call("softmax", (Sym("a"),)), False),
    (Call("relu'", (Sym("a"),)), True),
    (Compare(">", Sym("a"), Call("max", (Sym("a"), Sym("W")))), False),
])
def test_is_scalar_on_hand_written_trees(node: Node, scalar: bool) -> None:
    assert is_scalar(node, frozenset({"a"})) == scalar == _builds(node, frozenset({"a"}))


def test_numbers_first_gives_the_verdicts_of_sympy_first() -> None:
    """Each corpus answer against each expected answer and mistake of its question: the same
    outcome as the comparison that built sympy's forms first (written out here)."""
    def sympy_first(judge: Judge, answer: Node, expected: Node) -> Outcome:
        mine, theirs = judge.symbolic(answer), judge.symbolic(expected)
        if mine is not None and theirs is not None and mine == theirs:
            return Outcome(True)
        return judge.compare(answer, expected)

    compared = 0
    for item in corpus()[::3]:
        question = _rubric(item.rubric).question(item.question)
        judge = question.compiled.judge
        try:
            sides = parse(item.answer, question.compiled.vocabulary).sides
        except NotationError:
            continue
        targets = [node for part in question.compiled.parts
                   for node in (*part.expected, *(m.node for m in part.mistakes))]
        for side in sides:
            answer = question.compiled.graph.substitute(side)
            for expected in targets:
                assert _outcome(judge.compare, answer, expected) == _outcome(
                    lambda a, e: sympy_first(judge, a, e), answer, expected)
                compared += 1
    assert compared > 200


def _outcome(compare: Any, answer: Node, expected: Node) -> Outcome | str:
    try:
        return compare(answer, expected)
    except Exception as error:  # noqa: BLE001 - an error is an outcome to compare too
        return f"{type(error).__name__}: {error}"


def test_right_answers_import_no_sympy() -> None:
    """The bundled references' math, graded in a fresh interpreter, never imports sympy."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "import yaml\n"
        "from autograder.kinds.expression.kind import ExpressionQuestion, grade\n"
        "from autograder.rubric import load_rubric\n"
        f"root = Path({str(ROOT)!r})\n"
        "for name in ('relu-networks', 'perceptron-weights', 'backprop-basics', 'derivatives-convnets'):\n"
        "    rubric = load_rubric(root / 'rubrics' / f'{name}.yaml')\n"
        "    answers = yaml.safe_load((root / 'reference' / name / rubric.assignment.answers_file).read_text())\n"
        "    for q in rubric.questions:\n"
        "        if isinstance(q, ExpressionQuestion):\n"
        "            source = q.answer_source(rubric.assignment.answers_file)\n"
        "            assert grade(q, answers[str(source.name)]).credit == 1, q.id\n"
        "print('sympy' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"
