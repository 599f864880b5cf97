"""Every bundled assignment the Gradescope way: its zip unpacked into a fake /autograder, the zip's
own setup.sh (one environment, built once for all), run_autograder on the reference, the
template and an empty submission, within 768 MB and half a CPU where a cgroup can be made
(benchmarks/gradescope_like.py prints the times and memory of the same runs)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Iterator

import jsonschema
import pytest

from benchmarks.gradescope_like import (
    CPU_SHARE, MEMORY_BYTES, FakeRoot, build_root, cgroup_problem, grade, measure, setup, workspace,
)
from autograder.rubric import load_rubric
from tests.conftest import PROJECT, requires_root

ASSIGNMENTS = sorted(p.stem for p in (PROJECT / "rubrics").glob("*.yaml"))
SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
LIMITS_PROBLEM = cgroup_problem()
LIMITED = LIMITS_PROBLEM is None

pytestmark = requires_root  # Gradescope runs it all as root, and the sandbox accounts need it


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    if not LIMITED:
        warnings.warn(f"Gradescope-like runs without limits: {LIMITS_PROBLEM}")
    with workspace() as folder:
        yield folder


@pytest.fixture(scope="module")
def roots(work: Path) -> dict[str, FakeRoot]:
    """Each assignment's fake root, set up by its zip's setup.sh into one shared environment."""
    made = {}
    for name in ASSIGNMENTS:
        fake = build_root(name, work)
        ran = setup(fake, work / "venv")
        assert ran.returncode == 0, ran.output[-3000:]
        made[name] = fake
    return made


def _autograded_points(name: str) -> float:
    rubric = load_rubric(PROJECT / "rubrics" / f"{name}.yaml")
    return sum(q.points for q in rubric.questions if not q.graded_by_hand() and not q.bonus)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_gradescope_like_run(name: str, roots: dict[str, FakeRoot]) -> None:
    fake = roots[name]
    reference, ran = grade(fake, PROJECT / "reference" / name, LIMITED)
    assert ran.returncode == 0 and reference is not None, ran.output[-3000:]
    jsonschema.validate(reference, SCHEMA)
    assert reference["score"] >= _autograded_points(name), reference["output"]
    assert all(t["score"] >= t["max_score"] for t in reference["tests"]), [
        (t["name"], t.get("output", "")[:200]) for t in reference["tests"] if t["score"] < t["max_score"]
    ]
    for submission in (PROJECT / "student_template" / name, None):
        results, ran = grade(fake, submission, LIMITED)
        assert ran.returncode == 0 and results is not None, ran.output[-3000:]
        jsonschema.validate(results, SCHEMA)
        assert results["score"] == 0
        assert "fault in the autograder" not in json.dumps(results)


def test_a_five_second_limit_is_the_student_code_s_alone(roots: dict[str, FakeRoot]) -> None:
    """The grader's start-up (torch imported by the zygote, at half a CPU) is not charged to the
    first question that runs code: with 5 s per question the reference keeps full marks."""
    fake = roots["mlp-backprop"]
    rubric = fake.source / "rubrics" / "mlp-backprop.yaml"
    original = rubric.read_text()
    assert "  time_limit: 60\n" in original
    rubric.write_text(re.sub(r"\n  time_limit: 60\n", "\n  time_limit: 5\n", original, count=1))
    try:
        results, ran = grade(fake, PROJECT / "reference" / "mlp-backprop", LIMITED)
    finally:
        rubric.write_text(original)
    assert results is not None, ran.output[-3000:]
    assert results["score"] == _autograded_points("mlp-backprop"), json.dumps(results)[:3000]


@pytest.mark.skipif(not LIMITED, reason=f"no cgroup here: {LIMITS_PROBLEM}")
def test_the_limits_hold(work: Path) -> None:
    """The group really caps memory (a 1 GB allocation dies) and CPU (a busy loop gets half)."""
    hog = measure(["python3", "-c", f"b = bytearray({MEMORY_BYTES + 256 * 2**20}); b[::4096] = b'x' * len(b[::4096])"],
                  {"PATH": "/usr/bin:/bin"}, limited=True, timeout=120)
    assert hog.returncode != 0
    spin = measure(["python3", "-c", "import time, os\nt = time.time()\nwhile time.time() - t < 2: pass\n"
                    "print(os.times().user)"], {"PATH": "/usr/bin:/bin"}, limited=True, timeout=120)
    assert spin.returncode == 0
    assert float(spin.output.split()[-1]) < 2 * CPU_SHARE + 0.4  # CPU time in 2 s of wall time
