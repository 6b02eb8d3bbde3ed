"""Change against the previous comparable wave, with a Newcombe interval (pure, vectorised).

A cell is followed over waves by (unit_type, series_key): national `NO`, RHF and size class by
id, a county by `<code list>:<county>` (so only between waves with the same code list), a bydel
by its code, a kommune by its 2024 number (kommune_id_2024; null after a split, which breaks
the series). The previous wave is the latest earlier wave in which that series has the
indicator. It is comparable when the catalogue puts both waves in one series (same wording and
scale), the current wave has exactly one unit in the series, and the unit type is not a pool.
A 2024 merge (several earlier units with one 2024 number) compares with their sum. In the
published table the change is given only when the current cell and every previous cell it
uses are shown exactly (so it reveals nothing new).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.indicators.estimates import change
from schemas.indicator_catalogue import Catalogue

KEY = ["unit_type", "series_key", "indicator_id", "measure"]


def add_change(cells: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Add previous_wave, comparable flags and change columns (internal and published).

    `cells` needs: wave, unit_type, series_key, indicator_id, measure, n_valid, n_positive,
    shown (the exact share is published).
    """
    out = cells.copy()
    have = out[out["series_key"].notna()]
    per = (
        have.groupby([*KEY, "wave"], sort=True)
        .agg(
            n_units=("n_valid", "size"),
            nv=("n_valid", "sum"),
            npos=("n_positive", "sum"),
            all_shown=("shown", "all"),
        )
        .reset_index()
    )
    per = per.sort_values([*KEY, "wave"], kind="stable")
    prev = per.groupby(KEY, sort=False)[["wave", "nv", "npos", "all_shown"]].shift(1)
    per["previous_wave"], per["prev_nv"] = prev["wave"], prev["nv"]
    per["prev_npos"], per["prev_shown"] = prev["npos"], prev["all_shown"]
    out = out.merge(
        per[[*KEY, "wave", "n_units", "previous_wave", "prev_nv", "prev_npos", "prev_shown"]],
        on=[*KEY, "wave"],
        how="left",
    )
    pairs = {
        (ind.item, ind.measure, a, b)
        for ind in catalogue.indicators
        for (a, b), ok in ind.comparable_pairs().items()
        if ok
    }
    pw = out["previous_wave"]
    same_series = [
        pd.notna(p) and (i, m, int(p), int(w)) in pairs
        for i, m, p, w in zip(out["indicator_id"], out["measure"], pw, out["wave"], strict=True)
    ]
    comparable = (
        np.asarray(same_series, dtype=bool)
        & out["n_units"].eq(1).to_numpy()
        & ~out["unit_type"].isin(catalogue.geography.never_comparable).to_numpy()
        & (out["prev_nv"].fillna(0).to_numpy() > 0)
        & (out["n_valid"].to_numpy() > 0)
    )
    d, lo, hi, sig = change(out["n_positive"], out["n_valid"], out["prev_npos"], out["prev_nv"])
    out["internal_comparable"] = comparable
    for name, values in (("change", d), ("change_low", lo), ("change_high", hi)):
        out[f"internal_{name}"] = np.where(comparable, values, np.nan)
    published = comparable & out["shown"].to_numpy(bool) & out["prev_shown"].eq(True).to_numpy()
    out["comparable_with_previous"] = published
    out["change_vs_previous"] = np.where(published, d, np.nan)
    out["change_ci_low"] = np.where(published, lo, np.nan)
    out["change_ci_high"] = np.where(published, hi, np.nan)
    out["change_significant"] = published & sig
    return out.drop(columns=["n_units", "prev_nv", "prev_npos", "prev_shown"])
