"""utils.grading.check_backward: a right backward passes quietly; each classic bug is rejected by name."""

from __future__ import annotations

import warnings

import pytest
import torch

from utils.grading import check_backward


def affine(backward):
    """A Function computing X @ W + b (b broadcast over the rows) with the given backward."""

    class Affine(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, W, b):
            ctx.save_for_backward(X, W)
            return X @ W + b

    Affine.backward = staticmethod(backward)
    return Affine


def affine_right(ctx, grad_output):
    X, W = ctx.saved_tensors
    return grad_output @ W.T, X.T @ grad_output, grad_output.sum(0)


def exp_function(backward):
    """A Function computing exp(x) elementwise with the given backward."""

    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = torch.exp(x)
            ctx.save_for_backward(result)
            return result

    Exp.backward = staticmethod(backward)
    return Exp


class SquaredError(torch.autograd.Function):
    """A scalar loss with data: 0.5 * mean((y - w * x)^2), gradients for w only."""

    @staticmethod
    def forward(ctx, w, x, y):
        residual = y - w * x
        ctx.save_for_backward(residual, x)
        return 0.5 * (residual**2).mean()

    @staticmethod
    def backward(ctx, grad_output):
        residual, x = ctx.saved_tensors
        return grad_output * -(residual * x).mean(), None, None


class SquaredErrorNoGradOutput(SquaredError):
    @staticmethod
    def backward(ctx, grad_output):
        residual, x = ctx.saved_tensors
        return -(residual * x).mean(), None, None


def make_inputs(*shapes, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=generator, dtype=torch.float64, requires_grad=True) for shape in shapes]


def message_of(fn, *inputs) -> str:
    with pytest.raises(AssertionError) as caught:
        check_backward(fn, *inputs)
    return str(caught.value)


# Right backwards pass, returning None.


def test_right_affine_passes():
    assert check_backward(affine(affine_right), *make_inputs((4, 3), (3, 2), (2,))) is None


def test_right_exp_passes_in_float32_too():
    Exp = exp_function(lambda ctx, g: g * ctx.saved_tensors[0])
    x = torch.linspace(-2, 2, 7, requires_grad=True)  # converted to float64 inside
    assert check_backward(Exp, x) is None


def test_right_loss_with_data_inputs_passes():
    (w,) = make_inputs(())
    x, y = torch.randn(10, dtype=torch.float64), torch.randn(10, dtype=torch.float64)
    assert check_backward(SquaredError, w, x, y) is None


def test_an_input_that_does_not_require_grad_may_get_none():
    # As in gradcheck, W is not differentiated when it does not require grad; None is its gradient.
    X, W, b = make_inputs((4, 3), (3, 2), (2,))
    NoneForW = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, None, g.sum(0)))
    assert check_backward(NoneForW, X, W.detach(), b) is None
    assert "input 1 ('W')" in message_of(NoneForW, X, W, b)


def test_zeros_for_an_input_that_does_not_require_grad_are_rejected():
    # PyTorch drops them, but zeros claim the output does not depend on W: a wrong gradient.
    X, W, b = make_inputs((4, 3), (3, 2), (2,))
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, 0 * ctx.saved_tensors[1], g.sum(0)))
    message = message_of(Wrong, X, W.detach(), b)
    assert "input 1 ('W')" in message and "does not require grad" in message and "zeros" in message
    assert "Return None" in message
    assert "input 1 ('W')" in message_of(Wrong, X, W, b)


# Each named bug: rejected, with the input and the diagnosis in the message.


def test_zero_gradients_for_data_inputs_of_a_loss_are_rejected():
    class ZerosForData(SquaredError):
        @staticmethod
        def backward(ctx, grad_output):
            residual, x = ctx.saved_tensors
            zeros = torch.zeros_like(x)
            return grad_output * -(residual * x).mean(), zeros, zeros

    (w,) = make_inputs(())
    x, y = torch.randn(10, dtype=torch.float64), torch.randn(10, dtype=torch.float64)
    message = message_of(ZerosForData, w, x, y)
    assert message.startswith("input 1 ('x'): this input does not require grad"), message
    assert "zeros" in message and "Return None" in message


