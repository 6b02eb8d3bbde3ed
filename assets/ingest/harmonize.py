"""Crosswalk accepted token rows of one file into harmonized columns, through the codebook.

Degree items become 1–5 plus a missing kind; categorical items become their harmonized text
codes; skip logic sets filtered items to ikke_aktuelt and logs answers given anyway. Items the
wave did not ask are null (degree items: missing kind ikke_spurt). Geography, keys and
provenance are added per wave (assets/ingest/harmonize_wave.py). Every mapping is done once per
distinct raw value (schemas/categorical.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.ingest.readers import SOURCE_ROW
from schemas.categorical import (
    all_missing,
    as_categorical,
    broadcast_categorical,
    broadcast_masked,
    concat_categoricals,
    constant_categorical,
)
from schemas.codebook import Codebook, Variable
from schemas.questionnaire import Questionnaire, missing_column, questionnaire
from schemas.raw import parse_dates

AGE_BANDS = [(18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55-64"), (65, "65+")]
SKIP_LOG_COLUMNS = ["source_row", "item", "filter", "raw_column", "value_given"]
NOT_ASKED = "ikke_spurt"


def _categories(series: pd.Series) -> list[str]:
    return [str(c) for c in as_categorical(series).cat.categories]


def _decoded_categories(series: pd.Series, codebook: Codebook, variable: Variable) -> list:
    value_set = codebook.value_sets[variable.values]
    return [value_set.harmonize(c)[1] for c in _categories(series)]


def _decode_values(series: pd.Series, codebook: Codebook, variable: Variable):
    """Decoded column: Categorical for text codes, boolean array for flags."""
    values = _decoded_categories(series, codebook, variable)
    blank = codebook.value_sets[variable.values].blank
    if all(isinstance(v, bool) for v in [*values, blank] if v is not None):
        return broadcast_masked(series, values, blank, "boolean")
    return broadcast_categorical(
        series, [str(v) for v in values], None if blank is None else str(blank)
    )


def _decode_degree(series: pd.Series, codebook: Codebook, variable: Variable):
    """(Int8 codes 1–5, Categorical missing kinds) of a degree item."""
    values = _decoded_categories(series, codebook, variable)
    blank = codebook.value_sets[variable.values].blank
    codes = broadcast_masked(series, [v if _is_code(v) else None for v in values], None, "Int8")
    kinds = broadcast_categorical(series, [None if _is_code(v) else v for v in values], blank)
    return codes, kinds


def _is_code(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _age_years(series: pd.Series, variable: Variable) -> pd.Series:
    numbers = pd.to_numeric(pd.Series(_categories(series), dtype=object), errors="coerce")
    if variable.type == "birth_year":
        numbers = variable.reference_year - numbers
    ages = [None if pd.isna(n) else int(n) for n in numbers]
    return pd.Series(broadcast_masked(series, ages, None, "Int16"), index=series.index)


def age_band_of(age: pd.Series) -> np.ndarray:
    bins = [b for b, _ in AGE_BANDS] + [200]
    banded = pd.cut(age.astype("Float64"), bins=bins, right=False, labels=[b for _, b in AGE_BANDS])
    return banded.astype(object).where(age.notna(), "ubesvart").to_numpy()


def decode_file(tokens: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(harmonized frame without geography, skip-logic log) for one file's accepted rows."""
    frame, skip_log = _decode(tokens, codebook)
    return frame, skip_log.reset_index(drop=True)


