"""The hostile submissions: what each one does, and exactly what the grader must make of it.

Questions of the course: 1 ``pick`` (answers.yaml), 2 ``scale`` (attack.py, the target),
3 ``safe`` (safe.py), 4 ``hidden`` (answers.yaml, hidden). Files are written over the reference
submission; ``@RUBRIC@``-style tokens become the real paths (an attacker knows the layout).
Every question an attack does not list must get exactly the reference's result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

CORRECT = "def scale(x):\n    return 3 * x\n"


@dataclass(frozen=True)
class Attack:
    """One hostile or broken submission and its exact expected outcome."""

    name: str
    threat: str                                    # the SECURITY.md class it belongs to
    files: dict[str, str | bytes | None | Callable[[Path], None]]
    expect: dict[str, tuple[float, tuple[str, ...]]] = field(default_factory=dict)
    needs_root: bool = False                       # meaningful only with a separate sandbox user


def _in_call(body: str, then: str = "return 3 * x") -> str:
    """attack.py whose scale() runs ``body`` (indented) and then ``then``."""
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return f"import os, sys, signal, time\n\ndef scale(x):\n{lines}\n    {then}\n"


def _at_import(body: str) -> str:
    return f"import os, sys, signal, time\n{body.strip()}\n\n{CORRECT}"


def _zero(*texts: str) -> tuple[float, tuple[str, ...]]:
    return (0.0, texts)


FULL_SCALE = (3.0, ("All 1 checks right in 2 runs: y.",))
TIMEOUT = _zero("took longer than 4 s")


def _link_to(target: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.symlink_to(target)
    return make


def _big(size: int, unit: bytes = b"# padding\n") -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as stream:
            block = unit * (2**20 // len(unit))
            for _ in range(size // len(block)):
                stream.write(block)
    return make


def _lies(method: str, body: str) -> str:
    return f"class Liar:\n    def {method}(self, *args, **kwargs):\n        {body}\n\n" \
           "def scale(x):\n    return Liar()\n"


EXIT_AND_SIGNALS = [
    Attack("sys.exit at import", "exit", {"attack.py": _at_import("sys.exit(0)")},
           {"2": _zero("called exit(0) while importing attack.py")}),
    Attack("os._exit at import", "exit", {"attack.py": _at_import("os._exit(0)")},
           {"2": _zero("ended the process (exit status 0) before returning an answer")}),
    Attack("sys.exit in the graded call", "exit", {"attack.py": _in_call("sys.exit(0)")},
           {"2": _zero("called exit(0)")}),
    Attack("os._exit in the graded call", "exit", {"attack.py": _in_call("os._exit(3)")},
           {"2": _zero("ended the process (exit status 3) before returning an answer")}),
    Attack("raise SystemExit", "exit", {"attack.py": _in_call("raise SystemExit('bye')")},
           {"2": _zero("called exit('bye')")}),
    Attack("raise KeyboardInterrupt", "exit", {"attack.py": _in_call("raise KeyboardInterrupt")},
           {"2": _zero("raised KeyboardInterrupt")}),
    Attack("raise a BaseException subclass", "exit",
           {"attack.py": "class Escape(BaseException):\n    pass\n\ndef scale(x):\n    raise Escape('out')\n"},
           {"2": _zero("raised Escape", "out")}),
    Attack("kill the grader", "exit",
           {"attack.py": _in_call("os.kill(os.getppid(), signal.SIGKILL)\nos.killpg(0, signal.SIGKILL)")},
           {"2": _zero("raised PermissionError")}, needs_root=True),
    Attack("kill itself", "exit", {"attack.py": _in_call("os.kill(os.getpid(), signal.SIGKILL)")},
           {"2": _zero("was killed (SIGKILL)")}),
    Attack("segmentation fault", "exit",
           {"attack.py": _in_call("import ctypes\nctypes.string_at(0)")},
           {"2": _zero("was stopped by SIGSEGV")}),
    Attack("ignore SIGTERM and sleep", "exit",
           {"attack.py": _in_call("signal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(10**6)")},
           {"2": TIMEOUT}),
]

RESOURCES = [
    Attack("infinite loop", "resources", {"attack.py": _in_call("while True:\n    pass")},
           {"2": TIMEOUT}),
    Attack("sleep at import", "resources", {"attack.py": _at_import("time.sleep(10**6)")},
           {"2": TIMEOUT}),
    Attack("fork bomb", "resources",
           {"attack.py": _in_call("while True:\n    try:\n        os.fork()\n    except OSError:\n        pass")},
           {"2": TIMEOUT}, needs_root=True),
    Attack("memory bomb", "resources",
           {"attack.py": _in_call("hoard = [bytearray(2**28) for _ in range(400)]")},
           {"2": _zero("MemoryError")}),
    Attack("1 GB to stdout", "resources",
           {"attack.py": _in_call("block = b'A' * 2**20\nfor _ in range(1024):\n    os.write(1, block)\nwhile True:\n    pass")},
           {"2": TIMEOUT}),
    Attack("100 MB to stderr, then the right answer", "resources",
           {"attack.py": _in_call("block = 'E' * 2**20\nfor _ in range(100):\n    sys.stderr.write(block)")},
           {"2": FULL_SCALE}),
    Attack("a huge returned tensor", "resources",
           {"attack.py": "import torch\n\ndef scale(x):\n    return torch.zeros(2**25, dtype=torch.float64)\n"},
           {"2": _zero("y could not be read: cannot be read back: MemoryError")}),
    Attack("threads left running", "resources",
           {"attack.py": _in_call("import threading\nthreading.Thread(target=lambda: [None for _ in iter(int, 1)], daemon=False).start()")},
           {"2": FULL_SCALE}),
    Attack("detached child processes left running", "resources",
           {"attack.py": _in_call("import subprocess\nsubprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
                                  "if os.fork() == 0:\n    os.setsid()\n    time.sleep(1000)")},
           {"2": FULL_SCALE}),
]

TAMPERING = [
    Attack("overwrite and delete results.json", "tampering",
           {"attack.py": _in_call("for act in (lambda: open('@RESULTS@', 'w').write('{\"score\": 100}'),\n"
                                  "            lambda: os.remove('@RESULTS@')):\n"
                                  "    try:\n        act()\n    except OSError:\n        pass")},
           {"2": FULL_SCALE}),
    Attack("rewrite the rubric, the reference and the package", "tampering",
           {"attack.py": _in_call("import autograder.grading as g\n"
                                  "for path in ('@RUBRIC@', '@REFERENCE@', '@ORACLE@', g.__file__):\n"
                                  "    open(path, 'a').write('\\nbroken = True\\n')")},
           {"2": _zero("PermissionError")}, needs_root=True),
    Attack("delete the rubric and the reference", "tampering",
           {"attack.py": _in_call("import shutil\nshutil.rmtree('@SOURCE@/reference')")},
           {"2": _zero("PermissionError")}, needs_root=True),
    Attack("monkeypatch torch and numpy", "tampering",
           {"attack.py": "import numpy, torch\n"
                         "torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"
                         "torch.Tensor.__eq__ = lambda *a, **k: True\nnumpy.allclose = lambda *a, **k: True\n"
                         "numpy.isclose = lambda *a, **k: True\n\ndef scale(x):\n    return x\n"},
           {"2": _zero("y is off by a constant factor")}),
    Attack("monkeypatch builtins", "tampering",
           {"attack.py": "import builtins\nbuiltins.abs = lambda v: 0\nbuiltins.isinstance = lambda *a: True\n"
                         "builtins.len = lambda v: 0\n\ndef scale(x):\n    return x\n"},
           {"2": _zero("ended the process (exit status 0) before returning an answer")}),
    Attack("__eq__ lies", "tampering", {"attack.py": _lies("__eq__", "return True")},
           {"2": _zero("y is Liar, not a tensor")}),
    Attack("__bool__ and __float__ lie", "tampering",
           {"attack.py": "class Liar:\n    def __bool__(self):\n        return True\n    def __float__(self):\n        return 3.0\n\n"
                         "def scale(x):\n    return Liar()\n"},
           {"2": _zero("y is Liar, not a tensor")}),
    Attack("__array__ and __len__ lie", "tampering",
           {"attack.py": "import numpy\n\nclass Liar:\n    def __array__(self, *a, **k):\n        return numpy.zeros(5)\n"
                         "    def __len__(self):\n        return 5\n\ndef scale(x):\n    return Liar()\n"},
           {"2": _zero("y is Liar, not a tensor")}),
    Attack("a tensor subclass that claims equality", "tampering",
           {"attack.py": "import torch\n\nclass Always(torch.Tensor):\n    def __eq__(self, other):\n        return True\n"
                         "    def allclose(self, *a, **k):\n        return True\n\n"
                         "def scale(x):\n    return (0 * x).as_subclass(Always)\n"},
           {"2": _zero("y is Always, not a tensor")}),
    Attack("NaN", "tampering", {"attack.py": "def scale(x):\n    return x * float('nan')\n"},
           {"2": _zero("y contains NaN or infinity")}),
    Attack("Inf", "tampering", {"attack.py": "def scale(x):\n    return x * float('inf')\n"},
           {"2": _zero("y contains NaN or infinity")}),
    Attack("return the grader's own input", "tampering", {"attack.py": "def scale(x):\n    return x\n"},
           {"2": _zero("y is off by a constant factor")}),
    Attack("print text that imitates results", "tampering",
           {"attack.py": _in_call("print('{\"score\": 9, \"tests\": []}')\nprint('All 1 checks right in 2 runs: y.')",
                                  then="return x")},
           {"2": _zero("y is off by a constant factor")}),
    Attack("forge the sandbox's reply", "tampering",
           {"attack.py": _in_call("import json\nfor fd in range(3, 20):\n    try:\n"
                                  "        os.write(fd, json.dumps({'status': 'ok', 'value': 9}).encode())\n"
                                  "    except OSError:\n        pass\nos._exit(0)")},
           {"2": _zero("Your code gave no usable answer.")}),
]

SECRETS = [
    Attack("read the rubric", "secrets", {"attack.py": _in_call("raise RuntimeError(open('@RUBRIC@').read())")},
           {"2": _zero("raised PermissionError")}, needs_root=True),
    Attack("read the reference and the oracle", "secrets",
           {"attack.py": _in_call("raise RuntimeError(open('@REFERENCE@').read() + open('@ORACLE@').read())")},
           {"2": _zero("raised PermissionError")}, needs_root=True),
    Attack("read the grader through /proc", "secrets",
           {"attack.py": _in_call(
               "found = []\nfor pid in os.listdir('/proc'):\n    if not pid.isdigit() or int(pid) == os.getpid():\n        continue\n"
               "    for part in ('environ', 'mem', 'maps', 'cwd/results.json'):\n        try:\n"
               "            data = open(f'/proc/{pid}/{part}', 'rb').read(2**16)\n"
               "            found.append(part) if b'@SECRET@' in data or part == 'mem' else None\n"
               "        except OSError:\n            pass\n"
               "raise RuntimeError(f'FOUND {sorted(set(found))}')")},
           {"2": _zero("FOUND []")}, needs_root=True),
    Attack("search memory through gc and frames", "secrets",
           {"attack.py": _in_call(
               "import gc\nhits = 0\nneedles = [''.join(reversed(s)) for s in ('TERCES-CIRBUR', 'TERCES-ECNEREFER', 'TERCES-ELCARO', 'TERCES-VNE')]\n"
               "for obj in gc.get_objects():\n    if obj is needles:\n        continue\n"
               "    try:\n        text = repr(obj)[:10000]\n    except Exception:\n        continue\n"
               "    hits += any(n in text for n in needles)\n"
               "frame = sys._getframe().f_back\nwhile frame is not None:\n"
               "    hits += any(n in repr(frame.f_locals)[:100000] for n in needles)\n    frame = frame.f_back\n"
               "raise RuntimeError(f'HITS {hits}')")},
           {"2": _zero("HITS 0")}),
    Attack("environment variables", "secrets",
           {"attack.py": _in_call("raise RuntimeError('ENV ' + ' '.join(sorted(os.environ)))")},
           {"2": _zero("ENV HOME LANG LC_ALL MPLBACKEND PATH PYTHONDONTWRITEBYTECODE PYTHONHASHSEED TMPDIR")}),
]

MALFORMED = [
    Attack("syntax error", "malformed", {"attack.py": "def scale(x)\n    return 3 * x\n"},
           {"2": _zero("SyntaxError")}),
    Attack("missing file", "malformed", {"attack.py": None}, {"2": _zero("attack.py was not submitted")}),
    Attack("missing function", "malformed", {"attack.py": "def scales(x):\n    return 3 * x\n"},
           {"2": _zero("NameError", "scale")}),
    Attack("wrong signature", "malformed", {"attack.py": "def scale(x, y):\n    return 3 * x\n"},
           {"2": _zero("TypeError", "missing 1 required positional argument")}),
    Attack("empty file", "malformed", {"attack.py": ""}, {"2": _zero("NameError")}),
    Attack("not UTF-8", "malformed", {"attack.py": b"def scale(x):\n    return 3 * x\n\nname = 'caf\xe9'\n"},
           {"2": _zero("SyntaxError")}),
    Attack("an extra 100 MB file", "malformed", {"data.bin": _big(100 * 2**20)}),
    Attack("a 100 MB answers.yaml", "malformed", {"answers.yaml": _big(100 * 2**20, b"# c\n")},
           {"1": _zero("answers.yaml is 104 MB; the limit is 20 MB"), "4": _zero("answers.yaml is 104 MB")}),
    Attack("attack.py links to the reference", "malformed", {"attack.py": _link_to("@REFERENCE@")},
           {"2": _zero("attack.py is a symbolic link")}),
    Attack("answers.yaml links to /etc/passwd", "malformed", {"answers.yaml": _link_to("/etc/passwd")},
           {"1": _zero("answers.yaml is a symbolic link"), "4": _zero("answers.yaml is a symbolic link")}),
    Attack("a notebook that is not JSON", "malformed", {"attack.py": None, "attack.ipynb": "{not json"},
           {"2": _zero("attack.ipynb")}),
    Attack("answers.yaml with a Python tag", "malformed",
           {"answers.yaml": "pick: !!python/object/apply:os.system ['touch /tmp/autograder-pwned']\nhidden: 4099\n"},
           {"1": _zero("answers.yaml"), "4": _zero("answers.yaml")}),
    Attack("answers.yaml billion laughs", "malformed",
           {"answers.yaml": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                            "pick: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nhidden: 4099\n"},
           {"1": _zero("answers.yaml"), "4": _zero("answers.yaml")}),
    Attack("answers.yaml with wrong types", "malformed", {"answers.yaml": "pick: [1, 2]\nhidden: {a: 1}\n"},
           {"1": _zero("Could not read your answer: expected text, got a list."), "4": _zero("got a")}),
    Attack("answers.yaml with a 10 MB string", "malformed",
           {"answers.yaml": "pick: '" + "9" * 10_000_000 + "'\nhidden: 4099\n"},
           {"1": _zero("answers.yaml: file is 10000022 bytes; the limit is 1000000"), "4": _zero("the limit is 1000000")}),
]

ATTACKS: list[Attack] = EXIT_AND_SIGNALS + RESOURCES + TAMPERING + SECRETS + MALFORMED



# --- round two (issue 18): attacks written by reading the grader's source ----------------------
# Each names the class of SECURITY.md's "Round two" table it belongs to.


def _reference_dir(path: Path) -> Path:
    """The course's reference folder, seen from a file of a submission (root/submission-N/x)."""
    return path.parent.parent / "source" / "reference" / "hostile"


