"""utils.grading.chapter09: each exercise check prompts for a stub, accepts a right backward, rejects wrong ones."""

from __future__ import annotations

import pytest
import torch
from test_grading_backward import affine  # the Function X @ W + b that exercise 9.2 asks for

from utils import grading


def softplus(backward):
    class Softplus(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.log1p(torch.exp(x))

    Softplus.backward = staticmethod(backward)
    return Softplus


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


def affine_with_bias_grad(bias_grad):
    """The right gradients for X and W, and `bias_grad(grad_output)` for b."""
    return affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, bias_grad(g)))


def sine_loss_scaled(scale_w, scale_t):
    """The right gradients, times the given factors."""
    return sine_loss(lambda ctx, g: (scale_w * sine_loss_right(ctx, g)[0], scale_t * sine_loss_right(ctx, g)[1], None, None))


def sine_loss_zeros_for_data(ctx, grad_output):
    x = ctx.saved_tensors[0]
    return (*sine_loss_right(ctx, grad_output)[:2], torch.zeros_like(x), torch.zeros_like(x))


def sine_loss_plus_residual(ctx, grad_output):
    # The sign of d/du (y - sin u)^2 / 2 lost: + r cos u instead of - r cos u.
    gw, gt, _, _ = sine_loss_right(ctx, grad_output)
    return -gw, -gt, None, None


def sine_loss_no_cos(ctx, grad_output):
    # The chain rule stopped at the residual: sin's derivative cos(u) left out.
    x, u, residual = ctx.saved_tensors
    bar_u = -residual / x.numel()
    return grad_output * (bar_u * x).sum(), grad_output * bar_u.sum(), None, None


def sine_loss_t_times_x(ctx, grad_output):
    # t's gradient given w's factor x too (a neighbouring formula).
    gw, _, _, _ = sine_loss_right(ctx, grad_output)
    return gw, gw, None, None


WRONG = [
    # (check, wrong Function, words the hint must contain)
    (grading.check_ex9_1, softplus(lambda ctx, g: torch.sigmoid(ctx.saved_tensors[0])), "not multiplied by grad_output"),
    (grading.check_ex9_1, softplus(lambda ctx, g: g * torch.exp(ctx.saved_tensors[0])), "differs from the numerical"),
    (grading.check_ex9_1, softplus(lambda ctx, g: -g * torch.sigmoid(ctx.saved_tensors[0])), "wrong sign"),
    # sigma(-x) = 1 - sigma(x): the sigmoid of the wrong sign of x
    (grading.check_ex9_1, softplus(lambda ctx, g: g * torch.sigmoid(-ctx.saved_tensors[0])), "input 0 ('x')"),
    # sigma'(x) = sigma (1 - sigma): the derivative of the derivative
    (grading.check_ex9_1, softplus(lambda ctx, g: g * torch.sigmoid(ctx.saved_tensors[0]) * torch.sigmoid(-ctx.saved_tensors[0])), "input 0 ('x')"),
    # 1 / (1 + e^x): the chain rule's factor alone
    (grading.check_ex9_1, softplus(lambda ctx, g: g / (1 + torch.exp(ctx.saved_tensors[0]))), "input 0 ('x')"),
    # softplus itself: "the function is its own derivative"
    (grading.check_ex9_1, softplus(lambda ctx, g: g * torch.log1p(torch.exp(ctx.saved_tensors[0]))), "input 0 ('x')"),
    (grading.check_ex9_1, softplus(lambda ctx, g: g), "grad_output unchanged"),
    (grading.check_ex9_2, affine_with_bias_grad(lambda g: g), "broadcast dimensions not summed"),
    (grading.check_ex9_2, affine_with_bias_grad(lambda g: g.sum(0, keepdim=True)), "keepdim=True"),
    (grading.check_ex9_2, affine_with_bias_grad(lambda g: g.sum(1)), "summed over the wrong dimension"),
    (grading.check_ex9_2, affine_with_bias_grad(lambda g: g.mean(0)), "wrong factor"),
    (grading.check_ex9_2, affine_with_bias_grad(lambda g: g.sum()), "shape ()"),
    (grading.check_ex9_2, affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, g.T @ ctx.saved_tensors[0], g.sum(0))), "transpose"),
    (grading.check_ex9_2, affine(lambda ctx, g: (g @ ctx.saved_tensors[1], ctx.saved_tensors[0].T @ g, g.sum(0))), "transpose"),
    (grading.check_ex9_2, affine(lambda ctx, g: (ctx.saved_tensors[0].T @ g, g @ ctx.saved_tensors[1].T, g.sum(0))), "order of forward's arguments"),
    (grading.check_ex9_2, affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g)), "number of gradients"),
    (grading.check_ex9_2, affine(lambda ctx, g: (torch.ones_like(g) @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.sum(0))), "not multiplied by grad_output"),
    (grading.check_ex9_2, affine(lambda ctx, g: [g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.sum(0)]), "return a tuple"),
    (grading.check_ex9_3, sine_loss(lambda ctx, g: sine_loss_right(ctx, g)[:2]), "number of gradients"),
    (grading.check_ex9_3, sine_loss(lambda ctx, g: sine_loss_right(ctx, torch.ones_like(g))), "not multiplied by grad_output"),
    (grading.check_ex9_3, sine_loss_scaled(2, 2), "wrong factor"),  # the 1/2 forgotten
    (grading.check_ex9_3, sine_loss_scaled(20, 20), "wrong factor"),  # sum where the mean belongs (n = 20)
    (grading.check_ex9_3, sine_loss(sine_loss_plus_residual), "wrong sign"),
    (grading.check_ex9_3, sine_loss(sine_loss_no_cos), "input 0 ('w')"),
    (grading.check_ex9_3, sine_loss(sine_loss_t_times_x), "input 1 ('t')"),
    (grading.check_ex9_3, sine_loss(sine_loss_zeros_for_data), "does not require grad"),
]


