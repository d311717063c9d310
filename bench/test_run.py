"""`make test` from a clean copy: the wall time of the whole test run, as a newcomer or CI meets it.

The copy holds the repository's files (as `bench.build` copies them: tracked and untracked-but-not-
ignored files, the staged front-end assets, node_modules linked) and no `_build/` beyond the assets,
so every chapter is executed and the book is built from an empty execution cache. It runs what
`make test` runs once its set-up is done, `pytest -n 2 --dist loadfile`, with this interpreter's
environment (the set-up `make test` would skip as up to date), PYTHONPATH pointing at the copy.
The student environment of tests/test_downloaded_notebooks.py is created in the copy as on a clean
clone. The build log then says how many chapters the book build executed itself.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.build import copy_repository
from bench.common import Section, Target, format_seconds

TIMEOUT_S = 3600
# pytest's last line, with or without the "=" bars (-q drops them): "3 failed, 880 passed in 612.30s".
SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed)\b.*?) in [\d.]+s", re.MULTILINE)


def load_average() -> str:
    try:
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def run(repeats: int = 1) -> Section:
    """Time `pytest -n 2 --dist loadfile` in `repeats` fresh copies (each from an empty _build)."""
    section = Section("5. `make test` from a clean copy")
    rows, failures = [], []
    for repeat in range(repeats):
        copy = Path(tempfile.mkdtemp(prefix="bench-test-"))
        try:
            copy_repository(copy)
            before = load_average()
            begin = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile", "-q", "-rf"],
                cwd=copy,
                env={**os.environ, "PYTHONPATH": str(copy)},
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=False,
            )
            seconds = time.perf_counter() - begin
            found = SUMMARY.findall(result.stdout)
            failures += [
                f"run {repeat + 1}: {line.removeprefix('FAILED ')[:200]}"
                for line in result.stdout.splitlines()
                if line.startswith("FAILED ")
            ]
            log = copy / "_build" / "book-build.log"
            text = log.read_text(encoding="utf-8") if log.exists() else ""
            executed = len(re.findall(r"\.md: Executing notebook", text))
            reused = len(re.findall(r"\.md: Using cached notebook", text))
            rows.append((seconds, found[-1] if found else f"exit status {result.returncode}", executed, reused,
                         before, load_average()))
            print(f"  test run {repeat + 1}/{repeats}: {seconds:.0f} s, {rows[-1][1]}", flush=True)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
    section.lines += [
        "`pytest -n 2 --dist loadfile` (what `make test` runs after its set-up) in a fresh copy of the "
        "repository with an empty `_build/`: every chapter executed by nbval and stored in the execution cache, "
        "the book built (its pages, notebooks and decks from those runs), the browser tests, and the downloaded "
        "notebooks executed again in a clean student environment (a different check, created in the copy).",
        "",
        "| run | wall | result | chapters the book build executed itself | chapters it took from the cache "
        "| load average at the start | at the end |",
        "|---:|---|---|---:|---:|---|---|",
    ]
    section.lines += [
        f"| {number} | {format_seconds(seconds)} | {summary} | {executed} | {reused} | {start} | {end} |"
        for number, (seconds, summary, executed, reused, start, end) in enumerate(rows, 1)
    ]
    if failures:
        section.lines += ["", "Failed (pytest's `-rf` lines):", "", *(f"- `{failure}`" for failure in failures)]
    section.targets.append(
        Target(
            "`make test` passes from a clean copy",
            all("failed" not in row[1] and "exit status" not in row[1] for row in rows) if rows else None,
            "; ".join(row[1] for row in rows),
        )
    )
    section.targets.append(
        Target(
            "`make test` executes each chapter once (the book build reuses the test run's executions)",
            all(row[2] == 0 for row in rows) if rows else None,
            "; ".join(f"the book build executed {row[2]} chapters itself, took {row[3]} from the cache" for row in rows),
        )
    )
    return section
