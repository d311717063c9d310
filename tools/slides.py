"""reveal.js decks from the chapters: `python -m tools.slides` (what `make slides` runs).

Each chapter's `.md` is the deck's only source: its cells' `slideshow` metadata says where slides
start, and its executed outputs (figures, printed numbers) come from the book's execution cache.
Cells for readers only stay out: hidden checks (`remove-cell`), the set-up cell (`hide-cell`),
`skip` cells and solutions. MyST directives become plain Markdown (`tools.myst_slides`).

Everything a deck loads is copied from `node_modules` (npm, pinned by package-lock.json) into
`_build/html/slides/_assets/`: reveal.js 4, MathJax 2 (the API nbconvert's template calls),
require.js and jQuery. Mermaid, which nbconvert would import from a CDN, is left out.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

import nbformat
from nbconvert.exporters import SlidesExporter
from nbconvert.preprocessors import CoalesceStreamsPreprocessor, Preprocessor, TagRemovePreprocessor
from traitlets.config import Config

from utils.plotting import describe_animation

from tools import assets, chapters, myst_slides

TEMPLATE_DIR = Path(__file__).resolve().parent / "slides_template"
ASSET_DIR = "_assets"
MANIFEST = "decks.json"
# Logical slide size: 16:9. reveal.js scales it to the screen.
WIDTH, HEIGHT = 1280, 720
# Tags whose cells never reach a slide.
DROP_TAGS = {"remove-cell", "hide-cell"}
# A code cell that draws a figure shows only the figure on a slide, unless it carries this tag.
SHOW_CODE_TAG = "slide-show-code"
FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
# What fits on a 1280 x 720 slide at the deck's font sizes (20px code, 18px output): lines of about
# CODE_COLUMNS characters; an output longer than MAX_OUTPUT_LINES is clipped, and a cell whose code
# and output together pass MAX_CELL_LINES shows its output on the next subslide.
CODE_COLUMNS = 100
MAX_OUTPUT_LINES = 14
MAX_CELL_LINES = 22
# An output this short stays under its code even when the cell is long (the slide then needs a
# shorter cell, which the browser test's 16:9 check asks of the chapter's author).
ORPHAN_LINES = 2

# What the decks load (copied from node_modules into _assets): the list lives in tools/assets.py.
ASSETS = assets.DECKS


class ChapterSlidesPreprocessor(Preprocessor):
    """Keep what a lecture shows: drop reader-only cells, rewrite MyST markdown for reveal.js.

    `chapter`: the chapter's number in the book; exercises are then numbered as the book numbers
    them ("Exercise 9.2").
    """

    def __init__(self, chapter: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.chapter = chapter

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        numbers = myst_slides.ExerciseNumbers(self.chapter) if self.chapter is not None else None
        kept = []
        pending_start = None  # a dropped cell's "slide"/"subslide" start, handed to the next kept cell
        in_solution = False
        heading_level = 0  # the last heading's level: a deck's headings go down one level at a time
        for cell in nb.cells:
            slide_type = cell.metadata.get("slideshow", {}).get("slide_type", "-")
            starts_inside = in_solution
            drop = slide_type == "skip" or bool(DROP_TAGS & set(cell.metadata.get("tags", [])))
            if cell.cell_type == "markdown":
                # A cell may hold the exercise and open its solution, or close it and go on.
                in_solution = myst_slides.inside_solution_after(cell.source, in_solution)
                if drop and numbers is not None:
                    numbers.skip(cell.source)
                if not drop:
                    cell.source = myst_slides.myst_to_markdown(cell.source, starts_inside, numbers)
                    cell.source = links_to_chapter_pages(cell.source)
                    cell.source, heading_level = headings_in_order(cell.source, heading_level)
                    drop = not cell.source.strip()
            else:
                drop = drop or starts_inside
            if drop:
                if slide_type in ("slide", "subslide") and pending_start != "slide":
                    pending_start = slide_type
                continue
            if pending_start and slide_type not in ("slide", "subslide"):
                cell.metadata.setdefault("slideshow", {})["slide_type"] = pending_start
            pending_start = None
            if cell.cell_type == "code":
                kept.extend(fit_code_cell(cell))
            else:
                kept.append(cell)
        nb.cells = kept
        return nb, resources


_HEADING = re.compile(r"^(?P<marks>#{1,6})(?=\s)")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def links_to_chapter_pages(markdown: str) -> str:
    """Links to a chapter's `.md` source point at its page in the built book instead."""
    return chapters.CHAPTER_LINK.sub(lambda m: f"](../notebooks/{m['stem']}.html{m['anchor'] or ''})", markdown)


