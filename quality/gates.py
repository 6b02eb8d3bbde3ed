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
from quality.gx_runner import SuiteResult, validate_cell_totals, validate_cells, validate_harmonized
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


def totals_gate(internal_cells: pd.DataFrame, docs: Path | None) -> GateResult:
    return _from_suite("cell_totals", validate_cell_totals(internal_cells), docs)


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


def ledger_gate(unbalanced: pd.DataFrame, missing_files: list[str]) -> GateResult:
    details = [f"{r.file_name}: rows_in {r.rows_in}" for r in unbalanced.itertuples()]
    details += [f"{name}: landed but not in the ledger" for name in missing_files]
    return GateResult(
        "ledger_reconciles", not details, f"{len(details)} files do not reconcile", details
    )
