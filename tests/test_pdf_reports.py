"""PDF reports: every number shown equals the published table, nothing suppressed leaks.

All reports of the fixture tables are rendered once (process pool of 2). Expected texts are
formatted by fixtures_published, independently of assets.consumers, and compared with the text
pypdf extracts, row by row: a row's text must be exactly the expected figures, so no other number
(and no suppressed value) can hide in it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from fixtures_published import EDITIONS, Published, build_published, change, ci, count, pct
from pypdf import PdfReader

from assets.consumers.pdf_reports import ReportTarget, render_report, render_reports
from assets.consumers.report_model import PublishedIndex, build_report_model
from schemas.questionnaire import questionnaire, short_label

MANIFEST = "mf-3f9a1c07e2b4"
REPORT_TYPES = ("national", "rhf", "size_class", "pool", "kommune", "bydel")
EDITION_TEXT = {"final": "endelig utgave", "preliminary": "foreløpig utgave", "rev1": "revisjon 1"}
TOPICS = [
    "Samlet vurdering",
    "Tilgjengelighet og informasjon",
    "Møtet med de ansatte",
    "Medvirkning og mestring",
    "Hjelp på ulike livsområder",
    "Oppfølging etter døgnopphold",
    "Pårørende",
    "Barn under 18 år",
]


@pytest.fixture(scope="module")
def pub() -> Published:
    return build_published()


@pytest.fixture(scope="module")
def rendered(pub: Published, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("reports")
    paths = render_reports(pub.cells, pub.units, out, MANIFEST, workers=2)
    return out, paths


def norm(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def wording(ind: str, measure: str) -> tuple[str, str]:
    q = questionnaire()
    if ind == "children_talk_offered":
        return q.categorical_items[ind]["wording"], "andel ja"
    if measure == "share_negative":
        return q.degree_items[ind][
            "wording"
        ] + " (negative svar)", "andel i liten eller svært liten grad"
    return q.degree_items[ind]["wording"], "andel i stor eller svært stor grad"


# ---------- reading a report ----------
def report_text(path: Path, wave: int, unit_name: str) -> str:
    """Whole text without running headers/footers (each footer is checked on the way)."""
    pages = PdfReader(path).pages
    parts = []
    for i, page in enumerate(pages):
        lines = page.extract_text().split("\n")
        footer = norm(lines[-1])
        edition = EDITION_TEXT[EDITIONS[wave]]
        assert footer.startswith(f"Måling {wave} · {edition} · manifest {MANIFEST} side {i + 1} av")
        lines = lines[:-1]
        if i > 0:
            assert norm(lines[0]) == norm(f"Brukererfaringsundersøkelsen {wave} {unit_name}")
            lines = lines[1:]
        parts.append("\n".join(lines))
    return norm(" ".join(parts))


def comparison_keys(pub: Published, wave: int, unit_type: str, unit_id: str) -> list[tuple]:
    u = pub.units.set_index(["wave", "unit_type", "unit_id"]).loc[(wave, unit_type, unit_id)]
    keys = []
    if unit_type == "bydel":
        keys.append(("kommune", u.kommune_id))
    if unit_type in ("kommune", "bydel", "pool"):
        keys.append(("size_class", u.size_class))
    if unit_type != "national":
        keys.append(("national", "NO"))
    return keys


def expected_row(r: pd.Series, comps: list[pd.Series | None], had_previous: bool) -> str:
    if r.suppressed:
        tokens = [r.display]
    else:
        if not r.comparable_with_previous:
            ch = "ikke sml." if had_previous else ""
        elif pd.isna(r.change_vs_previous):
            ch = "–"
        else:
            ch = change(r.change_vs_previous)
            if r.change_significant:
                ch = ("↑ " if r.change_vs_previous > 0 else "↓ ") + ch
        tokens = [count(int(r.n_valid)), r.display, ci(r), ch]
    for c in comps:
        if c is None:
            tokens.append("–")
        elif c.suppressed:
            tokens.append(c.display)
        else:
            tokens.append(f"{c.display} ({ci(c)})")
    return " ".join(t for t in tokens if t)


def trend_cell(at: pd.DataFrame, key: tuple) -> str:
    """A trend table cell: display, arrow if significant and comparable, † at a series break."""
    if key not in at.index:
        return "–"
    c = at.loc[key]
    v = c.display
    if not c.suppressed and c.comparable_with_previous and c.change_significant:
        v += " ↑" if c.change_vs_previous > 0 else " ↓"
    previous = max([x for x in EDITIONS if x < key[0]], default=None)
    if not c.comparable_with_previous and (previous, *key[1:]) in at.index:
        v += "†"
    return v


def check_report(pub: Published, path: Path, wave: int, unit_type: str, unit_id: str) -> None:
    cells = pub.cells
    at = cells.set_index(["wave", "unit_type", "unit_id", "indicator_id", "measure"]).sort_index()
    own = cells[(cells.wave == wave) & (cells.unit_type == unit_type) & (cells.unit_id == unit_id)]
    name = own.unit_name.iloc[0]
    text = report_text(path, wave, name)
    comps = comparison_keys(pub, wave, unit_type, unit_id)
    prev_wave = max([w for w in EDITIONS if w < wave], default=None)
    h = pub.hidden
    hidden = h[(h.wave == wave) & (h.unit_type == unit_type) & (h.unit_id == unit_id)]

    # results per topic: every row is exactly its published figures
    body = text[text.index("Resultater per tema") : text.index("Utvikling over tid")]
    positions = []
    for r in own.itertuples():
        label, note = wording(r.indicator_id, r.measure)
        start = body.find(f"{label} {note}")
        assert start >= 0, (path, label)
        positions.append((start, start + len(label) + len(note) + 1, r))
    positions.sort(key=lambda p: p[0])
    for (_, end, r), nxt in zip(positions, [*positions[1:], (len(body), 0, None)], strict=True):
        segment = body[end : nxt[0]].strip()
        comp_rows = []
        for t, i in comps:
            key = (wave, t, i, r.indicator_id, r.measure)
            comp_rows.append(at.loc[key] if key in at.index else None)
        had_prev = (prev_wave, unit_type, unit_id, r.indicator_id, r.measure) in at.index
        expected = norm(expected_row(pd.Series(r._asdict()), comp_rows, had_prev))
        assert segment.startswith(expected), (path.name, r.indicator_id, segment, expected)
        rest = segment[len(expected) :]
        for title in TOPICS:
            rest = rest.replace(title, "")
        assert not re.search(r"\d", rest), (path.name, r.indicator_id, rest)
        if r.suppressed:  # the unit's part is its display text and nothing else
            assert r.display in ("for få svar", "under 10 %", "over 90 %")
            assert re.sub(r"\d+ %", "", segment.removeprefix(r.display)).count("%") == 0
            secret = hidden[(hidden.indicator_id == r.indicator_id) & (hidden.measure == r.measure)]
            assert len(secret) == 1
            assert (unit_part := segment[: len(r.display)]) == r.display
            assert not re.search(rf"(?<!\d){pct(secret.share.iloc[0])} %", unit_part)

    # first page facts
    n = pub.units.set_index(["wave", "unit_type", "unit_id"]).loc[(wave, unit_type, unit_id)]
    assert norm(f"Antall svar {count(int(n.n_respondents))}") in text
    overall = own[(own.indicator_id == "overall_satisfied") & (own.measure == "share_positive")]
    o = overall.iloc[0]
    fact = o.display if o.suppressed else f"{o.display} ({ci(o)})"  # the headline figure
    assert f"Alt i alt fornøyd {fact}" in text

    # trend table: exactly the published displays of this and earlier waves, arrows per rule
    trend = text[text.index("Utvikling over tid") :]
    mine = cells[(cells.unit_type == unit_type) & (cells.unit_id == unit_id)]
    waves = sorted(int(w) for w in mine[mine.wave <= wave].wave.unique())
    header = "Spørsmål " + " ".join(map(str, waves))
    table = trend[trend.index(header) :].replace(header, " ")
    expected_rows = []
    for r in [p[2] for p in positions]:  # same order as the topic tables
        label = short_label(r.indicator_id) + (
            " (negativ)" if r.measure != "share_positive" else ""
        )
        vals = [trend_cell(at, (w, unit_type, unit_id, r.indicator_id, r.measure)) for w in waves]
        expected_rows.append(" ".join([label, *vals]))
    assert norm(table) == " ".join(expected_rows), path.name

    # the chart shows only axis ticks and wave years as numbers
    chart = trend[trend.index("forrige måling") : trend.index(header)].replace(name, "")
    if "Figur 1" in chart:
        allowed = {str(w) for w in EDITIONS if w <= wave} | {"0", "50", "100", "95", "1"}
        legend_free = re.sub(r"Kommunestørrelse [^A-ZÆØÅ]*innb\.( og over)?", "", chart)
        assert set(re.findall(r"\d+", legend_free)) <= allowed, (path.name, legend_free)


# ---------- tests ----------
def test_one_pdf_per_published_unit_pool_region_size_class_and_nation(
    pub: Published, rendered: tuple[Path, list[Path]]
) -> None:
    out, paths = rendered
    units = pub.units[pub.units.published & pub.units.unit_type.isin(REPORT_TYPES)]
    expected = {
        out / f"{w}/{t}_{u}.pdf"
        for w, t, u in units[["wave", "unit_type", "unit_id"]].itertuples(index=False)
    }
    assert len(paths) == len(expected) == len(set(paths))
    assert set(paths) == expected
    assert set(out.rglob("*.pdf")) == expected
    for w in EDITIONS:
        assert (out / f"{w}/national_NO.pdf").exists()
    # pooled municipalities have no report of their own; counties are not report units
    assert not (out / "2021/kommune_1811.pdf").exists()
    assert not list(out.rglob("county_*.pdf"))


def test_every_number_in_every_pdf_equals_the_published_table(
    pub: Published, rendered: tuple[Path, list[Path]]
) -> None:
    _, paths = rendered
    for path in paths:
        wave = int(path.parent.name)
        unit_type = next(t for t in REPORT_TYPES if path.stem.startswith(t + "_"))
        unit_id = path.stem.removeprefix(unit_type + "_")
        check_report(pub, path, wave, unit_type, unit_id)


def test_norwegian_letters_survive_in_the_pdf_text(rendered: tuple[Path, list[Path]]) -> None:
    out, _ = rendered
    assert "Grünerløkka" in report_text(out / "2023/bydel_030102.pdf", 2023, "Grünerløkka")
    assert "Møre og Romsdal" in report_text(out / "2023/kommune_1507.pdf", 2023, "Ålesund")
    assert "Tromsø" in report_text(out / "2019/kommune_5501.pdf", 2019, "Tromsø")
    assert "Ørsta" in report_text(out / "2017/kommune_1520.pdf", 2017, "Ørsta")


def test_pool_report_lists_members_and_reason(rendered: tuple[Path, list[Path]]) -> None:
    out, _ = rendered
    name = "Små kommuner i Helse Nord (under 5 000 innbyggere)"
    text = report_text(out / "2021/pool_pool-2021-s1-HN.pdf", 2021, name)
    assert "Hvorfor kommunene er slått sammen" in text
    assert "Bindal og Sømna har hver færre enn 10 svar" in text
    assert "1811 Bindal (kommune) under 10" in text
    assert "1812 Sømna (kommune) under 10" in text


def test_band_and_suppressed_cells_read_as_their_display(rendered: tuple[Path, list[Path]]) -> None:
    out, _ = rendered
    text = report_text(out / "2019/kommune_4640.pdf", 2019, "Sogndal")
    assert (
        "Jeg har fått hjelp til å starte utdanning andel i stor eller svært stor grad over 90 %"
        in text
    )
    assert "etter døgnoppholdet andel i stor eller svært stor grad for få svar" in text
    assert "«for få svar»" in text  # the method section explains it


def test_reports_only_show_earlier_waves(rendered: tuple[Path, list[Path]]) -> None:
    out, _ = rendered
    text = report_text(out / "2019/kommune_4640.pdf", 2019, "Sogndal")
    assert "Spørsmål 2017 2019 " in text
    assert "2021" not in text and "2023" not in text


def test_same_inputs_give_byte_identical_pdfs(
    pub: Published, rendered: tuple[Path, list[Path]]
) -> None:
    out, _ = rendered
    index = PublishedIndex(pub.cells, pub.units)
    target = ReportTarget(2023, "bydel", "030102")
    again = render_report(build_report_model(index, target, MANIFEST))
    assert again == (out / target.relpath).read_bytes()  # rendered in a worker process
