"""Checks for the exercises of chapter 2 (placing cities on a map from their distances)."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from utils.grading import Verdict, answered, verdict

# Reference answers, measured by the chapter's own solutions (float64 on a CPU). The solution's
# evaluation count is a whole number that could move by one between CPUs; the alternatives a learner
# is likely to hit (the start scaled like X0, the random start) need about twice as many.
_MERCATOR_EVALUATIONS = 12
_EDINBURGH_KM = (-981.9, 741.0)  # (east, north) in the frame of the projected map Y
_EDINBURGH_TOLERANCE_KM = 5.0  # the fitted point lies 0.4 km from the projected one


def check_ex2_1(evaluations: int | None, *, quiet: bool = False) -> Verdict:
    """Exercise 2.1: evaluations L-BFGS needs from the scaled Mercator start to reach the target."""
    if not answered("2.1", evaluations, quiet=quiet):
        return Verdict(False)
    if isinstance(evaluations, bool) or not isinstance(evaluations, numbers.Integral):
        return verdict("2.1", False, "give a whole number, e.g. evaluations_to_target(trace)", quiet=quiet)
    ok = abs(int(evaluations) - _MERCATOR_EVALUATIONS) <= 1
    hint = (
        "scale the Mercator points so that torch.linalg.norm(torch.cdist(X, X)) is 1, run run_lbfgs "
        "from them and count with evaluations_to_target on its trace"
    )
    return verdict("2.1", ok, hint, quiet=quiet)


def check_ex2_2(position_km, *, quiet: bool = False) -> Verdict:
    """Exercise 2.2: Edinburgh's fitted position, (east, north) in km in the frame of the map Y."""
    if not answered("2.2", position_km, quiet=quiet):
        return Verdict(False)
    if isinstance(position_km, torch.Tensor):
        position_km = position_km.detach().cpu().numpy()
    try:
        point = np.asarray(position_km, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        point = np.empty(0)
    if point.shape != (2,) or not np.all(np.isfinite(point)):
        return verdict("2.2", False, "give two finite numbers, (east, north) in km", quiet=quiet)
    miss = float(np.hypot(*(point - np.array(_EDINBURGH_KM))))
    if miss < _EDINBURGH_TOLERANCE_KM:
        return verdict("2.2", True, "", quiet=quiet)
    if np.abs(point).max() < 10:
        hint = "these look like the normalised units of X_gd: map them with s * z @ Q + t into km"
    else:
        hint = (
            "keep X_gd fixed, fit only the new point to its distances (divided by the norm of D_km, as D "
            "was), then map it with s * z @ Q + t; the result should lie near the UK on the map"
        )
    return verdict("2.2", False, hint, quiet=quiet)
