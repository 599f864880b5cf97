"""Notation clean-up shared by the parser and the rubric's declarations.

Students type math many ways: LaTeX (``\\frac{\\partial L}{\\partial h_3}``, ``\\mathbf{W}^{(1)}``),
Unicode (``∂L/∂h₃``, ``σ``, ``Wᵀ``) or plain text (``dL/dh3``). :func:`normalize` rewrites all of them
into one plain form that the tokenizer reads, and :func:`name_key` gives every spelling of a name
(``w_1``, ``w1``, ``w_{1}``, ``W^{(1)}``; ``f'_3``, ``f_3'``, ``f3'``) one key. Only regular
expressions with bounded work are used here: nothing is evaluated.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 2000

_UNICODE = {
    "∂": r" \partial ",
    "σ": r"\sigma ",
    "θ": r"\theta ",
    "Θ": r"\Theta ",
    "η": r"\eta ",
    "φ": r"\phi ",
    "ϕ": r"\phi ",
    "δ": r"\delta ",
    "λ": r"\lambda ",
    "μ": r"\mu ",
    "α": r"\alpha ",
    "β": r"\beta ",
    "γ": r"\gamma ",
    "ε": r"\epsilon ",
    "ℓ": "l",  # ℓ and \ell are the letter l: the templates write ∂ℓ/∂ŷ for dl/dyhat
    "∑": r"\sum ",
    "Σ": r"\Sigma ",
    "∇": r"\nabla ",
    "‖": r"\| ",
    "∥": r"\| ",
    "⊘": "/",
    "½": "(1/2)",
    "⅓": "(1/3)",
    "¼": "(1/4)",
    "¾": "(3/4)",
    "⅔": "(2/3)",
    "·": "*",
    "⋅": "*",
    "×": "*",
    "∗": "*",
    "⊙": r" \odot ",
    "∘": r" \odot ",
    "⊗": r" \otimes ",
    "⊤": r"\top ",
    "−": "-",
    "–": "-",
    "′": "'",
    "’": "'",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "𝟙": r"\mathbb{1}",
    "√": r"\sqrt ",
    "\u00a0": " ",
    "@": "*",  # numpy's matrix product
}
_COMBINING = {"\u0302": "hat", "\u0304": "bar", "\u0305": "bar", "\u0303": "tilde"}
_PRECOMPOSED_ACCENT = re.compile(r"([A-Za-z])([\u0302\u0304\u0305\u0303])")

# Wrappers that change only typography: \mathbf{W} is W.
_FONT = re.compile(
    r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit|mathsf|textbf|text|textrm|operatorname|mathcal|"
    r"underline|vec|mathbb|mathnormal|pmb)\s*\{([^{}]*)\}"
)
_FONT_BARE = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathrm|mathit|mathcal|underline|vec|mathbb)\s+")
_ACCENT = re.compile(r"\\(hat|bar|tilde|overline|widehat|widetilde)\s*\{\s*([A-Za-z])\s*\}")
_ACCENT_BARE = re.compile(r"\\(hat|bar|tilde|overline)\s+([A-Za-z])")
_SPACING = re.compile(
    r"\\(?:left|right|middle|[bB]igg?[lr]?|displaystyle|textstyle|quad|qquad|limits|nolimits|"
    r"mathopen|mathclose|enspace|thinspace|medspace|thickspace)(?![A-Za-z])"
    r"|\\[,;:! ]|\$|&|\\\\|~"
)
# Superscript and subscript characters; a run becomes one group: h₁₂ is h_{12}, W⁽¹⁾ᵀ is W^{(1)T}.
_SUPERSCRIPTS = dict(
    zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ᵀᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ", "0123456789+-()Tabcdefghijklmnoprstuvwxyz")
)
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-()aeoxhklmnpstijruv"))
_SCRIPT_RUN = re.compile(f"([{''.join(_SUPERSCRIPTS)}]+)|([{''.join(_SUBSCRIPTS)}]+)")
# 𝐖, 𝑥, 𝒙 (mathematical alphanumerics, as pasted from Word or Notion) are plain letters.
_MATH_ALPHANUMERIC = re.compile("[\U0001D400-\U0001D7FF\u210E]")
# The all-ones vector: \mathbf{1}, \mathbb{1}, \bm 1, 𝟙 (with a condition after it: an indicator).
_ONES = re.compile(
    r"\\(?:mathbf|mathbb|mathbbm|mathds|boldsymbol|bm|pmb|vec|mathrm)\s*(?:\{\s*1\s*\}|\s1(?![0-9]))"
)
# \mathbb{I}(x > 0), \mathbb{I}_{x>0}, \mathbb{I}[x>0]: the indicator; \mathbb{I} alone is I.
_BB_INDICATOR = re.compile(
    r"\\(?:mathbb|mathbbm|mathds)\s*\{\s*I\s*\}(?=[\[(]|\s*_\s*\{[^{}]*[<>=]|\s*_\s*\\\{)"
)
_FRACTION_COMMAND = re.compile(r"\\[dtc]frac(?![A-Za-z])")
# A prime written as a superscript: f_3^{\prime}, f^{'}_3, \sigma^\prime.
_PRIME_SUPERSCRIPT = re.compile(r"\^\s*\{\s*((?:\\prime\s*|')+)\}|\^\s*((?:\\prime(?![A-Za-z])\s*)+|'+)")
_PRIME = re.compile(r"\\prime(?![A-Za-z])")
_ELL = re.compile(r"\\ell(?![A-Za-z])")
_VARIANT_GREEK = re.compile(r"\\var(phi|epsilon|theta|sigma|rho|pi)(?![A-Za-z])")  # \varphi is φ
_NORM = re.compile(r"\\(?:[lr]?Vert(?![A-Za-z])|\|)")
_DEFINED_AS = re.compile(r":=|\\coloneqq(?![A-Za-z])|\\triangleq(?![A-Za-z])|\\eqqcolon(?![A-Za-z])")
# {h}^{s} is h^{s} (a braced base, as in {\\bf h}^s); \\sqrt{x}^2 and \\frac{1}{h}^2 keep their braces.
_BRACED_LETTER = re.compile(r"(\\[A-Za-z]+|(?<=[\^_]))?\{\s*([A-Za-z])\s*\}(?=\s*[\^_])")
# Layout only: display delimiters and alignment environments (aligned, equation, split).
_LAYOUT = re.compile(
    r"\\[\[\]()]|\\(?:begin|end)\s*\{\s*(?:aligned|align\*?|equation\*?|split|gathered|gather\*?|displaymath)\s*\}"
)
_TRAILING_STOP = re.compile(r"(?<![.\\])[.;,]\s*$")
_COMMAND_GAP = re.compile(r"(\\[A-Za-z]+) +(?=['_])")
_LAYER_TRANSPOSE = re.compile(r"\^\{\s*\(\s*([A-Za-z0-9]+)\s*\)\s*(?:T|\\top)\s*\}")
_ACCENT_NAMES = {"overline": "bar", "widehat": "hat", "widetilde": "tilde"}


class NotationError(ValueError):
    """Text that cannot be read as math; the message is written for the student."""


def normalize(text: str) -> str:
    """One plain spelling of the answer, ready for the tokenizer."""
    if len(text) > MAX_LENGTH:
        raise NotationError(f"the answer is too long ({len(text)} characters; at most {MAX_LENGTH})")
    text = unicodedata.normalize("NFD", text)
    text = _PRECOMPOSED_ACCENT.sub(lambda m: f"{m.group(1)}{_COMBINING[m.group(2)]}", text)
    text = unicodedata.normalize("NFC", text)
    for old, new in _UNICODE.items():
        text = text.replace(old, new)
    text = _MATH_ALPHANUMERIC.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    text = _SCRIPT_RUN.sub(_script_group, text)
    text = _latex_spellings(text)
    text = _SPACING.sub(" ", text)
    text = text.replace(r"\{", "(").replace(r"\}", ")").replace(r"\lbrace", "(").replace(r"\rbrace", ")")
    # Innermost wrappers first; each pass removes at least one, so this ends.
    for _ in range(MAX_LENGTH):
        stripped = _FONT.sub(r"\1", text)
        stripped = _ACCENT.sub(lambda m: m.group(2) + _ACCENT_NAMES.get(m.group(1), m.group(1)), stripped)
        if stripped == text:
            break
        text = stripped
    text = _FONT_BARE.sub("", text)
    text = _ACCENT_BARE.sub(lambda m: m.group(2) + _ACCENT_NAMES.get(m.group(1), m.group(1)), text)
    text = text.replace("**", "^")
    text = _COMMAND_GAP.sub(r"\1", text)  # σ'(z) became "\sigma '(z)"
    text = _LAYER_TRANSPOSE.sub(r"^{(\1)}^T", text)  # W^{(2)T} is (W^{(2)})^T
    return _TRAILING_STOP.sub("", text.strip()).strip()


def _script_group(match: re.Match[str]) -> str:
    if match.group(1):
        run = "".join(_SUPERSCRIPTS[c] for c in match.group(1))
        if len(run) > 1 and run.endswith("T"):  # oᵃᵀ, W⁽¹⁾ᵀ: a superscript, then the transpose
            return "^{" + run[:-1] + "}^T"
        return "^{" + run + "}"
    return "_{" + "".join(_SUBSCRIPTS[c] for c in match.group(2)) + "}"


def _latex_spellings(text: str) -> str:
    """LaTeX spellings of one thing made one: \\dfrac is \\frac, \\frac12 is \\frac{1}{2}, ^{\\prime} is '."""
    text = _LAYOUT.sub(" ", text)
    text = _ELL.sub("l", text)
    text = _VARIANT_GREEK.sub(r"\\\1", text)
    text = _FRACTION_COMMAND.sub(r"\\frac", text)
    text = _brace_fractions(text)
    text = _PRIME_SUPERSCRIPT.sub(lambda m: "'" * (m.group(0).count("'") + m.group(0).count("prime")), text)
    text = _PRIME.sub("'", text)
    text = _BB_INDICATOR.sub(_ones, text)
    text = _ONES.sub(_ones, text)
    text = _NORM.sub(r"\\| ", text)
    text = _DEFINED_AS.sub("=", text)
    text = _BRACED_LETTER.sub(_unbrace_letter, text)
    return text


