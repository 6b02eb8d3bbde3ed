"""The indicator catalogue against the questionnaire and the codebooks (no wave is named here:
the waves and what each asked come from the codebooks)."""

from __future__ import annotations

import itertools

import pytest

from schemas.codebook import CodebookError, codebooks, parse_codebook
from schemas.indicator_catalogue import MEASURES, derive_series, load_catalogue
from schemas.questionnaire import questionnaire


def test_every_degree_item_has_a_share_positive_indicator() -> None:
    cat = load_catalogue()
    for item, spec in questionnaire().degree_items.items():
        ind = cat.get(item, "share_positive")
        assert ind.positive_codes == (4, 5) and ind.denominator == "degree_1_5"
        assert ind.topic == spec["topic"] and ind.label, item


def test_special_indicators_of_section_5() -> None:
    cat = load_catalogue()
    neg = cat.get("relatives_involved", "share_negative")
    assert neg.positive_codes == (1, 2)
    kids = cat.get("children_talk_offered", "share_positive")
    assert kids.positive_codes == ("ja",) and kids.valid_codes == ("ja", "nei")
    assert {i.measure for i in cat.indicators} <= set(MEASURES)
    assert len({i.id for i in cat.indicators}) == len(cat.indicators)
    assert all(i.label and i.topic for i in cat.indicators)
    known = set(questionnaire().degree_items) | set(questionnaire().categorical_items)
    assert set(cat.items()) <= known


def test_indicator_waves_are_the_waves_whose_codebook_asks_the_item() -> None:
    books = codebooks()
    assert load_catalogue().waves == tuple(books)
    for ind in load_catalogue().indicators:
        asked = tuple(w for w, b in books.items() if ind.item in b.harmonized_targets())
        assert ind.waves == asked, ind.id
        for wave in books:
            assert (ind in load_catalogue().for_wave(wave)) == (wave in asked), (ind.id, wave)


def test_series_continue_from_the_previous_wave_that_asked_the_item() -> None:
    books = codebooks()
    for ind in load_catalogue().indicators:
        breaks = [w for w in ind.waves if ind.item in books[w].series_breaks]
        assert len(ind.series) == 1 + len([w for w in breaks if w != ind.waves[0]]), ind.id
        ws = ind.waves
        for a, b in itertools.pairwise(ws):
            assert ind.comparable(a, b) == (ind.item not in books[b].series_breaks), ind.id
    assert load_catalogue().geography.code_list_by_wave == {
        w: b.code_list_year for w, b in books.items()
    }


def test_a_declared_break_splits_the_series(tmp_path) -> None:
    books = dict(codebooks())
    last = max(books)
    raw = {
        "wave": last + 2,
        "code_list_year": books[last].code_list_year,
        "file_name_pattern": r"^x_(?P<unit>\d{4})\.csv$",
        "reader": {"format": "csv"},
        "unit": {"column": "knr"},
        "respondent_id": "id",
        "value_sets": {"degree": {"match": "labels", "labels": {"I stor grad": 4}}},
        "variables": {"fornoyd": {"to": "overall_satisfied", "values": "degree"}},
        "series_breaks": {"overall_satisfied": "ny svarskala"},
    }
    books[last + 2] = parse_codebook(raw, tmp_path / "x.yaml")
    series = derive_series("overall_satisfied", books)
    assert series[-1] == (last + 2,) and last in series[-2]
    assert derive_series("peer_support", {last + 2: books[last + 2]}) == ()


def test_a_break_for_an_item_the_wave_does_not_ask_is_refused(tmp_path) -> None:
    raw = {
        "wave": 2099,
        "code_list_year": 2024,
        "file_name_pattern": r"^x_(?P<unit>\d{4})\.csv$",
        "reader": {"format": "csv"},
        "unit": {"column": "knr"},
        "respondent_id": "id",
        "variables": {},
        "series_breaks": {"overall_satisfied": "ny svarskala"},
    }
    with pytest.raises(CodebookError):
        parse_codebook(raw, tmp_path / "x.yaml")
