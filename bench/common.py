"""What every benchmark shares: the median of repeated runs, the markdown table, the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Target:
    """One target of the issue: what it asks, what was measured, and whether it was met (None: not measured)."""

    name: str
    met: bool | None
    detail: str


@dataclass
class Section:
    """One benchmark's part of results.md: a heading, markdown lines and the targets it checked."""

    title: str
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence (the mean of the two middle values for an even count)."""
    if len(values) == 0:
        raise ValueError("median() of an empty sequence")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def time_call(function: Callable[[], object]) -> tuple[float, object]:
    """Call `function` once; return (seconds of wall time, its result)."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def format_seconds(seconds: float | None) -> str:
    """Seconds with three significant figures in a readable unit: '1.23 s', '45.6 ms', '789 us'."""
    if seconds is None:
        return "n/a"
    if seconds >= 1:
        return f"{seconds:.3g} s" if seconds < 1000 else f"{seconds:.0f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured markdown table, one string per line; numbers right-aligned."""
    if any(len(row) != len(header) for row in rows):
        raise ValueError(f"markdown_table: every row needs {len(header)} cells")

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    numeric = [
        bool(rows) and all(isinstance(row[column], (int, float)) for row in rows) for column in range(len(header))
    ]
    lines = ["| " + " | ".join(cell(name) for name in header) + " |"]
    lines.append("|" + "|".join("---:" if is_number else "---" for is_number in numeric) + "|")
    lines.extend("| " + " | ".join(cell(value) for value in row) + " |" for row in rows)
    return lines


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_lines() -> list[str]:
    """The machine and the versions that produced the figures, as a two-column markdown table."""
    import torch

    if torch.cuda.is_available():
        gpu = torch.cuda.get_device_name(0)
    elif torch.backends.mps.is_available():
        gpu = "Apple GPU (MPS)"
    else:
        gpu = "none (neither CUDA nor MPS is available)"
    rows = [
        ("CPU", f"{_cpu_model()}, {os.cpu_count()} logical cores, torch uses {torch.get_num_threads()} threads"),
        ("GPU", gpu),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("Python", platform.python_version()),
    ]
    packages = ["torch", "numpy", "scipy", "matplotlib", "jupyter-book", "myst-nb", "jupyter-cache", "nbclient"]
    rows.extend((package, _version(package)) for package in packages)
    rows.append(("commit", _git_commit()))
    return markdown_table(["", ""], rows)
