"""Reports are archival and accessible: PDF/A-2a and PDF/UA-1 declared (Typst refuses a
document that breaks them), language nb, a tagged structure with headings and table headers,
and alternative text for every figure that states its figures in words."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import typst
from fixtures_published import Published, build_published
from pypdf import PdfReader

from assets.consumers.pdf_reports import ReportTarget, render_report
from assets.consumers.report_model import PublishedIndex, build_report_model
from assets.consumers.typst_render import PDF_STANDARDS


@pytest.fixture(scope="module")
def pub() -> Published:
    return build_published()


def _structure(node, acc: list[tuple[str, object]]) -> list[tuple[str, object]]:
    node = node.get_object()
    if isinstance(node, dict):
        if node.get("/S"):
            acc.append((str(node["/S"]), node.get("/Alt")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            if (kid is not None and hasattr(kid, "get_object")) or isinstance(kid, dict):
                _structure(kid, acc)
    return acc


def _report(pub: Published, tmp_path: Path, target: ReportTarget) -> tuple[PdfReader, dict]:
    model = build_report_model(PublishedIndex(pub.cells, pub.units), target, "test")
    path = tmp_path / f"{target.unit_id}.pdf"
    path.write_bytes(render_report(model))
    return PdfReader(path), model


@pytest.mark.parametrize(
    "target",
    [ReportTarget(2023, "national", "NO"), ReportTarget(2023, "bydel", "030102")],
    ids=lambda t: t.unit_id,
)
def test_reports_declare_pdfa_and_pdfua_with_language_and_structure(
    pub: Published, tmp_path: Path, target: ReportTarget
) -> None:
    reader, model = _report(pub, tmp_path, target)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>2</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance>A</pdfaid:conformance>", xmp)
    assert re.search(r"<pdfuaid:part>1</pdfuaid:part>", xmp)
    assert root["/Lang"] == "nb"
    assert bool(root["/MarkInfo"]["/Marked"])
    tags = _structure(root["/StructTreeRoot"], [])
    kinds = Counter(kind for kind, _ in tags)
    assert kinds["/H1"] >= 2 and kinds["/H2"] >= 1, kinds
    assert kinds["/Table"] >= 1 and kinds["/TH"] >= kinds["/Table"], kinds
    figures = [alt for kind, alt in tags if kind == "/Figure"]
    assert len(figures) == (1 if model["charts"]["trend"] else 0)
    for alt in figures:
        assert str(alt) == model["charts"]["trend_alt"]
        assert model["meta"]["unit_name"] in str(alt) and "Hele landet" in str(alt)
        assert re.search(r"\d+ % \(KI \d+–\d+\)", str(alt))


def test_alt_text_states_every_point_of_the_chart(pub: Published) -> None:
    model = build_report_model(
        PublishedIndex(pub.cells, pub.units), ReportTarget(2023, "bydel", "030102"), "test"
    )
    alt = model["charts"]["trend_alt"]
    for point in model["charts"]["trend"]:
        assert f"{point['wave']}: {round(point['share'] * 100)} %" in alt, point


def test_typst_refuses_a_figure_without_alt_text(tmp_path: Path) -> None:
    """The declaration is a check: the same standards reject an image with no alternative."""
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="9"/></svg>'
    (tmp_path / "a.svg").write_text(svg, encoding="utf-8")
    doc = tmp_path / "doc.typ"
    doc.write_text(
        '#set document(title: "t", date: datetime(year: 2025, month: 1, day: 1))\n'
        '#set text(lang: "nb")\n= Tittel\n#image("a.svg")\n',
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="alt"):
        typst.compile(str(doc), format="pdf", pdf_standards=PDF_STANDARDS)
    doc.write_text(doc.read_text().replace('image("a.svg")', 'image("a.svg", alt: "firkant")'))
    assert typst.compile(str(doc), format="pdf", pdf_standards=PDF_STANDARDS)[:4] == b"%PDF"


def test_trend_chart_is_drawn_with_axis_waves_and_a_legend_of_every_series(
    pub: Published, tmp_path: Path
) -> None:
    """The chart is drawn by the template: its 0–100 % axis, each wave and each series' name
    in the legend (series differ by shape as well as colour) are text in the figure."""
    reader, model = _report(pub, tmp_path, ReportTarget(2023, "bydel", "030102"))
    text = " ".join(" ".join(p.extract_text().replace("\xa0", " ").split()) for p in reader.pages)
    trend = text[text.index("Utvikling over tid") :]
    chart = trend[trend.index("forrige måling") : trend.index("Figur 1")]
    assert all(tick in chart for tick in ("0 %", "50 %", "100 %")), chart
    waves = {p["wave"] for p in model["charts"]["trend"]}
    assert len(waves) > 1 and all(w in chart for w in waves), chart
    assert len(model["series"]) > 1 and all(name in chart for name in model["series"]), chart
