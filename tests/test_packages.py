"""The course's environment: the packages students may import (``assignment.packages``).

A submission that imports matplotlib (drawing at the top level, or in a notebook) or pandas grades
exactly like the same work without those imports when the rubric provides them; an import of a
package the course does not provide is named, in ``check`` and in the feedback, instead of every
code question crashing with ``No module named 'pandas'``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from autograder.cli import main
from autograder.grading import Options, grade
from autograder.imports import Environment, imports_of, missing_import_notes, missing_module_problem
from autograder.outcomes import Report
from autograder.rubric import load_rubric
from autograder.rubric_models import Assignment
from tests.conftest import PROJECT

MLP = load_rubric(PROJECT / "rubrics" / "mlp-backprop.yaml")
REFERENCE = PROJECT / "reference" / "mlp-backprop"
SOLUTION = (REFERENCE / "mlp.py").read_text()
CODE_QUESTIONS = {"mlp-forward", "mlp-backward", "mse-loss", "bce-loss"}


def installed(*modules: str) -> pytest.MarkDecorator:
    """Skip where this environment lacks the packages (``setup.sh --dev`` installs them)."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(bool(missing), reason=f"not installed here: {', '.join(missing)} (run setup.sh --dev)")


def notebook(*cells: str) -> str:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_markdown_cell("# Homework 1")] + [nbformat.v4.new_code_cell(c) for c in cells]
    return nbformat.writes(book)


def submit(folder: Path, **files: str) -> Path:
    folder.mkdir()
    shutil.copy(REFERENCE / "answers.yaml", folder)
    for name, text in files.items():
        (folder / name.replace("_py", ".py").replace("_ipynb", ".ipynb")).write_text(text)
    return folder


def sheet(report: Report) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Each question's score and feedback: what must not change when plots are added."""
    return {r.id: (r.score, r.messages) for r in report.results}


@pytest.fixture(scope="module")
def reference_sheet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[float, tuple[str, ...]]]:
    folder = tmp_path_factory.mktemp("plain") / "sub"
    os.chmod(folder.parent, 0o755)
    report = grade(MLP, submit(folder, mlp_py=SOLUTION), Options(reference=REFERENCE))
    assert {r.id: r.score for r in report.results if r.id in CODE_QUESTIONS} == {
        q: MLP.question(q).points for q in CODE_QUESTIONS}
    return sheet(report)


# --- reading imports, never importing --------------------------------------------------------

def test_imports_are_read_from_the_syntax_tree() -> None:
    found = imports_of(
        "import os, numpy as np\nimport matplotlib.pyplot as plt\nfrom sklearn.svm import SVC\n"
        "from . import mine\nfrom .helpers import f\n"
        "try:\n    import pandas\nexcept ImportError:\n    pandas = None\n"
        "try:\n    import seaborn\nexcept ValueError:\n    pass\n"
        "if TYPE_CHECKING:\n    import typing_only\n"
        "def plot():\n    import scipy.signal\n",
        "mlp.py",
    )
    assert [(i.module, i.place) for i in found] == [
        ("os", "mlp.py, line 1"), ("numpy", "mlp.py, line 1"), ("matplotlib", "mlp.py, line 2"),
        ("sklearn", "mlp.py, line 3"), ("seaborn", "mlp.py, line 11"), ("scipy", "mlp.py, line 17")]


def test_the_environment_maps_import_names_to_packages() -> None:
    environment = Environment(("numpy", "matplotlib==3.10.9", "scikit-learn>=1.4", "Pillow", "tqdm"))
    for module in ("os", "json", "__future__", "torch", "numpy", "matplotlib", "mpl_toolkits", "sklearn",
                   "PIL", "tqdm"):
        assert environment.provides(module), module
    for module in ("pandas", "cv2", "scikit_learn", "yaml"):
        assert not environment.provides(module), module
    assert Environment(("opencv-python-headless", "PyYAML")).provides("cv2")
    assert Environment(("opencv-python-headless", "PyYAML")).provides("yaml")
    assert environment.describe() == ("Python's standard library, torch, numpy, matplotlib, scikit-learn, "
                                      "pillow and tqdm")


