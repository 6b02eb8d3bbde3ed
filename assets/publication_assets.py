"""Dagster assets of publication, per wave: indicator cells → the wave's edition; then the
current generation (tables, mart, dashboard) of every wave, switched in by one pointer.

Write–audit–publish: a wave's candidate edition is computed in memory and audited by blocking
gates (GX suites, cell totals, the differencing attacker with every earlier edition of the
wave); only then is it staged, written as an immutable edition folder and made current.
The logic is in assets.editions; these assets wire it. A late 2023 file rebuilds 2023 only
(and the cross-wave generation).
"""

import dagster as dg

from assets.content_hash import content_hash
from assets.defs import (
    DataZonesResource,
    rebuild_after_new_data,
    rebuild_wave_after_new_data,
    wave_partitions,
)
from assets.editions import flow, generation, store, writing
from assets.editions.lineage import edition_lineage
from assets.editions.status import status_table
from assets.indicators.cells import build_publication
from assets.metadata import markdown_table, provenance_metadata
from assets.publishing import publication_gates, read_ledger
from assets.storage import read_parquets, write_parquet
from quality.gates import GateResult

PUBLISH = "publish"
EDITION_CODE_VERSION = "editions-1"


def gate_check_result(gate: GateResult, asset: str = "indicator_cells") -> dg.AssetCheckResult:
    metadata = {"summary": gate.summary, "details": "\n".join(gate.details[:50]) or "none"}
    metadata.update({k: dg.MetadataValue.path(v) for k, v in gate.documents.items()})
    return dg.AssetCheckResult(
        asset_key=asset, check_name=gate.name, passed=gate.passed, metadata=metadata
    )


GATES = ("cells_expectations", "cell_totals", "disclosure_attack")


def _final_requested(context: dg.AssetExecutionContext) -> bool:
    return context.run.tags.get(flow.FINAL_TAG) == "final"


@dg.asset(
    group_name=PUBLISH,
    partitions_def=wave_partitions(),
    deps=["harmonized_responses", "delivery_ledger"],
    kinds={"python", "great_expectations", "parquet"},
    automation_condition=rebuild_wave_after_new_data,
    code_version=EDITION_CODE_VERSION,
    check_specs=[dg.AssetCheckSpec(g, asset="indicator_cells", blocking=True) for g in GATES],
    description="One wave's candidate edition: indicator cells with disclosure control (held "
    "deliveries left out), audited by blocking gates with every earlier edition, then staged.",
)
def indicator_cells(context: dg.AssetExecutionContext, data: DataZonesResource):
    zones = data.zones()
    wave = int(context.partition_key)
    store.remove_leftovers(zones)
    path = zones.harmonized(wave)
    harmonized = read_parquets([path]) if path.exists() else read_parquets([])
    candidate = flow.prepare(
        zones, wave, harmonized, final=_final_requested(context), build=build_publication
    )
    gates = publication_gates(
        candidate, harmonized, read_ledger(zones, wave), zones.warehouse / "quality", context.run_id
    )
    for gate in gates:
        yield gate_check_result(gate)
    failed = [g.name for g in gates if not g.passed]
    if failed:
        raise dg.Failure(
            description=f"wave {wave}: quality gates failed: {', '.join(failed)}; "
            "nothing was published",
            metadata={g.name: "\n".join(g.details[:20]) for g in gates if not g.passed},
        )
    unchanged_file = path if path.exists() and candidate.input is harmonized else None
    staged = flow.stage(zones, candidate, context.run_id, input_file=unchanged_file)
    pub = candidate.publication
    digest = content_hash(pub.cells.drop(columns=["edition"]))
    yield dg.MaterializeResult(
        data_version=dg.DataVersion(digest),
        metadata={
            "edition": "unchanged" if candidate.unchanged else candidate.edition,
            "base_edition": candidate.base or "none",
            "released_units": ", ".join(sorted(candidate.released)) or "none",
            "held_units": ", ".join(sorted(candidate.held)) or "none",
            "notes": "\n".join(candidate.notes) or "none",
            "cells": len(pub.cells),
            "suppressed": int(pub.cells["suppressed"].sum()),
            "content_sha256": digest,
            "staged": dg.MetadataValue.path(str(staged)),
            "suppression_rules": dg.MetadataValue.md(
                markdown_table(pub.suppression_log["rule"].value_counts().rename("n").reset_index())
            ),
            **provenance_metadata(),
        },
    )


