"""Materialize everything for the deliveries in landing/, on the configured Dagster instance.

Registers a unit partition for every delivered unit, runs the per-unit job for each wave's units
in batches of neighbouring units (one partition range per run, at most
assets.defs.MAX_UNITS_PER_RUN units, at least one batch per worker, the batches' bytes about
equal; each unit keeps its own materialization and metadata) in worker processes, then the
per-wave job for each wave with deliveries, in wave order (with two or more waves a worker
harmonizes them one after another while this process builds each one's edition; see
_build_waves) and the ledger in a worker beside them, then the rest of the cross-wave job.
Every run is a real Dagster run in the instance (visible in the UI with its partitions and
checks).

One failed run never stops the others: a batch in which a unit crashed fails as a whole and its
units are run again one per run; a unit whose own run crashed gets a ledger row per file it had
not recorded yet (status `rejected`, reason `run_failed`, naming the run), the remaining units,
waves and the cross-wave job still run, and `RunsFailed` lists every failed run at the end.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import replace

import dagster as dg

from assets.defs import (
    UNIT_PARTITIONS_NAME,
    batch_tags,
    new_units_in_order,
    unit_batches,
    wave_and_unit,
    wave_unit_key,
)
from assets.editions.flow import MAKE_CURRENT_TAG
from assets.ingest.deliveries import (
    Archive,
    landed,
    landing_files,
    pending_deliveries,
)
from assets.ingest.unit_steps import landed_by_unit
from assets.ingest.units import parse_file_name
from assets.storage import DataZones
from pipelines.definitions import defs
from pipelines.jobs import NATIONAL_JOB, UNIT_JOB, WAVE_JOB
from pipelines.run_failures import FailedRun, RunsFailed, record_crash
from schemas.codebook import codebooks

WORKERS_ENV = "BRUKERSTEMME_WORKERS"  # parallel unit runs (default 2, one per core)
LEDGER = dg.AssetKey("delivery_ledger")  # the cross-wave run's asset that needs unit runs only
HARMONIZED = dg.AssetKey("harmonized_responses")  # the wave job's first step
# The terminal shows the runs' warnings and errors (a rejected file, a crashed unit) and the
# runner's own lines; every event is still in the instance (UI, `dagster run logs`).
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


class NoDeliveries(RuntimeError):
    """landing/ holds no delivery of a known wave with a recognizable file name."""


class NoInstance(RuntimeError):
    """DAGSTER_HOME is not set or not a folder: there is no Dagster instance to run on."""


def dagster_instance() -> dg.DagsterInstance:
    """The instance of DAGSTER_HOME, or NoInstance saying how to get one."""
    home = os.environ.get("DAGSTER_HOME")
    if not home or not os.path.isdir(home):
        where = f"DAGSTER_HOME {home} is not a folder" if home else "DAGSTER_HOME is not set"
        raise NoInstance(
            f"{where}: `make run` sets it to .dagster/; otherwise create the folder with a "
            "dagster.yaml (the repository's, say) and set DAGSTER_HOME to it"
        )
    return dg.DagsterInstance.get()


def delivered_units(zones: DataZones) -> dict[int, list[str]]:
    """Units with at least one recognizable delivery in landing/, per known wave."""
    found: dict[int, list[str]] = {}
    for wave, book in codebooks().items():
        parsed = (parse_file_name(path.name, book) for path in landing_files(zones.landing, wave))
        units = {p.unit_id for p in parsed if p is not None}
        if units:
            found[wave] = sorted(units)
    return found


def no_deliveries_message(zones: DataZones) -> str:
    """One line saying why there is nothing to ingest."""
    landing = zones.landing
    if not landing.is_dir():
        return (
            f"no deliveries: {landing} does not exist (BRUKERSTEMME_DATA_DIR is {zones.root}); "
            "put each wave's files in landing/<wave>/"
        )
    files = landed(landing)
    if not files:
        return f"no deliveries in {landing}: put each wave's files in landing/<wave>/"
    return (
        f"no recognizable deliveries in {landing}: {len(files)} file(s), none in a folder of a "
        f"known wave ({', '.join(str(w) for w in codebooks())}) with a file name of that wave; "
        f"the ledger {zones.ledger} says why for each"
    )


def register_units(instance: dg.DagsterInstance, units: dict[int, list[str]]) -> None:
    new = new_units_in_order(instance.get_dynamic_partitions(UNIT_PARTITIONS_NAME), units)
    if new:
        instance.add_dynamic_partitions(UNIT_PARTITIONS_NAME, new)


def _innermost(error) -> str:
    while error.cause is not None:
        error = error.cause
    return error.cls_name


def _run(
    job_name: str,
    instance: dg.DagsterInstance,
    partition_key: str | None = None,
    asset_selection: list[dg.AssetKey] | None = None,
    tags: dict[str, str] | None = None,
) -> FailedRun | None:
    """One run; None when it succeeded."""
    job = defs.resolve_job_def(job_name)
    try:
        result = job.execute_in_process(
            instance=instance,
            partition_key=partition_key,
            asset_selection=asset_selection,
            raise_on_error=False,
            tags=tags,
            run_config=QUIET_CONSOLE,
        )
    except Exception as exc:  # an error outside any step: no run to point at
        return FailedRun(job_name, partition_key, None, (), type(exc).__name__)
    if result.success:
        return None
    failed = [e for e in result.all_events if e.is_step_failure]
    steps = tuple(sorted({e.step_key for e in failed if e.step_key}))
    errors = sorted({_innermost(e.step_failure_data.error) for e in failed})
    return FailedRun(job_name, partition_key, result.run_id, steps, ", ".join(errors) or "failed")


def _run_units(instance: dg.DagsterInstance, wave: int, units: list[str]) -> FailedRun | None:
    """One run of the unit job: one unit's partition, or a batch of neighbouring units as one
    partition range (see assets.defs.unit_batches)."""
    if len(units) == 1:
        failure = _run(UNIT_JOB, instance, str(wave_unit_key(wave, units[0])))
        return replace(failure, label=f"wave {wave}, unit {units[0]}") if failure else None
    failure = _run(UNIT_JOB, instance, tags=batch_tags(wave, units))
    label = f"wave {wave}, {len(units)} units {units[0]}–{units[-1]}"
    return replace(failure, label=label) if failure else None


def _run_units_in_worker(wave: int, units: list[str]) -> FailedRun | None:
    """Entry point of a worker process: the instance comes from DAGSTER_HOME."""
    with dg.DagsterInstance.get() as instance:
        return _run_units(instance, wave, units)


def _run_in_worker(job_name: str, **kwargs) -> FailedRun | None:
    """Entry point of a worker process for one run of `_run` (instance from DAGSTER_HOME)."""
    with dg.DagsterInstance.get() as instance:
        return _run(job_name, instance, **kwargs)


@contextlib.contextmanager
def worker_pool(instance: dg.DagsterInstance, workers: int) -> Iterator[Executor | None]:
    """Worker processes for runs on this instance (None: run everything in this process, as
    with no worker or an instance that lives only in this process).

    They are forked from this process when it has no other thread (the modules and the
    definitions are loaded already: a spawned worker spends two seconds importing them), else
    spawned. The pool's processes all start at once, before its first task."""
    if workers < 1 or instance.is_ephemeral or not os.environ.get("DAGSTER_HOME"):
        yield None
        return
    method = "fork" if threading.active_count() == 1 else "spawn"
    if method == "fork":
        gc.freeze()  # what is loaded now lives on: forked workers neither scan nor copy it
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pool.submit(os.getpid).result()  # every worker starts now
        yield pool


