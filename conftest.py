"""Collect each chapter's MyST-markdown source as a notebook for nbval, and keep its run for the book.

`pytest notebooks/01_autograd_basics.md` executes that chapter cell by cell in a fresh kernel;
a failing cell is reported as `notebooks/<chapter>.md::Cell N` with its source and traceback.
The chapters' hidden check cells do the asserting (nbval runs in lax mode: outputs are not compared).

Each chapter is executed once per test run. While nbval runs a chapter, every output the kernel
sends is recorded as Jupyter's own client would record it (`nbformat.v4.output_from_msg`). When all
of the chapter's cells ran and passed, the executed notebook is stored in the book's execution
cache (`_build/.jupyter_cache`, through jupyter-cache's public API, keyed as MyST-NB keys it: by the
code cells and the kernelspec), unless the cache already holds a run of that exact code. The book
build (`execute_notebooks: cache`) then finds every passing chapter cached and executes nothing:
its pages show the outputs of the run the test checked. A chapter that failed is not stored, so the
book build executes it itself and fails on it too, naming it.

The build must wait for the chapters this run is executing: the fixture `chapter_runs_finished`
(requested by `built_book` in tests/conftest.py) does, and the chapters are put first in the run
(`pytest_collection_modifyitems`; with pytest-xdist, its reordering of files by test count is
turned off so the order holds). Progress is shared between xdist workers through marker files in
`_build/.chapter-runs/<run id>/`.
"""

from __future__ import annotations

import copy
import fcntl
import shutil
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

# nbformat imports jsonschema, whose optional `iri` format checker imports rfc3987_syntax (installed for
# jupyter-events), which compiles 38 Lark grammars on import: about 0.9 s of CPU in every pytest process
# (the controller and each xdist worker), a third to a half of a worker's start-up (`python -m bench
# --only paths` shows the start-up). No notebook schema uses that format, so the test processes do without
# it: this must come before nbformat's first import, hence `-p no:nbval` in pyproject.toml and nbval
# registered here (`pytest_plugins`). Processes the tests start (the book build, kernels) are unaffected.
sys.modules.setdefault("rfc3987_syntax", None)  # `import rfc3987_syntax` then raises ImportError
NBVAL_LOADED = "nbval.plugin" in sys.modules  # loaded already: a run without this repository's pyproject.toml

import nbformat  # noqa: E402
import pytest  # noqa: E402
from nbval.plugin import IPyNbCell, IPyNbFile, find_comment_markers, find_metadata_tags  # noqa: E402

if not NBVAL_LOADED:  # pyproject.toml turned its auto-loading off (see above): register it here
    pytest_plugins = ["nbval.plugin"]

ROOT = Path(__file__).resolve().parent
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "_build"
CACHE = BUILD / ".jupyter_cache"  # where jupyter-book keeps MyST-NB's execution cache
RUNS = BUILD / ".chapter-runs"
RUN_ID = pytest.StashKey[str]()
# Seconds the book build waits, once no chapter is running, for a chapter that has not started yet
# (under pytest-xdist the other worker takes its next chapter within a second or so).
START_GRACE_S = 10.0
CACHED = "cached"  # the statuses a chapter's run ends with, written to its marker file
ALREADY_CACHED = "already cached"


class UnrecordableOutput(Exception):
    """A kernel message this recorder does not turn into notebook outputs (widgets, display updates)."""


def outputs_from_messages(messages: Iterable[dict]) -> list[nbformat.NotebookNode]:
    """A cell's outputs from the kernel's iopub messages for its execution, as nbclient records them.

    `clear_output` empties the list (with `wait`, just before the next output). Widget messages and
    display updates raise UnrecordableOutput: the book build then executes the chapter itself.
    """
    outputs: list[nbformat.NotebookNode] = []
    clear_before_next = False
    for message in messages:
        kind = message["msg_type"]
        if kind in ("status", "execute_input"):
            continue
        if kind == "clear_output":
            if message["content"].get("wait"):
                clear_before_next = True
            else:
                outputs = []
            continue
        if kind.startswith("comm") or kind == "update_display_data":
            raise UnrecordableOutput(f"a {kind!r} message (widgets or display updates are not recorded)")
        output = nbformat.v4.output_from_msg(message)  # ValueError for a message type it does not know
        if clear_before_next:
            outputs = []
            clear_before_next = False
        outputs.append(output)
    return outputs


def read_chapter(path: Path) -> nbformat.NotebookNode:
    """Read a chapter's `.md` exactly as MyST-NB reads it, so its execution-cache key is the book's."""
    from myst_nb.core.read import read_myst_markdown_notebook

    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"), path=path)


