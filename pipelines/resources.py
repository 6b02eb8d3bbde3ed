"""Dagster resources: where the data zones live."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.storage import DATA_DIR_ENV, DataZones


class DataZonesResource(dg.ConfigurableResource):
    """Root of the data zones; BRUKERSTEMME_DATA_DIR or ./data by default."""

    root: str = ""

    def zones(self) -> DataZones:
        root = self.root or os.environ.get(DATA_DIR_ENV, "data")
        return DataZones(Path(root).resolve())
