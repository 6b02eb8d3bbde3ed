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


def asked(c: Counts, item: str) -> np.ndarray:
    """Respondents who were asked the item (any answer or missing kind except not asked)."""
    sub = c.counts[:, c.item_index(item), :]
    return sub[:, :NOT_ASKED].sum(axis=1)
