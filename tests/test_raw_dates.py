"""Dates in raw deliveries: the ISO 8601 check runs in Arrow's regex engine and must accept and
refuse exactly what Python's `fullmatch` does (Unicode digits included, as pandas parses them)."""

from __future__ import annotations

import pandas as pd

from schemas.raw import ISO_TIMESTAMP, _full_matches, parse_dates

TEXTS = [
    "2023-05-01", "2023-05-01T10:00:00+02:00", "2023-05-01 10:00", "2023-05-01T10:00:00.123Z",
    "x2023-05-01", "2023-05-01x", "٢٠٢٣-05-01", "２０２３-05-01", "2023-5-1",
    "2023-05-01T10:00:00+0200", "\n2023-05-01", "2023-05-01\n", "2023-05-01T10:00:00+02:0",
    "2023-05-01T10:00:00.Z", "", "1.5.2023", "2023-05-01T10:00:00-03:30",
]  # fmt: skip


def test_the_arrow_match_is_python_s_fullmatch() -> None:
    texts = pd.Series(TEXTS, dtype=object)
    expected = texts.str.fullmatch(ISO_TIMESTAMP).fillna(False).astype(bool)
    pd.testing.assert_series_equal(_full_matches(texts, ISO_TIMESTAMP), expected)


def test_iso_dates_keep_the_respondent_s_calendar_day() -> None:
    dates = parse_dates(pd.Series(["2023-05-01T23:30:00-03:00", "2023-13-01", None]), ("iso8601",))
    assert dates.iloc[0] == pd.Timestamp("2023-05-01")  # not UTC's 2 May
    assert dates.iloc[1:].isna().all()
