"""Municipality geography from the project's own snapshot in ``reference/data`` (pure, no Dagster).

A *year* argument always means the code list valid on 1 June of that year: 2017 (426 codes),
2019 (422), 2020-2023 (356), 2024 and later (357). Codes are text with leading zeros; a unit is a
municipality (``0301``) or an Oslo bydel (``030102``). See ``reference/README.md``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
OSLO = "0301"
FIRST_YEAR = 2017
SIZE_BOUNDS: tuple[int, ...] = (5000, 20000, 50000)
_QUALIFIED = re.compile(r"^(.*?)\s*\(([^()]*)\)$")
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "\u00a0": " "})


@functools.lru_cache(maxsize=64)
def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False, encoding="utf-8")


def _on(year: int) -> str:
    if not isinstance(year, int) or year < FIRST_YEAR:
        raise ValueError(f"year must be an int >= {FIRST_YEAR} (snapshot start), got {year!r}")
    return f"{year}-06-01"


def _valid(df: pd.DataFrame, day: str) -> pd.DataFrame:
    return df[(df.valid_from <= day) & ((df.valid_to == "") | (df.valid_to > day))]


@functools.lru_cache(maxsize=64)
def _code_list(year: int) -> pd.DataFrame:
    out = _valid(_read("municipalities.csv"), _on(year)).sort_values("code")
    if out.code.duplicated().any():
        raise RuntimeError(f"municipalities.csv has overlapping periods on {_on(year)}")
    return out.reset_index(drop=True)


def code_list(year: int) -> pd.DataFrame:
    """Municipalities valid on 1 June of ``year``: code, name, county, valid_from, valid_to."""
    out = _code_list(year).copy()
    out["valid_to"] = out["valid_to"].replace("", None)
    return out


def bydeler() -> pd.DataFrame:
    """Oslo's bydeler (city districts): code, name, parent (``0301``)."""
    return _read("bydeler.csv")[["code", "name", "parent"]].copy()


def _column(file: str, key: str, value: str) -> dict[str, str]:
    return dict(zip(_read(file)[key], _read(file)[value], strict=True))


def _county_names() -> dict[str, str]:
    return _column("counties.csv", "code", "name")


def rhf_of_county(county: str) -> str:
    """Health region id (HSO/HV/HMN/HN) of a county code of any era."""
    if county not in (table := _column("counties.csv", "code", "rhf")):
        raise ValueError(f"unknown county code {county!r}")
    return table[county]


def rhf_names() -> dict[str, str]:
    """Health region id -> bokmål name."""
    return _column("health_regions.csv", "rhf", "name")


@functools.lru_cache(maxsize=64)
def _graph() -> tuple[dict[str, list[tuple[str, str, str]]], dict[str, list[str]]]:
    forward: dict[str, list[tuple[str, str, str]]] = {}
    backward: dict[str, list[str]] = {}
    for r in _read("changes.csv").itertuples():
        forward.setdefault(r.old_code, []).append((r.change_date, r.new_code, r.kind))
        if r.old_code != r.new_code:
            backward.setdefault(r.new_code, []).append(r.old_code)
    return forward, backward


def _walk(code: str, start: str, end: str) -> tuple[list[str], bool]:
    """Codes that ``code`` (valid on ``start``) became by ``end``, and whether a split occurred."""
    forward = _graph()[0]
    result: set[str] = set()
    split = False
    stack = [(code, start)]
    while stack:
        cur, day = stack.pop()
        later = [x for x in forward.get(cur, ()) if day < x[0] <= end]
        if not later:
            result.add(cur)
            continue
        first = min(x[0] for x in later)
        step = [x for x in later if x[0] == first]
        split = split or any(kind == "split" for _, _, kind in step)
        stack.extend((new, first) for _, new, _ in step)
    return sorted(result), split


@functools.lru_cache(maxsize=64)
def _valid_units(year: int) -> frozenset[str]:
    codes = set(_code_list(year).code)
    if OSLO in codes:
        codes |= set(_valid(_read("bydeler.csv"), _on(year)).code)
    return frozenset(codes)


