"""Every student can use the book and its decks: WCAG 2.1 AA, checked on the built site.

- axe-core (npm, pinned by package-lock.json, read from node_modules and injected with Playwright's
  `add_script_tag`, never from a CDN) runs on every page of the book in light and dark mode (with
  every collapsed cell and solution opened) and on every slide of every deck; any violation of a
  WCAG 2.1 A or AA rule fails, with the rule and the elements in the message.
- Every image on a page or a slide says what it shows: its alt text is not empty, not a file name
  or a path, not nbconvert's "No description has been provided for this image". The downloaded
  notebooks carry the same text in their cells' metadata (`mystnb: image: alt`).
- Animations (`utils.plotting.offline_jshtml`): a described still frame, labelled controls that work
  from the keyboard, nothing moving until Play is pressed.
- Navigation on every screen: the chapter list opens on a 390 px phone and collapses on a desktop;
  pages reflow at 320 px; one search box at 1280 px.
- Decks, slide by slide, walked with the right arrow key (which must reach every slide): no slide
  taller than 16:9 at 1280x720 (as the deck scales it to fit), code lines of at most 100 characters
  and none clipped, animations shown no larger than their frames were drawn (never blurred by
  scaling up), no slide holding only an orphan output line, navigation
  controls never over text, no "right." verdict or solution, headings that never skip a level.

With COURSE_BUILT_HTML set to a built site (a `jupyter-book build --path-output` folder's `html`
with its decks in `slides/`), the tests check that site instead of building the book.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser_support import built_html, site  # noqa: F401 - the built site and its server
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import browser, visit  # noqa: F401 - the browser fixtures, shared with test_browser

from tools import chapters

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = chapters.toc_files()
CHAPTERS = chapters.chapters()
NO_DESCRIPTION = "No description has been provided for this image"
IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|svg|webp)$", re.IGNORECASE)
# Deck limits (tools/slides.py lays decks out for them).
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720
MAX_CODE_COLUMNS = 100


def alt_problem(alt: str | None) -> str | None:
    """What is wrong with an image's alt text as a description, or None when it describes."""
    if alt is None:
        return "no alt attribute"
    text = " ".join(alt.split())
    if not text:
        return "empty alt text"
    if text.lower().startswith(NO_DESCRIPTION.lower()):
        return "nbconvert's placeholder instead of a description"
    if IMAGE_FILE.search(text) or "/" in text or "\\" in text or " " not in text:
        return f"a file name, path or single word ({text[:60]!r}), not a description"
    return None


def image_alts(html: str) -> list[tuple[str, str | None]]:
    """(source, alt) of every <img> in an HTML text; the source cut short."""
    from bs4 import BeautifulSoup

    found = []
    for img in BeautifulSoup(html, "html.parser").find_all("img"):
        source = img.get("src") or img.get("id") or "?"
        found.append((source[:60], img.get("alt")))
    return found


def deck_file(chapter: str) -> str:
    return f"slides/{chapter.rsplit('/', 1)[-1]}.slides.html"


def read_built(built_html: Path, name: str) -> str:
    path = built_html / name
    if not path.is_file():
        pytest.fail(f"{path} was not built", pytrace=False)
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Images described: pages, decks, downloaded notebooks (read from the built files).


def test_alt_problem_accepts_a_description_and_rejects_names_paths_and_placeholders():
    assert alt_problem("Loss against step on a log scale: it falls tenfold every 40 steps.") is None
    assert alt_problem("Automatic Differentiation with PyTorch - Home") is None
    for wrong in [None, "", "   ", "figure.png", "_images/3f2a9c0d1e.png", "../_images/loss", "3f2a9c0d1e8b",
                  NO_DESCRIPTION, "C:\\figures\\loss curve.png"]:
        assert alt_problem(wrong) is not None, wrong


@pytest.mark.parametrize("page", PAGES)
def test_every_image_on_a_page_is_described(built_html, page):
    images = image_alts(read_built(built_html, f"{page}.html"))
    bad = [f"{source}: {problem}" for source, alt in images if (problem := alt_problem(alt))]
    assert bad == [], f"{page}: images without a description (set `mystnb: image: alt` on the cell):\n" + "\n".join(bad)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_image_on_a_slide_is_described(built_html, chapter):
    images = image_alts(read_built(built_html, deck_file(chapter)))
    bad = [f"{source}: {problem}" for source, alt in images if (problem := alt_problem(alt))]
    assert bad == [], f"{deck_file(chapter)}: images without a description:\n" + "\n".join(bad)


