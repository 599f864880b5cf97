"""Notebook submissions: code cells read as data, only definitions kept, graded like a .py file."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.grading import Options, grade
from autograder.notebooks import NotebookError, notebook_code
from autograder.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
MLP = load_rubric(ROOT / "rubrics" / "mlp-backprop.yaml")
CODE_QUESTIONS = {"mlp-forward", "mlp-backward", "mse-loss", "bce-loss"}


def notebook(*cells: str) -> str:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_markdown_cell("# Homework")] + [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(book)


def test_only_definitions_are_kept_and_magics_dropped() -> None:
    code, notes = notebook_code(notebook(
        "!pip install torch\n%matplotlib inline\nimport torch\nfrom math import pi",
        "%%bash\nrm -rf /",
        "SCALE = 2.0\nACTS = {'relu': lambda z: z.clamp(min=0)}\ndata = torch.randn(10**9)",
        "@torch.no_grad()\ndef f(x):\n    return SCALE * x",
        "class Net(torch.nn.Module):\n    pass",
        "for epoch in range(30):\n    train()\nprint('done')\nhistory = fit(Net())",
        "def broken(:\n    pass",
    ), "hw.ipynb")
    assert "import torch" in code and "from math import pi" in code
    assert "SCALE = 2.0" in code and "'relu': lambda z" in code
    assert "@torch.no_grad()\ndef f(x):" in code and "class Net" in code
    for left_out in ("pip", "matplotlib", "rm -rf", "randn", "range(30)", "print", "fit(", "broken"):
        assert left_out not in code, left_out
    assert notes == ["hw.ipynb: cell 8 is not valid Python (line 1: invalid syntax), so it was left out"]
    compile(code, "hw.py", "exec")


@pytest.mark.parametrize("text", ["{not json", "[]", '{"cells": 3}', ""])
def test_a_file_that_is_not_a_notebook_gets_a_clear_message(text: str) -> None:
    with pytest.raises(NotebookError, match="hw.ipynb is not a Jupyter notebook"):
        notebook_code(text, "hw.ipynb")


def test_a_colab_notebook_stands_in_for_mlp_py(open_dir: Path) -> None:
    folder = open_dir / "sub"
    folder.mkdir()
    shutil.copy(ROOT / "reference" / "mlp-backprop" / "answers.yaml", folder)
    solution = (ROOT / "reference" / "mlp-backprop" / "mlp.py").read_text()
    (folder / "mlp.ipynb").write_text(notebook(
        "!nvidia-smi\n%load_ext autoreload\nimport torch",
        solution,
        "net = MLP(2, 3, 'relu', 3, 1, 'identity')\nwhile True:\n    pass",
        "import time\ntime.sleep(10**6)",
    ))
    report = grade(MLP, folder, Options(reference=ROOT / "reference" / "mlp-backprop"))
    scores = {r.id: (r.score, MLP.question(r.id).points) for r in report.results if r.id in CODE_QUESTIONS}
    assert all(score == points for score, points in scores.values()), report.results
    assert not report.notes
    assert sorted(p.name for p in folder.iterdir()) == ["answers.yaml", "mlp.ipynb"]  # untouched


def test_a_broken_notebook_costs_only_the_code_questions(open_dir: Path) -> None:
    folder = open_dir / "sub"
    folder.mkdir()
    shutil.copy(ROOT / "reference" / "mlp-backprop" / "answers.yaml", folder)
    (folder / "mlp.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "import torch"')
    report = grade(MLP, folder, Options(reference=ROOT / "reference" / "mlp-backprop"))
    for result in report.autograded:
        if result.id in CODE_QUESTIONS:
            assert result.score == 0 and "mlp.ipynb is not a Jupyter notebook" in result.messages[0]
        else:
            assert result.score == MLP.question(result.id).points
