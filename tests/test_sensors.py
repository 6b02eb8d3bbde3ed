"""The landing sensor and automation: late data reruns only its unit, then its wave."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest
from project_instance import project_instance

from assets.defs import DataZonesResource
from assets.storage import DataZones
from bench.late import add_records
from pipelines.definitions import defs
from pipelines.jobs import UNIT_JOB, WAVE_JOB
from pipelines.runner import materialize_all
from pipelines.sensors import landing_sensor, nightly_sweep


@pytest.fixture()
def setting(samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    zones = DataZones(tmp_path / "data")
    shutil.copytree(samples / "landing" / "2023", zones.landing / "2023")
    monkeypatch.setenv("BRUKERSTEMME_DATA_DIR", str(zones.root))
    (tmp_path / "dagster").mkdir()
    with project_instance(str(tmp_path / "dagster")) as instance:
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
    # a whole wave landed at once: its (new, neighbouring) units in one batch run
    [batch] = first.run_requests
    assert batch.job_name == UNIT_JOB and batch.partition_key is None
    assert batch.tags["dagster/asset_partition_range_start"] == "030101|2023"
    assert batch.tags["dagster/asset_partition_range_end"] == "4601|2023"
    assert batch.tags["brukerstemme/files"] == "4"
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
    [batch] = nightly_sweep(context)
    assert batch.tags["brukerstemme/files"] == "4"


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


def test_a_late_file_ingested_within_a_tick_of_the_wave_rebuild_is_rebuilt(
    setting, samples: Path
) -> None:
    """The daemon's order of events: a unit run, a tick requests the wave's rebuild, the next
    tick sees it requested, the rebuild finishes, a correction's unit run finishes, and only
    then the next tick: it sees the wave's own update and the new input together. The input
    came later, so the wave is rebuilt again (Dagster's since_last_handled lost it)."""
    zones, instance = setting
    materialize_all(zones, instance, log=lambda *_: None)
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    unit_job, wave_job = defs.resolve_job_def(UNIT_JOB), defs.resolve_job_def(WAVE_JOB)
    harmonized = dg.AssetKey("harmonized_responses")
    korr1 = samples / "late" / "2023" / "kommune_4601_korr1.csv"

    shutil.copy2(korr1, zones.landing / "2023" / korr1.name)
    assert unit_job.execute_in_process(instance=instance, partition_key="4601|2023").success
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert sorted(tick.get_requested_partitions(harmonized)) == ["2023"]
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert tick.get_num_requested(harmonized) == 0  # requested already
    assert wave_job.execute_in_process(instance=instance, partition_key="2023").success
    korr2 = zones.landing / "2023" / "kommune_4601_korr2.csv"
    add_records(korr1, korr2, extra=3)
    assert unit_job.execute_in_process(instance=instance, partition_key="4601|2023").success
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert sorted(tick.get_requested_partitions(harmonized)) == ["2023"]
    assert sorted(tick.get_requested_partitions(dg.AssetKey("indicator_cells"))) == ["2023"]


def test_run_keys_carry_the_file_content_so_a_correction_is_never_a_duplicate(setting) -> None:
    zones, instance = setting
    materialize_all(zones, instance, log=lambda *_: None)
    first = _tick(instance, zones, None)
    assert first.run_requests == []  # everything is archived
    path = zones.landing / "2023" / "kommune_4601.csv"
    assert _tick(instance, zones, first.cursor).run_requests == []  # same bytes: nothing

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")  # same name, new bytes
    again = _tick(instance, zones, first.cursor)
    assert [r.partition_key for r in again.run_requests] == ["4601|2023"]
    new_key = again.run_requests[0].run_key
    assert new_key == f"2023/4601/{hashlib.sha256(path.read_bytes()).hexdigest()}"
    assert again.run_requests[0].tags["brukerstemme/sha256"] in new_key


def test_a_run_whose_worker_was_killed_is_marked_failed(setting) -> None:
    from dagster._core.events import EngineEventData
    from dagster._core.storage.dagster_run import DagsterRun

    zones, instance = setting
    dead = 2**22 + 4321  # above the default pid_max: no such process
    killed = instance.add_run(
        DagsterRun(job_name=UNIT_JOB, run_id="killed-run", status=dg.DagsterRunStatus.STARTED)
    )
    instance.report_engine_event(
        "Started process for run", killed, EngineEventData.in_process(dead)
    )
    alive = instance.add_run(
        DagsterRun(job_name=UNIT_JOB, run_id="live-run", status=dg.DagsterRunStatus.STARTED)
    )
    instance.report_engine_event(
        "Started process for run", alive, EngineEventData.in_process(os.getpid())
    )
    _tick(instance, zones, None)
    assert instance.get_run_by_id("killed-run").status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("live-run").status == dg.DagsterRunStatus.STARTED


def test_a_run_that_ends_while_its_worker_is_checked_keeps_its_end(setting, monkeypatch) -> None:
    """The run is listed as started, then ends and its worker exits before the check: the end
    it recorded stands (it is not reported failed)."""
    from dagster._core.events import EngineEventData
    from dagster._core.storage.dagster_run import DagsterRun

    import pipelines.recovery

    _, instance = setting
    gone = 2**22 + 4322
    ending = instance.add_run(
        DagsterRun(job_name=UNIT_JOB, run_id="ending-run", status=dg.DagsterRunStatus.STARTED)
    )
    instance.report_engine_event(
        "Started process for run", ending, EngineEventData.in_process(gone)
    )

    def ends_then_exits(pid: int) -> bool:
        instance.report_run_canceled(instance.get_run_by_id("ending-run"))
        return False

    monkeypatch.setattr(pipelines.recovery, "process_alive", ends_then_exits)
    assert pipelines.recovery.fail_orphaned_runs(instance) == []
    assert instance.get_run_by_id("ending-run").status == dg.DagsterRunStatus.CANCELED


def test_a_batch_run_key_changes_with_any_of_its_files(setting) -> None:
    zones, instance = setting
    [first] = _tick(instance, zones, None).run_requests
    path = zones.landing / "2023" / "kommune_1515.csv"
    path.write_bytes(path.read_bytes() + b"\n")  # one file of the batch, new bytes
    [again] = _tick(instance, zones, None).run_requests
    assert again.run_key != first.run_key
    assert again.tags == first.tags  # the same units


def test_a_failed_batch_is_run_again_one_unit_per_run(setting, monkeypatch) -> None:
    """One unit's bug fails its batch run; every unit of the batch then gets its own run, so
    the others are ingested and only the failing unit's run fails."""
    import assets.ingest_assets
    from pipelines.sensors import retry_failed_batches

    zones, instance = setting
    first = _tick(instance, zones, None)
    instance.add_dynamic_partitions("unit", first.dynamic_partitions_requests[0].partition_keys)
    [batch] = first.run_requests
    real = assets.ingest_assets.validate_unit

    def validate_unit(zones, wave, unit, log, **kwargs):
        if unit == "1515":
            raise RuntimeError("injected crash")
        return real(zones, wave, unit, log, **kwargs)

    monkeypatch.setattr(assets.ingest_assets, "validate_unit", validate_unit)
    job = defs.resolve_job_def(UNIT_JOB)
    result = job.execute_in_process(instance=instance, tags=batch.tags, raise_on_error=False)
    assert not result.success
    # the batch failed as a whole: no unit of it shows as validated yet
    assert instance.get_materialized_partitions(dg.AssetKey("validated_responses")) == set()
    context = dg.build_run_status_sensor_context(
        sensor_name="retry_failed_batches",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    retries = list(retry_failed_batches(context))
    keys = ["030101|2023", "1201|2023", "1515|2023", "4601|2023"]
    assert [r.partition_key for r in retries] == keys
    assert len({r.run_key for r in retries}) == 4
    outcomes = {
        r.partition_key: job.execute_in_process(
            instance=instance, partition_key=r.partition_key, raise_on_error=False
        ).success
        for r in retries
    }
    assert outcomes == {k: k != "1515|2023" for k in keys}
    done = instance.get_materialized_partitions(dg.AssetKey("validated_responses"))
    assert done == {k for k in keys if k != "1515|2023"}
