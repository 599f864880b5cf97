"""The notation corpus (tests/notation_corpus.py), graded through the bundled rubrics.

Every right answer, in every notation, earns full marks; every correct but unexpanded chain earns
the chain credit; no mutant (negated, a factor dropped, transposed, a wrong index) earns full marks.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from autograder.kinds import KINDS
from autograder.rubric import load_rubric
from tests.notation_corpus import QUESTIONS, STYLES, Item, corpus

ROOT = Path(__file__).resolve().parent.parent
ITEMS = corpus()


@lru_cache(maxsize=None)
def rubric(name: str) -> Any:
    return load_rubric(ROOT / "rubrics" / f"{name}.yaml")


def grade(item: Item) -> tuple[float, str]:
    """The credit of ``item`` as the kind grades it; other parts get the rubric's own answers."""
    question = rubric(item.rubric).question(item.question)
    answer: Any = item.answer
    if item.part is not None:
        answer = {part.name: part.expected for part in question.parts}
        answer[item.part] = item.answer
    verdict = KINDS[question.kind].grade(question, answer)
    return verdict.credit, " ".join(verdict.messages)


def test_the_corpus_is_several_hundred_renderings_over_five_seeds() -> None:
    assert len(ITEMS) >= 500
    assert {item.rubric for item in ITEMS} == {
        "backprop-basics", "relu-networks", "mlp-backprop", "perceptron-weights", "derivatives-convnets"
    }
    assert sum(item.full for item in ITEMS) >= 400
    assert sum(not item.full and item.partial is None for item in ITEMS) >= 150


def test_every_expression_question_of_every_bundled_rubric_is_in_the_corpus() -> None:
    covered = {(q.rubric, q.question, q.part) for q in QUESTIONS}
    for name in {item.rubric for item in ITEMS}:
        for question in rubric(name).questions:
            if question.kind != "expression":
                continue
            parts = [part.name for part in question.parts] if question.parts else [None]
            for part in parts:
                assert (name, question.id, part) in covered, (name, question.id, part)


@pytest.mark.parametrize("item", [i for i in ITEMS if i.full], ids=lambda i: i.id)
def test_right_answers_in_every_notation_get_full_marks(item: Item) -> None:
    credit, message = grade(item)
    assert credit == 1.0, f"{item.answer!r}: {message}"


@pytest.mark.parametrize("item", [i for i in ITEMS if i.partial is not None], ids=lambda i: i.id)
def test_unexpanded_chains_in_every_notation_get_the_chain_credit(item: Item) -> None:
    credit, message = grade(item)
    assert credit == pytest.approx(item.partial), f"{item.answer!r}: {message}"


@pytest.mark.parametrize("item", [i for i in ITEMS if not i.full and i.partial is None], ids=lambda i: i.id)
def test_mutants_never_get_full_marks(item: Item) -> None:
    credit, message = grade(item)
    assert credit < 1.0, f"{item.answer!r} was marked right: {message}"
    assert "could not read" not in message.lower(), f"{item.answer!r} should be read, then judged: {message}"


def test_styles_render_differently() -> None:
    """A form rendered in each style gives distinct texts, so the corpus really varies notation."""
    form = QUESTIONS[0].right[0]
    from tests.notation_corpus import Style

    assert len({form(Style(style)) for style in STYLES}) == len(STYLES)
