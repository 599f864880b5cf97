"""``autograder build``: the zip Gradescope takes, and the bundle students check their work with.

The autograder zip holds what ``setup.sh`` and ``run_autograder`` need at the root of
``/autograder/source``: the package, the one rubric, its reference folder. The student bundle
holds the template, the package and a **public rubric**: the rubric as students may see it, for
``autograder check``. Only questions visible before the deadline are in it, and every answer the
grader compares with is removed: ``expected`` becomes a placeholder that is the same for every
question of its type (so it says nothing), ``accept``, ``mistakes`` (whose feedback can give the
answer away), ``possible``, ``variants``, the contexts' ``define`` and graph derivatives go.
The public rubric must still load, or the build stops.
"""

from __future__ import annotations

import copy
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from autograder.rubric import Course, RubricError, parse_rubric
from autograder.rubric_sharing import expand_shared
from autograder.yamlio import LoadedYaml, load_yaml

PACKAGE = Path(__file__).resolve().parent
# Files at the root of a checkout that both bundles need (setup.sh installs from pyproject.toml,
# which names README.md).
PROJECT_FILES = ("setup.sh", "run_autograder", "pyproject.toml", "README.md")
EXECUTABLE = {"setup.sh", "run_autograder"}
SECRET_KEYS = frozenset({"accept", "mistakes", "possible", "variants"})
# What stands in for a removed answer: one value per answer type, never the question's own.
PLACEHOLDER_EXPECTED = {
    "option": None, "yesno": "no", "number": 0, "integer": 0, "shape": "()", "text": "-",
}
PLACEHOLDER_MATH = "0"
RUBRIC_LIMIT = 1_000_000


class _PlainDumper(yaml.SafeDumper):
    """Writes shared values out in full: the public rubric has no anchors to follow."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


class BuildError(Exception):
    """The bundles cannot be built; the message says why."""


@dataclass(frozen=True)
class Built:
    """Where the two bundles were written, and what the autograder zip leaves to hand grading."""

    autograder_zip: Path
    student_zip: Path
    outline: str


def _package_files() -> list[tuple[str, Path]]:
    files = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in {".py", ".j2", ".json"}:
            files.append(("autograder/" + path.relative_to(PACKAGE).as_posix(), path))
    return files


def _project_files(root: Path) -> list[tuple[str, Path]]:
    missing = [name for name in PROJECT_FILES if not (root / name).is_file()]
    if missing:
        raise BuildError(f"{root} lacks {', '.join(missing)}: build from a checkout of the autograder")
    return [(name, root / name) for name in PROJECT_FILES]


def _folder_files(folder: Path, prefix: str) -> list[tuple[str, Path]]:
    files = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            raise BuildError(f"{path} is a link; bundles hold plain files only")
        if path.is_file() and "__pycache__" not in path.parts:
            files.append((f"{prefix}/{path.relative_to(folder).as_posix()}", path))
    return files


def _write_zip(target: Path, files: list[tuple[str, Path]], texts: dict[str, str]) -> None:
    """A zip with fixed timestamps (the same inputs give the same bytes) and exec bits kept."""
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = [(name, path.read_bytes()) for name, path in files]
        entries += [(name, text.encode("utf-8")) for name, text in texts.items()]
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            mode = 0o755 if name in EXECUTABLE else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    target.write_bytes(buffer.getvalue())


def _placeholder(answer: dict[str, Any]) -> Any:
    kind_type = answer.get("type")
    if kind_type == "option":
        options = answer.get("options") or []
        return next(iter(options)) if options else None
    return PLACEHOLDER_EXPECTED.get(str(kind_type), PLACEHOLDER_MATH)


def _strip_answer(answer: dict[str, Any], math: bool) -> None:
    for key in SECRET_KEYS:
        answer.pop(key, None)
    if "expected" in answer:
        answer["expected"] = PLACEHOLDER_MATH if math else _placeholder(answer)


def _strip_context(context: dict[str, Any]) -> None:
    context.pop("define", None)
    graph = context.get("graph")
    if isinstance(graph, dict):
        context["graph"] = {of: {wrt: "1" for wrt in edges} for of, edges in graph.items()
                            if isinstance(edges, dict)}


def public_rubric_data(data: dict[str, Any]) -> dict[str, Any]:
    """The rubric's data as students may see it (see the module's docstring)."""
    public = copy.deepcopy(expand_shared(LoadedYaml(data, Path())).data)
    questions = []
    for question in public.get("questions") or []:
        if not isinstance(question, dict) or question.get("visibility", "visible") != "visible":
            continue
        math = question.get("kind") == "expression"
        _strip_answer(question, math)
        for part in question.get("parts") or []:
            if isinstance(part, dict):
                _strip_answer(part, math)
        if math:
            _strip_context(question)
        questions.append(question)
    public["questions"] = questions
    for context in (public.get("contexts") or {}).values():
        if isinstance(context, dict):
            _strip_context(context)
    return public


def public_rubric_text(course: Course) -> str:
    """The public rubric as YAML; raises :class:`BuildError` when it does not load."""
    loaded = load_yaml(course.rubric_path, RUBRIC_LIMIT, str(course.rubric_path), aliases=True)
    public = public_rubric_data(loaded.data)
    header = (f"# {course.name}: the rubric as students see it, for `autograder check`. Answers,\n"
              "# known mistakes and hidden questions are not in it; it cannot grade.\n")
    text = header + yaml.dump(public, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)
    try:
        parse_rubric(LoadedYaml(yaml.safe_load(text), course.rubric_path), f"public {course.name}")
    except RubricError as error:
        raise BuildError("the public rubric does not load:\n" + "\n".join(error.problems)) from None
    return text


def outline(course: Course) -> str:
    """The assignment's outline for Gradescope: autograded points, then questions graded by hand."""
    questions = course.rubric.questions
    auto = sum(q.points for q in questions if not q.graded_by_hand() and not q.bonus)
    lines = [f"{course.rubric.assignment.title}",
             f"  Autograder (programming assignment): {auto:g} points"]
    by_hand = [q for q in questions if q.graded_by_hand()]
    if by_hand:
        lines.append("  Add as manually graded questions:")
        for q in by_hand:
            lines.append(f"    {q.number or q.id}  {q.title}  ({q.points:g}{' bonus' if q.bonus else ''})")
    return "\n".join(lines) + "\n"


