"""The learner checks of chapter 10 (utils/grading/chapter10.py): right answers pass, each classic slip
fails with its own hint, and no message gives the answer away."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from torch.func import jacrev, vjp

from utils import grading
from utils.grading import chapter10


def numbers_in(text: str) -> list[float]:
    return [float(token) for token in re.findall(r"-?\d+\.\d+(?:e-?\d+)?|\d+e-?\d+", text)]


# Exercise 10.1 -------------------------------------------------------------------------------------


def safe_norm(v):
    squares = (v**2).sum(-1)
    positive = squares > 0
    return torch.where(positive, torch.where(positive, squares, 1.0).sqrt(), 0.0)


def naive_norm(v):
    return (v**2).sum(-1).sqrt()


def single_where_norm(v):
    squares = (v**2).sum(-1)
    return torch.where(squares > 0, squares.sqrt(), 0.0)


def epsilon_norm(v, eps=1e-12):
    return ((v**2).sum(-1) + eps).sqrt()


def test_the_checks_are_reachable_from_utils_grading():
    assert grading.check_ex10_1 is chapter10.check_ex10_1
    assert grading.check_ex10_2 is chapter10.check_ex10_2
    assert grading.check_ex10_3 is chapter10.check_ex10_3
    assert grading.check_ex10_4 is chapter10.check_ex10_4


@pytest.mark.parametrize(
    "check", [grading.check_ex10_1, grading.check_ex10_2, grading.check_ex10_3, grading.check_ex10_4]
)
@pytest.mark.parametrize("placeholder", [None, ...])
def test_a_placeholder_gets_a_prompt(check, placeholder, capsys):
    assert not check(placeholder)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 10.") and "replace the placeholder" in out, out


def test_ex1_accepts_the_double_where(capsys):
    assert grading.check_ex10_1(safe_norm)
    assert capsys.readouterr().out == "Exercise 10.1: right.\n"


def test_ex1_accepts_a_float32_friendly_variant():
    # clamping the input of sqrt instead of a second where is just as good: value 0, gradient 0 at 0
    def clamped(v):
        squares = (v**2).sum(-1)
        return torch.where(squares > 0, squares.clamp(min=1e-300).sqrt(), 0.0)

    assert grading.check_ex10_1(clamped, quiet=True)


@pytest.mark.parametrize(
    "answer, key_words",
    [
        (naive_norm, "not finite"),
        (single_where_norm, "not finite"),
        (epsilon_norm, "exactly 0"),
        (lambda v: epsilon_norm(v, 1e-300), "exactly 0"),
        (lambda v: torch.linalg.vector_norm(v, dim=-1), "sqrt and a sum"),
        (lambda v: torch.cdist(v[:, None], torch.zeros_like(v[:, None]))[:, 0, 0], "sqrt and a sum"),
        (lambda v: safe_norm(v).detach(), "no graph"),
        (lambda v: (v**2).sum(), "one norm per row"),
        (lambda v: (v**2).sum(-1), "not the Euclidean norms"),
        (lambda v: torch.where(v.abs().sum(-1) > 0, safe_norm(v), 0.0) * 2, "not the Euclidean norms"),
        (lambda v: v.abs().sum(-1) * 0 + safe_norm(v.detach()) + 0 * v.sum(-1), "gradient is finite but wrong"),
        (lambda v: undefined_name, "raised NameError"),  # noqa: F821
        ("safe_norm", "is a function"),
    ],
)
def test_ex1_rejects_each_slip_with_its_hint(answer, key_words, capsys):
    assert not grading.check_ex10_1(answer)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 10.1: not yet.") and key_words in out, out


# Exercise 10.2 -------------------------------------------------------------------------------------

EPS32 = float(torch.finfo(torch.float32).eps)
MODEL_STEP = (3 * EPS32 / 1000) ** (1 / 3)  # dE/dh = h/3 |g'''| - eps |g| / h^2 = 0, max|g| = 1, max|g'''| = 1000


def float32_central_error(h: float) -> float:
    """The same error measured independently with NumPy in float32."""
    x64 = np.linspace(0.0, 1.0, 101)
    x = x64.astype(np.float32)
    step = np.float32(h)
    estimate = (np.sin(np.float32(10) * (x + step)) - np.sin(np.float32(10) * (x - step))) / (np.float32(2) * step)
    return float(np.median(np.abs(estimate.astype(np.float64) - 10 * np.cos(10 * x64))))


def test_ex2_error_agrees_with_an_independent_numpy_measurement():
    for h in (1e-5, 5e-4, 1e-2):
        ours, theirs = chapter10.central_difference_error(h), float32_central_error(h)
        assert math.isclose(ours, theirs, rel_tol=0.3), (h, ours, theirs)


def test_ex2_the_model_step_is_near_the_bottom_of_the_measured_v():
    # the exercise's premise: the model's minimiser has a median error close to the best of a fine sweep,
    # and the rule for a function on a scale of 1 is far off
    assert math.isclose(chapter10.model_step(), MODEL_STEP, rel_tol=1e-12)
    best_error, _ = chapter10.best_central_difference_error()
    assert chapter10.central_difference_error(MODEL_STEP) < 2 * best_error
    assert chapter10.central_difference_error(EPS32 ** (1 / 3)) > 10 * best_error


@pytest.mark.parametrize(
    "h",
    [MODEL_STEP, 7.1e-4, 7e-4, 7.10e-4, "7.1e-4", np.float32(7.1e-4), np.float64(MODEL_STEP), torch.tensor(7.1e-4)],
)
def test_ex2_accepts_the_minimiser_in_any_form_including_the_printed_rounding(h):
    assert grading.check_ex10_2(h, quiet=True)


@pytest.mark.parametrize(
    "h, key_words",
    [
        (EPS32**0.5, "forward difference's rule"),  # the forward-difference rule
        ((2 * EPS32 / 100) ** 0.5, "forward difference's rule"),  # the forward rule, scaled by |g''|
        (EPS32 ** (1 / 3) / 10, "constant factor you dropped"),  # cbrt(eps) scaled, the 3 forgotten
        ((EPS32 / 1000) ** (1 / 3), "constant factor you dropped"),
        ((6 * EPS32 / 1000) ** (1 / 3), "set the two terms equal"),
        ((1.5 * EPS32 / 1000) ** (1 / 3), "not half of it"),  # the unit roundoff eps/2
        ((3 * float(torch.finfo(torch.float64).eps) / 1000) ** (1 / 3), "taken in float32"),
        (EPS32 ** (1 / 3), "scale of 1"),
        ((3 * EPS32) ** (1 / 3), "scale of 1"),
        (6.9e-4, "too small"),  # the rounded value past the stated precision
        (7.3e-4, "too large"),
        (1e-6, "too small"),
        (0.1, "too large"),
        (-7.1e-4, "positive"),
        (0.0, "positive"),
        (math.nan, "positive"),
        (math.inf, "positive"),
        ("small", "one number"),
        ([1e-3, 2e-3], "one number"),
    ],
)
def test_ex2_rejects_each_slip_with_its_hint(h, key_words, capsys):
    assert not grading.check_ex10_2(h)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 10.2: not yet.") and key_words in out, out
    assert numbers_in(out.removeprefix("Exercise 10.2:")) == [], out  # never a step to copy


# Exercise 10.3 -------------------------------------------------------------------------------------


def hand_root_and_derivative(a: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The root of chapter 5's system with parameter a, and dx/da, from Jacobians derived by hand."""

    def F(x):
        x1, x2 = x
        s = x1 + x2
        return np.array([math.exp(-math.exp(-s)) - x2 * (a + x1**2), x1 * math.cos(x2) + x2 * math.sin(x1) - 0.5])

    def J(x):
        x1, x2 = x
        inner = math.exp(-math.exp(-(x1 + x2))) * math.exp(-(x1 + x2))
        return np.array(
            [
                [inner - 2 * x1 * x2, inner - (a + x1**2)],
                [math.cos(x2) + x2 * math.cos(x1), -x1 * math.sin(x2) + math.sin(x1)],
            ]
        )

    x = np.zeros(2)
    for _ in range(20):
        x = x - np.linalg.solve(J(x), F(x))
    dF_da = np.array([-x[1], 0.0])
    return x, -np.linalg.solve(J(x), dF_da)


