"""The client's sample deliveries: file status, row status and harmonized values equal truth/."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assets.ingest.harmonize import decode_file
from assets.ingest.units import parse_file_name
from assets.ingest.validate import FileValidation, validate_delivery
from schemas.codebook import codebook_for
from schemas.questionnaire import missing_column, questionnaire


def _validate(samples: Path, rel_path: str) -> FileValidation:
    path = samples / rel_path
    wave = int(path.parent.name)
    codebook = codebook_for(wave)
    parsed = parse_file_name(path.name, codebook)
    assert parsed is not None, f"{path.name} does not match the {wave} codebook's file name pattern"
    return validate_delivery(path, parsed.unit_id, codebook)


@pytest.fixture(scope="module")
def truth_files(samples: Path) -> pd.DataFrame:
    return pd.read_csv(samples / "truth" / "files.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def truth_rows(samples: Path) -> pd.DataFrame:
    return pd.read_parquet(samples / "truth" / "responses.parquet")


@pytest.fixture(scope="module")
def results(samples: Path, truth_files: pd.DataFrame) -> dict[str, FileValidation]:
    return {row.path: _validate(samples, row.path) for row in truth_files.itertuples()}


def test_file_status_and_counts(
    truth_files: pd.DataFrame, results: dict[str, FileValidation]
) -> None:
    for row in truth_files.itertuples():
        result = results[row.path]
        assert result.status == row.expected_file_status, row.path
        assert (result.reason or "") == row.expected_file_reason, row.path
        assert result.rows_accepted == int(row.expected_rows_accepted), row.path
        assert result.rows_quarantined == int(row.expected_rows_quarantined), row.path
        assert result.rows_duplicate == int(row.expected_rows_duplicate_dropped), row.path
        if row.n_rows_in_file:
            assert result.rows_in == int(row.n_rows_in_file), row.path


def test_rejections_name_both_units(results: dict[str, FileValidation]) -> None:
    mismatch = results["landing/2019/bte_2019_0125.csv"]
    assert "0125" in mismatch.detail and "128" in mismatch.detail
    not_listed = results["landing/2023/kommune_1201.csv"]
    assert "1201" in not_listed.detail and "2020" in not_listed.detail


def test_row_status_and_reason(
    truth_rows: pd.DataFrame, results: dict[str, FileValidation]
) -> None:
    for path, rows in truth_rows.groupby("file_path"):
        result = results[path]
        statuses = {"quarantined": {}, "duplicate": {}}
        for finding in result.quarantine.itertuples():
            statuses[finding.status].setdefault(finding.source_row, set()).add(finding.reason)
        for row in rows.itertuples():
            n = row.row_number
            if row.expected_status == "accepted":
                assert n in set(result.accepted["source_row"]), (path, n)
            elif row.expected_status == "duplicate_dropped":
                assert statuses["duplicate"].get(n) == {"exact_duplicate"}, (path, n)
            else:
                assert row.expected_reason in statuses["quarantined"].get(n, set()), (path, n)


def _as_truth(frame: pd.DataFrame) -> pd.DataFrame:
    """Our harmonized representation in truth's: degree items as text with missing kinds."""
    q = questionnaire()
    out = pd.DataFrame({"row_number": frame["source_row"].astype(int)})
    for item in q.degree_items:
        kind = frame[missing_column(item)].astype(object)
        text = frame[item].astype("string").astype(object)
        out[item] = kind.where(kind.notna(), text).replace({"ikke_spurt": None})
    for item in q.categorical_items:
        out[item] = frame[item].astype(object)
    out["main_activity"] = frame["main_activity"].astype(object).replace({"ubesvart": None})
    for service in q.services:
        out[service] = frame[service]
    out["age_years"] = frame["age_years"]
    out["response_date"] = frame["response_date"].dt.strftime("%Y-%m-%d")
    out["channel"] = frame["channel"].astype(object)
    return out


def _normal(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item"):
        value = value.item()
    return str(value) if not isinstance(value, bool) else value


def test_harmonized_values(truth_rows: pd.DataFrame, results: dict[str, FileValidation]) -> None:
    accepted = truth_rows[truth_rows["expected_status"] == "accepted"]
    compared = 0
    for path, rows in accepted.groupby("file_path"):
        decoded, _ = decode_file(results[path].accepted, codebook_for(int(rows["wave"].iloc[0])))
        ours = _as_truth(decoded).set_index("row_number")
        for row in rows.itertuples():
            mine = ours.loc[row.row_number]
            for column in ours.columns:
                expected, actual = _normal(getattr(row, column)), _normal(mine[column])
                assert actual == expected, (
                    f"{path} row {row.row_number} {column}: {actual!r} != {expected!r}"
                )
                compared += 1
    assert compared > 10_000


def test_skip_logic_cells_are_logged(samples: Path, truth_rows: pd.DataFrame, results) -> None:
    expected = truth_rows[truth_rows["skip_logic_cells"].fillna("") != ""]
    assert len(expected) > 0
    for row in expected.itertuples():
        result = results[row.file_path]
        _, log = decode_file(result.accepted, codebook_for(int(row.wave)))
        logged = set(log.loc[log["source_row"] == row.row_number, "item"])
        assert logged == set(row.skip_logic_cells.split(",")), (row.file_path, row.row_number)
