"""Checks for the exercises of chapter 10 (kinks and NaNs, finite differences, differentiating a solver)."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.func import jacrev

from utils.grading import Verdict, answered, as_vector, verdict

# Exercise 10.2: central differences of g(x) = sin(10 x) in float32, on 101 points of [0, 1].
FD_POINTS = 101
FD_FREQUENCY = 10.0
FD_FACTOR = 4.0  # an accepted h has a median error at most this many times the best of a fine sweep

# Exercise 10.3: chapter 5's system with a parameter a in the first equation, at a = 1.
A_VALUE = 1.0
NEAR_MISS = 5e-3  # a relative error below this (but above the check's 1e-6) is a rounded or coarse answer


def _node_names(tensor: torch.Tensor) -> set[str]:
    """The names of every node in the graph that produced `tensor`."""
    names, seen, stack = set(), set(), [tensor.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.add(node.name())
        stack.extend(parent for parent, _ in node.next_functions)
    return names


def check_ex10_1(safe_norm: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 10.1: `safe_norm(v)` is the norm over the last dimension, with gradient 0 (not NaN) at v = 0."""
    if not answered("10.1", safe_norm, quiet=quiet):
        return Verdict(False)
    if not callable(safe_norm):
        return verdict("10.1", False, "`safe_norm` is a function: def safe_norm(v): ...", quiet=quiet)
    v = torch.tensor([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1.0, -2.0, 2.0]], dtype=torch.float64, requires_grad=True)
    try:
        value = safe_norm(v)
    except Exception as error:  # the learner's code: report any failure as a hint
        hint = f"calling safe_norm on a (3, 3) tensor raised {type(error).__name__}."
        return verdict("10.1", False, hint, quiet=quiet)
    if not isinstance(value, torch.Tensor) or value.shape != (3,):
        hint = "safe_norm(v) returns one norm per row: sum over the last dimension only (dim=-1)."
        return verdict("10.1", False, hint, quiet=quiet)
    if value.grad_fn is None:
        return verdict("10.1", False, "the result has no graph: build it from v with torch operations.", quiet=quiet)
    if any("Norm" in name or "Cdist" in name for name in _node_names(value)):
        hint = "build it from sqrt and a sum of squares; PyTorch's norm already hides the trap."
        return verdict("10.1", False, hint, quiet=quiet)
    if value[1].item() != 0.0:
        hint = (
            "the norm of the zero vector must be exactly 0: a small constant inside the sqrt (or a clamp) "
            "moves it, and where the sum of squares is 0 the outer torch.where must give 0."
        )
        return verdict("10.1", False, hint, quiet=quiet)
    if not torch.allclose(value.detach(), torch.tensor([5.0, 0.0, 3.0], dtype=torch.float64), atol=1e-12):
        return verdict("10.1", False, "the values are not the Euclidean norms of the rows.", quiet=quiet)
    (gradient,) = torch.autograd.grad(value.sum(), v)
    if not torch.isfinite(gradient).all():
        hint = "the gradient at v = 0 is not finite: make the input of sqrt safe too (a second torch.where)."
        return verdict("10.1", False, hint, quiet=quiet)
    expected = torch.tensor([[0.6, 0.8, 0.0], [0.0, 0.0, 0.0], [1 / 3, -2 / 3, 2 / 3]], dtype=torch.float64)
    if not torch.allclose(gradient, expected, atol=1e-9):
        hint = "the gradient is finite but wrong: away from 0 it must be v / |v|, at 0 it must be 0."
        return verdict("10.1", False, hint, quiet=quiet)
    return verdict("10.1", True, "", quiet=quiet)


def central_difference_error(h: float) -> float:
    """Median error of float32 central differences of sin(10 x) with step `h`, on 101 points of [0, 1]."""
    x64 = torch.linspace(0.0, 1.0, FD_POINTS, dtype=torch.float64)
    exact = FD_FREQUENCY * torch.cos(FD_FREQUENCY * x64)
    x = x64.float()
    step = torch.tensor(h, dtype=torch.float32)
    estimate = (torch.sin(FD_FREQUENCY * (x + step)) - torch.sin(FD_FREQUENCY * (x - step))) / (2 * step)
    return (estimate.double() - exact).abs().median().item()


