"""Every bundled assignment validates (issue 20): the reference scores full, the template zero,
and the rubric catches 95% of the reference's mutants; and no feedback the mutants get shows an
expected value of the oracle.

This is the CI check that `autograder validate NAME` passes for each of them (run in-process:
the same function, without a new interpreter per assignment).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from autograder.kinds.module.kind import ModuleQuestion, _expected_rounds
from autograder.mutation import DEFAULT_LIMIT
from autograder.mutation import score as mutation_score
from autograder.oracles import load_oracle
from autograder.rubric import open_course
from autograder.validate import MUTATION_TARGET, validate

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted(p.stem for p in (ROOT / "rubrics").glob("*.yaml"))
_NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _oracle_numbers(course) -> list[float]:  # type: ignore[no-untyped-def]
    """Every value the module questions' oracles expect, in every case, round and variant, that
    is not a whole number (whole numbers are indistinguishable from sizes, indices and counts)."""
    numbers: list[float] = []
    for question in course.rubric.questions:
        if not isinstance(question, ModuleQuestion):
            continue
        oracle = load_oracle(course.reference_dir, *question.oracle_source())
        for index in range(len(question.cases)):
            for variant in question.variants:
                for expected in _expected_rounds(question, oracle, index, variant):
                    for value in expected.values.values():
                        flat = np.asarray(value, dtype=np.float64).ravel()
                        numbers += [float(v) for v in flat if np.isfinite(v) and v != round(v)]
    return numbers


def _shown_numbers(text: str) -> list[float]:
    """Numbers written with at least three significant digits (sizes and counts are not)."""
    found = []
    # The student's own value at a wrong index is shown by design ("your value 1.906"); it is
    # wrong there, and may equal an expected value elsewhere by chance.
    text = re.sub(r"your value \S+?\)", "", text)
    for token in _NUMBER.findall(text):
        digits = token.lstrip("-−").split("e")[0].replace(".", "").lstrip("0")
        if len(digits) >= 3:
            found.append(float(token.replace("−", "-")))
    return found


@pytest.mark.parametrize("name", BUNDLED)
def test_the_bundled_assignment_validates_and_its_feedback_hides_expected_values(name: str) -> None:
    course = open_course(name, [ROOT])
    result = validate(course, mutants=DEFAULT_LIMIT)
    assert result.ok, result.problems
    assert result.reference is not None and result.reference.score >= result.reference.max_score
    assert result.template is not None and result.template.score == 0
    if result.mutations:
        assert mutation_score(list(result.mutations)) >= MUTATION_TARGET
    expected = np.array(sorted(set(_oracle_numbers(course))))
    if not expected.size:
        return
    leaks = []
    for mutation in result.mutations:
        for message in mutation.feedback:
            for shown in _shown_numbers(message):
                # shown to 4 significant digits: a leak is an expected value that rounds to it
                near = expected[np.abs(expected - shown) <= 5e-4 * max(abs(shown), 1e-12)]
                if near.size:
                    leaks.append((mutation.question.id, shown, message[:200]))
    assert not leaks, leaks[:5]
