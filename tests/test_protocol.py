"""The wire format: plain data both ways, and nothing the grader cannot check."""

from __future__ import annotations

import json
import math

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
