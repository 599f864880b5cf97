"""Where submissions are graded, many at a time: here, in a local pool of warm workers, or on Dask.

Every executor grades each submission with :func:`grade_into` (results.json and summary.json in
the output folder, when there is one) and yields its :class:`~autograder.outcomes.Report` as
soon as it is done. A regrade (:mod:`autograder.regrade`) and mutation testing
(:mod:`autograder.mutation`, each mutant a submission graded on one question) both grade
through them. Workers are *warm*: each loads the rubric once and keeps one sandbox open,
whose zygote imported torch once (``autograder/sandbox/zygote.py``); every question of every
submission is still a fresh sandboxed process forked from it, so one submission cannot touch
the next. Scores do not depend on the executor: each question's random draws are seeded by the
assignment and question alone.

Dask (``--executor dask``) was chosen over Ray because it is pure Python, installs from PyPI in
seconds with no daemon or dashboard of its own, starts a local cluster inside a test, and
schedules by named worker resources (``GPU``), which is what "questions that need a GPU run on
workers that have one" needs. Ray's wheel alone is larger than torch's CPU build.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.util
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Protocol

from autograder.grading import Options, code_questions, grade
from autograder.oracles import Oracle, OracleError, load_oracles
from autograder.outcomes import SUMMARY, Report, write_summary
from autograder.report.results import gradescope_results, write_results
from autograder.rubric import Rubric, load_rubric
from autograder.sandbox import Sandbox, sandbox_user


@dataclass(frozen=True)
class Submitted:
    """One submission to grade: a label for reports, its folder, who submitted it, and which
    questions to grade (by id; all of the rubric's when empty)."""

    label: str
    folder: Path
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    sids: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()


def grade_into(rubric: Rubric, submitted: Submitted, out_dir: Path | None, options: Options,
               sandbox: Sandbox | None = None,
               oracles: dict[str, Oracle | OracleError] | None = None) -> Report:
    """Grade one submission; with ``out_dir``, into ``out_dir/LABEL/``: results.json, then
    summary.json (written last: a regrade resumes from it)."""
    if submitted.questions:
        rubric = rubric.model_copy(update={"questions": [rubric.question(i) for i in submitted.questions]})
    report = replace(grade(rubric, submitted.folder, options, sandbox, oracles), label=submitted.label,
                     names=submitted.names, emails=submitted.emails, sids=submitted.sids)
    if out_dir is not None:
        folder = out_dir / submitted.label
        write_results(folder / "results.json", gradescope_results(rubric, report))
        write_summary(folder / SUMMARY, report)
    return report


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to grade: the rubric's file and how to grade (sent to every worker)."""

    rubric_path: Path
    options: Options
    needs_gpu: bool = False  # the assignment's code must run on CUDA: Dask asks for a GPU worker
    threads: int | None = None  # torch threads per worker and per sandboxed task; None: the default

    @classmethod
    def for_rubric(cls, rubric_path: Path, rubric: Rubric, options: Options) -> "WorkerSpec":
        """The spec of a loaded rubric; it needs a GPU under ``device: cuda`` or ``--device cuda``."""
        return cls(rubric_path, options, (options.device or rubric.assignment.device) == "cuda")


class _Warm:
    """One worker process's rubric and open sandbox (when some question runs code), made on
    its first submission."""

    def __init__(self, spec: WorkerSpec) -> None:
        if spec.threads is not None:
            _limit_torch_threads(spec.threads)
        self.rubric: Rubric = load_rubric(spec.rubric_path, str(spec.rubric_path))
        self.stack = ExitStack()
        runs_code = bool(code_questions(self.rubric, spec.options.mode))
        # Opened before the first submission's code runs; their answers then serve every one.
        self.oracles = (load_oracles(self.rubric.questions, spec.options.reference)
                        if spec.options.mode == "grade" else {})
        self.sandbox: Sandbox | None = (
            self.stack.enter_context(Sandbox(sandbox_user(), threads=spec.threads)) if runs_code else None
        )
        # Worker processes may end without running atexit (multiprocessing's), or with it (Dask's).
        atexit.register(self.stack.close)
        multiprocessing.util.Finalize(self, self.stack.close, exitpriority=10)


def _limit_torch_threads(threads: int) -> None:
    """Keep this worker's torch to ``threads`` threads.

    Two workers on two cores, each with torch's default of one thread per core, spend their time
    spinning in each other's way: measured, 60 submissions took longer on two workers than on one.
    The variable is read when torch is imported, which may not have happened yet in this process.
    """
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


# A cache, not shared state: each worker process keeps its own warm rubric and sandbox here so
# that the second submission it grades pays nothing to start.
_WARM: dict[WorkerSpec, _Warm] = {}


def _warm(spec: WorkerSpec) -> _Warm:
    if spec not in _WARM:
        _WARM[spec] = _Warm(spec)
    return _WARM[spec]


def _release(spec: WorkerSpec) -> None:
    """Close this process's warm worker for ``spec``, if any (the next submission warms anew)."""
    warm = _WARM.pop(spec, None)
    if warm is not None:
        warm.stack.close()


def grade_in_worker(spec: WorkerSpec, submitted: Submitted, out_dir: Path | None) -> Report:
    """Grade one submission in this (warm) worker process."""
    warm = _warm(spec)
    return grade_into(warm.rubric, submitted, out_dir, spec.options, warm.sandbox, warm.oracles)


class Executor(Protocol):
    """Grades submissions and yields each report as it is done (in any order).

    With ``out_dir``, each submission's results.json and summary.json are written under
    ``out_dir/LABEL/``; without, the reports only come back (mutation testing).
    """

    def grade(self, submissions: list[Submitted], out_dir: Path | None) -> Iterator[Report]:
        """Grade ``submissions`` (into ``out_dir``)."""
        ...

    def close(self) -> None:
        """Let go of what stays warm between calls to :meth:`grade`."""
        ...


@dataclass(frozen=True)
class Serial:
    """One submission after another, in this process (one warm sandbox for all, until closed)."""

    spec: WorkerSpec

    def grade(self, submissions: list[Submitted], out_dir: Path | None) -> Iterator[Report]:
        """Grade ``submissions`` in order."""
        for submitted in submissions:
            yield grade_in_worker(self.spec, submitted, out_dir)

    def close(self) -> None:
        """Close the warm sandbox (a later :meth:`grade` opens another)."""
        _release(self.spec)


@dataclass(frozen=True)
class LocalPool:
    """``workers`` warm processes on this machine (started fresh: no state of ours is forked)."""

    spec: WorkerSpec
    workers: int

    def grade(self, submissions: list[Submitted], out_dir: Path | None) -> Iterator[Report]:
        """Grade ``submissions`` on the pool; each worker warms up before its first one."""
        if not submissions:
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=min(self.workers, len(submissions)), mp_context=context,
            initializer=_warm, initargs=(self.spec,),
        ) as pool:
            futures = [pool.submit(grade_in_worker, self.spec, s, out_dir) for s in submissions]
            for future in as_completed(futures):
                yield future.result()

    def close(self) -> None:
        """Nothing to do: the workers end with each :meth:`grade`."""


