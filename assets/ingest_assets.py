"""Dagster assets of ingestion: raw deliveries → validated responses (wave × unit) → harmonized.

Thin wrappers: the logic is in assets/ingest/ (pure functions); these wire files and metadata.
"""

import contextlib
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from assets.content_hash import content_hash
from assets.defs import (
    DataZonesResource,
    rebuild_after_new_data,
    split_keys,
    wave_partitions,
    wave_unit_key,
    wave_unit_partitions,
)
from assets.ingest.deliveries import Archive
from assets.ingest.harmonize_wave import harmonize_wave
from assets.ingest.ledger import (
    assemble_ledger,
    files_missing_from_ledger,
    independent_counts,
    recorded_parts,
    unattributable,
)
from assets.ingest.unit_steps import (
    ValidationChunks,
    archive_unit,
    landed_by_unit,
    validate_unit,
)
from assets.metadata import provenance_metadata, row_counts
from assets.publication_assets import gate_check_result
from assets.publishing import read_ledger
from assets.storage import DataZones, distinct_text, read_parquets, stage_parquet, write_parquet
from quality.drift import answer_counts, drift_gate
from quality.gates import harmonized_gate, ledger_gate, valid_units
from schemas.codebook import codebook_for, codebooks
from schemas.harmonized import harmonized_schema

INGEST = "ingest"

# Two "beta" APIs of Dagster 1.13 that the design relies on, each covered by tests of how we use
# it: `backfill_policy` (many unit partitions in one run) and MultiToSingleDimensionPartitionMapping
# (wave × unit partitions onto wave partitions). Their warning would be printed by every process
# that loads these definitions.
warnings.filterwarnings("ignore", message=".*`backfill_policy`.*")
warnings.filterwarnings("ignore", message=".*MultiToSingleDimensionPartitionMapping.*")

# Unit assets run one partition (a late file) or a range of a wave's units in one run (the
# first ingest of a wave, see assets.defs.unit_batches): one process, one set of imports, still a
# materialization with its own metadata per unit. A unit that crashes does not stop the others in
# its batch; the batch then fails naming it, and its units are run again one by one.
UNIT_BATCH = dg.BackfillPolicy.single_run()


def _add_partition_metadata(
    context: dg.AssetExecutionContext, metadata: dict, partition_key: str
) -> None:
    """context.add_asset_metadata(metadata, partition_key=...) without its check that the key
    is in the run's range: Dagster 1.13 lists the whole range from the instance on every call
    (about 30 ms, for every unit of a batch), and every key here is one of the run's own
    (split_keys). The accumulator is the one add_asset_metadata writes to."""
    step = context.get_step_execution_context()
    step._metadata_accumulator = step._metadata_accumulator.with_additional_asset_metadata(
        asset_key=context.asset_key, metadata=metadata, partition_key=partition_key
    )


def _each_unit(
    context: dg.AssetExecutionContext, step: Callable[[int, str], tuple[str, dict]]
) -> dg.MaterializeResult:
    """Run `step` for every (wave, unit) of the run, each unit's metadata on its own partition.

    The data version is the unit's own for a one-unit run, else one over the batch's (Dagster
    gives every partition of a range run one data version; each unit's `content_sha256` or
    `sha256` in its metadata is its own). A unit whose step raises is logged by class and the
    others go on; the run then fails naming every such unit."""
    digests, crashed = [], []
    for wave, unit_id in split_keys(context):
        try:
            digest, metadata = step(wave, unit_id)
        except Exception as exc:  # one unit's bug must not stop its batch
            context.log.error(f"wave {wave}, unit {unit_id}: {type(exc).__name__}")
            if not context.has_partition_key_range:
                raise
            crashed.append((wave, unit_id, type(exc).__name__))
            continue
        digests.append(digest)
        if context.has_partition_key_range:
            _add_partition_metadata(context, metadata, str(wave_unit_key(wave, unit_id)))
        else:
            context.add_asset_metadata(metadata)
    if crashed:
        raise dg.Failure(
            description=f"{len(crashed)} unit(s) of the batch failed; run them one by one",
            metadata={"units": "\n".join(f"wave {w}, unit {u}: {e}" for w, u, e in crashed)},
        )
    version = digests[0] if len(digests) == 1 else content_hash(pd.DataFrame({"unit": digests}))
    return dg.MaterializeResult(
        data_version=dg.DataVersion(version),
        metadata={**provenance_metadata(), "units_in_run": len(digests)},
    )


