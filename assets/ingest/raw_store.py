"""Parsed raw tables of archived deliveries in the restricted zone.

Every archived version is parsed once with its wave's codebook reader and kept as Parquet of
text cells (free text included: this is the restricted zone). A file that cannot be read gets a
small JSON note with the reason instead, so validation sees the same outcome every time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from assets.ingest.deliveries import Delivery
from assets.ingest.errors import FileRejected
from assets.ingest.readers import RawTable, read_delivery
from assets.storage import DataZones, write_part
from schemas.codebook import Codebook

# Tables parsed by this process, kept until validation loads them: in a batch run the unit
# job's raw step parses a file and its validation step, in the same process, takes the table
# from here instead of reading its Parquet back (the same frame, tests/test_raw_store.py).
# Bounded: past KEPT_ROWS rows nothing more is kept and validation reads the files.
KEPT_ROWS = 2_000_000
_parsed: dict[Path, pd.DataFrame] = {}


def _keep(path: Path, frame: pd.DataFrame) -> None:
    if sum(len(f) for f in _parsed.values()) + len(frame) <= KEPT_ROWS:
        _parsed[path] = frame


def _base(zones: DataZones, delivery: Delivery) -> Path:
    return zones.restricted / "raw" / f"wave={delivery.wave}" / f"unit={delivery.unit_id}"


def store_raw(zones: DataZones, delivery: Delivery, archived: Path, codebook: Codebook) -> str:
    """Parse an archived file unless already done; return 'parsed' or the rejection reason."""
    base = _base(zones, delivery)
    table_path, note_path = base / f"{delivery.sha256}.parquet", base / f"{delivery.sha256}.json"
    if table_path.exists():
        return "parsed"
    if note_path.exists():
        return json.loads(note_path.read_text(encoding="utf-8"))["reason"]
    try:
        table = read_delivery(archived, codebook, delivery.file_name)
    except FileRejected as exc:
        base.mkdir(parents=True, exist_ok=True)
        note = {"reason": exc.reason, "detail": exc.detail, "file_name": delivery.file_name}
        note_path.write_text(json.dumps(note, ensure_ascii=False), encoding="utf-8")
        return exc.reason
    cells = table.arrow if table.arrow is not None else table.frame
    write_part(cells, table_path)
    _keep(table_path, _as_loaded(table.frame))
    return "parsed"


def load_raw(zones: DataZones, delivery: Delivery) -> RawTable:
    """The parsed table of an archived version; raises FileRejected for an unreadable file."""
    base = _base(zones, delivery)
    note_path = base / f"{delivery.sha256}.json"
    if note_path.exists():
        note = json.loads(note_path.read_text(encoding="utf-8"))
        raise FileRejected(note["reason"], note["detail"])
    path = base / f"{delivery.sha256}.parquet"
    kept = _parsed.pop(path, None)
    return RawTable(kept if kept is not None else _as_loaded(pd.read_parquet(path)))


def _as_loaded(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells as categorical columns (source_row stays an integer)."""
    for column in frame.columns:
        if column != "source_row" and not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object).astype("category")
    return frame
