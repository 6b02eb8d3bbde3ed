"""Reporting levels: which groups every unit (kommune or bydel) of a wave belongs to.

A *unit* (atom) is a kommune or bydel as delivered in a wave. Groups are national, RHF, county,
size class, kommune (each kommune unit, plus Oslo as the sum of its bydeler), bydel, and pools
of units under the unit threshold (see assets.indicators.pools). `build_levels` returns one row
per group with its member units; counting is done elsewhere with a membership matrix.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assets.indicators.pools import assign_pools
from quality.disclosure import DisclosureConfig
from reference.geography import rhf_names, size_class_labels

LEVEL_ORDER = ("national", "rhf", "county", "size_class", "pool", "kommune", "bydel")
RHF_NAMES = rhf_names()  # the reference data's names: one source for every consumer
GEO_COLUMNS = ["kommune_id", "kommune_id_2024", "county_id", "rhf_id", "size_class"]


@dataclass(frozen=True)
class Levels:
    """Units (atoms) with their pool, and every group with its members."""

    units: pd.DataFrame  # wave, unit_type, unit_id, unit_name, geo, population, n_respondents,
    # pooled, pool_id, pool_reason, pool_rule
    groups: pd.DataFrame  # wave, unit_type, unit_id, unit_name, geo ids, members (tuple),
    # series_key, is_unit, is_oslo_aggregate, pool_* columns

    @functools.cached_property
    def group_rows(self) -> dict[tuple[int, str, str], int]:
        """Each group's row number in `groups` by (wave, unit_type, unit_id), made once."""
        g = self.groups
        keys = zip(g["wave"].astype(int), g["unit_type"], g["unit_id"], strict=True)
        return {(int(w), t, u): n for n, (w, t, u) in enumerate(keys)}


def size_class_ids(bounds: tuple[int, ...]) -> list[str]:
    """Size class ids for population bounds, e.g. s1_under_5000 … s4_50000_plus."""
    return list(size_class_labels(bounds))


def assign_size_class(
    population: pd.Series, fallback: pd.Series, bounds: tuple[int, ...]
) -> pd.Series:
    """Size class from population with the configured bounds; the given class where unknown."""
    ids = np.array(size_class_ids(bounds), dtype=object)
    pop = pd.to_numeric(population, errors="coerce")
    idx = np.searchsorted(np.asarray(bounds), pop.fillna(0).to_numpy(), side="right")
    out = pd.Series(ids[idx], index=population.index, dtype=object)
    return out.where(pop.notna(), fallback.astype(object))


@functools.lru_cache(maxsize=1)
def county_names() -> dict[str, str]:
    """County code -> name from the project's reference snapshot (empty if unavailable)."""
    try:
        from reference.geography import DATA_DIR

        table = pd.read_csv(DATA_DIR / "counties.csv", dtype=str, keep_default_na=False)
        return dict(zip(table["code"], table["name"], strict=True))
    except (ImportError, OSError, KeyError):
        return {}


@dataclass(frozen=True)
class UnitKeys:
    """Respondent -> unit index, in (wave, unit_id) text order (category order never matters)."""

    table: pd.DataFrame  # wave (int), unit_id (str), one row per unit, sorted
    codes: np.ndarray  # unit index of every respondent row
    first_row: np.ndarray  # position of one respondent of every unit


