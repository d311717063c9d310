"""A chapter as the `.ipynb` a learner downloads: runs anywhere, reads as a plain notebook.

`export(executed, doc, package)` takes the chapter executed by the book build and returns the
notebook the site offers:

- a first code cell that installs the course package (`utils`, a wheel) when it is not importable,
  from the environment variable COURSE_PACKAGE (a path or URL) when set, else from the wheel the
  book publishes (a `wheel/` folder next to the notebooks' folder, as in the classroom archive, or
  the book's URL);
- markdown without MyST: an exercise becomes a numbered heading ("Exercise 3.1"), a solution a
  collapsed `<details>` block whose code cells are collapsed too (they still run: later cells may
  use what they compute), admonitions quoted paragraphs, cross-references their text (a link to a
  sibling chapter's `.md` links to its `.ipynb`);
- hidden check cells (tag `remove-cell`) kept, because they run as in the book, but with their
  source collapsed and no output: they never show an answer;
- outputs of every other cell as the book shows them; notebook metadata only `kernelspec` and
  `language_info`; cell ids numbered, so two builds write the same file.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from tools import chapters
from tools.myst_slides import myst_to_markdown

INSTALL_TAG = "course-install"
# A solution gate: ````{solution-start} label / :class: dropdown / ```` (or {solution-end}).
_GATE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution-(?P<kind>start|end)\}[ \t]*(?P<label>[^\n]*?)[ \t]*\n"
    r"(?:.*?\n)??(?P=fence)[ \t]*$",
    re.M | re.S,
)
_EXERCISE_LABEL = re.compile(r"^[`:]{3,}\{exercise(?:-start)?\}.*?\n(?:[ \t]*:[\w-]+:.*\n)*?[ \t]*:label:[ \t]*(\S+)", re.M)
_EXERCISE_HEADING = re.compile(r"^#### Exercise\b(?P<rest>.*)$", re.M)
_ROLE_TO_LABEL = re.compile(r"\{(?:ref|numref|prf:ref)\}`(?:[^`<]*<)?(?P<label>[\w:.-]+)>?`")
RAW_MYST = ("```{", ":::{", "{solution-start}", "{solution-end}", "{exercise}", "{code-cell}")


@dataclass(frozen=True)
class Package:
    """The course wheel a downloaded notebook installs: its file name and where the book serves it."""

    wheel: str  # e.g. autodiff_course_utils-1.0.0-py3-none-any.whl
    url: str | None = None  # the published wheel, e.g. https://example.org/course/wheel/<wheel>


def published_wheel_url(root: Path, wheel: str) -> str | None:
    """The wheel's URL on the published book: from COURSE_BOOK_URL (the publishing workflow sets it)
    or `html.baseurl` in _config.yml; None when the book's address is not known."""
    base = os.environ.get("COURSE_BOOK_URL", "").strip()
    if not base:
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
        base = str((config.get("html") or {}).get("baseurl") or "").strip()
    return f"{base.rstrip('/')}/wheel/{wheel}" if base else None


def chapter_number(doc: str) -> int:
    """The chapter's number from its file name: notebooks/03_sine_fit -> 3."""
    name = doc.rsplit("/", 1)[-1]
    if not re.match(r"\d\d_", name):
        raise ValueError(f"{doc}: a chapter's file name starts with its two-digit number (NN_topic.md)")
    return int(name[:2])


def download_script(doc: str, text: str) -> str:
    """A script holding the notebook's text, which a page opened from disk (file://) can load and
    offer as a download (browsers refuse `fetch` and the `download` attribute on file:// links)."""
    return f"(window.courseNotebooks = window.courseNotebooks || {{}})[{json.dumps(doc)}] = {json.dumps(text)};\n"


def install_source(package: Package) -> str:
    """The first cell of every downloaded chapter (short: a learner reads it before anything else)."""
    return f"""\
# Installs the course package (`utils`) unless importable; keeps the torch already here
# (Colab's, a JupyterHub's: 2.5 or newer). Another copy of the package: set the variable
# COURSE_PACKAGE to its wheel's path or URL (os.environ["COURSE_PACKAGE"] = "...").
import importlib.metadata, os, pathlib, subprocess, sys
from importlib.util import find_spec
WHEEL = {package.wheel!r}
PUBLISHED = {package.url!r}
if find_spec("utils") is None or find_spec("utils.grading") is None:
    local = pathlib.Path("../wheel", WHEEL)  # where the classroom archive keeps it
    default = local if local.is_file() else PUBLISHED
    package = os.environ.get("COURSE_PACKAGE") or default
    here = find_spec("torch") and importlib.metadata.version("torch")
    keep = [f"torch=={{here}}"] if here else []  # pip must not replace it
    pip = [sys.executable, "-m", "pip", "install", "-q", str(package), *keep]
    done = package and subprocess.run(pip, capture_output=True, text=True)
    if not done or done.returncode != 0:
        raise RuntimeError(
            f"Could not install the course package from {{package!r}}: set "
            f"COURSE_PACKAGE (now {{os.environ.get('COURSE_PACKAGE')!r}}) to the path or "
            f"URL of {{WHEEL}} (the book's landing page links it). "
            + (done.stderr.strip()[-400:] if done else ""))
    importlib.invalidate_caches()
"""


