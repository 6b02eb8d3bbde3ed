"""Jobs: one per partitioning, so a late delivery reruns only its unit plus the wave-level work."""

import dagster as dg

from pipelines.partitions import wave_partitions, wave_unit_partitions

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

# Wave-level and cross-wave assets rebuild when a delivery changed one of their inputs.
# (Not `eager()`: a wave's unit dimension always has units that never delivered, so
# "any dependency missing" would hold forever.)
rebuild_after_new_data = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("rebuild after new data")


def all_jobs() -> list:
    return [unit_job, wave_job, national_job]
