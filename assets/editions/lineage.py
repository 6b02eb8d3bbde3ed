"""The lineage export of an edition: the asset graph and the Dagster materializations and check
results behind it, read from the instance when the edition is written and kept with it, so an
auditor needs neither the instance nor the UI to see which runs made which table.

Written as `lineage.json` in the edition's restricted folder (it names the data versions of the
unit partitions, hashes of restricted microdata); the published manifest records its sha256.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg
from dagster._core.definitions.data_version import CODE_VERSION_TAG, DATA_VERSION_TAG

from assets.defs import wave_unit_key

LINEAGE = "lineage.json"
# The assets an edition of one wave is made of, and how each is partitioned.
UNIT_ASSETS = ("raw_deliveries", "validated_responses")
WAVE_ASSETS = ("harmonized_responses", "indicator_cells")
UNPARTITIONED_ASSETS = ("delivery_ledger",)
MATERIALIZATIONS_PER_UNIT_QUERY = 500


def asset_graph(graph) -> list[dict]:
    """Every asset of the graph (the job's assets and everything upstream of them) with its
    upstream assets, partitioning, code version and checks."""
    nodes = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        nodes.append(
            {
                "asset": key.to_user_string(),
                "upstream": sorted(k.to_user_string() for k in node.parent_keys),
                "partitioned": node.partitions_def is not None,
                "code_version": node.code_version,
                "checks": sorted(c.name for c in node.check_keys),
            }
        )
    return nodes


def _materialization(record: dg.EventLogRecord) -> dict:
    event = record.asset_materialization
    tags = event.tags or {}
    content = event.metadata.get("content_sha256")
    return {
        "asset": record.asset_key.to_user_string(),
        "partition": record.partition_key,
        "run_id": record.run_id,
        "timestamp": record.timestamp,
        "data_version": tags.get(DATA_VERSION_TAG),
        "code_version": tags.get(CODE_VERSION_TAG),
        "content_sha256": content.value if content is not None else None,
    }


def _latest(instance: dg.DagsterInstance, asset: str, partitions: list[str] | None) -> list[dict]:
    """The newest materialization of the asset (of each partition, if given)."""
    key = dg.AssetKey(asset)
    if partitions is None:
        records = instance.fetch_materializations(key, limit=1).records
        return [_materialization(r) for r in records]
    newest: dict[str, dict] = {}
    for start in range(0, len(partitions), MATERIALIZATIONS_PER_UNIT_QUERY):
        chunk = partitions[start : start + MATERIALIZATIONS_PER_UNIT_QUERY]
        cursor = None
        while True:
            result = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=key, asset_partitions=chunk),
                limit=MATERIALIZATIONS_PER_UNIT_QUERY,
                cursor=cursor,
            )
            for record in result.records:  # newest first
                newest.setdefault(record.partition_key, _materialization(record))
            if not result.has_more or len(newest) >= len(chunk):
                break
            cursor = result.cursor
    return [newest[p] for p in partitions if p in newest]


def check_results(instance: dg.DagsterInstance, run_ids: Iterable[str]) -> list[dict]:
    """Every asset check evaluated in these runs, with its outcome and metadata texts."""
    out = []
    for run_id in sorted(set(run_ids)):
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
            evaluation = entry.dagster_event.asset_check_evaluation_data
            out.append(
                {
                    "asset": evaluation.asset_key.to_user_string(),
                    "check": evaluation.check_name,
                    "partition": evaluation.partition,
                    "passed": bool(evaluation.passed),
                    "run_id": run_id,
                    "summary": _text(evaluation.metadata.get("summary")),
                }
            )
    return out


def _text(value) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def edition_lineage(
    instance: dg.DagsterInstance, graph, wave: int, unit_ids: Iterable[str], run_ids: list[str]
) -> dict:
    """The asset graph, the newest materializations of the wave's unit partitions, the wave's
    harmonized rows and candidate edition and the ledger, and the check results of their runs."""
    units = sorted(set(unit_ids))
    unit_keys = [str(wave_unit_key(wave, u)) for u in units]
    materializations = [m for a in UNIT_ASSETS for m in _latest(instance, a, unit_keys)]
    materializations += [m for a in WAVE_ASSETS for m in _latest(instance, a, [str(wave)])]
    materializations += [m for a in UNPARTITIONED_ASSETS for m in _latest(instance, a, None)]
    # Unit assets carry no checks; reading every unit run's events would cost a query each.
    check_runs = {m["run_id"] for m in materializations if m["asset"] not in UNIT_ASSETS}
    return {
        "wave": wave,
        "dagster_run_ids": sorted(set(run_ids)),
        "asset_graph": asset_graph(graph),
        "materializations": materializations,
        "checks": check_results(instance, check_runs | set(run_ids)),
        "units_without_materialization": sorted(
            set(unit_keys) - {m["partition"] for m in materializations if m["partition"]}
        ),
    }
