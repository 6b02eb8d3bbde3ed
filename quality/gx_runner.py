"""Run the Great Expectations 1.x suites in quality/gx_suites/ on DataFrames (pure, no Dagster).

Each suite is data (YAML: a list of expectation types and kwargs; `columns:` expands to one
expectation per column; `{$PARAMETER: name}` is filled at run time). A run uses an ephemeral
GX context, a pandas data source and a whole-dataframe batch, and returns a SuiteResult with
the overall success, one outcome per expectation, the GX JSON result and GX-rendered HTML.

Suites and where they run (the owner wires them as Dagster asset checks):
- harmonized_responses: on harmonized responses; parameter valid_units {wave: [codes]}.
- indicator_cells: on pub.cells (and pub.internal_cells); parameter valid_units.
- cell_totals: on pub.internal_cells beside the harmonized rows and the ledger's accepted rows
  per wave (view built by cell_totals()).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from schemas.questionnaire import missing_column, questionnaire

SUITES_DIR = Path(__file__).with_name("gx_suites")


@dataclass(frozen=True)
class ExpectationOutcome:
    type: str
    kwargs: dict[str, Any]
    success: bool
    unexpected_count: int | None
    observed_value: Any
    notes: str | None
    exception: str | None = None


@dataclass
class SuiteResult:
    suite: str
    success: bool
    outcomes: list[ExpectationOutcome]
    statistics: dict[str, Any]
    gx_json: dict[str, Any] = field(repr=False)
    _gx_result: Any = field(default=None, repr=False)

    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def write_json(self, path: Path | str) -> Path:
        """The GX validation result as JSON (what GX stores in its validation store)."""
        path = Path(path)
        path.write_text(json.dumps(self.gx_json, indent=2, default=str), encoding="utf-8")
        return path

    def write_html(self, path: Path | str) -> Path:
        """A Data Docs validation page rendered with GX's own renderer."""
        from great_expectations.render.renderer import ValidationResultsPageRenderer
        from great_expectations.render.view import DefaultJinjaPageView

        document = ValidationResultsPageRenderer().render(self._gx_result)
        path = Path(path)
        path.write_text(DefaultJinjaPageView().render(document), encoding="utf-8")
        return path


def load_suite(name: str) -> dict[str, Any]:
    """A suite definition from quality/gx_suites/<name>.yaml (or .json)."""
    for ext in ("yaml", "json"):
        path = SUITES_DIR / f"{name}.{ext}"
        if path.exists():
            text = path.read_text(encoding="utf-8")
            return yaml.safe_load(text) if ext == "yaml" else json.loads(text)
    raise FileNotFoundError(f"no GX suite {name!r} in {SUITES_DIR}")


def questionnaire_columns(kind: str) -> list[str]:
    """Columns generated from schemas/items.yaml: `degree_items` (the 1–5 value columns) or
    `degree_missing` (their missing-kind columns), so a new item is covered by the gate."""
    items = list(questionnaire().degree_items)
    if kind == "degree_items":
        return items
    if kind == "degree_missing":
        return [missing_column(i) for i in items]
    raise ValueError(f"unknown generated column set {kind!r} (degree_items, degree_missing)")


def expectation_configs(suite: Mapping[str, Any], table: str | None = None) -> list[dict[str, Any]]:
    """Expand `columns:` entries into one expectation config per column.

    `columns: {from_questionnaire: degree_items}` expands to the questionnaire's items.
    An entry with `only_for: [names]` is kept only when `table` is one of them.
    """
    out = []
    for entry in suite["expectations"]:
        if entry.get("only_for") and table not in entry["only_for"]:
            continue
        kwargs = dict(entry.get("kwargs") or {})
        meta = {"notes": entry["notes"]} if entry.get("notes") else {}
        columns = entry.get("columns") or [None]
        if isinstance(columns, Mapping):
            columns = questionnaire_columns(str(columns["from_questionnaire"]))
        for column in columns:
            kw = dict(kwargs, column=column) if column is not None else dict(kwargs)
            out.append({"type": entry["type"], "kwargs": kw, "meta": meta})
    return out


