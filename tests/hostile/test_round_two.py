"""Round two (issue 18): the grader's own handling of what a student made, tested directly.

The attacks in ``attacks.py`` go through ``autograder run``; these check the parts an attack
cannot reach alone: where root writes (figures, lock folders), results.json on a full disk,
the submission's fault boundary, the CPU rerun's time, and autograd refused however reached.
"""

from __future__ import annotations

import errno
import json
import os
import pwd
import textwrap
import time
from pathlib import Path

import pytest

from autograder.grading import Options, _cpu_rerun_limits, grade
from autograder.report import results as results_module
from autograder.rubric import open_course
from autograder.safefs import private_dir
from autograder.sandbox import Limits
from autograder.sandbox import protocol
from autograder.sourcecode import autograd_uses, parse_student
from tests.hostile.conftest import Grader

requires_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root and a sandbox account")


# --- class 1: root never follows a path a student made ------------------------------------------


def test_figures_are_never_written_through_a_planted_link(tmp_path: Path) -> None:
    secret = tmp_path / "root-only"
    secret.mkdir(mode=0o700)
    (secret / "scale.png").write_bytes(b"root's file")
    out = tmp_path / "out"
    out.mkdir()
    (out / "figures").symlink_to(secret, target_is_directory=True)
    figure = type("Figure", (), {"png": b"\x89PNG picture", "caption": "c"})()
    fake = type("Result", (), {"id": "scale", "figures": (figure,)})()
    written = results_module.write_figures(out / "figures", (fake,))  # type: ignore[arg-type]
    assert written == [out / "figures" / "scale.png"]
    assert not (out / "figures").is_symlink() and (out / "figures" / "scale.png").read_bytes() == b"\x89PNG picture"
    assert (secret / "scale.png").read_bytes() == b"root's file" and sorted(os.listdir(secret)) == ["scale.png"]


@requires_root
def test_a_lease_folder_planted_in_tmp_is_replaced(tmp_path: Path) -> None:
    student = pwd.getpwnam("student")
    planted = tmp_path / "autograder-leases-0"
    planted.mkdir(mode=0o777)
    (planted / "user-1001.lock").symlink_to("/etc/passwd")
    os.chown(planted, student.pw_uid, student.pw_gid)
    folder = private_dir(planted)
    info = folder.lstat()
    assert info.st_uid == 0 and (info.st_mode & 0o777) == 0o700 and os.listdir(folder) == []


# --- class 3: facts from the student's process decide nothing they should not --------------------


def test_a_forged_device_error_buys_no_time() -> None:
    limits = Limits(time_s=4, memory_bytes=2**28)
    assert _cpu_rerun_limits(limits, spent_s=3.5, budget_end=time.monotonic() + 100) is None
    rerun = _cpu_rerun_limits(limits, spent_s=1.0, budget_end=time.monotonic() + 100)
    assert rerun is not None and rerun.time_s <= 3.0
    assert _cpu_rerun_limits(limits, spent_s=0.0, budget_end=time.monotonic() + 0.5) is None


_AUTOGRAD_COURSE = {
    "rubrics/grads.yaml": """
        assignment: {name: grads, title: Grads, files: [grads.py], time_limit: 20, device: cpu}
        questions:
          - id: backward
            title: Gradients by hand
            points: 1
            kind: module
            source: {file: grads.py}
            oracle: {name: double}
            no_autograd: true
            inputs:
              x: {shape: [n]}
            steps:
              - g = double(x)
            checks:
              - {name: g}
            cases:
              - {sizes: {n: 4}}
        """,
    "reference/grads/oracle.py": "def double(x):\n    return {'g': 2 * x}\n",
    "reference/grads/grads.py": "def double(x):\n    return 2 * x\n",
}

