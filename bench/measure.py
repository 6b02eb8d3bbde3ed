"""Run a step in a child process and measure its wall time and peak resident memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass
class Measurement:
    label: str
    seconds: float
    peak_rss_mb: float
    result: dict

    def line(self) -> str:
        return f"{self.label:42} {self.seconds:8.1f} s {self.peak_rss_mb:8.0f} MB peak RSS"


def run_step(label: str, module: str, *args: str) -> Measurement:
    """`python -m <module> args…` in a fresh process; it prints one JSON line last."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{done.stderr[-4000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    return Measurement(label, seconds, result.get("peak_rss_mb", peak), result)


# A floor is the fastest of this many runs: a cold page cache or a busy moment in one of them
# must not lower the bar the pipeline is measured against (at 1 M respondents one run of the
# floor measured 11.2 s after the 3 M wave was generated, 6.7 s the next).
FLOOR_RUNS = 2


def floor_step(label: str, module: str, *args: str) -> Measurement:
    """run_step's fastest of FLOOR_RUNS runs (see FLOOR_RUNS)."""
    return min((run_step(label, module, *args) for _ in range(FLOOR_RUNS)), key=lambda m: m.seconds)


def own_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
