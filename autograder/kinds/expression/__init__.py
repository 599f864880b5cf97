"""Student math: the safe parser (text and LaTeX), evaluation, equivalence and chain-rule analysis."""

from autograder.kinds.expression.chain import Graph
from autograder.kinds.expression.equivalence import Judge, Outcome, Tolerance
from autograder.kinds.expression.notation import NotationError
from autograder.kinds.expression.numeric import EvaluationError
from autograder.kinds.expression.parser import Parsed, key_of, parse
from autograder.kinds.expression.vocabulary import SymbolInfo, Vocabulary

__all__ = [
    "EvaluationError",
    "Graph",
    "Judge",
    "NotationError",
    "Outcome",
    "Parsed",
    "SymbolInfo",
    "Tolerance",
    "Vocabulary",
    "key_of",
    "parse",
]
