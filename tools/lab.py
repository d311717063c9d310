"""Set JupyterLab up for the course: `python -m tools.lab` (run by `make lab` before starting Lab).

- The chapters' `.md` files open as notebooks (jupytext's "Jupytext Notebook" viewer), through a
  settings override stored inside the environment (`<venv>/share/jupyter/lab/settings/overrides.json`),
  so the user's own JupyterLab settings in their home directory stay untouched.
- Live slides come from the `jupyterlab-rise` extension: in a chapter, `Alt+R` (or the command
  palette's "Render as slides") presents it from the current cell, with runnable cells.
- A chapter opens unmodified: JupyterLab writes the kernel's `language_info` into a notebook's
  metadata when the kernel connects, and marks the notebook modified unless it already held the same
  value. Jupytext leaves `language_info` out of a `.md` file, so every chapter opened "modified" and
  asked to be saved on close (saving changed nothing). `ChapterContentsManager` (which `make lab`
  gives the server) hands a chapter to JupyterLab with the `language_info` of this environment's
  Python kernel already in place; jupytext still leaves it out when the chapter is saved.
- Live slides work offline: RISE's default theme ("simple") imports Google Fonts, so the course sets
  reveal's "white" theme (`RISE_SETTINGS`, no web fonts); RISE asks every presentation for `rise.css`
  and `<notebook>.css` beside the notebook, which 404'd: the contents manager answers `rise.css`
  (when there is none) with the course's live-slide style (`RISE_CSS`: the first slide says how to
  run the cells, as a chapter is stored without outputs) and a missing `<notebook>.css` with an
  empty style sheet.
- Live slides log no errors. jupyterlab-rise 0.43.1 (the newest release) is a separate app whose
  bundle runs @jupyter/web-components 0.16.7 and @microsoft/fast-foundation 2.50.0 (its yarn.lock;
  the page's share scope holds 0.16.7). In 0.16.7 a `<jp-toolbar>`, once attached, sets its design
  token `fill-color` to a value derived from its parent's; when the notebook (with its hidden
  toolbar) is attached, resolving that value re-enters fast-foundation's token store (Store.set ->
  notify -> binding observer -> Store.set ...) until the stack overflows, and 2.50.0 catches each
  RangeError and logs it: about 20 "Maximum call stack size exceeded" per presentation.
  web-components 0.17.1 (JupyterLab 4.6's own) dropped that derivation (jupyter-ui-toolkit#126).
  `install_toolbar_fix` writes a small extension (`TOOLBAR_FIX_JS`: plain JavaScript, nothing to
  build) that, where the app's shared web-components is older than 0.17, refuses a derived
  `fill-color` on a `<jp-toolbar>`, so the toolbar inherits its parent's as in 0.17. In JupyterLab
  itself it does nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_server.files.handlers import FilesHandler
from jupytext.async_contentsmanager import AsyncTextFileContentsManager
from jupytext_config.labconfig import LabConfig
from traitlets import default

# Document types whose files jupytext opens as notebooks: MyST chapters are `.md`.
DOCTYPES = ["markdown", "myst"]
EXTENSIONS = ["jupyterlab-rise", "jupyterlab-jupytext"]
# jupyterlab-rise's settings for the course: a theme without web fonts, slide numbers, 16:9.
RISE_SETTINGS = {"theme": "white", "slideNumber": "c/t", "width": "1280", "height": "720", "transition": "none"}
RISE_CSS = """/* The course's live slides (tools/lab.py): a chapter is stored without outputs. */
.reveal .slides > section:first-of-type::before {
  content: "Live slides: run each code cell with Shift+Enter (or Run > Run All Cells before presenting).";
  display: block; margin-bottom: 0.5em; padding: 0.3em 0.6em; font-size: 0.4em;
  background: #f2f6fb; border-left: 6px solid #3d7ab8; color: #111;
}
"""


# The extension `install_toolbar_fix` writes: a module-federation container as JupyterLab (and the
# RISE app, which loads the same extensions) expects one, holding one plugin.
TOOLBAR_FIX = "course-rise-toolbar-fix"
TOOLBAR_FIX_JS = """// Written by tools/lab.py (see its docstring): <jp-toolbar> as web-components 0.17 has it.
(function () {
  "use strict";
  const PACKAGE = "@jupyter/web-components";
  let shared = {};  // the app's shared modules, handed over by init()

  // web-components before 0.17: a <jp-toolbar>, once attached, sets its fill-color to a value derived
  // from its parent's (jupyter-ui-toolkit#126 removed that). Custom elements keep the callbacks they
  // were defined with, so the step is refused where it lands: a derived fill-color for a toolbar.
  async function inheritFillColor() {
    // The copy the app runs: a singleton, the newest version in the share scope.
    const versions = Object.keys(shared[PACKAGE] || {});
    const used = versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).pop();
    if (!used || !/^0\\.([0-9]|1[0-6])\\./.test(used)) {
      return;  // none, or 0.17 and later (JupyterLab 4.6's own): nothing to do
    }
    const { fillColor } = (await shared[PACKAGE][used].get())();
    const setValueFor = fillColor.setValueFor;
    fillColor.setValueFor = function (element, value) {
      const fromParent = element.localName === "jp-toolbar" && typeof value === "function";
      return fromParent ? this : setValueFor.call(this, element, value);
    };
  }

  const plugin = {
    id: "%(name)s:plugin",
    description: "Keeps <jp-toolbar> from deriving its fill colour from its parent's (RISE's bundle).",
    autoStart: true,
    activate: inheritFillColor
  };
  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB["%(name)s"] = {
    init: scope => { shared = scope; },  // provides no modules, reads the app's
    get: () => Promise.resolve(() => ({ __esModule: true, default: [plugin] }))
  };
})();
""" % {"name": TOOLBAR_FIX}


def overrides_file(prefix: Path = Path(sys.prefix)) -> Path:
    """JupyterLab's settings-override file for the environment at `prefix`."""
    return prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def open_markdown_as_notebooks(settings: Path) -> None:
    """Make "Jupytext Notebook" the default viewer for markdown, keeping any other override."""
    settings.parent.mkdir(parents=True, exist_ok=True)
    LabConfig(settings_file=settings).read().set_default_viewers(DOCTYPES).write()


