"""Learner checks of chapter 3: right answers pass in every form, typical slips are rejected with a hint."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import utils
from utils import grading


@pytest.fixture(scope="module")
def data():
    x_all, y_all = utils.load_sine_data()
    return torch.from_numpy(x_all[:50]), torch.from_numpy(y_all[:50])


def losses(w, t, x, y):
    return 0.5 * ((y - torch.sin(w[:, None] * x + t[:, None])) ** 2).mean(dim=1)


def test_placeholder_prompts_and_fails(capsys):
    assert not grading.check_ex3_1(None)
    assert not grading.check_ex3_2(...)
    assert capsys.readouterr().out.count("replace the placeholder") == 2


@pytest.fixture(scope="module")
def boundary(data):
    """The exercise's answer, computed as its solution does: (first bad start, last good start, crest)."""
    x, y = data
    torch.set_num_threads(1)
    w0 = torch.linspace(3, 5, 2001)
    w = w0.clone().requires_grad_(True)
    t = torch.ones_like(w0).requires_grad_(True)
    optimizer = torch.optim.SGD([w, t], lr=0.1)
    for _ in range(200):
        optimizer.zero_grad()
        losses(w, t, x, y).sum().backward()
        optimizer.step()
    with torch.no_grad():
        first_bad = int((losses(w, t, x, y) > 0.01).nonzero()[0])
    crest = w0[losses(w0, torch.ones_like(w0), x, y).argmax()].item()
    return w0[first_bad], w0[first_bad - 1], crest


def test_boundary_is_accepted_in_every_form(boundary, capsys):
    first_bad, last_good, _ = boundary
    right = [
        first_bad,  # a one-element tensor
        first_bad.item(),
        float(f"{first_bad.item():.3f}"),  # as the solution prints it, to three decimals
        np.float32(first_bad.item()),
        np.array(first_bad.item()),
        last_good.item(),  # the last start that reaches the fit: as close, to three decimals
    ]
    for answer in right:
        assert grading.check_ex3_1(answer), answer
    assert capsys.readouterr().out.splitlines() == ["Exercise 3.1: right."] * len(right)


def test_the_crest_is_not_the_boundary(boundary, capsys):
    assert not grading.check_ex3_1(boundary[2])
    assert "highest" in capsys.readouterr().out  # the crest's own hint


@pytest.mark.parametrize(
    "answer",
    [
        4.003,  # the crest of the loss along t = 1
        4.0,  # rounded to one decimal
        4.01,  # two decimals
        4.5,  # the start the chapter shows missing
        5.1,  # where that start ends
        "4.006",
        torch.tensor([4.006, 4.007]),
        False,
    ],
)
def test_boundary_slips_rejected_without_the_answer(answer, capsys):
    assert not grading.check_ex3_1(answer)
    out = capsys.readouterr().out
    assert "not yet. Hint:" in out and "4.00" not in out


def minibatch_path(x, y, batch_size=10, epochs=10, lr=0.1, seed=0, loss="L", reseed_each_epoch=False,
                   shuffle=True, generator=True, by_hand=False):
    """What a learner writes for exercise 3.2, with the knobs a learner may turn the wrong way."""
    def make_loader():
        made = torch.Generator().manual_seed(seed) if generator else None
        return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=made)

    loader = make_loader()
    w = torch.tensor(3.0, requires_grad=True)
    t = torch.tensor(1.0, requires_grad=True)
    optimizer = torch.optim.SGD([w, t], lr=lr)
    path = [(w.item(), t.item())]
    for epoch in range(epochs):
        if reseed_each_epoch:
            loader = make_loader()
        for x_batch, y_batch in loader:
            optimizer.zero_grad()
            prediction = torch.sin(w * x_batch + t)
            if loss == "L":
                value = 0.5 * ((y_batch - prediction) ** 2).mean()
            else:
                value = nn.MSELoss()(prediction, y_batch)
            value.backward()
            if by_hand:
                with torch.no_grad():
                    w -= lr * w.grad
                    t -= lr * t.grad
            else:
                optimizer.step()
            path.append((w.item(), t.item()))
    return path


