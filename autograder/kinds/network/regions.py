"""Pictures of a two-input network's decisions: where it says yes, against where it should.

Drawn in floats on a grid (for looking at, never for grading): a PNG for files and Gradescope,
and a character picture for feedback read in a terminal or as plain text.
"""

from __future__ import annotations

from fractions import Fraction
import numpy as np

from autograder.kinds.network.architecture import Network
from autograder.kinds.network.forward import evaluate_many
from autograder.kinds.network.predicate import Output, Predicate
from autograder.report.png import encode_png

# both yes, both no, network yes only (false positive), target yes only (missed)
_COLOURS = np.array([[90, 150, 220], [245, 245, 245], [220, 60, 50], [245, 170, 40]], dtype=np.uint8)
_GLYPHS = ("+", "·", "X", "O")
LEGEND = "+ yes (right), · no (right), X yes (wrong), O no (wrong)"


def _decisions(network: Network, output: Output, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    grid = np.stack(np.meshgrid(xs, ys[::-1]), axis=-1).reshape(-1, 2)
    values = evaluate_many(network, grid)[:, 0]
    decided = values > 0 if output == "sign" else np.isclose(values, 1.0)
    return decided.reshape(len(ys), len(xs))


def _truth(predicate: Predicate | None, xs: np.ndarray, ys: np.ndarray) -> np.ndarray | None:
    """Where the target holds on the grid, laid out like :func:`_decisions` (top row: largest y)."""
    if predicate is None:
        return None
    # One vectorised pass: the exact per-point evaluation is for verdicts, and cost ~0.15 s a picture.
    return predicate.holds_grid(np.meshgrid(xs, ys[::-1]))


def _classes(mine: np.ndarray, truth: np.ndarray | None) -> np.ndarray:
    if truth is None:
        return np.where(mine, 0, 1)
    return np.select([mine & truth, ~mine & ~truth, mine & ~truth], [0, 1, 2], default=3)


def extent_for(points: list[tuple[Fraction, ...]]) -> float:
    """Half-width of the square shown: 2, or wider so that a counter-example is inside."""
    largest = max((float(max(abs(v) for v in p)) for p in points), default=0.0)
    return 2.0 if largest <= 1.6 or largest > 1e3 else 1.25 * largest


def text_picture(network: Network, predicate: Predicate, output: Output, extent: float) -> str:
    """A 41×21 character picture of x1 (→) and x2 (↑) in [-extent, extent]."""
    xs = np.linspace(-extent, extent, 41)
    ys = np.linspace(-extent, extent, 21)
    classes = _classes(_decisions(network, output, xs, ys), _truth(predicate, xs, ys))
    rows = ["".join(_GLYPHS[c] for c in row) for row in classes]
    label = f"{extent:g}"
    return "\n".join([f"x2 = {label}"] + rows + [f"x1 from -{label} to {label}; {LEGEND}"])


def png_picture(
    network: Network, predicate: Predicate | None, output: Output, extent: float,
    marks: list[tuple[Fraction, ...]], pixels: int = 120, scale: int = 2,
) -> bytes:
    """Decision regions (against the target when given), axes, and marked inputs, as PNG."""
    step = 2 * extent / pixels
    centres = -extent + step * (np.arange(pixels) + 0.5)
    classes = _classes(_decisions(network, output, centres, centres), _truth(predicate, centres, centres))
    image = _COLOURS[classes]
    zero = int(round(extent / step))
    if 0 <= zero < pixels:
        image[zero, :] = image[:, zero] = (160, 160, 160)
    for point in marks[:50]:
        col = int((float(point[0]) + extent) / step)
        row = pixels - 1 - int((float(point[1]) + extent) / step)
        if 0 <= row < pixels and 0 <= col < pixels:
            image[max(row - 1, 0): row + 2, max(col - 1, 0): col + 2] = (0, 0, 0)
    return encode_png(np.repeat(np.repeat(image, scale, axis=0), scale, axis=1))
