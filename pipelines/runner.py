"""Materialize everything for the deliveries in landing/, on the configured Dagster instance.

Registers a unit partition for every delivered unit, runs the per-unit job for each (wave, unit),
then the per-wave job for each wave with deliveries, then the cross-wave job. Every run is a
real Dagster run in the instance (visible in the UI with its partitions and checks).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import dagster as dg

from assets.defs import UNIT_PARTITIONS_NAME, wave_unit_key
from assets.ingest.deliveries import Archive, landing_files, pending_deliveries
from assets.ingest.units import parse_file_name
from assets.storage import DataZones
from pipelines.definitions import defs
from pipelines.jobs import NATIONAL_JOB, UNIT_JOB, WAVE_JOB
from schemas.codebook import codebooks

WORKERS_ENV = "BRUKERSTEMME_WORKERS"  # parallel unit runs (default 2, one per core)


def delivered_units(zones: DataZones) -> dict[int, list[str]]:
    """Units with at least one recognizable delivery in landing/, per known wave."""
    found: dict[int, list[str]] = {}
    for wave, book in codebooks().items():
        parsed = (parse_file_name(path.name, book) for path in landing_files(zones.landing, wave))
        units = {p.unit_id for p in parsed if p is not None}
        if units:
            found[wave] = sorted(units)
    return found


def register_units(instance: dg.DagsterInstance, units: dict[int, list[str]]) -> None:
    wanted = sorted({u for us in units.values() for u in us})
    known = set(instance.get_dynamic_partitions(UNIT_PARTITIONS_NAME))
    new = [u for u in wanted if u not in known]
    if new:
        instance.add_dynamic_partitions(UNIT_PARTITIONS_NAME, new)


def _run(job_name: str, instance: dg.DagsterInstance, partition_key: str | None = None) -> str:
    job = defs.resolve_job_def(job_name)
    result = job.execute_in_process(
        instance=instance, partition_key=partition_key, raise_on_error=False
    )
    if not result.success:
        raise RuntimeError(
            f"run {result.run_id} of {job_name} [{partition_key}] failed; see the Dagster UI"
        )
    return result.run_id


def _run_in_worker(job_name: str, partition_key: str) -> str:
    """Entry point of a worker process: the instance comes from DAGSTER_HOME."""
    with dg.DagsterInstance.get() as instance:
        return _run(job_name, instance, partition_key)


def _run_partitions(job_name: str, keys: list[str], instance: dg.DagsterInstance, workers: int):
    """One run per partition; with workers > 1 in parallel processes on the same instance."""
    if workers <= 1 or len(keys) < 4 or instance.is_ephemeral or not os.environ.get("DAGSTER_HOME"):
        for key in keys:
            _run(job_name, instance, key)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for future in [pool.submit(_run_in_worker, job_name, key) for key in keys]:
            future.result()


def changed_units(zones: DataZones) -> dict[int, list[str]]:
    """Units with a landed file whose content the archive has not got yet."""
    pending, _ = pending_deliveries(zones.landing, codebooks(), Archive(zones.archive), {})
    found: dict[int, set[str]] = {}
    for delivery in pending:
        if delivery.unit_id is not None:
            found.setdefault(delivery.wave, set()).add(delivery.unit_id)
    return {wave: sorted(units) for wave, units in sorted(found.items())}


def materialize_all(
    zones: DataZones,
    instance: dg.DagsterInstance | None = None,
    log=print,
    workers: int | None = None,
    changed_only: bool = False,
) -> dict[int, list[str]]:
    """Run every unit, wave and cross-wave job; with changed_only, just new or corrected units
    and their waves (what the landing sensor and automation do, in one call)."""
    instance = instance or dg.DagsterInstance.get()
    workers = workers or int(os.environ.get(WORKERS_ENV, "2"))
    units = changed_units(zones) if changed_only else delivered_units(zones)
    register_units(instance, units)
    for wave, unit_ids in units.items():
        log(f"wave {wave}: ingesting {len(unit_ids)} units")
        keys = [str(wave_unit_key(wave, unit_id)) for unit_id in unit_ids]
        _run_partitions(UNIT_JOB, keys, instance, workers)
    for wave in units:
        log(f"wave {wave}: harmonizing")
        _run(WAVE_JOB, instance, str(wave))
    log("ledger and cross-wave outputs")
    _run(NATIONAL_JOB, instance)
    return units