def headings_in_order(markdown: str, level: int) -> tuple[str, int]:
    """Headings that skip a level (`##` then `####`) move up to one below the previous heading.

    `level` is the last heading's level before this text; returns the text and its last level.
    Code blocks are left alone.
    """
    lines, fenced = [], False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading:
            wanted = min(len(heading["marks"]), level + 1)
            line = "#" * wanted + line[len(heading["marks"]) :]
            level = wanted
        lines.append(line)
    return "\n".join(lines), level


def alt_text(cell: nbformat.NotebookNode) -> str:
    """What the cell's figure shows, from its metadata (`mystnb: image: alt`, else the caption)."""
    mystnb = cell.metadata.get("mystnb", {})
    return str(mystnb.get("image", {}).get("alt") or mystnb.get("figure", {}).get("caption") or "").strip()


def shows_figure(cell: nbformat.NotebookNode) -> bool:
    """Whether a code cell's outputs include an image, an animation (`to_jshtml`) or an explorable."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        html = data.get("text/html", "")
        if any(kind in data for kind in FIGURE_TYPES) or 'class="animation"' in html or 'class="course-explorable"' in html:
            return True
    return False


def screen_lines(text: str) -> int:
    """How many lines `text` takes on a slide, counting long lines as wrapped."""
    return sum(max(1, -(-len(line) // CODE_COLUMNS)) for line in text.splitlines())


def clip_text(text: str, limit: int = MAX_OUTPUT_LINES) -> str:
    """At most `limit` lines: the first ones, a line saying how many were left out, the last two."""
    lines = text.splitlines()
    if len(lines) <= limit:
        return text
    head, tail = lines[: limit - 3], lines[-2:]
    hidden = len(lines) - len(head) - len(tail)
    return "\n".join([*head, f"... {hidden} more lines on the chapter page ...", *tail]) + "\n"


def _text_lines(outputs: list) -> int:
    lines = 0
    for output in outputs:
        if output.output_type == "stream":
            lines += screen_lines(output.text)
        elif output.output_type == "error":
            lines += sum(screen_lines(line) for line in output.traceback)
        elif "text/html" not in output.get("data", {}) and "text/plain" in output.get("data", {}):
            lines += screen_lines(output.data["text/plain"])
    return lines


def fit_code_cell(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """A code cell as a slide shows it, as one cell or (code, then output on a subslide) two.

    Only what the room should see: no stderr; consecutive prints merged and progress bars (`\\r`)
    reduced to their last state; an error's traceback reduced to its last line (`NameError: ...`);
    long text clipped. A cell that draws a figure shows only the figure (tag `slide-show-code`
    keeps its code); a cell whose code and text output are too long for one slide shows its output
    on the next subslide, unless that output is a line or two (it would stand there alone).
    """
    cell.outputs = [out for out in cell.get("outputs", []) if out.get("name") != "stderr"]
    cell, _ = CoalesceStreamsPreprocessor().preprocess_cell(cell, {}, 0)
    for output in cell.outputs:
        if output.output_type == "error" and output.traceback:
            output.traceback = [output.traceback[-1]]
        elif output.output_type == "stream":
            output.text = clip_text(output.text)
        elif "text/plain" in output.get("data", {}) and "text/html" not in output.data:
            output.data["text/plain"] = clip_text(output.data["text/plain"])
        elif "_anim_img" in output.get("data", {}).get("text/html", "") and alt_text(cell):
            output.data["text/html"] = describe_animation(output.data["text/html"], alt_text(cell))
    tags = cell.metadata.get("tags", [])
    if shows_figure(cell) and SHOW_CODE_TAG not in tags:
        cell.metadata["tags"] = [*tags, "remove-input"]
        players = [out for out in cell.outputs if "_anim_img" in out.get("data", {}).get("text/html", "")]
        if players:
            cell.outputs = players  # an animation fills the slide (70% of its width): nothing else fits
        return [cell]
    if not cell.outputs or screen_lines(cell.source) + _text_lines(cell.outputs) <= MAX_CELL_LINES:
        return [cell]
    if _text_lines(cell.outputs) <= ORPHAN_LINES and not shows_figure(cell):
        return [cell]  # a line or two alone on a slide reads as an orphan: kept under its code
    shown = nbformat.v4.new_code_cell(cell.source, metadata={"slideshow": {"slide_type": "subslide"}})
    shown.metadata["tags"] = [*tags, "remove-input"]
    shown.outputs, cell.outputs = cell.outputs, []
    shown.execution_count = cell.get("execution_count")
    return [cell, shown]


def slide_count(nb: nbformat.NotebookNode) -> int:
    """How many slides reveal.js shows for a preprocessed notebook (each subslide counts)."""
    starts = [cell.metadata.get("slideshow", {}).get("slide_type") in ("slide", "subslide") for cell in nb.cells]
    return sum(starts) + (0 if not starts or starts[0] else 1)


def exporter() -> SlidesExporter:
    """nbconvert's reveal.js exporter set up for offline, 16:9, readable decks."""
    config = Config()
    config.SlidesExporter.reveal_url_prefix = f"{ASSET_DIR}/reveal.js"
    config.SlidesExporter.reveal_theme = "white"  # imports no web fonts
    config.SlidesExporter.reveal_transition = "none"
    config.SlidesExporter.reveal_scroll = False  # slides are fitted, never scrolled (the template)
    config.SlidesExporter.reveal_number = "c/t"
    config.SlidesExporter.reveal_width = str(WIDTH)
    config.SlidesExporter.reveal_height = str(HEIGHT)
    config.SlidesExporter.mathjax_url = f"{ASSET_DIR}/mathjax2/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    config.SlidesExporter.require_js_url = f"{ASSET_DIR}/requirejs/require.js"
    config.SlidesExporter.jquery_url = f"{ASSET_DIR}/jquery/jquery.min.js"
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input", "hide-input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "hide-output"}
    slides = SlidesExporter(
        config=config, extra_template_paths=[str(TEMPLATE_DIR)], template_file="course_slides.html.j2"
    )
    # Cells are dropped before export (see `build_deck`): nbconvert's reveal preprocessor, which
    # runs first, computes where slides start and end from the cells it is given.
    slides.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    return slides


