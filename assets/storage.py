"""The data zones on disk (DESIGN.md "Data zones") and safe, deterministic table I/O.

landing/     drop zone, never modified
restricted/  archive by sha256, parsed raw rows, quarantine, validated microdata (never published)
warehouse/   harmonized Parquet, ledger, internal cells
published/   disclosure-safe outputs only
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DATA_DIR_ENV = "BRUKERSTEMME_DATA_DIR"


@dataclass(frozen=True)
class DataZones:
    root: Path

    @classmethod
    def from_env(cls, default: str | Path = "data") -> DataZones:
        return cls(Path(os.environ.get(DATA_DIR_ENV, str(default))).resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def restricted(self) -> Path:
        return self.root / "restricted"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def archive(self) -> Path:
        return self.restricted / "archive"

    def unit_part(self, table: str, wave: int, unit_id: str) -> Path:
        """Per-unit part of a restricted table: restricted/<table>/wave=<w>/unit=<u>.parquet."""
        return self.restricted / table / f"wave={wave}" / f"unit={unit_id}.parquet"

    def unit_parts(self, table: str, wave: int | None = None) -> list[Path]:
        base = self.restricted / table
        pattern = f"wave={wave}/unit=*.parquet" if wave is not None else "wave=*/unit=*.parquet"
        return sorted(base.glob(pattern))

    def harmonized(self, wave: int) -> Path:
        return self.warehouse / "harmonized" / f"wave={wave}" / "part-0.parquet"

    @property
    def ledger(self) -> Path:
        return self.warehouse / "ledger.parquet"


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write atomically (temp file + rename) so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)
    return path


def read_parquets(paths: list[Path]) -> pd.DataFrame:
    """Concatenate Parquet parts through Arrow, keeping text columns categorical."""
    tables = [pq.read_table(p) for p in paths]
    tables = [_wide_dictionaries(t) for t in tables if t.num_columns]
    if not tables:
        return pd.DataFrame()
    table = pa.concat_tables(tables, promote_options="permissive").unify_dictionaries()
    return table.to_pandas()


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames through Arrow (categories unified), like read_parquets."""
    tables = [pa.Table.from_pandas(f, preserve_index=False) for f in frames if len(f.columns)]
    tables = [_wide_dictionaries(t) for t in tables]
    if not tables:
        return pd.DataFrame()
    table = pa.concat_tables(tables, promote_options="permissive").unify_dictionaries()
    return table.to_pandas()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wide_dictionaries(table: pa.Table) -> pa.Table:
    """Dictionary columns with int32 indices, so parts with many distinct values can be unified."""
    fields = [
        pa.field(f.name, pa.dictionary(pa.int32(), f.type.value_type))
        if pa.types.is_dictionary(f.type)
        else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def content_hash(frame: pd.DataFrame) -> str:
    """sha256 of a table's logical content: same rows and values → same hash, whatever file."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(None)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()
