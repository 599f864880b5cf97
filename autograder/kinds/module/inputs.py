"""The tensors a module question feeds the student's code, drawn in the grader from its seed.

Shapes are written with size names (``[batch, n_in]``) that each case sets, so one rubric entry
covers batch size 1, odd sizes and non-square layers. ``integers`` draws small whole numbers,
which make pre-activations exactly 0 often enough to test the ReLU kink.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from autograder.rubric_models import PositiveNumber, StrictModel

Values = Literal["normal", "uniform", "integers", "positive", "probabilities", "binary", "classes"]
Dtype = Literal["float32", "float64"]
MAX_CASE_ELEMENTS = 8_000_000


class InputSpec(StrictModel):
    """One input tensor: its shape in size names or numbers, and how its values are drawn."""

    shape: list[int | str] = Field(max_length=6, description="e.g. [batch, n_in]; [] is a scalar.")
    values: Values | None = Field(
        default=None,
        description="normal (default), uniform in (-1, 1), integers in [-3, 3], positive, "
        "probabilities in (0.05, 0.95), binary 0/1, classes (int64 labels below `classes`).",
    )
    scale: PositiveNumber = Field(default=1.0, description="Multiplies normal, uniform and integers draws.")
    classes: int | str | None = Field(default=None, description="Number of classes, for values: classes.")


def size_of(dimension: int | str, sizes: dict[str, int]) -> int:
    """A dimension's length in one case; a name must be one of the case's sizes."""
    if isinstance(dimension, int):
        return dimension
    if dimension not in sizes:
        raise ValueError(f"size '{dimension}' is not set by this case")
    return sizes[dimension]


def shape_of(spec: InputSpec, sizes: dict[str, int]) -> tuple[int, ...]:
    """The concrete shape of an input in one case."""
    shape = tuple(size_of(d, sizes) for d in spec.shape)
    if any(n < 1 for n in shape):
        raise ValueError(f"sizes must be positive, got shape {shape}")
    return shape


def draw(
    spec: InputSpec, sizes: dict[str, int], dtype: Dtype, rng: np.random.Generator,
    default: Values = "normal",
) -> np.ndarray:
    """One input's values for one case (float inputs in the case's dtype; labels as int64)."""
    shape = shape_of(spec, sizes)
    values = spec.values or default
    if values == "classes":
        if spec.classes is None:
            raise ValueError("values: classes needs classes: N (a number or a size name)")
        return rng.integers(0, size_of(spec.classes, sizes), size=shape).astype(np.int64)
    if values == "normal":
        data = rng.standard_normal(shape) * spec.scale
    elif values == "uniform":
        data = rng.uniform(-1.0, 1.0, size=shape) * spec.scale
    elif values == "integers":
        data = rng.integers(-3, 4, size=shape).astype(float) * spec.scale
    elif values == "positive":
        data = np.abs(rng.standard_normal(shape)) * spec.scale + 0.1
    elif values == "probabilities":
        data = rng.uniform(0.05, 0.95, size=shape)
    else:
        data = rng.integers(0, 2, size=shape).astype(float)
    return np.asarray(data, dtype=dtype)