def prepare(nb: nbformat.NotebookNode, chapter: int | None = None) -> nbformat.NotebookNode:
    """The notebook as the deck shows it (reader-only cells removed, MyST rewritten); `chapter`
    numbers its exercises."""
    prepared, _ = ChapterSlidesPreprocessor(chapter).preprocess(copy.deepcopy(nb), {})
    return prepared


def chapter_number(stem: str) -> int | None:
    """A chapter's number in the book, from its file name (`09_build_autograd` -> 9)."""
    match = re.match(r"(\d+)_", stem)
    return int(match.group(1)) if match else None


def copy_assets(node_modules: Path, slides_dir: Path) -> None:
    """Copy the decks' front-end files from node_modules into the built site."""
    assets.copy_assets(ASSETS, slides_dir / ASSET_DIR, node_modules)


def build_deck(nb: nbformat.NotebookNode, title: str, target: Path) -> int:
    """Write one deck to `target`; return its number of slides."""
    nb = prepare(nb, chapter_number(target.name.split(".")[0]))
    nb.metadata["title"] = title
    body, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return slide_count(nb)


def chapter_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The chapter's `# Title` line, or `fallback`."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def build_decks(root: Path, notebooks: dict[str, nbformat.NotebookNode]) -> dict[str, Path]:
    """Write a deck per chapter (from its executed notebook) plus the assets and `decks.json`."""
    slides_dir = root / "_build" / "html" / "slides"
    copy_assets(root / "node_modules", slides_dir)
    decks: dict[str, Path] = {}
    # Decks of chapters not passed in (unchanged since the last build) keep their manifest entry.
    manifest_path = slides_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    for doc, nb in notebooks.items():
        stem = doc.rsplit("/", 1)[-1]
        target = slides_dir / f"{stem}.slides.html"
        count = build_deck(nb, chapter_title(nb, stem), target)
        decks[doc] = target
        manifest[doc] = {"deck": f"slides/{target.name}", "slides": count}
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return decks


def main() -> int:
    root = chapters.ROOT
    notebooks = {}
    for doc in chapters.chapters(root):
        try:
            notebooks[doc] = chapters.executed_chapter(doc, root, execute_missing=True)
        except Exception as error:  # noqa: BLE001 - report which chapter and why, then stop
            print(f"{doc}: {error}", file=sys.stderr)
            return 1
    decks = build_decks(root, notebooks)
    for doc, path in decks.items():
        print(f"{doc}: {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
