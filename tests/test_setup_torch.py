"""setup.sh's choice of torch build, tried without a network: a fake nvidia-smi, a local
index served on loopback, and a closed port for an index that cannot be reached."""

from __future__ import annotations

import functools
import http.server
import os
import socket
import subprocess
import threading
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import PROJECT

pytestmark = pytest.mark.skipif(
    Path("/proc/driver/nvidia/version").exists(), reason="this machine has an NVIDIA driver"
)


def plan(tmp_path: Path, gpu: bool, **env: str) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "nvidia-smi"
    fake.write_text(f"#!/bin/sh\nexit {0 if gpu else 1}\n")
    fake.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER_TORCH")}
    environment.update(env, PATH=f"{bin_dir}:{os.environ['PATH']}")
    done = subprocess.run(
        ["bash", str(PROJECT / "setup.sh"), "--torch-plan"], env=environment,
        capture_output=True, text=True, timeout=60, check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def local_index(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "index"
    (root / "torch").mkdir(parents=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/whl/cpu"


def test_without_a_gpu_torch_comes_from_the_cpu_index(tmp_path: Path, local_index: str) -> None:
    assert plan(tmp_path, gpu=False, AUTOGRADER_TORCH_CPU_INDEX=local_index) == (
        f"torch: torch==2.13.0 from {local_index} (no NVIDIA GPU: the CPU-only build)"
    )


def test_an_unreachable_cpu_index_falls_back_to_the_default(tmp_path: Path, closed_port_url: str) -> None:
    assert plan(tmp_path, gpu=False, AUTOGRADER_TORCH_CPU_INDEX=closed_port_url) == (
        "torch: torch==2.13.0 from the default index (no NVIDIA GPU: the CPU-only build, "
        f"but {closed_port_url} cannot be reached: falling back to the default index)"
    )


def test_with_a_gpu_torch_comes_from_the_default_index(tmp_path: Path, local_index: str) -> None:
    assert plan(tmp_path, gpu=True, AUTOGRADER_TORCH_CPU_INDEX=local_index) == (
        "torch: torch==2.13.0 from the default index (an NVIDIA GPU is present: the CUDA build)"
    )


def test_the_index_can_be_chosen(tmp_path: Path, local_index: str, closed_port_url: str) -> None:
    assert plan(tmp_path, gpu=True, AUTOGRADER_TORCH_INDEX=local_index, AUTOGRADER_TORCH="torch==2.9.1") == (
        f"torch: torch==2.9.1 from {local_index} (AUTOGRADER_TORCH_INDEX)"
    )
    assert plan(tmp_path, gpu=False, AUTOGRADER_TORCH_INDEX="default") == (
        "torch: torch==2.13.0 from the default index (AUTOGRADER_TORCH_INDEX)"
    )
    assert "falling back to the default index" in plan(tmp_path, gpu=False, AUTOGRADER_TORCH_INDEX=closed_port_url)
