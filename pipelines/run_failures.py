"""A run that failed, and the ledger rows of the files a crashed unit run had not recorded.

The runner (pipelines.runner) collects a FailedRun for every run that did not succeed and raises
RunsFailed after all runs; a unit whose own run crashed gets its files' ledger rows here, so
that the ledger still balances against the archive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from assets.ingest.deliveries import Archive, Delivery, describe, landing_files
from assets.ingest.row_count import RowCountError, count_data_rows
from assets.ingest.unit_ingest import LEDGER_COLUMNS, ledger_row
from assets.ingest.units import parse_file_name
from assets.ingest.validate import rejected_unread
from assets.storage import DataZones, write_part
from schemas.codebook import codebook_for

RUN_FAILED = "run_failed"  # ledger reason of a file whose unit run crashed before recording it


@dataclass(frozen=True)
class FailedRun:
    """A Dagster run that did not succeed. `error` holds exception class names only: a message
    may quote the raw content of a delivery."""

    job: str
    partition: str | None
    run_id: str | None
    steps: tuple[str, ...]
    error: str
    label: str = ""  # what the partition is, for people: "wave 2023, unit 4601"

    def describe(self) -> str:
        where = self.job + (f" [{self.label or self.partition}]" if self.partition else "")
        steps = f" in {', '.join(self.steps)}" if self.steps else ""
        run = f"run {self.run_id}" if self.run_id else "no run was recorded"
        return f"{where}: failed{steps} ({self.error}); {run}"


class RunsFailed(RuntimeError):
    """Some runs failed (after every other run was done)."""

    def __init__(self, failures: list[FailedRun], units: dict[int, list[str]]) -> None:
        self.failures = failures
        self.units = units
        listed = "\n".join(f"  {f.describe()}" for f in failures)
        super().__init__(f"{len(failures)} run(s) failed; see the Dagster UI:\n{listed}")


def crash_ledger(
    recorded: pd.DataFrame,
    deliveries: list[Delivery],
    failure: FailedRun,
    rows_of: Callable[[Delivery], int] = lambda _: 0,
) -> pd.DataFrame:
    """The unit's ledger part after a crashed run: what the last good run recorded stays (its
    validated rows are still the ones used), and each delivery it had not recorded gets a
    `rejected` row with reason `run_failed` naming the run. Like any rejected file's, its data
    rows (`rows_of`, counted in the archived file) are all quarantined, so the ledger balances
    against the archive. Nothing of a raw file is quoted."""
    detail = (
        f"the {failure.job} run failed before this file was recorded "
        f"({failure.describe()}); no row of it is used; run again once the cause is fixed"
    )
    known = set(recorded["sha256"]) if len(recorded) else set()
    rows, seen = [], set()
    for delivery in deliveries:
        if delivery.sha256 in known or delivery.sha256 in seen:
            continue
        seen.add(delivery.sha256)
        row = ledger_row(delivery, rejected_unread(RUN_FAILED, detail), "rejected")
        row["rows_in"] = row["rows_quarantined"] = rows_of(delivery)
        rows.append(row)
    new = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    frames = [f for f in (recorded, new) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else new


def record_crash(zones: DataZones, wave: int, unit_id: str, failure: FailedRun) -> int:
    """Write the crashed unit's ledger part (see crash_ledger); the number of rows added."""
    codebook = codebook_for(wave)
    archive = Archive(zones.archive)
    deliveries = list(archive.versions(wave, unit_id))
    for path in landing_files(zones.landing, wave):
        parsed = parse_file_name(path.name, codebook)
        if parsed is not None and parsed.unit_id == unit_id:
            # nothing lost: the bytes are archived even when the run crashed before doing so
            deliveries.append(archive.store(path, describe(path, wave, codebook)))

    def rows_of(delivery: Delivery) -> int:
        try:
            return count_data_rows(archive.path_of(delivery), codebook)
        except (RowCountError, OSError):
            return 0  # the ledger gate then names the file it cannot count

    part = zones.unit_part("ledger", wave, unit_id)
    recorded = pd.read_parquet(part) if part.exists() else pd.DataFrame(columns=LEDGER_COLUMNS)
    ledger = crash_ledger(recorded, deliveries, failure, rows_of)
    write_part(ledger, part)
    return len(ledger) - len(recorded)
