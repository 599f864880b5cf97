"""Answers typed as text in answers.yaml: the YAML quoting trap, and words for numbers.

In double quotes YAML reads backslash escapes, silently: ``"\\frac{a}{b}"`` becomes a form feed
and ``rac{a}{b}``, ``"\\tanh(x)"`` a tab and ``anh(x)``, ``"\\beta"`` a backspace, ``"\\nabla"`` a
new line. The student sees their LaTeX in the file and a baffling "unknown name 'anh'" in the
feedback. Every kind that reads text asks :func:`control_problem` first and names the fix.
"""

from __future__ import annotations

import re
import unicodedata

# The control character YAML's double quotes make of each backslash escape, and its letter.
_ESCAPES = {"\t": "t", "\f": "f", "\b": "b", "\a": "a", "\v": "v", "\r": "r", "\x1b": "e",
            "\n": "n"}
_NAMES = {"\t": "a tab", "\f": "a form feed", "\b": "a backspace", "\a": "a bell character",
          "\v": "a vertical tab", "\r": "a carriage return", "\x1b": "an escape character",
          "\n": "a line break"}
# A line break is fine in a `|` block; only \n followed by what completes a LaTeX command is a trap.
_NEWLINE_TRAP = re.compile(r"\n(abla|eq|e|ot|u|leq|geq|orm|ewline|onumber)(?![A-Za-z])")
_WORD_AFTER = re.compile(r"[A-Za-z]*")
FIX = "put the answer in single quotes ('…') or a | block, where a backslash stays a backslash"


def control_problem(text: str) -> str:
    """What went wrong when ``text`` holds a control character, naming the fix; else ''."""
    for index, char in enumerate(text):
        if char == "\n" and not _NEWLINE_TRAP.match(text, index):
            continue
        if char in _ESCAPES or unicodedata.category(char) in {"Cc", "Zl", "Zp"}:
            return _message(text, index)
    return ""


def _message(text: str, index: int) -> str:
    char = text[index]
    name = _NAMES.get(char, f"the control character U+{ord(char):04X}")
    letter = _ESCAPES.get(char)
    if letter is None:
        return f"your answer contains {name}; type it again as plain text ({FIX})"
    word = _WORD_AFTER.match(text, index + 1).group()  # type: ignore[union-attr]
    meant = "\\" + letter + word
    return (
        f"your answer contains {name} where you probably wrote {meant}: in double quotes YAML "
        f"reads \\{letter} as an escape, so \"{meant}\" loses its backslash; {FIX}"
    )


_NUMBER_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                 "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "half": "1/2",
                 "one half": "1/2", "a half": "1/2", "none": "0", "nothing": "0"}
# "0, since there is no path from z to y": the answer, then a justification in words.
_CONNECTIVE = re.compile(
    r"\s*(?:[,;:(]|--?|—)?\s*(because|since|as|there|by|for|due|given|it|this|that|which|so|hence|"
    r"thus|no|i\.e\.|from|the)\b",
    re.IGNORECASE,
)
def answer_words(text: str) -> tuple[str, str]:
    """(the answer, the justification dropped): "zero" is 0; "0, since …" is 0.

    Only a justification in words goes: what follows must start with a word such as because,
    since, as, there is; math after a comma (max(0, x)) is inside parentheses and stays.
    """
    stripped = text.strip()
    justification = ""
    cut = _justification_start(stripped)
    if cut is not None:
        stripped, justification = stripped[:cut].rstrip(), stripped[cut:].strip(" ,;:-—()")
    word = stripped.lower().rstrip(".! ")
    return _NUMBER_WORDS.get(word, stripped), justification


def _justification_start(text: str) -> int | None:
    """Where words of justification start, outside any bracket, after some answer; else None."""
    depth = 0
    for index, char in enumerate(text):
        depth += char in "([{"
        depth -= char in ")]}"
        if depth or index == 0 or char not in ",;:-— ":
            continue
        match = _CONNECTIVE.match(text, index)
        if match and _has_prose(text[index:]):
            return index
    return None


def _has_prose(text: str) -> bool:
    """At least three words of letters: a sentence, not a name such as z or y."""
    return len(re.findall(r"\b[A-Za-z]{2,}\b", text)) >= 3


_VERDICT_WORD = re.compile(r"(right|correct|partly|partially|almost|close|not|wrong|incorrect)\b", re.IGNORECASE)


def mistake_message(credit: float, feedback: str, shown: str = "") -> str:
    """A known mistake's message (its partial credit shows in the score): "not right." before the
    rubric's feedback, unless the feedback gives its own verdict ("Right, but …"), which then
    stands alone instead of contradicting it ("not right. Right, but …")."""
    feedback = feedback.strip()
    if _VERDICT_WORD.match(feedback):
        return f"{shown}: {feedback}" if shown else feedback
    return f"{shown} is not right. {feedback}" if shown else f"not right. {feedback}"


def sentence(text: str) -> str:
    """``text`` ending with exactly one full stop (or its own ? or !)."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."