def _gx_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Nullable extension dtypes as plain numpy/object so every GX metric handles them."""
    out = {}
    for name, col in df.items():
        dtype = str(col.dtype)
        if dtype.startswith(("Int", "UInt", "Float")):
            out[name] = col.astype("float64")
        elif dtype == "boolean":
            out[name] = col.astype(object).where(col.notna(), None)
        else:
            out[name] = col
    return pd.DataFrame(out, index=df.index)


def run_suite(
    name: str,
    df: pd.DataFrame,
    parameters: Mapping[str, Any] | None = None,
    table: str | None = None,
) -> SuiteResult:
    """Validate a DataFrame against a suite with the GX API (ephemeral context)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    suite_def = load_suite(name)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(f"{name}_source")
        .add_dataframe_asset(f"{name}_frame")
        .add_batch_definition_whole_dataframe("whole_dataframe")
    )
    suite = gx.ExpectationSuite(name=name)
    for cfg in expectation_configs(suite_def, table):
        suite.add_expectation_configuration(ExpectationConfiguration(**cfg))
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{name}_validation", data=batch, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": _gx_frame(df)},
        expectation_parameters=dict(parameters or {}),
        result_format="SUMMARY",
    )
    return _result(name, result)


def _result(name: str, result: Any) -> SuiteResult:
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        info = r.exception_info or {}
        raised = info.get("raised_exception") if isinstance(info, dict) else False
        outcomes.append(
            ExpectationOutcome(
                type=cfg.type,
                kwargs={k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
                success=bool(r.success),
                unexpected_count=r.result.get("unexpected_count"),
                observed_value=r.result.get("observed_value"),
                notes=(cfg.meta or {}).get("notes"),
                exception=info.get("exception_message") if raised else None,
            )
        )
    gx_json = result.to_json_dict()
    return SuiteResult(
        name, bool(result.success), outcomes, dict(result.statistics), gx_json, result
    )


def wave_units(valid_units: Mapping[int, Iterable[str]]) -> list[str]:
    """The parameter value: '<wave>:<code>' for every valid unit of every wave."""
    return sorted(f"{int(w)}:{c}" for w, codes in valid_units.items() for c in codes)


def _with_wave_unit(df: pd.DataFrame, only_units: bool) -> pd.DataFrame:
    out = df.copy()
    key = out["wave"].astype(int).astype(str) + ":" + out["unit_id"].astype(str)
    if only_units:
        key = key.where(out["unit_type"].isin(["kommune", "bydel"]))
    out["_wave_unit"] = key.astype(object).where(key.notna(), None)
    return out


def validate_harmonized(df: pd.DataFrame, valid_units: Mapping[int, Iterable[str]]) -> SuiteResult:
    """Harmonized responses: codes in range, unique respondents, units in the code list."""
    params = {"valid_wave_units": wave_units(valid_units)}
    return run_suite("harmonized_responses", _with_wave_unit(df, False), params)


def validate_cells(
    cells: pd.DataFrame, valid_units: Mapping[int, Iterable[str]], internal: bool = False
) -> SuiteResult:
    """Published (or, with internal=True, internal) cells: shares, intervals, counts and
    units consistent; the published table also hides what it suppresses."""
    params = {"valid_wave_units": wave_units(valid_units)}
    table = "internal" if internal else "published"
    return run_suite("indicator_cells", _with_wave_unit(cells, True), params, table)


def cell_totals(
    internal_cells: pd.DataFrame,
    harmonized_rows: Mapping[int, int],
    ledger_accepted_rows: Mapping[int, int],
) -> pd.DataFrame:
    """Per wave, indicator and measure: the national n_respondents beside two independent
    counts of the wave's respondents: the harmonized table's rows and the rows_accepted of the
    current deliveries in the ledger. A wave without national cells has 0 national respondents.
    """
    c = internal_cells
    nat = c.loc[c["unit_type"] == "national", ["wave", "indicator_id", "measure", "n_respondents"]]
    nat = nat.assign(wave=nat["wave"].astype(int))
    waves = sorted(
        {*map(int, nat["wave"]), *map(int, harmonized_rows), *map(int, ledger_accepted_rows)}
    )
    counts = pd.DataFrame(
        {
            "wave": waves,
            "harmonized_rows": [harmonized_rows.get(w, 0) for w in waves],
            "ledger_accepted_rows": [ledger_accepted_rows.get(w, 0) for w in waves],
        }
    )
    out = counts.merge(nat, on="wave", how="left").rename(
        columns={"n_respondents": "national_respondents"}
    )
    out["national_respondents"] = out["national_respondents"].astype("float64").fillna(0.0)
    columns = ["national_respondents", "harmonized_rows", "ledger_accepted_rows"]
    return out.astype({c: "float64" for c in columns})[
        ["wave", "indicator_id", "measure", *columns]
    ]


def validate_cell_totals(
    internal_cells: pd.DataFrame,
    harmonized_rows: Mapping[int, int],
    ledger_accepted_rows: Mapping[int, int],
) -> SuiteResult:
    """National respondents equal the harmonized rows and the ledger's accepted rows per wave."""
    return run_suite(
        "cell_totals", cell_totals(internal_cells, harmonized_rows, ledger_accepted_rows)
    )
