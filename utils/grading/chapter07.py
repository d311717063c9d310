"""Checks for the tasks of chapter 7 (the regression lab). Each takes the learner's answer and the lab's data."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from utils.grading import Verdict, answered, as_number, rate_verdict, verdict


def _numbers(values: Any) -> np.ndarray:
    """A flat float64 array from a number, a list, a NumPy array or a tensor (any device)."""
    if torch.is_tensor(values):
        values = values.detach().cpu().double().numpy()
    return np.asarray(values, dtype=float).ravel()


def _design(x: Any, *powers: int) -> np.ndarray:
    """The design matrix [1, x, x^2, ...] with the given powers of x as its columns."""
    x = _numbers(x)
    return np.column_stack([x**power for power in powers])


def check_ex7_1(lr_max: float | None, x: Any, *, quiet: bool = False) -> Verdict:
    """Task 7.1: the largest learning rate for which gradient descent on the mean squared error converges.

    The bound is 2 / lambda_max, judged as `rate_verdict` says (to 2% below it, rounded down): 0.4551,
    the bound 0.45508 rounded to nearest, is above it, and on a quadratic loss any rate above the bound
    diverges.
    """
    if not answered("7.1", lr_max, quiet=quiet):
        return Verdict(False)
    value = as_number("7.1", lr_max, quiet=quiet)
    if value is None:
        return Verdict(False)
    design = _design(x, 0, 1)
    bound = 2.0 / np.linalg.eigvalsh(2.0 / len(design) * design.T @ design).max()
    return rate_verdict(
        "7.1",
        value,
        bound,
        just_past="where descent slowly diverges",
        far_past="descent diverges at that rate: the answer is 2 / (largest eigenvalue of H)",
        too_small="that rate is stable but not the largest: use the largest eigenvalue of H",
        quiet=quiet,
    )


def check_ex7_2(beta_quad: Any, x: Any, y: Any, *, quiet: bool = False) -> Verdict:
    """Task 7.2: (beta0, beta1, beta2) of the least-squares fit y ~ beta0 + beta1 x + beta2 x^2, to 1e-3."""
    if not answered("7.2", beta_quad, quiet=quiet):
        return Verdict(False)
    answer = _numbers(beta_quad)
    if answer.shape != (3,):
        return verdict("7.2", False, "give three numbers: intercept, coefficient of x, coefficient of x^2", quiet=quiet)
    design = _design(x, 0, 1, 2)
    reference = np.linalg.lstsq(design, _numbers(y), rcond=None)[0]
    ok = np.abs(answer - reference).max() < 1e-3
    hint = "run the optimizer until the loss stops falling, and keep the order (intercept, x, x^2)"
    return verdict("7.2", ok, hint, quiet=quiet)


def check_ex7_3(se: Any, x: Any, y: Any, *, quiet: bool = False) -> Verdict:
    """Task 7.3: standard errors (se0, se1) of the straight-line fit, to a relative 2e-3."""
    if not answered("7.3", se, quiet=quiet):
        return Verdict(False)
    answer = _numbers(se)
    if answer.shape != (2,):
        return verdict("7.3", False, "give two numbers: the standard errors of beta0 and of beta1", quiet=quiet)
    design, targets = _design(x, 0, 1), _numbers(y)
    beta = np.linalg.lstsq(design, targets, rcond=None)[0]
    sigma2 = ((design @ beta - targets) ** 2).sum() / (len(design) - 2)
    reference = np.sqrt(sigma2 * np.diag(np.linalg.inv(design.T @ design)))
    # 2e-3 admits any rounding to three significant figures and rejects RSS / n or RSS / (n - 1)
    ok = bool(np.allclose(answer, reference, rtol=2e-3, atol=0))
    hint = "estimate the noise variance as RSS / (n - 2) and take the diagonal of 2 sigma^2 H^-1"
    return verdict("7.3", ok, hint, quiet=quiet)
