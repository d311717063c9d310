"""Sphinx extension: each chapter page links to its slide deck and offers its executed `.ipynb`.

sphinx-book-theme lists an `.ipynb` in the page's download menu only when a launch button
(Binder, Colab, ...) is configured, and then copies an output-less notebook. This extension adds
the entry itself. When the HTML build has finished (`build-finished`), `tools.build_book.post_build`
writes the downloadable notebook to `_sources/<page>.ipynb` (and the same text as a script,
`_sources/<page>.ipynb.js`), the deck to `slides/<chapter>.slides.html` and the course wheel to
`wheel/`: a plain `jupyter-book build .` publishes a complete site.

The entry downloads the notebook both over http(s) (the link's `download` attribute) and from a
book opened from disk: browsers ignore `download` on file:// links and show the JSON instead, and
refuse `fetch` there, so on file:// the page loads the `.ipynb.js` script (scripts do load from
disk) and saves its text through a Blob link, which is same-origin.

Enabled in `_config.yml` under `sphinx: local_extensions`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

CHAPTER_PREFIX = "notebooks/"

# Make the notebook entry a download (not a new tab showing JSON), over http and from disk.
_DOWNLOAD_SCRIPT = """
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("a.btn-download-notebook-button").forEach(function (link) {
    link.setAttribute("download", "");
    link.removeAttribute("target");
    link.addEventListener("click", function (event) {
      if (window.location.protocol !== "file:") { return; }
      event.preventDefault();
      // href: <up>/_sources/<doc>.ipynb; the script registers the text under <doc>.
      var doc = link.getAttribute("href").split("_sources/").pop().replace(/\\.ipynb$/, "");
      var save = function () {
        var text = (window.courseNotebooks || {})[doc];
        if (text === undefined) { window.location.href = link.href; return; }
        var blob = new Blob([text], {type: "application/x-ipynb+json"});
        var anchor = document.createElement("a");
        anchor.href = URL.createObjectURL(blob);
        anchor.download = doc.split("/").pop() + ".ipynb";
        document.body.appendChild(anchor);
        anchor.click();
        setTimeout(function () { URL.revokeObjectURL(anchor.href); anchor.remove(); }, 1000);
      };
      if ((window.courseNotebooks || {})[doc] !== undefined) { save(); return; }
      var script = document.createElement("script");
      script.src = link.getAttribute("href") + ".js";
      script.onload = save;
      script.onerror = function () { window.location.href = link.href; };
      document.head.appendChild(script);
    });
  });
});
"""


def is_chapter(app: Sphinx, pagename: str) -> bool:
    """A chapter is a notebook page (it has a kernelspec) under notebooks/."""
    return pagename.startswith(CHAPTER_PREFIX) and "kernelspec" in app.env.metadata.get(pagename, {})


def deck_path(pagename: str) -> str:
    """Where a chapter's deck lives in the built site, relative to its root."""
    return f"slides/{pagename.rsplit('/', 1)[-1]}.slides.html"


def notebook_path(pagename: str) -> str:
    """Where a chapter's executed notebook lives in the built site (the theme's download folder)."""
    return f"_sources/{pagename}.ipynb"


# "Open in Colab": Colab opens only notebooks in a GitHub repository. The publishing workflow
# (.github/workflows/pages.yml) pushes the downloadable notebooks it built to branch COLAB_BRANCH
# and sets COURSE_COLAB_REPO (owner/name) for the build; without it there is no button.
COLAB_BRANCH = "colab-notebooks"


def colab_url(pagename: str) -> str | None:
    """The chapter's notebook opened in Colab, from the branch the publishing workflow writes."""
    repository = os.environ.get("COURSE_COLAB_REPO", "").strip()
    if not repository:
        return None
    return f"https://colab.research.google.com/github/{repository}/blob/{COLAB_BRANCH}/{pagename}.ipynb"


def add_chapter_buttons(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Add a "Slides" header button and an `.ipynb` entry in the download menu of a chapter page."""
    buttons = context.get("header_buttons")
    if buttons is None or not is_chapter(app, pagename):
        return
    pathto = context["pathto"]
    for button in buttons:
        if button.get("label") == "download-buttons":
            entries = button["buttons"]
            if not any(entry.get("label") == "download-notebook-button" for entry in entries):
                entries.insert(
                    0,
                    {
                        "type": "link",
                        "url": pathto(notebook_path(pagename), 1),
                        "text": ".ipynb",
                        "icon": "fas fa-code",
                        "tooltip": "Download this chapter as a notebook with its outputs",
                        "label": "download-notebook-button",
                    },
                )
    colab = colab_url(pagename)
    if colab:
        buttons.insert(
            0,
            {
                "type": "link",
                "url": colab,
                "text": "Colab",
                "icon": "fas fa-rocket",
                "tooltip": "Open this chapter in Google Colab (its first cell installs the course package)",
                "label": "colab-button",
            },
        )
    buttons.insert(
        0,
        {
            "type": "link",
            "url": pathto(deck_path(pagename), 1),
            "text": "Slides",
            "icon": "fas fa-person-chalkboard",
            "tooltip": "Present this chapter as slides",
            "label": "slides-button",
        },
    )


def drop_duplicate_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Keep one copy of each page script.

    sphinx-thebe registers its configuration script on every `env-before-read-docs`, which
    jupyter-book emits twice; the second copy re-declares a `const` and the browser reports
    "Identifier 'THEBE_JS_URL' has already been declared" on every page.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in scripts:
        # An inline script's filename is None or "" depending on who added it: compare bodies.
        filename = getattr(script, "filename", script) or ""
        key = (str(filename), str(getattr(script, "attributes", {}).get("body", "")))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def write_downloads(app: Sphinx, exception: Exception | None) -> None:
    """After a successful HTML build: the wheel, the downloadable notebooks and the decks."""
    if exception is not None or app.builder.name != "html":
        return
    from tools import build_book

    build_book.post_build(Path(app.srcdir), Path(app.outdir), say=logger.info)


def setup(app: Sphinx) -> dict[str, Any]:
    # After sphinx-book-theme (priority 501) has filled the header buttons.
    app.connect("html-page-context", add_chapter_buttons, priority=502)
    app.connect("html-page-context", drop_duplicate_scripts, priority=502)
    app.add_js_file(None, body=_DOWNLOAD_SCRIPT)
    app.connect("build-finished", write_downloads)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
