"""The rubric's limits on a network, and the student's weights read and checked against them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from autograder.kinds.network.numbers import NumberError, exact

Activation = Literal["relu", "threshold", "sigmoid", "tanh", "identity"]
EXACT_ACTIVATIONS = frozenset({"relu", "threshold", "identity"})
# Exact arithmetic costs grow with size; hand-made networks have tens of parameters.
MAX_PARAMETERS = 1_000
MAX_LAYERS = 8

Matrix = tuple[tuple[Fraction, ...], ...]
Vector = tuple[Fraction, ...]


class NetworkError(ValueError):
    """The weights do not describe a network the question allows; the message says why."""


@dataclass(frozen=True)
class Architecture:
    """What the question allows: sizes, number of layers, activations, biases."""

    inputs: int
    outputs: int = 1
    layers: int | None = None
    max_layers: int | None = None
    widths: tuple[int, ...] | None = None
    max_width: int | None = None
    activation: Activation = "relu"
    output_activation: Activation = "identity"
    biases: bool = True
    threshold_at_zero: int = 1

    @property
    def exact(self) -> bool:
        """Whether every activation can be evaluated in exact rational arithmetic."""
        return {self.activation, self.output_activation} <= EXACT_ACTIVATIONS


@dataclass(frozen=True)
class Layer:
    """One affine map, W x + b, with W stored row by row."""

    weights: Matrix
    bias: Vector

    @property
    def shape(self) -> tuple[int, int]:
        """(outputs, inputs) of this layer."""
        return len(self.weights), len(self.weights[0])


@dataclass(frozen=True)
class Network:
    """The student's network: its layers and the activations the question fixes."""

    layers: tuple[Layer, ...]
    architecture: Architecture

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        """Units in each hidden layer."""
        return tuple(layer.shape[0] for layer in self.layers[:-1])


def parameter_key(name: Any) -> str:
    """'W^(1)', 'w_1', 'W1' → 'w1'; 'b^{(2)}' → 'b2'."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _size(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _read_numbers(raw: Any, label: str) -> list[Fraction]:
    if not isinstance(raw, list):
        raw = [raw]
    values = []
    for index, item in enumerate(raw):
        try:
            values.append(exact(item))
        except NumberError as error:
            raise NetworkError(f"{label}[{index}]: {error}") from None
    return values


def _read_matrix(raw: Any, label: str, rows: int | None, cols: int | None) -> Matrix:
    """Rows of numbers; a flat list is a row when one row is expected, else a column."""
    if raw is None:
        raise NetworkError(f"{label} is missing")
    if isinstance(raw, list) and raw and all(isinstance(row, list) for row in raw):
        matrix = [_read_numbers(row, f"{label}[{i}]") for i, row in enumerate(raw)]
        if len({len(row) for row in matrix}) != 1:
            raise NetworkError(f"{label}: its rows have different lengths")
    elif isinstance(raw, list) and any(isinstance(row, list) for row in raw):
        raise NetworkError(f"{label}: mix of numbers and lists; write a list of rows")
    else:
        flat = _read_numbers(raw, label)
        if rows == 1 or (rows is None and cols not in (1, None) and len(flat) == cols):
            matrix = [flat]
        elif cols == 1:
            matrix = [[value] for value in flat]
        elif len(flat) == 1:
            matrix = [flat]
        else:
            raise NetworkError(f"{label} must be a matrix: write it as a list of rows")
    if not matrix or not matrix[0]:
        raise NetworkError(f"{label} is empty")
    if rows == 1 and cols not in (1, None) and len(matrix) == cols and all(len(r) == 1 for r in matrix):
        matrix = [[row[0] for row in matrix]]  # an output weight vector written as a column
    got = (len(matrix), len(matrix[0]))
    want = (rows if rows is not None else got[0], cols if cols is not None else got[1])
    if got != want:
        hint = ": transposed?" if got == want[::-1] else ""
        raise NetworkError(f"{label} must be {want[0]}×{want[1]}, got {got[0]}×{got[1]}{hint}")
    return tuple(tuple(row) for row in matrix)


def _read_bias(raw: Any, label: str, size: int, allowed: bool) -> Vector:
    if raw is None:
        return (Fraction(0),) * size
    if not isinstance(raw, list):
        raw = [raw] * size  # one number for every unit
    if isinstance(raw, list) and all(isinstance(item, list) and len(item) == 1 for item in raw):
        raw = [item[0] for item in raw]  # a column vector written as [[1], [2]]
    values = _read_numbers(raw, label)
    if len(values) != size:
        raise NetworkError(f"{label} must have {size} entries (one per unit), got {len(values)}")
    if not allowed and any(values):
        raise NetworkError(f"this network has no biases: {label} must be absent or zero")
    return tuple(values)


def _check_layer_count(count: int, architecture: Architecture) -> None:
    if architecture.layers is not None and count != architecture.layers:
        names = ", ".join(f"W{i}" for i in range(1, architecture.layers + 1))
        raise NetworkError(
            f"the network must have {_size(architecture.layers, 'layer')} ({names}); you gave {count}"
        )
    if architecture.max_layers is not None and count > architecture.max_layers:
        raise NetworkError(f"at most {_size(architecture.max_layers, 'layer')} allowed; you gave {count}")


def read_network(raw: Any, architecture: Architecture) -> Network:
    """Check the student's mapping (W1, b1, W2, ...) and build the network, or say what is wrong."""
    if not isinstance(raw, dict):
        raise NetworkError("write the network as a mapping: W1: [[...], ...], b1: [...], W2: ...")
    # Arrays returned by a .py answer (decoded from the sandbox) are read like YAML lists.
    given = {parameter_key(key): value.tolist() if isinstance(value, np.ndarray) else value
             for key, value in raw.items()}
    weight_keys = sorted((k for k in given if re.fullmatch(r"w\d+", k)), key=lambda k: int(k[1:]))
    count = len(weight_keys)
    if count == 0:
        raise NetworkError("no weight matrices found: name them W1, W2, ...")
    if weight_keys != [f"w{i}" for i in range(1, count + 1)]:
        raise NetworkError("number the weight matrices W1, W2, ... without gaps")
    unknown = sorted(set(given) - set(weight_keys) - {f"b{i}" for i in range(1, count + 1)})
    if unknown:
        raise NetworkError(f"unexpected entry '{unknown[0]}': use W1, b1, W2, b2, ...")
    _check_layer_count(count, architecture)
    if count > MAX_LAYERS:
        raise NetworkError(f"at most {MAX_LAYERS} layers; this calls for a small network")
    layers: list[Layer] = []
    cols: int = architecture.inputs
    for index in range(1, count + 1):
        last = index == count
        rows = architecture.outputs if last else (
            architecture.widths[index - 1] if architecture.widths is not None
            and len(architecture.widths) == count - 1 else None
        )
        weights = _read_matrix(given[f"w{index}"], f"W{index}", rows, cols)
        if not last and architecture.max_width is not None and len(weights) > architecture.max_width:
            raise NetworkError(
                f"hidden layer {index} has {len(weights)} units; at most {architecture.max_width} allowed"
            )
        bias = _read_bias(given.get(f"b{index}"), f"b{index}", len(weights), architecture.biases)
        layers.append(Layer(weights, bias))
        cols = len(weights)
        if sum(rows * (inputs + 1) for rows, inputs in (layer.shape for layer in layers)) > MAX_PARAMETERS:
            raise NetworkError(f"more than {MAX_PARAMETERS} parameters; this calls for a small network")
    return Network(tuple(layers), architecture)
