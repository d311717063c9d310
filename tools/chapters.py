"""The chapters the book lists, and their executed notebooks.

The book build executes each chapter once and stores the result in the jupyter-cache under
`_build/.jupyter_cache`. The `.ipynb` downloads and the slide decks are made from those cached
outputs, so nothing runs twice and the page, the notebook and the deck show the same numbers.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
CACHE = BUILD / ".jupyter_cache"
NOTEBOOK_DIR = "notebooks"
# A markdown link to a chapter's source, `[text](02_city_placement.md#anchor)`: the decks and the
# downloaded notebooks point it at the chapter's page or notebook instead.
CHAPTER_LINK = re.compile(r"\]\((?P<stem>\d\d_[\w-]+)\.md(?P<anchor>#[^)\s]*)?\)")


def toc_files(root: Path = ROOT) -> list[str]:
    """Every document `_toc.yml` lists, root first, in reading order (paths without suffix).

    The file is read with the parser jupyter-book itself uses (sphinx-external-toc), so this list
    and the book's table of contents cannot disagree.
    """
    from sphinx_external_toc.parsing import MalformedError, parse_toc_yaml

    path = root / "_toc.yml"
    try:
        site = parse_toc_yaml(path)
    except (OSError, MalformedError) as error:
        raise ValueError(f"{path}: cannot read the table of contents ({error}); fix the file") from None
    found: list[str] = []

    def walk(docname: str) -> None:
        found.append(docname.removesuffix(".md").removesuffix(".ipynb"))  # `file:` may carry a suffix
        for subtree in site[docname].subtrees:
            for item in subtree.items:
                if isinstance(item, str):  # a document (globs and URLs name no single file)
                    walk(item)

    walk(site.root.docname)
    return found


def chapters(root: Path = ROOT) -> list[str]:
    """The chapter documents (`notebooks/NN_topic`) in reading order."""
    return [doc for doc in toc_files(root) if doc.startswith(f"{NOTEBOOK_DIR}/") and (root / f"{doc}.md").exists()]


def read_chapter(doc: str, root: Path = ROOT) -> nbformat.NotebookNode:
    """Read a chapter's `.md` exactly as MyST-NB does, so it matches its entry in the execution cache."""
    from myst_nb.core.read import read_myst_markdown_notebook

    path = root / f"{doc}.md"
    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"), path=path)


def executed_chapter(doc: str, root: Path = ROOT, execute_missing: bool = False) -> nbformat.NotebookNode:
    """The chapter as a notebook with the outputs of its last execution by the book build.

    When the cache holds no run of the chapter's current code: with `execute_missing`, run it now
    (as MyST-NB does: in the chapter's folder, errors fatal) and store the run in the cache so the
    next book build reuses it; otherwise raise LookupError naming the chapter.
    """
    from jupyter_cache import get_cache

    notebook = read_chapter(doc, root)
    cache_dir = root / "_build" / ".jupyter_cache"
    if not cache_dir.exists() and not execute_missing:
        raise LookupError(f"{doc}: no execution cache at {cache_dir}; run `make book` first")
    cache = get_cache(str(cache_dir))
    try:
        _, executed = cache.merge_match_into_notebook(notebook)
    except KeyError:
        if not execute_missing:
            raise LookupError(
                f"{doc}: the execution cache holds no run of this chapter's current code (was it edited "
                "during the build?); run `make book` again"
            ) from None
        execute_into_cache(cache, notebook, root / f"{doc}.md")
        _, executed = cache.merge_match_into_notebook(notebook)
    return executed


def execute_into_cache(cache: object, notebook: nbformat.NotebookNode, path: Path, timeout: int = 300) -> None:
    """Execute a chapter and store the run in the jupyter-cache; raise RuntimeError if a cell fails."""
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    notebook = copy.deepcopy(notebook)
    result = single_nb_execution(notebook, cwd=str(path.parent), allow_errors=False, timeout=timeout, meta_override=True)
    if result.err is not None:
        raise RuntimeError(f"{path.name} failed to execute:\n{result.exc_string}")
    bundle = CacheBundleIn(notebook, str(path), data={"execution_seconds": result.time})
    cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)


def downloadable(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A clean `.ipynb` for students: outputs kept, hidden check cells kept but silent.

    Check cells (tag `remove-cell`) stay so the notebook runs as the chapter does; any output they
    had is dropped. MyST-NB's reading metadata is removed; the kernelspec stays.
    """
    notebook = copy.deepcopy(notebook)
    notebook.metadata = nbformat.from_dict(
        {key: value for key, value in notebook.metadata.items() if key in ("kernelspec", "language_info")}
    )
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"  # reading a .md draws random ids; two builds must write the same file
        if cell.cell_type == "code" and "remove-cell" in cell.metadata.get("tags", []):
            cell.outputs = []
    nbformat.validate(notebook)
    return notebook


def dumps(notebook: nbformat.NotebookNode) -> str:
    """The notebook as `.ipynb` text (nbformat 4, one-space indent as Jupyter writes it)."""
    return nbformat.writes(notebook, version=4)
