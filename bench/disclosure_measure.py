"""Figures of the disclosure benchmark for one harmonized table (see bench.disclosure_steps).

`measure(path, code_root)` imports the publication code from `code_root` (this checkout by
default; another checkout gives the "before" figures), builds the publication, audits it with
this checkout's interval audit where available and returns the figures of issue 8.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

COMPLEMENT = ("secondary", "revision")
LEVELS = ("national", "rhf", "county", "size_class", "pool", "kommune", "bydel")


def figures(pub, internal: pd.DataFrame) -> dict:
    """Withheld shares per level, complements and answers lost (from the built publication)."""
    c = pub.cells
    reason = c["suppression_reason"].fillna("")
    complement = reason.str.startswith(COMPLEMENT)
    out: dict = {"cells": len(c)}
    for level in LEVELS:
        at = c["unit_type"] == level
        out[f"withheld_share_{level}"] = (
            round(float(c.loc[at, "suppressed"].mean()), 4) if at.any() else None
        )
        out[f"complement_share_{level}"] = (
            round(float(complement[at].mean()), 4) if at.any() else None
        )
    out["national_complements"] = int((complement & (c["unit_type"] == "national")).sum())
    keys = ["wave", "unit_type", "unit_id", "indicator_id", "measure"]
    lost = c.loc[complement, keys].merge(internal[[*keys, "n_valid"]], on=keys, how="left")
    out["answers_lost_to_complements"] = int(lost["n_valid"].fillna(0).sum())
    u = pub.units
    byd = u[u["unit_type"] == "bydel"].groupby("wave")["kommune_id"].first().dropna()
    oslo = {}
    for wave, kid in byd.items():
        row = u[(u["wave"] == wave) & (u["unit_type"] == "kommune") & (u["unit_id"] == kid)]
        oslo[int(wave)] = bool(row["published"].all()) if len(row) else False
    out["oslo_published_by_wave"] = oslo
    return out


def measure(path: Path, code_root: str | None = None) -> dict:
    if code_root:
        sys.path.insert(0, code_root)
    from assets.indicators.cells import build_publication

    harmonized = pd.read_parquet(path)
    start = time.perf_counter()
    pub = build_publication(harmonized, edition="preliminary")
    build = time.perf_counter() - start
    out = figures(pub, pub.internal_cells)
    out["build_publication_seconds"] = round(build, 2)
    if code_root is None:
        from quality.gates import disclosure_gate

        start = time.perf_counter()
        gate = disclosure_gate(pub.cells, pub.units, distribution=pub.distribution)
        out["audit_seconds"] = round(time.perf_counter() - start, 2)
        out["audit_leaks"] = len(gate.details)
        out["audit_passed"] = gate.passed
        out["audit_summary"] = gate.summary
    return out
