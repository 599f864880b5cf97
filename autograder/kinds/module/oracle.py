"""Calling the module kind's oracle: inputs as float64 tensors in, float64 arrays out."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Mapping

import numpy as np

from autograder.oracles import Answer, Oracle, OracleError


def _as_tensor(value: Any) -> Any:
    import torch

    if isinstance(value, np.ndarray):
        tensor = torch.from_numpy(value.copy())
        return tensor.double() if tensor.is_floating_point() else tensor
    return value


def _as_array(value: Any) -> np.ndarray:
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=np.float64)


def call_oracle(oracle: Oracle | Callable[..., Any], available: Mapping[str, Any]) -> Answer:
    """The oracle's answer for the values its parameters name: remembered when the oracle is an
    :class:`Oracle` that was asked this before, else computed (float arrays arrive as float64
    tensors). The answer comes back as float64 numpy arrays."""
    if isinstance(oracle, Oracle):
        return oracle.answer(available, _call)
    return _call(oracle, available)


def _call(function: Callable[..., Any], available: Mapping[str, Any]) -> Answer:
    parameters = inspect.signature(function).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    missing = [
        name for name, p in parameters.items()
        if name not in available and p.default is inspect.Parameter.empty
        and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    if missing:
        raise OracleError(f"the oracle needs {', '.join(missing)}, which the question does not define")
    arguments = {
        name: _as_tensor(value) for name, value in available.items() if takes_all or name in parameters
    }
    try:
        answer = function(**arguments)
    except Exception as error:  # noqa: BLE001 - reported as a rubric fault with its cause
        raise OracleError(f"the oracle raised {type(error).__name__}: {error}") from error
    if not isinstance(answer, Mapping):
        raise OracleError(f"the oracle returned {type(answer).__name__}, not a mapping of results")
    return {str(key): _as_array(value) for key, value in answer.items()}
