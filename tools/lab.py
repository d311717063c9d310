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
"""

from __future__ import annotations

import sys
from pathlib import Path

from jupytext.async_contentsmanager import AsyncTextFileContentsManager
from jupytext_config.labconfig import LabConfig

# Document types whose files jupytext opens as notebooks: MyST chapters are `.md`.
DOCTYPES = ["markdown", "myst"]
EXTENSIONS = ["jupyterlab-rise", "jupyterlab-jupytext"]


def overrides_file(prefix: Path = Path(sys.prefix)) -> Path:
    """JupyterLab's settings-override file for the environment at `prefix`."""
    return prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def open_markdown_as_notebooks(settings: Path) -> None:
    """Make "Jupytext Notebook" the default viewer for markdown, keeping any other override."""
    settings.parent.mkdir(parents=True, exist_ok=True)
    LabConfig(settings_file=settings).read().set_default_viewers(DOCTYPES).write()


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


class ChapterContentsManager(AsyncTextFileContentsManager):
    """Jupytext's contents manager, handing notebooks to JupyterLab with the kernel's `language_info`."""

    async def get(self, path, content=True, type=None, format=None, **kwargs):  # noqa: A002 - the base's names
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        return with_language_info(model) if content else model


def main() -> int:
    missing = missing_extensions()
    if missing:
        print(f"Missing JupyterLab extensions {missing}: run `make setup`.", file=sys.stderr)
        return 1
    settings = overrides_file()
    open_markdown_as_notebooks(settings)
    print(
        "JupyterLab: chapters (.md) open as notebooks; present one live with Alt+R (RISE).\n"
        f"Settings: {settings}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
