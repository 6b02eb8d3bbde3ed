"""Jobs: one per partitioning, so a late delivery reruns only its unit plus its wave's work.

- ingest_unit (wave × unit): archive, parse and validate one unit's deliveries (a late file), or
  a batch of a wave's neighbouring units as one partition range (a wave landing at once).
- build_wave (wave): harmonize the wave, compute and gate its candidate edition, write the
  edition if anything changed and make it current.
- build_all_waves: ledger, the current generation of every wave (tables, mart, dashboard) and
  the wave status.
- publish_final (wave): declare the wave final (the same steps, with the edition `final`).
- build_all_waves also makes current what a wave run deferred (`brukerstemme run`).
Wave and cross-wave runs (these jobs and the automation's) carry a higher queue priority than
unit runs, so a revision does not wait behind a queue of unrelated unit runs.
"""

import dagster as dg

from assets.defs import wave_partitions, wave_unit_partitions

UNIT_JOB = "ingest_unit"
WAVE_JOB = "build_wave"
NATIONAL_JOB = "build_all_waves"
FINAL_JOB = "publish_final"
PRIORITY = "dagster/priority"
WAVE_PRIORITY = "5"  # wave-level and cross-wave runs go before queued unit runs (priority 0)
EDITION_TAG = "brukerstemme/edition"

unit_assets = dg.AssetSelection.assets("raw_deliveries", "validated_responses")
wave_assets = dg.AssetSelection.assets("harmonized_responses", "indicator_cells", "wave_edition")
unpartitioned_assets = dg.AssetSelection.assets(
    "delivery_ledger", "published_tables", "wave_status"
)

unit_job = dg.define_asset_job(
    UNIT_JOB,
    selection=unit_assets,
    partitions_def=wave_unit_partitions(),
    description="Archive, parse and validate one unit's deliveries in one wave, or a batch of "
    "neighbouring units (a partition range) with each unit's own materialization.",
)
wave_job = dg.define_asset_job(
    WAVE_JOB,
    selection=wave_assets,
    partitions_def=wave_partitions(),
    tags={PRIORITY: WAVE_PRIORITY},
    description="Harmonize one wave, gate its candidate edition and write it if it changed.",
)
national_job = dg.define_asset_job(
    NATIONAL_JOB,
    selection=unpartitioned_assets,
    tags={PRIORITY: WAVE_PRIORITY},
    description="Ledger, the current generation of every wave (one pointer swap), wave status.",
)
final_job = dg.define_asset_job(
    FINAL_JOB,
    selection=dg.AssetSelection.assets("indicator_cells", "wave_edition"),
    partitions_def=wave_partitions(),
    tags={PRIORITY: WAVE_PRIORITY, EDITION_TAG: "final"},
    description="Declare a wave final: the edition `final`, made current.",
)


def all_jobs() -> list:
    return [unit_job, wave_job, national_job, final_job]
