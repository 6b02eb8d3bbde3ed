"""Ingest every delivered version of one unit in one wave: validate, decide, decode.

The newest accepted version is current; earlier accepted versions are superseded; rejected
versions stay rejected. Only the current version's accepted rows go on to harmonization.
Each version gets one ledger row whose counts balance: rows_in = accepted + quarantined + duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from assets.ingest.deliveries import Delivery
from assets.ingest.harmonize import SKIP_LOG_COLUMNS, decode_file
from assets.ingest.validate import FileValidation
from schemas.categorical import constant_categorical
from schemas.codebook import Codebook

LEDGER_COLUMNS = [
    "wave",
    "unit_id",
    "file_name",
    "sha256",
    "received_at",
    "status",
    "reason",
    "detail",
    "rows_in",
    "rows_accepted",
    "rows_quarantined",
    "rows_duplicate",
]


@dataclass
class UnitIngest:
    ledger: pd.DataFrame
    validated: pd.DataFrame  # decoded accepted rows of the current version, with provenance
    quarantine: pd.DataFrame  # findings of every version, with file_name and sha256
    skip_log: pd.DataFrame
    raw: dict[str, pd.DataFrame]  # sha256 → raw text cells (restricted zone)
    current: Delivery | None


def ledger_row(delivery: Delivery, result: FileValidation, status: str) -> dict:
    return {
        "wave": delivery.wave,
        "unit_id": delivery.unit_id,
        "file_name": delivery.file_name,
        "sha256": delivery.sha256,
        "received_at": delivery.received_at,
        "status": status,
        "reason": result.reason,
        "detail": result.detail,
        "rows_in": result.rows_in,
        "rows_accepted": result.rows_accepted,
        "rows_quarantined": result.rows_quarantined,
        "rows_duplicate": result.rows_duplicate,
    }


Decoded = tuple[pd.DataFrame, pd.DataFrame]  # decode_file's (decoded rows, skip-logic log)


def current_version(
    results: list[tuple[Delivery, FileValidation]],
) -> tuple[Delivery, FileValidation] | None:
    """The unit's current version: its newest accepted one (None when none is accepted)."""
    ordered = sorted(results, key=lambda v: v[0].sort_key())
    accepted = [(d, r) for d, r in ordered if r.status == "accepted"]
    return accepted[-1] if accepted else None


def ingest_unit(
    results: list[tuple[Delivery, FileValidation]],
    codebook: Codebook,
    decoded: Mapping[tuple[str, str], Decoded] | None = None,
) -> UnitIngest:
    """Decide which validated version of a unit is current and assemble its outputs.

    `decoded` holds versions' decodings done already, by Delivery.version_key (decode_files over
    a batch's current versions); the current version is decoded here when it is not there."""
    results = sorted(results, key=lambda v: v[0].sort_key())
    current = current_version(results)
    done = (decoded or {}).get(current[0].version_key) if current else None
    rows, findings, raw = [], [], {}
    for delivery, result in results:
        if result.status == "rejected":
            status = "rejected"
        else:
            status = "accepted" if current and delivery is current[0] else "superseded"
        rows.append(ledger_row(delivery, result, status))
        if len(result.quarantine):
            findings.append(
                result.quarantine.assign(
                    wave=delivery.wave,
                    unit_id=delivery.unit_id,
                    file_name=delivery.file_name,
                    sha256=delivery.sha256,
                )
            )
        if result.raw is not None:
            raw[delivery.sha256] = result.raw
    validated, skip_log = _decode_current(current, codebook, done)
    quarantine = pd.concat(findings, ignore_index=True) if findings else pd.DataFrame()
    return UnitIngest(
        pd.DataFrame(rows, columns=LEDGER_COLUMNS),
        validated,
        quarantine,
        skip_log,
        raw,
        current[0] if current else None,
    )


def _decode_current(
    current: tuple[Delivery, FileValidation] | None,
    codebook: Codebook,
    done: Decoded | None,
):
    if current is None:
        return pd.DataFrame(), pd.DataFrame(columns=SKIP_LOG_COLUMNS)
    delivery, result = current
    decoded, skip_log = done if done is not None else decode_file(result.accepted, codebook)
    decoded["respondent_id"] = result.accepted[codebook.respondent_id].astype(str).to_numpy()
    for name, value in (
        ("unit_id", delivery.unit_id),
        ("source_file", delivery.file_name),
        ("source_sha256", delivery.sha256),
    ):
        decoded[name] = constant_categorical(len(decoded), value)
    skip_log = skip_log.assign(
        wave=delivery.wave,
        unit_id=delivery.unit_id,
        file_name=delivery.file_name,
        sha256=delivery.sha256,
    )
    return decoded, skip_log
