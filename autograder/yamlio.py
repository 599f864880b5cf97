"""Safe YAML loading for rubrics and student answers.

Both kinds of file are data only: the safe loader never builds Python objects, duplicate keys
are refused (YAML would silently keep the last one), and the size is bounded before parsing.
Anchors and aliases (``&name``, ``*name``, merge keys ``<<: *name``) are what "billion laughs"
bombs are made of: students' files refuse them; rubrics, written by the instructor, may use them
to share what questions have in common, within a bound on the entries they expand to.
Every loaded document keeps a map from data paths to line numbers, so later validation can
point at ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DataPath = tuple[Any, ...]

# Entries (keys and list items) a rubric may expand to through its aliases; the largest bundled
# rubric has a few thousand.
MAX_EXPANDED_ENTRIES = 200_000


class YamlError(Exception):
    """A YAML file that cannot be read as data; the message names the file and line."""


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (``*name``), including merge keys built from them."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


class _StudentLoader(_StrictSafeLoader):
    """The strict loader for students' files, with bounded work per scalar.

    PyYAML matches every plain scalar against its resolvers' regular expressions and builds
    integers of any size (``0x`` followed by a megabyte of digits, or a sexagesimal
    ``1:1:1:...`` whose value grows by a factor 60 per part: quadratic time). A plain scalar
    longer than :data:`MAX_NUMBER_CHARS` is text, decided before any regex or ``int`` sees it.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:  # noqa: D102 - PyYAML hook
        if kind is yaml.ScalarNode and implicit[0] and len(value) > MAX_NUMBER_CHARS:
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


# A plain scalar longer than this is never read as a number from a student's file.
MAX_NUMBER_CHARS = 100


@dataclass(frozen=True)
class LoadedYaml:
    """A parsed YAML document with the line of every key and list item."""

    data: Any
    path: Path
    lines: dict[DataPath, int] = field(default_factory=dict)

    def line_of(self, data_path: DataPath) -> int:
        """The line of the deepest known prefix of ``data_path`` (1 when nothing matches)."""
        for end in range(len(data_path), -1, -1):
            line = self.lines.get(tuple(data_path[:end]))
            if line is not None:
                return line
        return 1


@dataclass
class _Budget:
    """Entries left before a document counts as an alias bomb."""

    left: int

    def spend(self, label: str) -> None:
        self.left -= 1
        if self.left < 0:
            raise YamlError(
                f"{label}: the aliases (*name) expand to more than {MAX_EXPANDED_ENTRIES} entries"
            )


def _index_lines(node: yaml.Node, here: DataPath, lines: dict[DataPath, int], label: str,
                 budget: _Budget) -> None:
    budget.spend(label)
    lines.setdefault(here, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise YamlError(
                    f"{label}:{line}: duplicate key '{key}' (first at line {seen[key]})"
                )
            seen[key] = line
            lines[here + (key,)] = line
            _index_lines(value_node, here + (key,), lines, label, budget)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[here + (i,)] = item.start_mark.line + 1
            _index_lines(item, here + (i,), lines, label, budget)


def _mark_line(error: yaml.YAMLError) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return None if mark is None else mark.line + 1


def parse_yaml(text: str, path: Path, label: str | None = None, aliases: bool = False,
               student: bool = False) -> LoadedYaml:
    """Parse one YAML document held in ``text``; ``label`` names it in error messages.

    ``aliases`` allows anchors, aliases and merge keys (for rubrics, which the instructor
    writes); the data they expand to is bounded all the same. ``student`` also bounds the work
    per scalar (:class:`_StudentLoader`).
    """
    label = label or str(path)
    if student:
        loader: yaml.SafeLoader = _StudentLoader(text)
    else:
        loader = yaml.SafeLoader(text) if aliases else _StrictSafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[DataPath, int] = {}
        if node is None:
            return LoadedYaml(data=None, path=path, lines=lines)
        _index_lines(node, (), lines, label, _Budget(MAX_EXPANDED_ENTRIES))
        data = loader.construct_document(node)
    except YamlError:
        raise
    except yaml.YAMLError as error:
        line = _mark_line(error)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        where = f"{label}:{line}" if line else label
        if "escape character" in problem:  # "\partial" in double quotes
            problem += (": in double quotes a backslash starts an escape; put LaTeX in single "
                        "quotes ('\\partial L') or a | block")
        raise YamlError(f"{where}: not valid YAML: {problem}") from None
    except (RecursionError, MemoryError, ValueError, TypeError, OverflowError) as error:
        raise YamlError(f"{label}: not valid YAML: {type(error).__name__}") from None
    finally:
        loader.dispose()
    return LoadedYaml(data=data, path=path, lines=lines)


def load_yaml(path: Path, max_bytes: int, label: str | None = None, aliases: bool = False,
              student: bool = False) -> LoadedYaml:
    """Read and parse ``path`` as UTF-8 YAML of at most ``max_bytes`` bytes (see
    :func:`parse_yaml` for ``aliases``)."""
    label = label or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise YamlError(f"{label}: file is {size} bytes; the limit is {max_bytes}")
        raw = path.read_bytes()[: max_bytes + 1]
    except OSError as error:
        raise YamlError(f"{label}: cannot read: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlError(f"{label}:{line}: not UTF-8 text") from None
    return parse_yaml(text, path, label, aliases, student)
