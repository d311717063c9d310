"""Learner checks of chapter 1: right answers pass in every form, typical slips are rejected with a hint."""

from __future__ import annotations

import torch

from utils import grading


def autograd_h_prime(at: float) -> torch.Tensor:
    x = torch.tensor(at, requires_grad=True)
    (x**3 - 2 * x).backward()
    return x.grad


def test_placeholder_prompts_and_fails(capsys):
    assert not grading.check_ex1_1(None)
    assert not grading.check_ex1_2(...)
    assert capsys.readouterr().out.count("replace the placeholder") == 2


def test_derivative_from_autograd_is_accepted_as_tensor_or_number(capsys):
    assert grading.check_ex1_1(autograd_h_prime(2.0))
    assert grading.check_ex1_1(autograd_h_prime(2.0).item())
    assert grading.check_ex1_1(10)
    assert capsys.readouterr().out.splitlines()[0] == "Exercise 1.1: right."


def test_derivative_slips_are_rejected_with_a_hint_that_hides_the_answer(capsys):
    wrong = [autograd_h_prime(3.0), 12.0, 10.01, 9.99, torch.tensor([10.0, 10.0]), "10", True]
    for answer in wrong:
        assert not grading.check_ex1_1(answer), answer
    out = capsys.readouterr().out
    assert out.count("not yet. Hint:") == len(wrong) and "10" not in out


def test_the_value_instead_of_the_slope_gets_its_own_hint(capsys):
    assert not grading.check_ex1_1(torch.tensor(2.0) ** 3 - 4)  # h(2) = 4
    assert "value of the function" in capsys.readouterr().out


def test_bound_accepts_one_and_a_bound_read_off_a_sweep(capsys):
    for answer in (1, 1.0, 0.999, 1.001, torch.tensor(1.0)):
        assert grading.check_ex1_2(answer), answer
    assert "right." in capsys.readouterr().out


def test_bound_rejects_divergent_rates_and_converging_ones_below_it(capsys):
    for answer in (1.1, 1.01, 0.99, 0.5, 2.0, 0.0, -1.0, "1"):
        assert not grading.check_ex1_2(answer), answer
    out = capsys.readouterr().out
    assert "factor" in out and "1.0" not in out


def test_the_bound_is_where_descent_stops_converging():
    def distance_after(lr, steps=2000):
        x = torch.tensor(1.0, dtype=torch.float64)
        for _ in range(steps):
            x = x - lr * 2 * (x - 3)
        return abs(x.item() - 3)

    assert distance_after(0.998) < 1e-3 and distance_after(1.002) > 2
    assert grading.check_ex1_2(0.998, quiet=True) and not grading.check_ex1_2(1.01, quiet=True)


def test_a_verdict_is_a_bool_that_jupyter_does_not_echo(capsys):
    from utils.grading import Verdict

    unanswered = grading.check_ex1_1(None)
    assert not unanswered and unanswered == False and Verdict(True) == True  # noqa: E712
    assert "replace the placeholder" in capsys.readouterr().out
    # IPython calls _ipython_display_ instead of printing the repr: a cell ending in a check shows only its line.
    assert unanswered._ipython_display_() is None and repr(unanswered) == "Verdict(False)"
