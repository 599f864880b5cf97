"""``autograder build``: the zip Gradescope takes, and the bundle students check their work with.

The autograder zip holds what ``setup.sh`` and ``run_autograder`` need at the root of
``/autograder/source``: the package, the one rubric, its reference folder. The student bundle
holds the template, the package and a **public rubric**: the rubric as students may see it, for
``autograder check``. Only questions visible before the deadline are in it, and every field a
kind marks :class:`~autograder.kinds.base.Secret` on its model (or on a model inside it: a part,
a shared context) is removed or replaced by its placeholder, which is the same for every question
of its type and so says nothing: e.g. ``expected`` becomes a placeholder, ``accept`` and
``mistakes`` (whose feedback can give the answer away) go. The bundle names no field itself.
The public rubric must still load, or the build stops.
"""

from __future__ import annotations

import io
import types
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from autograder.kinds import KINDS, Kinds
from autograder.kinds.base import secrets_of
from autograder.oracles import STORE_DIR, answer_stores, remember_answers
from autograder.rubric import Course, RubricError, parse_rubric, rubric_model
from autograder.rubric_sharing import expand_shared
from autograder.yamlio import LoadedYaml, load_yaml

PACKAGE = Path(__file__).resolve().parent
# Files at the root of a checkout that both bundles need (setup.sh installs from pyproject.toml,
# which names README.md).
PROJECT_FILES = ("setup.sh", "run_autograder", "pyproject.toml", "README.md")
EXECUTABLE = {"setup.sh", "run_autograder"}
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


def _reference_files(course: Course) -> list[tuple[str, Path]]:
    """The reference folder, with its oracles' answers computed and stored first (so that the
    container's grader needs neither the oracle nor torch), but none stored for older versions."""
    problems = remember_answers(course.rubric, course.reference_dir)
    if problems:
        raise BuildError("; ".join(problems))
    current = answer_stores(course.rubric.questions, course.reference_dir)
    prefix = f"reference/{course.name}"
    return [(zipped, path) for zipped, path in _folder_files(course.reference_dir, prefix)
            if STORE_DIR not in path.relative_to(course.reference_dir).parts or path in current]


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


def _shape(annotation: Any) -> str | None:
    """What raw data an annotation reads: "model", "mapping", "list", or None (a scalar, Any)."""
    if get_origin(annotation) is Annotated:
        return _shape(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model"
    origin = get_origin(annotation)
    if origin in (dict, Mapping):
        return "mapping"
    if origin in (list, tuple, set, frozenset, Sequence):
        return "list"
    return None


def _fits(value: Any, annotation: Any) -> bool:
    """Whether raw data has the form an annotation reads (a mapping for a model)."""
    shape = _shape(annotation)
    return isinstance(value, dict) if shape in ("model", "mapping") else shape == "list" and isinstance(value, list)


def _public(value: Any, annotation: Any) -> Any:
    """Raw rubric data read as ``annotation``, without what the models in it mark secret.

    A union strips what any arm that fits the data marks secret: removing too much only makes
    the public rubric fail to load (the build stops), keeping too much would leak.
    """
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _public(value, args[0])
    if origin is Union or origin is types.UnionType:
        for arm in args:
            if _fits(value, arm):
                value = _public(value, arm)
        return value
    shape = _shape(annotation)
    if shape == "model" and isinstance(value, dict):
        return _public_fields(value, annotation)
    if shape == "mapping" and isinstance(value, dict) and len(args) == 2:
        return {key: _public(item, args[1]) for key, item in value.items()}
    if shape == "list" and isinstance(value, list) and args:
        if origin is tuple and Ellipsis not in args:  # tuple[A, B]: a type per place
            return [_public(item, arm) for item, arm in zip(value, args)] + value[len(args):]
        return [_public(item, args[0]) for item in value]
    return value


def _public_fields(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """A mapping read as ``model``: each secret field dropped or replaced by its placeholder (from
    the field's value and this mapping), every other field's data made public in turn."""
    secrets = secrets_of(model)
    public = {}
    for key, value in data.items():
        field = model.model_fields.get(key)
        if field is None:
            public[key] = value
        elif key not in secrets:
            public[key] = _public(value, field.annotation)
        elif secrets[key].placeholder is not None:
            public[key] = secrets[key].placeholder(value, data)
    return public


def public_rubric_data(data: dict[str, Any], kinds: Kinds = KINDS) -> dict[str, Any]:
    """The rubric's data as students may see it (see the module's docstring): visible questions
    only, each without what its kind's model marks secret; the shared sections likewise; the
    kinds' defaults filled in and the anchored ``x-`` values left out."""
    data = expand_shared(LoadedYaml(data, Path())).data
    # The questions are read here, each by its own kind's model, not by the union of them all.
    public = _public_fields({**data, "questions": []}, rubric_model(kinds))
    questions = []
    for question in data.get("questions") or []:
        if not isinstance(question, dict) or question.get("visibility", "visible") != "visible":
            continue
        name = question.get("kind")
        kind = kinds.get(name) if isinstance(name, str) else None
        # A question of no known kind stays as it is: the public rubric then fails to load.
        questions.append(_public_fields(question, kind.model) if kind else question)
    public["questions"] = questions
    return public


def public_rubric_text(course: Course) -> str:
    """The public rubric as YAML; raises :class:`BuildError` when it does not load."""
    loaded = load_yaml(course.rubric_path, RUBRIC_LIMIT, str(course.rubric_path), aliases=True)
    public = public_rubric_data(loaded.data, course.rubric.kinds)
    header = (f"# {course.name}: the rubric as students see it, for `autograder check`. Answers,\n"
              "# known mistakes and hidden questions are not in it; it cannot grade.\n")
    text = header + yaml.dump(public, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)
    try:
        parse_rubric(LoadedYaml(yaml.safe_load(text), course.rubric_path), f"public {course.name}",
                     course.rubric.kinds)
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
can read every answer before you submit. Set up once (this needs Python 3.10 or newer; it
installs PyTorch's CPU build where there is no NVIDIA GPU):

```bash
./setup.sh
```

Then, in `{name}/` (the line at the top of its answers file):

```bash
autograder check {name} .
```

`setup.sh` links the `autograder` command into `~/.local/bin` when that folder is on your `PATH`;
otherwise run `source .venv/bin/activate` first, or use `.venv/bin/autograder` from this folder
(`.venv/bin/autograder check {name}` checks `{name}/` and says so).

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
    grader += _reference_files(course)
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