def _student_readme(course: Course) -> str:
    name = course.name
    return f"""# {course.rubric.assignment.title}: student bundle

Your starting files are in `{name}/`. Fill them in as they say, then check that the autograder
can read every answer before you submit (this needs Python 3.10 or newer):

```bash
./setup.sh && .venv/bin/autograder check {name} {name}/
```

The check lists each question with `ok` or what to fix (a missing file, an answer that cannot be
read, code that does not import or crashes). It never says whether an answer is right: the
answers are not in this bundle. Submit the files of `{name}/` on Gradescope.
"""


def build(course: Course, out_dir: Path, project_root: Path) -> Built:
    """Write ``out_dir/NAME/autograder.zip`` and ``out_dir/NAME/NAME-student.zip``."""
    name = course.name
    if not course.reference_dir.is_dir() or not course.template_dir.is_dir():
        raise BuildError(f"{name} needs reference/{name}/ and student_template/{name}/")
    project = _project_files(project_root)
    package = _package_files()
    grader = project + package + [(f"rubrics/{name}.yaml", course.rubric_path)]
    grader += _folder_files(course.reference_dir, f"reference/{name}")
    autograder_zip = out_dir / name / "autograder.zip"
    _write_zip(autograder_zip, grader, {})
    student = [f for f in project if f[0] in {"setup.sh", "pyproject.toml"}] + package
    student += _folder_files(course.template_dir, name)
    student_zip = out_dir / name / f"{name}-student.zip"
    _write_zip(student_zip, student, {
        f"rubrics/{name}.yaml": public_rubric_text(course),
        "README.md": _student_readme(course),
    })
    return Built(autograder_zip, student_zip, outline(course))
