"""A notation corpus: the bundled rubrics' expression answers written the ways students write them.

Every answer is a *form* (a function of a :class:`Style`), so one form renders in plain text, plain
text with underscores, LaTeX as typeset (``\\mathbf``, ``\\left(``, ``\\cdot``, ``^\\top``), LaTeX
without braces (``\\frac12``, ``f_3^{\\prime}``, ``\\max(0, ·)``), Unicode (``∂L/∂h₃ · f₃′``,
``Wᵀ``, ``ŷ``), bold LaTeX as pasted from Overleaf or ChatGPT (``\\boldsymbol``, ``\\dfrac``,
``\\bigl(``) and a mixed style (``[·]_+``, ``.T``, ``∘``). Forms cover the expected answer, its
reorderings, expanded and factored versions and the equivalent spellings a question allows (a
defined quantity by name, a chain written out and expanded). Mutants (negated, a factor dropped,
a transposition, a wrong index, a wrong function) are forms too, and must not get full marks.

:func:`corpus` lists (rubric, question, part, answer, full) items; tests/test_notation_corpus.py
grades each through the real rubric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

STYLES = ("plain", "under", "latex", "nobrace", "unicode", "bold", "mixed")

_SUBSCRIPT = dict(zip("0123456789aehklmnopstx", "₀₁₂₃₄₅₆₇₈₉ₐₑₕₖₗₘₙₒₚₛₜₓ"))
_SUPERSCRIPT = dict(zip("0123456789asT", "⁰¹²³⁴⁵⁶⁷⁸⁹ᵃˢᵀ"))
_LAYERED = {"W", "b"}  # W_1 may be written W^{(1)}


@dataclass(frozen=True)
class Style:
    """How one student writes: names, derivatives, products, transposes, functions."""

    name: str

    # --- names ---

    def n(self, key: str) -> str:
        """A quantity: ``W_1``, ``x``, ``yhat``, ``ybar``, ``h^a``, ``d_h``, ``K``."""
        accent = next((a for a in ("hat", "bar") if key.endswith(a) and len(key) == len(a) + 1), None)
        base = key[0] if accent else re.split(r"[_^]", key)[0]
        sub = key.split("_", 1)[1] if "_" in key else None
        sup = key.split("^", 1)[1] if "^" in key else None
        style = self.name
        if accent:
            return {
                "plain": f"{base}{accent}",
                "under": f"\\{accent}{{{base}}}",
                "latex": f"\\{accent}{{\\mathbf{{{base}}}}}",
                "nobrace": f"\\{accent} {base}",
                "unicode": base + ("\u0302" if accent == "hat" else "\u0304"),
                "bold": f"\\{'widehat' if accent == 'hat' else 'overline'}{{\\bm{{{base}}}}}",
                "mixed": f"\\mathbf{{\\{accent}{{{base}}}}}",
            }[style]
        if sup is not None:
            return {
                "plain": f"{base}^{sup}",
                "under": f"{base}^{{{sup}}}",
                "latex": f"\\mathbf{{{base}}}^{{{sup}}}",
                "nobrace": f"{base}^{sup}",
                "unicode": base + _SUPERSCRIPT[sup],
                "bold": f"\\boldsymbol{{{base}}}^{sup}",
                "mixed": f"{{{base}}}^{{{sup}}}",
            }[style]
        if sub is None:
            return {"latex": f"\\mathbf{{{base}}}", "bold": f"\\bm{{{base}}}"}.get(style, base)
        layered = base in _LAYERED and sub.isdigit()
        return {
            "plain": f"{base}{sub}" if sub.isdigit() else f"{base}_{sub}",
            "under": f"{base}_{sub}",
            "latex": f"\\mathbf{{{base}}}^{{({sub})}}" if layered else f"\\mathbf{{{base}}}_{{{sub}}}",
            "nobrace": f"{base}_{sub}",
            "unicode": base + "".join(_SUBSCRIPT[c] for c in sub),
            "bold": f"\\boldsymbol{{{base}}}^{{({sub})}}" if layered else f"\\bm{{{base}}}_{{{sub}}}",
            "mixed": f"{base}^{{({sub})}}" if layered else f"{base}_{{{sub}}}",
        }[style]

    def d(self, of: str, wrt: str) -> str:
        """A Leibniz atom ∂of/∂wrt."""
        top = {"latex": "\\ell", "bold": "\\ell", "unicode": "ℓ", "nobrace": "\\ell"}.get(self.name, "l") if of == "l" else self.n(of)
        low = self.n(wrt)
        plain = Style("plain")
        return {
            "plain": f"d{plain.n(of)}/d{plain.n(wrt)}",
            "under": f"d{top}/d{low}",
            "latex": f"\\frac{{\\partial {top}}}{{\\partial {low}}}",
            "nobrace": f"\\partial {top}/\\partial {low}",
            "unicode": f"∂{top}/∂{low}",
            "bold": f"\\dfrac{{\\partial {top}}}{{\\partial {low}}}",
            "mixed": f"\\frac{{d{top}}}{{d{low}}}",
        }[self.name]

    def fp(self, index: int) -> str:
        """f'_n, the derivative of f_n at its input (seed 000)."""
        return {
            "plain": f"f{index}'",
            "under": f"f_{index}'",
            "latex": f"f'_{{{index}}}",
            "nobrace": f"f_{index}^{{\\prime}}",
            "unicode": f"f{_SUBSCRIPT[str(index)]}′",
            "bold": f"f^{{\\prime}}_{{{index}}}",
            "mixed": f"f^{{'}}_{index}",
        }[self.name]

    # --- operators ---

    def prod(self, *factors: str) -> str:
        separator = {
            "plain": " * ",
            "under": " ",
            "latex": " \\cdot ",
            "nobrace": "\\,",
            "unicode": "·",
            "bold": " \\times ",
            "mixed": " ",
        }[self.name]
        return separator.join(factors)

    def T(self, operand: str) -> str:
        """The transpose of a name or of a parenthesised operand."""
        mark = {
            "plain": "^T",
            "under": "^{T}",
            "latex": "^\\top",
            "nobrace": "^{\\intercal}",
            "unicode": "ᵀ",
            "bold": "^{\\mathsf{T}}",
            "mixed": ".T",
        }[self.name]
        return operand + mark

    def had(self, left: str, right: str) -> str:
        op = {"plain": "⊙", "latex": "\\odot", "nobrace": "\\circ", "unicode": "⊙", "mixed": "∘"}.get(self.name, "\\odot")
        return f"{left} {op} {right}"

    def p(self, inner: str) -> str:
        left, right = {
            "latex": ("\\left(", "\\right)"),
            "bold": ("\\bigl(", "\\bigr)"),
            "mixed": ("\\Big(", "\\Big)"),
        }.get(self.name, ("(", ")"))
        return f"{left}{inner}{right}"

    def minus(self) -> str:
        return "−" if self.name == "unicode" else "-"

    def sub(self, left: str, right: str) -> str:
        return f"{left} {self.minus()} {right}"

    def frac(self, top: str, bottom: str) -> str:
        if self.name in {"plain", "unicode", "mixed"}:
            wrap = lambda s: s if re.fullmatch(r"[\w^'.]+", s) else f"({s})"  # noqa: E731
            if (top, bottom) == ("1", "2") and self.name == "unicode":
                return "½"
            return f"{wrap(top)}/{wrap(bottom)}"
        if self.name == "nobrace" and len(top) == 1 and len(bottom) == 1:
            return f"\\frac{top}{bottom}" if top.isdigit() else f"\\frac {top}{bottom}"
        command = {"bold": "\\dfrac", "under": "\\tfrac"}.get(self.name, "\\frac")
        return f"{command}{{{top}}}{{{bottom}}}"

    def eq(self, left: str, right: str) -> str:
        return f"{left} = {right}"

    # --- functions ---

    def fn(self, name: str, arg: str) -> str:
        """A function applied: relu, sigma, tanh, sin, cos, log, exp, diag, sign, phi, S, softmax."""
        if name == "relu":
            return {
                "plain": f"relu({arg})",
                "under": f"ReLU({arg})",
                "latex": f"\\operatorname{{ReLU}}\\left({arg}\\right)",
                "nobrace": f"\\max(0, {arg})",
                "unicode": f"({arg})⁺",
                "bold": f"\\mathrm{{ReLU}}({arg})",
                "mixed": f"[{arg}]_+",
            }[self.name]
        if name == "sigma":
            return {
                "plain": f"sigma({arg})",
                "under": f"sigmoid({arg})",
                "latex": f"\\sigma\\left({arg}\\right)",
                "unicode": f"σ({arg})",
                "bold": f"\\operatorname{{sigmoid}}({arg})",
            }.get(self.name, f"\\sigma({arg})")
        if name == "sigma'":
            return {
                "plain": f"sigma'({arg})",
                "under": f"sigmoid'({arg})",
                "latex": f"\\sigma'\\left({arg}\\right)",
                "nobrace": f"\\sigma^{{\\prime}}({arg})",
                "unicode": f"σ′({arg})",
                "bold": f"\\sigma^\\prime({arg})",
                "mixed": f"\\sigma'({arg})",
            }[self.name]
        if name in {"S", "phi"}:
            greek = {"phi": {"latex": "\\phi", "nobrace": "\\varphi", "unicode": "φ", "bold": "\\phi"}}
            spelled = greek.get(name, {}).get(self.name, name)
            return f"{spelled}{self.p(arg)}"
        command = {
            "latex": f"\\{name}" if name in {"tanh", "sin", "cos", "log", "exp"} else f"\\operatorname{{{name}}}",
            "nobrace": f"\\{name}" if name in {"tanh", "sin", "cos", "log", "exp"} else f"\\text{{{name}}}",
            "bold": f"\\mathrm{{{name}}}",
            "mixed": "\\ln" if name == "log" else (f"\\{name}" if name in {"tanh", "sin", "cos", "exp"} else f"\\mathrm{{{name}}}"),
        }.get(self.name, name)
        return f"{command}{self.p(arg)}"

    def ind(self, left: str, op: str, right: str) -> str:
        """The indicator of a comparison."""
        cond = f"{left} {op} {right}"
        return {
            "plain": f"1_{{{cond}}}",
            "under": f"[{cond}]",
            "latex": f"\\mathbb{{1}}_{{{cond}}}",
            "nobrace": f"\\mathbf{{1}}_{{\\{{{cond}\\}}}}",
            "unicode": f"𝟙[{cond}]",
            "bold": f"\\mathbb{{I}}({cond})",
            "mixed": f"\\mathbb{{1}}[{cond}]",
        }[self.name]

    def onehot(self, label: str) -> str:
        return {
            "latex": f"\\mathbf{{e}}_{{{label}}}",
            "nobrace": f"e_{label}",
            "bold": f"\\operatorname{{onehot}}({label})",
            "mixed": f"\\text{{onehot}}({label})",
        }.get(self.name, f"onehot({label})")

    def ones(self, size: str | None = None) -> str:
        """The all-ones vector, with its size or without."""
        spelled = {"latex": "\\mathbf{1}", "nobrace": "\\mathbb{1}", "unicode": "𝟙", "bold": "\\bm{1}"}.get(self.name, "\\mathbf{1}")
        return f"{spelled}_{{{size}}}" if size else spelled

    def identity(self) -> str:
        return {"latex": "\\mathbf{I}", "nobrace": "I_K", "unicode": "I", "bold": "\\mathbb{I}", "mixed": "I_{K}"}.get(self.name, "I")


