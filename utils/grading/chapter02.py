"""Checks for the exercises of chapter 2 (placing cities on a map from their distances)."""

from __future__ import annotations

import numpy as np
import torch

from utils.grading import Verdict, answered, verdict

# Reference answers, measured by the chapter's own solutions (float64 on a CPU). The solution's
# evaluation count is a whole number that could move by one between CPUs; the slips a learner is
# likely to make need about twice as many (the start scaled like X0, or not scaled at all: 24; the
# random start: 25) or count every evaluation of the run instead of those up to the target (39).
_MERCATOR_EVALUATIONS = 12
_SLIP_EVALUATIONS = (24, 25)
# Edinburgh where the distances put it: (east, north) in km in the frame of the projected map Y.
# Its position projected from latitude and longitude (what an answer that skips the fit gives)
# lies 0.41 km away, so the check wants 0.1 km: any answer rounded to 0.1 km is within 0.071 km.
_EDINBURGH_KM = (-981.862, 741.040)
_EDINBURGH_PROJECTED_KM = (-981.544, 741.302)
_EDINBURGH_TOLERANCE_KM = 0.1


def _numbers(answer) -> np.ndarray | None:
    """`answer` (a number, tensor, array or list) as a flat float64 array, or None if it is not numeric."""
    if isinstance(answer, (str, bytes, bool, np.bool_)):
        return None
    if isinstance(answer, torch.Tensor):
        answer = answer.detach().cpu().to(torch.float64).numpy()
    try:
        values = np.asarray(answer, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    return values if np.all(np.isfinite(values)) else None


def check_ex2_1(evaluations, *, quiet: bool = False) -> Verdict:
    """Exercise 2.1: evaluations L-BFGS needs from the scaled Mercator start to reach the target."""
    if not answered("2.1", evaluations, quiet=quiet):
        return Verdict(False)
    values = _numbers(evaluations)
    if values is None or values.shape != (1,) or values[0] != round(values[0]):
        return verdict("2.1", False, "give a whole number, e.g. evaluations_to_target(trace)", quiet=quiet)
    count = int(values[0])
    if abs(count - _MERCATOR_EVALUATIONS) <= 1:
        return verdict("2.1", True, "", quiet=quiet)
    if any(abs(count - slip) <= 1 for slip in _SLIP_EVALUATIONS):
        hint = (
            "that is about what the random start needs: divide the Mercator points by the norm of "
            "their own distance table, torch.linalg.norm(torch.cdist(X, X)), not by torch.linalg.norm(X)"
        )
    elif count > _SLIP_EVALUATIONS[-1] + 1:
        hint = "count only the evaluations up to the target (evaluations_to_target), not every one the run made"
    else:
        hint = (
            "scale the Mercator points so that torch.linalg.norm(torch.cdist(X, X)) is 1, run run_lbfgs "
            "from them and count with evaluations_to_target on its trace"
        )
    return verdict("2.1", False, hint, quiet=quiet)


def check_ex2_2(position_km, *, quiet: bool = False) -> Verdict:
    """Exercise 2.2: Edinburgh's fitted position, (east, north) in km in the frame of the map Y, to 0.1 km."""
    if not answered("2.2", position_km, quiet=quiet):
        return Verdict(False)
    point = _numbers(position_km)
    if point is None or point.shape != (2,):
        return verdict("2.2", False, "give two finite numbers, (east, north) in km", quiet=quiet)
    miss = float(np.hypot(*(point - np.array(_EDINBURGH_KM))))
    if miss < _EDINBURGH_TOLERANCE_KM:
        return verdict("2.2", True, "", quiet=quiet)
    if np.hypot(*(point - np.array(_EDINBURGH_PROJECTED_KM))) < _EDINBURGH_TOLERANCE_KM:
        hint = (
            "that is where latitude and longitude put Edinburgh (project_km); the exercise asks where its "
            "distances put it: fit the new point to d_new with X_gd fixed, then map it"
        )
    elif np.hypot(*(point[::-1] - np.array(_EDINBURGH_KM))) < _EDINBURGH_TOLERANCE_KM:
        hint = "the order is (east, north): east first"
    elif miss < 1:
        hint = "close: give the position to 0.1 km (one decimal), not rounded to whole km"
    elif miss < 200:
        hint = "close, but the descent has not converged: take more steps (or lr = 1) until z stops moving"
    elif np.abs(point).max() < 10:
        hint = "these look like the normalised units of X_gd: map them with s * z @ Q + t into km"
    else:
        hint = (
            "keep X_gd fixed, fit only the new point to its distances (divided by the norm of D_km, as D "
            "was), then map it with s * z @ Q + t; the result should lie near the UK on the map"
        )
    return verdict("2.2", False, hint, quiet=quiet)
