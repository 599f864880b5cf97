"""The plain-data wire format between the sandboxed runner and the grader.

JSON with a few tagged objects, never pickle:

- ``{"$tuple": [...]}`` a tuple; ``{"$float": "nan" | "inf" | "-inf"}`` a non-finite float;
- ``{"$dict": [[key, value], ...]}`` a mapping (keys are strings, ints or floats);
- ``{"$array": {"dtype": "float32", "shape": [2, 3], "data": base64}}`` a numpy array or tensor;
- ``{"$unsupported": "TypeName"}`` anything else the student returned.

:func:`to_wire` runs in the student's process and may be lied to by hostile objects; that is
harmless, because :func:`from_wire` in the grader trusts nothing: it checks every type, size
and dtype and builds fresh numpy arrays and Python values of its own.

This module is copied next to the runner and imported without the ``autograder`` package, so it
depends on the standard library and numpy only.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

ALLOWED_DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
     "float16", "float32", "float64", "complex64", "complex128"]
)
MAX_DEPTH = 32
MAX_ITEMS = 1_000_000
# Characters of one number literal in a reply: enough for any int64 or float64 repr, and
# nothing like 10**4000 (which would parse, then overflow whatever the grader does with it).
MAX_NUMBER_CHARS = 40


class WireError(ValueError):
    """The data that came back is not valid plain data."""


# --- the student's side ------------------------------------------------------------------------


def _array_to_wire(array: Any) -> dict[str, Any]:
    import numpy

    # Not ascontiguousarray: it makes a 0-d array 1-d, and a 0-d loss must arrive as 0-d.
    array = numpy.asarray(array)
    dtype = str(array.dtype)
    if dtype not in ALLOWED_DTYPES:
        return {"$unsupported": f"array of {dtype}"}
    return {
        "$array": {
            "dtype": dtype,
            "shape": [int(n) for n in array.shape],
            "data": base64.b64encode(array.tobytes(order="C")).decode("ascii"),
        }
    }


def to_wire(value: Any, depth: int = 0) -> Any:
    """Turn a returned value into JSON-ready plain data (runs in the sandbox)."""
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, str, int):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind in (list, tuple):
        items = [to_wire(item, depth + 1) for item in value]
        return items if kind is list else {"$tuple": items}
    if kind is dict:
        return {"$dict": [[to_wire(k, depth + 1), to_wire(v, depth + 1)] for k, v in value.items()]}
    module = getattr(kind, "__module__", "") or ""
    if module.startswith("torch"):
        import torch

        if isinstance(value, torch.Size):
            return {"$tuple": [int(n) for n in value]}
        if isinstance(value, torch.Tensor):
            tensor = value.detach().cpu()
            if tensor.dtype == torch.bfloat16:
                tensor = tensor.float()
            return _array_to_wire(tensor.numpy())
    if module.startswith("numpy"):
        import numpy

        if isinstance(value, numpy.ndarray):
            return _array_to_wire(value)
        if isinstance(value, numpy.generic):
            return to_wire(value.item(), depth + 1)
    return {"$unsupported": kind.__name__}


def dumps(value: Any) -> str:
    """Encode a value for the wire."""
    return json.dumps(to_wire(value), allow_nan=False, separators=(",", ":"))


# --- the grader's side -------------------------------------------------------------------------


class Unsupported:
    """Stands for a returned object that is not plain data; the grader never gets the object."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unsupported) and other.type_name == self.type_name

    def __hash__(self) -> int:
        return hash(self.type_name)


def _reject_constant(name: str) -> Any:
    raise WireError(f"bare {name} is not allowed")


class _Decoder:
    def __init__(self) -> None:
        self.items = 0  # values, each counted once
        self.elements = 0  # numbers inside arrays

    def value(self, data: Any, depth: int) -> Any:
        self.items += 1
        if self.items > MAX_ITEMS:
            raise WireError("the value has too many items")
        if depth > MAX_DEPTH:
            raise WireError("the value is nested too deeply")
        if data is None or type(data) in (bool, str, int, float):
            return data
        if type(data) is list:
            return [self.value(item, depth + 1) for item in data]
        if type(data) is not dict or len(data) != 1:
            raise WireError("malformed value")
        (tag, body), = data.items()
        if tag == "$tuple" and type(body) is list:
            return tuple(self.value(item, depth + 1) for item in body)
        if tag == "$float" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "$dict" and type(body) is list:
            out: dict[Any, Any] = {}
            for pair in body:
                if type(pair) is not list or len(pair) != 2:
                    raise WireError("malformed mapping")
                key = self.value(pair[0], depth + 1)
                if type(key) not in (str, int, float, bool):
                    raise WireError("mapping keys must be strings or numbers")
                out[key] = self.value(pair[1], depth + 1)
            return out
        if tag == "$array" and type(body) is dict:
            return self.array(body)
        if tag == "$unsupported" and type(body) is str:
            return Unsupported(body[:80])
        raise WireError(f"unknown tag {str(tag)[:20]!r}")

    def array(self, body: dict[str, Any]) -> Any:
        import numpy

        dtype, shape, data = body.get("dtype"), body.get("shape"), body.get("data")
        if dtype not in ALLOWED_DTYPES or type(data) is not str or type(shape) is not list:
            raise WireError("malformed array")
        if len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
            raise WireError("malformed array shape")
        count = math.prod(shape)
        self.elements += count
        if self.elements > 64 * MAX_ITEMS:
            raise WireError("the arrays are too large")
        try:
            raw = base64.b64decode(data.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise WireError("malformed array data") from None
        kind = numpy.dtype(dtype)
        if len(raw) != count * kind.itemsize:
            raise WireError("array data does not match its shape")
        return numpy.frombuffer(raw, dtype=kind).reshape(shape).copy()


def _number(kind: type) -> Any:
    def parse(literal: str) -> Any:
        if len(literal) > MAX_NUMBER_CHARS:
            raise WireError(f"a number of {len(literal)} digits")
        return kind(literal)
    return parse


def _containers_bound(text: str | bytes) -> None:
    """Refuse, before ``json.loads`` allocates anything, a reply with more containers and items
    than a valid one can have: 63 MB of ``{},`` would otherwise become 20 million dicts (2 GB)
    in the grader. Counting the structural characters over-counts those inside strings, which
    only errs on the side of refusing."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    tokens = len(raw) - len(raw.translate(None, b"{[,"))  # one pass over a reply of many MB
    if tokens > 3 * MAX_ITEMS:
        raise WireError("the value has too many items")


def parse_json(text: str | bytes) -> Any:
    """Strict JSON: no NaN or Infinity literals, bounded nesting, items and number sizes, all
    checked before or while parsing (never after building a huge value)."""
    _containers_bound(text)
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_int=_number(int),
                          parse_float=_number(float))
    except (ValueError, RecursionError, MemoryError) as error:
        if isinstance(error, WireError):
            raise
        raise WireError(f"not valid JSON ({type(error).__name__})") from None


def decode(data: Any) -> Any:
    """Check already-parsed wire data and build the grader's own values from it."""
    return _Decoder().value(data, 0)


def loads(text: str | bytes) -> Any:
    """Decode and check a value from the wire (runs in the grader)."""
    return decode(parse_json(text))
