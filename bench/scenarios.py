"""Benchmark scenarios with their targets (issue texts): each prints figures and a verdict."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from bench.measure import run_step

OUT = Path(os.environ.get("BRUKERSTEMME_BENCH_DIR", Path(__file__).parent / "out"))
RESPONDENTS = int(os.environ.get("BRUKERSTEMME_BENCH_RESPONDENTS", "1000000"))
WAVE = 2023  # the CSV format real large deliveries use; 1 M respondents over every municipality


def _generated(name: str) -> Path:
    from generator import generate

    root = OUT / name
    marker = root / f".generated-{RESPONDENTS}"
    if not marker.exists():
        shutil.rmtree(root, ignore_errors=True)
        start = time.perf_counter()
        generate(root, waves=[WAVE], units="all", respondents=RESPONDENTS, seed=2017)
        print(f"generated {RESPONDENTS:,} respondents in {time.perf_counter() - start:.1f} s")
        marker.touch()
    return root


def ingest() -> bool:
    """1 M respondents in one wave → harmonized Parquet; target ≤ 5× the I/O floor, ≤ 3 GB."""
    root = _generated("ingest")
    floor = run_step(
        "I/O floor (CSV → Arrow → Parquet)", "bench.ingest_steps", "floor", str(root), str(WAVE)
    )
    pipe = run_step(
        "pipeline (validate + harmonize → Parquet)",
        "bench.ingest_steps",
        "pipeline",
        str(root),
        str(WAVE),
    )
    ratio = pipe.seconds / floor.seconds
    print(
        f"\nscenario ingest: {pipe.result['rows']:,} harmonized rows "
        f"from {floor.result['files']} files"
    )
    print(floor.line())
    print(pipe.line())
    ok = ratio <= 5 and pipe.peak_rss_mb <= 3072
    print(
        f"ratio to the I/O floor: {ratio:.1f}× (target ≤ 5×); peak RSS target ≤ 3 GB: "
        f"{'met' if ok else 'NOT met'}"
    )
    return ok


SCENARIOS = {"ingest": ingest}
