"""Learner checks of chapter 2: right answers pass in every form, typical slips are rejected with a hint."""

from __future__ import annotations

import math

import numpy as np
import torch

import utils
from utils import grading
from utils.data import EARTH_RADIUS_KM

EDINBURGH = (55.9533, -3.1883)


def objective(X, D):
    return 0.5 * ((torch.cdist(X, X) ** 2 - D**2) ** 2).sum()


def lbfgs_losses(X0, D):
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
    return np.array(losses)


def azimuthal_km(point, centre):
    """Azimuthal equidistant (east, north) of one (lat, lon) point around centre, from the formulas."""
    lat, lon = map(math.radians, point)
    lat0, lon0 = map(math.radians, centre)
    c = math.acos(math.sin(lat0) * math.sin(lat) + math.cos(lat0) * math.cos(lat) * math.cos(lon - lon0))
    k = c / math.sin(c)
    east = k * math.cos(lat) * math.sin(lon - lon0)
    north = k * (math.cos(lat0) * math.sin(lat) - math.sin(lat0) * math.cos(lat) * math.cos(lon - lon0))
    return np.array([east, north]) * EARTH_RADIUS_KM


def test_placeholder_prompts_and_fails(capsys):
    assert not grading.check_ex2_1(None)
    assert not grading.check_ex2_2(...)
    assert capsys.readouterr().out.count("replace the placeholder") == 2


def test_mercator_count_is_the_one_lbfgs_needs_from_the_scaled_mercator_start():
    torch.set_num_threads(1)
    cities = utils.load_cities()
    D = torch.tensor(cities.distances, dtype=torch.float64)
    D = D / torch.linalg.norm(D)
    lat, lon = np.radians(cities.coordinates).T
    mercator = torch.tensor(np.stack([lon, np.log(np.tan(np.pi / 4 + lat / 2))], axis=1))
    losses = lbfgs_losses(mercator / torch.linalg.norm(torch.cdist(mercator, mercator)), D)
    assert abs(losses.min() / 1.23826e-8 - 1) < 1e-4  # the chapter's lowest loss
    needed = int(np.argmax(losses <= 1.01 * 1.238265e-8)) + 1
    assert grading.check_ex2_1(needed, quiet=True) and grading.check_ex2_1(np.int64(needed), quiet=True)
    like_X0 = lbfgs_losses(mercator / torch.linalg.norm(mercator), D)
    slip = int(np.argmax(like_X0 <= 1.01 * 1.238265e-8)) + 1
    assert not grading.check_ex2_1(slip, quiet=True), slip  # scaled like X0: about twice as many


def test_mercator_count_rejects_near_misses_and_non_integers(capsys):
    for answer in (9, 15, 24, 25, 12.5, "12", True, [12]):
        assert not grading.check_ex2_1(answer), answer
    out = capsys.readouterr().out
    assert out.count("not yet. Hint:") == 8 and "12" not in out


def test_edinburgh_accepted_near_its_projected_position(capsys):
    cities = utils.load_cities()
    truth = azimuthal_km(EDINBURGH, cities.coordinates.mean(axis=0))
    for answer in (truth, tuple(truth), torch.tensor(truth), truth + [2.0, -2.0], [truth]):
        assert grading.check_ex2_2(answer), answer
    assert "right." in capsys.readouterr().out


def test_edinburgh_slips_rejected_with_a_hint(capsys):
    cities = utils.load_cities()
    truth = azimuthal_km(EDINBURGH, cities.coordinates.mean(axis=0))
    london = azimuthal_km(cities.coordinates[cities.names.index("London")], cities.coordinates.mean(axis=0))
    for answer in (london, truth[::-1], truth + [0.0, 8.0], truth / 63000.0, [1.0, 2.0, 3.0], "here", [np.nan, 0]):
        assert not grading.check_ex2_2(answer), answer
    out = capsys.readouterr().out
    assert out.count("not yet. Hint:") == 7 and "normalised units" in out
    assert f"{truth[0]:.0f}" not in out and f"{truth[1]:.0f}" not in out