def present_offline(settings: Path) -> None:
    """Give jupyterlab-rise the course's settings (`RISE_SETTINGS`), keeping any other override."""
    import json

    settings.parent.mkdir(parents=True, exist_ok=True)
    overrides = json.loads(settings.read_text(encoding="utf-8")) if settings.exists() else {}
    overrides["jupyterlab-rise:plugin"] = {**overrides.get("jupyterlab-rise:plugin", {}), **RISE_SETTINGS}
    settings.write_text(json.dumps(overrides, indent=2) + "\n", encoding="utf-8")


def install_toolbar_fix(prefix: Path = Path(sys.prefix)) -> Path:
    """Write the `<jp-toolbar>` fix (`TOOLBAR_FIX_JS`) as a prebuilt extension of the environment."""
    import json

    folder = prefix / "share" / "jupyter" / "labextensions" / TOOLBAR_FIX
    (folder / "static").mkdir(parents=True, exist_ok=True)
    (folder / "static" / "remoteEntry.js").write_text(TOOLBAR_FIX_JS, encoding="utf-8")
    package = {
        "name": TOOLBAR_FIX, "version": "1.0.0", "private": True,
        "description": "The course's fix for <jp-toolbar> in jupyterlab-rise's slides (tools/lab.py).",
        "jupyterlab": {"_build": {"load": "static/remoteEntry.js", "extension": "./extension"}},
    }
    (folder / "package.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    return folder


def missing_extensions(prefix: Path = Path(sys.prefix)) -> list[str]:
    """The course's JupyterLab extensions that the environment lacks."""
    installed = prefix / "share" / "jupyter" / "labextensions"
    return [name for name in EXTENSIONS if not (installed / name / "package.json").exists()]


def kernel_language_info() -> dict:
    """The `language_info` this environment's Python kernel (ipykernel) reports when it connects."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def with_language_info(model: dict) -> dict:
    """A contents model of a Python notebook with the kernel's `language_info` filled in if absent."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return model
    metadata = model["content"].setdefault("metadata", {})
    if metadata.get("kernelspec", {}).get("language", "python") == "python" and "language_info" not in metadata:
        metadata["language_info"] = kernel_language_info()
    return model


def style_sheet_model(path: str, text: str) -> dict:
    """A contents model of a CSS file that is not on disk."""
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    return {"name": path.rsplit("/", 1)[-1], "path": path, "type": "file", "format": "text", "mimetype": "text/css",
            "content": text, "size": len(text.encode()), "writable": False, "created": now, "last_modified": now,
            "hash": None, "hash_algorithm": None}


class ChapterContentsManager(AsyncTextFileContentsManager):
    """Jupytext's contents manager, handing notebooks to JupyterLab with the kernel's `language_info`
    and answering RISE's style sheets (`rise.css`, `<notebook>.css`) when they are not on disk."""

    @default("files_handler_class")
    def _files_through_this_manager(self):  # /files/ requests come to `get`, not straight from disk
        return FilesHandler

    @default("files_handler_params")
    def _files_root(self):
        return {"path": self.root_dir}

    async def get(self, path, content=True, type=None, format=None, **kwargs):  # noqa: A002 - the base's names
        path = path.strip("/")
        if path.endswith(".css") and not await self.file_exists(path):
            return style_sheet_model(path, RISE_CSS if path.rsplit("/", 1)[-1] == "rise.css" else "")
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        return with_language_info(model) if content else model


def main() -> int:
    missing = missing_extensions()
    if missing:
        print(f"Missing JupyterLab extensions {missing}: run `make setup`.", file=sys.stderr)
        return 1
    settings = overrides_file()
    open_markdown_as_notebooks(settings)
    present_offline(settings)
    install_toolbar_fix()
    print(
        "JupyterLab: chapters (.md) open as notebooks; present one live with Alt+R (RISE).\n"
        f"Settings: {settings}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