def unit_keys(harmonized: pd.DataFrame) -> UnitKeys:
    grouped = harmonized.groupby(["wave", "unit_id"], sort=False, observed=True)
    gid = grouped.ngroup().to_numpy()
    index = grouped.size().index
    table = pd.DataFrame(
        {
            "wave": index.get_level_values(0).astype("int64"),
            "unit_id": np.asarray(index.get_level_values(1).astype(str), dtype=object),
        }
    )
    order = np.lexsort((table["unit_id"].to_numpy(), table["wave"].to_numpy()))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[gid]
    first = np.full(len(order), -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return UnitKeys(table.iloc[order].reset_index(drop=True), codes, first)


def unit_table(harmonized: pd.DataFrame, config: DisclosureConfig) -> pd.DataFrame:
    """One row per (wave, unit) with geography and the number of respondents."""
    keys = unit_keys(harmonized)
    cols = ["unit_type", "unit_name", *GEO_COLUMNS, "population"]
    first_rows = keys.first_row
    first = pd.DataFrame({"wave": keys.table["wave"], "unit_id": keys.table["unit_id"]})
    for c in cols:
        first[c] = harmonized[c].iloc[first_rows].to_numpy()
    first["n_respondents"] = np.bincount(keys.codes, minlength=len(first)).astype("int64")
    first["size_class"] = assign_size_class(
        first["population"], first["size_class"], config.size_class_bounds
    )
    for c in ("unit_id", "unit_type", "unit_name", *GEO_COLUMNS):
        first[c] = first[c].astype(object).where(first[c].notna(), None)
    return first


def build_levels(
    harmonized: pd.DataFrame, config: DisclosureConfig, code_lists: dict[int, int]
) -> Levels:
    """Units with their pools, and every reporting group of every wave."""
    units = unit_table(harmonized, config)
    labels = size_class_labels(config.size_class_bounds)
    units = assign_pools(units, config, labels, RHF_NAMES)
    frames = [
        _groups_of_wave(w, u, labels, code_lists.get(int(w), int(w)))
        for w, u in units.groupby("wave")
    ]
    groups = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Levels(units=units, groups=groups)


def _group(wave: int, utype: str, uid: str, name: str, members: object, **kw: object) -> dict:
    ids = members["unit_id"] if isinstance(members, pd.DataFrame) else members
    row = dict(
        wave=int(wave), unit_type=utype, unit_id=str(uid), unit_name=name,
        kommune_id=None, county_id=None, rhf_id=None, size_class=None,
        members=tuple(sorted(ids)), series_key=None, is_unit=False,
        is_oslo_aggregate=False, pool_reason=None, pool_rule=None, pool_stage=None,
    )  # fmt: skip
    row.update(kw)
    return row


def _groups_of_wave(
    wave: int, u: pd.DataFrame, labels: dict[str, str], code_list: int
) -> pd.DataFrame:
    rows = [_group(wave, "national", "NO", "Hele landet", u, series_key="NO")]
    for rhf, m in u.groupby("rhf_id", sort=True):
        rows.append(
            _group(wave, "rhf", rhf, RHF_NAMES.get(rhf, rhf), m, rhf_id=rhf, series_key=rhf)
        )
    names = county_names()
    for county, m in u.groupby("county_id", sort=True):
        rows.append(
            _group(wave, "county", county, names.get(county, f"Fylke {county}"), m,
                   county_id=county, rhf_id=m["rhf_id"].iloc[0], series_key=f"{code_list}:{county}")
        )  # fmt: skip
    for size, m in u.groupby("size_class", sort=True):
        label = f"Kommuner med {labels.get(size, size)}"
        rows.append(_group(wave, "size_class", size, label, m, size_class=size, series_key=size))
    for pool_id, m in u[u["pool_id"].notna()].groupby("pool_id", sort=True):
        first = m.iloc[0]
        rows.append(
            _group(wave, "pool", pool_id, first["pool_name"], m,
                   rhf_id=first["pool_rhf"], size_class=first["pool_size_class"],
                   pool_reason=first["pool_summary"], pool_rule=first["pool_rule"],
                   pool_stage=first["pool_stage"])
        )  # fmt: skip
    for r in u.itertuples(index=False):
        rows.append(
            _group(wave, r.unit_type, r.unit_id, r.unit_name, (r.unit_id,),
                   kommune_id=r.kommune_id, county_id=r.county_id, rhf_id=r.rhf_id,
                   size_class=r.size_class, is_unit=True, pool_reason=r.pool_reason,
                   pool_rule=r.pool_rule,
                   series_key=r.unit_id if r.unit_type == "bydel" else r.kommune_id_2024)
        )  # fmt: skip
    bydeler = u[u["unit_type"] == "bydel"]
    kommune_ids = set(u.loc[u["unit_type"] == "kommune", "unit_id"])
    for kid, m in bydeler.groupby("kommune_id", sort=True):
        if kid in kommune_ids:
            continue
        first = m.iloc[0]
        rows.append(
            _group(wave, "kommune", kid, _kommune_name(kid, code_list), m,
                   kommune_id=kid, county_id=first["county_id"], rhf_id=first["rhf_id"],
                   size_class=None, is_oslo_aggregate=True, series_key=first["kommune_id_2024"])
        )  # fmt: skip
    out = pd.DataFrame(rows)
    out["level"] = out["unit_type"].map({t: i for i, t in enumerate(LEVEL_ORDER)})
    return out.sort_values(["level", "unit_id"], kind="stable").reset_index(drop=True)


def _kommune_name(kommune_id: str, code_list: int) -> str:
    try:
        from reference.geography import unit_name

        return unit_name(kommune_id, code_list)
    except Exception:  # reference data unavailable or code unknown: fall back to a safe name
        return "Oslo" if kommune_id == "0301" else f"Kommune {kommune_id}"
