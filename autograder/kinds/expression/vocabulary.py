"""What an answer may name: the rubric's declared quantities, graph nodes and functions.

A question declares its quantities (with shapes for vectors and matrices), the nodes of its
computational graph, and aliases for functions (``phi: sin``). Anything else a student writes is
an unknown name, and the feedback lists what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Mapping

from autograder.kinds.expression.notation import name_key

Role = Literal["value", "identity", "ones", "class", "diagonal"]
Dim = int | str

# Built-in functions: canonical name → number of arguments.
FUNCTIONS: Mapping[str, int] = MappingProxyType(
    {
        "exp": 1,
        "log": 1,
        "sqrt": 1,
        "sigma": 1,
        "tanh": 1,
        "relu": 1,
        "sin": 1,
        "cos": 1,
        "abs": 1,
        "sign": 1,
        "heaviside": 1,
        "softplus": 1,
        "softmax": 1,
        "diag": 1,
        "onehot": 1,
        "sum": 1,
        "indicator": 1,
        "max": 2,
        "min": 2,
        "outer": 2,
        "norm": 1,
        "l1norm": 1,
        "sigma'": 1,
        "tanh'": 1,
        "relu'": 1,
        "sin'": 1,
        "cos'": 1,
        "exp'": 1,
        "softplus'": 1,
        "log'": 1,
    }
)

# Spellings students use (lower-cased) → canonical function.
FUNCTION_SPELLINGS: Mapping[str, str] = MappingProxyType(
    {
        **{name: name for name in FUNCTIONS},
        "ln": "log",
        "sigmoid": "sigma",
        "logistic": "sigma",
        "rect": "relu",
        "sgn": "sign",
        "step": "heaviside",
        "norm1": "abs",
        "sigmoid'": "sigma'",
        "rect'": "relu'",
        "ln'": "log'",
    }
)


@dataclass(frozen=True)
class SymbolInfo:
    """A declared quantity: how it is written, its shape, and what values it takes.

    ``shape`` is () for a scalar, (n,) for a column vector, (n, m) for a matrix; sizes are
    numbers or dimension names. ``role``: ``identity`` is the identity matrix, ``ones`` all ones,
    ``diagonal`` a random diagonal matrix (a Jacobian of an elementwise function),
    ``class`` an integer class label in ``range(classes)`` (for ``onehot``).
    """

    display: str
    shape: tuple[Dim, ...] = ()
    role: Role = "value"
    positive: bool = False
    classes: Dim | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The names one question allows, by key (see :func:`name_key`)."""

    symbols: Mapping[str, SymbolInfo] = field(default_factory=dict)
    nodes: Mapping[str, str] = field(default_factory=dict)
    functions: Mapping[str, str] = field(default_factory=dict)
    dims: Mapping[str, int] = field(default_factory=dict)

    def symbol(self, raw: str) -> str | None:
        """The key of a declared quantity spelled ``raw``, if any."""
        key = name_key(raw)
        return key if key in self.symbols else None

    def node(self, raw: str) -> str | None:
        """The key of a quantity that may appear in ∂·/∂·, if any."""
        key = name_key(raw)
        return key if key in self.nodes or key in self.symbols else None

    def function(self, raw: str) -> str | None:
        """The canonical built-in function spelled ``raw`` (``ReLU``, ``\\sigma'``, ``phi``)."""
        key = name_key(raw)
        if key in self.functions:
            return self.functions[key]
        primes = len(key) - len(key.rstrip("'"))
        base = key.rstrip("'")
        if primes == 1 and base in self.functions:
            derived = self.functions[base] + "'"
            return derived if derived in FUNCTIONS else None
        base_raw = raw.split("_", 1)[0]  # onehot_m(y): the subscript is a size
        for candidate in {key.lower(), name_key(base_raw).lower()}:
            if candidate in FUNCTION_SPELLINGS and candidate not in self.symbols:
                return FUNCTION_SPELLINGS[candidate]
        return None

    def display(self, key: str) -> str:
        """How the rubric writes the quantity with this key."""
        if key in self.symbols:
            return self.symbols[key].display
        return self.nodes.get(key, key)

    def allowed(self) -> str:
        """The names a student may use, for feedback on an unknown name."""
        names = [info.display for info in self.symbols.values()]
        return ", ".join(names) if names else "none"
