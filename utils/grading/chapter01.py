"""Checks for the exercises of chapter 1 (autograd basics)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch

from utils.grading import Verdict, answered, real_number, verdict


def check_ex1_1(h_prime, *, quiet: bool = False) -> Verdict:
    """Exercise 1.1: h'(2) for h(x) = x^3 - 2x, computed with autograd (to 4 decimals)."""
    if not answered("1.1", h_prime, quiet=quiet):
        return Verdict(False)
    value = real_number(h_prime)
    if value is None:
        return verdict("1.1", False, "give one number: x.grad after h.backward(), or x.grad.item()", quiet=quiet)
    # h'(x) = 3x^2 - 2 is a small integer at x = 2, exact in float32: the exercise asks for 4 decimals.
    ok = abs(value - (3 * 2.0**2 - 2)) < 5e-5
    if abs(value - (2.0**3 - 2 * 2.0)) < 1e-4:
        hint = "that is h(2), the value of the function; after h.backward() the derivative is in x.grad"
    else:
        hint = "make x a tensor with requires_grad=True, build h from it, call h.backward() and read x.grad"
    return verdict("1.1", ok, hint, quiet=quiet)


# Exercise 1.2: each step multiplies x - 3 by 1 - 2 lr, so descent converges exactly for 0 < lr < 1.
# The exercise asks for the bound to three decimals: 0.999 (the largest converging rate on a grid of
# 0.001) and 1.000 are right. Nothing above 1 is accepted, however close: such a step diverges (slowly:
# at 1.002 the distance to 3 grows by 0.4% a step), and no zero or negative rate is a bound.
_BOUND = 1.0
_BOUND_PRECISION = 0.0015


def check_ex1_2(lr_max, *, quiet: bool = False) -> Verdict:
    """Exercise 1.2: the bound on lr below which descent on (x - 3)^2 converges (to 3 decimals)."""
    if not answered("1.2", lr_max, quiet=quiet):
        return Verdict(False)
    value = real_number(lr_max)
    if value is None:
        return verdict("1.2", False, "give one number, the largest learning rate", quiet=quiet)
    ok = _BOUND - _BOUND_PRECISION <= value <= _BOUND
    if value <= 0:
        hint = "a learning rate of zero or less does not descend at all: the bound is a positive rate"
    elif value > _BOUND:
        hint = (
            "at that rate the loop diverges, if slowly: run more steps and watch |x - 3| grow; the bound lies "
            "below it"
        )
    elif value < _BOUND - _BOUND_PRECISION:
        hint = "that rate converges, but larger ones do too: the bound is the largest, to three decimals"
    else:
        hint = ""
    hint += (
        "; write x - 3 after one step as a factor times x - 3 before it: the loop converges while that "
        "factor lies strictly between -1 and 1"
    )
    return verdict("1.2", ok, hint.removeprefix("; "), quiet=quiet)


_START = 1.0
_CASES = ((0.1, 3), (0.01, 40))  # (lr, num_steps) the check runs the learner's function with


def _descent(lr: float, num_steps: int, zero: bool = True) -> float:
    """x after num_steps steps on (x - 3)^2 from x = 1, in float64; zero=False lets gradients add up."""
    x, gradient = _START, 0.0
    for _ in range(num_steps):
        gradient = 2 * (x - 3) + (0.0 if zero else gradient)
        x -= lr * gradient
    return x


def _close(value: float, target: float) -> bool:
    return abs(value - target) <= 1e-5 * max(1.0, abs(target))


def check_ex1_3(descend: Callable | None, *, quiet: bool = False) -> Verdict:
    """Exercise 1.3: `descend(lr, num_steps)`, the descent loop with its three bugs fixed; it returns the leaf x."""
    if not answered("1.3", descend, quiet=quiet):
        return Verdict(False)
    if not callable(descend):
        return verdict("1.3", False, "give the function itself (descend, without calling it)", quiet=quiet)
    for lr, num_steps in _CASES:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                x = descend(lr, num_steps)
                error = None
            except Exception as raised:  # the learner's code: any failure becomes a hint
                x, error = None, raised
        not_a_leaf = any("not a leaf" in str(warning.message) for warning in caught)
        message = str(error)
        if not_a_leaf or (isinstance(error, TypeError) and "NoneType" in message):
            hint = (
                "x.grad stays None because x is not a leaf: a conversion after torch.tensor(...) is itself a "
                "recorded operation; give dtype and requires_grad to the constructor"
            )
        elif isinstance(error, RuntimeError) and "leaf Variable" in message:
            hint = "the update of x is being recorded, which a leaf does not allow: make it under torch.no_grad()"
        elif isinstance(error, RuntimeError) and "does not require grad" in message:
            hint = (
                "after the first update x no longer requires grad: update the leaf in place (x -= ...) under "
                "torch.no_grad() instead of making a new tensor"
            )
        elif isinstance(error, RuntimeError) and "second time" in message:
            hint = "each step needs a fresh forward pass: compute the loss inside the loop"
        elif error is not None:
            hint = f"descend({lr}, {num_steps}) raised {type(error).__name__}: {message}"
        elif not isinstance(x, torch.Tensor) or x.numel() != 1:
            hint = "return x itself, the one-element tensor (not x.item()): the check also looks at whether it is a leaf"
        elif not (x.is_leaf and x.requires_grad):
            hint = "the x you return should still be a leaf that requires grad, as the x you created"
        else:
            value = float(x.detach().cpu().item())
            if _close(value, _descent(lr, num_steps)):
                continue
            if num_steps > 1 and _close(value, _descent(lr, num_steps, zero=False)):
                hint = "the loop runs but x is wrong: each backward() adds to the gradient left by the steps before"
            elif _close(value, _descent(lr, num_steps - 1)) or _close(value, _descent(lr, num_steps + 1)):
                hint = "count the steps: descend(lr, num_steps) should take exactly num_steps updates"
            else:
                hint = "each step should be x <- x - lr * dg/dx with g(x) = (x - 3)^2, starting from x = 1"
        return verdict("1.3", False, hint, quiet=quiet)
    return verdict("1.3", True, "", quiet=quiet)
