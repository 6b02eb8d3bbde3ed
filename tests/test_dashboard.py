"""Dashboard build: self-contained page, data equal to the published table, nothing suppressed,
chart texts from the reports' templates, and the current edition's change log as display texts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dashboard_changes import OLD_SHARE, PREVIOUS, WAVE, change_log
from fixtures_published import EDITIONS, Published, build_published, pct

from assets.consumers.dashboard import build_dashboard
from assets.consumers.labels import ALT_TEXTS, SIZE_CLASS_SHORT, indicator
from assets.editions.records import CHANGE_LABELS


@pytest.fixture(scope="module")
def pub() -> Published:
    return build_published()


@pytest.fixture(scope="module")
def page(pub: Published, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("dashboard")
    return build_dashboard(
        pub.cells, pub.units, pub.distribution, out, changes=change_log(pub)
    ).read_text("utf-8")


def embedded(html: str) -> dict:
    m = re.search(r'<script id="data" type="application/json">(.*?)</script>', html, re.S)
    assert m, "data block missing"
    return json.loads(m.group(1))


def table(block: dict) -> list[dict]:
    return [dict(zip(block["columns"], row, strict=True)) for row in block["rows"]]


def test_page_is_self_contained(page: str) -> None:
    assert page.startswith("<!doctype html>") and '<html lang="nb">' in page
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "fetch(" not in page and "XMLHttpRequest" not in page
    # the only URL is the SVG namespace, which is a name, not a request
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}
    assert "default-src 'none'" in page  # the browser itself refuses any network request
    assert "/*__" not in page and "__DATA__" not in page


def test_figures_equal_the_published_table(pub: Published, page: str) -> None:
    data = embedded(page)
    units = {i: u for i, u in enumerate(data["units"])}
    inds = data["indicators"]
    got = {
        (
            c["w"],
            units[c["u"]]["type"],
            units[c["u"]]["id"],
            inds[c["i"]]["id"],
            inds[c["i"]]["measure"],
        ): c
        for c in table(data["cells"])
    }
    assert len(got) == len(pub.cells)
    for r in pub.cells.itertuples():
        c = got[(r.wave, r.unit_type, r.unit_id, r.indicator_id, r.measure)]
        assert c["display"] == r.display and c["suppressed"] == r.suppressed
        if r.suppressed:
            for key in ("nValid", "ci", "share", "lo", "hi", "change", "changeCi"):
                assert c[key] is None, (r, key)
            assert not c["significant"]
        else:
            assert c["ci"] == f"{pct(r.ci_low)}–{pct(r.ci_high)}"
            assert c["nValid"] == f"{r.n_valid:,}".replace(",", "\u00a0")
            assert abs(c["share"] - r.share) < 1e-4
            assert c["significant"] == bool(r.change_significant and r.comparable_with_previous)


def test_no_suppressed_value_is_in_the_page(pub: Published, page: str) -> None:
    data = embedded(page)
    units = data["units"]
    for parts in data["distribution"]:
        for _answer, n, sup, pct_shown in parts[3]:
            if sup:
                assert n is None and pct_shown is None
    cells = table(data["cells"])
    for h in pub.hidden.itertuples():
        u = next(i for i, x in enumerate(units) if x["key"] == f"{h.unit_type}:{h.unit_id}")
        rows = [c for c in cells if c["u"] == u and c["w"] == h.wave]
        suppressed = [c for c in rows if c["suppressed"]]
        assert suppressed and all(c["share"] is None for c in suppressed)
        dist = [
            d
            for d in data["distribution"]
            if d[0] == u and d[1] == h.wave and d[2] == h.indicator_id
        ]
        assert all(part[1] is None for d in dist for part in d[3])


def test_answer_shares_are_formatted_from_the_published_distribution(pub: Published, page: str):
    data = embedded(page)
    units, answers = data["units"], data["answers"]
    shown = {
        (units[u]["type"], units[u]["id"], w, ind, answers[a]): (n, str(whole))
        for u, w, ind, parts in data["distribution"]
        for a, n, sup, whole in parts
        if not sup
    }
    expected = {
        (r.unit_type, r.unit_id, r.wave, r.indicator_id, r.answer): (
            f"{int(r.n):,}".replace(",", "\u00a0"),
            pct(r.share),
        )
        for r in pub.distribution[~pub.distribution["suppressed"]].itertuples()
    }
    assert shown and shown == expected


def test_pooled_units_point_to_their_pool(page: str) -> None:
    data = embedded(page)
    units = data["units"]
    rows = table(data["unitWaves"])
    bindal = next(r for r in rows if units[r["u"]]["key"] == "kommune:1811" and r["w"] == 2021)
    assert not bindal["published"] and bindal["n"] == "under 10"
    assert units[bindal["pool"]]["key"] == "pool:pool-2021-s1-HN"
    pool = next(r for r in rows if r["u"] == bindal["pool"] and r["w"] == 2021)
    assert sorted(units[m]["name"] for m in pool["members"]) == ["Bindal", "Sømna"]


def test_build_is_deterministic(pub: Published, tmp_path: Path) -> None:
    a = build_dashboard(pub.cells, pub.units, pub.distribution, tmp_path / "a").read_bytes()
    b = build_dashboard(pub.cells, pub.units, pub.distribution, tmp_path / "b").read_bytes()
    assert a == b


def test_withheld_respondent_counts_show_the_published_display_text(pub: Published, page: str):
    """A unit moved into its pool with 10 or more respondents says "minst 10", not "under 10"."""
    data = embedded(page)
    rows = table(data["unitWaves"])
    ids = {(u["type"], u["id"]): i for i, u in enumerate(data["units"])}
    expected = {
        (ids[(r.unit_type, r.unit_id)], int(r.wave)): r.n_respondents_display
        for r in pub.units[pub.units["n_respondents"].isna()].itertuples()
    }
    assert expected
    shown = {(r["u"], r["w"]): r["n"] for r in rows}
    assert {k: shown[k] for k in expected} == expected


def test_chart_texts_come_from_the_report_templates(page: str) -> None:
    """The charts' text alternatives are filled from the same templates as the PDFs' alt texts,
    and a size class is named in a legend as in the reports."""
    data = embedded(page)
    assert data["alt"] == ALT_TEXTS
    sizes = [u for u in data["units"] if u["type"] == "size_class"]
    assert sizes and all(
        u["series"] == "Kommunestørrelse " + SIZE_CLASS_SHORT[u["id"]] for u in sizes
    )
    assert all("series" not in u for u in data["units"] if u["type"] != "size_class")


def test_change_log_of_the_current_edition(pub: Published, page: str) -> None:
    data = embedded(page)
    log = data["editions"][str(WAVE)]["log"]
    assert data["editions"][str(WAVE)]["id"] == EDITIONS[WAVE]
    assert log["known"] and not log["first"]
    assert log["previous"] == {"id": PREVIOUS, "label": "endelig utgave"}
    expected = change_log(pub)
    moved = expected[expected["change"].isin(["changed", "newly_withheld"])]
    assert sorted(map(tuple, log["moved"])) == sorted(
        (
            CHANGE_LABELS[r.change],
            r.unit_name,
            indicator(r.indicator_id, r.measure).short,
            r.old_display,
            r.new_display,
        )
        for r in moved.itertuples()
    )
    assert log["answers"] == [
        ["Sogndal", [indicator("aftercare_followup", "share_positive").short]]
    ]
    assert "10" in log["answersNote"]
    # a share or count of the change log is never embedded, only display texts
    for text in (str(OLD_SHARE), f"{OLD_SHARE:.4f}"):
        assert text not in page
    first = data["editions"]["2023"]["log"]
    assert first["first"] and not first["moved"]  # preliminary: the wave's first edition
    final = data["editions"]["2019"]["log"]
    assert not final["first"] and not final["moved"] and final["previous"] is None


def test_without_a_change_log_the_page_says_so(pub: Published, tmp_path: Path) -> None:
    html = build_dashboard(pub.cells, pub.units, pub.distribution, tmp_path).read_text("utf-8")
    data = embedded(html)
    assert all(not e["log"]["known"] for e in data["editions"].values())
