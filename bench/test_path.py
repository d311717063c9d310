"""The chapters on `make test`'s path, beside nbclient and the import floor, per chapter, in one run.

Three ways of running the same chapters, taking turns chapter by chapter (the order rotates, so a
burst of load on a shared machine falls on one chapter of one path, not on a whole path):
- the floor: one fresh kernel per chapter that only imports numpy, torch, matplotlib.pyplot and utils;
- nbclient: each chapter executed top to bottom (`bench.execution.execute`);
- the test path: `pytest -p no:xdist notebooks/<chapter>.md`, one process per chapter, in a copy of the
  repository with an empty `_build/`, so the root conftest.py does all it does in `make test` (nbval
  cell by cell, the outputs recorded, every passing chapter written to the execution cache). The
  plugin `bench.cell_clock` times the chapter and its cells in that process.
Each figure is the fastest of the repeats: the least the machine allowed, what the code costs.

Overhead per cell: the seconds a path spends outside the kernel's execution of the cells (from each
cell's `execute_input` to its reply), less the kernel's start and stop, divided by the cells: the
sending, the message handling and, on the test path, pytest's own work for each cell item.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.build import copy_repository
from bench.cell_clock import ENVIRONMENT
from bench.common import ROOT, Section, Target, format_seconds, markdown_table
from bench.execution import RATIO_TARGET, Execution, chapters, execute

PATH_TARGET = 1.10  # the test path within 10% of nbclient's
TIMEOUT_S = 3600


@dataclass
class PathRun:
    """One chapter on one path: wall seconds, the kernel's seconds in its cells, the kernel's start and stop."""

    seconds: float
    cells: int
    in_cells: float
    start: float
    stop: float
    cache_write: float = 0.0
    ok: bool = True
    note: str = ""
    slowest: tuple[str, float] | None = None  # (cell name, the kernel's seconds in it)
    by_cell: list[tuple[str, float]] = field(default_factory=list)  # ("Cell N", the kernel's seconds in it)

    @property
    def per_cell(self) -> float:
        """Seconds per cell spent outside the cells and outside the kernel's start and stop."""
        return max(self.seconds - self.in_cells - self.start - self.stop - self.cache_write, 0.0) / max(self.cells, 1)


@dataclass
class Runs:
    """Every repeat of every chapter on the three paths, and the test path's whole process."""

    floor: dict[str, list[float]] = field(default_factory=dict)
    nbclient: dict[str, list[PathRun]] = field(default_factory=dict)
    test: dict[str, list[PathRun]] = field(default_factory=dict)
    pytest_process: list[float] = field(default_factory=list)  # each pytest process's seconds outside its chapter


def from_nbclient(execution: Execution) -> PathRun:
    """A chapter's nbclient run as a PathRun (its cell times are the kernel's stamps, as on the test path)."""
    in_cells = sum(seconds for _, seconds, _ in execution.cells if seconds == seconds)  # NaN: not run
    return PathRun(
        execution.seconds,
        len(execution.cells),
        in_cells,
        execution.kernel_start or 0.0,
        execution.kernel_stop or 0.0,
        ok=execution.error is None,
        note=execution.error or "",
    )


def from_clock(record: dict) -> PathRun:
    """A chapter's test-path run from the JSON line `bench.cell_clock` wrote."""
    cells = record["cells"]
    in_cells = sum(cell["kernel"] or 0.0 for cell in cells)
    passed = len(record.get("stored", []))
    timed = [(cell["cell"], cell["kernel"]) for cell in cells if cell["kernel"] is not None]
    slowest = max(timed, key=lambda pair: pair[1]) if timed else None
    return PathRun(
        record["seconds"],
        len(cells),
        in_cells,
        record.get("kernel_start", 0.0),
        record.get("kernel_stop", 0.0),
        record.get("cache_write", 0.0),
        ok=passed == len(cells),
        note="" if passed == len(cells) else f"{len(cells) - passed} of {len(cells)} cells did not pass",
        slowest=slowest,
        by_cell=timed,
    )


def run_test_path(
    copy: Path, names: list[str], environment: dict[str, str] | None = None
) -> tuple[float, dict[str, PathRun]]:
    """One pytest process over `names` (chapter stems) in `copy`, from an empty execution cache.

    `environment` is added to the process's (and so its kernels') environment. A chapter with a cell
    that did not pass gets the first failing cell and pytest's one-line reason in its note.
    """
    shutil.rmtree(copy / "_build" / ".jupyter_cache", ignore_errors=True)
    clock = copy / "_build" / "cell-clock.jsonl"
    clock.parent.mkdir(parents=True, exist_ok=True)
    clock.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "bench.cell_clock", "-q", "-rf"]
    command += [f"notebooks/{name}.md" for name in names]
    env = {**os.environ, "PYTHONPATH": str(copy), ENVIRONMENT: str(clock), **(environment or {})}
    begin = time.perf_counter()
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    seconds = time.perf_counter() - begin
    records = [json.loads(line) for line in clock.read_text(encoding="utf-8").splitlines()] if clock.exists() else []
    runs = {record["chapter"]: from_clock(record) for record in records}
    for line in done.stdout.splitlines():  # -rf: "FAILED notebooks/<chapter>.md::Cell 12 - reason"
        if line.startswith("FAILED notebooks/"):
            chapter = line.removeprefix("FAILED notebooks/").split(".md::")[0]
            if chapter in runs and "first failure" not in runs[chapter].note:
                runs[chapter].note += f"; first failure: {line.removeprefix('FAILED ')[:160]}"
    return seconds, runs


