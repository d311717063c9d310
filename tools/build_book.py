"""Build the book: `python -m tools.build_book` (what `make book` runs).

1. `jupyter-book build . -W -n --keep-going`: warnings (a cell writing to stderr, a failed cell, a
   broken reference) are errors. After a failed build, or the first time, with `--all`: an
   incremental `-W` rebuild would skip the pages that failed and exit 0. Unchanged chapters come
   from the execution cache either way.
2. At the end of that Sphinx build (its `build-finished` event, connected by
   `tools/chapter_links.py`, so a plain `jupyter-book build .` does it too), `post_build` writes the
   course wheel (`tools.wheel`) to `_build/html/wheel/`, each chapter's downloadable notebook
   (`tools.notebook_export`: an install cell first, no raw MyST) to `_build/html/_sources/` (the
   page's download menu offers it, with a `.ipynb.js` copy for books opened from disk) and its
   reveal.js deck to `_build/html/slides/`; a chapter whose executed notebook and exporters are
   unchanged since the last build keeps the files it has.

The full log is kept in `_build/book-build.log`; on failure the lines naming the failing pages
are repeated at the end. Exit status 0 only when every step succeeded."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from nbconvert.filters import strip_ansi

from tools import chapters, wheel

LOG_NAME = "book-build.log"
SUCCESS_NAME = ".book-build-succeeded"  # written after a build with no warning, removed at the start of one
EXPORTS_NAME = ".book-exports.json"  # per chapter: digest of the executed notebook its exports came from
# A problem line: Sphinx's "<path>: WARNING: ..." / "ERROR: ...", or a Python exception.
# (The kernel's own "[IPKernelApp] WARNING | ..." start-up notes are not problems of the book.)
_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL):|^Traceback|^\w*(Error|Exception)\b")


def jupyter_book_command(root: Path, full: bool = True) -> list[str]:
    """The jupyter-book command line for a strict build of `root`; `full` re-renders every page."""
    executable = Path(sys.executable).with_name("jupyter-book")
    return [str(executable), "build", str(root), *(["--all"] if full else []), "-W", "-n", "--keep-going"]


def problems(log_text: str, limit: int = 40) -> list[str]:
    """The lines of a build log that report a problem (warnings, errors, tracebacks)."""
    found = [line for line in log_text.splitlines() if _PROBLEM.search(line)]
    return found[:limit]


def failure_summary(log_text: str, tail: int = 40) -> str:
    """What a failed build says: its problem lines, then the tail of its log."""
    lines = log_text.splitlines()
    parts = ["Problems reported by the build:", *problems(log_text), "", f"Last {tail} lines of the log:"]
    return "\n".join(parts + lines[-tail:])


def run_sphinx(root: Path, log_path: Path, echo: bool, full: bool = True) -> int:
    """Run jupyter-book, writing its output to `log_path` (and the terminal when `echo`)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        log.write(f"{'full' if full else 'incremental'} build: {' '.join(jupyter_book_command(root, full))}\n")
        process = subprocess.Popen(
            jupyter_book_command(root, full),
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        assert process.stdout is not None
        for line in process.stdout:
            line = strip_ansi(line)
            log.write(line)
            if echo:
                sys.stdout.write(line)
        return process.wait()


def write_wheel(root: Path, html: Path, previous: dict) -> tuple[Path, str]:
    """Build the course wheel into the site's `wheel/` unless its sources are unchanged; (path, digest)."""
    digest = wheel.sources_digest(root)
    target = html / wheel.WHEEL_DIR / wheel.wheel_name(root)
    if previous.get("wheel") != digest or not target.is_file():
        if target.parent.is_dir():
            shutil.rmtree(target.parent)  # an older version's wheel must not linger beside the new one
        wheel.build_wheel(root, target.parent)
    return target, digest


def post_build(root: Path, html: Path, say=print) -> None:
    """Write the wheel, the downloadable notebooks and the slide decks into the built site `html`,
    reporting each chapter through `say`."""
    from tools import notebook_export, slides

    docs = chapters.chapters(root)
    exports_path = root / "_build" / EXPORTS_NAME
    previous = json.loads(exports_path.read_text(encoding="utf-8")) if exports_path.exists() else {}
    wheel_path, wheel_digest = write_wheel(root, html, previous)
    package = notebook_export.Package(wheel_path.name, notebook_export.published_wheel_url(root, wheel_path.name))
    exporter_version = _exporter_version(root) + repr(package)
    keys = {"wheel": wheel_digest}
    notebooks = {}
    for doc in docs:
        executed = chapters.executed_chapter(doc, root)
        text = chapters.dumps(notebook_export.export(executed, notebook_export.chapter_number(doc), package))
        keys[doc] = hashlib.sha256((exporter_version + text).encode("utf-8")).hexdigest()
        target = html / "_sources" / f"{doc}.ipynb"
        deck = html / "slides" / f"{doc.rsplit('/', 1)[-1]}.slides.html"
        if previous.get(doc) == keys[doc] and target.is_file() and deck.is_file():
            continue  # same executed notebook, same exporters: the files written last time stand
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        script = target.with_name(target.name + ".js")  # what the page loads to download from disk
        script.write_text(notebook_export.download_script(doc, text), encoding="utf-8")
        notebooks[doc] = chapters.downloadable(executed)  # the decks start from the chapter's own cells
    slides.build_decks(root, notebooks)
    exports_path.write_text(json.dumps(keys, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    for doc in docs:
        state = "written" if doc in notebooks else "unchanged"
        say(f"post-build: {doc}: notebook _sources/{doc}.ipynb and its deck {state}")


def _exporter_version(root: Path) -> str:
    """A digest of the code and assets that turn a notebook into its download and its deck."""
    digest = hashlib.sha256()
    for path in sorted((root / "tools").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".j2"}:
            digest.update(path.read_bytes())
    lock = root / "package-lock.json"
    if lock.is_file():
        digest.update(lock.read_bytes())
    return digest.hexdigest()


def static_changed_since(marker: Path, root: Path) -> bool:
    """Whether a theme file (`tools/theme_a11y_files`: style sheet, script, templates) changed after
    `marker` was written. An incremental Sphinx build with no page out of date ends before it copies
    static files, so an edited style sheet would not reach the site."""
    folder = root / "tools" / "theme_a11y_files"
    if not marker.exists() or not folder.is_dir():
        return False
    written = marker.stat().st_mtime
    return any(path.stat().st_mtime > written for path in folder.rglob("*") if path.is_file())


def build(root: Path = chapters.ROOT, echo: bool = True) -> int:
    """Build the book under `root`; return 0 on success, 1 on any failure (details in the log)."""
    log_path = root / "_build" / LOG_NAME
    succeeded = root / "_build" / SUCCESS_NAME
    # After a successful build an incremental -W build is sound: pages it does not rewrite had no
    # warnings. After a failure (or the first time) every page is rendered again (--all), because an
    # incremental build would not look at the pages that failed and would exit 0.
    # So is a change to the theme's static files (see static_changed_since).
    full = not succeeded.exists() or static_changed_since(succeeded, root)
    succeeded.unlink(missing_ok=True)
    started = time.perf_counter()
    status = run_sphinx(root, log_path, echo, full)  # post_build runs inside it (build-finished)
    if status == 0 and "post-build: " not in log_path.read_text(encoding="utf-8"):
        with log_path.open("a", encoding="utf-8") as log:
            log.write("ERROR: the build wrote no notebooks or decks: is tools.chapter_links enabled in _config.yml?\n")
        status = 1
    seconds = time.perf_counter() - started
    if status == 0:
        succeeded.write_text(f"{time.time():.0f}\n", encoding="utf-8")
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
