"""One unit's work in the unit job, as plain functions: archive and parse its deliveries
(archive_unit), validate them and write its parts (validate_unit), and, in a batch run, the
batch's deliveries validated chunk by chunk in one Pandera pass each (ValidationChunks).
assets/ingest_assets.py wires them to the Dagster partitions."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from assets.content_hash import content_hash, content_hashes
from assets.ingest.deliveries import Archive, Delivery, describe, landing_files
from assets.ingest.errors import FileRejected
from assets.ingest.harmonize import decode_files
from assets.ingest.raw_store import load_raw, store_raw
from assets.ingest.unit_ingest import Decoded, UnitIngest, current_version, ingest_unit
from assets.ingest.units import parse_file_name
from assets.ingest.validate import (
    FileValidation,
    rejected_unread,
    validate_table,
    validate_tables,
)
from assets.metadata import markdown_table, row_counts
from assets.storage import DataZones, write_part
from schemas.codebook import codebook_for


def landed_by_unit(zones: DataZones, wave: int) -> dict[str, list[Path]]:
    """The wave's landed files per unit they name (one listing of landing/ per batch)."""
    codebook = codebook_for(wave)
    found: dict[str, list[Path]] = {}
    for path in landing_files(zones.landing, wave):
        parsed = parse_file_name(path.name, codebook)
        if parsed is not None:
            found.setdefault(parsed.unit_id, []).append(path)
    return found


def archive_unit(zones: DataZones, wave: int, unit_id: str, landed: list[Path]) -> tuple[str, dict]:
    """Archive the unit's landed files (landed_by_unit's, each naming this unit) and parse all
    its deliveries: (data version, metadata). The wave's records are looked at once, for all
    the files: each new record joins the versions the next file is stored after."""
    codebook = codebook_for(wave)
    archive = Archive(zones.archive)
    versions = archive.versions(wave, unit_id)
    for path in landed:
        delivery = describe(path, wave, codebook)
        if delivery.unit_id != unit_id:
            raise ValueError(f"{path.name} is not a delivery of unit {unit_id}")
        stored = archive.store(path, delivery, earlier=versions)
        if stored not in versions:
            versions = sorted([*versions, stored], key=Delivery.sort_key)
    rows = []
    for delivery in versions:
        outcome = store_raw(zones, delivery, archive.path_of(delivery), codebook)
        rows.append(
            {
                "file": delivery.file_name,
                "sha256": delivery.sha256,
                "received_at": delivery.received_at,
                "parsed": outcome,
            }
        )
    sha256s = [r["sha256"] for r in rows]
    return content_hash(pd.DataFrame({"sha256": sha256s})), {
        "versions": dg.MetadataValue.md(markdown_table(pd.DataFrame(rows))),
        "n_versions": len(versions),
        "sha256": ", ".join(sha256s),
    }


Validated = dict[tuple[str, str], FileValidation]  # Delivery.version_key → its validation
DecodedVersions = dict[tuple[str, str], Decoded]  # Delivery.version_key → its decoding


@dataclass(frozen=True)
class ValidatedBatch:
    """validate_batch's result: each unit's archived versions, their validations and the
    decoding of each unit's current version."""

    versions: dict[str, list[Delivery]]
    validated: Validated
    decoded: DecodedVersions


def validate_batch(zones: DataZones, wave: int, unit_ids: list[str]) -> ValidatedBatch:
    """Every archived delivery of these units of one wave validated in one Pandera pass
    (validate_tables; the same result, file by file, as validate_table's), and each unit's
    current version decoded in one pass (decode_files; the same as decode_file's)."""
    codebook = codebook_for(wave)
    in_wave = Archive(zones.archive).wave_versions(wave)
    done: Validated = {}
    tables = []
    versions = {unit_id: in_wave.get(unit_id, []) for unit_id in unit_ids}
    for unit_id, deliveries in versions.items():
        for delivery in deliveries:
            key = delivery.version_key
            try:
                tables.append((key, (load_raw(zones, delivery), delivery.file_name, unit_id)))
            except FileRejected as exc:
                done[key] = rejected_unread(exc.reason, exc.detail)
    validations = validate_tables([args for _, args in tables], codebook)
    done.update(zip((key for key, _ in tables), validations, strict=True))
    currents = [
        current
        for deliveries in versions.values()
        if (current := current_version([(d, done[d.version_key]) for d in deliveries]))
    ]
    decoded = decode_files([result.accepted for _, result in currents], codebook)
    keys = (d.version_key for d, _ in currents)
    return ValidatedBatch(versions, done, dict(zip(keys, decoded, strict=True)))


@dataclass(frozen=True)
class UnitOutcome:
    """A unit's validated versions, what ingest_unit makes of them, and its validated rows as
    the Arrow table that is written and hashed; `digest` is that table's content hash when it
    was taken with other units' (content_hashes), else None."""

    results: list[tuple[Delivery, FileValidation]]
    outcome: UnitIngest
    table: pa.Table
    digest: str | None = None