def measure(repeats: int, paths: list[Path] | None = None) -> Runs:
    """Run each chapter on the three paths, one after another, `repeats` times.

    The paths take turns chapter by chapter (the order rotates with the chapter and the repeat), so a
    burst of load on a shared machine falls on one chapter of one path, never on a whole path. The test
    path is then one pytest process per chapter; its start-up and collection are timed apart.
    """
    paths = chapters() if paths is None else paths
    runs = Runs()
    copy = Path(tempfile.mkdtemp(prefix="bench-testpath-"))
    try:
        copy_repository(copy)
        for repeat in range(repeats):
            for index, path in enumerate(paths):
                name = path.stem
                order = ["floor", "nbclient", "test"]
                turn = (repeat + index) % 3
                for path_name in order[turn:] + order[:turn]:
                    if path_name == "floor":
                        runs.floor.setdefault(name, []).append(execute(None).seconds)
                    elif path_name == "nbclient":
                        runs.nbclient.setdefault(name, []).append(from_nbclient(execute(str(path))))
                    else:
                        seconds, by_chapter = run_test_path(copy, [name])
                        missing = PathRun(float("nan"), 0, 0.0, 0.0, 0.0, ok=False, note="not run")
                        run = by_chapter.get(name, missing)
                        runs.test.setdefault(name, []).append(run)
                        runs.pytest_process.append(seconds - run.seconds if run.seconds == run.seconds else seconds)
                print(
                    f"  run {repeat + 1}/{repeats}, {name}: floor {runs.floor[name][-1]:.1f} s, nbclient "
                    f"{runs.nbclient[name][-1].seconds:.1f} s, test path {runs.test[name][-1].seconds:.1f} s",
                    flush=True,
                )
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return runs


def fastest(runs: list[PathRun]) -> PathRun:
    """The fastest run that passed (else the fastest of all): the least the machine allowed."""
    passed = [run for run in runs if run.ok and run.seconds == run.seconds]
    return min(passed or runs, key=lambda run: run.seconds if run.seconds == run.seconds else float("inf"))


# What a chapter's cells are for, read from their sources: where the time beyond the floor goes.
KINDS = ["set-up cell", "explorable figures", "animations", "other cells"]


def cell_kinds(path: Path) -> dict[str, str]:
    """Each code cell's kind by its pytest name ("Cell N", code cells counted from 0)."""
    import jupytext  # the chapters' reader; imported here, as the benchmark's other readers do

    if not path.exists():  # a chapter the benchmark did not read from the repository: every cell "other"
        return {}
    sources = [cell.source for cell in jupytext.read(path, fmt="md:myst").cells if cell.cell_type == "code"]
    kinds = {}
    for number, source in enumerate(sources):
        if number == 0:
            kind = "set-up cell"  # the imports (the floor's work) and the chapter's set-up
        elif "explorable(" in source:
            kind = "explorable figures"  # every frame drawn and saved as a PNG
        elif "FuncAnimation(" in source:
            kind = "animations"
        else:
            kind = "other cells"
        kinds[f"Cell {number}"] = kind
    return kinds


def time_by_kind(run: PathRun, kinds: dict[str, str]) -> dict[str, float]:
    """The kernel's seconds in a chapter's cells, summed by kind, and the rest of its wall time."""
    spent = dict.fromkeys(KINDS, 0.0)
    for name, seconds in run.by_cell:
        spent[kinds.get(name, "other cells")] += seconds
    spent["outside the cells"] = max(run.seconds - sum(spent.values()), 0.0)
    return spent


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms"


