"""The published cells and units indexed by (wave, unit_type, unit_id), for the consumers.

Shared by the report model, its prose (texts.py) and the dashboard, so none of them imports
another for its types. Suppressed rows lose their secret columns on the way in.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

# Never copied from a suppressed row, whatever the input holds.
SECRET_COLUMNS = (
    "share",
    "n_positive",
    "ci_low",
    "ci_high",
    "change_vs_previous",
    "change_ci_low",
    "change_ci_high",
)
Key = tuple[int, str, str]
Row = dict[str, Any]


def records(df: pd.DataFrame) -> list[Row]:
    """DataFrame rows as dicts of plain Python values with None for every kind of null."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


class PublishedIndex:
    """The published cells and units indexed by (wave, unit_type, unit_id)."""

    def __init__(self, cells: pd.DataFrame, units: pd.DataFrame) -> None:
        self.cells: dict[Key, dict[tuple[str, str], Row]] = defaultdict(dict)
        for row in records(cells):
            if row["suppressed"]:
                row.update(dict.fromkeys(SECRET_COLUMNS))
            key = (int(row["wave"]), row["unit_type"], str(row["unit_id"]))
            self.cells[key][(row["indicator_id"], row["measure"])] = row
        self.units: dict[Key, Row] = {
            (int(r["wave"]), r["unit_type"], str(r["unit_id"])): r for r in records(units)
        }
        self.waves = sorted({k[0] for k in self.cells} | {k[0] for k in self.units})

    def unit(self, key: Key) -> Row:
        return self.units.get(key) or {}

    def name(self, key: Key) -> str:
        name = self.unit(key).get("unit_name")
        if not name:
            name = next(iter(self.cells.get(key, {}).values()), {}).get("unit_name")
        return str(name or key[2])

    def comparisons(self, key: Key) -> list[Key]:
        """The units a report sets beside its own figures."""
        wave, unit_type, _ = key
        unit = self.unit(key)
        out: list[Key] = []
        if unit_type == "bydel" and unit.get("kommune_id"):
            out.append((wave, "kommune", str(unit["kommune_id"])))
        if unit_type in ("kommune", "bydel", "pool") and unit.get("size_class"):
            out.append((wave, "size_class", str(unit["size_class"])))
        if unit_type != "national":
            out.append((wave, "national", "NO"))
        return [k for k in out if k in self.cells]
