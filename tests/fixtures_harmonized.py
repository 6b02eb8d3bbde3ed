"""Deterministic harmonized responses for indicator and disclosure tests.

`make_harmonized()` gives a small, hand-laid set of units over the four waves: large and small
municipalities in every health region, a later merge (Moss + Rygge), a 2024 split (Ålesund,
Snillfjord), Oslo as one unit in 2017/2019 and as bydeler (some small) in 2021/2023.
`make_large_harmonized()` makes a synthetic wave of ~1 000 000 respondents over 357 units for
the performance benchmark. Both are valid against schemas.harmonized.harmonized_schema().
Everything is vectorised numpy; the same seed gives the same frame. Text columns are
categorical, as the harmonized schema requires.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from schemas.indicator_catalogue import load_catalogue
from schemas.questionnaire import missing_column, questionnaire

SIZES = ("s1_under_5000", "s2_5000_19999", "s3_20000_49999", "s4_50000_plus")
RHF_OF_COUNTY = {
    "01": "HSO",
    "03": "HSO",
    "30": "HSO",
    "12": "HV",
    "46": "HV",
    "15": "HMN",
    "16": "HMN",
    "50": "HMN",
    "18": "HN",
    "19": "HN",
    "54": "HN",
}
# unit_id, unit_type, name, kommune_id_2024 (None: split), county, population, n per wave
UNITS: dict[int, list[tuple[str, str, str, str | None, str, int, int]]] = {
    2017: [
        ("1601", "kommune", "Trondheim", "5001", "16", 190_000, 60),
        ("1613", "kommune", "Snillfjord", None, "16", 980, 6),
        ("0301", "kommune", "Oslo", "0301", "03", 670_000, 80),
        ("1201", "kommune", "Bergen", "4601", "12", 280_000, 70),
        ("1818", "kommune", "Herøy", "1818", "18", 1_700, 4),
        ("1820", "kommune", "Alstahaug", "1820", "18", 7_400, 12),
        ("0104", "kommune", "Moss", "3103", "01", 32_000, 25),
        ("0136", "kommune", "Rygge", "3103", "01", 15_000, 7),
        ("1902", "kommune", "Tromsø", "5501", "19", 75_000, 40),
        ("1504", "kommune", "Ålesund", None, "15", 47_000, 30),
        ("1515", "kommune", "Herøy", "1515", "15", 8_900, 5),
        ("1246", "kommune", "Fjell", "4626", "12", 25_000, 3),
    ],
    2019: [
        ("5001", "kommune", "Trondheim", "5001", "50", 195_000, 70),
        ("5012", "kommune", "Snillfjord", None, "50", 970, 5),
        ("0301", "kommune", "Oslo", "0301", "03", 680_000, 90),
        ("1201", "kommune", "Bergen", "4601", "12", 283_000, 65),
        ("1818", "kommune", "Herøy", "1818", "18", 1_700, 8),
        ("1804", "kommune", "Bodø", "1804", "18", 52_000, 35),
        ("0104", "kommune", "Moss", "3103", "01", 32_500, 9),
        ("1902", "kommune", "Tromsø", "5501", "19", 76_000, 30),
        ("1504", "kommune", "Ålesund", None, "15", 47_500, 28),
        ("1515", "kommune", "Herøy", "1515", "15", 8_900, 11),
        ("1820", "kommune", "Alstahaug", "1820", "18", 7_400, 6),
    ],
    2021: [
        ("5001", "kommune", "Trondheim", "5001", "50", 205_000, 75),
        ("030101", "bydel", "Gamle Oslo", "0301", "03", 60_000, 40),
        ("030102", "bydel", "Grünerløkka", "0301", "03", 63_000, 7),
        ("030103", "bydel", "Sagene", "0301", "03", 46_000, 15),
        ("030104", "bydel", "St. Hanshaugen", "0301", "03", 39_000, 3),
        ("4601", "kommune", "Bergen", "4601", "46", 285_000, 80),
        ("1818", "kommune", "Herøy (Nordland)", "1818", "18", 1_700, 9),
        ("1804", "kommune", "Bodø", "1804", "18", 52_500, 30),
        ("3002", "kommune", "Moss", "3103", "30", 50_000, 22),
        ("5401", "kommune", "Tromsø", "5501", "54", 77_000, 33),
        ("1507", "kommune", "Ålesund", None, "15", 66_000, 26),
        ("1515", "kommune", "Herøy (Møre og Romsdal)", "1515", "15", 8_900, 4),
        ("1820", "kommune", "Alstahaug", "1820", "18", 7_400, 5),
        ("4626", "kommune", "Øygarden", "4626", "46", 38_000, 6),
        ("5055", "kommune", "Heim", "5055", "50", 5_900, 3),
    ],
    2023: [
        ("5001", "kommune", "Trondheim - Tråante", "5001", "50", 212_000, 65),
        ("030101", "bydel", "Gamle Oslo", "0301", "03", 61_000, 35),
        ("030102", "bydel", "Grünerløkka", "0301", "03", 64_000, 12),
        ("030105", "bydel", "Frogner", "0301", "03", 59_000, 5),
        ("030108", "bydel", "Nordre Aker", "0301", "03", 52_000, 4),
        ("4601", "kommune", "Bergen", "4601", "46", 289_000, 70),
        ("1515", "kommune", "Herøy (Møre og Romsdal)", "1515", "15", 8_800, 6),
        ("1818", "kommune", "Herøy (Nordland)", "1818", "18", 1_700, 12),
        ("1804", "kommune", "Bodø", "1804", "18", 53_000, 28),
        ("3002", "kommune", "Moss", "3103", "30", 50_500, 8),
        ("5401", "kommune", "Tromsø", "5501", "54", 78_000, 31),
        ("1507", "kommune", "Ålesund", None, "15", 67_000, 27),
        ("4626", "kommune", "Øygarden", "4626", "46", 39_000, 14),
        ("1820", "kommune", "Alstahaug", "1820", "18", 7_300, 3),
    ],
}
MISSING_KINDS = ("vet_ikke", "ikke_aktuelt", "ubesvart")


def size_class(population: int) -> str:
    return SIZES[int(population >= 5000) + int(population >= 20000) + int(population >= 50000)]


def units_frame(units: dict[int, list[tuple]] | None = None) -> pd.DataFrame:
    """The unit table behind the fixture: one row per (wave, unit) with its respondent count."""
    rows = []
    for wave, lst in (units or UNITS).items():
        for uid, utype, name, k2024, county, pop, n in lst:
            rows.append(
                dict(
                    wave=wave,
                    unit_id=uid,
                    unit_type=utype,
                    unit_name=name,
                    kommune_id=uid[:4],
                    kommune_id_2024=k2024,
                    split_2024=k2024 is None,
                    county_id=county,
                    rhf_id=RHF_OF_COUNTY.get(county, "HSO"),
                    population=pop,
                    size_class=size_class(pop),
                    n=n,
                )
            )
    return pd.DataFrame(rows)


def _hex(values: np.ndarray, width: int) -> np.ndarray:
    return np.array([f"{int(v):0{width}x}" for v in values], dtype=object)


# share positive / negative of the five degree answers, near the real figures (DELIVERY.md §5)
P_POSITIVE = {"overall_satisfied": 0.54, "access_help_when_needed": 0.48,
              "relatives_involved": 0.25, "relatives_supported": 0.2}  # fmt: skip
P_NEGATIVE = {"relatives_involved": 0.46, "relatives_supported": 0.59}
P_NOT_APPLICABLE = {"relatives_supported": 0.36}
TREND = {2017: 0.0, 2019: 0.06, 2021: 0.09, 2023: 0.09}


def _degree(rng: np.random.Generator, p_pos: np.ndarray, p_neg: float) -> np.ndarray:
    """Answers 1..5: 4/5 with probability p_pos, 1/2 with p_neg, else 3."""
    u, v = rng.random(len(p_pos)), rng.random(len(p_pos))
    positive = np.where(v < 0.55, 4, 5)
    negative = np.where(v < 0.45, 1, 2)
    return np.where(u < p_pos, positive, np.where(u < p_pos + p_neg, negative, 3)).astype(np.int8)


def _missing(rng: np.random.Generator, n: int, p_na: float) -> np.ndarray:
    u = rng.random(n)
    out = np.full(n, None, dtype=object)
    out[u < 0.04] = "vet_ikke"
    out[(u >= 0.04) & (u < 0.04 + p_na)] = "ikke_aktuelt"
    out[(u >= 0.04 + p_na) & (u < 0.07 + p_na)] = "ubesvart"
    return out


def _choice(rng: np.random.Generator, values: list, p: list[float], n: int) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def generate(units: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """Random but deterministic respondents for a unit table (columns of units_frame())."""
    rng = np.random.default_rng(seed)
    q = questionnaire()
    cat = load_catalogue()
    idx = np.repeat(np.arange(len(units)), units["n"].to_numpy())
    u = units.iloc[idx].reset_index(drop=True)
    n = len(u)
    wave = u["wave"].to_numpy()
    out: dict[str, object] = {c: u[c].to_numpy() for c in ("unit_id", "unit_type", "unit_name")}
    out["wave"] = wave.astype(np.int16)
    counts = units["n"].to_numpy()
    row_in_unit = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    out["source_row"] = (row_in_unit + 1).astype(np.int32)
    key = (np.arange(n, dtype=np.uint64) + np.uint64(seed) * np.uint64(1 << 40)) * np.uint64(
        0x9E3779B97F4A7C15
    )
    out["respondent_key"] = _hex(key, 16)
    files = {
        (w, x): f"kommune_{x}.csv" for w, x in zip(units["wave"], units["unit_id"], strict=True)
    }
    out["source_file"] = np.array([files[(w, x)] for w, x in zip(wave, u["unit_id"], strict=True)])
    sha = {f: hashlib.sha256(f.encode()).hexdigest() for f in set(files.values())}
    out["source_sha256"] = np.array([sha[f] for f in out["source_file"]], dtype=object)
    for c in ("kommune_id", "kommune_id_2024", "county_id", "rhf_id", "size_class"):
        out[c] = u[c].to_numpy(dtype=object)
    out["split_2024"] = u["split_2024"].to_numpy(dtype=bool)
    out["population"] = pd.array(u["population"].to_numpy(), dtype="Int64")
    ages = rng.integers(18, 80, n)
    age_years = pd.array(ages, dtype="Int16")
    age_years[~np.isin(wave, [2019, 2021])] = pd.NA
    out["age_years"] = age_years
    bands = np.array(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"], dtype=object)
    out["age_band"] = bands[np.digitize(ages, [25, 35, 45, 55, 65])]
    day = pd.Timestamp("2021-03-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    out["response_date"] = (
        pd.Series(day).where(np.isin(wave, [2021, 2023])).astype("datetime64[ms]").to_numpy()
    )
    out["channel"] = np.where(wave == 2023, _choice(rng, ["web", "papir"], [0.8, 0.2], n), None)
    gender = _choice(rng, ["mann", "kvinne", "ubesvart"], [0.67, 0.31, 0.02], n)
    gender[(wave == 2023) & (rng.random(n) < 0.01)] = "annet"
    out["gender"] = gender
    out["lar"] = _choice(rng, ["ja", "nei", "ubesvart"], [0.25, 0.72, 0.03], n)
    act = _choice(rng, [str(i) for i in range(1, 8)] + ["ubesvart"], [0.1] * 6 + [0.37, 0.03], n)
    act[(wave == 2017) & (act == "6")] = "7"
    out["main_activity"] = act
    for s in q.services:
        out[s] = pd.array(rng.random(n) < 0.5, dtype="boolean")
    inpatient = _choice(rng, ["ja", "nei", "ubesvart"], [0.3, 0.67, 0.03], n)
    out["inpatient_last_2y"] = inpatient
    children = _choice(rng, ["ja", "nei", "ubesvart"], [0.25, 0.72, 0.03], n)
    children[wave == 2017] = None
    out["has_children_u18"] = children
    talk = _choice(rng, ["ja", "nei", "vet_ikke", "ubesvart"], [0.5, 0.4, 0.07, 0.03], n)
    talk[children != "ja"] = "ikke_aktuelt"
    talk[wave == 2017] = None
    out["children_talk_offered"] = talk
    unit_effect = rng.normal(0.0, 0.05, len(units))[idx]
    trend = np.array([TREND.get(int(w), 0.0) for w in units["wave"]])[idx]
    for k, item in enumerate(q.degree_items):
        asked_waves = {w for ind in cat.by_item(item) for w in ind.waves}
        asked = np.isin(wave, sorted(asked_waves))
        p_pos = np.clip(P_POSITIVE.get(item, 0.5 + 0.08 * np.sin(k)) + unit_effect + trend, 0, 0.75)
        answer = _degree(rng, p_pos, P_NEGATIVE.get(item, 0.2))
        p_na = P_NOT_APPLICABLE.get(item, 0.2 if item.startswith("help_") else 0.04)
        miss = _missing(rng, n, p_na)
        if item == "aftercare_followup":
            miss[inpatient == "nei"] = "ikke_aktuelt"
        miss[~asked] = "ikke_spurt"
        values = pd.array(answer, dtype="Int8")
        values[pd.notna(miss)] = pd.NA
        out[item] = values
        out[missing_column(item)] = miss
    frame = pd.DataFrame(out)
    for c in frame.columns:  # text columns are categorical but the keys (schemas.harmonized)
        if c != "respondent_key" and (frame[c].dtype == object or str(frame[c].dtype) == "str"):
            frame[c] = frame[c].astype("category")
    frame["respondent_key"] = frame["respondent_key"].astype("str")
    return frame


def make_harmonized(seed: int = 7, waves: tuple[int, ...] | None = None) -> pd.DataFrame:
    """The small multi-wave fixture (about 1 900 respondents)."""
    units = units_frame()
    if waves is not None:
        units = units[units["wave"].isin(waves)].reset_index(drop=True)
    return generate(units, seed)


def large_units(n_rows: int = 1_000_000, n_units: int = 357, wave: int = 2023) -> pd.DataFrame:
    """Synthetic unit table: n_units kommuner over all counties and size classes."""
    rng = np.random.default_rng(11)
    counties = sorted(c for c in RHF_OF_COUNTY if c not in ("01", "12", "16", "19"))
    weights = rng.lognormal(0, 1, n_units)
    n = np.maximum(10, np.floor(weights / weights.sum() * n_rows)).astype(int)
    n[5::30] = 3 + np.arange(len(n[5::30])) % 7  # a dozen small units to pool
    n[np.argmax(n)] += n_rows - n.sum()
    pops = (weights * 20_000).astype(int) + 500
    rows = []
    for i in range(n_units):
        county = counties[i % len(counties)]
        uid = f"{county}{(i // len(counties)):02d}"
        rows.append(
            dict(
                wave=wave,
                unit_id=uid,
                unit_type="kommune",
                unit_name=f"Kommune {uid}",
                kommune_id=uid,
                kommune_id_2024=uid,
                split_2024=False,
                county_id=county,
                rhf_id=RHF_OF_COUNTY[county],
                population=int(pops[i]),
                size_class=size_class(int(pops[i])),
                n=int(n[i]),
            )
        )
    return pd.DataFrame(rows)


def make_large_harmonized(n_rows: int = 1_000_000, n_units: int = 357) -> pd.DataFrame:
    """About n_rows respondents in one wave over n_units municipalities (benchmark)."""
    return generate(large_units(n_rows, n_units), seed=3)
