"""Child-process steps of the indicators and publish benchmarks.

`python -m bench.publication_steps <step> <dir>`, where <dir> holds harmonized.parquet from the
ingest benchmark (1 M respondents over every municipality):
- floor:      read harmonized Parquet, write it again (the I/O floor of the indicators step);
- indicators: harmonized gate + build_publication + cell gates + attacker, then write the tables;
- reports:    every PDF report of the published tables, 2 workers;
- dashboard:  the dashboard for four waves (the wave's tables repeated as 2017–2023).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.measure import own_peak_rss_mb

if TYPE_CHECKING:
    import pandas as pd

# pandas is imported inside each step, not here: the report step's worker processes are spawned
# and import this module (the main module) again, and they need no pandas (~0.8 s each).


def floor(root: Path) -> dict:
    import pandas as pd

    frame = pd.read_parquet(root / "harmonized.parquet")
    frame.to_parquet(root / "floor_cells.parquet", compression="zstd")
    return {"rows": len(frame)}


def _ledger_of(harmonized: pd.DataFrame) -> pd.DataFrame:
    """The ledger the benchmark's synthetic wave would have: one accepted delivery per unit."""
    import pandas as pd

    sizes = harmonized.groupby(["wave", "unit_id"], observed=True).size().reset_index(name="n")
    return pd.DataFrame(
        {
            "wave": sizes["wave"].astype(int),
            "unit_id": sizes["unit_id"].astype(str),
            "status": "accepted",
            "rows_accepted": sizes["n"].astype(int),
        }
    )


def indicators(root: Path) -> dict:
    """Times each phase (`phases`, seconds); gx_seconds is the three GX gates with GX's import."""
    start = time.perf_counter()
    import great_expectations  # noqa: F401  (timed apart: a fixed cost of every process)

    phases = {"import great_expectations": time.perf_counter() - start}
    import pandas as pd

    from assets.indicators.cells import build_publication
    from assets.publishing import valid_units_by_wave
    from quality.gates import cells_gate, disclosure_gate, harmonized_gate, totals_gate

    def timed(name, call, *args, **kwargs):
        begin = time.perf_counter()
        out = call(*args, **kwargs)
        phases[name] = time.perf_counter() - begin
        return out

    harmonized = timed("read harmonized", pd.read_parquet, root / "harmonized.parquet")
    units = valid_units_by_wave(harmonized)
    gates = [timed("harmonized gate (GX)", harmonized_gate, harmonized, units, None)]
    publication = timed("build_publication", build_publication, harmonized, edition="preliminary")
    gates.append(timed("cells gate (GX)", cells_gate, publication.cells, units, None))
    ledger = _ledger_of(harmonized)
    gates.append(
        timed("totals gate (GX)", totals_gate, publication.internal_cells, harmonized, ledger, None)
    )
    gates.append(
        timed(
            "disclosure gate (interval audit)",
            disclosure_gate,
            publication.cells,
            publication.units,
            distribution=publication.distribution,
        )
    )
    failed = [g.name for g in gates if not g.passed]
    out = root / "published"
    out.mkdir(exist_ok=True)
    begin = time.perf_counter()
    publication.cells.to_parquet(out / "indicators.parquet")
    publication.units.to_parquet(out / "units.parquet")
    publication.distribution.to_parquet(out / "answer_distribution.parquet")
    phases["write published"] = time.perf_counter() - begin
    gx = sum(v for k, v in phases.items() if "GX" in k) + phases["import great_expectations"]
    return {
        "cells": len(publication.cells),
        "gx_seconds": gx,
        "failed_gates": failed,
        "phases": phases,
    }


def reports(root: Path) -> dict:
    import pandas as pd

    from assets.consumers.pdf_reports import render_reports

    out = root / "published"
    cells, units = (
        pd.read_parquet(out / "indicators.parquet"),
        pd.read_parquet(out / "units.parquet"),
    )
    paths = render_reports(cells, units, root / "reports", "benchmark", workers=2)
    return {"reports": len(paths)}


def dashboard(root: Path) -> dict:
    import pandas as pd

    from assets.consumers.dashboard import build_dashboard

    out = root / "published"
    tables = [
        pd.read_parquet(out / f"{n}.parquet")
        for n in ("indicators", "units", "answer_distribution")
    ]
    four = [pd.concat([t.assign(wave=w) for w in (2017, 2019, 2021, 2023)]) for t in tables]
    start = time.perf_counter()
    path = build_dashboard(*four, root / "dashboard")
    return {"build_seconds": time.perf_counter() - start, "bytes": path.stat().st_size}


def main(argv: list[str]) -> int:
    step, root = argv[0], Path(argv[1])
    start = time.perf_counter()
    steps = {"floor": floor, "indicators": indicators, "reports": reports, "dashboard": dashboard}
    result = steps[step](root)
    result.update(seconds=time.perf_counter() - start, peak_rss_mb=own_peak_rss_mb())
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
