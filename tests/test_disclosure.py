"""Disclosure control on the published cell table (primary rules, contract, change)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fixtures_harmonized import make_harmonized

from assets.indicators.cells import build_publication
from quality.disclosure import DisclosureConfig, default_config, min_band_valid, primary_cells

CELL_COLUMNS = [
    "wave", "edition", "unit_type", "unit_id", "unit_name", "indicator_id", "measure",
    "n_respondents", "n_valid", "n_positive", "share", "ci_low", "ci_high", "ci_method",
    "display", "suppressed", "suppression_reason", "comparable_with_previous",
    "change_vs_previous", "change_ci_low", "change_ci_high", "change_significant",
    "comparable_reason",
]  # fmt: skip
RULES = {
    "unit_pooled", "unit_pooled_secondary", "pool_below_threshold", "group_below_threshold",
    "item_below_threshold", "band", "band_too_narrow", "secondary_group", "secondary_cell",
    "revision_group", "revision_cell", "pool_widened_neighbour", "pool_widened_national_size",
    "pool_widened_all",
}  # fmt: skip
HIDDEN = ["share", "n_positive", "ci_low", "ci_high", "change_vs_previous", "change_ci_low"]


@pytest.fixture(scope="module")
def harmonized() -> pd.DataFrame:
    return make_harmonized()


@pytest.fixture(scope="module")
def pub(harmonized: pd.DataFrame):
    return build_publication(harmonized, "preliminary")


def test_config_defaults_are_those_of_section_6() -> None:
    cfg = default_config()
    assert cfg == DisclosureConfig()
    assert (cfg.unit_threshold, cfg.item_threshold, cfg.band_max_valid) == (10, 5, 20)
    assert (cfg.pool_min_respondents, cfg.pool_min_units, cfg.differencing_threshold) == (10, 2, 10)
    assert cfg.size_class_bounds == (5000, 20000, 50000) and cfg.secondary_protection
    assert DisclosureConfig.load(unit_threshold=15).unit_threshold == 15
    assert cfg.replace(item_threshold=3).item_threshold == 3


def test_primary_cell_rules() -> None:
    cfg = default_config()
    nv = np.array([4, 5, 19, 19, 19, 20, 12, 0])
    npos = np.array([2, 5, 0, 1, 10, 0, 11, 0])
    rule, display = primary_cells(nv, npos, cfg)
    assert rule.tolist() == [
        "item_below_threshold", "band_too_narrow", "band", "band", None, None, "band",
        "item_below_threshold",
    ]  # fmt: skip
    assert display.tolist()[:4] == ["for få svar", "for få svar", "under 10 %", "under 10 %"]
    # a band is shown only where it admits two counts: "under 10 %" at n = 10 can only be 0
    nv = np.array([10, 11, 10, 11])
    rule, _ = primary_cells(nv, np.array([0, 0, 10, 10]), cfg)
    assert rule.tolist() == ["band_too_narrow", "band", "band_too_narrow", "band"]
    assert min_band_valid(cfg) == 11


def test_published_cells_follow_the_contract(pub) -> None:
    c = pub.cells
    assert list(c.columns) == CELL_COLUMNS
    assert c["wave"].dtype == "int64" and c["suppressed"].dtype == bool
    assert set(c["unit_type"]) == {
        "national",
        "rhf",
        "county",
        "size_class",
        "pool",
        "kommune",
        "bydel",
    }
    assert set(c["measure"]) == {"share_positive", "share_negative"}
    assert (c["ci_method"] == "wilson").all() and (c["edition"] == "preliminary").all()
    assert c.loc[c["unit_type"] == "national", "unit_id"].eq("NO").all()
    shown = c[~c["suppressed"]]
    assert shown["share"].between(0, 1).all()
    assert (shown["ci_low"] <= shown["share"]).all() and (shown["share"] <= shown["ci_high"]).all()
    assert (shown["n_positive"] <= shown["n_valid"]).all()
    assert not c.duplicated(["wave", "unit_type", "unit_id", "indicator_id", "measure"]).any()
    neg = c[c["measure"] == "share_negative"]
    assert set(neg["indicator_id"]) == {"relatives_involved"}
    assert c.equals(c.sort_values(["wave"], kind="stable"))


def test_suppressed_rows_hide_their_values(pub) -> None:
    c = pub.cells
    sup = c[c["suppressed"]]
    assert len(sup) > 0 and sup[HIDDEN].isna().all().all()
    assert not sup["comparable_with_previous"].any() and not sup["change_significant"].any()
    assert set(sup["suppression_reason"]) <= RULES
    assert c.loc[~c["suppressed"], "suppression_reason"].isna().all()
    assert (
        sup["display"].isin(
            ["for få svar", "under 10 %", "over 90 %", "skjult av personvernhensyn"]
        )
    ).all()


def test_units_under_the_threshold_get_no_cells_of_their_own(pub, harmonized) -> None:
    sizes = harmonized.groupby(["wave", "unit_id"], observed=True).size()
    small = {(int(w), str(u)) for (w, u), n in sizes.items() if n < 10}
    c = pub.cells[pub.cells["unit_type"].isin(["kommune", "bydel"])]
    assert not small & set(zip(c["wave"], c["unit_id"], strict=True))
    u = pub.units[pub.units["unit_type"].isin(["kommune", "bydel"])]
    pooled = u[[(w, x) in small for w, x in zip(u["wave"], u["unit_id"], strict=True)]]
    assert pooled["n_respondents"].isna().all() and pooled["pool_id"].notna().all()
    assert (pooled["n_respondents_display"] == "under 10").all() and not pooled["published"].any()
    assert pooled["pool_reason"].str.contains("puljen").all()
    pools = pub.units[pub.units["unit_type"] == "pool"]
    assert (pools["n_respondents"] >= 10).all()
    assert pools["member_units"].str.split(",").map(len).ge(2).all()


def test_band_never_shows_an_exact_extreme(pub) -> None:
    c = pub.cells
    exact = c[c["n_positive"].notna() & (c["n_valid"] < 20)]
    assert not ((exact["n_positive"] == 0) | (exact["n_positive"] == exact["n_valid"])).any()
    band = c[c["suppression_reason"] == "band"]
    assert len(band) and band["display"].isin(["under 10 %", "over 90 %"]).all()
    assert band["n_valid"].notna().all() and band["share"].isna().all()
    internal = pub.internal_cells
    extremes = internal[(internal["n_valid"].between(5, 19)) & internal["share"].isin([0.0, 1.0])]
    assert (extremes["rule"].notna()).all()


def test_every_suppression_is_logged_with_a_reason(pub) -> None:
    log = pub.suppression_log
    assert list(log.columns) == [
        "wave",
        "edition",
        "unit_type",
        "unit_id",
        "indicator_id",
        "measure",
        "rule",
        "detail",
    ]
    assert set(log["rule"]) <= RULES and log["detail"].notna().all()
    keys = set(
        zip(
            log["wave"], log["unit_type"], log["unit_id"], log["indicator_id"], log["measure"],
            strict=True,
        )
    )  # fmt: skip
    groups = set(zip(log["wave"], log["unit_type"], log["unit_id"], strict=True))
    for r in pub.cells[pub.cells["suppressed"]].itertuples():
        cell = (r.wave, r.unit_type, r.unit_id, r.indicator_id, r.measure)
        assert cell in keys or (r.wave, r.unit_type, r.unit_id) in groups, cell


def test_secondary_protection_hides_a_county_that_reveals_a_pooled_unit(pub) -> None:
    # 2017: county 01 = Moss (25) + Rygge (7, pooled): county - Moss = Rygge. The county is
    # the cheapest complement; the national figure is never one.
    u = pub.units.set_index(["wave", "unit_type", "unit_id"])
    assert u.loc[(2017, "national", "NO"), "published"]
    assert not u.loc[(2017, "county", "01"), "published"]
    log = pub.suppression_log
    row = log[(log["wave"] == 2017) & (log["unit_id"] == "01") & (log["unit_type"] == "county")]
    assert row["rule"].tolist() == ["secondary_group"] and "0136" in row["detail"].iloc[0]
    off = build_publication(
        make_harmonized(waves=(2017,)), config=default_config().replace(secondary_protection=False)
    )
    assert off.units.set_index(["unit_type", "unit_id"]).loc[("county", "01"), "published"]


def test_thresholds_are_configurable(harmonized) -> None:
    strict = build_publication(
        harmonized, config=default_config().replace(unit_threshold=30, pool_min_respondents=30)
    )
    units = strict.units[strict.units["unit_type"].isin(["kommune", "bydel"])]
    assert units.loc[units["published"], "n_respondents"].ge(30).all()
    assert strict.units.loc[strict.units["unit_type"] == "pool", "n_respondents"].ge(30).all()


def test_publication_is_deterministic(harmonized, pub) -> None:
    again = build_publication(harmonized, "preliminary")
    for name in ("cells", "distribution", "units", "suppression_log"):
        pd.testing.assert_frame_equal(getattr(pub, name), getattr(again, name))


def test_change_only_where_comparable(pub) -> None:
    c = pub.internal_cells
    cell = c.set_index(["wave", "unit_type", "unit_id", "indicator_id", "measure"])
    key = ("overall_satisfied", "share_positive")
    assert cell.loc[(2019, "national", "NO", *key), "internal_comparable"]
    assert cell.loc[(2023, "bydel", "030101", *key), "previous_wave"] == 2021
    assert cell.loc[(2021, "kommune", "0301", *key), "previous_wave"] == 2019  # Oslo's bydeler
    assert cell.loc[(2021, "kommune", "3002", *key), "previous_wave"] == 2019  # Moss, one 2024 unit
    assert not cell.loc[(2021, "kommune", "1507", *key), "internal_comparable"]  # 2024 split
    assert not cell.loc[(2019, "county", "50", *key), "internal_comparable"]  # other code list
    assert cell.loc[(2023, "county", "46", *key), "internal_comparable"]
    assert not c.loc[c["unit_type"] == "pool", "internal_comparable"].any()
    assert not c.loc[c["indicator_id"] == "help_work_or_education", "internal_comparable"].any()
    p = pub.cells
    nat = p[(p["unit_type"] == "national") & (p["indicator_id"] == key[0])].set_index("wave")
    assert nat.loc[2019, "change_vs_previous"] == pytest.approx(
        nat.loc[2019, "share"] - nat.loc[2017, "share"]
    )
    sig = p[p["change_significant"]]
    assert ((sig["change_ci_low"] > 0) | (sig["change_ci_high"] < 0)).all()
    comp = p[p["comparable_with_previous"]]
    assert comp["change_vs_previous"].notna().all() and (~comp["suppressed"]).all()


def test_distribution_follows_cell_suppression(pub) -> None:
    d = pub.distribution
    assert list(d.columns) == [
        "wave",
        "edition",
        "unit_type",
        "unit_id",
        "indicator_id",
        "answer",
        "n",
        "share",
        "suppressed",
    ]
    shown = d[~d["suppressed"]]
    sums = shown.groupby(["wave", "unit_type", "unit_id", "indicator_id"])["share"].sum()
    assert np.allclose(sums, 1.0)
    assert d.loc[d["suppressed"], ["n", "share"]].isna().all().all()
    c = pub.cells
    hidden = c[c["suppressed"]][["wave", "unit_type", "unit_id", "indicator_id"]].drop_duplicates()
    merged = d.merge(hidden, on=["wave", "unit_type", "unit_id", "indicator_id"])
    assert merged["suppressed"].all()
    kids = set(d.loc[d["indicator_id"] == "children_talk_offered", "answer"])
    assert kids == {"ja", "nei", "vet_ikke", "ikke_aktuelt", "ubesvart"}


def test_change_reasons_are_honest(pub) -> None:
    c = pub.internal_cells
    reasons = {
        None, "previous_suppressed", "question_changed", "geography_changed", "geography_split",
        "unit_type", "suppressed", "no_previous",
    }  # fmt: skip
    assert set(pub.cells["comparable_reason"].dropna()) <= reasons
    # comparable internally, previous figure withheld: its own reason, not a changed question
    prev_hidden = c[c["internal_comparable"] & c["shown"] & ~c["comparable_with_previous"]]
    assert len(prev_hidden) and (prev_hidden["comparable_reason"] == "previous_suppressed").all()
    p = pub.cells
    assert (p.loc[p["comparable_with_previous"], "comparable_reason"].isna()).all()
    assert (p.loc[p["suppressed"], "comparable_reason"] == "suppressed").all()
    cell = c.set_index(["wave", "unit_type", "unit_id", "indicator_id", "measure"])
    key = ("overall_satisfied", "share_positive")
    assert cell.loc[(2021, "kommune", "1507", *key), "comparable_reason"] == "geography_split"
    assert cell.loc[(2019, "county", "50", *key), "comparable_reason"] in (
        "geography_changed", "no_previous", "suppressed",
    )  # fmt: skip


def test_a_merge_is_comparable_only_with_every_predecessor() -> None:
    # Moss 3002 (2020: Moss 0104 + Rygge 0136). 2017 had both predecessors, 2019 only Moss.
    both = build_publication(make_harmonized(waves=(2017, 2021)))
    cell = both.internal_cells.set_index(["wave", "unit_type", "unit_id", "indicator_id"])
    row = cell.loc[(2021, "kommune", "3002", "overall_satisfied")]
    assert row["previous_wave"] == 2017 and row["internal_comparable"]
    one = build_publication(make_harmonized(waves=(2019, 2021)))
    cell = one.internal_cells.set_index(["wave", "unit_type", "unit_id", "indicator_id"])
    row = cell.loc[(2021, "kommune", "3002", "overall_satisfied")]
    assert row["previous_wave"] == 2019 and not row["internal_comparable"]
    assert row["comparable_reason"] == "geography_changed"


def test_rule_texts_come_from_the_config() -> None:
    from assets.consumers.report_model import DEFAULT_RULES
    from assets.consumers.texts import about, rules_from_config

    strict = rules_from_config(default_config().replace(unit_threshold=15, band_max_valid=25))
    text = strict["suppression_text"]
    assert "minst 15 personer" in text and "færre enn 25 gyldige svar" in text
    assert "0 % eller 100 %" not in text and "færre enn 11 gyldige svar" in text
    assert rules_from_config() == DEFAULT_RULES  # the consumers' rules are the config's
    body = about(2023, strict)[-1]["body"]
    assert body == text


def test_a_unit_moved_into_a_pool_is_not_shown_as_under_the_threshold() -> None:
    cfg = default_config().replace(pool_min_respondents=40)  # small units alone cannot reach it
    u = build_publication(make_harmonized(waves=(2017,)), config=cfg).units
    moved = u[u["pool_reason"].fillna("").str.contains("har minst")]
    assert len(moved) and (moved["n_respondents_display"] == "minst 10").all()
    pooled = u[u["unit_type"].isin(["kommune", "bydel"]) & u["pool_id"].notna()]
    assert set(pooled["n_respondents_display"]) == {"under 10", "minst 10"}


def test_a_revision_keeps_the_complements_of_earlier_editions(harmonized, pub) -> None:
    """An edition after a complement was chosen keeps it withheld (so the cell cannot be
    differenced and tables stay alike); a cell shown before and not chosen stays shown."""
    cells = pub.cells
    shown = cells[~cells["suppressed"] & (cells["unit_type"] != "national")]
    earlier = cells.copy()
    chosen = shown.index[:3]
    earlier.loc[chosen, ["suppressed", "suppression_reason", "display"]] = [
        True,
        "secondary_cell",
        "skjult",
    ]
    earlier["edition"] = "preliminary"
    revised = build_publication(harmonized, edition="preliminary-2", previous_editions=earlier)
    key = ["wave", "unit_type", "unit_id", "indicator_id", "measure"]
    after = revised.cells.set_index(key)
    for row in cells.loc[chosen, key].itertuples(index=False):
        assert after.loc[tuple(row), "suppression_reason"] == "secondary_cell"
    carried = revised.suppression_log[
        revised.suppression_log["detail"].str.contains("tidligere utgave")
    ]
    assert len(carried) == len(chosen)
    unchanged = shown.index[3:]
    before = cells.loc[unchanged].set_index(key)["suppressed"]
    assert (after.loc[before.index, "suppressed"] == before).mean() > 0.9


def _distribution_row_by_row(cells, levels, gc, catalogue, edition) -> pd.DataFrame:
    """The distribution table one (group, item, answer) row at a time (the reference)."""
    from assets.indicators.publish import DIST_COLUMNS, _own_cells

    own = cells[_own_cells(cells)]
    shown = own.groupby(["wave", "unit_type", "unit_id", "indicator_id"], sort=False)["shown"].all()
    g = levels.groups.reset_index(drop=True)
    keys = zip(g["wave"], g["unit_type"], g["unit_id"], strict=True)
    row_of = {(int(w), t, u): i for i, (w, t, u) in enumerate(keys)}
    out = {c: [] for c in DIST_COLUMNS}
    for (wave, unit_type, unit_id, item), ok in shown.items():
        answers = catalogue.by_item(item)[0].answers
        counts = gc.counts[row_of[(int(wave), unit_type, unit_id)], gc.item_index(item)]
        asked = counts[: len(answers)].sum()
        for slot, answer in enumerate(answers):
            for column, value in zip(DIST_COLUMNS, (
                int(wave), edition, unit_type, unit_id, item, answer,
                counts[slot] if ok else None,
                counts[slot] / asked if ok and asked else None,
                not ok,
            ), strict=True):  # fmt: skip
                out[column].append(value)
    frame = pd.DataFrame(out, columns=DIST_COLUMNS)
    return frame.astype({"n": "Int64", "share": float, "suppressed": bool})


def test_the_distribution_table_is_the_row_by_row_one(harmonized, pub) -> None:
    """distribution_table is built from arrays (the complement search calls it hundreds of
    times); row by row it is the same table, dtypes included, for the whole publication, for
    one item's cells with some hidden, and for no cells."""
    from assets.indicators.counts import group_counts, membership, unit_counts
    from assets.indicators.levels import build_levels
    from assets.indicators.publish import distribution_table
    from schemas.indicator_catalogue import load_catalogue

    config, catalogue = default_config(), load_catalogue()
    levels = build_levels(harmonized, config, catalogue.geography.code_list_by_wave)
    gc = group_counts(unit_counts(harmonized, catalogue), membership(levels.groups, levels.units))
    cells = pub.internal_cells
    item = cells["indicator_id"].iloc[0]
    one_item = cells[cells["indicator_id"] == item].copy()
    one_item.loc[one_item.index[::3], "shown"] = False
    for part in (cells, one_item, cells.iloc[:0]):
        made = distribution_table(part, levels, gc, catalogue, "preliminary")
        pd.testing.assert_frame_equal(
            made, _distribution_row_by_row(part, levels, gc, catalogue, "preliminary")
        )
    assert distribution_table(cells, levels, gc, catalogue, "x")["suppressed"].any()
