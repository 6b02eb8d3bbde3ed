"""validate_tables (one Pandera pass over a wave's deliveries) gives, file by file, exactly what
validate_table gives on each file: same status, reasons, findings (file, row, column) and
accepted rows, on every planted anomaly of every wave and on the committed samples; and
decode_files (one pass over their accepted rows) decodes each file as decode_file does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import assets.ingest.validate as validate
from assets.content_hash import content_hash
from assets.ingest.deliveries import describe
from assets.ingest.errors import FileRejected
from assets.ingest.harmonize import decode_file, decode_files
from assets.ingest.readers import read_delivery
from generator import generate
from schemas.codebook import codebook_for, codebooks


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dirty")
    generate(root, anomalies=True)
    return root


def _deliveries(landing: Path, wave: int):
    book = codebook_for(wave)
    out = []
    for path in sorted((landing / str(wave)).glob("*")):
        delivery = describe(path, wave, book)
        if delivery.unit_id is None:
            continue
        try:
            out.append((read_delivery(path, book), path.name, delivery.unit_id))
        except FileRejected:
            continue  # not a table: nothing for the row checks
    return book, out


def _same(batch: validate.FileValidation, single: validate.FileValidation, name: str) -> None:
    for attr in ("status", "reason", "detail", "rows_in", "unit_in_content", "notes"):
        assert getattr(batch, attr) == getattr(single, attr), (name, attr)
    pd.testing.assert_frame_equal(batch.quarantine, single.quarantine, obj=f"{name} quarantine")
    pd.testing.assert_frame_equal(batch.accepted, single.accepted, obj=f"{name} accepted")


def _check_wave(landing: Path, wave: int) -> int:
    book, deliveries = _deliveries(landing, wave)
    batch = validate.validate_tables(deliveries, book)
    assert len(batch) == len(deliveries)
    quarantined = 0
    for (table, name, unit), found in zip(deliveries, batch, strict=True):
        _same(found, validate.validate_table(table, name, unit, book), name)
        quarantined += found.rows_quarantined
    accepted = [
        (name, found.accepted)
        for (_, name, _), found in zip(deliveries, batch, strict=True)
        if found.status == "accepted"
    ]
    assert len(accepted) > 1
    _same_decoding(accepted, book)
    return quarantined


def _same_decoding(accepted: list[tuple[str, pd.DataFrame]], book) -> None:
    """decode_files over all files = decode_file on each: same values row by row (content hash,
    row order and index) and the same skip-logic log."""
    together = decode_files([frame for _, frame in accepted], book)
    for (name, frame), (decoded, log) in zip(accepted, together, strict=True):
        alone, alone_log = decode_file(frame, book)
        assert list(decoded.columns) == list(alone.columns), name
        pd.testing.assert_index_equal(decoded.index, alone.index, obj=name)
        assert content_hash(decoded) == content_hash(alone), name
        assert decoded["source_row"].tolist() == alone["source_row"].tolist(), name
        pd.testing.assert_frame_equal(log, alone_log, obj=f"{name} skip log")


@pytest.mark.parametrize("wave", sorted(codebooks()))
def test_batch_equals_per_file_on_every_planted_anomaly(dirty: Path, wave: int) -> None:
    assert _check_wave(dirty / "landing", wave) > 0  # row findings were split back to files


def test_batch_equals_per_file_on_the_samples(samples: Path) -> None:
    for wave in sorted(codebooks()):
        if (samples / "landing" / str(wave)).is_dir():
            _check_wave(samples / "landing", wave)


def test_a_failure_without_a_row_falls_back_to_each_file(
    dirty: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validate, "_batch_cases", lambda frames, book: None)
    wave = max(codebooks())
    assert _check_wave(dirty / "landing", wave) > 0


def test_findings_name_file_row_and_column_without_content(dirty: Path) -> None:
    wave = max(codebooks())
    book, deliveries = _deliveries(dirty / "landing", wave)
    for (table, name, _), found in zip(
        deliveries, validate.validate_tables(deliveries, book), strict=True
    ):
        rows = found.quarantine[found.quarantine["status"] == "quarantined"]
        for row in rows.itertuples():
            assert 1 <= row.source_row <= table.n_rows, name
            if row.column is not None and row.value is not None and len(str(row.value)) > 3:
                assert str(row.value) not in str(row.detail), name


def test_validate_deliveries_equals_validate_delivery_with_unreadable_files(dirty: Path) -> None:
    rejected = 0
    for wave in sorted(codebooks()):
        book = codebook_for(wave)
        pairs = [
            (path, describe(path, wave, book).unit_id)
            for path in sorted((dirty / "landing" / str(wave)).glob("*"))
        ]
        pairs = [(path, unit) for path, unit in pairs if unit is not None]
        for (path, unit), found in zip(
            pairs, validate.validate_deliveries(pairs, book), strict=True
        ):
            _same(found, validate.validate_delivery(path, unit, book), path.name)
            rejected += found.status == "rejected"
    assert rejected > 0
