"""Learner checks of chapter 4: right answers pass, typical wrong ones are rejected with a hint."""

from __future__ import annotations

import math

import torch

from utils import grading


def exp_series(z, N):
    total = 0.0
    for k in range(N):
        total = total + z**k / math.factorial(k)
    return total


def sin_series(z, N):
    total = 0.0
    for k in range(N):
        total = total + (-1) ** k * z ** (2 * k + 1) / math.factorial(2 * k + 1)
    return total


def exp_series_recursive(z, N):
    term, total = torch.ones_like(z), torch.zeros_like(z)
    for k in range(N):
        total = total + term
        term = term * z / (k + 1)
    return total


def test_placeholder_prompts_and_fails(capsys):
    assert not grading.check_ex4_1(None)
    assert not grading.check_ex4_2(...)
    assert "replace the placeholder" in capsys.readouterr().out


def test_sin_series_accepted_and_wrong_series_rejected(capsys):
    assert grading.check_ex4_1(sin_series)
    assert capsys.readouterr().out.strip() == "Exercise 4.1: right."
    assert not grading.check_ex4_1(lambda z, N: sin_series(z, N + 1))  # one term too many
    assert not grading.check_ex4_1(lambda z, N: torch.sin(z))
    assert not grading.check_ex4_1(lambda z, N: sin_series(z.detach(), N))  # graph cut
    assert "not yet" in capsys.readouterr().out


def test_sin_series_that_raises_gets_its_error_as_hint(capsys):
    def broken(z, N):
        raise ValueError("oops")

    assert not grading.check_ex4_1(broken)
    assert "ValueError: oops" in capsys.readouterr().out


def test_second_derivative_is_s8_not_s9_or_e(capsys):
    s8 = sum(1 / math.factorial(k) for k in range(8))
    assert grading.check_ex4_2(s8)
    assert grading.check_ex4_2(torch.tensor(s8, dtype=torch.float64))
    assert not grading.check_ex4_2(s8 + 1 / math.factorial(8))  # S_9: only one derivative
    assert not grading.check_ex4_2(math.e)
    assert not grading.check_ex4_2(torch.tensor(s8, dtype=torch.float32))  # 1e-8 off: float32 rounding
    assert not grading.check_ex4_2([s8, s8])
    out = capsys.readouterr().out
    assert f"{s8:.6f}"[:6] not in out.replace("4.2", ""), "a check never prints the answer"


def test_recursive_series_accepted_factorial_series_rejected(capsys):
    assert grading.check_ex4_3(exp_series_recursive)
    assert not grading.check_ex4_3(exp_series)  # OverflowError at N = 30
    assert "OverflowError" in capsys.readouterr().out
    assert not grading.check_ex4_3(lambda z, N: exp_series_recursive(z, N + 1))
    assert not grading.check_ex4_3(lambda z, N: torch.exp(z))  # not the N-term series


def test_quiet_prints_nothing(capsys):
    assert grading.check_ex4_3(exp_series_recursive, quiet=True)
    assert not grading.check_ex4_2(1.0, quiet=True)
    assert capsys.readouterr().out == ""
