"""Work on categorical columns once per distinct value, then broadcast through the codes.

Survey columns have few distinct values (codes, labels), so mapping, checking and decoding per
category instead of per row makes a million-row delivery cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd


def as_categorical(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return series.astype("category")


def broadcast(series: pd.Series, values: Sequence[object], missing: object = None) -> np.ndarray:
    """An object array: `values[i]` for rows in category i, `missing` for empty cells."""
    codes = as_categorical(series).cat.codes.to_numpy()
    table = np.empty(len(values) + 1, dtype=object)
    table[: len(values)] = list(values)
    table[-1] = missing
    return table[codes]  # code -1 (empty) picks the last slot


def map_categories(series: pd.Series, fn: Callable[[object], object]) -> pd.Series:
    """Apply `fn` to each distinct value; the result is categorical again (None → empty)."""
    cat = as_categorical(series)
    mapped = [fn(v) for v in cat.cat.categories]
    categories = pd.Index(pd.unique(np.array([m for m in mapped if m is not None], dtype=object)))
    lookup = np.append(categories.get_indexer(pd.Index(mapped, dtype=object)), -1)
    codes = lookup[cat.cat.codes.to_numpy()]
    result = pd.Categorical.from_codes(codes, categories=categories)
    return pd.Series(result, index=series.index, name=series.name)


def broadcast_categorical(series: pd.Series, values: Sequence[object], missing: object = None):
    """Like `broadcast`, but a pandas Categorical (no per-row Python objects); None → empty."""
    cells = [*values, missing]
    categories = pd.Index(pd.unique(np.array([v for v in cells if v is not None], dtype=object)))
    lookup = categories.get_indexer(pd.Index(cells, dtype=object))
    codes = as_categorical(series).cat.codes.to_numpy()
    return pd.Categorical.from_codes(lookup[codes], categories=categories)
