"""Student-facing text, rendered from the jinja2 templates beside this module.

All of it is plain text (Gradescope's ``text`` format): a student's answer or printed output
shown back in it can never turn into markup that imitates the grader's own messages.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2


def quoted(text: str) -> str:
    """Set text apart, line by line, so nothing a student prints passes for grader output."""
    return "\n".join("  | " + line for line in text.rstrip("\n").splitlines())


def points(value: float) -> str:
    """12.0 → '12', 0.5 → '0.5'."""
    return f"{value:g}"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("autograder.report", "templates"),
        autoescape=False,
        trim_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["quoted"] = quoted
    env.filters["points"] = points
    return env


def render(template: str, **context: Any) -> str:
    """Render one template with the given variables."""
    return _environment().get_template(template).render(**context).strip() + "\n"
