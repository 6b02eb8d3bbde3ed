"""Change against the previous comparable wave, with a Newcombe interval (pure, vectorised).

A cell is followed over waves by (unit_type, series_key): national `NO`, RHF and size class by
id, a county by `<code list>:<county>` (so only between waves with the same code list), a bydel
by its code, a kommune by its 2024 number (kommune_id_2024; null after a split, which breaks
the series). The previous wave is the latest earlier wave in which that series has the
indicator. It is comparable when the catalogue puts both waves in one series (same wording and
scale), the current wave has exactly one unit in the series, and the unit type is not a pool.
A 2024 merge (several earlier units with one 2024 number) compares with their sum, and only
when every predecessor took part in the previous wave. `comparable_reason` says why a change
is not given: `previous_suppressed` (the previous figure is withheld: "forrige tall er
skjermet"), `question_changed`, `geography_changed`, `geography_split`, `unit_type`,
`suppressed`, `no_previous`. In the
published table the change is given only when the current cell and every previous cell it
uses are shown exactly (so it reveals nothing new).
"""

from __future__ import annotations

from collections import Counter

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
    prev = per.groupby(KEY, sort=False)[["wave", "nv", "npos", "all_shown", "n_units"]].shift(1)
    per["previous_wave"], per["prev_nv"] = prev["wave"], prev["nv"]
    per["prev_npos"], per["prev_shown"] = prev["npos"], prev["all_shown"]
    per["prev_units"] = prev["n_units"]
    out = out.merge(
        per[[*KEY, "wave", "n_units", "previous_wave", "prev_nv", "prev_npos", "prev_shown",
             "prev_units"]],
        on=[*KEY, "wave"],
        how="left",
    )  # fmt: skip
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
    complete = _predecessors_complete(out, catalogue)
    comparable = (
        np.asarray(same_series, dtype=bool)
        & out["n_units"].eq(1).to_numpy()
        & complete
        & ~out["unit_type"].isin(catalogue.geography.never_comparable).to_numpy()
        & (out["prev_nv"].fillna(0).to_numpy() > 0)
        & (out["n_valid"].to_numpy() > 0)
    )
    d, lo, hi, sig = change(out["n_positive"], out["n_valid"], out["prev_npos"], out["prev_nv"])
    out["internal_comparable"] = comparable
    for name, values in (("change", d), ("change_low", lo), ("change_high", hi)):
        out[f"internal_{name}"] = np.where(comparable, values, np.nan)
    shown = out["shown"].to_numpy(bool)
    prev_shown = out["prev_shown"].eq(True).to_numpy()
    published = comparable & shown & prev_shown
    out["comparable_reason"] = _reasons(out, same_series, complete, comparable, shown, prev_shown,
                                        catalogue)  # fmt: skip
    out["comparable_with_previous"] = published
    out["change_vs_previous"] = np.where(published, d, np.nan)
    out["change_ci_low"] = np.where(published, lo, np.nan)
    out["change_ci_high"] = np.where(published, hi, np.nan)
    out["change_significant"] = published & sig
    return out.drop(columns=["n_units", "prev_nv", "prev_npos", "prev_shown", "prev_units"])


def _predecessors_complete(out: pd.DataFrame, catalogue: Catalogue) -> np.ndarray:
    """A merged kommune compares with the sum of its predecessors only if all of them took part
    in the previous wave (every code of that wave's code list that became its 2024 number)."""
    from reference.geography import code_list, to_2024

    years = catalogue.geography.code_list_by_wave
    cache: dict[int, Counter] = {}

    def expected(key: str, wave: int) -> int:
        year = years.get(int(wave), int(wave))
        if year not in cache:
            try:
                cache[year] = Counter(to_2024(c, year) for c in code_list(year)["code"])
            except Exception:  # unknown code list: nothing to check against
                cache[year] = Counter()
        return cache[year].get(key, 0)

    ok = np.ones(len(out), dtype=bool)
    kommune = (out["unit_type"] == "kommune") & out["previous_wave"].notna()
    for i in np.flatnonzero(kommune.to_numpy()):
        want = expected(str(out["series_key"].iat[i]), int(out["previous_wave"].iat[i]))
        if want and out["prev_units"].iat[i] < want:
            ok[i] = False
    return ok


def _reasons(out, same_series, complete, comparable, shown, prev_shown, catalogue) -> list:
    """Why a cell is not compared with the previous wave (null where the change is shown)."""
    never = set(catalogue.geography.never_comparable)
    reasons = []
    for i, (utype, key, pw) in enumerate(
        zip(out["unit_type"], out["series_key"], out["previous_wave"], strict=True)
    ):
        if comparable[i] and shown[i] and prev_shown[i]:
            reasons.append(None)
        elif utype in never:
            reasons.append("unit_type")
        elif key is None or (isinstance(key, float) and np.isnan(key)):
            reasons.append("geography_split" if utype == "kommune" else "no_previous")
        elif pd.isna(pw):
            reasons.append("no_previous")
        elif not same_series[i]:
            reasons.append("question_changed")
        elif not complete[i] or out["n_units"].iat[i] != 1:
            reasons.append("geography_changed")
        elif not shown[i]:
            reasons.append("suppressed")
        elif comparable[i] and not prev_shown[i]:
            reasons.append("previous_suppressed")
        else:
            reasons.append("no_previous")  # no valid answers in one of the waves
    return reasons
