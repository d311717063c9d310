"""The built book: it builds with warnings as errors, and every page, notebook and deck is there.

The build itself runs once per test run (fixture `built_book` in tests/conftest.py).
"""

from __future__ import annotations

import re

import nbformat

from tools import chapters, notebook_export, wheel
from tools.build_book import problems, static_changed_since
from tools.chapter_links import deck_path, notebook_path

# A script, stylesheet, image or font loaded from another host.
REMOTE_LOAD = re.compile(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)


def test_the_build_log_reports_no_warning(built_book):
    log = built_book.log.read_text(encoding="utf-8")
    assert "book build succeeded" in log
    assert problems(log) == [], "\n".join(problems(log))


def test_every_page_in_the_toc_is_built(built_book):
    missing = [page for page in built_book.pages if not (built_book.html / f"{page}.html").is_file()]
    assert missing == []
    assert (built_book.html / "index.html").is_file()
    assert (built_book.html / "search.html").is_file()


def test_every_chapter_page_links_to_its_deck_and_its_notebook(built_book):
    assert built_book.chapters, "_toc.yml lists no chapter"
    for chapter in built_book.chapters:
        page = (built_book.html / f"{chapter}.html").read_text(encoding="utf-8")
        depth = chapter.count("/")
        assert f'href="{"../" * depth}{deck_path(chapter)}"' in page, f"{chapter}: no link to its deck"
        assert f'href="{"../" * depth}{notebook_path(chapter)}"' in page, f"{chapter}: no .ipynb download"


def test_pages_load_nothing_from_other_hosts(built_book):
    for page in built_book.pages:
        html = (built_book.html / f"{page}.html").read_text(encoding="utf-8")
        assert not REMOTE_LOAD.search(html), f"{page}: {REMOTE_LOAD.search(html).group(0)}"


def test_each_chapter_notebook_is_valid_and_has_its_outputs(built_book):
    for chapter in built_book.chapters:
        notebook = nbformat.read(built_book.html / notebook_path(chapter), as_version=4)
        nbformat.validate(notebook)
        source = chapters.read_chapter(chapter, built_book.root)
        install, *code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert notebook_export.INSTALL_TAG in install.metadata.get("tags", []), f"{chapter}: no install cell first"
        expected = [cell.source for cell in source.cells if cell.cell_type == "code"]
        assert [cell.source for cell in code] == expected, f"{chapter}: code differs from its .md"
        assert any(cell.outputs for cell in code), f"{chapter}: the notebook has no outputs"
        checks = [cell for cell in code if "remove-cell" in cell.metadata.get("tags", [])]
        assert all(not cell.outputs for cell in checks), f"{chapter}: a hidden check cell shows output"
        errors = [out for cell in code for out in cell.outputs if out.output_type == "error"]
        raising = [cell for cell in code if "raises-exception" in cell.metadata.get("tags", [])]
        assert len(errors) <= len(raising), f"{chapter}: an unexpected error output"


def test_each_chapter_has_an_offline_deck(built_book):
    assert set(built_book.decks) == set(built_book.chapters)
    for chapter, deck in built_book.decks.items():
        html = (built_book.html / deck["deck"]).read_text(encoding="utf-8")
        assert deck["slides"] >= 1
        assert not REMOTE_LOAD.search(html), f"{chapter}: {REMOTE_LOAD.search(html).group(0)}"
        assert "import mermaid" not in html
        for raw_myst in ("```{", ":::{", "{solution-start}", "{exercise}"):
            assert raw_myst not in html, f"{chapter}: raw MyST {raw_myst!r} in its deck"
    assets = built_book.html / "slides" / "_assets"
    for needed in ("reveal.js/dist/reveal.js", "mathjax2/MathJax.js", "requirejs/require.js", "jquery/jquery.min.js"):
        assert (assets / needed).is_file(), needed


def test_the_site_serves_the_course_wheel_the_notebooks_install(built_book):
    served = built_book.html / wheel.WHEEL_DIR / wheel.wheel_name(built_book.root)
    assert served.is_file(), f"no wheel at {served}"
    assert [path.name for path in served.parent.iterdir()] == [served.name], "an old wheel lingers"
    for chapter in built_book.chapters:
        notebook = nbformat.read(built_book.html / notebook_path(chapter), as_version=4)
        assert f"WHEEL = {served.name!r}" in notebook.cells[0].source, f"{chapter}: installs another wheel"
        script = built_book.html / f"{notebook_path(chapter)}.js"
        assert script.is_file(), f"{chapter}: no {script.name} for downloads from disk"


def test_the_landing_page_links_the_served_wheel(built_book):
    landing = (built_book.html / f"{built_book.pages[0]}.html").read_text(encoding="utf-8")
    assert f'href="{wheel.WHEEL_DIR}/{wheel.wheel_name(built_book.root)}"' in landing, "intro.md: update the wheel link"


def test_a_theme_file_changed_after_the_last_good_build_asks_for_a_full_build(tmp_path):
    import os
    import time

    folder = tmp_path / "tools" / "theme_a11y_files" / "static"
    folder.mkdir(parents=True)
    style = folder / "course-a11y.css"
    style.write_text("a { color: blue; }")
    marker = tmp_path / "_build" / ".book-build-succeeded"
    marker.parent.mkdir()
    marker.write_text("1")
    os.utime(style, (time.time() - 100, time.time() - 100))
    assert not static_changed_since(marker, tmp_path)
    os.utime(style, (time.time() + 100, time.time() + 100))
    assert static_changed_since(marker, tmp_path)
    marker.unlink()
    assert not static_changed_since(marker, tmp_path)  # no good build yet: a full build anyway
