"""The sandbox: where student code runs, in its own process, and what comes back from it."""

from autograder.sandbox.device import resolve_device
from autograder.sandbox.identity import SandboxSetupError, SandboxUser, hide_from_others, sandbox_user
from autograder.sandbox.process import Limits, RunResult, Sandbox, Task

__all__ = [
    "Limits", "RunResult", "Sandbox", "SandboxSetupError", "SandboxUser", "Task",
    "hide_from_others", "resolve_device", "sandbox_user",
]