def best_central_difference_error() -> tuple[float, float]:
    """The smallest median error over a fine sweep of steps, and the step that reaches it."""
    steps = torch.logspace(-6, -1, 101, dtype=torch.float64).tolist()
    errors = [central_difference_error(h) for h in steps]
    best = min(range(len(steps)), key=errors.__getitem__)
    return errors[best], steps[best]


def check_ex10_2(h: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 10.2: a step `h` for float32 central differences of sin(10 x) close to the best one."""
    if not answered("10.2", h, quiet=quiet):
        return Verdict(False)
    try:
        h = float(h)
    except (TypeError, ValueError, RuntimeError):
        return verdict("10.2", False, "`h` is one number (a positive float).", quiet=quiet)
    if not (math.isfinite(h) and h > 0):
        return verdict("10.2", False, "`h` must be a positive, finite step.", quiet=quiet)
    best_error, best_h = best_central_difference_error()
    if central_difference_error(h) <= FD_FACTOR * best_error:
        return verdict("10.2", True, "", quiet=quiet)
    if h < best_h:
        hint = "rounding dominates: g(x + h) and g(x - h) share most of their digits. Take a larger h."
    else:
        hint = "truncation dominates: sin(10 x) has a third derivative 1000 times that of sin x. Take a smaller h."
    return verdict("10.2", False, hint, quiet=quiet)


def residual_with_a(x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """Chapter 5's residual with the 1 of the first equation replaced by the parameter `a`."""
    x1, x2 = x[0], x[1]
    f1 = torch.exp(-torch.exp(-(x1 + x2))) - x2 * (a + x1**2)
    f2 = x1 * torch.cos(x2) + x2 * torch.sin(x1) - 0.5
    return torch.stack([f1, f2])


def _root_and_jacobians(a: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    a_tensor = torch.tensor(a, dtype=torch.float64)
    x = torch.zeros(2, dtype=torch.float64)
    for _ in range(20):
        x = x - torch.linalg.solve(jacrev(residual_with_a)(x, a_tensor), residual_with_a(x, a_tensor))
    J = jacrev(residual_with_a, argnums=0)(x, a_tensor)
    dF_da = jacrev(residual_with_a, argnums=1)(x, a_tensor)
    return x, J, dF_da


def check_ex10_3(dx_da: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 10.3: `dx_da`, the derivative of chapter 5's root with respect to `a`, at a = 1."""
    if not answered("10.3", dx_da, quiet=quiet):
        return Verdict(False)
    answer = as_vector(dx_da, 2)
    if answer is None:
        return verdict("10.3", False, "`dx_da` is a vector of 2 numbers, one per unknown.", quiet=quiet)
    root, J, dF_da = _root_and_jacobians(A_VALUE)
    expected = -torch.linalg.solve(J, dF_da)

    def close(candidate: torch.Tensor) -> bool:
        return bool(torch.allclose(answer, candidate, rtol=1e-6, atol=1e-9))

    if close(expected):
        return verdict("10.3", True, "", quiet=quiet)
    if close(-expected):
        return verdict("10.3", False, "the sign is flipped: dx/da = -J^(-1) dF/da.", quiet=quiet)
    if close(-torch.linalg.solve(J.T, dF_da)):
        return verdict("10.3", False, "solve with J itself, not its transpose.", quiet=quiet)
    if close(dF_da) or close(-dF_da):
        return verdict("10.3", False, "that is dF/da; the implicit function theorem still needs J^(-1).", quiet=quiet)
    if (answer - expected).norm() < NEAR_MISS * expected.norm():
        hint = (
            "close, but not to 6 significant digits: do not round, and take the implicit function "
            "theorem's one linear solve in float64 rather than a coarse finite difference."
        )
        return verdict("10.3", False, hint, quiet=quiet)
    hint = "take J and dF/da at the root (a = 1), with jacrev over argnums 0 and 1, then one linear solve."
    return verdict("10.3", False, hint, quiet=quiet)


__all__ = ["check_ex10_1", "check_ex10_2", "check_ex10_3", "central_difference_error", "residual_with_a"]
