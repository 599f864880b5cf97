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


# --- the README's notation lists are exactly what parses ------------------------------------------

from autograder.kinds.expression import NotationError, SymbolInfo, Vocabulary, key_of, parse  # noqa: E402

_README_NAMES = {
    "x": SymbolInfo("x"),
    "w_1": SymbolInfo("w_1"),
    "w_3": SymbolInfo("w_3"),
    "b_3": SymbolInfo("b_3"),
    "h_1": SymbolInfo("h_1"),
    "f'_3": SymbolInfo("f'_3"),
    "f'_1": SymbolInfo("f'_1"),
    "W": SymbolInfo("W", shape=("n", "n")),
    "v": SymbolInfo("v", shape=("n",)),
    "u": SymbolInfo("u", shape=("n",)),
    "yhat": SymbolInfo("yhat", shape=("n",)),
    "y": SymbolInfo("y", role="class", classes="n"),
}
README_VOCABULARY = Vocabulary(
    symbols={key_of(name): info for name, info in _README_NAMES.items()}
    | {"dL/dh3": SymbolInfo("dL/dh3"), "dl/dyhat": SymbolInfo("dl/dyhat", shape=("n",))},
    nodes={"L": "L", "h3": "h_3", "h1": "h_1", "l": "l"},
    dims={"n": 3},
)


def _readme_lists(marker: str) -> list[list[str]]:
    """The code spans of each bullet between <!-- marker --> and <!-- /marker --> in README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split(f"<!-- {marker} -->", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    return [
        [span for span in re.findall(r"`([^`]+)`", line.split(": ", 1)[1] if marker == "notation-read" else line)]
        for line in block.splitlines()
        if line.startswith("- ")
    ]


import re  # noqa: E402

README_READ = _readme_lists("notation-read")
README_REFUSED = [spans[0] for spans in _readme_lists("notation-refused")]


def test_the_readme_lists_notation() -> None:
    assert len(README_READ) >= 25 and sum(map(len, README_READ)) >= 120
    assert len(README_REFUSED) >= 8


@pytest.mark.parametrize("spellings", README_READ, ids=lambda spans: spans[0])
def test_every_readme_notation_example_parses_and_one_line_means_one_thing(spellings: list[str]) -> None:
    trees = []
    for text in spellings:
        try:
            trees.append(parse(text, README_VOCABULARY).sides)
        except NotationError as error:
            pytest.fail(f"README example {text!r} does not parse: {error}")
    assert all(tree == trees[0] for tree in trees), dict(zip(spellings, trees))


@pytest.mark.parametrize("text", README_REFUSED)
def test_every_readme_refused_example_is_refused_with_its_own_message(text: str) -> None:
    with pytest.raises(NotationError) as refused:
        parse(text, README_VOCABULARY)
    assert "unknown name" not in str(refused.value), str(refused.value)


# --- refusals and sizes, through the rubrics ------------------------------------------------------


@pytest.mark.parametrize(
    ("rubric_name", "question_id", "answer", "credit", "message"),
    [
        # seed 000: a derivative written at its argument is refused, not multiplied
        ("backprop-basics", "q1-b3", "dL/dh_3 f_3'(w_3 h_1 + w_4 h_2 + b_3)", 0.0, "already is the derivative at its own input"),
        ("backprop-basics", "q1-b3", "dL/dh_3 f_3^{\\prime}", 1.0, "correct"),
        # the factored sum keeps reading as a product: derivatives inside the parenthesis
        ("backprop-basics", "q1-x", "dL/dh3 f3'(w3 f1' w1 + w4 f2' w2)", 1.0, "correct"),
        # ℓ is l, but not L
        ("backprop-basics", "q1-b3", "\\frac{\\partial \\ell}{\\partial h_3} f'_3", 0.0, "'l' is not a quantity"),
        # 𝟙 whose size nothing fixes
        ("derivatives-convnets", "q1g", "2 x + \\mathbf{1} - \\mathbf{1}", 1.0, "correct"),
        ("mlp-backprop", "t13a", {"dz2_dz1": "diag(\\mathbf{1}) - diag(tanh(z_1))^2", "dyhat_dz3": "diag(yhat ⊙ (1 - yhat))"}, 0.5, "write it with its size, e.g. 𝟙_"),
        # seed 004 writes the indicator at its variable
        ("derivatives-convnets", "q1a", "\\mathbf{1}_{\\{x>0\\}}(x)", 1.0, "correct"),
        ("derivatives-convnets", "q1a", "\\mathbf{1}_{\\{x>0\\}}(2x)", 0.0, "read only at its own variable"),
        ("relu-networks", "q2", "W_3' ReLU(W_2 ReLU(W_1 x + b_1) + b_2) + b_3", 0.0, "not a transpose"),
        ("mlp-backprop", "t13b", "(yhat - y)/2yhat", 0.0, "right after a divisor is ambiguous"),
        ("mlp-backprop", "t13b", "(yhat - y)/Kyhat", 0.0, "right after a divisor is ambiguous"),
    ],
)
def test_refusals_and_sizes_through_the_rubrics(
    rubric_name: str, question_id: str, answer: Any, credit: float, message: str
) -> None:
    question = rubric(rubric_name).question(question_id)
    verdict = KINDS[question.kind].grade(question, answer)
    assert verdict.credit == pytest.approx(credit), verdict.messages
    assert message in " ".join(verdict.messages).lower() or message in " ".join(verdict.messages)


@pytest.mark.parametrize(
    "answer", [{"W2": "1 \\times k", "b1": "k \\times 1", "b2": "1 \\times 1"}, {"W2": "$\\mathbb{R}^{1 \\times k}$", "b1": "(k,)", "b2": "(1,)"}]
)
def test_shapes_with_times(answer: dict[str, str]) -> None:
    """The choice kind's shapes read LaTeX's \\times and \\mathbb{R}^{…} (seed 001 writes ℝ^{k×1})."""
    question = rubric("relu-networks").question("q1")
    assert KINDS[question.kind].grade(question, answer).credit == 1.0
