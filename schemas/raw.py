"""Pandera schemas for raw deliveries, built from each wave's codebook.

The schema validates the *token* frame (assets/ingest/tokens.py) lazily, so every failing cell is
reported with its row index, column and value. Check names are the quarantine reason codes.
A failure without a row (e.g. a missing column) rejects the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc

from schemas.categorical import as_categorical, broadcast
from schemas.codebook import Codebook, Variable

RuleCheck = tuple[str, Callable[[pd.Series], pd.Series]]  # (reason code, cell check)
OUT_OF_RANGE = "out_of_range"
AGE_OUT_OF_RANGE = "age_out_of_range"
INVALID_DATE = "invalid_date"
INTEGER = re.compile(r"^\d{1,4}$")
ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"


def _on_categories(series: pd.Series, fn, missing: object = True) -> pd.Series:
    """Evaluate a check once per distinct value and broadcast it to the rows."""
    categories = as_categorical(series).cat.categories
    values = [bool(v) for v in fn(pd.Series(categories.astype(str), dtype=object))]
    return pd.Series(broadcast(series, values, missing, bool), index=series.index)


def _isin(values: set[str]) -> RuleCheck:
    allowed = frozenset(values)
    return OUT_OF_RANGE, lambda s: _on_categories(s, lambda c: c.isin(allowed))


def _code_list(variable: Variable) -> RuleCheck:
    codes = "|".join(re.escape(c) for c in sorted(variable.codes))
    pattern = rf"^({codes})(,({codes}))*$"
    return OUT_OF_RANGE, lambda s: _on_categories(s, lambda c: c.str.fullmatch(pattern))


def _age(variable: Variable, bounds: tuple[int, int]) -> list[RuleCheck]:
    low, high = bounds

    def plausible(values: pd.Series) -> pd.Series:
        number = pd.to_numeric(values.where(values.str.fullmatch(INTEGER.pattern)), "coerce")
        age = variable.reference_year - number if variable.type == "birth_year" else number
        return age.isna() | age.between(low, high)

    return [
        (OUT_OF_RANGE, lambda s: _on_categories(s, lambda c: c.str.fullmatch(INTEGER.pattern))),
        (AGE_OUT_OF_RANGE, lambda s: _on_categories(s, plausible)),
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
            # ISO 8601 with time and offset; the respondent's own calendar date is the first 10
            # characters (checked by pattern here, then parsed as a date: fast and exact)
            valid = _full_matches(categories[todo], ISO_TIMESTAMP)
            local = categories[todo].str.slice(0, 10).where(valid)
            parsed = pd.to_datetime(local, errors="coerce", format="%Y-%m-%d")
        else:
            parsed = pd.to_datetime(categories[todo], errors="coerce", format=fmt)
        result[todo] = parsed.astype("datetime64[ms]")
    codes = as_categorical(series).cat.codes.to_numpy()
    table = np.append(result.to_numpy(dtype="datetime64[ms]"), np.datetime64("NaT", "ms"))
    return pd.Series(table[codes], index=series.index)  # code -1 (empty) picks NaT


def _full_matches(texts: pd.Series, pattern: str) -> pd.Series:
    """Which texts match the pattern whole (as `Series.str.fullmatch`), in Arrow's regex engine
    instead of one Python match per value; `\\d` is any Unicode digit, as in Python."""
    unicode_digits = pattern.replace(r"\d", r"\p{Nd}")
    arrow = pa_arrow.array(texts.tolist(), pa_arrow.string())
    found = pc.match_substring_regex(arrow, f"^(?:{unicode_digits})$")
    return pd.Series(found.to_numpy(zero_copy_only=False), index=texts.index, dtype=bool)


def _date(variable: Variable) -> RuleCheck:
    return INVALID_DATE, lambda s: s.isna() | parse_dates(s, variable.formats).notna()


def _checks(codebook: Codebook, variable: Variable) -> list[RuleCheck]:
    if variable.type == "values":
        return [_isin(codebook.value_sets[variable.values].accepted_tokens())]
    if variable.type == "code_list":
        return [_code_list(variable)]
    if variable.type in ("birth_year", "integer"):
        return _age(variable, codebook.age_bounds())
    return [_date(variable)]


def _row_check(name: str, rules: list[tuple[str, Callable[[pd.Series], pd.Series]]]) -> pa.Check:
    """One check per reason over all its columns: True for a row whose cells are all fine.

    Pandera reports each failing row by index; `failing_cells` then names the columns. One
    row mask per reason avoids Pandera's per-column and per-cell overhead on many small files.
    """

    def check(df: pd.DataFrame) -> pd.Series:
        fine = np.ones(len(df), dtype=bool)
        for column, fn in rules:
            fine &= np.asarray(fn(df[column]), dtype=bool)
        return pd.Series(fine, index=df.index)

    return pa.Check(check, name=name)


@lru_cache(maxsize=32)
def raw_rules(codebook: Codebook) -> dict[str, list[tuple[str, Callable[[pd.Series], pd.Series]]]]:
    """The cell rules of a codebook, grouped by reason code: {reason: [(column, check)]}."""
    by_reason: dict[str, list[tuple[str, Callable[[pd.Series], pd.Series]]]] = {}
    for name, variable in codebook.variables.items():
        for reason, fn in _checks(codebook, variable):
            by_reason.setdefault(reason, []).append((name, fn))
    return by_reason


def failing_cells(tokens: pd.DataFrame, codebook: Codebook, reason: str) -> pd.DataFrame:
    """(index, column) of every cell breaking a reason's rules, among the given rows."""
    found = []
    for column, fn in raw_rules(codebook)[reason]:
        bad = ~np.asarray(fn(tokens[column]), dtype=bool)
        found += [(i, column) for i in tokens.index[bad]]
    return pd.DataFrame(found, columns=["index", "column"])


@lru_cache(maxsize=32)
def raw_schema(codebook: Codebook) -> pa.DataFrameSchema:
    columns = {name: pa.Column(None, nullable=True, required=True) for name in codebook.variables}
    columns[codebook.respondent_id] = pa.Column(None, nullable=False, required=True)
    if codebook.unit_column:
        columns[codebook.unit_column] = pa.Column(None, nullable=True, required=True)
    if codebook.unit_name_column:
        columns[codebook.unit_name_column] = pa.Column(None, nullable=True, required=True)
    return pa.DataFrameSchema(
        columns,
        checks=[_row_check(reason, rules) for reason, rules in raw_rules(codebook).items()],
        strict=False,
        coerce=False,
        name=f"raw_{codebook.wave}_{codebook.format}",
    )
