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
    out["comparable_reason"] = published_reason(c["comparable_reason"], suppressed)
    out["wave"] = c["wave"].to_numpy(dtype="int64")
    return pd.DataFrame({col: out[col] for col in CELL_COLUMNS})


def published_reason(reason: pd.Series, suppressed: np.ndarray) -> pd.Series:
    """Why no change is given, as published: a withheld cell's reason is `suppressed`."""
    values = reason.to_numpy(dtype=object)
    values = np.where(~suppressed | pd.isna(values), values, "suppressed")
    return pd.Series(values, index=pd.RangeIndex(len(values)), dtype=object)


def distribution_table(
    cells: pd.DataFrame, levels: Levels, gc: Counts, catalogue: Catalogue, edition: str
) -> pd.DataFrame:
    """Answer distribution per published group and item, with the cells' suppression.

    Built from arrays, not row by row: the complement search publishes one item's cells
    hundreds of times (tests/test_disclosure.py checks it against the row-by-row table)."""
    own = cells[_own_cells(cells)]
    shown = own.groupby(["wave", "unit_type", "unit_id", "indicator_id"], sort=False)["shown"].all()
    if shown.empty:
        out = pd.DataFrame({c: [] for c in DIST_COLUMNS}, columns=DIST_COLUMNS)
        return out.astype({"n": "Int64", "share": float, "suppressed": bool})
    level = shown.index.get_level_values
    rows = levels.group_rows
    group_of = np.array(
        [rows[(int(w), t, u)] for w, t, u in zip(level(0), level(1), level(2), strict=True)]
    )
    items = level(3).to_numpy(dtype=object)
    answers = {i: catalogue.by_item(i)[0].answers for i in dict.fromkeys(items)}
    k = np.array([len(answers[i]) for i in items])
    part = np.repeat(np.arange(len(items)), k)  # each output row's (group, item)
    starts = np.concatenate([[0], np.cumsum(k)[:-1]])
    slot = np.arange(int(k.sum())) - starts[part]
    item_index = np.array([gc.item_index(i) for i in items])
    slots = gc.counts[group_of[part], item_index[part], slot]
    asked = np.add.reduceat(slots, starts)[part]
    ok = shown.to_numpy(dtype=bool)[part]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(ok & (asked > 0), slots / np.where(asked > 0, asked, 1), np.nan)
    n = pd.array(slots, dtype="Int64")
    n[~ok] = pd.NA
    out = {
        "wave": level(0).to_numpy(dtype="int64")[part],
        "edition": np.full(len(part), edition, dtype=object),
        "unit_type": level(1).to_numpy(dtype=object)[part],
        "unit_id": level(2).to_numpy(dtype=object)[part],
        "indicator_id": items[part],
        "answer": np.array([a for i in items for a in answers[i]], dtype=object),
        "n": n,
        "share": share.astype(float),
        "suppressed": ~ok,
    }
    return pd.DataFrame(out, columns=DIST_COLUMNS)


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