def _link_to_reference_dir(path: Path) -> None:
    path.symlink_to(_reference_dir(path), target_is_directory=True)


def _hard_link_to_reference(path: Path) -> None:
    os.link(_reference_dir(path) / "attack.py", path)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _nested(levels: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        deep = path
        for _ in range(levels + 1):  # not mkdir(parents=True): it recurses once per level
            os.mkdir(deep)
            deep = deep / "d"
        (deep.parent / "attack.py").write_text("def scale(x):\n    return 0 * x\n")
    return make


def _many_files(count: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.mkdir()
        for n in range(count):
            (path / f"f{n}.py").write_bytes(b"")
    return make


def _notebook(*cells: str) -> str:
    import json

    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c}
        for c in cells]})


def _forged_reply(body: str) -> str:
    """attack.py whose scale() writes ``body`` (a Python bytes expression) as the sandbox's reply
    on every descriptor it may have, then leaves before the runner replies."""
    return _in_call("payload = " + body + "\nfor fd in range(3, 20):\n    try:\n"
                    "        os.write(fd, payload)\n    except OSError:\n        pass\nos._exit(0)")


# Names the attacks below leave in world-writable places; the suite checks none survives.
LEFTOVER_MARK = "hostile-leftover"
SHM_KEY = 0x5EED18


