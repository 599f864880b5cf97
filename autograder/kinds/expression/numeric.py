"""Numeric evaluation of a checked syntax tree with numpy, for scalars, vectors and matrices.

Equivalence of answers is decided at seeded random points: every declared quantity gets a random
value of its declared shape (vectors are columns), both expressions are evaluated, and the results
compared with tolerances. Shape faults are reported in the rubric's dimension names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping, Union

import numpy as np

from autograder.kinds.expression.nodes import (
    Add,
    Call,
    Compare,
    Deriv,
    Div,
    Fill,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Sym,
    Transpose,
)
from autograder.kinds.expression.vocabulary import Dim, SymbolInfo, Vocabulary

Values = Mapping[str, np.ndarray]


class EvaluationError(ValueError):
    """The expression cannot be evaluated (a shape fault, an undefined atom); for the student."""


def _sigma(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def _softmax(x: np.ndarray) -> np.ndarray:
    if x.ndim != 2 or x.shape[1] != 1:
        raise EvaluationError("softmax takes a vector")
    shifted = np.exp(x - np.max(x))
    return shifted / np.sum(shifted)


_ELEMENTWISE: Mapping[str, Callable[[np.ndarray], np.ndarray]] = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sigma": _sigma,
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
    "sin": np.sin,
    "cos": np.cos,
    "abs": np.abs,
    "sign": np.sign,
    "heaviside": lambda x: np.heaviside(x, 0.5),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "sigma'": lambda x: _sigma(x) * (1.0 - _sigma(x)),
    "tanh'": lambda x: 1.0 - np.tanh(x) ** 2,
    "relu'": lambda x: (x > 0).astype(float),
    "sin'": np.cos,
    "cos'": lambda x: -np.sin(x),
    "exp'": np.exp,
    "softplus'": _sigma,
    "log'": lambda x: 1.0 / x,
    "indicator": lambda x: x,
}


@dataclass(frozen=True)
class Unsized:
    """𝟙 or I before what it meets fixes its size; ``scale`` and ``transposed`` record what was
    done to it meanwhile (−𝟙, 2I, 𝟙ᵀ)."""

    kind: str
    scale: float = 1.0
    transposed: bool = False

    def shaped(self, rows: int, cols: int) -> np.ndarray:
        """The matrix of this size (an identity needs rows == cols; the caller checks)."""
        value = np.eye(rows) if self.kind == "identity" else np.ones((rows, cols))
        return self.scale * value


Value = Union[np.ndarray, Unsized]


def concrete_shape(shape: tuple[Dim, ...], dims: Mapping[str, int]) -> tuple[int, ...]:
    """Numbers for the rubric's named sizes; a vector (n,) is the column (n, 1)."""
    sizes = tuple(size if isinstance(size, int) else dims[size] for size in shape)
    return (sizes[0], 1) if len(sizes) == 1 else sizes


def describe_shape(shape: tuple[int, ...], dims: Mapping[str, int]) -> str:
    """A shape in the rubric's names where a size is unambiguous: (N, M) rather than (3, 4)."""
    if shape == () or shape == (1, 1):
        return "a scalar"
    names = {}
    for name, size in dims.items():
        names.setdefault(size, name)
    parts = [names.get(size, str(size)) for size in shape]
    return f"({', '.join(parts)})"


