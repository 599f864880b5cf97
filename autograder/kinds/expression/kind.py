"""The ``expression`` kind: math answers as text or LaTeX, with chain-rule partial credit.

The rubric declares the question's quantities (scalars, vectors, matrices with named sizes), an
optional computational graph (each edge's local derivative) and the reference answer. A student's
answer is parsed safely (:mod:`autograder.kinds.expression`), then judged like a careful TA would:

- equal to the reference in the rubric's quantities → full credit;
- a correct chain of adjacent ∂·/∂· steps along the graph (summed over every path), not expanded →
  ``chain_credit`` (seed 000: 1 of 2 points);
- a known mistake → its feedback and credit; anything else → 0, with a hint (transposed, wrong
  sign, a factor missing, a path missing) that does not give the answer away.

``A = B = C`` answers are judged by what they claim, that every side is equal to the answer
(``sides: strict``, the default): a wrong side is a wrong claim, so listing guesses earns nothing,
and feedback never points at the side that was right; only a correct chain keeps its
``chain_credit`` when its expansion is wrong. ``all`` gives nothing when any side is wrong, and
``best`` (opt-in, lenient) the best side's credit. A side that only restates the question
(``dL/dw1``) is skipped. Shared quantities and graphs live in the rubric's ``contexts``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Iterator, Literal, Mapping

from pydantic import Field, ValidationInfo, model_validator

from autograder.kinds.answer_text import answer_words, control_problem, mistake_message, sentence
from autograder.kinds.base import Kind, Mutant, Secret, Verdict, split_parts
from autograder.kinds.expression import (
    EvaluationError,
    Graph,
    Judge,
    NotationError,
    SymbolInfo,
    Tolerance,
    Vocabulary,
    key_of,
    parse,
)
from autograder.kinds.expression.parser import leibniz_keys
from autograder.kinds.expression.chain import as_path, chain_products
from autograder.kinds.expression.nodes import Call, Deriv, Node, Sym, derivative_key, walk
from autograder.kinds.expression.show import show
from autograder.kinds.expression.vocabulary import FUNCTIONS
from autograder.kinds.mutants import per_part
from autograder.seeds import question_seed
from autograder.rubric_models import PositiveNumber, QuestionBase, StrictModel

SideRule = Literal["strict", "all", "best"]
# What stands in for ``expected`` in the public rubric, in every question and part.
PLACEHOLDER_MATH = "0"


def _math_placeholder(expected: Any, answer: Mapping[str, Any]) -> str:
    """The public rubric's ``expected``: the same constant everywhere."""
    return PLACEHOLDER_MATH


