"""Each chapter is executed once per test run: the book build reuses the run nbval made.

The chapters' run (root conftest.py) stores every passing chapter in the execution cache before
the book is built; the build log says, page by page, whether MyST-NB took a chapter from the
cache or executed it. These tests read that log, so they check what the build did, not what it
was asked to do. Run alone (no chapter in the run) they have nothing to check and skip.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.chapters import CACHE, read_chapter

STORED = ("cached", "already cached")  # the states of a chapter run stored in the cache (root conftest.py)
# MyST-NB's log lines, each prefixed with the page's source path by Sphinx.
EXECUTED = re.compile(r"(\S+)\.md: Executing notebook using")
REUSED = re.compile(r"(\S+)\.md: Using cached notebook: ID=(\d+)")


def pages(pattern: re.Pattern, log: str) -> set[str]:
    """The chapter names (file stems) the log lines matching `pattern` name."""
    return {Path(match.group(1)).name for match in pattern.finditer(log)}


def stored_chapters(states: dict[str, str]) -> set[str]:
    if not states:
        pytest.skip("no chapter was executed in this run (run `pytest` with notebooks/ to check)")
    return {name for name, state in states.items() if state in STORED}


def test_the_book_build_executes_no_chapter_this_run_passed(built_book, chapter_runs_finished):
    stored = stored_chapters(chapter_runs_finished)
    log = built_book.log.read_text(encoding="utf-8")
    executed_again = sorted(stored & pages(EXECUTED, log))
    assert executed_again == [], f"the book build executed again: {executed_again} (states: {chapter_runs_finished})"


def test_every_chapter_this_run_passed_was_stored_for_the_book(built_book, chapter_runs_finished):
    stored = stored_chapters(chapter_runs_finished)
    not_stored = {name: state for name, state in chapter_runs_finished.items() if name not in stored}
    assert not_stored == {}, f"chapters the book build had to execute itself: {not_stored}"


def test_a_page_the_build_read_shows_the_stored_run(built_book, chapter_runs_finished):
    """Where the build (re)read a chapter's page, it used the cache entry of the chapter's code."""
    from jupyter_cache import get_cache

    stored = stored_chapters(chapter_runs_finished)
    log = built_book.log.read_text(encoding="utf-8")
    used = {Path(match.group(1)).name: int(match.group(2)) for match in REUSED.finditer(log)}
    if log.startswith("full build"):  # every page was read: each stored chapter must say where from
        assert stored <= set(used), f"no 'Using cached notebook' line for {sorted(stored - set(used))}"
    cache = get_cache(str(CACHE))
    for chapter in built_book.chapters:
        name = Path(chapter).name
        if name in stored and name in used:
            record = cache.match_cache_notebook(read_chapter(chapter, built_book.root))
            assert used[name] == record.pk, f"{name}: the page used cache entry {used[name]}, the run is {record.pk}"
