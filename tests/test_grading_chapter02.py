"""Learner checks of chapter 2: right answers pass in every form, typical slips are rejected with a hint."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import utils
from utils import grading
from utils.data import EARTH_RADIUS_KM, great_circle_km

EDINBURGH = (55.9533, -3.1883)
LOWEST_LOSS = 1.238265e-8  # the chapter's lowest loss; its target is 1% above it


def objective(X, D):
    return 0.5 * ((torch.cdist(X, X) ** 2 - D**2) ** 2).sum()


def lbfgs_run(X0, D):
    """L-BFGS as the chapter runs it: the losses of every evaluation and the final points."""
    X = X0.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([X], lr=1, max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-16,
                                  line_search_fn="strong_wolfe")
    losses = []

    def closure():
        optimizer.zero_grad()
        loss = objective(X, D)
        losses.append(loss.item())
        loss.backward()
        return loss

    optimizer.step(closure)
    return np.array(losses), X.detach()


def to_target(losses):
    return int(np.argmax(losses <= 1.01 * LOWEST_LOSS)) + 1


def azimuthal_km(point, centre):
    """Azimuthal equidistant (east, north) of one (lat, lon) point around centre, from the formulas."""
    lat, lon = map(math.radians, point)
    lat0, lon0 = map(math.radians, centre)
    c = math.acos(math.sin(lat0) * math.sin(lat) + math.cos(lat0) * math.cos(lat) * math.cos(lon - lon0))
    k = c / math.sin(c) if c > 0 else 1.0
    east = k * math.cos(lat) * math.sin(lon - lon0)
    north = k * (math.cos(lat0) * math.sin(lat) - math.sin(lat0) * math.cos(lat) * math.cos(lon - lon0))
    return np.array([east, north]) * EARTH_RADIUS_KM


@pytest.fixture(scope="module")
def chapter():
    """The chapter's problem, solved again here by L-BFGS from the scaled Mercator start."""
    torch.set_num_threads(1)
    cities = utils.load_cities()
    D_km = torch.tensor(cities.distances, dtype=torch.float64)
    D = D_km / torch.linalg.norm(D_km)
    lat, lon = np.radians(cities.coordinates).T
    mercator = torch.tensor(np.stack([lon, np.log(np.tan(np.pi / 4 + lat / 2))], axis=1))
    losses, X = lbfgs_run(mercator / torch.linalg.norm(torch.cdist(mercator, mercator)), D)
    return {"cities": cities, "D_km": D_km, "D": D, "mercator": mercator, "losses": losses, "X": X}


@pytest.fixture(scope="module")
def edinburgh(chapter):
    """Edinburgh fitted to its distances with the map fixed (right) and the slips a learner makes."""
    cities, X = chapter["cities"], chapter["X"]
    centre = cities.coordinates.mean(axis=0)
    Y = np.array([azimuthal_km(point, centre) for point in cities.coordinates])
    # Procrustes: scale, orthogonal matrix and shift taking X onto Y
    Xn = X.numpy()
    U, S, Vt = np.linalg.svd((Xn - Xn.mean(axis=0)).T @ (Y - Y.mean(axis=0)))
    Q = U @ Vt
    s = S.sum() / ((Xn - Xn.mean(axis=0)) ** 2).sum()
    t = Y.mean(axis=0) - s * Xn.mean(axis=0) @ Q
    d_km = great_circle_km(np.vstack([cities.coordinates, EDINBURGH]))[-1, :-1]
    d = torch.tensor(d_km) / torch.linalg.norm(chapter["D_km"])

    def descend(lr, steps):
        z = X.mean(dim=0).clone().requires_grad_(True)
        for _ in range(steps):
            ((((z - X) ** 2).sum(dim=1) - d**2) ** 2).sum().backward()
            with torch.no_grad():
                z -= lr * z.grad
            z.grad.zero_()
        return z.detach().numpy()

    z = descend(1.0, 300)
    return {
        "right": s * z @ Q + t,
        "projected": azimuthal_km(EDINBURGH, centre),
        "short": s * descend(0.1, 300) @ Q + t,  # the chapter's lr for the solution's 300 steps
        "normalised": z,
        "no_shift": s * z @ Q,
        "london": Y[cities.names.index("London")],
    }


