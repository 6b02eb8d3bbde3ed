"""Quality gates as plain functions: each returns a GateResult the Dagster layer turns into a
blocking asset check. A failing gate stops publication; nothing is written past it.

Validation documents (GX JSON results and Data Docs HTML) are written for auditors under
warehouse/quality/<gate>/<run id>.{json,html}.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from quality.disclosure import DisclosureConfig
from quality.gx_runner import (
    SuiteResult,
    cell_totals,
    validate_cell_totals,
    validate_cells,
    validate_harmonized,
)
from quality.interval_audit import AuditIncomplete, audit
from reference import geography


@dataclass
class GateResult:
    name: str
    passed: bool
    summary: str
    details: list[str] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)


def valid_units(waves_and_years: Mapping[int, int]) -> dict[int, set[str]]:
    """Unit codes valid in each wave's code list: municipalities and Oslo's bydeler."""
    bydeler = set(geography.bydeler()["code"])
    return {w: set(geography.code_list(y)["code"]) | bydeler for w, y in waves_and_years.items()}


def _from_suite(name: str, result: SuiteResult, docs: Path | None) -> GateResult:
    failures = [
        f"{o.type} {o.kwargs.get('column', '')}: unexpected {o.unexpected_count}, "
        f"observed {o.observed_value}"
        for o in result.failures()
    ]
    documents = {}
    if docs is not None:
        docs.mkdir(parents=True, exist_ok=True)
        documents = {
            "gx_json": str(result.write_json(docs.with_suffix(".json"))),
            "data_docs": str(result.write_html(docs.with_suffix(".html"))),
        }
    stats = result.statistics
    summary = (
        f"{stats.get('successful_expectations')}/{stats.get('evaluated_expectations')} "
        f"expectations met"
    )
    return GateResult(name, result.success, summary, failures, documents)


def harmonized_gate(frame: pd.DataFrame, units: Mapping[int, Iterable[str]], docs: Path | None):
    return _from_suite("harmonized_expectations", validate_harmonized(frame, units), docs)


def cells_gate(cells: pd.DataFrame, units: Mapping[int, Iterable[str]], docs: Path | None):
    return _from_suite("cells_expectations", validate_cells(cells, units), docs)


def totals_gate(
    internal_cells: pd.DataFrame,
    harmonized: pd.DataFrame,
    ledger: pd.DataFrame,
    docs: Path | None,
) -> GateResult:
    """National respondents per wave against two independent counts: the harmonized table's
    rows of the wave and the rows_accepted of the wave's current deliveries in the ledger."""
    harmonized_rows, accepted = harmonized_rows_by_wave(harmonized), accepted_rows_by_wave(ledger)
    gate = _from_suite(
        "cell_totals", validate_cell_totals(internal_cells, harmonized_rows, accepted), docs
    )
    view = cell_totals(internal_cells, harmonized_rows, accepted)
    differ = view[
        (view["national_respondents"] != view["harmonized_rows"])
        | (view["national_respondents"] != view["ledger_accepted_rows"])
    ]
    per_wave = differ.drop_duplicates(
        ["wave", "national_respondents", "harmonized_rows", "ledger_accepted_rows"]
    )
    gate.details = [
        f"wave {int(r.wave)}: national_respondents {r.national_respondents:.0f}, "
        f"harmonized_rows {r.harmonized_rows:.0f}, ledger_accepted_rows "
        f"{r.ledger_accepted_rows:.0f}"
        for r in per_wave.itertuples()
    ] + gate.details
    return gate


def harmonized_rows_by_wave(harmonized: pd.DataFrame) -> dict[int, int]:
    if harmonized.empty:
        return {}
    return {int(w): int(n) for w, n in harmonized.groupby("wave").size().items()}


def accepted_rows_by_wave(ledger: pd.DataFrame) -> dict[int, int]:
    """Per wave, the accepted rows of its current deliveries (status accepted: not superseded,
    not rejected); a wave whose deliveries were all rejected has 0."""
    units = ledger[ledger["unit_id"].notna() & ledger["wave"].notna()]
    current = units["rows_accepted"].where(units["status"] == "accepted", 0)
    return {int(w): int(n) for w, n in current.groupby(units["wave"].astype(int)).sum().items()}


