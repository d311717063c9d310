"""Learner checks of chapter 5: the cubic's root and the largest stable step near it."""

from __future__ import annotations

import torch

from utils import grading

ROOT = -2.1038034027355366  # real root of x^3 - 3x + 3
LR_BOUND = 1 / (3 * ROOT**2 - 3) ** 2  # 2 / g''(root) with g'' = 2 f'(root)^2


def test_root_accepted_as_float_or_tensor(capsys):
    assert grading.check_ex5_1(ROOT)
    assert grading.check_ex5_1(torch.tensor(ROOT, dtype=torch.float64))
    assert capsys.readouterr().out.count("right.") == 2


def test_false_minimum_and_rounded_root_rejected(capsys):
    assert not grading.check_ex5_1(1.0)
    assert "minimum of f^2" in capsys.readouterr().out
    assert not grading.check_ex5_1(-2.1038)
    assert not grading.check_ex5_1(torch.tensor(ROOT, dtype=torch.float32))  # 1e-7 off
    assert not grading.check_ex5_1([ROOT, ROOT])
    assert "2.1038" not in capsys.readouterr().out


def test_lr_max_near_boundary_right_values_pass():
    assert abs(LR_BOUND - 0.009466) < 1e-6
    assert grading.check_ex5_2(LR_BOUND, quiet=True)
    assert grading.check_ex5_2(0.0094, quiet=True)
    assert grading.check_ex5_2(torch.tensor(LR_BOUND, dtype=torch.float32), quiet=True)


def test_lr_max_rejects_unstable_and_too_small_rates(capsys):
    assert not grading.check_ex5_2(0.0095)  # 0.4% above the bound: does not settle
    assert not grading.check_ex5_2(0.01)
    assert capsys.readouterr().out.count("jumping across the root") == 2
    assert not grading.check_ex5_2(0.005)
    assert "not the largest" in capsys.readouterr().out


def test_placeholder():
    assert not grading.check_ex5_1(None, quiet=True) and not grading.check_ex5_2(..., quiet=True)
