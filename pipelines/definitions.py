"""The Dagster code location: assets, checks, jobs, sensors, schedules and resources."""

from __future__ import annotations

import dagster as dg

from assets import ingest_assets
from pipelines.jobs import all_jobs
from pipelines.resources import DataZonesResource

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([ingest_assets]),
    asset_checks=dg.load_asset_checks_from_modules([ingest_assets]),
    jobs=all_jobs(),
    resources={"data": DataZonesResource()},
)
