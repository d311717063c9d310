"""``check_backward``: test a learner's ``torch.autograd.Function`` against numerical gradients.

The check calls the learner's ``backward`` itself, with a random ``grad_output``, and compares each
returned gradient with a central-difference estimate of the same vector-Jacobian product, in float64
on the CPU. When they disagree it names the input and the likely bug (not multiplied by grad_output,
a missing transpose, a broadcast not summed or summed over the wrong dimension, a keepdim dimension,
a wrong sign or factor, swapped or missing gradients, zeros for data).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import torch

# Central differences in float64: truncation error ~ EPS**2, rounding ~ 1e-16 / EPS.
EPS = 1e-6
MAX_ELEMENTS = 2000  # every element of a checked input is perturbed twice


def check_backward(fn: type, *inputs, atol: float = 1e-5, rtol: float = 1e-3) -> None:
    """Raise AssertionError naming the input and likely bug if `fn.backward` is wrong; return None if right.

    `fn` is a subclass of ``torch.autograd.Function``; `inputs` are what ``fn.apply`` takes. Tensors
    with ``requires_grad=True`` are checked (as in ``torch.autograd.gradcheck``), in float64. A tensor
    that does not require grad (data) may get None or its right gradient, never zeros or a wrong one.
    Unlike gradcheck, which reads gradients after PyTorch's engine has summed or reshaped them, this
    judges what ``backward`` itself returned: a broadcast input's gradient left unsummed is an error.
    """
    _check_arguments(fn, inputs)
    names = _input_names(fn, len(inputs))
    args = [_float64(x) for x in inputs]
    checked = [i for i, x in enumerate(args) if isinstance(x, torch.Tensor) and x.requires_grad]
    size = sum(args[i].numel() for i in checked)
    if size > MAX_ELEMENTS:
        raise ValueError(
            f"check_backward: the inputs to check hold {size} numbers, each perturbed one at a time; "
            f"use small tensors (at most {MAX_ELEMENTS} numbers in all)."
        )

    try:
        outputs = _outputs(fn, args)
    except AssertionError:
        raise
    except Exception as error:
        error.add_note(
            f"check_backward: {fn.__name__}.apply(*inputs) failed in forward, before any gradient was "
            f"checked; pass the inputs forward expects, in its order."
        )
        raise
    node = outputs[0].grad_fn
    generator = torch.Generator().manual_seed(0)
    v = tuple(torch.randn(out.shape, generator=generator, dtype=torch.float64) for out in outputs)
    w = tuple(torch.randn(out.shape, generator=generator, dtype=torch.float64) for out in outputs)

    before = [x.detach().clone() if isinstance(x, torch.Tensor) else None for x in args]
    grads = _call_backward(node, v)
    _check_unchanged(args, before, names)
    _check_count(grads, args, names)
    _check_non_tensor_inputs(grads, args, names)
    grads_w = _call_backward(node, w)
    returned = {k: tuple(grads[k].shape) if isinstance(grads[k], torch.Tensor) else None for k in checked}
    out_shapes = [tuple(out.shape) for out in outputs]
    for i in checked:
        # each other input: (its shape, the shape of the gradient backward returned for it)
        others = {names[k]: (tuple(args[k].shape), returned[k]) for k in checked if k != i}
        _check_shape(names[i], args[i], grads[i], others, out_shapes)
        got = grads[i].detach().to("cpu", torch.float64)
        expected = _numerical_vjp(fn, args, i, v)
        if not torch.allclose(got, expected, rtol=rtol, atol=atol):
            problem = _diagnose(fn, args, names, i, got, expected, v, w, grads_w[i], atol, rtol, grads)
            raise AssertionError(f"{names[i]}: {problem}")
    _check_data_inputs(fn, args, names, grads, v, atol, rtol)


def _check_arguments(fn, inputs: Sequence) -> None:
    """Clear errors for arguments that are not a Function class and the tensors for its apply."""
    usage = "check_backward(MyFunction, x, ...) with MyFunction a subclass of torch.autograd.Function"
    if isinstance(fn, torch.autograd.Function):
        raise TypeError(f"check_backward: fn is an instance of {type(fn).__name__}; pass the class itself: {usage}.")
    if not (isinstance(fn, type) and issubclass(fn, torch.autograd.Function)):
        what = "its .apply" if getattr(fn, "__name__", "") == "apply" else repr(fn)
        raise TypeError(f"check_backward: fn must be the class, got {what}; call {usage}.")
    if not inputs:
        raise TypeError(f"check_backward: no inputs given; pass the tensors to call fn.apply with: {usage}.")
    if not any(isinstance(x, torch.Tensor) and x.requires_grad for x in inputs):
        raise ValueError(
            "check_backward: no input requires grad, so there is no gradient to check; create the inputs "
            "to check with requires_grad=True, e.g. torch.randn(3, dtype=torch.float64, requires_grad=True)."
        )
    for x in inputs:
        if isinstance(x, torch.Tensor) and x.requires_grad and x.is_complex():
            raise TypeError("check_backward: complex inputs are not supported; check real tensors.")


def _input_names(fn: type, count: int) -> list[str]:
    """'input 1 (W, shape (3, 2))'-style names, from the parameters of `fn.forward`."""
    params = list(inspect.signature(fn.forward).parameters.values())
    if fn.setup_context is torch.autograd.Function.setup_context:  # forward(ctx, ...): drop ctx
        params = params[1:]
    names = []
    for i in range(count):
        if i < len(params) and params[i].kind in (params[i].POSITIONAL_ONLY, params[i].POSITIONAL_OR_KEYWORD):
            names.append(f"input {i} ('{params[i].name}')")
        else:
            names.append(f"input {i}")
    return names


def _float64(x):
    """A float64 CPU copy of a floating tensor, keeping its requires_grad; anything else unchanged.

    Always a copy (contiguous), so that nothing the learner's code does can change the caller's tensors.
    """
    if isinstance(x, torch.Tensor) and x.is_floating_point():
        copy = x.detach().to("cpu", torch.float64).clone(memory_format=torch.contiguous_format)
        return copy.requires_grad_(x.requires_grad)
    return x


def _outputs(fn: type, args: list) -> tuple[torch.Tensor, ...]:
    """The outputs of fn.apply(*args) as a tuple of floating tensors that autograd tracks."""
    result = fn.apply(*args)
    outputs = result if isinstance(result, tuple) else (result,)
    for k, out in enumerate(outputs):
        if not (isinstance(out, torch.Tensor) and out.is_floating_point()):
            what = f"a tensor of dtype {out.dtype}" if isinstance(out, torch.Tensor) else f"a {type(out).__name__}"
            raise TypeError(
                f"check_backward: output {k} of {fn.__name__}.forward is {what}, not a floating-point tensor; "
                f"check_backward needs every output to be one (return tensors, e.g. torch.tensor(value))."
            )
    if outputs[0].grad_fn is None:
        raise AssertionError(f"{fn.__name__}.apply returned a tensor autograd does not track; return the result of forward's computation.")
    return outputs


def _call_backward(node, grad_outputs: tuple) -> tuple:
    """What the learner's backward returns for `grad_outputs`, before PyTorch reshapes or sums it."""
    try:  # copies: a backward that changes grad_output in place must not change our v
        with torch.no_grad():  # as in loss.backward(): backward runs without recording a graph
            grads = node.apply(*(g.clone() for g in grad_outputs))
    except Exception as error:  # the learner's backward failed: report it with a likely cause
        text = str(error).splitlines()[0].rstrip(".") if str(error) else ""
        hint = ""
        if "cannot be multiplied" in text or "size mismatch" in text or "mat1" in text:
            hint = " A matrix product with mismatched shapes: likely a missing transpose (.T)."
        elif "must match the size" in text:
            hint = " Two tensors of different shapes: check which dimensions to sum or transpose."
        elif "in-place" in text:
            hint = " Do not change saved tensors or inputs in place: compute new ones (x * 2, not x.mul_(2))."
        elif isinstance(error, NotImplementedError):
            hint = " Write backward as a @staticmethod backward(ctx, grad_output)."
        raise AssertionError(f"backward raised {type(error).__name__}: {text}.{hint}") from error
    if isinstance(grads, list):  # PyTorch takes a list as one gradient
        raise AssertionError(
            f"wrong number of gradients: backward returned a list of {len(grads)}, which PyTorch takes "
            f"as a single gradient; return a tuple (return grad_a, grad_b, ...)."
        )
    return grads if isinstance(grads, tuple) else (grads,)


