"""The sandbox: where student code runs, in its own process, and what comes back from it."""

from autograder.sandbox.device import resolve_device
from autograder.sandbox.identity import SandboxSetupError, SandboxUser, hide_from_others, sandbox_user
from autograder.sandbox.process import Limits, RunResult, Sandbox, SandboxStartupError
from autograder.sandbox.work import CallEach, ReadValue, Request, RunScript, RunTraining

__all__ = [
    "CallEach", "Limits", "ReadValue", "Request", "RunResult", "RunScript", "RunTraining", "Sandbox",
    "SandboxSetupError", "SandboxStartupError", "SandboxUser", "hide_from_others", "resolve_device", "sandbox_user",
]
