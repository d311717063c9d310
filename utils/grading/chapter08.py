"""Checks for the exercises of chapter 8 (Jacobians, vector-Jacobian products, forward and reverse mode)."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.func import grad, jacrev

from utils.grading import Verdict, answered, as_vector, verdict

# Exercise 8.1: the polar map p(r, theta) = (r cos theta, r sin theta) at (r, theta) = (2, pi/6).
POLAR_POINT = (2.0, math.pi / 6)
POLAR_U = (0.5, 1.0)  # the direction of the Jacobian-vector product J u
POLAR_V = (1.0, 1.0)  # the cotangent of the vector-Jacobian product v^T J
# The exercise asks for four decimal places: each number may be off by up to 1e-4. The value the
# solution prints (rounded to 4 decimals) is off by at most 5e-5; rounded to 2 decimals, by 2e-3
# or more; pi taken as 3.14 moves J u by 5e-4.
POLAR_TOLERANCE = 1e-4

# Exercise 8.2: chapter 6's Rosenbrock function with b = 100 at w = (-1, 1), Hessian times u = (1, 2).
ROSENBROCK_B = 100.0
ROSENBROCK_POINT = (-1.0, 1.0)
ROSENBROCK_U = (1.0, 2.0)
# H u = (1602, 800), whole numbers; the exercise allows an error of 0.01 in each.
HVP_TOLERANCE = 1e-2


def _polar(q: torch.Tensor) -> torch.Tensor:
    return torch.stack([q[0] * torch.cos(q[1]), q[0] * torch.sin(q[1])])


def _rosenbrock(w: torch.Tensor, b: float = ROSENBROCK_B) -> torch.Tensor:
    return (1 - w[0]) ** 2 + b * (w[1] - w[0] ** 2) ** 2


def _is_one_number(answer: Any) -> bool:
    """Whether `answer` is a single number (a float, or a tensor or array with one element)."""
    try:
        return torch.as_tensor(answer.detach() if isinstance(answer, torch.Tensor) else answer).numel() == 1
    except (TypeError, ValueError, RuntimeError):
        return False


def _close(answer: torch.Tensor, expected: torch.Tensor, tolerance: float) -> bool:
    # a hair of slack so that an answer exactly `tolerance` off is not refused by float rounding
    return bool((answer - expected).abs().max() <= tolerance * (1 + 1e-6))


def check_ex8_1(Ju: Any, vJ: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 8.1: `Ju` = J u and `vJ` = v^T J for the polar map at (2, pi/6), each number within 1e-4."""
    if not (answered("8.1", Ju, quiet=quiet) and answered("8.1", vJ, quiet=quiet)):
        return Verdict(False)
    J = jacrev(_polar)(torch.tensor(POLAR_POINT, dtype=torch.float64))
    u = torch.tensor(POLAR_U, dtype=torch.float64)
    v = torch.tensor(POLAR_V, dtype=torch.float64)
    if isinstance(vJ, tuple) and len(vJ) == 1:
        hint = "vjp's function returns a tuple, one gradient per input of p: `vJ` is its first element."
        return verdict("8.1", False, hint, quiet=quiet)
    Ju_vector, vJ_vector = as_vector(Ju, 2), as_vector(vJ, 2)
    if Ju_vector is None or vJ_vector is None:
        hint = "each answer is a vector of 2 numbers (a tensor of shape (2,)); the Jacobian is 2 x 2."
        return verdict("8.1", False, hint, quiet=quiet)

    def close(answer: torch.Tensor, expected: torch.Tensor) -> bool:
        return _close(answer, expected, POLAR_TOLERANCE)

    if close(Ju_vector, v @ J) and close(vJ_vector, J @ u):
        return verdict("8.1", False, "the two answers are swapped: `Ju` comes from jvp, `vJ` from vjp.", quiet=quiet)
    if close(Ju_vector, J.T @ u):
        hint = "`Ju` combines the rows of J (that is J^T u, a VJP); jvp gives J u, a mix of J's columns."
        return verdict("8.1", False, hint, quiet=quiet)
    if close(vJ_vector, J @ v):
        hint = "`vJ` is J v, a JVP; v^T J is what vjp's function returns for the cotangent v."
        return verdict("8.1", False, hint, quiet=quiet)
    if close(Ju_vector, _polar(torch.tensor(POLAR_POINT, dtype=torch.float64))):
        hint = "`Ju` is p(r, theta) itself: jvp returns (value, tangent); the tangent is J u."
        return verdict("8.1", False, hint, quiet=quiet)
    ok_Ju, ok_vJ = close(Ju_vector, J @ u), close(vJ_vector, v @ J)
    if ok_Ju and ok_vJ:
        return verdict("8.1", True, "", quiet=quiet)
    Ju_off = (Ju_vector - J @ u).abs().max().item()
    vJ_off = (vJ_vector - v @ J).abs().max().item()
    if max(Ju_off, vJ_off) < 1e-2:
        hint = (
            "close, but not within 0.0001: keep four decimal places, and take theta = pi / 6 from "
            "math.pi (3.14 is not precise enough)."
        )
    elif Ju_off >= 1e-2:
        hint = (
            "`Ju` is off: check the point (theta = pi / 6 is in radians), the direction u = (0.5, 1), "
            "and that you kept the tangent jvp returns, not the value."
        )
    else:
        hint = "`vJ` is off: vjp returns the value and a function; call that function on the cotangent v = (1, 1)."
    return verdict("8.1", False, hint, quiet=quiet)


