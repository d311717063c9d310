"""Chapters are kept in the form jupytext writes, so saving one in JupyterLab changes nothing, and
their hidden check cells stay off live slides and collapsed in JupyterLab.

Fix a failure with `python -m tools.normalize_chapters` (it rewrites the chapters in that form).
"""

from __future__ import annotations

import difflib

import jupytext
import pytest

from tools import normalize_chapters

CHAPTERS = normalize_chapters.chapter_files()
FIX = "run `python -m tools.normalize_chapters`"

SAMPLE = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

```{code-cell} ipython3
x = 2
```

```{code-cell} ipython3
---
tags: [remove-cell]
---
assert x == 2
```
"""


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_a_jupytext_save_leaves_the_chapter_unchanged(path):
    text = path.read_text(encoding="utf-8")
    saved = jupytext.writes(jupytext.reads(text, fmt="md:myst"), fmt="md:myst")
    diff = list(difflib.unified_diff(text.splitlines(), saved.splitlines(), "committed", "saved by jupytext", lineterm="", n=1))
    assert diff == [], f"{path.name}: {FIX}\n" + "\n".join(diff[:30])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_check_cells_are_skipped_on_slides_and_collapsed_in_lab(path):
    notebook = jupytext.read(path)
    for index, cell in enumerate(notebook.cells):
        if "remove-cell" in cell.metadata.get("tags", []):
            assert cell.metadata.get("slideshow", {}).get("slide_type") == "skip", f"{path.name} cell {index}: {FIX}"
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, f"{path.name} cell {index}: {FIX}"


def test_the_normaliser_fixes_a_chapter_and_is_idempotent():
    assert jupytext.writes(jupytext.reads(SAMPLE, fmt="md:myst"), fmt="md:myst") != SAMPLE  # not yet in form
    once = normalize_chapters.normalized(SAMPLE)
    assert normalize_chapters.normalized(once) == once
    assert jupytext.writes(jupytext.reads(once, fmt="md:myst"), fmt="md:myst") == once
    check = jupytext.reads(once, fmt="md:myst").cells[-1]
    assert check.metadata["slideshow"] == {"slide_type": "skip"} and check.metadata["jupyter"] == {"source_hidden": True}
    assert check.source == "assert x == 2" and check.metadata["tags"] == ["remove-cell"]
    assert "display_name: Python 3 (ipykernel)" in once


def test_the_normaliser_check_mode_reports_without_writing(tmp_path, capsys):
    path = tmp_path / "01_sample.md"
    path.write_text(SAMPLE, encoding="utf-8")
    assert normalize_chapters.main(["--check", str(path)]) == 1
    assert path.read_text(encoding="utf-8") == SAMPLE
    assert normalize_chapters.main([str(path)]) == 0
    assert normalize_chapters.main(["--check", str(path)]) == 0
    assert "01_sample.md" in capsys.readouterr().out
