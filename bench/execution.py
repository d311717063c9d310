"""Executing the course: every chapter run top to bottom in a fresh kernel, against a floor.

The floor is the same number of fresh kernels that only import what every chapter needs
(numpy, torch, matplotlib.pyplot and utils) and do nothing else: the cost no chapter can avoid.
Both are timed one kernel at a time, two at a time (as `make test` runs them: pytest -n 2), and two
at a time with one torch thread per kernel (OMP_NUM_THREADS=1: two kernels on two cores, not four threads).
Each chapter is read from its .md with jupytext and executed with nbclient in a temporary folder;
nbclient's per-cell timestamps show where the time goes.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from nbconvert.filters import strip_ansi

from bench.common import ROOT, Section, Target, format_seconds, markdown_table, median
from tools.chapters import chapters as toc_chapters

FLOOR_SOURCE = "import numpy\nimport torch\nimport matplotlib.pyplot\nimport utils"
RATIO_TARGET = 1.5
CELL_TIMEOUT_S = 600


@dataclass
class Execution:
    """One notebook executed: wall seconds (kernel start to shutdown), each code cell's seconds, any error."""

    name: str
    seconds: float
    cells: list[tuple[int, float, str]] = field(default_factory=list)  # (code cell number, seconds, first line)
    error: str | None = None
    peak_mib: float | None = None  # the kernel's peak resident memory (None: not measured, e.g. after an error)
    kernel_start: float | None = None  # seconds from the client's start to the first cell's execute_input
    kernel_stop: float | None = None  # seconds from the last chapter cell's execute_reply to the client's end


# Appended to every notebook run here: the kernel prints its own peak resident set size
# (ru_maxrss: KiB on Linux, bytes on macOS). Not counted among the chapter's cells.
PEAK_MEMORY_SOURCE = (
    "import resource as _resource, sys as _sys\n"
    "print('peak-rss', _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss"
    " / (2**20 if _sys.platform == 'darwin' else 2**10))"
)


def peak_memory(cell) -> float | None:
    """The MiB printed by the PEAK_MEMORY_SOURCE cell, or None if it did not run."""
    for output in cell.get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith("peak-rss "):
                return float(line.split()[1])
    return None


def chapters() -> list[Path]:
    """The chapters `_toc.yml` lists, in reading order, as paths to their .md files."""
    return [ROOT / f"{doc}.md" for doc in toc_chapters(ROOT)]


def _cell_stamp(cell, key: str) -> datetime | None:
    """The kernel's timestamp `key` ('iopub.execute_input', 'shell.execute_reply') nbclient recorded, or None."""
    try:
        return datetime.fromisoformat(cell["metadata"]["execution"][key].replace("Z", "+00:00"))
    except (KeyError, ValueError, AttributeError):
        return None


def _cell_seconds(cell) -> float:
    begin, end = _cell_stamp(cell, "iopub.execute_input"), _cell_stamp(cell, "shell.execute_reply")
    if begin is None or end is None:
        return float("nan")
    return (end - begin).total_seconds()


def start_and_stop(code_cells: list, began: datetime, ended: datetime) -> tuple[float | None, float | None]:
    """(seconds before the first cell's input, seconds after the last cell's reply) of a run between
    `began` and `ended`: the kernel's start-up and shutdown as nbclient's client meets them."""
    first = _cell_stamp(code_cells[0], "iopub.execute_input") if code_cells else None
    last = _cell_stamp(code_cells[-1], "shell.execute_reply") if code_cells else None
    start = (first - began).total_seconds() if first else None
    stop = (ended - last).total_seconds() if last else None
    return start, stop