def install_cell(package: Package) -> nbformat.NotebookNode:
    """The install cell as a notebook cell, tagged so tests and tools can find it."""
    cell = nbformat.v4.new_code_cell(install_source(package))
    cell.metadata = nbformat.from_dict({"tags": [INSTALL_TAG]})
    return cell


def _split_gates(source: str) -> list[tuple[str, str]]:
    """A markdown cell as pieces: ("text", markdown), ("start", label) or ("end", "")."""
    pieces: list[tuple[str, str]] = []
    position = 0
    for gate in _GATE.finditer(source):
        if source[position : gate.start()].strip():
            pieces.append(("text", source[position : gate.start()]))
        pieces.append((gate["kind"], gate["label"].strip()))
        position = gate.end()
    if source[position:].strip():
        pieces.append(("text", source[position:]))
    return pieces


def exercise_numbers(notebook: nbformat.NotebookNode, chapter: int) -> dict[str, str]:
    """Exercise label -> "Exercise <chapter>.<k>", in reading order (as the book numbers them)."""
    labels: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            labels += _EXERCISE_LABEL.findall(cell.source)
    return {label: f"Exercise {chapter}.{k}" for k, label in enumerate(labels, start=1)}


def _markdown(text: str, numbers: dict[str, str], counter: list[int], chapter: int) -> str:
    """Plain markdown for MyST text: references to exercises by number, exercises numbered."""
    text = _ROLE_TO_LABEL.sub(lambda m: numbers.get(m["label"], m.group(0)), text)
    converted = chapters.CHAPTER_LINK.sub(lambda m: f"]({m['stem']}.ipynb{m['anchor'] or ''})", myst_to_markdown(text))

    def number(match: re.Match) -> str:
        counter[0] += 1
        return f"#### Exercise {chapter}.{counter[0]}{match['rest']}"

    return _EXERCISE_HEADING.sub(number, converted)


def _collapse(cell: nbformat.NotebookNode, outputs: bool) -> None:
    """Collapse a code cell's source (and its outputs) in JupyterLab and Notebook 7."""
    jupyter = dict(cell.metadata.get("jupyter", {}))
    jupyter["source_hidden"] = True
    if outputs:
        jupyter["outputs_hidden"] = True
    cell.metadata["jupyter"] = jupyter


def export(executed: nbformat.NotebookNode, chapter: int, package: Package) -> nbformat.NotebookNode:
    """The downloadable notebook of an executed chapter (see the module docstring)."""
    source = copy.deepcopy(executed)
    numbers = exercise_numbers(source, chapter)
    counter = [0]
    cells = [install_cell(package)]
    solution: str | None = None  # the exercise whose solution is open
    solution_parts = 0
    for cell in source.cells:
        if cell.cell_type == "markdown":
            for kind, value in _split_gates(cell.source):
                if kind == "start":
                    solution, solution_parts = numbers.get(value, "the exercise"), 0
                elif kind == "end":
                    solution = None
                else:
                    text = _markdown(value, numbers, counter, chapter).strip()
                    if not text:
                        continue
                    if solution is not None:
                        solution_parts += 1
                        title = f"Solution to {solution}" + (" (continued)" if solution_parts > 1 else "")
                        text = f"<details>\n<summary>{title}: click to open</summary>\n\n{text}\n\n</details>"
                    new = nbformat.v4.new_markdown_cell(text)
                    new.metadata = nbformat.from_dict(
                        {key: value for key, value in cell.metadata.items() if key in ("slideshow", "tags")}
                    )
                    cells.append(new)
        elif cell.cell_type == "code":
            cell.metadata = nbformat.from_dict(
                {key: value for key, value in cell.metadata.items() if key in ("slideshow", "tags", "mystnb", "jupyter")}
            )
            if "remove-cell" in cell.metadata.get("tags", []):
                cell.outputs = []
                cell.execution_count = None
                _collapse(cell, outputs=True)
            elif solution is not None:
                if solution_parts == 0:
                    solution_parts = 1
                    cells.append(
                        nbformat.v4.new_markdown_cell(
                            f"<details>\n<summary>Solution to {solution}: click to open</summary>\n\n"
                            "The collapsed code cells below are the solution: click the bar beside "
                            "one to open it.\n\n</details>"
                        )
                    )
                _collapse(cell, outputs=True)
            cells.append(cell)
        else:
            cells.append(cell)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = nbformat.from_dict(
        {key: value for key, value in source.metadata.items() if key in ("kernelspec", "language_info")}
    )
    notebook.cells = cells
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    nbformat.validate(notebook)
    return notebook


def raw_myst(notebook: nbformat.NotebookNode) -> list[str]:
    """The MyST syntax left in a notebook's markdown (empty for a clean export)."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            found += [f"cell {index}: {token}" for token in RAW_MYST if token in cell.source]
    return found
