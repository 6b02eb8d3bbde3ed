"""Runs whose worker was killed (kill -9, OOM, a reboot) are marked failed.

Dagster's run monitoring cannot check a worker's health with the default run launcher, so a
killed run would stay "in progress" for good. Each landing-sensor tick (and `brukerstemme run`)
looks at the runs in progress: a run whose worker process, recorded in its "Started process
for run (pid: N)" event, no longer exists on this host is reported failed. Its half-written
folders are removed by the next publication step (assets.editions.store.remove_leftovers).
"""

from __future__ import annotations

import dagster as dg
from dagster._core.events import DagsterEventType

from assets.editions.store import process_alive


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT).records
    for record in reversed(records):
        event = record.event_log_entry.dagster_event
        data = event.event_specific_data if event else None
        pid = getattr(data, "metadata", {}).get("pid") if data else None
        if pid is not None:
            return int(pid.value)
    return None


def fail_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark started runs whose worker process is gone as failed; returns their run ids."""
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        pid = _worker_pid(instance, run.run_id)
        if pid is None or process_alive(pid):
            continue
        # A worker records its run's end before it exits, so the status is read again now
        # that the process is gone: a run that ended between the listing and the check is left.
        now = instance.get_run_by_id(run.run_id)
        if now is not None and now.status == dg.DagsterRunStatus.STARTED:
            instance.report_run_failed(
                now, f"the run's worker process {pid} no longer exists (killed); marked failed"
            )
            failed.append(run.run_id)
    return failed