class DaskUnavailable(RuntimeError):
    """Dask's distributed scheduler is not installed, or the cluster cannot run the work."""


@dataclass(frozen=True)
class DaskCluster:
    """Dask: a local cluster of ``workers`` processes, or the scheduler at ``address``.

    A submission whose assignment needs CUDA asks for the worker resource ``GPU``; local workers
    declare one when this machine has a GPU, and remote ones when started with
    ``dask worker --resources GPU=1``. Without any such worker the regrade stops with a message
    rather than wait forever.
    """

    spec: WorkerSpec
    workers: int
    address: str | None = None

    def grade(self, submissions: list[Submitted], out_dir: Path | None) -> Iterator[Report]:
        """Grade ``submissions`` on the cluster."""
        try:
            from distributed import Client, LocalCluster, as_completed as dask_completed
        except ImportError as error:
            raise DaskUnavailable(
                "--executor dask needs Dask's scheduler: pip install 'distributed'"
            ) from error
        if not submissions:
            return
        with ExitStack() as stack:
            if self.address:
                client = stack.enter_context(Client(self.address))
            else:
                cluster = stack.enter_context(LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, resources=_local_resources(),
                ))
                client = stack.enter_context(Client(cluster))
            resources = {"GPU": 1} if self.spec.needs_gpu else None
            if resources and not _any_worker_has(client, "GPU"):
                raise DaskUnavailable("this assignment needs a GPU, and no Dask worker declares one")
            futures = [
                client.submit(grade_in_worker, self.spec, s, out_dir, key=f"grade-{s.label}",
                              resources=resources, pure=False)
                for s in submissions
            ]
            for future in dask_completed(futures):
                yield future.result()

    def close(self) -> None:
        """Nothing to do: a local cluster ends with each :meth:`grade`."""


def _local_resources() -> dict[str, float] | None:
    try:
        import torch

        return {"GPU": 1} if torch.cuda.is_available() else None
    except ImportError:
        return None


def _any_worker_has(client: Any, resource: str) -> bool:
    workers = client.scheduler_info().get("workers", {})
    return any(resource in info.get("resources", {}) for info in workers.values())


def make_executor(kind: str, spec: WorkerSpec, workers: int, address: str | None = None) -> Executor:
    """The executor ``--executor`` names: ``local`` (one process or a pool) or ``dask``.

    Workers on this machine share its cores: each (and each of its sandboxed tasks) gets
    ``cores // workers`` torch threads. A remote cluster's workers keep their own settings.
    """
    if workers > 1 and address is None:
        spec = replace(spec, threads=max(1, (os.cpu_count() or 1) // workers))
    if kind == "dask":
        return DaskCluster(spec, workers, address)
    if workers <= 1:
        return Serial(spec)
    return LocalPool(spec, workers)
