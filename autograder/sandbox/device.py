"""Choosing where student code runs."""

from __future__ import annotations

from pathlib import Path


def cuda_present() -> bool:
    """Whether this machine has an NVIDIA GPU, judged without importing torch in the grader."""
    gpus = Path("/proc/driver/nvidia/gpus")
    return Path("/dev/nvidia0").exists() or (gpus.is_dir() and any(gpus.iterdir()))


def resolve_device(policy: str, override: str | None = None) -> str:
    """'cpu' or 'cuda' from the rubric's policy and the command line's ``--device``.

    The runner checks that torch can really use CUDA and falls back to the CPU otherwise; the
    device it used is what the report names.
    """
    choice = override or policy
    if choice == "auto":
        return "cuda" if cuda_present() else "cpu"
    return choice
