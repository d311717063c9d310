"""A chapter downloaded from the book runs anywhere: in a clean environment, outside the repository,
installed only by its own first cell.

The student's environment is a fresh virtual environment holding only what Google Colab ships
(torch, numpy, scipy, matplotlib, tqdm, ipykernel; the versions of `.venv`, so pip finds them in
its local cache or index), in `_build/student-venv` and reused while those versions stand. Before
each chapter the course package is uninstalled from it; the chapter's `.ipynb` from the built site
is then executed top to bottom in an empty temporary folder with COURSE_PACKAGE pointing at the
wheel the book publishes (and pip kept off the network). Its first cell must install the package,
and every other cell must run as in the book.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tools import chapters, notebook_export, wheel
from tools.chapter_links import notebook_path

STUDENT_VENV = chapters.BUILD / "student-venv"
KERNEL = "course-student"
DISTRIBUTION = wheel.project()[0]
# What Colab ships and the chapters import; pinned to the developer environment's versions.
COLAB = ("torch", "numpy", "scipy", "matplotlib", "tqdm", "ipykernel")
CELL_TIMEOUT = 600


def student_requirements() -> list[str]:
    """`name==version` for each Colab package, as installed in the developer environment."""
    return [f"{name}=={importlib.metadata.version(name).split('+')[0]}" for name in COLAB]


def _python() -> Path:
    return STUDENT_VENV / "bin" / "python"


def _pip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(_python()), "-m", "pip", *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def student_env(tmp_path_factory) -> dict[str, str]:
    """The clean student environment, its kernel registered in a private JUPYTER_PATH; the environment
    variables a kernel started from this test sees."""
    wanted = "\n".join(student_requirements())
    marker = STUDENT_VENV / "requirements.txt"
    if not (marker.is_file() and marker.read_text(encoding="utf-8") == wanted and _python().is_file()):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(STUDENT_VENV)], check=True)
        result = _pip("install", "--quiet", *student_requirements())
        assert result.returncode == 0, f"could not create the student environment:\n{result.stderr[-3000:]}"
        marker.write_text(wanted, encoding="utf-8")
    spec = tmp_path_factory.mktemp("jupyter") / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [str(_python()), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(JUPYTER_PATH=str(spec.parent.parent), PIP_NO_INDEX="1", MPLBACKEND="agg")
    return env


@pytest.fixture
def course_wheel(built_book) -> Path:
    """The wheel the built book publishes."""
    path = built_book.html / wheel.WHEEL_DIR / wheel.wheel_name(built_book.root)
    assert path.is_file(), f"the book build wrote no wheel at {path}"
    return path


def run_notebook(notebook: nbformat.NotebookNode, env: dict[str, str], workdir: Path, monkeypatch) -> None:
    """Execute `notebook` in the student kernel, in `workdir`, with exactly `env` as its environment."""
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    client = NotebookClient(
        notebook, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=False, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()


def _uninstall_course_package() -> None:
    _pip("uninstall", "--yes", "--quiet", DISTRIBUTION)
    assert _pip("show", DISTRIBUTION).returncode != 0, "the course package is still installed"


def test_the_wheel_holds_utils_and_the_data(tmp_path):
    built = wheel.build_wheel(chapters.ROOT, tmp_path)
    assert built.name == wheel.wheel_name()
    names = set(zipfile.ZipFile(built).namelist())
    data = sorted(path.name for path in (chapters.ROOT / "data").iterdir() if path.suffix in (".csv", ".npy"))
    assert data, "data/ holds no data file"
    assert {f"utils/course_data/{name}" for name in data} <= names, sorted(names)
    assert {"utils/__init__.py", "utils/data.py", "utils/grading/__init__.py"} <= names
    metadata = zipfile.ZipFile(built).read(f"{built.name.split('-py3')[0]}.dist-info/METADATA").decode()
    assert "Name: autodiff-course-utils" in metadata
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert any(line.split()[1].startswith("torch") for line in requires)
    assert not any("torch==" in line for line in requires), "the wheel must not pin torch"


def test_the_wheel_is_reproducible(tmp_path):
    first = wheel.build_wheel(chapters.ROOT, tmp_path / "a").read_bytes()
    assert wheel.build_wheel(chapters.ROOT, tmp_path / "b").read_bytes() == first


@pytest.mark.parametrize("chapter", chapters.chapters())
def test_downloaded_chapter_runs_in_a_clean_environment(built_book, student_env, course_wheel, chapter, tmp_path, monkeypatch):
    notebook = nbformat.read(built_book.html / notebook_path(chapter), as_version=4)
    assert notebook_export.INSTALL_TAG in notebook.cells[0].metadata.get("tags", []), "no install cell first"
    _uninstall_course_package()
    # A last cell (not part of the download) reports where `utils` and its data came from.
    probe = "import utils, utils.data\nprint(utils.__file__)\nprint(utils.data.data_files())"
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    workdir = tmp_path / "empty"
    workdir.mkdir()
    run_notebook(notebook, {**student_env, "COURSE_PACKAGE": str(course_wheel)}, workdir, monkeypatch)
    where = "".join(output.get("text", "") for output in notebook.cells[-1].outputs).split()
    assert where[0].startswith(str(STUDENT_VENV)), f"utils came from {where[0]}, not the installed wheel"
    assert where[1].endswith("utils/course_data"), f"the data came from {where[1]}, not the package"
    assert _pip("show", DISTRIBUTION).returncode == 0, "the first cell did not install the course package"


def test_without_its_install_cell_a_chapter_fails_there(built_book, student_env, course_wheel, tmp_path, monkeypatch):
    # The student environment really is clean: nothing but the first cell makes `utils` importable.
    notebook = nbformat.read(built_book.html / notebook_path(chapters.chapters()[0]), as_version=4)
    notebook.cells = notebook.cells[1:]
    _uninstall_course_package()
    with pytest.raises(CellExecutionError, match="ModuleNotFoundError"):
        run_notebook(notebook, {**student_env, "COURSE_PACKAGE": str(course_wheel)}, tmp_path, monkeypatch)


def test_a_wrong_course_package_fails_in_the_install_cell_naming_the_variable(built_book, student_env, tmp_path, monkeypatch):
    chapter = chapters.chapters()[0]
    notebook = nbformat.read(built_book.html / notebook_path(chapter), as_version=4)
    notebook.cells = notebook.cells[:1]
    _uninstall_course_package()
    wrong = tmp_path / "no-such-course-package.whl"
    with pytest.raises(CellExecutionError) as failure:
        run_notebook(notebook, {**student_env, "COURSE_PACKAGE": str(wrong)}, tmp_path, monkeypatch)
    message = str(failure.value)
    assert "COURSE_PACKAGE" in message and str(wrong) in message, message[-2000:]
    assert "RuntimeError" in message


def test_the_install_cell_does_nothing_where_utils_is_importable(built_book, tmp_path, monkeypatch):
    # The developer environment (this one) has `utils` installed: the cell must not call pip, so
    # a COURSE_PACKAGE that could not be installed is never tried.
    chapter = chapters.chapters()[0]
    notebook = nbformat.read(built_book.html / notebook_path(chapter), as_version=4)
    notebook.cells = notebook.cells[:1]
    env = {**os.environ, "COURSE_PACKAGE": str(tmp_path / "would-fail.whl")}
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    NotebookClient(notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert not any(cell.get("outputs") for cell in notebook.cells)


def test_downloaded_notebooks_have_no_raw_myst_and_hide_their_checks(built_book):
    for chapter in built_book.chapters:
        notebook = nbformat.read(built_book.html / notebook_path(chapter), as_version=4)
        assert notebook_export.raw_myst(notebook) == [], chapter
        markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        number = notebook_export.chapter_number(chapter)
        source = (built_book.root / f"{chapter}.md").read_text(encoding="utf-8")
        exercises = source.count("{exercise}")
        for k in range(1, exercises + 1):
            assert f"#### Exercise {number}.{k}" in markdown, f"{chapter}: no heading for exercise {number}.{k}"
        assert markdown.count("<details>") >= source.count("{solution-start}"), f"{chapter}: a solution is not collapsed"
        assert not re.search(r"\]\(\d\d_[\w-]+\.md", markdown), f"{chapter}: a link to a chapter's .md source"
        for cell in notebook.cells:
            if "remove-cell" in cell.metadata.get("tags", []):
                assert cell.outputs == [] and cell.metadata["jupyter"]["source_hidden"], f"{chapter}: a check cell shows"