def _run_batches(
    wave: int, batches: list[list[str]], instance: dg.DagsterInstance, pool: Executor | None
) -> list[tuple[list[str], FailedRun | None]]:
    """Every batch's run; with a pool in its worker processes, on the same instance."""
    if pool is None or len(batches) < 2:
        return [(batch, _run_units(instance, wave, batch)) for batch in batches]
    futures = [(b, pool.submit(_run_units_in_worker, wave, b)) for b in batches]
    results = []
    for batch, future in futures:
        key = str(wave_unit_key(wave, batch[0])) if len(batch) == 1 else None
        died = FailedRun(UNIT_JOB, key, None, (), "", f"wave {wave}")
        results.append((batch, _worker_result(future, died)))
    return results


def _worker_result(future: Future, died: FailedRun) -> FailedRun | None:
    """A worker's run: None when it succeeded, else its failure (`died`, with the exception's
    class, when the worker process itself died)."""
    try:
        return future.result()
    except Exception as exc:
        return replace(died, error=type(exc).__name__)


# A unit's expected work in a batch, in bytes of its landed files plus this much for what every
# unit costs whatever its size (its runs of the readers, the checks and four Parquet writes).
UNIT_FIXED_BYTES = 200_000


def unit_weights(zones: DataZones, wave: int) -> dict[str, float]:
    """Each unit's expected work (see UNIT_FIXED_BYTES), to share a wave out evenly."""
    weights: dict[str, float] = {}
    for unit_id, paths in landed_by_unit(zones, wave).items():
        weights[unit_id] = UNIT_FIXED_BYTES + sum(p.stat().st_size for p in paths)
    return weights


