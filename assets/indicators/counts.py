"""Answer counts per unit and per reporting group, vectorised (one bincount per item).

Every indicator item is coded into ANSWER_SLOTS slots: for degree items 1..5 (slots 0-4),
vet_ikke, ikke_aktuelt, ubesvart (5-7); for ja/nei items ja, nei, vet_ikke, ikke_aktuelt,
ubesvart (0-4). Slot 8 means "not asked" (ikke_spurt or null) and is never counted as an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assets.indicators.levels import unit_keys
from schemas.indicator_catalogue import Catalogue, Indicator
from schemas.questionnaire import missing_column

ANSWER_SLOTS = 9
NOT_ASKED = 8
DEGREE_MISSING = ["vet_ikke", "ikke_aktuelt", "ubesvart", "ikke_spurt"]
JA_NEI = ["ja", "nei", "vet_ikke", "ikke_aktuelt", "ubesvart"]


@dataclass(frozen=True)
class Counts:
    """Answer counts: counts[row, item, slot] for units (rows of the unit table) or groups."""

    items: tuple[str, ...]
    counts: np.ndarray  # int64 (rows, items, ANSWER_SLOTS)
    respondents: np.ndarray  # int64 (rows,)

    def item_index(self, item: str) -> int:
        return self.items.index(item)


def _codes(harmonized: pd.DataFrame, item: str, denominator: str) -> np.ndarray:
    if denominator == "ja_nei":
        codes = pd.Categorical(harmonized[item], categories=JA_NEI).codes.astype(np.int64)
        return np.where(codes < 0, NOT_ASKED, codes)
    values = harmonized[item].to_numpy(dtype="float64", na_value=np.nan)
    missing = pd.Categorical(harmonized[missing_column(item)], categories=DEGREE_MISSING).codes
    from_missing = np.where(missing < 0, NOT_ASKED, missing.astype(np.int64) + 5)
    slot = np.where(np.isnan(values), from_missing, np.nan_to_num(values) - 1)
    slot = np.where((slot < 0) | (slot > NOT_ASKED), NOT_ASKED, slot)
    return slot.astype(np.int64)


def unit_counts(harmonized: pd.DataFrame, catalogue: Catalogue) -> Counts:
    """Counts per (wave, unit_id), in sorted (wave, unit_id) order like levels.unit_table."""
    key = unit_keys(harmonized).codes
    n_units = int(key.max()) + 1 if len(key) else 0
    items = catalogue.items()
    out = np.zeros((n_units, len(items), ANSWER_SLOTS), dtype=np.int64)
    for j, item in enumerate(items):
        denominator = catalogue.by_item(item)[0].denominator
        codes = _codes(harmonized, item, denominator)
        flat = np.bincount(key * ANSWER_SLOTS + codes, minlength=n_units * ANSWER_SLOTS)
        out[:, j, :] = flat.reshape(n_units, ANSWER_SLOTS)
    respondents = np.bincount(key, minlength=n_units).astype(np.int64)
    return Counts(items, out, respondents)


def membership(groups: pd.DataFrame, units: pd.DataFrame) -> np.ndarray:
    """0/1 matrix (groups, units): which units each group covers (same wave)."""
    index = {
        (int(w), u): i for i, (w, u) in enumerate(zip(units["wave"], units["unit_id"], strict=True))
    }
    m = np.zeros((len(groups), len(units)), dtype=np.float64)
    for gi, (wave, members) in enumerate(zip(groups["wave"], groups["members"], strict=True)):
        m[gi, [index[(int(wave), u)] for u in members]] = 1.0
    return m


def group_counts(unit: Counts, m: np.ndarray) -> Counts:
    """Sum unit counts into groups with the membership matrix."""
    flat = unit.counts.reshape(unit.counts.shape[0], -1).astype(np.float64)
    summed = np.rint(m @ flat).astype(np.int64).reshape(m.shape[0], *unit.counts.shape[1:])
    respondents = np.rint(m @ unit.respondents.astype(np.float64)).astype(np.int64)
    return Counts(unit.items, summed, respondents)


def valid_positive(c: Counts, ind: Indicator) -> tuple[np.ndarray, np.ndarray]:
    """(n_valid, n_positive) of an indicator for every row of a Counts."""
    sub = c.counts[:, c.item_index(ind.item), :]
    if ind.denominator == "ja_nei":
        valid = sub[:, 0] + sub[:, 1]
        positive = sub[:, 0]
    else:
        valid = sub[:, 0:5].sum(axis=1)
        positive = sub[:, [int(code) - 1 for code in ind.positive_codes]].sum(axis=1)
    return valid, positive


def valid_slots(catalogue: Catalogue, items: tuple[str, ...]) -> list[np.ndarray]:
    """Per item, which of the answer slots (0..NOT_ASKED-1) are valid answers (n_valid)."""
    out = []
    for item in items:
        mask = np.zeros(NOT_ASKED, dtype=bool)
        mask[[0, 1] if catalogue.by_item(item)[0].denominator == "ja_nei" else list(range(5))] = 1
        out.append(mask)
    return out


def asked(c: Counts, item: str) -> np.ndarray:
    """Respondents who were asked the item (any answer or missing kind except not asked)."""
    sub = c.counts[:, c.item_index(item), :]
    return sub[:, :NOT_ASKED].sum(axis=1)


# --- answers held back from a revision (assets.editions.revisions.answers_to_hold) ------------

HELD_SLOTS = [f"slot_{k}" for k in range(NOT_ASKED)]
HELD_COLUMNS = ["wave", "unit_id", "item", *HELD_SLOTS]


def empty_held_answers() -> pd.DataFrame:
    """The held-answers table with no rows: (wave, unit_id, item) and the answer counts used."""
    frame = pd.DataFrame({c: pd.Series(dtype="int64") for c in HELD_COLUMNS})
    return frame.astype({"unit_id": "string", "item": "string"})


def counts_by_unit(unit: Counts, harmonized: pd.DataFrame) -> dict[tuple[int, str], np.ndarray]:
    """(wave, unit_id) -> the unit's answer counts (items, NOT_ASKED) of a unit_counts result."""
    table = unit_keys(harmonized).table
    keys = zip(table["wave"].astype(int), table["unit_id"].astype(str), strict=True)
    return {k: unit.counts[i, :, :NOT_ASKED] for i, k in enumerate(keys)}


