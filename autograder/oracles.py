"""Loading the instructor's oracles: trusted functions in ``reference/ASSIGNMENT/`` that a
question names (``oracle_source``), loaded once per run before any student code runs.

The module kind's oracle is a torch autograd computation in ``reference/ASSIGNMENT/``.

It is trusted code (it ships with the rubric, never with a submission), so it runs in the
grader's own process, in float64, on the grader's own copies of the inputs. It is an ordinary
function whose parameters are named after the question's inputs, sizes, constants and variant
options (it takes only those it names) and which returns a mapping from check names to tensors or
numbers, e.g.::

    def mlp(x, W1, b1, W2, b2, dJdy_hat, f_function, g_function):
        ...
        y_hat.backward(dJdy_hat)
        return {"y_hat": y_hat, "dJdW1": W1.grad, ...}
"""

from __future__ import annotations

import importlib.util
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable



class OracleError(RuntimeError):
    """The oracle cannot be loaded or did not answer; a fault of the rubric, not the student."""


Oracle = Callable[..., Any]


def load_oracle(folder: Path, file: str, name: str) -> Oracle:
    """Import ``file`` from the reference folder (without touching ``sys.modules``) and return
    its function ``name``. This is the instructor's code, never the student's: the grader loads
    it before any student code runs (see :func:`load_oracles`), from the reference folder only."""
    path = folder / file
    if path.is_symlink() or not path.is_file():
        raise OracleError(f"the oracle file {path} does not exist (or is a link)")
    module_name = f"autograder_oracle_{zlib.crc32(str(path.resolve()).encode()):08x}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise OracleError(f"{path} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - reported as a rubric fault with its cause
        raise OracleError(f"importing {path} raised {type(error).__name__}: {error}") from error
    function = getattr(module, name, None)
    if not callable(function):
        raise OracleError(f"{path} defines no function '{name}'")
    return function


def load_oracles(
    questions: Iterable[Any], folder: Path | None
) -> dict[str, Oracle | OracleError]:
    """Every question's oracle, by question id, or the reason it cannot be had.

    Called once per grading run, before the sandbox runs anything: when the grader is not root,
    student code runs as the same user and could otherwise rewrite the file before it is read.
    """
    oracles: dict[str, Oracle | OracleError] = {}
    for question in questions:
        source = question.oracle_source()
        if source is None:
            continue
        if folder is None:
            oracles[question.id] = OracleError("no reference folder was given, so there is no oracle")
            continue
        try:
            oracles[question.id] = load_oracle(folder, *source)
        except OracleError as error:
            oracles[question.id] = error
    return oracles
