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


def __getattr__(name: str):
    # check_ex6_1 lives in utils/grading/chapter06.py; check_backward in utils/grading/backward.py.
    match = _CHECK_NAME.fullmatch(name)
    if match:
        return getattr(import_module(f"utils.grading.chapter{int(match.group(1)):02d}"), name)
    if name == "check_backward":
        return import_module("utils.grading.backward").check_backward
    raise AttributeError(f"module 'utils.grading' has no attribute {name!r}")