@dg.asset(
    partitions_def=wave_unit_partitions(),
    backfill_policy=UNIT_BATCH,
    group_name=INGEST,
    kinds={"python", "parquet"},
    description="Every delivery of a unit archived by sha256 and parsed with its wave's reader.",
)
def raw_deliveries(
    context: dg.AssetExecutionContext, data: DataZonesResource
) -> dg.MaterializeResult:
    zones = data.zones()
    landed: dict[int, dict[str, list[Path]]] = {}

    def step(wave: int, unit_id: str) -> tuple[str, dict]:
        if wave not in landed:
            landed[wave] = landed_by_unit(zones, wave)
        digest, metadata = archive_unit(zones, wave, unit_id, landed[wave].get(unit_id, []))
        if not metadata["n_versions"]:
            context.log.warning(f"no delivery for unit {unit_id} in wave {wave}")
        return digest, metadata

    return _each_unit(context, step)


@dg.asset(
    partitions_def=wave_unit_partitions(),
    backfill_policy=UNIT_BATCH,
    group_name=INGEST,
    deps=[raw_deliveries],
    kinds={"python", "pandera", "parquet"},
    description=(
        "Pandera-validated rows of the unit's current delivery; quarantine, duplicates "
        "and ledger rows of every version."
    ),
)
def validated_responses(
    context: dg.AssetExecutionContext, data: DataZonesResource
) -> dg.MaterializeResult:
    zones = data.zones()
    keys = split_keys(context)
    chunks = ValidationChunks(zones, keys, context.log) if len(keys) > 1 else None

    def step(wave: int, unit_id: str) -> tuple[str, dict]:
        prepared = chunks.covering(wave, unit_id) if chunks else None
        return validate_unit(zones, wave, unit_id, context.log, prepared=prepared)

    return _each_unit(context, step)


def earlier_answer_counts(zones: DataZones, wave: int) -> dict[int, pd.DataFrame]:
    """Answer counts of every earlier wave already harmonized (the drift gate's baseline)."""
    return {
        w: answer_counts(pd.read_parquet(zones.harmonized(w)))
        for w in codebooks()
        if w < wave and zones.harmonized(w).exists()
    }


