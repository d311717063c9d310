"""Checks for the exercises of chapter 10 (kinks and NaNs, finite differences, differentiating a solver,
the adjoint in a backward)."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.func import jacrev

from utils.grading import Verdict, answered, as_vector, verdict

# Exercise 10.2: float32 central differences of g(x) = sin(10 x) on 101 points of [0, 1], and the step
# that minimises the error model E(h) = h^2 / 6 * max|g'''| + eps * max|g| / h on that interval.
FD_POINTS = 101
FD_FREQUENCY = 10.0
FD_EPS = float(torch.finfo(torch.float32).eps)
FD_TOLERANCE = 0.02  # relative: 7.1e-4 (two significant digits) and 7e-4 (1.4 % off) pass, 6.9e-4 fails

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


def model_step(factor: float = 3.0, eps: float = FD_EPS, power: float = 1 / 3, largest: float = 1e3) -> float:
    """(factor * eps * max|g| / largest) ** power for g(x) = sin(10 x); the defaults give E(h)'s minimiser."""
    return (factor * eps / largest) ** power


_EPS64 = float(torch.finfo(torch.float64).eps)

# Wrong answers a learner plausibly gives, each recognised within FD_TOLERANCE, with its hint.
_FD_SLIPS = [
    (
        [model_step(1, power=1 / 2, largest=1), model_step(2, power=1 / 2, largest=1e2), model_step(1, power=1 / 2)],
        "a square root of eps is the forward difference's rule (truncation error h/2 |g''|). The central "
        "difference's truncation error is h^2/6 |g'''|: minimise E(h) with that term.",
    ),
    (
        [model_step(1)],
        "that is the cube root of eps scaled by the 1/10 of sin(10 x). Close, but E(h) is smallest where "
        "dE/dh = 0, and differentiating h^2/6 and 1/h leaves a constant factor you dropped.",
    ),
    ([model_step(6)], "you set the two terms equal. Their sum is smallest where dE/dh = 0: solve that for h."),
    ([model_step(1.5)], "eps is torch.finfo(torch.float32).eps, the gap from 1 to the next float32, not half of it."),
    ([model_step(3, eps=_EPS64), model_step(1, eps=_EPS64)], "the differences are taken in float32: use its own eps."),
    (
        [model_step(1, largest=1), model_step(3, largest=1)],
        "that is the step for a function that changes on a scale of 1: the third derivative of sin(10 x) "
        "is up to 1000 times that of sin x.",
    ),
]


