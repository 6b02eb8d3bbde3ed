"""Staging and atomic publication of the disclosure-safe tables (no Dagster here).

Staged tables live in warehouse/indicators/; publishing copies the consumer tables to
published/ (Parquet and the DuckDB mart) by writing next to the target and renaming, so a
reader or an interrupted run never sees a half-written publication.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from assets.indicators.cells import Publication
from assets.storage import DataZones, write_parquet
from quality.gates import valid_units
from schemas.codebook import codebooks

STAGED = {
    "indicator_cells": "cells.parquet",
    "answer_distribution": "distribution.parquet",
    "units": "units.parquet",
    "suppression_log": "suppression_log.parquet",
    "internal_cells": "internal_cells.parquet",
}
PUBLISHED = {
    "indicator_cells": "indicators.parquet",
    "answer_distribution": "answer_distribution.parquet",
    "units": "units.parquet",
}
MART_VIEWS = {
    "current_cells": "SELECT * FROM indicator_cells WHERE NOT suppressed",
    "editions": "SELECT wave, edition, count(*) AS cells, sum(CASE WHEN suppressed THEN 1 "
    "ELSE 0 END) AS suppressed FROM indicator_cells GROUP BY wave, edition",
}


def valid_units_by_wave(harmonized: pd.DataFrame) -> dict[int, set[str]]:
    books = codebooks()
    waves = sorted(int(w) for w in harmonized["wave"].unique()) if len(harmonized) else []
    return valid_units({w: books[w].code_list_year for w in waves})


def stage_publication(zones: DataZones, publication: Publication) -> Path:
    folder = zones.warehouse / "indicators"
    frames = {
        "indicator_cells": publication.cells,
        "answer_distribution": publication.distribution,
        "units": publication.units,
        "suppression_log": publication.suppression_log,
        "internal_cells": publication.internal_cells,
    }
    for name, frame in frames.items():
        write_parquet(frame, folder / STAGED[name])
    return folder


def read_staged(zones: DataZones) -> dict[str, pd.DataFrame]:
    folder = zones.warehouse / "indicators"
    return {name: pd.read_parquet(folder / STAGED[name]) for name in PUBLISHED}


def publish_tables(zones: DataZones, tables: dict[str, pd.DataFrame]) -> dict[str, Path]:
    """Replace the published Parquet tables and the mart, each by an atomic rename."""
    paths = {
        name: write_parquet(tables[name], zones.published / PUBLISHED[name]) for name in PUBLISHED
    }
    paths["mart"] = write_mart(zones.published / "mart.duckdb", tables)
    return paths


def write_mart(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
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


@contextlib.contextmanager
def replace_folder(target: Path) -> Iterator[Path]:
    """Build a folder's new content beside it, then swap it in; on error the old one stays."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.new{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    try:
        yield fresh
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    old = target.with_name(f".{target.name}.old{os.getpid()}")
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
