"""The ledger records files no unit can take, and reconciliation notices a lost file."""

from __future__ import annotations

from pathlib import Path

from assets.ingest.deliveries import Archive
from assets.ingest.ledger import assemble_ledger, files_missing_from_ledger, unattributable
from schemas.codebook import codebooks


def test_stray_files_are_archived_and_rejected_with_a_reason(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "2023").mkdir(parents=True)
    (landing / "2031").mkdir()
    (landing / "misc").mkdir()
    (landing / "2023" / "kommune_4601.csv").write_text("a,b\n", encoding="utf-8")
    (landing / "2023" / "readme.txt").write_text("notes", encoding="utf-8")
    (landing / "2031" / "x.csv").write_text("x", encoding="utf-8")
    (landing / "misc" / "y.csv").write_text("y", encoding="utf-8")
    archive = Archive(tmp_path / "archive")
    rows = unattributable(landing, codebooks(), archive)
    assert dict(zip(rows["file_name"], rows["reason"], strict=True)) == {
        "readme.txt": "unrecognized_file_name",
        "x.csv": "unknown_wave",
        "y.csv": "unknown_wave",
    }
    assert len(list((tmp_path / "archive").glob("*/*.*"))) == 3
    ledger = assemble_ledger([rows])
    assert files_missing_from_ledger(ledger, landing) == ["2023/kommune_4601.csv"]