def _check_unchanged(args: list, before: list, names: list[str]) -> None:
    """backward must not change the inputs (or the tensors saved from them) in place."""
    for name, x, old in zip(names, args, before):
        if old is not None and not torch.equal(x.detach(), old):
            raise AssertionError(
                f"{name}: backward changed this input in place (through a saved tensor); in loss.backward() "
                f"that would overwrite your data. Compute new tensors instead (x * 2, not x.mul_(2))."
            )


def _check_non_tensor_inputs(grads: tuple, args: list, names: list[str]) -> None:
    """An input that is not a tensor (a number, a flag) must get None: PyTorch raises otherwise."""
    for name, x, g in zip(names, args, grads):
        if not isinstance(x, torch.Tensor) and g is not None:
            raise AssertionError(
                f"{name}: this input is not a tensor (it is {x!r:.20}), so its gradient must be None; "
                f"backward returned a {type(g).__name__} (loss.backward() would raise a RuntimeError)."
            )


def _check_count(grads: tuple, args: list, names: list[str]) -> None:
    """backward must return one gradient per input of forward (None where none is needed)."""
    n = len(args)
    if len(grads) < n:
        missing = ", ".join(names[len(grads):])
        raise AssertionError(
            f"wrong number of gradients: backward returned {len(grads)}, forward takes {n} inputs "
            f"(no gradient for {missing}); return one per input, None for an input that needs none."
        )
    if any(g is not None for g in grads[n:]):
        raise AssertionError(
            f"wrong number of gradients: backward returned {len(grads)}, forward takes {n} inputs; "
            f"return exactly one per input, in the order of forward's arguments."
        )


