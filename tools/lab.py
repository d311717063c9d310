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
    print(
        "JupyterLab: chapters (.md) open as notebooks; present one live with Alt+R (RISE).\n"
        f"Settings: {settings}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