def check_ex10_2(h: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 10.2: `h`, the minimiser of the central difference's error model for sin(10 x) in float32."""
    if not answered("10.2", h, quiet=quiet):
        return Verdict(False)
    try:
        h = float(h)
    except (TypeError, ValueError, RuntimeError):
        return verdict("10.2", False, "`h` is one number (a positive float).", quiet=quiet)
    if not (math.isfinite(h) and h > 0):
        return verdict("10.2", False, "`h` must be a positive, finite step.", quiet=quiet)

    def near(target: float) -> bool:
        return abs(h / target - 1) <= FD_TOLERANCE

    if near(model_step()):
        return verdict("10.2", True, "", quiet=quiet)
    for targets, hint in _FD_SLIPS:
        if any(near(target) for target in targets):
            return verdict("10.2", False, hint, quiet=quiet)
    side = "small" if h < model_step() else "large"
    hint = (
        f"too {side} for the minimum of E(h) to two significant digits. Set dE/dh = 0, with max|g| and "
        "max|g'''| on [0, 1] and eps = torch.finfo(torch.float32).eps, and solve for h."
    )
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



# Exercise 10.4: a torch.autograd.Function whose forward solves chapter 5's system with both parameters
# p = (a, theta) and whose backward is the adjoint: one solve J^T lam = grad_root, then -(dF/dp)^T lam.
P_VALUE = (1.0, 0.5)
ADJOINT_WEIGHTS = ((1.0, 0.0), (0.0, 1.0), (0.3, -1.7))  # the gradients grad_root the check sends back


def residual_with_p(x: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Chapter 5's residual with the parameters p = (a, theta): a in the first equation, theta in the second."""
    x1, x2 = x[0], x[1]
    f1 = torch.exp(-torch.exp(-(x1 + x2))) - x2 * (p[0] + x1**2)
    f2 = x1 * torch.cos(x2) + x2 * torch.sin(x1) - p[1]
    return torch.stack([f1, f2])


def _root_and_jacobians_p(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The root of residual_with_p at `p`, with J = dF/dx and dF/dp there."""
    x = torch.zeros(2, dtype=torch.float64)
    for _ in range(20):
        x = x - torch.linalg.solve(jacrev(residual_with_p)(x, p), residual_with_p(x, p))
    return x, jacrev(residual_with_p, argnums=0)(x, p), jacrev(residual_with_p, argnums=1)(x, p)


def _adjoint_candidates(J: torch.Tensor, dF_dp: torch.Tensor, weight: torch.Tensor) -> dict[str, torch.Tensor]:
    """The right vector-Jacobian product for `weight` and the wrong ones a learner plausibly returns."""
    lam = torch.linalg.solve(J.T, weight)
    return {
        "right": -dF_dp.T @ lam,
        "sign": dF_dp.T @ lam,
        "untransposed J": -dF_dp.T @ torch.linalg.solve(J, weight),
        "lambda": lam,
        "minus lambda": -lam,
        "forward mode": -torch.linalg.solve(J, dF_dp) @ weight,
    }


def check_ex10_4(RootSolve: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 10.4: `RootSolve`, a torch.autograd.Function: Newton in forward, the adjoint in backward."""
    if not answered("10.4", RootSolve, quiet=quiet):
        return Verdict(False)
    if not (isinstance(RootSolve, type) and issubclass(RootSolve, torch.autograd.Function)):
        hint = (
            "`RootSolve` is a class: class RootSolve(torch.autograd.Function) with static methods forward "
            "and backward. Autograd through the Newton loop is the unrolled way, not the adjoint."
        )
        return verdict("10.4", False, hint, quiet=quiet)
    p = torch.tensor(P_VALUE, dtype=torch.float64, requires_grad=True)
    try:
        root = RootSolve.apply(p)
    except Exception as error:  # the learner's code: report any failure as a hint
        hint = f"RootSolve.apply(p) raised {type(error).__name__}: run forward on its own first."
        return verdict("10.4", False, hint, quiet=quiet)
    true_root, J, dF_dp = _root_and_jacobians_p(p.detach())
    if not isinstance(root, torch.Tensor) or root.shape != (2,):
        return verdict("10.4", False, "forward returns the root, a tensor of 2 numbers.", quiet=quiet)
    if not torch.allclose(root.detach().to("cpu", torch.float64), true_root, rtol=0, atol=1e-10):
        hint = "forward does not return the root: iterate Newton's method from (0, 0) until it has converged."
        return verdict("10.4", False, hint, quiet=quiet)
    results = []
    for weight in ADJOINT_WEIGHTS:
        weight = torch.tensor(weight, dtype=torch.float64)
        try:
            (gradient,) = torch.autograd.grad(root, p, weight.to(root), retain_graph=True, allow_unused=True)
        except Exception as error:  # the learner's backward
            hint = f"the backward pass raised {type(error).__name__}: call backward on RootSolve.apply(p) yourself."
            return verdict("10.4", False, hint, quiet=quiet)
        if gradient is None:
            return verdict("10.4", False, "backward returns None for p: return the gradient with respect to p.", quiet=quiet)
        candidates = _adjoint_candidates(J, dF_dp, weight)
        results.append((gradient.detach().to("cpu", torch.float64), candidates))

    def matches(name: str) -> bool:
        return all(torch.allclose(gradient, candidates[name], rtol=1e-8, atol=1e-10) for gradient, candidates in results)

    if matches("right"):
        return verdict("10.4", True, "", quiet=quiet)
    hints = {
        "sign": "the sign is flipped: dx/dp = -J^(-1) dF/dp, so the gradient is -(dF/dp)^T lambda.",
        "untransposed J": "lambda solves the transposed system, J^T lambda = grad_root: the adjoint uses J^T.",
        "lambda": "that is lambda itself: the gradient with respect to p is -(dF/dp)^T lambda.",
        "minus lambda": "that is -lambda: multiply it by (dF/dp)^T to get the gradient with respect to p.",
        "forward mode": (
            "that is (dx/dp) grad_root, a forward-mode product. backward returns the vector-Jacobian "
            "product (dx/dp)^T grad_root: solve with J^T once, then multiply by (dF/dp)^T."
        ),
    }
    for name, hint in hints.items():
        if matches(name):
            return verdict("10.4", False, hint, quiet=quiet)
    first, second = results[0][0], results[1][0]
    if torch.allclose(first, second, rtol=1e-8, atol=1e-10):
        hint = "backward returns the same gradient whatever grad_root it receives: use grad_root."
        return verdict("10.4", False, hint, quiet=quiet)
    hint = (
        "take J and dF/dp at the root saved in forward (ctx.save_for_backward), solve J^T lambda = grad_root, "
        "and return -(dF/dp)^T lambda."
    )
    return verdict("10.4", False, hint, quiet=quiet)


__all__ = [
    "check_ex10_1",
    "check_ex10_2",
    "check_ex10_3",
    "check_ex10_4",
    "central_difference_error",
    "model_step",
    "residual_with_a",
    "residual_with_p",
]