def ingest_wave(
    wave: int,
    units: list[str],
    instance: dg.DagsterInstance,
    pool: Executor | None,
    workers: int,
    weights: dict[str, float] | None = None,
    log=print,
) -> list[FailedRun]:
    """Run the unit job for these units of a wave, in batches of neighbouring units of about
    equal weight (unit_weights); a batch that fails is run again one unit per run, so that
    only the failing units fail. Returns the failed one-unit runs."""
    order = instance.get_dynamic_partitions(UNIT_PARTITIONS_NAME)
    parts = workers if pool is not None else 1
    batches = unit_batches(order, set(units), parts=parts, weights=weights)
    failed: list[FailedRun] = []
    retry: list[list[str]] = []
    for batch, failure in _run_batches(wave, batches, instance, pool):
        if failure is None:
            continue
        if len(batch) == 1:
            failed.append(failure)
        else:
            log(f"{failure.describe()}; running its units one by one")
            retry += [[unit] for unit in batch]
    failed += [f for _, f in _run_batches(wave, retry, instance, pool) if f is not None]
    return failed


def _import_quietly(module: str) -> None:
    """Import a module ahead of use (in a thread, while this process waits on others); a
    failure is left for the real import to report."""
    with contextlib.suppress(Exception):
        importlib.import_module(module)


def changed_units(zones: DataZones) -> tuple[dict[int, list[str]], bool]:
    """Units with a landed file whose content the archive has not got yet, and whether any
    landed file is new at all (a file no unit takes still needs its ledger row)."""
    pending, _ = pending_deliveries(zones.landing, codebooks(), Archive(zones.archive), {})
    found: dict[int, set[str]] = {}
    for delivery in pending:
        if delivery.unit_id is not None:
            found.setdefault(delivery.wave, set()).add(delivery.unit_id)
    return {wave: sorted(units) for wave, units in sorted(found.items())}, bool(pending)


def materialize_all(
    zones: DataZones,
    instance: dg.DagsterInstance | None = None,
    log=print,
    workers: int | None = None,
    changed_only: bool = False,
) -> dict[int, list[str]]:
    """Run every unit, wave and cross-wave job; with changed_only, just new or corrected units
    and their waves (what the landing sensor and automation do, in one call).

    Returns the units run per wave. Raises NoDeliveries before any run when landing/ holds no
    recognizable delivery (after recording the unrecognizable ones in the ledger), and
    RunsFailed after all runs when some failed.
    """
    delivered = delivered_units(zones)
    if not delivered and not landed(zones.landing):
        raise NoDeliveries(no_deliveries_message(zones))
    instance = instance or dagster_instance()
    workers = workers or int(os.environ.get(WORKERS_ENV, "2"))
    if not delivered:  # only files no unit takes: the ledger says why for each
        failed = _run(NATIONAL_JOB, instance, asset_selection=[LEDGER])
        note = f" (but the ledger's run failed: {failed.describe()})" if failed else ""
        raise NoDeliveries(no_deliveries_message(zones) + note)
    if changed_only:
        units, anything_new = changed_units(zones)
        if not anything_new:
            log("no new or changed deliveries in landing/; nothing to run")
            return {}
    else:
        units = delivered
    register_units(instance, units)
    failures: list[FailedRun] = []
    with worker_pool(instance, workers if workers > 1 else 0) as pool:
        if pool is not None:  # this process waits for the unit runs: load GX meanwhile
            threading.Thread(
                target=_import_quietly, args=("great_expectations",), daemon=True
            ).start()
        for wave, unit_ids in units.items():
            failures += _ingest(zones, instance, wave, unit_ids, pool, workers, log)
    wave_failures, ledger_run = _build_waves(instance, list(units), workers, log)
    failures += wave_failures
    log("ledger and cross-wave outputs")
    rest = None  # the whole cross-wave job, or all of it but a ledger already built beside
    if ledger_run:
        national = defs.resolve_job_def(NATIONAL_JOB).asset_layer.selected_asset_keys
        rest = sorted(k for k in national if k != LEDGER)
    failures += [f for f in [_run(NATIONAL_JOB, instance, asset_selection=rest)] if f]
    if failures:
        raise RunsFailed(failures, units)
    return units


