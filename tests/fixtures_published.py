"""Deterministic, contract-valid published tables for consumer tests (reports, dashboard).

`build_published()` returns the three published tables (cells, units, answer distribution) for the
four waves plus `hidden`: the true values behind every suppressed cell, which consumers must never
show. Nothing here is random at run time: a seeded generator per (wave, unit, indicator) gives the
same tables on every machine. `extra_kommuner` adds synthetic municipalities for load tests.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import pandas as pd

WAVES = (2017, 2019, 2021, 2023)
EDITIONS = {2017: "final", 2019: "final", 2021: "rev1", 2023: "preliminary"}
Z = 1.959963984540054
MIN_UNIT, MIN_CELL, BAND_BELOW = 10, 5, 20

NOT_ASKED: dict[str, set[int]] = {
    "coping_everyday": {2017}, "help_work_or_education": {2019, 2021, 2023}, "help_work": {2017},
    "help_education": {2017}, "relatives_supported": {2017, 2019}, "staff_understanding": {2023},
    "digital_contact": {2017, 2019, 2021}, "children_talk_offered": {2017},
}  # fmt: skip
BASE_P: dict[str, float] = {"overall_satisfied": 0.54, "relatives_supported": 0.2}
TREND = {2017: 0.0, 2019: 0.06, 2021: 0.09, 2023: 0.1}
FILTERED = {"aftercare_followup": 0.25, "children_talk_offered": 0.2}
RHF_NAMES = {"HSO": "Helse Sør-Øst", "HV": "Helse Vest", "HMN": "Helse Midt-Norge",
             "HN": "Helse Nord"}  # fmt: skip
SIZE_NAMES = {
    "s1_under_5000": "Kommuner under 5 000 innbyggere",
    "s2_5000_19999": "Kommuner med 5 000–19 999 innbyggere",
    "s3_20000_49999": "Kommuner med 20 000–49 999 innbyggere",
    "s4_50000_plus": "Kommuner med 50 000 innbyggere og over",
}
COUNTIES = {"03": ("Oslo", "HSO"), "15": ("Møre og Romsdal", "HMN"), "18": ("Nordland", "HN"),
            "34": ("Innlandet", "HSO"), "46": ("Vestland", "HV"), "50": ("Trøndelag", "HMN"),
            "55": ("Troms", "HN")}  # fmt: skip
# id, name, county, size class, respondents per wave (None: not in that wave's code list)
KOMMUNER: list[tuple[str, str, str, str, tuple[int | None, ...]]] = [
    ("0301", "Oslo", "03", "s4_50000_plus", (310, 290, 330, 350)),
    ("4601", "Bergen", "46", "s4_50000_plus", (180, 170, 200, 190)),
    ("5001", "Trondheim", "50", "s4_50000_plus", (150, 160, 140, 170)),
    ("5501", "Tromsø", "55", "s4_50000_plus", (90, 85, 95, 100)),
    ("1507", "Ålesund", "15", "s3_20000_49999", (60, 55, 70, 65)),
    ("3403", "Hamar", "34", "s3_20000_49999", (45, 50, 40, 48)),
    ("1804", "Bodø", "18", "s3_20000_49999", (52, 47, 58, 61)),
    ("4640", "Sogndal", "46", "s2_5000_19999", (18, 14, 16, 15)),
    ("1520", "Ørsta", "15", "s2_5000_19999", (22, 19, 17, 21)),
    ("1811", "Bindal", "18", "s1_under_5000", (6, 4, 5, 7)),
    ("1812", "Sømna", "18", "s1_under_5000", (5, 7, 6, 4)),
    ("1573", "Smøla", "15", "s1_under_5000", (12, 11, 8, 6)),
    ("1576", "Aure", "15", "s1_under_5000", (11, 13, 7, 5)),
]
BYDELER = [("030102", "Grünerløkka", 60), ("030105", "Frogner", 40)]  # 2021 and 2023 only


@dataclass(frozen=True)
class Published:
    cells: pd.DataFrame
    units: pd.DataFrame
    distribution: pd.DataFrame
    hidden: pd.DataFrame


def wilson(x: int, n: int) -> tuple[float, float]:
    p = x / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# Independent formatting of what consumers must show (tests compare against these).
def pct(x: float) -> str:
    return str(math.floor(x * 100 + 0.5))


def ci(r: pd.Series) -> str:
    return f"{pct(r.ci_low)}–{pct(r.ci_high)}"


def change(d: float) -> str:
    pp = math.floor(abs(d) * 100 + 0.5)
    return "0" if pp == 0 else ("+" if d > 0 else "\u2212") + str(pp)


def count(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def indicators(wave: int) -> list[tuple[str, str]]:
    from schemas.questionnaire import questionnaire

    ids = [*questionnaire().degree_items, "children_talk_offered"]
    out = [(i, "share_positive") for i in ids if wave not in NOT_ASKED.get(i, set())]
    return [*out, ("relatives_involved", "share_negative")]


def _rng(*key: object) -> random.Random:
    return random.Random("|".join(str(k) for k in key))


def _counts(wave: int, uid: str, ind: str, n_resp: int) -> tuple[int, int]:
    """Valid answers and positives for one base unit (kommune or bydel)."""
    rng = _rng(wave, uid, ind)
    n_valid = round(n_resp * FILTERED.get(ind, rng.uniform(0.7, 0.95)))
    p = BASE_P.get(ind, 0.45 + 0.04 * (sum(map(ord, ind)) % 5))
    p += TREND[wave] + rng.uniform(-0.08, 0.08)
    n_pos = sum(rng.random() < min(p, 0.97) for _ in range(n_valid))
    if (wave, uid, ind) == (2019, "4640", "help_education"):
        n_valid, n_pos = 12, 12  # a 100 % share in under 20 answers: published as a band
    return n_valid, n_pos


def _base_units(extra: int) -> list[dict]:
    keys = ("t", "id", "name", "county", "size", "n")
    rows = [dict(zip(keys, ("kommune", *k), strict=True)) for k in KOMMUNER]
    for j in range(extra):
        county, size = sorted(COUNTIES)[j % len(COUNTIES)], sorted(SIZE_NAMES)[1 + j % 3]
        n = tuple(12 + (j * 7 + w) % 90 for w in WAVES)
        rows.append(dict(zip(keys, ("kommune", f"9{j:03d}", f"Testkommune {j + 1}", county, size,
                                    n), strict=True)))  # fmt: skip
    for bid, name, n in BYDELER:
        rows.append(dict(zip(keys, ("bydel", bid, name, "03", "s4_50000_plus",
                                    (None, None, n, n + 5)), strict=True)))  # fmt: skip
    return rows


UNIT_COLUMNS = ("wave", "unit_type", "unit_id", "unit_name", "kommune_id", "county_id", "rhf_id",
                "size_class", "n_respondents", "n_respondents_display", "pool_id", "pool_reason",
                "published", "member_units")  # fmt: skip
CELL_COLUMNS = ("wave", "edition", "unit_type", "unit_id", "unit_name", "indicator_id", "measure",
                "n_respondents", "n_valid", "n_positive", "share", "ci_low", "ci_high",
                "ci_method", "display", "suppressed", "suppression_reason")  # fmt: skip
SECRET = ("n_positive", "share", "ci_low", "ci_high", "change_vs_previous", "change_ci_low",
          "change_ci_high")  # fmt: skip


def _unit_row(wave: int, t: str, uid: str, name: str, **kw: object) -> dict:
    row = dict.fromkeys(UNIT_COLUMNS)
    row.update(wave=wave, unit_type=t, unit_id=uid, unit_name=name, published=True)
    row.update(kw)
    return row


def _cell(key: tuple, n_resp: int, n_valid: int, n_pos: int, published_unit: bool) -> dict:
    wave, t, uid, name, ind, measure = key
    share = n_pos / n_valid if n_valid else None
    reason = None
    if published_unit and n_valid < MIN_CELL:
        reason, display = "n_valid_below_5", "for få svar"
    elif published_unit and share in (0.0, 1.0) and n_valid < BAND_BELOW:
        reason, display = "extreme_share_band", "over 90 %" if share == 1.0 else "under 10 %"
    else:
        display = f"{math.floor(share * 100 + 0.5)} %"
    lo, hi = wilson(n_pos, n_valid) if n_valid else (None, None)
    values = (wave, EDITIONS[wave], t, uid, name, ind, measure, n_resp, n_valid, n_pos, share, lo,
              hi, "wilson", display, reason is not None, reason)  # fmt: skip
    return dict(zip(CELL_COLUMNS, values, strict=True))


def _add_change(cells: pd.DataFrame) -> pd.DataFrame:
    """Newcombe interval for the change; comparable unless new, pooled or Ålesund 2021."""
    key = ["unit_type", "unit_id", "indicator_id", "measure"]
    prev = cells[[*key, "wave", "share", "ci_low", "ci_high", "suppressed"]].copy()
    prev["wave"] = prev["wave"].map({w: WAVES[i + 1] for i, w in enumerate(WAVES[:-1])})
    prev = prev.dropna(subset=["wave"]).astype({"wave": int})
    m = cells.merge(prev, on=[*key, "wave"], how="left", suffixes=("", "_prev"))
    comparable = m["share_prev"].notna() | m["suppressed_prev"].eq(True)
    comparable &= m["unit_type"].ne("pool")
    comparable &= ~((m["unit_id"] == "1507") & (m["wave"] == 2021))  # merger in 2020
    m["comparable_with_previous"] = comparable
    ok = comparable & m["share"].notna() & m["share_prev"].notna()
    d = m["share"] - m["share_prev"]
    up, down = m["ci_high"] - m["share"], m["share"] - m["ci_low"]
    up_prev, down_prev = m["ci_high_prev"] - m["share_prev"], m["share_prev"] - m["ci_low_prev"]
    lo = d - (down**2 + up_prev**2) ** 0.5
    hi = d + (up**2 + down_prev**2) ** 0.5
    m["change_vs_previous"], m["change_ci_low"], m["change_ci_high"] = (
        d.where(ok), lo.where(ok), hi.where(ok))  # fmt: skip
    m["change_significant"] = ok & ((lo > 0) | (hi < 0))
    return m.drop(columns=[c for c in m.columns if c.endswith("_prev")])


def _groups(wave: int, wi: int, present: list[dict], units: list[dict]) -> dict:
    """Units table rows of the base units; the members of every published unit."""
    groups: dict[tuple[str, str, str], list[dict]] = {("national", "NO", "Hele landet"): []}
    for u in present:
        county_name, rhf = COUNTIES[u["county"]]
        small = u["n"][wi] < MIN_UNIT
        pool = f"pool-{wave}-s1-{rhf}" if small else None
        reason = (f"{u['name']} har færre enn {MIN_UNIT} svar i {wave} og er slått sammen med "
                  f"andre små kommuner i {RHF_NAMES[rhf]}.") if small else None  # fmt: skip
        units.append(_unit_row(wave, u["t"], u["id"], u["name"], county_id=u["county"],
                               kommune_id=u["id"][:4], rhf_id=rhf, size_class=u["size"],
                               n_respondents=None if small else u["n"][wi], pool_id=pool,
                               n_respondents_display=f"under {MIN_UNIT}" if small else None,
                               pool_reason=reason, published=not small))  # fmt: skip
        keys = [(u["t"], u["id"], u["name"])]
        if u["t"] == "kommune":
            keys = [("national", "NO", "Hele landet"), ("rhf", rhf, RHF_NAMES[rhf]),
                    ("county", u["county"], county_name),
                    ("size_class", u["size"], SIZE_NAMES[u["size"]]),
                    ("pool", pool, "") if small else keys[0]]  # fmt: skip
        for k in keys:
            groups.setdefault(k, []).append(u)
    return groups


def _group_unit_row(wave: int, wi: int, t: str, uid: str, name: str, members: list) -> dict:
    n = sum(m["n"][wi] for m in members)
    if t == "pool":
        rhf = uid.rsplit("-", 1)[1]
        names = " og ".join(m["name"] for m in members)
        return _unit_row(wave, t, uid, f"Små kommuner i {RHF_NAMES[rhf]} (under 5 000 innbyggere)",
                         rhf_id=rhf, size_class="s1_under_5000", n_respondents=n,
                         member_units=",".join(m["id"] for m in members),
                         pool_reason=f"{names} har hver færre enn {MIN_UNIT} svar og er slått "
                         "sammen etter kommunestørrelse og helseregion.")  # fmt: skip
    return _unit_row(wave, t, uid, name, n_respondents=n + (5000 if t == "national" else 0),
                     rhf_id=uid if t == "rhf" else None,
                     county_id=uid if t == "county" else None,
                     size_class=uid if t == "size_class" else None)  # fmt: skip


def build_published(extra_kommuner: int = 0) -> Published:
    base = _base_units(extra_kommuner)
    units: list[dict] = []
    cells: list[dict] = []
    dist: list[dict] = []
    for wi, wave in enumerate(WAVES):
        present = [u for u in base if u["n"][wi] is not None]
        counts = {(u["id"], ind): _counts(wave, u["id"], ind, u["n"][wi])
                  for u in present for ind, _ in indicators(wave)}  # fmt: skip
        for (t, uid, name), members in _groups(wave, wi, present, units).items():
            n_resp = members[0]["n"][wi]
            if t not in ("kommune", "bydel"):
                units.append(_group_unit_row(wave, wi, t, uid, name, members))
                name, n_resp = units[-1]["unit_name"], units[-1]["n_respondents"]
            for ind, measure in indicators(wave):
                nv = sum(counts[(m["id"], ind)][0] for m in members)
                npos = sum(counts[(m["id"], ind)][1] for m in members)
                if t == "national":  # respondents in municipalities not listed here
                    nv, npos = nv + 4000, npos + round(4000 * (BASE_P.get(ind, 0.6) + TREND[wave]))
                if measure == "share_negative":
                    npos = round((nv - npos) * 0.55)
                published_unit = t in ("kommune", "bydel", "pool")
                cells.append(_cell((wave, t, uid, name, ind, measure), n_resp, nv, npos,
                                   published_unit))  # fmt: skip
                if measure == "share_positive":
                    dist.extend(_distribution(cells[-1], nv, npos))
    cells_df = _add_change(pd.DataFrame(cells))
    sup = cells_df["suppressed"]
    hidden = cells_df.loc[sup, ["wave", "unit_type", "unit_id", "indicator_id", "measure",
                                "n_positive", "share", "ci_low", "ci_high"]].copy()  # fmt: skip
    for col in SECRET:
        cells_df.loc[sup, col] = None
    cells_df["n_positive"] = cells_df["n_positive"].astype("Int64")
    cells_df["wave"] = cells_df["wave"].astype(int)
    units_df = pd.DataFrame(units)
    units_df["n_respondents"] = units_df["n_respondents"].astype("Int64")
    return Published(cells_df.reset_index(drop=True), units_df, pd.DataFrame(dist), hidden)


def _distribution(cell: dict, n_valid: int, n_pos: int) -> list[dict]:
    if cell["indicator_id"] == "children_talk_offered":
        counts = {"ja": n_pos, "nei": n_valid - n_pos, "vet_ikke": 2, "ubesvart": 1}
    else:
        rest = n_valid - n_pos
        counts = {"1": rest // 3, "2": rest // 3, "3": rest - 2 * (rest // 3), "4": n_pos // 2,
                  "5": n_pos - n_pos // 2, "vet_ikke": 3, "ikke_aktuelt": 2,
                  "ubesvart": 1}  # fmt: skip
    total, sup = sum(counts.values()), bool(cell["suppressed"])
    base = {k: cell[k] for k in ("wave", "edition", "unit_type", "unit_id", "indicator_id")}
    return [{**base, "answer": a, "n": None if sup else n, "share": None if sup else n / total,
             "suppressed": sup} for a, n in counts.items()]  # fmt: skip
