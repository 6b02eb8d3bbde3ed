"""Wilson and Newcombe intervals against the published worked examples."""

from __future__ import annotations

import numpy as np
import pytest

from assets.indicators.estimates import change, format_percent, newcombe_difference, share, wilson


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [  # Newcombe (1998a), Stat Med 17:857, Wilson score method without continuity correction
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998(x: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson(x, n)
    assert float(lo) == pytest.approx(low, abs=5e-5)
    assert float(hi) == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [  # Newcombe (1998b), Stat Med 17:873, method 10 (hybrid score), examples (a)-(d)
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_hybrid_score_examples(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    d, lo, hi = newcombe_difference(x1, n1, x2, n2)
    assert float(d) == pytest.approx(x1 / n1 - x2 / n2)
    assert float(lo) == pytest.approx(low, abs=5e-5)
    assert float(hi) == pytest.approx(high, abs=5e-5)


def test_change_is_now_minus_before_and_flags_significance() -> None:
    d, lo, hi, sig = change([56, 48], [70, 80], [48, 56], [80, 70])
    assert d[0] == pytest.approx(0.2) and d[1] == pytest.approx(-0.2)
    assert sig.tolist() == [True, True]
    assert lo[1] == pytest.approx(-0.3339, abs=5e-5) and hi[1] == pytest.approx(-0.0524, abs=5e-5)
    _, lo, hi, sig = change(5, 56, 0, 29)
    assert lo < 0 < hi and not bool(sig)


def test_vectorised_and_empty_denominators() -> None:
    lo, hi = wilson(np.array([0, 5, 10]), np.array([0, 10, 10]))
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert 0 <= lo[1] <= 0.5 <= hi[1] <= 1 and hi[2] == 1.0
    assert np.isnan(share(0, 0)) and share(3, 4) == pytest.approx(0.75)
    d, *_ = change(1, 0, 1, 2)
    assert np.isnan(d)


def test_format_percent_rounds_half_up() -> None:
    assert format_percent(0.625) == "63 %"
    assert format_percent(0.0) == "0 %" and format_percent(1.0) == "100 %"
    assert format_percent(0.544) == "54 %"
