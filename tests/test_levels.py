"""Reporting levels, pools and the shared harmonized fixture."""

from __future__ import annotations

import pandas as pd
import pytest
from fixtures_harmonized import make_harmonized, units_frame

from assets.indicators.cells import build_publication
from assets.indicators.levels import (
    RHF_NAMES,
    assign_size_class,
    build_levels,
    size_class_ids,
    size_class_labels,
)
from assets.indicators.pools import assign_pools
from quality.disclosure import default_config
from schemas.harmonized import harmonized_schema
from schemas.indicator_catalogue import load_catalogue

CFG = default_config()
CODE_LISTS = load_catalogue().geography.code_list_by_wave


@pytest.fixture(scope="module")
def harmonized() -> pd.DataFrame:
    return make_harmonized()


def test_fixture_is_valid_and_deterministic(harmonized: pd.DataFrame) -> None:
    harmonized_schema().validate(harmonized, lazy=True)
    pd.testing.assert_frame_equal(harmonized, make_harmonized())
    counts = harmonized.groupby(["wave", "unit_id"]).size()
    assert (counts < 10).any() and (counts >= 50).any()
    bydel_waves = set(harmonized.loc[harmonized["unit_type"] == "bydel", "wave"])
    assert bydel_waves == {2021, 2023}
    assert harmonized["kommune_id_2024"].isna().any()  # a 2024 split breaks a series


def test_levels_partition_every_wave(harmonized: pd.DataFrame) -> None:
    levels = build_levels(harmonized, CFG, CODE_LISTS)
    for wave, g in levels.groups.groupby("wave"):
        units = set(levels.units.loc[levels.units["wave"] == wave, "unit_id"])
        members = dict(
            zip(zip(g["unit_type"], g["unit_id"], strict=True), g["members"], strict=True)
        )
        assert set(members[("national", "NO")]) == units
        for level in ("rhf", "county", "size_class"):
            parts = [
                set(m) for t, m in zip(g["unit_type"], g["members"], strict=True) if t == level
            ]
            assert sorted(u for p in parts for u in p) == sorted(units), (wave, level)
        assert set(g.loc[g["unit_type"] == "rhf", "unit_name"]) <= set(RHF_NAMES.values())
    g = levels.groups
    oslo = g[(g["unit_type"] == "kommune") & (g["unit_id"] == "0301")].set_index("wave")
    assert not oslo.loc[2017, "is_oslo_aggregate"] and oslo.loc[2017, "is_unit"]
    assert oslo.loc[2021, "is_oslo_aggregate"]
    assert set(oslo.loc[2021, "members"]) == {"030101", "030102", "030103", "030104"}


def test_small_units_are_pooled_with_a_reason(harmonized: pd.DataFrame) -> None:
    units = build_levels(harmonized, CFG, CODE_LISTS).units
    small = units[units["n_respondents"] < CFG.unit_threshold]
    assert small["pooled"].all() and small["pool_id"].notna().all()
    assert not units.loc[units["n_respondents"] >= CFG.unit_threshold, "pooled"].any()
    for r in small.itertuples():
        assert r.pool_name in r.pool_reason and "færre enn 10 svar" in r.pool_reason
        assert f" {r.n_respondents} svar" not in r.pool_reason
    for pool_id, m in units[units["pooled"]].groupby(["wave", "pool_id"]):
        assert m["n_respondents"].sum() >= 10 and len(m) >= 2, pool_id
        assert m["pool_published"].all()


def _units(rows: list[tuple]) -> pd.DataFrame:
    ids = size_class_ids(CFG.size_class_bounds)
    return pd.DataFrame(
        [dict(wave=w, unit_id=u, unit_name=f"Enhet {u}", size_class=ids[s], rhf_id=r,
              n_respondents=n) for w, u, s, r, n in rows]
    )  # fmt: skip


def _pool(units: pd.DataFrame, wave: int, uid: str) -> tuple[str, str]:
    r = units[(units["wave"] == wave) & (units["unit_id"] == uid)].iloc[0]
    return r["pool_id"], r["pool_rule"]


