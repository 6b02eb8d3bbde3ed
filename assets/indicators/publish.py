"""Assemble the published tables from protected internal cells (pure pandas).

- published cells: exactly the DESIGN.md columns; a suppressed row has null share, n_positive,
  CI and change; a withheld group (pooled unit, group under the threshold, secondary) also has
  null n_respondents and n_valid; pooled units get no cells of their own.
- distribution: per group and item every answer's n and share of those asked; suppressed
  unless every measure of the item is shown exactly for that group.
- units: one row per (wave, unit_type, unit_id) with parents, pool and publication status.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.indicators.counts import Counts
from assets.indicators.levels import Levels
from schemas.indicator_catalogue import Catalogue

CELL_COLUMNS = [
    "wave", "edition", "unit_type", "unit_id", "unit_name", "indicator_id", "measure",
    "n_respondents", "n_valid", "n_positive", "share", "ci_low", "ci_high", "ci_method",
    "display", "suppressed", "suppression_reason", "comparable_with_previous",
    "change_vs_previous", "change_ci_low", "change_ci_high", "change_significant",
    "comparable_reason",
]  # fmt: skip
NO_OWN_CELLS = ("unit_pooled", "unit_pooled_secondary", "pool_below_threshold")
LOG_COLUMNS = ["wave", "edition", "unit_type", "unit_id", "indicator_id", "measure", "rule"]
LOG_COLUMNS += ["detail"]
DIST_COLUMNS = ["wave", "edition", "unit_type", "unit_id", "indicator_id", "answer", "n"]
DIST_COLUMNS += ["share", "suppressed"]
UNIT_COLUMNS = [
    "wave", "edition", "unit_type", "unit_id", "unit_name", "kommune_id", "county_id", "rhf_id",
    "size_class", "n_respondents", "n_respondents_display", "pool_id", "pool_reason",
    "published", "member_units", "publication_note",
]  # fmt: skip
HIDDEN_NOTE = (
    "Tallene publiseres ikke fordi de sammen med andre publiserte tall kunne avsløre svar fra "
    "færre enn {t} personer."
)


def _own_cells(cells: pd.DataFrame) -> pd.Series:
    return ~(cells["is_unit"] & cells["group_rule"].isin(NO_OWN_CELLS))


MASKED_FLOATS = ["share", "ci_low", "ci_high", "change_vs_previous", "change_ci_low"]
MASKED_FLOATS += ["change_ci_high"]


def _masked_int(values: pd.Series, hide: np.ndarray) -> pd.api.extensions.ExtensionArray:
    out = pd.array(values, dtype="Int64", copy=True)
    out[hide] = pd.NA
    return out


def published_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The published cell table from internal cells (rule/group_rule decide what is hidden).

    Built column by column from arrays: the complement search publishes small slices hundreds
    of times, where pandas' per-operation cost, not the rows, is what counts."""
    own = _own_cells(cells).to_numpy(dtype=bool)
    c = cells if own.all() else cells[own]
    suppressed = c["rule"].notna().to_numpy(dtype=bool)
    withheld = c["group_rule"].notna().to_numpy(dtype=bool)
    out = {col: c[col].array for col in CELL_COLUMNS if col in c.columns}
    for col in MASKED_FLOATS:
        values = c[col].to_numpy(dtype=float, na_value=np.nan)
        out[col] = np.where(suppressed, np.nan, values)
    out["n_positive"] = _masked_int(c["n_positive"], suppressed)
    out["n_valid"] = _masked_int(c["n_valid"], withheld)
    out["n_respondents"] = _masked_int(c["n_respondents"], withheld)
    out["suppressed"] = suppressed
    rule = np.where(suppressed, c["rule"].to_numpy(dtype=object), None)
    rows = pd.RangeIndex(len(c))
    out["suppression_reason"] = pd.Series(rule, index=rows, dtype=object)  # not inferred as text
    for col in ("comparable_with_previous", "change_significant"):
        out[col] = c[col].to_numpy(dtype=bool) & ~suppressed
    reason = c["comparable_reason"].to_numpy(dtype=object)
    reason = np.where(~suppressed | pd.isna(reason), reason, "suppressed")
    out["comparable_reason"] = pd.Series(reason, index=rows, dtype=object)
    out["wave"] = c["wave"].to_numpy(dtype="int64")
    return pd.DataFrame({col: out[col] for col in CELL_COLUMNS})


