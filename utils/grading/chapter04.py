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


# Exercise 4.2 asks for S_10''(1) = S_8(1) to 10 decimals: the value its solution prints, rounded to
# 10 decimals, is 4.6e-11 away; float32 arithmetic (1.2e-7 off) and 6 decimals (3.2e-8) are not enough.
_SECOND_TOLERANCE = 6e-11


def check_ex4_2(second: float | torch.Tensor | None, *, quiet: bool = False) -> Verdict:
    """Exercise 4.2: the second derivative of S_10 at z = 1, to 10 decimals."""
    if not answered("4.2", second, quiet=quiet):
        return Verdict(False)
    value = as_number("4.2", second, quiet=quiet)
    if value is None:
        return Verdict(False)
    reference = sum(1 / math.factorial(k) for k in range(8))  # S_8(1): two terms fewer than S_10
    ok = abs(value - reference) < _SECOND_TOLERANCE
    hint = "differentiate twice: the first grad needs create_graph=True, the second differentiates that result"
    if 0 < abs(value - reference) < 1e-6:
        hint = (
            "close, but the exercise wants 10 decimals: compute in float64, as the chapter does, and give the "
            "value itself (or at least 10 decimals of it)"
        )
    if abs(value - math.e) < 1e-9:
        hint = "that is e itself; the derivative of a truncated series misses e by more than the series does"
    return verdict("4.2", ok, hint, quiet=quiet)


def _node_count(output: torch.Tensor) -> int:
    """The number of nodes of `output`'s graph, counted as the chapter counts them (the leaf included)."""
    from utils.plotting import autograd_graph

    nodes, _ = autograd_graph(output)
    return len(nodes)


def _count(answer) -> int | None:
    """The answer as a whole number of nodes, or None if it is not one."""
    try:
        value = torch.as_tensor(answer.detach().cpu() if torch.is_tensor(answer) else answer, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None
    if isinstance(answer, (bool, str)) or value.numel() != 1 or value.item() != round(value.item()):
        return None
    return int(value.item())


def check_ex4_3(exp_series_recursive: Callable | None, node_count=None, *, quiet: bool = False) -> Verdict:
    """Exercise 4.3: `exp_series_recursive(z, N)`, factorial-free, right for N = 30; and its graph's node count for N = 10.

    The count is judged against the graph the learner's own function builds (a different but right
    recursion may record a different number of operations), counted like `utils.plotting.autograd_graph`.
    """
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
    if ((derivative - torch.exp(z.detach())).abs() / torch.exp(z.detach())).max().item() > 1e-14:
        hint = "the values are right but the derivative is not: is every term built from z?"
        return verdict("4.3", False, hint, quiet=quiet)
    # The function is right; now the count of its graph's nodes for N = 10.
    if not answered("4.3", node_count, quiet=quiet):
        return Verdict(False)
    count = _count(node_count)
    if count is None:
        return verdict("4.3", False, "the function is right; give the node count as a whole number", quiet=quiet)

    def counted(N: int) -> int:
        return _node_count(exp_series_recursive(torch.tensor(1.0, dtype=torch.float64, requires_grad=True), N))

    own = counted(10)
    if count == own:
        return verdict("4.3", True, "", quiet=quiet)
    if count == 3 * 10 + 1:
        hint = "that is the count of exp_series's graph (3N + 1): count the graph your own function builds"
    elif count == own - 1:
        hint = "count the leaf z as well, as autograd_graph does"
    elif count == counted(30):
        hint = "that is the count for N = 30: the exercise asks for N = 10"
    else:
        hint = (
            "the function is right, the count is not: walk the graph of its result for N = 10 with "
            "autograd_graph, as the chapter counts exp_series's, and count the nodes"
        )
    return verdict("4.3", False, hint, quiet=quiet)
