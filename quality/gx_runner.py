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
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from quality.gx_plan import distinct_frame, plan
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


def _columns_of(cfg: Mapping[str, Any]) -> list[str]:
    kw = cfg["kwargs"]
    names = [kw.get("column"), kw.get("column_A"), kw.get("column_B"), *kw.get("column_list", [])]
    condition = kw.get("row_condition")
    if isinstance(condition, Mapping):
        column = condition.get("column")
        names.append(column.get("name") if isinstance(column, Mapping) else column)
    elif condition is not None:
        names.extend(re.findall(r'col\(["\']([^"\']+)["\']\)', str(condition)))
    return [n for n in names if n]


def _identity(type_: str, kw: Mapping[str, Any]) -> tuple[Any, ...]:
    names = (kw.get("column"), kw.get("column_A"), kw.get("column_B"), kw.get("column_list"))
    return (type_, *(tuple(n) if isinstance(n, list) else n for n in names))


def run_suite(
    name: str,
    df: pd.DataFrame,
    parameters: Mapping[str, Any] | None = None,
    table: str | None = None,
) -> SuiteResult:
    """Validate a DataFrame against a suite with the GX API (ephemeral context).

    Cheap on large frames with no loss of power to fail: each batch holds only the columns its
    expectations name; set-type column expectations (gx_plan.SET_EXPECTATIONS) on a column with few
    distinct values run on distinct_frame() (one row per distinct value), everything else on
    the rows. An expectation that fails on the distinct values is run again on the rows, so a
    failure reports its unexpected rows exactly as a row-level run does.
    """
    import great_expectations as gx
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
    )
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    _without_batch_fingerprints()
    configs = expectation_configs(load_suite(name), table)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"{name}_source")
    params = dict(parameters or {})
    on_values, on_rows, uniques = plan(df, configs)
    results: dict[int, Any] = {}
    metas = []
    if on_values:
        values = distinct_frame(uniques)
        found = _validate(
            gx, context, source, f"{name}_distinct", values, configs, on_values, params
        )
        metas.append(found.meta)
        failed = [i for i, r in zip(on_values, found.results, strict=True) if not r.success]
        results.update(zip(on_values, found.results, strict=True))
        on_rows = sorted({*on_rows, *failed})
    if on_rows or not configs:
        found = _validate(gx, context, source, name, df, configs, on_rows, params)
        metas.insert(0, found.meta)
        results.update(zip(on_rows, found.results, strict=True))
    ordered = [results[i] for i in range(len(configs))]
    passed = sum(bool(r.success) for r in ordered)
    meta = dict(metas[0]) if metas else {}
    meta["checked_on_distinct_values"] = list(uniques)
    result = ExpectationSuiteValidationResult(
        success=passed == len(ordered),
        results=ordered,
        suite_name=name,
        suite_parameters=params,
        statistics={
            "evaluated_expectations": len(ordered),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(ordered) - passed,
            "success_percent": passed / len(ordered) * 100 if ordered else None,
        },
        meta=meta,
    )
    return _result(name, result)


def _without_batch_fingerprints() -> None:
    """GX fingerprints every in-memory batch under its HASH_THRESHOLD bytes with an md5 over all
    its rows (batch_markers["pandas_data_fingerprint"]): 1.6 s of the 1 M-row harmonized suite,
    and nothing in GX or here reads it (a gate's input is named by its content hash in the
    asset's metadata). A threshold of 0 fingerprints no batch; tests/test_gx_suites.py checks
    that the marker is gone, so a GX upgrade that moves the constant is noticed."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def _validate(
    gx: Any,
    context: Any,
    source: Any,
    batch_name: str,
    df: pd.DataFrame,
    configs: list[dict[str, Any]],
    indices: list[int],
    params: dict[str, Any],
) -> Any:
    """One GX validation of the configs at `indices` on df narrowed to the columns they use."""
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    chosen = [configs[i] for i in indices]
    used = dict.fromkeys(c for cfg in chosen for c in _columns_of(cfg) if c in df.columns)
    frame = _gx_frame(df[list(used)] if used else df.iloc[:, :1])
    batch = source.add_dataframe_asset(f"{batch_name}_frame").add_batch_definition_whole_dataframe(
        "whole_dataframe"
    )
    suite = gx.ExpectationSuite(name=batch_name)
    for cfg in chosen:
        suite.add_expectation_configuration(ExpectationConfiguration(**cfg))
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{batch_name}_validation", data=batch, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=params,
        result_format="SUMMARY",
    )
    # GX orders results by the metrics it computes: put them back in the suite's order.
    position = {_identity(cfg["type"], cfg["kwargs"]): n for n, cfg in enumerate(chosen)}
    if len(position) != len(chosen):
        raise ValueError(f"suite {batch_name} holds the same expectation twice")
    found = [
        position.get(_identity(r.expectation_config.type, r.expectation_config.kwargs), -1)
        for r in result.results
    ]
    if sorted(found) != list(range(len(chosen))):
        raise RuntimeError(f"GX did not return one result per expectation of {batch_name}")
    result.results = [
        r for _, r in sorted(zip(found, result.results, strict=True), key=lambda pair: pair[0])
    ]
    return result


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
    """df with `_wave_unit` "<wave>:<unit_id>" (object; None where only_units and the row is
    not a kommune or bydel). Built once per distinct pair: a 1 M-row table has a few hundred.
    A missing unit_id gives "<wave>:nan", which no code list holds."""
    wave_codes, waves = pd.factorize(df["wave"], use_na_sentinel=False)
    unit_codes, unit_ids = pd.factorize(df["unit_id"], use_na_sentinel=False)
    pair_codes, pairs = pd.factorize(wave_codes.astype(np.int64) * len(unit_ids) + unit_codes)
    labels = np.array(
        [f"{_wave_text(waves[p // len(unit_ids)])}:{_unit_text(unit_ids[p % len(unit_ids)])}"
         for p in pairs] + [None],
        dtype=object,
    )  # fmt: skip
    if only_units:
        pair_codes = np.where(df["unit_type"].isin(["kommune", "bydel"]), pair_codes, -1)
    out = df.copy(deep=False)
    out["_wave_unit"] = pd.Series(labels[pair_codes], index=df.index, dtype=object)
    return out


def _wave_text(wave: Any) -> str:
    return "nan" if pd.isna(wave) else str(int(wave))


def _unit_text(unit: Any) -> str:
    return "nan" if pd.isna(unit) else str(unit)


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
