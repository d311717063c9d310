"""Sphinx extension: the theme's accessibility faults fixed in the project, not in installed packages.

Found by axe-core (WCAG 2.1 A/AA) on the built book, see tests/test_accessibility.py:

- The sidebar's search button says "Search Ctrl+K" but its accessible name was "Search"
  (label-content-name-mismatch): `templates/search-button-field.html` drops the `aria-label`, so
  the name is the visible text.
- MyST-NB's "Show code cell content" toggle had the name "Toggle hidden content"
  (label-content-name-mismatch): its `<summary>` is written here without that `aria-label`.
- Links in the book theme's blue were 4.3:1 on grey table rows in light mode and 4.0:1 in dark
  mode: `static/course-a11y.css` darkens (light) and lightens (dark) them to at least 5:1.
- At 320 px wide long code lines and wide tables scroll inside their own box instead of widening
  the page (WCAG 1.4.10 reflow), also in `static/course-a11y.css`.
- Code and outputs that scroll sideways become tab stops when a collapsed cell or a solution is
  opened, as the theme makes those shown on load (scrollable-region-focusable):
  `static/course-a11y.js`.
- An animation player (`utils.plotting.offline_jshtml`) whose still frame has no alt text gets the
  description written in its cell's ``mystnb: image: alt`` metadata, as a figure would.

Enabled in `_config.yml` under `sphinx: local_extensions`.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

FILES = Path(__file__).resolve().parent / "theme_a11y_files"
CSS = "course-a11y.css"
JS = "course-a11y.js"


def visit_hidden_cell(self: Any, node: Any) -> None:
    """A collapsed cell: `<details>` whose `<summary>` is named by its visible text."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def depart_hidden_cell(self: Any, node: Any) -> None:
    self.body.append("</details>\n")


def alt_text(metadata: dict) -> str:
    """The alt text a cell's metadata gives its figures (`mystnb: image: alt`), or ''."""
    mystnb = metadata.get("mystnb", {}) if isinstance(metadata, dict) else {}
    image = mystnb.get("image", {}) if isinstance(mystnb, dict) else {}
    return str(image.get("alt", "")).strip() if isinstance(image, dict) else ""


def describe_animations(app: Sphinx, doctree: nodes.document) -> None:
    """Animation players in a cell's HTML output get the cell's alt text on their still frame."""
    from utils.plotting import describe_animation

    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        alt = alt_text(cell.get("cell_metadata", {}))
        if not alt:
            continue
        for raw in list(cell.findall(nodes.raw)):
            if raw.get("format") == "html" and "_anim_img" in raw.astext():
                described = nodes.raw(text=describe_animation(raw.astext(), alt), **raw.attributes)
                raw.replace_self(described)


def add_static_path(app: Sphinx) -> None:
    """Serve `static/` (the stylesheet) from the built site's `_static`."""
    app.config.html_static_path.append(str(FILES / "static"))


def setup(app: Sphinx) -> dict[str, Any]:
    from myst_nb.sphinx_ import HideCodeCellNode

    # Before the theme's own component folder, so these templates win.
    app.config.templates_path.insert(0, str(FILES / "templates"))
    app.connect("builder-inited", add_static_path)
    app.connect("doctree-read", describe_animations)
    # Loaded after the theme's styles, so these rules win.
    app.add_css_file(CSS, priority=900)
    app.add_js_file(JS)
    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_hidden_cell))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
