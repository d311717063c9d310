"""Learner checks of chapter 1: right answers pass in every form, typical slips are rejected with a hint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from utils import grading


def autograd_h_prime(at: float) -> torch.Tensor:
    x = torch.tensor(at, requires_grad=True)
    (x**3 - 2 * x).backward()
    return x.grad


def test_placeholder_prompts_and_fails(capsys):
    assert not grading.check_ex1_1(None)
    assert not grading.check_ex1_2(...)
    assert not grading.check_ex1_3(None)
    assert capsys.readouterr().out.count("replace the placeholder") == 3


def test_derivative_from_autograd_is_accepted_in_every_form(capsys):
    right = [
        autograd_h_prime(2.0),  # x.grad itself
        autograd_h_prime(2.0).item(),
        10,
        10.0,
        float("10.0000"),  # the value the solution prints, to 4 decimals
        np.float32(10.0),
        np.array(10.0),
        torch.tensor([10.0]),  # a one-element tensor
        torch.tensor(10.0, dtype=torch.float64),
    ]
    for answer in right:
        assert grading.check_ex1_1(answer), answer
    assert capsys.readouterr().out.splitlines() == ["Exercise 1.1: right."] * len(right)


def test_derivative_slips_are_rejected_with_a_hint_that_hides_the_answer(capsys):
    wrong = [
        autograd_h_prime(3.0),  # h'(3) = 25: the wrong point
        12.0,  # 3 x^2 without the -2
        8.0,  # 3 x^2 - 2x: the -2x not differentiated
        4.0,  # h(2), the value (own hint below)
        10.01,  # past the 4 decimals asked for
        9.999,
        torch.tensor([10.0, 10.0]),
        "10",
        True,
    ]
    for answer in wrong:
        assert not grading.check_ex1_1(answer), answer
    out = capsys.readouterr().out
    assert out.count("not yet. Hint:") == len(wrong) and "10" not in out


def test_the_value_instead_of_the_slope_gets_its_own_hint(capsys):
    assert not grading.check_ex1_1(torch.tensor(2.0) ** 3 - 4)  # h(2) = 4
    assert "value of the function" in capsys.readouterr().out


def test_bound_is_accepted_to_three_decimals_in_every_form(capsys):
    right = (1, 1.0, 0.999, 0.9995, float("1.000"), torch.tensor(1.0), torch.tensor(0.999), np.float64(1.0))
    for answer in right:
        assert grading.check_ex1_2(answer), answer
    assert "not yet" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, why",
    [
        (1.1, "the rate of the exercise, which diverges"),
        (1.01, "past the bound"),
        (1.002, "past the bound: diverges slowly (the distance to 3 grows 0.4% a step)"),
        (1.001, "past the bound, rounded up to three decimals"),
        (2.0, "the factor 2 of g'(x) forgotten"),
        (0.5, "the best step (one jump to 3), not the bound"),
        (0.99, "a rate that converges, read off a coarse sweep"),
        (0.998, "a rate that converges, not the bound to three decimals"),
        (0.0, "no descent at all"),
        (-1.0, "a negative rate climbs"),
        ("1", "a string"),
    ],
)
def test_bound_rejects_rates_past_it_below_it_and_non_positive(answer, why, capsys):
    assert not grading.check_ex1_2(answer), why
    out = capsys.readouterr().out
    assert "not yet. Hint:" in out and "1.0" not in out and "0.999" not in out


def test_the_hints_say_which_side_of_the_bound(capsys):
    grading.check_ex1_2(1.002)
    assert "diverges" in capsys.readouterr().out
    grading.check_ex1_2(0.99)
    assert "larger ones do too" in capsys.readouterr().out
    grading.check_ex1_2(0.0)
    assert "does not descend" in capsys.readouterr().out


def test_the_bound_is_where_descent_stops_converging():
    def distance_after(lr, steps):
        x = torch.tensor(1.0, dtype=torch.float64)
        for _ in range(steps):
            x = x - lr * 2 * (x - 3)
        return abs(x.item() - 3)

    # 0.999 converges (the distance shrinks by 0.998 a step), 1.001 and 1.002 diverge, slowly
    assert distance_after(0.999, 10_000) < 1e-6 and distance_after(1.0, 10_000) == 2.0
    assert distance_after(1.001, 10_000) > 1e6 and distance_after(1.002, 2000) > 100
    assert grading.check_ex1_2(0.999, quiet=True) and grading.check_ex1_2(1.0, quiet=True)
    assert not grading.check_ex1_2(1.001, quiet=True) and not grading.check_ex1_2(1.002, quiet=True)


# Exercise 1.3: the descent loop with three bugs, one per pitfall of the chapter.
def descend_with_bugs(lr, num_steps):
    x = torch.tensor(1.0, requires_grad=True).to(torch.float64)
    for step in range(num_steps):
        loss = (x - 3) ** 2
        loss.backward()
        x -= lr * x.grad
    return x


def descend(lr, num_steps):
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    for step in range(num_steps):
        loss = (x - 3) ** 2
        loss.backward()
        with torch.no_grad():
            x -= lr * x.grad
        x.grad.zero_()
    return x


def descend_float32(lr, num_steps):  # the .to(...) dropped: float32 is as good
    x = torch.tensor(1.0, requires_grad=True)
    for step in range(num_steps):
        ((x - 3) ** 2).backward()
        with torch.no_grad():
            x -= lr * x.grad
        x.grad = None
    return x


def descend_sgd(lr, num_steps):
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=lr)
    for step in range(num_steps):
        optimizer.zero_grad()
        ((x - 3) ** 2).backward()
        optimizer.step()
    return x


def descend_rebuilt(lr, num_steps):  # a new leaf each step: clumsy, but right
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    for step in range(num_steps):
        ((x - 3) ** 2).backward()
        x = (x - lr * x.grad).detach().requires_grad_(True)
    return x


def test_fixed_descent_is_accepted_in_every_form(capsys):
    for answer in (descend, descend_float32, descend_sgd, descend_rebuilt):
        assert grading.check_ex1_3(answer), answer.__name__
    assert capsys.readouterr().out.splitlines() == ["Exercise 1.3: right."] * 4


def only_leaf_fixed(lr, num_steps):
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    for step in range(num_steps):
        ((x - 3) ** 2).backward()
        x -= lr * x.grad
    return x


def not_zeroed(lr, num_steps):
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    for step in range(num_steps):
        ((x - 3) ** 2).backward()
        with torch.no_grad():
            x -= lr * x.grad
    return x


def new_tensor_under_no_grad(lr, num_steps):
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    for step in range(num_steps):
        ((x - 3) ** 2).backward()
        with torch.no_grad():
            x = x - lr * x.grad
    return x


def returns_a_float(lr, num_steps):
    return descend(lr, num_steps).item()


def one_step_short(lr, num_steps):
    return descend(lr, num_steps - 1)


def loss_outside_the_loop(lr, num_steps):
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    loss = (x - 3) ** 2
    for step in range(num_steps):
        loss.backward()
        with torch.no_grad():
            x -= lr * x.grad
        x.grad.zero_()
    return x


@pytest.mark.parametrize(
    "answer, hint",
    [
        (descend_with_bugs, "not a leaf"),  # as given: x.grad is None (and PyTorch warns)
        (only_leaf_fixed, "torch.no_grad()"),  # the in-place update of a leaf is refused
        (not_zeroed, "adds to the gradient"),  # runs, silently wrong
        (new_tensor_under_no_grad, "no longer requires grad"),
        (returns_a_float, "not x.item()"),
        (one_step_short, "count the steps"),
        (loss_outside_the_loop, "fresh forward pass"),
        (descend(0.1, 3), "the function itself"),  # called instead of passed
    ],
)
def test_each_pitfall_is_rejected_with_its_own_hint(answer, hint, capsys, recwarn):
    assert not grading.check_ex1_3(answer)
    out = capsys.readouterr().out
    assert "not yet. Hint:" in out and hint in out, out
    assert len(recwarn) == 0, "the check keeps the learner's warnings off stderr"


def test_a_verdict_is_a_bool_that_jupyter_does_not_echo(capsys):
    from utils.grading import Verdict

    unanswered = grading.check_ex1_1(None)
    assert not unanswered and unanswered == False and Verdict(True) == True  # noqa: E712
    assert "replace the placeholder" in capsys.readouterr().out
    # IPython calls _ipython_display_ instead of printing the repr: a cell ending in a check shows only its line.
    assert unanswered._ipython_display_() is None and repr(unanswered) == "Verdict(False)"