def sine_loss_all_gradients(ctx, grad_output):
    # Right for w and t, and right for the data x and y too (unneeded, not wrong).
    x, u, residual = ctx.saved_tensors
    n = x.numel()
    bar_u = -residual * torch.cos(u) / n
    w = (u[1] - u[0]) / (x[1] - x[0])  # u = w x + t
    return grad_output * (bar_u * x).sum(), grad_output * bar_u.sum(), grad_output * bar_u * w, grad_output * residual / n


def sine_loss_needs_input_grad(ctx, grad_output):
    x, u, residual = ctx.saved_tensors
    bar_u = -grad_output * residual * torch.cos(u) / len(x)
    grad_w = (bar_u * x).sum() if ctx.needs_input_grad[0] else None
    grad_t = bar_u.sum() if ctx.needs_input_grad[1] else None
    return grad_w, grad_t, None, None


# Right answers in the forms a learner may write them.
RIGHT_FORMS = [
    (grading.check_ex9_1, softplus(lambda ctx, g: torch.sigmoid(ctx.saved_tensors[0]) * g)),
    (grading.check_ex9_1, softplus(lambda ctx, g: g / (1 + torch.exp(-ctx.saved_tensors[0])))),
    (grading.check_ex9_1, softplus(lambda ctx, g: g * torch.exp(ctx.saved_tensors[0]) / (1 + torch.exp(ctx.saved_tensors[0])))),
    (grading.check_ex9_1, softplus(lambda ctx, g: g * (1 - torch.sigmoid(-ctx.saved_tensors[0])))),
    (grading.check_ex9_1, softplus(lambda ctx, g: (g * torch.sigmoid(ctx.saved_tensors[0])).float())),  # float32
    (grading.check_ex9_1, softplus(lambda ctx, g: (g * torch.sigmoid(ctx.saved_tensors[0]),))),  # a 1-tuple
    (grading.check_ex9_2, affine(lambda ctx, g: (g @ ctx.saved_tensors[1].t(), ctx.saved_tensors[0].t() @ g, g.sum(dim=0)))),
    (grading.check_ex9_2, affine(lambda ctx, g: (torch.matmul(g, ctx.saved_tensors[1].T), torch.mm(ctx.saved_tensors[0].T, g), torch.sum(g, 0)))),
    (grading.check_ex9_2, affine(lambda ctx, g: (torch.einsum("ij,kj->ik", g, ctx.saved_tensors[1]), torch.einsum("ik,ij->kj", ctx.saved_tensors[0], g), torch.einsum("ij->j", g)))),
    (grading.check_ex9_2, affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.sum(0, keepdim=True).squeeze(0)))),
    (grading.check_ex9_3, sine_loss(sine_loss_needs_input_grad)),
    (grading.check_ex9_3, sine_loss(sine_loss_all_gradients)),
    (grading.check_ex9_3, sine_loss(lambda ctx, g: (*sine_loss_right(ctx, g)[:2].__iter__(),) + (None, None))),
]


@pytest.mark.parametrize("check", RIGHT, ids=lambda c: c.__name__)
def test_right_backward_is_accepted(check, capsys):
    assert check(RIGHT[check])
    assert capsys.readouterr().out.strip().endswith("right.")


@pytest.mark.parametrize("check, fn", RIGHT_FORMS, ids=[f"{c.__name__}-{k}" for k, (c, _) in enumerate(RIGHT_FORMS)])
def test_right_backward_in_other_forms_is_accepted(check, fn, capsys):
    assert check(fn)
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


@pytest.mark.parametrize("check, wrong, words", WRONG, ids=[f"{c.__name__}-{k}-{w}" for k, (c, _, w) in enumerate(WRONG)])
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
