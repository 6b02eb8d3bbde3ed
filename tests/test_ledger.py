"""The ledger records files no unit can take; its gate and the cell totals gate fail when an
input is corrupted (a reader that loses a row, an archive copy that changed, lost respondents)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from fixtures_harmonized import make_harmonized

from assets.indicators.cells import build_publication
from assets.ingest import readers
from assets.ingest.deliveries import Archive, describe
from assets.ingest.errors import FileRejected
from assets.ingest.ledger import (
    assemble_ledger,
    files_missing_from_ledger,
    independent_counts,
    unattributable,
)
from assets.ingest.unit_ingest import ingest_unit
from assets.ingest.validate import rejected_unread, validate_table
from quality.gates import ledger_gate, totals_gate
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


# --- the ledger against an independent count of every archived file (ledger_gate) ---


def _ingest(paths: list[tuple[int, Path]], archive: Archive) -> pd.DataFrame:
    """The ledger the pipeline builds for these landed files: archive, parse, validate, decide."""
    books, versions = codebooks(), {}
    for wave, path in paths:
        stored = archive.store(path, describe(path, wave, books[wave]))
        versions.setdefault((wave, stored.unit_id), []).append(stored)
    parts = []
    for (wave, unit_id), deliveries in sorted(versions.items()):
        results = []
        for delivery in deliveries:
            try:
                table = readers.read_delivery(
                    archive.path_of(delivery), books[wave], delivery.file_name
                )
                results.append(
                    (delivery, validate_table(table, delivery.file_name, unit_id, books[wave]))
                )
            except FileRejected as exc:
                results.append((delivery, rejected_unread(exc.reason, exc.detail)))
        parts.append(ingest_unit(results, books[wave]).ledger)
    return assemble_ledger(parts)


def _gate(ledger: pd.DataFrame, archive: Archive, landing: Path | None = None):
    counts = independent_counts(ledger, archive, codebooks())
    missing = files_missing_from_ledger(ledger, landing) if landing else []
    return ledger_gate(ledger, counts, missing)


def _landed_samples(samples: Path) -> list[tuple[int, Path]]:
    return [
        (int(folder.name), path)
        for folder in sorted((samples / "landing").iterdir())
        for path in sorted(folder.iterdir())
    ]


def _one_accepted_sample(samples: Path, reader: str) -> tuple[int, Path]:
    """An accepted sample delivery of a wave whose codebook uses `reader`."""
    truth = pd.read_csv(samples / "truth" / "files.csv", dtype=str, keep_default_na=False)
    books = codebooks()
    for row in truth.itertuples():
        wave = int(row.wave)
        fits = wave in books and books[wave].format == reader
        if fits and row.expected_file_status == "accepted" and row.is_late == "False":
            return wave, samples / row.path
    pytest.fail(f"no accepted sample delivery read by {reader}")


def test_ledger_of_the_samples_reconciles_with_independent_counts(
    samples: Path, tmp_path: Path
) -> None:
    archive = Archive(tmp_path / "archive")
    ledger = _ingest(_landed_samples(samples), archive)
    gate = _gate(ledger, archive, samples / "landing")
    assert gate.passed, gate.details
    counts = independent_counts(ledger, archive, codebooks())
    truth = pd.read_csv(samples / "truth" / "files.csv", dtype=str, keep_default_na=False)
    counted = dict(zip(counts["sha256"], counts["rows_counted"], strict=True))
    for row in truth[truth["is_late"] == "False"].itertuples():
        expected = int(row.n_rows_in_file) if row.n_rows_in_file else None
        assert (None if pd.isna(counted[row.sha256]) else counted[row.sha256]) == expected, row.path


@pytest.mark.parametrize("reader", ["csv", "xlsx", "spss"])
def test_ledger_gate_fails_when_a_reader_silently_drops_a_row(
    samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    wave, path = _one_accepted_sample(samples, reader)
    real = getattr(readers, f"_read_{reader}")

    def drops_the_last_row(file: Path, codebook):
        table = real(file, codebook)
        table.frame = table.frame.iloc[:-1].reset_index(drop=True)
        return table

    monkeypatch.setattr(readers, f"_read_{reader}", drops_the_last_row)
    archive = Archive(tmp_path / "archive")
    ledger = _ingest([(wave, path)], archive)
    row = ledger.iloc[0]
    assert row["rows_in"] == row["rows_accepted"] + row["rows_quarantined"] + row["rows_duplicate"]
    gate = _gate(ledger, archive)
    assert not gate.passed
    assert gate.details == [
        f"{path.name} (wave {wave}): rows_in {row['rows_in']}, the independent count of the "
        f"archived file {row['rows_in'] + 1}"
    ]


def test_ledger_gate_fails_when_an_archived_file_differs(samples: Path, tmp_path: Path) -> None:
    wave, path = _one_accepted_sample(samples, "csv")
    archive = Archive(tmp_path / "archive")
    ledger = _ingest([(wave, path)], archive)
    assert _gate(ledger, archive).passed
    copy = next((tmp_path / "archive").glob(f"*/{ledger['sha256'].iloc[0]}.*"))
    copy.write_bytes(copy.read_bytes() + b"\n")
    gate = _gate(ledger, archive)
    assert not gate.passed
    assert "bytes differ" in gate.details[0]
    copy.unlink()
    assert "no archive copy" in _gate(ledger, archive).details[0]


def test_ledger_gate_fails_when_a_parsed_file_cannot_be_counted(
    samples: Path, tmp_path: Path
) -> None:
    wave, path = _one_accepted_sample(samples, "csv")
    archive = Archive(tmp_path / "archive")
    ledger = _ingest([(wave, path)], archive)
    wrong = dict(codebooks())  # the counter told the wrong encoding: it cannot decode the file
    wrong[wave] = replace(wrong[wave], reader={**wrong[wave].reader, "encoding": "ascii"})
    counts = independent_counts(ledger, archive, wrong)
    if counts["rows_counted"].notna().all():  # a pure-ASCII sample: nothing to learn here
        pytest.fail(f"{path.name} is pure ASCII; pick a sample with non-ASCII text")
    gate = ledger_gate(ledger, counts, [])
    assert not gate.passed and "cannot count" in gate.details[0]


# --- cell totals against the harmonized rows and the ledger (quality.gates.totals_gate) ---


def _ledger_of(harmonized: pd.DataFrame) -> pd.DataFrame:
    """A ledger with one accepted delivery per unit holding that unit's respondents."""
    sizes = harmonized.groupby(["wave", "unit_id"], observed=True).size().reset_index(name="n")
    return pd.DataFrame(
        {
            "wave": sizes["wave"].astype(int),
            "unit_id": sizes["unit_id"].astype(str),
            "file_name": [
                f"{w}_{u}.csv" for w, u in zip(sizes["wave"], sizes["unit_id"], strict=True)
            ],
            "status": "accepted",
            "rows_accepted": sizes["n"].astype(int),
        }
    )