class SquaredErrorAllGradients(torch.autograd.Function):
    """0.5 * mean((y - w * x)^2) with the gradients of the data x and y too (right, if unneeded)."""

    @staticmethod
    def forward(ctx, w, x, y):
        residual = y - w * x
        ctx.save_for_backward(w, x, residual)
        return 0.5 * (residual**2).mean()

    @staticmethod
    def backward(ctx, grad_output):
        w, x, residual = ctx.saved_tensors
        n = x.numel()
        return grad_output * -(residual * x).mean(), grad_output * -residual * w / n, grad_output * residual / n


def test_right_gradients_for_data_inputs_pass_and_wrong_ones_do_not():
    class WrongDataGradient(SquaredErrorAllGradients):
        @staticmethod
        def backward(ctx, grad_output):
            gw, gx, gy = SquaredErrorAllGradients.backward(ctx, grad_output)
            return gw, gx, -gy

    (w,) = make_inputs(())
    x, y = torch.randn(10, dtype=torch.float64), torch.randn(10, dtype=torch.float64)
    assert check_backward(SquaredErrorAllGradients, w, x, y) is None
    message = message_of(WrongDataGradient, w, x, y)
    assert message.startswith("input 2 ('y'): this input does not require grad"), message
    assert "not its gradient" in message


def test_a_zero_gradient_is_called_zero_not_unmultiplied():
    # Zeros are the same whatever grad_output is; the diagnosis must still say zero.
    Wrong = affine(lambda ctx, g: (0 * g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.sum(0)))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))
    assert "input 0 ('X')" in message and "zero everywhere" in message
    assert "grad_output" not in message


def test_not_multiplied_by_grad_output_elementwise():
    Exp = exp_function(lambda ctx, g: ctx.saved_tensors[0])
    message = message_of(Exp, *make_inputs((5,)))
    assert "input 0 ('x')" in message and "not multiplied by grad_output" in message


def test_not_multiplied_by_grad_output_scalar_loss():
    # With a scalar output and grad_output = 1 this bug is invisible; the check uses a random grad_output.
    (w,) = make_inputs(())
    x, y = torch.randn(10, dtype=torch.float64), torch.randn(10, dtype=torch.float64)
    message = message_of(SquaredErrorNoGradOutput, w, x, y)
    assert "input 0 ('w')" in message and "not multiplied by grad_output" in message


def test_missing_transpose_by_shape():
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, g.T @ ctx.saved_tensors[0], g.sum(0)))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))
    assert "input 1 ('W')" in message and "missing transpose" in message


def test_missing_transpose_of_a_square_matrix():
    # Shapes agree when W is square: only the values can tell.
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1], ctx.saved_tensors[0].T @ g, g.sum(0)))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 3), (3,)))
    assert "input 0 ('X')" in message and "missing transpose" in message and "('W') transposed" in message


def test_missing_transpose_that_breaks_the_product():
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1], ctx.saved_tensors[0].T @ g, g.sum(0)))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))
    assert "backward raised RuntimeError" in message and "missing transpose" in message


def test_broadcast_dimensions_not_summed():
    # PyTorch's engine would sum this gradient itself; the check asks for the input's shape.
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))
    assert "input 2 ('b')" in message and "broadcast dimensions not summed" in message


def test_broadcast_dimensions_not_summed_keepdim_bias():
    # A bias of shape (1, 2) given the whole (4, 2) gradient: not summed at all.
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (1, 2)))
    assert "input 2 ('b')" in message and "broadcast dimensions not summed" in message


def test_a_bias_summed_with_keepdim_is_told_its_extra_dimension():
    # Summed, but to (1, 2) for a bias of shape (2,): not a broadcast left unsummed.
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.sum(0, keepdim=True)))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))
    assert message.startswith("input 2 ('b'): an extra dimension of size 1"), message
    assert "(1, 2)" in message and "keepdim=True" in message and "not summed" not in message


def test_a_keepdim_bias_summed_without_keepdim_is_told_the_missing_dimension():
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.sum(0)))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (1, 2)))
    assert message.startswith("input 2 ('b'): a dimension of size 1 missing"), message
    assert "keepdim=True" in message