def _build_waves(
    instance: dg.DagsterInstance, waves: list[int], workers: int, log=print
) -> tuple[list[FailedRun], bool]:
    """The wave job for each wave, in wave order, and with workers the ledger's run beside
    (it needs the unit runs only). Returns the failed runs and whether the ledger was built.

    A wave depends on the earlier ones twice: its answer-drift gate reads their harmonized
    responses, its candidate edition their latest editions (change against the previous
    wave, the audit across waves). With workers and two or more waves, the two steps form a
    pipeline that keeps both orders: one worker harmonizes the waves one after another (then
    builds the ledger) while this process builds each wave's edition as soon as that wave is
    harmonized and the wave before it has its edition. Else each wave's whole job runs here
    in turn. Either way every wave sees exactly what a one-by-one run would show it, so the
    published files are the same."""
    tags = {MAKE_CURRENT_TAG: "later"}  # every new edition is made current once, afterwards
    failures: list[FailedRun] = []
    with worker_pool(instance, 1 if workers > 1 else 0) as beside:
        pipelined = beside is not None and len(waves) > 1
        harmonizing: dict[int, Future] = {}
        if pipelined:  # one worker: its runs go one after another, in the order given
            log(f"waves {', '.join(map(str, waves))}: harmonizing beside the editions")
            job = defs.resolve_job_def(WAVE_JOB).asset_layer.selected_asset_keys
            edition_steps = sorted(k for k in job if k != HARMONIZED)
            for w in waves:
                harmonizing[w] = beside.submit(_run_in_worker, WAVE_JOB, partition_key=str(w),
                                               asset_selection=[HARMONIZED], tags=tags)  # fmt: skip
        ledger = None if beside is None else beside.submit(_run_in_worker, NATIONAL_JOB,
                                                           asset_selection=[LEDGER])  # fmt: skip
        for wave in waves:
            if pipelined:
                died = FailedRun(WAVE_JOB, str(wave), None, (), "")
                failed = _worker_result(harmonizing[wave], died)
                if failed is None:  # as in the whole job: no edition from a failed harmonize
                    log(f"wave {wave}: edition")
                    failed = _run(WAVE_JOB, instance, str(wave), asset_selection=edition_steps,
                                  tags=tags)  # fmt: skip
            else:
                log(f"wave {wave}: harmonizing")
                failed = _run(WAVE_JOB, instance, str(wave), tags=tags)
            failures += [replace(failed, label=f"wave {wave}")] if failed else []
        if ledger is not None:
            died = FailedRun(NATIONAL_JOB, None, None, (), "")
            failures += [f for f in [_worker_result(ledger, died)] if f]
    return failures, ledger is not None


def _ingest(
    zones: DataZones,
    instance: dg.DagsterInstance,
    wave: int,
    unit_ids: list[str],
    pool: Executor | None,
    workers: int,
    log,
) -> list[FailedRun]:
    """The unit runs of one wave (ingest_wave); a crashed unit's files get their ledger rows."""
    log(f"wave {wave}: ingesting {len(unit_ids)} units")
    weights = unit_weights(zones, wave)
    crashed = ingest_wave(wave, unit_ids, instance, pool, workers, weights, log)
    for failure in crashed:
        _, unit_id = wave_and_unit(failure.partition)
        try:
            added = f"{record_crash(zones, wave, unit_id, failure)} ledger row(s) added"
        except Exception as exc:  # the ledger then misses the file, and its gate says so
            added = f"its ledger rows could not be written ({type(exc).__name__})"
        log(f"{failure.describe()}; {added}")
    return crashed
