"""Loading the instructor's oracles: trusted functions in ``reference/ASSIGNMENT/`` that a
question names (``oracle_source``), read once per run before any student code runs.

The module kind's oracle is a torch autograd computation in ``reference/ASSIGNMENT/``.

It is trusted code (it ships with the rubric, never with a submission), so it runs in the
grader's own process, in float64, on the grader's own copies of the inputs. It is an ordinary
function whose parameters are named after the question's inputs, sizes, constants and variant
options (it takes only those it names) and which returns a mapping from check names to tensors or
numbers, e.g.::

    def mlp(x, W1, b1, W2, b2, dJdy_hat, f_function, g_function):
        ...
        y_hat.backward(dJdy_hat)
        return {"y_hat": y_hat, "dJdW1": W1.grad, ...}

An oracle is a pure function of the question: every submission asks it the same things. So its
answers are remembered: in memory for the run (and for a warm worker's whole regrade), and on
disk beside the reference (``.oracle-answers/``, written by ``autograder build``, ``validate``
and a local ``grade`` that had to compute one; Gradescope's ``run`` only reads), keyed by the oracle's source, the arguments and
the grader's torch. With every answer known, the grader never imports the oracle, nor torch,
which is most of its own start-up: the sandbox's zygote imports torch once, not twice.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np

Answer = dict[str, np.ndarray]
STORE_DIR = ".oracle-answers"
_MAX_STORE_BYTES = 64 * 2**20


class OracleError(RuntimeError):
    """The oracle cannot be loaded or did not answer; a fault of the rubric, not the student."""


class Oracle:
    """One oracle function: its source read once, compiled only when an answer is not known.

    The source is read when the oracle is opened (before any student code runs), and it is that
    text, never the file read again later, that is compiled on the first unknown answer.
    """

    def __init__(self, path: Path, name: str, source: bytes, known: dict[str, Answer],
                 store: Path | None) -> None:
        self.path = path
        self.name = name
        self.source = source
        self.store = store
        self._known = known
        self._new = False
        self._function: Callable[..., Any] | None = None

    @property
    def computed_any(self) -> bool:
        """Whether some answer was computed here rather than found remembered."""
        return self._new

    def function(self) -> Callable[..., Any]:
        """The oracle function itself (compiled from the source read at opening)."""
        if self._function is None:
            self._function = _compile(self.path, self.name, self.source)
        return self._function

    def answer(self, available: Mapping[str, Any],
               compute: Callable[[Callable[..., Any], Mapping[str, Any]], Answer]) -> Answer:
        """The oracle's answer for ``available``: remembered, or ``compute(function, available)``."""
        key = call_key(available)
        if key not in self._known:
            self._known[key] = compute(self.function(), available)
            self._new = True
        return self._known[key]

    def save(self) -> None:
        """Write the answers to the store when some were computed here (best effort: a store
        that cannot be written only means they are computed again next time)."""
        if not self._new or self.store is None:
            return
        flat = {f"{key}~{check}": value for key, answer in self._known.items() for check, value in answer.items()}
        buffer = io.BytesIO()
        np.savez(buffer, **flat)
        try:
            _write_store(self.store, buffer.getvalue())
            self._new = False
        except OSError:
            pass


def call_key(available: Mapping[str, Any]) -> str:
    """A digest of an oracle call's arguments: names, and values with their types (arrays by
    dtype, shape and bytes)."""
    digest = hashlib.sha256()
    for name in sorted(available):
        value = available[name]
        digest.update(name.encode() + b"\0")
        if isinstance(value, np.ndarray):
            array = np.ascontiguousarray(value)
            digest.update(f"array {array.dtype.str} {array.shape}\0".encode() + array.tobytes())
        else:
            digest.update(f"{type(value).__name__} {value!r}\0".encode())
    return digest.hexdigest()[:32]


def _compile(path: Path, name: str, source: bytes) -> Callable[..., Any]:
    module_name = f"autograder_oracle_{zlib.crc32(str(path).encode()):08x}"
    spec = importlib.util.spec_from_loader(module_name, loader=None, origin=str(path))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102 - the instructor's trusted code
    except Exception as error:  # noqa: BLE001 - reported as a rubric fault with its cause
        raise OracleError(f"importing {path} raised {type(error).__name__}: {error}") from error
    function = getattr(module, name, None)
    if not callable(function):
        raise OracleError(f"{path} defines no function '{name}'")
    return function


def _read_source(path: Path) -> bytes:
    if path.is_symlink() or not path.is_file():
        raise OracleError(f"the oracle file {path} does not exist (or is a link)")
    return path.read_bytes()