def test_a_sum_over_the_wrong_dimension_of_the_right_shape_is_named():
    # With 2 rows and 2 outputs, g.sum(1) has b's shape (2,): only the values tell.
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.sum(1)))
    message = message_of(Wrong, *make_inputs((2, 3), (3, 2), (2,)))
    assert message.startswith("input 2 ('b'): summed over the wrong dimension"), message
    assert "summed over dim 1" in message and "sum over dim 0" in message


def test_a_sum_over_the_wrong_dimension_of_another_shape_is_named():
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.sum(1)))
    message = message_of(Wrong, *make_inputs((5, 3), (3, 2), (2,)))
    assert message.startswith("input 2 ('b'): summed over the wrong dimension"), message
    assert "shape (5,)" in message and "sum over dim 0" in message


class Scale(torch.autograd.Function):
    """x * s: column j of x (3, 3) times s[j]; s is broadcast over the rows."""

    @staticmethod
    def forward(ctx, x, s):
        ctx.save_for_backward(x, s)
        return x * s


def scale(s_grad):
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * s, s_grad(g, x)

    return type("Scale", (Scale,), {"backward": staticmethod(backward)})


def test_an_unsummed_gradient_of_another_input_s_shape_is_called_unsummed_not_misordered():
    # (3, 3) is x's shape too, but x's own gradient has x's shape: no swap, a broadcast not summed.
    message = message_of(scale(lambda g, x: g * x), *make_inputs((3, 3), (3,)))
    assert message.startswith("input 1 ('s'): broadcast dimensions not summed"), message


def test_gradcheck_misses_what_check_backward_names_for_a_broadcast_input():
    x, s = make_inputs((3, 3), (3,))
    assert check_backward(scale(lambda g, x: (g * x).sum(0)), x, s) is None
    for s_grad, words in [
        (lambda g, x: g * x, "broadcast dimensions not summed"),
        (lambda g, x: (g * x).sum(0, keepdim=True), "an extra dimension of size 1"),
    ]:
        assert torch.autograd.gradcheck(scale(s_grad).apply, (x, s)) is True
        assert message_of(scale(s_grad), x, s).startswith(f"input 1 ('s'): {words}")


def test_a_weighted_sum_over_the_wrong_dimension_is_named():
    # s scales the columns of x (3, 3): its gradient is (g * x).sum(0); .sum(1) has the same shape.
    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, s):
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, g):
            x, s = ctx.saved_tensors
            return g * s, (g * x).sum(1)

    message = message_of(Scale, *make_inputs((3, 3), (3,)))
    assert message.startswith("input 1 ('s'): summed over the wrong dimension"), message


def test_wrong_number_of_gradients_too_few():
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))
    assert "wrong number of gradients" in message and "input 2 ('b')" in message


def test_wrong_number_of_gradients_single_tensor_for_three_inputs():
    Wrong = affine(lambda ctx, g: g @ ctx.saved_tensors[1].T)
    assert "wrong number of gradients" in message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))


def test_wrong_number_of_gradients_too_many():
    Wrong = affine(lambda ctx, g: (*affine_right(ctx, g), g))
    assert "wrong number of gradients" in message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))


def test_trailing_none_gradients_are_allowed():
    # PyTorch accepts extra gradients that are None; so does the check.
    check_backward(affine(lambda ctx, g: (*affine_right(ctx, g), None)), *make_inputs((4, 3), (3, 2), (2,)))


def test_wrong_sign():
    Exp = exp_function(lambda ctx, g: -g * ctx.saved_tensors[0])
    message = message_of(Exp, *make_inputs((5,)))
    assert "input 0 ('x')" in message and "wrong sign" in message


def test_wrong_factor():
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g.mean(0)))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))
    assert "input 2 ('b')" in message and "wrong factor" in message and "0.25 times" in message


def test_none_for_an_input_that_requires_grad():
    Wrong = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, None, g.sum(0)))
    message = message_of(Wrong, *make_inputs((4, 3), (3, 2), (2,)))
    assert "input 1 ('W')" in message and "returned None" in message


