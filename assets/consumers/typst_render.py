"""Worker side of the PDF reports: one Typst compiler per process, the template draws its charts.

Kept free of pandas so that spawning a worker costs milliseconds, not a second. Typst's own
thread pool is pinned to one thread per worker: with a process per core, extra Typst threads
only contend. Measured on the benchmark's reports (1 M respondents, 320 reports, one wave,
December 2026, callgrind on 4 reports after a warm-up): a report costs ~220 M instructions in
Typst (235 M before the topic and trend tables used `table.hline` rules and alignment arrays in
place of per-cell `stroke`/`align` closures: −6.5 %, same PDF bytes), 80–100 ms on this machine
depending on its load. Where the 220 M go: the topic tables 128 M (labels 28, comparison cells
18, n/share/KI/change cells 22, interval bars 18, the rest grid overhead: each auto-height row
lays every cell out twice, once to measure it), the trend table 28 M, the method text 21 M, the
chart 8 M; layout ~80 %, PDF export (tags, fonts, compression) ~20 %, the PDF/A + PDF/UA
declaration ~7 ms. Introspection is not a cost: the page counters and the first-page header
converge in a second, almost fully memoized pass (dropping them all saves ~2 %); neither the
unbreakable topic blocks (<1 %) nor cell padding done as gutters (−6 %, but it moves the rules)
pay. The chart used to be an SVG from vl-convert: another 25–45 ms a report, now saved.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import typst

TEMPLATE = Path(__file__).with_name("templates") / "report.typ"
# Typst needs a creation time for its PDF metadata; a fixed one keeps output reproducible.
FIXED_TIMESTAMP = 1_700_000_000
# Archival and accessible PDFs: PDF/A-2a (tagged, archivable) and PDF/UA-1. Typst refuses to
# write a document that breaks a declared standard (a missing alt text, say), so declaring them
# is itself a check on every report.
PDF_STANDARDS = ["a-2a", "ua-1"]

_compiler: typst.Compiler | None = None


def _get_compiler() -> typst.Compiler:
    global _compiler
    if _compiler is None:
        _compiler = typst.Compiler(
            input=str(TEMPLATE), root=str(TEMPLATE.parent), ignore_system_fonts=True
        )
    return _compiler


def render_report(model: dict[str, Any]) -> bytes:
    """One report's PDF bytes from its model (see report_model.build_report_model)."""
    model = {**model, "meta": dict(model["meta"])}
    model["meta"]["document_date"] = document_date(model["meta"].get("published_on"))
    data = json.dumps(model, ensure_ascii=False, separators=(",", ":"))
    pdf = _get_compiler().compile(
        format="pdf",
        sys_inputs={"data": data},
        timestamp=FIXED_TIMESTAMP,
        pdf_standards=PDF_STANDARDS,
    )
    assert isinstance(pdf, bytes)
    return pdf


def document_date(published_on: str | None) -> list[int]:
    """[year, month, day] of the PDF's document date: the edition's publication date when the
    model has one (ISO date), else the fixed creation timestamp's date."""
    if published_on:
        day = dt.date.fromisoformat(str(published_on)[:10])
    else:
        day = dt.datetime.fromtimestamp(FIXED_TIMESTAMP, tz=dt.UTC).date()
    return [day.year, day.month, day.day]


def write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def render_to(job: tuple[str, dict[str, Any]]) -> str:
    """Render one (path, model) job and write the file; returns the path."""
    path, model = job
    write_atomic(Path(path), render_report(model))
    return path


def init_worker() -> None:
    """Process-pool initializer: one Typst thread and the compiler ready."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    _get_compiler()
