"""Worker side of the PDF reports: one Typst compiler per process, the template draws its charts.

Kept free of pandas so that spawning a worker costs milliseconds, not a second. Typst's own
thread pool is pinned to one thread per worker: with a process per core, extra Typst threads
only contend. Measured on the benchmark's reports (1 M respondents, 320 reports, one wave,
December 2026): a report costs ~230 M instructions in Typst (callgrind), 60–90 ms on this
machine depending on its load. Without the topic tables a report costs ~64 % less, without the
trend table ~15 %, without the chart ~3 %; the PDF export (tags, compression) is ~20 % of the
whole, the PDF/A + PDF/UA declaration only ~7 ms. The chart used to be an SVG from vl-convert:
another 25–45 ms a report, now saved.
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
