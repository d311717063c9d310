"""Checks a learner runs on their own exercise answers.

Each exercise check is a function ``check_ex<chapter>_<n>(answer, ...)`` in the module of its chapter
(``utils/grading/chapter06.py`` holds ``check_ex6_1``). It prints one line and returns a `Verdict`,
true or false like a bool:

- the placeholder ``None`` (or ``...``): a prompt to replace it, false;
- a wrong answer: "not yet" with a hint, false;
- a right answer: a short confirmation, true.

A `Verdict` left as a cell's last value shows nothing more in Jupyter: the printed line is the
answer a learner reads (a bare ``False`` under a prompt reads like a second, different verdict).

Checks never print the answer. ``quiet=True`` silences them (the chapters' hidden checks use it).
``check_backward`` (``utils/grading/backward.py``) checks a learner's ``torch.autograd.Function``.
The helpers below are what several chapters' checks share: reading an answer as a number
(`as_number`, `real_number`, `as_vector`) and judging a largest stable learning rate (`rate_verdict`).
"""

from __future__ import annotations

import math
import numbers
import re
from importlib import import_module
from typing import Any

import torch

_CHECK_NAME = re.compile(r"check_ex(\d+)_\d+")


class Verdict:
    """A check's result: true or false as a bool is, and silent as a notebook cell's last value."""

    __slots__ = ("ok",)

    def __init__(self, ok: bool) -> None:
        self.ok = bool(ok)

    def __bool__(self) -> bool:
        return self.ok

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (bool, Verdict)):
            return self.ok == bool(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.ok)

    def __repr__(self) -> str:
        return f"Verdict({self.ok})"

    def _ipython_display_(self) -> None:
        """Jupyter shows nothing for a verdict: the check has already printed its line."""


def answered(exercise: str, answer: Any, *, quiet: bool = False) -> Verdict:
    """False, with a prompt, while `answer` is still the placeholder ``None`` or ``...``."""
    if answer is None or answer is Ellipsis:
        if not quiet:
            print(f"Exercise {exercise}: replace the placeholder with your answer, then run this cell again.")
        return Verdict(False)
    return Verdict(True)


def verdict(exercise: str, ok: bool, hint: str, *, quiet: bool = False) -> Verdict:
    """Print whether the answer to `exercise` is right (the `hint` when it is not) and return it as a Verdict."""
    if not quiet:
        print(f"Exercise {exercise}: " + ("right." if ok else f"not yet. Hint: {hint}"))
    return Verdict(ok)


def as_vector(answer: Any, size: int) -> torch.Tensor | None:
    """`answer` (a tensor on any device, a list, an array) as a float64 CPU vector of `size` numbers, or None."""
    try:
        if isinstance(answer, torch.Tensor):
            vector = answer.detach().to("cpu", torch.float64)
        else:
            vector = torch.as_tensor(answer, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None
    return vector if vector.shape == (size,) else None


def as_number(exercise: str, answer: Any, *, quiet: bool = False) -> float | None:
    """`answer` (a number, or a tensor or array holding one) as a float, or None after saying to give one number."""
    try:
        value = torch.as_tensor(answer.detach().cpu() if torch.is_tensor(answer) else answer, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        value = None
    if value is None or value.numel() != 1:
        verdict(exercise, False, "give one number", quiet=quiet)
        return None
    return value.item()


def real_number(answer: Any) -> float | None:
    """`answer` as a float if it is one real number (a one-element tensor or a 0-d array counts), else None.

    Stricter than `as_number`: a bool, a list or a string is not a number here.
    """
    if isinstance(answer, torch.Tensor):
        return float(answer.detach().cpu().item()) if answer.numel() == 1 else None
    if hasattr(answer, "dtype") and getattr(answer, "shape", None) == ():  # a NumPy scalar or 0-d array
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None
    return float(answer)


# The exercises that ask for the largest stable learning rate share one policy. The bound is
# 2 / (largest curvature), and the exercises ask to round it down: the printed bound and anything up
# to 2% below it are right. A rate past the bound is wrong however close (on a quadratic it diverges),
# with 1e-5 of the bound as slack for float32 arithmetic; within 1% past it, the hint asks whether the
# learner rounded up. Zero, negative and non-finite rates are not stable at all.
_RATE_SLACK = 1e-5
_RATE_JUST_PAST = 0.01
_RATE_WINDOW = 0.02


def rate_verdict(
    exercise: str, value: float, bound: float, *, just_past: str, far_past: str, too_small: str, quiet: bool = False
) -> Verdict:
    """Judge `value` as the largest stable learning rate below `bound`, rounded down.

    The hints are the chapter's words: `just_past` says what happens just past the bound (it ends
    "did you round up? round down"), `far_past` is the whole hint for a rate well past it, and
    `too_small` for a stable rate more than 2% below it.
    """
    if not math.isfinite(value) or value <= 0:
        hint = "a learning rate must be a positive number: at 0 descent does not move, below 0 it climbs"
        return verdict(exercise, False, hint, quiet=quiet)
    if value > bound * (1 + _RATE_SLACK):
        if value < bound * (1 + _RATE_JUST_PAST):
            hint = f"just past the bound, {just_past}: did you round up? round down"
        else:
            hint = far_past
        return verdict(exercise, False, hint, quiet=quiet)
    return verdict(exercise, value >= (1 - _RATE_WINDOW) * bound, too_small, quiet=quiet)


def __getattr__(name: str):
    # check_ex6_1 lives in utils/grading/chapter06.py; check_backward in utils/grading/backward.py.
    match = _CHECK_NAME.fullmatch(name)
    if match:
        return getattr(import_module(f"utils.grading.chapter{int(match.group(1)):02d}"), name)
    if name == "check_backward":
        return import_module("utils.grading.backward").check_backward
    raise AttributeError(f"module 'utils.grading' has no attribute {name!r}")