def _graph_placeholder(graph: Any, context: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The public rubric's graph: its edges, each local derivative written as 1, so that a
    student's chain along the graph still reads."""
    if not isinstance(graph, dict):
        return {}
    return {of: {wrt: "1" for wrt in edges} for of, edges in graph.items() if isinstance(edges, dict)}


class SymbolSpec(StrictModel):
    """A declared quantity. Vectors are columns: shape [n] is n×1."""

    shape: list[int | str] = Field(default_factory=list, description="[] scalar, [n] vector, [n, m] matrix.")
    value: Literal["random", "identity", "ones", "class", "diagonal"] = Field(
        default="random",
        description="identity: the identity matrix; ones: all ones; class: a label for onehot(); "
        "diagonal: a random diagonal matrix, e.g. the Jacobian of an elementwise function.",
    )
    positive: bool = Field(default=False, description="Sample only positive values (log, sqrt).")
    classes: int | str | None = Field(default=None, description="value class: number of classes.")

    @model_validator(mode="after")
    def _square_when_diagonal(self) -> "SymbolSpec":
        if self.value == "diagonal" and (len(self.shape) != 2 or self.shape[0] != self.shape[1]):
            raise ValueError(f"a diagonal matrix needs a square shape [n, n], got {self.shape}")
        return self


class MathContext(StrictModel):
    """Quantities, sizes, functions and graph shared by questions (``contexts`` in the rubric)."""

    symbols: dict[str, SymbolSpec | None] | list[str] = Field(
        default_factory=dict,
        description="Names an answer may use; a Leibniz name such as dL/dh3 is a given derivative.",
    )
    nodes: list[str] = Field(
        default_factory=list, description="Graph quantities that are not values, e.g. the loss L."
    )
    graph: Annotated[dict[str, dict[str, str]], Secret(_graph_placeholder)] = Field(
        default_factory=dict,
        description="of → {wrt: local derivative ∂of/∂wrt}, in the declared quantities.",
    )
    dims: dict[str, int] = Field(default_factory=dict, description="Sizes used for named dimensions.")
    functions: dict[str, str] = Field(
        default_factory=dict, description="Aliases for built-in functions, e.g. phi: sin."
    )
    define: Annotated[dict[str, str], Secret()] = Field(
        default_factory=dict,
        description="Declared quantities computed from others, in order (y: W x, u: relu(y)).",
    )


class ExpressionMistake(StrictModel):
    """A wrong answer the rubric expects, with feedback and optional partial credit."""

    answer: str = Field(min_length=1)
    feedback: str = Field(min_length=1)
    credit: float = Field(default=0.0, ge=0.0, lt=1.0)


class _AnswerFields(StrictModel):
    expected: Annotated[str | None, Secret(_math_placeholder)] = Field(
        default=None, description="The reference answer, fully expanded."
    )
    accept: Annotated[list[str], Secret()] = Field(default_factory=list, description="Other right answers.")
    target: str | None = Field(
        default=None,
        description="What is asked (dL/dw1, or a name such as f): a side that only restates it, "
        "like 'dL/dw1 =' or 'f(x) =', is skipped.",
    )
    mistakes: Annotated[list[ExpressionMistake], Secret()] = Field(default_factory=list)
    forbid: list[str] = Field(
        default_factory=list, description="Functions the answer must not use (e.g. sigma)."
    )


class ExpressionPart(_AnswerFields):
    """One named blank of a multi-part question."""

    name: str = Field(min_length=1)
    weight: PositiveNumber = 1.0


class ExpressionQuestion(QuestionBase, MathContext, _AnswerFields):
    """A math answer (or several named ``parts``) judged against the reference."""

    kind: Literal["expression"]
    context: str | None = Field(default=None, description="Name of a rubric context to use.")
    parts: list[ExpressionPart] | None = None
    chain_credit: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Credit for a correct chain that is not expanded."
    )
    sides: SideRule = Field(
        default="strict",
        description="How A = B answers are judged: strict (every side must be right; a correct "
        "chain with a wrong expansion keeps chain_credit), all (any wrong side: 0), best (the "
        "best side; lenient).",
    )
    tolerance_rel: float = Field(default=1e-6, ge=0)
    tolerance_abs: float = Field(default=1e-9, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _merge_context(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or data.get("context") is None:
            return data
        contexts = (info.context or {}).get("contexts") or {}
        name = data["context"]
        if not isinstance(contexts, dict) or name not in contexts or not isinstance(contexts[name], dict):
            known = ", ".join(contexts) if isinstance(contexts, dict) and contexts else "none"
            raise ValueError(f"context '{name}' is not defined under contexts (defined: {known})")
        return merge_context(contexts[name], data)

    @model_validator(mode="after")
    def _compile_now(self) -> "ExpressionQuestion":
        if self.parts is None and self.expected is None:
            raise ValueError("needs expected, or parts")
        if self.parts is not None and self.expected is not None:
            raise ValueError("give either expected or parts, not both")
        if self.parts is not None and len({p.name for p in self.parts}) != len(self.parts):
            raise ValueError("parts need distinct names")
        try:
            self.compiled  # noqa: B018 - rubric-time check of every written expression
        except (NotationError, EvaluationError) as error:
            raise ValueError(str(error)) from None
        return self

    def answer_parts(self) -> list[tuple[str | None, _AnswerFields, float]]:
        """(name, fields, weight) for each blank; the name is None for a single answer."""
        if self.parts is None:
            return [(None, self, 1.0)]
        return [(part.name, part, part.weight) for part in self.parts]

    def symbol_specs(self) -> dict[str, SymbolSpec]:
        """Every declared quantity with its spec (a bare list declares scalars)."""
        given = self.symbols if isinstance(self.symbols, dict) else dict.fromkeys(self.symbols)
        return {name: spec or SymbolSpec() for name, spec in given.items()}

    @cached_property
    def compiled(self) -> "_Compiled":
        """The vocabulary, graph and parsed answers (built once; raises on a bad rubric)."""
        return _compile(self)


def merge_context(context: Mapping[str, Any], question: Mapping[str, Any]) -> dict[str, Any]:
    """The question's fields over its context's: mappings merge, lists concatenate."""
    merged = dict(question)
    for field, shared in context.items():
        own = question.get(field)
        if own is None:
            merged[field] = shared
        elif isinstance(shared, dict) and isinstance(own, dict):
            merged[field] = {**shared, **own}
        elif isinstance(shared, list) and isinstance(own, list):
            merged[field] = shared + own
    return merged


# --- compiling the rubric's side -------------------------------------------------------------


@dataclass(frozen=True)
class _Mistake:
    node: Node
    feedback: str
    credit: float


@dataclass(frozen=True)
class _Part:
    name: str | None
    weight: float
    expected: tuple[Node, ...]
    target: Deriv | None
    restates: Node | None  # a side equal to this only names what is asked (dL/dw1, h^a)
    restated: re.Pattern[str] | None
    mistakes: tuple[_Mistake, ...]
    forbid: frozenset[str]


@dataclass(frozen=True)
class _Compiled:
    vocabulary: Vocabulary
    graph: Graph
    judge: Judge
    parts: tuple[_Part, ...]


def _vocabulary(question: ExpressionQuestion) -> Vocabulary:
    specs = question.symbol_specs()
    symbols: dict[str, SymbolInfo] = {}
    for name, spec in specs.items():
        for size in [*spec.shape, spec.classes]:
            if isinstance(size, str) and size not in question.dims:
                raise NotationError(f"symbol {name}: give the size of '{size}' under dims")
        role = "value" if spec.value == "random" else spec.value
        symbols[_declared_key(name)] = SymbolInfo(
            display=name, shape=tuple(spec.shape), role=role, positive=spec.positive, classes=spec.classes  # type: ignore[arg-type]
        )
    nodes = {key_of(name): name for name in question.nodes}
    for of, edges in question.graph.items():
        nodes.setdefault(key_of(of), of)
        for wrt in edges:
            nodes.setdefault(key_of(wrt), wrt)
    for name in specs:
        atom = leibniz_keys(name)
        for key in atom or ():
            nodes.setdefault(key, key)
    functions = {}
    for alias, builtin in question.functions.items():
        if builtin not in FUNCTIONS:
            raise NotationError(f"functions: '{builtin}' is not a built-in ({', '.join(FUNCTIONS)})")
        functions[key_of(alias)] = builtin
    return Vocabulary(symbols=symbols, nodes=nodes, functions=functions, dims=dict(question.dims))


def _declared_key(name: str) -> str:
    """A declared name's key; a Leibniz name (dL/dh3, ∂L/∂h_3) is keyed as a derivative."""
    atom = leibniz_keys(name)
    return derivative_key(*atom) if atom else key_of(name)


def _parse_one(text: str, vocabulary: Vocabulary, label: str) -> Node:
    try:
        sides = parse(text, vocabulary).sides
    except NotationError as error:
        raise NotationError(f"{label} {text!r}: {error}") from None
    if len(sides) != 1:
        raise NotationError(f"{label} {text!r}: write one expression, without '='")
    return sides[0]


def _compile(question: ExpressionQuestion) -> _Compiled:
    vocabulary = _vocabulary(question)
    local = {}
    for of, edges in question.graph.items():
        for wrt, text in edges.items():
            node = _parse_one(str(text), vocabulary, f"graph {of} → {wrt}")
            local[(key_of(of), key_of(wrt))] = node
    given = frozenset(atom for atom in map(leibniz_keys, question.symbol_specs()) if atom is not None)
    graph = Graph(local=local, given=given)
    definitions = []
    for name, text in question.define.items():
        key = _declared_key(name)
        if key not in vocabulary.symbols:
            raise NotationError(f"define {name}: declare it under symbols first, with its shape")
        definitions.append((key, _parse_one(str(text), vocabulary, f"define {name}")))
    judge = Judge(
        vocabulary,
        seed=question_seed(question.id, purpose=""),
        tolerance=Tolerance(rel=question.tolerance_rel, abs=question.tolerance_abs),
        definitions=tuple(definitions),
    )
    parts = []
    for name, fields, weight in question.answer_parts():
        assert fields.expected is not None
        expected = tuple(
            graph.substitute(_parse_one(text, vocabulary, label))
            for label, text in [("expected", fields.expected)] + [("accept", a) for a in fields.accept]
        )
        for node in expected:
            _check_expanded(node, vocabulary, "expected")
            judge.values(node)  # a shape fault in the rubric shows now, not at grading
        target, restates = None, None
        if fields.target is not None and leibniz_keys(fields.target) is not None:
            node = _parse_one(fields.target, vocabulary, "target")
            assert isinstance(node, Deriv)
            target = restates = node
        elif fields.target is not None:
            restates = _parse_target(fields.target, vocabulary)
        mistakes = tuple(
            _Mistake(graph.substitute(_parse_one(m.answer, vocabulary, "mistake")), m.feedback, m.credit)
            for m in fields.mistakes
        )
        for mistake in mistakes:
            judge.values(mistake.node)
        forbid = frozenset(vocabulary.function(name) or name for name in fields.forbid)
        restated = None
        if fields.target is not None and target is None:
            # "f(x) = …": the name asked for, with any arguments, then '='.
            restated = re.compile(
                rf"^\s*{re.escape(fields.target.strip())}\s*((\\(left|[bB]igg?l?)\s*)?\([^=]*\))?\s*=(?!=)"
            )
        parts.append(_Part(name, weight, expected, target, restates, restated, mistakes, forbid))
    return _Compiled(vocabulary, graph, judge, tuple(parts))


def _parse_target(text: str, vocabulary: Vocabulary) -> Node | None:
    """A target that is a declared quantity (h^a), as a node; None for a function's name (f)."""
    try:
        return _parse_one(text, vocabulary, "target")
    except NotationError:
        return None


def _check_expanded(node: Node, vocabulary: Vocabulary, label: str) -> None:
    for inner in walk(node):
        if isinstance(inner, Deriv) and inner.key not in vocabulary.symbols:
            raise NotationError(
                f"{label} uses {_atom(inner, vocabulary)}, which is neither given (declare it "
                f"under symbols) nor an edge of the graph"
            )


# --- judging -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Side:
    credit: float
    message: str
    wrong: bool


def _atom(atom: Deriv, vocabulary: Vocabulary) -> str:
    return f"∂{vocabulary.display(atom.of)}/∂{vocabulary.display(atom.wrt)}"


def _judge_side(side: Node, part: _Part, question: ExpressionQuestion) -> _Side:
    compiled = question.compiled
    vocabulary, graph = compiled.vocabulary, compiled.graph
    atoms = [n for n in walk(side) if isinstance(n, Deriv) and n.key not in vocabulary.symbols]
    chain = bool(atoms)
    if chain:
        if not graph.local:
            return _Side(0.0, f"{_atom(atoms[0], vocabulary)} is not given here; write the answer in "
                         f"terms of {vocabulary.allowed()}.", True)
        for atom in atoms:
            if not graph.is_step(atom):
                return _Side(
                    0.0,
                    f"{_atom(atom, vocabulary)} is not one step of the computational graph: "
                    f"{vocabulary.display(atom.of)} does not depend directly on "
                    f"{vocabulary.display(atom.wrt)}.",
                    True,
                )
    expanded = graph.substitute(side)
    judge = compiled.judge
    try:
        outcomes = [judge.compare(expanded, expected) for expected in part.expected]
    except EvaluationError as error:
        return _Side(0.0, sentence(f"your expression cannot be evaluated: {error}"), True)
    if any(outcome.equal for outcome in outcomes):
        if not chain:
            return _Side(1.0, "correct.", False)
        return _Side(
            question.chain_credit,
            "a correct chain of local derivatives, but not expanded: write each ∂·/∂· step as "
            f"its local derivative, in terms of {vocabulary.allowed()}.",
            False,
        )
    for mistake in part.mistakes:
        try:
            if judge.compare(expanded, mistake.node).equal:
                return _Side(mistake.credit, mistake_message(mistake.credit, mistake.feedback), mistake.credit == 0)
        except EvaluationError:
            continue
    hint = _chain_hint(side, part, graph, vocabulary) if chain else outcomes[0].hint
    return _Side(0.0, sentence("not right" + (f": {hint}" if hint else "")), True)


def _chain_hint(side: Node, part: _Part, graph: Graph, vocabulary: Vocabulary) -> str:
    """Read a wrong chain as paths through the graph and say which path is off or missing."""
    products = chain_products(side)
    if products is None or part.target is None:
        return ""
    start, end = part.target.of, part.target.wrt
    seen = []
    for _, atoms in products:
        path = as_path(atoms, start, end)
        if path is None:
            shown = " ".join(_atom(atom, vocabulary) for atom in atoms)
            return (
                f"the product {shown} is not a path from {vocabulary.display(start)} "
                f"to {vocabulary.display(end)} in the graph"
            )
        seen.append(path)
    if len(set(seen)) < len(seen):
        return "a path through the graph is counted more than once"
    missing = [path for path in graph.paths(start, end) if path not in seen]
    if missing:
        through = " and ".join(
            ", ".join(vocabulary.display(node) for node in path[1:-1]) or "the direct edge"
            for path in missing
        )
        return f"the sum over paths misses the path through {through}"
    return ""


def _read(raw: Any, part: _Part, question: ExpressionQuestion) -> tuple[tuple[Node, ...], str]:
    """Parse an answer into sides; the message explains a problem with its form."""
    if raw is None:
        return (), "no answer given"
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        return (), "write the answer as text, e.g. \"dL/dh3 * f3' * x\""
    text = str(raw)
    problem = control_problem(text)
    if problem:
        return (), problem
    if part.restated is not None:
        text = part.restated.sub("", text, count=1)
    text, _justification = answer_words(text)
    try:
        return parse(text, question.compiled.vocabulary).sides, ""
    except NotationError as error:
        return (), f"could not read your answer: {error}"


def _forbidden(sides: tuple[Node, ...], part: _Part) -> str:
    """The message for an answer that uses a function the question rules out, else ''."""
    used = {node.func for side in sides for node in walk(side) if isinstance(node, Call)}
    banned = sorted(used & part.forbid)
    return f"this answer must not use {', '.join(banned)}" if banned else ""


def _grade_part(raw: Any, part: _Part, question: ExpressionQuestion) -> tuple[float, str]:
    sides, problem = _read(raw, part, question)
    if problem:
        return 0.0, problem + "."
    if part.restates is not None:
        sides = tuple(side for side in sides if side != part.restates)
    elif len(sides) > 1:  # no target given: a lone ∂y/∂z that is not given names the question
        vocabulary = question.compiled.vocabulary
        sides = tuple(s for s in sides if not (isinstance(s, Deriv) and s.key not in vocabulary.symbols))
    # After the sides that only name the question are gone: "σ(a) = …" may name σ.
    banned = _forbidden(sides, part)
    if banned:
        return 0.0, banned + "."
    if not sides:
        return 0.0, "you restated the question: write what it equals."
    results = [_judge_side(side, part, question) for side in sides]
    if len(results) == 1:
        return results[0].credit, results[0].message
    return _several_sides(results, question.sides, question.chain_credit)


_CLAIM = "an equation claims that all its sides are equal, and here they are not all right"


def _several_sides(results: list[_Side], rule: SideRule, chain_credit: float) -> tuple[float, str]:
    """An ``A = B = C`` answer's credit and message under the question's side rule.

    The message never says which side was right when another was wrong: a student who lists
    guesses learns nothing about which guess to keep. Hints for the wrong sides show only when
    no side is right, or when the one right side is a chain (whose credit says so anyway).
    """
    right = [result for result in results if not result.wrong]
    wrong = [(index, result) for index, result in enumerate(results, 1) if result.wrong]
    if not wrong:
        return min(1.0, max(result.credit for result in right)), "correct." if any(
            result.credit == 1 for result in right) else right[0].message
    details = "; ".join(f"side {index} of your equation is {result.message.rstrip('.')}" for index, result in wrong)
    if not right:
        return 0.0, sentence(details)
    chains = [result for result in right if 0 < result.credit < 1 and result.credit == chain_credit]
    if rule == "best":
        return max(result.credit for result in right), sentence(f"one side is right, but {_CLAIM}")
    if rule == "all":
        return 0.0, sentence(f"not right: {_CLAIM} (every side must be right)")
    if chains and len(right) == len(chains):
        return chain_credit, sentence(f"your chain of local derivatives is right, but {details}")
    if chains:
        return chain_credit, sentence(f"your chain of local derivatives is right, but {_CLAIM}")
    return 0.0, sentence(f"not right: {_CLAIM}")


def grade(question: ExpressionQuestion, answer: Any) -> Verdict:
    """Weighted share of parts right; chains and known mistakes earn their partial credit."""
    raws, problem = split_parts([part.name for part in question.compiled.parts], answer)
    if problem:
        return Verdict(0.0, (problem,))
    total = sum(part.weight for part in question.compiled.parts)
    credit = 0.0
    messages = []
    for part, raw in zip(question.compiled.parts, raws, strict=True):
        part_credit, message = _grade_part(raw, part, question)
        credit += part.weight * part_credit
        text = message[:1].upper() + message[1:]
        messages.append(f"{part.name}: {message}" if part.name else text)
    return Verdict(min(1.0, credit / total), tuple(messages))


def precheck(question: ExpressionQuestion, answer: Any) -> list[str]:
    """Whether each answer parses and uses only the question's names; never whether it is right."""
    raws, problem = split_parts([part.name for part in question.compiled.parts], answer)
    if problem:
        return [problem]
    problems = []
    for part, raw in zip(question.compiled.parts, raws, strict=True):
        prefix = f"{part.name}: " if part.name else ""
        sides, issue = _read(raw, part, question)
        if issue:
            problems.append(prefix + issue)
            continue
        banned = _forbidden(sides, part)
        if banned:
            problems.append(prefix + banned)
    return problems


def read_back(question: ExpressionQuestion, answer: Any) -> list[str]:
    """How each answer was read, as one canonical Unicode line, and what looks suspicious (a
    name written against parentheses that is not a function, a scalar in a question of vectors);
    never whether it is right. Only for answers that :func:`precheck` found readable."""
    raws, problem = split_parts([part.name for part in question.compiled.parts], answer)
    if problem:
        return []
    lines = []
    vocabulary = question.compiled.vocabulary
    for part, raw in zip(question.compiled.parts, raws, strict=True):
        sides, issue = _read(raw, part, question)
        if issue or not sides:
            continue
        prefix = f"{part.name}: " if part.name else ""
        lines.append(f"{prefix}read as: {' = '.join(show(side, vocabulary) for side in sides)}")
        lines += [prefix + note for note in _suspicious(str(raw), sides, question)]
    return lines


_NAME_AGAINST_PARENTHESIS = re.compile(r"(?<![\\A-Za-z])([A-Za-z](?:_\{?[A-Za-z0-9]+\}?|[0-9]*)'?)\(")


def _suspicious(text: str, sides: tuple[Node, ...], question: ExpressionQuestion) -> list[str]:
    """Readings worth a second look: ``h(x + 1)`` multiplies h by (x + 1) when h is a quantity;
    a scalar answer where every quantity of the question is a vector or matrix."""
    vocabulary = question.compiled.vocabulary
    notes = []
    for name in dict.fromkeys(_NAME_AGAINST_PARENTHESIS.findall(text)):
        if vocabulary.symbol(name) is not None and vocabulary.function(name) is None:
            notes.append(
                f"{name}(…) is read as {name} · (…): {name} is a quantity here, not a function"
            )
    shaped = [info for info in vocabulary.symbols.values() if info.role == "value"]
    if shaped and all(info.shape for info in shaped):
        for side in sides:
            try:
                value = question.compiled.judge.values(side)[0]
            except EvaluationError:
                continue
            if value.size == 1 and not any(isinstance(n, (Sym, Deriv)) for n in walk(side)):
                notes.append("this is a number, while the question's quantities are vectors and "
                             "matrices: is that what you meant?")
                break
    return notes


# --- linting the rubric's feedback ---------------------------------------------------------------

_MAX_WINDOW = 12
_DICTATES = re.compile(
    r"\b(add|adding|multiply by|divide by|subtract|replace \S+ (?:with|by)|use|write|insert|include|"
    r"drop|remove|swap in|put)\s+(?P<what>[^\s,;:.!?]+(?:\s+[^\s,;:.!?]+)?)",
    re.IGNORECASE,
)


def lint(question: ExpressionQuestion) -> list[str]:
    """Feedback that gives the answer away: a mistake's feedback that contains the expected
    answer (or an accepted one, or anything equal to it: its math is parsed and compared), or
    that dictates the fix ("add ȳ") instead of saying what is wrong."""
    compiled = question.compiled
    problems = []
    for part, (_, fields, _) in zip(compiled.parts, question.answer_parts(), strict=True):
        label = f"part {part.name}: " if part.name else ""
        for mistake in fields.mistakes:
            leak = _leaked(mistake.feedback, part, question)
            if leak:
                problems.append(f"{label}the feedback of mistake {mistake.answer!r} contains {leak!r}, "
                                "which equals the expected answer")
            dictated = _dictated(mistake.feedback, compiled.vocabulary)
            if dictated:
                problems.append(f"{label}the feedback of mistake {mistake.answer!r} dictates the fix "
                                f"({dictated!r}): say what is wrong, not what to write")
    return problems


def _math_candidates(text: str) -> Iterator[str]:
    """Every run of up to a dozen words of ``text`` (trailing punctuation dropped), and every
    `…` or $…$ span: where math may hide in prose."""
    yield from (code or tex for code, tex in re.findall(r"`([^`]+)`|\$([^$]+)\$", text))
    words = text.split()
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + _MAX_WINDOW) + 1):
            yield " ".join(words[start:end]).strip(".,;:!?\"'()`")


