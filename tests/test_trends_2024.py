"""Trends in the 2024 geography (DELIVERY.md §7): renumbered municipalities continue their
series, a split breaks it, and the wave's own code list decides (read from the codebooks)."""

from __future__ import annotations

from reference import geography as geo
from schemas.codebook import codebooks


def _series_keys(codes: list[str], code_list_year: int) -> dict[str, str | None]:
    table = geo.unit_geography(codes, code_list_year)
    return dict(zip(table["unit_id"], table["kommune_id_2024"], strict=True))


def test_renumbered_municipalities_continue_into_the_2024_code_list() -> None:
    years = sorted({b.code_list_year for b in codebooks().values()})
    assert 2020 in years and 2024 in years
    before = _series_keys(["3005", "5401", "3004", "3805", "4601"], 2020)
    after = _series_keys(["3301", "5501", "3107", "3909", "4601"], 2024)
    assert before == {
        "3005": "3301",
        "5401": "5501",
        "3004": "3107",
        "3805": "3909",
        "4601": "4601",
    }
    assert after == {c: c for c in after}
    assert set(before.values()) == set(after.values())


def test_a_split_breaks_the_series_and_is_never_guessed() -> None:
    before = _series_keys(["1507"], 2020)  # Ålesund before the 2024 split
    after = _series_keys(["1508", "1580"], 2024)  # Ålesund and Haram after it
    assert before == {"1507": None}
    assert after == {"1508": "1508", "1580": "1580"}


def test_oslo_and_its_bydeler_keep_their_keys() -> None:
    assert _series_keys(["0301"], 2020) == {"0301": "0301"}
    assert _series_keys(["0301"], 2024) == {"0301": "0301"}
    assert geo.to_2024("030102", 2020) == "030102"