def _check_data_inputs(
    fn: type, args: list, names: list[str], grads: tuple, v: tuple, atol: float, rtol: float
) -> None:
    """A tensor returned for a data input (one that does not require grad) must be None or its right gradient.

    PyTorch drops such a gradient, so a wrong one does no harm in loss.backward(); but it is still wrong
    (zeros claim the output does not depend on the data), and the exercise asks for None.
    """
    for i, x in enumerate(args):
        if not isinstance(x, torch.Tensor) or x.requires_grad or not x.is_floating_point():
            continue
        g = grads[i] if i < len(grads) else None
        if g is None:
            continue
        if not isinstance(g, torch.Tensor):
            raise AssertionError(
                f"{names[i]}: backward returned a {type(g).__name__} for this input; return a tensor or "
                f"None (loss.backward() would raise a RuntimeError)."
            )
        if x.numel() > MAX_ELEMENTS:
            continue
        expected = _numerical_vjp(fn, args, i, v)
        got = g.detach().to("cpu", torch.float64)
        if _close(got, expected, atol, rtol):
            continue
        data = "this input does not require grad (data: it needs no gradient)"
        if not got.any() and expected.any():
            raise AssertionError(
                f"{names[i]}: {data}, and backward returned zeros for it; but the output does depend on "
                f"it, so zero is not its gradient. Return None for an input that needs no gradient."
            )
        raise AssertionError(
            f"{names[i]}: {data}, and backward returned a tensor for it that is not its gradient; return "
            f"None for an input that needs no gradient."
        )


def _numerical_vjp(fn: type, args: list, i: int, v: tuple) -> torch.Tensor:
    """Central-difference gradient of sum(v * fn.apply(*args)) with respect to args[i]."""
    x = args[i].detach().contiguous()  # a transposed view cannot be flattened in place
    grad = torch.zeros_like(x, memory_format=torch.contiguous_format)
    flat = grad.view(-1)

    def phi(shifted: torch.Tensor) -> float:
        with torch.no_grad():
            result = fn.apply(*args[:i], shifted, *args[i + 1:])
        outputs = result if isinstance(result, tuple) else (result,)
        return sum((vk * out.to(torch.float64)).sum().item() for vk, out in zip(v, outputs))

    for j in range(x.numel()):
        step = torch.zeros(x.numel(), dtype=x.dtype)
        step[j] = EPS
        step = step.view(x.shape)
        flat[j] = (phi(x + step) - phi(x - step)) / (2 * EPS)
    return grad


def _describe(shape) -> str:
    return str(tuple(shape))


def _broadcast_dims(x_shape: tuple, out_shape: tuple) -> tuple[int, ...] | None:
    """The dimensions of `out_shape` along which an input of `x_shape` is broadcast (None if it is not)."""
    try:
        if torch.broadcast_shapes(x_shape, out_shape) != torch.Size(out_shape):
            return None
    except RuntimeError:
        return None
    lead = len(out_shape) - len(x_shape)
    return tuple(d for d in range(len(out_shape)) if d < lead or (x_shape[d - lead] == 1 and out_shape[d] != 1))


def _dims(dims: tuple[int, ...]) -> str:
    return ("dim " if len(dims) == 1 else "dims ") + ", ".join(str(d) for d in dims)


