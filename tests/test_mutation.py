"""Mutation testing: mutants are made deterministically, only where they can matter, and graded."""

from __future__ import annotations

from pathlib import Path

from contextlib import closing

from autograder.executors import Serial, WorkerSpec
from autograder.kinds.conv import ConvQuestion
from autograder.grading import Options
from autograder.mutation import code_mutants, data_mutants, mutate, score
from autograder.rubric import Course, load_rubric, open_course

ROOT = Path(__file__).resolve().parent.parent
SOURCE = '''
def graded(x):
    """Docstring 2 + 2 is left alone."""
    return -x * 2 + x.T


def other(x):
    return x - 1
'''


def _mutate(course: Course, options: Options, **limit: int) -> list:  # type: ignore[type-arg]
    """Mutation testing as validate runs it: each mutant graded by a warm serial executor."""
    with closing(Serial(WorkerSpec.for_rubric(course.rubric_path, course.rubric, options))) as executor:
        return mutate(course.rubric, course.reference_dir, executor, **limit)


def test_code_mutants_change_only_the_graded_function_and_are_deterministic() -> None:
    first = code_mutants(SOURCE, seed=7, limit=10, only=frozenset({"graded"}))
    assert first == code_mutants(SOURCE, seed=7, limit=10, only=frozenset({"graded"}))
    labels = {m.label for m in first}
    assert labels == {"line 4: unary minus removed", "line 4: Mult → Div", "line 4: Add → Sub",
                      "line 4: 2 changed", "line 4: .T dropped"}
    assert all("def other(x):\n    return x - 1" in (m.source or "") for m in first)
    assert all("Docstring 2 + 2" in (m.source or "") for m in first)
    assert len(code_mutants(SOURCE, seed=7, limit=10)) == 7  # the whole file
    assert len(code_mutants(SOURCE, seed=7, limit=3)) == 3


def test_data_mutants_by_kind_skip_accepted_and_right_answers() -> None:
    rubric = load_rubric(ROOT / "rubrics" / "choice-warmup.yaml")
    shapes = data_mutants(rubric.question("q1"), {"W2": "(1, k)", "b1": "(k,)", "b2": "(1,)"})
    assert "b2: a size added" not in {m.label for m in shapes}  # (1, 1) is an accepted answer
    assert {m.answer["W2"] for m in shapes if m.label.startswith("W2")} == {"(k, 1)", "(1,)"}
    conv = ConvQuestion(id="c", title="c", points=1, kind="conv", input=(3, 64, 64), output=(64, 6, 6))
    shifted = {m.label for m in data_mutants(conv, {"k": 4, "s": 12, "p": 0, "d": 1})}
    assert "s − 1" not in shifted and "s + 1" in shifted  # k=4, s=11 also gives 6: a right answer
    backprop = load_rubric(ROOT / "rubrics" / "backprop-basics.yaml")
    labels = {m.label for m in data_mutants(backprop.question("q1-b3"), "dL/dh3 * f3'")}
    assert labels == {"negated", "doubled", "plus one", "last factor dropped"}


def test_mutation_of_a_seed_catches_everything_it_counts() -> None:
    course = open_course("backprop-basics", [ROOT])
    results = _mutate(course, Options(reference=course.reference_dir), limit=3)
    by_id = {r.question.id: r for r in results}
    # q5-nonnegative is `return torch.relu(z)`: no operator to change, so no mutant
    assert set(by_id) == {q.id for q in course.rubric.questions if not q.graded_by_hand()} - {"q5-nonnegative"}
    assert score(results) == 1.0
    assert all(r.tried == 3 for i, r in by_id.items() if i.startswith("q1-"))


def test_a_weak_rubric_lets_mutants_survive_and_accepted_ones_are_not_counted(tmp_path: Path) -> None:
    rubric_file = tmp_path / "rubrics" / "weak.yaml"
    rubric_file.parent.mkdir()
    rubric_file.write_text(
        "assignment: {name: weak, title: Weak, files: [answers.yaml]}\n"
        "questions:\n"
        "  - {id: loose, title: Loose, points: 1, kind: choice, type: number, expected: 1600,\n"
        "     tolerance: {rel: 0.5}}\n"
        "  - {id: known, title: Known, points: 1, kind: choice, type: number, expected: 10,\n"
        "     tolerance: {rel: 0.5}, mutants_accepted: {'× 1.1': 'within the stated tolerance'}}\n"
    )
    (tmp_path / "reference" / "weak").mkdir(parents=True)
    (tmp_path / "reference" / "weak" / "answers.yaml").write_text("loose: 1600\nknown: 10\n")
    course = open_course("weak", [tmp_path])
    loose, known = _mutate(course, Options())
    assert (loose.tried, loose.survivors, loose.caught) == (1, ("× 1.1",), 0)
    assert (known.accepted, known.counted) == (("× 1.1",), 0)
    assert score([loose, known]) == 0.0
