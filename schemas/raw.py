"""Pandera schemas for raw deliveries, built from each wave's codebook.

The schema validates the *token* frame (assets/ingest/tokens.py) lazily, so every failing cell is
reported with its row index, column and value. Check names are the quarantine reason codes.
A failure without a row (e.g. a missing column) rejects the whole file.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa

from schemas.categorical import as_categorical, broadcast
from schemas.codebook import Codebook, Variable

OUT_OF_RANGE = "out_of_range"
AGE_OUT_OF_RANGE = "age_out_of_range"
INVALID_DATE = "invalid_date"
INTEGER = re.compile(r"^\d{1,4}$")


def _on_categories(series: pd.Series, fn, missing: object = True) -> pd.Series:
    """Evaluate a check once per distinct value and broadcast it to the rows."""
    categories = as_categorical(series).cat.categories
    values = [bool(v) for v in fn(pd.Series(categories.astype(str), dtype=object))]
    return pd.Series(broadcast(series, values, missing).astype(bool), index=series.index)


def _isin(values: set[str]) -> pa.Check:
    allowed = frozenset(values)
    return pa.Check(lambda s: _on_categories(s, lambda c: c.isin(allowed)), name=OUT_OF_RANGE)


def _code_list(variable: Variable) -> pa.Check:
    codes = "|".join(re.escape(c) for c in sorted(variable.codes))
    pattern = rf"^({codes})(,({codes}))*$"
    return pa.Check(
        lambda s: _on_categories(s, lambda c: c.str.fullmatch(pattern)), name=OUT_OF_RANGE
    )


def _age(variable: Variable, bounds: tuple[int, int]) -> list[pa.Check]:
    low, high = bounds

    def plausible(values: pd.Series) -> pd.Series:
        number = pd.to_numeric(values.where(values.str.fullmatch(INTEGER.pattern)), "coerce")
        age = variable.reference_year - number if variable.type == "birth_year" else number
        return age.isna() | age.between(low, high)

    return [
        pa.Check(
            lambda s: _on_categories(s, lambda c: c.str.fullmatch(INTEGER.pattern)),
            name=OUT_OF_RANGE,
        ),
        pa.Check(lambda s: _on_categories(s, plausible), name=AGE_OUT_OF_RANGE),
    ]


def parse_dates(series: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Dates from text in any of the formats ("iso8601": ISO with offset); NaT if none fits.

    The calendar date is the respondent's local one (the text before the time), not UTC's.
    """
    categories = pd.Series(as_categorical(series).cat.categories.astype(str), dtype=object)
    result = pd.Series(pd.NaT, index=categories.index, dtype="datetime64[ms]")
    for fmt in (*formats, "iso8601"):
        todo = result.isna()
        if not todo.any():
            break
        if fmt == "iso8601":
            valid = pd.to_datetime(categories[todo], errors="coerce", format="ISO8601", utc=True)
            local = categories[todo].str.slice(0, 10)
            parsed = pd.to_datetime(local, errors="coerce", format="%Y-%m-%d").where(valid.notna())
        else:
            parsed = pd.to_datetime(categories[todo], errors="coerce", format=fmt)
        result[todo] = parsed.astype("datetime64[ms]")
    dates = broadcast(series, list(result), pd.NaT)
    return pd.Series(pd.to_datetime(dates), index=series.index).astype("datetime64[ms]")


def _date(variable: Variable) -> pa.Check:
    return pa.Check(
        lambda s: s.isna() | parse_dates(s, variable.formats).notna(), name=INVALID_DATE
    )


def _checks(codebook: Codebook, variable: Variable) -> list[pa.Check]:
    if variable.type == "values":
        return [_isin(codebook.value_sets[variable.values].accepted_tokens())]
    if variable.type == "code_list":
        return [_code_list(variable)]
    if variable.type in ("birth_year", "integer"):
        return _age(variable, codebook.age_bounds())
    return [_date(variable)]


@lru_cache(maxsize=32)
def raw_schema(codebook: Codebook) -> pa.DataFrameSchema:
    columns = {
        name: pa.Column(None, checks=_checks(codebook, variable), nullable=True, required=True)
        for name, variable in codebook.variables.items()
    }
    columns[codebook.respondent_id] = pa.Column(None, nullable=False, required=True)
    if codebook.unit_column:
        columns[codebook.unit_column] = pa.Column(None, nullable=True, required=True)
    if codebook.unit_name_column:
        columns[codebook.unit_name_column] = pa.Column(None, nullable=True, required=True)
    return pa.DataFrameSchema(
        columns, strict=False, coerce=False, name=f"raw_{codebook.wave}_{codebook.format}"
    )