def _summed_shape(out_shape: tuple, dims: tuple[int, ...]) -> tuple:
    return tuple(n for d, n in enumerate(out_shape) if d not in dims)


def _subsets(n: int):
    """Every non-empty set of dimensions of an n-dimensional tensor (n small)."""
    for mask in range(1, 2 ** min(n, 6)):
        yield tuple(d for d in range(n) if mask >> d & 1)


def _check_shape(
    name: str,
    x: torch.Tensor,
    g,
    others: dict[str, tuple[tuple, tuple | None]] | None = None,
    out_shapes: Sequence[tuple] = (),
) -> None:
    """A gradient must be a tensor of its input's shape; say which classic slip a wrong shape suggests."""
    if g is None:
        raise AssertionError(
            f"{name}: backward returned None, but this input requires grad; return its gradient "
            f"(None is only for inputs that need none, such as numbers or data)."
        )
    if not isinstance(g, torch.Tensor):
        raise AssertionError(f"{name}: backward returned a {type(g).__name__}, not a tensor.")
    if g.shape == x.shape:
        return
    shape, wanted = _describe(g.shape), _describe(x.shape)
    broadcast = _broadcast_dims(tuple(x.shape), tuple(g.shape)) is not None
    for other, (other_shape, other_returned) in (others or {}).items():
        swapped = other_returned == tuple(x.shape)
        if tuple(g.shape) == other_shape and other_shape != tuple(x.shape) and (swapped or not broadcast):
            raise AssertionError(
                f"{name}: the gradient has shape {shape}, the shape of {other}, not of this "
                f"input {wanted}; return the gradients in the order of forward's arguments."
            )
    if x.dim() == 2 and tuple(g.shape) == tuple(x.shape)[::-1]:
        raise AssertionError(
            f"{name}: missing transpose: the gradient has shape {shape} but the input has "
            f"shape {wanted}; a matrix in the product needs .T."
        )
    if g.numel() == x.numel() and [n for n in g.shape if n != 1] == [n for n in x.shape if n != 1]:
        if g.dim() > x.dim():  # (1, 2) for (2,): what sum(0, keepdim=True) leaves
            raise AssertionError(
                f"{name}: an extra dimension of size 1: the gradient has shape {shape} but the input has "
                f"shape {wanted}, as a sum with keepdim=True leaves it; sum without keepdim (or reshape "
                f"to the input's shape). loss.backward() would fix the shape for you, but the gradient of "
                f"an input has that input's shape."
            )
        raise AssertionError(
            f"{name}: a dimension of size 1 missing: the gradient has shape {shape} but the input has "
            f"shape {wanted}; sum with keepdim=True (or reshape to the input's shape)."
        )
    if broadcast:
        raise AssertionError(
            f"{name}: broadcast dimensions not summed: the input has shape {wanted} but was "
            f"broadcast to {shape} in forward; sum the gradient over the broadcast "
            f"dimensions back to the input's shape. (loss.backward() happens to do that sum for you, "
            f"but the gradient of an input has that input's shape.)"
        )
    for out_shape in out_shapes:
        right = _broadcast_dims(tuple(x.shape), out_shape)
        if not right:
            continue
        for dims in _subsets(len(out_shape)):
            if dims != right and _summed_shape(out_shape, dims) == tuple(g.shape):
                raise AssertionError(
                    f"{name}: summed over the wrong dimension: the gradient has shape {shape}, the output's "
                    f"{_describe(out_shape)} summed over {_dims(dims)}; but this input {wanted} was "
                    f"broadcast along {_dims(right)} of the output: sum over {_dims(right)}."
                )
    summed = " Summed over too many dimensions?" if g.numel() < x.numel() else ""
    raise AssertionError(
        f"{name}: the gradient has shape {shape} but the input has shape {wanted}; "
        f"each gradient must have its input's shape.{summed}"
    )


def _close(a: torch.Tensor, b: torch.Tensor, atol: float, rtol: float) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=rtol, atol=atol)


def _simple(factor: float) -> bool:
    """Whether `factor` looks like a slip: a whole number or one over a whole number (2, 20, 1/2, -3)."""
    for r in (abs(factor), 1 / abs(factor) if factor else 0.0):
        if r >= 0.99 and abs(r - round(r)) < 1e-3 * r:
            return True
    return False


