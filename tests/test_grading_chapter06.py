"""Learner checks of chapter 6: the stable step at the start of the b = 100 valley, and an update
with which the never-zeroed loop equals SGD with momentum 1 bit for bit."""

from __future__ import annotations

import torch

from utils import grading

BOUND = 2 / 1001.6006392325123  # 2 / largest eigenvalue of the Hessian at (-1, 1), b = 100


def test_bound_and_near_boundary_value_accepted(capsys):
    assert grading.check_ex6_1(BOUND)
    assert grading.check_ex6_1(0.00199)
    assert grading.check_ex6_1(torch.tensor(BOUND, dtype=torch.float32))
    assert capsys.readouterr().out.count("right.") == 3


def test_diagonal_only_bound_rejected_with_its_own_hint(capsys):
    assert not grading.check_ex6_1(2 / 802)  # 0.0025: from d2f/dx1^2 alone
    assert "largest eigenvalue" in capsys.readouterr().out


def test_rates_above_or_well_below_the_bound_rejected(capsys):
    assert not grading.check_ex6_1(0.002)  # 0.16% above the bound
    assert "above the bound" in capsys.readouterr().out
    assert not grading.check_ex6_1(0.0019)
    assert not grading.check_ex6_1(0.01)
    assert not grading.check_ex6_1([BOUND, BOUND])
    assert "0.001997" not in capsys.readouterr().out


def add_with_alpha(x, lr):
    x.add_(x.grad, alpha=-lr)


def subtract_product(x, lr):
    x -= lr * x.grad


def test_update_like_sgd_is_exact():
    assert grading.check_ex6_2(add_with_alpha, quiet=True)


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