ROOT, RIGHT = hand_root_and_derivative()


def test_hand_values_are_chapter_5s_root_and_a_plausible_derivative():
    assert np.allclose(ROOT, [0.3532466, 0.6060817], atol=1e-7)
    assert RIGHT[0] > 0 > RIGHT[1], RIGHT


@pytest.mark.parametrize(
    "answer",
    [torch.tensor(RIGHT), RIGHT.tolist(), RIGHT, torch.tensor(RIGHT).float(), torch.tensor(RIGHT).requires_grad_() * 1],
)
def test_ex3_accepts_the_right_derivative_in_any_form(answer):
    assert grading.check_ex10_3(answer, quiet=True)


def test_ex3_accepts_a_good_finite_difference():
    h = 1e-6
    finite = (hand_root_and_derivative(1 + h)[0] - hand_root_and_derivative(1 - h)[0]) / (2 * h)
    assert grading.check_ex10_3(finite, quiet=True)


def test_ex3_rejects_a_coarse_finite_difference_and_a_rounded_answer():
    h = 1e-2
    coarse = (hand_root_and_derivative(1 + h)[0] - hand_root_and_derivative(1 - h)[0]) / (2 * h)
    assert not grading.check_ex10_3(coarse, quiet=True)
    assert not grading.check_ex10_3(np.round(RIGHT, 3), quiet=True)


