"""Learner checks of chapter 5: the cubic's root and the largest stable step near it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from utils import grading

ROOT = -2.1038034027355366  # real root of x^3 - 3x + 3
LR_BOUND = 1 / (3 * ROOT**2 - 3) ** 2  # 2 / g''(root) with g'' = 2 f'(root)^2, 0.0094664...


def test_root_accepted_in_every_float64_form(capsys):
    assert grading.check_ex5_1(ROOT)
    assert grading.check_ex5_1(torch.tensor(ROOT, dtype=torch.float64))
    assert grading.check_ex5_1(np.float64(ROOT))
    assert grading.check_ex5_1([ROOT])
    assert grading.check_ex5_1(ROOT + 5e-10)  # within the 1e-9 the exercise states
    assert capsys.readouterr().out.count("right.") == 5


def test_false_minimum_and_rounded_root_rejected(capsys):
    assert not grading.check_ex5_1(1.0)
    assert "minimum of f^2" in capsys.readouterr().out
    assert not grading.check_ex5_1(-2.1038)
    assert not grading.check_ex5_1(torch.tensor(ROOT, dtype=torch.float32))  # 1e-7 off
    assert not grading.check_ex5_1([ROOT, ROOT])
    assert not grading.check_ex5_1(1.2222)  # the first iterate, as the solution prints it
    assert not grading.check_ex5_1(13)  # the number of steps, not the end point
    assert not grading.check_ex5_1(-ROOT)  # sign lost
    assert "2.1038" not in capsys.readouterr().out


def test_lr_bound_is_the_one_the_chapter_prints():
    assert f"{LR_BOUND:.7f}" == "0.0094664"  # the solution's printed value, below the bound
    assert 0.0094664 < LR_BOUND < 0.00947


@pytest.mark.parametrize(
    "right",
    [
        LR_BOUND,  # float
        0.0094664,  # the value the solution prints
        0.00946,  # three figures, rounded down as the exercise asks
        0.0094,  # 0.7% below the bound: settles, and within the 2% the exercise allows
        torch.tensor(LR_BOUND, dtype=torch.float32),  # float32 rounding, a hair either side
        torch.tensor(LR_BOUND, dtype=torch.float64),
        np.float64(LR_BOUND),
        np.array([LR_BOUND]),
        [0.00946],
    ],
)
def test_lr_max_right_in_every_form(right):
    assert grading.check_ex5_2(right, quiet=True)


def test_bound_rounded_up_is_past_it(capsys):
    assert not grading.check_ex5_2(0.00947)  # nearest rounding: |1 - lr g''| = 1.0008
    assert "round down" in capsys.readouterr().out
    assert not grading.check_ex5_2(0.0095)  # 0.4% above the bound: does not settle
    assert "round down" in capsys.readouterr().out


def test_lr_max_rejects_unstable_and_too_small_rates(capsys):
    assert not grading.check_ex5_2(0.01)  # the rate of the exercise, which oscillates
    assert not grading.check_ex5_2(2 / (3 * ROOT**2 - 3) ** 2)  # 2 / f'^2: forgot g'' = 2 f'^2
    assert capsys.readouterr().out.count("jumping across the root") == 2
    assert not grading.check_ex5_2(0.005)  # stable, half the largest
    assert not grading.check_ex5_2(0.5 * LR_BOUND)  # 1 / g'': forgot the 2 in 2 / g''
    assert capsys.readouterr().out.count("not the largest") == 2


@pytest.mark.parametrize("rate", [0.0, -LR_BOUND, -0.01, float("nan"), float("inf")])
def test_zero_negative_and_non_finite_rates_are_not_stable(rate, capsys):
    assert not grading.check_ex5_2(rate)
    out = capsys.readouterr().out
    assert "positive" in out and "stable," not in out


def test_hints_never_give_the_bound(capsys):
    for answer in (0.00947, 0.01, 0.005, 0.0, [1, 2]):
        grading.check_ex5_2(answer)
    out = capsys.readouterr().out
    assert "0.0094" not in out and "0.00946" not in out


def test_placeholder():
    assert not grading.check_ex5_1(None, quiet=True) and not grading.check_ex5_2(..., quiet=True)
