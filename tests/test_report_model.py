"""Report model: which reports exist, what each shows, and that suppressed values never enter."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fixtures_published import WAVES, Published, build_published

from assets.consumers.labels import fmt_change, fmt_ci, fmt_int, fmt_respondents
from assets.consumers.report_model import (
    PublishedIndex,
    ReportTarget,
    build_report_model,
    change_view,
    iter_report_models,
    report_targets,
)


@pytest.fixture(scope="module")
def pub() -> Published:
    return build_published()


@pytest.fixture(scope="module")
def index(pub: Published) -> PublishedIndex:
    return PublishedIndex(pub.cells, pub.units)


def model(index: PublishedIndex, wave: int, unit_type: str, unit_id: str) -> dict:
    return build_report_model(index, ReportTarget(wave, unit_type, unit_id), "mf-1")


def rows_of(m: dict) -> dict[tuple[str, str], dict]:
    return {(r["indicator_id"], r["measure"]): r for t in m["topics"] for r in t["rows"]}


def test_targets_are_published_units_pools_regions_size_classes_and_nation(pub: Published) -> None:
    targets = report_targets(pub.units)
    assert targets == sorted(targets, key=lambda t: t.wave) and len(set(targets)) == len(targets)
    for wave in WAVES:
        got = [t for t in targets if t.wave == wave]
        units = pub.units[(pub.units.wave == wave) & pub.units.published]
        units = units[units.unit_type != "county"]
        assert len(got) == len(units)
        assert got[0] == ReportTarget(wave, "national", "NO")
    types = {t.unit_type for t in targets}
    assert types == {"national", "rhf", "size_class", "pool", "kommune", "bydel"}
    assert ReportTarget(2021, "kommune", "1811") not in targets  # pooled: no report of its own
    assert ReportTarget(2021, "pool", "pool-2021-s1-HN").relpath == "2021/pool_pool-2021-s1-HN.pdf"


def test_formatting_rules() -> None:
    assert fmt_ci(0.4749, 0.7191) == "47–72"
    assert fmt_ci(0.125, 0.875) == "13–88"  # half up, not to even
    assert fmt_change(-0.034) == "−3" and fmt_change(0.081) == "+8" and fmt_change(0.004) == "0"
    assert fmt_int(4803) == "4\u00a0803"
    assert fmt_respondents(None) == "under 10" and fmt_respondents(12) == "12"


def test_bydel_is_compared_with_oslo_size_class_and_nation(index: PublishedIndex) -> None:
    m = model(index, 2023, "bydel", "030102")
    assert m["meta"]["unit_name"] == "Grünerløkka"
    assert m["columns"] == ["Oslo", "Samme størrelse", "Hele landet"]
    assert m["series"][0] == "Grünerløkka" and m["series"][-1] == "Hele landet"
    overall = rows_of(m)[("overall_satisfied", "share_positive")]
    assert len(overall["comps"]) == 3 and len(overall["bars"]) == 4
    assert ["Kommune", "Oslo"] in m["facts"]


def test_comparison_columns_per_unit_type(index: PublishedIndex) -> None:
    assert model(index, 2023, "kommune", "4601")["columns"] == ["Samme størrelse", "Hele landet"]
    assert model(index, 2023, "pool", "pool-2023-s1-HN")["columns"] == [
        "Samme størrelse",
        "Hele landet",
    ]
    assert model(index, 2023, "rhf", "HV")["columns"] == ["Hele landet"]
    assert model(index, 2023, "size_class", "s1_under_5000")["columns"] == ["Hele landet"]
    assert model(index, 2023, "national", "NO")["columns"] == []


def test_suppressed_rows_carry_display_text_only(pub: Published, index: PublishedIndex) -> None:
    for h in pub.hidden.itertuples():
        if h.unit_type not in ("kommune", "bydel", "pool"):
            continue
        m = model(index, h.wave, h.unit_type, h.unit_id)
        row = rows_of(m)[(h.indicator_id, h.measure)]
        assert row["unit"]["suppressed"] and row["unit"]["ci"] == "" and row["unit"]["n"] == ""
        assert row["bars"][0] is None and row["change"]["text"] == ""
        assert row["unit"]["text"] in ("for få svar", "under 10 %", "over 90 %")
        if (h.indicator_id, h.measure) == ("overall_satisfied", "share_positive"):
            own = m["series"][0]
            assert not [
                p for p in m["charts"]["trend"] if p["series"] == own and p["wave"] == str(h.wave)
            ]


def test_secret_columns_are_dropped_even_if_the_input_holds_them(pub: Published) -> None:
    leaky = pub.cells.copy()
    sup = leaky.suppressed
    leaky.loc[sup, "share"] = 0.123456
    leaky.loc[sup, "ci_low"] = 0.0987
    leaky.loc[sup, "ci_high"] = 0.4321
    index = PublishedIndex(leaky, pub.units)
    text = json.dumps(model(index, 2019, "kommune", "4640"))
    assert "0.123456" not in text and "0.0987" not in text and "0.4321" not in text


def test_arrows_only_where_significant_and_comparable() -> None:
    base = dict(suppressed=False, measure="share_positive", change_ci_low=0.02, change_ci_high=0.2)
    sig = change_view(
        {
            **base,
            "comparable_with_previous": True,
            "change_vs_previous": 0.11,
            "change_significant": True,
        },
        True,
    )
    assert sig == {"text": "+11", "arrow": "↑", "tone": "good", "ci": "+2 til +20"}
    flat = change_view(
        {
            **base,
            "comparable_with_previous": True,
            "change_vs_previous": 0.05,
            "change_significant": False,
        },
        True,
    )
    assert flat["arrow"] == "" and flat["text"] == "+5"
    broken = change_view(
        {
            **base,
            "comparable_with_previous": False,
            "change_vs_previous": None,
            "change_significant": False,
        },
        True,
    )
    assert broken["text"] == "ikke sml." and broken["arrow"] == ""
    neg = change_view(
        {
            **base,
            "measure": "share_negative",
            "comparable_with_previous": True,
            "change_vs_previous": 0.11,
            "change_significant": True,
        },
        True,
    )
    assert neg["arrow"] == "↑" and neg["tone"] == "bad"


def test_non_comparable_series_is_marked(index: PublishedIndex) -> None:
    m = model(index, 2021, "kommune", "1507")  # Ålesund: new geography in 2021
    overall = rows_of(m)[("overall_satisfied", "share_positive")]
    assert overall["change"]["text"] == "ikke sml."
    trend_row = next(r for r in m["trend"]["rows"] if r["label"] == "Alt i alt fornøyd")
    assert trend_row["cells"][-1]["break"] and trend_row["cells"][-1]["arrow"] == ""


def test_trend_uses_this_and_earlier_waves_only(index: PublishedIndex) -> None:
    assert model(index, 2019, "kommune", "4640")["trend"]["waves"] == ["2017", "2019"]
    assert model(index, 2023, "bydel", "030102")["trend"]["waves"] == ["2021", "2023"]
    points = model(index, 2019, "kommune", "4640")["charts"]["trend"]
    assert {p["wave"] for p in points} == {"2017", "2019"}


def test_pool_model_lists_members_as_under_10(index: PublishedIndex) -> None:
    m = model(index, 2023, "pool", "pool-2023-s1-HMN")
    assert [x["name"] for x in m["pool"]["members"]] == ["Smøla", "Aure"]
    assert {x["n"] for x in m["pool"]["members"]} == {"under 10"}
    assert "slått sammen" in m["pool"]["reason"]


def test_every_target_gets_a_model_and_missing_cells_fail_loudly(pub: Published) -> None:
    models = list(iter_report_models(pub.cells, pub.units, "mf-1"))
    assert len(models) == len(report_targets(pub.units))
    units = pd.concat([pub.units, pub.units.iloc[[0]].assign(unit_id="9999", wave=2017)])
    with pytest.raises(KeyError):
        list(iter_report_models(pub.cells, units, "mf-1"))
