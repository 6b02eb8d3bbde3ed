"""Same inputs and code → same logical content, proved by content hashes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.content_hash import content_hash
from assets.indicators.cells import build_publication
from assets.ingest.deliveries import describe
from assets.ingest.harmonize_wave import harmonize_wave
from assets.ingest.unit_ingest import ingest_unit
from assets.ingest.validate import validate_delivery
from schemas.codebook import codebook_for


def _harmonized(samples: Path) -> pd.DataFrame:
    waves = []
    for folder in sorted((samples / "landing").iterdir()):
        wave = int(folder.name)
        book = codebook_for(wave)
        decoded = []
        for path in sorted(folder.iterdir()):
            delivery = describe(path, wave, book)
            result = validate_delivery(path, delivery.unit_id, book)
            decoded.append(ingest_unit([(delivery, result)], book).validated)
        frames = [d for d in decoded if len(d)]
        waves.append(
            harmonize_wave(pd.concat(frames, ignore_index=True), wave, book.code_list_year)
        )
    return pd.concat(waves, ignore_index=True)


def test_harmonized_and_published_content_is_reproducible(samples: Path) -> None:
    first, second = _harmonized(samples), _harmonized(samples)
    assert content_hash(first) == content_hash(second)
    pub_a, pub_b = build_publication(first), build_publication(second)
    for table in ("cells", "distribution", "units", "suppression_log"):
        assert content_hash(getattr(pub_a, table)) == content_hash(getattr(pub_b, table)), table


def test_content_hash_sees_a_changed_value(samples: Path) -> None:
    frame = _harmonized(samples)
    changed = frame.copy()
    changed.loc[0, "overall_satisfied"] = 5 if changed.loc[0, "overall_satisfied"] != 5 else 4
    assert content_hash(frame) != content_hash(changed)


def test_content_hash_is_logical() -> None:
    """Row order, column order, dtypes and categories do not change it; a value does."""
    a = pd.DataFrame(
        {"unit_id": ["4601", "1515", None], "n": [3, 4, None], "share": [0.5, 1 / 3, None]}
    )
    a["shown"] = [True, False, None]
    b = a.iloc[[2, 0, 1]][["shown", "share", "unit_id", "n"]].copy()
    b["unit_id"] = b["unit_id"].astype("category")
    b["n"] = b["n"].astype("Int16")
    b["shown"] = b["shown"].astype("boolean")
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) == _by_hand(a)
    c = a.copy()
    c.loc[1, "share"] = 0.3334
    assert content_hash(c) != content_hash(a)
    assert content_hash(a.iloc[:2]) != content_hash(a)


def test_content_hash_of_a_table_in_slices_is_the_whole_tables(monkeypatch) -> None:
    """A large table is made into lines and hashed slice by slice: the same hash."""
    import assets.content_hash

    frame = pd.DataFrame(
        {
            "unit_id": pd.Categorical(["4601", "1515", None, "0301", "4601", "1515", "5001"]),
            "n": pd.array([3, 4, None, 1, 2, 9, 9], dtype="Int16"),
            "share": [0.5, 1 / 3, None, 0.25, 0.1, 0.0, 1.0],
            "key": pd.Series(["a1", "b2", None, "c3", "d4", "e5", "f6"], dtype="str"),
        }
    )
    whole = content_hash(frame)
    monkeypatch.setattr(assets.content_hash, "HASH_SLICE_ROWS", 2)
    assert content_hash(frame) == whole == _by_hand(frame)


def test_content_hash_of_many_coded_columns_is_the_recipes() -> None:
    """Neighbouring coded columns (categories, booleans, small integers) are joined through a
    table of their combinations: still the README's recipe, whatever the grouping."""
    import numpy as np

    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame({"id": np.arange(n) * 7})
    for k in range(14):
        codes = rng.integers(-1, 4, n)
        values = pd.array(np.where(codes < 0, 0, codes + 1), dtype="Int8")
        values[codes < 0] = pd.NA
        frame[f"item_{k:02d}"] = values
        frame[f"item_{k:02d}_missing"] = pd.Categorical(
            np.where(codes < 0, "vet_ikke", None), categories=["vet_ikke", "ubesvart"]
        )
    frame["flag"] = pd.array(rng.integers(0, 2, n).astype(bool), dtype="boolean")
    assert content_hash(frame) == _by_hand(frame)


