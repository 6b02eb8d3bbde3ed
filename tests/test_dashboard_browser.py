"""The dashboard in a real browser (Debian's chromium, never a downloaded one).

Opens index.html from file://, chooses a wave and a municipality like a person would, and checks
the figures on screen against the published table and that suppressed figures read as their
display text. Screenshots are kept under tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_published import Published, build_published, pct
from playwright import sync_api

from assets.consumers.dashboard import build_dashboard

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
    return build_dashboard(pub.cells, pub.units, pub.distribution, out).as_uri()


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
    assert page.locator("svg[aria-label='Utvikling over tid']").count() == 1
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
