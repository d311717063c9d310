"""Building the book: a cold build against rebuilds that take executed chapters from the cache.

Every run works on a fresh copy of the repository's files (git's tracked and untracked-but-not-ignored
files, plus the staged front-end assets in _build/assets and a link to node_modules) under a
temporary folder, so it never touches the real _build/. In that copy it times, with the same command `make book` uses
(`python -m tools.build_book`: a strict `jupyter-book build`, with `--all` only when the previous
build did not succeed, plus the notebook and slide exports of the chapters that changed):

1. the cold build (empty cache: every chapter is executed);
2. the rebuild with nothing changed (every chapter comes from the execution cache);
3. the rebuild after a one-line edit of one chapter's code, and which chapters that re-executed
   (the execution cache records created by that rebuild).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, Section, Target, format_seconds, markdown_table, median
from tools.assets import stage_book
from tools.build_book import problems
from tools.chapters import chapters as chapter_list

REBUILD_TARGET = 0.15
BUILD_TIMEOUT_S = 1800
EDIT_LINE = "# (a one-line edit made by the build benchmark)"


@dataclass
class BuildRun:
    """One cold build and its two rebuilds in one copy of the repository."""

    cold: float
    rebuild: float
    edited: float
    edited_chapter: str
    incremental: float
    chapters: int
    reexecuted: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def repository_files(root: Path = ROOT) -> list[Path]:
    """The files a clone would have plus work not yet committed: git's tracked and non-ignored files."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    )
    names = [name for name in listing.stdout.decode().split("\0") if name]
    return [Path(name) for name in names if (root / name).is_file()]


def copy_repository(destination: Path, root: Path = ROOT) -> None:
    """Copy the repository's files and staged front-end assets to `destination`; link node_modules."""
    for name in repository_files(root):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    if (root / "node_modules").is_dir():  # read by the slide export; linked, never written
        (destination / "node_modules").symlink_to(root / "node_modules", target_is_directory=True)
    assets = root / "_build" / "assets"
    if assets.is_dir():
        shutil.copytree(assets, destination / "_build" / "assets")
    else:  # no `make setup` yet: stage them as its rule does
        stage_book(destination / "_build" / "assets", root / "node_modules")


def edit_last_code_cell(path: Path) -> None:
    """Append a comment line to the last code cell of a MyST chapter (its code, hence its cache key, changes)."""
    text = path.read_text(encoding="utf-8")
    start = text.rfind("```{code-cell}")
    if start < 0:
        raise ValueError(f"{path} has no code cell to edit")
    close = text.find("\n```", start + len("```{code-cell}"))
    if close < 0:
        raise ValueError(f"{path}: the last code cell is not closed")
    path.write_text(text[:close] + "\n" + EDIT_LINE + text[close:], encoding="utf-8")


def cache_records(copy: Path) -> dict[int, str]:
    """The execution cache's records in a built copy: primary key -> the notebook's path (uri)."""
    from jupyter_cache import get_cache

    folder = copy / "_build" / ".jupyter_cache"
    if not folder.is_dir():
        return {}
    return {record.pk: record.uri for record in get_cache(str(folder)).list_cache_records()}


def build_once(copy: Path, label: str, sphinx_only: bool = False) -> tuple[float, str | None]:
    """Run the book build in `copy`; return (seconds, None or a short failure description).

    With `sphinx_only`: a plain incremental `jupyter-book build .` (no --all, no exports), the least a
    rebuild can cost, shown for comparison.
    """
    if sphinx_only:
        command = [str(Path(sys.executable).with_name("jupyter-book")), "build", "."]
    else:
        command = [sys.executable, "-m", "tools.build_book", "--quiet"]
    log = copy / f"bench-{label}.log"
    begin = time.perf_counter()
    with log.open("w", encoding="utf-8") as handle:
        status = subprocess.run(command, cwd=copy, stdout=handle, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S)
    seconds = time.perf_counter() - begin
    if status.returncode == 0:
        return seconds, None
    found = problems(log.read_text(encoding="utf-8", errors="replace"), limit=1)
    first = found[0].strip()[:160] if found else "see the build log"
    return seconds, f"{label} build exited {status.returncode}: {first}"


