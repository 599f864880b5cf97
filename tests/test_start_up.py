"""What makes a grading run start fast, and stay the same run: the sandbox opened by the entry
point before the grader's imports, modules preloaded in the zygote, matplotlib's font list
made once, and no sandbox at all for a submission without code."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Iterator

import pytest

from autograder import grading
from autograder.entry import submission_to_grade
from autograder.grading import Options, grade
from autograder.imports import course_modules, submission_imports
from autograder.rubric import open_course
from autograder.sandbox import Limits, ReadValue, Sandbox, sandbox_user
from autograder.sandbox.early import has_code, start_early
from autograder.sandbox.fonts import build, font_lists

ROOT = Path(__file__).resolve().parent.parent
LIMITS = Limits(time_s=30, memory_bytes=1024 * 2**20)


@pytest.fixture()
def folder() -> Iterator[Path]:
    """A folder the sandbox account can read (pytest's tmp_path is private to the grader)."""
    with tempfile.TemporaryDirectory(prefix="autograder-start-") as name:
        os.chmod(name, 0o755)
        yield Path(name)


@pytest.mark.parametrize("args, folder", [
    (["run"], "/autograder/submission"),
    (["run", "--submission", "/x/sub", "--results", "/x/r.json"], "/x/sub"),
    (["run", "--submission=/x/sub"], "/x/sub"),
    (["check", "mlp-backprop"], "."),
    (["check", "mlp-backprop", "mine"], "mine"),
    (["grade", "mlp-backprop", "sub"], "sub"),
    (["grade", "mlp-backprop", "sub", "--out", "r.json"], None),  # a glance: no early start, no harm
    (["grade", "mlp-backprop", "a", "b"], None),
    (["grade", "mlp-backprop", "sub", "--workers", "2"], None),
    (["grade", "mlp-backprop", "sub", "--executor", "dask"], None),
    (["validate", "mlp-backprop"], None),
    (["build", "mlp-backprop"], None),
    ([], None),
])
def test_the_entry_point_glances_at_the_one_submission_to_grade(args: list[str], folder: str | None) -> None:
    found = submission_to_grade(args)
    assert (str(found) if found else None) == (str(Path(folder)) if folder else None)


def test_code_is_looked_for_two_levels_deep_and_never_through_links(folder: Path) -> None:
    assert not has_code(folder)
    (folder / "answers.yaml").write_text("a: 1\n")
    assert not has_code(folder)
    deep = folder / "hw" / "part"
    deep.mkdir(parents=True)
    (deep / "mlp.ipynb").write_text("{}")
    assert has_code(folder)
    (deep / "mlp.ipynb").unlink()
    elsewhere = folder.parent / f"{folder.name}-elsewhere"
    elsewhere.mkdir()
    try:
        (elsewhere / "x.py").write_text("")
        (folder / "linked").symlink_to(elsewhere)
        (folder / "l.py").symlink_to(elsewhere / "x.py")
        assert not has_code(folder)
    finally:
        (elsewhere / "x.py").unlink()
        elsewhere.rmdir()


def test_an_early_sandbox_is_opened_for_code_and_let_go_when_not_needed(folder: Path) -> None:
    empty = start_early(folder)
    assert empty.sandbox is None and empty.take(True) is None
    (folder / "mlp.py").write_text("X = 1\n")
    early = start_early(folder)
    try:
        sandbox = early.take(True)
        assert sandbox is not None
        result = sandbox.run(ReadValue("mlp.py", "X"), folder, LIMITS, seed=0, device="cpu")
        assert result.status == "ok" and result.value == 1
    finally:
        early.close()
    again = start_early(folder)
    assert again.take(False) is None and again.sandbox is None
    again.close()  # idempotent, as the entry point closes it once more at exit


def test_a_submission_without_code_opens_no_sandbox(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    course = open_course("mlp-backprop", [ROOT])

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a sandbox was opened for a submission without code")

    monkeypatch.setattr(grading, "Sandbox", refuse)
    report = grade(course.rubric, folder, Options(reference=course.reference_dir))
    code = [r for r in report.results if r.id in {"mlp-forward", "mlp-backward", "mse-loss", "bce-loss"}]
    assert len(code) == 4 and all(r.status == "problem" and "not submitted" in r.messages[0] for r in code)
    assert report.score == 0


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_preloaded_modules_are_imported_once_in_the_zygote(folder: Path, warm: bool) -> None:
    (folder / "probe.py").write_text("import sys\nX = 'colorsys' in sys.modules\n")
    with Sandbox(sandbox_user(), warm=warm) as sandbox:
        before = sandbox.run(ReadValue("probe.py", "X"), folder, LIMITS, seed=0, device="cpu")
        sandbox.preload(["colorsys", "no_such_module_at_all"])
        after = sandbox.run(ReadValue("probe.py", "X"), folder, LIMITS, seed=0, device="cpu")
    assert before.status == after.status == "ok" and before.value is False
    assert after.value is warm  # cold tasks import what they use themselves


def test_the_font_list_made_at_set_up_is_found_in_each_task_home(folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    cache = tmp_path / "fonts"
    assert build(cache) and font_lists(cache)
    (folder / "plots.py").write_text(
        "import os, glob\n"
        "def listed():\n"
        "    return {p: os.stat(p).st_mtime_ns for p in glob.glob(os.path.expanduser('~/.cache/matplotlib/fontlist-*.json'))}\n"
        "BEFORE = listed()\n"
        "import matplotlib.pyplot\n"
        "X = [BEFORE, listed()]\n"
    )
    with Sandbox(sandbox_user()) as sandbox:
        sandbox._font_lists = font_lists(cache)
        seeded = sandbox.run(ReadValue("plots.py", "X"), folder, LIMITS, seed=0, device="cpu")
        sandbox._font_lists = []  # as without set-up: matplotlib makes its own list, task by task
        unseeded = sandbox.run(ReadValue("plots.py", "X"), folder, LIMITS, seed=0, device="cpu")
    assert seeded.status == unseeded.status == "ok", (seeded.message, unseeded.message)
    before, after = seeded.value
    assert before and before == after  # found, read, never made again
    assert not unseeded.value[0] and unseeded.value[1]


def test_the_font_list_is_never_taken_through_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "fontlist-v390.json").write_text("{}")
    (tmp_path / "linked").symlink_to(real)
    assert font_lists(real) and not font_lists(tmp_path / "linked")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "fontlist-v390.json").symlink_to(real / "fontlist-v390.json")
    assert not font_lists(tmp_path / "plain")


def test_a_submission_in_the_way_of_the_font_list_costs_nothing(folder: Path, tmp_path: Path) -> None:
    """A submitted file named .cache (or .cache/matplotlib) leaves matplotlib to make its own."""
    lists = [tmp_path / "fontlist-v390.json"]
    lists[0].write_text("{}")
    (folder / ".cache").write_text("not a folder")
    (folder / "x.py").write_text("import os\nX = open(os.path.expanduser('~/.cache')).read()\n")
    with Sandbox(sandbox_user()) as sandbox:
        sandbox._font_lists = lists
        result = sandbox.run(ReadValue("x.py", "X"), folder, LIMITS, seed=0, device="cpu")
    assert result.status == "ok" and result.value == "not a folder"


def test_the_course_packages_a_submission_imports_are_named_for_preloading(folder: Path) -> None:
    (folder / "mlp.py").write_text(
        "import os, json\nimport numpy as np\nimport torch\nimport matplotlib.pyplot as plt\n"
        "from tqdm import tqdm\nimport helpers\nfrom . import mine\n"
        "try:\n    import pandas\nexcept ImportError:\n    pandas = None\n"
    )
    (folder / "helpers.py").write_text("from matplotlib import colors\nimport seaborn\n")
    imported = submission_imports(folder, ["mlp.py", "answers.yaml"])
    packages = ["numpy", "matplotlib==3.10.9", "tqdm==4.70.1", "seaborn"]
    assert course_modules(imported, packages) == [
        "matplotlib.pyplot", "tqdm", "tqdm.tqdm", "matplotlib", "matplotlib.colors", "seaborn"]
    assert course_modules(imported, packages, most=2) == ["matplotlib.pyplot", "tqdm"]
    assert course_modules(imported, []) == []  # not the course's: nothing to preload (check names it)
    rubric = open_course("mlp-backprop", [ROOT]).rubric
    assert grading._preloads(rubric, "grade", ["matplotlib.pyplot"]) == ("matplotlib.pyplot",)
    data_only = rubric.model_copy(update={"questions": [q for q in rubric.questions if q.kind == "expression"]})
    assert grading._preloads(data_only, "grade", ["matplotlib.pyplot"]) == ()


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def test_preloaded_course_packages_serve_every_task_and_plots_stay_off_screen(folder: Path) -> None:
    pytest.importorskip("matplotlib")
    (folder / "plots.py").write_text(
        "import sys\nPRELOADED = 'matplotlib.pyplot' in sys.modules\n"
        "import matplotlib\nmatplotlib.use('TkAgg')  # written on a laptop\n"
        "import matplotlib.pyplot as plt\nplt.plot([1, 2], [3, 4])\nplt.savefig('p.png')\nplt.show()\n"
        "X = [PRELOADED, matplotlib.get_backend().lower()]\n"
    )
    with Sandbox(sandbox_user()) as sandbox:
        assert sandbox._zygote is not None and sandbox._zygote.ready()
        before = _threads(sandbox._zygote.process.pid)
        cold_import = sandbox.run(ReadValue("plots.py", "X"), folder, LIMITS, seed=0, device="cpu")
        sandbox.preload(["matplotlib.pyplot", "tqdm", "tqdm.tqdm"])
        preloaded = [sandbox.run(ReadValue("plots.py", "X"), folder, LIMITS, seed=0, device="cpu") for _ in range(2)]
        after = _threads(sandbox._zygote.process.pid)
    assert cold_import.status == "ok" and cold_import.value == [False, "agg"], cold_import.message
    assert all(r.status == "ok" and r.value == [True, "agg"] for r in preloaded), [r.message for r in preloaded]
    assert after <= before  # no thread started in the zygote: forking it stays as safe as before


def test_a_preload_that_raises_anything_leaves_the_zygote_serving(folder: Path) -> None:
    """A preloaded name comes from a submission's imports (even one in a function never called);
    a module that raises SystemExit (or pytest's Skipped, a test module's importorskip) while it
    is imported must not end the zygote every later task and submission forks from."""
    (folder / "probe.py").write_text("X = 1\n")
    with Sandbox(sandbox_user()) as sandbox:
        zygote = sandbox._zygote
        assert zygote is not None and zygote.ready() and sandbox._base is not None
        # Stands for a course package's module that exits while imported (the zygote's path).
        (sandbox._base / "runner" / "exits_when_imported.py").write_text("raise SystemExit(3)\n")
        (sandbox._base / "runner" / "interrupts_when_imported.py").write_text("raise KeyboardInterrupt\n")
        sandbox.preload(["exits_when_imported", "interrupts_when_imported"])
        results = [sandbox.run(ReadValue("probe.py", "X"), folder, LIMITS, seed=0, device="cpu") for _ in range(2)]
        alive = zygote.process.poll() is None and not zygote.broken
    assert all(r.status == "ok" and r.value == 1 for r in results), [r.message for r in results]
    assert alive


def test_a_preload_never_hides_a_students_own_module(folder: Path) -> None:
    """A warm worker's zygote keeps what earlier submissions preloaded; a later student's own
    module of the same name is still what their import finds, as in a cold start."""
    (folder / "probe.py").write_text("import colorsys\nX = getattr(colorsys, 'MINE', False)\n")
    (folder / "colorsys.py").write_text("MINE = True\n")
    other = folder / "other"
    other.mkdir()
    os.chmod(other, 0o755)
    (other / "probe.py").write_text("import sys\nPRE = 'colorsys' in sys.modules\nimport colorsys\n"
                                    "X = [PRE, getattr(colorsys, 'MINE', False)]\n")
    (other / "colorsys").mkdir()  # a folder without __init__.py shadows nothing
    with Sandbox(sandbox_user()) as sandbox:
        before = sandbox.run(ReadValue("probe.py", "X"), folder, LIMITS, seed=0, device="cpu")
        sandbox.preload(["colorsys"])  # another submission's import, in a shared worker
        after = sandbox.run(ReadValue("probe.py", "X"), folder, LIMITS, seed=0, device="cpu")
        unshadowed = sandbox.run(ReadValue("probe.py", "X"), other, LIMITS, seed=0, device="cpu")
    assert before.status == after.status == unshadowed.status == "ok", (after.message, unshadowed.message)
    assert before.value is True and after.value is True
    assert unshadowed.value == [True, False]  # still preloaded for the submissions it serves


def test_a_preload_that_hangs_costs_the_start_up_budget_not_the_run(folder: Path) -> None:
    """The zygote imports what was preloaded before it forks; an import that never ends must cost
    the grader's start-up budget once (the zygote is let go, tasks start cold), never hang the
    run (Gradescope's results.json) or a warm worker's every later submission."""
    (folder / "probe.py").write_text("X = 1\n")
    # The budget bounds the wait for the hung fork and then the cold start's own torch import:
    # generous, so that a loaded machine's cold start fits; what is asserted is that the run ends.
    limits = Limits(time_s=30, memory_bytes=1024 * 2**20, startup_s=30)
    results: list[object] = []
    with Sandbox(sandbox_user()) as sandbox:
        zygote = sandbox._zygote
        assert zygote is not None and zygote.ready() and sandbox._base is not None
        (sandbox._base / "runner" / "hangs_when_imported.py").write_text("import time\ntime.sleep(10**6)\n")
        sandbox.preload(["hangs_when_imported"])
        worker = threading.Thread(target=lambda: results.extend(
            sandbox.run(ReadValue("probe.py", "X"), folder, limits, seed=0, device="cpu") for _ in range(2)))
        worker.start()
        worker.join(600)  # a safety net far beyond the budgets, not a measure of speed
        finished = not worker.is_alive()
        if not finished:
            zygote.close()  # what the fix does: the blocked read then ends
            worker.join()
    assert finished, "the grader waited on the hung zygote"
    assert [(r.status, r.value) for r in results] == [("ok", 1), ("ok", 1)], results  # type: ignore[attr-defined]
    assert zygote.broken and zygote.process.poll() is not None
