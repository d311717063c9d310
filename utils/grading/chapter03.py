"""Checks for the exercises of chapter 3 (fitting a sine wave by gradient descent)."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from utils.grading import Verdict, answered, verdict

# Exercise 3.1: on the line t = 1, descent (lr = 0.1, 200 steps) reaches the good fit from
# w0 <= 4.0054 and misses it from above (float32 and float64 agree to 1e-5). On the grid of 2001
# starts the last good one is 4.005 and the first bad one 4.006; both are accepted. The crest of the
# loss along the line, 4.003, is not the boundary and is rejected.
_BOUNDARY = 4.0055
_BOUNDARY_TOLERANCE = 0.0015
_CREST = 4.003


def _number(answer) -> float | None:
    """The answer as a float, or None if it is not one real number."""
    if isinstance(answer, torch.Tensor):
        return float(answer.item()) if answer.numel() == 1 else None
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None
    return float(answer)


def check_ex3_1(w_boundary, *, quiet: bool = False) -> Verdict:
    """Exercise 3.1: the first start w0 on the line t = 1 whose descent misses the good fit."""
    if not answered("3.1", w_boundary, quiet=quiet):
        return Verdict(False)
    value = _number(w_boundary)
    if value is None:
        return verdict("3.1", False, "give one number, the start w0 (e.g. w0[first_bad].item())", quiet=quiet)
    if abs(value - _BOUNDARY) <= _BOUNDARY_TOLERANCE:
        return verdict("3.1", True, "", quiet=quiet)
    if abs(value - _CREST) < 0.0005:
        hint = "that is where the loss along t = 1 is highest; the descents move t too, so look at where they end"
    else:
        hint = (
            "run all 2001 starts together (w and t as tensors of 2001 values, t starting at 1), 200 SGD "
            "steps with lr = 0.1, then take the first start whose final loss is above 0.01"
        )
    return verdict("3.1", False, hint, quiet=quiet)


def _full_batch_path(steps: int = 50, lr: float = 0.1) -> np.ndarray:
    """The full-batch descent from (3, 1) on the chapter's first 50 rows, the start included."""
    from utils.data import load_sine_data

    x_all, y_all = load_sine_data()
    x, y = torch.from_numpy(x_all[:50]), torch.from_numpy(y_all[:50])
    w = torch.tensor(3.0, requires_grad=True)
    t = torch.tensor(1.0, requires_grad=True)
    optimizer = torch.optim.SGD([w, t], lr=lr)
    path = [(w.item(), t.item())]
    for _ in range(steps):
        optimizer.zero_grad()
        (0.5 * ((y - torch.sin(w * x + t)) ** 2).mean()).backward()
        optimizer.step()
        path.append((w.item(), t.item()))
    return np.array(path)


def check_ex3_2(path, *, quiet: bool = False) -> Verdict:
    """Exercise 3.2: the path of 50 mini-batch SGD steps from (3, 1), the start included."""
    if not answered("3.2", path, quiet=quiet):
        return Verdict(False)
    if isinstance(path, torch.Tensor):
        path = path.detach().cpu().numpy()
    try:
        points = np.array([[float(value) for value in point] for point in path], dtype=np.float64)
    except (TypeError, ValueError):
        points = np.empty((0, 0))
    if points.ndim != 2 or points.shape[1:] != (2,) or not np.all(np.isfinite(points)):
        return verdict("3.2", False, "give the path as a list of (w, t) pairs", quiet=quiet)
    if len(points) != 51:
        hint = f"the path has {len(points)} points: 10 epochs of 5 mini-batches is 50 steps, plus the start"
        return verdict("3.2", False, hint, quiet=quiet)
    if np.abs(points[0] - (3.0, 1.0)).max() > 1e-6:
        return verdict("3.2", False, "the path should begin with the start (3, 1)", quiet=quiet)
    full = _full_batch_path()
    if np.abs(points - full).max() < 1e-4:
        hint = "this is the full-batch path: each step should use only the 10 points of its mini-batch"
        return verdict("3.2", False, hint, quiet=quiet)
    ok = np.abs(points[-1] - full[-1]).max() < 0.05
    return verdict("3.2", ok, "with lr = 0.1 from (3, 1) the path should end in the good valley", quiet=quiet)