def sample_values(vocabulary: Vocabulary, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One random value for every declared quantity."""
    values = {}
    for key, info in vocabulary.symbols.items():
        values[key] = _sample(info, vocabulary.dims, rng)
    return values


def _sample(info: SymbolInfo, dims: Mapping[str, int], rng: np.random.Generator) -> np.ndarray:
    shape = concrete_shape(info.shape, dims)
    if info.role == "identity":
        return np.eye(shape[0]) if shape else np.array(1.0)
    if info.role == "ones":
        return np.ones(shape)
    if info.role == "class":
        classes = info.classes if isinstance(info.classes, int) else dims[str(info.classes)]
        return np.array(float(rng.integers(0, classes)))
    low, high = (0.25, 2.0) if info.positive else (-2.0, 2.0)
    if info.role == "diagonal":
        return np.diag(rng.uniform(low, high, size=shape[0]))
    value = rng.uniform(low, high, size=shape)
    # Keep values away from 0 so that kinks (ReLU, sign) are not hit by chance.
    value = np.where(np.abs(value) < 0.05, 0.05 + value, value)
    return np.asarray(value, dtype=float)


@dataclass(frozen=True)
class Evaluator:
    """Evaluates trees of one question at given values; ``at_switch`` leaves Heaviside(0) and
    ReLU′(0), whose values are a convention, undefined (NaN)."""

    vocabulary: Vocabulary
    at_switch: bool = False

    def __call__(self, node: Node, values: Values) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self._sized(self._eval(node, values))

    def _sized(self, value: Value) -> np.ndarray:
        """A value whose size must be known here (a function's argument, a power, the result)."""
        if isinstance(value, Unsized):
            raise EvaluationError(self._unsized_message(value))
        return value

    def _unsized_message(self, value: Unsized) -> str:
        name, example = ("𝟙", "𝟙_") if value.kind == "ones" else ("I", "I_")
        size = next(iter(self.vocabulary.dims), "n")
        return f"the size of {name} is not fixed by what it meets here: write it with its size, e.g. {example}{size}"

    def _fill(self, node: Fill) -> Value:
        if node.size is None:
            return Unsized(node.kind)
        size = node.size if isinstance(node.size, int) else self.vocabulary.dims[node.size]
        return np.eye(size) if node.kind == "identity" else np.ones((size, 1))

    def _eval(self, node: Node, values: Values) -> Value:
        if isinstance(node, Num):
            return np.array(float(node.value))
        if isinstance(node, Sym):
            return values[node.key]
        if isinstance(node, Fill):
            return self._fill(node)
        if isinstance(node, Deriv):
            if node.key in values:
                return values[node.key]
            raise EvaluationError(f"{self._deriv_name(node)} is not given in this question")
        if isinstance(node, Neg):
            value = self._eval(node.arg, values)
            return replace(value, scale=-value.scale) if isinstance(value, Unsized) else -value
        if isinstance(node, Add):
            total = self._eval(node.terms[0], values)
            for term in node.terms[1:]:
                total = self._add(total, self._eval(term, values))
            return total
        if isinstance(node, Mul):
            return self._mul(self._eval(node.left, values), self._eval(node.right, values), node.op)
        if isinstance(node, Div):
            return self._div(self._eval(node.num, values), self._eval(node.den, values))
        if isinstance(node, Pow):
            return self._pow(self._sized(self._eval(node.base, values)), self._sized(self._eval(node.exp, values)))
        if isinstance(node, Transpose):
            value = self._eval(node.arg, values)
            if isinstance(value, Unsized):
                return replace(value, transposed=not value.transposed)
            return value.T if value.ndim == 2 else value
        if isinstance(node, Compare):
            return self._compare(node, values)
        if isinstance(node, Call):
            return self._call(node, values)
        raise EvaluationError(f"cannot evaluate {type(node).__name__}")

    def _deriv_name(self, node: Deriv) -> str:
        return f"∂{self.vocabulary.display(node.of)}/∂{self.vocabulary.display(node.wrt)}"

    def _shape(self, value: np.ndarray) -> str:
        return describe_shape(value.shape, self.vocabulary.dims)

    def _like(self, left: Value, right: Value) -> tuple[np.ndarray, np.ndarray]:
        """𝟙 or I sized like the other operand of +, -, ⊙, / (I needs a square one)."""
        if isinstance(left, Unsized) and isinstance(right, Unsized):
            raise EvaluationError(self._unsized_message(left))
        if isinstance(left, Unsized):
            return self._shaped_like(left, _as_scalar(right)), right  # type: ignore[return-value]
        if isinstance(right, Unsized):
            return left, self._shaped_like(right, _as_scalar(left))
        return left, right

    def _shaped_like(self, unsized: Unsized, other: np.ndarray) -> np.ndarray:
        if other.ndim != 2 or (unsized.kind == "identity" and other.shape[0] != other.shape[1]):
            raise EvaluationError(self._unsized_message(unsized))
        return unsized.shaped(*other.shape)

    def _product_sized(self, left: Value, right: Value) -> tuple[np.ndarray, np.ndarray]:
        """𝟙 or I sized to fit a matrix product: W 𝟙, 𝟙ᵀ x, I W, W I; a scalar factor scales it."""
        if isinstance(left, Unsized) and isinstance(right, Unsized):
            raise EvaluationError(self._unsized_message(left))
        if isinstance(left, Unsized):
            other = _as_scalar(right)  # type: ignore[arg-type]
            if other.ndim == 0:
                raise EvaluationError(self._unsized_message(left))
            if left.kind == "identity":
                return left.shaped(other.shape[0], other.shape[0]), other
            if left.transposed:
                return left.shaped(1, other.shape[0]), other
            raise EvaluationError(self._unsized_message(left))
        if isinstance(right, Unsized):
            other = _as_scalar(left)
            if other.ndim == 0:
                raise EvaluationError(self._unsized_message(right))
            if right.kind == "identity":
                return other, right.shaped(other.shape[1], other.shape[1])
            if not right.transposed:
                return other, right.shaped(other.shape[1], 1)
            raise EvaluationError(self._unsized_message(right))
        return left, right

    def _add(self, left: Value, right: Value) -> np.ndarray:
        left, right = self._like(left, right)
        left, right = _as_scalar(left), _as_scalar(right)
        if left.shape != right.shape and left.ndim and right.ndim:
            raise EvaluationError(f"cannot add {self._shape(left)} and {self._shape(right)}")
        return left + right

    def _mul(self, left: Value, right: Value, op: str) -> Value:
        if op == "dot" and (isinstance(left, Unsized) or isinstance(right, Unsized)):
            scaled = _scaled(left, right)
            if scaled is not None:  # 2 𝟙 is still unsized
                return scaled
            left, right = self._product_sized(left, right)
        elif op == "hadamard":
            left, right = self._like(left, right)
        left, right = self._sized(left), self._sized(right)
        if op == "outer":
            if left.ndim == 2 and right.ndim == 2 and left.shape[1] == 1 and right.shape[1] == 1:
                return left @ right.T
            raise EvaluationError(
                f"⊗ (outer product) takes two vectors, got {self._shape(left)} and {self._shape(right)}"
            )
        left, right = _as_scalar(left), _as_scalar(right)
        if left.ndim == 0 or right.ndim == 0:
            return left * right
        if op == "hadamard":
            if left.shape != right.shape:
                raise EvaluationError(
                    f"⊙ (elementwise product) needs equal shapes, got {self._shape(left)} "
                    f"and {self._shape(right)}"
                )
            return left * right
        if left.shape[1] != right.shape[0]:
            hint = ""
            if left.shape == right.shape:
                hint = ": did you mean ⊙ (elementwise), or a transpose?"
            elif left.shape[0] == right.shape[0]:
                hint = ": is the left factor transposed?"
            raise EvaluationError(
                f"cannot multiply {self._shape(left)} by {self._shape(right)}{hint}"
            )
        return left @ right

    def _div(self, num: Value, den: Value) -> Value:
        if isinstance(num, Unsized) and not isinstance(den, Unsized) and _as_scalar(den).ndim == 0:
            return replace(num, scale=num.scale / float(den))  # 𝟙/2
        num, den = self._like(num, den)
        num, den = _as_scalar(num), _as_scalar(den)
        if den.ndim and den.shape != num.shape:
            raise EvaluationError(f"cannot divide {self._shape(num)} by {self._shape(den)}")
        return num / den

    def _pow(self, base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
        base, exponent = _as_scalar(base), _as_scalar(exponent)
        if exponent.ndim:
            raise EvaluationError("an exponent must be a scalar")
        square = base.ndim == 2 and base.shape[0] == base.shape[1] and base.shape[0] > 1
        if square and float(exponent).is_integer():
            power = int(exponent)
            if power < 0:
                base, power = _inverse(base), -power
            return np.linalg.matrix_power(base, power)
        return base**exponent

    def _compare(self, node: Compare, values: Values) -> np.ndarray:
        left = _as_scalar(self._sized(self._eval(node.left, values)))
        right = _as_scalar(self._sized(self._eval(node.right, values)))
        if left.ndim and right.ndim and left.shape != right.shape:
            raise EvaluationError(f"cannot compare {self._shape(left)} with {self._shape(right)}")
        compare = {
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
            "=": np.isclose,
            "!=": lambda a, b: ~np.isclose(a, b),
        }[node.op]
        return np.asarray(compare(left, right), dtype=float)

    def _call(self, node: Call, values: Values) -> np.ndarray:
        args = [self._sized(self._eval(arg, values)) for arg in node.args]
        func = node.func
        if func == "norm":
            return np.array(float(np.sqrt(np.sum(args[0] ** 2))))
        if func == "l1norm":
            return np.array(float(np.sum(np.abs(args[0]))))
        if func in _ELEMENTWISE:
            value = np.asarray(_ELEMENTWISE[func](args[0]), dtype=float)
            if self.at_switch and func in {"heaviside", "relu'"}:
                value = np.where(args[0] == 0, np.nan, value)
            return value
        if func == "softmax":
            return _softmax(args[0])
        if func in {"max", "min"}:
            left, right = _as_scalar(args[0]), _as_scalar(args[1])
            if left.ndim and right.ndim and left.shape != right.shape:
                raise EvaluationError(f"{func} needs equal shapes or a scalar")
            return np.maximum(left, right) if func == "max" else np.minimum(left, right)
        if func == "sum":
            return np.array(float(np.sum(args[0])))
        if func == "outer":
            return self._mul(args[0], args[1], "outer")
        if func == "diag":
            value = args[0]
            if value.ndim == 2 and value.shape[1] == 1:
                return np.diag(value[:, 0])
            if value.ndim == 2 and value.shape[0] == value.shape[1]:
                return np.diag(value).reshape(-1, 1)
            raise EvaluationError(f"diag takes a vector or a square matrix, got {self._shape(value)}")
        if func == "onehot":
            return self._onehot(node, values)
        raise EvaluationError(f"cannot evaluate {func}")

    def _onehot(self, node: Call, values: Values) -> np.ndarray:
        arg = node.args[0]
        info = self.vocabulary.symbols.get(arg.key) if isinstance(arg, Sym) else None
        if info is None or info.role != "class" or info.classes is None:
            raise EvaluationError("onehot takes the class label of the question, e.g. onehot(y)")
        size = concrete_shape((info.classes,), self.vocabulary.dims)[0]
        vector = np.zeros((size, 1))
        vector[int(values[arg.key])] = 1.0
        return vector


def _scaled(left: Value, right: Value) -> Unsized | None:
    """An unsized 𝟙 or I times a scalar: still unsized, scaled; None for any other product."""
    for unsized, other in ((left, right), (right, left)):
        if isinstance(unsized, Unsized) and isinstance(other, np.ndarray) and _as_scalar(other).ndim == 0:
            return replace(unsized, scale=unsized.scale * float(other))
    return None


def _as_scalar(value: np.ndarray) -> np.ndarray:
    """A 1×1 result (xᵀy) is a scalar in any further arithmetic."""
    return value.reshape(()) if value.shape == (1, 1) else value


def _inverse(matrix: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return np.full_like(matrix, np.nan)
