"""Checks for the exercises of chapter 5 (solving equations): the cubic f(x) = x^3 - 3x + 3."""

from __future__ import annotations

from typing import Any

from utils.grading import Verdict, answered, as_number, rate_verdict, verdict


def _real_root() -> float:
    """The cubic's only real root, by Newton's method in float64 from -2."""
    x = -2.0
    for _ in range(50):
        x -= (x**3 - 3 * x + 3) / (3 * x**2 - 3)
    return x


def check_ex5_1(root: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 5.1: the point Newton's method reaches from x = 0.5, to 1e-9."""
    if not answered("5.1", root, quiet=quiet):
        return Verdict(False)
    value = as_number("5.1", root, quiet=quiet)
    if value is None:
        return Verdict(False)
    ok = abs(value - _real_root()) < 1e-9
    hint = "iterate until |f(x)| < 1e-12, in float64, and give the last x"
    if abs(value - 1.0) < 1e-3:
        hint = "x = 1 is where gradient descent stops, a minimum of f^2; Newton's iterates do not stay there"
    return verdict("5.1", ok, hint, quiet=quiet)


def check_ex5_2(lr_max: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 5.2: the largest stable learning rate of descent on g = f^2 near the real root.

    The bound is 2 / g''(root) = 1 / f'(root)^2, judged as `rate_verdict` says (to 2% below it,
    rounded down). 0.00947, the bound 0.0094664 rounded to nearest, is past it and does not settle.
    """
    if not answered("5.2", lr_max, quiet=quiet):
        return Verdict(False)
    value = as_number("5.2", lr_max, quiet=quiet)
    if value is None:
        return Verdict(False)
    root = _real_root()
    bound = 2 / (2 * (3 * root**2 - 3) ** 2)
    return rate_verdict(
        "5.2",
        value,
        bound,
        just_past="so the iterates never settle",
        far_past="at that rate the iterates keep jumping across the root: compare 2 / lr with g''",
        too_small="stable, but not the largest: 2 divided by g'' at the root, g'' = 2 f'(x)^2",
        quiet=quiet,
    )
