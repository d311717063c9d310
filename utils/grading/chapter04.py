"""Checks for the exercises of chapter 4 (differentiating through a loop: the exponential series)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from utils.grading import Verdict, answered, as_number, verdict

_UNTRACKED = "autograd cannot follow the result: build it from z with tensor operations"


def _series(z: torch.Tensor, N: int, first_power: int) -> torch.Tensor:
    """sum_k (-1)^k z^(2k + first_power) / (2k + first_power)!, k < N (the sine or cosine series)."""
    total = torch.zeros_like(z)
    for k in range(N):
        power = 2 * k + first_power
        total = total + (-1) ** k * z**power / math.factorial(power)
    return total


def _run(function: Callable, z: torch.Tensor, N: int) -> tuple[torch.Tensor | None, str]:
    """Call the learner's `function(z, N)`; return its result, or None and what went wrong."""
    try:
        result = function(z, N)
    except Exception as error:  # the learner's code: report any failure as a hint
        return None, f"calling it with a tensor z and N = {N} raised {type(error).__name__}: {error}"
    if not isinstance(result, torch.Tensor) or result.shape != z.shape:
        return None, f"it should return a tensor shaped like z {tuple(z.shape)}, one value per point"
    return result, ""


def check_ex4_1(sin_series: Callable | None, *, quiet: bool = False) -> Verdict:
    """Exercise 4.1: `sin_series(z, N)`, the first N terms of the sine series, and its derivative."""
    if not answered("4.1", sin_series, quiet=quiet):
        return Verdict(False)
    z = torch.linspace(-math.pi, math.pi, 101, dtype=torch.float64, requires_grad=True)
    y, problem = _run(sin_series, z, 6)
    if y is None:
        return verdict("4.1", False, problem, quiet=quiet)
    if not y.requires_grad:
        return verdict("4.1", False, _UNTRACKED, quiet=quiet)
    plain = z.detach()
    if (y.detach() - _series(plain, 6, 1)).abs().max().item() > 1e-12:
        return verdict("4.1", False, "compare the terms with (-1)^k z^(2k+1) / (2k+1)! for k = 0 ... N-1", quiet=quiet)
    (derivative,) = torch.autograd.grad(y.sum(), z)
    ok = (derivative - _series(plain, 6, 0)).abs().max().item() < 1e-12
    return verdict("4.1", ok, "the values are right but the derivative is not: is every term built from z?", quiet=quiet)


def check_ex4_2(second: float | torch.Tensor | None, *, quiet: bool = False) -> Verdict:
    """Exercise 4.2: the second derivative of S_10 at z = 1."""
    if not answered("4.2", second, quiet=quiet):
        return Verdict(False)
    value = as_number("4.2", second, quiet=quiet)
    if value is None:
        return Verdict(False)
    reference = sum(1 / math.factorial(k) for k in range(8))  # S_8(1): two terms fewer than S_10
    ok = abs(value - reference) < 1e-12
    hint = "differentiate twice: the first grad needs create_graph=True, the second differentiates that result"
    if 0 < abs(value - reference) < 1e-6:
        hint = "close, but not to float64 precision: compute with dtype=torch.float64 as the chapter does"
    if abs(value - math.e) < 1e-9:
        hint = "that is e itself; the derivative of a truncated series misses e by more than the series does"
    return verdict("4.2", ok, hint, quiet=quiet)


def check_ex4_3(exp_series_recursive: Callable | None, *, quiet: bool = False) -> Verdict:
    """Exercise 4.3: `exp_series_recursive(z, N)`, factorial-free, value and derivative for N = 30."""
    if not answered("4.3", exp_series_recursive, quiet=quiet):
        return Verdict(False)
    z = torch.tensor([-2.0, 0.5, 1.0, 3.0], dtype=torch.float64, requires_grad=True)
    y, problem = _run(exp_series_recursive, z, 30)
    if y is None:
        return verdict("4.3", False, problem + " (get each term from the one before, no factorials)", quiet=quiet)
    if not y.requires_grad:
        return verdict("4.3", False, _UNTRACKED, quiet=quiet)
    if ((y.detach() - torch.exp(z.detach())).abs() / torch.exp(z.detach())).max().item() > 1e-14:
        return verdict("4.3", False, "with N = 30 the values should equal exp(z) to float64 rounding", quiet=quiet)
    few, problem = _run(exp_series_recursive, z.detach(), 3)
    truncated = 1 + z.detach() + z.detach() ** 2 / 2
    if few is None or (few - truncated).abs().max().item() > 1e-12:
        return verdict("4.3", False, "with N = 3 it should add exactly three terms: 1 + z + z^2/2", quiet=quiet)
    (derivative,) = torch.autograd.grad(y.sum(), z)
    ok = ((derivative - torch.exp(z.detach())).abs() / torch.exp(z.detach())).max().item() < 1e-14
    return verdict("4.3", ok, "the values are right but the derivative is not: is every term built from z?", quiet=quiet)
