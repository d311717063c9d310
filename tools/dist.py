"""The classroom archive: `python -m tools.dist` (what `make dist` runs, after `make book`).

Writes `dist/autodiff-course.zip`, one file to copy onto a classroom machine or a USB stick:

    book/            the built site: open book/index.html; every deck is in book/slides/
    notebooks/       each chapter as an executed .ipynb (outputs included, an install cell first)
    wheel/           the course package (`utils` and the data), all a student installs
    README.txt       how to open, present and run it

Everything the pages and decks load is inside `book/`, so it opens and presents with no network.
The archive is reproducible: entries sorted, timestamps fixed.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from tools import chapters, wheel
from tools.chapter_links import notebook_path

ARCHIVE_NAME = "autodiff-course.zip"
FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # zip entries carry no build time, so two builds give one archive

README = """Automatic Differentiation with PyTorch - classroom archive
===========================================================

Read:     open book/index.html in a web browser (no network needed).
Present:  open book/slides/<chapter>.slides.html, or use the "Slides" button on a chapter page.
          Arrow keys move between slides, Esc shows the overview, F is full screen.
Run:      the chapters are in notebooks/ as .ipynb with their outputs. They need Python 3.11 to
          3.13 and torch 2.5 or newer. On a computer without an NVIDIA GPU, install torch's CPU
          build first (1.2 GB instead of about 5.7 GB with the CUDA libraries):
              python3 -m venv .venv
              .venv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
              .venv/bin/pip install wheel/{wheel} jupyterlab
              .venv/bin/jupyter lab notebooks/
          (macOS: a plain `pip install torch` is already the CPU and Apple-GPU build.)
          The wheel is the course package (helpers and data); pip adds numpy, matplotlib, scipy,
          tqdm and torch if they are missing (that part needs the package index or a local mirror)
          and never replaces a torch that is already installed.
          A notebook's first cell installs the wheel from ../wheel/ by itself when it is missing.
"""


def archive_entries(root: Path) -> dict[str, Path]:
    """Archive name -> file on disk, for everything the archive holds."""
    html = root / "_build" / "html"
    if not (html / "index.html").exists():
        raise FileNotFoundError(f"{html / 'index.html'} is missing: run `make book` first")
    entries: dict[str, Path] = {}
    for path in sorted(html.rglob("*")):
        if path.is_file() and ".doctrees" not in path.parts and path.name != ".buildinfo":
            entries[f"book/{path.relative_to(html).as_posix()}"] = path
    for doc in chapters.chapters(root):
        notebook = html / notebook_path(doc)
        if not notebook.exists():
            raise FileNotFoundError(f"{notebook} is missing: run `make book` first")
        entries[f"notebooks/{Path(doc).name}.ipynb"] = notebook
    package = html / wheel.WHEEL_DIR / wheel.wheel_name(root)
    if not package.exists():
        raise FileNotFoundError(f"{package} is missing: run `make book` first")
    entries[f"{wheel.WHEEL_DIR}/{package.name}"] = package
    return entries


def write_archive(root: Path, target: Path) -> Path:
    """Write the classroom zip to `target` and return it."""
    entries = archive_entries(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("README.txt", date_time=FIXED_TIME)
        readme = README.format(wheel=wheel.wheel_name(root))
        archive.writestr(info, readme, compress_type=zipfile.ZIP_DEFLATED)
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name].read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    return target


def main() -> int:
    target = write_archive(chapters.ROOT, chapters.ROOT / "dist" / ARCHIVE_NAME)
    size = target.stat().st_size / 2**20
    print(f"Wrote {target.relative_to(chapters.ROOT)} ({size:.1f} MiB): open book/index.html inside it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