def _ones(match: re.Match[str]) -> str:
    """The internal command for 𝟙, kept against a following ( or [ (𝟙(x>0) is an indicator)."""
    following = match.string[match.end() : match.end() + 1]
    return "\\ones " if following.isalnum() else "\\ones"


_FRACTION_BEFORE = re.compile(r"\\frac\s*\{[^{}]*\}\s*$")


def _unbrace_letter(match: re.Match[str]) -> str:
    """{h}^{s} → h^{s}, unless the braces are an argument (\\sqrt{x}^2, x^{a}, \\frac{1}{h}^2)."""
    before = match.string[max(0, match.start() - 200) : match.start()]
    if match.group(1) is not None or _FRACTION_BEFORE.search(before):
        return match.group(0)
    return match.group(2)


_FRAC_ARGUMENT = re.compile(r"\s*(\\[A-Za-z]+|[^\s{}\\])")


def _brace_fractions(text: str) -> str:
    """``\\frac12`` and ``\\frac a2`` are ``\\frac{1}{2}`` and ``\\frac{a}{2}``: one-character arguments braced.

    One pass over the text with a precomputed brace matching, so the work is linear.
    """
    if r"\frac" not in text:
        return text
    closing: dict[int, int] = {}
    stack: list[int] = []
    for index, char in enumerate(text):
        if char == "{":
            stack.append(index)
        elif char == "}" and stack:
            closing[stack.pop()] = index
    wraps: list[tuple[int, int]] = []
    for found in re.finditer(r"\\frac(?![A-Za-z])", text):
        position = found.end()
        for _ in range(2):
            gap = re.compile(r"\s*").match(text, position)
            start = gap.end() if gap else position
            if start < len(text) and text[start] == "{":
                if start not in closing:
                    break
                position = closing[start] + 1
                continue
            argument = _FRAC_ARGUMENT.match(text, position)
            if argument is None:
                break
            wraps.append((argument.start(1), argument.end(1)))
            position = argument.end(1)
    pieces, last = [], 0
    for start, end in wraps:
        pieces.append(text[last:start] + "{" + text[start:end] + "}")
        last = end
    return "".join(pieces) + text[last:]


_KEY_DROP = re.compile(r"[\\{}_()\s^'*]")


def name_key(raw: str) -> str:
    """The key shared by every spelling of a name: decorations dropped, primes last.

    ``w_{ji}^{(1)*}`` → ``wji1*``; ``f'_3`` → ``f3'``; ``W^{(1)}`` → ``W1``. Case matters (W ≠ w).
    """
    primes = raw.count("'")
    star = "*" if "*" in raw else ""
    return _KEY_DROP.sub("", raw) + star + "'" * primes