def _by_hand(frame: pd.DataFrame) -> str:
    """The README's recipe for auditors, written out without the project's code."""
    import hashlib

    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return "\\N"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return str(int(v)) if float(v).is_integer() else f"{v:.15g}"
        return str(v)

    columns = sorted(frame.columns)
    rows = sorted(
        "\x1f".join(text(r[c]) for c in columns)
        for r in frame.astype(object).where(frame.notna(), None).to_dict("records")
    )
    body = "\x1f".join(columns) + "\n" + "".join(line + "\n" for line in rows)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def test_content_hash_of_an_arrow_table_is_its_frames() -> None:
    """A unit's part is hashed from the Arrow table it is written from: text dictionaries,
    booleans and small integers are read in Arrow, every other column as pandas has it."""
    import numpy as np
    import pyarrow as pa

    frame = pd.DataFrame(
        {
            "unit": pd.Categorical(["4601", None, "1515"]),
            "small": pd.array([1, None, 300], dtype="Int16"),
            "large": pd.array([1, None, 2**40], dtype="Int64"),
            "share": [0.5, None, 1 / 3],
            "date": pd.to_datetime(
                ["2023-01-01", None, "2024-02-03 04:05:06.123"], format="ISO8601"
            ),
            "local": pd.to_datetime(["2023-01-01", None, "2024-02-03"]).tz_localize("Europe/Oslo"),
            "key": pd.Series(["a1", None, "b2"], dtype="str"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "plain_flag": [True, False, True],
            "coded": pd.Categorical([1, 2, None]),
            "unsigned": np.array([1, 2, 2**63], dtype=np.uint64),
            "byte": np.array([1, 2, 250], dtype=np.uint8),
        }
    )
    many = pd.DataFrame({"unit": pd.Categorical([str(i) for i in range(200)] + [None])})
    for case in (frame, frame.iloc[:0], many):
        table = pa.Table.from_pandas(case, preserve_index=False)
        assert content_hash(table) == content_hash(case)
    plain = frame[["unit", "small", "share", "key", "flag", "plain_flag", "byte"]]
    assert content_hash(pa.Table.from_pandas(plain, preserve_index=False)) == _by_hand(plain)
    # a null among a dictionary's values is an empty cell, as pandas would have it
    nulled = pa.table(
        {
            "x": pa.DictionaryArray.from_arrays(
                pa.array([0, 1, None], pa.int8()), pa.array(["a", None])
            )
        }
    )
    assert content_hash(nulled) == content_hash(pd.DataFrame({"x": ["a", None, None]}))


def test_content_hashes_of_many_tables_are_each_ones(monkeypatch) -> None:
    """A batch's units are hashed together (one pass over their joined row lines): each hash is
    the table's own, whatever its dictionaries, the other tables' schemas or the slicing."""
    import pyarrow as pa

    import assets.content_hash
    from assets.content_hash import content_hashes

    def unit(codes: list[str | None], n: list[int | None], extra: bool = False) -> pa.Table:
        frame = pd.DataFrame(
            {
                "unit_id": pd.Categorical(codes),
                "n": pd.array(n, dtype="Int16"),
                "share": [None if v is None else v / 7 for v in n],
            }
        )
        if extra:
            frame["flag"] = pd.array([True, None, False][: len(frame)], dtype="boolean")
        return pa.Table.from_pandas(frame, preserve_index=False)

    tables = [
        unit(["4601", None, "1515"], [3, None, 300]),
        unit(["0301", "0301"], [1, 2]),  # other dictionary
        unit(["5001", "1515", None], [9, 9, 9], extra=True),  # other schema
        unit([], []),  # empty
        unit(["4601", None, "1515"], [3, None, 300]),  # equal to the first
        unit(["1515"], [300]),
    ]
    each = [content_hash(t) for t in tables]
    assert content_hashes(tables) == each
    assert each[0] == each[4] != each[5]
    monkeypatch.setattr(assets.content_hash, "HASH_SLICE_ROWS", 3)
    assert content_hashes(tables) == each
    assert content_hashes([]) == []
