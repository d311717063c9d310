"""The city-placement objective of chapter 2, for the chapters and the benchmarks that reuse it."""

from __future__ import annotations

import torch


def city_objective(X: torch.Tensor, D: torch.Tensor) -> torch.Tensor:
    """f(X) = 1/2 sum_ij (|x_i - x_j|^2 - d_ij^2)^2 over all pairs of rows of X (n x k).

    `torch.cdist(X, X)` is the whole n x n table of distances |x_i - x_j| at once.
    """
    n = len(X)
    if X.ndim != 2 or D.shape != (n, n):
        shapes = f"X {tuple(X.shape)}, D {tuple(D.shape)}"
        raise ValueError(f"city_objective: X must be n x k and D n x n, got {shapes}")
    return 0.5 * ((torch.cdist(X, X) ** 2 - D**2) ** 2).sum()
