"""Steady under load: every chapter on `make test`'s path with the machine busy, and with one torch thread.

A chapter's hidden checks include timing claims (the fastest of repeats, with margins); they must hold
on a shared machine, not only on an idle one. Two runs of all the chapters, each one pytest process on
the test path (`bench.test_path.run_test_path`: nbval, outputs recorded, cache written), in a copy of
the repository:
- with two busy processes beside it (each a Python loop that never sleeps: on 2 cores, the machine is
  full before the chapters start);
- with one torch thread (OMP_NUM_THREADS=1 for pytest and its kernels), as under `pytest -n 2`
  on a small machine or in a container that allows one core.
A chapter is "ok" when every one of its cells passes; a failure names the first failing cell.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.build import copy_repository
from bench.common import Section, Target, format_seconds, markdown_table
from bench.execution import chapters
from bench.test_path import PathRun, run_test_path

BUSY_PROCESSES = 2
BUSY_LOOP = "while True:\n    pass"
MODES = {
    f"{BUSY_PROCESSES} busy processes beside it": ({}, BUSY_PROCESSES),
    "one torch thread": ({"OMP_NUM_THREADS": "1"}, 0),
}


def run_under(copy: Path, names: list[str], environment: dict[str, str], busy: int) -> tuple[float, dict[str, PathRun]]:
    """All `names` on the test path in one pytest process, with `busy` spinning processes beside it."""
    spinners = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(busy)]
    try:
        return run_test_path(copy, names, environment)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def run(repeats: int = 1) -> Section:
    """Each mode once per repeat; a chapter's status in a mode is its worst run (any failure counts)."""
    names = [path.stem for path in chapters()]
    results: dict[str, dict[str, list[PathRun]]] = {mode: {} for mode in MODES}
    walls: dict[str, list[float]] = {mode: [] for mode in MODES}
    copy = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        copy_repository(copy)
        for repeat in range(repeats):
            for mode, (environment, busy) in MODES.items():
                seconds, runs = run_under(copy, names, environment, busy)
                walls[mode].append(seconds)
                for name in names:
                    run = runs.get(name, PathRun(float("nan"), 0, 0.0, 0.0, 0.0, ok=False, note="not run"))
                    results[mode].setdefault(name, []).append(run)
                print(f"  run {repeat + 1}/{repeats}, {mode}: {seconds:.0f} s", flush=True)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return report(results, walls, repeats)


def _status(runs: list[PathRun]) -> str:
    failed = [run for run in runs if not run.ok]
    return "ok" if not failed else "FAILED: " + failed[0].note.lstrip("; ")


def report(results: dict[str, dict[str, list[PathRun]]], walls: dict[str, list[float]], repeats: int) -> Section:
    section = Section("7. Steady under load: the test path with the machine busy, and with one torch thread")
    modes = list(results)
    names = list(next(iter(results.values())))
    rows = []
    for name in names:
        row: list[object] = [name]
        for mode in modes:
            runs = results[mode][name]
            row += [format_seconds(max(run.seconds for run in runs)), _status(runs)]
        rows.append(row)
    header = ["chapter"]
    for mode in modes:
        header += [f"{mode}: wall (slowest)", "status"]
    section.lines += [
        f"All {len(names)} chapters in one pytest process on the test path (nbval, outputs recorded, cache "
        f"written), {repeats} run{'s' if repeats > 1 else ''} per mode: with {BUSY_PROCESSES} Python processes "
        "spinning beside it the whole time, and with one torch thread (OMP_NUM_THREADS=1). A chapter is ok "
        "when every cell passed in every run, its timing claims included.",
        "",
        *markdown_table(header, rows),
        "",
        "Whole runs: " + "; ".join(f"{mode} {format_seconds(max(walls[mode]))}" for mode in modes) + ".",
    ]
    for mode in modes:
        failing = [name for name in names if any(not run.ok for run in results[mode][name])]
        section.targets.append(
            Target(
                f"every chapter passes on the test path with {mode}",
                not failing,
                "all ok" if not failing else f"{len(failing)} failed: {', '.join(failing)}",
            )
        )
    return section
