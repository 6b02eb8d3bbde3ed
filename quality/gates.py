"""Quality gates as plain functions: each returns a GateResult the Dagster layer turns into a
blocking asset check. A failing gate stops publication; nothing is written past it.

Validation documents (GX JSON results and Data Docs HTML) are written for auditors under
warehouse/quality/<gate>/<run id>.{json,html}.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from quality.attacker import attack
from quality.disclosure import DisclosureConfig
from quality.gx_runner import SuiteResult, validate_cell_totals, validate_cells, validate_harmonized
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
    cells: pd.DataFrame, units: pd.DataFrame, config: DisclosureConfig | None = None
) -> GateResult:
    """The attacker plays every subtraction on the published tables; any leak fails."""
    leaks = attack(cells, units, config=config)
    details = [f"wave {k.wave} {k.indicator_id or ''} {k.kind}: {k.how}" for k in leaks[:50]]
    return GateResult(
        "disclosure_attack", not leaks, f"{len(leaks)} derivable small groups found", details
    )


def ledger_gate(unbalanced: pd.DataFrame, missing_files: list[str]) -> GateResult:
    details = [f"{r.file_name}: rows_in {r.rows_in}" for r in unbalanced.itertuples()]
    details += [f"{name}: landed but not in the ledger" for name in missing_files]
    return GateResult(
        "ledger_reconciles", not details, f"{len(details)} files do not reconcile", details
    )
