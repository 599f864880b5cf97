"""Student math: the safe parser (text and LaTeX), evaluation, equivalence and chain-rule analysis."""

from autograder.mathexpr.chain import Graph
from autograder.mathexpr.equivalence import Judge, Outcome, Tolerance
from autograder.mathexpr.notation import NotationError
from autograder.mathexpr.numeric import EvaluationError
from autograder.mathexpr.parser import Parsed, key_of, parse
from autograder.mathexpr.vocabulary import SymbolInfo, Vocabulary

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
