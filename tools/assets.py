"""The front-end files the book and the decks serve themselves: the one list of them.

npm installs the packages (pinned by package-lock.json) into node_modules; only the parts listed
here are copied next to the pages, so the site works with no network. The Makefile stages the
book's part (`python -m tools.assets _build/assets`, which `html_static_path` serves), the deck
export copies the decks' part, and the build benchmark stages the book's part into its copies.

Each entry is (source under node_modules, destination under the target folder); a source may be a
file or a folder.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"

# The book: MathJax 3 (see mathjax_path in _config.yml).
BOOK = [
    ("mathjax/es5/tex-chtml.js", "mathjax/tex-chtml.js"),
    ("mathjax/es5/output/chtml/fonts/woff-v2", "mathjax/output/chtml/fonts/woff-v2"),
    ("mathjax/es5/input/tex/extensions", "mathjax/input/tex/extensions"),
]

# The decks: reveal.js 4, MathJax 2 (the API nbconvert's template calls), require.js and jQuery.
DECKS = [
    ("reveal.js/dist/reveal.js", "reveal.js/dist/reveal.js"),
    ("reveal.js/dist/reveal.css", "reveal.js/dist/reveal.css"),
    ("reveal.js/dist/reset.css", "reveal.js/dist/reset.css"),
    ("reveal.js/dist/theme/white.css", "reveal.js/dist/theme/white.css"),
    ("reveal.js/dist/theme/fonts/source-sans-pro", "reveal.js/dist/theme/fonts/source-sans-pro"),
    ("reveal.js/plugin/notes", "reveal.js/plugin/notes"),
    ("reveal.js/LICENSE", "reveal.js/LICENSE"),
    ("mathjax2/MathJax.js", "mathjax2/MathJax.js"),
    ("mathjax2/config/TeX-AMS_CHTML-full.js", "mathjax2/config/TeX-AMS_CHTML-full.js"),
    ("mathjax2/config/Safe.js", "mathjax2/config/Safe.js"),
    ("mathjax2/extensions", "mathjax2/extensions"),
    ("mathjax2/jax/input/TeX", "mathjax2/jax/input/TeX"),
    ("mathjax2/jax/output/CommonHTML", "mathjax2/jax/output/CommonHTML"),
    ("mathjax2/jax/element", "mathjax2/jax/element"),
    ("mathjax2/fonts/HTML-CSS/TeX/woff", "mathjax2/fonts/HTML-CSS/TeX/woff"),
    ("mathjax2/LICENSE", "mathjax2/LICENSE"),
    ("requirejs/require.js", "requirejs/require.js"),
    ("jquery/dist/jquery.min.js", "jquery/jquery.min.js"),
    ("jquery/LICENSE.txt", "jquery/LICENSE.txt"),
]


def copy_assets(entries: list[tuple[str, str]], target: Path, node_modules: Path = NODE_MODULES) -> None:
    """Copy each (source, destination) entry from `node_modules` into `target`."""
    missing = [source for source, _ in entries if not (node_modules / source).exists()]
    if missing:
        raise FileNotFoundError(
            f"{node_modules / missing[0]} is missing ({len(missing)} asset(s) in all): "
            "run `make setup` (npm ci) first"
        )
    for source, destination in entries:
        origin, copy = node_modules / source, target / destination
        copy.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, copy, dirs_exist_ok=True)
        else:
            shutil.copy2(origin, copy)


def stage_book(target: Path, node_modules: Path = NODE_MODULES) -> None:
    """Replace `target` by a fresh copy of the book's assets."""
    shutil.rmtree(target, ignore_errors=True)
    copy_assets(BOOK, target, node_modules)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stage the book's front-end assets from node_modules.")
    parser.add_argument("target", type=Path, help="folder to (re)create, e.g. _build/assets")
    parser.add_argument("--node-modules", type=Path, default=NODE_MODULES, help="where npm installed them")
    args = parser.parse_args(argv)
    try:
        stage_book(args.target, args.node_modules)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
