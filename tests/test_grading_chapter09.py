"""utils.grading.chapter09: each exercise check prompts for a stub, accepts a right backward, rejects wrong ones."""

from __future__ import annotations

import pytest
import torch

from utils import grading


def softplus(backward):
    class Softplus(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.log1p(torch.exp(x))

    Softplus.backward = staticmethod(backward)
    return Softplus


def affine(backward):
    class Affine(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, W, b):
            ctx.save_for_backward(X, W)
            return X @ W + b

    Affine.backward = staticmethod(backward)
    return Affine


def sine_loss(backward):
    class SineLoss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, w, t, x, y):
            u = w * x + t
            residual = y - torch.sin(u)
            ctx.save_for_backward(x, u, residual)
            return 0.5 * (residual**2).mean()

    SineLoss.backward = staticmethod(backward)
    return SineLoss


def sine_loss_right(ctx, grad_output):
    x, u, residual = ctx.saved_tensors
    bar_u = -residual * torch.cos(u) / x.numel()
    return grad_output * (bar_u * x).sum(), grad_output * bar_u.sum(), None, None


RIGHT = {
    grading.check_ex9_1: softplus(lambda ctx, g: g * torch.sigmoid(ctx.saved_tensors[0])),
    grading.check_ex9_2: affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.sum(0))),
    grading.check_ex9_3: sine_loss(sine_loss_right),
}
STUBS = {
    grading.check_ex9_1: softplus(lambda ctx, g: None),
    grading.check_ex9_2: affine(lambda ctx, g: (None, None, None)),
    grading.check_ex9_3: sine_loss(lambda ctx, g: (None, None, None, None)),
}


def not_implemented(ctx, grad_output):
    raise NotImplementedError


WRONG = [
    # (check, wrong Function, words the hint must contain)
    (grading.check_ex9_1, softplus(lambda ctx, g: torch.sigmoid(ctx.saved_tensors[0])), "not multiplied by grad_output"),
    (grading.check_ex9_1, softplus(lambda ctx, g: g * torch.exp(ctx.saved_tensors[0])), "differs from the numerical"),
    (grading.check_ex9_1, softplus(lambda ctx, g: -g * torch.sigmoid(ctx.saved_tensors[0])), "wrong sign"),
    (grading.check_ex9_2, affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g)), "broadcast"),
    (grading.check_ex9_2, affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, g.T @ ctx.saved_tensors[0], g.sum(0))), "transpose"),
    (grading.check_ex9_2, affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g)), "number of gradients"),
    (grading.check_ex9_3, sine_loss(lambda ctx, g: sine_loss_right(ctx, g)[:2]), "number of gradients"),
    (grading.check_ex9_3, sine_loss(lambda ctx, g: sine_loss_right(ctx, torch.ones_like(g))), "not multiplied by grad_output"),
    (grading.check_ex9_3, sine_loss(lambda ctx, g: tuple(None if r is None else 2 * r for r in sine_loss_right(ctx, g))), "wrong factor"),
]


@pytest.mark.parametrize("check", RIGHT, ids=lambda c: c.__name__)
def test_right_backward_is_accepted(check, capsys):
    assert check(RIGHT[check])
    assert capsys.readouterr().out.strip().endswith("right.")


@pytest.mark.parametrize("check", RIGHT, ids=lambda c: c.__name__)
def test_placeholder_and_stub_prompt_without_a_verdict(check, capsys):
    assert not check(None)
    assert not check(STUBS[check])
    out = capsys.readouterr().out
    assert "replace the placeholder" in out and "not yet" not in out and "right." not in out


def test_stub_raising_not_implemented_prompts(capsys):
    assert not grading.check_ex9_1(softplus(not_implemented))
    assert "replace the placeholder" in capsys.readouterr().out


@pytest.mark.parametrize("check, wrong, words", WRONG, ids=[f"{c.__name__}-{w}" for c, _, w in WRONG])
def test_wrong_backward_is_rejected_with_its_bug(check, wrong, words, capsys):
    assert not check(wrong)
    out = capsys.readouterr().out
    assert "not yet" in out and words in out and len(out.strip().splitlines()) == 1


def test_changed_forward_is_rejected(capsys):
    class Doubled(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * torch.log1p(torch.exp(x))

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    assert not grading.check_ex9_1(Doubled)
    assert "keep the given forward" in capsys.readouterr().out


def test_not_a_function_class_is_rejected(capsys):
    assert not grading.check_ex9_2(lambda X, W, b: X @ W + b)
    assert "subclass of torch.autograd.Function" in capsys.readouterr().out


def test_quiet_prints_nothing(capsys):
    for check, fn in RIGHT.items():
        assert check(fn, quiet=True)
        assert not check(STUBS[check], quiet=True)
    for check, wrong, _ in WRONG:
        assert not check(wrong, quiet=True)
    assert capsys.readouterr().out == ""


def test_a_forgotten_return_gets_the_prompt_that_names_it(capsys):
    def no_return(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad_output * torch.sigmoid(x)  # computed, never returned

    assert not grading.check_ex9_1(softplus(no_return))
    out = capsys.readouterr().out
    assert "missing `return`" in out and "not yet" not in out and "right." not in out
