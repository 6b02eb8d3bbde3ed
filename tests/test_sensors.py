"""The landing sensor and automation: late data reruns only its unit, then its wave."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets.defs import DataZonesResource
from assets.storage import DataZones
from pipelines.definitions import defs
from pipelines.jobs import UNIT_JOB
from pipelines.runner import materialize_all
from pipelines.sensors import landing_sensor, nightly_sweep


@pytest.fixture()
def setting(samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    zones = DataZones(tmp_path / "data")
    shutil.copytree(samples / "landing" / "2023", zones.landing / "2023")
    monkeypatch.setenv("BRUKERSTEMME_DATA_DIR", str(zones.root))
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        yield zones, instance


def _tick(instance: dg.DagsterInstance, zones: DataZones, cursor: str | None):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"data": DataZonesResource(root=str(zones.root))},
    )
    return landing_sensor(context)


def test_sensor_requests_one_run_per_new_delivery(setting, samples: Path) -> None:
    zones, instance = setting
    first = _tick(instance, zones, None)
    keys = sorted(r.partition_key for r in first.run_requests)
    assert keys == ["030101|2023", "1201|2023", "1515|2023", "4601|2023"]
    assert {r.job_name for r in first.run_requests} == {UNIT_JOB}
    assert sorted(first.dynamic_partitions_requests[0].partition_keys) == [
        "030101",
        "1201",
        "1515",
        "4601",
    ]

    materialize_all(zones, instance, log=lambda *_: None)
    quiet = _tick(instance, zones, first.cursor)
    assert quiet.run_requests == []

    late = samples / "late" / "2023" / "kommune_4601_korr1.csv"
    shutil.copy2(late, zones.landing / "2023" / late.name)
    after = _tick(instance, zones, quiet.cursor)
    assert [r.partition_key for r in after.run_requests] == ["4601|2023"]
    assert after.run_requests[0].tags["brukerstemme/file"] == late.name


def test_sensor_reports_files_no_unit_can_take(setting) -> None:
    zones, instance = setting
    stray = zones.landing / "2023" / "notes_from_vendor.txt"
    stray.write_text("see attached", encoding="utf-8")
    result = _tick(instance, zones, None)
    assert "build_all_waves" in {r.job_name for r in result.run_requests}


def test_nightly_sweep_finds_what_the_sensor_missed(setting) -> None:
    zones, instance = setting
    context = dg.build_schedule_context(
        instance=instance, resources={"data": DataZonesResource(root=str(zones.root))}
    )
    runs = nightly_sweep(context)
    assert len(runs) == 4


def test_automation_rebuilds_only_the_wave_that_changed(setting, samples: Path) -> None:
    zones, instance = setting
    materialize_all(zones, instance, log=lambda *_: None)
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    late = samples / "late" / "2023" / "kommune_4601_korr1.csv"
    shutil.copy2(late, zones.landing / "2023" / late.name)
    unit_job = defs.resolve_job_def(UNIT_JOB)
    assert unit_job.execute_in_process(instance=instance, partition_key="4601|2023").success
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    requested = {
        key.to_user_string(): sorted(result.get_requested_partitions(key))
        for key in [dg.AssetKey("harmonized_responses")]
    }
    assert requested == {"harmonized_responses": ["2023"]}
    assert result.get_num_requested(dg.AssetKey("delivery_ledger")) == 1