@pytest.mark.parametrize(
    "answer, key_words",
    [
        (-RIGHT, "sign is flipped"),
        (np.array([-ROOT[1], 0.0]), "that is dF/da"),
        (np.array([ROOT[1], 0.0]), "that is dF/da"),
        (RIGHT * 1.01, "one linear solve"),
        ([1.0, 2.0, 3.0], "vector of 2 numbers"),
        ("0.07, -0.72", "vector of 2 numbers"),
    ],
)
def test_ex3_rejects_each_slip_with_its_hint(answer, key_words, capsys):
    assert not grading.check_ex10_3(answer)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 10.3: not yet.") and key_words in out, out
    for number in numbers_in(out):
        assert all(abs(number - value) > 1e-2 for value in RIGHT), out


def test_ex3_rejects_the_transposed_jacobian(capsys):
    _, J, dF_da = chapter10._root_and_jacobians(1.0)
    transposed = -torch.linalg.solve(J.T, dF_da)
    assert not torch.allclose(transposed, torch.tensor(RIGHT), atol=1e-3)
    assert not grading.check_ex10_3(transposed)
    assert "transpose" in capsys.readouterr().out


def test_quiet_prints_nothing(capsys):
    assert not grading.check_ex10_4(None, quiet=True)
    assert grading.check_ex10_1(safe_norm, quiet=True)
    assert not grading.check_ex10_1(naive_norm, quiet=True)
    assert not grading.check_ex10_2(None, quiet=True)
    assert not grading.check_ex10_2(1e-6, quiet=True)
    assert not grading.check_ex10_3(-RIGHT, quiet=True)
    assert capsys.readouterr().out == ""


def test_ex1_an_outer_where_that_puts_back_the_wrong_value_is_told_so(capsys):
    # the inner where is right, the outer one gives 1 instead of 0 at the zero vector
    def wrong_outer(v):
        squares = (v**2).sum(-1)
        positive = squares > 0
        return torch.where(positive, torch.where(positive, squares, 1.0).sqrt(), 1.0)

    assert not grading.check_ex10_1(wrong_outer)
    out = capsys.readouterr().out
    assert "outer torch.where must give 0" in out, out


@pytest.mark.parametrize("answer", [np.round(RIGHT, 3), np.round(RIGHT, 4), RIGHT * 1.003])
def test_ex3_a_near_miss_is_told_it_is_close_without_the_answer(answer, capsys):
    assert not grading.check_ex10_3(answer)
    out = capsys.readouterr().out
    assert "close, but not to 6 significant digits" in out, out
    for number in numbers_in(out):
        assert all(abs(number - value) > 1e-2 for value in RIGHT), out


def test_ex3_a_coarse_finite_difference_is_a_near_miss(capsys):
    h = 1e-2
    coarse = (hand_root_and_derivative(1 + h)[0] - hand_root_and_derivative(1 - h)[0]) / (2 * h)
    assert not grading.check_ex10_3(coarse)
    assert "close, but not to 6 significant digits" in capsys.readouterr().out


# Exercise 10.4 -------------------------------------------------------------------------------------


def newton_root(p, num_steps=8):
    x = torch.zeros(2, dtype=p.dtype)
    for _ in range(num_steps):
        x = x - torch.linalg.solve(jacrev(chapter10.residual_with_p)(x, p), chapter10.residual_with_p(x, p))
    return x


def jacobians_at(x, p):
    J = jacrev(chapter10.residual_with_p, argnums=0)(x, p)
    dF_dp = jacrev(chapter10.residual_with_p, argnums=1)(x, p)
    return J, dF_dp


class RootSolve(torch.autograd.Function):
    @staticmethod
    def forward(ctx, p):
        x = newton_root(p)
        ctx.save_for_backward(x, p)
        return x

    @staticmethod
    def backward(ctx, grad_root):
        x, p = ctx.saved_tensors
        J, dF_dp = jacobians_at(x, p)
        return -dF_dp.T @ torch.linalg.solve(J.T, grad_root)


