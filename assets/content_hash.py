"""The logical content hash of a table (content_hash): what an edition's manifest, a unit's
data version and an auditor's recomputation compare. The canonical form is in content_hash's
docstring and README "For auditors"; pandas frames and Arrow tables give the same hash.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.categorical import CategoriesKey, categories_key

NULL = "\\N"
FIELD_SEPARATOR = "\x1f"


def _number_text(values: np.ndarray) -> pa.Array:
    """Numbers as canonical text (non-finite as NULL): whole numbers through Arrow's integer
    cast, the rest with C's %.15g."""
    finite = np.isfinite(values)
    whole = finite & (values == np.round(values)) & (np.abs(values) < 2**53)
    integers = np.where(whole, values, 0).astype(np.int64)
    text = pc.cast(pa.array(integers), pa.large_string())
    rest = finite & ~whole
    if rest.any():
        other = np.full(values.shape, "", dtype=object)
        other[rest] = np.char.mod("%.15g", values[rest]).astype(object)
        text = pc.if_else(pa.array(rest), pa.array(other, type=pa.large_string()), text)
    return pc.if_else(pa.array(finite), text, pa.scalar(NULL, pa.large_string()))


def _timestamp_text(stamps: np.ndarray) -> pa.Array:
    """UTC timestamps (datetime64[us]) as ISO 8601 with microseconds and Z, each distinct
    value formatted once (a wave's dates repeat; NaT rows are masked by the caller)."""
    micros = np.where(np.isnat(stamps), 0, stamps.astype(np.int64))
    distinct, where = np.unique(micros, return_inverse=True)
    text = [dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(m)) for m in distinct.tolist()]
    formatted = pa.array([t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for t in text], pa.large_string())
    return formatted.take(pa.array(where.reshape(-1)))


def _scalar_text(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | float | np.integer | np.floating):
        return _number_text(np.array([float(value)]))[0].as_py()
    if isinstance(value, pd.Timestamp):
        return canonical_text(pd.Series([value]))[0].as_py()
    return str(value)


