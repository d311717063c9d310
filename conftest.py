"""Collect each chapter's MyST-markdown source as a notebook for nbval.

`pytest notebooks/01_autograd_basics.md` executes that chapter cell by cell in a fresh kernel;
a failing cell is reported as `notebooks/<chapter>.md::Cell N` with its source and traceback.
The chapters' hidden check cells do the asserting (nbval runs in lax mode: outputs are not compared).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import jupytext
import pytest
from nbval.plugin import IPyNbCell, IPyNbFile, find_comment_markers, find_metadata_tags

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


class MarkdownNotebook(IPyNbFile):
    """An nbval notebook read from a jupytext MyST `.md` file instead of an `.ipynb`."""

    def collect(self):
        self.nb = jupytext.read(self.path)
        code_cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
        for number, cell in enumerate(code_cells):
            options = defaultdict(bool, find_metadata_tags(cell.metadata))
            options.update(find_comment_markers(cell.source))
            options.setdefault("check", self.compare_outputs)
            yield IPyNbCell.from_parent(self, name=f"Cell {number}", cell_num=number, cell=cell, options=options)


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".md" and file_path.parent == NOTEBOOKS:
        return MarkdownNotebook.from_parent(parent, path=file_path)
    return None
