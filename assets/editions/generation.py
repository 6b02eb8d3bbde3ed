"""The current generation: what consumers read (current tables, the mart with every edition,
the dashboard, links to each wave's current reports), built once complete beside its final
name, then made current by the one pointer swap of published/current (no Dagster here)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from assets.editions import store
from assets.publishing import write_mart
from assets.storage import DataZones, write_parquet


def _all_editions(zones: DataZones, file: str) -> pd.DataFrame:
    parts = [
        pd.read_parquet(store.published_dir(zones, w, e) / file)
        for w in store.edition_waves(zones)
        for e in store.complete_editions(zones, w)
    ]
    filled = [p for p in parts if len(p)]
    if filled:
        return pd.concat(filled, ignore_index=True)
    return parts[0] if parts else pd.DataFrame()


def build_generation(zones: DataZones, editions: dict[int, str], folder: Path) -> None:
    from assets.consumers.dashboard import build_dashboard

    current = {name: [] for name in store.TABLES}
    for w, e in sorted(editions.items()):
        for name, frame in store.read_edition(zones, w, e).items():
            current[name].append(frame)
    tables = {n: pd.concat(f, ignore_index=True) for n, f in current.items()}
    for name, file in store.TABLES.items():
        write_parquet(tables[name], folder / file)
    every = {name: _all_editions(zones, file) for name, file in store.TABLES.items()}
    every["changes"] = _all_editions(zones, "changes.parquet")
    every["current_editions"] = pd.DataFrame(
        {"wave": list(editions), "edition": list(editions.values())}
    ).astype({"wave": "int64"})
    write_mart(folder / "mart.duckdb", every)
    reports = folder / "reports"
    reports.mkdir()
    for w, e in sorted(editions.items()):
        (reports / str(w)).symlink_to(Path("../../../editions") / str(w) / e / "reports")
    build_dashboard(
        tables["indicator_cells"], tables["units"], tables["answer_distribution"],
        folder / "dashboard", changes=every["changes"],
    )  # fmt: skip
    pointer = {"editions": {str(w): e for w, e in sorted(editions.items())}}
    (folder / store.POINTER).write_text(json.dumps(pointer, indent=2), encoding="utf-8")


def publish_current(zones: DataZones) -> tuple[dict[int, str], bool]:
    """Make the newest complete edition of every wave current; (editions, switched?)."""
    with store.switch_lock(zones):
        store.remove_leftovers(zones)
        editions = store.latest_editions(zones)
        if not editions:
            return {}, False
        if store.read_current(zones) == editions and (zones.published / store.CURRENT).exists():
            return editions, False
        target = zones.published / "generations" / store.generation_id(editions)
        if not (target / store.POINTER).is_file():
            with store.write_once(target) as folder:
                build_generation(zones, editions, folder)
        store.switch_current(zones, target)
        return editions, True