def _leaked(feedback: str, part: _Part, question: ExpressionQuestion) -> str:
    """The first piece of ``feedback`` equal to an expected answer of ``part``, else ''."""
    compiled = question.compiled
    for candidate in dict.fromkeys(_math_candidates(feedback)):
        if not candidate:
            continue
        try:
            sides = parse(candidate, compiled.vocabulary).sides
        except NotationError:
            continue
        for side in sides:
            try:
                expanded = compiled.graph.substitute(side)
                if any(compiled.judge.compare(expanded, expected).equal for expected in part.expected):
                    return candidate
            except (EvaluationError, NotationError, KeyError, ValueError):
                continue
    return ""


def _dictated(feedback: str, vocabulary: Vocabulary) -> str:
    """An imperative ("add", "use", "multiply by") followed by a quantity of the question."""
    for match in _DICTATES.finditer(feedback):
        for what in (match.group("what"), match.group("what").split()[0]):
            try:
                sides = parse(what, vocabulary).sides
            except NotationError:
                continue
            if any(isinstance(node, (Sym, Deriv)) for side in sides for node in walk(side)):
                return match.group(0)
    return ""


# --- mutation testing --------------------------------------------------------------------------

_SWAPS = [("sigma", "tanh"), ("σ", "tanh"), ("tanh", "sigma"), ("sin", "cos"), ("cos", "sin"),
          ("exp", "log"), ("log", "exp"), ("ReLU", "sigma"), ("relu", "sigma"), ("sign", "tanh")]


