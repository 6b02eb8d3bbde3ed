"""The delivery ledger: one row per delivery file ever seen, and its reconciliation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest import errors
from assets.ingest.deliveries import Archive, describe
from assets.ingest.unit_ingest import LEDGER_COLUMNS
from schemas.codebook import Codebook


def unattributable(landing: Path, books: dict[int, Codebook], archive: Archive) -> pd.DataFrame:
    """Ledger rows for landed files no unit partition can take: unknown wave or file name.

    They are archived too (nothing is lost) and rejected with a reason naming the file.
    """
    rows = []
    folders = sorted(p for p in landing.iterdir() if p.is_dir()) if landing.is_dir() else []
    for folder in folders:
        wave = int(folder.name) if folder.name.isdigit() else None
        book = books.get(wave) if wave is not None else None
        for path in sorted(
            p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
        ):
            delivery = describe(path, wave or 0, book)
            if book is not None and delivery.unit_id is not None:
                continue
            archive.store(path, delivery)
            if book is None:
                reason, detail = (
                    errors.UNKNOWN_WAVE,
                    (
                        f"{folder.name}/{path.name}: no codebook for wave {folder.name}; "
                        f"known waves: {sorted(books)}"
                    ),
                )
            else:
                reason, detail = (
                    errors.UNRECOGNIZED_FILE_NAME,
                    (
                        f"{folder.name}/{path.name} does not match the wave's file name pattern "
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
    seen = {(str(w), n) for w, n in zip(ledger["wave"], ledger["file_name"], strict=True)}
    missing = []
    for path in sorted(landing.glob("*/*")) if landing.is_dir() else []:
        if (
            path.is_file()
            and not path.name.startswith(".")
            and (path.parent.name, path.name) not in seen
        ):
            missing.append(f"{path.parent.name}/{path.name}")
    return missing
