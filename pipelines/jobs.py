"""Jobs: one per partitioning, so a late delivery reruns only its unit plus the wave-level work."""

import dagster as dg

from assets.defs import wave_partitions, wave_unit_partitions

UNIT_JOB = "ingest_unit"
WAVE_JOB = "build_wave"
NATIONAL_JOB = "build_all_waves"

unit_assets = dg.AssetSelection.assets("raw_deliveries", "validated_responses")
wave_assets = dg.AssetSelection.assets("harmonized_responses")
unpartitioned_assets = dg.AssetSelection.assets(
    "delivery_ledger", "indicator_cells", "published_tables", "pdf_reports", "dashboard"
)

unit_job = dg.define_asset_job(
    UNIT_JOB,
    selection=unit_assets,
    partitions_def=wave_unit_partitions(),
    description="Archive, parse and validate one unit's deliveries in one wave.",
)
wave_job = dg.define_asset_job(
    WAVE_JOB,
    selection=wave_assets,
    partitions_def=wave_partitions(),
    description="Harmonize one wave and everything computed per wave.",
)
national_job = dg.define_asset_job(
    NATIONAL_JOB,
    selection=unpartitioned_assets,
    description="Ledger and the outputs that span all waves.",
)


def all_jobs() -> list:
    return [unit_job, wave_job, national_job]
