"""The data zones on disk (DESIGN.md "Data zones") and safe, deterministic table I/O.

landing/     drop zone, never modified
restricted/  archive by sha256, parsed raw rows, quarantine, validated microdata (never published)
warehouse/   harmonized Parquet, ledger, internal cells
published/   disclosure-safe outputs only
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
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


READ_THREADS = 4


def write_parquet(frame: pd.DataFrame | pa.Table, path: Path) -> Path:
    """Write a frame (or an Arrow table) atomically (temp file + rename) so readers never see
    half a file."""
    stage_parquet(frame, path).replace(path)
    return path


def write_part(frame: pd.DataFrame | pa.Table, path: Path) -> Path:
    """write_parquet for a unit's part in the restricted zone (its parsed raw table, validated
    rows, quarantine, skip log, ledger rows): a file the pipeline itself reads back whole, many
    small ones a wave. Without column statistics (min, max, nulls per row group: they only
    serve readers that filter row groups) and with Snappy instead of zstd, a part is written
    about 40 % faster (93 units' validated and raw parts 1.41 → 0.82 s) for 35 % more bytes."""
    stage_parquet(frame, path, statistics=False, compression="snappy").replace(path)
    return path


def stage_parquet(
    frame: pd.DataFrame | pa.Table, path: Path, statistics: bool = True, compression: str = "zstd"
) -> Path:
    """Write the file `path` will be, under a hidden temporary name beside it: renaming it to
    `path` publishes it at once (write_parquet), deleting it leaves `path` as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    pq.write_table(table, tmp, compression=compression, write_statistics=statistics)
    return tmp


def read_parquets(paths: list[Path]) -> pd.DataFrame:
    """Concatenate Parquet parts through Arrow, keeping text columns categorical (many small
    parts are read in threads: Arrow's reader releases the GIL)."""
    if len(paths) > READ_THREADS:
        with ThreadPoolExecutor(READ_THREADS) as pool:
            tables = list(pool.map(_read_table, paths))
    else:
        tables = [_read_table(p) for p in paths]
    tables = [t for t in tables if t.num_columns]
    if not tables:
        return pd.DataFrame()
    if len(tables) == 1 and all(c.num_chunks <= 1 for c in tables[0].columns):
        # one dictionary per column already (a wave's file)
        return _wide_dictionaries(tables[0]).to_pandas()
    return _concat_tables(tables).to_pandas()


def _concat_tables(tables: list[pa.Table]) -> pa.Table:
    """The tables one after the other, each dictionary column with int32 indices and one
    dictionary. Parts of the same schema are joined first and widened once (a cast per column,
    not per part: 370 units' parts in 0.1 s instead of 1 s); parts whose schemas differ are
    widened one by one first."""
    try:
        table = pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        table = pa.concat_tables(
            [_wide_dictionaries(t) for t in tables], promote_options="permissive"
        )
    return _wide_dictionaries(table).unify_dictionaries()


def distinct_text(frame: pd.DataFrame, column: str) -> tuple[str, ...]:
    """The column's distinct non-null values as sorted text, taken per distinct value (not per
    row: a wave's source_sha256 has a million rows and a few hundred values); () when the
    frame has no such column (an empty input)."""
    if column not in frame.columns:
        return ()
    return tuple(sorted({str(v) for v in frame[column].dropna().unique()}))


def _read_table(path: Path) -> pa.Table:
    """A Parquet file as one Arrow chunk per row group (read_table splits it in batches, whose
    dictionaries would have to be unified again)."""
    return pq.ParquetFile(path).read()


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames through Arrow (categories unified), like read_parquets."""
    tables = [pa.Table.from_pandas(f, preserve_index=False) for f in frames if len(f.columns)]
    if not tables:
        return pd.DataFrame()
    return _concat_tables(tables).to_pandas()


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
