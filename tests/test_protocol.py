"""The wire format: plain data both ways, and nothing the grader cannot check."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.sandbox.protocol import Unsupported, WireError, dumps, loads


def test_round_trip_of_plain_data_and_arrays() -> None:
    value = {
        "n": 3, "x": 0.5, "s": "hi", "b": True, "none": None, "t": (1, 2), "l": [1, [2]],
        1: "int key", "nan": float("nan"), "inf": -math.inf,
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "tensor": torch.tensor([[1.5, 2.5]], dtype=torch.float64),
        "bf16": torch.ones(2, dtype=torch.bfloat16),
        "size": torch.Size([4, 5]), "scalar": np.int64(7),
    }
    back = loads(dumps(value))
    assert back["t"] == (1, 2) and back["size"] == (4, 5) and back["scalar"] == 7 and back[1] == "int key"
    assert math.isnan(back["nan"]) and back["inf"] == -math.inf
    assert back["a"].dtype == np.float32 and back["a"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert isinstance(back["tensor"], np.ndarray) and back["tensor"].tolist() == [[1.5, 2.5]]
    assert back["bf16"].dtype == np.float32
    back["a"][0, 0] = 9  # the grader's own, writable copy


class Liar:
    def __eq__(self, other: object) -> bool:
        return True

    def __float__(self) -> float:
        return 2400.0


def test_objects_arrive_only_as_their_type_name() -> None:
    back = loads(dumps([Liar(), lambda: 1]))
    assert back == [Unsupported("Liar"), Unsupported("function")]
    assert back[0] != 2400


@pytest.mark.parametrize(
    "payload",
    [
        '{"$array": {"dtype": "object", "shape": [1], "data": ""}}',
        '{"$array": {"dtype": "float32", "shape": [2], "data": "AAAAAA=="}}',
        '{"$array": {"dtype": "float32", "shape": [-1], "data": ""}}',
        '{"$pickle": "gASV"}',
        '{"$tuple": [1], "extra": 2}',
        'NaN',
        '[' * 100000 + ']' * 100000,
        '{"$dict": [[[1], 2]]}',
        'not json',
    ],
)
def test_malformed_or_dangerous_payloads_are_rejected(payload: str) -> None:
    with pytest.raises(WireError):
        loads(payload)


def test_subclassed_containers_do_not_pass_as_plain() -> None:
    class Sneaky(list):  # type: ignore[type-arg]
        pass

    assert loads(dumps(Sneaky([1]))) == Unsupported("Sneaky")
    assert json.loads(dumps(True)) is True


# --- shapes and dtypes survive the trip exactly, both ways (issue 20) -----------------------------

RANKS = [(), (3,), (2, 3), (2, 1, 3), (1, 2, 3, 2)]
# Every dtype a rubric can name (module and function kinds: float32, float64; labels: int64) and
# the others the wire carries.
DTYPES = ["float32", "float64", "int64", "int32", "bool", "float16", "uint8", "complex64"]


def _sample(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    return np.asarray(np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) + 1).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", RANKS, ids=[f"rank{len(s)}" for s in RANKS])
def test_arrays_and_tensors_round_trip_exactly(shape: tuple[int, ...], dtype: str) -> None:
    """The grader's array → the wire → the student's tensor, and the tensor → the wire → the
    grader's array: same shape (a 0-d tensor stays 0-d), same dtype, same values."""
    import importlib.util
    import sys

    array = _sample(shape, dtype)
    folder = str(Path(protocol_file()).parent)
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location("_runner_under_test", Path(folder) / "runner.py")
        runner = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(runner)  # type: ignore[union-attr]
    finally:
        sys.path.remove(folder)
    tensor = runner._as_tensors(loads(dumps(array)), "cpu")
    assert isinstance(tensor, torch.Tensor)
    assert tuple(tensor.shape) == shape and str(tensor.dtype) == f"torch.{dtype}"
    back = loads(dumps(tensor))
    assert back.shape == shape and str(back.dtype) == dtype
    assert np.array_equal(back, array)
    assert loads(dumps(torch.tensor(2.5))).shape == ()  # a loss as a 0-d tensor


def protocol_file() -> str:
    from autograder.sandbox import protocol

    return protocol.__file__


def test_a_zero_d_tensor_crosses_the_sandbox_as_zero_d(tmp_path: Path) -> None:
    """Through a real sandboxed run: every rank and dtype in, the same back."""
    from autograder.sandbox import CallEach, Limits, Sandbox, protocol, sandbox_user

    (tmp_path / "student.py").write_text(
        "def f(x):\n    return (x, tuple(x.shape), str(x.dtype), x.dim())\n"
    )
    arrays = [_sample(shape, dtype) for shape in RANKS for dtype in ("float32", "float64", "int64", "bool")]
    calls = [protocol.to_wire([a]) for a in arrays]
    with Sandbox(sandbox_user()) as sandbox:
        result = sandbox.run(CallEach("student.py", "f", calls), tmp_path,
                             Limits(time_s=20, memory_bytes=512 * 2**20), seed=1, device="cpu")
    assert result.status == "ok", result.message
    for array, reply in zip(arrays, result.value, strict=True):
        value, shape, dtype, dim = reply["value"]
        assert shape == array.shape and dim == array.ndim and dtype == f"torch.{array.dtype}"
        assert value.shape == array.shape and value.dtype == array.dtype and np.array_equal(value, array)