def _summed_over_wrong_dims(fn, args, i, got, v, atol, rtol) -> str | None:
    """For an input broadcast in forward: whether `got` is the full gradient summed over other dimensions.

    With as many rows as columns, a sum over the wrong dimension has the right shape; only the values
    tell. The full (unsummed) gradient is the numerical one for the input expanded to the output's shape.
    """
    if len(v) != 1:
        return None
    x, out_shape = args[i], tuple(v[0].shape)
    right = _broadcast_dims(tuple(x.shape), out_shape)
    if not right or v[0].numel() > MAX_ELEMENTS:
        return None
    expanded = x.detach().expand(out_shape).clone().requires_grad_()
    try:
        full = _numerical_vjp(fn, [*args[:i], expanded, *args[i + 1:]], i, v)
    except Exception:  # forward does not take the expanded input: no diagnosis
        return None
    for dims in _subsets(len(out_shape)):
        summed = full.sum(dim=dims)
        if dims == right or summed.numel() != got.numel():
            continue
        if _close(got, summed.reshape(got.shape), atol, rtol):
            return (
                f"summed over the wrong dimension: the gradient is the output-shaped "
                f"{_describe(out_shape)} gradient summed over {_dims(dims)}, but this input {_describe(x.shape)} was broadcast along "
                f"{_dims(right)} of the output: sum over {_dims(right)}."
            )
    return None


def _diagnose(fn, args, names, i, got, expected, v, w, got_w, atol, rtol, grads=()) -> str:
    """The likeliest reason why gradient `got` of input `i` differs from the numerical `expected`."""
    if not got.any():  # before the grad_output test: zeros are the same whatever grad_output is
        return "the gradient is zero everywhere, but the numerical gradient is not."
    if isinstance(got_w, torch.Tensor):
        same = _close(got_w.detach().to("cpu", torch.float64), got, atol=1e-12, rtol=1e-9)
        if same and not _close(_numerical_vjp(fn, args, i, w), expected, atol, rtol):
            return (
                "gradient not multiplied by grad_output: backward returns the same gradient whatever "
                "grad_output it receives; multiply the local derivative by grad_output."
            )
    x = args[i]
    wrong_sum = _summed_over_wrong_dims(fn, args, i, got, v, atol, rtol)
    if wrong_sum:
        return wrong_sum
    if x.dim() == 2 and _close(got.mT, expected, atol, rtol):
        return "missing transpose: the gradient is the transpose of the right one; a matrix in the product needs .T."
    for k, other in enumerate(args):
        # A square matrix used without its .T: the gradient is right for the transposed matrix.
        if isinstance(other, torch.Tensor) and other.is_floating_point() and other.dim() == 2 and other.shape[0] == other.shape[1]:
            swapped = [*args[:k], other.detach().mT.requires_grad_(other.requires_grad), *args[k + 1:]]
            if _close(got, _numerical_vjp(fn, swapped, i, v), atol, rtol):
                return f"missing transpose: the gradient is right for {names[k]} transposed; that matrix needs .T."
    for k, other in enumerate(args):
        if k != i and isinstance(other, torch.Tensor) and other.requires_grad and other.shape == x.shape:
            if _close(got, _numerical_vjp(fn, args, k, v), atol, rtol):
                theirs = grads[k] if k < len(grads) else None
                if isinstance(theirs, torch.Tensor) and _close(theirs.detach().to("cpu", torch.float64), expected, atol, rtol):
                    return (
                        f"the gradients of this input and {names[k]} are swapped; return them in the "
                        f"order of forward's arguments."
                    )
                return (
                    f"the gradient equals the one {names[k]} should get; the chain rule for this input "
                    f"has its own local derivative: is a factor missing?"
                )
    size = expected.norm().item()
    if size > 0:
        factor = (got * expected).sum().item() / size**2
        if (got - factor * expected).norm().item() <= 1e-3 * size + atol:
            if abs(factor + 1) < 1e-3:
                return "wrong sign: the gradient is minus the right one."
            if got.numel() == 1 and not _simple(factor):
                # one number is always some multiple of another: say so only for a telling ratio
                return "the gradient is wrong (not off by a sign or a simple factor); recheck the local derivative."
            return (
                f"wrong factor: the gradient is {factor:.4g} times the right one (a constant of the "
                f"derivative missing or doubled, or a sum where a mean belongs, or the reverse)."
            )
    if any(_close(got, vk, atol=1e-12, rtol=1e-9) for vk in v):
        return "backward returned grad_output unchanged; multiply it by the local derivative."
    worst = (got - expected).abs().max().item()
    return (
        f"the gradient differs from the numerical one by up to {worst:.3g}, and not by a simple sign, "
        f"factor or transpose; recheck the local derivative."
    )
