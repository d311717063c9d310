"""tools.notebook_export: a chapter's MyST becomes a plain notebook with an install cell first."""

from __future__ import annotations

import ast

import nbformat
import pytest

from tools import notebook_export
from tools.notebook_export import Package, export, raw_myst

PACKAGE = Package("autodiff_course_utils-1.0.0-py3-none-any.whl", "https://example.org/course/wheel/x.whl")


def chapter() -> nbformat.NotebookNode:
    """A small executed chapter: an exercise, a gated solution (text, code), a check cell, a reference."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md("# Title\n\n(sec-one)=\n## One\n\nSee {ref}`demo-ex2` later, after [chapter 2](02_city_placement.md#top)."),
        code("x = 2\nprint(x)", outputs=[nbformat.v4.new_output("stream", text="2\n")]),
        code("assert x == 2", metadata={"tags": ["remove-cell"]}, outputs=[nbformat.v4.new_output("stream", text="2\n")]),
        md("```{exercise}\n:label: demo-ex1\n\nDouble $x$.\n```"),
        md("````{solution-start} demo-ex1\n:class: dropdown\n````"),
        md("Multiply by two."),
        code("y = 2 * x", metadata={"slideshow": {"slide_type": "skip"}}),
        md("````{solution-end}\n````"),
        md("```{exercise}\n:label: demo-ex2\n\nHalve $x$.\n```\n\n````{solution-start} demo-ex2\n:class: dropdown\n````"),
        code("z = x / 2"),
        md("That is 1.\n\n````{solution-end}\n````\n\n```{note}\nAfter the solution.\n```"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, "mystnb": {}}
    return notebook


@pytest.fixture
def exported() -> nbformat.NotebookNode:
    return export(chapter(), 7, PACKAGE)


def markdown(notebook: nbformat.NotebookNode) -> str:
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def test_the_first_cell_installs_the_package_from_course_package_or_the_book(exported):
    first = exported.cells[0]
    assert first.cell_type == "code" and notebook_export.INSTALL_TAG in first.metadata["tags"]
    ast.parse(first.source)
    assert 'os.environ.get("COURSE_PACKAGE")' in first.source
    assert f"PUBLISHED = {PACKAGE.url!r}" in first.source and f"WHEEL = {PACKAGE.wheel!r}" in first.source
    assert 'pathlib.Path("../wheel", WHEEL)' in first.source
    # torch: only the one already installed is named (pip keeps it), never a version of the cell's own.
    torch_mentions = [line.strip() for line in first.source.splitlines() if "torch" in line and not line.startswith("#")]
    assert torch_mentions == [
        'here = find_spec("torch") and importlib.metadata.version("torch")',
        'keep = [f"torch=={here}"] if here else []  # pip must not replace it',
    ], torch_mentions
    assert len(first.source.splitlines()) <= 22
    assert max(len(line) for line in first.source.splitlines() if "PUBLISHED = " not in line) <= 88


def test_without_a_published_url_the_cell_asks_for_course_package():
    source = notebook_export.install_source(Package(PACKAGE.wheel, None))
    assert "PUBLISHED = None" in source and "COURSE_PACKAGE" in source
    ast.parse(source)


def test_exercises_become_numbered_headings_and_references_their_numbers(exported):
    text = markdown(exported)
    assert "#### Exercise 7.1" in text and "#### Exercise 7.2" in text
    assert "See Exercise 7.2 later, after [chapter 2](02_city_placement.ipynb#top)." in text
    assert raw_myst(exported) == []
    assert "(sec-one)=" not in text


def test_solutions_are_collapsed(exported):
    details = [cell.source for cell in exported.cells if cell.cell_type == "markdown" and "<details>" in cell.source]
    assert any("Solution to Exercise 7.1" in block and "Multiply by two." in block for block in details)
    assert any("Solution to Exercise 7.2" in block for block in details)
    assert any("Solution to Exercise 7.2 (continued)" in block and "That is 1." in block for block in details)
    solution_code = [cell for cell in exported.cells if cell.cell_type == "code" and cell.source in ("y = 2 * x", "z = x / 2")]
    assert len(solution_code) == 2
    assert all(cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True} for cell in solution_code)
    # After the solution's end, text is no longer inside a <details> block.
    after = next(cell for cell in exported.cells if "After the solution." in cell.source)
    assert "<details>" not in after.source and "**Note**" in after.source


def test_check_cells_run_but_show_nothing(exported):
    check = next(cell for cell in exported.cells if cell.source == "assert x == 2")
    assert check.outputs == [] and check.metadata["jupyter"]["source_hidden"] is True
    shown = next(cell for cell in exported.cells if cell.source.startswith("x = 2"))
    assert shown.outputs and "jupyter" not in shown.metadata


def test_the_code_is_the_chapter_code_after_the_install_cell(exported):
    code = [cell.source for cell in exported.cells if cell.cell_type == "code"]
    assert code[1:] == [cell.source for cell in chapter().cells if cell.cell_type == "code"]


def test_metadata_and_ids_are_stable(exported):
    assert set(exported.metadata) == {"kernelspec"}
    assert [cell.id for cell in exported.cells] == [f"cell-{i}" for i in range(len(exported.cells))]
    assert nbformat.writes(export(chapter(), 7, PACKAGE)) == nbformat.writes(exported)


def test_raw_myst_is_found_when_left_in():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("```{exercise}\nx\n```")])
    assert raw_myst(notebook) == ["cell 0: ```{", "cell 0: {exercise}"]


def test_published_url_from_the_environment(tmp_path, monkeypatch):
    (tmp_path / "_config.yml").write_text("html:\n  baseurl: ''\n")
    monkeypatch.delenv("COURSE_BOOK_URL", raising=False)
    assert notebook_export.published_wheel_url(tmp_path, "a.whl") is None
    monkeypatch.setenv("COURSE_BOOK_URL", "https://example.org/book/")
    assert notebook_export.published_wheel_url(tmp_path, "a.whl") == "https://example.org/book/wheel/a.whl"


def test_chapter_number_needs_a_numbered_file_name():
    assert notebook_export.chapter_number("notebooks/03_sine_fit") == 3
    with pytest.raises(ValueError, match="NN_topic"):
        notebook_export.chapter_number("notebooks/sine_fit")
