"""Checks for the exercises of chapter 3 (fitting a sine wave by gradient descent)."""

from __future__ import annotations

import functools

import numpy as np
import torch

from utils.grading import Verdict, answered, real_number, verdict

# Exercise 3.1: on the line t = 1, descent (lr = 0.1, 200 steps) reaches the good fit from
# w0 <= 4.0054 and misses it from above (float32 and float64 agree to 1e-5). On the grid of 2001
# starts the last good one is 4.005 and the first bad one 4.006; both are accepted. The crest of the
# loss along the line, 4.003, is not the boundary and is rejected.
_BOUNDARY = 4.0055
_BOUNDARY_TOLERANCE = 0.0015
_CREST = 4.003


def check_ex3_1(w_boundary, *, quiet: bool = False) -> Verdict:
    """Exercise 3.1: the first start w0 on the line t = 1 whose descent misses the good fit."""
    if not answered("3.1", w_boundary, quiet=quiet):
        return Verdict(False)
    value = real_number(w_boundary)
    if value is None:
        return verdict("3.1", False, "give one number: the first start w0 whose descent misses the good fit", quiet=quiet)
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


# Exercise 3.2: the check runs the exercise itself (DataLoader over the first 50 rows, batch_size=10,
# shuffle=True, generator=torch.Generator().manual_seed(0), SGD with lr = 0.1 on the chapter's loss L)
# and compares every point of the learner's path with that reference. Paths that share its start and
# its end region but not its steps are all far from it: another seed 0.03-0.05 somewhere on the path,
# a generator re-seeded every epoch 0.02, the full batch 0.03, lr 0.09 or 0.11 0.02, nn.MSELoss (twice
# the step) 0.14, batches of 5 or 25 0.03-0.06. The same run on a GPU, or written with a hand-made
# update, stays within 1e-6; the tolerance is 1e-4.
_PATH_TOLERANCE = 1e-4
_SEED = 0


@functools.lru_cache(maxsize=None)
def _sgd_path(batch_size: int, epochs: int, lr: float = 0.1, seed: int = _SEED) -> np.ndarray:
    """The path of SGD from (3, 1) over the chapter's 50 rows with a seeded DataLoader, the start included."""
    from torch.utils.data import DataLoader, TensorDataset

    from utils.data import load_sine_data

    x_all, y_all = load_sine_data()
    x, y = torch.from_numpy(x_all[:50]), torch.from_numpy(y_all[:50])
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=generator)
    w = torch.tensor(3.0, requires_grad=True)
    t = torch.tensor(1.0, requires_grad=True)
    optimizer = torch.optim.SGD([w, t], lr=lr)
    path = [(w.item(), t.item())]
    for _ in range(epochs):
        for x_batch, y_batch in loader:
            optimizer.zero_grad()
            (0.5 * ((y_batch - torch.sin(w * x_batch + t)) ** 2).mean()).backward()
            optimizer.step()
            path.append((w.item(), t.item()))
    path = np.array(path)
    path.flags.writeable = False
    return path


def _number_of(value) -> float:
    """float(value), for a tensor that requires grad too (without PyTorch's warning)."""
    return float(value.detach().cpu() if isinstance(value, torch.Tensor) else value)


def _as_points(path) -> np.ndarray | None:
    """The path as an (n, 2) float64 array, or None if it is not a list of (w, t) pairs."""
    if isinstance(path, torch.Tensor):
        path = path.detach().cpu().numpy()
    try:
        points = np.array([[_number_of(value) for value in point] for point in path], dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):
        return None
    if points.ndim != 2 or points.shape[1:] != (2,) or not np.all(np.isfinite(points)):
        return None
    return points


def _steps_apart(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """For each point, whether it is farther than the tolerance from the reference's."""
    return np.abs(points - reference).max(axis=1) > _PATH_TOLERANCE


def check_ex3_2(path, *, quiet: bool = False) -> Verdict:
    """Exercise 3.2: the path of 50 mini-batch SGD steps from (3, 1) with the seeded DataLoader, the start included."""
    if not answered("3.2", path, quiet=quiet):
        return Verdict(False)
    points = _as_points(path)
    if points is None:
        return verdict("3.2", False, "give the path as a list of (w, t) pairs", quiet=quiet)
    if len(points) != 51:
        hint = f"the path has {len(points)} points: 10 epochs of 5 mini-batches is 50 steps, plus the start"
        return verdict("3.2", False, hint, quiet=quiet)
    if np.abs(points - points[-1]).max() == 0:
        hint = (
            "all the points are the same: store numbers, (w.item(), t.item()), not the tensors w and t, "
            "which the optimizer changes in place"
        )
        return verdict("3.2", False, hint, quiet=quiet)
    if np.abs(points[0] - (3.0, 1.0)).max() > 1e-6:
        return verdict("3.2", False, "the path should begin with the start (3, 1)", quiet=quiet)
    reference = _sgd_path(batch_size=10, epochs=10)
    apart = _steps_apart(points, reference)
    if not apart.any():
        return verdict("3.2", True, "", quiet=quiet)
    first_step, reference_step = points[1] - points[0], reference[1] - reference[0]
    if not _steps_apart(points, _sgd_path(batch_size=50, epochs=50)).any():
        hint = "this is the full-batch path: each step should use only the 10 points of its mini-batch"
    elif np.abs(first_step - 2 * reference_step).max() < _PATH_TOLERANCE:
        hint = "the first step is twice as long as it should be: use the chapter's loss L (with its 1/2) and lr = 0.1"
    elif np.abs(first_step - reference_step / 2).max() < _PATH_TOLERANCE:
        hint = "the first step is half as long as it should be: use the chapter's loss L (with its 1/2) and lr = 0.1"
    elif apart[1]:
        hint = (
            "the first step already differs: check lr = 0.1, the loss (L averaged over the mini-batch) and the "
            "shuffle (shuffle=True, with a torch.Generator seeded with 0 passed to the DataLoader)"
        )
    elif not apart[:6].any():
        hint = "the first epoch is right, the later ones are not: make the generator and the loader once, before the epochs"
    else:
        hint = "the path starts right, then departs: take one step per mini-batch, 5 per epoch, keeping every point"
    return verdict("3.2", False, hint, quiet=quiet)
