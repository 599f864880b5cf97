"""The question kinds: one module (or package with a ``kind.py``) each, found by looking.

A kind is a module in this package that defines ``KIND``, a :class:`~autograder.kinds.base.Kind`;
a kind with a support library of its own is a package whose ``kind.py`` defines it. Adding a file
here is all it takes to register a kind: nothing else names it.
"""

from __future__ import annotations

import importlib
import pkgutil

from autograder.kinds.base import Kind, Kinds, Verdict


def _discover() -> Kinds:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}{'.kind' if info.ispkg else ''}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, Kind):
            found.append(kind)
    return Kinds.of(*found)


KINDS: Kinds = _discover()

__all__ = ["KINDS", "Kind", "Kinds", "Verdict"]
