"""Grade every bundled assignment the way Gradescope does, within Gradescope's default limits.

For each assignment: ``autograder build`` its zip, unpack it into a fake ``/autograder`` (a
folder given as ``AUTOGRADER_ROOT``), run the zip's ``setup.sh`` (as the image build does; one
environment shared by all assignments, so it is built once), then ``run_autograder`` on the
reference (full marks), the template (zero) and an empty submission (zero, valid results) —
under 768 MB and half a CPU where this machine lets a cgroup (v1 or v2) be made. Prints the
time and peak memory of each run, and, for the reference, of the same work with every code file
importing the rubric's packages and drawing a figure at the top level (what a notebook-minded
student submits)::

    python benchmarks/gradescope_like.py [ASSIGNMENT ...] [--no-limits]

``tests/test_gradescope_like.py`` runs the same steps and checks the results.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

PROJECT = Path(__file__).resolve().parent.parent
MEMORY_BYTES = 768 * 2**20  # Gradescope's default container
CPU_SHARE = 0.5  # half a vCPU
TIMEOUT_S = 600.0  # Gradescope's default total time
_V1 = Path("/sys/fs/cgroup")
_V2 = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Measured:
    """One command's outcome: exit status, wall time, and the peak memory of its processes
    (proportional set size, sampled, shared pages counted once) and of its cgroup (cache
    included, where a cgroup was made)."""

    returncode: int
    seconds: float
    peak_pss_bytes: int
    cgroup_peak_bytes: int | None
    output: str


class Cgroup:
    """A memory and CPU limit for one command tree: cgroup v2 (``memory.max``, ``cpu.max``) or v1
    (``memory.limit_in_bytes``, ``cpu.cfs_quota_us``)."""

    def __init__(self, version: int, dirs: dict[str, Path]) -> None:
        self.version = version
        self.dirs = dirs

    @classmethod
    def make(cls, memory_bytes: int, cpu_share: float) -> "Cgroup":
        """A fresh group with these limits; OSError where the machine does not allow one."""
        name = f"autograder-gs-{uuid.uuid4().hex[:8]}"
        if (_V2 / "cgroup.controllers").is_file() and {"memory", "cpu"} <= set(
            (_V2 / "cgroup.controllers").read_text().split()
        ):
            group = _V2 / name
            group.mkdir()
            made = cls(2, {"all": group})
            try:
                (group / "memory.max").write_text(str(memory_bytes))
                (group / "memory.swap.max").write_text("0") if (group / "memory.swap.max").exists() else None
                (group / "cpu.max").write_text(f"{int(100_000 * cpu_share)} 100000")
            except OSError:
                made.remove()
                raise
            return made
        memory, cpu = _V1 / "memory" / name, _V1 / "cpu" / name
        memory.mkdir()
        made = cls(1, {"memory": memory})
        try:
            cpu.mkdir()
            made.dirs["cpu"] = cpu
            (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            (cpu / "cpu.cfs_period_us").write_text("100000")
            (cpu / "cpu.cfs_quota_us").write_text(str(int(100_000 * cpu_share)))
        except OSError:
            made.remove()
            raise
        return made

    def procs_files(self) -> list[Path]:
        """Where a process is moved into the group (one file per hierarchy)."""
        return [d / "cgroup.procs" for d in self.dirs.values()]

    def pids(self) -> list[int]:
        """The processes in the group now."""
        first = next(iter(self.dirs.values())) / "cgroup.procs"
        try:
            return [int(p) for p in first.read_text().split()]
        except OSError:
            return []

    def peak_bytes(self) -> int | None:
        """The group's peak memory (v1 and v2 count the page cache it touched too)."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        path = next(iter(self.dirs.values())) / name
        try:
            return int(path.read_text())
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        for directory in self.dirs.values():
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)  # the last process is still leaving


def cgroup_problem(memory_bytes: int = MEMORY_BYTES, cpu_share: float = CPU_SHARE) -> str | None:
    """Why a group with these limits cannot be made here, or None when it can."""
    try:
        Cgroup.make(memory_bytes, cpu_share).remove()
    except OSError as error:
        return f"no writable cgroup (v1 or v2) with memory and cpu controllers: {error}"
    return None


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def measure(command: list[str], env: dict[str, str], limited: bool, timeout: float = TIMEOUT_S, *,
            cpu_share: float = CPU_SHARE, memory_bytes: int = MEMORY_BYTES, sample: bool = True,
            cwd: Path | None = None) -> Measured:
    """Run ``command`` in ``cwd`` (in a new cgroup of ``memory_bytes`` and ``cpu_share`` of a CPU
    when ``limited``), sampling the PSS of its whole process tree every 50 ms unless not
    ``sample`` (then ``peak_pss_bytes`` is 0: a timing run that reads no ``/proc`` meanwhile)."""
    group = Cgroup.make(memory_bytes, cpu_share) if limited else None
    # The shell joins the group before it becomes the command, so everything it starts is in it.
    joins = "".join(f'echo $$ > "{p}" && ' for p in (group.procs_files() if group else []))
    started = time.monotonic()
    process = subprocess.Popen(["sh", "-c", f'{joins}exec "$@"', "sh", *command], env=env, cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    done = threading.Event()

    def sampling() -> None:
        nonlocal peak
        while not done.wait(0.05):
            pids = group.pids() if group else _descendants(process.pid)
            peak = max(peak, sum(_pss(pid) for pid in pids))

    sampler = threading.Thread(target=sampling, daemon=True)
    if sample:
        sampler.start()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    finally:
        done.set()
        if sample:
            sampler.join()
    seconds = time.monotonic() - started
    cgroup_peak = group.peak_bytes() if group else None
    if group:
        group.remove()
    return Measured(process.returncode, seconds, peak, cgroup_peak, output)


def unpack(archive: Path, into: Path) -> None:
    """As Gradescope unzips: the zip's file modes, every folder readable."""
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            target = into / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(opened.read(info))
            os.chmod(target, (info.external_attr >> 16) & 0o777 or 0o644)
    for directory, _, _ in os.walk(into):
        os.chmod(directory, 0o755)


@dataclass(frozen=True)
class FakeRoot:
    """A folder laid out as Gradescope's ``/autograder`` for one assignment."""

    root: Path
    name: str

    @property
    def source(self) -> Path:
        return self.root / "source"


def build_root(name: str, work: Path) -> FakeRoot:
    """Build NAME's zip with this checkout's ``autograder build`` and unpack it into a fake root."""
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "autograder", "build", name, "--out", str(dist)],
                   cwd=PROJECT, check=True, capture_output=True, timeout=300)
    fake = FakeRoot(work / name, name)
    shutil.rmtree(fake.root, ignore_errors=True)
    unpack(dist / name / "autograder.zip", fake.source)
    return fake