class RootSolveWithVjp(torch.autograd.Function):
    """The same adjoint with torch.func.vjp for (dF/dp)^T lambda, a tolerance loop, state kept on ctx."""

    @staticmethod
    def forward(ctx, p):
        x = torch.zeros(2, dtype=p.dtype)
        step = torch.ones(2, dtype=p.dtype)
        while step.abs().max() > 1e-15:
            step = torch.linalg.solve(jacrev(chapter10.residual_with_p)(x, p), chapter10.residual_with_p(x, p))
            x = x - step
        ctx.x, ctx.p = x, p
        return x

    @staticmethod
    def backward(ctx, grad_root):
        J = jacrev(chapter10.residual_with_p, argnums=0)(ctx.x, ctx.p)
        lam = torch.linalg.solve(J.T, grad_root)
        _, pull_back = vjp(lambda p: chapter10.residual_with_p(ctx.x, p), ctx.p)
        (grad_p,) = pull_back(-lam)
        return (grad_p,)


def wrong_backward(name):
    """A RootSolve whose backward makes one classic slip."""

    def backward(ctx, grad_root):
        x, p = ctx.saved_tensors
        J, dF_dp = jacobians_at(x, p)
        if name == "sign":
            return dF_dp.T @ torch.linalg.solve(J.T, grad_root)
        if name == "J not transposed":
            return -dF_dp.T @ torch.linalg.solve(J, grad_root)
        if name == "lambda":
            return torch.linalg.solve(J.T, grad_root)
        if name == "forward mode":
            return -torch.linalg.solve(J, dF_dp) @ grad_root
        if name == "grad_root ignored":
            return -dF_dp.T @ torch.linalg.solve(J.T, torch.ones_like(grad_root))
        if name == "at the start":
            J, dF_dp = jacobians_at(torch.zeros_like(x), p)
            return -dF_dp.T @ torch.linalg.solve(J.T, grad_root)
        if name == "None":
            return None
        raise ValueError(name)

    return type(f"RootSolve_{name}", (RootSolve,), {"backward": staticmethod(backward)})


def test_hand_gradient_of_the_adjoint():
    # d(w . x*)/dp = (w . dx/da, w . dx/dtheta): dx/da derived by hand above, dF/dtheta = (0, -1)
    w = np.array([0.3, -1.7])
    J = jacobians_at(torch.tensor(ROOT), torch.tensor([1.0, 0.5], dtype=torch.float64))[0].numpy()
    dx_dtheta = -np.linalg.solve(J, np.array([0.0, -1.0]))
    p = torch.tensor([1.0, 0.5], dtype=torch.float64, requires_grad=True)
    (grad_p,) = torch.autograd.grad(RootSolve.apply(p), p, torch.tensor(w))
    assert np.allclose(grad_p.numpy(), [w @ RIGHT, w @ dx_dtheta], rtol=1e-10)


@pytest.mark.parametrize("answer", [RootSolve, RootSolveWithVjp])
def test_ex4_accepts_the_adjoint_backward(answer, capsys):
    assert grading.check_ex10_4(answer)
    assert capsys.readouterr().out == "Exercise 10.4: right.\n"


@pytest.mark.parametrize(
    "answer, key_words",
    [
        (wrong_backward("sign"), "sign is flipped"),
        (wrong_backward("J not transposed"), "transposed system"),
        (wrong_backward("lambda"), "lambda itself"),
        (wrong_backward("forward mode"), "forward-mode product"),
        (wrong_backward("grad_root ignored"), "use grad_root"),
        (wrong_backward("at the start"), "at the root saved in forward"),
        (wrong_backward("None"), "returns None"),
        (newton_root, "is a class"),  # skips the method: autograd through the unrolled loop
        ("RootSolve", "is a class"),
        (type("Early", (RootSolve,), {"forward": staticmethod(lambda ctx, p: newton_root(p, 2))}), "not return the root"),
        (type("Scalar", (RootSolve,), {"forward": staticmethod(lambda ctx, p: newton_root(p).sum())}), "2 numbers"),
        (type("Broken", (RootSolve,), {"forward": staticmethod(lambda ctx, p: undefined_name)}), "raised NameError"),  # noqa: F821
    ],
)
def test_ex4_rejects_each_slip_with_its_hint(answer, key_words, capsys):
    assert not grading.check_ex10_4(answer)
    out = capsys.readouterr().out
    assert out.startswith("Exercise 10.4: not yet.") and key_words in out, out
    assert numbers_in(out.removeprefix("Exercise 10.4:")) == [], out  # the hint gives no number
