"""Learner checks of chapter 7 (the regression lab): right answers pass, typical wrong ones fail."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from utils import grading


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(seed=7)
    x = rng.uniform(0.0, 2.0, size=200)
    y = 1.0 + x + rng.normal(0.0, 0.25, size=200)
    return x, y


def bound(x):
    design = np.column_stack([np.ones_like(x), x])
    return 2.0 / np.linalg.eigvalsh(2.0 / len(x) * design.T @ design).max()


def test_lr_max_accepts_the_bound_and_a_value_just_below(data, capsys):
    x, _ = data
    assert abs(bound(x) - 0.4551) < 1e-4
    assert grading.check_ex7_1(bound(x), x)
    assert grading.check_ex7_1(0.455, x)
    assert grading.check_ex7_1(torch.tensor(bound(x), dtype=torch.float32), torch.tensor(x))
    assert capsys.readouterr().out.count("right.") == 3


def test_lr_max_rejects_a_divergent_rate_and_one_far_below(data, capsys):
    x, _ = data
    assert not grading.check_ex7_1(0.459, x)  # above the bound: diverges
    assert "diverges" in capsys.readouterr().out
    assert not grading.check_ex7_1(0.44, x)
    assert not grading.check_ex7_1(0.5, x)
    assert "0.455" not in capsys.readouterr().out


def test_quadratic_coefficients(data):
    x, y = data
    design = np.column_stack([np.ones_like(x), x, x**2])
    reference = np.linalg.lstsq(design, y, rcond=None)[0]
    assert grading.check_ex7_2(reference, x, y)
    assert grading.check_ex7_2(torch.tensor(reference + 5e-4, dtype=torch.float32), x, y)
    assert not grading.check_ex7_2(reference + 2e-3, x, y)
    assert not grading.check_ex7_2(reference[::-1], x, y)
    assert not grading.check_ex7_2(reference[:2], x, y)


def test_standard_errors_need_n_minus_2(data):
    x, y = data
    design = np.column_stack([np.ones_like(x), x])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    rss = ((design @ beta - y) ** 2).sum()
    diagonal = np.diag(np.linalg.inv(design.T @ design))
    assert grading.check_ex7_3(np.sqrt(rss / 198 * diagonal), x, y)
    assert not grading.check_ex7_3(np.sqrt(rss / 200 * diagonal), x, y)  # divided by n
    assert not grading.check_ex7_3(rss / 198 * diagonal, x, y)  # variances
    assert not grading.check_ex7_3(np.sqrt(rss / 198 * diagonal)[::-1], x, y)


def test_placeholders_and_quiet(data, capsys):
    x, y = data
    assert not grading.check_ex7_1(None, x) and not grading.check_ex7_3(..., x, y)
    assert "replace the placeholder" in capsys.readouterr().out
    assert not grading.check_ex7_2([0, 0, 0], x, y, quiet=True)
    assert capsys.readouterr().out == ""