def execute(source: str | None) -> Execution:
    """Execute a chapter (path to its .md) or, for None, the floor notebook; never raises."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    if source is None:
        name = "floor"
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_SOURCE)])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    else:
        name = Path(source).stem
        notebook = jupytext.read(source)
    memory_cell = nbformat.v4.new_code_cell(PEAK_MEMORY_SOURCE)
    notebook.cells.append(memory_cell)
    error = None
    with tempfile.TemporaryDirectory(prefix="bench-exec-") as workdir:
        client = NotebookClient(
            notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": workdir}}
        )
        begin = time.perf_counter()
        began = datetime.now(timezone.utc)
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's start-up notes are not the chapter's
        except Exception as failure:  # a failing chapter is reported, not fatal to the benchmark
            message = strip_ansi(str(failure)).strip()  # without the traceback's colours
            error = f"{type(failure).__name__}: {message.splitlines()[-1][:200] if message else ''}"
        seconds = time.perf_counter() - begin
        ended = datetime.now(timezone.utc)
    code_cells = [cell for cell in notebook.cells[:-1] if cell.cell_type == "code"]
    cells = []
    for number, cell in enumerate(code_cells):
        lines = [line for line in cell.source.splitlines() if line.strip()]
        cells.append((number, _cell_seconds(cell), lines[0][:60] if lines else ""))
    start, stop = start_and_stop(code_cells, began, ended)
    return Execution(name, seconds, cells, error, peak_memory(notebook.cells[-1]), start, stop)


def _limit_threads(threads: int | None) -> None:
    # Kernels inherit the worker's environment: OMP_NUM_THREADS sets torch's intra-op threads.
    if threads is not None:
        os.environ["OMP_NUM_THREADS"] = str(threads)


def _warm() -> None:
    import jupytext  # noqa: F401  (the worker imports what execute() needs before the clock starts)
    import nbclient  # noqa: F401

    time.sleep(0.5)


def execute_all(sources: list[str | None], jobs: int, threads: int | None = None) -> tuple[float, list[Execution]]:
    """Execute `sources` with `jobs` kernels at a time (each with `threads` torch threads, None: torch's
    default); return (wall seconds for all, each execution)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_limit_threads, initargs=(threads,)
    ) as pool:
        for warm in [pool.submit(_warm) for _ in range(jobs)]:
            warm.result()
        begin = time.perf_counter()
        results = list(pool.map(execute, sources))
        seconds = time.perf_counter() - begin
    return seconds, results


def _mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MiB"


# (kernels at a time, torch threads per kernel or None for torch's default: one per core)
MODES: tuple[tuple[int, int | None], ...] = ((1, None), (2, None), (2, 1))


def _mode_name(jobs: int, threads: int | None) -> str:
    return f"{jobs} at a time" + (f", {threads} torch thread each" if threads else "")


def run(repeats: int, modes: tuple[tuple[int, int | None], ...] = MODES) -> Section:
    """Time the floor and the chapters `repeats` times in each mode (kernels at a time, threads each)."""
    section = Section("1. Executing the course: chapters against the import floor")
    paths = chapters()
    if not paths:
        section.lines.append("No chapters found in notebooks/: nothing to execute.")
        section.targets.append(Target("chapters <= 1.5x the floor", None, "no chapters"))
        return section
    n = len(paths)
    walls: dict[tuple[str, int, int | None], list[float]] = {}
    per_chapter: dict[str, list[Execution]] = {path.stem: [] for path in paths}
    floor_kernels: list[float] = []
    floor_memory: list[float] = []
    for repeat in range(repeats):
        for jobs, threads in modes:
            floor_wall, floors = execute_all([None] * n, jobs, threads)
            wall, executions = execute_all([str(path) for path in paths], jobs, threads)
            walls.setdefault(("floor", jobs, threads), []).append(floor_wall)
            walls.setdefault(("chapters", jobs, threads), []).append(wall)
            if (jobs, threads) == modes[0]:
                floor_kernels += [floor.seconds for floor in floors]
                floor_memory += [floor.peak_mib for floor in floors if floor.peak_mib is not None]
                for execution in executions:
                    per_chapter[execution.name].append(execution)
            print(
                f"  run {repeat + 1}/{repeats}, {_mode_name(jobs, threads)}: floor {floor_wall:.1f} s, "
                f"chapters {wall:.1f} s",
                flush=True,
            )

    rows = []
    for jobs, threads in modes:
        floor = median(walls[("floor", jobs, threads)])
        wall = median(walls[("chapters", jobs, threads)])
        ratio = wall / floor
        rows.append((_mode_name(jobs, threads), format_seconds(floor), format_seconds(wall), f"{ratio:.2f}"))
        section.targets.append(
            Target(
                f"executing all {n} chapters, {_mode_name(jobs, threads)}, <= {RATIO_TARGET}x the floor",
                ratio <= RATIO_TARGET,
                f"{ratio:.2f}x ({format_seconds(wall)} against a floor of {format_seconds(floor)})",
            )
        )
    floor_each = median(floor_kernels)
    section.lines += [
        f"{n} chapters; the floor is {n} fresh kernels each running only `{FLOOR_SOURCE.replace(chr(10), '; ')}`. "
        f"Wall time for all of them, median of {repeats} runs.",
        "",
        *markdown_table(["kernels", f"floor ({n} kernels)", f"chapters ({n})", "chapters / floor"], rows),
        "",
        f"Per chapter, one kernel at a time (a floor kernel alone takes {format_seconds(floor_each)} and peaks at "
        f"{_mib(median(floor_memory) if floor_memory else None)} of resident memory; a chapter's peak is its "
        "kernel's largest resident set, `ru_maxrss`, read in a last cell added for the benchmark):",
        "",
    ]
    chapter_rows = []
    all_cells: list[tuple[float, str, int, str]] = []
    for name, executions in per_chapter.items():
        seconds = median([execution.seconds for execution in executions])
        errors = sorted({execution.error for execution in executions if execution.error})
        cells: dict[int, list[float]] = {}
        first_lines: dict[int, str] = {}
        for execution in executions:
            for number, cell_seconds, first_line in execution.cells:
                cells.setdefault(number, []).append(cell_seconds)
                first_lines[number] = first_line
        cell_medians = {number: median(values) for number, values in cells.items()}
        all_cells += [(value, name, number, first_lines[number]) for number, value in cell_medians.items()]
        slowest = max(cell_medians, key=lambda number: cell_medians[number]) if cell_medians else None
        slow_text = f"Cell {slowest}: {format_seconds(cell_medians[slowest])}" if slowest is not None else "n/a"
        status = "ok" if not errors else "FAILED: " + "; ".join(errors)
        peaks = [execution.peak_mib for execution in executions if execution.peak_mib is not None]
        chapter_rows.append(
            (
                name,
                format_seconds(seconds),
                f"{seconds / floor_each:.2f}",
                _mib(max(peaks) if peaks else None),
                len(cell_medians),
                slow_text,
                status,
            )
        )
    section.lines += markdown_table(
        ["chapter", "wall", "wall / floor kernel", "peak memory", "code cells", "slowest cell", "status"],
        chapter_rows,
    )
    top = sorted((cell for cell in all_cells if not math.isnan(cell[0])), reverse=True)[:8]
    section.lines += [
        "",
        "Where the time goes: the slowest code cells (median seconds; `Cell N` counts code cells from 0, as "
        "`pytest notebooks/<chapter>.md` names them):",
        "",
        *markdown_table(
            ["chapter", "cell", "seconds", "first line"],
            [(name, f"Cell {number}", f"{value:.2f}", "`" + line.replace("`", "'") + "`") for value, name, number, line in top],
        ),
        "",
        *first_use_lines(max(repeats, 3)),
    ]
    return section


