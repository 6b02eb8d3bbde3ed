"""The raw store hands a table parsed in this process to validation from memory; that table
must be exactly what reading its Parquet back gives (every format, every planted anomaly)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assets.ingest import raw_store
from assets.ingest.deliveries import Archive, describe
from assets.storage import DataZones
from generator import generate
from schemas.codebook import codebook_for, codebooks


def _parse_all(landing: Path, zones: DataZones) -> int:
    compared = 0
    archive = Archive(zones.archive)
    for wave in sorted(codebooks()):
        book = codebook_for(wave)
        for path in (
            sorted((landing / str(wave)).glob("*")) if (landing / str(wave)).is_dir() else []
        ):
            delivery = describe(path, wave, book)
            if delivery.unit_id is None:
                continue
            delivery = archive.store(path, delivery)
            if raw_store.store_raw(zones, delivery, archive.path_of(delivery), book) != "parsed":
                continue
            table_path = raw_store._base(zones, delivery) / f"{delivery.sha256}.parquet"
            kept = raw_store._parsed.pop(table_path, None)
            if kept is None:
                continue  # parsed by an earlier version of the same bytes
            from_disk = raw_store._as_loaded(pd.read_parquet(table_path))
            pd.testing.assert_frame_equal(kept, from_disk, obj=path.name)
            compared += 1
    return compared


def test_kept_tables_equal_their_parquet_on_the_samples(samples: Path, tmp_path: Path) -> None:
    assert _parse_all(samples / "landing", DataZones(tmp_path / "data")) >= 15


@pytest.mark.slow
def test_kept_tables_equal_their_parquet_on_every_anomaly(tmp_path: Path) -> None:
    generate(tmp_path / "dirty", anomalies=True)
    assert _parse_all(tmp_path / "dirty" / "landing", DataZones(tmp_path / "data")) >= 15


def test_validation_takes_a_kept_table_once(samples: Path, tmp_path: Path) -> None:
    zones = DataZones(tmp_path / "data")
    wave = 2023
    book = codebook_for(wave)
    path = sorted((samples / "landing" / str(wave)).glob("*"))[0]
    archive = Archive(zones.archive)
    delivery = archive.store(path, describe(path, wave, book))
    assert raw_store.store_raw(zones, delivery, archive.path_of(delivery), book) == "parsed"
    first = raw_store.load_raw(zones, delivery)  # from memory
    assert not raw_store._parsed
    again = raw_store.load_raw(zones, delivery)  # from the file
    pd.testing.assert_frame_equal(first.frame, again.frame)
