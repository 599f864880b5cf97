"""The sandboxed child: imports the student's code, does one task, reports plain data.

It runs as ``python -s -B runner.py`` in a fresh process (as the unprivileged sandbox user when
the grader is root), reads one JSON request on stdin, and writes one JSON reply to the file
descriptor the request names; or a zygote forks it and hands it the request (``zygote.py``).
Not ``-I``: isolated mode would leave this folder off ``sys.path`` (the sibling imports below)
and ignore the ``PYTHONHASHSEED`` and ``PYTHONDONTWRITEBYTECODE`` the sandbox sets; ``-s`` keeps
the user's site-packages out and the environment is the sandbox's own. The student's own output
goes to stdout/stderr, which the grader captures separately, so nothing the student prints can
pass for a reply. Everything this process says is treated as untrusted by the grader.

The task's ``op`` picks one handler of :data:`_OPERATIONS` (the grader's side is one request
type per operation, ``work.py``). It deliberately imports nothing from the ``autograder``
package: it is copied, with its siblings ``protocol.py`` and ``harness.py``, into a directory
the sandbox user can read.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import traceback
from typing import Any, Callable, NamedTuple

import harness  # the sibling copy of autograder/sandbox/harness.py
import protocol  # the sibling copy of autograder/sandbox/protocol.py

_SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))

# Written on the reply pipe before the student's code runs: the grader starts the time limit
# then, not when it asked for the task (process.py's STARTED).
STARTED = b"\x01"

Reply = dict[str, Any]  # {"status", "message"?, "traceback"?, "value"?} before "device" is added


def _reply(fd: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload, allow_nan=False, separators=(",", ":")).encode()
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _apply_limits(request: dict[str, Any], device: str) -> None:
    """Limits on this process and its children, set before any student code runs."""
    try:
        with open("/proc/self/oom_score_adj", "w") as adj:
            adj.write("1000")  # if memory runs out, the kernel takes the student's process first
    except OSError:
        pass
    limits = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, request["max_file_bytes"]),
        (resource.RLIMIT_NOFILE, 256),
    ]
    if request.get("max_processes"):
        limits.append((resource.RLIMIT_NPROC, request["max_processes"]))
    if request.get("memory_bytes") and device == "cpu":
        # The budget is on top of what the interpreter and torch already mapped. CUDA maps huge
        # virtual ranges, so on CUDA the grader's watchdog is the memory limit instead.
        limits.append((resource.RLIMIT_AS, _vm_size() + request["memory_bytes"]))
    for which, value in limits:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


def warm_up() -> None:
    """Pay once, in the zygote, what the first seeding costs (numpy makes its global generator
    on first use: ten milliseconds per task otherwise). Every task seeds again from its own
    request, so no state of this call reaches a task."""
    _prepare_torch({"device": "cpu", "seed": 0, "preload_torch": True})


def _prepare_torch(request: dict[str, Any]) -> str:
    """Import torch before the student's code (so it is seeded) and settle the device."""
    device = request["device"]
    random.seed(request["seed"])
    try:
        import numpy

        numpy.random.seed(request["seed"] % 2**32)
    except ImportError:
        pass
    if not request.get("preload_torch"):
        return "cpu"
    try:
        import torch
    except ImportError:
        return "cpu"
    torch.manual_seed(request["seed"])
    if device == "cuda" and not torch.cuda.is_available():
        device = "cpu"
    return device


def _keep_agg(matplotlib: Any) -> None:
    """``matplotlib.use(anything)`` keeps the sandbox's non-interactive Agg backend."""
    use = matplotlib.use
    matplotlib.use = lambda backend, *args, **kwargs: use("agg", *args, **kwargs)


def _plots_stay_off_screen() -> None:
    """``matplotlib.use("TkAgg")`` in a script written on a laptop must not fail here for want of
    a display: patched now when the zygote preloaded matplotlib, else when the student imports it."""
    if "matplotlib" in sys.modules:
        _keep_agg(sys.modules["matplotlib"])
    else:
        sys.meta_path.insert(0, _PlotsStayOffScreen())


class _PlotsStayOffScreen:
    """An import hook: once the student's code imports matplotlib, ``matplotlib.use`` keeps the
    sandbox's non-interactive Agg backend (``MPLBACKEND``), so ``matplotlib.use("TkAgg")`` in a
    script written on a laptop does not fail here for want of a display. Agg's ``plt.show()``
    returns at once. matplotlib itself is never imported here unless the student imports it."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "matplotlib":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            run_module = spec.loader.exec_module

            def exec_module(module: Any) -> None:
                run_module(module)
                _keep_agg(module)

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _student_traceback(error: BaseException, workdir: str) -> str:
    """The traceback, keeping only frames in the student's files."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(workdir)
    ]
    lines = traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines).replace(workdir + os.sep, "")[-4000:]