def figure_cells(notebook: dict) -> list[dict]:
    """The code cells of a notebook that show a figure or an animation to the reader."""
    found = []
    for cell in notebook["cells"]:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell["cell_type"] != "code" or tags & {"remove-cell", "remove-output", "hide-output"}:
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            html = str(data.get("text/html", ""))
            if any(kind in data for kind in ("image/png", "image/jpeg", "image/svg+xml")) or (
                "_anim_img" in html or "course-explorable" in html
            ):
                found.append(cell)
                break
    return found


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_downloaded_notebook_carries_each_figures_description(built_html, chapter):
    notebook = json.loads(read_built(built_html, f"_sources/{chapter}.ipynb"))
    bad = []
    for cell in figure_cells(notebook):
        alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt")
        if problem := alt_problem(alt):
            bad.append(f"cell starting {''.join(cell['source'])[:50]!r}: {problem}")
    assert bad == [], f"{chapter}.ipynb: figures without `mystnb: image: alt`:\n" + "\n".join(bad)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_deck_headings_never_skip_a_level(built_html, chapter):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_built(built_html, deck_file(chapter)), "html.parser")
    levels = [(int(h.name[1]), h.get_text(" ", strip=True)[:40]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    skips = [f"h{a} {ta!r} then h{b} {tb!r}" for (a, ta), (b, tb) in zip(levels, levels[1:]) if b > a + 1]
    assert levels and levels[0][0] == 1, f"the deck should open with its title as h1: {levels[:2]}"
    assert skips == [], f"{deck_file(chapter)}: headings that skip a level: {skips}"


# ---------------------------------------------------------------------------------------------
# Colour: figures readable with any colour vision (utils.plotting, no build needed).


@pytest.fixture
def axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_curves_on_one_axes_differ_in_line_style_and_marker_not_only_colour(axes):
    import numpy as np

    from utils import plotting

    paths = {"a": np.zeros((3, 2)), "b": np.ones((3, 2)), "c": np.eye(2)}
    lines = plotting.plot_trajectories(axes, paths)
    assert len({line.get_marker() for line in lines}) == 3 and len({line.get_linestyle() for line in lines}) == 3
    first = plotting.plot_loss(axes, [1.0, 0.5], label="one")
    second = plotting.plot_loss(axes, [1.0, 0.2], label="two")
    assert first.get_linestyle() != second.get_linestyle()
    assert plotting.plot_loss(axes, [1.0, 0.1], linestyle=":").get_linestyle() == ":"  # a chosen style stands


def test_the_course_colour_map_is_perceptually_uniform_and_contours_use_it(axes):
    import matplotlib as mpl
    import numpy as np

    from utils import plotting

    assert plotting.COURSE_STYLE["image.cmap"] in {"viridis", "cividis", "magma", "inferno", "plasma"}
    with mpl.rc_context(plotting.COURSE_STYLE):
        x, y = np.meshgrid(np.linspace(0, 1, 4), np.linspace(0, 1, 4))
        assert plotting.plot_contour(axes, x, y, x + y).get_cmap().name == plotting.COURSE_STYLE["image.cmap"]


# ---------------------------------------------------------------------------------------------
# The animation player as utils.plotting makes it (no build needed).


@pytest.fixture(scope="module")
def raw_player() -> str:
    """matplotlib's own player for a 3-frame animation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import animation

    fig, ax = plt.subplots(figsize=(2, 2), dpi=30)
    (line,) = ax.plot([], [])
    movie = animation.FuncAnimation(fig, lambda k: line.set_data([0, k], [0, k]), frames=3)
    html = movie.to_jshtml(default_mode="once")
    plt.close(fig)
    return html


def test_the_player_has_labelled_keyboard_controls_and_a_described_still_frame(raw_player):
    import base64

    from bs4 import BeautifulSoup

    from utils.plotting import offline_jshtml

    html = offline_jshtml(raw_player, description='Three frames: a line "grows" from the origin.')
    soup = BeautifulSoup(html, "html.parser")
    img = soup.select_one(".animation img")
    assert img["alt"] == 'Three frames: a line "grows" from the origin.'
    frame0 = re.search(r'frames\[0\] = "data:image/png;base64,([^"]*)"', html).group(1).replace("\\\n", "")
    assert img["src"] == "data:image/png;base64," + frame0  # the first frame stands for the animation
    assert base64.b64decode(img["src"].split(",", 1)[1]).startswith(b"\x89PNG")
    assert soup.select_one("input.anim-slider")["aria-label"]
    buttons = soup.select(".anim-buttons button")
    assert len(buttons) == 9 and all(b.get("type") == "button" and b.get("aria-label") for b in buttons)
    assert all(span.get("aria-hidden") == "true" for b in buttons for span in b.find_all("span"))
    assert "play_animation()" not in html.split("new Animation(")[-1]  # nothing plays by itself
    assert 'alt="' not in offline_jshtml(raw_player).split("_anim_img", 2)[1].split(">")[0]  # no description: no alt


def test_describe_animation_fills_only_a_missing_alt_and_refuses_an_empty_description(raw_player):
    from utils.plotting import describe_animation, offline_jshtml

    described = describe_animation(offline_jshtml(raw_player), "A line grows & turns <fast>.")
    assert 'alt="A line grows &amp; turns &lt;fast>."' in described
    assert describe_animation(described, "Something else.") == described
    with pytest.raises(ValueError, match="description"):
        describe_animation(raw_player, "  ")


# ---------------------------------------------------------------------------------------------
# axe-core in the browser.

# On a deck, only what is on screen: the current slide and the navigation around it.
RUN_AXE = """async ([tags, deck]) => {
  const context = !deck ? document : {include: [
    require('_assets/reveal.js/dist/reveal.js').getCurrentSlide(),
    ...document.querySelectorAll('.reveal .controls, .reveal .slide-number, .reveal .progress')]};
  const result = await axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                              summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 240)})),
  }));
}"""
# Open what a reader can open: collapsed cells (<details>) and solutions (sphinx-togglebutton).
OPEN_EVERYTHING = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('button.toggle-button').forEach(b => {
    if (b.getAttribute('aria-expanded') !== 'true') { b.click(); } });
}"""
PAGE_MATH_READY = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
}"""


def axe_report(violations: list[dict], where: str) -> str:
    lines = [f"{where}: {len(violations)} WCAG 2.1 A/AA rule(s) violated (axe-core):"]
    for violation in violations:
        lines.append(f"- {violation['rule']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:6]:
            lines.append(f"    {node['target']}  {node['html']!r}\n      {node['summary']}")
    return "\n".join(lines)


def inject_axe(page) -> None:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make setup` (npm ci installs axe-core from package-lock.json)", pytrace=False)
    page.add_script_tag(path=str(AXE))


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page_name", PAGES)
def test_page_meets_wcag_21_aa(site, visit, page_name, mode):
    view = visit()
    view.page.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    view.page.goto(f"{site}/{page_name}.html", wait_until="networkidle")
    view.page.evaluate(PAGE_MATH_READY)
    assert view.page.evaluate("document.documentElement.dataset.theme") == mode, "the colour mode was not applied"
    view.page.evaluate(OPEN_EVERYTHING)
    view.page.wait_for_timeout(400)
    inject_axe(view.page)
    violations = view.page.evaluate(RUN_AXE, [AXE_TAGS, False])
    assert violations == [], axe_report(violations, f"{page_name}.html ({mode} mode)")


# ---------------------------------------------------------------------------------------------
# Animations.

ANIMATION_STATE = """() => [...document.querySelectorAll('.animation')].map(player => {
  const slider = player.querySelector('input.anim-slider');
  const img = player.querySelector('img');
  return {
    frame: slider.value, max: slider.max, src: img.getAttribute('src') || '', alt: img.getAttribute('alt'),
    slider: slider.getAttribute('aria-label') || '',
    unnamed: [...player.querySelectorAll('button')].filter(b => !(b.getAttribute('aria-label') || '').trim()).length,
  };
})"""


@pytest.mark.parametrize("chapter", [doc for doc in CHAPTERS if "to_jshtml" in (ROOT / f"{doc}.md").read_text()])
def test_an_animation_is_described_still_until_played_and_works_from_the_keyboard(site, visit, chapter):
    view = visit()
    view.page.goto(f"{site}/{chapter}.html", wait_until="networkidle")
    view.page.wait_for_timeout(1000)  # time enough for an animation that starts by itself to move
    (player, *_) = view.page.evaluate(ANIMATION_STATE) or [None]
    assert player is not None, f"{chapter}: the chapter makes an animation but the page has no player"
    assert player["src"].startswith("data:image/"), "the still frame is not in the page (scripts off: nothing)"
    assert alt_problem(player["alt"]) is None, f"the still frame's alt text: {alt_problem(player['alt'])}"
    assert player["slider"] and player["unnamed"] == 0, f"unlabelled controls: {player}"
    assert player["frame"] == "0", "the animation moved before Play was pressed"
    controls = view.page.locator(".animation").first
    controls.locator('button[aria-label="Next frame"]').focus()
    view.page.keyboard.press("Enter")
    view.page.keyboard.press("Space")
    assert view.page.evaluate(ANIMATION_STATE)[0]["frame"] == "2", "Enter and Space on 'Next frame' did not step"
    controls.locator("input.anim-slider").focus()
    view.page.keyboard.press("End")
    assert view.page.evaluate(ANIMATION_STATE)[0]["frame"] == player["max"], "the End key did not reach the last frame"
    view.page.keyboard.press("Home")
    controls.locator('button[aria-label="Play"]').focus()
    view.page.keyboard.press("Enter")
    view.page.wait_for_timeout(900)
    playing = int(view.page.evaluate(ANIMATION_STATE)[0]["frame"])
    controls.locator('button[aria-label="Pause"]').focus()
    view.page.keyboard.press("Enter")
    paused = view.page.evaluate(ANIMATION_STATE)[0]["frame"]
    view.page.wait_for_timeout(700)
    assert playing > 0, "Play (from the keyboard) did not start the animation"
    assert view.page.evaluate(ANIMATION_STATE)[0]["frame"] == paused, "Pause did not stop the animation"
    assert view.problems == []


# ---------------------------------------------------------------------------------------------
# Navigation on every screen.

# Chapter links a reader can see and click: on screen sideways, not hidden, and on top where the
# window shows them (those further down are reached by scrolling the list).
CHAPTER_LIST = """() => {
  const links = [...document.querySelectorAll('.bd-sidebar-primary nav.bd-links a.reference')];
  return links.filter(a => {
    const box = a.getBoundingClientRect();
    if (box.width === 0 || box.left < 0 || box.right > innerWidth + 1) { return false; }
    if (getComputedStyle(a).visibility !== 'visible') { return false; }
    if (box.top + box.height / 2 >= innerHeight) { return true; }
    const hit = document.elementFromPoint(box.left + Math.min(box.width / 2, 20), box.top + box.height / 2);
    return hit !== null && (hit === a || a.contains(hit));
  }).length;
}"""


def primary_toggle(page):
    toggles = page.locator("button.primary-toggle, label.primary-toggle")
    visible = [toggles.nth(i) for i in range(toggles.count()) if toggles.nth(i).is_visible()]
    assert len(visible) == 1, f"expected one visible button for the chapter list, found {len(visible)}"
    return visible[0]


def test_the_chapter_list_opens_on_a_phone(site, visit):
    view = visit(width=390, height=844)
    view.page.goto(f"{site}/{CHAPTERS[0]}.html", wait_until="networkidle")
    assert view.page.evaluate(CHAPTER_LIST) == 0, "on a phone the chapter list should start closed"
    primary_toggle(view.page).click()
    view.page.wait_for_timeout(600)  # the drawer slides in
    shown = view.page.evaluate(CHAPTER_LIST)
    assert shown >= len(CHAPTERS), f"the menu button showed {shown} chapter links, expected {len(CHAPTERS)}"
    assert view.problems == []


def test_the_chapter_list_collapses_on_a_desktop(site, visit):
    view = visit(width=1280, height=800)
    view.page.goto(f"{site}/{CHAPTERS[0]}.html", wait_until="networkidle")
    article = "document.querySelector('.bd-article-container').getBoundingClientRect().width"
    before, width_before = view.page.evaluate(CHAPTER_LIST), view.page.evaluate(article)
    assert before >= len(CHAPTERS), f"on a desktop the chapter list should be open: {before} links shown"
    primary_toggle(view.page).click()
    view.page.wait_for_timeout(600)
    assert view.page.evaluate(CHAPTER_LIST) == 0, "the sidebar button did not collapse the chapter list"
    assert view.page.evaluate(article) > width_before + 100, "the text did not take the sidebar's room"
    assert view.problems == []


@pytest.mark.parametrize("page_name", PAGES)
def test_a_page_reflows_at_320_px(site, visit, page_name):
    view = visit(width=320, height=640)
    view.page.goto(f"{site}/{page_name}.html", wait_until="networkidle")
    view.page.evaluate(PAGE_MATH_READY)
    width = view.page.evaluate("document.documentElement.scrollWidth")
    wide = view.page.evaluate(
        """() => [...document.querySelectorAll('.bd-article *')].filter(el => {
             const box = el.getBoundingClientRect();
             if (box.width === 0 || box.right <= innerWidth + 1) { return false; }
             for (let up = el.parentElement; up; up = up.parentElement) {
               const style = getComputedStyle(up);
               if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) { return false; }
             }
             return true;
           }).slice(0, 5).map(el => el.tagName + '.' + [...el.classList].join('.') + ': ' + el.textContent.slice(0, 40))"""
    )
    assert width <= 321 and wide == [], f"{page_name}: the page is {width}px wide at 320px; too wide: {wide}"


def test_one_search_box_at_desktop_width(site, visit):
    view = visit(width=1280, height=800)
    view.page.goto(f"{site}/{CHAPTERS[0]}.html", wait_until="networkidle")
    boxes = view.page.locator(".search-button__button, .bd-search input[type=search]")
    visible = [boxes.nth(i) for i in range(boxes.count()) if boxes.nth(i).is_visible()]
    assert len(visible) == 1, f"{len(visible)} search boxes shown at 1280 px"


# ---------------------------------------------------------------------------------------------
# Decks, slide by slide, reached with the right arrow key.

DECK_READY = """async () => {
  const Reveal = await new Promise(resolve => require(['_assets/reveal.js/dist/reveal.js'], resolve));
  if (!Reveal.isReady()) { await new Promise(resolve => Reveal.on('ready', resolve)); }
  return {total: Reveal.getTotalSlides(), mode: Reveal.getConfig().navigationMode};
}"""
# Wait until the slide's formulas are rendered (MathJax 2 re-renders each slide shown), then measure.
SLIDE_CHECK = """async ([maxColumns]) => {
  const Reveal = await new Promise(resolve => require(['_assets/reveal.js/dist/reveal.js'], resolve));
  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
  const slide = Reveal.getCurrentSlide();
  for (let waited = 0; waited < 10000; waited += 100) {
    await new Promise(resolve => MathJax.Hub.Queue(resolve));
    await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const formulas = slide.querySelectorAll('script[type^="math/tex"]').length;
    const shown = [...slide.querySelectorAll('.MathJax_CHTML')].filter(el => el.getBoundingClientRect().width > 0).length;
    const busy = MathJax.Hub.queue.running > 0 || MathJax.Hub.queue.pending > 0;
    if (!busy && shown >= formulas) { break; }
    await sleep(100);
  }
  const visible = el => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0;
  const problems = [];
  // The deck scales a slide too tall for the screen down to fit (data-fit-scale), once MathJax is done.
  for (let waited = 0; waited < 5000 && slide.getAttribute('data-fitted') !== 'true'; waited += 100) { await sleep(100); }
  const scale = parseFloat(slide.getAttribute('data-fit-scale') || '1');
  if (slide.scrollHeight * scale > Reveal.getConfig().height + 2) {
    problems.push(`taller than 16:9 (${Math.round(slide.scrollHeight * scale)}px of ${Reveal.getConfig().height})`);
  }
  const area = document.querySelector('.reveal .slides').getBoundingClientRect();
  for (const pre of slide.querySelectorAll('.jp-InputArea pre')) {
    const longest = Math.max(...pre.textContent.split('\\n').map(line => line.length));
    if (longest > maxColumns) { problems.push(`a code line of ${longest} characters`); }
    // The code's right edge against every box that clips it, the slide's included.
    const range = document.createRange();
    range.selectNodeContents(pre);
    const right = Math.max(...[...range.getClientRects()].map(box => box.right));
    let limit = area.right;
    for (let box = pre.parentElement; box && box !== slide.parentElement; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') { limit = Math.min(limit, box.getBoundingClientRect().right); }
    }
    if (right > limit + 1) { problems.push(`code cut off on the right (${Math.round(right - limit)}px)`); }
  }
  for (const img of slide.querySelectorAll('.animation img')) {
    const shown = img.getBoundingClientRect().width * devicePixelRatio;
    if (shown > img.naturalWidth + 1) { problems.push(`an animation's ${img.naturalWidth}px frames scaled up to ${Math.round(shown)}px`); }
  }
  const content = [...slide.querySelectorAll('h1, h2, h3, h4, h5, h6, .jp-MarkdownCell, .jp-InputArea, img, .animation, table')]
    .filter(visible);
  const outputText = [...slide.querySelectorAll('.jp-OutputArea-output')].map(el => el.innerText.trim()).filter(Boolean).join('\\n');
  if (content.length === 0 && outputText.split('\\n').length <= 1) {
    problems.push(`only an orphan output line: ${JSON.stringify(outputText.slice(0, 60))}`);
  }
  if (/\\bright\\.(\\s|$)|\\bcorrect\\b/i.test(outputText)) { problems.push(`a verdict: ${JSON.stringify(outputText.slice(0, 80))}`); }
  if (/^\\s*solution\\b/im.test(slide.innerText)) { problems.push('a solution'); }
  // Navigation controls (arrows, slide number) must not cover any text of the slide.
  const controls = [...document.querySelectorAll('.reveal .controls button, .reveal .slide-number')]
    .filter(el => visible(el) && getComputedStyle(el).visibility !== 'hidden' && getComputedStyle(el).opacity !== '0')
    .map(el => el.getBoundingClientRect());
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT,
    {acceptNode: node => node.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
  const covered = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) {
      for (const c of controls) {
        if (box.left < c.right && box.right > c.left && box.top < c.bottom && box.bottom > c.top) {
          covered.add(node.textContent.trim().slice(0, 30));
        }
      }
    }
  }
  if (covered.size) { problems.push(`navigation controls over text: ${JSON.stringify([...covered])}`); }
  const indices = Reveal.getIndices();
  const end = Reveal.isLastSlide() && !Reveal.availableFragments().next;
  return {h: indices.h, v: indices.v || 0, f: indices.f ?? -1, end: end, problems: problems,
          allShown: !Reveal.availableFragments().next};
}"""
# Whether the deck has moved on from (h, v, fragment f); require() returns reveal.js once loaded.
MOVED = """([h, v, f]) => {
  const indices = require('_assets/reveal.js/dist/reveal.js').getIndices();
  return indices.h !== h || (indices.v || 0) !== v || (indices.f ?? -1) !== f;
}"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_deck_every_slide_reached_by_the_right_arrow_fits_and_meets_wcag_21_aa(site, visit, chapter):
    view = visit(width=SLIDE_WIDTH, height=SLIDE_HEIGHT)
    view.page.emulate_media(reduced_motion="reduce")  # fragments appear at once, not mid-fade for axe
    view.page.goto(f"{site}/{deck_file(chapter)}", wait_until="networkidle")
    deck = view.page.evaluate(DECK_READY)
    inject_axe(view.page)
    visited, problems, violations = [], [], {}
    # One press of the right arrow at a time: the next fragment or the next slide, vertical or not.
    for _ in range(20 * deck["total"]):
        state = view.page.evaluate(SLIDE_CHECK, [MAX_CODE_COLUMNS])
        position = (state["h"], state["v"])
        if position not in visited:
            visited.append(position)
        where = f"slide {visited.index(position) + 1} ({state['h']}.{state['v']})"
        problems += [f"{where}: {problem}" for problem in state["problems"] if f"{where}: {problem}" not in problems]
        # axe once per slide, with all its fragments shown.
        for violation in view.page.evaluate(RUN_AXE, [AXE_TAGS, True]) if state["allShown"] else []:
            seen = violations.setdefault(violation["rule"], {**violation, "nodes": [], "slides": set()})
            seen["slides"].add(visited.index(position) + 1)
            seen["nodes"] += [node for node in violation["nodes"] if node not in seen["nodes"]]
        if state["end"]:
            break
        view.page.keyboard.press("ArrowRight")
        try:
            view.page.wait_for_function(MOVED, arg=[state["h"], state["v"], state["f"]], timeout=5000)
        except PlaywrightTimeout:
            problems.append(f"{where}: the right arrow did not move on (navigation mode {deck['mode']!r})")
            break
    assert problems == [], f"{deck_file(chapter)}:\n" + "\n".join(problems)
    assert len(set(visited)) == deck["total"], f"the right arrow reached {len(set(visited))} of {deck['total']} slides"
    report = [{**v, "help": f"{v['help']} (slides {sorted(v['slides'])})"} for v in violations.values()]
    assert report == [], axe_report(report, deck_file(chapter))
    assert view.problems == []