def measure(keep: bool = False) -> BuildRun:
    """Cold build, rebuild, and rebuild after editing the first chapter, in one fresh copy."""
    copy = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        copy_repository(copy)
        failures = []
        cold, failure = build_once(copy, "cold")
        failures += [failure] if failure else []
        rebuild, failure = build_once(copy, "rebuild")
        failures += [failure] if failure else []
        incremental, failure = build_once(copy, "incremental", sphinx_only=True)
        failures += [failure] if failure else []
        chapters = chapter_list(copy)
        edited_chapter = chapters[0] if chapters else ""
        before = cache_records(copy)
        if edited_chapter:
            edit_last_code_cell(copy / f"{edited_chapter}.md")
        edited, failure = build_once(copy, "edited")
        failures += [failure] if failure else []
        after = cache_records(copy)
        reexecuted = sorted(
            Path(uri).resolve().relative_to(copy.resolve()).with_suffix("").as_posix()
            for pk, uri in after.items()
            if pk not in before
        )
        return BuildRun(cold, rebuild, edited, edited_chapter, incremental, len(chapters), reexecuted, failures)
    finally:
        if keep:
            print(f"  kept the build copy in {copy}", flush=True)
        else:
            shutil.rmtree(copy, ignore_errors=True)


def run(repeats: int, keep: bool = False) -> Section:
    """Measure `repeats` fresh copies; the table holds the medians."""
    section = Section("2. Building the book: cold build against cached rebuilds")
    runs = []
    for repeat in range(repeats):
        result = measure(keep)
        runs.append(result)
        print(
            f"  build {repeat + 1}/{repeats}: cold {result.cold:.1f} s, rebuild {result.rebuild:.1f} s, "
            f"after editing {result.edited_chapter}: {result.edited:.1f} s, re-executed {result.reexecuted}",
            flush=True,
        )
    cold = median([result.cold for result in runs])
    rebuild = median([result.rebuild for result in runs])
    edited = median([result.edited for result in runs])
    incremental = median([result.incremental for result in runs])
    edited_chapter = runs[0].edited_chapter
    section.lines += [
        f"`python -m tools.build_book` (what `make book` runs: `jupyter-book build -W -n --keep-going`, with `--all` after a failed or first build, "
        f"then the notebook and slide exports) in a fresh copy of the repository, {runs[0].chapters} chapters "
        f"in `_toc.yml`. Median of {repeats} copies.",
        "",
        *markdown_table(
            ["build", "wall", "share of the cold build"],
            [
                ("cold (empty execution cache)", format_seconds(cold), "100%"),
                ("rebuild, nothing changed", format_seconds(rebuild), f"{rebuild / cold:.0%}"),
                (
                    "for comparison: plain incremental `jupyter-book build .` (no --all, no exports)",
                    format_seconds(incremental),
                    f"{incremental / cold:.0%}",
                ),
                (f"rebuild after a one-line edit of {edited_chapter}", format_seconds(edited), f"{edited / cold:.0%}"),
            ],
        ),
        "",
    ]
    reexecuted = sorted({tuple(result.reexecuted) for result in runs})
    section.lines.append(
        "Chapters re-executed by the rebuild after the edit (new execution-cache records): "
        + "; ".join(", ".join(names) or "none" for names in reexecuted)
        + "."
    )
    failures = sorted({failure for result in runs for failure in result.failures})
    if failures:
        section.lines += ["", "The build reported problems (timings still shown, but read them with care):", ""]
        section.lines += [f"- {failure}" for failure in failures]
    ok = not failures
    section.targets.append(
        Target(
            f"rebuild with nothing changed <= {REBUILD_TARGET:.0%} of the cold build",
            rebuild / cold <= REBUILD_TARGET,
            f"{rebuild / cold:.0%} ({format_seconds(rebuild)} against {format_seconds(cold)})"
            + ("" if ok else "; the builds reported problems"),
        )
    )
    only_it = all(result.reexecuted == [result.edited_chapter] for result in runs)
    section.targets.append(
        Target(
            "a rebuild after editing one chapter re-executes only it",
            only_it,
            "re-executed: " + "; ".join(", ".join(names) or "none" for names in reexecuted),
        )
    )
    return section
