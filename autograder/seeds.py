"""Every random draw about a question starts from one seed recipe.

A question's seed depends only on its id and on what the draw is for, so the same rubric draws the
same inputs, cases and mutants on every run and every machine, and two purposes of one question
(its training data and its training run, say) draw independently.
"""

from __future__ import annotations

import zlib


def question_seed(question_id: str, *, purpose: str) -> int:
    """The seed of the draws for ``purpose`` about one question: CRC-32 of ``purpose/id``
    (of the bare id when ``purpose`` is empty).

    ``purpose`` is keyword-only so that a call cannot swap the two strings unnoticed: each names
    what it draws (``"network"``, ``"training-run"``; grading uses the assignment's name).
    """
    text = f"{purpose}/{question_id}" if purpose else question_id
    return zlib.crc32(text.encode())