@dg.asset(
    group_name=PUBLISH,
    partitions_def=wave_partitions(),
    deps=[indicator_cells],
    kinds={"parquet", "pdf", "typst"},
    automation_condition=rebuild_after_new_data,
    code_version=EDITION_CODE_VERSION,
    description="The wave's immutable edition: published/editions/<wave>/<edition>/ with cell "
    "table, answer distribution, units, PDF reports, change log and manifest.json. Written "
    "once; a report whose content did not change is the previous edition's file. A new "
    "edition is made current at once (one pointer switch), unless the run defers that to "
    "published_tables (brukerstemme run).",
)
def wave_edition(context: dg.AssetExecutionContext, data: DataZonesResource):
    zones = data.zones()
    wave = int(context.partition_key)
    decision, tables = flow.read_staged(zones, wave)
    if decision["unchanged"]:
        current = store.complete_editions(zones, wave)[-1]
        digest = content_hash(store.read_edition(zones, wave, current)["indicator_cells"])
        return dg.MaterializeResult(
            data_version=dg.DataVersion(digest),
            metadata={
                "edition": current,
                "new_edition": False,
                "held": len(decision["held"]),
                **provenance_metadata(),
            },
        )
    run_ids = [decision["run_id"], context.run_id]
    ledger = read_ledger(zones, wave)  # every unit that delivered, used, held or rejected
    units = set(ledger["unit_id"].dropna().astype(str)) if len(ledger) else set()
    export = edition_lineage(
        context.instance, context.job_def.asset_layer.asset_graph, wave, units, run_ids
    )
    folder = writing.write_edition(zones, decision, tables, run_ids, lineage=export)
    # Late data should not wait for another run to be seen: the new edition is made current
    # here (one pointer switch, locked against parallel wave runs); published_tables then finds
    # the generation current. `brukerstemme run` defers this and switches once for all waves.
    deferred = context.run.tags.get(flow.MAKE_CURRENT_TAG) == "later"
    switched = False if deferred else generation.publish_current(zones)[1]
    manifest = store.read_manifest(zones, wave, decision["edition"])
    reused = sum(r["reused"] for r in manifest["reports"].values())
    return dg.MaterializeResult(
        data_version=dg.DataVersion(manifest["outputs"]["indicators.parquet"]["content_sha256"]),
        metadata={
            "edition": decision["edition"],
            "new_edition": True,
            "folder": dg.MetadataValue.path(str(folder)),
            "reports_rendered": len(manifest["reports"]) - reused,
            "reports_unchanged": reused,
            "held": len(decision["held"]),
            "changes": dg.MetadataValue.path(str(folder / "endringslogg.md")),
            "manifest": dg.MetadataValue.path(str(folder / store.MANIFEST)),
            "made_current": switched,
            **provenance_metadata(),
        },
    )


@dg.asset(
    group_name=PUBLISH,
    deps=[wave_edition, "delivery_ledger"],
    kinds={"parquet", "duckdb", "html"},
    automation_condition=rebuild_after_new_data,
    code_version=EDITION_CODE_VERSION,
    description="What consumers read: the current edition of every wave in "
    "published/indicators.parquet, units, answer distribution, the mart (every edition, view "
    "current_cells) and the dashboard, switched in one step by the published/current pointer.",
)
def published_tables(data: DataZonesResource) -> dg.MaterializeResult:
    zones = data.zones()
    editions, switched = generation.publish_current(zones)
    current = zones.published / store.CURRENT
    return dg.MaterializeResult(
        data_version=dg.DataVersion(store.generation_id(editions)),
        metadata={
            "editions": dg.MetadataValue.json({str(w): e for w, e in editions.items()}),
            "switched": switched,
            "generation": dg.MetadataValue.path(str(current.resolve()) if current.exists() else ""),
            **provenance_metadata(),
        },
    )


@dg.asset(
    group_name=PUBLISH,
    deps=[published_tables, "delivery_ledger"],
    kinds={"parquet"},
    automation_condition=rebuild_after_new_data,
    description="Per wave: units invited, delivered, accepted, quarantined rows, missing, held "
    "deliveries and the current edition (warehouse/wave_status.parquet).",
)
def wave_status(data: DataZonesResource) -> dg.MaterializeResult:
    zones = data.zones()
    table = status_table(zones)
    path = write_parquet(table, zones.warehouse / "wave_status.parquet")
    digest = content_hash(table)
    return dg.MaterializeResult(
        data_version=dg.DataVersion(digest),
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "status": dg.MetadataValue.md(markdown_table(table)),
            "content_sha256": digest,
            **provenance_metadata(),
        },
    )
