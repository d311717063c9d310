"""A chapter downloaded from the book runs anywhere: in a clean environment, outside the repository,
installed only by its own first cell, on every supported Python and torch, writing nothing to stderr.

The student's environment is a fresh virtual environment holding only what Google Colab ships
(torch, numpy, scipy, matplotlib, tqdm, ipykernel), in `_build/student-venv-<name>` and reused while
its requirements stand. Which environments: COURSE_STUDENT_ENVS, a space-separated list of

- `lock`: the developer environment's Python and the versions of `.venv` (pip finds them in its
  local cache or index); the default, and what `make test` runs;
- `<python>/<torch>`, e.g. `3.12/2.15.0`: interpreter `python<python>` from PATH, that torch release
  and the newest numpy, scipy, matplotlib, tqdm and ipykernel from the package index (pip run with
  PIP_CONFIG_FILE=/dev/null, so no local cap on torch applies). `make test-versions` runs the lock,
  the newest torch on Python 3.12 and the oldest supported torch on Python 3.13.

Before each chapter the course package is uninstalled; the chapter's `.ipynb` from the built site is
then executed top to bottom in an empty temporary folder with COURSE_PACKAGE pointing at the wheel
the book publishes (and pip kept off the network). Its first cell must install the package without
touching torch, every other cell must run as in the book, and no cell may write to stderr.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tools import chapters, notebook_export, wheel
from tools.chapter_links import notebook_path

KERNEL = "course-student"
DISTRIBUTION = wheel.project()[0]
# What Colab ships and the chapters import.
COLAB = ("torch", "numpy", "scipy", "matplotlib", "tqdm", "ipykernel")
CELL_TIMEOUT = 600
ENVS = os.environ.get("COURSE_STUDENT_ENVS", "lock").split()


@dataclass(frozen=True)
class StudentEnv:
    """One clean student environment: its folder, its interpreter, and what pip installs into it."""

    name: str
    python: str  # the interpreter that creates the venv
    requirements: tuple[str, ...]
    pip_env: dict[str, str]  # extra environment for pip while creating it

    @property
    def folder(self) -> Path:
        return chapters.BUILD / f"student-venv-{self.name}"

    @property
    def bin(self) -> Path:
        return self.folder / "bin"


def _runs(python: str) -> bool:
    return subprocess.run([python, "-c", ""], capture_output=True, check=False).returncode == 0


def find_python(version: str) -> str | None:
    """An interpreter of Python `version` (e.g. "3.12"): `python3.12` on PATH if it runs (a pyenv shim
    runs only for the versions pyenv has selected), else the newest of pyenv's installed 3.12.x."""
    on_path = shutil.which(f"python{version}")
    if on_path and _runs(on_path):
        return on_path
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    root = Path(subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False).stdout.strip())
    found = sorted(root.glob(f"versions/{version}.*/bin/python{version}"), key=lambda path: [int(part) for part in path.parts[-3].split(".")])
    return str(found[-1]) if found and _runs(str(found[-1])) else None


def student_env_spec(name: str) -> StudentEnv:
    """`lock` or `<python>/<torch>` (see the module docstring) as a StudentEnv."""
    if name == "lock":
        pins = tuple(f"{package}=={importlib.metadata.version(package).split('+')[0]}" for package in COLAB)
        return StudentEnv("lock", sys.executable, pins, {})
    match = re.fullmatch(r"(3\.\d+)/(\d+\.\d+(?:\.\d+)?)", name)
    if not match:
        raise ValueError(f"COURSE_STUDENT_ENVS: {name!r} is neither 'lock' nor '<python>/<torch>', e.g. '3.12/2.15.0'")
    python = find_python(match[1])
    if python is None:
        raise ValueError(f"COURSE_STUDENT_ENVS: {name!r} needs python{match[1]} on PATH or in pyenv (pyenv install {match[1]})")
    requirements = (f"torch=={match[2]}", *COLAB[1:])
    return StudentEnv(f"py{match[1]}-torch{match[2]}", python, requirements, {"PIP_CONFIG_FILE": os.devnull})


def student_requirements() -> list[str]:
    """`name==version` for each Colab package, as installed in the developer environment."""
    return list(student_env_spec("lock").requirements)


