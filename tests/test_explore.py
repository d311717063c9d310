"""utils.explore: one frame per value behind a labelled slider, self-contained and described."""

import base64
import io
import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from bs4 import BeautifulSoup

from utils.explore import Explorable, explorable


@pytest.fixture(scope="module")
def three():
    """An explorable of three frames: a line whose slope is the value."""
    fig, ax = plt.subplots(figsize=(2, 1.5))
    (line,) = ax.plot([0, 1], [0, 0])
    ax.set_ylim(0, 3)
    slopes = [0.5, 1.0, 2.0]
    made = explorable(
        fig,
        lambda k: line.set_ydata([0, slopes[k]]),
        [f"slope = {s}" for s in slopes],
        [f"A line rising to {s} & <more>." for s in slopes],
        label="Slope s",
        start=1,
        dpi=20,
    )
    plt.close(fig)
    return made


def test_one_png_frame_per_value_each_drawn_for_its_value(three):
    assert len(three.frames) == 3
    assert all(frame.startswith(b"\x89PNG") for frame in three.frames)
    assert len(set(three.frames)) == 3  # draw(k) ran before each frame was saved


def test_the_page_shows_the_start_frame_with_its_description_and_a_named_slider(three):
    soup = BeautifulSoup(three.to_html(), "html.parser")
    img = soup.select_one("img.course-explorable-figure")
    assert base64.b64decode(img["src"].split(",", 1)[1]) == three.frames[1]
    assert img["alt"] == "A line rising to 1.0 & <more>."
    slider = soup.select_one("input[type=range]")
    assert (slider["min"], slider["max"], slider["value"]) == ("0", "2", "1")
    assert slider["aria-valuetext"] == "slope = 1.0"
    label = soup.find("label", attrs={"for": slider["id"]})
    assert label.get_text() == "Slope s"


def test_the_slider_stays_hidden_where_no_script_runs_and_every_value_is_in_words(three):
    soup = BeautifulSoup(three.to_html(), "html.parser")
    control = soup.select_one(".course-explorable-control")
    # both: JupyterLab's sanitizer drops a bare `hidden`, and keeps an inline style
    assert control.has_attr("hidden") and control["style"].replace(" ", "") == "display:none"
    words = [li.get_text() for li in soup.select("details li")]
    assert words == [f"slope = {s}: A line rising to {s} & <more>." for s in (0.5, 1.0, 2.0)]


def test_the_script_holds_every_frame_and_description_and_nothing_leaves_the_page(three):
    page = three.to_html()
    script = BeautifulSoup(page, "html.parser").find("script").string
    data = json.loads(re.search(r"var data = (\{.*?\});\n", script).group(1))
    # the start frame is sent once, as the image's source, which the script reads
    assert data["frames"][1] is None and 'data.frames[1] = img.getAttribute("src")' in script
    expected = [frame for k, frame in enumerate(three.frames) if k != 1]
    assert [base64.b64decode(url.split(",", 1)[1]) for url in data["frames"] if url] == expected
    assert data["alts"] == list(three.descriptions) and data["values"] == list(three.value_texts)
    assert "http" not in page and "src=\"//" not in page


def test_frames_are_saved_with_a_small_palette_unless_full_colour_is_asked_for():
    from PIL import Image

    fig, ax = plt.subplots(figsize=(2, 1.5))
    image = ax.imshow([[0.0, 1.0], [1.0, 0.0]])
    made = {colours: explorable(fig, lambda k: image.set_alpha(0.5 + k / 4), ["a", "b"], ["one", "two"],
                                label="x", dpi=30, colours=colours) for colours in (16, None)}
    plt.close(fig)
    palette = Image.open(io.BytesIO(made[16].frames[0]))
    assert palette.mode == "P" and len(palette.getcolors()) <= 16
    assert Image.open(io.BytesIO(made[None].frames[0])).mode == "RGBA"


def test_a_figure_is_laid_out_once_so_its_labels_are_inside_every_frame():
    from PIL import Image

    fig, ax = plt.subplots(figsize=(3, 2))
    (line,) = ax.plot([0, 1], [0, 1])
    ax.set_xlabel("a label at the bottom edge", fontsize=16)
    made = explorable(fig, lambda k: line.set_ydata([0, k]), ["a", "b"], ["one", "two"], label="x", dpi=40)
    fig.canvas.draw()
    inside = ax.xaxis.label.get_window_extent(fig.canvas.get_renderer()).y0 >= 0
    plt.close(fig)
    assert inside, "the x label is cut off at the bottom"
    sizes = {Image.open(io.BytesIO(frame)).size for frame in made.frames}
    assert len(sizes) == 1, sizes


def test_a_description_cannot_end_the_script():
    made = Explorable("x", ("a", "b"), ("ok", "bad </script> end"), (b"1", b"2"))
    assert made.to_html().count("</script>") == 1


def test_the_id_is_stable_and_differs_between_explorables(three):
    again = Explorable(three.label, three.value_texts, three.descriptions, three.frames, three.start)
    other = Explorable("Other", three.value_texts, three.descriptions, three.frames)
    assert again.uid == three.uid != other.uid
    assert three.to_html().count(f'id="{three.uid}"') == 1


def test_the_notebook_gets_html_and_a_plain_text_summary(three):
    bundle = three._repr_mimebundle_()
    assert bundle["text/html"] == three.to_html()
    assert bundle["text/plain"].startswith("Explorable figure, Slope s: slope = 0.5, slope = 1.0, slope = 2.0")


@pytest.mark.parametrize(
    "arguments, message",
    [
        (("x", ("a",), ("d",), (b"1",)), "at least two"),
        (("x", ("a", "b"), ("d",), (b"1", b"2")), "one of each"),
        ((" ", ("a", "b"), ("d", "e"), (b"1", b"2")), "label"),
        (("x", ("a", "b"), ("d", " "), (b"1", b"2")), "empty"),
        (("x", ("a", "b"), ("d", "e"), (b"1", b"2"), 2), "start=2"),
    ],
)
def test_inconsistent_input_is_refused_with_the_reason(arguments, message):
    with pytest.raises(ValueError, match=message):
        Explorable(*arguments)
