"""Gradescope's Ubuntu 22.04 image runs Python 3.10; CI has 3.11 only (Debian ships no 3.10), so
the package is checked statically against 3.10's syntax and standard library with vermin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT


def vermin(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("vermin")), "--target=3.10-", "--violations", "--no-tips",
         "--eval-annotations", "--no-parse-comments", *map(str, paths)],
        capture_output=True, text=True, timeout=300, check=False,
    )


def test_the_package_needs_nothing_newer_than_python_3_10() -> None:
    done = vermin(PROJECT / "autograder", PROJECT / "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_check_catches_what_3_10_lacks(tmp_path: Path) -> None:
    newer = tmp_path / "newer.py"
    newer.write_text("import tomllib\nfrom typing import Self\ntry:\n    pass\nexcept* ValueError:\n    pass\n")
    done = vermin(newer)
    assert done.returncode == 1
    assert "tomllib" in done.stdout and "typing.Self" in done.stdout
