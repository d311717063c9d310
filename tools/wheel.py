"""The course package as a wheel: `python -m tools.wheel [OUTDIR]` (the book build calls `build_wheel`).

The wheel holds `utils` (helpers, grading checks) and the data files of `data/` as package data
(`utils/course_data/`, see pyproject.toml). It is what a downloaded chapter's first cell installs,
what the classroom archive carries, and a student's whole install besides Python:
`pip install autodiff_course_utils-<version>-py3-none-any.whl` (numpy, matplotlib, scipy, tqdm,
torch come as its dependencies when missing).

It is built from a copy of exactly those sources in a temporary folder (no `build/` or egg-info in
the checkout, two builds never share a folder), without build isolation (the environment's own
setuptools: no network), with fixed timestamps: the same sources give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from tools import chapters

WHEEL_DIR = "wheel"  # the wheel's folder in the built site and in the classroom archive
SOURCE_DATE_EPOCH = "1704067200"  # 2024-01-01: zip entries carry no build time
SOURCES = ("pyproject.toml", "utils", "data")


def project(root: Path = chapters.ROOT) -> tuple[str, str]:
    """The distribution name and version from pyproject.toml."""
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return meta["name"], meta["version"]


def wheel_name(root: Path = chapters.ROOT) -> str:
    """The wheel's file name, e.g. autodiff_course_utils-1.0.0-py3-none-any.whl."""
    name, version = project(root)
    return f"{name.replace('-', '_')}-{version}-py3-none-any.whl"


def _source_files(root: Path) -> list[Path]:
    files = [root / "pyproject.toml"]
    for folder in ("utils", "data"):
        files += [
            path
            for path in sorted((root / folder).rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        ]
    return files


def sources_digest(root: Path = chapters.ROOT) -> str:
    """A digest of everything the wheel is built from (to skip rebuilding an unchanged wheel)."""
    digest = hashlib.sha256()
    for path in _source_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_wheel(root: Path, outdir: Path) -> Path:
    """Build the course wheel from `root`'s sources into `outdir`; return its path."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="course-wheel-") as scratch:
        source = Path(scratch) / "src"
        for path in _source_files(root):
            target = source / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        command = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--quiet"]
        result = subprocess.run(
            [*command, "--wheel-dir", str(Path(scratch) / "out"), str(source)],
            capture_output=True,
            text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PIP_NO_INDEX": "1"},
            check=False,
        )
        built = Path(scratch) / "out" / wheel_name(root)
        if result.returncode != 0 or not built.is_file():
            raise RuntimeError(f"building the course wheel failed:\n{result.stdout}\n{result.stderr}")
        target = outdir / built.name
        shutil.copyfile(built, target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0]) if args else chapters.ROOT / "dist"
    print(build_wheel(chapters.ROOT, outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