# One-off costs a chapter pays on first use, each timed in a fresh Python process after the floor's
# imports: (label, statements run first and not timed, the statement timed).
OPTIMISER = "torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)"
FIRST_USES = (
    ("the first torch.optim optimiser", "", OPTIMISER),
    ("import torch._dynamo", "", "import torch._dynamo"),
    ("an optimiser once torch._dynamo is imported", "import torch._dynamo", OPTIMISER),
    ("an optimiser's first step()", OPTIMISER.join(("_opt = ", "")) + "; import torch._dynamo", "_opt.step()"),
    ("import scipy.optimize", "", "import scipy.optimize"),
)


def time_first_use(setup: str, statement: str) -> float:
    """Seconds `statement` takes in a fresh interpreter, after the floor's imports and `setup`."""
    script = "\n".join(
        [FLOOR_SOURCE, "import time", setup, "_t = time.perf_counter()", statement, "print(time.perf_counter() - _t)"]
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def first_use_lines(repeats: int) -> list[str]:
    """The first-use table: median seconds of each FIRST_USES statement over `repeats` fresh processes."""
    rows = []
    medians = {}
    for label, setup, statement in FIRST_USES:
        medians[label] = median([time_first_use(setup, statement) for _ in range(repeats)])
        rows.append((label, f"`{statement}`", format_seconds(medians[label])))
    optimiser, dynamo = medians[FIRST_USES[0][0]], medians[FIRST_USES[1][0]]
    after = medians[FIRST_USES[2][0]]
    return [
        f"One-off costs on first use, each in a fresh Python process after the floor's imports (median of {repeats}):",
        "",
        *markdown_table(["what", "statement", "seconds"], rows),
        "",
        f"The first optimiser costs {format_seconds(optimiser)}, importing `torch._dynamo` alone "
        f"{format_seconds(dynamo)}, and an optimiser built after that import {format_seconds(after)}: the "
        "first optimiser's cost is that import. `Optimizer.__init__` calls `add_param_group`, which torch wraps "
        "in `torch._disable_dynamo` (torch/_compile.py), and that wrapper imports `torch._dynamo` on its first "
        "call; `step()` (`_use_grad_for_differentiable`) and `zero_grad()` import it too, and no setting or "
        "environment variable skips it. Short of patching torch's private attributes, only a chapter that "
        "builds no torch.optim optimiser avoids it.",
    ]
