"""PDF reports in bokmål, one per published unit, pool, region, size class and the nation.

The parent process builds every report's data from the published tables (report_model); a pool
of worker processes (typst_render, no pandas) renders them: each worker starts one Typst compiler
on the shared template, then compiles the template once per report with the report's JSON. The
trend chart is drawn by the template itself from the model's points (no chart engine). Fonts are
Typst's embedded ones (Libertinus Serif), system fonts are ignored, and the PDF's dates are fixed
per edition: the same inputs give byte-identical files.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from assets.consumers.report_model import (
    REPORT_UNIT_TYPES,
    ReportTarget,
    iter_report_models,
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
    targets = report_targets(units) if targets is None else targets
    models = iter_report_models(cells, units, manifest_id, targets, rules)
    jobs = ((str(out / t.relpath), model) for t, model in models)
    return render_jobs(jobs, workers, count=len(targets))


def render_jobs(
    jobs: Iterable[tuple[str, dict]], workers: int = 2, count: int | None = None
) -> list[Path]:
    """Render (path, model) jobs, in a spawned process pool when there are enough of them.

    `jobs` may be lazy, with `count` its length: the workers are started first and render the
    first reports while the parent still builds the later models.
    """
    if count is None:
        jobs = list(jobs)
        count = len(jobs)
    if workers <= 1 or count < SERIAL_BELOW:
        return [Path(render_to(job)) for job in jobs]
    ctx = mp.get_context("spawn")  # Typst holds threads: never fork it
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_worker) as pool:
        for _ in range(workers):
            pool.submit(os.getpid)  # each submit starts one worker: all start now
        chunk = max(1, min(8, count // (workers * 8)))
        return [Path(p) for p in pool.map(render_to, jobs, chunksize=chunk)]