def test_own_modules_are_followed_and_unprovided_packages_named(tmp_path: Path) -> None:
    (tmp_path / "mlp.py").write_text("import numpy\nimport helpers\nfrom utils.io import load\n")
    (tmp_path / "helpers.py").write_text("import pandas as pd\nimport sklearn\nimport mlp\n")
    (tmp_path / "utils").mkdir()
    (tmp_path / "utils" / "__init__.py").write_text("")
    notes = missing_import_notes(tmp_path, ["answers.yaml", "mlp.py"], ["numpy", "matplotlib==3.10.9"])
    assert len(notes) == 2
    assert notes[0].startswith("helpers.py, line 1: imports pandas, which the course's environment does "
                               "not include (it has Python's standard library, torch, numpy and matplotlib)")
    assert notes[1].startswith("helpers.py, line 2: imports sklearn (the package scikit-learn), which")
    assert "ask your instructor to add the package" in notes[0]
    assert missing_import_notes(tmp_path, ["mlp.py"], ["pandas==2.3.3", "scikit-learn"]) == []
    (tmp_path / "mlp.py").write_text("from google.colab import drive\n")
    assert missing_import_notes(tmp_path, ["mlp.py"], [])[0].startswith(
        "mlp.py, line 1: imports google (google.colab exists only on Colab), which")


def test_a_crash_on_a_missing_module_becomes_a_named_package() -> None:
    message = "raised ModuleNotFoundError while importing mlp.py: No module named 'pandas'"
    problem = missing_module_problem(message, ["numpy", "matplotlib==3.10.9"])
    assert problem is not None and problem.startswith(
        "Your code imports pandas (while importing mlp.py), but the course's environment does not include it")
    assert "one of the course's packages, but it is not installed in this environment: ./setup.sh" in str(
        missing_module_problem(message, ["pandas"]))  # a bundle set up before the rubric listed it
    assert missing_module_problem("raised ModuleNotFoundError while importing a.py: No module named 'torch'",
                                  []) is None
    assert missing_module_problem("raised ValueError in forward: bad", []) is None
    dotted = "raised ModuleNotFoundError in forward: No module named 'sklearn.svm'"
    assert "sklearn (the package scikit-learn)" in str(missing_module_problem(dotted, []))


# --- the rubric ------------------------------------------------------------------------------

@pytest.mark.parametrize("requirement", ["--index-url=http://x", "https://x/y.whl", "./local", "torch==2.5.0",
                                         "numpy; rm -rf /", ""])
def test_packages_are_plain_requirements_and_never_torch_s_version(requirement: str) -> None:
    with pytest.raises(ValidationError):
        Assignment(name="a", title="A", files=["a.py"], packages=[requirement])


def test_every_bundled_rubric_provides_numpy_and_matplotlib() -> None:
    for path in sorted((PROJECT / "rubrics").glob("*.yaml")):
        packages = load_rubric(path).assignment.packages
        names = [p.split("=")[0] for p in packages]
        assert {"numpy", "matplotlib"} <= set(names), path.name
        assert all("==" in p for p in packages if not p.startswith("numpy")), packages  # pinned


# --- grading: provided packages change nothing ----------------------------------------------

PLOTTING = """import matplotlib
matplotlib.use("TkAgg")   # written on a laptop: no display here, and that must not matter
import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

{solution}

xs = np.linspace(-3, 3, 50)
plt.figure()
plt.plot(xs, np.maximum(xs, 0), label="relu")
plt.legend()
plt.savefig("relu.png")
plt.show()
for step in tqdm(range(20000), mininterval=0):
    pass
print("x" * 100_000)
"""


@installed("matplotlib", "tqdm")
def test_a_py_that_plots_at_the_top_level_grades_like_one_that_does_not(
        open_dir: Path, reference_sheet: dict) -> None:
    folder = submit(open_dir / "sub", mlp_py=PLOTTING.format(solution=SOLUTION))
    report = grade(MLP, folder, Options(reference=REFERENCE))
    assert sheet(report) == reference_sheet
    assert not report.notes
    outputs = [r.output for r in report.results if r.id in CODE_QUESTIONS]
    assert all(len(output.encode()) <= 17_000 for output in outputs)  # the capped progress bars


@installed("pandas")
def test_a_py_importing_pandas_grades_like_one_that_does_not(open_dir: Path, reference_sheet: dict) -> None:
    folder = submit(open_dir / "sub", mlp_py="import pandas as pd\n" + SOLUTION)
    report = grade(MLP, folder, Options(reference=REFERENCE))
    assert sheet(report) == reference_sheet and not report.notes


