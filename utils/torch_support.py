"""The torch releases the course supports, and what differs between them.

The chapters run on every torch from `OLDEST_TORCH` to the newest release (tested: 2.5.1, 2.13.0
and 2.15.0). Where a release changed something a chapter shows, the chapter measures what the
running torch does and says so; this module holds only what must be done before a chapter starts.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

import torch

OLDEST_TORCH = "2.5"  # torch.func complete, numpy 2 support and wheels for Python 3.11 to 3.13
T = TypeVar("T")
# Loading forward-mode AD's decompositions calls torch.jit.script inside torch
# (torch/_decomp/decompositions_for_jvp.py), which torch deprecated: 2.13 raises a
# DeprecationWarning (hidden by Python's default filters), 2.14 and later a FutureWarning (shown).
_JIT_SCRIPT_DEPRECATED = r"`?torch\.jit\.script`? is deprecated"


def without_torch_jit_warning(run: Callable[[], T]) -> T:
    """Call `run` with torch's own "torch.jit.script is deprecated" warning silenced (only that one)."""
    with warnings.catch_warnings():
        for category in (DeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", message=_JIT_SCRIPT_DEPRECATED, category=category)
        return run()


def load_forward_ad() -> None:
    """Load forward-mode AD now, so torch's internal deprecation warning (a FutureWarning from 2.14 on) never reaches a page.

    The first `jvp`, `jacfwd`, `hessian` or dual tensor makes torch compile its forward-mode rules
    with `torch.jit.script`, which torch deprecated (2.14 made the warning visible): the warning is about torch's own code,
    not the learner's, and nothing a chapter calls can avoid it. One tiny JVP here triggers that
    loading once per process, with only that warning silenced; later forward-mode calls are quiet.
    """
    one = torch.ones(1, dtype=torch.float64)
    without_torch_jit_warning(lambda: torch.func.jvp(torch.sin, (one,), (one,)))