def report(runs: Runs, repeats: int) -> Section:
    """The per-chapter table of the three paths, the totals, and the two targets."""
    section = Section("6. The test path: `make test`'s way of running the chapters, beside nbclient and the floor")
    rows, kind_rows = [], []
    totals = {"floor": 0.0, "nbclient": 0.0, "test": 0.0}
    kind_totals = dict.fromkeys([*KINDS, "outside the cells"], 0.0)
    for name in runs.nbclient:
        floor = min(runs.floor[name])
        client = fastest(runs.nbclient[name])
        test = fastest(runs.test[name])
        spent = time_by_kind(test, cell_kinds(ROOT / "notebooks" / f"{name}.md"))
        for kind, seconds in spent.items():
            kind_totals[kind] += seconds
        kind_rows.append(
            (name, format_seconds(floor), format_seconds(test.seconds), *(format_seconds(spent[kind]) for kind in kind_totals))
        )
        totals["floor"] += floor
        totals["nbclient"] += client.seconds
        totals["test"] += test.seconds
        status = "ok" if client.ok and test.ok else "FAILED: " + "; ".join(
            f"{label}: {run.note}" for label, run in (("nbclient", client), ("test path", test)) if not run.ok
        )
        rows.append(
            (
                name,
                test.cells,
                format_seconds(floor),
                format_seconds(client.seconds),
                format_seconds(test.seconds),
                f"{test.seconds / client.seconds:.2f}",
                format_seconds(client.in_cells),
                format_seconds(test.in_cells),
                format_seconds(client.start),
                format_seconds(test.start),
                format_seconds(test.cache_write),
                _ms(client.per_cell),
                _ms(test.per_cell),
                f"{test.slowest[0]}: {format_seconds(test.slowest[1])}" if test.slowest else "n/a",
                status,
            )
        )
    process = min(runs.pytest_process) if runs.pytest_process else float("nan")
    section.lines += [
        f"Each chapter in a fresh kernel, one at a time, on the three paths one after another (taking turns, "
        f"chapter by chapter); the fastest of {repeats} runs. The test path is `pytest -p no:xdist "
        "notebooks/<chapter>.md` with the root conftest.py (nbval, the outputs recorded, the passing chapter "
        "written to an empty execution cache), timed by `bench.cell_clock`: a chapter's wall runs from its "
        "kernel's start to its cache write and kernel stop. *In cells* is the kernel's own time executing them "
        "(`execute_input` to reply); *overhead per cell* is what a path spends outside the cells, the kernel's "
        "start and stop and the cache write, per cell.",
        "",
        *markdown_table(
            [
                "chapter",
                "cells",
                "floor kernel",
                "nbclient",
                "test path",
                "test / nbclient",
                "in cells: nbclient",
                "test path",
                "kernel start: nbclient",
                "test path",
                "cache write",
                "overhead per cell: nbclient",
                "test path",
                "slowest cell (test path)",
                "status",
            ],
            rows,
        ),
        "",
        f"Totals: floor {format_seconds(totals['floor'])}, nbclient {format_seconds(totals['nbclient'])}, "
        f"test path {format_seconds(totals['test'])}. A pytest process spends {format_seconds(process)} (the "
        "fastest) outside its chapter: its start-up and collection, paid once per process (`make test`: one "
        "per xdist worker).",
        "",
        "Where the test path's time goes, per chapter (the fastest run): the kernel's seconds in the set-up cell "
        "(the imports the floor also does, and the chapter's set-up), in the cells that draw an explorable "
        "figure's frames, in those that draw an animation, in every other cell, and the wall time outside the "
        "cells (the kernel's start and stop, the cache write, the messages).",
        "",
        *markdown_table(["chapter", "floor kernel", "test path", *kind_totals], kind_rows),
        "",
        "Totals: " + ", ".join(f"{kind} {format_seconds(seconds)}" for kind, seconds in kind_totals.items()) + ".",
    ]
    ratio = totals["test"] / totals["nbclient"]
    section.targets.append(
        Target(
            f"the test path within {PATH_TARGET - 1:.0%} of nbclient's (sum of the chapters, fastest runs)",
            ratio <= PATH_TARGET,
            f"{ratio:.2f}x ({format_seconds(totals['test'])} against {format_seconds(totals['nbclient'])})",
        )
    )
    # Why a floor target is missed: the budget it leaves beside what the chapters' cells compute.
    budget = (RATIO_TARGET - 1) * totals["floor"]
    computed = kind_totals["explorable figures"] + kind_totals["animations"] + kind_totals["other cells"]
    why = (
        f"; the target leaves {format_seconds(budget)} beyond the floor for all ten chapters, and their cells "
        f"after the set-up compute for {format_seconds(computed)} (explorable frames "
        f"{format_seconds(kind_totals['explorable figures'])}, animations {format_seconds(kind_totals['animations'])}, "
        f"the rest {format_seconds(kind_totals['other cells'])}): the chapters' own work"
    )
    for label, total in (("nbclient", totals["nbclient"]), ("the test path", totals["test"])):
        floor_ratio = total / totals["floor"]
        section.targets.append(
            Target(
                f"all chapters on {label} <= {RATIO_TARGET}x the import floor (fastest runs)",
                floor_ratio <= RATIO_TARGET,
                f"{floor_ratio:.2f}x ({format_seconds(total)} against {format_seconds(totals['floor'])})"
                + (why if floor_ratio > RATIO_TARGET and computed > budget else ""),
            )
        )
    return section


def run(repeats: int) -> Section:
    return report(measure(repeats), repeats)
