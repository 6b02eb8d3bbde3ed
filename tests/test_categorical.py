"""The category-code helpers every column transform goes through (schemas/categorical.py):
their fast paths give exactly what the plain per-value construction gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from schemas.categorical import (
    _codes_for,
    all_missing,
    broadcast,
    broadcast_categorical,
    broadcast_masked,
    map_categories,
)

CELLS = pd.Series(pd.Categorical(["b", None, "a", "b", "c", None]))  # categories a, b, c


@pytest.mark.parametrize(
    ("values", "missing", "dtype"),
    [
        ([3, None, 7], None, "Int16"),
        ([1, 2, 3], 0, "Int8"),
        ([True, None, False], False, "boolean"),
        ([None, None, None], None, "boolean"),
    ],
)
def test_broadcast_masked_is_the_nullable_array_of_broadcast(values, missing, dtype):
    expected = pd.array(list(broadcast(CELLS, values, missing)), dtype=dtype)
    got = broadcast_masked(CELLS, values, missing, dtype)
    assert str(got.dtype) == dtype
    pd.testing.assert_extension_array_equal(got, expected)


def test_broadcast_with_a_dtype_gives_that_dtype():
    got = broadcast(CELLS, [1, 2, 3], 0, np.int8)
    assert got.dtype == np.int8
    assert got.tolist() == [2, 0, 1, 2, 3, 0]


def test_all_missing_is_n_missing_values():
    for dtype in ("Int8", "Int16", "boolean"):
        got = all_missing(4, dtype)
        pd.testing.assert_extension_array_equal(got, pd.array([pd.NA] * 4, dtype=dtype))


def _codes_by_dict(values):
    index: dict[object, int] = {}
    codes = [-1 if v is None else index.setdefault(v, len(index)) for v in values]
    return [*codes, -1], list(index)


@pytest.mark.parametrize(
    "values",
    [
        ["x", None, "y", "x", "", "z", None],  # text: factorized
        [],
        [None, None],
        [1, 1.0, True, 2, None, 2.0],  # numbers: one category per equal value, as a dict
        ["1", 1, None, "1"],  # mixed: not text only
        ["a", float("nan"), "a"],  # NaN is a value here, not an empty cell
    ],
)
def test_codes_for_matches_a_dict_of_first_appearances(values):
    codes, categories = _codes_for(values)
    expected_codes, expected_categories = _codes_by_dict(values)
    assert codes.tolist() == expected_codes
    assert len(categories) == len(expected_categories)
    for got, expected in zip(categories, expected_categories, strict=True):
        assert type(got) is type(expected)
        assert got == expected or (got != got and expected != expected)


def test_map_categories_and_broadcast_categorical_keep_order_and_empties():
    upper = map_categories(CELLS, lambda v: "X" if v in ("a", "c") else v.upper())
    assert upper.tolist()[:5] == ["B", np.nan, "X", "B", "X"]
    assert list(upper.cat.categories) == ["X", "B"]  # first appearance among a, b, c
    slots = broadcast_categorical(CELLS, ["p", None, "q"], "tom")
    assert list(slots) == [np.nan, "tom", "p", np.nan, "q", "tom"]
