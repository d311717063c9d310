"""The learner checks of chapter 8 (utils/grading/chapter08.py): right answers pass, each classic slip fails
with its own hint, and no message gives the answer away."""

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
RIGHT_JU = J @ U  # (-0.567, 1.982)
RIGHT_VJ = V @ J  # (1.366, 0.732)
# Rosenbrock at (-1, 1): H = [[2 - 400 (w2 - w1^2) + 800 w1^2, -400 w1], [-400 w1, 200]] = [[802, 400], [400, 200]].
RIGHT_HU = torch.tensor([802.0 * 1 + 400.0 * 2, 400.0 * 1 + 200.0 * 2])
GRADIENT = torch.tensor([-4.0, 0.0])


def numbers_in(text: str) -> list[float]:
    return [float(token) for token in re.findall(r"-?\d+\.\d+", text)]


def test_the_checks_are_reachable_from_utils_grading():
    assert grading.check_ex8_1 is chapter08.check_ex8_1
    assert grading.check_ex8_2 is chapter08.check_ex8_2


def test_hand_values_are_the_ones_in_the_exercises():
    assert torch.allclose(RIGHT_JU, torch.tensor([-0.5670, 1.9821], dtype=torch.float64), atol=1e-4)
    assert torch.allclose(RIGHT_HU, torch.tensor([1602.0, 800.0]))


@pytest.mark.parametrize(
    "check, args",
    [(grading.check_ex8_1, (None, None)), (grading.check_ex8_1, (RIGHT_JU, ...)), (grading.check_ex8_2, (None,))],
)
def test_placeholder_prompts_and_fails(check, args, capsys):
    assert not check(*args)
    assert "replace the placeholder" in capsys.readouterr().out


def test_ex8_1_accepts_float32_tensors_lists_and_arrays(capsys):
    assert grading.check_ex8_1(RIGHT_JU.float(), RIGHT_VJ.float())
    assert grading.check_ex8_1(RIGHT_JU.tolist(), np.asarray(RIGHT_VJ))
    out = capsys.readouterr().out
    assert out.count("right.") == 2


def test_ex8_1_hints_say_which_slip(capsys):
    cases = {
        "J^T u": (J.T @ U, RIGHT_VJ),
        "a JVP": (RIGHT_JU, J @ V),
        "(value, tangent)": (torch.tensor([2 * C, 2 * S]), RIGHT_VJ),  # the primal output p(q)
        "shape (2,)": (J @ U, J),  # the whole Jacobian instead of v^T J
        "radians": (torch.zeros(2), RIGHT_VJ),
        "vjp(p, q)": (RIGHT_JU, torch.zeros(2)),
    }
    for words, answer in cases.items():
        assert not grading.check_ex8_1(*answer)
        assert words in capsys.readouterr().out, words


def test_ex8_1_rejects_near_misses_and_degrees():
    rounded = torch.round(RIGHT_JU * 100) / 100  # two decimals: off by up to 5e-3
    assert not grading.check_ex8_1(rounded, RIGHT_VJ, quiet=True)
    assert not grading.check_ex8_1(RIGHT_JU, torch.round(RIGHT_VJ * 100) / 100, quiet=True)
    # theta = 30 read as degrees instead of pi/6
    r, theta = 2.0, 30.0
    J_deg = torch.tensor([[math.cos(theta), -r * math.sin(theta)], [math.sin(theta), r * math.cos(theta)]])
    assert not grading.check_ex8_1(J_deg @ U.float(), V.float() @ J_deg, quiet=True)
    assert grading.check_ex8_1(RIGHT_JU * (1 + 1e-6), RIGHT_VJ * (1 - 1e-6), quiet=True)


def test_ex8_1_bad_types_get_a_hint_not_a_crash(capsys):
    assert not grading.check_ex8_1("a string", RIGHT_VJ)
    assert not grading.check_ex8_1(RIGHT_JU, [1.0, 2.0, 3.0])
    out = capsys.readouterr().out
    assert out.count("shape (2,)") == 2


def test_ex8_2_accepts_the_right_product(capsys):
    assert grading.check_ex8_2(RIGHT_HU)
    assert grading.check_ex8_2(RIGHT_HU.tolist())
    assert capsys.readouterr().out.count("right.") == 2


def test_ex8_2_rejects_the_gradient_the_jvp_tuple_the_matrix_and_near_misses(capsys):
    assert not grading.check_ex8_2(GRADIENT)
    assert "that is the gradient" in capsys.readouterr().out
    assert not grading.check_ex8_2((GRADIENT, RIGHT_HU))
    assert "both outputs of jvp" in capsys.readouterr().out
    hessian = torch.tensor([[802.0, 400.0], [400.0, 200.0]])
    assert not grading.check_ex8_2(hessian)
    assert "not the 2 x 2 Hessian" in capsys.readouterr().out
    assert not grading.check_ex8_2(hessian.T @ torch.tensor([2.0, 1.0]))  # u taken the wrong way round
    assert not grading.check_ex8_2(RIGHT_HU + torch.tensor([1.0, 0.0]))  # off by one in 1602
    assert not grading.check_ex8_2(RIGHT_HU / 2)  # a missing factor 2


@pytest.mark.parametrize(
    "call",
    [
        lambda: grading.check_ex8_1(J.T @ U, RIGHT_VJ),
        lambda: grading.check_ex8_1(RIGHT_JU, J @ V),
        lambda: grading.check_ex8_1(RIGHT_JU, torch.zeros(2)),
        lambda: grading.check_ex8_1(torch.zeros(2), RIGHT_VJ),
        lambda: grading.check_ex8_2(GRADIENT),
        lambda: grading.check_ex8_2(torch.zeros(2)),
    ],
)
def test_no_message_gives_the_answer_away(call, capsys):
    call()
    out = capsys.readouterr().out
    assert out.startswith("Exercise 8.") and out.count("\n") == 1, out
    answers = [*RIGHT_JU.tolist(), *RIGHT_VJ.tolist(), *RIGHT_HU.tolist()]
    for number in numbers_in(out):
        assert all(abs(number - answer) > 1e-2 for answer in answers), out
    for answer in ("1602", "800", "0.567", "1.98", "1.366", "0.732"):
        assert answer not in out, out


def test_quiet_prints_nothing(capsys):
    assert grading.check_ex8_1(RIGHT_JU, RIGHT_VJ, quiet=True)
    assert not grading.check_ex8_1(None, None, quiet=True)
    assert not grading.check_ex8_2(GRADIENT, quiet=True)
    assert capsys.readouterr().out == ""


def test_an_answer_that_requires_grad_is_accepted():
    answer = RIGHT_JU.float().requires_grad_()
    assert grading.check_ex8_1(answer * 1, RIGHT_VJ, quiet=True)
