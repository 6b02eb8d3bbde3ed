"""The dashboard in a real browser (Debian's chromium, never a downloaded one).

Opens index.html from file://, chooses a wave and a municipality like a person would, and checks
the figures on screen against the published table and that suppressed figures read as their
display text. Accessibility: axe-core (bundled in axe-playwright-python, never fetched) on every
kind of view fails on any serious or critical violation; the main task is walked by keyboard
alone; the charts' text alternatives state the published figures. Also the CSV download of the
shown table, the print view, the permanent link and the edition's change log. Screenshots, axe
results, the CSV and a printed PDF are kept under tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from dashboard_changes import change_log
from fixtures_published import EDITIONS, Published, build_published, pct
from playwright import sync_api

from assets.consumers.dashboard import build_dashboard
from assets.consumers.labels import SIZE_CLASS_SHORT, indicator

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def chromium_present() -> None:
    """A missing browser fails these tests (never a skip): .ci/run installs Debian chromium."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian chromium is missing at /usr/bin/chromium (apt-get install -y chromium); "
            "browser tests never download a browser",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def pub() -> Published:
    return build_published()


@pytest.fixture(scope="module")
def url(pub: Published, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("dashboard")
    return build_dashboard(
        pub.cells, pub.units, pub.distribution, out, changes=change_log(pub)
    ).as_uri()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, url: str) -> Iterator[object]:
    pg = browser.new_page(viewport={"width": 1280, "height": 1500})  # type: ignore[attr-defined]
    errors: list[str] = []
    requests: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(url)
    yield pg
    assert not errors, errors
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests), requests
    pg.close()


def test_choose_municipality_and_read_its_figures(page: object, pub: Published) -> None:
    page.select_option("#wave", "2019")
    page.fill("#unit-search", "Sogn")
    page.select_option("#unit", "kommune:4640")
    assert page.inner_text("[data-testid=unit-name]") == "Sogndal"
    assert "14" in page.inner_text("[data-testid=unit-n]")
    cells = pub.cells[(pub.cells.wave == 2019) & (pub.cells.unit_id == "4640")]
    assert page.locator("[data-testid=overview] tr.row").count() == len(cells)
    for r in cells.itertuples():
        row = page.locator(f'tr[data-indicator="{r.indicator_id}|{r.measure}"]')
        share = row.locator("[data-field=share]").inner_text().strip()
        ci = row.locator("[data-field=ci]").inner_text().strip()
        n = row.locator("[data-field=n]").inner_text().strip()
        if r.suppressed:
            assert share == r.display and ci == "" and n == ""
        else:
            assert (share, ci, n) == (
                r.display,
                f"{pct(r.ci_low)}–{pct(r.ci_high)}",
                f"{r.n_valid:,}".replace(",", "\u00a0"),
            )
    after = page.locator('tr[data-indicator="aftercare_followup|share_positive"]')
    assert after.locator("[data-field=share]").inner_text().strip() == "for få svar"
    band = page.locator('tr[data-indicator="help_education|share_positive"]')
    assert band.locator("[data-field=share]").inner_text().strip() == "over 90 %"
    page.screenshot(path=str(ARTIFACTS / "dashboard_sogndal_2019.png"), full_page=True)


def test_indicator_detail_with_trend_and_distribution(page: object, pub: Published) -> None:
    page.select_option("#wave", "2023")
    page.select_option("#unit", "bydel:030102")
    page.click('tr[data-indicator="overall_satisfied|share_positive"]')
    r = pub.cells[
        (pub.cells.wave == 2023)
        & (pub.cells.unit_id == "030102")
        & (pub.cells.indicator_id == "overall_satisfied")
    ].iloc[0]
    assert page.inner_text("[data-testid=detail-share]").strip() == r.display
    assert page.locator("[data-testid=trend-chart]").count() == 1
    assert "I svært stor grad" in page.inner_text("#view")
    assert "Grünerløkka" in page.inner_text("#view")
    page.screenshot(path=str(ARTIFACTS / "dashboard_grunerlokka_detail.png"), full_page=True)


