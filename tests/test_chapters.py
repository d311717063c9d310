"""tools.chapters: the one chapter list, read from _toc.yml by jupyter-book's own parser."""

from pathlib import Path

import pytest

from tools import chapters

TOC = """\
format: jb-book
root: intro
parts:
  - caption: First
    chapters:
      - file: notebooks/03_late
        sections:
          - file: notebooks/03a_section
      - file: notebooks/01_early.md
  - caption: Second
    chapters:
      - url: https://example.org
        title: Elsewhere
      - file: appendix
"""


def make_book(root: Path, toc: str = TOC, missing: tuple[str, ...] = ()) -> Path:
    (root / "notebooks").mkdir()
    for doc in ("intro", "notebooks/03_late", "notebooks/03a_section", "notebooks/01_early", "appendix"):
        if doc not in missing:
            (root / f"{doc}.md").write_text("# Title\n")
    (root / "_toc.yml").write_text(toc)
    return root


def test_documents_in_reading_order_with_sections_after_their_chapter(tmp_path):
    make_book(tmp_path)
    assert chapters.toc_files(tmp_path) == [
        "intro",
        "notebooks/03_late",
        "notebooks/03a_section",
        "notebooks/01_early",
        "appendix",
    ]


def test_chapters_are_the_notebooks_that_exist(tmp_path):
    make_book(tmp_path, missing=("notebooks/01_early",))  # listed, not written yet
    assert chapters.chapters(tmp_path) == ["notebooks/03_late", "notebooks/03a_section"]


def test_a_broken_toc_names_the_file(tmp_path):
    make_book(tmp_path, toc="format: jb-book\nchapters: []\n")  # no root
    with pytest.raises(ValueError, match=r"_toc\.yml"):
        chapters.toc_files(tmp_path)


def test_the_books_own_toc_lists_every_chapter_file_in_notebooks():
    listed = set(chapters.chapters())
    on_disk = {f"notebooks/{path.stem}" for path in (chapters.ROOT / "notebooks").glob("[0-9][0-9]_*.md")}
    assert listed == on_disk, "a chapter file is missing from _toc.yml (or the toc names one that is not there)"
