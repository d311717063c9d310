"""utils.cities: the city-placement objective the chapter teaches and the benchmark times."""

import pytest
import torch

from utils.cities import city_objective


def objective_by_pairs(X: torch.Tensor, D: torch.Tensor) -> torch.Tensor:
    """The formula read literally: 1/2 sum over ordered pairs of (|x_i - x_j|^2 - d_ij^2)^2."""
    total = torch.zeros((), dtype=X.dtype)
    for i in range(len(X)):
        for j in range(len(X)):
            total = total + (((X[i] - X[j]) ** 2).sum() - D[i, j] ** 2) ** 2
    return total / 2


def test_a_hand_computed_value():
    # A 3-4-5 triangle whose target says 6 for the long side: r = 25 - 36 = -11 for (1, 2) and (2, 1).
    X = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]], dtype=torch.float64)
    D = torch.tensor([[0.0, 3.0, 4.0], [3.0, 0.0, 6.0], [4.0, 6.0, 0.0]], dtype=torch.float64)
    assert city_objective(X, D).item() == pytest.approx(121.0, rel=1e-12)


def test_matches_the_pairwise_formula_and_the_hand_gradient():
    generator = torch.Generator().manual_seed(3)
    X = torch.rand(7, 2, generator=generator, dtype=torch.float64) * torch.tensor([1.0, 5.0], dtype=torch.float64)
    D = torch.cdist(*(2 * [torch.rand(7, 3, generator=generator, dtype=torch.float64)]))
    X.requires_grad_(True)
    loss = city_objective(X, D)
    loss.backward()
    assert loss.item() == pytest.approx(objective_by_pairs(X.detach(), D).item(), rel=1e-12)
    with torch.no_grad():
        difference = X[:, None, :] - X[None, :, :]
        r = (difference**2).sum(-1) - D**2
        gradient = 4 * (r[:, :, None] * difference).sum(1)  # df/dx_i = 4 sum_j r_ij (x_i - x_j)
    assert torch.allclose(X.grad, gradient, rtol=1e-10, atol=1e-12)


def test_mismatched_shapes_are_refused_with_both_shapes():
    with pytest.raises(ValueError, match=r"X \(4, 2\), D \(3, 3\)"):
        city_objective(torch.zeros(4, 2), torch.zeros(3, 3))