Form = Callable[[Style], str]


@dataclass(frozen=True)
class Question:
    """One blank of a bundled rubric, its right forms and its mutants."""

    rubric: str
    question: str
    part: str | None
    right: tuple[Form, ...]
    mutants: tuple[tuple[str, Form], ...]
    chains: tuple[Form, ...] = ()  # correct chains of ∂·/∂· steps, not expanded: chain credit


@dataclass(frozen=True)
class Item:
    """One rendering to grade: ``full`` says whether it must earn full marks."""

    rubric: str
    question: str
    part: str | None
    answer: str
    full: bool
    label: str
    partial: float | None = None

    @property
    def id(self) -> str:
        return f"{self.rubric}:{self.question}{'/' + self.part if self.part else ''}:{self.label}"


# --- seed 000: backprop-basics ------------------------------------------------------------------

dL = lambda s: s.d("L", "h_3")  # noqa: E731


def _q1(question: str, factors: Callable[[Style], list[str]], mutants: list[tuple[str, Form]], chain: Form) -> Question:
    return Question(
        "backprop-basics",
        question,
        None,
        right=(
            lambda s: s.prod(*factors(s)),
            lambda s: s.prod(*reversed(factors(s))),
            lambda s: s.eq(s.d("L", question.split("-")[1].replace("w", "w_").replace("b", "b_")), s.prod(*factors(s))),
            lambda s: s.eq(chain(s), s.prod(*factors(s))),
        ),
        mutants=tuple(mutants),
        chains=(chain,),
    )


