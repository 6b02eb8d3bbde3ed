"""The Dagster code location: assets, checks, jobs, sensors, schedules and resources."""

from __future__ import annotations

import dagster as dg

from assets import ingest_assets, publication_assets
from assets.defs import DataZonesResource
from pipelines.jobs import all_jobs
from pipelines.sensors import (
    automation_sensor,
    landing_sensor,
    nightly_sweep,
    retry_failed_batches,
)

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([ingest_assets, publication_assets]),
    asset_checks=dg.load_asset_checks_from_modules([ingest_assets, publication_assets]),
    jobs=all_jobs(),
    sensors=[landing_sensor, automation_sensor, retry_failed_batches],
    schedules=[nightly_sweep],
    resources={"data": DataZonesResource()},
    # One process per run, steps in order: a late delivery's wave run does not pay a Python
    # start-up (about 10-40 s on 2 busy cores) per step; runs themselves still run in parallel.
    executor=dg.in_process_executor,
)
