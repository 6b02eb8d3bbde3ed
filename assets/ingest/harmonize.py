"""Crosswalk accepted token rows of one file into harmonized columns, through the codebook.

Degree items become 1–5 plus a missing kind; categorical items become their harmonized text
codes; skip logic sets filtered items to ikke_aktuelt and logs answers given anyway. Items the
wave did not ask are null (degree items: missing kind ikke_spurt). Geography, keys and
provenance are added per wave (assets/ingest/harmonize_wave.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.ingest.readers import SOURCE_ROW
from schemas.codebook import Codebook, Variable
from schemas.questionnaire import missing_column, questionnaire
from schemas.raw import parse_dates

AGE_BANDS = [(18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55-64"), (65, "65+")]
SKIP_LOG_COLUMNS = ["source_row", "item", "filter", "raw_column", "value_given"]


def _decode_values(series: pd.Series, codebook: Codebook, variable: Variable) -> pd.Series:
    value_set = codebook.value_sets[variable.values]
    distinct = series.dropna().unique()
    mapping = {token: value_set.harmonize(token)[1] for token in distinct}
    decoded = series.map(mapping).astype(object)
    return decoded.where(series.notna(), value_set.blank)


def _age_years(series: pd.Series, variable: Variable) -> pd.Series:
    number = pd.to_numeric(series, errors="coerce")
    if variable.type == "birth_year":
        number = variable.reference_year - number
    return number.astype("Int16")


def age_band_of(age: pd.Series) -> pd.Series:
    bins = [b for b, _ in AGE_BANDS] + [200]
    banded = pd.cut(
        age.astype("Float64"), bins=bins, right=False, labels=[lbl for _, lbl in AGE_BANDS]
    )
    return banded.astype(object).where(age.notna(), "ubesvart")


def decode_file(tokens: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(harmonized frame without geography, skip-logic log) for one file's accepted rows."""
    q = questionnaire()
    out: dict[str, pd.Series] = {SOURCE_ROW: tokens[SOURCE_ROW].astype("int32")}
    for name, variable in codebook.variables.items():
        column = tokens[name]
        if variable.type == "values":
            out[variable.to] = _decode_values(column, codebook, variable)
        elif variable.type == "code_list":
            ticked = column.fillna("").str.split(",")
            for code, target in variable.codes.items():
                out[target] = ticked.map(lambda parts, c=code: c in parts).astype("boolean")
        elif variable.type in ("birth_year", "integer"):
            out["age_years"] = _age_years(column, variable)
        elif variable.type == "date":
            out[variable.to] = parse_dates(column, variable.formats)
    frame = pd.DataFrame(out, index=tokens.index)
    if "age_years" in frame and "age_band" not in frame:
        frame["age_band"] = age_band_of(frame["age_years"])
    frame, skip_log = _apply_skip_logic(frame, tokens, codebook)
    return _complete(frame, q), skip_log


def _apply_skip_logic(frame: pd.DataFrame, tokens: pd.DataFrame, codebook: Codebook):
    raw_of = {v.to: name for name, v in codebook.variables.items()}
    logs = []
    for rule in codebook.skip_logic:
        if rule.filter not in frame:
            continue
        closed = frame[rule.filter] == rule.closed_value
        for item in rule.items:
            if item not in frame:
                continue
            given = closed & ~frame[item].isin(["ubesvart", "ikke_aktuelt"]) & frame[item].notna()
            if given.any():
                logs.append(
                    pd.DataFrame(
                        {
                            "source_row": frame.loc[given, SOURCE_ROW].to_numpy(),
                            "item": item,
                            "filter": rule.filter,
                            "raw_column": raw_of[item],
                            "value_given": tokens.loc[given, raw_of[item]].to_numpy(),
                        }
                    )
                )
            frame.loc[closed, item] = "ikke_aktuelt"
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=SKIP_LOG_COLUMNS)
    return frame, log


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _complete(frame: pd.DataFrame, q) -> pd.DataFrame:
    """Split degree items into code + missing kind and add every harmonized column not asked."""
    for item in q.degree_items:
        if item in frame:
            values = frame[item]
            distinct = [v for v in values.dropna().unique()]
            is_code = {v: _is_number(v) for v in distinct}
            codes = values.map({v: v if is_code[v] else None for v in distinct})
            frame[missing_column(item)] = values.map(
                {v: None if is_code[v] else v for v in distinct}
            )
            frame[item] = pd.to_numeric(codes, errors="coerce").astype("Int8")
        else:
            frame[item] = pd.array([None] * len(frame), dtype="Int8")
            frame[missing_column(item)] = "ikke_spurt"
    for item in q.categorical_items:
        if item not in frame:
            frame[item] = None
        frame[item] = frame[item].astype(object).where(frame[item].notna(), None)
    for service in q.services:
        if service not in frame:
            frame[service] = pd.array([None] * len(frame), dtype="boolean")
        else:
            frame[service] = frame[service].astype("boolean")
    if "age_years" not in frame:
        frame["age_years"] = pd.array([None] * len(frame), dtype="Int16")
    if "response_date" not in frame:
        frame["response_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ms]")
    if "channel" not in frame:
        frame["channel"] = None
    return frame
