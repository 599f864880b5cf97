"""Student numbers as exact rationals, and numbers written back for people to read."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

# Beyond these a hand-made construction is not plausible, and exact arithmetic would get slow.
MAX_MAGNITUDE = Fraction(10) ** 12
MAX_DENOMINATOR = 10**18
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")
_RATIO = re.compile(r"^([+-]?\d{1,15})\s*/\s*(\d{1,15})$")


class NumberError(ValueError):
    """A value that is not a usable number; the message says why, for the student."""


def exact(raw: Any) -> Fraction:
    """An int, a finite float, or text like ``-1.5``, ``1e3`` or ``1/3``, as an exact Fraction.

    A float is read as its shortest decimal (0.1 is 1/10): what the student wrote is what is judged.
    """
    if isinstance(raw, bool):
        raise NumberError(f"expected a number, got {'true' if raw else 'false'}")
    if isinstance(raw, int):
        value = Fraction(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise NumberError(f"expected a finite number, got {raw}")
        value = Fraction(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip().replace("−", "-")
        ratio = _RATIO.match(text)
        if ratio:
            if int(ratio.group(2)) == 0:
                raise NumberError(f"'{raw[:40]}' divides by zero")
            value = Fraction(int(ratio.group(1)), int(ratio.group(2)))
        elif _NUMBER.match(text):
            value = Fraction(text)
        else:
            raise NumberError(f"'{raw[:40]}' is not a number (write 2, -0.5, 1e3 or 1/3)")
    else:
        raise NumberError(f"expected a number, got {_describe(raw)}")
    if abs(value) > MAX_MAGNITUDE or value.denominator > MAX_DENOMINATOR:
        raise NumberError(f"{show(value)} is too large or too finely divided for a hand-made network")
    return value


def show(value: Fraction | float) -> str:
    """Short and exact where it can be: 2, -0.5, 1/3, 1e+06."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if value.denominator == 1:
        return str(value.numerator) if abs(value.numerator) < 10**7 else f"{float(value):.6g}"
    decimal = f"{float(value):.6g}"
    if Fraction(decimal) == value:
        return decimal
    if value.denominator < 1000 and abs(value.numerator) < 10**6:
        return f"{value.numerator}/{value.denominator}"
    return f"≈{decimal}"


def show_point(point: tuple[Fraction, ...]) -> str:
    """An input as the student would write it: (0, 1/2, -3)."""
    inner = ", ".join(show(v) for v in point)
    return f"({inner})" if len(point) > 1 else inner


def _describe(raw: Any) -> str:
    return {list: "a list", dict: "a mapping", type(None): "nothing"}.get(type(raw), type(raw).__name__)
