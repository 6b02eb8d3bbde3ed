"""Dagster definitions the assets declare themselves with, shared with the wiring in pipelines/.

Partitions (waves from the codebooks, units registered as deliveries arrive), the data-zones
resource and the automation condition of the wave-level and cross-wave assets. They live here,
under assets/, so that nothing below pipelines/ imports pipelines/ (pipelines/ wires, assets/
defines).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

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


def split_keys(context: dg.AssetExecutionContext) -> list[tuple[int, str]]:
    """(wave, unit) of every partition the run materializes: one, or a range of a wave's units
    (a batch run, see unit_batches)."""
    keys = context.partition_keys if context.has_partition_key_range else [context.partition_key]
    return [wave_and_unit(key) for key in keys]


def wave_and_unit(key: str | dg.MultiPartitionKey) -> tuple[int, str]:
    """(wave, unit) of a wave × unit partition key (its string or the key itself)."""
    dims = (
        key.keys_by_dimension
        if isinstance(key, dg.MultiPartitionKey)
        else wave_unit_partitions().get_partition_key_from_str(key).keys_by_dimension
    )
    return int(dims["wave"]), dims["unit"]


# Batches of unit partitions -----------------------------------------------------------------

# A batch run holds at most this many units: large enough that the run's own cost (its launch,
# about a second, and its events) is small beside the work, small enough that a failed batch is
# cheap to retry unit by unit. (Measured at 1 M respondents, 370 units on 2 workers: two runs of
# 185 units each took 15 s more in steps than four of about 93; the per-unit cost of a batch run
# grows with its size.)
MAX_UNITS_PER_RUN = 125


def unit_batches(
    order: list[str],
    wanted: set[str],
    max_units: int = MAX_UNITS_PER_RUN,
    parts: int = 1,
    weights: Mapping[str, float] | None = None,
) -> list[list[str]]:
    """The wanted units of one wave as runs of neighbours in the unit partitions' order.

    A run materializes a *range* of partitions (Dagster's single-run backfill), so a batch never
    spans a unit that is not wanted: a unit that did not deliver must not show as materialized,
    and one that did not change is not run again. Batches hold at most `max_units` units and
    there are at least `parts` of them when there are that many units (one per worker). Their
    number is a multiple of `parts` and their `weights` (a unit's expected work, 1 each by
    default) as even as the blocks allow, so that the workers finish together (370 units on 2
    workers, at most 100 a run: 92, 93, 92, 93, not 100, 100, 100, 70)."""
    blocks: list[list[str]] = [[]]
    for unit in order:
        if unit in wanted:
            blocks[-1].append(unit)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    missing = wanted - set(order)
    if missing:
        raise ValueError(f"units not registered as partitions: {sorted(missing)}")
    total = sum(len(b) for b in blocks)
    if not total:
        return []
    parts = max(parts, 1)
    count = math.ceil(math.ceil(total / max_units) / parts) * parts
    weight = {u: float(weights.get(u, 1.0)) if weights else 1.0 for b in blocks for u in b}
    share = sum(weight.values()) / count
    batches: list[list[str]] = []
    done, share_of_batch = 0.0, -1  # weight before the unit; the share the last batch is in
    for block in blocks:
        batches.append([])
        for unit in block:
            # a unit goes to the share its weight's midpoint falls in (the running total of
            # the weights cut at multiples of the total / count)
            share_of_unit = math.floor((done + weight[unit] / 2) / share)
            if batches[-1] and (share_of_unit > share_of_batch or len(batches[-1]) >= max_units):
                batches.append([])
            batches[-1].append(unit)
            share_of_batch, done = share_of_unit, done + weight[unit]
    return batches


def new_units_in_order(known: Iterable[str], units: Mapping[int, Iterable[str]]) -> list[str]:
    """The units of `units` (wave → its units) that are not `known` partitions yet, in the
    order to add them: grouped by the waves they are in (the first wave's first, then by the
    next wave, and so on), each group in id order. Partitions keep the order they were added
    in, and a batch run is a range of neighbours (unit_batches): in plain id order the demo's
    five waves, whose units differ from wave to wave, were 18–34 ranges each (as many runs),
    grouped they are 1–5."""
    waves = sorted(units)
    members = {w: set(units[w]) for w in waves}
    new = sorted(set().union(*members.values()) - set(known))
    return sorted(new, key=lambda u: (tuple(u not in members[w] for w in waves), u))


def batch_units(tags: Mapping[str, str], instance: dg.DagsterInstance) -> list[str]:
    """The partition keys of a batch run, from its tags; [] for a one-unit run."""
    start, end = tags.get(ASSET_PARTITION_RANGE_START_TAG), tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if start is None or end is None:
        return []
    return wave_unit_partitions().get_partition_keys_in_range(
        dg.PartitionKeyRange(start, end), dynamic_partitions_store=instance
    )


def batch_tags(wave: int, units: list[str]) -> dict[str, str]:
    """Run tags that make a run of the unit job materialize exactly these neighbouring units."""
    return {
        ASSET_PARTITION_RANGE_START_TAG: str(wave_unit_key(wave, units[0])),
        ASSET_PARTITION_RANGE_END_TAG: str(wave_unit_key(wave, units[-1])),
    }


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
#
# "Since last requested", not Dagster's `since_last_handled()`: that one also resets when the
# asset itself is updated, and a reset seen in the same tick as an input's update wins over it
# (its "requested or updated" carries no timestamps to compare). A late file ingested within
# one automation tick after a wave's rebuild finished was then never rebuilt. Updates of an
# input by the same run are not counted (`any_deps_updated` leaves out runs that also built the
# asset); an asset built by hand after an input changed is rebuilt once more by automation
# (the wave's content is unchanged, so no new edition is written).
_since_last_requested = (
    dg.AutomationCondition.newly_requested() | dg.AutomationCondition.initial_evaluation()
).with_label("requested")

rebuild_after_new_data = (
    dg.AutomationCondition.any_deps_updated().since(_since_last_requested)
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("rebuild after new data")

# A wave's publication reruns when its harmonized rows changed; the ledger is rebuilt after
# every unit run and is read here only for the manifest, so its updates alone do not count.
rebuild_wave_after_new_data = (
    dg.AutomationCondition.any_deps_updated()
    .ignore(dg.AssetSelection.assets("delivery_ledger"))
    .since(_since_last_requested)
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("rebuild the wave after new data")
