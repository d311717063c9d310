"""The figures the chapters share, in one style.

Each helper draws on the `ax` it is given and returns what it drew; none calls ``plt.show()``.
Call :func:`use_course_style` once in a chapter's setup cell to get the course's look.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.contour import QuadContourSet
from matplotlib.lines import Line2D
from matplotlib.text import Text

COURSE_STYLE = {
    "figure.figsize": (8, 5),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
    "animation.embed_limit": 8.0,  # MB; the chapters' animations stay well below
}


# Curves on one axes differ in line style and marker as well as colour (readable in grey and with
# any colour vision): the n-th curve drawn by a helper gets the n-th of each.
LINE_STYLES = ["-", "--", ":", "-."]
MARKERS = [".", "s", "^", "D", "v", "P"]


def use_course_style() -> None:
    """Apply the course's matplotlib settings (sizes readable on slides) to this session."""
    mpl.rcParams.update(COURSE_STYLE)


def plot_loss(ax: Axes, losses: Sequence[float] | np.ndarray, label: str | None = None, **kwargs) -> Line2D:
    """Draw a loss curve against the step number on a logarithmic y-axis.

    Without a `linestyle` (or `ls`), the curve takes the next of `LINE_STYLES` on this axes.
    """
    values = np.asarray(losses, dtype=float)
    if "linestyle" not in kwargs and "ls" not in kwargs:
        kwargs["linestyle"] = LINE_STYLES[len(ax.get_lines()) % len(LINE_STYLES)]
    (line,) = ax.semilogy(np.arange(len(values)), values, label=label, **kwargs)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if label is not None:
        ax.legend()
    return line


def plot_contour(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    levels: int | Sequence[float] = 30,
    log: bool = False,
    filled: bool = True,
    **style,
) -> QuadContourSet:
    """Draw contours of `z` over the grid `x`, `y` (2-D arrays); `log` spaces the levels geometrically.

    Further keywords (`cmap`, `alpha`, ...) go to matplotlib's `contourf` / `contour`.
    """
    z = np.asarray(z, dtype=float)
    if log:
        positive = z[z > 0]
        if positive.size == 0:
            raise ValueError("plot_contour(log=True) needs some positive values in z.")
        count = levels if isinstance(levels, int) else len(levels)
        levels = np.geomspace(positive.min(), z.max(), count)
        norm = mpl.colors.LogNorm(vmin=levels[0], vmax=levels[-1])
    else:
        norm = None
    draw = ax.contourf if filled else ax.contour
    return draw(x, y, z, levels=levels, norm=norm, **style)


def plot_trajectories(
    ax: Axes, trajectories: Mapping[str, np.ndarray | Sequence[Sequence[float]]], markersize: float = 4
) -> list[Line2D]:
    """Draw each (steps, 2) path as a line with markers, its start as a circle and its end as a star.

    Paths differ in marker and line style (`MARKERS`, `LINE_STYLES`) as well as in colour.
    """
    lines = []
    for number, (label, path) in enumerate(trajectories.items()):
        points = np.asarray(path, dtype=float)
        style = {"marker": MARKERS[number % len(MARKERS)], "linestyle": LINE_STYLES[number % len(LINE_STYLES)]}
        (line,) = ax.plot(points[:, 0], points[:, 1], label=label, markersize=markersize, **style)
        colour = line.get_color()
        ax.plot(points[0, 0], points[0, 1], "o", color=colour, markersize=9, markeredgecolor="white")
        ax.plot(points[-1, 0], points[-1, 1], "*", color=colour, markersize=16, markeredgecolor="white")
        lines.append(line)
    if lines:
        ax.legend()
    return lines


def plot_city_map(
    ax: Axes, xy: np.ndarray, names: Sequence[str], colour: str = "C0", fontsize: float = 9
) -> tuple[mpl.collections.PathCollection, list[Text]]:
    """Scatter city positions `xy` (n, 2: east, north) and label each with its name."""
    xy = np.asarray(xy, dtype=float)
    if xy.shape != (len(names), 2):
        raise ValueError(f"plot_city_map: xy has shape {xy.shape}, expected ({len(names)}, 2), one row per name.")
    points = ax.scatter(xy[:, 0], xy[:, 1], color=colour, s=25, zorder=3)
    labels = [
        ax.annotate(name, (east, north), xytext=(4, 3), textcoords="offset points", fontsize=fontsize)
        for name, (east, north) in zip(names, xy)
    ]
    ax.set_aspect("equal", adjustable="datalim")
    return points, labels


