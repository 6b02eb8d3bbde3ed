"""Which units take part in a wave and how many respond in each (real codes of the wave's list).

Uses the project's reference API (reference.geography): code_list, bydeler, population,
unit_name. From 2021 Oslo takes part per bydel (see `by_bydel`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from reference import geography as geo
from schemas.codebook import Codebook

OSLO = "0301"
# Units and respondents at scale 1 come from the codebook (delivery.default_units,
# delivery.default_respondents); this is for a codebook that does not say.
FALLBACK_SIZE = (50, 1000)
BYDEL_SHARE = 0.2  # share of a bydel wave's units that are Oslo bydeler (default units)
MIN_BYDEL_POPULATION = 5000  # Sentrum and Marka have hardly any inhabitants
FALLBACK_POPULATION = 4000
_QUALIFIER = re.compile(r"\s*\([^()]*\)$")
_ASCII = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "å": "a", "Å": "A"})


@dataclass(frozen=True)
class Unit:
    code: str  # as in the wave's code list: 4 digits, or 6 for a bydel
    name: str  # code-list name (a bydel's plain name)
    kind: str  # kommune | bydel
    population: int
    n: int = 0

    @property
    def content_name(self) -> str:
        """The name as the vendor writes it: no county qualifier; `Bydel X` for a bydel."""
        if self.kind == "bydel":
            return f"Bydel {self.name}"
        return _QUALIFIER.sub("", self.name)

    @property
    def name_ascii(self) -> str:
        return ascii_name(_QUALIFIER.sub("", self.name))


def ascii_name(name: str) -> str:
    """`Grünerløkka` → `Grunerlokka`, `St. Hanshaugen` → `St_Hanshaugen` (safe in file names)."""
    text = unicodedata.normalize("NFKD", name.translate(_ASCII))
    text = text.encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "ukjent"


def by_bydel(book: Codebook) -> bool:
    return bool(book.delivery.get("oslo_by_bydel", False))


def default_size(book: Codebook) -> tuple[int, int]:
    units, total = FALLBACK_SIZE
    return (
        int(book.delivery.get("default_units", units)),
        int(book.delivery.get("default_respondents", total)),
    )


def _population(code: str, year: int) -> int:
    try:
        pop = geo.population(code, year)
    except Exception:  # reference data without that year: any plausible size will do
        pop = None
    return int(pop) if pop else FALLBACK_POPULATION


def candidates(book: Codebook) -> tuple[list[Unit], list[Unit]]:
    """(municipalities, bydeler) that may take part; Oslo is among the municipalities."""
    year = book.code_list_year
    munis = [
        Unit(r.code, r.name, "kommune", _population(r.code, year))
        for r in geo.code_list(year).itertuples()
    ]
    bydeler: list[Unit] = []
    if by_bydel(book) and any(u.code == OSLO for u in munis):
        valid = {u.code for u in munis}
        for r in geo.bydeler().itertuples():
            if r.parent in valid and geo.is_valid_unit(r.code, year):
                bydeler.append(Unit(r.code, r.name, "bydel", _population(r.code, year)))
    return munis, bydeler


def choose_units(
    book: Codebook, units: str | int, total: int, rng: np.random.Generator, reserve: int = 0
) -> list[Unit]:
    """The wave's units with their respondent counts (sum = total), ordered by code.

    With units="all", `reserve` municipalities are left out (for extra files that need units
    not otherwise in the wave)."""
    munis, bydeler = candidates(book)
    if bydeler:
        munis = [u for u in munis if u.code != OSLO]
        big_bydeler = [b for b in bydeler if b.population >= MIN_BYDEL_POPULATION]
    if units == "all":
        others = [u for u in munis if u.code != OSLO]
        held = {others[int(i)].code for i in rng.choice(len(others), reserve, replace=False)}
        chosen = [u for u in munis if u.code not in held] + (big_bydeler if bydeler else [])
    else:
        n_units = default_size(book)[0] if units == "default" else int(units)
        if bydeler:
            k = min(len(big_bydeler), max(1, round(n_units * BYDEL_SHARE)))
            chosen = _sample(big_bydeler, k, rng) + _sample(munis, n_units - k, rng)
        else:
            oslo = [u for u in munis if u.code == OSLO]
            rest = [u for u in munis if u.code != OSLO]
            chosen = oslo + _sample(rest, n_units - len(oslo), rng)
    chosen.sort(key=lambda u: u.code)
    if total < len(chosen):
        raise ValueError(f"wave {book.wave}: {total} respondents cannot fill {len(chosen)} units")
    sizes = allocate(np.array([u.population for u in chosen], dtype=float), total, rng)
    return [
        Unit(u.code, u.name, u.kind, u.population, int(n))
        for u, n in zip(chosen, sizes, strict=True)
    ]


def _sample(pool: list[Unit], k: int, rng: np.random.Generator) -> list[Unit]:
    k = max(0, min(k, len(pool)))
    weights = np.array([u.population for u in pool], dtype=float) ** 0.6
    idx = rng.choice(len(pool), size=k, replace=False, p=weights / weights.sum())
    return [pool[i] for i in sorted(idx)]


def allocate(population: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Respondents per unit: skewed by population, several units under 10, sum = total."""
    k = len(population)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    weights = population**0.5 * rng.lognormal(0.0, 0.4, k)
    small_wanted = min(max(2, k // 6), k - 1) if total >= 10 * k // 2 else 0
    order = np.argsort(weights, kind="stable")
    sizes = np.zeros(k, dtype=np.int64)
    small = order[:small_wanted]
    sizes[small] = np.minimum(rng.integers(2, 10, small_wanted), max(total // k, 2))
    big = order[small_wanted:]
    rest = total - int(sizes[small].sum())
    share = weights[big] / weights[big].sum() * rest
    base = np.maximum(np.floor(share).astype(np.int64), 1)
    remainder = rest - int(base.sum())
    if remainder > 0:
        top = np.argsort(-(share - np.floor(share)), kind="stable")
        base[top[np.arange(remainder) % len(big)]] += 1
    while remainder < 0:  # minimum of 1 overshot: take from the largest
        i = int(np.argmax(base))
        take = min(-remainder, int(base[i]) - 1)
        if take <= 0:
            break
        base[i] -= take
        remainder += take
    sizes[big] = base
    return sizes
