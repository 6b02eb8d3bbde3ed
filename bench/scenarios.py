"""Benchmark scenarios with their targets (issue texts): each prints figures and a verdict."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from bench.measure import floor_step, run_step

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
    """1 M respondents in one wave → harmonized Parquet; target ≤ 3× the I/O floor (issue 11),
    ≤ 3 GB. BRUKERSTEMME_BENCH_PER_FILE=1 measures the file-by-file validation instead."""
    root = _generated("ingest")
    floor = floor_step(
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
    for phase, seconds in pipe.result.get("phases", {}).items():
        print(f"  {phase:40} {seconds:8.1f} s")
    fast, lean = ratio <= 3, pipe.peak_rss_mb <= 3072
    print(
        f"ratio to the I/O floor: {ratio:.1f}× (target ≤ 3×: {'met' if fast else 'NOT met'}); "
        f"peak RSS {pipe.peak_rss_mb:.0f} MB (target ≤ 3 GB: {'met' if lean else 'NOT met'})"
    )
    return fast and lean


def _harmonized() -> Path:
    root = _generated("ingest")
    if not (root / "harmonized.parquet").exists():
        run_step("ingest pipeline", "bench.ingest_steps", "pipeline", str(root), str(WAVE))
    return root


def indicators() -> bool:
    """Harmonized → published cells with every gate; target ≤ 3× the I/O floor (issue 11)."""
    root = str(_harmonized())
    floor = floor_step(
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
    for phase, seconds in step.result.get("phases", {}).items():
        print(f"  {phase:40} {seconds:8.1f} s")
    fast = ratio <= 3
    print(
        f"ratio to the I/O floor: {ratio:.1f}× (target ≤ 3×: {'met' if fast else 'NOT met'}); "
        f"time in Great Expectations (its import included): {gx_share:.0%}; "
        f"gates failed: {step.result['failed_gates'] or 'none'}"
    )
    return fast and not step.result["failed_gates"]


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


# `make bench SCENARIO=disclosure` before this change (main at 6598f9a, same generated demo
# data): printed for comparison unless BRUKERSTEMME_BENCH_BEFORE names a checkout to measure.
BEFORE_DEMO = {
    "national_complements": 17, "complement_share_rhf": 0.5625,
    "complement_share_size_class": 0.4935, "answers_lost_to_complements": 142935,
    "withheld_share_national": 0.1466, "withheld_share_rhf": 0.6056,
    "withheld_share_county": 0.5629, "withheld_share_size_class": 0.4935,
    "withheld_share_pool": 0.0385, "withheld_share_kommune": 0.1051,
    "withheld_share_bydel": 0.0758,
    "oslo_published_by_wave": {"2021": False, "2023": False, "2025": True},
}  # fmt: skip
LEVELS = ("national", "rhf", "county", "size_class", "pool", "kommune", "bydel")


def _disclosure_report(name: str, after: dict, before: dict | None) -> bool:
    print(f"\nscenario disclosure ({name}): {after['cells']:,} published cells")
    print(f"  leaks found by the interval audit: {after['audit_leaks']} ({after['audit_summary']})")
    print(f"  national cells withheld as complements: {after['national_complements']}")
    oslo = after["oslo_published_by_wave"]
    print(f"  Oslo's municipal figure published by wave: {oslo or 'no bydeler'}")
    for level in ("rhf", "size_class"):
        print(f"  {level} cells withheld as complements: {after[f'complement_share_{level}']:.1%}")
    lost = after["answers_lost_to_complements"]
    line = f"  answers lost to complements (sum of n_valid): {lost:,}"
    if before:
        line += f" (before: {before['answers_lost_to_complements']:,})"
    print(line)
    print("  share of cells withheld per level (before → after):")
    for level in LEVELS:
        b = before.get(f"withheld_share_{level}") if before else None
        a = after.get(f"withheld_share_{level}")
        if a is None:
            continue
        print(f"    {level:11} {'' if b is None else f'{b:.1%} → '}{a:.1%}")
    secs = after["build_publication_seconds"] + after["audit_seconds"]
    print(f"  build with protection {after['build_publication_seconds']:.1f} s, "
          f"audit gate {after['audit_seconds']:.1f} s (together {secs:.1f} s)")  # fmt: skip
    ok = (
        after["audit_leaks"] == 0 and after["audit_passed"] and after["national_complements"] == 0
        and all(oslo.values())
        and after["complement_share_rhf"] <= 0.2 and after["complement_share_size_class"] <= 0.2
        and (before is None or lost <= before["answers_lost_to_complements"] / 2)
    )  # fmt: skip
    print(f"  targets: {'met' if ok else 'NOT met'}")
    return ok


def disclosure() -> bool:
    """Disclosure control on `make demo`'s data (and the 1 M scenario with BENCH_1M=1)."""
    root = OUT / "disclosure-demo"
    if not (root / "harmonized.parquet").exists():
        run_step("generate + ingest demo deliveries", "bench.disclosure_steps", "harmonize",
                 str(root))  # fmt: skip
    before = BEFORE_DEMO
    if os.environ.get("BRUKERSTEMME_BENCH_BEFORE"):
        step = run_step("before (other checkout)", "bench.disclosure_steps", "measure", str(root),
                        os.environ["BRUKERSTEMME_BENCH_BEFORE"])  # fmt: skip
        before = step.result
    step = run_step("build publication + audit", "bench.disclosure_steps", "measure", str(root))
    print(step.line())
    ok = _disclosure_report("demo data", step.result, before)
    if os.environ.get("BENCH_1M"):
        big = str(_harmonized())
        step = run_step("1 M: build publication + audit", "bench.disclosure_steps", "measure", big)
        print(step.line())
        ok &= _disclosure_report("1 M respondents, every municipality", step.result, None)
        secs = step.result["build_publication_seconds"] + step.result["audit_seconds"]
        print(f"  1 M audit plus suppression ≤ 30 s: {'met' if secs <= 30 else 'NOT met'}")
    return ok


def late() -> bool:
    from bench.late import late as run

    return run()


def run() -> bool:
    from bench.run import run as end_to_end

    return end_to_end()


SCENARIOS = {"ingest": ingest, "indicators": indicators, "publish": publish, "late": late}
SCENARIOS["disclosure"] = disclosure
SCENARIOS["run"] = run