@installed("matplotlib")
def test_a_notebook_with_plotting_cells_grades_like_the_py(open_dir: Path, reference_sheet: dict) -> None:
    folder = submit(open_dir / "sub", mlp_ipynb=notebook(
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nimport numpy as np",
        SOLUTION,
        "def plot_losses(losses):\n    plt.plot(losses)\n    plt.xlabel('step')\n    plt.show()",
        "net = MLP(2, 3, 'relu', 3, 1, 'identity')\nfig, ax = plt.subplots()\nax.imshow(np.eye(3))\nplt.show()",
        "plot_losses([3, 2, 1])",
    ))
    report = grade(MLP, folder, Options(reference=REFERENCE))
    assert sheet(report) == reference_sheet and not report.notes


# --- grading and check: a package nobody provides --------------------------------------------

UNPROVIDED = "import numpy as np\nimport lightgbm_for_grades as lgb\n"


def test_an_unprovided_import_is_named_in_the_feedback(open_dir: Path) -> None:
    folder = submit(open_dir / "sub", mlp_py=UNPROVIDED + SOLUTION)
    report = grade(MLP, folder, Options(reference=REFERENCE))
    assert report.notes[0].startswith("mlp.py, line 2: imports lightgbm_for_grades, which the course's "
                                      "environment does not include (it has Python's standard library, "
                                      "torch, numpy, matplotlib, tqdm and pandas).")
    for result in report.results:
        if result.id in CODE_QUESTIONS:
            assert result.score == 0
            assert result.messages[0].startswith(
                "Your code imports lightgbm_for_grades (while importing mlp.py), but the course's environment "
                "does not include it"), result.messages
            assert "No module named" not in result.messages[0]


def test_check_names_an_unprovided_import_in_a_notebook_before_submitting(open_dir: Path) -> None:
    folder = submit(open_dir / "sub", mlp_ipynb=notebook("!pip install seaborn\nimport seaborn as sns", SOLUTION))
    result = CliRunner().invoke(main, ["check", str(PROJECT / "rubrics" / "mlp-backprop.yaml"), str(folder)])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "mlp.ipynb, cell 2, line 2: imports seaborn, which the course's environment does not include" in text
    assert "ask your instructor to add the package" in text


# --- setup.sh installs the listed packages -----------------------------------------------------

def _venv_seeing_this_environment(where: Path) -> Path:
    """A fresh environment that sees this one's packages (torch among them), so that setup.sh
    skips torch and what this environment has, and installs the rest from pip's own index."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    site = next((where / "lib").glob("python3*/site-packages"))
    (site / "this-environment.pth").write_text("\n".join(p for p in sys.path if p.endswith("-packages")) + "\n")
    return where


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_student_bundle_s_setup_installs_the_course_s_packages(open_dir: Path) -> None:
    """Slow (pip installs the autograder and the packages: about a minute). The packages come from
    pip's configured index: here a local one, in CI the public one."""
    CliRunner().invoke(main, ["build", str(PROJECT / "rubrics" / "relu-networks.yaml"), "--out", str(open_dir / "dist")],
                       catch_exceptions=False)
    bundle = open_dir / "student"
    with zipfile.ZipFile(open_dir / "dist" / "relu-networks" / "relu-networks-student.zip") as archive:
        archive.extractall(bundle)
    (bundle / "setup.sh").chmod(0o755)
    venv = _venv_seeing_this_environment(open_dir / "venv")
    subprocess.run([str(venv / "bin" / "python"), "-m", "ensurepip", "--default-pip"], check=True,
                   capture_output=True, timeout=300)
    done = subprocess.run(["bash", str(bundle / "setup.sh")], cwd=bundle, capture_output=True, text=True,
                          timeout=900, env={**os.environ, "AUTOGRADER_VENV": str(venv)})
    assert done.returncode == 0, done.stdout + done.stderr
    import torch

    assert ("[setup] installing the course's packages: numpy matplotlib==3.10.9 tqdm==4.70.1 "
            f"(keeping torch=={torch.__version__})") in done.stdout
    probe = "import matplotlib, tqdm, torch; print(matplotlib.__version__, tqdm.__version__, torch.__version__)"
    versions = subprocess.run([str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True,
                              check=True, timeout=120).stdout.split()
    assert versions == ["3.10.9", "4.70.1", torch.__version__]