def _describe_exit(error: BaseException, phase: str = "") -> str:
    where = f" {phase}" if phase else ""
    if isinstance(error, SystemExit):
        return f"called exit({error.code!r}){where}"
    return f"raised {type(error).__name__}{where}: {str(error)[:300]}"


def _as_tensors(value: Any, device: str) -> Any:
    """Arrays from the grader become torch tensors on the task's device (numpy without torch)."""
    try:
        import numpy
        import torch
    except ImportError:
        return value
    if isinstance(value, numpy.ndarray):
        return torch.from_numpy(value).to(device)
    if isinstance(value, list):
        return [_as_tensors(item, device) for item in value]
    if isinstance(value, tuple):
        return tuple(_as_tensors(item, device) for item in value)
    return value


def _call_each_of(function: Any, calls: list[Any], device: str, workdir: str) -> list[Any]:
    """One wire-encoded mapping per call: {value} or {error, traceback}."""
    results: list[Any] = []
    for raw in calls:
        args = _as_tensors(protocol.decode(raw), device)
        try:
            entry = [["value", protocol.to_wire(function(*args))]]
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as error:  # noqa: BLE001 - the student's code may raise anything
            entry = [
                ["error", _describe_exit(error, "when called")],
                ["traceback", _student_traceback(error, workdir)],
            ]
        results.append({"$dict": entry})
    return results


def _forbid_autograd() -> None:
    """Hand-written backward passes only: every way into torch's autograd raises instead.

    Reverse mode, whatever calls it (``Tensor.backward``, ``torch.autograd.grad``, a custom
    ``torch.autograd.Function``, ``torch.func``'s transforms, an engine made by hand with
    ``torch._C._ImperativeEngine()``), ends in the C++ engine's ``run_backward``: its methods are
    replaced in the engine type itself, which Python code cannot reach to restore. Forward mode
    (``torch.autograd.forward_ad``, ``torch.func.jvp``/``jacfwd``) and every name in ``torch.func``
    and ``torch.autograd`` are replaced too. In-process this is a barrier, not a proof (ctypes can
    call any symbol); the grader's source scan of every submitted file the code imports backs it
    (SECURITY.md).
    """
    import gc
    import ctypes
    import torch
    import torch.autograd.forward_ad as forward_ad
    import torch.func
    from torch.autograd.variable import Variable

    def refuse(*_: Any, **__: Any) -> Any:
        raise RuntimeError("autograd is not allowed in this question: compute the gradients by hand")

    engine = type(Variable._execution_engine)
    methods = gc.get_referents(engine.__dict__)[0]  # the type's real dict (the mappingproxy's target)
    for name in [n for n in methods if not n.startswith("__")]:
        methods[name] = refuse
    ctypes.pythonapi.PyType_Modified(ctypes.py_object(engine))
    torch.Tensor.backward = refuse  # type: ignore[method-assign]
    torch.autograd.Function.apply = classmethod(refuse)  # type: ignore[assignment]
    torch.autograd.backward = refuse  # type: ignore[assignment]
    torch.autograd.grad = refuse  # type: ignore[assignment]
    forward_ad.make_dual = refuse  # duals are made only here (unpacking one is harmless: repr uses it)
    torch._make_dual = refuse  # type: ignore[attr-defined]
    modules = [torch.autograd.functional, torch.func,
               *(sys.modules.get(name) for name in ("torch._functorch.apis", "torch._functorch.eager_transforms"))]
    for module in [m for m in modules if m is not None]:
        for name in dir(module):
            value = getattr(module, name)
            if not name.startswith("_") and callable(value) and not isinstance(value, type):
                setattr(module, name, refuse)


def _statement_error(error: BaseException, text: str, workdir: str) -> list[list[Any]]:
    return [
        ["statement", text],
        ["error", _describe_exit(error)],
        ["traceback", _student_traceback(error, workdir)],
    ]


def _snapshot(value: Any) -> Any:
    try:
        return protocol.to_wire(value)
    except BaseException as error:  # noqa: BLE001 - a hostile value may fail to encode
        return {"$dict": [["$error", f"cannot be read back: {type(error).__name__}"]]}


def _kept(decoded: dict[str, Any]) -> dict[str, Any]:
    """Copies of the arrays a case hands to the student's code, to tell afterwards whether it
    changed them (the tensors share memory with the decoded arrays)."""
    return {name: value.copy() for name, value in decoded.items() if hasattr(value, "copy") and hasattr(value, "dtype")}


