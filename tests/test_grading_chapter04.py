"""Learner checks of chapter 4: right answers pass, typical wrong ones are rejected with a hint."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from utils import grading
from utils.plotting import autograd_graph


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
    assert not grading.check_ex4_3(None, 28)
    assert not grading.check_ex4_3(exp_series_recursive, None)  # the count still to give
    assert capsys.readouterr().out.count("replace the placeholder") == 4


def test_sin_series_accepted_in_every_form(capsys):
    def sin_series_with_sum(z, N):  # a generator expression instead of the loop
        return sum((-1) ** k * z ** (2 * k + 1) / math.factorial(2 * k + 1) for k in range(N))

    def sin_series_recursive(z, N):  # each term from the one before
        term, total = z, torch.zeros_like(z)
        for k in range(N):
            total = total + term
            term = -term * z**2 / ((2 * k + 2) * (2 * k + 3))
        return total

    for answer in (sin_series, sin_series_with_sum, sin_series_recursive):
        assert grading.check_ex4_1(answer), answer.__name__
    assert capsys.readouterr().out.splitlines() == ["Exercise 4.1: right."] * 3


@pytest.mark.parametrize(
    "answer",
    [
        lambda z, N: sin_series(z, N + 1),  # one term too many
        lambda z, N: sin_series(z, N - 1),  # one term short (k from 1)
        lambda z, N: sum(z ** (2 * k + 1) / math.factorial(2 * k + 1) for k in range(N)),  # no (-1)^k: sinh
        lambda z, N: sum((-1) ** k * z ** (2 * k) / math.factorial(2 * k) for k in range(N)),  # the cosine
        lambda z, N: torch.sin(z),  # no series at all
        lambda z, N: sin_series(z.detach(), N),  # graph cut: autograd cannot follow it
    ],
)
def test_wrong_sin_series_rejected(answer, capsys):
    assert not grading.check_ex4_1(answer)
    assert "not yet. Hint:" in capsys.readouterr().out


def test_sin_series_that_raises_gets_its_error_as_hint(capsys):
    def broken(z, N):
        raise ValueError("oops")

    assert not grading.check_ex4_1(broken)
    assert "ValueError: oops" in capsys.readouterr().out


S8 = sum(1 / math.factorial(k) for k in range(8))


def second_derivative(dtype):
    z = torch.tensor(1.0, dtype=dtype, requires_grad=True)
    (first,) = torch.autograd.grad(exp_series(z, 10), z, create_graph=True)
    (second,) = torch.autograd.grad(first, z)
    return second


def test_second_derivative_accepted_in_every_form(capsys):
    right = [
        second_derivative(torch.float64),  # the tensor
        second_derivative(torch.float64).item(),
        S8,
        float(f"{S8:.10f}"),  # as the solution prints it, to 10 decimals: 4.6e-11 off
        np.float64(S8),
        torch.tensor([S8], dtype=torch.float64),
    ]
    for answer in right:
        assert grading.check_ex4_2(answer), answer
    assert capsys.readouterr().out.splitlines() == ["Exercise 4.2: right."] * len(right)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (S8 + 1 / math.factorial(8), "differentiate twice"),  # S_9(1): the first derivative
        (S8 - 1 / math.factorial(7), "differentiate twice"),  # S_7(1): one term too few
        (S8 + 1 / math.factorial(8) + 1 / math.factorial(9), "differentiate twice"),  # S_10(1): the value
        (math.e, "e itself"),
        (second_derivative(torch.float32), "10 decimals"),  # float32: 1.2e-7 off
        (float(f"{S8:.6f}"), "10 decimals"),  # 6 decimals: 3.2e-8 off
        (float(f"{S8:.9f}") + 1e-9, "10 decimals"),  # 9 decimals, rounded the wrong way
        ([S8, S8], "one number"),
    ],
)
def test_second_derivative_slips_rejected_without_the_answer(answer, hint, capsys):
    assert not grading.check_ex4_2(answer)
    out = capsys.readouterr().out
    assert hint in out and f"{S8:.6f}"[:6] not in out.replace("4.2", ""), "a check never prints the answer"


def exp_series_recursive_float_start(z, N):  # Python floats until z comes in: the same graph
    term, total = 1.0, 0.0
    for k in range(N):
        total = total + term
        term = term * z / (k + 1)
    return total


def node_count(function, N=10):
    z = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    nodes, _ = autograd_graph(function(z, N))
    return len(nodes)


def test_recursive_series_and_its_node_count_accepted_in_every_form(capsys):
    count = node_count(exp_series_recursive)
    assert count == 28  # 3N - 2 for N = 10, as the chapter's solution prints
    right = [
        (exp_series_recursive, count),
        (exp_series_recursive, 28.0),
        (exp_series_recursive, torch.tensor(28)),
        (exp_series_recursive, np.int64(28)),
        (exp_series_recursive_float_start, node_count(exp_series_recursive_float_start)),
    ]
    for function, answer in right:
        assert grading.check_ex4_3(function, answer), (function.__name__, answer)
    assert capsys.readouterr().out.splitlines() == ["Exercise 4.3: right."] * len(right)


@pytest.mark.parametrize(
    "function, hint",
    [
        (exp_series, "OverflowError"),  # the factorial version, at N = 30
        (lambda z, N: exp_series_recursive(z, N + 1), "three terms"),  # one term too many
        (lambda z, N: exp_series_recursive(z, N - 1), "three terms"),  # one term short
        (lambda z, N: torch.exp(z), "three terms"),  # not the N-term series
        (lambda z, N: exp_series_recursive(z.detach(), N), "autograd cannot follow"),
    ],
)
def test_wrong_recursive_series_rejected(function, hint, capsys):
    assert not grading.check_ex4_3(function, 28)
    assert hint in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, hint",
    [
        (31, "exp_series"),  # 3N + 1, the count of the chapter's factorial version
        (27, "leaf"),  # the leaf z left out
        (88, "N = 30"),  # the graph of the N = 30 run
        (30, "count the nodes"),  # 3N
        (28.5, "whole number"),
        ("28", "whole number"),
    ],
)
def test_wrong_node_counts_rejected_with_their_hint(answer, hint, capsys):
    assert not grading.check_ex4_3(exp_series_recursive, answer)
    out = capsys.readouterr().out
    assert hint in out and "28" not in out


def test_quiet_prints_nothing(capsys):
    assert grading.check_ex4_3(exp_series_recursive, 28, quiet=True)
    assert not grading.check_ex4_2(1.0, quiet=True)
    assert capsys.readouterr().out == ""
