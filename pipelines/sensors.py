"""Sensors and schedules: late and corrected deliveries are picked up without anyone asking.

- landing_sensor (every 5 s): a new or changed file in landing/ (by sha256 against the archive)
  registers its unit partition and runs the per-unit job for just that (wave, unit); many units
  of a wave landing at once run in batches of neighbouring units (one partition range per run),
  and retry_failed_batches runs each unit of a failed batch on its own.
- wave-level and cross-wave assets rebuild by declarative automation once their inputs update
  (see assets' automation conditions; the daemon's automation sensor evaluates them).
- nightly_sweep (06:00 Oslo time): the same check with a fresh cache, in case the sensor was off.
All three are on by default; BRUKERSTEMME_AUTOMATION=off starts them stopped. Run keys carry
the file's sha256, so a corrected file (new bytes, same name) is always a new run.
"""

import hashlib
import json
import os

import dagster as dg

from assets.defs import (
    DataZonesResource,
    batch_tags,
    batch_units,
    new_units_in_order,
    unit_batches,
    unit_partitions,
    wave_unit_key,
)
from assets.ingest.deliveries import Archive, Delivery, pending_deliveries
from pipelines.jobs import (
    NATIONAL_JOB,
    PRIORITY,
    UNIT_JOB,
    WAVE_PRIORITY,
    national_job,
    unit_job,
)
from pipelines.recovery import fail_orphaned_runs
from schemas.codebook import codebooks

AUTOMATION_ENV = "BRUKERSTEMME_AUTOMATION"  # "off": sensors and schedule start stopped


def _on() -> bool:
    return os.environ.get(AUTOMATION_ENV, "on").strip().lower() not in ("off", "0", "false")


SENSOR_STATUS = dg.DefaultSensorStatus.RUNNING if _on() else dg.DefaultSensorStatus.STOPPED
SCHEDULE_STATUS = dg.DefaultScheduleStatus.RUNNING if _on() else dg.DefaultScheduleStatus.STOPPED


def _requests(data: DataZonesResource, instance: dg.DagsterInstance, seen: dict):
    zones = data.zones()
    pending, now_seen = pending_deliveries(zones.landing, codebooks(), Archive(zones.archive), seen)
    runs, by_wave = [], {}
    for delivery in pending:
        if delivery.unit_id is None:
            runs.append(dg.RunRequest(job_name=NATIONAL_JOB, run_key=f"ledger/{delivery.sha256}"))
            continue
        by_wave.setdefault(delivery.wave, {}).setdefault(delivery.unit_id, []).append(delivery)
    known = instance.get_dynamic_partitions(unit_partitions.name)
    new_units = new_units_in_order(known, by_wave)
    order = [*known, *new_units]  # the order the partitions have once the new ones are added
    for wave, units in sorted(by_wave.items()):
        for batch in unit_batches(order, set(units)):
            if len(batch) == 1:
                runs += [_unit_request(d) for d in units[batch[0]]]
            else:
                runs.append(_batch_request(wave, batch, [d for u in batch for d in units[u]]))
    partition_requests = [unit_partitions.build_add_request(new_units)] if new_units else []
    return runs, partition_requests, now_seen


def _unit_request(delivery: Delivery) -> dg.RunRequest:
    """A late or corrected file: its unit alone."""
    return dg.RunRequest(
        job_name=UNIT_JOB,
        partition_key=str(wave_unit_key(delivery.wave, delivery.unit_id)),
        run_key=f"{delivery.wave}/{delivery.unit_id}/{delivery.sha256}",
        tags={"brukerstemme/file": delivery.file_name, "brukerstemme/sha256": delivery.sha256},
    )


def _batch_request(wave: int, units: list[str], deliveries: list[Delivery]) -> dg.RunRequest:
    """Many units of a wave landed at once (a whole wave, say): neighbouring units in one run.
    The run key covers every file's content, so a changed file is a new run."""
    contents = hashlib.sha256("".join(sorted(d.sha256 for d in deliveries)).encode()).hexdigest()
    return dg.RunRequest(
        job_name=UNIT_JOB,
        run_key=f"{wave}/{units[0]}-{units[-1]}/{contents}",
        tags={**batch_tags(wave, units), "brukerstemme/files": str(len(deliveries))},
    )


# How often the daemon looks at landing/ (a scan hashes only files it has not seen) and
# evaluates the automation conditions: late data waits at most this long at each step (a tick
# takes well under a second: hashing only unseen files, evaluating conditions incrementally).
LANDING_INTERVAL_SECONDS = 5
AUTOMATION_INTERVAL_SECONDS = 5


@dg.sensor(
    name="landing_sensor",
    minimum_interval_seconds=LANDING_INTERVAL_SECONDS,
    default_status=SENSOR_STATUS,
    jobs=[unit_job, national_job],
    description="New or corrected deliveries in landing/ → ingest just that unit.",
)
def landing_sensor(context: dg.SensorEvaluationContext, data: DataZonesResource) -> dg.SensorResult:
    for run_id in fail_orphaned_runs(context.instance):
        context.log.warning(f"run {run_id} had lost its worker process; marked failed")
    seen = json.loads(context.cursor) if context.cursor else {}
    runs, partition_requests, now_seen = _requests(data, context.instance, seen)
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=partition_requests,
        cursor=json.dumps(now_seen, sort_keys=True),
    )


@dg.schedule(
    name="nightly_sweep",
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/Oslo",
    job=unit_job,
    default_status=SCHEDULE_STATUS,
    description="Daily full check of landing/ against the archive, in case the sensor was off.",
)
def nightly_sweep(context: dg.ScheduleEvaluationContext, data: DataZonesResource):
    runs, partition_requests, _ = _requests(data, context.instance, {})
    runs = [r for r in runs if r.job_name == UNIT_JOB]  # the ledger records the others
    if partition_requests:
        context.instance.add_dynamic_partitions(
            unit_partitions.name, partition_requests[0].partition_keys
        )
    return runs or dg.SkipReason("every landed file is already archived and ingested")


@dg.run_failure_sensor(
    name="retry_failed_batches",
    monitored_jobs=[unit_job],
    request_job=unit_job,
    default_status=SENSOR_STATUS,
    minimum_interval_seconds=LANDING_INTERVAL_SECONDS,
    description="A batch of units whose run failed → each of its units in a run of its own, so "
    "that only the failing units fail.",
)
def retry_failed_batches(context: dg.RunFailureSensorContext):
    run = context.dagster_run
    for key in batch_units(run.tags, context.instance):
        yield dg.RunRequest(partition_key=key, run_key=f"retry/{run.run_id}/{key}")


automation_sensor = dg.AutomationConditionSensorDefinition(
    "rebuild_after_new_data",
    target=dg.AssetSelection.all(),
    default_status=SENSOR_STATUS,
    minimum_interval_seconds=AUTOMATION_INTERVAL_SECONDS,
    # Only wave-level and cross-wave assets have automation conditions: their runs go before
    # queued unit runs, like build_wave and build_all_waves.
    run_tags={PRIORITY: WAVE_PRIORITY},
    description="Rebuilds wave-level and cross-wave assets after units were (re)ingested.",
)
