"""`python -m bench`: run the benchmarks and write bench/results.md (`make bench` does this).

    python -m bench                 # all seven, the default repetitions (about 40 minutes on 2 cores)
    python -m bench --quick         # one repetition each: a quick look, not figures to commit
    python -m bench --only cities devices --output -   # some of them, markdown to the terminal
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import ROOT, Section, Target, machine_lines

RESULTS = ROOT / "bench" / "results.md"
NAMES = ["execution", "build", "cities", "devices", "test", "paths", "load"]  # in the sections' numbered order
# Repetitions per benchmark: (default, --quick). The book build executes every chapter, so it gets
# fewer; a whole test run takes minutes, so one.
REPEATS = {
    "execution": (3, 1), "paths": (3, 1), "load": (1, 1), "build": (2, 1), "cities": (5, 1), "devices": (3, 1),
    "test": (1, 1),
}


def _load_average() -> str:
    try:
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def run_benchmark(name: str, repeats: int, keep: bool) -> Section:
    """Import and run one benchmark module's `run`."""
    if name == "execution":
        from bench import execution

        return execution.run(repeats)
    if name == "paths":
        from bench import test_path

        return test_path.run(repeats)
    if name == "load":
        from bench import load

        return load.run(repeats)
    if name == "build":
        from bench import build

        return build.run(repeats, keep=keep)
    if name == "cities":
        from bench import cities

        return cities.run(repeats)
    if name == "test":
        from bench import test_run

        return test_run.run(repeats)
    from bench import devices

    return devices.run(repeats)


def closing_note(targets: list[Target]) -> list[str]:
    """One bullet per target: met, missed (and by how much), or not measured."""
    lines = []
    for target in targets:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[target.met]
        lines.append(f"- **{verdict}**: {target.name}: {target.detail}.")
    return lines


def render(sections: list[Section], started: datetime, seconds: float, quick: bool, loads: tuple[str, str]) -> str:
    """The whole results.md."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand. Each figure is the median of several "
        "runs (the count is given per table). Timings depend on the machine and on what else it is doing: "
        "compare figures only within one file.",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC in {seconds / 60:.1f} minutes"
        + (" with `--quick` (one run each)" if quick else "")
        + f"; load average (1, 5, 15 min) {loads[0]} at the start, {loads[1]} at the end.",
        "",
        "## Machine and versions",
        "",
        *machine_lines(),
    ]
    for section in sections:
        lines += ["", f"## {section.title}", "", *section.lines]
    lines += ["", "## Targets", "", *closing_note([target for section in sections for target in section.targets])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the course's benchmarks and write bench/results.md.")
    parser.add_argument("--quick", action="store_true", help="one repetition of each benchmark")
    parser.add_argument("--only", nargs="+", choices=NAMES, default=NAMES, help="run only these benchmarks")
    parser.add_argument("--output", default=str(RESULTS), help="where to write the markdown ('-': the terminal)")
    parser.add_argument("--keep", action="store_true", help="keep the book-build copies (for inspection)")
    args = parser.parse_args(argv)

    started = datetime.now(timezone.utc)
    load_start = _load_average()
    begin = time.perf_counter()
    sections = []
    for name in NAMES:
        if name not in args.only:
            continue
        repeats = REPEATS[name][1 if args.quick else 0]
        print(f"{name} ({repeats} run{'s' if repeats > 1 else ''}) ...", flush=True)
        sections.append(run_benchmark(name, repeats, args.keep))
    text = render(sections, started, time.perf_counter() - begin, args.quick, (load_start, _load_average()))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
