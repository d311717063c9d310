"""Set JupyterLab up for the course: `python -m tools.lab` (run by `make lab` before starting Lab).

- The chapters' `.md` files open as notebooks (jupytext's "Jupytext Notebook" viewer), through a
  settings override stored inside the environment (`<venv>/share/jupyter/lab/settings/overrides.json`),
  so the user's own JupyterLab settings in their home directory stay untouched.
- Live slides come from the `jupyterlab-rise` extension: in a chapter, `Alt+R` (or the command
  palette's "Render as slides") presents it from the current cell, with runnable cells.
"""

from __future__ import annotations

import sys
from pathlib import Path

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
