"""Great Expectations suites (quality/gx_suites) run with the GX 1.x API; each can fail."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from fixtures_harmonized import make_harmonized, units_frame

from assets.indicators.cells import build_publication
from quality.gx_runner import (
    expectation_configs,
    load_suite,
    validate_cell_totals,
    validate_cells,
    validate_harmonized,
)
from schemas.questionnaire import missing_column, questionnaire


@pytest.fixture(scope="module")
def harmonized() -> pd.DataFrame:
    return make_harmonized()


@pytest.fixture(scope="module")
def valid_units() -> dict[int, list[str]]:
    codes = {w: sorted(g["unit_id"]) for w, g in units_frame().groupby("wave")}
    return {w: [*c, "0301"] for w, c in codes.items()}  # Oslo is in every code list


@pytest.fixture(scope="module")
def pub(harmonized: pd.DataFrame):
    return build_publication(harmonized)


def _failed(result, type_: str, **kwargs: object) -> bool:
    return any(
        o.type == type_ and not o.success and all(o.kwargs.get(k) == v for k, v in kwargs.items())
        for o in result.outcomes
    )


def test_suites_are_data_and_cover_every_item() -> None:
    suite = load_suite("harmonized_responses")
    columns = {c["kwargs"].get("column") for c in expectation_configs(suite)}
    for item in questionnaire().degree_items:
        assert item in columns and missing_column(item) in columns
    for name in ("indicator_cells", "cell_totals"):
        assert expectation_configs(load_suite(name))


def test_harmonized_suite_passes_and_writes_audit_files(
    harmonized, valid_units, tmp_path: Path
) -> None:
    result = validate_harmonized(harmonized, valid_units)
    assert result.success, result.failures()
    assert result.statistics["evaluated_expectations"] == len(result.outcomes) > 50
    data = json.loads(result.write_json(tmp_path / "harmonized.json").read_text(encoding="utf-8"))
    assert data["success"] is True and len(data["results"]) == len(result.outcomes)
    html = result.write_html(tmp_path / "harmonized.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and "harmonized_responses" in html


def test_no_batch_is_fingerprinted_row_by_row(harmonized, valid_units) -> None:
    """GX's md5 over every row of a batch (1.6 s at 1 M rows, read by nothing) is switched
    off: if a GX upgrade moves the switch, the marker is back and this fails."""
    result = validate_harmonized(harmonized, valid_units)
    assert "ge_load_time" in result.gx_json["meta"]["batch_markers"]
    assert "pandas_data_fingerprint" not in result.gx_json["meta"]["batch_markers"]


def test_harmonized_suite_fails_on_bad_data(harmonized, valid_units) -> None:
    bad = harmonized.copy()
    bad["overall_satisfied"] = bad["overall_satisfied"].astype("Int8")
    bad.loc[bad.index[0], "overall_satisfied"] = 7
    bad.loc[bad.index[1], "respondent_key"] = bad.loc[bad.index[2], "respondent_key"]
    units = {w: [c for c in codes if c != "1601"] for w, codes in valid_units.items()}
    result = validate_harmonized(bad, units)
    assert not result.success
    assert _failed(result, "expect_column_values_to_be_between", column="overall_satisfied")
    assert _failed(result, "expect_compound_columns_to_be_unique")
    assert _failed(result, "expect_column_values_to_be_in_set", column="_wave_unit")


def test_cell_suite_passes_on_published_and_internal_cells(pub, valid_units) -> None:
    assert validate_cells(pub.cells, valid_units).success
    assert validate_cells(pub.internal_cells, valid_units, internal=True).success


def test_cell_suite_fails_on_inconsistent_cells(pub, valid_units) -> None:
    bad = pub.cells.copy()
    shown = bad.index[~bad["suppressed"]]
    bad.loc[shown[0], "ci_low"] = bad.loc[shown[0], "share"] + 0.01
    bad.loc[shown[1], "n_positive"] = bad.loc[shown[1], "n_valid"] + 1
    hidden = bad.index[bad["suppressed"]][0]
    bad.loc[hidden, "share"] = 0.5
    units = {w: [c for c in codes if c != "4601"] for w, codes in valid_units.items()}
    result = validate_cells(bad, units)
    assert not result.success
    assert _failed(result, "expect_column_pair_values_a_to_be_greater_than_b", column_A="share")
    assert _failed(result, "expect_column_pair_values_a_to_be_greater_than_b", column_A="n_valid")
    assert _failed(result, "expect_column_values_to_be_null", column="share")
    assert _failed(result, "expect_column_values_to_be_in_set", column="_wave_unit")


def test_totals_suite_reconciles_national_with_independent_counts(harmonized, pub) -> None:
    rows = {int(w): int(n) for w, n in harmonized.groupby("wave").size().items()}
    assert validate_cell_totals(pub.internal_cells, rows, rows).success
    wave = min(rows)
    short = {**rows, wave: rows[wave] - 1}  # one accepted row missing from the ledger
    result = validate_cell_totals(pub.internal_cells, rows, short)
    assert not result.success
    assert _failed(result, "expect_column_pair_values_to_be_equal", column_B="ledger_accepted_rows")
    assert not _failed(result, "expect_column_pair_values_to_be_equal", column_B="harmonized_rows")


SUITE = "harmonized_responses"


def _corrupt_every_column(harmonized: pd.DataFrame) -> pd.DataFrame:
    """One row per column the harmonized suite checks set to a value outside what it allows
    (and another to null where the dtype can hold one): each column expectation should fail."""
    bad = harmonized.copy()
    columns = {c["kwargs"].get("column") for c in expectation_configs(load_suite(SUITE))}
    for n, column in enumerate(sorted(c for c in columns if c in bad.columns)):
        col, row, other = bad[column], bad.index[2 * n], bad.index[2 * n + 1]
        if isinstance(col.dtype, pd.CategoricalDtype):
            bad[column] = col.cat.add_categories(["utenfor"])
            bad.loc[row, column] = "utenfor"
        elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            bad.loc[row, column] = 0 if column != "wave" else col.iloc[0]
        if col.hasnans or str(col.dtype) in ("category", "Int8", "Int16", "Int64"):
            bad.loc[other, column] = None
    return bad


@pytest.mark.parametrize("corrupt", [False, True])
def test_checks_on_distinct_values_fail_exactly_as_row_level_checks(
    harmonized, valid_units, corrupt: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run_suite checks set-type expectations on one row per distinct value: every expectation
    must succeed or fail as it does on every row, with the same unexpected row count."""
    import quality.gx_plan as gx_plan

    frame = _corrupt_every_column(harmonized) if corrupt else harmonized
    cheap = validate_harmonized(frame, valid_units)
    assert cheap._gx_result.meta["checked_on_distinct_values"]  # the cheap path was taken
    monkeypatch.setattr(gx_plan, "DISTINCT_SHARE", 0.0)  # every expectation on every row
    rows = validate_harmonized(frame, valid_units)
    assert not rows._gx_result.meta["checked_on_distinct_values"]
    pairs = list(zip(cheap.outcomes, rows.outcomes, strict=True))
    for a, b in pairs:
        assert (a.type, a.kwargs.get("column")) == (b.type, b.kwargs.get("column"))
        assert (a.success, a.unexpected_count) == (b.success, b.unexpected_count), a
    failed = sum(not a.success for a, _ in pairs)
    assert failed > 50 if corrupt else failed == 0


def test_a_near_unique_column_is_told_by_its_first_rows_and_changes_no_outcome(
    harmonized, valid_units, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quality.gx_plan as gx_plan

    assert gx_plan.near_unique(pd.Series([f"{i:016x}" for i in range(30_000)], dtype="str"))
    assert not gx_plan.near_unique(pd.Series(["a", "b"] * 15_000, dtype="str"))
    assert not gx_plan.near_unique(pd.Series(range(30_000)).astype("category"))
    frame = _corrupt_every_column(harmonized)
    before = validate_harmonized(frame, valid_units)
    monkeypatch.setattr(gx_plan, "PROBE_ROWS", 50)  # respondent_key is told near-unique now
    after = validate_harmonized(frame, valid_units)
    assert [(o.type, o.success, o.unexpected_count) for o in after.outcomes] == [
        (o.type, o.success, o.unexpected_count) for o in before.outcomes
    ]