PATHS = [
    Attack("the submission is one link to the reference folder", "paths",
           {"answers.yaml": None, "attack.py": None, "safe.py": None, "zipped": _link_to_reference_dir},
           {"1": _zero("answers.yaml was not submitted"), "2": _zero("attack.py was not submitted"),
            "3": _zero("safe.py was not submitted"), "4": _zero("answers.yaml was not submitted")}),
    Attack("attack.py is a hard link to the reference", "paths", {"attack.py": _hard_link_to_reference},
           {"2": _zero("attack.py is a hard link to another file")}),
    Attack("attack.py is a FIFO", "paths", {"attack.py": _fifo}, {"2": _zero("attack.py is not a regular file")}),
    Attack("an extra FIFO and a link to the reference folder beside the files", "paths",
           {"pipe": _fifo, "ref": _link_to_reference_dir}),
    Attack("plant the grader's lock files and folders in /tmp", "paths",
           {"attack.py": _in_call(
               "import tempfile\nfor uid in range(0, 1020):\n"
               "    for name in (f'/tmp/autograder-sandbox-user-{uid}.lock', f'/tmp/autograder-leases-{uid}'):\n"
               "        try:\n            os.mkfifo(name)\n        except OSError:\n            pass\n"
               "try:\n    os.symlink('/etc', '/tmp/autograder-leases-0-x')\nexcept OSError:\n    pass")},
           {"2": FULL_SCALE}),
]