def setup(fake: FakeRoot, venv: Path) -> Measured:
    """The zip's ``setup.sh``, with the environment at ``venv`` (shared across assignments)."""
    env = {**os.environ, "AUTOGRADER_VENV": str(venv)}
    return measure(["bash", str(fake.source / "setup.sh")], env, limited=False, timeout=1800)


def with_imports(code: str, packages: list[str]) -> str:
    """A code file importing every course package and drawing a figure at the top level."""
    from autograder.imports import modules_of

    modules = sorted({modules_of(p)[0] for p in packages} - {"pylab", "mpl_toolkits"})
    head = "".join(f"import {m}\n" for m in modules)
    if "matplotlib" in modules:
        head += "import matplotlib.pyplot as plt\n"
        code += '\nplt.figure(); plt.plot([0, 1, 4, 9]); plt.savefig("figure.png"); plt.show()\n'
    return head + code


def importing_copy(name: str, work: Path) -> Path:
    """The reference with :func:`with_imports` applied to each of its code files."""
    from autograder.rubric import load_rubric

    packages = list(load_rubric(PROJECT / "rubrics" / f"{name}.yaml").assignment.packages)
    folder = work / f"{name}-importing"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(PROJECT / "reference" / name, folder, ignore=shutil.ignore_patterns("oracle.py"))
    for path in folder.glob("*.py"):
        path.write_text(with_imports(path.read_text(), packages))
    return folder


def grade(fake: FakeRoot, submission: Path | None, limited: bool) -> tuple[dict[str, Any] | None, Measured]:
    """``run_autograder`` on a copy of ``submission`` (None: an empty submission)."""
    target = fake.root / "submission"
    shutil.rmtree(target, ignore_errors=True)
    if submission is None:
        target.mkdir(parents=True)
    else:
        shutil.copytree(submission, target)
    results = fake.root / "results" / "results.json"
    results.unlink(missing_ok=True)
    results.parent.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOGRADER_", "PYTHON"))}
    env["AUTOGRADER_ROOT"] = str(fake.root)
    run = measure([str(fake.source / "run_autograder")], env, limited)
    data = json.loads(results.read_text()) if results.is_file() else None
    return data, run


@contextmanager
def workspace() -> Iterator[Path]:
    """A folder the sandbox accounts can traverse (their code is copied out of it)."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-gradescope-like-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _mib(value: int | None) -> str:
    return "–" if value is None else f"{value / 2**20:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--no-limits", action="store_true", help="run without the cgroup limits")
    args = parser.parse_args()
    names = args.assignments or sorted(p.stem for p in (PROJECT / "rubrics").glob("*.yaml"))
    problem = None if args.no_limits else cgroup_problem()
    limited = not args.no_limits and problem is None
    print(f"limits: {'768 MB, half a CPU (cgroup)' if limited else 'none'}" + (f" ({problem})" if problem else ""))
    with workspace() as work:
        venv = work / "venv"
        print(f"{'assignment':24} {'submission':10} {'score':>12} {'s':>7} {'peak PSS MiB':>13} {'cgroup peak MiB':>16}")
        for name in names:
            fake = build_root(name, work)
            made = setup(fake, venv)
            if made.returncode != 0:
                sys.exit(f"setup.sh failed for {name}:\n{made.output[-3000:]}")
            print(f"{name:24} {'(setup.sh)':10} {'':>12} {made.seconds:7.1f}")
            for label, folder in (("reference", PROJECT / "reference" / name),
                                  ("+ packages", importing_copy(name, work)),
                                  ("template", PROJECT / "student_template" / name), ("empty", None)):
                results, run = grade(fake, folder, limited)
                score = f"{results['score']:g}" if results else "no results"
                print(f"{name:24} {label:10} {score:>12} {run.seconds:7.1f} {_mib(run.peak_pss_bytes):>13} "
                      f"{_mib(run.cgroup_peak_bytes):>16}")


if __name__ == "__main__":
    main()
