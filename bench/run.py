"""`make bench SCENARIO=run`: the user's path end to end. `brukerstemme run` on a fresh data dir
and Dagster instance holding one all-municipality 2023 wave, from landing to published cells,
reports and dashboard, against the I/O floor measured in the same run (the same files read to
Arrow and written as Parquet). Prints wall time, peak RSS of the whole process tree, the time
per stage (from the Dagster instance's step events) and the ratio, at several sizes
(BRUKERSTEMME_BENCH_RUN_SIZES, default 100000,1000000,3000000 respondents), and how time and
memory grow with respondents (the exponent of a least-squares fit on log-log).

Targets (issue: speed at scale): ≤ 10× the floor at 1 M respondents, ≤ 3 GB peak RSS,
growth exponent ≤ 1.1.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WAVE = 2023
SIZES_ENV = "BRUKERSTEMME_BENCH_RUN_SIZES"
DEFAULT_SIZES = (100_000, 1_000_000, 3_000_000)
# Dagster step → the stage a user sees.
STAGES = {
    "raw_deliveries": "ingest",
    "validated_responses": "ingest",
    "harmonized_responses": "harmonize",
    "indicator_cells": "indicators and gates",
    "wave_edition": "reports (edition)",
    "published_tables": "dashboard and mart",
    "delivery_ledger": "ledger and status",
    "wave_status": "ledger and status",
}


@dataclass
class RunFigures:
    respondents: int
    floor_seconds: float
    seconds: float
    peak_rss_mb: float
    stages: dict[str, tuple[float, float]] = field(default_factory=dict)  # span, summed steps
    stage_peaks_mb: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds


class TreeMemory:
    """Samples the resident memory of a process and all its descendants; keeps the peak and
    the samples (wall-clock time, bytes), so that each stage's peak can be told."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for proc in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self.samples.append((time.time(), total))
            self._stop.wait(self.every)


def sizes() -> list[int]:
    raw = os.environ.get(SIZES_ENV)
    return [int(s) for s in raw.split(",")] if raw else list(DEFAULT_SIZES)


def generated(respondents: int) -> Path:
    from bench.scenarios import OUT
    from generator import generate

    root = OUT / f"run-{respondents}"
    marker = root / ".generated"
    if not marker.exists():
        shutil.rmtree(root, ignore_errors=True)
        generate(root, waves=[WAVE], units="all", respondents=respondents, seed=2017)
        marker.touch()
    return root


def stage_times(home: Path) -> tuple[dict[str, tuple[float, float]], dict[str, list[float]]]:
    """Per stage: (wall span from its first step start to its last step end, summed step time),
    and the (start, end) wall-clock times of its steps."""
    script = """
import json, dagster as dg
from dagster import DagsterEventType as T
inst = dg.DagsterInstance.get()
out = []
for record in inst.get_run_records():
    starts = {}
    for e in inst.all_logs(record.dagster_run.run_id, of_type={T.STEP_START, T.STEP_SUCCESS}):
        if e.dagster_event.event_type == T.STEP_START:
            starts[e.step_key] = e.timestamp
        elif e.step_key in starts:
            out.append((e.step_key, starts[e.step_key], e.timestamp))
print(json.dumps(out))
"""
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-c", script],
        capture_output=True, text=True, check=True, env=env, cwd=REPO,
    )  # fmt: skip
    steps = json.loads(done.stdout.strip().splitlines()[-1])
    spans: dict[str, list[float]] = defaultdict(list)
    summed: dict[str, float] = defaultdict(float)
    for key, start, end in steps:
        stage = STAGES.get(key.split("_ledger_reconciles")[0], "checks")
        spans[stage] += [start, end]
        summed[stage] += end - start
    return {s: (max(v) - min(v), summed[s]) for s, v in spans.items()}, dict(spans)


def measure(respondents: int) -> RunFigures:
    from bench.measure import floor_step
    from bench.scenarios import OUT

    source = generated(respondents)
    floor = floor_step("I/O floor", "bench.ingest_steps", "floor", str(source), str(WAVE))
    data, home = OUT / f"run-{respondents}-data", OUT / f"run-{respondents}-dagster"
    for folder in (data, home):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source / "landing", data / "landing")
    home.mkdir(parents=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "BRUKERSTEMME_DATA_DIR": str(data)}
    start = time.monotonic()
    with open(OUT / f"run-{respondents}.log", "wb") as log:
        proc = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "brukerstemme"), "run"], cwd=REPO, env=env,
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        with TreeMemory(proc.pid) as memory:
            code = proc.wait()
    seconds = time.monotonic() - start
    if code != 0:
        raise RuntimeError(f"brukerstemme run exited {code}; see {OUT}/run-{respondents}.log")
    stages, spans = stage_times(home)
    peaks = {
        stage: max(
            (
                b
                for t, b in memory.samples
                if any(s <= t <= e for s, e in zip(v[::2], v[1::2], strict=True))
            ),
            default=0,
        )
        / 2**20
        for stage, v in spans.items()
    }
    return RunFigures(respondents, floor.seconds, seconds, memory.peak / 2**20, stages, peaks)


def exponent(xs: list[float], ys: list[float]) -> float:
    """Slope of the least-squares line through (log x, log y)."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )


def run() -> bool:
    figures = [measure(n) for n in sizes()]
    print(f"\nscenario run: brukerstemme run, wave {WAVE}, every municipality")
    for f in figures:
        print(
            f"{f.respondents:>10,} respondents: {f.seconds:7.1f} s, floor {f.floor_seconds:5.1f} s,"
            f" {f.ratio:5.1f}× the floor, peak RSS {f.peak_rss_mb:6.0f} MB (process tree)"
        )
        for stage, (span, summed) in sorted(f.stages.items(), key=lambda kv: -kv[1][0]):
            peak = f.stage_peaks_mb.get(stage, 0)
            print(
                f"    {stage:24} {span:7.1f} s wall, {summed:7.1f} s in steps, peak {peak:5.0f} MB"
            )
    ok = True
    at_1m = [f for f in figures if f.respondents == 1_000_000]
    for f in at_1m:
        fast, lean = f.ratio <= 10, f.peak_rss_mb <= 3072
        ok &= fast and lean
        verdicts = ("met" if fast else "NOT met", "met" if lean else "NOT met")
        print(f"at 1 M: {f.ratio:.1f}× (target ≤ 10×: {verdicts[0]}), "
              f"{f.peak_rss_mb:.0f} MB (target ≤ 3 GB: {verdicts[1]})")  # fmt: skip
    if len(figures) >= 2:
        xs = [f.respondents for f in figures]
        time_exp = exponent(xs, [f.seconds for f in figures])
        memory_exp = exponent(xs, [f.peak_rss_mb for f in figures])
        grows = time_exp <= 1.1
        ok &= grows
        print(f"growth with respondents: time ∝ n^{time_exp:.2f} (target ≤ 1.1: "
              f"{'met' if grows else 'NOT met'}), memory ∝ n^{memory_exp:.2f}")  # fmt: skip
    return ok