BACKPROP = (
    _q1(
        "q1-w2",
        lambda s: [dL(s), s.fp(3), s.n("w_4"), s.fp(2), s.n("x")],
        [
            ("wrong index w3", lambda s: s.prod(dL(s), s.fp(3), s.n("w_3"), s.fp(2), s.n("x"))),
            ("factor f2' dropped", lambda s: s.prod(dL(s), s.fp(3), s.n("w_4"), s.n("x"))),
            ("negated", lambda s: "-" + s.prod(dL(s), s.fp(3), s.n("w_4"), s.fp(2), s.n("x"))),
            ("x for w2", lambda s: s.prod(dL(s), s.fp(3), s.n("w_4"), s.fp(2), s.n("w_2"))),
        ],
        lambda s: s.prod(dL(s), s.d("h_3", "h_2"), s.d("h_2", "w_2")),
    ),
    _q1(
        "q1-w3",
        lambda s: [dL(s), s.fp(3), s.n("h_1")],
        [
            ("wrong index h2", lambda s: s.prod(dL(s), s.fp(3), s.n("h_2"))),
            ("factor f3' dropped", lambda s: s.prod(dL(s), s.n("h_1"))),
            ("wrong prime f1'", lambda s: s.prod(dL(s), s.fp(1), s.n("h_1"))),
        ],
        lambda s: s.prod(dL(s), s.d("h_3", "w_3")),
    ),
    _q1(
        "q1-w4",
        lambda s: [dL(s), s.fp(3), s.n("h_2")],
        [
            ("wrong index h1", lambda s: s.prod(dL(s), s.fp(3), s.n("h_1"))),
            ("negated", lambda s: s.prod("-" + dL(s), s.fp(3), s.n("h_2"))),
        ],
        lambda s: s.prod(dL(s), s.d("h_3", "w_4")),
    ),
    _q1(
        "q1-b1",
        lambda s: [dL(s), s.fp(3), s.n("w_3"), s.fp(1)],
        [
            ("wrong index w4", lambda s: s.prod(dL(s), s.fp(3), s.n("w_4"), s.fp(1))),
            ("extra factor x", lambda s: s.prod(dL(s), s.fp(3), s.n("w_3"), s.fp(1), s.n("x"))),
        ],
        lambda s: s.prod(dL(s), s.d("h_3", "h_1"), s.d("h_1", "b_1")),
    ),
    _q1(
        "q1-b2",
        lambda s: [dL(s), s.fp(3), s.n("w_4"), s.fp(2)],
        [
            ("wrong index f1'", lambda s: s.prod(dL(s), s.fp(3), s.n("w_4"), s.fp(1))),
            ("factor w4 dropped", lambda s: s.prod(dL(s), s.fp(3), s.fp(2))),
        ],
        lambda s: s.prod(dL(s), s.d("h_3", "h_2"), s.d("h_2", "b_2")),
    ),
    _q1(
        "q1-b3",
        lambda s: [dL(s), s.fp(3)],
        [
            ("factor f3' dropped", lambda s: dL(s)),
            ("extra factor b3", lambda s: s.prod(dL(s), s.fp(3), s.n("b_3"))),
        ],
        lambda s: s.prod(dL(s), s.d("h_3", "b_3")),
    ),
    Question(
        "backprop-basics",
        "q1-x",
        None,
        right=(
            lambda s: s.prod(dL(s), s.fp(3), s.n("w_3"), s.fp(1), s.n("w_1")) + " + " + s.prod(dL(s), s.fp(3), s.n("w_4"), s.fp(2), s.n("w_2")),
            lambda s: s.prod(dL(s), s.fp(3), s.p(s.prod(s.n("w_3"), s.fp(1), s.n("w_1")) + " + " + s.prod(s.n("w_4"), s.fp(2), s.n("w_2")))),
            lambda s: s.prod(dL(s), s.fp(3)) + s.p(s.prod(s.n("w_4"), s.fp(2), s.n("w_2")) + " + " + s.prod(s.n("w_3"), s.fp(1), s.n("w_1"))),
            lambda s: s.prod(s.n("w_1"), s.fp(1), s.n("w_3"), s.fp(3), dL(s)) + " + " + s.prod(s.n("w_2"), s.fp(2), s.n("w_4"), s.fp(3), dL(s)),
        ),
        mutants=(
            ("one path only", lambda s: s.prod(dL(s), s.fp(3), s.n("w_3"), s.fp(1), s.n("w_1"))),
            ("paths subtracted", lambda s: s.prod(dL(s), s.fp(3), s.n("w_3"), s.fp(1), s.n("w_1")) + " - " + s.prod(dL(s), s.fp(3), s.n("w_4"), s.fp(2), s.n("w_2"))),
            ("indices swapped", lambda s: s.prod(dL(s), s.fp(3), s.n("w_3"), s.fp(2), s.n("w_1")) + " + " + s.prod(dL(s), s.fp(3), s.n("w_4"), s.fp(1), s.n("w_2"))),
        ),
        chains=(
            lambda s: s.prod(dL(s), s.d("h_3", "h_1"), s.d("h_1", "x")) + " + " + s.prod(dL(s), s.d("h_3", "h_2"), s.d("h_2", "x")),
        ),
    ),
    Question(
        "backprop-basics",
        "q2-dydz",
        None,
        right=(lambda s: "0", lambda s: s.eq(s.d("y", "z"), "0"), lambda s: "0.0"),
        mutants=(("dy/dh", lambda s: s.prod(s.n("y"), s.p(s.sub("1", s.n("y"))))), ("one", lambda s: "1")),
    ),
)

