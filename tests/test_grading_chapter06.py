"""Learner checks of chapter 6: the stable step at the start of the b = 100 valley, and an update
with which the never-zeroed loop equals SGD with momentum 1 bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from utils import grading

BOUND = 2 / 1001.6006392325123  # 2 / largest eigenvalue of the Hessian at (-1, 1), b = 100


def test_bound_is_the_one_the_chapter_prints():
    assert f"{BOUND:.7f}" == "0.0019968" and 0.0019968 < BOUND < 0.001997


@pytest.mark.parametrize(
    "right",
    [
        BOUND,  # float
        0.0019968,  # the value the solution prints
        0.00199,  # three figures, rounded down as the exercise asks
        0.00196,  # 1.8% below: within the 2% the exercise allows
        torch.tensor(BOUND, dtype=torch.float32),  # float32 rounding, a hair either side
        torch.tensor(BOUND, dtype=torch.float64),
        np.float64(BOUND),
        np.array(BOUND),
        [0.00199],
    ],
)
def test_lr_max_right_in_every_form(right):
    assert grading.check_ex6_1(right, quiet=True)


def test_diagonal_only_bound_rejected_with_its_own_hint(capsys):
    assert not grading.check_ex6_1(2 / 802)  # 0.0025: from d2f/dx1^2 alone
    assert "largest eigenvalue" in capsys.readouterr().out


@pytest.mark.parametrize("rounded_up", [0.002, 0.001997, 0.0020])
def test_bound_rounded_up_is_past_it(rounded_up, capsys):
    assert not grading.check_ex6_1(rounded_up)  # the solution once printed "approx 0.0020"
    assert "round down" in capsys.readouterr().out


def test_rates_above_or_well_below_the_bound_rejected(capsys):
    assert not grading.check_ex6_1(0.01)  # the exercise's rate, which overflows
    assert not grading.check_ex6_1(2 / 0.3994)  # 2 / smallest eigenvalue
    assert not grading.check_ex6_1(4 / 1001.6)  # 4 / lambda_max: a wrong factor
    assert capsys.readouterr().out.count("above the bound") == 3
    assert not grading.check_ex6_1(0.0019)  # stable, 5% short
    assert not grading.check_ex6_1(1 / 1001.6)  # 1 / lambda_max: the 2 forgotten
    assert capsys.readouterr().out.count("not the largest") == 2
    assert not grading.check_ex6_1([BOUND, BOUND])
    assert "0.00199" not in capsys.readouterr().out


@pytest.mark.parametrize("rate", [0.0, -BOUND, -0.01, float("nan"), float("inf")])
def test_zero_negative_and_non_finite_rates_are_not_stable(rate, capsys):
    assert not grading.check_ex6_1(rate)
    out = capsys.readouterr().out
    assert "positive" in out and "stable," not in out


def add_with_alpha(x, lr):
    x.add_(x.grad, alpha=-lr)


def subtract_product(x, lr):
    x -= lr * x.grad


def sub_with_alpha(x, lr):
    x.sub_(x.grad, alpha=lr)


def add_into_x(x, lr):
    torch.add(x, x.grad, alpha=-lr, out=x)


def test_update_like_sgd_is_exact_in_every_form():
    assert grading.check_ex6_2(add_with_alpha, quiet=True)
    assert grading.check_ex6_2(sub_with_alpha, quiet=True)  # the same kernel, alpha negated
    assert grading.check_ex6_2(add_into_x, quiet=True)


def test_updates_that_round_the_product_first_part_from_sgd():
    def add_product(x, lr):
        x.add_(-lr * x.grad)

    def sub_product(x, lr):
        x.sub_(lr * x.grad)

    assert not grading.check_ex6_2(add_product, quiet=True)
    assert not grading.check_ex6_2(sub_product, quiet=True)


def test_two_step_update_parts_from_sgd(capsys):
    assert not grading.check_ex6_2(subtract_product)
    assert "part at iteration" in capsys.readouterr().out


def test_copy_and_broken_updates_rejected(capsys):
    assert not grading.check_ex6_2(lambda x, lr: x - lr * x.grad)  # returns a copy
    assert "in place" in capsys.readouterr().out

    def broken(x, lr):
        raise KeyError("velocity")

    assert not grading.check_ex6_2(broken)
    assert "KeyError" in capsys.readouterr().out
    assert not grading.check_ex6_2(None, quiet=True)