@contextmanager
def locked_cache(folder: Path = CACHE) -> Iterator[object]:
    """The jupyter-cache in `folder`, held under a file lock (two xdist workers may write at once)."""
    from jupyter_cache import get_cache

    folder.parent.mkdir(parents=True, exist_ok=True)
    with (folder.parent / ".jupyter_cache.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield get_cache(str(folder))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def store_run(notebook: nbformat.NotebookNode, path: Path, data: dict, folder: Path = CACHE) -> str:
    """Store an executed chapter in the execution cache unless a run of the same code is there.

    Returns CACHED or ALREADY_CACHED. An existing run is kept: the book's pages were rendered from
    it, and replacing it would leave a page and the notebook or deck made from the cache apart.
    """
    from jupyter_cache.base import CacheBundleIn

    with locked_cache(folder) as cache:
        try:
            cache.match_cache_notebook(notebook)
            return ALREADY_CACHED
        except KeyError:
            pass
        bundle = CacheBundleIn(notebook, str(path), data=data)
        cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=False)
    return CACHED


def run_id(config: pytest.Config) -> str:
    """This test run's id, the same in every pytest-xdist worker (xdist's `testrun_uid`)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return str(workerinput["testrunuid"])
    return config.stash[RUN_ID]


def run_folder(config: pytest.Config) -> Path:
    return RUNS / run_id(config)


class RecordedCell(IPyNbCell):
    """An nbval cell whose outputs are recorded into its notebook's executed copy when it passes."""

    def runtest(self) -> None:
        notebook: MarkdownNotebook = self.parent
        notebook.messages = []
        began = time.perf_counter()
        super().runtest()  # raises on a failing cell: it is then not counted as passed
        notebook.record(self.cell_num, time.perf_counter() - began)


class MarkdownNotebook(IPyNbFile):
    """An nbval notebook read from a MyST `.md` chapter; a run whose every cell passed goes to the cache."""

    def collect(self):
        self.nb = read_chapter(Path(self.path))
        self.executed = copy.deepcopy(self.nb)  # the outputs of the passing cells go here
        self.code_cells = [cell for cell in self.executed.cells if cell.cell_type == "code"]
        self.passed: dict[int, float] = {}  # code cell number -> seconds
        self.unrecordable: str | None = None
        self.messages: list[dict] = []
        code_cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
        for number, cell in enumerate(code_cells):
            options = defaultdict(bool, find_metadata_tags(cell.metadata))
            options.update(find_comment_markers(cell.source))
            options.setdefault("check", self.compare_outputs)
            yield RecordedCell.from_parent(self, name=f"Cell {number}", cell_num=number, cell=cell, options=options)

    def setup(self) -> None:
        self._marker(".started", "")
        super().setup()
        self.kernel.execute_cell_input = self._execute_as_jupyter_does
        self.kernel.get_message = self._get_message
        self._ask_language_info()

    def _execute_as_jupyter_does(self, source: str, allow_stdin: bool | None = None) -> str:
        """Send a cell to the kernel as Jupyter and MyST-NB do: in the history, so prompts count up
        (`In [12]`, and a traceback's `Cell In[12]`) as on the page (nbval's own sends without)."""
        return self.kernel.kc.execute(source, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)

    def _get_message(self, stream: str, timeout: float | None = None) -> dict:
        """The kernel's next message on `stream`, as nbval's own `get_message` returns it, without its
        debug log line: that pretty-prints every message (`pformat`, a figure's base64 included) even
        with debug logging off, the larger part of the test path's own work per message."""
        client = self.kernel.kc
        if stream == "iopub":
            return client.get_iopub_msg(timeout=timeout)
        if stream == "shell":
            return client.get_shell_msg(timeout=timeout)
        raise ValueError(f"Invalid stream specified: {stream!r}")

    def _ask_language_info(self) -> None:
        """Store the kernel's language_info in the notebook's metadata, as nbclient does."""
        client = self.kernel.kc
        request = client.kernel_info()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            reply = client.get_shell_msg(timeout=30)
            if reply["parent_header"].get("msg_id") == request:
                self.executed.metadata["language_info"] = reply["content"]["language_info"]
                return

    def get_kernel_message(self, timeout=None, stream="iopub"):
        message = super().get_kernel_message(timeout=timeout, stream=stream)
        if stream == "iopub":
            self.messages.append(message)
        return message

    def record(self, number: int, seconds: float) -> None:
        """Cell `number` passed: keep the outputs of its execution (the messages answering its request)."""
        inputs = [m for m in self.messages if m["msg_type"] == "execute_input"]
        request = inputs[-1]["parent_header"].get("msg_id") if inputs else None
        own = [m for m in self.messages if request and m["parent_header"].get("msg_id") == request]
        try:
            outputs = outputs_from_messages(own)
        except (UnrecordableOutput, ValueError) as reason:
            self.unrecordable = f"Cell {number}: {reason}"
            return
        cell = self.code_cells[number]
        cell.outputs = outputs
        cell.execution_count = inputs[-1]["content"].get("execution_count") if inputs else None
        self.passed[number] = seconds

    def outcome(self) -> str:
        """Store the run in the cache if every cell passed; return what happened, for the marker file."""
        option = self.config.option
        if not (option.nbval_lax and option.nbval_current_env):
            return "not cached: the book's runs are made with --nbval-lax --nbval-current-env"
        if self.unrecordable:
            return f"not cached: {self.unrecordable}"
        failed = [number for number in range(len(self.code_cells)) if number not in self.passed]
        if failed:
            return f"not cached: {len(failed)} of {len(self.code_cells)} cells did not pass (first: Cell {failed[0]})"
        data = {"execution_seconds": sum(self.passed.values()), "executed_by": "nbval", "test_run": run_id(self.config)}
        return store_run(self.executed, Path(self.path), data)

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            self._marker(".finished", self.outcome())

    def _marker(self, suffix: str, text: str) -> None:
        folder = run_folder(self.config)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{Path(self.path).stem}{suffix}").write_text(text, encoding="utf-8")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".md" and file_path.parent == NOTEBOOKS:
        return MarkdownNotebook.from_parent(parent, path=file_path)
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RUN_ID] = uuid.uuid4().hex
    if not hasattr(config, "workerinput") and RUNS.is_dir():  # markers of runs over a day old go
        for folder in RUNS.iterdir():
            if time.time() - folder.stat().st_mtime > 86400:
                shutil.rmtree(folder, ignore_errors=True)
    # pytest-xdist hands out files largest first by default; the chapters must run before the
    # book build that reuses them (see `run_order`), so keep the order this conftest sets.
    if getattr(config.option, "loadscopereorder", False):
        config.option.loadscopereorder = False


