"""Work on categorical columns once per distinct value, then broadcast through the codes.

Survey columns have few distinct values (codes, labels), so mapping, checking and decoding per
category instead of per row makes a million-row delivery cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd


def as_categorical(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series
    return series.astype("category")


def _codes(series: pd.Series) -> np.ndarray:
    return as_categorical(series).array.codes


def broadcast(
    series: pd.Series, values: Sequence[object], missing: object = None, dtype: object = object
) -> np.ndarray:
    """An array of `dtype`: `values[i]` for rows in category i, `missing` for empty cells."""
    table = np.empty(len(values) + 1, dtype=dtype)
    table[: len(values)] = list(values)
    table[-1] = missing
    return table[_codes(series)]  # code -1 (empty) picks the last slot


def broadcast_masked(
    series: pd.Series, values: Sequence[object], missing: object, dtype: str
) -> pd.api.extensions.ExtensionArray:
    """Like `broadcast`, as a nullable array ("Int8", "Int16", "boolean"): None → NA."""
    slots = [*values, missing]
    is_na = np.array([v is None for v in slots], dtype=bool)
    extension = pd.api.types.pandas_dtype(dtype)
    table = np.array([0 if v is None else v for v in slots], dtype=extension.numpy_dtype)
    codes = _codes(series)
    return extension.construct_array_type()(table[codes], is_na[codes])


def constant_categorical(n: int, value: object) -> pd.Categorical:
    """n rows of one value, as a category (one dictionary entry in Parquet)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def all_missing(n: int, dtype: str) -> pd.api.extensions.ExtensionArray:
    """A nullable array ("Int8", "Int16", "boolean") of n missing values."""
    extension = pd.api.types.pandas_dtype(dtype)
    data = np.zeros(n, dtype=extension.numpy_dtype)
    return extension.construct_array_type()(data, np.ones(n, dtype=bool))


def _codes_for(values: Sequence[object]) -> tuple[np.ndarray, list[object]]:
    """Category codes for a list of values (None → -1) and the distinct non-null values, in
    order of first appearance. Text values are factorized in one hash pass; anything else
    (numbers, which a dict keys by equality: 1 == 1.0 == True) value by value."""
    array = np.fromiter(values, dtype=object, count=len(values))
    codes, uniques = pd.factorize(array)
    if pd.api.types.infer_dtype(uniques, skipna=False) in ("string", "empty") and all(
        v is None for v in array[codes < 0]
    ):
        return np.append(codes, -1).astype(np.int32), uniques.tolist()
    index: dict[object, int] = {}
    codes = np.empty(len(values) + 1, dtype=np.int32)
    for i, value in enumerate(values):
        codes[i] = -1 if value is None else index.setdefault(value, len(index))
    codes[-1] = -1
    return codes, list(index)


# What is derived from a short category list (its dtype here, its canonical text in
# assets.content_hash) is made once per process: the same codebook categories recur in every unit's
# table, and building a dtype checks its categories (uniqueness, no nulls), which costs more
# than a small delivery's column work. Long lists (respondent ids) rarely repeat: not kept.
CACHED_CATEGORIES = 64
CategoriesKey = tuple[tuple[type, object], ...]


def categories_key(categories: Sequence[object]) -> CategoriesKey | None:
    """A hashable key of a short category list: each value with its type, in order (1, 1.0 and
    True are equal as keys but not as categories); None for a list not worth keeping."""
    if len(categories) > CACHED_CATEGORIES:
        return None
    values = categories.tolist() if isinstance(categories, pd.Index) else categories
    return tuple((type(v), v) for v in values)


@lru_cache(maxsize=2048)
def _cached_dtype(key: CategoriesKey) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(pd.Index([v for _, v in key], dtype=object))


def categorical_dtype(categories: Sequence[object]) -> pd.CategoricalDtype:
    """An unordered CategoricalDtype with these categories (object-typed, in this order)."""
    key = categories_key(categories)
    if key is None:
        return pd.CategoricalDtype(pd.Index(list(categories), dtype=object))
    return _cached_dtype(key)


@lru_cache(maxsize=4096)
def text_categorical_dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    """The dtype Arrow's conversion gives a text dictionary (str categories; object ones when
    there are none), made once per category list (see CACHED_CATEGORIES)."""
    return pd.CategoricalDtype(pd.Index(list(categories), dtype="str" if categories else object))


def _categorical(codes: np.ndarray, categories: list[object]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=categorical_dtype(categories), validate=False)


def map_categories(series: pd.Series, fn: Callable[[object], object]) -> pd.Series:
    """Apply `fn` to each distinct value; the result is categorical again (None → empty)."""
    cat = as_categorical(series).array
    lookup, categories = _codes_for([fn(v) for v in cat.categories.tolist()])
    codes = lookup[cat.codes]  # code -1 (empty) picks the last slot: -1
    return pd.Series(_categorical(codes, categories), index=series.index, name=series.name)


def broadcast_categorical(series: pd.Series, values: Sequence[object], missing: object = None):
    """Like `broadcast`, but a pandas Categorical (no per-row Python objects); None → empty."""
    lookup, categories = _codes_for([*values, missing])
    codes = _codes(series)
    slots = np.where(codes >= 0, codes, len(values))  # empty cells take the slot of `missing`
    return _categorical(lookup[slots], categories)


def concat_categoricals(parts: list[pd.Categorical]) -> pd.Categorical:
    """The parts one after the other, their categories unioned in one factorization (linear in
    rows and categories; pandas' union_categoricals recodes each part against the whole union)."""
    categories = [np.asarray(p.categories, dtype=object) for p in parts]
    codes_of, union = pd.factorize(np.concatenate(categories) if categories else np.array([]))
    starts = np.cumsum([0, *(len(c) for c in categories)])
    codes = [
        np.append(codes_of[starts[n] : starts[n + 1]], -1)[part.codes]  # code -1 stays empty
        for n, part in enumerate(parts)
    ]
    return pd.Categorical.from_codes(np.concatenate(codes), dtype=categorical_dtype(list(union)))
