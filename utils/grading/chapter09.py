"""Checks for the exercises of chapter 9: a learner's backward for three autograd Functions."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from utils.grading import Verdict, answered, verdict
from utils.grading.backward import check_backward


def _softplus_inputs() -> tuple[torch.Tensor, ...]:
    x = torch.linspace(-4.0, 4.0, 9, dtype=torch.float64) + 0.1
    return (x.requires_grad_(),)


def _affine_inputs() -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(9)
    shapes = [(5, 3), (3, 2), (2,)]  # not square: a missing transpose cannot hide
    return tuple(torch.randn(s, generator=generator, dtype=torch.float64, requires_grad=True) for s in shapes)


def _sine_loss_inputs() -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(3)
    x = torch.linspace(0.0, 2 * math.pi, 20, dtype=torch.float64)
    y = torch.sin(2.5 * x + 1.0) + 0.1 * torch.randn(20, generator=generator, dtype=torch.float64)
    w = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    return w, t, x, y


def _sine_loss(w, t, x, y):
    return 0.5 * ((y - torch.sin(w * x + t)) ** 2).mean()


def _check_function(
    exercise: str, fn, make_inputs: Callable[[], tuple], reference: Callable, quiet: bool
) -> Verdict:
    """Shared by the three checks: placeholder, forward unchanged, then check_backward."""
    if not answered(exercise, fn, quiet=quiet):
        return Verdict(False)
    if not (isinstance(fn, type) and issubclass(fn, torch.autograd.Function)):
        return verdict(exercise, False, "pass your class itself, a subclass of torch.autograd.Function.", quiet=quiet)
    inputs = make_inputs()
    try:
        output = fn.apply(*inputs)
    except Exception as error:
        return verdict(exercise, False, f"forward raised {type(error).__name__}: {error}", quiet=quiet)
    with torch.no_grad():
        wanted = reference(*inputs)
    if not (isinstance(output, torch.Tensor) and output.shape == wanted.shape and torch.allclose(output, wanted)):
        return verdict(exercise, False, "forward no longer computes the function of the exercise; keep the given forward.", quiet=quiet)
    try:
        grads = output.grad_fn.apply(torch.ones_like(output))
    except NotImplementedError:
        grads = None
    except Exception:  # a wrong backward: check_backward below says what is wrong
        grads = ()
    if grads is None or (isinstance(grads, tuple) and len(grads) > 0 and all(g is None for g in grads)):
        if not quiet:  # still the stub, or a `return` forgotten: a prompt, not a verdict
            print(
                f"Exercise {exercise}: backward returns None: replace the placeholder None with your "
                f"gradients (or add the missing `return`), then run this cell again."
            )
        return Verdict(False)
    try:
        check_backward(fn, *inputs)
    except AssertionError as error:
        return verdict(exercise, False, str(error), quiet=quiet)
    return verdict(exercise, True, "", quiet=quiet)


def check_ex9_1(fn, *, quiet: bool = False) -> Verdict:
    """Exercise 9.1: the backward of softplus, log(1 + exp(x)), elementwise."""
    return _check_function("9.1", fn, _softplus_inputs, F.softplus, quiet)


def check_ex9_2(fn, *, quiet: bool = False) -> Verdict:
    """Exercise 9.2: the backward of X @ W + b, with b broadcast over the rows of X @ W."""
    return _check_function("9.2", fn, _affine_inputs, lambda X, W, b: X @ W + b, quiet)


def check_ex9_3(fn, *, quiet: bool = False) -> Verdict:
    """Exercise 9.3: the backward of chapter 3's loss 0.5 * mean((y - sin(w x + t))^2) in w and t."""
    return _check_function("9.3", fn, _sine_loss_inputs, _sine_loss, quiet)
