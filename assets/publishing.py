"""Publication helpers shared by the assets (no Dagster here): the gates a candidate edition
must pass and the DuckDB mart.

The gates run on what would be published: the cells GX suite, the cell totals suite on the
internal cells, and the differencing attacker on the new edition together with every earlier
edition of its wave.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from assets.ingest.ledger import assemble_ledger, recorded_parts
from assets.storage import distinct_text
from quality.gates import GateResult, cells_gate, disclosure_gate, totals_gate, valid_units
from schemas.codebook import codebooks

MART_VIEWS = {
    "current_cells": "SELECT c.* FROM indicator_cells c "
    "JOIN current_editions USING (wave, edition)",
    "current_units": "SELECT u.* FROM units u JOIN current_editions USING (wave, edition)",
    "current_answer_distribution": "SELECT d.* FROM answer_distribution d "
    "JOIN current_editions USING (wave, edition)",
    "editions": "SELECT wave, edition, count(*) AS cells, sum(CASE WHEN suppressed THEN 1 "
    "ELSE 0 END) AS suppressed, bool_or(is_current IS NOT NULL) AS is_current "
    "FROM indicator_cells LEFT JOIN (SELECT wave, edition, true AS is_current "
    "FROM current_editions) USING (wave, edition) GROUP BY wave, edition",
}


def valid_units_by_wave(harmonized: pd.DataFrame) -> dict[int, set[str]]:
    books = codebooks()
    waves = sorted(int(w) for w in harmonized["wave"].unique()) if len(harmonized) else []
    return valid_units({w: books[w].code_list_year for w in waves})


def disclosure_with_editions(
    cells: pd.DataFrame, units: pd.DataFrame, distribution: pd.DataFrame, earlier: Sequence
) -> GateResult:
    """The interval audit on this edition and every earlier edition of the wave (objects with
    .cells, .units and .distribution)."""
    return disclosure_gate(cells, units, distribution=distribution, earlier_editions=list(earlier))


def edition_ledger(ledger: pd.DataFrame, candidate) -> pd.DataFrame:
    """The ledger as the candidate edition sees it: the deliveries whose rows it uses count as
    current (a held correction leaves its predecessor in use), every other delivery of the wave
    does not; so the totals gate checks the edition's figures against what it really used."""
    wave = ledger[ledger["wave"] == candidate.wave].copy()
    used = set(distinct_text(candidate.input, "source_sha256"))
    in_use = wave["sha256"].isin(used) & wave["status"].isin(["accepted", "superseded"])
    wave["status"] = wave["status"].where(~in_use, "accepted")
    wave.loc[~in_use & wave["status"].eq("accepted"), "status"] = "held"
    return wave


def read_ledger(zones, wave: int) -> pd.DataFrame:
    """The wave's ledger rows as its unit runs recorded them (the cross-wave delivery_ledger is
    assembled from the same parts after the waves are built)."""
    return assemble_ledger(recorded_parts(zones, wave))


def publication_gates(
    candidate, harmonized: pd.DataFrame, ledger: pd.DataFrame, docs: Path, run_id: str
) -> list:
    pub = candidate.publication
    tag = f"{candidate.wave}-{run_id}"
    held = {u for u in candidate.held}
    view = edition_ledger(ledger, candidate)
    unexplained = view[(view["status"] == "held") & ~view["unit_id"].isin(held)]
    totals = totals_gate(pub.internal_cells, candidate.input, view, docs / "cell_totals" / tag)
    if len(unexplained):
        totals.passed = False
        totals.details = [
            f"{r.file_name}: an accepted delivery the edition neither uses nor holds"
            for r in unexplained.itertuples()
        ] + totals.details
    return [
        cells_gate(pub.cells, valid_units_by_wave(harmonized), docs / "cells_expectations" / tag),
        totals,
        disclosure_with_editions(pub.cells, pub.units, pub.distribution, candidate.earlier),
    ]


def write_mart(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """A DuckDB file with the given tables and MART_VIEWS, written beside `path` and renamed."""
    import duckdb

    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
        for name, sql in MART_VIEWS.items():
            con.execute(f"CREATE VIEW {name} AS {sql}")
    tmp.replace(path)
    return path
