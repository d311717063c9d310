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


def reference_se(x, y, divisor):
    design = np.column_stack([np.ones_like(x), x])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    rss = ((design @ beta - y) ** 2).sum()
    return np.sqrt(rss / divisor * np.diag(np.linalg.inv(design.T @ design)))


def test_lr_max_right_in_every_form(data, capsys):
    x, _ = data
    b = bound(x)
    assert abs(b - 0.45508) < 1e-5 and f"{b:.5f}" == "0.45508"  # what the solution prints
    rights = [
        b,  # float
        0.45508,  # the value the solution prints
        0.455,  # three figures, rounded down as the task asks
        0.447,  # 1.8% below: within the 2% the task allows
        torch.tensor(b, dtype=torch.float32),  # float32 rounding, a hair either side
        np.float64(b),
        [0.455],
    ]
    for right in rights:
        assert grading.check_ex7_1(right, x), right
    assert grading.check_ex7_1(0.455, torch.tensor(x, dtype=torch.float32))  # the lab's float32 x
    assert capsys.readouterr().out.count("right.") == len(rights) + 1


def test_lr_max_rejects_the_bound_rounded_up(data, capsys):
    x, _ = data
    assert not grading.check_ex7_1(0.4551, x)  # nearest rounding of 0.455083: above the bound
    assert "round down" in capsys.readouterr().out


def test_lr_max_rejects_a_divergent_rate_and_one_far_below(data, capsys):
    x, _ = data
    assert not grading.check_ex7_1(0.459, x)  # above the bound: diverges
    assert not grading.check_ex7_1(0.5, x)  # the rate the task starts from
    design = np.column_stack([np.ones_like(x), x])
    eigenvalues = np.linalg.eigvalsh(2.0 / len(x) * design.T @ design)
    assert not grading.check_ex7_1(2 / eigenvalues.min(), x)  # 2 / lambda_min
    assert capsys.readouterr().out.count("diverges") == 3
    assert not grading.check_ex7_1(0.44, x)  # stable, 3% short
    assert not grading.check_ex7_1(1 / eigenvalues.max(), x)  # 1 / lambda_max: the 2 forgotten
    assert capsys.readouterr().out.count("not the largest") == 2
    assert not grading.check_ex7_1([0.455, 0.455], x)
    assert "0.455" not in capsys.readouterr().out


@pytest.mark.parametrize("rate", [0.0, -0.455, float("nan"), float("inf")])
def test_zero_negative_and_non_finite_rates_are_not_stable(data, rate, capsys):
    x, _ = data
    assert not grading.check_ex7_1(rate, x)
    out = capsys.readouterr().out
    assert "positive" in out and "stable" not in out


def test_quadratic_coefficients_right_in_every_form(data):
    x, y = data
    design = np.column_stack([np.ones_like(x), x, x**2])
    reference = np.linalg.lstsq(design, y, rcond=None)[0]
    assert grading.check_ex7_2(reference, x, y, quiet=True)  # numpy
    assert grading.check_ex7_2(reference.tolist(), x, y, quiet=True)  # list
    assert grading.check_ex7_2(torch.tensor(reference + 5e-4, dtype=torch.float32), x, y, quiet=True)
    printed = [float(f"{value:.4f}") for value in reference]  # as the solution prints them
    assert grading.check_ex7_2(printed, x, y, quiet=True)
    assert grading.check_ex7_2(torch.tensor(reference).reshape(3, 1), x, y, quiet=True)  # a column


def test_quadratic_coefficients_wrong_answers(data):
    x, y = data
    design = np.column_stack([np.ones_like(x), x, x**2])
    reference = np.linalg.lstsq(design, y, rcond=None)[0]
    line = np.linalg.lstsq(design[:, :2], y, rcond=None)[0]
    assert not grading.check_ex7_2(reference + 2e-3, x, y, quiet=True)  # not converged
    assert not grading.check_ex7_2(reference[::-1], x, y, quiet=True)  # order (x^2, x, 1)
    assert not grading.check_ex7_2([reference[1], reference[2], reference[0]], x, y, quiet=True)
    assert not grading.check_ex7_2([line[0], line[1], 0.0], x, y, quiet=True)  # the line, beta2 = 0
    assert not grading.check_ex7_2(reference[:2], x, y, quiet=True)


def test_standard_errors_right_in_every_form(data):
    x, y = data
    se = reference_se(x, y, 198)
    assert grading.check_ex7_3(se, x, y, quiet=True)
    assert grading.check_ex7_3(se.tolist(), x, y, quiet=True)
    assert grading.check_ex7_3(torch.tensor(se, dtype=torch.float32), x, y, quiet=True)
    assert grading.check_ex7_3([float(f"{v:.5f}") for v in se], x, y, quiet=True)  # as printed
    assert grading.check_ex7_3([float(f"{v:.3g}") for v in se], x, y, quiet=True)  # 3 figures


def test_standard_errors_need_n_minus_2(data):
    x, y = data
    assert not grading.check_ex7_3(reference_se(x, y, 200), x, y, quiet=True)  # RSS / n
    assert not grading.check_ex7_3(reference_se(x, y, 199), x, y, quiet=True)  # RSS / (n - 1)
    assert not grading.check_ex7_3(reference_se(x, y, 198) ** 2, x, y, quiet=True)  # variances
    assert not grading.check_ex7_3(reference_se(x, y, 198)[::-1], x, y, quiet=True)  # swapped
    # sigma^2 H^-1, forgetting that H = 2 A^T A: a factor 1 / sqrt(2)
    assert not grading.check_ex7_3(reference_se(x, y, 198) / np.sqrt(2), x, y, quiet=True)


def test_placeholders_and_quiet(data, capsys):
    x, y = data
    assert not grading.check_ex7_1(None, x) and not grading.check_ex7_3(..., x, y)
    assert "replace the placeholder" in capsys.readouterr().out
    assert not grading.check_ex7_2([0, 0, 0], x, y, quiet=True)
    assert capsys.readouterr().out == ""
