"""Checks for the exercises of chapter 1 (autograd basics)."""

from __future__ import annotations

import numbers

import torch

from utils.grading import Verdict, answered, verdict


def _number(answer) -> float | None:
    """The answer as a float, or None if it is not one real number."""
    if isinstance(answer, torch.Tensor):
        return float(answer.detach().cpu().item()) if answer.numel() == 1 else None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None
    return float(answer)


def check_ex1_1(h_prime, *, quiet: bool = False) -> Verdict:
    """Exercise 1.1: h'(2) for h(x) = x^3 - 2x, computed with autograd."""
    if not answered("1.1", h_prime, quiet=quiet):
        return Verdict(False)
    value = _number(h_prime)
    if value is None:
        return verdict("1.1", False, "give one number: x.grad after h.backward(), or x.grad.item()", quiet=quiet)
    # h'(x) = 3x^2 - 2 is a small integer at x = 2, exact in float32: only rounding may differ.
    ok = abs(value - (3 * 2.0**2 - 2)) < 1e-4
    if abs(value - (2.0**3 - 2 * 2.0)) < 1e-4:
        hint = "that is h(2), the value of the function; after h.backward() the derivative is in x.grad"
    else:
        hint = "make x a tensor with requires_grad=True, build h from it, call h.backward() and read x.grad"
    return verdict("1.1", ok, hint, quiet=quiet)


def check_ex1_2(lr_max, *, quiet: bool = False) -> Verdict:
    """Exercise 1.2: the bound on lr below which descent on (x - 3)^2 converges."""
    if not answered("1.2", lr_max, quiet=quiet):
        return Verdict(False)
    value = _number(lr_max)
    if value is None:
        return verdict("1.2", False, "give one number, the largest learning rate", quiet=quiet)
    # The bound is exact: each step multiplies x - 3 by 1 - 2 lr. Accept a bound read off a sweep
    # (0.998 ... 1.002); 1.01 already diverges and 0.99 is a step that converges, not the bound.
    ok = abs(value - 1.0) < 0.0025
    hint = (
        "write x - 3 after one step as a factor times x - 3 before it; the loop converges while that "
        "factor lies strictly between -1 and 1"
    )
    return verdict("1.2", ok, hint, quiet=quiet)