def decode_files(
    files: list[pd.DataFrame], codebook: Codebook
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """decode_file for many files of one wave (their accepted token rows) in one pass over
    their concatenation: the same rows and values, file by file (every mapping works per row
    or per distinct value; categories may be the union's)."""
    if len(files) < 2:
        return [decode_file(tokens, codebook) for tokens in files]
    columns = [SOURCE_ROW, *codebook.variables]
    starts = np.cumsum([0, *(len(t) for t in files)])
    whole = pd.DataFrame(
        {
            c: concat_categoricals([as_categorical(t[c]).array for t in files])
            if c != SOURCE_ROW
            else np.concatenate([t[c].to_numpy() for t in files])
            for c in columns
        }
    )
    frame, skip_log = _decode(whole, codebook)
    file_of = np.searchsorted(starts, skip_log.index.to_numpy(), side="right") - 1
    out = []
    for n, tokens in enumerate(files):
        part = frame.iloc[starts[n] : starts[n + 1]].set_axis(tokens.index)
        mine = skip_log[file_of == n].reset_index(drop=True)
        out.append((part, mine if len(mine) else pd.DataFrame(columns=SKIP_LOG_COLUMNS)))
    return out


def _decode(tokens: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """decode_file's work; the skip-logic log keeps the token rows' index."""
    q = questionnaire()
    out: dict[str, object] = {SOURCE_ROW: tokens[SOURCE_ROW].astype("int32").to_numpy()}
    for name, variable in codebook.variables.items():
        column = tokens[name]
        if variable.type == "values" and variable.to in q.degree_items:
            out[variable.to], out[missing_column(variable.to)] = _decode_degree(
                column, codebook, variable
            )
        elif variable.type == "values":
            out[variable.to] = _decode_values(column, codebook, variable)
        elif variable.type == "code_list":
            parts = [set(c.split(",")) for c in _categories(column)]
            for code, target in variable.codes.items():
                out[target] = broadcast_masked(column, [code in p for p in parts], False, "boolean")
        elif variable.type in ("birth_year", "integer"):
            out["age_years"] = _age_years(column, variable).array
        elif variable.type == "date":
            out[variable.to] = parse_dates(column, variable.formats).to_numpy()
    frame = pd.DataFrame(out, index=tokens.index)
    if "age_years" in frame and "age_band" not in frame:
        frame["age_band"] = age_band_of(frame["age_years"])
    frame, skip_log = _apply_skip_logic(frame, tokens, codebook)
    return _complete(frame, q), skip_log


def _apply_skip_logic(frame: pd.DataFrame, tokens: pd.DataFrame, codebook: Codebook):
    """Closed filter → the filtered items are ikke_aktuelt; answers given anyway are logged."""
    raw_of = {v.to: name for name, v in codebook.variables.items()}
    not_answers = ["ubesvart", "ikke_aktuelt"]
    logs = []
    for rule in codebook.skip_logic:
        if rule.filter not in frame:
            continue
        closed = (frame[rule.filter].astype(object) == rule.closed_value).to_numpy()
        for item in (i for i in rule.items if i in frame):
            kind_column = missing_column(item) if missing_column(item) in frame else item
            kinds = frame[kind_column].astype(object).to_numpy(copy=True)
            answered = frame[item].notna().to_numpy() if kind_column != item else False
            given = closed & (
                answered | (pd.notna(kinds) & ~np.isin(kinds.astype(str), not_answers))
            )
            if given.any():
                logs.append(
                    pd.DataFrame(
                        index=frame.index[given],
                        data={
                            "source_row": frame.loc[given, SOURCE_ROW].to_numpy(),
                            "item": item,
                            "filter": rule.filter,
                            "raw_column": raw_of[item],
                            "value_given": tokens.loc[given, raw_of[item]].astype(str).to_numpy(),
                        },
                    )
                )
            kinds[closed] = "ikke_aktuelt"
            frame[kind_column] = pd.Categorical(kinds)
            if kind_column != item:
                frame.loc[closed, item] = pd.NA
    log = pd.concat(logs) if logs else pd.DataFrame(columns=SKIP_LOG_COLUMNS)
    return frame, log


def _complete(frame: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Split degree items into code + missing kind and add every harmonized column not asked."""
    n = len(frame)
    for item in q.degree_items:
        if item not in frame:
            frame[item] = all_missing(n, "Int8")
            frame[missing_column(item)] = constant_categorical(n, NOT_ASKED)
    for item in q.categorical_items:
        if item not in frame:
            frame[item] = pd.Categorical([None] * n)
    for service in q.services:
        frame[service] = (
            frame[service].astype("boolean") if service in frame else all_missing(n, "boolean")
        )
    if "age_years" not in frame:
        frame["age_years"] = all_missing(n, "Int16")
    if "response_date" not in frame:
        frame["response_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ms]")
    if "channel" not in frame:
        frame["channel"] = pd.Categorical([None] * n)
    return frame