def is_valid_unit(code: str, code_list_year: int) -> bool:
    """Municipality valid that year, or a bydel ``0301DD`` while 0301 is valid."""
    return isinstance(code, str) and code in _valid_units(code_list_year)


def _require(code: str, year: int) -> None:
    if not is_valid_unit(code, year):
        raise ValueError(f"{code!r} is not a unit of the {year} code list")


def to_code_list(code: str, from_year: int, to_year: int) -> list[str]:
    """Successors of ``code`` in the ``to_year`` code list (several for a split)."""
    _require(code, from_year)
    if to_year < from_year:
        raise ValueError("only forward mapping (to_year >= from_year) is supported")
    if len(code) == 6:
        return [code]
    return _walk(code, _on(from_year), _on(to_year))[0]


def to_2024(code: str, from_year: int) -> str | None:
    """The code in the 2024 code list, or None when the path includes a split (never guessed)."""
    _require(code, from_year)
    if len(code) == 6:
        return code
    if from_year >= 2024:
        return code if is_valid_unit(code, 2024) else None
    successors, split = _walk(code, _on(from_year), _on(2024))
    return None if split or len(successors) != 1 else successors[0]


@functools.lru_cache(maxsize=64)
def _pop_index() -> dict[str, list[tuple[int, int]]]:
    index: dict[str, list[tuple[int, int]]] = {}
    for r in _read("population.csv").itertuples():
        index.setdefault(r.code, []).append((int(r.code_list_year), int(r.population)))
    return {code: sorted(rows) for code, rows in index.items()}


def population(code: str, code_list_year: int) -> int | None:
    """Population of a unit of that code list (see population.csv ``source``), else None."""
    if not is_valid_unit(code, code_list_year):
        return None
    rows = _pop_index().get(code, [])
    before = [p for y, p in rows if y <= code_list_year]
    after = [p for y, p in rows if y > code_list_year]
    return before[-1] if before else (after[0] if after else None)


def _size_ids(bounds: tuple[int, ...]) -> list[str]:
    if not bounds or any(b <= 0 for b in bounds) or list(bounds) != sorted(set(bounds)):
        raise ValueError(f"bounds must be strictly increasing positive ints, got {bounds!r}")
    ids = [f"s1_under_{bounds[0]}"]
    ids += [f"s{i + 1}_{bounds[i - 1]}_{bounds[i] - 1}" for i in range(1, len(bounds))]
    return [*ids, f"s{len(bounds) + 1}_{bounds[-1]}_plus"]


def size_class(population: int, bounds: tuple[int, ...] = SIZE_BOUNDS) -> str:
    """Size class id, e.g. ``s1_under_5000`` … ``s4_50000_plus`` for the default bounds."""
    return _size_ids(bounds)[sum(population >= b for b in bounds)]


def size_class_labels(
    bounds: tuple[int, ...] = SIZE_BOUNDS, *, short: bool = False
) -> dict[str, str]:
    """Size class id -> bokmål label, e.g. ``under 5 000 innbyggere`` (short: ``under 5 000
    innb.``, ``50 000 innb. og over``)."""
    ids = _size_ids(bounds)
    b = [f"{n:,}".replace(",", " ") for n in (*bounds, *(x - 1 for x in bounds))]
    k = len(bounds)
    word = "innb." if short else "innbyggere"
    labels = [f"under {b[0]} {word}"]
    labels += [f"{b[i - 1]}–{b[k + i]} {word}" for i in range(1, k)]
    labels.append(f"{b[k - 1]} {word} og over")
    return dict(zip(ids, labels, strict=True))


@functools.lru_cache(maxsize=64)
def _unit_table(year: int) -> pd.DataFrame:
    mun = _code_list(year)
    rows = [(r.code, "kommune", r.name, r.code, r.county) for r in mun.itertuples()]
    if OSLO in set(mun.code):
        byd = _valid(_read("bydeler.csv"), _on(year))
        rows += [(r.code, "bydel", r.name, r.parent, "03") for r in byd.itertuples()]
    cols = ["unit_id", "unit_type", "unit_name", "kommune_id", "county_id"]
    t = pd.DataFrame(rows, columns=cols)
    k2024 = [to_2024(k, year) for k in t.kommune_id]
    t["kommune_id_2024"] = pd.Series(k2024, dtype=object)
    t["split_2024"] = [k is None for k in k2024]
    t["rhf_id"] = [rhf_of_county(c) for c in t.county_id]
    t["population"] = pd.array([population(u, year) for u in t.unit_id], dtype="Int64")
    t["size_class"] = [None if pd.isna(p) else size_class(int(p)) for p in t.population]
    order = ["unit_id", "unit_type", "unit_name", "kommune_id", "kommune_id_2024", "split_2024"]
    return t[[*order, "county_id", "rhf_id", "population", "size_class"]].set_index(
        "unit_id", drop=False
    )