def test_suppressed_detail_and_pooled_municipality(page: object) -> None:
    page.select_option("#wave", "2021")
    page.select_option("#unit", "kommune:4640")
    page.select_option("#indicator", "aftercare_followup|share_positive")
    assert page.inner_text("[data-testid=detail-share]").strip() == "for få svar"
    assert page.locator("[data-testid=distribution-suppressed]").count() == 1
    page.select_option("#indicator", "")
    page.select_option("#unit", "kommune:1811")
    notice = page.inner_text("[data-testid=pooled-notice]")
    assert "færre enn 10 svar" in notice
    page.click("[data-testid=pooled-notice] button")
    assert page.inner_text("[data-testid=unit-name]").startswith("Små kommuner i Helse Nord")
    page.screenshot(path=str(ARTIFACTS / "dashboard_pool_2021.png"), full_page=True)


# ---------- accessibility ----------

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    }
}
OVERALL = "overall_satisfied|share_positive"
VIEWS = {
    "overview": "",
    "municipality": "#maling=2019&enhet=kommune%3A4640",
    "pooled_municipality": "#maling=2021&enhet=kommune%3A1811",
    "pool": "#maling=2021&enhet=pool%3Apool-2021-s1-HN",
    "trend": "#maling=2023&enhet=bydel%3A030102&sporsmal=overall_satisfied%7Cshare_positive",
    "suppressed_detail": "#maling=2021&enhet=kommune%3A4640"
    "&sporsmal=aftercare_followup%7Cshare_positive",
}


def cell(pub: Published, wave: int, unit_type: str, unit_id: str, ind: str = OVERALL):
    indicator_id, measure = ind.split("|")
    c = pub.cells
    found = c[
        (c.wave == wave)
        & (c.unit_type == unit_type)
        & (c.unit_id == unit_id)
        & (c.indicator_id == indicator_id)
        & (c.measure == measure)
    ]
    return found.iloc[0] if len(found) else None


def words(r) -> str:
    """A figure in words as the charts' text alternatives say it (tests' own formatting)."""
    if r is None:
        return "–"
    if r.suppressed:
        return r.display
    return f"{r.display} (KI {pct(r.ci_low)}–{pct(r.ci_high)})"


