"""Dagster assets of publication: indicator cells → published tables → reports and dashboard.

Write–audit–publish: the cells are computed in memory, audited by blocking gates (GX suites,
cell totals, the differencing attacker) and only then written; the published tables are
replaced atomically. A failing gate fails the step, so the last good publication stays.
"""

import dagster as dg
import pandas as pd

from assets.indicators.cells import build_publication
from assets.metadata import markdown_table
from assets.publishing import (
    publish_tables,
    read_staged,
    stage_publication,
    valid_units_by_wave,
)
from assets.storage import content_hash, read_parquets
from pipelines.jobs import rebuild_after_new_data
from pipelines.resources import DataZonesResource
from quality.gates import GateResult, cells_gate, disclosure_gate, totals_gate

PUBLISH = "publish"


def gate_check_result(gate: GateResult, asset: str = "indicator_cells") -> dg.AssetCheckResult:
    metadata = {"summary": gate.summary, "details": "\n".join(gate.details[:50]) or "none"}
    metadata.update({k: dg.MetadataValue.path(v) for k, v in gate.documents.items()})
    return dg.AssetCheckResult(
        asset_key=asset, check_name=gate.name, passed=gate.passed, metadata=metadata
    )


GATES = ("cells_expectations", "cell_totals", "disclosure_attack")


@dg.asset(
    group_name=PUBLISH,
    deps=["harmonized_responses", "delivery_ledger"],
    kinds={"python", "great_expectations", "parquet"},
    automation_condition=rebuild_after_new_data,
    check_specs=[dg.AssetCheckSpec(g, asset="indicator_cells", blocking=True) for g in GATES],
    description="Indicator cells of every wave and level with disclosure control, audited "
    "by blocking gates before they are staged.",
)
def indicator_cells(context: dg.AssetExecutionContext, data: DataZonesResource):
    zones = data.zones()
    harmonized = read_parquets(sorted(zones.warehouse.glob("harmonized/wave=*/*.parquet")))
    publication = build_publication(harmonized, edition="preliminary")
    docs = zones.warehouse / "quality"
    units = valid_units_by_wave(harmonized)
    gates = [
        cells_gate(publication.cells, units, docs / "cells_expectations" / context.run_id),
        totals_gate(publication.internal_cells, docs / "cell_totals" / context.run_id),
        disclosure_gate(
            publication.cells, publication.units, distribution=publication.distribution
        ),
    ]
    for gate in gates:
        yield gate_check_result(gate)
    failed = [g.name for g in gates if not g.passed]
    if failed:
        raise dg.Failure(
            description=f"quality gates failed: {', '.join(failed)}; nothing was published",
            metadata={g.name: "\n".join(g.details[:20]) for g in gates if not g.passed},
        )
    staged = stage_publication(zones, publication)
    yield dg.MaterializeResult(
        metadata={
            "cells": len(publication.cells),
            "suppressed": int(publication.cells["suppressed"].sum()),
            "waves": ", ".join(map(str, sorted(publication.cells["wave"].unique()))),
            "content_sha256": content_hash(publication.cells),
            "staged": dg.MetadataValue.path(str(staged)),
            "suppression_rules": dg.MetadataValue.md(
                markdown_table(
                    publication.suppression_log["rule"].value_counts().rename("n").reset_index()
                )
            ),
        }
    )


@dg.asset(
    group_name=PUBLISH,
    deps=[indicator_cells],
    kinds={"parquet", "duckdb"},
    automation_condition=rebuild_after_new_data,
    description="The published cell table, answer distributions and units: Parquet and the "
    "DuckDB mart, replaced atomically. The only tables consumers read.",
)
def published_tables(data: DataZonesResource) -> dg.MaterializeResult:
    zones = data.zones()
    tables = read_staged(zones)
    paths = publish_tables(zones, tables)
    return dg.MaterializeResult(
        metadata={
            **{name: dg.MetadataValue.path(str(p)) for name, p in paths.items()},
            "cells": len(tables["indicator_cells"]),
            "content_sha256": content_hash(tables["indicator_cells"]),
        }
    )


def _published(zones) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    folder = zones.published
    return (
        pd.read_parquet(folder / "indicators.parquet"),
        pd.read_parquet(folder / "units.parquet"),
        pd.read_parquet(folder / "answer_distribution.parquet"),
    )


@dg.asset(
    group_name=PUBLISH,
    deps=[published_tables],
    kinds={"pdf", "typst"},
    automation_condition=rebuild_after_new_data,
    description="PDF reports (bokmål) per published unit, pool, region, size class and nation.",
)
def pdf_reports(data: DataZonesResource) -> dg.MaterializeResult:
    from assets.consumers.pdf_reports import render_reports
    from assets.publishing import replace_folder

    zones = data.zones()
    cells, units, _ = _published(zones)
    manifest_id = content_hash(cells)[:12]
    with replace_folder(zones.published / "reports") as folder:
        paths = render_reports(cells, units, folder, manifest_id, workers=2)
    return dg.MaterializeResult(
        metadata={
            "reports": len(paths),
            "folder": dg.MetadataValue.path(str(zones.published / "reports")),
            "manifest_id": manifest_id,
        }
    )


@dg.asset(
    group_name=PUBLISH,
    deps=[published_tables],
    kinds={"html"},
    automation_condition=rebuild_after_new_data,
    description="Static self-contained dashboard (published/dashboard/index.html).",
)
def dashboard(data: DataZonesResource) -> dg.MaterializeResult:
    from assets.consumers.dashboard import build_dashboard
    from assets.publishing import replace_folder

    zones = data.zones()
    cells, units, distribution = _published(zones)
    with replace_folder(zones.published / "dashboard") as folder:
        path = build_dashboard(cells, units, distribution, folder)
    final = zones.published / "dashboard" / path.name
    return dg.MaterializeResult(metadata={"index": dg.MetadataValue.path(str(final))})