def autograd_graph(output: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None):
    """Walk `output.grad_fn` back to the leaves; return (nodes, edges).

    nodes maps a node id to its label; edges are (child id, parent id) pairs pointing from an
    input towards the output, the direction of the forward pass. Leaves are labelled with their
    name in `names` when given.
    """
    if output.grad_fn is None:
        raise ValueError("autograd_graph: the tensor has no grad_fn; was it computed from a tensor with requires_grad=True?")
    leaf_names = {id(tensor): name for name, tensor in (names or {}).items()}
    nodes: dict[int, str] = {}
    edges: list[tuple[int, int]] = []
    # Hold every node object while walking: ids are only unique among objects that are alive,
    # and the Python wrappers of autograd nodes can be freed (and their ids reused) once unused.
    alive = []
    stack = [output.grad_fn]
    while stack:
        fn = stack.pop()
        if id(fn) in nodes:
            continue
        alive.append(fn)
        if hasattr(fn, "variable"):  # AccumulateGrad: the leaf tensor that receives .grad
            nodes[id(fn)] = leaf_names.get(id(fn.variable), f"leaf {tuple(fn.variable.shape)}")
        else:
            nodes[id(fn)] = type(fn).__name__.removesuffix("0").removesuffix("Backward") or type(fn).__name__
        parents = [parent for parent, _ in fn.next_functions if parent is not None]
        edges.extend((id(parent), id(fn)) for parent in parents)
        stack.extend(reversed(parents))  # the first input is visited (and drawn) first
    return nodes, edges


def draw_autograd_graph(
    ax: Axes, output: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None, output_name: str = "output"
) -> dict[int, Text]:
    """Draw the graph autograd recorded for `output`, leaves on the left, `output` on the right.

    Operation nodes show the name of the forward operation (``Mul``, ``Pow``...); leaves show their
    name from `names`. Returns the text box drawn for each node.
    """
    nodes, edges = autograd_graph(output, names)
    # The output's node is the one that feeds no other. (Not id(output.grad_fn): before torch 2.6 or
    # so each access of grad_fn made a new Python wrapper, with a new id.)
    feeding = {child for child, _ in edges}
    (root,) = [node for node in nodes if node not in feeding]
    # Column of a node = its longest distance from the output, so arrows always point right.
    depth = {root: 0}
    parents_of: dict[int, list[int]] = {}
    for child, parent in edges:
        parents_of.setdefault(parent, []).append(child)
    order = [root]
    for node in order:
        for child in parents_of.get(node, []):
            if depth.get(child, -1) < depth[node] + 1:
                depth[child] = depth[node] + 1
                order.append(child)
    columns = max(depth.values())
    by_column: dict[int, list[int]] = {}
    for node in nodes:
        by_column.setdefault(columns - depth[node], []).append(node)
    position = {}
    for column, members in by_column.items():
        for row, node in enumerate(members):
            position[node] = (column, (len(members) - 1) / 2 - row)
    position["out"] = (columns + 1, position[root][1])

    boxes = {}
    for node, label in nodes.items():
        is_leaf = node not in parents_of
        boxes[node] = ax.text(
            *position[node],
            label,
            ha="center",
            va="center",
            fontsize=12,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "#fde9c9" if is_leaf else "#dbe9f6", "edgecolor": "0.3"},
        )
    boxes["out"] = ax.text(
        *position["out"], output_name, ha="center", va="center", fontsize=12,
        bbox={"boxstyle": "round,pad=0.4", "facecolor": "#d9f2d9", "edgecolor": "0.3"},
    )
    arrow = {"arrowstyle": "->", "color": "0.35", "shrinkA": 18, "shrinkB": 18}
    for child, parent in edges + [(root, "out")]:
        ax.annotate("", xy=position[parent], xytext=position[child], arrowprops=arrow)
    ax.set_xlim(-0.6, columns + 1.6)
    rows = max(len(members) for members in by_column.values())
    ax.set_ylim(-rows / 2 - 0.3, rows / 2 + 0.3)
    ax.set_axis_off()
    return boxes


def draw_graph(
    ax: Axes, labels: Mapping[object, str], edges: Sequence[tuple[object, object]], fontsize: float = 12
) -> tuple[dict[object, Text], dict[tuple[object, object], mpl.text.Annotation]]:
    """Draw a computation graph given as node labels and (input, output) edges, inputs on the left.

    A node's column is its longest path from an input; within a column nodes keep the order of
    `labels`. Returns the text box of each node and the arrow of each edge, for recolouring.
    """
    inputs_of: dict[object, list[object]] = {node: [] for node in labels}
    for source, target in edges:
        if source not in labels or target not in labels:
            raise ValueError(f"draw_graph: edge {source!r} -> {target!r} joins a node that has no label.")
        inputs_of[target].append(source)
    column: dict[object, int] = {}

    def column_of(node, path=()):
        if node in path:
            raise ValueError("draw_graph: the edges contain a cycle; a computation graph has none.")
        if node not in column:
            column[node] = 1 + max((column_of(i, (*path, node)) for i in inputs_of[node]), default=-1)
        return column[node]

    by_column: dict[int, list[object]] = {}
    for node in labels:
        by_column.setdefault(column_of(node), []).append(node)
    position = {
        node: (col, (len(members) - 1) / 2 - row)
        for col, members in by_column.items()
        for row, node in enumerate(members)
    }
    boxes = {
        node: ax.text(
            *position[node], text, ha="center", va="center", fontsize=fontsize,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "white" if inputs_of[node] else "#fde9c9", "edgecolor": "0.3"},
        )
        for node, text in labels.items()
    }
    arrows = {}
    for source, target in edges:  # each arrow runs from box edge to box edge, whatever the box size
        style = {"arrowstyle": "->", "color": "0.35", "linewidth": 1.5, "shrinkA": 2, "shrinkB": 2,
                 "patchA": boxes[source].get_bbox_patch(), "patchB": boxes[target].get_bbox_patch()}
        arrows[source, target] = ax.annotate("", xy=position[target], xytext=position[source], arrowprops=style)
    rows = max(len(members) for members in by_column.values())
    ax.set_xlim(-0.6, max(by_column) + 0.6)
    ax.set_ylim(-rows / 2, rows / 2)
    ax.set_axis_off()
    return boxes, arrows


