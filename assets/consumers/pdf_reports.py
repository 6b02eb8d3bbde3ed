"""PDF reports in bokmål, one per published unit, pool, region, size class and the nation.

The parent process builds every report's data from the published tables (report_model); a pool
of worker processes (typst_render, no pandas) renders them: each worker starts one Typst compiler
on the shared template and one vl-convert engine, then per report renders its chart to an SVG
string once and compiles the template once with the report's JSON. Fonts are Typst's embedded
ones (Libertinus Serif), system fonts are ignored, and the PDF carries no date: the same inputs
give byte-identical files.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from assets.consumers.report_model import (
    REPORT_UNIT_TYPES,
    ReportTarget,
    build_report_models,
    report_targets,
)
from assets.consumers.typst_render import init_worker, render_report, render_to

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "REPORT_UNIT_TYPES",
    "ReportTarget",
    "render_jobs",
    "render_report",
    "render_reports",
    "report_targets",
]

SERIAL_BELOW = 12  # fewer reports than this are rendered in-process (no pool start-up cost)


def render_reports(
    cells: pd.DataFrame,
    units: pd.DataFrame,
    out_dir: Path | str,
    manifest_id: str,
    workers: int = 2,
    targets: list[ReportTarget] | None = None,
    rules: dict[str, int] | None = None,
) -> list[Path]:
    """Render every report target to `out_dir/<wave>/<unit_type>_<unit_id>.pdf`.

    `targets` defaults to `report_targets(units)`; `rules` overrides the disclosure thresholds
    quoted in the method text (defaults: 10 respondents, 5 valid answers, band below 20).
    Returns the written paths in target order.
    """
    out = Path(out_dir)
    models = build_report_models(cells, units, manifest_id, targets, rules)
    return render_jobs([(str(out / t.relpath), model) for t, model in models], workers)


def render_jobs(jobs: list[tuple[str, dict]], workers: int = 2) -> list[Path]:
    """Render (path, model) jobs, in a spawned process pool when there are enough of them."""
    if workers <= 1 or len(jobs) < SERIAL_BELOW:
        return [Path(render_to(job)) for job in jobs]
    ctx = mp.get_context("spawn")  # vl-convert and Typst hold threads: never fork them
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_worker) as pool:
        chunk = max(1, min(8, len(jobs) // (workers * 8)))
        return [Path(p) for p in pool.map(render_to, jobs, chunksize=chunk)]
