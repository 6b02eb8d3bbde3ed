"""Partitions: waves come from the codebooks; units are registered as deliveries arrive."""

from __future__ import annotations

import dagster as dg

from schemas.codebook import codebooks

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
