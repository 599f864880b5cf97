"""Peak memory of a Gradescope-like run of each seed, with the course's packages installed.

    .venv/bin/python benchmarks/gradescope_memory.py [ASSIGNMENT ...] [--limit-mb 768]

As root, on a machine with cgroup v1's memory controller (``/sys/fs/cgroup/memory``). For each
assignment (all of ``rubrics/`` by default): builds the autograder zip, unpacks it as Gradescope
does (``/autograder/source``, with this ``.venv`` or ``$AUTOGRADER_VENV``, where ``setup.sh``
installed the rubric's packages), and runs ``run_autograder`` on the reference inside a memory
group limited to Gradescope's 768 MB, twice: the reference as it is, and the reference with every code file importing the rubric's
packages and drawing a figure at the top level (``plt.show()`` included). Prints the group's
peak (``memory.max_usage_in_bytes``: the grader, the zygote and every sandboxed task, page cache
charged to them included), how often the limit was hit, the score and the time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.bundle import build  # noqa: E402
from autograder.imports import modules_of  # noqa: E402
from autograder.rubric import open_course  # noqa: E402

CGROUPS = Path("/sys/fs/cgroup/memory")


def with_imports(code: str, packages: list[str]) -> str:
    """The file importing every course package and drawing a figure at the top level."""
    modules = sorted({modules_of(p)[0] for p in packages} - {"pylab", "mpl_toolkits"})
    head = "".join(f"import {m}\n" for m in modules)
    if "matplotlib" in modules:
        head += "import matplotlib.pyplot as plt\n"
        code += '\nplt.figure(); plt.plot([0, 1, 4, 9]); plt.savefig("figure.png"); plt.show()\n'
    return head + code


def gradescope_folder(name: str, where: Path, imports: bool) -> Path:
    """``/autograder`` for one assignment: the zip's source, the reference as the submission."""
    course = open_course(name, [ROOT])
    built = build(course, where / "dist", ROOT)
    root = where / "autograder"
    with zipfile.ZipFile(built.autograder_zip) as archive:
        archive.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)
    (root / "source" / ".venv").symlink_to(Path(os.environ.get("AUTOGRADER_VENV", ROOT / ".venv")).resolve())
    submission = root / "submission"
    shutil.copytree(course.reference_dir, submission, ignore=shutil.ignore_patterns("oracle.py"))
    if imports:
        for path in submission.glob("*.py"):
            path.write_text(with_imports(path.read_text(), course.rubric.assignment.packages))
    for directory, _, files in os.walk(where):
        os.chmod(directory, 0o755)
        for file in files:
            os.chmod(os.path.join(directory, file), 0o755)
    return root


def measure(root: Path, limit_mb: int, label: str) -> dict[str, float]:
    """Run run_autograder in a fresh memory group; the group's peak, failures, score and time."""
    group = CGROUPS / f"autograder-{label}-{os.getpid()}"
    group.mkdir()
    try:
        (group / "memory.limit_in_bytes").write_text(str(limit_mb * 2**20))
        started = time.perf_counter()
        subprocess.run(
            ["sh", "-c", f'echo $$ > {group}/cgroup.procs && exec "$0"', str(root / "source" / "run_autograder")],
            env={**os.environ, "AUTOGRADER_ROOT": str(root)}, capture_output=True, check=False, timeout=900,
        )
        seconds = time.perf_counter() - started
        results = json.loads((root / "results" / "results.json").read_text())
        return {
            "peak_mb": int((group / "memory.max_usage_in_bytes").read_text()) / 2**20,
            "limit_hits": int((group / "memory.failcnt").read_text()),
            "score": results["score"],
            "seconds": seconds,
        }
    finally:
        time.sleep(0.5)
        group.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--limit-mb", type=int, default=768)
    args = parser.parse_args()
    if os.geteuid() != 0 or not CGROUPS.is_dir():
        sys.exit("needs root and cgroup v1's memory controller at /sys/fs/cgroup/memory")
    names = args.assignments or sorted(p.stem for p in (ROOT / "rubrics").glob("*.yaml"))
    print(f"{'assignment':22} {'submission':34} {'peak MB':>8} {'hits':>5} {'score':>6} {'s':>6}")
    for name in names:
        for imports, what in ((False, "reference"), (True, "reference + packages + a plot")):
            with tempfile.TemporaryDirectory(prefix="gradescope-memory-") as where:
                root = gradescope_folder(name, Path(where), imports)
                row = measure(root, args.limit_mb, f"{name}-{int(imports)}")
            print(f"{name:22} {what:34} {row['peak_mb']:8.0f} {row['limit_hits']:5d} {row['score']:6g} "
                  f"{row['seconds']:6.1f}", flush=True)


if __name__ == "__main__":
    main()
