"""The code location loads as `dagster dev` / `make dev` loads it (workspace.yaml)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml

from pipelines.definitions import defs

REPO = Path(__file__).resolve().parents[1]


def test_workspace_points_at_the_definitions() -> None:
    workspace = yaml.safe_load((REPO / "workspace.yaml").read_text(encoding="utf-8"))
    assert workspace["load_from"][0]["python_module"]["module_name"] == "pipelines.definitions"
    dg.Definitions.validate_loadable(defs)


def test_lineage_from_deliveries_to_consumers() -> None:
    graph = defs.resolve_asset_graph()
    upstream = {
        key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    assert upstream["validated_responses"] == {"raw_deliveries"}
    assert upstream["harmonized_responses"] == {"validated_responses"}
    assert upstream["indicator_cells"] == {"harmonized_responses", "delivery_ledger"}
    assert upstream["wave_edition"] == {"indicator_cells"}
    assert upstream["published_tables"] == {"wave_edition", "delivery_ledger"}
    assert upstream["wave_status"] == {"published_tables", "delivery_ledger"}


def test_gates_are_blocking_checks() -> None:
    graph = defs.resolve_asset_graph()
    checks = {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys}
    expected = {
        "harmonized_expectations",
        "ledger_reconciles",
        "cells_expectations",
        "cell_totals",
        "disclosure_attack",
    }
    assert expected <= set(checks)
    assert all(checks[name].blocking for name in expected)


def test_sensors_and_schedule_are_on_by_default() -> None:
    assert {s.name for s in defs.sensors} == {
        "landing_sensor",
        "rebuild_after_new_data",
        "retry_failed_batches",
    }
    assert [s.name for s in defs.schedules] == ["nightly_sweep"]
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in defs.sensors)


def test_assets_and_jobs_share_the_definitions_of_assets_defs() -> None:
    """Partitions and the automation condition come from assets/defs.py, one object each."""
    from assets.defs import (
        UNIT_PARTITIONS_NAME,
        rebuild_after_new_data,
        rebuild_wave_after_new_data,
        wave_unit_partitions,
    )

    graph = defs.resolve_asset_graph()
    unit_asset = graph.get(dg.AssetKey("validated_responses"))
    assert unit_asset.partitions_def == wave_unit_partitions()
    assert defs.resolve_job_def("ingest_unit").partitions_def == wave_unit_partitions()
    dims = {d.name: d.partitions_def for d in unit_asset.partitions_def.partitions_defs}
    assert dims["unit"].name == UNIT_PARTITIONS_NAME
    rebuilt = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).automation_condition == rebuild_after_new_data
    }
    assert rebuilt == {
        "harmonized_responses",
        "delivery_ledger",
        "wave_edition",
        "published_tables",
        "wave_status",
    }
    cells = graph.get(dg.AssetKey("indicator_cells")).automation_condition
    assert cells == rebuild_wave_after_new_data


def test_wave_runs_go_before_queued_unit_runs() -> None:
    """The automation's runs (only wave-level and cross-wave assets have conditions) and the
    wave jobs carry a higher queue priority than unit runs; the queue looks every second."""
    from pipelines.jobs import PRIORITY

    automation = next(s for s in defs.sensors if s.name == "rebuild_after_new_data")
    unit = defs.resolve_job_def("ingest_unit")
    wave_priority = int(automation.run_tags[PRIORITY])
    assert wave_priority > int(unit.tags.get(PRIORITY, 0))
    for job in ("build_wave", "build_all_waves", "publish_final"):
        assert int(defs.resolve_job_def(job).tags[PRIORITY]) == wave_priority
    automated = {
        key.to_user_string()
        for key, node in (
            (k, defs.resolve_asset_graph().get(k))
            for k in defs.resolve_asset_graph().get_all_asset_keys()
        )
        if node.automation_condition is not None
    }
    assert not automated & {"raw_deliveries", "validated_responses"}
    config = yaml.safe_load((REPO / "dagster.yaml").read_text())["run_coordinator"]["config"]
    assert config["dequeue_interval_seconds"] <= 1
