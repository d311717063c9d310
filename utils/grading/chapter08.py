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

# Exercise 8.2: chapter 6's Rosenbrock function at w = (-1, 1), Hessian times u = (1, 2).
ROSENBROCK_POINT = (-1.0, 1.0)
ROSENBROCK_U = (1.0, 2.0)

_RTOL = 1e-4  # float32 answers agree to about 1e-7 relative; a value rounded to 3 digits does not pass
_ATOL = 1e-4


def _polar(q: torch.Tensor) -> torch.Tensor:
    return torch.stack([q[0] * torch.cos(q[1]), q[0] * torch.sin(q[1])])


def _rosenbrock(w: torch.Tensor) -> torch.Tensor:
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def _is_one_number(answer: Any) -> bool:
    """Whether `answer` is a single number (a float, or a tensor or array with one element)."""
    try:
        return torch.as_tensor(answer.detach() if isinstance(answer, torch.Tensor) else answer).numel() == 1
    except (TypeError, ValueError, RuntimeError):
        return False


def _close(answer: torch.Tensor, expected: torch.Tensor) -> bool:
    return bool(torch.allclose(answer, expected, rtol=_RTOL, atol=_ATOL))


def check_ex8_1(Ju: Any, vJ: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 8.1: `Ju` = J u and `vJ` = v^T J for the polar map at (2, pi/6)."""
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
    if _close(Ju_vector, v @ J) and _close(vJ_vector, J @ u):
        return verdict("8.1", False, "the two answers are swapped: `Ju` comes from jvp, `vJ` from vjp.", quiet=quiet)
    if _close(Ju_vector, J.T @ u):
        hint = "`Ju` combines the rows of J (that is J^T u, a VJP); jvp gives J u, a mix of J's columns."
        return verdict("8.1", False, hint, quiet=quiet)
    if _close(vJ_vector, J @ v):
        hint = "`vJ` is J v, a JVP; v^T J is what vjp's function returns for the cotangent v."
        return verdict("8.1", False, hint, quiet=quiet)
    if _close(Ju_vector, _polar(torch.tensor(POLAR_POINT, dtype=torch.float64))):
        hint = "`Ju` is p(r, theta) itself: jvp returns (value, tangent); the tangent is J u."
        return verdict("8.1", False, hint, quiet=quiet)
    ok_Ju, ok_vJ = _close(Ju_vector, J @ u), _close(vJ_vector, v @ J)
    if not ok_Ju:
        hint = "`Ju` is off: call jvp(p, (q,), (u,)) at q = (2, pi/6), u = (0.5, 1) (angles in radians)."
    else:
        hint = "`vJ` is off: call vjp(p, q), then the returned function on v = (1, 1)."
    return verdict("8.1", ok_Ju and ok_vJ, hint, quiet=quiet)


def check_ex8_2(Hu: Any, *, quiet: bool = False) -> Verdict:
    """Exercise 8.2: `Hu` = H u, the Rosenbrock Hessian at (-1, 1) times u = (1, 2)."""
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
            "through the gradient function grad(rosenbrock), not through rosenbrock."
        )
        return verdict("8.2", False, hint, quiet=quiet)
    if Hu_vector is None:
        hint = "H u is a vector of 2 numbers (a tensor of shape (2,)), not the 2 x 2 Hessian itself."
        return verdict("8.2", False, hint, quiet=quiet)
    if _close(Hu_vector, grad(_rosenbrock)(w)):
        hint = "that is the gradient at w: jvp returns (value, tangent), and H u is the tangent."
        return verdict("8.2", False, hint, quiet=quiet)
    hint = "differentiate the gradient function along u: jvp(grad(rosenbrock), (w,), (u,)) at w = (-1, 1)."
    return verdict("8.2", _close(Hu_vector, jacrev(jacrev(_rosenbrock))(w) @ u), hint, quiet=quiet)
