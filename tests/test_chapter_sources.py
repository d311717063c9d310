"""Static checks of the chapter sources: the conventions of CONTRIBUTING.md that no execution sees."""

from __future__ import annotations

import re

import jupytext
import pytest

from tools import chapters

CHAPTERS = [chapters.ROOT / f"{doc}.md" for doc in chapters.chapters()]
FORBIDDEN = {
    r"device\s*=\s*0\b": "a hard-coded device: use `device = utils.pick_device()`",
    r"\.cuda\(\)": "a bare .cuda(): create tensors with device=device",
    r"\.data\.(sub_|add_|zero_|copy_)|\.data\s*[-+*/]=": "an update through .data: use torch.no_grad()",
    r"allow_pickle\s*=\s*True": "allow_pickle=True: the data are plain arrays",
    r"tqdm\.(auto|notebook)": "a tqdm widget: its scripts load from a CDN; use tqdm(file=sys.stdout)",
    r"['\"]\.\./data": "a relative data path: use utils.load_cities() / utils.load_sine_data()",
}


def test_chapters_exist():
    assert len(CHAPTERS) >= 1


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_slide_marker_is_lost_before_a_code_cell(path):
    # jupytext drops a metadata-only `+++ {...}` line that directly precedes a code cell, so the
    # slide break it asks for silently vanishes; put the slide type in the code cell's metadata.
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line.startswith("+++ {"):
            following = next((text for text in lines[number + 1 :] if text.strip()), "")
            assert not following.startswith("```{code-cell}"), f"{path.name}:{number + 1}: move {line!r} into the code cell"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_cell_has_slide_metadata_or_is_hidden(path):
    notebook = jupytext.read(path)
    for index, cell in enumerate(notebook.cells):
        tags = cell.metadata.get("tags", [])
        gate = re.fullmatch(r"`{3,}\{solution-(start|end)\}.*", cell.source.strip(), re.S)
        if "remove-cell" in tags or not cell.source.strip() or gate:  # gates never reach a deck
            continue
        assert "slideshow" in cell.metadata, f"{path.name}: cell {index} has no slideshow metadata:\n{cell.source[:200]}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_anatomy(path):
    notebook = jupytext.read(path)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    setup = code[0]
    assert "hide-cell" in setup.metadata.get("tags", []), f"{path.name}: the first code cell is the setup cell, tagged hide-cell"
    assert "pick_device" in setup.source and "manual_seed" in setup.source
    assert any("remove-cell" in cell.metadata.get("tags", []) for cell in code), f"{path.name}: no hidden check cell"
    assert "run_report" in code[-1].source, f"{path.name}: the last cell reports the run"
    text = path.read_text(encoding="utf-8")
    assert text.count("{exercise}") >= 2 and "{solution-start}" in text, f"{path.name}: at least two exercises with solutions"
    assert "## Summary" in text


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_forbidden_pattern_in_code(path):
    code = "\n".join(cell.source for cell in jupytext.read(path).cells if cell.cell_type == "code")
    for pattern, why in FORBIDDEN.items():
        match = re.search(pattern, code)
        assert match is None, f"{path.name}: {match.group(0)!r} is {why}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_control_characters(path):
    # A tab inside math is usually "\t" eaten by a Python string: $\text{lr}$ became "<TAB>ext{lr}".
    text = path.read_text(encoding="utf-8")
    bad = [(number + 1, line) for number, line in enumerate(text.splitlines()) if re.search(r"[\x00-\x08\x09\x0b-\x1f]", line)]
    assert bad == [], f"{path.name}: control characters on lines {[number for number, _ in bad]}"


# A learner's check call that ends its cell shows its return value under the message unless the line
# ends with ';' (the `Verdict` shows nothing, but a reader of the source should not have to know that).
UNSILENCED_CHECK = re.compile(r"^grading\.check_\w+\(.*\)\s*$")


def unsilenced_checks(source: str) -> list[str]:
    """The lines of a code cell's source that end the cell with a check call and no ';'."""
    lines = [line for line in source.splitlines() if line.strip()]
    return lines[-1:] if lines and UNSILENCED_CHECK.match(lines[-1]) else []


def test_unsilenced_checks_are_found():
    assert unsilenced_checks("answer = None\ngrading.check_ex2_1(answer)\n") == ["grading.check_ex2_1(answer)"]
    assert unsilenced_checks("answer = None\ngrading.check_ex2_1(answer);\n") == []
    assert unsilenced_checks("grading.check_ex2_1(answer)\nprint('after')") == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_check_call_that_ends_a_cell_ends_with_a_semicolon(path):
    cells = [cell for cell in jupytext.read(path).cells if cell.cell_type == "code"]
    found = [line for cell in cells for line in unsilenced_checks(cell.source)]
    assert found == [], f"{path.name}: end these check calls with ';' (no bare True/False under the message): {found}"