def _unit(code: str, year: int) -> pd.Series:
    _require(code, year)
    return _unit_table(year).loc[code]


def unit_name(code: str, code_list_year: int) -> str:
    """Code-list name of a municipality, or a bydel's plain name (``Grünerløkka``)."""
    return str(_unit(code, code_list_year).unit_name)


def county_of(code: str, code_list_year: int) -> str:
    """County code of the unit in that code list (a bydel gives Oslo's ``03``)."""
    return str(_unit(code, code_list_year).county_id)


def unit_geography(codes: Iterable[str], code_list_year: int) -> pd.DataFrame:
    """One row per distinct code (input order) with kommune, 2024 code, county, RHF, size."""
    wanted = list(dict.fromkeys(codes))
    table = _unit_table(code_list_year)
    unknown = [c for c in wanted if c not in table.index]
    if unknown:
        raise ValueError(f"not units of the {code_list_year} code list: {unknown}")
    return table.loc[wanted].reset_index(drop=True)


def normalize_code(value: str | int) -> str:
    """Restore lost leading zeros: ``301`` -> ``0301``, ``30102`` -> ``030102``."""
    text = str(value).strip().removesuffix(".0")
    if not text.isdigit() or len(text) > 6:
        raise ValueError(f"not a municipality or bydel number: {value!r}")
    return text.zfill(4) if len(text) <= 4 else text.zfill(6)


def _norm(text: str) -> str:
    return " ".join(str(text).translate(_DASHES).split()).casefold()


def _parts(name: str) -> set[str]:
    return {p.strip() for p in name.split(" - ") if p.strip()}


def _split_qualifier(name: str) -> tuple[str, str | None]:
    m = _QUALIFIED.match(name)
    return (m[1], m[2]) if m else (name, None)


@functools.lru_cache(maxsize=1024)
def _lineage_counties(kommune: str) -> frozenset[str]:
    """Normalised county names of a code, its predecessors and its successors."""
    forward, backward = _graph()
    seen, names = {kommune}, _county_names()
    for step in (lambda c: [n for _, n, _ in forward.get(c, ())], lambda c: backward.get(c, [])):
        stack = [kommune]
        while stack:
            new = [n for n in step(stack.pop()) if n not in seen]
            seen.update(new)
            stack.extend(new)
    return frozenset(_norm(names[c[:2]]) for c in seen if c[:2] in names)


def names_match(delivered_name: str, code: str, code_list_year: int) -> bool:
    """Whether a delivered unit name fits the code (aliases, Sami/Kven parts, qualifiers)."""
    if not is_valid_unit(code, code_list_year) or not str(delivered_name).strip():
        return False
    unit = _unit(code, code_list_year)
    aliases = _read("name_aliases.csv")
    names = [str(unit.unit_name), *aliases.alias[aliases.code == code]]
    allowed_quals = set(_lineage_counties(str(unit.kommune_id)))
    bases, parts = set(), set()
    for name in names:
        base, qual = _split_qualifier(_norm(name))
        bases.add(base)
        parts |= _parts(base)
        allowed_quals |= {qual} - {None}
    text = _norm(delivered_name).removesuffix(" kommune")
    if unit.unit_type == "bydel":
        text = text.removeprefix("bydel ")
    base, qual = _split_qualifier(text)
    if qual is None and " i " in base:
        head, tail = base.rsplit(" i ", 1)
        if tail in {_norm(n) for n in _county_names().values()}:
            base, qual = head, tail
    if qual is not None and qual not in allowed_quals:
        return False
    return base in bases or (bool(_parts(base)) and _parts(base) <= parts)