# --- seed 001: relu-networks --------------------------------------------------------------------


def _network(s: Style, relu: Callable[[str], str], b1: bool = True, W1: str = "W_1") -> str:
    inner = s.n(W1) + " " + s.n("x") + (" + " + s.n("b_1") if b1 else "")
    return f"{s.n('W_3')} {relu(s.n('W_2') + ' ' + relu(inner) + ' + ' + s.n('b_2'))} + {s.n('b_3')}"


RELU = (
    Question(
        "relu-networks",
        "q2",
        None,
        right=(
            lambda s: _network(s, lambda a: s.fn("relu", a)),
            lambda s: s.eq("f" + s.p(s.n("x")), _network(s, lambda a: s.fn("relu", a))),
            lambda s: f"{s.n('b_3')} + {s.n('W_3')} {s.fn('relu', s.n('b_2') + ' + ' + s.n('W_2') + ' ' + s.fn('relu', s.n('b_1') + ' + ' + s.n('W_1') + ' ' + s.n('x')))}",
            lambda s: _network(s, lambda a: f"\\max\\{{0, {a}\\}}" if s.name != "plain" else f"max({a}, 0)"),
        ),
        mutants=(
            ("no ReLU", lambda s: _network(s, lambda a: s.p(a))),
            ("b1 dropped", lambda s: _network(s, lambda a: s.fn("relu", a), b1=False)),
            ("wrong index W2 for W1", lambda s: _network(s, lambda a: s.fn("relu", a), W1="W_2")),
            ("sigma for ReLU", lambda s: _network(s, lambda a: s.fn("sigma", a))),
            ("negated", lambda s: "-" + s.p(_network(s, lambda a: s.fn("relu", a)))),
        ),
    ),
)

# --- seed 002: mlp-backprop ---------------------------------------------------------------------

z1 = lambda s: s.n("W_1") + " " + s.n("x") + " + " + s.n("b_1")  # noqa: E731
z2 = lambda s: "5 " + s.fn("relu", z1(s))  # noqa: E731
dyz = lambda s: s.d("yhat", "z_3")  # noqa: E731
dly = lambda s: s.d("l", "yhat")  # noqa: E731
dzz = lambda s: s.d("z_2", "z_1")  # noqa: E731
delta3 = lambda s: s.T(s.p(dyz(s))) + " " + dly(s)  # noqa: E731
delta1 = lambda s: s.T(s.p(dzz(s))) + " " + s.T(s.n("W_2")) + " " + delta3(s)  # noqa: E731
yhat = lambda s: s.n("yhat")  # noqa: E731


def _mlp(question: str, part: str, right: list[Form], mutants: list[tuple[str, Form]]) -> Question:
    return Question("mlp-backprop", question, part, tuple(right), tuple(mutants))