LEFTOVERS = [
    Attack("leave files in every shared place and System V shared memory", "leftovers",
           {"attack.py": _in_call(
               "import ctypes\n"
               f"for folder in ('/tmp', '/var/tmp', '/dev/shm'):\n"
               f"    try:\n        open(f'{{folder}}/{LEFTOVER_MARK}', 'w').write('state')\n"
               f"        os.makedirs(f'{{folder}}/{LEFTOVER_MARK}-dir/' + 'd/' * 50, exist_ok=True)\n"
               "    except OSError:\n        pass\n"
               f"libc = ctypes.CDLL(None)\nlibc.shmget({SHM_KEY}, 2**20, 0o1600)")},
           {"2": FULL_SCALE}),
    Attack("carry state from one question to the next through /dev/shm", "leftovers",
           {"attack.py": _in_call(f"open('/dev/shm/{LEFTOVER_MARK}-state', 'w').write('seen')"),
            "safe.py": f"import os\n\ndef square(x):\n    if os.path.exists('/dev/shm/{LEFTOVER_MARK}-state'):\n"
                       "        return 0 * x\n    return x * x\n"},
           {"2": FULL_SCALE}),
]

FORGED_FACTS = [
    Attack("claim CUDA and forge a device-mix error to be rerun", "forged facts",
           {"attack.py": _in_call(
               "runner = sys.modules.get('runner') or sys.modules['__main__']\nold = runner._reply\n"
               "runner._reply = lambda fd, payload: old(fd, {**payload, 'device': 'cuda'})\n"
               "raise RuntimeError('Expected all tensors to be on the same device, but found at "
               "least two devices, cuda:0 and cpu!')")},
           {"2": _zero("Expected all tensors to be on the same device")}),
]