def _torch_fingerprint() -> bytes:
    """The grader's torch release, read from its files without importing it (answers computed
    by another torch are computed again)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.origin:
        return b"no torch"
    try:
        return (Path(spec.origin).parent / "version.py").read_bytes()
    except OSError:
        return b"unknown torch"


def _store_path(folder: Path, name: str, source: bytes, torch: bytes) -> Path:
    digest = hashlib.sha256(name.encode() + b"\0" + source + b"\0" + torch).hexdigest()[:24]
    return folder / STORE_DIR / f"{name}-{digest}.npz"


def _trusted(info: os.stat_result) -> bool:
    """Whether a store entry may be believed: the grader's own user's or root's, and writable
    by nobody else (student code never runs as either under a root grader; see SECURITY.md for
    a grader that is not root)."""
    return info.st_uid in (os.geteuid(), 0) and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read_store(path: Path) -> dict[str, Answer]:
    """The answers remembered in ``path`` (none when it is absent, foreign, a link or broken)."""
    try:
        folder = os.lstat(path.parent)
        if not stat.S_ISDIR(folder.st_mode) or not _trusted(folder):
            return {}
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return {}
    with os.fdopen(descriptor, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode) or not _trusted(info) or info.st_size > _MAX_STORE_BYTES:
            return {}
        data = stream.read(_MAX_STORE_BYTES)
    known: dict[str, Answer] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as listing:
            # np.savez stores members as they are: one that would expand (a zip bomb's way to
            # cost far more than the file's size) is not the grader's.
            if any(member.compress_type != zipfile.ZIP_STORED for member in listing.infolist()):
                return {}
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            for entry in archive.files:
                key, _, check = entry.partition("~")
                known.setdefault(key, {})[check] = archive[entry]
    except Exception:  # noqa: BLE001 - torn, foreign or damaged in any way: computed again, never a crash
        return {}
    return known


def _write_store(path: Path, data: bytes) -> None:
    """Write atomically into the store folder (made if missing, never through a link)."""
    try:
        os.mkdir(path.parent, 0o755)
    except FileExistsError:
        pass
    folder = os.lstat(path.parent)
    if not stat.S_ISDIR(folder.st_mode) or not _trusted(folder):
        raise PermissionError(f"{path.parent} is not the grader's own folder")
    descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def answer_stores(questions: Iterable[Any], folder: Path) -> set[Path]:
    """Where the current answers of the questions' oracles are stored (none read: an oracle's
    store is named by its source, which is all that is read here)."""
    stores = set()
    for source in {q.oracle_source() for q in questions} - {None}:
        try:
            stores.add(_store_path(folder, source[1], _read_source(folder / source[0]), _torch_fingerprint()))
        except OracleError:
            continue
    return stores


def open_oracle(folder: Path, file: str, name: str) -> Oracle:
    """``file``'s function ``name`` in the reference folder, with the answers remembered for it
    (read now: the grader opens oracles before any student code runs, see :func:`load_oracles`)."""
    path = folder / file
    source = _read_source(path)
    store = _store_path(folder, name, source, _torch_fingerprint())
    return Oracle(path, name, source, _read_store(store), store)


def load_oracle(folder: Path, file: str, name: str) -> Callable[..., Any]:
    """Import ``file`` from the reference folder (without touching ``sys.modules``) and return
    its function ``name``: the instructor's code, never the student's."""
    path = folder / file
    return _compile(path, name, _read_source(path))


def load_oracles(
    questions: Iterable[Any], folder: Path | None
) -> dict[str, Oracle | OracleError]:
    """Every question's oracle, by question id, or the reason it cannot be had.

    Called once per grading run (or per warm worker), before the sandbox runs anything: when the
    grader is not root, student code runs as the same user and could otherwise rewrite the
    source or the remembered answers before they are read.
    """
    oracles: dict[str, Oracle | OracleError] = {}
    opened: dict[tuple[str, str], Oracle | OracleError] = {}
    for question in questions:
        source = question.oracle_source()
        if source is None:
            continue
        if folder is None:
            oracles[question.id] = OracleError("no reference folder was given, so there is no oracle")
            continue
        if source not in opened:  # questions sharing an oracle share its answers
            try:
                opened[source] = open_oracle(folder, *source)
            except OracleError as error:
                opened[source] = error
        oracles[question.id] = opened[source]
    return oracles


def save_answers(oracles: Mapping[str, Oracle | OracleError]) -> None:
    """Remember what the oracles computed in this run (see :meth:`Oracle.save`)."""
    for oracle in {id(o): o for o in oracles.values() if isinstance(o, Oracle)}.values():
        oracle.save()


def remember_answers(rubric: Any, folder: Path) -> list[str]:
    """Compute and store every answer the rubric's oracles can be asked for (kinds that say how,
    through ``Kind.expected``), so that grading needs neither the oracle nor torch. Returns the
    problems found (an oracle that fails), one line each."""
    oracles = load_oracles(rubric.questions, folder)
    problems = []
    for question in rubric.questions:
        oracle = oracles.get(question.id)
        if oracle is None:
            continue
        expected = rubric.kinds[question.kind].expected or (lambda question, oracle: None)
        if isinstance(oracle, OracleError):
            problems.append(f"question {question.id}: {oracle}")
            continue
        try:
            oracle.function()  # a broken oracle is found even when all its answers are known
            expected(question, oracle)
        except OracleError as error:
            problems.append(f"question {question.id}: {error}")
    save_answers(oracles)
    return problems