def _untouched(tensor: Any, original: Any) -> bool:
    """Whether ``tensor`` still holds exactly ``original`` (NaN equal to NaN), as the grader
    would judge it; anything unusual counts as touched, so that it is sent to be judged."""
    try:
        import torch

        given = torch.from_numpy(original)
        now = tensor.detach().cpu()
        if now.shape != given.shape or now.dtype != given.dtype:
            return False
        same = (now == given) | (now.isnan() & given.isnan()) if now.is_floating_point() else now == given
        return bool(same.all())
    except BaseException:  # noqa: BLE001 - a hostile tensor may fail anything
        return False


def _run_case(module: Any, script: dict[str, Any], case: dict[str, Any], device: str, workdir: str) -> Any:
    """Set up one case, run its rounds, and read back what the rubric asks for.

    Reply: {"rounds": [{"reads": {name: value | {"$error": ...}}, "inputs": {...}}], "error": ...}.
    ``inputs`` holds only the inputs that no longer hold what the grader sent (an absent one is
    unchanged): a 10⁶-element input is not sent back just to be found equal.
    A failing setup statement (``error``) ends the case. A failing step does not: what it binds,
    and the objects it worked on, are marked failed, and every read that needs them reports that
    statement's error, so one broken method costs only the checks that depend on it.
    """
    import torch

    namespace: dict[str, Any] = {k: v for k, v in vars(module).items() if not k.startswith("__")}
    namespace.setdefault("torch", torch)
    namespace.update(case["names"])
    decoded = protocol.decode(case["setup_inputs"])
    originals = _kept(decoded)
    inputs = {k: _as_tensors(v, device) for k, v in decoded.items()}
    namespace.update(inputs)
    rounds: list[Any] = []

    def finish(error: list[list[Any]] | None) -> Any:
        entries: list[list[Any]] = [["rounds", rounds]]
        if error is not None:
            entries.append(["error", {"$dict": error}])
        return {"$dict": entries}

    for text in script["setup"]:
        try:
            exec(compile(text, "<rubric>", "exec"), namespace)  # noqa: S102 - the rubric's checked text
        except BaseException as error:  # noqa: BLE001 - the student's code may raise anything
            return finish(_statement_error(error, text, workdir))
    bound = {name for step in script["steps"] for name in step["binds"]} | set(script["setup_binds"])
    for drawn in case["rounds"]:
        decoded = protocol.decode(drawn)
        originals.update(_kept(decoded))
        fresh = {k: _as_tensors(v, device) for k, v in decoded.items()}
        namespace.update(fresh)
        watched = {**inputs, **fresh}
        failed: dict[str, list[list[Any]]] = {}
        for step in script["steps"]:
            try:
                exec(compile(step["text"], "<rubric>", "exec"), namespace)  # noqa: S102
            except BaseException as error:  # noqa: BLE001
                entries = _statement_error(error, step["text"], workdir)
                for name in set(step["binds"]) | (set(step["reads"]) & bound):
                    failed.setdefault(name, entries)
        reads: list[list[Any]] = []
        for read in case["reads"]:
            cause = next((failed[n] for n in read["reads"] if n in failed), None)
            if cause is not None:
                reads.append([read["name"], {"$dict": [["$error", {"$dict": cause}]]}])
                continue
            try:
                value = eval(compile(read["text"], "<rubric>", "eval"), namespace)  # noqa: S307
                reads.append([read["name"], _snapshot(value)])
            except BaseException as error:  # noqa: BLE001
                reads.append([read["name"], {"$dict": [["$error", _describe_exit(error)]]}])
        after = [[name, _snapshot(tensor)] for name, tensor in watched.items()
                 if name not in originals or not _untouched(tensor, originals[name])]
        rounds.append({"$dict": [["reads", {"$dict": reads}], ["inputs", {"$dict": after}]]})
    return finish(None)


def _read_value(module: Any, task: dict[str, Any], device: str, workdir: str) -> Reply:
    """The attribute ``name``, called with ``call`` when given."""
    value, missing = _attribute(module, task)
    if missing is not None:
        return missing
    if task.get("call") is not None:
        if not callable(value):
            return {"status": "error", "message": f"'{task['name']}' is not a function"}
        value = value(*task["call"])
    return {"status": "ok", "value": protocol.to_wire(value)}