def test_pools_widen_in_the_order_of_section_6() -> None:
    labels = size_class_labels(CFG.size_class_bounds)
    units = _units([
        (2017, "1001", 0, "HN", 4), (2017, "1002", 0, "HN", 3), (2017, "1003", 1, "HN", 5),
        (2017, "1004", 3, "HN", 40),
        (2019, "2001", 2, "HV", 4), (2019, "2002", 2, "HSO", 8), (2019, "2003", 2, "HSO", 3),
        (2019, "2004", 3, "HSO", 40),
        (2021, "3001", 3, "HMN", 6), (2021, "3002", 0, "HN", 5), (2021, "3003", 1, "HV", 2),
        (2023, "4001", 0, "HN", 4), (2023, "4002", 3, "HSO", 10), (2023, "4003", 3, "HV", 50),
    ])  # fmt: skip
    out = assign_pools(units, CFG, labels, RHF_NAMES)
    assert _pool(out, 2017, "1001") == ("pool-2017-s1-s2-HN", "unit_pooled")
    assert "nærmeste størrelsesklasse" in out.loc[out["unit_id"] == "1003", "pool_reason"].iloc[0]
    assert _pool(out, 2019, "2001") == ("pool-2019-s3-NO", "unit_pooled")
    assert _pool(out, 2019, "2003")[0] == "pool-2019-s3-NO"
    assert _pool(out, 2021, "3001") == ("pool-2021-alle", "unit_pooled")
    assert _pool(out, 2023, "4001")[0] == "pool-2023-alle"
    assert _pool(out, 2023, "4002") == ("pool-2023-alle", "unit_pooled_secondary")
    assert not out.loc[out["unit_id"] == "4003", "pooled"].iloc[0]
    assert pd.isna(_pool(out, 2017, "1004")[0])


def test_a_pool_that_cannot_be_published_is_marked() -> None:
    labels = size_class_labels(CFG.size_class_bounds)
    out = assign_pools(_units([(2023, "5001", 0, "HN", 4)]), CFG, labels, RHF_NAMES)
    assert out["pool_rule"].tolist() == ["pool_below_threshold"]
    assert not out["pool_published"].any()


def test_size_classes_follow_the_configured_bounds() -> None:
    pop = pd.Series([0, 4999, 5000, 19999, 20000, 49999, 50000, None])
    fallback = pd.Series(["s9"] * 8)
    got = assign_size_class(pop, fallback, (5000, 20000, 50000)).tolist()
    ids = size_class_ids((5000, 20000, 50000))
    assert got == [ids[0], ids[0], ids[1], ids[1], ids[2], ids[2], ids[3], "s9"]
    assert ids == ["s1_under_5000", "s2_5000_19999", "s3_20000_49999", "s4_50000_plus"]
    assert size_class_labels((5000, 20000, 50000))["s2_5000_19999"] == "5 000–19 999 innbyggere"


def test_national_share_equals_a_hand_computed_value(harmonized: pd.DataFrame) -> None:
    pub = build_publication(harmonized)
    for wave in (2017, 2019, 2021, 2023):
        x = harmonized.loc[harmonized["wave"] == wave, "overall_satisfied"].dropna().astype(int)
        cell = pub.internal_cells.query(
            "wave == @wave and unit_type == 'national' and indicator_id == 'overall_satisfied'"
        ).iloc[0]
        assert cell["n_valid"] == len(x) and cell["n_positive"] == int((x >= 4).sum())
        assert cell["share"] == pytest.approx((x >= 4).mean())
        assert cell["n_respondents"] == int((harmonized["wave"] == wave).sum())
    kids = harmonized.loc[harmonized["wave"] == 2021, "children_talk_offered"]
    cell = pub.internal_cells.query(
        "wave == 2021 and unit_type == 'national' and indicator_id == 'children_talk_offered'"
    ).iloc[0]
    assert cell["n_valid"] == kids.isin(["ja", "nei"]).sum()
    assert cell["n_positive"] == (kids == "ja").sum()
    assert len(units_frame()) == harmonized.groupby(["wave", "unit_id"]).ngroups
