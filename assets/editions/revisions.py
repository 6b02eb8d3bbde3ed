"""Edition names and the hold rule for revisions that cannot be differenced (pure functions).

Names: `preliminary` is the first publication; later editions before `final` are
`preliminary-2`, `preliminary-3`, …; `final` is declared explicitly; after it, late data gives
`rev1`, `rev2`, …

Hold rule (DELIVERY.md §6 across revisions): a new edition minus the previous one reveals the
respondents that were added, removed or changed. Per unit, the change group is the number of
records added + removed + changed since the previous edition's input. A unit's change is
released only if every published figure covering it (its own, its pool, county, RHF, size
class, Oslo, national) receives either no released change or released changes of at least the
differencing threshold in total; otherwise the unit's previous rows stay in the edition and the
delivery is held until later changes bring the sums up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

FIRST = "preliminary"
FINAL = "final"
_PRELIMINARY = re.compile(r"preliminary-(\d+)")
_REVISION = re.compile(r"rev(\d+)")
PROVENANCE = ("source_file", "source_sha256", "source_row")


def edition_rank(name: str) -> tuple[int, int]:
    """Sort key: preliminary < preliminary-2 < … < final < rev1 < rev2 < …"""
    if name == FIRST:
        return (0, 1)
    if m := _PRELIMINARY.fullmatch(name):
        return (0, int(m.group(1)))
    if name == FINAL:
        return (1, 0)
    if m := _REVISION.fullmatch(name):
        return (2, int(m.group(1)))
    raise ValueError(f"not an edition name: {name!r}")


def is_edition_name(name: str) -> bool:
    try:
        edition_rank(name)
    except ValueError:
        return False
    return True


def ordered(names: Iterable[str]) -> list[str]:
    return sorted(names, key=edition_rank)


def next_edition(existing: Iterable[str], final: bool = False) -> str:
    """The name of the next edition of a wave that already has `existing` editions."""
    names = ordered(existing)
    is_final = FINAL in names
    if final:
        if is_final:
            raise ValueError("the wave is already final; late data gives numbered revisions")
        return FINAL
    if not names:
        return FIRST
    if is_final:
        revs = [edition_rank(n)[1] for n in names if _REVISION.fullmatch(n)]
        return f"rev{max(revs, default=0) + 1}"
    return f"preliminary-{edition_rank(names[-1])[1] + 1}"


@dataclass(frozen=True)
class UnitChange:
    """How one unit's records differ from the previous edition's input."""

    unit_id: str
    added: int
    removed: int
    changed: int
    old_files: tuple[str, ...]
    new_files: tuple[str, ...]
    new_sha256: tuple[str, ...]

    @property
    def group(self) -> int:
        return self.added + self.removed + self.changed

    @property
    def first_delivery(self) -> bool:
        return not self.old_files


def _text(s: pd.Series) -> pd.Series:
    """A column as text, the same for the same values whatever the dtype (4, 4.0, Int8 4)."""
    if pd.api.types.is_bool_dtype(s):
        s = s.astype("boolean")
    elif pd.api.types.is_numeric_dtype(s):
        s = s.astype("Float64")
    return s.astype("string").fillna("\x00")


def _signatures(frame: pd.DataFrame) -> pd.Series:
    values = frame.drop(columns=[c for c in PROVENANCE if c in frame.columns])
    if values.empty:
        return pd.Series([], dtype="string", index=frame.index)
    cols = [_text(values[c]) for c in sorted(values.columns)]
    return cols[0].str.cat(cols[1:], sep="\x1f")


def _files(frame: pd.DataFrame, column: str) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in frame[column].astype(object).dropna()}))


def unit_change(unit_id: str, old: pd.DataFrame, new: pd.DataFrame) -> UnitChange:
    """Records added, removed and changed (by respondent key) between two versions of a unit."""
    sig_old = dict(zip(old["respondent_key"].astype(str), _signatures(old), strict=True))
    sig_new = dict(zip(new["respondent_key"].astype(str), _signatures(new), strict=True))
    if len(sig_old) != len(old) or len(sig_new) != len(new):  # keys not unique: compare rows
        a, b = _signatures(old).value_counts(), _signatures(new).value_counts()
        both = a.index.union(b.index)
        diff = a.reindex(both, fill_value=0) - b.reindex(both, fill_value=0)
        added, removed, changed = int(diff[diff < 0].abs().sum()), int(diff[diff > 0].sum()), 0
    else:
        common = sig_old.keys() & sig_new.keys()
        added = len(sig_new.keys() - sig_old.keys())
        removed = len(sig_old.keys() - sig_new.keys())
        changed = sum(sig_old[k] != sig_new[k] for k in common)
    return UnitChange(
        unit_id, added, removed, changed,
        _files(old, "source_file"), _files(new, "source_file"), _files(new, "source_sha256"),
    )  # fmt: skip


def unit_changes(previous: pd.DataFrame | None, current: pd.DataFrame) -> dict[str, UnitChange]:
    """Every unit whose delivery (by sha256) differs from the previous edition's input."""
    previous = previous if previous is not None else current.iloc[0:0]
    old_by = {str(u): g for u, g in previous.groupby("unit_id", observed=True)}
    new_by = {str(u): g for u, g in current.groupby("unit_id", observed=True)}
    out = {}
    for unit in sorted(old_by.keys() | new_by.keys()):
        old = old_by.get(unit, previous.iloc[0:0])
        new = new_by.get(unit, current.iloc[0:0])
        if _files(old, "source_sha256") == _files(new, "source_sha256"):
            continue
        change = unit_change(unit, old, new)
        if change.group:
            out[unit] = change
    return out


def releasable(
    groups: Mapping[str, int], figures: Mapping[object, frozenset[str]], threshold: int
) -> set[str]:
    """The largest set of changed units whose released changes no published figure shows as a
    difference of 1 to threshold−1 records (greatest fixed point: drop offenders, repeat)."""
    released = {u for u, g in groups.items() if g > 0}
    while True:
        offenders: set[str] = set()
        for atoms in figures.values():
            inside = released & atoms
            total = sum(groups[u] for u in inside)
            if 0 < total < threshold:
                offenders |= inside
        if not offenders:
            return released
        released -= offenders


def published_figures(
    units: pd.DataFrame, wave: int, shown: pd.DataFrame | None = None
) -> dict[tuple[str, str], frozenset[str]]:
    """Atoms each figure covers (from `units`), for the figures published in `shown` (default
    `units`): a difference between editions shows only in a figure the earlier one published."""
    from quality.attacker import memberships

    u = units[units["wave"].astype(int) == wave]
    s = u if shown is None else shown[shown["wave"].astype(int) == wave]
    s = s[s["published"].astype(bool)]
    keys = set(zip(s["unit_type"].astype(str), s["unit_id"].astype(str), strict=True))
    return {k: atoms for k, atoms in memberships(u, wave).items() if k in keys}