def disclosure_gate(
    cells: pd.DataFrame,
    units: pd.DataFrame,
    config: DisclosureConfig | None = None,
    *,
    distribution: pd.DataFrame | None = None,
    earlier_editions: Sequence[Any] = (),
    previous_editions: pd.DataFrame | None = None,
    previous_units: pd.DataFrame | None = None,
) -> GateResult:
    """The interval audit (quality.interval_audit) of everything that goes to published/.

    cells, units, distribution: the published tables of this edition (every wave in them).
    earlier_editions: earlier editions of the same waves, each an object with `.cells`,
    `.units` and `.distribution` DataFrames (a Publication, or anything alike); or, in the
    older form, previous_editions (their cells) with previous_units. The audit models
    new − old differences against each of them. Any finding fails the gate; an audit that
    cannot finish (solver limit, inconsistent tables) fails it too, with the reason.
    """
    earlier = [(e.cells, e.units, getattr(e, "distribution", None)) for e in earlier_editions]
    if previous_editions is not None and previous_units is not None:
        earlier.append((previous_editions, previous_units, None))
    try:
        result = audit(cells, units, distribution, config, earlier=earlier)
    except AuditIncomplete as exc:
        return GateResult("disclosure_attack", False, f"audit could not finish: {exc}", [str(exc)])
    details = [f.line() for f in result.findings[:200]]
    summary = (
        f"{len(result.findings)} derivable sensitive values found "
        f"({result.quantities} quantities, {result.solves} LP/MIP solves, "
        f"{result.seconds:.1f} s)"
    )
    return GateResult("disclosure_attack", result.passed, summary, details)


# Whole-file reasons of files that held no table (rows_in 0, nothing to count): the same codes as
# assets/ingest/errors.py NO_TABLE (quality does not import assets).
NO_TABLE_REASONS = frozenset({"unreadable_file", "not_text"})


def ledger_gate(ledger: pd.DataFrame, counts: pd.DataFrame, missing_files: list[str]) -> GateResult:
    """Every file's rows balance and agree with an independent count of the archived file.

    `counts` (assets.ingest.ledger.independent_counts) holds per (wave, sha256) whether the
    archive copy is intact and the data rows another reader counted in it. A file fails when
    rows_in ≠ accepted + quarantined + duplicates; when its archive copy is missing or differs;
    when a unit's delivery has rows_in ≠ the independent count (or cannot be counted although it
    was parsed); when a file without a table reports rows. Landed entries without a ledger row
    fail too.
    """
    details = []
    by_key = {(int(c.wave), c.sha256): c for c in counts.itertuples()}
    for row in ledger.itertuples():
        name = f"{row.file_name} (wave {int(row.wave) if pd.notna(row.wave) else '?'})"
        parts = row.rows_accepted + row.rows_quarantined + row.rows_duplicate
        if row.rows_in != parts:
            details.append(
                f"{name}: rows_in {row.rows_in} ≠ accepted {row.rows_accepted} + quarantined "
                f"{row.rows_quarantined} + duplicates {row.rows_duplicate}"
            )
        no_table = pd.isna(row.unit_id) or row.reason in NO_TABLE_REASONS
        if no_table and row.rows_in != 0:
            details.append(f"{name}: rows_in {row.rows_in} for a file without a table")
        if pd.isna(row.sha256):
            continue  # an entry never opened (link, hidden entry, folder): nothing archived
        count = by_key.get((int(row.wave) if pd.notna(row.wave) else 0, row.sha256))
        if count is None:
            details.append(f"{name}: no independent check of the archived file")
            continue
        if not count.archived:
            details.append(f"{name}: {count.note}")
            continue
        if no_table:
            continue
        if pd.isna(count.rows_counted):
            details.append(f"{name}: parsed with rows_in {row.rows_in}, but {count.note}")
        elif int(count.rows_counted) != row.rows_in:
            details.append(
                f"{name}: rows_in {row.rows_in}, the independent count of the archived file "
                f"{int(count.rows_counted)}"
            )
    details += [f"{name}: landed but not in the ledger" for name in missing_files]
    return GateResult(
        "ledger_reconciles",
        not details,
        f"{len(details)} problems in {len(ledger)} ledger rows",
        details,
    )