MLP = (
    _mlp("t12b", "z1", [z1, lambda s: s.n("b_1") + " + " + s.n("W_1") + s.n("x")], [
        ("transposed W1", lambda s: s.T(s.n("W_1")) + " " + s.n("x") + " + " + s.n("b_1")),
        ("b1 dropped", lambda s: s.n("W_1") + " " + s.n("x")),
    ]),
    _mlp("t12b", "z2", [z2, lambda s: s.fn("relu", "5" + s.p(z1(s))), lambda s: "5" + s.p(z1(s)) + "^+", lambda s: "5\\left[" + z1(s) + "\\right]_+"], [
        ("factor 5 dropped", lambda s: s.fn("relu", z1(s))),
        ("ReLU dropped", lambda s: "5" + s.p(z1(s))),
        ("wrong index W2", lambda s: "5 " + s.fn("relu", s.n("W_2") + " " + s.n("x") + " + " + s.n("b_1"))),
    ]),
    _mlp("t12b", "z3", [lambda s: s.n("W_2") + s.p(z2(s)) + " + " + s.n("b_2"), lambda s: "5 " + s.n("W_2") + " " + s.fn("relu", z1(s)) + " + " + s.n("b_2")], [
        ("b2 dropped", lambda s: s.n("W_2") + s.p(z2(s))),
        ("negated", lambda s: "-" + s.n("W_2") + s.p(z2(s)) + " - " + s.n("b_2")),
    ]),
    _mlp("t12b", "yhat", [lambda s: s.n("W_2") + s.p(z2(s)) + " + " + s.n("b_2")], [
        ("transposed W2", lambda s: s.T(s.n("W_2")) + s.p(z2(s)) + " + " + s.n("b_2")),
    ]),
    _mlp("t12c", "W2", [
        lambda s: delta3(s) + " " + s.T(s.p(z2(s))),
        lambda s: delta3(s) + " " + s.T(s.n("z_2")),
        lambda s: s.p(delta3(s)) + " ⊗ " + s.n("z_2"),
        lambda s: dyz(s) + " " + dly(s) + " " + s.T(s.n("z_2")),  # ∂ŷ/∂z₃ is diagonal
    ], [
        ("transposed", lambda s: s.n("z_2") + " " + s.T(s.p(delta3(s)))),
        ("z2 dropped", lambda s: delta3(s)),
        ("z1 for z2", lambda s: delta3(s) + " " + s.T(s.n("z_1"))),
    ]),
    _mlp("t12c", "b2", [delta3, lambda s: dyz(s) + " " + dly(s), lambda s: s.T(s.p(s.T(dly(s)) + " " + dyz(s)))], [
        ("negated", lambda s: "-" + delta3(s)),
        ("x appended", lambda s: delta3(s) + " " + s.T(s.n("x"))),
    ]),
    _mlp("t12c", "W1", [
        lambda s: delta1(s) + " " + s.T(s.n("x")),
        lambda s: s.p(delta1(s)) + " ⊗ " + s.n("x"),
        lambda s: s.T(s.p(dzz(s))) + " " + s.T(s.p(s.T(s.p(delta3(s))) + " " + s.n("W_2"))) + " " + s.T(s.n("x")),
    ], [
        ("x dropped (that is b1)", delta1),
        ("W2 not transposed", lambda s: s.T(s.p(dzz(s))) + " " + s.n("W_2") + " " + delta3(s) + " " + s.T(s.n("x"))),
        ("W1 for W2", lambda s: s.T(s.p(dzz(s))) + " " + s.T(s.n("W_1")) + " " + delta3(s) + " " + s.T(s.n("x"))),
    ]),
    _mlp("t12c", "b1", [delta1, lambda s: dzz(s) + " " + s.T(s.n("W_2")) + " " + dyz(s) + " " + dly(s)], [
        ("Jacobian dz2/dz1 dropped", lambda s: s.T(s.n("W_2")) + " " + delta3(s)),
    ]),
    _mlp("t12d", "dz2_dz1", [
        lambda s: "5 " + s.fn("diag", s.ind(s.n("z_1"), ">", "0")),
        lambda s: s.fn("diag", s.prod("5", s.ind(s.n("z_1"), ">", "0"))),
        lambda s: "5 " + s.fn("diag", "relu'" + s.p(s.n("z_1"))),
    ], [
        ("factor 5 dropped", lambda s: s.fn("diag", s.ind(s.n("z_1"), ">", "0"))),
        ("indicator flipped", lambda s: "5 " + s.fn("diag", s.ind(s.n("z_1"), "<", "0"))),
        ("not diagonal", lambda s: "5 " + s.ind(s.n("z_1"), ">", "0")),
    ]),
    _mlp("t12d", "dyhat_dz3", [lambda s: s.identity(), lambda s: s.fn("diag", s.ones("K"))], [
        ("zero", lambda s: "0"),
        ("negated", lambda s: "-" + s.identity()),
    ]),
    _mlp("t12d", "dl_dyhat", [
        lambda s: "2" + s.p(s.sub(yhat(s), s.n("y"))),
        lambda s: s.sub("2" + yhat(s), "2" + s.n("y")),
        lambda s: "-2" + s.p(s.sub(s.n("y"), yhat(s))),
    ], [
        ("factor 2 dropped", lambda s: s.sub(yhat(s), s.n("y"))),
        ("negated", lambda s: "2" + s.p(s.sub(s.n("y"), yhat(s)))),
    ]),
    _mlp("t13a", "dz2_dz1", [
        lambda s: s.fn("diag", s.sub("1", s.had(s.fn("tanh", s.n("z_1")), s.fn("tanh", s.n("z_1"))))),
        lambda s: s.fn("diag", s.sub("1", ("\\tanh" if s.name in {"latex", "bold"} else "tanh") + "^2" + s.p(s.n("z_1")))),
        lambda s: s.fn("diag", s.sub(s.ones(), s.fn("tanh", s.n("z_1")) + "^2")),
        lambda s: s.sub("I", s.fn("diag", s.fn("tanh", s.n("z_1"))) + "^2"),
    ], [
        ("tanh for 1 - tanh^2", lambda s: s.fn("diag", s.fn("tanh", s.n("z_1")))),
        ("plus for minus", lambda s: s.fn("diag", "1 + " + s.fn("tanh", s.n("z_1")) + "^2")),
        ("z3 for z1", lambda s: s.fn("diag", s.sub("1", s.fn("tanh", s.n("z_3")) + "^2"))),
    ]),
    _mlp("t13a", "dyhat_dz3", [
        lambda s: s.fn("diag", s.had(yhat(s), s.p(s.sub("1", yhat(s))))),
        lambda s: s.fn("diag", s.fn("sigma'", s.n("z_3"))),
        lambda s: s.fn("diag", s.had(s.fn("sigma", s.n("z_3")), s.p(s.sub("1", s.fn("sigma", s.n("z_3")))))),
        lambda s: s.fn("diag", yhat(s)) + " " + s.p(s.sub("I", s.fn("diag", yhat(s)))),
    ], [
        ("1 + yhat", lambda s: s.fn("diag", s.had(yhat(s), s.p("1 + " + yhat(s))))),
        ("not diagonal", lambda s: s.had(yhat(s), s.p(s.sub("1", yhat(s))))),
        ("z1 for z3", lambda s: s.fn("diag", s.fn("sigma'", s.n("z_1")))),
    ]),
    _mlp("t13b", None, [
        lambda s: s.frac(s.sub(yhat(s), s.n("y")), s.prod("K", s.had(yhat(s), s.p(s.sub("1", yhat(s)))))),
        lambda s: s.frac("1", "K") + " " + s.p(s.frac(s.sub("1", s.n("y")), s.sub("1", yhat(s))) + " - " + s.frac(s.n("y"), yhat(s))),
        lambda s: s.p(s.sub(yhat(s), s.n("y"))) + " ⊘ " + s.p(s.prod("K", s.had(yhat(s), s.p(s.sub("1", yhat(s)))))),
    ], [
        ("1/K dropped", lambda s: s.frac(s.sub(yhat(s), s.n("y")), s.had(yhat(s), s.p(s.sub("1", yhat(s)))))),
        ("negated", lambda s: s.frac(s.sub(s.n("y"), yhat(s)), s.prod("K", s.had(yhat(s), s.p(s.sub("1", yhat(s))))))),
    ]),
)

