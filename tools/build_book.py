"""Build the book: `python -m tools.build_book` (what `make book` runs).

1. `jupyter-book build . --all -W -n --keep-going`: every page, warnings (a cell writing to stderr,
   a failed cell, a broken reference) are errors. `--all` because an incremental `-W` rebuild
   exits 0 without checking anything; unchanged chapters still come from the execution cache.
2. After a clean build: each chapter's executed notebook goes to `_build/html/_sources/` (the
   page's download menu offers it) and its reveal.js deck to `_build/html/slides/`.

The full log is kept in `_build/book-build.log`; on failure the lines naming the failing pages
are repeated at the end. Exit status 0 only when every step succeeded.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from tools import chapters

LOG_NAME = "book-build.log"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A problem line: Sphinx's "<path>: WARNING: ..." / "ERROR: ...", or a Python exception.
# (The kernel's own "[IPKernelApp] WARNING | ..." start-up notes are not problems of the book.)
_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL):|^Traceback|^\w*(Error|Exception)\b")


def jupyter_book_command(root: Path) -> list[str]:
    """The jupyter-book command line for a full, strict build of `root`."""
    executable = Path(sys.executable).with_name("jupyter-book")
    return [str(executable), "build", str(root), "--all", "-W", "-n", "--keep-going"]


def problems(log_text: str, limit: int = 40) -> list[str]:
    """The lines of a build log that report a problem (warnings, errors, tracebacks)."""
    found = [line for line in log_text.splitlines() if _PROBLEM.search(line)]
    return found[:limit]


def failure_summary(log_text: str, tail: int = 40) -> str:
    """What a failed build says: its problem lines, then the tail of its log."""
    lines = log_text.splitlines()
    parts = ["Problems reported by the build:", *problems(log_text), "", f"Last {tail} lines of the log:"]
    return "\n".join(parts + lines[-tail:])


def run_sphinx(root: Path, log_path: Path, echo: bool) -> int:
    """Run jupyter-book, writing its output to `log_path` (and the terminal when `echo`)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            jupyter_book_command(root),
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        assert process.stdout is not None
        for line in process.stdout:
            line = _ANSI.sub("", line)
            log.write(line)
            if echo:
                sys.stdout.write(line)
        return process.wait()


def post_build(root: Path, log_path: Path, echo: bool) -> None:
    """Write the executed notebooks and the slide decks into the built site."""
    from tools import slides

    html = root / "_build" / "html"
    docs = chapters.chapters(root)
    notebooks = {}
    for doc in docs:
        notebook = chapters.downloadable(chapters.executed_chapter(doc, root))
        target = html / "_sources" / f"{doc}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(chapters.dumps(notebook), encoding="utf-8")
        notebooks[doc] = notebook
    decks = slides.build_decks(root, notebooks)
    with log_path.open("a", encoding="utf-8") as log:
        for doc in docs:
            line = f"post-build: {doc}: notebook _sources/{doc}.ipynb, deck {decks[doc].relative_to(html)}\n"
            log.write(line)
            if echo:
                sys.stdout.write(line)


def build(root: Path = chapters.ROOT, echo: bool = True) -> int:
    """Build the book under `root`; return 0 on success, 1 on any failure (details in the log)."""
    log_path = root / "_build" / LOG_NAME
    started = time.perf_counter()
    status = run_sphinx(root, log_path, echo)
    if status == 0:
        try:
            post_build(root, log_path, echo)
        except Exception as error:  # noqa: BLE001 - any failure fails the build, with its reason
            with log_path.open("a", encoding="utf-8") as log:
                log.write(f"ERROR: post-build step failed: {type(error).__name__}: {error}\n")
            status = 1
    seconds = time.perf_counter() - started
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"book build {'succeeded' if status == 0 else 'FAILED'} in {seconds:.0f} s\n")
    if status != 0:
        print(failure_summary(log_path.read_text(encoding="utf-8")), file=sys.stderr)
        print(f"The book build failed; full log: {log_path}", file=sys.stderr)
    elif echo:
        print(f"Book built in {seconds:.0f} s: {root / '_build' / 'html' / 'index.html'}")
    return 0 if status == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="write the build output only to the log")
    args = parser.parse_args()
    return build(chapters.ROOT, echo=not args.quiet)


if __name__ == "__main__":
    sys.exit(main())
