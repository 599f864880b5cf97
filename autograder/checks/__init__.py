"""The registry of question kinds: one module each, looked up by the rubric's ``kind``."""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from autograder.checks import (
    choice, conv, expression, function, manual, module, network, training,
)
from autograder.checks.base import Kind, Verdict

KINDS: Mapping[str, Kind] = MappingProxyType(
    {kind.name: kind for kind in (
        choice.KIND, expression.KIND, network.KIND, function.KIND, conv.KIND, module.KIND,
        training.KIND, manual.KIND,
    )}
)

__all__ = ["KINDS", "Kind", "Verdict"]
