"""The hostile suite's course, its reference results, and grading one attack as Gradescope would.

Each attack is the reference submission with some files replaced, added or removed. It is
graded by ``autograder run`` (in this process, as on Gradescope the grader is one process), and
every result is held to the promises in SECURITY.md besides the attack's own expected outcome.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.safefs import remove_tree
from autograder.sandbox.sweep import WORLD_WRITABLE
from tests.hostile.attacks import LEFTOVER_MARK, SHM_KEY

COURSE = Path(__file__).resolve().parent / "course"
NAME = "hostile"
SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "gradescope_results.schema.json").read_text())
TIME_LIMIT_S = 4          # the course's time_limit, per question that runs code
CODE_QUESTIONS = 2        # scale and safe
OVERHEAD_S = 15           # loading the rubric and torch, judging, writing: generous on a slow CI
GRADER_SECRET = "GRADER-ENV-SECRET-2b7e"
# Text that only the rubric, the reference or the grader's environment holds.
SECRETS = (
    "HOSTILE-RUBRIC-SECRET", "HOSTILE-REFERENCE-SECRET", "HOSTILE-ORACLE-SECRET", "7919", "4099",
    GRADER_SECRET,
)


@dataclass(frozen=True)
class Graded:
    """What one attack left behind."""

    results: dict[str, Any]
    text: str
    seconds: float

    def test(self, number: str) -> dict[str, Any]:
        """The results.json test of question ``number``."""
        return next(t for t in self.results["tests"] if t["number"] == number)


def tree_digest(root: Path) -> str:
    """One hash of every file's path, mode and bytes below ``root``."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(f"{path.relative_to(root)}:{path.stat().st_mode:o}:".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def hostile_root() -> Iterator[Path]:
    """/autograder: source/ (course), submissions and results/, traversable like Gradescope's.

    Not under pytest's private tmp_path: the grader's own protection must be what hides secrets.
    """
    root = Path(tempfile.mkdtemp(prefix="autograder-hostile-"))
    os.chmod(root, 0o755)
    shutil.copytree(COURSE, root / "source")
    for directory, _, files in os.walk(root / "source"):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    yield root
    remove_tree(root)  # not shutil.rmtree: attacks leave 1,100 nested folders


class Grader:
    """Grades submissions of the hostile course into fresh Gradescope-like folders."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    @property
    def source(self) -> Path:
        return self.root / "source"

    def paths(self) -> dict[str, str]:
        """What an attacker who knows the layout would aim at."""
        return {
            "@RUBRIC@": str(self.source / "rubrics" / f"{NAME}.yaml"),
            "@REFERENCE@": str(self.source / "reference" / NAME / "attack.py"),
            "@ORACLE@": str(self.source / "reference" / NAME / "oracle.py"),
            "@SOURCE@": str(self.source),
            "@RESULTS@": str(self.root / "results" / "results.json"),
            "@SECRET@": GRADER_SECRET,
        }

    def submission(self, files: dict[str, Any]) -> Path:
        """The reference with ``files`` written (text, bytes, a callable given the path, or None)."""
        self.count += 1
        folder = self.root / f"submission-{self.count}"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(self.source / "reference" / NAME, folder)
        os.remove(folder / "oracle.py")
        for name, content in files.items():
            path = folder / name
            if content is None:
                path.unlink(missing_ok=True)
            elif callable(content):
                path.unlink(missing_ok=True)
                content(path)
            elif isinstance(content, bytes):
                path.write_bytes(content)
            else:
                for token, value in self.paths().items():
                    content = content.replace(token, value)
                path.write_text(content)
        for directory in _folders(folder):
            os.chmod(directory, 0o755)
        return folder

    def grade(self, submission: Path) -> Graded:
        """``autograder run`` as Gradescope calls it; checks the promises every run must keep."""
        results_path = self.root / "results" / "results.json"
        shutil.rmtree(results_path.parent, ignore_errors=True)
        results_path.parent.mkdir()
        before = tree_digest(self.source)
        started = time.monotonic()
        outcome = CliRunner().invoke(
            main, ["run", "--source", str(self.source), "--submission", str(submission),
                   "--results", str(results_path)],
            catch_exceptions=False,
        )
        seconds = time.monotonic() - started
        assert outcome.exit_code == 0, outcome.output
        text = results_path.read_text()
        results = json.loads(text)
        jsonschema.validate(results, SCHEMA)
        bound = TIME_LIMIT_S * CODE_QUESTIONS + OVERHEAD_S
        assert results["execution_time"] <= bound and seconds <= bound, seconds
        assert tree_digest(self.source) == before, "the course's files changed"
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaked into results.json"
        if os.geteuid() == 0:
            assert not _processes_of("student"), "student processes outlived the grading"
        assert not leftovers(), "files or shared memory of the sandbox account outlived the grading"
        return Graded(results, text, seconds)


def _folders(root: Path) -> list[Path]:
    """Every real folder below ``root`` (iteratively: os.walk recurses per level in 3.11)."""
    found, pending = [], [root]
    while pending:
        folder = pending.pop()
        found.append(folder)
        pending += [Path(e.path) for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
    return found


def leftovers() -> list[str]:
    """What the attacks leave in shared places (by their marker names, and the grader's lock
    names when a sandbox account made them), and their System V shared memory."""
    found = []
    for folder in WORLD_WRITABLE:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                owner = entry.stat(follow_symlinks=False).st_uid
            except OSError:
                continue
            planted = entry.name.startswith(("autograder-leases-", "autograder-sandbox-user-")) and owner != 0
            if entry.name.startswith(LEFTOVER_MARK) or planted:
                found.append(entry.path)
    try:
        shm = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    except OSError:
        shm = []
    found += [f"shm {line.split()[0]}" for line in shm if line.split() and line.split()[0] == str(SHM_KEY)]
    return found


def _processes_of(user: str) -> list[str]:
    """Live processes of ``user`` that descend from this test process.

    The grader is a subreaper, so whatever a task detaches (``setsid``, double forks) is
    reparented to it: counting descendants misses none of ours, and ignores the sandboxes of
    other graders running on the same machine at the same time (other test runs).
    """
    import pwd

    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and b") Z" not in (entry / "stat").read_bytes() \
                        and _descends_from_us(int(entry.name)):
                    found.append(entry.name)
            except OSError:
                continue
    return found


def _descends_from_us(pid: int) -> bool:
    ours = os.getpid()
    for _ in range(64):
        if pid == ours:
            return True
        if pid <= 1:
            return False
        try:
            pid = int((Path("/proc") / str(pid) / "stat").read_bytes().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
    return False


@pytest.fixture(scope="session")
def grader(hostile_root: Path) -> Grader:
    """One grader for the whole suite (the course is read-only to attacks)."""
    return Grader(hostile_root)


@pytest.fixture(scope="session")
def baseline(grader: Grader) -> Graded:
    """The reference's results: what every question an attack does not touch must still get."""
    graded = grader.grade(grader.submission({}))
    assert graded.results["score"] == 9.0
    return graded


@pytest.fixture(autouse=True)
def _grader_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret in the grader's environment, which no student process may see."""
    monkeypatch.setenv("AUTOGRADER_TEST_SECRET", GRADER_SECRET)
