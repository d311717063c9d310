"""How a chapter becomes a deck: which cells stay, and how MyST reads on a slide (no book build needed)."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import chapters
from tools.myst_slides import myst_to_markdown
from tools.slides import MAX_CELL_LINES, chapter_number, prepare, screen_lines, slide_count


def slide(cell, slide_type: str, tags: list[str] | None = None):
    cell.metadata["slideshow"] = {"slide_type": slide_type}
    if tags:
        cell.metadata["tags"] = tags
    return cell


def test_an_exercise_becomes_a_heading_with_its_text_and_label_option_gone():
    text = myst_to_markdown("```{exercise}\n:label: ch-ex1\n\nCompute $f'(2)$.\n```")
    assert text.splitlines()[0] == "#### Exercise"
    assert "Compute $f'(2)$." in text
    assert ":label:" not in text and "```" not in text


def test_an_admonition_becomes_a_titled_quote_and_colon_fences_work():
    text = myst_to_markdown(":::{admonition} Why\n:class: tip\nBecause **gradients** add up.\n:::")
    assert text.splitlines() == ["> **Why**", ">", "> Because **gradients** add up."]
    assert myst_to_markdown("```{note}\nMind the sign.\n```").startswith("> **Note**")


def test_roles_show_their_text_and_plain_code_blocks_stay_untouched():
    assert myst_to_markdown("See {ref}`the loop <gd-loop>` and {math}`x^2`.") == "See the loop and $x^2$."
    code = "```python\n{ref}`not a role here`\n```"
    assert myst_to_markdown(code) == code


def test_a_math_directive_becomes_display_math_without_its_label():
    assert myst_to_markdown("```{math}\n:label: eq-grad\n\\nabla f\n```") == "$$\n\\nabla f\n$$"


def test_a_solution_sharing_a_cell_with_its_exercise_is_dropped_but_the_exercise_stays():
    source = "```{exercise}\n:label: e1\nDo it.\n```\n\n````{solution-start} e1\n:class: dropdown\n````\n"
    text = myst_to_markdown(source)
    assert "Do it." in text and "solution" not in text and "dropdown" not in text


def test_reader_only_cells_stay_out_of_the_deck():
    nb = new_notebook(
        cells=[
            slide(new_markdown_cell("# Title"), "slide"),
            slide(new_code_cell("import torch"), "skip", ["hide-cell"]),
            slide(new_code_cell("x = 1\nx"), "-"),
            slide(new_code_cell("assert x == 1"), "-", ["remove-cell"]),
            slide(new_markdown_cell("```{exercise}\n:label: e1\nTry.\n```\n\n```{solution-start} e1\n```"), "slide"),
            slide(new_markdown_cell("The answer is one."), "-"),
            slide(new_code_cell("print('solution')"), "-"),
            slide(new_markdown_cell("```{solution-end}\n```\n\nBack to the lecture."), "-"),
            slide(new_markdown_cell("Reading only."), "skip"),
        ]
    )
    kept = prepare(nb)
    sources = [cell.source for cell in kept.cells]
    # "#### Exercise" after "# Title" moves up to "##": a deck's headings go down one level at a time.
    assert sources == ["# Title", "x = 1\nx", "## Exercise\n\nTry.", "Back to the lecture."]
    assert slide_count(kept) == 2


def test_a_dropped_cell_that_opened_a_slide_hands_the_start_to_the_next_cell():
    nb = new_notebook(
        cells=[
            slide(new_markdown_cell("# One"), "slide"),
            slide(new_code_cell("assert True"), "slide", ["remove-cell"]),
            slide(new_code_cell("2 + 2"), "-"),
        ]
    )
    kept = prepare(nb)
    assert [cell.metadata["slideshow"]["slide_type"] for cell in kept.cells] == ["slide", "slide"]
    assert slide_count(kept) == 2
    nbformat.validate(kept)


def test_lab_settings_open_markdown_chapters_as_notebooks_and_keep_other_overrides(tmp_path):
    import json

    from tools.lab import open_markdown_as_notebooks

    settings = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}))
    open_markdown_as_notebooks(settings)
    open_markdown_as_notebooks(settings)  # idempotent, as `make lab` runs it every time
    written = json.loads(settings.read_text())
    assert written["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["markdown"] == "Jupytext Notebook"
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}


def test_the_environment_has_the_live_slides_and_jupytext_lab_extensions():
    from tools.lab import missing_extensions

    assert missing_extensions() == []


def test_a_figure_cell_shows_only_its_figure_unless_tagged_to_show_its_code():
    from tools.slides import SHOW_CODE_TAG

    figure = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}}
    plain = slide(new_code_cell("plt.plot(x)"), "subslide")
    plain.outputs = [nbformat.from_dict(figure)]
    shown = slide(new_code_cell("plt.plot(x)"), "subslide", [SHOW_CODE_TAG])
    shown.outputs = [nbformat.from_dict(figure)]
    kept = prepare(new_notebook(cells=[plain, shown]))
    assert "remove-input" in kept.cells[0].metadata["tags"]
    assert "remove-input" not in kept.cells[1].metadata["tags"]
    assert kept.cells[0].outputs[0].data["image/png"] == "iVBOR"


def test_progress_bars_reduce_to_their_last_state_and_long_output_is_clipped():
    from tools.slides import MAX_OUTPUT_LINES

    cell = new_code_cell("train()")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="\rstep 1/3"),
        nbformat.v4.new_output("stream", name="stdout", text="\rstep 3/3\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
        nbformat.v4.new_output("stream", name="stdout", text="".join(f"line {i}\n" for i in range(40))),
    ]
    (kept,) = prepare(new_notebook(cells=[cell])).cells
    assert len(kept.outputs) == 1
    lines = kept.outputs[0].text.splitlines()
    assert lines[0] == "step 3/3" and "a warning" not in lines
    assert len(lines) == MAX_OUTPUT_LINES and lines[-1] == "line 39"
    assert "more lines on the chapter page" in lines[-3]


def test_an_error_on_a_slide_is_its_last_traceback_line():
    cell = slide(new_code_cell("x.backward()"), "-", ["raises-exception"])
    traceback = ["----", "Cell In[3], line 1", "  frame", "RuntimeError: element 0 does not require grad"]
    cell.outputs = [nbformat.v4.new_output("error", ename="RuntimeError", evalue="...", traceback=traceback)]
    (kept,) = prepare(new_notebook(cells=[cell])).cells
    assert kept.outputs[0].traceback == ["RuntimeError: element 0 does not require grad"]


def test_a_cell_too_long_for_one_slide_shows_its_output_on_the_next_subslide():
    from tools.slides import MAX_CELL_LINES

    long_cell = slide(new_code_cell("\n".join(f"a{i} = {i}" for i in range(MAX_CELL_LINES - 2))), "-")
    long_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n2\n3\n4\n")]
    short_cell = slide(new_code_cell("print(1)"), "-")
    short_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb = new_notebook(cells=[slide(new_markdown_cell("## Loop"), "slide"), long_cell, short_cell])
    kept = prepare(nb)
    code, output, short = kept.cells[1:]
    assert code.source == output.source and code.outputs == []
    assert output.metadata["slideshow"]["slide_type"] == "subslide"
    assert "remove-input" in output.metadata["tags"] and output.outputs[0].text == "1\n2\n3\n4\n"
    assert short.outputs[0].text == "1\n" and "tags" not in short.metadata
    assert slide_count(kept) == 2
    nbformat.validate(kept)


def test_deck_headings_never_skip_a_level_but_code_blocks_keep_their_hashes():
    from tools.slides import headings_in_order

    text, level = headings_in_order("## Exercises\n\n#### Exercise\n\n```python\n### not a heading\n```", 1)
    assert text.splitlines()[0] == "## Exercises" and text.splitlines()[2] == "### Exercise"
    assert "### not a heading" in text.splitlines() and level == 3
    assert headings_in_order("#### Deep", 0) == ("# Deep", 1)
    assert headings_in_order("## Up again", 4) == ("## Up again", 2)


def test_links_to_another_chapter_source_open_its_page_in_the_book():
    from tools.slides import links_to_chapter_pages

    text = "See [autograd](01_autograd_basics.md) and [its loop](01_autograd_basics.md#gd-loop), not [x](x.md)."
    assert links_to_chapter_pages(text) == (
        "See [autograd](../notebooks/01_autograd_basics.html) and "
        "[its loop](../notebooks/01_autograd_basics.html#gd-loop), not [x](x.md)."
    )


def test_deck_figures_and_animations_carry_their_cells_alt_text():
    from tools.slides import exporter

    alt = 'Loss falls "fast" & then flattens'
    figure = slide(new_code_cell("plt.plot(x)"), "slide")
    figure.metadata["mystnb"] = {"image": {"alt": alt}}
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<F>"})]
    player = '<div class="animation"><img id="_anim_img1a"><input class="anim-slider"></div>'
    movie = slide(new_code_cell("HTML(movie_html)"), "slide")
    movie.metadata["mystnb"] = {"image": {"alt": "Five descents; two reach the fit."}}
    movie.outputs = [nbformat.v4.new_output("display_data", data={"text/html": player, "text/plain": "<HTML>"})]
    bare = slide(new_code_cell("plt.plot(y)"), "slide")
    bare.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<F>"})]
    body, _ = exporter().from_notebook_node(prepare(new_notebook(cells=[figure, movie, bare])))
    assert "Loss falls &quot;fast&quot; &amp; then flattens" in body or "Loss falls \"fast\" &amp; then flattens" in body
    assert 'alt="Five descents; two reach the fit."' in body
    assert "No description has been provided" not in body
    assert body.count('alt=""') == 1  # the cell without alt text: the browser test rejects it


def test_a_line_or_two_of_output_stays_under_its_long_cell_instead_of_standing_alone():
    from tools.slides import MAX_CELL_LINES, ORPHAN_LINES

    long_code = "\n".join(f"a{i} = {i}" for i in range(MAX_CELL_LINES))
    short = slide(new_code_cell(long_code), "-")
    short.outputs = [nbformat.v4.new_output("stream", name="stdout", text="done\n" * ORPHAN_LINES)]
    longer = slide(new_code_cell(long_code), "-")
    longer.outputs = [nbformat.v4.new_output("stream", name="stdout", text="done\n" * (ORPHAN_LINES + 1))]
    kept = prepare(new_notebook(cells=[slide(new_markdown_cell("## Loop"), "slide"), short, longer]))
    assert [len(cell.outputs) for cell in kept.cells[1:]] == [1, 0, 1]
    assert "remove-input" in kept.cells[3].metadata["tags"]


def test_an_animation_cell_shows_only_its_player_on_a_slide():
    cell = slide(new_code_cell("HTML(movie_html)"), "subslide")
    player = '<div class="animation"><img id="_anim_img9"></div>'
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="21 frames, 300 kB of HTML\n"),
        nbformat.v4.new_output("display_data", data={"text/html": player, "text/plain": "<HTML>"}),
    ]
    (kept,) = prepare(new_notebook(cells=[cell])).cells
    assert [out.output_type for out in kept.outputs] == ["display_data"]
    assert "remove-input" in kept.metadata["tags"]


def test_exercises_are_numbered_as_in_the_book_counting_those_left_off_the_deck():
    nb = new_notebook(
        cells=[
            slide(new_markdown_cell("# Chapter"), "slide"),
            slide(new_markdown_cell("```{exercise}\n:label: e1\nFirst.\n```"), "skip"),
            slide(new_markdown_cell("```{exercise} Chain rule\n:label: e2\nSecond.\n```"), "slide"),
            slide(new_markdown_cell("```{exercise}\n:label: e3\n:nonumber:\nUnnumbered.\n```"), "slide"),
            slide(new_markdown_cell("```{exercise-start}\n:label: e4\n```\nThird.\n```{exercise-end}\n```"), "slide"),
        ]
    )
    headings = [cell.source.splitlines()[0].lstrip("# ") for cell in prepare(nb, chapter=9).cells[1:]]
    assert headings == ["Exercise 9.2: Chain rule", "Exercise", "Exercise 9.3"]
    assert prepare(nb).cells[1].source.startswith("## Exercise: Chain rule")  # no chapter: no number
    assert chapter_number("09_build_autograd") == 9 and chapter_number("intro") is None


# Code cells longer than a slide holds, waiting for their chapter to split them (file, first line of
# the cell's code in the .md): the deck scales such a slide down to fit, which a room reads badly.
LONG_CODE_SLIDES: dict[str, list[str]] = {}


def long_code_slides(notebook: nbformat.NotebookNode, chapter: int | None) -> list[str]:
    """The first line and length of each code cell whose code on the deck passes MAX_CELL_LINES."""
    found = []
    for cell in prepare(notebook, chapter).cells:
        if cell.cell_type == "code" and "remove-input" not in cell.metadata.get("tags", []):
            lines = screen_lines(cell.source)
            if lines > MAX_CELL_LINES:
                found.append((cell.source.splitlines()[0], lines))
    return found


def test_a_long_code_cell_is_found_and_a_figure_cell_is_not():
    long_cell = slide(new_code_cell("\n".join(f"x{i} = {i}" for i in range(MAX_CELL_LINES + 1))), "slide")
    figure = slide(new_code_cell("\n".join(f"y{i} = {i}" for i in range(40))), "slide")
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    short = slide(new_code_cell("x = 1"), "slide")
    found = long_code_slides(new_notebook(cells=[long_cell, figure, short]), None)
    assert found == [("x0 = 0", MAX_CELL_LINES + 1)]


@pytest.mark.parametrize("doc", chapters.chapters())
def test_no_code_slide_is_longer_than_a_slide_holds(doc):
    # From the executed chapter (the book build's cache): a cell that draws a figure shows no code.
    try:
        notebook = chapters.executed_chapter(doc)
    except LookupError as missing:
        pytest.skip(str(missing))
    found = long_code_slides(notebook, chapter_number(doc.rsplit("/", 1)[-1]))
    known = LONG_CODE_SLIDES.get(doc, [])
    new = [f"{first!r}: {lines} lines" for first, lines in found if first not in known]
    assert new == [], f"{doc}: code slides over {MAX_CELL_LINES} lines (split the cells): {new}"
    fixed = sorted(set(known) - {first for first, _ in found})
    assert fixed == [], f"{doc}: no longer too long, take them off LONG_CODE_SLIDES: {fixed}"


def test_a_chapter_reaches_jupyterlab_with_the_kernels_language_info_and_saves_unchanged():
    # JupyterLab marks a notebook modified when the kernel's language_info differs from its metadata:
    # the chapter arrives with it (tools.lab.ChapterContentsManager), and jupytext leaves it out on save.
    import jupytext
    from ipykernel.ipkernel import IPythonKernel

    from tools.lab import with_language_info

    path = chapters.ROOT / f"{chapters.chapters()[0]}.md"
    text = path.read_text(encoding="utf-8")
    notebook = jupytext.reads(text, fmt="md:myst")
    assert "language_info" not in notebook.metadata  # what made every chapter open "modified"
    model = with_language_info({"type": "notebook", "content": notebook})
    assert model["content"]["metadata"]["language_info"] == IPythonKernel.language_info
    assert jupytext.writes(model["content"], fmt="md:myst") == text
    untouched = {"type": "file", "content": "x"}
    assert with_language_info(dict(untouched)) == untouched


def test_live_slides_settings_pick_a_theme_without_web_fonts_and_keep_other_overrides(tmp_path):
    import json

    from tools.lab import RISE_SETTINGS, present_offline

    settings = tmp_path / "overrides.json"
    settings.write_text(json.dumps({"jupyterlab-rise:plugin": {"autolaunch": True}, "other": {"a": 1}}))
    present_offline(settings)
    written = json.loads(settings.read_text())
    # reveal's themes simple, beige, blood, league, moon, night, sky and solarized import Google Fonts.
    assert written["jupyterlab-rise:plugin"]["theme"] in ("white", "black", "serif")
    assert written["jupyterlab-rise:plugin"] == {"autolaunch": True, **RISE_SETTINGS}
    assert written["other"] == {"a": 1}


def test_rise_style_sheets_are_answered_when_missing_and_files_on_disk_win(tmp_path):
    import asyncio

    from tools.lab import RISE_CSS, ChapterContentsManager

    (tmp_path / "own.css").write_text("h1 { color: red; }")
    manager = ChapterContentsManager(root_dir=str(tmp_path))
    rise = asyncio.run(manager.get("notebooks/rise.css", type="file"))
    chapter = asyncio.run(manager.get("notebooks/01_autograd_basics.css", type="file"))
    own = asyncio.run(manager.get("own.css", type="file"))
    assert rise["content"] == RISE_CSS and "Shift+Enter" in RISE_CSS and rise["mimetype"] == "text/css"
    assert chapter["content"] == "" and chapter["type"] == "file"
    assert own["content"] == "h1 { color: red; }"
