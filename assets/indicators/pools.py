"""Pools of units under the unit threshold (DELIVERY.md §6), with a reason for every unit.

Per wave, units with fewer than `unit_threshold` respondents are pooled by size class and health
region (RHF). A pool is published only with at least `pool_min_respondents` respondents from at
least `pool_min_units` units; otherwise it is widened, in this order:
1. `neighbour`: merged with the pool of the neighbouring size class in the same region (the
   smaller class first, else the larger);
2. `national_size`: merged with the pools of the same size class(es) in every region;
3. `all`: all small units of the wave in one pool;
4. `secondary`: if even that pool fails, the smallest units that have their own figures are
   moved into it (fewest respondents first) until it passes; without such units it stays
   unpublished. This keeps "national minus everything published" from revealing the pool.
A pool whose total would pin its members (every member at N − 1 when shown as "under N")
fails too and is widened.
Pool ids are stable: `pool-<wave>-<size tokens>-<RHF or NO>` (e.g. `pool-2023-s1-HN`,
`pool-2023-s1-s2-HN`, `pool-2023-s1-NO`) and `pool-<wave>-alle` for the all-units pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

RHF_ORDER = ("HSO", "HV", "HMN", "HN")
WIDEN_TEXT = {
    "base": "",
    "neighbour": " Puljen er utvidet med nærmeste størrelsesklasse i samme helseregion, fordi den "
    "ellers ville fått færre enn {p} svar eller bare én enhet.",
    "national_size": " Puljen gjelder hele landet, fordi den ellers ville fått færre enn {p} svar "
    "eller bare én enhet.",
    "all": " Puljen omfatter alle små enheter i landet, fordi mindre puljer ville fått færre enn "
    "{p} svar eller bare én enhet.",
}
STAGES = ("base", "neighbour", "national_size", "all")


@dataclass
class _Pool:
    members: set[str]
    sizes: set[int]
    region: str
    stage: str = "base"
    secondary: set[str] = field(default_factory=set)


def assign_pools(
    units: pd.DataFrame, config: object, labels: dict[str, str], rhf_names: dict[str, str]
) -> pd.DataFrame:
    """Add pool columns to the unit table (one row per wave and unit)."""
    parts = [_wave(u, config, labels, rhf_names) for _, u in units.groupby("wave", sort=True)]
    return pd.concat(parts, ignore_index=True) if parts else units


def _ok(pool: _Pool, n: dict[str, int], config: object) -> bool:
    """Enough respondents and units, and not so many that "under N" pins every member.

    Members shown as "under N" have at most N − 1 respondents each; a pool total within
    audit_min_values − 1 of (members × (N − 1)) would leave a member fewer feasible counts.
    """
    total = sum(n[m] for m in pool.members)
    k = len(pool.members)
    pinned = total > k * (config.unit_threshold - 1) - (config.audit_min_values - 1)
    if pool.secondary:
        pinned = False  # secondary members have N or more: no upper bound
    return total >= config.pool_min_respondents and k >= config.pool_min_units and not pinned


def _merge(pools: list[_Pool], a: _Pool, others: list[_Pool], stage: str, region: str) -> _Pool:
    merged = _Pool(set(a.members), set(a.sizes), region, stage, set(a.secondary))
    for o in others:
        merged.members |= o.members
        merged.sizes |= o.sizes
        merged.secondary |= o.secondary
        pools.remove(o)
    pools.remove(a)
    pools.append(merged)
    return merged


def _widen(pools: list[_Pool], n: dict[str, int], config: object) -> None:
    def key(p: _Pool) -> tuple:
        return (RHF_ORDER.index(p.region) if p.region in RHF_ORDER else 9, min(p.sizes))

    for p in sorted(pools, key=key):  # 1. neighbouring size class in the same region
        if p not in pools or _ok(p, n, config):
            continue
        same = [o for o in pools if o is not p and o.region == p.region]
        lower = [o for o in same if min(p.sizes) - 1 in o.sizes]
        upper = [o for o in same if max(p.sizes) + 1 in o.sizes]
        if lower or upper:
            _merge(pools, p, (lower or upper)[:1], "neighbour", p.region)
    while True:  # 2. the size class(es) nationally
        failing = [
            p
            for p in sorted(pools, key=key)
            if not _ok(p, n, config)
            and (p.region != "NO" or any(o is not p and o.sizes & p.sizes for o in pools))
        ]
        if not failing:
            break
        p = failing[0]
        _merge(
            pools, p, [o for o in pools if o is not p and o.sizes & p.sizes], "national_size", "NO"
        )
    if any(not _ok(p, n, config) for p in pools):  # 3. all small units in one pool
        _merge(pools, pools[0], pools[1:], "all", "NO")


def _wave(
    u: pd.DataFrame, config: object, labels: dict[str, str], rhf: dict[str, str]
) -> pd.DataFrame:
    u = u.copy()
    size_ids = list(labels)
    n = dict(zip(u["unit_id"], u["n_respondents"].astype(int), strict=True))
    small = u[u["n_respondents"] < config.unit_threshold]
    pools: list[_Pool] = []
    for (s, r), m in small.groupby(["size_class", "rhf_id"], sort=True):
        pools.append(_Pool(set(m["unit_id"]), {size_ids.index(s)}, r))
    _widen(pools, n, config)
    if len(pools) == 1 and not _ok(pools[0], n, config):  # 4. secondary members
        big = u[u["n_respondents"] >= config.unit_threshold].sort_values(
            ["n_respondents", "unit_id"]
        )
        for uid in big["unit_id"]:
            if _ok(pools[0], n, config):
                break
            pools[0].members.add(uid)
            pools[0].secondary.add(uid)
    for col in ("pool_id", "pool_name", "pool_rhf", "pool_size_class", "pool_summary"):
        u[col] = None
    u["pool_reason"] = None
    u["pool_rule"] = None
    u["pooled"] = False
    u["pool_published"] = False
    u["pool_stage"] = None
    wave = int(u["wave"].iloc[0])
    names = dict(zip(u["unit_id"], u["unit_name"], strict=True))
    for p in pools:
        _describe(u, p, wave, names, config, labels, size_ids, rhf, _ok(p, n, config))
    return u


def _describe(
    u: pd.DataFrame, p: _Pool, wave: int, names: dict[str, str], config: object,
    labels: dict[str, str], size_ids: list[str], rhf: dict[str, str], ok: bool,
) -> None:  # fmt: skip
    tokens = [size_ids[i].split("_")[0] for i in sorted(p.sizes)]
    region = rhf.get(p.region, p.region) if p.region != "NO" else "hele landet"
    sizes = " og ".join(labels[size_ids[i]] for i in sorted(p.sizes))
    if p.stage == "all":
        pool_id, name = f"pool-{wave}-alle", "Alle små kommuner og bydeler, hele landet"
    else:
        pool_id = f"pool-{wave}-{'-'.join(tokens)}-{p.region}"
        name = f"Små kommuner og bydeler med {sizes}, {region}"
    t, widen = config.unit_threshold, WIDEN_TEXT[p.stage].format(p=config.pool_min_respondents)
    summary = f"Puljen samler kommuner og bydeler med færre enn {t} svar i {wave}.{widen}"
    if not ok:
        summary += " Puljen har for få svar til å publiseres."
    for uid in sorted(p.members):
        if uid in p.secondary:
            reason = (
                f"{names[uid]} har minst {t} svar i {wave}, men vises samlet i puljen «{name}» "
                "fordi puljen ellers ville hatt for få svar til å kunne publiseres."
            )
            rule = "unit_pooled_secondary"
        elif ok:
            reason = (
                f"{names[uid]} har færre enn {t} svar i {wave}. Tallene vises derfor bare samlet "
                f"i puljen «{name}», sammen med andre små kommuner og bydeler.{widen}"
            )
            rule = "unit_pooled"
        else:
            reason = (
                f"{names[uid]} har færre enn {t} svar i {wave}, og det er for få svar blant de "
                "små enhetene til at en pulje kan publiseres."
            )
            rule = "pool_below_threshold"
        mask = u["unit_id"] == uid
        values = {
            "pool_id": pool_id,
            "pool_name": name,
            "pool_rhf": p.region if p.region != "NO" else None,
            "pool_size_class": ",".join(size_ids[i] for i in sorted(p.sizes)),
            "pool_summary": summary,
            "pool_reason": reason,
            "pool_rule": rule,
            "pooled": True,
            "pool_published": ok,
            "pool_stage": p.stage,
        }
        for col, value in values.items():
            u.loc[mask, col] = value
