"""The helpers in utils/grading/__init__.py that several chapters' checks share."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from utils.grading import rate_verdict, real_number

BOUND = 0.5
HINTS = {"just_past": "where it wobbles", "far_past": "far past: it diverges", "too_small": "stable, but small"}


def judge(value: float, **kwargs):
    return rate_verdict("9.9", value, BOUND, **HINTS, **kwargs)


@pytest.mark.parametrize("right", [BOUND, 0.499, 0.49, 0.98 * BOUND, BOUND * (1 + 1e-5)])
def test_rate_rounded_down_within_two_percent_is_right(right, capsys):
    assert judge(right)
    assert capsys.readouterr().out == "Exercise 9.9: right.\n"


@pytest.mark.parametrize("rate", [0.0, -BOUND, float("nan"), float("inf"), float("-inf")])
def test_zero_negative_and_non_finite_rates_are_rejected_as_not_positive(rate, capsys):
    assert not judge(rate)
    out = capsys.readouterr().out
    assert "not yet" in out and "must be a positive number" in out


def test_rate_just_past_the_bound_is_rejected_as_rounded_up(capsys):
    assert not judge(0.501)  # the bound rounded up: within 1% past it, and past the float32 slack
    assert capsys.readouterr().out == (
        "Exercise 9.9: not yet. Hint: just past the bound, where it wobbles: did you round up? round down\n"
    )


@pytest.mark.parametrize("rate", [1.01 * BOUND, 0.6, 1.0, 1e6])
def test_rate_well_past_the_bound_gets_the_far_hint(rate, capsys):
    assert not judge(rate)
    assert capsys.readouterr().out == "Exercise 9.9: not yet. Hint: far past: it diverges\n"


@pytest.mark.parametrize("rate", [0.979 * BOUND, 0.25, 1e-6])
def test_stable_rate_more_than_two_percent_below_is_rejected(rate, capsys):
    assert not judge(rate)
    assert capsys.readouterr().out == "Exercise 9.9: not yet. Hint: stable, but small\n"


def test_rate_verdict_is_quiet_when_asked(capsys):
    assert not judge(0.6, quiet=True) and judge(BOUND, quiet=True)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "answer", [2.5, np.float32(2.5), np.float64(2.5), np.array(2.5), torch.tensor(2.5), torch.tensor([2.5])]
)
def test_real_number_reads_one_number_in_every_form(answer):
    assert real_number(answer) == 2.5 and real_number(2) == 2.0


@pytest.mark.parametrize(
    "answer", [True, np.bool_(True), [2.5], "2.5", np.array([2.5, 1.0]), torch.tensor([1.0, 2.0]), 1 + 2j, None]
)
def test_real_number_rejects_anything_but_one_real_number(answer):
    assert real_number(answer) is None