# --- seed 003: perceptron-weights ---------------------------------------------------------------

half = lambda s: s.frac("1", "2")  # noqa: E731
delta_y = lambda s: s.p(s.sub(s.n("y"), s.n("s")))  # noqa: E731
hbar = lambda s: s.T(s.n("W_2")) + " " + delta_y(s) + " + " + s.n("r")  # noqa: E731


def _p2(part: str, right: list[Form], mutants: list[tuple[str, Form]]) -> Question:
    return Question("perceptron-weights", "p2", part, tuple(right), tuple(mutants))


PERCEPTRON = (
    _p2("relation", [
        lambda s: f"{half(s)} {s.fn('tanh', s.frac('a', '2'))} + {half(s)}",
        lambda s: s.frac("1 + " + s.fn("tanh", s.frac("a", "2")), "2"),
        lambda s: half(s) + s.p("1 + " + s.fn("tanh", "a/2")),
        lambda s: "0.5 + 0.5" + s.fn("tanh", "0.5a"),
    ], [
        ("1/2 inside tanh dropped", lambda s: f"{half(s)} {s.fn('tanh', 'a')} + {half(s)}"),
        ("minus for plus", lambda s: f"{half(s)} {s.fn('tanh', s.frac('a', '2'))} - {half(s)}"),
        ("tanh alone", lambda s: s.fn("tanh", s.frac("a", "2"))),
    ]),
    _p2("W1_new", [lambda s: s.frac(s.n("W_1"), "2"), lambda s: half(s) + " " + s.n("W_1"), lambda s: "0.5" + s.n("W_1")], [
        ("doubled", lambda s: "2 " + s.n("W_1")),
        ("wrong index", lambda s: s.frac(s.n("W_2"), "2")),
    ]),
    _p2("b1_new", [lambda s: s.frac(s.n("b_1"), "2"), lambda s: half(s) + " " + s.n("b_1")], [
        ("unchanged", lambda s: s.n("b_1")),
    ]),
    _p2("W2_new", [lambda s: s.frac(s.n("W_2"), "2"), lambda s: half(s) + s.n("W_2")], [
        ("transposed", lambda s: s.frac(s.T(s.n("W_2")), "2")),
    ]),
    _p2("b2_new", [
        lambda s: s.n("b_2") + " + " + half(s) + " " + s.n("W_2") + " " + s.ones(),
        lambda s: s.n("b_2") + " + " + half(s) + " " + s.n("W_2") + " " + s.ones("M"),
        lambda s: s.n("b_2") + " + " + s.frac(s.n("W_2") + " " + s.ones(), "2"),
        lambda s: s.n("b_2") + " + " + half(s) + " " + s.n("W_2") + " ones",
    ], [
        ("b2 alone", lambda s: s.n("b_2")),
        ("minus", lambda s: s.n("b_2") + " - " + half(s) + " " + s.n("W_2") + " " + s.ones()),
        ("ones on the wrong side", lambda s: s.n("b_2") + " + " + half(s) + " " + s.T(s.ones()) + " " + s.n("W_2")),
    ]),
    Question(
        "perceptron-weights",
        "p4-xbar",
        None,
        right=(
            lambda s: delta_y(s) + " + " + s.T(s.n("W_1")) + " " + s.p(s.had(s.fn("sigma'", s.n("z")), s.p(hbar(s)))),
            lambda s: s.n("ybar") + " + " + s.T(s.n("W_1")) + " " + s.n("zbar"),
            lambda s: s.n("ybar") + " + " + s.T(s.n("W_1")) + s.p(s.had(s.fn("sigma'", s.n("z")), s.n("hbar"))),
            lambda s: s.n("ybar") + " + " + s.T(s.n("W_1")) + " " + s.fn("diag", s.fn("sigma'", s.n("z"))) + " " + s.n("hbar"),
            lambda s: s.n("ybar") + " + " + s.T(s.n("W_1")) + s.p(s.had(s.had(s.n("h"), s.p(s.sub("1", s.n("h")))), s.n("hbar"))),
        ),
        mutants=(
            ("skip connection dropped", lambda s: s.T(s.n("W_1")) + " " + s.n("zbar")),
            ("W1 not transposed", lambda s: s.n("ybar") + " + " + s.n("W_1") + " " + s.n("zbar")),
            ("sigma for sigma'", lambda s: s.n("ybar") + " + " + s.T(s.n("W_1")) + s.p(s.had(s.fn("sigma", s.n("z")), s.n("hbar")))),
            ("r dropped", lambda s: delta_y(s) + " + " + s.T(s.n("W_1")) + " " + s.p(s.had(s.fn("sigma'", s.n("z")), s.T(s.n("W_2")) + " " + delta_y(s)))),
            ("W1 for W2", lambda s: s.n("ybar") + " + " + s.T(s.n("W_2")) + " " + s.n("zbar")),
        ),
    ),
)

# --- seed 004: derivatives-convnets ----------------------------------------------------------------

