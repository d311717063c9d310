"""Checks a learner runs on their own exercise answers.

Each exercise check is a function ``check_ex<chapter>_<n>(answer, ...)`` in the module of its chapter
(``utils/grading/chapter06.py`` holds ``check_ex6_1``). It prints one line and returns a bool:

- the placeholder ``None`` (or ``...``): a prompt to replace it, ``False``;
- a wrong answer: "not yet" with a hint, ``False``;
- a right answer: a short confirmation, ``True``.

Checks never print the answer. ``quiet=True`` silences them (the chapters' hidden checks use it).
``check_backward`` (``utils/grading/backward.py``) checks a learner's ``torch.autograd.Function``.
"""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any

import torch

_CHECK_NAME = re.compile(r"check_ex(\d+)_\d+")


def answered(exercise: str, answer: Any, *, quiet: bool = False) -> bool:
    """False, with a prompt, while `answer` is still the placeholder ``None`` or ``...``."""
    if answer is None or answer is Ellipsis:
        if not quiet:
            print(f"Exercise {exercise}: replace the placeholder with your answer, then run this cell again.")
        return False
    return True


def verdict(exercise: str, ok: bool, hint: str, *, quiet: bool = False) -> bool:
    """Print whether the answer to `exercise` is right (the `hint` when it is not) and return `ok`."""
    if not quiet:
        print(f"Exercise {exercise}: " + ("right." if ok else f"not yet. Hint: {hint}"))
    return bool(ok)


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


def __getattr__(name: str):
    # check_ex6_1 lives in utils/grading/chapter06.py; check_backward in utils/grading/backward.py.
    match = _CHECK_NAME.fullmatch(name)
    if match:
        return getattr(import_module(f"utils.grading.chapter{int(match.group(1)):02d}"), name)
    if name == "check_backward":
        return import_module("utils.grading.backward").check_backward
    raise AttributeError(f"module 'utils.grading' has no attribute {name!r}")