def distribution_table(
    cells: pd.DataFrame, levels: Levels, gc: Counts, catalogue: Catalogue, edition: str
) -> pd.DataFrame:
    """Answer distribution per published group and item, with the cells' suppression."""
    own = cells[_own_cells(cells)]
    shown = own.groupby(["wave", "unit_type", "unit_id", "indicator_id"], sort=False)["shown"].all()
    g = levels.groups.reset_index(drop=True)
    gindex = {
        (int(w), t, u): i
        for i, (w, t, u) in enumerate(zip(g["wave"], g["unit_type"], g["unit_id"], strict=True))
    }
    parts = []
    for (wave, utype, uid, item), ok in shown.items():
        ind = catalogue.by_item(item)[0]
        slots = gc.counts[gindex[(int(wave), utype, uid)], gc.item_index(item), : len(ind.answers)]
        asked = slots.sum()
        parts.append((int(wave), utype, uid, item, ind.answers, slots, asked, bool(ok)))
    rows = {c: [] for c in DIST_COLUMNS}
    for wave, utype, uid, item, answers, slots, asked, ok in parts:
        k = len(answers)
        rows["wave"] += [wave] * k
        rows["edition"] += [edition] * k
        rows["unit_type"] += [utype] * k
        rows["unit_id"] += [uid] * k
        rows["indicator_id"] += [item] * k
        rows["answer"] += list(answers)
        rows["n"] += list(slots) if ok else [None] * k
        rows["share"] += list(slots / asked) if ok and asked else [None] * k
        rows["suppressed"] += [not ok] * k
    out = pd.DataFrame(rows, columns=DIST_COLUMNS)
    out["n"] = out["n"].astype("Int64")
    out["share"] = out["share"].astype(float)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def units_table(
    levels: Levels, respondents: np.ndarray, status: dict, config: object, edition: str
) -> pd.DataFrame:
    """One row per (wave, unit_type, unit_id): parents, respondents if safe, pool, status."""
    g = levels.groups.reset_index(drop=True)
    u = levels.units.set_index(["wave", "unit_id"])
    rows = []
    t = config.unit_threshold
    for i, r in enumerate(g.itertuples(index=False)):
        rule = status.get((int(r.wave), r.unit_type, r.unit_id))
        pool_id = None
        if r.is_unit:
            pool_id = u.loc[(r.wave, r.unit_id), "pool_id"]
        shown = rule is None
        if shown:
            display = str(int(respondents[i]))
        elif rule.startswith(("secondary", "revision")):
            display = "skjult"
        elif rule == "unit_pooled_secondary":
            display = f"minst {t}"  # moved into the pool with t or more respondents
        else:
            display = f"under {t}"
        rows.append(
            dict(
                wave=int(r.wave), edition=edition, unit_type=r.unit_type, unit_id=r.unit_id,
                unit_name=r.unit_name, kommune_id=r.kommune_id, county_id=r.county_id,
                rhf_id=r.rhf_id, size_class=r.size_class,
                n_respondents=int(respondents[i]) if shown else None,
                n_respondents_display=display, pool_id=pool_id if pd.notna(pool_id) else None,
                pool_reason=r.pool_reason, published=shown,
                member_units=",".join(r.members) if r.unit_type == "pool" else None,
                publication_note=HIDDEN_NOTE.format(t=config.differencing_threshold)
                if rule and rule.startswith(("secondary", "revision")) else None,
            )
        )  # fmt: skip
    out = pd.DataFrame(rows, columns=UNIT_COLUMNS)
    out["n_respondents"] = out["n_respondents"].astype("Int64")
    return out


def log_table(logs: list[dict], edition: str) -> pd.DataFrame:
    out = pd.DataFrame(logs, columns=[c for c in LOG_COLUMNS if c != "edition"])
    out.insert(1, "edition", edition)
    out["wave"] = out["wave"].astype("int64")
    return out[LOG_COLUMNS].reset_index(drop=True)
