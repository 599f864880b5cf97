"""What a rubric's questions share, written once: ``defaults:`` per kind, and ``x-`` keys.

YAML anchors and merge keys are allowed in rubrics (see :mod:`autograder.yamlio`); a top-level
key starting with ``x-`` (as in Compose files) holds anchored values and is otherwise ignored::

    x-mlp-inputs: &mlp-inputs {x: {shape: [batch, n_in]}, W1: {shape: [hidden, n_in]}}

``defaults:`` gives fields every question of a kind shares::

    defaults:
      module: {source: {file: mlp.py}, inputs_unchanged: 1}

Each question of kind ``module`` then has those fields unless it sets them itself; a question's
own field replaces the default's whole value (no deep merge, so what a question gets is what
one of the two places says). The defaults are applied to the YAML data before validation, and
their line numbers go with them, so a mistake in a default is reported at its own line, once
per question that takes it.
"""

from __future__ import annotations

from typing import Any, Iterable

from autograder.yamlio import DataPath, LoadedYaml

SECTION = "defaults"
EXTENSION_PREFIX = "x-"


def defaults_problems(data: dict[str, Any], kinds: Iterable[str]) -> list[tuple[DataPath, str]]:
    """What is wrong with the section itself (its shape, an unknown kind, ``id``/``kind``)."""
    section = data.get(SECTION)
    if section is None:
        return []
    if not isinstance(section, dict):
        return [((SECTION,), "defaults must map a kind to the fields its questions share")]
    known = list(kinds)
    problems: list[tuple[DataPath, str]] = []
    for kind, fields in section.items():
        where = (SECTION, kind)
        if kind not in known:
            problems.append((where, f"defaults: unknown kind {kind!r}; known kinds: {', '.join(known)}"))
        elif not isinstance(fields, dict):
            problems.append((where, f"defaults.{kind} must be a mapping of question fields"))
        else:
            for name in ("id", "kind", "title"):
                if name in fields:
                    problems.append((where + (name,), f"defaults.{kind}: {name} cannot be a default"))
    return problems


def _is_shared(key: Any) -> bool:
    return key == SECTION or (isinstance(key, str) and key.startswith(EXTENSION_PREFIX))


def expand_shared(loaded: LoadedYaml) -> LoadedYaml:
    """The document with each question's kind defaults filled in, and without the ``defaults``
    section and ``x-`` keys. Call after :func:`defaults_problems` found nothing."""
    data = loaded.data
    if not isinstance(data, dict) or not any(_is_shared(key) for key in data):
        return loaded
    rest = {k: v for k, v in data.items() if not _is_shared(k)}
    section = data.get(SECTION)
    if not section:
        return LoadedYaml(rest, loaded.path, loaded.lines)
    lines = dict(loaded.lines)
    questions = []
    for index, question in enumerate(data.get("questions") or []):
        shared = section.get(question.get("kind")) if isinstance(question, dict) else None
        if not shared:
            questions.append(question)
            continue
        filled = dict(question)
        for name, value in shared.items():
            if name in question:
                continue
            filled[name] = value
            _copy_lines(lines, (SECTION, question["kind"], name), ("questions", index, name))
        questions.append(filled)
    return LoadedYaml({**rest, "questions": questions}, loaded.path, lines)


def _copy_lines(lines: dict[DataPath, int], source: DataPath, target: DataPath) -> None:
    """Point ``target`` and everything below it at the lines of ``source``'s."""
    for path, line in list(lines.items()):
        if path[: len(source)] == source:
            lines.setdefault(target + path[len(source):], line)
