"""Learner checks of chapter 3: right answers pass in every form, typical slips are rejected with a hint."""

from __future__ import annotations

import pytest
import torch

import utils
from utils import grading


@pytest.fixture(scope="module")
def data():
    x_all, y_all = utils.load_sine_data()
    return torch.from_numpy(x_all[:50]), torch.from_numpy(y_all[:50])


def losses(w, t, x, y):
    return 0.5 * ((y - torch.sin(w[:, None] * x + t[:, None])) ** 2).mean(dim=1)


def sgd_path(x, y, batch_size=None, epochs=10, lr=0.1, seed=0):
    """(w, t) after each step from (3, 1); mini-batches of batch_size (None: the full batch)."""
    generator = torch.Generator().manual_seed(seed)
    w = torch.tensor(3.0, requires_grad=True)
    t = torch.tensor(1.0, requires_grad=True)
    optimizer = torch.optim.SGD([w, t], lr=lr)
    path = [(w.item(), t.item())]
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator) if batch_size else torch.arange(len(x))
        for batch in order.split(batch_size or len(x)):
            optimizer.zero_grad()
            (0.5 * ((y[batch] - torch.sin(w * x[batch] + t)) ** 2).mean()).backward()
            optimizer.step()
            path.append((w.item(), t.item()))
    return path


def test_placeholder_prompts_and_fails(capsys):
    assert not grading.check_ex3_1(None)
    assert not grading.check_ex3_2(...)
    assert capsys.readouterr().out.count("replace the placeholder") == 2


def test_boundary_is_the_first_start_that_misses_and_the_crest_is_not(data, capsys):
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
    first_bad = int((losses(w, t, x, y) > 0.01).nonzero()[0])
    crest = w0[losses(w0, torch.ones_like(w0), x, y).argmax()].item()
    assert grading.check_ex3_1(w0[first_bad].item()) and grading.check_ex3_1(w0[first_bad])
    assert grading.check_ex3_1(w0[first_bad - 1].item())
    assert "right." in capsys.readouterr().out
    assert not grading.check_ex3_1(crest)
    assert "highest" in capsys.readouterr().out  # the crest's own hint


def test_boundary_slips_rejected_without_the_answer(capsys):
    for answer in (4.0, 4.01, 4.5, 5.1, "4.006", torch.tensor([4.006, 4.007]), False):
        assert not grading.check_ex3_1(answer), answer
    out = capsys.readouterr().out
    assert out.count("not yet. Hint:") == 7 and "4.00" not in out


def test_minibatch_path_accepted_for_any_shuffle(data, capsys):
    x, y = data
    for seed in (0, 1, 2):
        path = sgd_path(x, y, batch_size=10, seed=seed)
        assert grading.check_ex3_2(path), seed
    assert grading.check_ex3_2(torch.tensor(sgd_path(x, y, batch_size=10)))
    assert "right." in capsys.readouterr().out


def test_minibatch_slips_rejected_with_their_hint(data, capsys):
    x, y = data
    full = sgd_path(x, y, epochs=50)  # 50 full-batch steps
    good = sgd_path(x, y, batch_size=10)
    slips = {
        "full-batch path": full,
        "10 epochs of 5 mini-batches": sgd_path(x, y, batch_size=10, epochs=2),
        "plus the start": good[1:],
        "begin with the start": [(3.5, 1.0)] + good[1:],
        "good valley": sgd_path(x, y, batch_size=10, lr=3.0),
        "list of (w, t) pairs": [1.0, 2.0],
    }
    for hint, path in slips.items():
        assert not grading.check_ex3_2(path), hint
        assert hint in capsys.readouterr().out, hint
