"""The delivery ledger: one row per delivery file ever seen, and its reconciliation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest import errors
from assets.ingest.deliveries import Archive, describe, landed, wave_of
from assets.ingest.unit_ingest import LEDGER_COLUMNS
from assets.ingest.units import parse_file_name
from schemas.codebook import Codebook


def unattributable(landing: Path, books: dict[int, Codebook], archive: Archive) -> pd.DataFrame:
    """Ledger rows for landed files no unit partition can take: unknown wave or file name.

    They are archived too (nothing is lost) and rejected with a reason naming the file.
    """
    rows = []
    for folder, path in landed(landing):
        wave = wave_of(folder)
        book = books.get(wave) if wave is not None else None
        if book is not None and parse_file_name(path.name, book) is not None:
            continue  # a unit partition archives and ledgers it
        delivery = describe(path, wave or 0, book)
        archive.store(path, delivery)
        if book is None:
            reason, detail = (
                errors.UNKNOWN_WAVE,
                (
                    f"{folder}/{path.name}: no codebook for wave {folder}; "
                    f"known waves: {sorted(books)}"
                ),
            )
        else:
            reason, detail = (
                errors.UNRECOGNIZED_FILE_NAME,
                (
                    f"{folder}/{path.name} does not match the wave's file name pattern "
                    f"{book.file_name_pattern.pattern}"
                ),
            )
        rows.append(
            {
                "wave": wave,
                "unit_id": None,
                "file_name": path.name,
                "sha256": delivery.sha256,
                "received_at": delivery.received_at,
                "status": "rejected",
                "reason": reason,
                "detail": detail,
                "rows_in": 0,
                "rows_accepted": 0,
                "rows_quarantined": 0,
                "rows_duplicate": 0,
            }
        )
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def assemble_ledger(parts: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [p for p in parts if len(p)]
    if not frames:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    ledger = pd.concat(frames, ignore_index=True)[LEDGER_COLUMNS]
    ledger = ledger.astype(
        {
            "rows_in": "int64",
            "rows_accepted": "int64",
            "rows_quarantined": "int64",
            "rows_duplicate": "int64",
        }
    )
    return ledger.sort_values(
        ["wave", "unit_id", "received_at", "file_name"], na_position="last", kind="stable"
    ).reset_index(drop=True)


def unbalanced_files(ledger: pd.DataFrame) -> pd.DataFrame:
    """Files whose rows do not add up: rows_in ≠ accepted + quarantined + duplicate."""
    total = ledger["rows_accepted"] + ledger["rows_quarantined"] + ledger["rows_duplicate"]
    return ledger[ledger["rows_in"] != total]


def files_missing_from_ledger(ledger: pd.DataFrame, landing: Path) -> list[str]:
    """Landed files (wave/name) without a ledger row: something was lost between zones."""
    seen = {
        (None if pd.isna(w) else str(int(w)), n)
        for w, n in zip(ledger["wave"], ledger["file_name"], strict=True)
    }  # a file in a folder that is no wave has a ledger row without a wave
    missing = []
    for folder, path in landed(landing):
        if (folder, path.name) not in seen and (None, path.name) not in seen:
            missing.append(f"{folder}/{path.name}")
    return missing