def _mutate_text(text: str) -> Iterator[tuple[str, str]]:
    """The answer negated, doubled, plus one, with its last factor dropped, with one function
    swapped (σ ↔ tanh, sin ↔ cos, exp ↔ log, ReLU → σ); a constant changed."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        yield "a different constant", str(float(text) + 1)
        return
    body = text.split("=")[-1].strip() if "=" in text and "==" not in text else text
    yield "negated", f"-({body})"
    yield "doubled", f"2 ({body})"
    yield "plus one", f"{body} + 1"
    factors = re.split(r"\s*\*\s*", body)
    if len(factors) > 1:
        yield "last factor dropped", " * ".join(factors[:-1])
    for old, new in _SWAPS:
        if re.search(rf"(?<![A-Za-z]){re.escape(old)}(?![A-Za-z])", body):
            yield f"{old} → {new}", re.sub(rf"(?<![A-Za-z]){re.escape(old)}(?![A-Za-z])", new, body, count=1)
            break


def mutants(question: ExpressionQuestion, answer: Any) -> list[Mutant]:
    """Each part's wrong variants (see :func:`_mutate_text`), the others kept."""
    return per_part(answer, question, lambda value, part: _mutate_text(str(value))
                    if value is not None else iter(()))


KIND = Kind(
    name="expression", model=ExpressionQuestion, grade=grade, precheck=precheck, mutants=mutants,
    read_back=read_back, lint=lint,
    sections={"contexts": Annotated[dict[str, MathContext], Field(
        default_factory=dict,
        description="Named quantities and graphs that expression questions share (context: NAME).",
    )]},
)
