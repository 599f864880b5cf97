"""Auto-grader for deep-learning homework: YAML rubrics, sandboxed student code, Gradescope results."""

__version__ = "0.1.0"
