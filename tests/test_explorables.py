"""Explorable figures (`utils.explore`) in the built book and decks, in a real browser.

For every explorable on every chapter page and deck: moving its slider by keyboard changes the
image, its alt text and the value the slider announces, to the frame and words the chapter
computed; no request leaves the page's files (the `Visit` of tests/test_browser.py aborts and
records any). Also: from disk (file://), at 390 px, with scripts off (a still, described frame and
every value in words, no inert slider), and every chapter page with its images under 1.5 MB.

With COURSE_BUILT_HTML set to a built site, the tests check that site instead of building the book.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_support import built_html, site  # noqa: F401 - the built site and its server
from test_accessibility import alt_problem
from test_browser import browser, visit  # noqa: F401 - the browser fixtures, shared with test_browser

from tools import chapters

ROOT = Path(__file__).resolve().parents[1]
EXPLORING = [doc for doc in chapters.chapters() if "utils.explorable(" in (ROOT / f"{doc}.md").read_text()]
PAGE_LIMIT = 1.5e6  # bytes: a chapter page with its images


def expected_count(chapter: str) -> int:
    return (ROOT / f"{chapter}.md").read_text().count("utils.explorable(")


# Each explorable's state as the reader gets it.
STATE = """() => [...document.querySelectorAll('.course-explorable')].map(root => {
  const slider = root.querySelector('input[type=range]');
  const img = root.querySelector('img.course-explorable-figure');
  const label = slider && slider.labels && slider.labels.length ? slider.labels[0].textContent : '';
  const box = img.getBoundingClientRect();
  return {
    id: root.id, value: slider.value, max: slider.max, label: label,
    sliderShown: slider.getBoundingClientRect().width > 0,
    valuetext: slider.getAttribute('aria-valuetext'),
    output: root.querySelector('output').textContent,
    src: img.getAttribute('src') || '', alt: img.getAttribute('alt'),
    imgWidth: box.width, imgRight: box.right, complete: img.complete && img.naturalWidth > 0,
    words: [...root.querySelectorAll('details li')].map(li => li.textContent),
  };
})"""


# Decks: show the slide that holds the index-th explorable, and whether the current slide holds it.
SHOW_SLIDE_OF = """async (index) => {
  const Reveal = await new Promise(resolve => require(['_assets/reveal.js/dist/reveal.js'], resolve));
  if (!Reveal.isReady()) { await new Promise(resolve => Reveal.on('ready', resolve)); }
  const section = document.querySelectorAll('.course-explorable')[index].closest('section');
  const where = Reveal.getIndices(section);
  Reveal.slide(where.h, where.v);
}"""
SHOWN_SLIDE_HOLDS = """(index) => {
  const current = require('_assets/reveal.js/dist/reveal.js').getCurrentSlide();
  return current.contains(document.querySelectorAll('.course-explorable')[index]);
}"""


def check_keyboard(page, where: str, only: int | None = None) -> int:
    """Move every explorable on `page` (or the `only`-th) by keyboard; assert what changes.
    Returns how many it moved."""
    explorables = page.evaluate(STATE)
    for index, before in enumerate(explorables):
        if only is not None and index != only:
            continue
        name = f"{where}, explorable {index + 1}"
        assert before["sliderShown"] and before["label"].strip(), f"{name}: no visible, labelled slider: {before}"
        assert before["complete"], f"{name}: the figure did not load"
        assert alt_problem(before["alt"]) is None, f"{name}: alt text: {alt_problem(before['alt'])}"
        assert f"{before['valuetext']}: {before['alt']}" in before["words"], f"{name}: alt not the value's words"
        slider = page.locator(f"#{before['id']} input[type=range]")
        slider.focus()
        key = "ArrowLeft" if before["value"] == before["max"] else "ArrowRight"
        page.keyboard.press(key)
        after = page.evaluate(STATE)[index]
        step = -1 if key == "ArrowLeft" else 1
        assert int(after["value"]) == int(before["value"]) + step, f"{name}: {key} did not move the slider"
        assert after["src"] != before["src"], f"{name}: {key} did not change the figure"
        assert after["alt"] != before["alt"], f"{name}: {key} did not change the figure's description"
        assert after["valuetext"] != before["valuetext"] and after["output"] == after["valuetext"], after
        assert f"{after['valuetext']}: {after['alt']}" in after["words"], f"{name}: the new alt is not its value's"
        page.keyboard.press("End")
        last = page.evaluate(STATE)[index]
        assert last["value"] == last["max"] and last["alt"] == last["words"][-1].split(": ", 1)[1], last["value"]
        page.keyboard.press("Home")
        assert page.evaluate(STATE)[index]["value"] == "0", f"{name}: Home did not reach the first value"
    return len(explorables) if only is None else 1


def test_the_chapters_have_an_explorable_each_and_the_list_is_not_empty():
    assert EXPLORING, "no chapter calls utils.explorable"
    assert all(expected_count(chapter) >= 1 for chapter in EXPLORING)


@pytest.mark.parametrize("chapter", EXPLORING)
def test_an_explorable_moves_by_keyboard_on_the_page_with_no_request_leaving(site, visit, chapter):
    view = visit()
    view.page.goto(f"{site}/{chapter}.html", wait_until="networkidle")
    assert check_keyboard(view.page, chapter) == expected_count(chapter)
    assert view.problems == [], view.problems


@pytest.mark.parametrize("chapter", EXPLORING)
def test_an_explorable_moves_by_keyboard_on_the_deck(site, visit, chapter):
    view = visit(width=1280, height=720)
    view.page.goto(f"{site}/slides/{Path(chapter).name}.slides.html", wait_until="networkidle")
    for index in range(expected_count(chapter)):
        view.page.evaluate(SHOW_SLIDE_OF, index)
        view.page.wait_for_timeout(300)
        # reveal.js leaves the arrow keys to a focused input: they move the slider, not the deck
        assert check_keyboard(view.page, f"{chapter} deck", only=index) == 1
        moved = view.page.evaluate(SHOWN_SLIDE_HOLDS, index)
        assert moved, "the arrow keys moved the deck away from the explorable's slide"
    assert view.problems == [], view.problems


@pytest.mark.parametrize("chapter", EXPLORING[:1])
def test_an_explorable_moves_from_disk(built_html, visit, chapter):
    view = visit()
    view.page.goto((built_html / f"{chapter}.html").as_uri(), wait_until="load")
    assert check_keyboard(view.page, f"{chapter} from file://") == expected_count(chapter)
    # From disk, chromium refuses the theme's icon fonts (CORS on file://), which is not at stake here.
    font = re.compile(r"Access to font at 'file://|net::ERR_FAILED")
    assert [problem for problem in view.problems if not font.search(problem)] == []


@pytest.mark.parametrize("chapter", EXPLORING)
def test_an_explorable_fits_a_390_px_phone(site, visit, chapter):
    view = visit(width=390, height=844)
    view.page.goto(f"{site}/{chapter}.html", wait_until="networkidle")
    for state in view.page.evaluate(STATE):
        assert 0 < state["imgWidth"] and state["imgRight"] <= 390, f"the figure overflows: {state['imgRight']}"
    assert check_keyboard(view.page, f"{chapter} at 390 px") == expected_count(chapter)
    width = view.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, f"the page is {width} px wide at 390 px"


@pytest.mark.parametrize("chapter", EXPLORING[:1])
def test_without_scripts_an_explorable_is_a_described_still_and_words_with_no_inert_slider(browser, built_html, chapter):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((built_html / f"{chapter}.html").as_uri(), wait_until="load")
        root = page.locator(".course-explorable").first
        assert not root.locator("input[type=range]").is_visible(), "a slider that cannot move is shown"
        img = root.locator("img.course-explorable-figure")
        assert img.is_visible() and alt_problem(img.get_attribute("alt")) is None
        words = root.locator("details li")
        assert words.count() >= 2
    finally:
        context.close()


def page_weight(built_html: Path, chapter: str) -> int:
    """Bytes of a chapter's page and the local images it shows."""
    page = built_html / f"{chapter}.html"
    html = page.read_text(encoding="utf-8")
    images = {src for src in re.findall(r'<img[^>]+src="([^"]+)"', html) if not src.startswith("data:")}
    return page.stat().st_size + sum((page.parent / src).stat().st_size for src in images)