# Each computes 2x as the gradient of x**2 through autograd, hidden from a scan of grads.py.
_HIDDEN_AUTOGRAD = {
    "a helper file": {
        "grads.py": "from helper import double\n",
        "helper.py": "import torch\n\ndef double(x):\n    x = x.clone().requires_grad_()\n"
                     "    (x * x).sum().backward()\n    return x.grad\n",
    },
    "the engine, reached by strings": {
        "grads.py": "import importlib\n\ndef double(x):\n"
                    "    v = importlib.import_module('torch.' + 'auto' + 'grad.variable').Variable\n"
                    "    x = x.clone().requires_grad_(True)\n    y = (x * x).sum()\n"
                    "    engine = getattr(v, '_exec' + 'ution_engine')\n"
                    "    import torch\n    (g,) = getattr(engine, 'run_back' + 'ward')((y,), (torch.ones(()),), False, False, (x,), False, False)\n"
                    "    return g\n",
    },
    "torch.func, reached by strings": {
        "grads.py": "import torch\n\ndef double(x):\n"
                    "    return getattr(getattr(torch, 'fu' + 'nc'), 'gr' + 'ad')(lambda t: (t * t).sum())(x)\n",
    },
    "a custom Function's backward": {
        "grads.py": "import importlib, torch\nA = importlib.import_module('torch.' + 'auto' + 'grad')\n\n"
                    "class Sq(getattr(A, 'Func' + 'tion')):\n    @staticmethod\n    def forward(ctx, t):\n"
                    "        ctx.save_for_backward(t)\n        return t * t\n\n    @staticmethod\n"
                    "    def backward(ctx, g):\n        (t,) = ctx.saved_tensors\n        return 2 * t * g\n\n"
                    "def double(x):\n    x = x.clone().requires_grad_(True)\n    y = Sq.apply(x).sum()\n"
                    "    return getattr(A, 'gr' + 'ad')(y, x)[0]\n",
    },
}


def _course(root: Path) -> Path:
    for name, text in _AUTOGRAD_COURSE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


@pytest.mark.parametrize("how", sorted(_HIDDEN_AUTOGRAD))
def test_autograd_is_refused_however_it_is_reached(how: str, tmp_path: Path) -> None:
    course = open_course(str(_course(tmp_path / "course") / "rubrics" / "grads.yaml"), [tmp_path / "course"])
    submission = tmp_path / "submission"
    submission.mkdir()
    for name, text in _HIDDEN_AUTOGRAD[how].items():
        (submission / name).write_text(text)
    os.chmod(submission, 0o755)
    report = grade(course.rubric, submission, Options(reference=course.reference_dir))
    (result,) = report.results
    assert result.score == 0, result
    assert "autograd is not allowed" in " ".join(result.messages), result.messages


def test_the_reference_itself_passes_the_autograd_rules(tmp_path: Path) -> None:
    course = open_course(str(_course(tmp_path / "course") / "rubrics" / "grads.yaml"), [tmp_path / "course"])
    report = grade(course.rubric, course.reference_dir, Options(reference=course.reference_dir))
    assert report.results[0].score == 1, report.results[0]


def test_the_source_scan_follows_imports_into_submitted_files(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("import pkg.helper\nfrom other import f\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "helper.py").write_text("import torch\ng = torch.func.grad\n")
    (tmp_path / "other.py").write_text("def f(x):\n    return x.grad_fn\n")
    found = {finding.file for finding in autograd_uses(tmp_path, "main.py")}
    assert found == {"pkg/helper.py", "other.py"}


# --- class 4: the grader's work on student data is bounded and isolated --------------------------


@pytest.mark.parametrize("source", ["y = " + "-" * 100_000 + "1", "y = " + "+".join(["1"] * 200_000),
                                    "y = 1\x00"])
def test_every_way_ast_parse_fails_is_a_syntax_error(source: str) -> None:
    with pytest.raises(SyntaxError):
        parse_student(source)


def test_a_reply_is_bounded_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(protocol.WireError, match="digits"):
        protocol.loads(b"[1" + b"0" * 4000 + b"]")  # while parsing, before the number is built

    def never(*_: object, **__: object) -> None:
        raise AssertionError("the reply was parsed before it was counted")

    monkeypatch.setattr(protocol.json, "loads", never)
    with pytest.raises(protocol.WireError, match="too many items"):
        protocol.loads(b"[" + b"{}," * 5_000_000 + b"{}]")


def test_a_submission_that_cannot_be_opened_costs_grading_errors_not_the_run(
    grader: Grader, monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograder.grading

    def broken(*_: object, **__: object) -> object:
        raise RecursionError("a bug in opening submissions")

    monkeypatch.setattr(autograder.grading, "with_notebooks", broken)
    graded = grader.grade(grader.submission({}))
    assert graded.results["score"] == 0 and len(graded.results["tests"]) == 4
    assert all("grading-error" in test["tags"] for test in graded.results["tests"])


def test_results_are_written_on_a_full_disk(grader: Grader, monkeypatch: pytest.MonkeyPatch) -> None:
    real = results_module._write_atomically

    def full(path: Path, results: object, raw: bytes | None) -> None:
        if raw is None:  # the reservation before grading still fits; nothing after it does
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, results, raw)  # type: ignore[arg-type]

    monkeypatch.setattr(results_module, "_write_atomically", full)
    graded = grader.grade(grader.submission({}))
    assert graded.results["score"] == 9.0 and len(graded.results["tests"]) == 4
    assert json.loads(Path(grader.paths()["@RESULTS@"]).read_text())["score"] == 9.0