def with_held_answers(unit: Counts, harmonized: pd.DataFrame, held: pd.DataFrame | None) -> Counts:
    """Unit counts (of `harmonized`) where every held (wave, unit_id, item) has the answer
    counts of `held`, the ones the previous edition used. Those of a
    unit's respondents whose held answers are not used count as not asked, so the respondent
    count stays; held answers above a unit's respondents are inconsistent and raise ValueError.
    """
    if held is None or held.empty:
        return unit
    table = unit_keys(harmonized).table
    row = {
        (int(w), str(u)): i
        for i, (w, u) in enumerate(zip(table["wave"], table["unit_id"], strict=True))
    }
    counts = unit.counts.copy()
    slots = held[HELD_SLOTS].to_numpy(dtype=np.int64)
    for r, values in zip(held.itertuples(index=False), slots, strict=True):
        key = (int(r.wave), str(r.unit_id))
        if key not in row:
            raise ValueError(f"held answers for {key}, a unit without respondents")
        i, j = row[key], unit.item_index(str(r.item))
        if (values < 0).any() or values.sum() > unit.respondents[i]:
            raise ValueError(f"held answers of {key} {r.item} exceed its respondents")
        counts[i, j, :NOT_ASKED] = values
        counts[i, j, NOT_ASKED] = unit.respondents[i] - values.sum()
    return Counts(unit.items, counts, unit.respondents)