def test_placeholder_prompts_and_fails(capsys):
    assert not grading.check_ex2_1(None)
    assert not grading.check_ex2_2(...)
    assert capsys.readouterr().out.count("replace the placeholder") == 2


def test_mercator_count_accepted_in_every_form(chapter):
    assert abs(chapter["losses"].min() / LOWEST_LOSS - 1) < 1e-4  # the same minimum as the chapter
    needed = to_target(chapter["losses"])
    for answer in (needed, np.int64(needed), float(needed), np.float64(needed), torch.tensor(needed),
                   np.array([needed])):
        assert grading.check_ex2_1(answer, quiet=True), answer


def test_mercator_count_rejects_the_slips_a_learner_makes(chapter, capsys):
    mercator, D = chapter["mercator"], chapter["D"]
    like_X0 = to_target(lbfgs_run(mercator / torch.linalg.norm(mercator), D)[0])  # ||X||_F = 1
    unscaled = to_target(lbfgs_run(mercator, D)[0])  # radians as they are
    X0 = torch.tensor(np.random.default_rng(0).uniform(size=(36, 2)))
    random_start = to_target(lbfgs_run(X0 / torch.linalg.norm(X0), D)[0])
    every_evaluation = len(chapter["losses"])  # all of the run, not up to the target
    for answer in (like_X0, unscaled, random_start):
        assert not grading.check_ex2_1(answer), answer
    assert capsys.readouterr().out.count("torch.linalg.norm(torch.cdist(X, X))") == 3
    assert not grading.check_ex2_1(every_evaluation)
    assert "up to the target" in capsys.readouterr().out


def test_mercator_count_rejects_near_misses_and_non_integers(capsys):
    for answer in (9, 15, 12.5, "12", True, [12, 13], float("nan")):
        assert not grading.check_ex2_1(answer), answer
    out = capsys.readouterr().out
    assert out.count("not yet. Hint:") == 7 and "12" not in out


def test_edinburgh_accepted_in_every_form(edinburgh, capsys):
    right = edinburgh["right"]
    printed = np.round(right, 1)  # what the solution prints
    for answer in (right, printed, tuple(printed), printed.tolist(), torch.tensor(right),
                   torch.tensor(printed, dtype=torch.float32), [right]):
        assert grading.check_ex2_2(answer), answer
    assert capsys.readouterr().out.count("right.") == 7


def test_edinburgh_projected_from_coordinates_is_rejected(edinburgh, capsys):
    """The answer that skips the fit: 0.4 km from the right one, also when rounded to 0.1 km."""
    assert 0.3 < np.linalg.norm(edinburgh["projected"] - edinburgh["right"]) < 0.5
    for answer in (edinburgh["projected"], np.round(edinburgh["projected"], 1)):
        assert not grading.check_ex2_2(answer), answer
    assert capsys.readouterr().out.count("latitude and longitude") == 2


def test_edinburgh_slips_rejected_with_a_hint(edinburgh, capsys):
    right = edinburgh["right"]
    slips = {
        "not converged": edinburgh["short"],
        "0.1 km": np.round(right),  # whole km: also the projected position rounded
        "normalised units": edinburgh["normalised"],
        "east first": right[::-1],
        "near the UK": edinburgh["no_shift"],
    }
    assert 10 < np.linalg.norm(edinburgh["short"] - right) < 100  # 300 steps at lr 0.1: tens of km short
    for words, answer in slips.items():
        assert not grading.check_ex2_2(answer), answer
        assert words in capsys.readouterr().out, words
    for answer in (edinburgh["london"], right + [0.0, 8.0], [1.0, 2.0, 3.0], "here", [np.nan, 0]):
        assert not grading.check_ex2_2(answer), answer
    out = capsys.readouterr().out
    assert out.count("not yet. Hint:") == 5
    assert f"{right[0]:.0f}" not in out and f"{right[1]:.0f}" not in out
