"""The chapters' nbval run (root conftest.py) is the one execution the book reuses.

Unit tests of its parts (outputs recorded as Jupyter records them, the cache entry MyST-NB finds,
the waiting before the book build, the order of the run), and one end-to-end run of a small
project: a passing chapter is stored with its outputs, a failing one names its cell and is not
stored, a partial run stores nothing.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
# The root conftest.py, loaded by its path under its own name (`conftest` may be tests/conftest.py).
_spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
chapter_runs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chapter_runs)


def message(kind: str, **content) -> dict:
    """An iopub message as jupyter_client delivers it (only the fields the recorder reads)."""
    return {"msg_type": kind, "header": {"msg_type": kind}, "parent_header": {"msg_id": "m1"}, "content": content}


def test_outputs_are_recorded_in_order_with_their_kinds():
    outputs = chapter_runs.outputs_from_messages(
        [
            message("status", execution_state="busy"),
            message("execute_input", code="x", execution_count=3),
            message("stream", name="stdout", text="a\n"),
            message("display_data", data={"text/plain": "fig"}, metadata={}),
            message("stream", name="stdout", text="b\n"),
            message("execute_result", data={"text/plain": "4"}, metadata={}, execution_count=3),
            message("status", execution_state="idle"),
        ]
    )
    assert [output.output_type for output in outputs] == ["stream", "display_data", "stream", "execute_result"]
    assert [output.get("text") for output in outputs] == ["a\n", None, "b\n", None]  # streams not merged
    assert outputs[3].execution_count == 3 and outputs[3].data == {"text/plain": "4"}


def test_an_error_output_keeps_its_traceback():
    (output,) = chapter_runs.outputs_from_messages(
        [message("error", ename="RuntimeError", evalue="leaf", traceback=["line 1", "RuntimeError: leaf"])]
    )
    assert (output.output_type, output.ename, output.traceback[-1]) == ("error", "RuntimeError", "RuntimeError: leaf")


def test_clear_output_clears_now_or_before_the_next_output():
    now = chapter_runs.outputs_from_messages(
        [message("stream", name="stdout", text="old"), message("clear_output", wait=False)]
    )
    assert now == []
    later = chapter_runs.outputs_from_messages(
        [
            message("stream", name="stdout", text="old"),
            message("clear_output", wait=True),
            message("stream", name="stdout", text="new"),
        ]
    )
    assert [output.text for output in later] == ["new"]


@pytest.mark.parametrize("kind", ["comm_open", "comm_msg", "update_display_data"])
def test_widgets_and_display_updates_are_not_recorded(kind):
    with pytest.raises(chapter_runs.UnrecordableOutput, match=kind):
        chapter_runs.outputs_from_messages([message(kind, data={})])


CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Demo

```{code-cell} ipython3
x = 6 * 7
print(x)
```

```{code-cell} ipython3
:tags: [raises-exception]

1 / 0
```

```{code-cell} ipython3
x
```
"""


def executed_copy(path: Path, text: str) -> nbformat.NotebookNode:
    notebook = chapter_runs.read_chapter(path)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return notebook


def test_a_stored_run_is_found_by_the_books_cache_key_and_never_replaced(tmp_path):
    from jupyter_cache import get_cache

    path = tmp_path / "01_demo.md"
    path.write_text(CHAPTER, encoding="utf-8")
    cache_dir = tmp_path / "cache"
    first = chapter_runs.store_run(executed_copy(path, "first\n"), path, {"test_run": "a"}, cache_dir)
    second = chapter_runs.store_run(executed_copy(path, "second\n"), path, {"test_run": "b"}, cache_dir)
    assert (first, second) == (chapter_runs.CACHED, chapter_runs.ALREADY_CACHED)
    cache = get_cache(str(cache_dir))
    record = cache.match_cache_notebook(chapter_runs.read_chapter(path))  # the .md as MyST-NB reads it
    assert record.data["test_run"] == "a"
    _, merged = cache.merge_match_into_notebook(chapter_runs.read_chapter(path))
    assert {cell.outputs[0].text for cell in merged.cells if cell.cell_type == "code"} == {"first\n"}
    path.write_text(CHAPTER.replace("6 * 7", "6 * 8"), encoding="utf-8")  # other code: another key
    with pytest.raises(KeyError):
        cache.match_cache_notebook(chapter_runs.read_chapter(path))


def mark(folder: Path, name: str, suffix: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}{suffix}").write_text("", encoding="utf-8")


def test_the_build_waits_for_a_chapter_that_is_running(tmp_path):
    mark(tmp_path, "01_a", ".started")
    mark(tmp_path, "01_a", ".finished")
    mark(tmp_path, "02_b", ".started")
    finisher = threading.Timer(0.4, mark, (tmp_path, "02_b", ".finished"))
    began = time.monotonic()
    finisher.start()
    never_started = chapter_runs.wait_for_chapters(tmp_path, {"01_a", "02_b"}, grace=30, poll=0.05)
    assert never_started == set()
    assert (tmp_path / "02_b.finished").exists(), "returned before the running chapter finished"
    assert time.monotonic() - began < 30, "waited for the grace period although every chapter had finished"


