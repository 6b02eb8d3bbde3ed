"""Which expectations of a suite run on one row per distinct value instead of on every row.

A set-type column expectation (SET_EXPECTATIONS) passes on a column's distinct values exactly
when it passes on its rows; on a large table with few distinct values that is most of the suite
for a fraction of the work. quality.gx_runner runs the plan and checks a failure again on the
rows, so a failure reports its unexpected rows as a row-level run does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

# Column expectations whose outcome depends only on the set of distinct values in the column
# (nulls included), when they carry no `mostly` and no `row_condition`: GX can check them on one
# row per distinct value as well as on every row, and fails on exactly the same inputs.
SET_EXPECTATIONS = frozenset(
    {
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
    }
)
# A column is checked on its distinct values when they are at most this share of the rows
# (a near-unique column such as respondent_key gains nothing and stays row-level).
DISTINCT_SHARE = 0.25


def _on_distinct_values(cfg: Mapping[str, Any]) -> bool:
    kw = cfg["kwargs"]
    return (
        cfg["type"] in SET_EXPECTATIONS
        and kw.get("mostly", 1) == 1
        and kw.get("row_condition") is None
        and bool(kw.get("column"))
    )


def distinct_frame(uniques: Mapping[str, pd.Series]) -> pd.DataFrame:
    """From each column's distinct values (null too, if it occurs: `Series.drop_duplicates()`),
    one frame as long as the longest: every column holds exactly its own distinct values,
    repeated in turn to the common length, with its dtype; empty when they are. Set-type
    expectations (SET_EXPECTATIONS) pass on it iff they pass on the rows."""
    length = max((len(u) for u in uniques.values()), default=0)
    positions = np.arange(length)
    return pd.DataFrame(
        {
            c: u.reset_index(drop=True).iloc[positions % len(u)].reset_index(drop=True)
            for c, u in uniques.items()
        }
    )


def _distinct(column: pd.Series) -> pd.Series:
    """The column's distinct values (null once, if it occurs), with its dtype."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        present = np.flatnonzero(np.bincount(codes + 1, minlength=1)) - 1
        return pd.Series(pd.Categorical.from_codes(present, dtype=column.dtype), name=column.name)
    return column.drop_duplicates()


# Rows looked at first to tell a near-unique text column (respondent_key) before finding all
# its distinct values: only the choice of batch depends on it, never a result.
PROBE_ROWS = 20_000


def near_unique(column: pd.Series) -> bool:
    """Whether a large column that is not categorical is near-unique: its first PROBE_ROWS rows
    have more than DISTINCT_SHARE of distinct values already."""
    if isinstance(column.dtype, pd.CategoricalDtype) or len(column) <= PROBE_ROWS:
        return False
    return column.iloc[:PROBE_ROWS].nunique(dropna=False) > DISTINCT_SHARE * PROBE_ROWS


def plan(
    df: pd.DataFrame, configs: list[dict[str, Any]]
) -> tuple[list[int], list[int], dict[str, pd.Series]]:
    """Indices of the configs run on distinct values and on rows, and the distinct values of
    the columns checked on them."""
    limit = DISTINCT_SHARE * len(df)
    uniques: dict[str, pd.Series | None] = {}
    on_values, on_rows = [], []
    for i, cfg in enumerate(configs):
        column = cfg["kwargs"].get("column")
        if _on_distinct_values(cfg) and column in df.columns:
            if column not in uniques:
                values = None if near_unique(df[column]) else _distinct(df[column])
                uniques[column] = values if values is not None and len(values) <= limit else None
            if uniques[column] is not None:
                on_values.append(i)
                continue
        on_rows.append(i)
    return on_values, on_rows, {c: u for c, u in uniques.items() if u is not None}
