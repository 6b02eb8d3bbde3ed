"""The ledger records files no unit can take, and reconciliation notices a lost file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures_harmonized import make_harmonized

from assets.indicators.cells import build_publication
from assets.ingest.deliveries import Archive
from assets.ingest.ledger import assemble_ledger, files_missing_from_ledger, unattributable
from quality.gates import totals_gate
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
