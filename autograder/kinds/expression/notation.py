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
    "ℓ": r"\ell ",
    "∑": r"\sum ",
    "Σ": r"\Sigma ",
    "·": "*",
    "⋅": "*",
    "×": "*",
    "∗": "*",
    "⊙": r" \odot ",
    "∘": r" \odot ",
    "⊗": r" \otimes ",
    "ᵀ": "^T",
    "⊤": r"\top ",
    "−": "-",
    "–": "-",
    "′": "'",
    "’": "'",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "𝟙": "1",
    "√": r"\sqrt ",
    "₀": "_0",
    "₁": "_1",
    "₂": "_2",
    "₃": "_3",
    "₄": "_4",
    "₅": "_5",
    "₆": "_6",
    "₇": "_7",
    "₈": "_8",
    "₉": "_9",
    "²": "^2",
    "³": "^3",
    "⁻¹": "^{-1}",
    "\u00a0": " ",
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
    r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big|displaystyle|quad|qquad|limits)(?![A-Za-z])"
    r"|\\[,;:! ]|\$|&|\\\\"
)
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
    return text.strip()


_KEY_DROP = re.compile(r"[\\{}_()\s^'*]")


def name_key(raw: str) -> str:
    """The key shared by every spelling of a name: decorations dropped, primes last.

    ``w_{ji}^{(1)*}`` → ``wji1*``; ``f'_3`` → ``f3'``; ``W^{(1)}`` → ``W1``. Case matters (W ≠ w).
    """
    primes = raw.count("'")
    star = "*" if "*" in raw else ""
    return _KEY_DROP.sub("", raw) + star + "'" * primes