x = lambda s: s.n("x")  # noqa: E731
dLoa = lambda s: s.d("L", "o^a")  # noqa: E731
dLhs = lambda s: s.d("L", "h^s")  # noqa: E731
dLha = lambda s: s.d("L", "h^a")  # noqa: E731


def _c(question: str, part: str | None, right: list[Form], mutants: list[tuple[str, Form]]) -> Question:
    return Question("derivatives-convnets", question, part, tuple(right), tuple(mutants))


CONVNETS = (
    _c("q1a", None, [
        lambda s: s.ind("x", ">", "0"),
        lambda s: s.frac(s.fn("sign", "x") + " + 1", "2"),
        lambda s: s.ind("x", "\\geq" if s.name in {"latex", "bold"} else ">=", "0"),
    ], [
        ("indicator flipped", lambda s: s.ind("x", "<", "0")),
        ("x", lambda s: "x"),
        ("ReLU itself", lambda s: s.fn("relu", "x")),
    ]),
    _c("q1b", None, [
        lambda s: s.fn("sigma", "x") + s.p(s.sub("1", s.fn("sigma", "x"))),
        lambda s: s.sub(s.fn("sigma", "x"), s.fn("sigma", "x") + "^2"),
        lambda s: s.sub(s.fn("sigma", "x"), ("\\sigma" if s.name in {"latex", "nobrace", "mixed"} else "sigma") + "^2(x)"),
        lambda s: s.prod(s.fn("sigma", "x"), s.fn("sigma", "-x")),
    ], [
        ("plus for minus", lambda s: s.fn("sigma", "x") + s.p("1 + " + s.fn("sigma", "x"))),
        ("square dropped", lambda s: s.sub("1", s.fn("sigma", "x"))),
        ("x for sigma", lambda s: s.fn("sigma", "x") + s.p(s.sub("1", "x"))),
    ]),
    _c("q1f", None, [
        lambda s: s.sub(s.ind("x", ">", "0"), s.ind("x", "<", "0")),
        lambda s: "-" + s.ind("x", "<", "0") + " + " + s.ind("x", ">", "0"),
    ], [
        ("swapped", lambda s: s.sub(s.ind("x", "<", "0"), s.ind("x", ">", "0"))),
        ("one indicator", lambda s: s.ind("x", ">", "0")),
    ]),
    _c("q1g", None, [lambda s: "2" + x(s), lambda s: x(s) + " + " + x(s), lambda s: s.prod(x(s), "2")], [
        ("factor 2 dropped", x),
        ("transposed", lambda s: "2" + s.T(x(s))),
        ("negated", lambda s: "-2" + x(s)),
    ]),
    _c("q1h", None, [
        lambda s: s.fn("sign", x(s)),
        lambda s: ("\\text{sgn}" if s.name in {"latex", "bold"} else "sgn") + s.p(x(s)),
        lambda s: s.frac(x(s), "|" + x(s) + "|"),
        lambda s: s.sub(s.ind(x(s), ">", "0"), s.ind(x(s), "<", "0")),
    ], [
        ("abs", lambda s: "|" + x(s) + "|"),
        ("negated", lambda s: "-" + s.fn("sign", x(s))),
        ("x", x),
    ]),
    _c("q1l", None, [
        lambda s: s.sub(s.fn("diag", s.fn("S", x(s))), s.fn("S", x(s)) + " " + s.T(s.fn("S", x(s)))),
        lambda s: s.sub(s.fn("diag", s.fn("S", x(s))), s.fn("S", x(s)) + " ⊗ " + s.fn("S", x(s))),
        lambda s: s.sub(s.fn("diag", s.fn("softmax", x(s))), s.fn("softmax", x(s)) + " " + s.T(s.fn("softmax", x(s)))),
    ], [
        ("inner product", lambda s: s.sub(s.fn("diag", s.fn("S", x(s))), s.T(s.fn("S", x(s))) + " " + s.fn("S", x(s)))),
        ("plus", lambda s: s.fn("diag", s.fn("S", x(s))) + " + " + s.fn("S", x(s)) + " " + s.T(s.fn("S", x(s)))),
        ("diag dropped", lambda s: s.sub("I", s.fn("S", x(s)) + " " + s.T(s.fn("S", x(s))))),
    ]),
    _c("q2a", "h_a", [lambda s: s.n("W_1") + " " + x(s) + " + " + s.n("b_1"), lambda s: s.n("b_1") + " + " + s.n("W_1") + x(s)], [
        ("transposed", lambda s: s.T(s.n("W_1")) + " " + x(s) + " + " + s.n("b_1")),
        ("wrong index", lambda s: s.n("W_1") + " " + x(s) + " + " + s.n("b_2")),
    ]),
    _c("q2a", "h_s", [lambda s: s.fn("sin", s.n("h^a")), lambda s: s.fn("phi", s.n("h^a"))], [
        ("cos", lambda s: s.fn("cos", s.n("h^a"))),
        ("h^a alone", lambda s: s.n("h^a")),
    ]),
    _c("q2b", None, [lambda s: s.n("W_2") + " " + s.n("h^s") + " + " + s.n("b_2"), lambda s: s.eq(s.n("o^a"), s.n("W_2") + s.n("h^s") + " + " + s.n("b_2"))], [
        ("h^a for h^s", lambda s: s.n("W_2") + " " + s.n("h^a") + " + " + s.n("b_2")),
        ("b dropped", lambda s: s.n("W_2") + " " + s.n("h^s")),
    ]),
    _c("q2d", None, [
        lambda s: s.sub(s.fn("log", s.fn("sum", s.fn("exp", s.n("o^a")))), s.T(s.onehot("y")) + " " + s.n("o^a")),
        lambda s: s.sub(s.fn("log", s.T(s.ones()) + " " + s.fn("exp", s.n("o^a"))), s.T(s.n("o^a")) + " " + s.onehot("y")),
        lambda s: "-" + s.fn("log", s.T(s.onehot("y")) + " " + s.fn("softmax", s.n("o^a"))),
    ], [
        ("sign flipped", lambda s: s.sub(s.T(s.onehot("y")) + " " + s.n("o^a"), s.fn("log", s.fn("sum", s.fn("exp", s.n("o^a")))))),
        ("log dropped", lambda s: s.sub(s.fn("sum", s.fn("exp", s.n("o^a"))), s.T(s.onehot("y")) + " " + s.n("o^a"))),
        ("normaliser dropped", lambda s: "-" + s.T(s.onehot("y")) + " " + s.n("o^a")),
    ]),
    _c("q2e-count", None, [
        lambda s: s.n("d_h") + s.p(s.n("d") + " + 1") + " + " + s.n("m") + s.p(s.n("d_h") + " + 1"),
        lambda s: s.prod(s.n("d"), s.n("d_h")) + " + " + s.n("d_h") + " + " + s.prod(s.n("m"), s.n("d_h")) + " + " + s.n("m"),
        lambda s: s.p(s.n("d") + " + 1") + s.n("d_h") + " + " + s.p(s.n("d_h") + " + 1") + s.n("m"),
    ], [
        ("biases dropped", lambda s: s.prod(s.n("d_h"), s.n("d")) + " + " + s.prod(s.n("m"), s.n("d_h"))),
        ("output biases dropped", lambda s: s.n("d_h") + s.p(s.n("d") + " + 1") + " + " + s.prod(s.n("m"), s.n("d_h"))),
    ]),
    _c("q2g", None, [
        lambda s: s.sub(s.n("o^s"), s.onehot("y")),
        lambda s: s.sub(s.fn("softmax", s.n("o^a")), s.onehot("y")),
        lambda s: s.eq(dLoa(s), s.sub(s.n("o^s"), s.onehot("y"))),
    ], [
        ("sign flipped", lambda s: s.sub(s.onehot("y"), s.n("o^s"))),
        ("onehot dropped", lambda s: s.n("o^s")),
        ("o^a for o^s", lambda s: s.sub(s.n("o^a"), s.onehot("y"))),
    ]),
    _c("q2i", "W2", [lambda s: dLoa(s) + " " + s.T(s.p(s.n("h^s"))), lambda s: dLoa(s) + " ⊗ " + s.n("h^s"), lambda s: s.p(s.sub(s.n("o^s"), s.onehot("y"))) + s.T(s.p(s.n("h^s")))], [
        ("transposed", lambda s: s.n("h^s") + " " + s.T(s.p(dLoa(s)))),
        ("h^a for h^s", lambda s: dLoa(s) + " " + s.T(s.p(s.n("h^a")))),
    ]),
    _c("q2i", "b2", [dLoa, lambda s: s.sub(s.n("o^s"), s.onehot("y"))], [("negated", lambda s: "-" + dLoa(s))]),
    _c("q2k", None, [
        lambda s: s.T(s.n("W_2")) + " " + dLoa(s),
        lambda s: s.T(s.p(s.T(s.p(dLoa(s))) + " " + s.n("W_2"))),
        lambda s: s.T(s.p(s.n("W_2"))) + s.p(s.sub(s.n("o^s"), s.onehot("y"))),
    ], [
        ("W2 not transposed", lambda s: s.n("W_2") + " " + dLoa(s)),
        ("negated", lambda s: "-" + s.T(s.n("W_2")) + " " + dLoa(s)),
    ]),
    _c("q2m", None, [
        lambda s: s.had(dLhs(s), s.fn("cos", s.n("h^a"))),
        lambda s: s.had(s.fn("cos", s.n("h^a")), dLhs(s)),
        lambda s: s.fn("diag", s.fn("cos", s.n("h^a"))) + " " + dLhs(s),
        lambda s: s.had(dLhs(s), ("\\phi'" if s.name != "plain" else "phi'") + s.p(s.n("h^a"))),
    ], [
        ("sin for cos", lambda s: s.had(dLhs(s), s.fn("sin", s.n("h^a")))),
        ("cos dropped", dLhs),
        ("h^s for h^a", lambda s: s.had(dLhs(s), s.fn("cos", s.n("h^s")))),
    ]),
    _c("q2o", "W1", [lambda s: dLha(s) + " " + s.T(x(s)), lambda s: dLha(s) + " ⊗ " + x(s)], [
        ("transposed", lambda s: x(s) + " " + s.T(s.p(dLha(s)))),
        ("h^s for h^a", lambda s: dLhs(s) + " " + s.T(x(s))),
    ]),
    _c("q2o", "b1", [dLha, lambda s: s.had(dLhs(s), s.fn("cos", s.n("h^a")))], [("h^s for h^a", dLhs)]),
)

QUESTIONS = BACKPROP + RELU + MLP + PERCEPTRON + CONVNETS


def corpus() -> list[Item]:
    """Every right form and chain in every style, and every mutant in three styles."""
    items: list[Item] = []
    for question in QUESTIONS:
        for number, form in enumerate(question.right):
            for style in STYLES:
                answer = form(Style(style))
                items.append(Item(question.rubric, question.question, question.part, answer, True, f"form{number}-{style}"))
        for number, form in enumerate(question.chains):
            for style in STYLES:
                answer = form(Style(style))
                items.append(Item(question.rubric, question.question, question.part, answer, False, f"chain{number}-{style}", partial=0.5))
        for label, form in question.mutants:
            for style in ("plain", "latex", "unicode"):
                answer = form(Style(style))
                items.append(Item(question.rubric, question.question, question.part, answer, False, f"{label}-{style}"))
    return _unique(items)


def _unique(items: list[Item]) -> list[Item]:
    seen: set[tuple[str, str, str | None, str]] = set()
    kept = []
    for item in items:
        key = (item.rubric, item.question, item.part, item.answer)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept
