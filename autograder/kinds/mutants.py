"""What the kinds whose answers have named parts share for mutation testing.

A kind's ``mutants`` (see :class:`~autograder.kinds.base.Kind`) makes wrong variants of the
reference's answer. For a question with ``parts`` (choice, expression), each part is mutated on
its own, the others kept, and a variant the rubric lists as right (``accept``) is no mistake.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from autograder.kinds.base import Mutant

# One part's wrong variants: (label, wrong value) from the part's value and its rubric fields.
PartMutator = Callable[[Any, Any], Iterator[tuple[str, Any]]]


def _parts(question: Any) -> list[tuple[str | None, Any]]:
    """(name, fields) of each part; a question without parts is its own single, unnamed part."""
    parts = getattr(question, "parts", None)
    return [(p.name, p) for p in parts] if parts else [(None, question)]


def per_part(answer: Any, question: Any, mutate: PartMutator) -> list[Mutant]:
    """Every part's wrong variants, labelled ``part: label`` in a multi-part answer."""
    return list(_per_part(answer, question, mutate))


def _per_part(answer: Any, question: Any, mutate: PartMutator) -> Iterator[Mutant]:
    for name, part in _parts(question):
        value = answer.get(name) if name is not None and isinstance(answer, dict) else answer
        right = {str(a).replace(" ", "") for a in getattr(part, "accept", None) or []}
        for label, wrong in mutate(value, part):
            if str(wrong).replace(" ", "") in right:
                continue  # the rubric lists it as right
            if name is None:
                yield Mutant(label, wrong)
            else:
                changed = dict(answer)
                changed[name] = wrong
                yield Mutant(f"{name}: {label}", changed)