@dg.asset(
    partitions_def=wave_partitions(),
    group_name=INGEST,
    deps=[
        dg.AssetDep(
            validated_responses,
            partition_mapping=dg.MultiToSingleDimensionPartitionMapping(
                partition_dimension_name="wave"
            ),
        )
    ],
    kinds={"python", "pandera", "great_expectations", "parquet"},
    automation_condition=rebuild_after_new_data,
    check_specs=[
        dg.AssetCheckSpec("harmonized_expectations", asset="harmonized_responses", blocking=True),
        dg.AssetCheckSpec("answer_drift", asset="harmonized_responses", blocking=True),
    ],
    description="One wave's harmonized responses: one schema for all waves, no free text. "
    "Written only after the Pandera model, the GX suite and the answer-drift gate pass.",
)
def harmonized_responses(context: dg.AssetExecutionContext, data: DataZonesResource):
    wave = int(context.partition_key)
    zones, codebook = data.zones(), codebook_for(wave)
    decoded = read_parquets(zones.unit_parts("validated", wave))
    frame = harmonize_wave(decoded, wave, codebook.code_list_year, validate=False)
    del decoded
    # The content hash and the Parquet file are Arrow work that releases the GIL: they run on
    # the other core, from one Arrow table (hashed from Arrow: 4.2 s for 1 M rows, from pandas
    # 6.0 s), while the Pandera model and the gates (Python, pandas) run here. The file is
    # written under a temporary name and takes its place only after they all pass.
    path = zones.harmonized(wave)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with ThreadPoolExecutor(2) as beside:
        hashing = beside.submit(content_hash, table)
        staging = beside.submit(stage_parquet, table, path)
        try:
            harmonized_schema().validate(frame, lazy=True)  # raises SchemaErrors
            docs = zones.warehouse / "quality" / "harmonized_expectations"
            gate = harmonized_gate(frame, valid_units({wave: codebook.code_list_year}),
                                   docs / f"{wave}-{context.run_id}")  # fmt: skip
            yield gate_check_result(gate, "harmonized_responses")
            drift = drift_gate(
                wave,
                {wave: answer_counts(frame), **earlier_answer_counts(zones, wave)},
                codebooks(),
                zones.warehouse / "quality" / "answer_drift" / f"{wave}-{context.run_id}",
            )
            yield gate_check_result(drift, "harmonized_responses")
            for failed in (g for g in (gate, drift) if not g.passed):
                raise dg.Failure(
                    description=f"wave {wave}: harmonized responses fail {failed.name}; "
                    "the previous harmonized file stays",
                    metadata={"failures": "\n".join(failed.details[:20])},
                )
        except BaseException:
            with contextlib.suppress(Exception):  # a failed write left nothing to delete
                staging.result().unlink(missing_ok=True)
            raise
        staging.result().replace(path)
        digest = hashing.result()
    del table
    by_unit = frame.groupby("unit_id", observed=True).size()
    yield dg.MaterializeResult(
        data_version=dg.DataVersion(digest),
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "rows": len(frame),
            "units": int(by_unit.size),
            "units_under_10": int((by_unit < 10).sum()),
            "content_sha256": digest,
            "codebook": f"{codebook.source.name} v{codebook.version}",
            **row_counts(read_ledger(zones, wave)),
            "input_sha256": dg.MetadataValue.json(list(distinct_text(frame, "source_sha256"))),
            **provenance_metadata(),
        },
    )


@dg.asset(
    group_name=INGEST,
    deps=[validated_responses],
    kinds={"python", "parquet"},
    automation_condition=rebuild_after_new_data,
    description="One row per delivery file ever seen: status, reason and its row counts.",
)
def delivery_ledger(
    context: dg.AssetExecutionContext, data: DataZonesResource
) -> dg.MaterializeResult:
    zones = data.zones()
    extra = unattributable(zones.landing, codebooks(), Archive(zones.archive))
    for row in extra.itertuples():
        context.log.error(f"{row.file_name} rejected: {row.reason}: {row.detail}")
    ledger = assemble_ledger([*recorded_parts(zones), extra])
    write_parquet(ledger, zones.ledger)
    counts = ledger["status"].value_counts().to_dict()
    digest = content_hash(ledger)
    return dg.MaterializeResult(
        data_version=dg.DataVersion(digest),
        metadata={
            "path": dg.MetadataValue.path(str(zones.ledger)),
            "files": len(ledger),
            **{f"files_{k}": int(v) for k, v in counts.items()},
            "rows_in": int(ledger["rows_in"].sum()),
            "content_sha256": digest,
            **provenance_metadata(),
        },
    )


@dg.asset_check(
    asset=delivery_ledger,
    blocking=True,
    description="Every landing entry is in the ledger; every file's rows add up and equal an "
    "independent count of its archived copy, whose bytes still match its sha256.",
)
def ledger_reconciles(data: DataZonesResource) -> dg.AssetCheckResult:
    zones = data.zones()
    ledger = pd.read_parquet(zones.ledger)
    counts = independent_counts(ledger, Archive(zones.archive), codebooks())
    gate = ledger_gate(ledger, counts, files_missing_from_ledger(ledger, zones.landing))
    details = "\n".join(gate.details) or "none"
    return dg.AssetCheckResult(
        passed=gate.passed, metadata={"summary": gate.summary, "details": details}
    )
