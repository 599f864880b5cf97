"""The question kinds: one module (or package with a ``kind.py``) each, found by looking.

A kind is a module in this package that defines ``KIND``, a :class:`~autograder.kinds.base.Kind`;
a kind with a support library of its own is a package whose ``kind.py`` defines it. Adding a file
here is all it takes to register a kind: nothing else names it.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType

from autograder.kinds.base import Kind, Kinds, Verdict


def discover(package: ModuleType) -> Kinds:
    """The kinds defined in ``package``'s modules (and its subpackages' ``kind.py``), by name.

    It imports the grader's own code (this package, or a test's package of kinds): a module
    only ever comes from ``package.__path__``, never from a submission, whose code runs only
    in the sandbox."""
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        suffix = ".kind" if info.ispkg else ""
        module = importlib.import_module(f"{package.__name__}.{info.name}{suffix}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, Kind):
            found.append(kind)
    return Kinds.of(*found)


KINDS: Kinds = discover(sys.modules[__name__])

__all__ = ["KINDS", "Kind", "Kinds", "Verdict", "discover"]
