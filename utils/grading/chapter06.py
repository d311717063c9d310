"""Checks for the exercises of chapter 6 (descent by hand in a curved valley)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from utils.grading import Verdict, answered, as_number, rate_verdict, verdict


def _rosenbrock(x: torch.Tensor, b: float) -> torch.Tensor:
    return (1 - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2


def check_ex6_1(lr_max: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 6.1: the largest stable learning rate at (-1, 1) for b = 100, 2 / lambda_max of the Hessian.

    The bound is 2 / 1001.6 = 0.0019968, judged as `rate_verdict` says (to 2% below it, rounded
    down): 0.002 and 0.001997, the bound rounded to nearest, are past it.
    """
    if not answered("6.1", lr_max, quiet=quiet):
        return Verdict(False)
    value = as_number("6.1", lr_max, quiet=quiet)
    if value is None:
        return Verdict(False)
    x1, x2, b = -1.0, 1.0, 100.0  # the Hessian of f at the start, by hand
    hessian = torch.tensor(
        [[2 - 4 * b * (x2 - x1**2) + 8 * b * x1**2, -4 * b * x1], [-4 * b * x1, 2 * b]], dtype=torch.float64
    )
    bound = 2 / torch.linalg.eigvalsh(hessian).max().item()
    diagonal_only = 2 / hessian[0, 0].item()
    # A known slip gets its own hint first (a window of 1% around a positive rate: no zero, negative
    # or non-finite answer falls in it, so those still get rate_verdict's hint).
    if abs(value - diagonal_only) < 0.01 * diagonal_only:
        hint = "that uses d2f/dx1^2 alone; the steepest curvature is the Hessian's largest eigenvalue"
        return verdict("6.1", False, hint, quiet=quiet)
    return rate_verdict(
        "6.1",
        value,
        bound,
        just_past="where the steepest direction grows",
        far_past=(
            "above the bound: on the quadratic model at (-1, 1) the first steps would grow; "
            "use 2 / (largest eigenvalue)"
        ),
        too_small="stable, but not the largest: 2 divided by the Hessian's largest eigenvalue",
        quiet=quiet,
    )


def check_ex6_2(update: Callable | None, *, quiet: bool = False) -> Verdict:
    """Exercise 6.2: an in-place `update(x, lr)` with which the never-zeroed loop equals SGD(momentum=1) exactly.

    Both runs are float32 on the CPU, 1000 iterations from (-1, 1) on b = 5 with lr = 0.01.
    """
    if not answered("6.2", update, quiet=quiet):
        return Verdict(False)
    x_forgot = torch.tensor([-1.0, 1.0], requires_grad=True)
    x_momentum = torch.tensor([-1.0, 1.0], requires_grad=True)
    optimizer = torch.optim.SGD([x_momentum], lr=0.01, momentum=1.0)
    for step in range(1000):
        _rosenbrock(x_forgot, 5.0).backward()  # never zeroed: .grad holds the sum of all gradients
        before = x_forgot.detach().clone()
        try:
            with torch.no_grad():
                update(x_forgot, 0.01)
        except Exception as error:  # the learner's code: report any failure as a hint
            hint = f"update(x, lr) raised {type(error).__name__}: {error}"
            return verdict("6.2", False, hint, quiet=quiet)
        if step == 0 and torch.equal(before, x_forgot.detach()):
            return verdict("6.2", False, "update(x, lr) must change x in place (x itself, not a copy)", quiet=quiet)
        optimizer.zero_grad()
        _rosenbrock(x_momentum, 5.0).backward()
        optimizer.step()
        if not torch.equal(x_forgot.detach(), x_momentum.detach()):
            hint = (
                f"the runs part at iteration {step + 1}; both add up the same gradients, "
                "so compare how each applies lr times that sum to x (rounding included)"
            )
            return verdict("6.2", False, hint, quiet=quiet)
    return verdict("6.2", True, "", quiet=quiet)
