"""The safe parser: student math (plain text or a LaTeX subset) → a checked syntax tree.

Nothing here evaluates student text: a hand-written tokenizer and recursive-descent parser build
:mod:`autograder.kinds.expression.nodes` objects, resolving every name against the question's
:class:`Vocabulary`. Input length, token count, nesting depth, literal sizes and constant exponents
are bounded, so no answer can make parsing (or the later evaluation) slow.

Why not a parser generator: the notation is context-dependent (``dL/dh3`` is one atom only when
L and h3 are quantities of the question, ``xy`` splits into declared names, ``h^a`` is a name when
declared), which is simplest to decide while tokenizing with the vocabulary at hand.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from autograder.kinds.expression.nodes import (
    Add,
    Call,
    Compare,
    Comparison,
    Deriv,
    Div,
    Fill,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Product,
    Sym,
    Transpose,
    walk,
)
from autograder.kinds.expression.notation import NotationError, name_key, normalize
from autograder.kinds.expression.vocabulary import FUNCTIONS, Vocabulary

MAX_TOKENS = 600
MAX_DEPTH = 60
MAX_EXPONENT = 64
MAX_DIGITS = 30

_NAME = (
    r"(?:\\[A-Za-z]+|[A-Za-z]+)\d*'*"
    r"(?:_(?:\{[^{}]*\}|\d+|[A-Za-z]))?'*"
    r"(?:\^\{?\(\s*[A-Za-z0-9]+\s*\)\*?\}?)?'*"
)
_D = r"(?:\\partial\s*|(?<![A-Za-z0-9\\])d)"
# Inside ∂·/∂· a letter superscript belongs to the name (∂L/∂h^a); tried first, then without.
_SUPER = r"(?:\^\{?[A-Za-z]\}?(?![A-Za-z0-9]))?"


def _leibniz(name: str) -> tuple[re.Pattern[str], ...]:
    frac = re.compile(
        rf"\\frac\s*\{{\s*(?:\\partial|d)\s*(?P<of>{name})\s*\}}\s*\{{\s*(?:\\partial|d)\s*(?P<wrt>{name})\s*\}}"
    )
    slash = re.compile(rf"{_D}\s*(?P<of>{name})\s*/\s*(?:\\partial|d)\s*(?P<wrt>{name})")
    # The gradient ∇_x L, ∇_{W^{(1)}} L is ∂L/∂x.
    nabla = re.compile(
        rf"\\nabla\s*_\s*(?:\{{\s*(?P<wrt>{name})\s*\}}|(?P<wrt1>[A-Za-z]\d*))\s*(?P<of>{name})"
    )
    return frac, slash, nabla


_LEIBNIZ = (*_leibniz(_NAME + _SUPER), *_leibniz(_NAME))
_NAME_RE = re.compile(_NAME)
_LETTER_SUPERSCRIPT = re.compile(r"\^\s*(?:\{\s*([A-Za-z])\s*\}|([A-Za-z])(?![A-Za-z0-9]))")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRANSPOSE_DOT = re.compile(r"\.T(?![A-Za-z0-9])")
_OPERATORS = ("<=", ">=", "!=", "\\|", "_", "+", "-", "*", "/", "^", "(", ")", "[", "]", "{", "}", ",", "=", "<", ">", "|", "'")
_COMMANDS = {
    r"\frac": "frac",
    r"\dfrac": "frac",
    r"\tfrac": "frac",
    r"\sqrt": "sqrt",
    r"\cdot": "*",
    r"\times": "*",
    r"\ast": "*",
    r"\oslash": "/",
    r"\div": "/",
    r"\ones": "ones",
    r"\nabla": "nabla",
    r"\odot": "odot",
    r"\circ": "odot",
    r"\otimes": "otimes",
    r"\top": "T",
    r"\intercal": "T",
    r"\partial": "partial",
    r"\sum": "sum",
    r"\prod": "prod",
    r"\int": "int",
    r"\ge": ">=",
    r"\geq": ">=",
    r"\le": "<=",
    r"\leq": "<=",
    r"\neq": "!=",
    r"\ne": "!=",
    r"\gt": ">",
    r"\lt": "<",
}
_AMBIGUOUS_DIVISION = (
    "a factor written right after a divisor is ambiguous (is x/2y meant as (x/2) y or x/(2y)?): "
    "add parentheses, or write \\frac{…}{…}"
)
_COMPARISONS: dict[str, Comparison] = {
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "=": "=",
    "!=": "!=",
}


@dataclass(frozen=True)
class Token:
    """One lexical unit: ``kind`` is num, name, deriv, op or end."""

    kind: str
    text: str
    value: object = None
    spaced: bool = False  # whitespace before it: f'_3 (x) is a product, f'_3(x) is not


def tokenize(text: str, vocabulary: Vocabulary) -> list[Token]:
    """Split normalized text into tokens, recognising Leibniz atoms and declared names."""
    tokens: list[Token] = []
    position = 0
    spaced = False
    while position < len(text):
        if len(tokens) > MAX_TOKENS:
            raise NotationError(f"the answer is too long (over {MAX_TOKENS} symbols)")
        if text[position].isspace():
            position += 1
            spaced = True
            continue
        token, position = _next_token(text, position, vocabulary)
        tokens.append(Token(token.kind, token.text, token.value, spaced) if spaced else token)
        spaced = False
    tokens.append(Token("end", ""))
    return tokens


def _next_token(text: str, position: int, vocabulary: Vocabulary) -> tuple[Token, int]:
    refused = None
    for pattern in _LEIBNIZ:
        match = pattern.match(text, position)
        if match:
            of_raw, wrt_raw = _leibniz_names(match)
            of, wrt = vocabulary.node(of_raw), vocabulary.node(wrt_raw)
            if of is not None and wrt is not None:
                return Token("deriv", match.group(0), (of, wrt)), match.end()
            if ("partial" in match.group(0) or "nabla" in match.group(0)) and refused is None:
                unknown = of_raw if of is None else wrt_raw
                refused = NotationError(
                    f"in '{match.group(0)}', '{unknown}' is not a quantity of this question; "
                    f"it uses: {vocabulary.allowed()}"
                )
    if refused is not None:
        raise refused
    if text.startswith(".T", position) and _TRANSPOSE_DOT.match(text, position):
        return Token("op", "T"), position + 2
    match = _NUMBER.match(text, position)
    if match:
        return _number(match.group(0)), match.end()
    match = _NAME_RE.match(text, position)
    if match:
        raw = match.group(0)
        command = re.match(r"\\[A-Za-z]+", raw)
        if command and command.group(0) in _COMMANDS:  # \sum_i is \sum, then _i
            return Token("op", _COMMANDS[command.group(0)]), position + command.end()
        end = match.end()
        superscript = _LETTER_SUPERSCRIPT.match(text, end)
        if superscript:
            combined = f"{raw}^{superscript.group(1) or superscript.group(2)}"
            if vocabulary.node(combined) is not None:
                return Token("name", combined), superscript.end()
        return Token("name", raw), end
    for operator in _OPERATORS:
        if text.startswith(operator, position):
            return Token("op", operator), position + len(operator)
    raise NotationError(f"cannot read the character '{text[position]}'")


def _leibniz_names(match: re.Match[str]) -> tuple[str, str]:
    """(of, wrt) as written in a Leibniz or gradient atom."""
    groups = match.groupdict()
    return groups["of"], groups["wrt"] or groups.get("wrt1") or ""


def _number(text: str) -> Token:
    mantissa = re.split(r"[eE]", text)[0]
    exponent = re.search(r"[eE]([+-]?\d+)$", text)
    if len(mantissa.replace(".", "").lstrip("0")) > MAX_DIGITS or (
        exponent and abs(int(exponent.group(1))) > 300
    ):
        raise NotationError(f"the number '{text[:20]}' is too large")
    return Token("num", text, Fraction(text))


@dataclass(frozen=True)
class Parsed:
    """An answer: one expression, or the sides of ``A = B = C``."""

    sides: tuple[Node, ...]
    text: str


def parse(text: str, vocabulary: Vocabulary) -> Parsed:
    """Parse one answer; raise :class:`NotationError` with a student-facing message."""
    if not isinstance(text, str):
        raise NotationError("write the answer as text, e.g. \"dL/dh3 * f3' * x\"")
    if not text.strip():
        raise NotationError("the answer is empty")
    normalized = normalize(text)
    parser = _Parser(tokenize(normalized, vocabulary), vocabulary)
    sides = parser.equation()
    return Parsed(tuple(sides), text)


class _Parser:
    def __init__(self, tokens: list[Token], vocabulary: Vocabulary) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.vocabulary = vocabulary
        self.bars: list[str] = []  # open |…| and ‖…‖: inside one, its bar closes it

    # --- token helpers ---

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def at(self, *texts: str) -> bool:
        return self.current.kind == "op" and self.current.text in texts

    def take(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def expect(self, text: str, context: str) -> None:
        if not self.at(text):
            found = self.current.text or "the end"
            raise NotationError(f"expected '{text}' {context}, found '{found}'")
        self.take()

    def nested(self, parse: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise NotationError("the answer is nested too deeply")
        try:
            return parse()
        finally:
            self.depth -= 1

    # --- grammar ---

    def equation(self) -> list[Node]:
        sides = [self.sum()]
        while self.at("="):
            self.take()
            sides.append(self.sum())
        if self.current.kind != "end":
            raise NotationError(f"unexpected '{self.current.text}'")
        return sides

    def sum(self) -> Node:
        terms = [self.elementwise()]
        while self.at("+", "-"):
            negative = self.take().text == "-"
            term = self.elementwise()
            terms.append(Neg(term) if negative else term)
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def elementwise(self) -> Node:
        """⊙ and ⊗ bind looser than matrix products: σ'(z) ⊙ Wᵀ v is σ'(z) ⊙ (Wᵀ v)."""
        node = self.product()
        while self.at("odot", "otimes"):
            op: Product = "hadamard" if self.take().text == "odot" else "outer"
            node = Mul(node, self.product(), op)
        return node

    def product(self) -> Node:
        node = self.unary()
        divided = False
        while True:
            if self.at("*", "/"):
                operator = self.take().text
                glued = self.current.kind == "name"
                right = self.unary()
                if operator == "/" and glued and isinstance(right, Mul):  # x/Ky, Ky split in K y
                    raise NotationError(_AMBIGUOUS_DIVISION)
                # 1/2(1 + t) and 1/2W: a number's fraction times what follows
                divided = operator == "/" and (constant_value(node) is None or constant_value(right) is None)
                node = Div(node, right) if operator == "/" else Mul(node, right)
            elif self.starts_operand():
                # Left to right, 1/K (y - t) is (1/K)(y - t); but x/2y, written against the
                # divisor, is meant as x/(2y) as often as (x/2)y: refused, not guessed.
                if divided and not self.current.spaced:
                    raise NotationError(_AMBIGUOUS_DIVISION)
                divided = False
                node = Mul(node, self.power())
            else:
                return node

    def starts_operand(self) -> bool:
        token = self.current
        if token.kind in {"num", "name", "deriv"} or self.at("(", "[", "{", "frac", "sqrt", "ones"):
            return True
        if self.at("sum", "prod", "int", "partial", "nabla"):
            return True  # not read, but primary() says why
        # Inside |…| a bar closes it; it does not open another factor.
        return self.at("|", "\\|") and not (self.bars and self.bars[-1] == token.text)

    def unary(self) -> Node:
        if self.at("-"):
            self.take()
            return self.nested(lambda: Neg(self.unary()))
        if self.at("+"):
            self.take()
            return self.nested(self.unary)
        return self.power()

    def power(self) -> Node:
        base = self.nested(self.postfix)
        if self.at("^"):  # right-associative: 9^9^9 is 9^(9^9)
            self.take()
            base = self.postfix_ops(self.exponent(base))
        return base

    def exponent(self, base: Node) -> Node:
        if self.transpose_mark():
            return Transpose(base)
        if self.plus_mark():  # (x)^+ is the positive part, ReLU (seed 002: f = 5(·)^+)
            return Call("relu", (base,))
        exponent = self.nested(self.unary_exponent)
        if isinstance(base, Call) and base.func == "exp" and base.args == (Num(Fraction(1)),):
            return Call("exp", (exponent,))  # e^{x}
        _check_power(base, exponent)
        return Pow(base, exponent)

    def unary_exponent(self) -> Node:
        if self.at("-"):
            self.take()
            return Neg(self.nested(self.unary_exponent))
        if self.at("{"):
            return self.group("{", "}")
        return self.nested(self.power)

    def postfix(self) -> Node:
        return self.postfix_ops(self.primary())

    def postfix_ops(self, node: Node) -> Node:
        while True:
            if self.at("T"):
                self.take()
                node = Transpose(node)
                continue
            if self.at("'"):
                raise NotationError(
                    "a prime after (…) is not read: for a transpose write ^T, for a derivative "
                    "the function's own, like sigma'(x)"
                )
            if self.at("_"):  # [x]_+ and (x)_+ are the positive part (seed 004: [x]_+)
                label = self.class_subscript()
                if label is not None:  # o^a_y, (…)_y: entry y, as seed 004 writes o^s_y
                    node = Mul(Transpose(label), node)
                    continue
                self.take()
                if self.plus_mark():
                    node = Call("relu", (node,))
                    continue
                raise NotationError(
                    "an entry taken with _ (like (…)_y or v_k) is not read: write the whole vector "
                    "or matrix; for entry y of a vector v, onehot(y)^T v"
                )
            return node

    def plus_mark(self) -> bool:
        """Consume ``+`` or ``{+}`` (the positive part's mark after ``^`` or ``_``)."""
        ahead = self.tokens[self.index : self.index + 3]
        if ahead[0].kind == "op" and ahead[0].text == "+":
            self.index += 1
            return True
        if len(ahead) == 3 and [t.text for t in ahead] == ["{", "+", "}"]:
            self.index += 3
            return True
        return False

    def class_subscript(self) -> Node | None:
        """Consume ``_y`` (or ``_{y}``) when y is the question's class label: 𝟙_y is onehot(y)."""
        if not self.at("_"):
            return None
        ahead = self.tokens[self.index + 1 : self.index + 4]
        braced = len(ahead) == 3 and ahead[0].text == "{" and ahead[2].text == "}"
        label = ahead[1] if braced else ahead[0]
        key = self.vocabulary.symbol(label.text) if label.kind == "name" else None
        if key is None or self.vocabulary.symbols[key].role != "class":
            return None
        self.index += 4 if braced else 2
        return Call("onehot", (Sym(key),))

    def size_subscript(self) -> int | str | None:
        """Consume ``_M``, ``_{M}`` or ``_3`` when it names a size of the question (𝟙_M, I_K)."""
        if not self.at("_"):
            return None
        ahead = self.tokens[self.index + 1 : self.index + 4]
        braced = len(ahead) == 3 and ahead[0].text == "{" and ahead[2].text == "}"
        label = ahead[1] if braced else ahead[0]
        size = self.size_of(label.text) if label.kind in {"name", "num"} else None
        if size is not None:
            self.index += 4 if braced else 2
        return size

    def size_of(self, text: str) -> int | str | None:
        """A dimension of the question (by any spelling of its name) or a whole number."""
        if re.fullmatch(r"\d{1,4}", text):
            return int(text) or None
        dims = {name_key(name): name for name in self.vocabulary.dims}
        return dims.get(name_key(text))

    def transpose_mark(self) -> bool:
        """Consume ``T``, ``\\top`` or ``{T}`` after ``^``; False when the exponent is not one."""

        def is_mark(token: Token) -> bool:
            if token.kind == "op":
                return token.text == "T"
            return token.kind == "name" and token.text == "T" and self.vocabulary.symbol("T") is None

        ahead = self.tokens[self.index : self.index + 3]
        if is_mark(ahead[0]):
            self.index += 1
            return True
        if len(ahead) == 3 and ahead[0].text == "{" and is_mark(ahead[1]) and ahead[2].text == "}":
            self.index += 3
            return True
        return False

    def primary(self) -> Node:
        token = self.current
        if token.kind == "num":
            self.take()
            if token.value == 1 and self.at("_"):
                size = self.size_subscript()  # 1_M: the all-ones vector of size M
                if size is not None:
                    return Fill("ones", size)
                label = self.class_subscript()  # 1_y: onehot(y)
                if label is not None:
                    return label
            if token.value == 1 and self.at("_", "["):
                return self.indicator()
            return Num(token.value)  # type: ignore[arg-type]
        if token.kind == "deriv":
            self.take()
            of, wrt = token.value  # type: ignore[misc]
            return Deriv(of, wrt)
        if token.kind == "name":
            self.take()
            return self.name(token.text)
        if self.at("("):
            return self.group("(", ")")
        if self.at("["):
            return self.group("[", "]")
        if self.at("{"):
            return self.group("{", "}")
        if self.at("|", "\\|"):
            return self.bars_group(self.take().text)
        if self.at("ones"):
            self.take()
            return self.ones()
        if self.at("frac"):
            self.take()
            numerator = self.group("{", "}")
            denominator = self.group("{", "}")
            return Div(numerator, denominator)
        if self.at("sqrt"):
            self.take()
            return Call("sqrt", (self.group("{", "}") if self.at("{") else self.power(),))
        if self.at("sum", "prod", "int"):
            raise NotationError(
                "sums over indices (Σ) are not read here: write the vector or matrix form instead"
            )
        if self.at("partial"):
            raise NotationError(
                "a ∂ must form a derivative of two quantities of the question, like ∂L/∂h3"
            )
        if self.at("nabla"):
            raise NotationError(
                "∇ must form a gradient of a quantity of the question, like ∇_x L; "
                "to give a gradient, write only what it equals"
            )
        found = token.text or "the end"
        raise NotationError(f"expected a number, a name or '(', found '{found}'")

    def bars_group(self, bar: str) -> Node:
        """|x| is abs(x); ‖x‖, ‖x‖_2 and ‖x‖_F the Euclidean (Frobenius) norm, ‖x‖_1 the L1 norm."""
        self.bars.append(bar)
        try:
            inner = self.nested(self.sum)
        finally:
            self.bars.pop()
        if bar == "|":
            self.expect("|", "to close |…|")
            return Call("abs", (inner,))
        self.expect("\\|", "to close the norm ‖…‖")
        if not self.at("_"):
            return Call("norm", (inner,))
        ahead = self.tokens[self.index + 1 : self.index + 4]
        braced = len(ahead) == 3 and ahead[0].text == "{" and ahead[2].text == "}"
        label = (ahead[1] if braced else ahead[0]).text
        if label not in {"1", "2", "F"}:
            raise NotationError("a norm's subscript is 1, 2 or F: ‖x‖_1, ‖x‖_2, ‖x‖_F")
        self.index += 4 if braced else 2
        return Call("l1norm" if label == "1" else "norm", (inner,))

    def ones(self) -> Node:
        """𝟙 alone is the all-ones vector (sized by what it meets), 𝟙_M one of size M; with a
        condition (𝟙_{x>0}, 𝟙[x>0], 𝟙(x>0)) it is the indicator."""
        size = self.size_subscript()
        if size is not None:
            return Fill("ones", size)
        label = self.class_subscript()
        if label is not None:
            return label
        if self.at("_"):
            return self.indicator()
        if self.at("[", "(") and not self.current.spaced:
            node = self.group("[", "]") if self.at("[") else self.group("(", ")")
            if isinstance(node, Compare):
                return node
            raise NotationError(
                "𝟙(…) or 𝕀(…) against a parenthesis is an indicator: put a condition inside, like "
                "𝟙(x > 0); for a product, put a * or a space between"
            )
        return Fill("ones")

    def group(self, opening: str, closing: str) -> Node:
        self.expect(opening, "")
        node = self.nested(self.condition)
        self.expect(closing, f"to close '{opening}'")
        return node

    def condition(self) -> Node:
        left = self.sum()
        if self.current.kind == "op" and self.current.text in _COMPARISONS:
            operator = _COMPARISONS[self.take().text]
            return Compare(operator, left, self.sum())
        return left

    def indicator(self) -> Node:
        if self.at("_"):
            self.take()
        node = self.group("[", "]") if self.at("[") else self.group("{", "}")
        if not isinstance(node, Compare):
            raise NotationError("an indicator 1_{…} needs a condition, like 1_{x > 0}")
        return self.indicator_argument(node)

    def indicator_argument(self, condition: Compare) -> Node:
        """``1_{x>0}(x)`` (seed 004 writes 𝟙_{x>0}(x)): the indicator at its own variable is the
        indicator; at anything else it is refused, never read as a product."""
        if not self.at("(") or self.current.spaced:
            return condition
        argument = self.group("(", ")")
        if isinstance(argument, Sym) and argument in walk(condition):
            return condition
        raise NotationError(
            "an indicator written against a parenthesis, 1_{…}(…), is read only at its own "
            "variable, like 1_{x>0}(x); write the indicator alone, or * before a product"
        )

    def name(self, raw: str) -> Node:
        vocabulary = self.vocabulary
        key = vocabulary.symbol(raw)
        if key is not None:
            if key.endswith("'") and self.at("(") and not self.current.spaced:
                return self.derivative_at(key, raw)
            return Sym(key)
        function = vocabulary.function(raw)
        if function is not None:
            return self.call(function, raw)
        if raw in {"e", r"\e"}:
            return Call("exp", (Num(Fraction(1)),))
        builtin = self.builtin_name(raw)
        if builtin is not None:
            return builtin
        if raw in {r"\begin", r"\end"}:
            raise NotationError(
                "LaTeX environments (cases, matrices) are not read: write one expression, with "
                "an indicator such as 1_{x > 0} for a case split"
            )
        split = _split_name(raw, vocabulary)
        if split:
            node: Node = Sym(split[0])
            for key in split[1:]:
                node = Mul(node, Sym(key))
            return node
        if vocabulary.node(raw) is not None:
            raise NotationError(
                f"'{raw}' is a quantity of the graph, not a value you can use here; "
                f"use: {vocabulary.allowed()}"
            )
        _refuse_prime(raw, vocabulary)
        close = difflib.get_close_matches(name_key(raw), list(vocabulary.symbols), n=1, cutoff=0.6)
        hint = f" (did you mean {vocabulary.display(close[0])}?)" if close else ""
        raise NotationError(f"unknown name '{raw}'{hint}; this question uses: {vocabulary.allowed()}")

    def derivative_at(self, key: str, raw: str) -> Node:
        """``f'_3(…)`` written against its argument: a product only when the parenthesis holds
        derivatives (f3'(w3 f1' w1 + …), a factored sum); otherwise it reads as f'_3 at a point,
        which the question's f'_3 already is: refused rather than silently multiplied."""
        group = self.nested(self.power)
        if any(isinstance(n, Deriv) or (isinstance(n, Sym) and n.key.endswith("'")) for n in walk(group)):
            return Mul(Sym(key), group)
        shown = self.vocabulary.display(key)
        raise NotationError(
            f"{raw}(…) reads as a derivative evaluated at a point, but {shown} already is the "
            f"derivative at its own input: write {shown} alone, without (…); for a product, put "
            f"a * or a space before the parenthesis"
        )

    def builtin_name(self, raw: str) -> Node | None:
        """Names every question knows unless it declares them: I (the identity, sized by what it
        meets), I_M (of size M) and e_y (the standard basis vector, onehot(y))."""
        match = re.fullmatch(r"([Ie])(?:_\{\s*([^{}]+?)\s*\}|_([^{}\s]+))?", raw)
        if match is None:
            return None
        letter, braced, bare = match.groups()
        subscript = braced or bare
        if letter == "I":
            if subscript is None:
                return Fill("identity")
            sides = set(re.split(r"\s*(?:\\times|\*|×)\s*", subscript))  # I_{K \times K}
            size = self.size_of(sides.pop()) if len(sides) == 1 else None
            return None if size is None else Fill("identity", size)
        key = self.vocabulary.symbol(subscript) if subscript else None
        if key is not None and self.vocabulary.symbols[key].role == "class":
            return Call("onehot", (Sym(key),))
        return None

    def function_power(self, raw: str) -> int | None:
        """``tanh^2(z)`` is ``tanh(z)^2``; ``tanh^{-1}`` (the inverse function) is refused."""
        if not self.at("^"):
            return None
        self.take()
        braced = self.at("{")
        if braced:
            self.take()
        negative = self.at("-")
        if negative:
            self.take()
        token = self.current
        if token.kind != "num" or token.value.denominator != 1:  # type: ignore[union-attr]
            raise NotationError(f"write a power of {raw} after its argument, e.g. {raw}(x)^2")
        self.take()
        if braced:
            self.expect("}", "to close the exponent")
        if negative:
            raise NotationError(
                f"{raw}^{{-1}} would be the inverse function, which is not read here; "
                f"for 1/{raw}(x) write {raw}(x)^{{-1}}"
            )
        if token.value > MAX_EXPONENT:  # type: ignore[operator]
            raise NotationError(f"exponents are at most {MAX_EXPONENT} in size")
        return int(token.value)  # type: ignore[arg-type]

    def call(self, function: str, raw: str) -> Node:
        power = self.function_power(raw)
        node = self.call_args(function, raw)
        return Pow(node, Num(Fraction(power))) if power else node

    def call_args(self, function: str, raw: str) -> Node:
        arity = FUNCTIONS[function]
        if self.at("(", "[", "{"):
            opening = self.current.text
            closing = {"(": ")", "[": "]", "{": "}"}[opening]
            self.take()
            args = [self.nested(self.condition)]
            while self.at(","):
                self.take()
                args.append(self.nested(self.condition))
            self.expect(closing, f"to close the arguments of {raw}")
        elif arity == 1 and self.starts_operand():
            args = [self.nested(self.power)]  # \log x, \sigma z
        else:
            raise NotationError(f"{raw} needs an argument in parentheses, e.g. {raw}(x)")
        if len(args) != arity:
            raise NotationError(f"{raw} takes {arity} argument{'s' if arity > 1 else ''}, got {len(args)}")
        # diag(1_{z > 0}) and sum(1_{x > 0}) read an indicator vector; elsewhere a bare
        # comparison is more likely a typo than a 0/1 value.
        if function not in {"indicator", "diag", "sum"} and any(isinstance(arg, Compare) for arg in args):
            raise NotationError(f"a comparison can only stand in an indicator, not in {raw}")
        return Call(function, tuple(args))


def _refuse_prime(raw: str, vocabulary: Vocabulary) -> None:
    """W' is not read as a transpose: in the seeds a prime is a derivative (f'_3, σ')."""
    if "'" not in raw:
        return
    base = name_key(raw).rstrip("'")
    if base not in vocabulary.symbols:
        return
    info = vocabulary.symbols[base]
    if info.shape:
        raise NotationError(
            f"'{raw}': a prime marks a derivative here, not a transpose; for the transpose of "
            f"{info.display} write {info.display}^T"
        )
    raise NotationError(
        f"'{raw}': a prime marks a derivative, and {info.display}' is not a quantity of this "
        f"question; it uses: {vocabulary.allowed()}"
    )


def _split_name(raw: str, vocabulary: Vocabulary) -> list[str] | None:
    """``xy`` → [x, y] when both are declared (implicit multiplication of single names)."""
    if not re.fullmatch(r"[A-Za-z]+\d*", raw) or len(raw) > 40:
        return None
    keys = sorted(vocabulary.symbols, key=len, reverse=True)
    best: dict[int, list[str]] = {0: []}
    for start in range(len(raw)):
        if start not in best:
            continue
        for key in keys:
            if raw.startswith(key, start) and start + len(key) not in best:
                best[start + len(key)] = best[start] + [key]
    return best.get(len(raw)) if len(best.get(len(raw), [])) > 1 else None


def _is_constant(node: Node) -> bool:
    return not any(isinstance(inner, (Sym, Deriv)) for inner in walk(node))


def _check_power(base: Node, exponent: Node) -> None:
    """Constant exponents must be small and constant powers short: 9^9^9 is refused unevaluated."""
    if not _is_constant(exponent):
        return
    value = constant_value(exponent)
    if value is None or abs(value) > MAX_EXPONENT:
        raise NotationError(f"exponents are at most {MAX_EXPONENT} in size")
    if _is_constant(base) and constant_value(Pow(base, exponent)) is None:
        raise NotationError("this number is too large")


def constant_value(node: Node) -> Fraction | None:
    """The exact value of a small constant expression, or None when it is not one."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        inner = constant_value(node.arg)
        return None if inner is None else -inner
    if isinstance(node, Add):
        values = [constant_value(term) for term in node.terms]
        return None if any(v is None for v in values) else sum(values, Fraction(0))  # type: ignore[arg-type]
    if isinstance(node, Mul) and node.op == "dot":
        left, right = constant_value(node.left), constant_value(node.right)
        return None if left is None or right is None else left * right
    if isinstance(node, Div):
        num, den = constant_value(node.num), constant_value(node.den)
        return None if num is None or den is None or den == 0 else num / den
    if isinstance(node, Pow):
        base, exp = constant_value(node.base), constant_value(node.exp)
        if base is None or exp is None or exp.denominator != 1 or abs(exp) > MAX_EXPONENT:
            return None
        digits = max(len(str(base.numerator)), len(str(base.denominator)))
        if digits * abs(exp) > 1000 or (base == 0 and exp < 0):
            return None
        return base**int(exp)
    return None


def leibniz_keys(raw: str) -> tuple[str, str] | None:
    """(of, wrt) keys when ``raw`` is exactly one Leibniz atom (dL/dh3, \\frac{∂L}{∂h_3})."""
    text = normalize(raw)
    for pattern in _LEIBNIZ:
        match = pattern.fullmatch(text)
        if match:
            of, wrt = _leibniz_names(match)
            return name_key(of), name_key(wrt)
    return None


def key_of(raw: str) -> str:
    """The key of a name as a rubric writes it (after the same clean-up as answers)."""
    return name_key(normalize(raw))