def test_minibatch_path_accepted_in_every_form(data, capsys):
    x, y = data
    path = minibatch_path(x, y)
    right = [
        path,  # a list of (w, t) tuples
        [list(point) for point in path],
        np.array(path),
        torch.tensor(path),
        [torch.tensor(point) for point in path],  # tensors made from the numbers
        minibatch_path(x, y, by_hand=True),  # the update written by hand
        minibatch_path(x.double(), y.double()),  # the data in float64
    ]
    for answer in right:
        assert grading.check_ex3_2(answer)
    assert capsys.readouterr().out.splitlines() == ["Exercise 3.2: right."] * len(right)


def test_wrong_paths_are_far_from_the_reference_along_the_way(data):
    # Each of these starts at (3, 1) and ends within 0.01 of the right path's end: only the whole
    # path tells them apart, and every one is at least 0.02 away from it somewhere.
    x, y = data
    right = np.array(minibatch_path(x, y))
    for kwargs in [dict(seed=1), dict(reseed_each_epoch=True), dict(lr=0.11), dict(batch_size=25, epochs=25)]:
        wrong = np.array(minibatch_path(x, y, **kwargs))
        assert np.abs(wrong[-1] - right[-1]).max() < 0.01, kwargs
        assert np.abs(wrong - right).max() > 0.02, kwargs


def test_minibatch_slips_rejected_with_their_hint(data, capsys):
    x, y = data
    good = minibatch_path(x, y)
    torch.manual_seed(0)
    globally_seeded = minibatch_path(x, y, generator=False)
    slips = {
        "full-batch path": minibatch_path(x, y, batch_size=50, epochs=50),
        "twice as long": minibatch_path(x, y, loss="MSELoss"),
        "twice as long as": minibatch_path(x, y, lr=0.2),
        "half as long": minibatch_path(x, y, lr=0.05),
        "first step already differs": minibatch_path(x, y, seed=1),
        "the shuffle": minibatch_path(x, y, shuffle=False),
        "seeded with 0": globally_seeded,  # torch.manual_seed(0) instead of a seeded generator
        "lr = 0.1": minibatch_path(x, y, lr=0.11),
        "the first epoch is right": minibatch_path(x, y, reseed_each_epoch=True),
        "10 epochs of 5 mini-batches": minibatch_path(x, y, epochs=2),
        "plus the start": good[1:],
        "begin with the start": [(3.5, 1.0)] + good[1:],
        "not the tensors": [good[-1]] * 51,  # (w, t) appended as tensors: every point is the last
        "list of (w, t) pairs": [1.0, 2.0],
    }
    for hint, path in slips.items():
        assert not grading.check_ex3_2(path), hint
        assert hint in capsys.readouterr().out, hint


@pytest.mark.parametrize("batch_size, epochs", [(5, 5), (25, 25)])
def test_other_batch_sizes_with_51_points_are_rejected(data, batch_size, epochs):
    x, y = data
    path = minibatch_path(x, y, batch_size=batch_size, epochs=epochs)
    assert len(path) == 51 and not grading.check_ex3_2(path, quiet=True)


def test_stored_tensors_give_a_path_of_one_repeated_point(data, capsys):
    x, y = data
    w = torch.tensor(3.0, requires_grad=True)
    t = torch.tensor(1.0, requires_grad=True)
    optimizer = torch.optim.SGD([w, t], lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True, generator=torch.Generator().manual_seed(0))
    path = [(w, t)]  # the tensors themselves, not their values
    for epoch in range(10):
        for x_batch, y_batch in loader:
            optimizer.zero_grad()
            (0.5 * ((y_batch - torch.sin(w * x_batch + t)) ** 2).mean()).backward()
            optimizer.step()
            path.append((w, t))
    assert not grading.check_ex3_2(path)
    assert "not the tensors" in capsys.readouterr().out