def test_other_wrong_values_name_the_input():
    Exp = exp_function(lambda ctx, g: g * ctx.saved_tensors[0] ** 2)
    message = message_of(Exp, *make_inputs((5,)))
    assert message.startswith("input 0 ('x'): the gradient differs from the numerical one")


def test_grad_output_returned_unchanged():
    Exp = exp_function(lambda ctx, g: g)
    assert "grad_output unchanged" in message_of(Exp, *make_inputs((5,)))


def test_near_miss_is_rejected():
    # A derivative off by one part in a hundred is caught (the tolerance is 1e-3 relative).
    Exp = exp_function(lambda ctx, g: g * ctx.saved_tensors[0] * 1.01)
    assert "wrong factor" in message_of(Exp, *make_inputs((5,)))


# Bad arguments: a clear error naming the argument and the fix.


def test_fn_must_be_a_function_class():
    (x,) = make_inputs((3,))
    Exp = exp_function(lambda ctx, g: g * ctx.saved_tensors[0])
    with pytest.raises(TypeError, match="fn must be the class, got its .apply"):
        check_backward(Exp.apply, x)
    with pytest.raises(TypeError, match="fn must be the class"):
        check_backward(torch.exp, x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PyTorch warns about the instance itself
        instance = Exp()
    with pytest.raises(TypeError, match="pass the class itself"):
        check_backward(instance, x)


def test_no_inputs_or_none_requiring_grad():
    Exp = exp_function(lambda ctx, g: g * ctx.saved_tensors[0])
    with pytest.raises(TypeError, match="no inputs given"):
        check_backward(Exp)
    with pytest.raises(ValueError, match="requires_grad=True"):
        check_backward(Exp, torch.randn(3))


def test_inputs_too_large_to_perturb():
    Exp = exp_function(lambda ctx, g: g * ctx.saved_tensors[0])
    with pytest.raises(ValueError, match="small tensors"):
        check_backward(Exp, torch.randn(100, 100, requires_grad=True))


def test_inputs_are_not_modified():
    X, W, b = make_inputs((4, 3), (3, 2), (2,))
    before = [t.detach().clone() for t in (X, W, b)]
    check_backward(affine(affine_right), X, W, b)
    assert all(torch.equal(t, s) for t, s in zip((X, W, b), before)) and X.grad is None


# Functions of other shapes: two outputs, the setup_context style.


class SinCos(torch.autograd.Function):
    """Two outputs, sin(x) and cos(x); backward receives one grad_output per output."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sin(x), torch.cos(x)

    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        (x,) = ctx.saved_tensors
        return grad_sin * torch.cos(x) - grad_cos * torch.sin(x)


class SinCosWrongSign(SinCos):
    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        (x,) = ctx.saved_tensors
        return grad_sin * torch.cos(x) + grad_cos * torch.sin(x)


def test_two_outputs_right_and_wrong():
    (x,) = make_inputs((6,))
    check_backward(SinCos, x)
    message = message_of(SinCosWrongSign, x)
    assert message.startswith("input 0 ('x'): the gradient differs from the numerical one"), message


class Cube(torch.autograd.Function):
    """The newer style: forward without ctx, setup_context saves; names come from forward."""

    @staticmethod
    def forward(u):
        return u**3

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad_output):
        (u,) = ctx.saved_tensors
        return grad_output * 3 * u  # should be 3 u**2


def test_setup_context_style_names_the_input():
    (u,) = make_inputs((4,), seed=1)
    message = message_of(Cube, u)
    assert message.startswith("input 0 ('u'):"), message


def test_a_backward_that_changes_grad_output_in_place_is_judged_on_its_result():
    Exp = exp_function(lambda ctx, g: g.mul_(ctx.saved_tensors[0]))  # right, if impolite
    check_backward(Exp, *make_inputs((5,)))
    Twice = exp_function(lambda ctx, g: g.mul_(2 * ctx.saved_tensors[0]))
    assert "wrong factor" in message_of(Twice, *make_inputs((5,)))


def test_a_right_backward_computed_in_float32_still_passes():
    # Rounding to float32 (relative error ~1e-7) is far inside the 1e-3 tolerance; a 1% slip is not.
    Exp = exp_function(lambda ctx, g: (g * ctx.saved_tensors[0]).float())
    check_backward(Exp, *make_inputs((5,)))


# Learner bugs found by trying the check as a student would (review of chapter 9).


class MatMul(torch.autograd.Function):
    """A @ B with a backward given per test."""

    @staticmethod
    def forward(ctx, A, B):
        ctx.save_for_backward(A, B)
        return A @ B


def matmul(backward):
    return type("MatMul", (MatMul,), {"backward": staticmethod(backward)})


def test_missing_transpose_of_the_square_input_itself_is_named_not_a_crash():
    # Both matrices square: the diagnosis perturbs a transposed copy, which must not break it.
    Wrong = matmul(lambda ctx, g: (g @ ctx.saved_tensors[1], ctx.saved_tensors[0].T @ g))
    message = message_of(Wrong, *make_inputs((3, 3), (3, 3)))
    assert "input 0 ('A')" in message and "missing transpose" in message


def test_a_transposed_view_as_input_is_checked():
    Right = matmul(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g))
    A = torch.randn(4, 3, dtype=torch.float64).T.requires_grad_()  # not contiguous
    assert check_backward(Right, A, *make_inputs((4, 2))) is None


def test_swapped_gradients_are_named():
    Wrong = matmul(lambda ctx, g: (ctx.saved_tensors[0].T @ g, g @ ctx.saved_tensors[1].T))
    message = message_of(Wrong, *make_inputs((3, 3), (3, 3)))
    assert "input 0 ('A')" in message and "swapped" in message


def test_gradients_in_the_wrong_order_by_shape():
    Wrong = matmul(lambda ctx, g: (ctx.saved_tensors[0].T @ g, g @ ctx.saved_tensors[1].T))
    message = message_of(Wrong, *make_inputs((3, 4), (4, 2)))
    assert "the shape of input 1 ('B')" in message and "order of forward's arguments" in message


class Line(torch.autograd.Function):
    """sum(w * x + t) over data x: scalars w and t."""

    @staticmethod
    def forward(ctx, w, t, x):
        ctx.save_for_backward(x)
        return (w * x + t).sum()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x.sum(), grad_output * torch.ones_like(grad_output) * x.numel(), None


def line(backward):
    return type("Line", (Line,), {"backward": staticmethod(backward)})


def line_inputs():
    w, t = make_inputs((), ())
    return w, t, torch.linspace(0.3, 2.0, 7, dtype=torch.float64)


def test_right_scalar_gradients_pass():
    assert check_backward(Line, *line_inputs()) is None


def test_a_scalar_gradient_off_by_an_odd_ratio_is_not_called_a_factor():
    # One number is always some multiple of another; 'wrong factor' would mislead here.
    Wrong = line(lambda ctx, g: (g * (ctx.saved_tensors[0] ** 2).sum(), g * 7.0, None))
    message = message_of(Wrong, *line_inputs())
    assert "input 0 ('w')" in message and "wrong factor" not in message and "local derivative" in message


def test_a_scalar_gradient_off_by_a_whole_number_is_a_factor():
    Wrong = line(lambda ctx, g: (2 * g * ctx.saved_tensors[0].sum(), g * 7.0, None))
    assert "wrong factor: the gradient is 2 times" in message_of(Wrong, *line_inputs())


def test_the_gradient_another_input_should_get_is_named():
    # w's gradient without its factor x: it is t's gradient, but t's own is right (not a swap).
    Wrong = line(lambda ctx, g: (g * 7.0, g * 7.0, None))
    message = message_of(Wrong, *line_inputs())
    assert "input 0 ('w')" in message and "input 1 ('t') should get" in message and "swapped" not in message


class Power(torch.autograd.Function):
    """x ** p for a plain number p."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return x**p

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * ctx.p * x ** (ctx.p - 1), None


def test_a_number_input_with_a_gradient_is_named():
    class Wrong(Power):
        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * ctx.p * x ** (ctx.p - 1), torch.tensor(1.0)

    x = make_inputs((4,))[0].detach().abs().requires_grad_()
    assert check_backward(Power, x, 3) is None
    message = message_of(Wrong, x, 3)
    assert "input 1 ('p')" in message and "must be None" in message
    with pytest.raises(RuntimeError, match="not a Variable"):  # what loss.backward() would do
        Wrong.apply(x, 3).sum().backward()


def test_a_backward_that_changes_a_saved_input_in_place_is_named():
    def scaling_in_place(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x.mul_(2)  # 2x, right by value, but x itself is doubled

    Wrong = exp_function(lambda ctx, g: g * ctx.saved_tensors[0])
    Wrong.forward = staticmethod(lambda ctx, x: (ctx.save_for_backward(x), x**2)[1])
    Wrong.backward = staticmethod(scaling_in_place)
    x = make_inputs((5,))[0]
    before = x.detach().clone()
    message = message_of(Wrong, x)
    assert "input 0 ('x')" in message and "in place" in message
    assert torch.equal(x.detach(), before)  # the caller's tensor is never touched


def test_a_backward_returning_numpy_is_told_to_return_a_tensor():
    Wrong = exp_function(lambda ctx, g: (g * ctx.saved_tensors[0]).numpy())
    assert "not a tensor" in message_of(Wrong, *make_inputs((3,)))


def test_a_gradient_summed_to_a_scalar_is_named():
    Wrong = exp_function(lambda ctx, g: (g * ctx.saved_tensors[0]).sum())
    message = message_of(Wrong, *make_inputs((3,)))
    assert "shape ()" in message and "Summed over too many dimensions" in message


def test_loss_backward_does_sum_an_unsummed_bias_gradient():
    # The broadcast message says loss.backward() sums it for you: keep that claim true.
    Unsummed = affine(lambda ctx, g: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, g))
    X, W, b = make_inputs((4, 3), (3, 2), (2,))
    Unsummed.apply(X, W, b).sum().backward()
    assert torch.equal(b.grad, torch.full((2,), 4.0, dtype=torch.float64))
    message = message_of(Unsummed, *make_inputs((4, 3), (3, 2), (2,)))
    assert "broadcast dimensions not summed" in message and "happens to do that sum" in message


def test_gradcheck_passes_unsummed_and_keepdim_bias_gradients_that_check_backward_rejects():
    # The chapter's claim: what loss.backward() repairs, gradcheck (which reads gradients through
    # the engine) cannot see; check_backward reads what backward itself returned.
    X, W, b = make_inputs((5, 3), (3, 2), (2,))
    for bias_grad in (lambda g: g, lambda g: g.sum(0, keepdim=True)):
        Wrong = affine(lambda ctx, g, f=bias_grad: (g @ ctx.saved_tensors[1].T, ctx.saved_tensors[0].T @ g, f(g)))
        assert torch.autograd.gradcheck(Wrong.apply, (X, W, b)) is True
        b.grad = None
        Wrong.apply(X, W, b).sum().backward()
        assert b.grad.shape == (2,) and torch.equal(b.grad, torch.full((2,), 5.0, dtype=torch.float64))
        assert "input 2 ('b')" in message_of(Wrong, X, W, b)


def test_an_error_in_forward_says_it_came_from_forward():
    Exp = exp_function(lambda ctx, g: g * ctx.saved_tensors[0])
    Broken = type("Broken", (Exp,), {"forward": staticmethod(lambda ctx, x: x @ torch.ones(5, dtype=x.dtype))})
    with pytest.raises(RuntimeError) as caught:
        check_backward(Broken, *make_inputs((3,)))
    assert any("failed in forward" in note for note in getattr(caught.value, "__notes__", []))


def test_a_non_tensor_output_names_what_forward_returned():
    class ReturnsFloat(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return float(x.sum())

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    class ReturnsIndices(ReturnsFloat):
        @staticmethod
        def forward(ctx, x):
            return x.argmax()

    with pytest.raises(TypeError, match="output 0 of ReturnsFloat.forward is a float"):
        check_backward(ReturnsFloat, *make_inputs((3,)))
    with pytest.raises(TypeError, match="is a tensor of dtype torch.int64"):
        check_backward(ReturnsIndices, *make_inputs((3,)))