# Plain characters for the Font Awesome icons on the buttons of matplotlib's animation player.
_PLAYER_ICONS = {
    "fa fa-minus": "\u2212",  # slower
    "fa fa-fast-backward": "\u21e4",  # first frame
    "fa fa-step-backward": "\u2039",  # previous frame
    "fa fa-play fa-flip-horizontal": "\u25c0",  # play backwards
    "fa fa-pause": "\u275a\u275a",  # pause
    "fa fa-play": "\u25b6",  # play
    "fa fa-step-forward": "\u203a",  # next frame
    "fa fa-fast-forward": "\u21e5",  # last frame
    "fa fa-plus": "+",  # faster
}


def quantize_png(png: bytes, colours: int) -> bytes:
    """The PNG `png` with a palette of `colours` colours (median cut): a plot's file two to three
    times smaller, with no visible loss at 64 colours."""
    from PIL import Image  # Pillow comes with matplotlib

    buffer = io.BytesIO()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    # Without optimize=True: files about 6% larger, written in half the time.
    image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG")
    return buffer.getvalue()


# A frame of matplotlib's animation player: `frames[3] = "data:image/png;base64,..."`, the base64
# text wrapped with a backslash and a newline every 76 characters.
_PLAYER_FRAME = re.compile(r'(frames\[\d+\] = ")data:image/png;base64,([^"]*)"')


def _quantize_player_frames(html: str, colours: int) -> str:
    def smaller(match: re.Match) -> str:
        png = base64.b64decode(re.sub(r"\\\n|\s", "", match.group(2)))
        return f'{match.group(1)}data:image/png;base64,{base64.b64encode(quantize_png(png, colours)).decode()}"'

    return _PLAYER_FRAME.sub(smaller, html)


def offline_jshtml(html: str, description: str | None = None, colours: int | None = 64) -> str:
    """Make the HTML of ``Animation.to_jshtml()`` self-contained and usable by everyone.

    - No request leaves the page: matplotlib links its button icons (Font Awesome) from a CDN; the
      link goes and each icon becomes a plain character (hidden from screen readers, which read
      the button's label: "Play", "Next frame", ...).
    - Every control is labelled and works from the keyboard: the frame slider gets a name, the
      buttons are plain buttons (Tab, Enter, Space), and nothing plays until Play is pressed.
    - A still frame stands for the animation where scripts do not run (a downloaded notebook in an
      untrusted viewer): the first frame is the image's source from the start, and `description`
      (what the animation shows and what to notice) its alt text. Without `description`, the book
      build and the decks take it from the cell's ``mystnb: image: alt`` metadata
      (:func:`describe_animation`).
    - Light: each PNG frame gets a palette of `colours` colours (:func:`quantize_png`; None keeps
      full colour), so frames drawn at the size a slide shows them still make a light page.
    """
    if colours is not None:
        html = _quantize_player_frames(html, colours)
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", html)
    for icon, character in _PLAYER_ICONS.items():
        html = html.replace(f'<i class="{icon}"></i>', f'<span aria-hidden="true">{character}</span>')
    html = html.replace("<button ", '<button type="button" ')
    html = html.replace('class="anim-slider"', 'class="anim-slider" aria-label="Frame"')
    controls = '<div class="anim-controls" role="group" aria-label="Animation controls">'
    html = html.replace('<div class="anim-controls">', controls)
    first = re.search(r'frames\[0\] = "(data:image/[a-z+]+;base64,[^"]*)"', html)
    if first:
        still = re.sub(r"\\\n|\s", "", first.group(1))  # matplotlib wraps the base64 text with "\\" + newline
        html = re.sub(r'<img id="(_anim_img\w+)"', lambda m: f'<img id="{m.group(1)}" src="{still}"', html)
    return describe_animation(html, description) if description else html


def describe_animation(html: str, description: str) -> str:
    """Give the still frame of each animation player in `html` that has no alt text `description`."""
    if not description.strip():
        raise ValueError("describe_animation: the description is empty; say what the animation shows.")
    alt = description.strip().replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return re.sub(r'<img id="(_anim_img\w+)"(?![^>]*\balt=)', lambda m: f'<img id="{m.group(1)}" alt="{alt}"', html)
