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
    fast, lean = ratio <= 5, pipe.peak_rss_mb <= 3072
    print(
        f"ratio to the I/O floor: {ratio:.1f}× (target ≤ 5×: {'met' if fast else 'NOT met'}); "
        f"peak RSS {pipe.peak_rss_mb:.0f} MB (target ≤ 3 GB: {'met' if lean else 'NOT met'})"
    )
    return fast and lean


def _harmonized() -> Path:
    root = _generated("ingest")
    if not (root / "harmonized.parquet").exists():
        run_step("ingest pipeline", "bench.ingest_steps", "pipeline", str(root), str(WAVE))
    return root


def indicators() -> bool:
    """Harmonized → published cells with every gate; target ≤ 5× the I/O floor."""
    root = str(_harmonized())
    floor = run_step(
        "I/O floor (harmonized Parquet round trip)", "bench.publication_steps", "floor", root
    )
    step = run_step(
        "indicators + disclosure + all gates", "bench.publication_steps", "indicators", root
    )
    ratio = step.seconds / floor.seconds
    gx_share = step.result["gx_seconds"] / step.seconds
    print(f"\nscenario indicators: {step.result['cells']:,} published cells")
    print(floor.line())
    print(step.line())
    print(
        f"ratio to the I/O floor: {ratio:.1f}× (target ≤ 5×); time in Great Expectations: "
        f"{gx_share:.0%}; gates failed: {step.result['failed_gates'] or 'none'}"
    )
    return not step.result["failed_gates"]


def publish() -> bool:
    """PDF reports for every unit (≥ 20/s on 2 cores) and the dashboard (≤ 10 s, four waves)."""
    root = _harmonized()
    if not (root / "published" / "indicators.parquet").exists():
        run_step("indicators", "bench.publication_steps", "indicators", str(root))
    pdfs = run_step("PDF reports (2 workers)", "bench.publication_steps", "reports", str(root))
    board = run_step("dashboard, four waves", "bench.publication_steps", "dashboard", str(root))
    rate = pdfs.result["reports"] / pdfs.seconds
    print(f"\nscenario publish: {pdfs.result['reports']} reports")
    print(pdfs.line())
    print(board.line())
    build = board.result["build_seconds"]
    ok = rate >= 20 and build <= 10
    print(
        f"{rate:.1f} reports/s (target ≥ 20); dashboard build {build:.1f} s (target ≤ 10 s), "
        f"{board.result['bytes'] / 1e6:.1f} MB: {'met' if ok else 'NOT met'}"
    )
    return ok


def late() -> bool:
    from bench.late import late as run

    return run()


SCENARIOS = {"ingest": ingest, "indicators": indicators, "publish": publish, "late": late}