def test_the_build_does_not_wait_for_ever_on_a_chapter_that_never_starts(tmp_path):
    mark(tmp_path, "01_a", ".started")
    mark(tmp_path, "01_a", ".finished")
    assert chapter_runs.wait_for_chapters(tmp_path, {"01_a", "02_b"}, grace=0.2, poll=0.05) == {"02_b"}


def test_the_run_puts_chapters_first_then_the_longest_book_file_then_the_rest():
    def item(path: str, chapter: bool = False, book: bool = False) -> SimpleNamespace:
        return SimpleNamespace(path=Path(path), chapter=chapter, fixturenames=["built_book"] if book else [])

    items = [
        item("tests/test_a11y.py", book=True),
        item("tests/test_data.py"),
        item("tests/test_book.py", book=True),
        item("tests/test_a11y.py", book=True),
        item("notebooks/01_a.md", chapter=True),
        item("tests/test_plotting.py"),
        item("notebooks/02_b.md", chapter=True),
    ]
    ordered = chapter_runs.run_order(items, is_chapter=lambda entry: entry.chapter)
    assert [entry.path.name for entry in ordered] == [
        "01_a.md",
        "02_b.md",
        "test_a11y.py",
        "test_a11y.py",
        "test_data.py",
        "test_plotting.py",
        "test_book.py",
    ]
    items.append(item(f"tests/{chapter_runs.LONGEST_AFTER_THE_BUILD}", book=True))
    ordered = chapter_runs.run_order(items, is_chapter=lambda entry: entry.chapter)
    assert [entry.path.name for entry in ordered][2:5] == [chapter_runs.LONGEST_AFTER_THE_BUILD, "test_data.py", "test_plotting.py"]


BROKEN = CHAPTER.replace("x = 6 * 7", "x = undefined_name")


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--nbval-lax", "--nbval-current-env", *args]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=600, check=False)


def test_a_run_stores_passing_chapters_and_names_the_failing_cell(tmp_path):
    from jupyter_cache import get_cache

    project = tmp_path / "course"
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "conftest.py", project / "conftest.py")
    (project / "notebooks" / "01_demo.md").write_text(CHAPTER, encoding="utf-8")
    (project / "notebooks" / "02_broken.md").write_text(BROKEN, encoding="utf-8")

    result = run_pytest(project, "notebooks")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "FAILED notebooks/02_broken.md::Cell 0" in result.stdout, result.stdout[-3000:]
    assert "undefined_name" in result.stdout
    states = {path.name: path.read_text() for path in (project / "_build" / ".chapter-runs").glob("*/*.finished")}
    assert states["01_demo.finished"] == chapter_runs.CACHED
    assert states["02_broken.finished"].startswith("not cached: 2 of 3 cells did not pass (first: Cell 0)")

    cache = get_cache(str(project / "_build" / ".jupyter_cache"))
    with pytest.raises(KeyError):
        cache.match_cache_notebook(chapter_runs.read_chapter(project / "notebooks" / "02_broken.md"))
    _, executed = cache.merge_match_into_notebook(chapter_runs.read_chapter(project / "notebooks" / "01_demo.md"))
    first, raising, last = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert [output.text for output in first.outputs] == ["42\n"]
    assert raising.outputs[0].output_type == "error" and raising.outputs[0].ename == "ZeroDivisionError"
    assert last.outputs[0].data["text/plain"] == "42"
    assert [first.execution_count, raising.execution_count, last.execution_count] == [1, 2, 3]
    assert executed.metadata["language_info"]["name"] == "python"

    partial = run_pytest(project, "notebooks/01_demo.md::Cell 0")
    assert partial.returncode == 0, partial.stdout[-3000:]
    newest = max((project / "_build" / ".chapter-runs").glob("*/01_demo.finished"), key=lambda path: path.stat().st_mtime)
    assert newest.read_text() == "not cached: 2 of 3 cells did not pass (first: Cell 1)"


def test_with_nbval_registered_by_the_conftest_the_slow_optional_import_stays_out(tmp_path):
    # pyproject.toml turns nbval's auto-loading off (`-p no:nbval`) so that conftest.py runs before
    # nbformat's first import; nbval must then still collect the chapters and name a failing cell.
    project = tmp_path / "course"
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "conftest.py", project / "conftest.py")
    (project / "notebooks" / "02_broken.md").write_text(BROKEN, encoding="utf-8")
    (project / "test_probe.py").write_text(
        "import sys\n\ndef test_probe():\n    assert 'nbformat' in sys.modules and sys.modules['rfc3987_syntax'] is None\n"
    )
    result = run_pytest(project, "-p", "no:nbval", "notebooks", "test_probe.py")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "FAILED notebooks/02_broken.md::Cell 0" in result.stdout, result.stdout[-3000:]
    assert "test_probe.py ." in result.stdout, result.stdout[-3000:]  # nbformat imported, rfc3987_syntax not
