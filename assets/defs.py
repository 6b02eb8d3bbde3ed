"""Dagster definitions the assets declare themselves with, shared with the wiring in pipelines/.

Partitions (waves from the codebooks, units registered as deliveries arrive), the data-zones
resource and the automation condition of the wave-level and cross-wave assets. They live here,
under assets/, so that nothing below pipelines/ imports pipelines/ (pipelines/ wires, assets/
defines).
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.storage import DATA_DIR_ENV, DataZones
from schemas.codebook import codebooks

# Partitions -------------------------------------------------------------------------------

UNIT_PARTITIONS_NAME = "unit"


def wave_partitions() -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition([str(w) for w in codebooks()])


unit_partitions = dg.DynamicPartitionsDefinition(name=UNIT_PARTITIONS_NAME)


def wave_unit_partitions() -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition({"wave": wave_partitions(), "unit": unit_partitions})


def wave_unit_key(wave: int, unit_id: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"wave": str(wave), "unit": unit_id})


def split_key(context: dg.AssetExecutionContext) -> tuple[int, str]:
    keys = context.partition_key.keys_by_dimension
    return int(keys["wave"]), keys["unit"]


# Resources --------------------------------------------------------------------------------


class DataZonesResource(dg.ConfigurableResource):
    """Root of the data zones; BRUKERSTEMME_DATA_DIR or ./data by default."""

    root: str = ""

    def zones(self) -> DataZones:
        root = self.root or os.environ.get(DATA_DIR_ENV, "data")
        return DataZones(Path(root).resolve())


# Automation -------------------------------------------------------------------------------

# Wave-level and cross-wave assets rebuild when a delivery changed one of their inputs.
# (Not `eager()`: a wave's unit dimension always has units that never delivered, so
# "any dependency missing" would hold forever.)
rebuild_after_new_data = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("rebuild after new data")

# A wave's publication reruns when its harmonized rows changed; the ledger is rebuilt after
# every unit run and is read here only for the manifest, so its updates alone do not count.
rebuild_wave_after_new_data = (
    dg.AutomationCondition.any_deps_match(
        dg.AutomationCondition.newly_updated() | dg.AutomationCondition.will_be_requested()
    )
    .ignore(dg.AssetSelection.assets("delivery_ledger"))
    .since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("rebuild the wave after new data")
