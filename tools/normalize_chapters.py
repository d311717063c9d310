"""Rewrite chapters in the form jupytext writes: `python -m tools.normalize_chapters [--check] [FILE ...]`.

JupyterLab saves a chapter's `.md` through jupytext (autosave, and RISE saves before it presents).
A chapter committed in any other form is rewritten on that first save, and an instructor's checkout
shows changes nobody made. This command puts every chapter (or the files named) in that form once:

- the kernelspec as a Jupyter kernel writes it (`display_name: Python 3 (ipykernel)`);
- each hidden check cell (tag `remove-cell`) skipped on live slides (`slideshow: slide_type: skip`,
  RISE hides it) and collapsed in JupyterLab (`jupyter: source_hidden: true`);
- everything serialised by jupytext's own MyST writer (cell metadata blocks, markers, YAML style).

It is idempotent: a second run changes nothing. `--check` only lists the files it would change
(exit 1 if any). tests/test_chapter_sources.py checks that every chapter survives a jupytext
read-write unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext

from tools import chapters

FORMAT = "md:myst"
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"  # what ipykernel's `python3` kernel calls itself


def chapter_files(root: Path = chapters.ROOT) -> list[Path]:
    """Every chapter source `_toc.yml` lists (notebooks/NN_topic.md), in reading order."""
    return [root / f"{doc}.md" for doc in chapters.chapters(root)]


def normalized(text: str) -> str:
    """The chapter text as jupytext writes it, with check cells off slides and collapsed in Lab."""
    notebook = jupytext.reads(text, fmt=FORMAT)
    kernelspec = notebook.metadata.get("kernelspec")
    if kernelspec is not None and kernelspec.get("name") == "python3":
        kernelspec["display_name"] = KERNEL_DISPLAY_NAME
    for cell in notebook.cells:
        if "remove-cell" in cell.metadata.get("tags", []):
            cell.metadata["slideshow"] = {"slide_type": "skip"}
            jupyter = dict(cell.metadata.get("jupyter", {}))
            jupyter["source_hidden"] = True
            cell.metadata["jupyter"] = jupyter
    return jupytext.writes(notebook, fmt=FORMAT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list the files that would change; exit 1 if any")
    parser.add_argument("files", nargs="*", type=Path, help="chapter .md files (default: every chapter)")
    args = parser.parse_args(argv)
    files = args.files or chapter_files()
    changed = []
    for path in files:
        if not path.is_file():
            parser.error(f"{path}: no such chapter file")
        text = path.read_text(encoding="utf-8")
        new = normalized(text)
        if new != text:
            changed.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    verb = "would rewrite" if args.check else "rewrote"
    for path in changed:
        print(f"{verb} {path}")
    print(f"{len(changed)} of {len(files)} chapter(s) {'not in' if args.check else 'put in'} jupytext's form")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
