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

The same rule holds per item (answers_to_hold): a released delivery of 12 records may bring
only 3 answers to one question, and the national figure of that question, which is never
withheld, would then show how those 3 answered. So per item, the answers a unit's change adds,
removes or alters are released only if every published figure covering the unit receives
either no released change of that item's answers or one that moves its valid answers by at
least the threshold; otherwise that unit's answers to that item stay as the previous edition
had them (held answers, carried from edition to edition until they can be released).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assets.storage import distinct_text

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
        distinct_text(old, "source_file"), distinct_text(new, "source_file"),
        distinct_text(new, "source_sha256"),
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
        if distinct_text(old, "source_sha256") == distinct_text(new, "source_sha256"):
            continue
        change = unit_change(unit, old, new)
        if change.group:
            out[unit] = change
    return out


def _fixed_point(
    changed: set[str],
    figures: Mapping[object, frozenset[str]],
    shows_too_little: Callable[[set[str]], bool],
) -> set[str]:
    """The greatest set of `changed` units no published figure shows too small a part of:
    drop every unit of an offending figure, repeat until none offends."""
    released = set(changed)
    while True:
        offenders: set[str] = set()
        for atoms in figures.values():
            inside = released & atoms
            if inside and shows_too_little(inside):
                offenders |= inside
        if not offenders:
            return released
        released -= offenders


def releasable(
    groups: Mapping[str, int], figures: Mapping[object, frozenset[str]], threshold: int
) -> set[str]:
    """The largest set of changed units whose released changes no published figure shows as a
    difference of 1 to threshold−1 records."""
    changed = {u for u, g in groups.items() if g > 0}
    return _fixed_point(
        changed, figures, lambda inside: 0 < sum(groups[u] for u in inside) < threshold
    )


def group_figures(
    groups: pd.DataFrame, wave: int, shown: pd.DataFrame
) -> dict[tuple[str, str], frozenset[str]]:
    """Atoms of every group of `wave` (levels.groups) that the units table `shown` published:
    a difference between editions shows only in a figure the earlier one published."""
    s = shown[(shown["wave"].astype(int) == wave) & shown["published"].astype(bool)]
    keys = set(zip(s["unit_type"].astype(str), s["unit_id"].astype(str), strict=True))
    g = groups[groups["wave"].astype(int) == wave]
    return {
        (str(t), str(u)): frozenset(str(a) for a in m)
        for t, u, m in zip(g["unit_type"], g["unit_id"], g["members"], strict=True)
        if (str(t), str(u)) in keys
    }


def answers_to_hold(
    base: Mapping[str, np.ndarray],
    new: Mapping[str, np.ndarray],
    valid: Sequence[np.ndarray],
    figures: Mapping[object, frozenset[str]],
    threshold: int,
) -> dict[str, list[int]]:
    """Per unit, the items whose answers stay as in the base edition (see module docstring).

    base / new: unit -> answer counts (items, answer categories) the base edition used and the
    rows of the new edition give (a unit missing from `base` had no answers); valid[j]: which
    categories of item j are valid answers. A unit missing from `new` is left to the unit rule.
    Per item the same fixed point as `releasable`.
    """
    held: dict[str, list[int]] = {}
    units = sorted(new)
    for j, mask in enumerate(valid):
        deltas = {}
        for u in units:
            old = base.get(u)
            d = new[u][j] - (old[j] if old is not None else 0)
            if d.any():
                deltas[u] = d

        def shows_too_little(inside: set[str], deltas=deltas, mask=mask) -> bool:
            total = np.sum([deltas[u] for u in sorted(inside)], axis=0)
            return bool(total.any()) and abs(int(total[mask].sum())) < threshold

        released = _fixed_point(set(deltas), figures, shows_too_little)
        for u in sorted(set(deltas) - released):
            held.setdefault(u, []).append(j)
    return held
