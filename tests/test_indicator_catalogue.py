"""The indicator catalogue (schemas/indicators.yaml) against the questionnaire and codebooks."""

from __future__ import annotations

import pytest

from schemas.indicator_catalogue import MEASURES, load_catalogue
from schemas.questionnaire import questionnaire

# DELIVERY.md §4: the waves each item was asked in ("–" = not asked)
ASKED = {
    "staff_understanding": (2017, 2019, 2021),
    "coping_everyday": (2019, 2021, 2023),
    "help_work_or_education": (2017,),
    "help_work": (2019, 2021, 2023),
    "help_education": (2019, 2021, 2023),
    "relatives_supported": (2021, 2023),
    "digital_contact": (2023,),
    "children_talk_offered": (2019, 2021, 2023),
}
ALL = (2017, 2019, 2021, 2023)


def test_every_degree_item_has_a_share_positive_indicator() -> None:
    cat = load_catalogue()
    for item in questionnaire().degree_items:
        ind = cat.get(item, "share_positive")
        assert ind.positive_codes == (4, 5) and ind.denominator == "degree_1_5"
        assert ind.topic, item


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


def test_waves_match_the_questionnaire_table() -> None:
    for ind in load_catalogue().indicators:
        assert ind.waves == ASKED.get(ind.item, ALL), ind.id


def test_every_indicator_item_exists_in_the_codebooks_of_its_waves() -> None:
    codebook = pytest.importorskip("schemas.codebook")
    books = codebook.codebooks()
    if not books:
        pytest.skip("no codebooks yet")
    for ind in load_catalogue().indicators:
        for wave, book in books.items():
            if wave not in load_catalogue().waves:
                continue
            present = ind.item in book.harmonized_targets()
            assert present == (wave in ind.waves), (ind.id, wave)


def test_comparability_per_wave_pair() -> None:
    cat = load_catalogue()
    for ind in cat.indicators:
        pairs = ind.comparable_pairs()
        ws = ind.waves
        assert set(pairs) == {(a, b) for a in ws for b in ws if a < b}
    overall = cat.get("overall_satisfied", "share_positive")
    assert all(overall.comparable_pairs().values()) and len(overall.comparable_pairs()) == 6
    old = cat.get("help_work_or_education", "share_positive")
    assert old.comparable_pairs() == {}
    for item in ("help_work", "help_education"):
        assert not cat.get(item, "share_positive").comparable(2017, 2019)
    assert cat.geography.code_list_by_wave == {2017: 2017, 2019: 2019, 2021: 2020, 2023: 2020}