BOUNDED_WORK = [
    Attack("a 60 MB reply of empty lists", "bounded work",
           {"attack.py": _forged_reply("b'{\"status\":\"ok\",\"value\":[' + b'[],' * 20_000_000 + b'[]]}'")},
           {"2": _zero("returned something unreadable: the value has too many items")}),
    Attack("a reply holding 10**4000", "bounded work",
           {"attack.py": _forged_reply("b'{\"status\":\"ok\",\"value\":1' + b'0' * 4000 + b'}'")},
           {"2": _zero("returned something unreadable: a number of 4001 digits")}),
    Attack("answers.yaml with pathological scalars", "bounded work",
           {"answers.yaml": "pick: " + "1:" * 200_000 + "1\nhidden: 0x" + "f" * 300_000 + "\n"},
           {"1": _zero("Could not read your answer"), "4": _zero("Could not read your answer")}),
    Attack("a notebook cell of 100,000 unary minus signs", "bounded work",
           {"attack.py": None, "attack.ipynb": _notebook(CORRECT, "y = " + "-" * 100_000 + "1\n")},
           {"2": FULL_SCALE}),
    Attack("attack.py of 100,000 unary minus signs", "bounded work",
           {"attack.py": CORRECT + "y = " + "-" * 100_000 + "1\n"},
           {"2": _zero("while importing attack.py")}),
    Attack("a notebook of a million outputs", "bounded work",
           {"attack.py": None, "attack.ipynb": _notebook(CORRECT).replace('"outputs": []', '"outputs": [' + ",".join(["{}"] * 1_000_000) + "]")},
           {"2": _zero("attack.ipynb holds too much")}),
    Attack("1,100 nested folders", "bounded work", {"attack.py": None, "deep": _nested(1100)},
           {"2": _zero("attack.py was not submitted")}),
    Attack("30,000 extra files", "bounded work", {"many": _many_files(30_000)}),
]

CHECKOUTS = [
    Attack("read the checkout found from sys.executable", "checkouts",
           {"attack.py": _in_call(
               "from pathlib import Path\nfound = []\n"
               "starts = {Path(sys.executable), Path(sys.executable).resolve(), Path(sys.prefix), Path(sys.prefix).resolve()}\n"
               "for start in starts:\n    for folder in start.parents:\n"
               "        for inside in ('.git/HEAD', '.git', 'rubrics', 'reference', 'dist', 'autograder/grading.py'):\n"
               "            path = folder / inside\n            try:\n"
               "                if path.is_dir() and os.listdir(path):\n                    found.append(str(path))\n"
               "                elif path.is_file() and path.read_bytes():\n                    found.append(str(path))\n"
               "            except OSError:\n                pass\n"
               "raise RuntimeError(f'READ {sorted(found)}')")},
           {"2": _zero("READ []")}, needs_root=True),
]

ROUND_TWO: list[Attack] = PATHS + LEFTOVERS + FORGED_FACTS + BOUNDED_WORK + CHECKOUTS
ATTACKS += ROUND_TWO