def is_chapter_cell(item: pytest.Item) -> bool:
    return isinstance(item.parent, MarkdownNotebook)


# The test file that takes longest once the book is built (it executes every downloaded chapter in a
# clean environment): its worker builds the book and goes straight on to it.
LONGEST_AFTER_THE_BUILD = "test_downloaded_notebooks.py"


def run_order(items: list[pytest.Item], is_chapter=is_chapter_cell) -> list[pytest.Item]:
    """Chapters first; then one test file that needs the built book (its worker builds the book, then
    runs it: the longest such file when present, else the first); then the files that do not need the
    book (the other worker runs them during the build); then the other files that need it."""
    chapters = [item for item in items if is_chapter(item)]
    others = [item for item in items if not is_chapter(item)]
    book_files = [item.path for item in others if "built_book" in getattr(item, "fixturenames", ())]
    longest = [path for path in book_files if path.name == LONGEST_AFTER_THE_BUILD]
    first = (longest or book_files or [None])[0]

    def rank(item: pytest.Item) -> int:
        if item.path == first:
            return 0
        return 2 if item.path in book_files else 1

    return chapters + sorted(others, key=rank)  # sorted() is stable: the order within a rank stays


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    items[:] = run_order(items)


def chapter_states(folder: Path, names: Iterable[str]) -> tuple[set[str], set[str]]:
    """(started, finished) among the chapter `names`, from the marker files in `folder`."""
    started = {name for name in names if (folder / f"{name}.started").exists()}
    finished = {name for name in names if (folder / f"{name}.finished").exists()}
    return started, finished


def wait_for_chapters(folder: Path, names: set[str], grace: float = START_GRACE_S, poll: float = 0.5) -> set[str]:
    """Wait while any of the chapter runs `names` is under way; return those that never started.

    A chapter that has not started after `grace` seconds with nothing running is not waited for
    (it may be queued behind the caller): the book build then executes it itself.
    """
    idle_since = None
    while True:
        started, finished = chapter_states(folder, names)
        if started - finished:
            idle_since = None
        elif started == names:
            return set()
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > grace:
            return names - started
        time.sleep(poll)


@pytest.fixture(scope="session")
def chapter_runs_finished(request: pytest.FixtureRequest) -> dict[str, str]:
    """Wait until the chapters this test run executes have finished; {chapter: what became of its run}."""
    names = {item.parent.path.stem for item in request.session.items if is_chapter_cell(item)}
    folder = run_folder(request.config)
    never_started = wait_for_chapters(folder, names) if names else set()
    states = {name: "not run before the build" for name in never_started}
    for name in names - never_started:
        states[name] = (folder / f"{name}.finished").read_text(encoding="utf-8")
    return states