@pytest.mark.parametrize("chapter", chapters.chapters())
def test_a_chapter_page_with_its_images_stays_under_1_5_mb(built_html, chapter):
    weight = page_weight(built_html, chapter)
    assert weight < PAGE_LIMIT, f"{chapter}: {weight / 1e6:.2f} MB with its images"


# ---------------------------------------------------------------------------------------------
# JupyterLab (the pinned one in .venv), opening a notebook whose output is an explorable: untrusted
# (a downloaded notebook), its sanitizer removes the script; trusted (after the reader runs the
# cell, or `jupyter trust`), the slider works, although the notebook uses the arrow keys itself.

LAB_STATE = """() => {
  const root = document.querySelector('.course-explorable');
  if (!root) { return null; }
  const slider = root.querySelector('input[type=range]');
  const img = root.querySelector('img');
  return {ready: root.getAttribute('data-ready'), sliderShown: slider.getBoundingClientRect().width > 0,
          value: slider.value, alt: img.getAttribute('alt'), imgShown: img.getBoundingClientRect().width > 0,
          words: root.querySelectorAll('details li').length};
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a folder with one notebook showing an explorable; yields (url, folder)."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nbformat

    from utils.explore import explorable

    folder = tmp_path_factory.mktemp("lab")
    fig, ax = plt.subplots(figsize=(3, 2))
    (line,) = ax.plot([0, 1], [0, 0])
    for name in ("untrusted", "trusted"):  # two labels: trust goes by content, so they must differ
        made = explorable(fig, lambda k: line.set_ydata([0, k]), ["a = 0", "a = 1", "a = 2"],
                          ["A flat line.", "A line rising to one.", "A line rising to two."],
                          label=f"Slope a ({name})", dpi=30)
        output = nbformat.v4.new_output("display_data", data=made._repr_mimebundle_())
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("made", outputs=[output])])
        # a kernel named, as in every chapter: else JupyterLab asks for one in a dialog that takes the focus
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, folder / f"{name}.ipynb")
    plt.close(fig)
    jupyter = Path(sys.executable).parent / "jupyter"
    subprocess.run([str(jupyter), "trust", str(folder / "trusted.ipynb")], check=True, capture_output=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", "--allow-root", f"--port={port}", "--ServerApp.port_retries=0",
         "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={folder}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/lab", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within a minute")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def open_in_lab(browser, url: str, name: str):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/lab/tree/{name}?reset")  # a fresh workspace: only this notebook open
    page.wait_for_selector(".jp-OutputArea-output .course-explorable img", timeout=60_000)
    page.wait_for_timeout(1000)
    return page


def test_in_jupyterlab_an_untrusted_explorable_is_a_described_still_and_words(browser, lab):  # noqa: F811
    page = open_in_lab(browser, lab, "untrusted.ipynb")
    try:
        state = page.evaluate(LAB_STATE)
        assert state["ready"] is None, "a script ran in an untrusted notebook"
        assert state["imgShown"] and state["alt"] == "A flat line." and state["words"] == 3, state
        assert not state["sliderShown"], "a slider that cannot move is shown"
    finally:
        page.close()


def test_in_jupyterlab_a_trusted_explorable_moves_by_keyboard(browser, lab):  # noqa: F811
    page = open_in_lab(browser, lab, "trusted.ipynb")
    try:
        assert page.evaluate(LAB_STATE)["sliderShown"]
        slider = page.locator(".course-explorable input[type=range]")
        # JupyterLab focuses the notebook once its kernel has started: wait for that, then focus
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        page.wait_for_timeout(1000)
        slider.focus()
        assert page.evaluate("document.activeElement.type") == "range", "the slider did not keep the focus"
        page.keyboard.press("ArrowRight")
        state = page.evaluate(LAB_STATE)
        assert (state["value"], state["alt"]) == ("1", "A line rising to one."), state
        page.keyboard.press("End")
        page.keyboard.press("ArrowLeft")
        assert page.evaluate(LAB_STATE)["value"] == "1"
    finally:
        page.close()