def _pip(env: StudentEnv, *args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [str(env.bin / "python"), "-m", "pip", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, env={**os.environ, **(extra or {})})


def _torch_version(env: StudentEnv) -> str:
    command = [str(env.bin / "python"), "-c", "import torch; print(torch.__version__)"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def ensure_student_env(env: StudentEnv) -> StudentEnv:
    """Create `env`'s virtual environment unless it exists with the same interpreter and requirements."""
    wanted = "\n".join((env.python, *env.requirements))
    marker = env.folder / "requirements.txt"
    if not (marker.is_file() and marker.read_text(encoding="utf-8") == wanted and (env.bin / "python").is_file()):
        subprocess.run([env.python, "-m", "venv", "--clear", str(env.folder)], check=True)
        result = _pip(env, "install", "--quiet", "--disable-pip-version-check", *env.requirements, extra=env.pip_env)
        assert result.returncode == 0, f"could not create the student environment {env.name}:\n{result.stderr[-3000:]}"
        marker.write_text(wanted, encoding="utf-8")
    return env


@pytest.fixture(scope="module", params=ENVS)
def student_env(request, tmp_path_factory) -> dict[str, str]:
    """A clean student environment, its kernel registered in a private JUPYTER_PATH; the environment
    variables a kernel started from this test sees (STUDENT_VENV names its folder)."""
    env = ensure_student_env(student_env_spec(request.param))
    spec = tmp_path_factory.mktemp("jupyter") / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [str(env.bin / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))
    variables = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    variables.update(JUPYTER_PATH=str(spec.parent.parent), PIP_NO_INDEX="1", MPLBACKEND="agg")
    # pip in the kernel sees what pip saw creating the venv (no local cap on torch for a range env:
    # a learner's machine has none, and the install cell asks pip to keep the torch installed).
    variables.update(env.pip_env)
    variables.update(STUDENT_VENV=str(env.folder), STUDENT_TORCH=_torch_version(env))
    return variables


def _student(variables: dict[str, str]) -> StudentEnv:
    """The StudentEnv whose kernel `variables` (from the student_env fixture) start."""
    folder = Path(variables["STUDENT_VENV"])
    return StudentEnv(folder.name.removeprefix("student-venv-"), "", (), {})


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


def _uninstall_course_package(variables: dict[str, str]) -> None:
    env = _student(variables)
    _pip(env, "uninstall", "--yes", "--quiet", DISTRIBUTION)
    assert _pip(env, "show", DISTRIBUTION).returncode != 0, "the course package is still installed"


def stderr_of(notebook: nbformat.NotebookNode) -> list[str]:
    """What each code cell wrote to stderr, as "cell N: text" (N counts from 1, the install cell)."""
    written = []
    for number, cell in enumerate(notebook.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                written.append(f"cell {number}: {output['text'][:600]}")
    return written


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
    _uninstall_course_package(student_env)
    # A last cell (not part of the download) reports where `utils` and its data came from, and the torch.
    probe = "import torch, utils, utils.data\nprint(utils.__file__)\nprint(utils.data.data_files())\nprint(torch.__version__)"
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    workdir = tmp_path / "empty"
    workdir.mkdir()
    run_notebook(notebook, {**student_env, "COURSE_PACKAGE": str(course_wheel)}, workdir, monkeypatch)
    assert stderr_of(notebook) == [], f"{chapter} wrote to stderr (torch {student_env['STUDENT_TORCH']})"
    where = "".join(output.get("text", "") for output in notebook.cells[-1].outputs).split()
    assert where[0].startswith(student_env["STUDENT_VENV"]), f"utils came from {where[0]}, not the installed wheel"
    assert where[1].endswith("utils/course_data"), f"the data came from {where[1]}, not the package"
    assert where[2] == student_env["STUDENT_TORCH"], f"the first cell replaced torch {student_env['STUDENT_TORCH']} by {where[2]}"
    assert _pip(_student(student_env), "show", DISTRIBUTION).returncode == 0, "the first cell did not install the course package"


def test_without_its_install_cell_a_chapter_fails_there(built_book, student_env, course_wheel, tmp_path, monkeypatch):
    # The student environment really is clean: nothing but the first cell makes `utils` importable.
    notebook = nbformat.read(built_book.html / notebook_path(chapters.chapters()[0]), as_version=4)
    notebook.cells = notebook.cells[1:]
    _uninstall_course_package(student_env)
    with pytest.raises(CellExecutionError, match="ModuleNotFoundError"):
        run_notebook(notebook, {**student_env, "COURSE_PACKAGE": str(course_wheel)}, tmp_path, monkeypatch)


def test_a_wrong_course_package_fails_in_the_install_cell_naming_the_variable(built_book, student_env, tmp_path, monkeypatch):
    chapter = chapters.chapters()[0]
    notebook = nbformat.read(built_book.html / notebook_path(chapter), as_version=4)
    notebook.cells = notebook.cells[:1]
    _uninstall_course_package(student_env)
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
