"""Fixtures shared by the tests of the built book (tests/test_book.py, tests/test_browser.py).

`built_book` builds the book once per test run, however many pytest-xdist workers ask for it:
the first worker to take the lock `_build/.book-build.lock` runs `python -m tools.build_book`
and records the outcome with the run's `testrun_uid` in `_build/.book-build.json`; the others
wait on the lock and reuse that outcome. A failed build fails every test that needs the book at
once, with the build log's problem lines (they name the failing chapter) and its tail.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
LOCK = BUILD / ".book-build.lock"
MARKER = BUILD / ".book-build.json"
LOG = BUILD / "book-build.log"

sys.path.insert(0, str(ROOT))
from tools import chapters  # noqa: E402  (the repository root must be importable first)
from tools.build_book import failure_summary  # noqa: E402


@dataclass(frozen=True)
class BuiltBook:
    """Where the built book lives and what it should contain."""

    root: Path
    html: Path
    log: Path
    pages: list[str]  # every document _toc.yml lists, e.g. "intro", "notebooks/01_autograd_basics"
    chapters: list[str]  # the chapter documents among them
    decks: dict[str, dict]  # chapter -> {"deck": "slides/<name>.slides.html", "slides": count}


def _run_uid(request: pytest.FixtureRequest) -> str:
    """The id xdist shares between its workers for this run; a fresh one without xdist."""
    try:
        return str(request.getfixturevalue("testrun_uid"))
    except pytest.FixtureLookupError:
        return uuid.uuid4().hex


def _build_once(run_uid: str) -> dict:
    """Build the book unless this run already did; return the recorded outcome."""
    BUILD.mkdir(exist_ok=True)
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held while building: other workers wait here
        try:
            outcome = json.loads(MARKER.read_text(encoding="utf-8")) if MARKER.exists() else {}
            if outcome.get("testrun_uid") != run_uid:
                MARKER.unlink(missing_ok=True)
                result = subprocess.run(
                    [sys.executable, "-m", "tools.build_book", "--quiet"],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                    check=False,
                )
                outcome = {"testrun_uid": run_uid, "returncode": result.returncode}
                MARKER.write_text(json.dumps(outcome), encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return outcome


@pytest.fixture(scope="session")
def built_book(request: pytest.FixtureRequest, chapter_runs_finished: dict[str, str]) -> BuiltBook:
    """The book built by `tools.build_book` in this test run (built on first use), after the chapters
    this run executes have finished: their runs are in the execution cache (root conftest.py), so the
    build executes only the chapters the run did not pass."""
    outcome = _build_once(_run_uid(request))
    if outcome["returncode"] != 0:
        log_text = LOG.read_text(encoding="utf-8") if LOG.exists() else "(no build log was written)"
        pytest.fail(f"The book build failed (log: {LOG}).\n{failure_summary(log_text)}", pytrace=False)
    manifest = BUILD / "html" / "slides" / "decks.json"
    decks = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
    return BuiltBook(
        root=ROOT,
        html=BUILD / "html",
        log=LOG,
        pages=chapters.toc_files(ROOT),
        chapters=chapters.chapters(ROOT),
        decks=decks,
    )
