"""Explorable figures: the reader moves a control and the figure redraws, with no kernel running.

The chapter computes the data and draws one frame per value of the control with matplotlib;
:func:`explorable` saves each frame as a PNG and puts them behind a labelled range slider, in one
self-contained piece of HTML (no network, no library: a few lines of plain JavaScript).

- Keyboard: the slider is a native ``<input type="range">`` (arrow keys, Home, End, Page keys);
  its name is a ``<label>`` and its current value is announced through ``aria-valuetext``.
- Text alternative: every value has its own description; the image's alt text is swapped with the
  image, and a "Every value in words" list carries them all.
- Where scripts do not run (a downloaded notebook in JupyterLab before the reader runs the cell),
  the output is still the start frame with its description and the list in words; the slider stays
  hidden until a script shows it, so no inert control is offered. (JupyterLab's sanitizer drops a
  bare ``hidden`` attribute, so the control is also hidden by an inline ``display:none``.)
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from utils.plotting import quantize_png

CLASS = "course-explorable"


@dataclass(frozen=True)
class Explorable:
    """Frames (PNG bytes) of one figure, one per value of a labelled control."""

    label: str
    value_texts: tuple[str, ...]
    descriptions: tuple[str, ...]
    frames: tuple[bytes, ...]
    start: int = 0

    def __post_init__(self) -> None:
        count = len(self.frames)
        if count < 2:
            raise ValueError(f"explorable: {count} frame(s); a control needs at least two values to move between.")
        if not (len(self.value_texts) == len(self.descriptions) == count):
            raise ValueError(
                f"explorable: {count} frames, {len(self.value_texts)} value texts and "
                f"{len(self.descriptions)} descriptions; give one of each per value."
            )
        if not self.label.strip():
            raise ValueError("explorable: the control needs a label (what the reader moves).")
        if any(not text.strip() for text in self.descriptions):
            raise ValueError("explorable: a description is empty; say what each frame shows.")
        if not 0 <= self.start < count:
            raise ValueError(f"explorable: start={self.start} is not a frame index (0 to {count - 1}).")

    @property
    def uid(self) -> str:
        """An id derived from the content, the same on every build (no global counter)."""
        digest = hashlib.sha1(self.label.encode())
        for frame in self.frames:
            digest.update(frame)
        return f"explore-{digest.hexdigest()[:12]}"

    def to_html(self) -> str:
        """The slider, the figure and the words, as one self-contained HTML fragment."""
        uid, k = self.uid, self.start
        urls = ["data:image/png;base64," + base64.b64encode(frame).decode("ascii") for frame in self.frames]
        # The start frame is the image's own source already: the script reads it from there.
        shown = [None if index == k else url for index, url in enumerate(urls)]
        data = json.dumps({"frames": shown, "alts": self.descriptions, "values": self.value_texts})
        data = data.replace("</", "<\\/")  # a description cannot close the script
        words = "".join(
            f"<li><strong>{html.escape(value)}</strong>: {html.escape(text)}</li>"
            for value, text in zip(self.value_texts, self.descriptions)
        )
        label = html.escape(self.label)
        return f"""<div class="{CLASS}" id="{uid}" style="max-width:100%">
<div class="{CLASS}-control" hidden="hidden" style="display:none">
<div style="display:flex;flex-wrap:wrap;align-items:center;gap:0.25em 0.75em">
<label for="{uid}-slider" style="font-weight:bold">{label}</label>
<input type="range" id="{uid}-slider" min="0" max="{len(self.frames) - 1}" step="1" value="{k}" \
aria-valuetext="{html.escape(self.value_texts[k])}" style="flex:1 1 10em;min-width:8em;max-width:24em">
<output for="{uid}-slider" class="{CLASS}-value">{html.escape(self.value_texts[k])}</output>
</div>
</div>
<img class="{CLASS}-figure" src="{urls[k]}" alt="{html.escape(self.descriptions[k])}" \
style="display:block;max-width:100%;height:auto">
<details><summary>{label}: every value in words</summary><ul>{words}</ul></details>
<script>
(function () {{
  // This script's own explorable: the id alone could name another copy of the same output.
  var root = document.currentScript ? document.currentScript.parentElement : document.getElementById("{uid}");
  if (!root || root.getAttribute("data-ready")) {{ return; }}
  root.setAttribute("data-ready", "1");
  var data = {data};
  var slider = root.querySelector("input[type=range]");
  var img = root.querySelector("img.{CLASS}-figure");
  var value = root.querySelector("output.{CLASS}-value");
  data.frames[{k}] = img.getAttribute("src");
  function show() {{
    var k = Number(slider.value);
    img.src = data.frames[k];
    img.alt = data.alts[k];
    slider.setAttribute("aria-valuetext", data.values[k]);
    value.textContent = data.values[k];
  }}
  slider.addEventListener("input", show);
  // The slider's keys move it here, one value per key as a browser would, and go no further:
  // JupyterLab's notebook would otherwise cancel them after the slider has seen them (it uses the
  // arrows to move between cells), and a deck would turn the slide.
  var keys = {{ArrowRight: 1, ArrowUp: 1, PageUp: 1, ArrowLeft: -1, ArrowDown: -1, PageDown: -1,
              Home: -Infinity, End: Infinity}};
  slider.addEventListener("keydown", function (event) {{
    if (!(event.key in keys) || event.altKey || event.ctrlKey || event.metaKey) {{ return; }}
    event.preventDefault();
    event.stopPropagation();
    var k = Math.min(Number(slider.max), Math.max(0, Number(slider.value) + keys[event.key]));
    if (k !== Number(slider.value)) {{ slider.value = String(k); show(); }}
  }});
  var control = root.querySelector(".{CLASS}-control");
  control.hidden = false;
  control.style.display = "";
  show();
}})();
</script>
</div>"""

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        values = ", ".join(self.value_texts)
        plain = f"Explorable figure, {self.label}: {values} (open in a browser or JupyterLab to move it)"
        return {"text/html": self.to_html(), "text/plain": plain}


def explorable(
    fig: Figure,
    draw: Callable[[int], object],
    value_texts: Sequence[str],
    descriptions: Sequence[str],
    label: str,
    start: int = 0,
    dpi: float = 72,
    colours: int | None = 64,
) -> Explorable:
    """Draw frame k with ``draw(k)`` on `fig` for each value, save it, and return the explorable.

    `value_texts[k]` is what the control announces for frame k (``"lr = 0.5"``) and
    `descriptions[k]` the frame's text alternative (what it shows and what to notice). `dpi` and
    `colours` (a palette of that many colours; None keeps full colour) keep the frames small, so a
    page stays light: 64 colours make a plot's PNG two to three times smaller, with no visible loss.
    A figure without a layout engine is laid out once (``tight_layout`` on the start frame), so no
    label is cut off and every frame keeps the same layout. The figure stays open: close it with
    ``plt.close(fig)``.
    """
    if fig.get_layout_engine() is None:  # lay out once, on the start frame: every frame the same size
        draw(start)
        fig.tight_layout()
    frames = []
    for k in range(len(value_texts)):
        draw(k)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        frames.append(buffer.getvalue() if colours is None else quantize_png(buffer.getvalue(), colours))
    return Explorable(label, tuple(value_texts), tuple(descriptions), tuple(frames), start)