def _rosenbrock_b(Hu: torch.Tensor) -> float | None:
    """The b of (1 - w1)^2 + b (w2 - w1^2)^2 whose H u at (-1, 1), u = (1, 2) is `Hu`, or None if none fits.

    By hand, H = [[2 + 8b, 4b], [4b, 2b]] there, so H u = (2 + 16 b, 8 b).
    """
    b = Hu[1].item() / 8
    return b if b > 0 and abs(Hu[0].item() - (2 + 16 * b)) <= HVP_TOLERANCE * (1 + 1e-6) else None


def check_ex8_2(Hu: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 8.2: `Hu` = H u for Rosenbrock (b = 100) at (-1, 1), u = (1, 2), each entry within 0.01."""
    if not answered("8.2", Hu, quiet=quiet):
        return Verdict(False)
    w = torch.tensor(ROSENBROCK_POINT, dtype=torch.float64)
    u = torch.tensor(ROSENBROCK_U, dtype=torch.float64)
    if isinstance(Hu, tuple) and len(Hu) == 2:
        hint = "you passed both outputs of jvp (value, tangent); H u is the second, the tangent."
        return verdict("8.2", False, hint, quiet=quiet)
    Hu_vector = as_vector(Hu, 2)
    if Hu_vector is None and _is_one_number(Hu):
        hint = (
            "H u is a vector of 2 numbers; one number is a derivative of r itself along u. Push u "
            "through the gradient function, not through r itself."
        )
        return verdict("8.2", False, hint, quiet=quiet)
    if Hu_vector is None:
        hint = "H u is a vector of 2 numbers (a tensor of shape (2,)), not the 2 x 2 Hessian itself."
        return verdict("8.2", False, hint, quiet=quiet)

    def close(answer: torch.Tensor, expected: torch.Tensor) -> bool:
        return _close(answer, expected, HVP_TOLERANCE)

    hessian = jacrev(jacrev(_rosenbrock))(w)
    if close(Hu_vector, hessian @ u):
        return verdict("8.2", True, "", quiet=quiet)
    if close(Hu_vector, grad(_rosenbrock)(w)):
        hint = "that is the gradient at w: jvp returns (value, tangent), and H u is the tangent."
        return verdict("8.2", False, hint, quiet=quiet)
    if close(Hu_vector, hessian[:, 0]):
        hint = "that is H times (1, 0), the Hessian's first column: push the whole u = (1, 2) forward."
        return verdict("8.2", False, hint, quiet=quiet)
    if close(Hu_vector, hessian @ u.flip(0)):
        hint = "that is H times (2, 1): u = (1, 2), its first entry goes with w1."
        return verdict("8.2", False, hint, quiet=quiet)
    b = _rosenbrock_b(Hu_vector)
    if b is not None:
        hint = (
            f"that is H u for b = {b:g} in (1 - w1)^2 + b (w2 - w1^2)^2 (chapter 6's rosenbrock defaults "
            f"to b = 5); this exercise uses b = {ROSENBROCK_B:g}."
        )
        return verdict("8.2", False, hint, quiet=quiet)
    hint = (
        "not H u yet: check the point w = (-1, 1), the direction u = (1, 2), and that you took the "
        "derivative of the gradient function along u, the second thing jvp returns."
    )
    return verdict("8.2", False, hint, quiet=quiet)
