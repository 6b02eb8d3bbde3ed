"""The differencing attacker: tries every subtraction on the published tables only.

Independent of the protection code: it reads nothing but published cells and units (of this
edition and, optionally, earlier editions of the same wave) and does plain set arithmetic. It
is a second opinion beside the interval audit (quality.interval_audit, the blocking gate): it
models no bands or non-negativity, only exact subtraction. A closure that exceeds its limits
raises AttackIncomplete rather than reporting "nothing found".

What it knows: every figure's value (n_respondents; per indicator and measure n_valid and
n_positive where shown) and, from the units table, which kommuner/bydeler each national, RHF,
county, size-class, pool and Oslo figure covers (parent ids, pool member_units, bydeler's
kommune_id). What it tries, per wave and per count type:
1. direct checks: a pooled unit with its own respondent count or cells; a published unit or
   pool under the unit threshold; a shown figure under the item threshold; an exact 0 %/100 %
   shown with fewer valid answers than the band limit;
2. subtraction closure: every published unit is subtracted from every figure covering it;
   then, repeatedly, A − B for every known B inside A, and A ∪ B for disjoint known sets that
   together cover another known set (so chains like "Oslo − its bydeler = small bydeler, pool −
   those = the other pool member" are found). Any derived group that is not itself a published
   figure and has 1–9 respondents, or 1–9 valid answers, or under the band limit all/none
   positive, is a leak (a published figure give or take units without answers restates it and
   is not). This covers parent − sum(children) for unit vs county/RHF/size class/national,
   pool vs members and national vs regions, size classes and counties;
3. editions: for each earlier edition, both editions are reduced by the units published in
   both; every set derivable in both editions gives its change new − old; a change of 1–9
   respondents or 1–9 valid answers (or of positives alone) is a leak, unless it is a unit
   delivered after the earlier edition whose own figures are published.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from quality.disclosure import DisclosureConfig, default_config

MAX_SETS = 20_000
ROUNDS = 12


class AttackIncomplete(RuntimeError):
    """The closure did not finish within its limits: no verdict (never a silent pass)."""


@dataclass(frozen=True)
class Leak:
    wave: int
    edition: str
    indicator_id: str | None
    measure: str | None
    kind: str
    units: tuple[str, ...]
    values: tuple[float, ...]
    how: str


def memberships(units: pd.DataFrame, wave: int) -> dict[tuple[str, str], frozenset[str]]:
    """Which units (atoms) each published figure covers, read from the units table."""
    u = units[units["wave"].astype(int) == wave]
    byd = u[u["unit_type"] == "bydel"]
    aggregated = set(byd["kommune_id"].dropna())
    atoms = u[
        (u["unit_type"] == "bydel")
        | ((u["unit_type"] == "kommune") & ~u["unit_id"].isin(aggregated))
    ]
    out: dict[tuple[str, str], frozenset[str]] = {("national", "NO"): frozenset(atoms["unit_id"])}
    for col, kind in (("rhf_id", "rhf"), ("county_id", "county"), ("size_class", "size_class")):
        for value, m in atoms.groupby(col):
            out[(kind, str(value))] = frozenset(m["unit_id"])
    for utype, a in zip(atoms["unit_type"], atoms["unit_id"], strict=True):
        out[(str(utype), str(a))] = frozenset({a})
    for kid, m in byd.groupby("kommune_id"):
        out[("kommune", str(kid))] = frozenset(m["unit_id"])
    for r in u[u["unit_type"] == "pool"].itertuples(index=False):
        out[("pool", r.unit_id)] = frozenset(str(r.member_units).split(","))
    return out


def known_figures(cells: pd.DataFrame, units: pd.DataFrame, wave: int) -> dict[tuple, dict]:
    """Per count type ('respondents' or (indicator, measure)): figure key -> (atoms, values)."""
    members = memberships(units, wave)
    c = cells[cells["wave"].astype(int) == wave]
    out: dict[tuple, dict] = {("respondents",): {}}
    for key, r in zip(
        zip(c["unit_type"], c["unit_id"].astype(str), strict=True), c["n_respondents"], strict=True
    ):
        if pd.notna(r) and key in members:
            out[("respondents",)][key] = (members[key], (float(r),))
    shown = c[c["n_valid"].notna() & c["n_positive"].notna()]
    for row in shown.itertuples(index=False):
        key = (row.unit_type, str(row.unit_id))
        if key in members:
            out.setdefault((row.indicator_id, row.measure), {})[key] = (
                members[key], (float(row.n_valid), float(row.n_positive)))  # fmt: skip
    return out


def closure(figures: dict, remove: dict[str, tuple]) -> dict[frozenset, tuple]:
    """Every set derivable by subtraction (after removing the given known units)."""
    known: dict[frozenset, tuple] = {}
    for atoms, values in figures.values():
        rest = frozenset(atoms - remove.keys())
        if rest:
            sub = tuple(
                v - sum(remove[a][i] for a in atoms & remove.keys()) for i, v in enumerate(values)
            )
            known.setdefault(rest, sub)
    for _ in range(ROUNDS):
        items = list(known.items())
        new: dict[frozenset, tuple] = {}
        for a, va in items:
            for b, vb in items:
                if b < a and (a - b) not in known:
                    new.setdefault(a - b, tuple(x - y for x, y in zip(va, vb, strict=True)))
                elif (
                    a.isdisjoint(b)
                    and (a | b) not in known
                    and any(c < (a | b) and c & a and c & b for c in known)
                ):
                    new.setdefault(a | b, tuple(x + y for x, y in zip(va, vb, strict=True)))
        new = {k: v for k, v in new.items() if k not in known}
        if not new:
            return known
        if len(known) + len(new) > MAX_SETS:
            raise AttackIncomplete(
                f"subtraction closure exceeds {MAX_SETS} sets: the attack cannot finish"
            )
        known.update(new)
    raise AttackIncomplete(f"subtraction closure still growing after {ROUNDS} rounds")


def _small(count: tuple, values: tuple, cfg: DisclosureConfig) -> bool:
    t = cfg.differencing_threshold
    if count == ("respondents",):
        return 0 < round(values[0]) < t
    v, p = round(values[0]), round(values[1])
    return v > 0 and (v < t or (v < cfg.band_max_valid and p in (0, v)))


def _restates(s: frozenset, v: tuple, published: list) -> bool:
    """A published figure itself, or one plus/minus units with no answers: nothing new."""
    return any(
        (p <= s or s <= p) and tuple(map(round, pv)) == tuple(map(round, v)) for p, pv in published
    )


def _small_change(count: tuple, d: tuple, cfg: DisclosureConfig) -> bool:
    d = tuple(round(x) for x in d)
    return any(d) and abs(d[0]) < cfg.differencing_threshold


def _singles(figs: dict) -> dict[str, tuple]:
    return {next(iter(a)): v for a, v in figs.values() if len(a) == 1}


def attack(
    cells: pd.DataFrame, units: pd.DataFrame, previous_cells: pd.DataFrame | None = None,
    previous_units: pd.DataFrame | None = None, config: DisclosureConfig | None = None,
) -> list[Leak]:  # fmt: skip
    """Every leak the published tables allow (empty list: nothing found)."""
    cfg = config or default_config()
    leaks: list[Leak] = []
    for (wave, edition), c in cells.groupby(["wave", "edition"], sort=True):
        u = units[units["wave"].astype(int) == int(wave)]
        leaks += _direct(c, u, int(wave), str(edition), cfg)
        figs = known_figures(c, u, int(wave))
        for count, f in figs.items():
            published = list(f.values())
            for s, v in closure(f, _singles(f)).items():
                if _small(count, v, cfg) and not _restates(s, v, published):
                    leaks.append(_leak(wave, edition, count, "subtraction", s, v))
        if previous_cells is not None and previous_units is not None:
            leaks += _editions(
                figs, int(wave), str(edition), u, previous_cells, previous_units, cfg
            )
    return leaks


def _leak(
    wave: object, edition: object, count: tuple, kind: str, s: frozenset, v: tuple, how: str = ""
) -> Leak:
    ind, measure = (None, None) if count == ("respondents",) else count
    return Leak(int(wave), str(edition), ind, measure, kind, tuple(sorted(s)), tuple(v), how)


def _direct(
    c: pd.DataFrame, u: pd.DataFrame, wave: int, edition: str, cfg: DisclosureConfig
) -> list[Leak]:
    out = []
    pooled = set(u.loc[u["pool_id"].notna() & u["unit_type"].isin(["kommune", "bydel"]), "unit_id"])
    bad_units = u[u["unit_id"].isin(pooled) & u["n_respondents"].notna()]
    own = c[c["unit_id"].isin(pooled) & c["unit_type"].isin(["kommune", "bydel"])]
    small = c[
        c["unit_type"].isin(["kommune", "bydel", "pool"])
        & (c["n_respondents"] < cfg.unit_threshold)
    ]
    few = c[c["n_positive"].notna() & (c["n_valid"] < cfg.item_threshold)]
    extreme = c[c["n_positive"].notna() & (c["n_valid"] < cfg.band_max_valid)]
    extreme = extreme[(extreme["n_positive"] == 0) | (extreme["n_positive"] == extreme["n_valid"])]
    for frame, kind in ((bad_units, "pooled_unit_count"), (own, "pooled_unit_cells"),
                        (small, "unit_below_threshold"), (few, "item_below_threshold"),
                        (extreme, "band")):  # fmt: skip
        for r in frame.drop_duplicates(["unit_type", "unit_id"]).itertuples(index=False):
            out.append(Leak(wave, edition, None, None, kind, (str(r.unit_id),), (), "direct"))
    return out


def _editions(figs: dict, wave: int, edition: str, units: pd.DataFrame, pcells: pd.DataFrame,
              punits: pd.DataFrame, cfg: DisclosureConfig) -> list[Leak]:  # fmt: skip
    out = []
    prev = pcells[(pcells["wave"].astype(int) == wave) & (pcells["edition"] != edition)]
    for old_edition, pc in prev.groupby("edition", sort=True):
        pu = punits[(punits["wave"].astype(int) == wave)]
        if "edition" in pu:
            pu = pu[pu["edition"] == old_edition]
        had = set(pu.loc[pu["unit_type"].isin(["kommune", "bydel"]), "unit_id"])
        late = set(units.loc[units["unit_type"].isin(["kommune", "bydel"]), "unit_id"]) - had
        old_figs = known_figures(pc, pu, wave)
        for count, f_new in figs.items():
            f_old = dict(old_figs.get(count, {}))
            k = 1 if count == ("respondents",) else 2
            for a in late:
                f_old[("absent", a)] = (frozenset({a}), (0.0,) * k)
            new_s, old_s = _singles(f_new), _singles(f_old)
            common = {a: v for a, v in new_s.items() if a in old_s}
            for a, v in common.items():
                d = tuple(x - y for x, y in zip(v, old_s[a], strict=True))
                if a not in late and _small_change(count, d, cfg):
                    out.append(
                        _leak(
                            wave,
                            edition,
                            count,
                            "edition_change",
                            frozenset({a}),
                            d,
                            str(old_edition),
                        )
                    )
            cn = closure(f_new, common)
            co = closure(f_old, {a: old_s[a] for a in common})
            for s in cn.keys() & co.keys():
                d = tuple(x - y for x, y in zip(cn[s], co[s], strict=True))
                if _small_change(count, d, cfg):
                    out.append(
                        _leak(wave, edition, count, "edition_change", s, d, str(old_edition))
                    )
    return out