def coded_text(column: pd.Series) -> tuple[np.ndarray, pa.Array] | None:
    """A column's canonical text as codes into a short table of texts (the last one NULL):
    categories, booleans and integers of a small range; None for any other column."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # each category's text once, then by code
        codes = column.cat.codes.to_numpy()
        lookup = _category_lookup(dtype.categories)
        return np.where(codes < 0, len(lookup) - 1, codes), lookup
    if pd.api.types.is_bool_dtype(dtype):
        return column.to_numpy(dtype=np.int8, na_value=2), BOOLEAN_TEXT  # false, true, null
    exact = _exact_integers(column)
    if exact is not None and exact[2] - exact[1] < SMALL_RANGE:  # each value's text once
        integers, low, high = exact
        lookup = _integer_lookup(low, high)
        return np.where(column.isna().to_numpy(), len(lookup) - 1, integers - low), lookup
    return None


def _exact_integers(column: pd.Series) -> tuple[np.ndarray, int, int] | None:
    """A signed integer column's values (null as 0), their least and greatest, when all are
    exact as float64 too (so that an integer's text is its canonical text); else None."""
    dtype = column.dtype
    if not pd.api.types.is_integer_dtype(dtype) or np.dtype(_numpy_dtype(dtype)) == np.uint64:
        return None
    integers = column.to_numpy(dtype=np.int64, na_value=0)
    low, high = (int(integers.min()), int(integers.max())) if len(integers) else (0, 0)
    return (integers, low, high) if low > -(2**53) and high < 2**53 else None


@functools.lru_cache(maxsize=1024)
def _integer_lookup(low: int, high: int) -> pa.Array:
    """The texts of the integers low..high, then NULL."""
    texts = pc.cast(pa.array(np.arange(low, high + 1)), pa.large_string())
    return pa.concat_arrays([texts, pa.array([NULL], pa.large_string())])


def canonical_text(column: pd.Series) -> pa.Array:
    """A column as canonical text for content_hash (an Arrow large_string array, no nulls).

    Null (None, NaN, NA) is the two characters backslash and N; booleans are true/false;
    numbers are decimal text with up to 15 significant digits (C's %.15g), whole numbers
    without a decimal point (4, 4.0 and Int8 4 are all "4", -0.0 is "0"); timestamps are
    ISO 8601 in UTC with microseconds; everything else (text, categories) is its text.

    Categories, booleans and integers of a small range are written as a lookup table taken by
    code (coded_text; one Arrow call per column: a unit's table has some 80 columns of a few
    thousand rows).
    """
    coded = coded_text(column)
    if coded is not None:
        codes, lookup = coded
        return lookup.take(pa.array(codes))
    return _uncoded_text(column)


def _uncoded_text(column: pd.Series) -> pa.Array:
    """canonical_text of a column that coded_text does not take."""
    dtype = column.dtype
    missing = column.isna().to_numpy()
    exact = _exact_integers(column)
    if exact is not None:
        text = pc.cast(pa.array(exact[0]), pa.large_string())
        return pc.if_else(pa.array(missing), NULL_TEXT, text) if missing.any() else text
    if pd.api.types.is_numeric_dtype(dtype):
        text = _number_text(column.to_numpy(dtype="float64", na_value=np.nan))
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        utc = (
            column.dt.tz_convert("UTC")
            if column.dt.tz is not None
            else column.dt.tz_localize("UTC")
        )
        text = _timestamp_text(utc.dt.tz_localize(None).to_numpy(dtype="datetime64[us]"))
    elif isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":  # Arrow's already
        text = pa.array(column.array)
        text = (text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text).cast(
            pa.large_string()
        )
    else:
        values = column.to_numpy(dtype=object)
        if not isinstance(dtype, pd.StringDtype) and not all(
            isinstance(v, str) for v in values[~missing]
        ):
            values = np.array([_scalar_text(v) for v in values], dtype=object)
        text = pa.array(np.where(missing, NULL, values), type=pa.large_string())
    return pc.if_else(pa.array(missing), NULL_TEXT, text) if missing.any() else text


# Integer columns whose values span fewer than this are written through a table of their texts.
SMALL_RANGE = 4096


def _numpy_dtype(dtype: object) -> object:
    return getattr(dtype, "numpy_dtype", dtype)


NULL_TEXT = pa.scalar(NULL, pa.large_string())
BOOLEAN_TEXT = pa.array(["false", "true", NULL], pa.large_string())
# canonical text of short category lists, made once (see schemas.categorical.categories_key)
_LOOKUPS: dict[tuple[str, CategoriesKey], pa.Array] = {}


def _category_lookup(categories: pd.Index) -> pa.Array:
    """The categories' canonical text, then NULL (the slot of code -1)."""
    key = categories_key(categories)
    if key is None:
        return _lookup_of(categories)
    found = _LOOKUPS.get((str(categories.dtype), key))
    if found is None:
        if len(_LOOKUPS) >= 1024:
            _LOOKUPS.clear()
        found = _LOOKUPS[(str(categories.dtype), key)] = _lookup_of(categories)
    return found


def _lookup_of(categories: pd.Index) -> pa.Array:
    if not len(categories):
        return pa.array([NULL], pa.large_string())
    return pa.concat_arrays(
        [canonical_text(pd.Series(categories)), pa.array([NULL], pa.large_string())]
    )


# Rows per slice of a table made into lines and of the sorted lines hashed: bounds the memory
# of the columns' text (one slice's at a time) and of the joined text.
HASH_SLICE_ROWS = 200_000


def content_hash(frame: pd.DataFrame | pa.Table) -> str:
    """sha256 of a table's logical content: the same rows and values give the same hash, whatever
    the row order, column order, dtypes, categories or file, and whether it is given as pandas or
    as Arrow (a unit's part is hashed from the Arrow table it is written from).

    Canonical form (README "For auditors" recomputes it by hand): the column names sorted and
    joined by the unit separator U+001F as the first line; then every row as its values in that
    column order (canonical_text) joined by U+001F; the row lines sorted by code point (which
    is their UTF-8 byte order, the order Arrow sorts them in); every line ended by a newline;
    the text in UTF-8, hashed with SHA-256.
    """
    if isinstance(frame, pa.Table):
        columns, rows = sorted(frame.column_names), frame.num_rows
        slices = (frame.slice(start, HASH_SLICE_ROWS) for start in range(0, rows, HASH_SLICE_ROWS))
    else:
        columns, rows = sorted(str(c) for c in frame.columns), len(frame)
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        slices = (
            frame.iloc[start : start + HASH_SLICE_ROWS] for start in range(0, rows, HASH_SLICE_ROWS)
        )
    if not (columns and rows):
        return _hash_lines(columns, None)
    return _hash_lines(columns, pa.concat_arrays([_row_lines(part, columns) for part in slices]))


def content_hashes(tables: Sequence[pa.Table]) -> list[str]:
    """content_hash of each Arrow table. The row lines of tables with the same schema are made
    in one pass over them joined (up to HASH_SLICE_ROWS rows at a time), then each table's
    lines sorted and hashed on their own: a batch's units pay the per-column work once, not
    once each (25 units of a 1 M wave: 0.40 → 0.25 s). The same hashes, table by table."""
    digests: list[str | None] = [None] * len(tables)
    same: dict[tuple, list[int]] = {}
    for n, table in enumerate(tables):
        if table.num_rows and table.num_columns:
            key = tuple((f.name, str(f.type)) for f in table.schema)
            same.setdefault(key, []).append(n)
        else:
            digests[n] = content_hash(table)
    for members in same.values():
        for group in _up_to_slice_rows(members, tables):
            columns = sorted(tables[group[0]].column_names)
            joined = pa.concat_tables(
                [tables[n].select(columns).replace_schema_metadata(None) for n in group]
            )
            lines, start = _row_lines(joined, columns), 0
            for n in group:
                digests[n] = _hash_lines(columns, lines.slice(start, tables[n].num_rows))
                start += tables[n].num_rows
    return cast(list[str], digests)  # every table's slot is filled above


def _up_to_slice_rows(members: list[int], tables: Sequence[pa.Table]) -> list[list[int]]:
    groups: list[list[int]] = [[]]
    rows = 0
    for n in members:
        if groups[-1] and rows + tables[n].num_rows > HASH_SLICE_ROWS:
            groups.append([])
            rows = 0
        groups[-1].append(n)
        rows += tables[n].num_rows
    return groups


def _hash_lines(columns: list[str], lines: pa.Array | None) -> str:
    """sha256 of the header line of `columns` and the row `lines` sorted (content_hash)."""
    digest = hashlib.sha256((FIELD_SEPARATOR.join(columns) + "\n").encode("utf-8"))
    if lines is not None and len(lines):
        order = pc.sort_indices(lines)
        newline, empty = pa.scalar("\n", pa.large_string()), pa.scalar("", pa.large_string())
        for start in range(0, len(lines), HASH_SLICE_ROWS):
            part = lines.take(order.slice(start, HASH_SLICE_ROWS))
            ended = pc.binary_join_element_wise(part, newline, empty)
            offsets = np.frombuffer(ended.buffers()[1], dtype=np.int64)
            offsets = offsets[ended.offset : ended.offset + len(ended) + 1]
            digest.update(memoryview(ended.buffers()[2])[offsets[0] : offsets[-1]])
    return digest.hexdigest()


# Neighbouring columns written through a table (coded_text) are joined per combination of their
# codes: each combination's text is made once (at most this many, or the rows if fewer), then
# taken by the rows' combined code, instead of joining every column row by row.
GROUP_COMBINATIONS = 65_536
SEPARATOR_TEXT = pa.scalar(FIELD_SEPARATOR, pa.large_string())


def _row_lines(frame: pd.DataFrame | pa.Table, columns: list[str]) -> pa.Array:
    """Each row's values in `columns` order (canonical_text) joined by U+001F."""
    rows = len(frame)
    limit = min(GROUP_COMBINATIONS, max(rows, 64))
    parts: list[pa.Array] = []
    group: list[tuple[np.ndarray, pa.Array]] = []
    for name in columns:
        column = frame[name]
        coded = _arrow_coded_text(column) if isinstance(column, pa.ChunkedArray) else None
        if coded is None:
            if isinstance(column, pa.ChunkedArray):  # not coded in Arrow: as pandas has it
                column = column.to_pandas()
            coded = coded_text(column)
        combinations = math.prod(len(lookup) for _, lookup in group)
        if group and (coded is None or combinations * len(coded[1]) > limit):
            parts.append(_group_text(group, combinations, rows))
            group = []
        if coded is None:
            parts.append(_uncoded_text(column))
        else:
            group.append(coded)
    if group:
        parts.append(_group_text(group, math.prod(len(t) for _, t in group), rows))
    return pc.binary_join_element_wise(*parts, SEPARATOR_TEXT)


def _arrow_coded_text(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array] | None:
    """coded_text of an Arrow column, read from Arrow (a unit's table has some 80 columns of a
    few thousand rows: converting each to pandas first cost more than its text): text
    dictionaries, booleans and integers of a small range; None for any other column, which is
    then taken as pandas has it (the same canonical text either way)."""
    kind = column.type
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(kind) and (
        pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)
    ):
        lookup = _text_lookup(array.dictionary)
        codes = array.indices.cast(pa.int32()).fill_null(len(lookup) - 1)
        return codes.to_numpy(), lookup
    if pa.types.is_boolean(kind):  # false, true, null
        return pc.fill_null(array.cast(pa.int8()), 2).to_numpy(), BOOLEAN_TEXT
    if pa.types.is_integer(kind) and kind != pa.uint64():
        integers = array.fill_null(0).to_numpy().astype(np.int64)
        low, high = (int(integers.min()), int(integers.max())) if len(integers) else (0, 0)
        if low > -(2**53) and high < 2**53 and high - low < SMALL_RANGE:
            lookup = _integer_lookup(low, high)
            nulls = array.is_null().to_numpy(zero_copy_only=False)
            return np.where(nulls, len(lookup) - 1, integers - low), lookup
    return None


def _text_lookup(dictionary: pa.Array) -> pa.Array:
    """A text dictionary's canonical text (its values), then NULL."""
    values = dictionary.cast(pa.large_string())
    if values.null_count:  # a null in a dictionary is an empty cell as well
        values = pc.fill_null(values, NULL_TEXT)
    return pa.concat_arrays([values, pa.array([NULL], pa.large_string())])


def _group_text(group: list[tuple[np.ndarray, pa.Array]], combinations: int, rows: int) -> pa.Array:
    """The joined text of coded columns, row by row, through a table of every combination."""
    combined = np.zeros(rows, dtype=np.int64)
    combination = np.arange(combinations)
    stride, texts = combinations, []
    for codes, lookup in group:
        stride //= len(lookup)
        combined += codes.astype(np.int64) * stride
        texts.append(lookup.take(pa.array(combination // stride % len(lookup))))
    return pc.binary_join_element_wise(*texts, SEPARATOR_TEXT).take(pa.array(combined))