def _call_each(module: Any, task: dict[str, Any], device: str, workdir: str) -> Reply:
    """The attribute ``name`` called once per argument list, each call's outcome on its own."""
    function, missing = _attribute(module, task)
    if missing is not None:
        return missing
    if not callable(function):
        return {"status": "error", "message": f"'{task['name']}' is not a function"}
    return {"status": "ok", "value": _call_each_of(function, task["calls"], device, workdir)}


def _attribute(module: Any, task: dict[str, Any]) -> tuple[Any, Reply | None]:
    """The module's attribute ``name``, or else the reply saying that it has none."""
    if not hasattr(module, task["name"]):
        return None, {"status": "missing", "message": f"{task['file']} defines no '{task['name']}'"}
    return getattr(module, task["name"]), None


def _run_script(module: Any, task: dict[str, Any], device: str, workdir: str) -> Reply:
    """The rubric's statements, case by case, and what they read back."""
    script = task["script"]
    cases = [_run_case(module, script, case, device, workdir) for case in script["cases"]]
    return {"status": "ok", "value": cases}


def _forbid_autograd_if_asked(task: dict[str, Any]) -> None:
    if task["script"].get("no_autograd"):
        _forbid_autograd()


def _run_training(module: Any, task: dict[str, Any], device: str, workdir: str) -> Reply:
    """The harness's training run with the module's ``train_epoch`` and ``evaluate``."""
    for name in ("train_epoch", "evaluate"):
        if not callable(getattr(module, name, None)):
            return {"status": "missing", "message": f"{task['file']} defines no function '{name}'"}
    trained = harness.run_training(module, task["training"], device, protocol.decode)
    return {"status": "ok", "value": protocol.to_wire(trained)}


def _nothing(task: dict[str, Any]) -> None:
    pass


class _Operation(NamedTuple):
    """How the runner does one operation, once the student's file is imported.

    ``run`` does the work and returns the reply; ``phase`` says what was under way if the
    student's code raises ("in f", "while training"); ``prepare`` runs before the import, so that
    the student's module sees what it changes (autograd taken away).
    """

    run: Callable[[Any, dict[str, Any], str, str], Reply]
    phase: Callable[[dict[str, Any]], str]
    prepare: Callable[[dict[str, Any]], None] = _nothing


_OPERATIONS: dict[str, _Operation] = {
    "value": _Operation(_read_value, lambda task: f"in {task['name']}"),
    "calls": _Operation(_call_each, lambda task: f"in {task['name']}"),
    "script": _Operation(_run_script, lambda task: "while running the checks", _forbid_autograd_if_asked),
    "training": _Operation(_run_training, lambda task: "while training"),
}


def _run_task(task: dict[str, Any], workdir: str, device: str) -> Reply:
    """Import the student's file and do the task's operation, whatever the student's code does."""
    op = task.get("op")
    operation = _OPERATIONS.get(op) if isinstance(op, str) else None
    if operation is None:
        known = ", ".join(sorted(_OPERATIONS))
        return {"status": "error", "message": f"the sandbox failed: no operation {op!r} (it knows {known})"[:500]}
    filename = task["file"]
    if not os.path.isfile(os.path.join(workdir, filename)):
        return {"status": "missing", "message": f"{filename} was not found"}
    import importlib

    phase = f"while importing {filename}"
    try:
        operation.prepare(task)
        module = importlib.import_module(filename[:-3])
        phase = operation.phase(task)
        return operation.run(module, task, device, workdir)
    except BaseException as error:  # noqa: BLE001 - the student's code may raise anything
        return {
            "status": "error",
            "message": _describe_exit(error, phase),
            "traceback": _student_traceback(error, workdir),
        }


def main() -> None:
    """Read the request from stdin and serve it (a cold start: ``python runner.py``)."""
    serve(json.loads(sys.stdin.read()))


def serve(request: dict[str, Any]) -> None:
    """Run the task, reply, and leave without running the student's atexit handlers."""
    fd = request["result_fd"]
    workdir = request["workdir"]
    os.chdir(workdir)
    try:
        device = _prepare_torch(request)
        _apply_limits(request, device)
        sys.path[:] = [workdir] + [p for p in sys.path if p != _SCRIPT_DIR]
        _plots_stay_off_screen()
        os.write(fd, STARTED)  # the student's clock starts now (the grader's start-up is over)
        reply = _run_task(request["task"], workdir, device)
        reply["device"] = device
        _reply(fd, reply)
    except BaseException as error:  # noqa: BLE001 - reply whatever happens
        try:
            _reply(fd, {"status": "error", "message": f"the sandbox failed: {error!r}"[:500]})
        except BaseException:  # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - the student may have replaced or closed it
                pass
        os._exit(0)


if __name__ == "__main__":
    main()
