"""Varied, deterministic submissions of an assignment, made from its reference's mutants.

    .venv/bin/python benchmarks/generate_submissions.py mlp-backprop 200 OUT [--seed 0]

Each submission starts from the reference; every question's answer is kept, replaced by one of
the question's mutants (a wrong answer of the kind students give), or, for code, left as the
template's stub, each drawn from a seeded generator. Used by the batch benchmark and the tests
that compare a pool's scores with one-by-one grading.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.mutation import code_mutants, data_mutants  # noqa: E402
from autograder.rubric import Course, open_course  # noqa: E402
from autograder.submission import open_submission, read_answers  # noqa: E402


def generate(course: Course, count: int, out: Path, seed: int = 0) -> list[Path]:
    """``count`` submission folders ``out/s000``… of ``course``'s assignment."""
    rubric = course.rubric
    reference = course.reference_dir
    template = course.root / "student_template" / course.name
    answers_file = rubric.assignment.answers_file
    answers = read_answers(open_submission(reference, rubric.assignment.files), answers_file).data or {}
    data_options = {
        str(q.answer_source(answers_file).name): data_mutants(q, answers.get(str(q.answer_source(answers_file).name)))
        for q in rubric.questions
        if not q.graded_by_hand() and not q.runs_code(answers_file)
    }
    code_files = sorted({str(q.answer_source(answers_file).file) for q in rubric.questions
                         if q.runs_code(answers_file)})
    code_options = {name: code_mutants((reference / name).read_text(), seed, 40) for name in code_files}
    draw = random.Random(seed)
    folders = []
    for index in range(count):
        folder = out / f"s{index:03d}"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(reference, folder, ignore=shutil.ignore_patterns("oracle.py", "__pycache__"))
        mine = dict(answers)
        for name, mutants in data_options.items():
            if mutants and draw.random() < 0.3:
                mine[name] = draw.choice(mutants).answer
        if answers_file in rubric.assignment.files:
            (folder / answers_file).write_text(yaml.safe_dump(mine, allow_unicode=True), encoding="utf-8")
        for name, mutants in code_options.items():
            roll = draw.random()
            if roll < 0.1 and (template / name).is_file():
                shutil.copyfile(template / name, folder / name)
            elif roll < 0.6 and mutants:
                (folder / name).write_text(draw.choice(mutants).source or "", encoding="utf-8")
        folders.append(folder)
    return folders


def main() -> None:
    """Command line: ASSIGNMENT COUNT OUT [--seed N]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    course = open_course(args.assignment, [ROOT])
    folders = generate(course, args.count, args.out, args.seed)
    print(f"{len(folders)} submissions of {course.name} in {args.out}")


if __name__ == "__main__":
    main()
