"""Same-name corrections are ordered by when the archive first saw the bytes, not by mtime
(`cp -p`, `rsync -t` and unzip carry the vendor's modification times over)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest

import assets.ingest.deliveries as deliveries
from assets.ingest.deliveries import Archive, describe
from assets.ingest.unit_ingest import ingest_unit
from assets.ingest.units import parse_file_name
from assets.ingest.validate import validate_delivery
from schemas.codebook import Codebook, codebooks


def _sample(samples: Path) -> tuple[Codebook, Path]:
    """An accepted CSV sample delivery with a few rows (a correction drops one)."""
    truth = pd.read_csv(samples / "truth" / "files.csv", dtype=str, keep_default_na=False)
    books = codebooks()
    for row in truth.itertuples():
        book = books.get(int(row.wave))
        if book is None or book.format != "csv" or row.is_late != "False":
            continue
        clean = row.expected_rows_duplicate_dropped == row.expected_rows_quarantined == "0"
        if row.expected_file_status == "accepted" and clean and int(row.n_rows_in_file) >= 3:
            return book, samples / row.path
    pytest.fail("no clean accepted CSV sample delivery")


def _correct(path: Path) -> None:
    """The vendor resends the file under the same name without its last line."""
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))


def _ingest(archive: Archive, book: Codebook, unit_id: str):
    results = [
        (d, validate_delivery(archive.path_of(d), unit_id, book))
        for d in archive.versions(book.wave, unit_id)
    ]
    return ingest_unit(results, book)


def test_a_correction_with_an_older_mtime_supersedes_the_original(
    samples: Path, tmp_path: Path
) -> None:
    book, sample = _sample(samples)
    path = tmp_path / "landing" / str(book.wave) / sample.name
    path.parent.mkdir(parents=True)
    path.write_bytes(sample.read_bytes())
    unit_id = parse_file_name(path.name, book).unit_id
    archive = Archive(tmp_path / "archive")
    first = archive.store(path, describe(path, book.wave, book))
    old = path.stat().st_mtime - 30 * 24 * 3600
    _correct(path)
    os.utime(path, (old, old))  # the correction carries an mtime a month older than the original
    second = archive.store(path, describe(path, book.wave, book))
    assert second.modified_at < first.modified_at
    assert second.received_at > first.received_at
    assert [d.sha256 for d in archive.versions(book.wave, unit_id)] == [
        first.sha256,
        second.sha256,
    ]
    outcome = _ingest(archive, book, unit_id)
    status = dict(zip(outcome.ledger["sha256"], outcome.ledger["status"], strict=True))
    assert status == {first.sha256: "superseded", second.sha256: "accepted"}
    assert set(outcome.validated["source_sha256"]) == {second.sha256}
    rows = outcome.ledger.set_index("status")["rows_in"]
    assert rows["accepted"] == rows["superseded"] - 1


def test_a_clock_step_back_never_reorders_versions(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book, sample = _sample(samples)
    path = tmp_path / sample.name
    path.write_bytes(sample.read_bytes())
    archive = Archive(tmp_path / "archive")
    first = archive.store(path, describe(path, book.wave, book))
    earlier = dt.datetime.fromisoformat(first.received_at) - dt.timedelta(hours=1)
    monkeypatch.setattr(deliveries, "_now", lambda: earlier.isoformat(timespec="microseconds"))
    _correct(path)
    second = archive.store(path, describe(path, book.wave, book))
    assert second.received_at > first.received_at
    assert archive.versions(book.wave, second.unit_id)[-1].sha256 == second.sha256
    again = archive.store(path, describe(path, book.wave, book))
    assert again == second  # the first observation is kept: storing again changes nothing


def test_archiving_a_unit_lists_its_versions_as_the_archive_does(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """archive_unit looks at the wave's records once for all of a unit's landed files: the
    versions it parses, in order, are what Archive.versions lists after (an original and its
    korr file landed together, archived again with one more correction)."""
    from assets.ingest import raw_store
    from assets.ingest.unit_steps import archive_unit, landed_by_unit
    from assets.storage import DataZones

    # the parsed tables kept for a validation step that never comes stay with this test
    monkeypatch.setattr(raw_store, "_parsed", {})

    book, sample = _sample(samples)
    zones = DataZones(tmp_path)
    folder = zones.landing / str(book.wave)
    folder.mkdir(parents=True)
    original = folder / sample.name
    original.write_bytes(sample.read_bytes())
    stem, suffix = sample.name.rsplit(".", 1)
    korr = folder / f"{stem}_korr1.{suffix}"
    korr.write_bytes(sample.read_bytes())
    _correct(korr)
    unit_id = parse_file_name(original.name, book).unit_id
    archive = Archive(zones.archive)
    for round_ in range(2):
        landed = landed_by_unit(zones, book.wave)
        assert sorted(p.name for p in landed[unit_id]) == sorted(p.name for p in folder.iterdir())
        _, metadata = archive_unit(zones, book.wave, unit_id, landed[unit_id])
        listed = archive.versions(book.wave, unit_id)
        assert metadata["sha256"] == ", ".join(d.sha256 for d in listed)
        assert metadata["n_versions"] == len(listed) == 2 + round_
        _correct(original)  # the vendor resends the original without its last line
