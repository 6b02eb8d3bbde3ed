"""Proportions with Wilson score intervals and Newcombe intervals for differences.

All functions are vectorised over numpy arrays (scalars work too). References:
Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison of
seven methods", Stat Med 17:857-872 (Wilson score, method 3), and "Interval estimation for the
difference between independent proportions: comparison of eleven methods", Stat Med
17:873-890 (hybrid score, method 10).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Z95 = 1.959963984540054
CI_METHOD = "wilson"


def share(n_positive: ArrayLike, n_valid: ArrayLike) -> NDArray[np.float64]:
    """n_positive / n_valid; NaN where n_valid is 0."""
    x = np.asarray(n_positive, dtype=float)
    n = np.asarray(n_valid, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, x / np.where(n > 0, n, 1.0), np.nan)


def wilson(
    n_positive: ArrayLike, n_valid: ArrayLike, z: float = Z95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval (low, high) for x successes of n; NaN where n is 0."""
    x = np.asarray(n_positive, dtype=float)
    n = np.asarray(n_valid, dtype=float)
    ok = n > 0
    n_safe = np.where(ok, n, 1.0)
    p = x / n_safe
    z2 = z * z
    denom = n_safe + z2
    centre = (x + z2 / 2.0) / denom
    half = z * np.sqrt(np.maximum(p * (1.0 - p) * n_safe + z2 / 4.0, 0.0)) / denom
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    # exact bounds at the edges (avoid 1e-17 rounding noise)
    low = np.where(x <= 0, 0.0, low)
    high = np.where(x >= n_safe, 1.0, high)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def newcombe_difference(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, z: float = Z95
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Difference p1 - p2 and its Newcombe hybrid score interval (method 10).

    Returns (difference, low, high); NaN where either n is 0.
    """
    p1, p2 = share(x1, n1), share(x2, n2)
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def change(
    x_now: ArrayLike, n_now: ArrayLike, x_before: ArrayLike, n_before: ArrayLike, z: float = Z95
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Change p_now - p_before with Newcombe CI and a flag: significant when 0 is outside."""
    d, low, high = newcombe_difference(x_now, n_now, x_before, n_before, z)
    significant = np.where(np.isnan(d), False, (low > 0) | (high < 0))
    return d, low, high, significant.astype(bool)


def format_percent(value: float) -> str:
    """Bokmål percent text of a fraction, rounded half up: 0.625 -> '63 %'."""
    return f"{int(np.floor(value * 100 + 0.5 + 1e-9))} %"