@pytest.mark.parametrize("view", list(VIEWS))
def test_axe_finds_no_serious_or_critical_violation(page: object, url: str, view: str) -> None:
    page.goto(url + VIEWS[view])
    page.reload()  # a fresh load from the permanent link, not a hash change
    page.wait_for_selector("[data-testid=unit-name]")
    results = Axe().run(page, options=AXE_OPTIONS).response
    (ARTIFACTS / f"axe_{view}.json").write_text(
        json.dumps(results["violations"], indent=2, ensure_ascii=False), encoding="utf-8"
    )
    page.screenshot(path=str(ARTIFACTS / f"dashboard_a11y_{view}.png"), full_page=True)
    assert results["passes"], "axe ran no check"
    bad = [
        f"{v['id']} ({v['impact']}): {len(v['nodes'])}× {v['nodes'][0]['target']}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad
    assert page.get_attribute("html", "lang") == "nb"
    # every chart has a text alternative
    for el in page.locator("svg[role=img], [role=img]").all():
        assert (el.get_attribute("aria-label") or "").startswith("Figur: "), view


def test_axe_on_a_phone_screen(browser: object, url: str) -> None:
    """Reflow: at 320 CSS px the municipality and trend views still pass axe-core."""
    pg = browser.new_page(viewport={"width": 320, "height": 800})  # type: ignore[attr-defined]
    for view in ("municipality", "trend"):
        pg.goto(url + VIEWS[view])
        pg.reload()
        results = Axe().run(pg, options=AXE_OPTIONS).response
        bad = [v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, (view, bad)
        pg.screenshot(path=str(ARTIFACTS / f"dashboard_phone_{view}.png"), full_page=True)
    pg.close()


def test_interval_bar_states_the_figures_in_words(page: object, pub: Published) -> None:
    page.select_option("#wave", "2019")
    page.select_option("#unit", "kommune:4640")
    size = pub.units[(pub.units.wave == 2019) & (pub.units.unit_id == "4640")].iloc[0].size_class
    for ind in (OVERALL, "aftercare_followup|share_positive", "help_education|share_positive"):
        x = indicator(*ind.split("|"))
        series = [
            ("Sogndal", cell(pub, 2019, "kommune", "4640", ind)),
            (
                "Kommunestørrelse " + SIZE_CLASS_SHORT[size],
                cell(pub, 2019, "size_class", size, ind),
            ),
            ("Hele landet", cell(pub, 2019, "national", "NO", ind)),
        ]
        expected = (
            f"Figur: «{x.label}», {x.note}, med 95 % konfidensintervall. "
            + "; ".join(f"{name}: {words(r)}" for name, r in series)
            + "."
        )
        bar = page.locator(f'tr[data-indicator="{ind}"] svg[role=img]')
        assert bar.get_attribute("aria-label") == expected


def test_trend_chart_and_distribution_state_the_figures_in_words(
    page: object, url: str, pub: Published
) -> None:
    page.goto(url + VIEWS["trend"])
    page.reload()
    alt = page.get_attribute("[data-testid=trend-chart]", "aria-label")
    own = [f"{w}: {words(cell(pub, w, 'bydel', '030102'))}" for w in (2021, 2023)]
    assert "Grünerløkka: " + ", ".join(own) + ";" in alt
    nat = [f"{w}: {words(cell(pub, w, 'national', 'NO'))}" for w in EDITIONS]
    assert "Hele landet: " + ", ".join(nat) + "." in alt
    bar = page.get_attribute("[data-testid=distribution-bar]", "aria-label")
    d = pub.distribution
    d = d[(d.wave == 2023) & (d.unit_id == "030102") & (d.indicator_id == "overall_satisfied")]
    assert bar.startswith("Figur: svarfordeling 2023. ")
    for r in d.itertuples():
        assert f": {pct(r.share)} % ({int(r.n)} svar)" in bar


def focused(page: object) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement, st = getComputedStyle(e);
        return { tag: e.tagName, id: e.id, text: (e.textContent || '').trim().slice(0, 80),
                 open: e.getAttribute('data-open'), testid: e.getAttribute('data-testid'),
                 outline: st.outlineStyle, width: parseFloat(st.outlineWidth) }; }"""
    )


def tab_to(page: object, want, limit: int = 120) -> dict:
    """Press Tab until `want(focused)` holds; every stop on the way shows a visible focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = focused(page)
        assert f["outline"] != "none" and f["width"] >= 2, f  # visible focus
        if want(f):
            return f
    raise AssertionError(f"not reached by keyboard in {limit} Tab presses")


def test_keyboard_only_walk_of_the_main_task(page: object, url: str, pub: Published) -> None:
    """Find a unit by search, choose it and a wave, open an item's drill-down and go back:
    keyboard only, each step's result checked on screen."""
    page.goto(url)
    page.reload()
    first = tab_to(page, lambda f: True)
    assert first["text"] == "Hopp til resultatene"
    tab_to(page, lambda f: f["id"] == "unit-search", limit=5)
    page.keyboard.type("Sogn")
    assert "passer" in page.inner_text("#unit-search-status")
    page.keyboard.press("Enter")
    assert page.inner_text("[data-testid=unit-name]") == "Sogndal"
    page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == "wave"
    page.keyboard.press("ArrowDown")  # 2023 → 2021 in the list, newest first
    assert "måling 2021" in page.inner_text("[data-testid=unit-edition]")
    assert page.inner_text("[data-testid=unit-name]") == "Sogndal"
    link = tab_to(page, lambda f: f["open"] == OVERALL)
    assert link["tag"] == "A"
    page.keyboard.press("Enter")
    f = focused(page)
    assert f["id"] == "detail-heading" and f["text"] == indicator(*OVERALL.split("|")).label
    r = cell(pub, 2021, "kommune", "4640")
    assert page.inner_text("[data-testid=detail-share]").strip() == r.display
    assert page.inner_text("[data-testid=detail-ci]").startswith(
        f"95 % KI {pct(r.ci_low)}–{pct(r.ci_high)} %"
    )
    assert "sporsmal=overall_satisfied" in page.url
    page.screenshot(path=str(ARTIFACTS / "dashboard_keyboard_detail.png"), full_page=True)
    tab_to(page, lambda f: f["testid"] == "back")
    page.keyboard.press("Enter")
    assert page.locator("[data-testid=overview]").count() == 1
    assert focused(page)["open"] == OVERALL  # back where the user left the table
    # the question select works by keyboard too
    page.focus("#indicator")
    page.keyboard.press("ArrowDown")
    assert page.locator("#detail-heading").count() == 1


# ---------- what users expect: CSV, print, permanent link, edition ----------


def download_csv(page: object) -> tuple[str, list[dict]]:
    with page.expect_download() as info:
        page.click("[data-testid=csv]")
    d = info.value
    path = ARTIFACTS / d.suggested_filename
    d.save_as(str(path))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    return d.suggested_filename, list(csv.DictReader(text[1:].splitlines(), delimiter=";"))


def test_csv_of_the_shown_table_holds_only_published_figures(page: object, pub: Published):
    page.select_option("#wave", "2019")
    page.select_option("#unit", "kommune:4640")
    name, rows = download_csv(page)
    assert name == f"brukerstemme_2019_{EDITIONS[2019]}_kommune-4640.csv"
    own = pub.cells[(pub.cells.wave == 2019) & (pub.cells.unit_id == "4640")]
    assert len([r for r in rows if r["Enhet"] == "Sogndal"]) == len(own)
    assert {r["Enhet"] for r in rows} >= {"Sogndal", "Hele landet"}
    by_label = {(r["Enhet"], r["Spørsmål"]): r for r in rows}
    for c in own.itertuples():
        row = by_label[("Sogndal", indicator(c.indicator_id, c.measure).label)]
        assert row["Måling"] == "2019" and row["Utgave"] == EDITIONS[2019]
        assert row["Andel"] == c.display
        if c.suppressed:
            # a withheld figure is its display text alone: no interval, count or change
            assert row["KI nedre (%)"] == row["KI øvre (%)"] == row["Gyldige svar (n)"] == ""
            assert row["Endring (prosentpoeng)"] == ""
        else:
            assert (row["KI nedre (%)"], row["KI øvre (%)"]) == (pct(c.ci_low), pct(c.ci_high))
            assert row["Gyldige svar (n)"] == str(c.n_valid)
    national = pub.cells[(pub.cells.wave == 2019) & (pub.cells.unit_type == "national")]
    for c in national.itertuples():
        row = by_label[("Hele landet", indicator(c.indicator_id, c.measure).label)]
        assert row["Andel"] == c.display
    page.select_option("#indicator", OVERALL)
    name, rows = download_csv(page)
    assert name == f"brukerstemme_2019_{EDITIONS[2019]}_kommune-4640_overall_satisfied.csv"
    sogndal = [r for r in rows if r["Enhet"] == "Sogndal"]
    assert [r["Måling"] for r in sogndal] == [str(w) for w in EDITIONS]
    for r in sogndal:
        w = int(r["Måling"])
        assert r["Utgave"] == EDITIONS[w] and r["Andel"] == cell(pub, w, "kommune", "4640").display


def test_print_view_shows_figures_without_controls(page: object) -> None:
    page.select_option("#wave", "2019")
    page.select_option("#unit", "kommune:4640")
    page.emulate_media(media="print")
    assert not page.is_visible("#wave") and not page.is_visible("[data-testid=csv]")
    assert page.is_visible("[data-testid=overview]") and page.is_visible("#utgave")
    assert "Utskrift av file:" in page.inner_text("footer")
    page.pdf(path=str(ARTIFACTS / "dashboard_print_sogndal_2019.pdf"))
    page.emulate_media(media="screen")
    assert page.is_visible("#wave")


def test_permanent_link_restores_unit_and_item(page: object, browser: object, url: str, pub):
    page.select_option("#wave", "2021")
    page.select_option("#unit", "bydel:030102")
    page.select_option("#indicator", OVERALL)
    href = page.get_attribute("[data-testid=permalink]", "href")
    assert href.startswith("#") and "enhet=bydel%3A030102" in href
    fresh = browser.new_page()
    fresh.goto(url + href)
    assert fresh.inner_text("[data-testid=unit-name]") == "Grünerløkka"
    assert fresh.input_value("#wave") == "2021" and fresh.input_value("#indicator") == OVERALL
    r = cell(pub, 2021, "bydel", "030102")
    assert fresh.inner_text("[data-testid=detail-share]").strip() == r.display
    fresh.close()


def test_edition_and_its_change_log_are_shown(page: object, pub: Published) -> None:
    page.select_option("#wave", "2021")
    current = page.inner_text("[data-testid=edition-current]")
    assert "revisjon 1" in current and f"({EDITIONS[2021]})" in current
    log = page.inner_text("[data-testid=changelog]")
    assert "Sammenlignet med forrige utgave: endelig utgave (final)." in log
    assert "Tall som er endret: 3." in log
    assert "nå skjult" in log and "Sogndal" in log and "for få svar" in log
    assert "Svar holdt tilbake" in log
    page.select_option("#wave", "2023")
    assert "Første utgave av målingen" in page.inner_text("[data-testid=changelog]")
    page.screenshot(path=str(ARTIFACTS / "dashboard_edition_2023.png"), full_page=True)
