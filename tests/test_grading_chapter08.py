"""The learner checks of chapter 8 (utils/grading/chapter08.py): right answers pass in every form a learner
may give them, each plausible slip fails with its own hint, and no message gives the answer away."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from utils import grading
from utils.grading import chapter08

# The true answers, worked out by hand (not with the module's own code).
# Polar map at (r, theta) = (2, pi/6): J = [[cos, -r sin], [sin, r cos]].
C, S = math.cos(math.pi / 6), math.sin(math.pi / 6)
J = torch.tensor([[C, -2 * S], [S, 2 * C]], dtype=torch.float64)
U = torch.tensor([0.5, 1.0], dtype=torch.float64)
V = torch.tensor([1.0, 1.0], dtype=torch.float64)
RIGHT_JU = J @ U  # (-0.56699, 1.98205)
RIGHT_VJ = V @ J  # (1.36603, 0.73205)
# Rosenbrock (1 - w1)^2 + b (w2 - w1^2)^2 at (-1, 1): H = [[2 + 8b, 4b], [4b, 2b]], so H u = (2 + 16b, 8b)
# for u = (1, 2): (1602, 800) for the exercise's b = 100, (82, 40) for chapter 6's default b = 5.
HESSIAN = torch.tensor([[802.0, 400.0], [400.0, 200.0]])
RIGHT_HU = torch.tensor([1602.0, 800.0])
GRADIENT = torch.tensor([-4.0, 0.0])


def polar_jacobian(theta: float) -> torch.Tensor:
    return torch.tensor([[math.cos(theta), -2 * math.sin(theta)], [math.sin(theta), 2 * math.cos(theta)]])


def numbers_in(text: str) -> list[float]:
    return [float(token) for token in re.findall(r"-?\d+(?:\.\d+)?", text)]


def test_the_checks_are_reachable_from_utils_grading():
    assert grading.check_ex8_1 is chapter08.check_ex8_1
    assert grading.check_ex8_2 is chapter08.check_ex8_2


def test_hand_values_are_the_ones_in_the_exercises():
    assert torch.allclose(RIGHT_JU, torch.tensor([-0.5670, 1.9821], dtype=torch.float64), atol=1e-4)
    assert torch.allclose(RIGHT_VJ, torch.tensor([1.3660, 0.7321], dtype=torch.float64), atol=1e-4)
    assert torch.equal(HESSIAN @ torch.tensor([1.0, 2.0]), RIGHT_HU)


@pytest.mark.parametrize(
    "check, args",
    [(grading.check_ex8_1, (None, None)), (grading.check_ex8_1, (RIGHT_JU, ...)), (grading.check_ex8_2, (None,))],
)
def test_placeholder_prompts_and_fails(check, args, capsys):
    assert not check(*args)
    assert "replace the placeholder" in capsys.readouterr().out


# --- exercise 8.1: each number within 1e-4, as the exercise says --------------------------------------------------

RIGHT_8_1_FORMS = {
    "float64 tensors": (RIGHT_JU, RIGHT_VJ),
    "float32 tensors": (RIGHT_JU.float(), RIGHT_VJ.float()),
    "lists of floats": (RIGHT_JU.tolist(), RIGHT_VJ.tolist()),
    "numpy arrays": (RIGHT_JU.numpy(), RIGHT_VJ.numpy()),
    "rounded as the solution prints them (4 decimals)": (RIGHT_JU.numpy().round(4), RIGHT_VJ.numpy().round(4)),
    "the printed values typed back": ([-0.567, 1.9821], [1.366, 0.7321]),
    # three decimals happen to be within 5.1e-5 here (-0.567, 1.982, 1.366, 0.732): right to 1e-4
    "rounded to 3 decimals": (RIGHT_JU.numpy().round(3), RIGHT_VJ.numpy().round(3)),
    "tensors that require grad": (RIGHT_JU.float().requires_grad_() * 1, RIGHT_VJ),
}


@pytest.mark.parametrize("form", RIGHT_8_1_FORMS)
def test_ex8_1_accepts_the_right_answer_in_every_form(form, capsys):
    assert grading.check_ex8_1(*RIGHT_8_1_FORMS[form])
    assert capsys.readouterr().out == "Exercise 8.1: right.\n"


def test_ex8_1_tolerance_is_the_stated_1e_4():
    shift = torch.tensor([0.9e-4, -0.9e-4], dtype=torch.float64)
    assert grading.check_ex8_1(RIGHT_JU + shift, RIGHT_VJ - shift, quiet=True)
    assert not grading.check_ex8_1(RIGHT_JU + 3 * shift, RIGHT_VJ, quiet=True)
    assert not grading.check_ex8_1(RIGHT_JU, RIGHT_VJ - 3 * shift, quiet=True)


WRONG_8_1 = {
    # a VJP where a JVP was asked: J^T u mixes J's rows
    "J^T u": (J.T @ U, RIGHT_VJ),
    # a JVP where a VJP was asked: J v
    "a JVP": (RIGHT_JU, J @ V),
    # both swapped
    "swapped": (RIGHT_VJ, RIGHT_JU),
    # the primal output p(q) that jvp returns first
    "(value, tangent)": (torch.tensor([2 * C, 2 * S]), RIGHT_VJ),
    # the whole Jacobian instead of v^T J
    "shape (2,)": (RIGHT_JU, J),
    # theta = 30 taken as radians (degrees slip)
    "radians": (polar_jacobian(30.0) @ U.float(), V.float() @ polar_jacobian(30.0)),
    # vjp's output tuple passed whole
    "returns a tuple": (RIGHT_JU, (RIGHT_VJ,)),
    # rounded to two decimals: off by 2e-3 or more
    "four decimal places": (RIGHT_JU.numpy().round(2), RIGHT_VJ.numpy().round(2)),
    # pi taken as 3.14: off by 5e-4 and 7e-4
    "3.14": (polar_jacobian(3.14 / 6) @ U.float(), V.float() @ polar_jacobian(3.14 / 6)),
    # a wrong cotangent: v = (1, 0) gives J's first row only
    "cotangent v = (1, 1)": (RIGHT_JU, J[0]),
}


@pytest.mark.parametrize("slip", WRONG_8_1)
def test_ex8_1_rejects_each_slip_with_its_own_hint(slip, capsys):
    assert not grading.check_ex8_1(*WRONG_8_1[slip])
    out = capsys.readouterr().out
    assert out.startswith("Exercise 8.1: not yet. Hint: ") and slip in out, out


def test_ex8_1_bad_types_get_a_hint_not_a_crash(capsys):
    assert not grading.check_ex8_1("a string", RIGHT_VJ)
    assert not grading.check_ex8_1(RIGHT_JU, [1.0, 2.0, 3.0])
    out = capsys.readouterr().out
    assert out.count("shape (2,)") == 2


# --- exercise 8.2: each entry within 0.01 -------------------------------------------------------------------------

RIGHT_8_2_FORMS = {
    "float32 tensor": RIGHT_HU,
    "float64 tensor": RIGHT_HU.double(),
    "list of floats, as the solution prints it": [1602.0, 800.0],
    "list of ints": [1602, 800],
    "numpy array": np.array([1602.0, 800.0]),
    "float32 rounding": RIGHT_HU + torch.tensor([1e-3, -1e-3]),
}


@pytest.mark.parametrize("form", RIGHT_8_2_FORMS)
def test_ex8_2_accepts_the_right_product_in_every_form(form, capsys):
    assert grading.check_ex8_2(RIGHT_8_2_FORMS[form])
    assert capsys.readouterr().out == "Exercise 8.2: right.\n"


WRONG_8_2 = {
    # the value jvp returns first: the gradient
    "that is the gradient": GRADIENT,
    # both outputs of jvp
    "both outputs of jvp": (GRADIENT, RIGHT_HU),
    # the whole Hessian
    "not the 2 x 2 Hessian": HESSIAN,
    # u taken the wrong way round
    "H times (2, 1)": HESSIAN @ torch.tensor([2.0, 1.0]),
    # H e_1, the first column (also half of H u)
    "first column": HESSIAN[:, 0],
    # chapter 6's rosenbrock reused with its default b = 5: (82, 40)
    "H u for b = 5 in": torch.tensor([82.0, 40.0]),
    # the textbook b = 1 variant: (18, 8)
    "H u for b = 1 in": torch.tensor([18.0, 8.0]),
    # a scalar: r's own directional derivative
    "through the gradient function": torch.tensor(-4.0),
    # an arithmetic slip in one entry
    "not H u yet": RIGHT_HU + torch.tensor([1.0, 0.0]),
    # at the minimum (1, 1) instead of (-1, 1): H = [[802, -400], [-400, 200]], H u = (2, 0)
    "w = (-1, 1)": torch.tensor([2.0, 0.0]),
}


@pytest.mark.parametrize("slip", WRONG_8_2)
def test_ex8_2_rejects_each_slip_with_its_own_hint(slip, capsys):
    assert not grading.check_ex8_2(WRONG_8_2[slip])
    out = capsys.readouterr().out
    assert out.startswith("Exercise 8.2: not yet. Hint: ") and slip in out, out


def test_ex8_2_the_b_hint_says_which_b_the_exercise_uses(capsys):
    assert not grading.check_ex8_2([82.0, 40.0])
    assert "this exercise uses b = 100" in capsys.readouterr().out


def test_ex8_2_tolerance_is_the_stated_0_01():
    assert grading.check_ex8_2(RIGHT_HU + torch.tensor([0.009, -0.009]), quiet=True)
    assert not grading.check_ex8_2(RIGHT_HU + torch.tensor([0.05, 0.0]), quiet=True)


# --- no hint gives the answer, nor the solution's call ------------------------------------------------------------

CALLS = [
    *[lambda answer=answer: grading.check_ex8_1(*answer) for answer in WRONG_8_1.values()],
    *[lambda answer=answer: grading.check_ex8_2(answer) for answer in WRONG_8_2.values()],
    lambda: grading.check_ex8_1(RIGHT_JU, torch.zeros(2)),
    lambda: grading.check_ex8_1(torch.zeros(2), RIGHT_VJ),
    lambda: grading.check_ex8_2(torch.zeros(2)),
]


@pytest.mark.parametrize("call", CALLS)
def test_no_message_gives_the_answer_or_the_solution_away(call, capsys):
    call()
    out = capsys.readouterr().out
    assert out.startswith("Exercise 8.") and out.count("\n") == 1, out
    answers = [*RIGHT_JU.tolist(), *RIGHT_VJ.tolist(), *RIGHT_HU.tolist()]
    for number in numbers_in(out):
        assert all(abs(number - answer) > 1e-2 for answer in answers), out
    # the solution's calls: jvp(polar, (q,), (u,)), vjp(polar, q), jvp(grad(rosenbrock), (w,), (u,))
    for code in ("jvp(", "vjp(", "grad(", "(q,)", "(w,)"):
        assert code not in out, out


def test_quiet_prints_nothing(capsys):
    assert grading.check_ex8_1(RIGHT_JU, RIGHT_VJ, quiet=True)
    assert not grading.check_ex8_1(None, None, quiet=True)
    assert not grading.check_ex8_2(GRADIENT, quiet=True)
    assert not grading.check_ex8_2([82.0, 40.0], quiet=True)
    assert capsys.readouterr().out == ""