@pytest.fixture(scope="module")
def harmonized() -> pd.DataFrame:
    return make_harmonized()


def test_totals_gate_passes_when_ledger_harmonized_and_cells_agree(harmonized) -> None:
    cells = build_publication(harmonized).internal_cells
    gate = totals_gate(cells, harmonized, _ledger_of(harmonized), None)
    assert gate.passed, gate.details


def test_totals_gate_fails_when_harmonized_rows_were_lost(harmonized) -> None:
    ledger = _ledger_of(harmonized)  # what the deliveries' accepted rows say
    wave = int(harmonized["wave"].min())
    unit = harmonized.loc[harmonized["wave"] == wave, "unit_id"].iloc[0]
    lost = harmonized.drop(
        harmonized.index[(harmonized["wave"] == wave) & (harmonized["unit_id"] == unit)][:3]
    ).reset_index(drop=True)
    cells = build_publication(lost).internal_cells  # the cells agree with what they were built of
    gate = totals_gate(cells, lost, ledger, None)
    assert not gate.passed
    n = int((harmonized["wave"] == wave).sum())
    assert gate.details[0] == (
        f"wave {wave}: national_respondents {n - 3}, harmonized_rows {n - 3}, "
        f"ledger_accepted_rows {n}"
    )


def test_totals_gate_fails_when_cells_lose_respondents(harmonized) -> None:
    wave = int(harmonized["wave"].max())
    cells = build_publication(harmonized[harmonized["wave"] != wave]).internal_cells
    gate = totals_gate(cells, harmonized, _ledger_of(harmonized), None)
    assert not gate.passed
    n = int((harmonized["wave"] == wave).sum())
    assert gate.details[0] == (
        f"wave {wave}: national_respondents 0, harmonized_rows {n}, ledger_accepted_rows {n}"
    )


def test_totals_gate_counts_only_current_deliveries(harmonized) -> None:
    cells = build_publication(harmonized).internal_cells
    ledger = _ledger_of(harmonized)
    superseded = ledger.iloc[[0]].assign(status="superseded", file_name="old.csv")
    rejected = ledger.iloc[[1]].assign(status="rejected", file_name="bad.csv")
    assert totals_gate(cells, harmonized, pd.concat([ledger, superseded, rejected]), None).passed
    ledger.loc[ledger.index[0], "status"] = "superseded"  # the current delivery's row went wrong
    assert not totals_gate(cells, harmonized, ledger, None).passed
