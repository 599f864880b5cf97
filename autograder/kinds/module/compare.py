"""Comparing one tensor the student's code produced with the oracle's, and saying what went wrong.

Everything here runs in the grader on its own numpy copies. Beyond "wrong", it recognises the
usual slips of a hand-written backward pass: a transposed gradient, one row per example left
unsummed, a mean where a sum belongs (or the reverse, named by the size it is off by), a flipped
sign, a value left over from the previous call (a stale cache) or accumulated across calls, a
gradient never computed (all zeros), and a result in the wrong dtype.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from autograder.sandbox.protocol import Unsupported

# (rtol, atol as a fraction of the expected tensor's largest magnitude), by the inputs' dtype.
TOLERANCES: Mapping[str, tuple[float, float]] = {"float32": (1e-4, 1e-5), "float64": (1e-7, 1e-9)}


@dataclass(frozen=True)
class Expected:
    """What one check should read in one round of one case."""

    value: np.ndarray
    dtype: str
    sizes: Mapping[str, int] = field(default_factory=dict)
    batch: int | None = None
    previous: np.ndarray | None = None  # the previous round's own value, if there was one
    fresh: np.ndarray | None = None  # this round's own value, when ``value`` accumulates rounds
    stale: Mapping[str, np.ndarray] = field(default_factory=dict)  # input name → value had it been
    # left over from the previous call
    rtol: float | None = None
    atol: float | None = None


def _fmt(number: float) -> str:
    return f"{number:.4g}"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def as_array(value: Any) -> np.ndarray | None:
    """The grader's float64 copy of a returned value, or None when it is not numeric data."""
    if isinstance(value, bool) or value is None or isinstance(value, (Unsupported, str, dict)):
        return None
    if isinstance(value, np.ndarray):
        return value if value.dtype != object else None
    if isinstance(value, (int, float)):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return array
    return None


def _close_each(got: np.ndarray, want: np.ndarray, expected: Expected) -> np.ndarray:
    """Entry by entry, within the dtype's tolerance (same shapes)."""
    rtol, atol = TOLERANCES.get(expected.dtype, TOLERANCES["float32"])
    rtol = expected.rtol if expected.rtol is not None else rtol
    atol = expected.atol if expected.atol is not None else atol
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(got - want) <= atol * max(scale, 1e-30) + rtol * np.abs(want)


def _close(got: np.ndarray, want: np.ndarray, expected: Expected) -> bool:
    if got.shape != want.shape:
        return False
    return bool(np.all(_close_each(got, want, expected)))


def _factor_hint(factor: float, expected: Expected) -> str:
    """Name the size a wrong factor equals: the usual sign of a mean/sum mix-up."""
    named = dict(expected.sizes)
    for (a, x), (b, y) in itertools.combinations(expected.sizes.items(), 2):
        named[f"{a}·{b}"] = x * y
    for name, size in named.items():
        if size > 1 and abs(factor - size) <= 1e-3 * size:
            return (f"is {size}× too large, the size {name}: a sum where a mean belongs, "
                    "or a division missing")
        if size > 1 and abs(factor * size - 1) <= 1e-3:
            return (f"is {size}× too small, the size {name}: a mean where a sum belongs, "
                    "or a division too many")
    # The factor itself is not said: with the student's own value it would give the expected one.
    return "is off by a constant factor: every entry is scaled the same way"


def _shape_problem(got: np.ndarray, want: np.ndarray, expected: Expected) -> str:
    shapes = f"shape {_shape(got.shape)}, expected {_shape(want.shape)}"
    if got.ndim == 2 and got.shape == want.shape[::-1] and _close(got.T, want, expected):
        return f"is transposed: {shapes}"
    batch = expected.batch
    if batch and got.shape == (batch, *want.shape) and _close(got.sum(axis=0), want, expected):
        return f"has one row per example: sum it over the batch ({shapes})"
    if got.size == want.size and _close(got.reshape(want.shape), want, expected):
        return f"has the right values in the wrong shape: {shapes}"
    return f"has {shapes}"


def _value_problem(got: np.ndarray, want: np.ndarray, expected: Expected) -> str:
    if got.ndim == 2 and got.shape[0] == got.shape[1] > 1 and _close(got.T, want, expected):
        return "is transposed"
    if expected.previous is not None:
        own = expected.fresh if expected.fresh is not None else want
        if expected.fresh is None and _close(got, expected.previous + want, expected):
            return ("still holds the previous call's gradient (it was added to, not replaced, "
                    "after the gradients were cleared)")
        if _close(got, expected.previous, expected):
            return "is the value from the previous call: a stale cache or a result never refreshed"
        for name, value in expected.stale.items():
            if _close(got, value, expected):
                return f"was computed with the previous call's {name}: a stale cache"
        if expected.fresh is not None and _close(got, own, expected):
            return "was overwritten: it must add up across calls until the gradients are cleared"
    if not np.any(got):
        return "is all zeros: was it computed and stored?"
    norm = float(np.sum(want * want))
    if norm > 0:
        factor = float(np.sum(got * want)) / norm
        if abs(factor - 1) > 1e-3 and _close(got, factor * want, expected):
            if abs(factor + 1) <= 1e-3:
                return "has the wrong sign"
            return _factor_hint(factor, expected)
    # Where, and the student's own value there; never the expected value (with seeded inputs and
    # unlimited resubmissions, it could be harvested entry by entry).
    error = np.abs(got - want)
    where = np.unravel_index(int(np.argmax(error)), want.shape) if want.ndim else ()
    wrong = int(np.count_nonzero(~_close_each(got, want, expected)))
    at = f" at index {tuple(int(i) for i in where)} (your value {_fmt(float(got[where]))})" if want.ndim else (
        f": your value {_fmt(float(got[where]))}")
    share = f"; {wrong} of {want.size} entries are wrong" if want.size > 1 else ""
    return f"is wrong{at}{share}"


def mismatch(value: Any, expected: Expected, check_dtype: bool = True) -> str | None:
    """None when ``value`` matches; otherwise what is wrong, as a phrase ("is transposed: …")."""
    got = as_array(value)
    if got is None:
        described = "None" if value is None else type(value).__name__ if not isinstance(
            value, Unsupported) else value.type_name
        return f"is {described}, not a tensor"
    want = expected.value
    if got.dtype.kind not in "biuf":
        return f"is an array of {got.dtype}, not numbers"
    numbers = got.astype(np.float64)
    if not np.all(np.isfinite(numbers)) and np.all(np.isfinite(want)):
        return "contains NaN or infinity"
    if numbers.shape != want.shape:
        if numbers.size == want.size == 1:  # a loss as a 0-d tensor, a float or a 1-element tensor
            numbers = numbers.reshape(want.shape)
        else:
            return _shape_problem(numbers, want, expected)
    if not _close(numbers, want, expected):
        return _value_problem(numbers, want, expected)
    if check_dtype and isinstance(value, np.ndarray) and value.ndim and str(value.dtype) != expected.dtype:
        return f"has the right values but dtype {value.dtype}; the inputs were {expected.dtype}"
    return None
