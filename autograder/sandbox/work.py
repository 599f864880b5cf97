"""What a task asks of the sandbox: one request type per operation the runner can do.

Every request names the submitted ``file`` to import in the child; the rest depends on the
operation. A question kind returns its request (:meth:`autograder.rubric_models.QuestionBase.sandbox_request`),
:class:`autograder.sandbox.Sandbox` sends its wire form, and the runner looks the ``op`` up in its
table of handlers (``runner.py``'s ``_OPERATIONS``), one function per operation. A new operation
is a class here and a handler there. The runner does not import this module: it runs without the
``autograder`` package, and reads the plain dictionary that :meth:`to_wire` makes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class _Request:
    """The part every request shares; ``op`` names the runner's handler."""

    op: ClassVar[str]
    file: str

    def to_wire(self) -> dict[str, Any]:
        """The request as the runner reads it: ``op`` and the fields (not copied: sent as JSON)."""
        return {"op": self.op, **{f.name: getattr(self, f.name) for f in fields(self)}}


@dataclass(frozen=True)
class ReadValue(_Request):
    """Import ``file`` and reply with its attribute ``name``, called with ``call`` when given."""

    op: ClassVar[str] = "value"
    name: str
    call: list[Any] | None = None


@dataclass(frozen=True)
class CallEach(_Request):
    """Call the attribute ``name`` once per argument list of ``calls``.

    The arguments are in the wire format (arrays arrive as torch tensors on the task's device).
    The reply is a list with one ``{"value": ...}`` or ``{"error": message}`` per call, so that
    one bad call costs only itself.
    """

    op: ClassVar[str] = "calls"
    name: str
    calls: list[list[Any]]


@dataclass(frozen=True)
class RunScript(_Request):
    """Run a module question's statements in the module's namespace, case by case.

    ``script`` holds the rubric's statements and each case's drawn inputs; the reply holds what
    the statements read back.
    """

    op: ClassVar[str] = "script"
    script: dict[str, Any]


@dataclass(frozen=True)
class RunTraining(_Request):
    """Train a model with the module's ``train_epoch`` and ``evaluate`` (the harness).

    ``training`` holds the harness's settings and the data; the reply holds the trained model's
    weights and probe counts.
    """

    op: ClassVar[str] = "training"
    training: dict[str, Any]


Request = ReadValue | CallEach | RunScript | RunTraining
"""Any request the sandbox can run."""