def unit_outcome(
    zones: DataZones, wave: int, unit_id: str, batch: ValidatedBatch | None = None
) -> UnitOutcome:
    """Validate one unit's deliveries (or take its versions, their validation and the current
    version's decoding from `batch`, see validate_batch) and decide its outcome."""
    codebook = codebook_for(wave)
    results = []
    if batch is not None and unit_id in batch.versions:
        versions = batch.versions[unit_id]
    else:
        versions = Archive(zones.archive).versions(wave, unit_id)
    validated = batch.validated if batch is not None else {}
    for delivery in versions:
        known = validated.get(delivery.version_key)
        if known is not None:
            results.append((delivery, known))
            continue
        try:
            table = load_raw(zones, delivery)
            results.append((delivery, validate_table(table, delivery.file_name, unit_id, codebook)))
        except FileRejected as exc:
            results.append((delivery, rejected_unread(exc.reason, exc.detail)))
    outcome = ingest_unit(results, codebook, batch.decoded if batch is not None else None)
    table = pa.Table.from_pandas(outcome.validated, preserve_index=False)  # written, hashed
    return UnitOutcome(results, outcome, table)


def validate_unit(
    zones: DataZones,
    wave: int,
    unit_id: str,
    log: dg.DagsterLogManager,
    prepared: UnitOutcome | None = None,
) -> tuple[str, dict]:
    """Write one unit's validated rows, quarantine, skip log and ledger part, from its outcome
    `prepared` already (ValidationChunks) or else made here (unit_outcome): (data version,
    metadata)."""
    done = prepared or unit_outcome(zones, wave, unit_id)
    results, outcome, validated = done.results, done.outcome, done.table
    for table, frame in (
        ("validated", validated),
        ("quarantine", outcome.quarantine),
        ("skip_log", outcome.skip_log),
        ("ledger", outcome.ledger),
    ):
        write_part(frame, zones.unit_part(table, wave, unit_id))
    for row in outcome.ledger.itertuples():
        if row.status == "rejected":
            log.error(
                f"{row.file_name} (wave {wave}, unit {unit_id}) rejected: "
                f"{row.reason}: {row.detail}"
            )
    notes = [f"{d.file_name}: {note}" for d, r in results for note in r.notes]
    for note in notes:
        log.warning(f"wave {wave}, unit {unit_id}: {note}")
    current = outcome.ledger[outcome.ledger["status"] == "accepted"]
    reasons = (
        outcome.quarantine["reason"].value_counts().to_dict() if len(outcome.quarantine) else {}
    )
    digest = done.digest or content_hash(validated)
    return digest, {
        "current_file": current["file_name"].iloc[0] if len(current) else "none",
        "current_sha256": current["sha256"].iloc[0] if len(current) else "none",
        **row_counts(outcome.ledger),
        "content_sha256": digest,
        "reasons": dg.MetadataValue.json({str(k): int(v) for k, v in reasons.items()}),
        "ledger": dg.MetadataValue.md(markdown_table(outcome.ledger.drop(columns=["detail"]))),
        "skip_logic_answers_reset": len(outcome.skip_log),
        "extra_columns": "\n".join(notes) or "none",
    }


# Units per Pandera pass in a batch: the pass costs little more per row than per file already
# at this size, and only one chunk's raw tables and validations are held at a time.
VALIDATION_CHUNK_UNITS = 25


class ValidationChunks:
    """A batch's deliveries validated chunk by chunk (validate_batch), in the batch's order,
    and the chunk's unit outcomes made with their content hashes taken in one pass
    (content_hashes). A chunk whose pass fails leaves its units to validate_unit on their own;
    a unit whose outcome cannot be made here is left to its own step, which then fails as it
    would alone."""

    def __init__(self, zones: DataZones, keys: list[tuple[int, str]], log) -> None:
        self.zones, self.keys, self.log = zones, keys, log
        self.covered: set[tuple[int, str]] = set()
        self.prepared: dict[str, UnitOutcome] = {}

    def covering(self, wave: int, unit_id: str) -> UnitOutcome | None:
        """The unit's outcome, made with its chunk's (None: validate_unit makes it itself)."""
        if (wave, unit_id) not in self.covered:
            start = self.keys.index((wave, unit_id))
            chunk = [k for k in self.keys[start:] if k[0] == wave][:VALIDATION_CHUNK_UNITS]
            self.covered, self.prepared = set(chunk), {}  # let go
            try:
                self.prepared = self._prepare(wave, [u for _, u in chunk])
            except Exception as exc:
                self.log.warning(
                    f"wave {wave}: validating {len(chunk)} units in one pass failed "
                    f"({type(exc).__name__}); validating them one by one"
                )
        return self.prepared.pop(unit_id, None)  # held no longer than until its step

    def _prepare(self, wave: int, units: list[str]) -> dict[str, UnitOutcome]:
        batch = validate_batch(self.zones, wave, units)
        made: dict[str, UnitOutcome] = {}
        for unit in units:
            with contextlib.suppress(Exception):  # its own step raises it again, named
                made[unit] = unit_outcome(self.zones, wave, unit, batch)
        digests = content_hashes([m.table for m in made.values()])
        return {u: replace(m, digest=d) for (u, m), d in zip(made.items(), digests, strict=True)}
