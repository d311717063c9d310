"""utils.plotting: each helper draws on the given axes and returns what it drew."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from utils import plotting


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_importing_changes_no_style():
    before = dict(matplotlib.rcParams)
    import importlib

    importlib.reload(plotting)
    assert dict(matplotlib.rcParams) == before


def test_use_course_style_sets_slide_sized_figures():
    with matplotlib.rc_context():
        plotting.use_course_style()
        assert tuple(matplotlib.rcParams["figure.figsize"]) == (8, 5)
        assert matplotlib.rcParams["font.size"] >= 12


def test_plot_loss_is_semilog_with_one_point_per_step(ax):
    line = plotting.plot_loss(ax, [1.0, 0.1, 0.01], label="gd")
    assert ax.get_yscale() == "log"
    assert list(line.get_xdata()) == [0, 1, 2]
    assert ax.get_legend() is not None


def test_plot_contour_log_levels_are_geometric(ax):
    x, y = np.meshgrid(np.linspace(-1, 1, 20), np.linspace(-1, 1, 20))
    z = 1e-3 + x**2 + y**2
    contours = plotting.plot_contour(ax, x, y, z, levels=10, log=True)
    ratios = contours.levels[1:] / contours.levels[:-1]
    assert np.allclose(ratios, ratios[0])


def test_plot_contour_log_needs_positive_values(ax):
    x, y = np.meshgrid(np.arange(3), np.arange(3))
    with pytest.raises(ValueError, match="positive"):
        plotting.plot_contour(ax, x, y, -np.ones((3, 3)), log=True)


def test_plot_trajectories_draws_one_line_per_path(ax):
    lines = plotting.plot_trajectories(ax, {"a": [[0, 0], [1, 1]], "b": np.zeros((3, 2))})
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert list(lines[0].get_xdata()) == [0, 1]


def test_plot_city_map_labels_every_city(ax):
    points, labels = plotting.plot_city_map(ax, np.array([[0.0, 0.0], [1.0, 2.0]]), ["A", "B"])
    assert [label.get_text() for label in labels] == ["A", "B"]
    assert points.get_offsets().shape == (2, 2)


def test_plot_city_map_rejects_mismatched_names(ax):
    with pytest.raises(ValueError, match="one row per name"):
        plotting.plot_city_map(ax, np.zeros((3, 2)), ["A", "B"])


def test_autograd_graph_walks_to_named_leaves():
    x1 = torch.tensor(2.0, requires_grad=True)
    x2 = torch.tensor(2.0, requires_grad=True)
    f = 0.2 * x1**2 + 0.2 * x2**2 - 5
    nodes, edges = plotting.autograd_graph(f, {"x1": x1, "x2": x2})
    assert sorted(nodes.values()) == sorted(["x1", "x2", "Pow", "Pow", "Mul", "Mul", "Add", "Sub"])
    assert len(edges) == 7  # a tree: one edge fewer than nodes


def test_autograd_graph_needs_a_recorded_tensor():
    with pytest.raises(ValueError, match="requires_grad"):
        plotting.autograd_graph(torch.tensor(1.0))


def test_draw_autograd_graph_puts_leaves_left_of_output(ax):
    x = torch.tensor(1.0, requires_grad=True)
    boxes = plotting.draw_autograd_graph(ax, (x * 3).sin(), names={"x": x}, output_name="y")
    texts = {box.get_text(): box.get_position()[0] for box in boxes.values()}
    assert texts["x"] < texts["Mul"] < texts["Sin"] < texts["y"]


def test_offline_jshtml_leaves_no_link_to_another_host_and_labels_every_button():
    from matplotlib import animation

    fig, ax = plt.subplots()
    (line,) = ax.plot([], [])
    movie = animation.FuncAnimation(fig, lambda k: line.set_data([0, k], [0, k]), frames=2)
    raw = movie.to_jshtml()
    plt.close(fig)
    html = plotting.offline_jshtml(raw)
    assert "font-awesome" in raw  # what the helper exists to remove
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert '<i class="fa' not in html  # every icon was replaced by a character
    assert html.count("<button") == raw.count("<button") == 9


def test_offline_jshtml_gives_every_frame_a_palette_of_the_same_size():
    import base64
    import io
    import re

    from matplotlib import animation
    from PIL import Image

    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.imshow(np.linspace(0, 1, 400).reshape(20, 20), cmap="viridis")  # a smooth gradient: many colours
    (line,) = ax.plot([], [], "r-")
    movie = animation.FuncAnimation(fig, lambda k: line.set_data([0, 5 * k], [0, 5 * k]), frames=3)
    raw = movie.to_jshtml()
    plt.close(fig)

    def frames(html):
        texts = re.findall(r'frames\[\d+\] = "data:image/png;base64,([^"]*)"', html)
        return [Image.open(io.BytesIO(base64.b64decode(re.sub(r"\\\n|\s", "", text)))) for text in texts]

    before, after = frames(raw), frames(plotting.offline_jshtml(raw, colours=16))
    assert len(after) == len(before) == 3
    assert all(image.mode == "P" and image.size == old.size for image, old in zip(after, before))
    assert all(len(image.getcolors(256)) <= 16 for image in after)
    assert len(before[0].convert("RGB").getcolors(100_000)) > 16  # the raw frame had more to lose
    still = re.search(r'<img id="_anim_img\w+" src="data:image/png;base64,([^"]*)"', plotting.offline_jshtml(raw))
    assert Image.open(io.BytesIO(base64.b64decode(still.group(1)))).mode == "P"  # the still frame too
    assert len(frames(plotting.offline_jshtml(raw, colours=None))[0].convert("RGB").getcolors(100_000)) > 16


def test_autograd_graph_of_a_loop_is_the_same_every_time():
    # A graph built in a loop: each pass adds a Pow, a Div and an Add; ids must not be confused
    # even though the walk creates and drops many node wrappers.
    def graph():
        z = torch.tensor(1.0, requires_grad=True)
        total = 0.0
        for k in range(6):
            total = total + z**k / (k + 1)
        return plotting.autograd_graph(total, {"z": z})

    first_nodes, first_edges = graph()
    for _ in range(20):
        nodes, edges = graph()
        assert sorted(nodes.values()) == sorted(first_nodes.values())
        assert len(edges) == len(first_edges)
    assert list(first_nodes.values()).count("z") == 1


def test_plot_contour_passes_style_to_matplotlib(ax):
    x, y = np.meshgrid(np.linspace(0, 1, 5), np.linspace(0, 1, 5))
    contours = plotting.plot_contour(ax, x, y, x + y, levels=4, cmap="Greys", alpha=0.5)
    assert contours.get_cmap().name == "Greys" and contours.get_alpha() == 0.5


# Asymmetric data below: x and y differ everywhere, so a swapped axis, a reversed path or a marker
# drawn at the wrong end gives other numbers.


def test_plot_loss_draws_the_losses_themselves_against_the_step(ax):
    losses = [5.0, 0.4, 0.03, 0.02]
    line = plotting.plot_loss(ax, losses)
    assert list(line.get_xdata()) == [0, 1, 2, 3]
    assert list(line.get_ydata()) == losses
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss"


def test_plot_trajectories_keeps_x_y_order_and_marks_start_and_end(ax):
    path = np.array([[0.0, 10.0], [1.0, 20.0], [3.0, 40.0]])
    (line,) = plotting.plot_trajectories(ax, {"gd": path})
    assert list(line.get_xdata()) == [0.0, 1.0, 3.0] and list(line.get_ydata()) == [10.0, 20.0, 40.0]
    markers = {other.get_marker(): other for other in ax.lines if other is not line}
    start, end = markers["o"], markers["*"]  # the docstring: start a circle, end a star
    assert (list(start.get_xdata()), list(start.get_ydata())) == ([0.0], [10.0])
    assert (list(end.get_xdata()), list(end.get_ydata())) == ([3.0], [40.0])
    assert start.get_color() == end.get_color() == line.get_color()


def test_plot_contour_keeps_x_and_y_and_spans_the_values(ax):
    x, y = np.meshgrid(np.linspace(0.0, 1.0, 6), np.linspace(10.0, 30.0, 9))  # 9 rows (y) by 6 columns (x)
    z = x + 100 * y
    contours = plotting.plot_contour(ax, x, y, z, levels=12)
    limits = ax.dataLim
    assert (limits.x0, limits.x1, limits.y0, limits.y1) == pytest.approx((0.0, 1.0, 10.0, 30.0))
    assert contours.levels[0] <= z.min() and contours.levels[-1] >= z.max()
    assert contours.levels[-1] - contours.levels[0] < 1.2 * (z.max() - z.min())  # not a range of its own


@pytest.mark.filterwarnings("ignore:Log scale.*masked:UserWarning")  # matplotlib masks z <= 0 itself
def test_plot_contour_log_levels_run_from_the_smallest_positive_to_the_largest(ax):
    x, y = np.meshgrid(np.linspace(1.0, 2.0, 5), np.linspace(0.0, 1.0, 4))
    z = np.where(y > 0, x * 10.0**y, -1.0)  # non-positive values are left out of the log range
    contours = plotting.plot_contour(ax, x, y, z, levels=7, log=True)
    assert len(contours.levels) == 7
    assert contours.levels[0] == pytest.approx(z[z > 0].min()) and contours.levels[-1] == pytest.approx(z.max())


def test_plot_city_map_puts_each_name_at_its_east_north_point(ax):
    xy = np.array([[5.0, 50.0], [-3.0, 40.0], [20.0, -7.0]])  # (east, north)
    points, labels = plotting.plot_city_map(ax, xy, ["A", "B", "C"])
    assert np.array_equal(points.get_offsets(), xy)
    assert [(label.get_text(), *label.xy) for label in labels] == [("A", 5.0, 50.0), ("B", -3.0, 40.0), ("C", 20.0, -7.0)]
