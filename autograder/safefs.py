"""Touching paths a student could have made, as root, without following them anywhere.

A submission is a folder the student built: it may hold symlinks (to the reference, to
``/etc``), hard links, FIFOs, devices, 1,000 nested folders or 200,000 files. The sandbox account
can also create names in world-writable places (``/tmp``) before the grader does. Everything
here walks iteratively (no recursion to exhaust), never follows a link, opens files with
``O_NOFOLLOW`` and re-checks what it opened, and bounds what it does in files, depth and bytes.
A leaf module: the standard library only, so the sandbox may import it too.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

IGNORED_DIRS = frozenset({"__MACOSX", ".git", "__pycache__", ".ipynb_checkpoints"})


@dataclass(frozen=True)
class TreeLimits:
    """How much of a student's folder the grader will look at, copy or keep."""

    max_files: int = 2_000
    max_depth: int = 12
    max_bytes: int = 200 * 2**20


@dataclass
class Tree:
    """The regular files found below a root (relative paths), and what was left out, and why."""

    files: list[tuple[str, int]] = field(default_factory=list)  # (relative path, size)
    dirs: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def notes(self, shown: int = 3) -> list[str]:
        """A few of the dropped entries, for the student."""
        if not self.dropped:
            return []
        more = len(self.dropped) - shown
        listed = "; ".join(self.dropped[:shown]) + (f"; and {more} more" if more > 0 else "")
        return [f"Left out of your submission: {listed}."]


def _kind_of(mode: int) -> str | None:
    """Why an entry that is not a plain file or folder is refused; None when it is one."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return "not a regular file (a FIFO, socket or device)"


def scan(root: Path, limits: TreeLimits = TreeLimits()) -> Tree:
    """Regular files and folders below ``root``, breadth first, without following anything.

    Symlinks, hard links (a second name of a file elsewhere, e.g. the reference), FIFOs and
    devices are dropped, and so is everything past the limits, each with a reason.
    """
    tree = Tree()
    total = 0
    pending: list[tuple[Path, str, int]] = [(root, "", 0)]
    while pending:
        directory, prefix, depth = pending.pop(0)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as error:
            tree.dropped.append(f"{prefix or '.'} (cannot be read: {error.strerror})")
            continue
        for entry in entries:
            relative = prefix + entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            why = _kind_of(info.st_mode)
            if why is not None:
                tree.dropped.append(f"{relative} ({why})")
            elif stat.S_ISDIR(info.st_mode):
                if entry.name in IGNORED_DIRS:
                    continue
                if depth + 1 > limits.max_depth:
                    tree.dropped.append(f"{relative} (folders nested deeper than {limits.max_depth})")
                    continue
                tree.dirs.append(relative)
                pending.append((Path(entry.path), relative + "/", depth + 1))
            elif info.st_nlink > 1:
                tree.dropped.append(f"{relative} (a hard link)")
            elif len(tree.files) >= limits.max_files:
                tree.dropped.append(f"{relative} (more than {limits.max_files} files)")
            elif total + info.st_size > limits.max_bytes:
                tree.dropped.append(f"{relative} (over {limits.max_bytes // 2**20} MB in all)")
            else:
                total += info.st_size
                tree.files.append((relative, info.st_size))
    return tree


def open_regular(path: Path) -> int:
    """A read-only descriptor of ``path``, only if it is a regular file with one name.

    ``O_NOFOLLOW`` refuses a final symlink, ``O_NONBLOCK`` keeps a FIFO from blocking the grader,
    and the descriptor's own ``fstat`` decides (the name may have changed since it was listed).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file with a single name", str(path))
    return fd


def read_regular(path: Path, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of a regular file (see :func:`open_regular`)."""
    fd = open_regular(path)
    try:
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def copy_tree(source: Path, dest: Path, limits: TreeLimits = TreeLimits()) -> Tree:
    """Copy the regular files of ``source`` into the existing folder ``dest`` (see :func:`scan`).

    Directories below ``source`` are re-checked as they are entered, so a symlink swapped in
    after the scan is not followed: every file is opened with ``O_NOFOLLOW`` from a path whose
    folders were all listed as real folders, and checked again by ``fstat``.
    """
    tree = scan(source, limits)
    for relative in tree.dirs:
        os.mkdir(dest / relative, 0o755)
    for relative, size in tree.files:
        origin = source / relative
        if any(os.path.islink(source / part) for part in _parents(relative)):
            continue
        try:
            fd = open_regular(origin)
        except OSError:
            continue
        try:
            out = os.open(dest / relative, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            try:
                left = size
                while left > 0:
                    chunk = os.read(fd, min(left, 2**20))
                    if not chunk:
                        break
                    os.write(out, chunk)
                    left -= len(chunk)
            finally:
                os.close(out)
        finally:
            os.close(fd)
    return tree


def _parents(relative: str) -> list[str]:
    parts = relative.split("/")[:-1]
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def remove_tree(root: Path) -> None:
    """Delete ``root`` and everything below it, iteratively, never following a link.

    A task may leave thousands of nested folders, or folders it made unreadable; deletion
    must not run out of stack (``shutil.rmtree`` recurses) nor give up on a mode.
    """
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(root)
        return
    stack: list[tuple[Path, bool]] = [(root, False)]
    while stack:
        directory, emptied = stack.pop()
        if emptied:
            _quietly(os.rmdir, directory)
            continue
        stack.append((directory, True))
        try:
            os.chmod(directory, 0o700, follow_symlinks=False)
        except (OSError, NotImplementedError):
            pass
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append((Path(entry.path), False))
            else:
                _quietly(os.unlink, entry.path)


def _quietly(action: object, path: object) -> None:
    try:
        action(path)  # type: ignore[operator]
    except OSError:
        pass


def private_dir(path: Path) -> Path:
    """``path`` as a folder only this user owns and can enter (mode 700), made fresh if anything
    else is there: a name a sandbox account made first in ``/tmp`` is removed, never used."""
    for _ in range(10):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077:
                return path
            remove_tree(path)
            continue
        os.chmod(path, 0o700)
        return path
    raise OSError(errno.EEXIST, "a private folder could not be made", str(path))


def fresh_dir(path: Path) -> Path:
    """``path`` as a new, empty folder: whatever was there (a file, a symlink, a folder holding
    links) is deleted first, so nothing written into it can land elsewhere."""
    remove_tree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkdir(path, 0o755)
    return path


def write_new(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Create ``path`` (which must not exist, not even as a symlink) and write ``data``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
