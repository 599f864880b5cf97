"""matplotlib's font list, made once at set-up and put into each task's home.

matplotlib reads every installed font the first time it is imported with an empty cache, and
each task's home is new: a student's ``import matplotlib.pyplot`` cost that scan in every task
(a third of a second to a second, more at half a CPU). ``setup.sh`` runs this module once, which
makes the list in the grader's environment; the sandbox copies it into each task's home where
matplotlib itself would have written it (``~/.cache/matplotlib``), so the task finds what its
own first import would have left there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CACHE = Path(sys.prefix) / "share" / "autograder" / "matplotlib"
_LIST = "fontlist-*.json"


def font_lists(cache: Path = CACHE) -> list[Path]:
    """The font lists made at set-up (none when matplotlib is not installed, or set-up has not
    made them): plain files only, never a link."""
    if cache.is_symlink() or not cache.is_dir():
        return []
    return sorted(p for p in cache.glob(_LIST) if p.is_file() and not p.is_symlink())


def seed_home(home: Path, lists: list[Path]) -> None:
    """Put the font lists into ``home/.cache/matplotlib`` (a task's fresh home, holding a copy
    of the submission: links never, but maybe a file named ``.cache``; then matplotlib simply
    makes its own list, as without set-up)."""
    if not lists:
        return
    target = home / ".cache" / "matplotlib"
    try:
        target.mkdir(parents=True, exist_ok=True)
        for path in lists:
            shutil.copyfile(path, target / path.name, follow_symlinks=False)
    except OSError:
        pass


def build(cache: Path = CACHE) -> bool:
    """Make the font list in ``cache`` with this interpreter's matplotlib; False without one."""
    cache.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MPLCONFIGDIR": str(cache), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                          capture_output=True, check=False)
    return done.returncode == 0 and bool(font_lists(cache))

