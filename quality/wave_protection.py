"""Apply primary and secondary disclosure control to one wave's internal figures (pure).

Input: the wave's groups (one row per national/RHF/county/size-class/pool/kommune/bydel figure
with its member units), the true counts per group and per unit, the primary group rules and
the earlier editions of the wave. Output: which groups and cells are shown, and a log row for
every decision. See quality.disclosure for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from quality.disclosure import DisclosureConfig, cell_rules, group_rules, primary_cells
from quality.secondary import Decision, Figure, Previous, Rules, protect


@dataclass
class WaveFigures:
    """Everything the protection needs for one wave (arrays are per group / per unit)."""

    wave: int
    groups: pd.DataFrame  # unit_type, unit_id, members, kind, n_respondents, primary_rule
    indicators: list[tuple[str, str]]  # (indicator_id, measure) per column
    n_valid: np.ndarray  # (groups, indicators)
    n_positive: np.ndarray
    unit_ids: list[str]
    unit_r: np.ndarray  # (units,)
    unit_v: np.ndarray  # (units, indicators)
    unit_p: np.ndarray


@dataclass
class WaveOutcome:
    group_rule: list[str | None]
    cell_rule: np.ndarray  # object (groups, indicators): None = shown
    band_text: np.ndarray  # object (groups, indicators)
    log: list[dict] = field(default_factory=list)


def previous_for_wave(
    wave: int, cells: pd.DataFrame | None, units: pd.DataFrame | None, current: list[str]
) -> dict[str, dict]:
    """Per earlier edition: shown respondent and cell counts by key, and absent units."""
    out: dict[str, dict] = {}
    if cells is None or cells.empty:
        return out
    mine = cells[cells["wave"].astype(int) == wave]
    for edition, c in mine.groupby("edition", sort=True):
        keys = list(zip(c["unit_type"], c["unit_id"].astype(str), strict=True))
        resp = {
            k: (float(r),) for k, r in zip(keys, c["n_respondents"], strict=True) if pd.notna(r)
        }
        shown = c["n_positive"].notna() & c["n_valid"].notna()
        cells_by: dict[tuple[str, str], dict] = {}
        for row in c[shown].itertuples(index=False):
            cells_by.setdefault((row.indicator_id, row.measure), {})[
                (row.unit_type, str(row.unit_id))
            ] = (float(row.n_valid), float(row.n_positive))
        absent: set[str] = set()
        if units is not None and not units.empty:
            u = units[units["wave"].astype(int) == wave]
            if "edition" in u.columns:
                u = u[u["edition"] == edition]
            had = set(u.loc[u["unit_type"].isin(["kommune", "bydel"]), "unit_id"].astype(str))
            absent = set(current) - had if had else set()
        out[str(edition)] = {"resp": resp, "cells": cells_by, "absent": absent}
    return out


def _figures(
    w: WaveFigures, values: list[tuple], shown: list[bool], size: list[float]
) -> list[Figure]:
    return [
        Figure((g.unit_type, g.unit_id), frozenset(g.members), v, s, g.kind, z)
        for g, v, s, z in zip(w.groups.itertuples(index=False), values, shown, size, strict=True)
    ]


def _log(
    w: WaveFigures, key: tuple[str, str], ind: tuple[str | None, str | None], rule: str, detail: str
) -> dict:
    return dict(wave=w.wave, unit_type=key[0], unit_id=key[1], indicator_id=ind[0],
                measure=ind[1], rule=rule, detail=detail)  # fmt: skip


def _detail(decision: Decision, config: DisclosureConfig) -> str:
    f = decision.finding
    units = ", ".join(sorted(f.atoms))
    what = "endringen siden utgaven " + f.edition_key if f.kind == "small_change" else "tallene"
    return (
        f"Komplementær skjuling (kostnad {decision.cost:g}) for at {what} for enhetene {units} "
        f"(under {config.differencing_threshold} svar) ikke skal kunne regnes ut ved subtraksjon."
    )


def protect_wave(
    w: WaveFigures, config: DisclosureConfig, previous: dict[str, dict] | None = None
) -> WaveOutcome:
    """Decide what is shown in one wave; log every decision."""
    previous = previous or {}
    g = w.groups
    rule: list[str | None] = [r if isinstance(r, str) else None for r in g["primary_rule"]]
    log = [
        _log(w, (t, u), (None, None), r, d)
        for t, u, r, d in zip(g["unit_type"], g["unit_id"], rule, g["primary_detail"], strict=True)
        if r is not None
    ]
    truth_r = {u: (float(r),) for u, r in zip(w.unit_ids, w.unit_r, strict=True)}
    prevs = [Previous(n, p["resp"], p["absent"]) for n, p in previous.items()]
    figs = _figures(w, [(float(r),) for r in g["n_respondents"]], [r is None for r in rule],
                    list(g["n_respondents"].astype(float)))  # fmt: skip
    if config.secondary_protection:
        for d in protect(figs, truth_r, prevs, Rules(*group_rules(config)), group_level=True):
            i = next(i for i, f in enumerate(figs) if f.key == d.key)
            rule[i] = "revision_group" if d.revision else "secondary_group"
            log.append(_log(w, d.key, (None, None), rule[i], _detail(d, config)))
    cell_rule, band = primary_cells(w.n_valid, w.n_positive, config)
    shown_group = np.array([r is None for r in rule])
    cell_rule[~shown_group, :] = np.array(rule, dtype=object)[~shown_group, None]
    keys = list(zip(g["unit_type"], g["unit_id"], strict=True))
    for j, ind in enumerate(w.indicators):
        for i in np.flatnonzero(shown_group & (cell_rule[:, j] != None)):  # noqa: E711
            log.append(_log(w, keys[i], ind, cell_rule[i, j], "Primærregel."))
        if not config.secondary_protection:
            continue
        values = list(
            zip(w.n_valid[:, j].astype(float), w.n_positive[:, j].astype(float), strict=True)
        )
        figs = _figures(w, values, [r is None for r in cell_rule[:, j]], list(w.n_valid[:, j]))
        truth = {
            u: (float(v), float(p))
            for u, v, p in zip(w.unit_ids, w.unit_v[:, j], w.unit_p[:, j], strict=True)
        }
        prev_j = [Previous(n, p["cells"].get(ind, {}), p["absent"]) for n, p in previous.items()]
        for d in protect(figs, truth, prev_j, Rules(*cell_rules(config))):
            i = keys.index(d.key)
            cell_rule[i, j] = "revision_cell" if d.revision else "secondary_cell"
            log.append(_log(w, d.key, ind, cell_rule[i, j], _detail(d, config)))
    return WaveOutcome(rule, cell_rule, band, log)
