"""Every hostile submission gets exactly its expected outcome, and costs nothing else."""

from __future__ import annotations

import os

import pytest

from tests.hostile.attacks import ATTACKS, Attack
from tests.hostile.conftest import Graded, Grader


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack(attack: Attack, grader: Grader, baseline: Graded) -> None:
    if attack.needs_root and os.geteuid() != 0:
        pytest.skip("needs a separate sandbox user (run as root)")
    graded = grader.grade(grader.submission(attack.files))
    for number, (score, texts) in attack.expect.items():
        test = graded.test(number)
        assert test["score"] == score, test
        for text in texts:
            assert text in test["output"], test["output"]
    for test in baseline.results["tests"]:
        if test["number"] not in attack.expect:
            assert graded.test(test["number"]) == test
    assert graded.results["score"] == pytest.approx(
        sum(t["score"] for t in graded.results["tests"])
    )
