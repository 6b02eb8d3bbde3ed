"""The delivery ledger: one row per delivery file ever seen, and its reconciliation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest import errors
from assets.ingest.deliveries import (
    Archive,
    Delivery,
    NotARegularFile,
    describe,
    landing_entries,
    sha256_of,
)
from assets.ingest.row_count import RowCountError, count_data_rows
from assets.ingest.unit_ingest import LEDGER_COLUMNS
from assets.ingest.units import parse_file_name
from assets.storage import read_parquets
from schemas.codebook import Codebook


def _row(wave: int | None, name: str, reason: str, detail: str, delivery=None) -> dict:
    return {
        "wave": wave,
        "unit_id": None,
        "file_name": name,
        "sha256": delivery.sha256 if delivery is not None else None,
        "received_at": delivery.received_at if delivery is not None else None,
        "status": "rejected",
        "reason": reason,
        "detail": detail,
        "rows_in": 0,
        "rows_accepted": 0,
        "rows_quarantined": 0,
        "rows_duplicate": 0,
    }


def unattributable(landing: Path, books: dict[int, Codebook], archive: Archive) -> pd.DataFrame:
    """Ledger rows for every landing entry no unit partition can take, each with its reason.

    Regular files in an unknown wave or with an unrecognized name are archived too (nothing is
    lost). Links, hidden entries, folders and special files are never opened: their row names
    the entry and why it is no delivery (a link's target is neither read nor named).
    """
    rows = []
    for entry in landing_entries(landing):
        wave = entry.wave
        if entry.reason is not None and entry.reason != errors.UNKNOWN_WAVE:
            rows.append(_row(wave, entry.name, entry.reason, f"{entry.shown}: {entry.detail}"))
            continue
        book = books.get(wave) if wave is not None else None
        if book is not None and parse_file_name(entry.name, book) is not None:
            continue  # a unit partition archives and ledgers it
        try:
            delivery = archive.store(entry.path, describe(entry.path, wave or 0, book))
        except NotARegularFile:  # replaced by a link since it was listed: never followed
            rows.append(
                _row(wave, entry.name, errors.SYMLINK, f"{entry.shown}: not a regular file")
            )
            continue
        except FileNotFoundError:
            continue  # gone since it was listed; nothing to account for
        if entry.reason == errors.UNKNOWN_WAVE:
            reason, detail = errors.UNKNOWN_WAVE, f"{entry.shown}: {entry.detail}"
        elif book is None:
            reason = errors.UNKNOWN_WAVE
            detail = (
                f"{entry.shown}: no codebook for wave {entry.folder}; known waves: {sorted(books)}"
            )
        else:
            reason = errors.UNRECOGNIZED_FILE_NAME
            detail = (
                f"{entry.shown} does not match the wave's file name pattern "
                f"{book.file_name_pattern.pattern} (unit numbers in ASCII digits)"
            )
        rows.append(_row(wave, entry.name, reason, detail, delivery))
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def recorded_parts(zones, wave: int | None = None) -> list[pd.DataFrame]:
    """The ledger parts the unit runs wrote (one per unit; of one wave, or of every wave), read
    through Arrow in one concatenation (one pandas conversion, not one per unit)."""
    paths = zones.unit_parts("ledger", wave)
    return [read_parquets(paths)] if paths else []


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


def files_missing_from_ledger(ledger: pd.DataFrame, landing: Path) -> list[str]:
    """Landing entries (folder/name) without a ledger row: something was lost between zones.

    Every entry counts: delivery files, and links, hidden entries and folders too.
    """
    seen = {
        (None if pd.isna(w) else str(int(w)), n)
        for w, n in zip(ledger["wave"], ledger["file_name"], strict=True)
    }  # a file in a folder that is no wave has a ledger row without a wave
    return [
        e.shown
        for e in landing_entries(landing)
        if (e.folder, e.name) not in seen and (None, e.name) not in seen
    ]


COUNT_COLUMNS = ["wave", "sha256", "archived", "rows_counted", "note"]


def independent_counts(
    ledger: pd.DataFrame, archive: Archive, books: dict[int, Codebook]
) -> pd.DataFrame:
    """For every archived file in the ledger: is the archive copy intact (sha256 of its bytes
    equals the ledger's), and how many data rows does an independent reader count in it.

    `rows_counted` is null when the file is no unit's delivery or the reader cannot count it
    (`note` says why, without quoting content). See assets/ingest/row_count.py.
    """
    rows = []
    keyed = ledger.dropna(subset=["sha256"]).drop_duplicates(["wave", "sha256", "file_name"])
    for entry in keyed.itertuples():
        wave = int(entry.wave) if pd.notna(entry.wave) else 0
        delivery = Delivery(
            wave, entry.unit_id, 0, entry.file_name, entry.sha256, 0, entry.received_at
        )
        path = archive.path_of(delivery)
        archived, counted, note = False, None, None
        if not path.is_file():
            note = "no archive copy"
        elif sha256_of(path) != entry.sha256:
            note = "the archive copy's bytes differ from the delivery's sha256"
        else:
            archived = True
            book = books.get(wave)
            if pd.notna(entry.unit_id) and book is not None:
                try:
                    counted = count_data_rows(path, book)
                except RowCountError as exc:
                    note = f"the independent reader cannot count it: {exc}"
        rows.append(
            {
                "wave": wave,
                "sha256": entry.sha256,
                "archived": archived,
                "rows_counted": counted,
                "note": note,
            }
        )
    out = pd.DataFrame(rows, columns=COUNT_COLUMNS).drop_duplicates(["wave", "sha256"])
    return out.astype({"rows_counted": "Int64"})
