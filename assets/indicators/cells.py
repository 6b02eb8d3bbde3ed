"""Indicator cells for every wave, level and indicator; disclosure control; the publication.

`build_publication(harmonized, edition, config, previous_editions, previous_units)` is the
single entry point. It counts answers per unit (assets.indicators.counts), forms every
reporting group and pool (assets.indicators.levels), protects each wave
(quality.wave_protection), adds change against the previous comparable wave
(assets.indicators.change) and assembles the published tables (assets.indicators.publish).
Every wave present in `harmonized` is published with the given edition name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assets.indicators.change import add_change
from assets.indicators.counts import (
    group_counts,
    membership,
    unit_counts,
    valid_positive,
    with_held_answers,
)
from assets.indicators.estimates import CI_METHOD, format_percent, share, wilson
from assets.indicators.levels import Levels, build_levels
from assets.indicators.publish import (
    CELL_COLUMNS,
    DIST_COLUMNS,
    UNIT_COLUMNS,
    distribution_table,
    log_table,
    published_cells,
    units_table,
)
from quality.audit_repair import Tables, repair, repair_groups
from quality.disclosure import HIDDEN, DisclosureConfig, default_config, display_for
from quality.interval_audit import audit
from quality.wave_protection import WaveFigures, previous_for_wave, protect_wave
from schemas.indicator_catalogue import Catalogue, load_catalogue


@dataclass(frozen=True)
class Publication:
    cells: pd.DataFrame  # the published cell table (DESIGN.md)
    distribution: pd.DataFrame  # answer distributions, same suppression
    units: pd.DataFrame  # one row per (wave, unit_type, unit_id)
    suppression_log: pd.DataFrame  # one row per decision
    internal_cells: pd.DataFrame  # unsuppressed; never published


def _primary_group_rules(levels: Levels, config: DisclosureConfig, resp: np.ndarray) -> tuple:
    g = levels.groups
    rules, details = [], []
    for row, n in zip(g.itertuples(index=False), resp, strict=True):
        rule, detail = None, None
        if row.is_unit and row.pool_rule is not None:
            rule, detail = row.pool_rule, row.pool_reason
        elif row.unit_type == "pool" and row.pool_rule == "pool_below_threshold":
            rule, detail = "pool_below_threshold", row.pool_reason
        elif n < config.unit_threshold:
            rule = "group_below_threshold"
            detail = f"Færre enn {config.unit_threshold} svar i gruppen."
        rules.append(rule)
        details.append(detail)
    return rules, details


def _empty(edition: str) -> Publication:
    cells = pd.DataFrame(columns=CELL_COLUMNS)
    dist = pd.DataFrame(columns=DIST_COLUMNS)
    units = pd.DataFrame(columns=UNIT_COLUMNS)
    return Publication(cells, dist, units, log_table([], edition), cells.copy())


def _pool_log(levels: Levels) -> list[dict]:
    """One log row per widened pool (the decision of DELIVERY.md §6 to widen it)."""
    g = levels.groups
    pools = g[
        (g["unit_type"] == "pool") & g["pool_stage"].isin(["neighbour", "national_size", "all"])
    ]
    return [
        dict(wave=int(r.wave), unit_type="pool", unit_id=r.unit_id, indicator_id=None,
             measure=None, rule=f"pool_widened_{r.pool_stage}", detail=r.pool_reason)
        for r in pools.itertuples(index=False)
    ]  # fmt: skip


def _wave_figures(
    wave: int, gidx: np.ndarray, uidx: np.ndarray, levels: Levels, inds: list, gc, uc, rules: tuple
) -> WaveFigures:
    g = levels.groups.iloc[gidx].reset_index(drop=True)
    kind = np.where(g["is_oslo_aggregate"], "oslo", g["unit_type"])
    frame = pd.DataFrame(
        {
            "unit_type": g["unit_type"],
            "unit_id": g["unit_id"],
            "members": g["members"],
            "kind": kind,
            "n_respondents": gc.respondents[gidx],
            "primary_rule": [rules[0][i] for i in gidx],
            "primary_detail": [rules[1][i] for i in gidx],
        }
    )

    def stack(c, idx: np.ndarray, k: int) -> np.ndarray:
        cols = [valid_positive(c, ind)[k][idx] for ind in inds]
        return np.column_stack(cols) if cols else np.zeros((len(idx), 0), dtype=np.int64)

    gv, gp, uv, up = stack(gc, gidx, 0), stack(gc, gidx, 1), stack(uc, uidx, 0), stack(uc, uidx, 1)
    units = levels.units.iloc[uidx]
    return WaveFigures(
        wave, frame, [(i.item, i.measure) for i in inds], gv, gp,
        list(units["unit_id"]), uc.respondents[uidx], uv, up,
    )  # fmt: skip


def _cell_rows(
    w: WaveFigures, gidx: np.ndarray, outcome, levels: Levels, edition: str
) -> pd.DataFrame:
    n_g, n_i = w.n_valid.shape
    g = levels.groups.iloc[gidx].reset_index(drop=True)
    rep = np.repeat(np.arange(n_g), n_i)
    nv, npos = w.n_valid.ravel(), w.n_positive.ravel()
    low, high = wilson(npos, nv)
    rule = outcome.cell_rule.ravel()
    band = outcome.band_text.ravel()
    s = share(npos, nv)
    frame = pd.DataFrame(
        {
            "wave": np.full(n_g * n_i, w.wave, dtype=np.int64),
            "edition": edition,
            "unit_type": g["unit_type"].to_numpy()[rep],
            "unit_id": g["unit_id"].to_numpy()[rep],
            "unit_name": g["unit_name"].to_numpy()[rep],
            "indicator_id": [ind[0] for ind in w.indicators] * n_g,
            "measure": [ind[1] for ind in w.indicators] * n_g,
            "n_respondents": np.repeat(w.groups["n_respondents"].to_numpy(), n_i),
            "n_valid": nv,
            "n_positive": npos,
            "share": s,
            "ci_low": low,
            "ci_high": high,
            "ci_method": CI_METHOD,
            "rule": rule,
            "band_text": band,
            "series_key": g["series_key"].to_numpy()[rep],
            "is_unit": g["is_unit"].to_numpy()[rep],
            "level": g["level"].to_numpy()[rep],
            "group_rule": np.repeat(np.array(outcome.group_rule, dtype=object), n_i),
        }
    )
    frame["shown"] = frame["rule"].isna() & (frame["n_valid"] > 0)
    frame["display"] = [
        format_percent(v) if r is None and not np.isnan(v) else display_for(r or "item", b)
        for v, r, b in zip(s, rule, band, strict=True)
    ]
    return frame


CHANGE_COLUMNS = [
    "previous_wave", "internal_comparable", "internal_change", "internal_change_low",
    "internal_change_high", "comparable_with_previous", "change_vs_previous", "change_ci_low",
    "change_ci_high", "change_significant",
]  # fmt: skip


def _group_repair(
    cells: pd.DataFrame, levels: Levels, gc, catalogue: Catalogue, config: DisclosureConfig,
    edition: str, status: dict,
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:  # fmt: skip
    """Withhold whole groups where the interval audit pins a small respondent count."""
    published = published_cells(cells)

    def units_for(shown: set) -> pd.DataFrame:
        st = {
            k: (r if r is not None or k in shown else "secondary_group") for k, r in status.items()
        }
        return units_table(levels, gc.respondents, st, config, edition)

    def check(shown: set) -> list:
        r = audit(published, units_for(shown), None, config, catalogue=catalogue, items=[],
                  change_columns=False)  # fmt: skip
        return r.findings

    shown = {k for k, r in status.items() if r is None}
    findings = check(shown)
    if not findings:
        return cells, units_for(shown), []
    g = levels.groups
    groups = [
        ((int(w), t, u), "oslo" if o else t, float(n), frozenset(m))
        for w, t, u, o, n, m in zip(g["wave"], g["unit_type"], g["unit_id"],
                                    g["is_oslo_aggregate"], gc.respondents, g["members"],
                                    strict=True)
    ]  # fmt: skip
    before = set(shown)
    log = repair_groups(groups, shown, findings, check)
    cells = cells.copy()
    for key in sorted(before - shown):
        status[key] = "secondary_group"
        rows = (cells["wave"] == key[0]) & (cells["unit_type"] == key[1])
        rows &= cells["unit_id"] == key[2]
        cells.loc[rows, ["rule", "group_rule", "display"]] = ["secondary_group"] * 2 + [HIDDEN]
        cells.loc[rows, "shown"] = False
    cells = add_change(cells.drop(columns=CHANGE_COLUMNS), catalogue)
    return cells, units_for(shown), log


def _audit_repair(
    cells: pd.DataFrame, levels: Levels, gc, catalogue: Catalogue, config: DisclosureConfig,
    edition: str, units: pd.DataFrame, previous_editions: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[dict]]:  # fmt: skip
    """Audit the candidate publication by intervals; hide cost-ranked complements where needed."""
    g = levels.groups
    members = {
        (int(w), t, u): frozenset(m)
        for w, t, u, m in zip(g["wave"], g["unit_type"], g["unit_id"], g["members"], strict=True)
    }
    kinds = {
        (int(w), t, u): ("oslo" if o else t)
        for w, t, u, o in zip(
            g["wave"], g["unit_type"], g["unit_id"], g["is_oslo_aggregate"], strict=True
        )
    }

    def publish(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        dist = distribution_table(rows, levels, gc, catalogue, edition)
        waves = set(rows["wave"].astype(int))
        return published_cells(rows), units[units["wave"].isin(waves)], dist

    cells, carried = _carry_complements(cells.reset_index(drop=True), previous_editions)
    first = audit(*publish(cells), config, catalogue=catalogue, change_columns=False)
    if first.passed:
        if carried:
            cells = add_change(cells.drop(columns=CHANGE_COLUMNS), catalogue)
        return cells, carried
    cells, log = repair(cells, Tables(publish), members, kinds, config, catalogue,
                        first.findings)  # fmt: skip
    cells = add_change(cells.drop(columns=CHANGE_COLUMNS), catalogue)
    return cells, carried + log


CELL_KEY = ["wave", "unit_type", "unit_id", "indicator_id", "measure"]


def _carry_complements(
    cells: pd.DataFrame, previous_editions: pd.DataFrame | None
) -> tuple[pd.DataFrame, list[dict]]:
    """A revision keeps the complements of the wave's earlier editions: a cell an earlier
    edition withheld as a complement (`secondary_cell`) and that is still shown without a rule
    of its own is withheld again before the audit. Stable patterns cost the audit little (the
    earlier choice usually still protects), keep users' tables alike between editions, and a
    cell that stays withheld cannot be differenced. Cells withheld by a primary rule that no
    longer holds are released as before."""
    if previous_editions is None or previous_editions.empty:
        return cells, []
    earlier = previous_editions[previous_editions["suppression_reason"] == "secondary_cell"]
    earlier = earlier[earlier["wave"].isin(set(cells["wave"]))]
    if earlier.empty:
        return cells, []
    keys = set(map(tuple, earlier[CELL_KEY].astype(str).to_numpy()))
    mine = map(tuple, cells[CELL_KEY].astype(str).to_numpy())
    hit = np.array([k in keys for k in mine]) & cells["rule"].isna().to_numpy()
    hit &= cells["shown"].to_numpy(dtype=bool)
    cells = cells.copy()
    cells.loc[hit, "rule"] = "secondary_cell"
    cells.loc[hit, "shown"] = False
    cells.loc[hit, "display"] = HIDDEN
    log = [
        dict(
            wave=int(r.wave),
            unit_type=r.unit_type,
            unit_id=r.unit_id,
            indicator_id=r.indicator_id,
            measure=r.measure,
            rule="secondary_cell",
            detail="Komplementær skjuling beholdt fra en tidligere utgave av bølgen: "
            "skjulte tall forblir skjult mellom utgavene, så endringen ikke kan regnes ut.",
        )
        for r in cells[hit].itertuples(index=False)
    ]
    return cells, log


def build_publication(
    harmonized: pd.DataFrame,
    edition: str = "preliminary",
    config: DisclosureConfig | None = None,
    previous_editions: pd.DataFrame | None = None,
    previous_units: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
    held_answers: pd.DataFrame | None = None,
) -> Publication:
    """The publication of every wave in `harmonized` (see module docstring).

    held_answers (assets.indicators.counts.HELD_COLUMNS): answers of a revision held back per
    unit and item; those units' counts of the item are the ones given there.
    """
    config = config or default_config()
    catalogue = catalogue or load_catalogue()
    if harmonized.empty:
        return _empty(edition)
    levels = build_levels(harmonized, config, catalogue.geography.code_list_by_wave)
    uc = with_held_answers(unit_counts(harmonized, catalogue), harmonized, held_answers)
    gc = group_counts(uc, membership(levels.groups, levels.units))
    rules = _primary_group_rules(levels, config, gc.respondents)
    frames, logs, group_status = [], [], {}
    for wave in sorted(levels.units["wave"].unique()):
        gidx = np.flatnonzero(levels.groups["wave"].to_numpy() == wave)
        uidx = np.flatnonzero(levels.units["wave"].to_numpy() == wave)
        inds = list(catalogue.for_wave(int(wave)))
        w = _wave_figures(int(wave), gidx, uidx, levels, inds, gc, uc, rules)
        prev = previous_for_wave(int(wave), previous_editions, previous_units, w.unit_ids)
        outcome = protect_wave(w, config, prev)
        frames.append(_cell_rows(w, gidx, outcome, levels, edition))
        logs += outcome.log
        group_status.update(
            {
                (int(wave), t, u): r
                for t, u, r in zip(
                    w.groups["unit_type"], w.groups["unit_id"], outcome.group_rule, strict=True
                )
            }
        )
    logs += _pool_log(levels)
    cells = add_change(pd.concat(frames, ignore_index=True), catalogue)
    units = units_table(levels, gc.respondents, group_status, config, edition)
    if config.secondary_protection:
        cells, units, repaired = _group_repair(cells, levels, gc, catalogue, config, edition,
                                               group_status)  # fmt: skip
        logs += repaired
        cells, repaired = _audit_repair(
            cells, levels, gc, catalogue, config, edition, units, previous_editions
        )
        logs += repaired
    order = {ind.id: i for i, ind in enumerate(catalogue.indicators)}
    cells["ind_order"] = [
        order[catalogue.get(i, m).id]
        for i, m in zip(cells["indicator_id"], cells["measure"], strict=True)
    ]
    cells = cells.sort_values(["wave", "level", "unit_id", "ind_order"], kind="stable")
    cells = cells.reset_index(drop=True)
    return Publication(
        cells=published_cells(cells),
        distribution=distribution_table(cells, levels, gc, catalogue, edition),
        units=units,
        suppression_log=log_table(logs, edition),
        internal_cells=cells,
    )
