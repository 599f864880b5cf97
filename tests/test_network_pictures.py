"""Pictures of two-input networks: the target drawn by a vectorised float walk of the condition
(``Predicate.holds_grid``) is the target the exact per-point walk (``Predicate.holds``) draws."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest
import yaml

from autograder.kinds.network import regions
from autograder.kinds.network.architecture import read_network
from autograder.kinds.network.kind import NetworkQuestion, mutants
from autograder.kinds.network.predicate import Predicate, PredicateError
from autograder.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
EXTENTS = (2.0, 7.5, 312.5)  # the default, a counter-example's, a far one


def _seed_questions() -> Iterator[tuple[str, NetworkQuestion, Any]]:
    """Every two-input network question with a condition in rubrics/, with its reference answer."""
    for path in sorted((ROOT / "rubrics").glob("*.yaml")):
        rubric = load_rubric(path)
        answers_file = ROOT / "reference" / path.stem / rubric.assignment.answers_file
        answers = yaml.safe_load(answers_file.read_text()) if answers_file.exists() else {}
        for question in rubric.questions:
            if isinstance(question, NetworkQuestion) and question.inputs == 2 and question.condition:
                source = question.answer_source(rubric.assignment.answers_file)
                yield f"{path.stem}/{question.id}", question, answers.get(str(source.name))


SEEDS = list(_seed_questions())
HAND_WRITTEN = [
    "x1 > 0 or x2 > 0",
    "0 < x1 < x2 <= 1.5",
    "x1 >= -0.75 > x2 or x2 == x1",
    "x1 < 0.3 and not x2 >= -0.7",
    "not (abs(x1) + abs(x2) < 1)",
    "not x1 or x2 != -x1",
    "min(x1, x2, 0.25) > -1 and max(x1, -x2) != 0.5",
    "x1 / 4 + x2 / 8 > 0.2",
    "(x1 > 0) + (x2 > 0) == 1",
    "-(x1 > 0) < 0 and +(x2 < 1) == 1",
    "x1 * x2 > 1 / 2 or x1 - 2 * x2 < -3.5",
    "1 + 1 / 4 > x1 - 0.5 * 2 and x2 < 1e3 and x1 > -1e-3",
    "(x1 > 0 and x2 > 0) or (x1 < 0 and x2 < 0) or x1 == 0",
    "abs(x1 - 1) <= 0.5 or max(x1, x2) < -1",
]
DIVIDING = ["x1 / x2 > 1", "1 / (x1 - x2) > 0 or x2 > 1", "x1 > 0 and x2 / x1 > -1"]


def _grids() -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The grids the pictures use: the PNG's pixel centres and the text picture's points."""
    for extent in EXTENTS:
        pixels = 120
        step = 2 * extent / pixels
        centres = -extent + step * (np.arange(pixels) + 0.5)
        yield centres, centres
        yield np.linspace(-extent, extent, 41), np.linspace(-extent, extent, 21)


def _per_point(predicate: Predicate, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The pictures' truth as it was drawn before the vectorised walk: one exact walk per point;
    a point where the condition divides by zero does not hold."""
    def holds(x: float, y: float) -> bool:
        try:
            return predicate.holds((x, y))  # type: ignore[arg-type]
        except PredicateError:
            return False
    return np.array([[holds(float(x), float(y)) for x in xs] for y in ys[::-1]])


def _vectorised(predicate: Predicate, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    return predicate.holds_grid(np.meshgrid(xs, ys[::-1]))


@pytest.mark.parametrize("condition", [c for _, q, _ in SEEDS for c in [q.condition]] + HAND_WRITTEN + DIVIDING)
def test_the_vectorised_condition_agrees_with_the_exact_one_on_every_picture_grid(condition: str) -> None:
    predicate = Predicate(condition, 2)
    for xs, ys in _grids():
        got = _vectorised(predicate, xs, ys)
        assert got.shape == (len(ys), len(xs)) and got.dtype == bool
        np.testing.assert_array_equal(got, _per_point(predicate, xs, ys), err_msg=f"{condition} on {xs[0]}…")


def test_the_hand_written_conditions_are_neither_always_nor_never_true() -> None:
    """Otherwise agreeing would prove little."""
    xs = ys = np.linspace(-2.5, 2.5, 41)
    for condition in HAND_WRITTEN + DIVIDING:
        truth = _vectorised(Predicate(condition, 2), xs, ys)
        assert truth.any() and not truth.all(), condition


def test_a_division_by_zero_is_a_point_that_does_not_hold() -> None:
    predicate = Predicate("x1 / x2 < 10", 2)
    with pytest.raises(PredicateError):
        predicate.holds((Fraction(1), Fraction(0)))
    truth = predicate.holds_grid([np.array([1.0, 1.0, 0.0]), np.array([0.0, 1.0, 1.0])])
    assert truth.tolist() == [False, True, True]


def test_the_vectorised_condition_takes_any_shape_and_constant_conditions() -> None:
    truth = Predicate("1 < 2 or x1 > 0", 2).holds_grid([np.zeros((3, 4)), np.zeros((3, 4))])
    assert truth.shape == (3, 4) and truth.all()
    assert not Predicate("x2 > 1 / 2", 2).holds_grid([np.array([5.0]), np.array([0.5])]).any()


def _networks(question: NetworkQuestion, answer: Any) -> Iterator[Any]:
    """The reference network and every mutant of it the kind makes (wrong regions too)."""
    for candidate in [answer, *(m.answer for m in mutants(question, answer))]:
        yield read_network(candidate, question.architecture)


@pytest.mark.parametrize("label, question, answer", SEEDS, ids=[label for label, _, _ in SEEDS])
def test_seed_pictures_are_the_same_bytes_as_with_the_per_point_truth(
    label: str, question: NetworkQuestion, answer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert answer is not None, f"{label}: no reference answer"
    marks = [case.point for case, _ in question.judged_cases[:20]]
    drawn = []
    for network in _networks(question, answer):
        for extent in EXTENTS:
            png = regions.png_picture(network, question.predicate, question.output, extent, marks)
            text = regions.text_picture(network, question.predicate, question.output, extent)
            drawn.append((network, extent, png, text))
    # The truth does not depend on the network: one exact per-point walk per grid is enough.
    known: dict[tuple[bytes, bytes], np.ndarray] = {}

    def per_point_truth(predicate: Predicate, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        key = (xs.tobytes(), ys.tobytes())
        if key not in known:
            known[key] = _per_point(predicate, xs, ys)
        return known[key]

    monkeypatch.setattr(regions, "_truth", per_point_truth)
    for network, extent, png, text in drawn:
        assert png == regions.png_picture(network, question.predicate, question.output, extent, marks), label
        assert text == regions.text_picture(network, question.predicate, question.output, extent), label
