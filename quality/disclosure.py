"""Disclosure control for the published cell table (DELIVERY.md §6). Pure; no Dagster.

Primary rules (thresholds in quality/disclosure.yaml):
- `unit_pooled`: a kommune/bydel under `unit_threshold` respondents gets no cells of its own; it
  is in a pool (assets.indicators.pools), whose reason its report shows. `unit_pooled_secondary`:
  a unit moved into the last pool so that the pool can be published. `pool_below_threshold`: a
  pool that cannot reach `pool_min_respondents` from `pool_min_units` units, even widened.
- `group_below_threshold`: national, RHF, county, size class or Oslo's aggregate under
  `unit_threshold` respondents: withheld (n_respondents and n_valid null too).
- `item_below_threshold`: fewer than `item_threshold` valid answers: "for få svar".
- `band`: fewer than `band_max_valid` valid answers and a share below `band_low` or above
  `band_high` (which includes every 0 % and 100 %): shown as "under 10 %" / "over 90 %". Banding
  all near-extreme shares, not only 0/100 %, keeps the band from meaning "exactly 0".
- `band_too_narrow`: a band is shown only where it admits at least `audit_min_values` counts
  (with the defaults from 11 valid answers: "under 10 %" at n ≤ 10 can only be 0); otherwise
  the cell is withheld and shown as "for få svar".
A suppressed or banded cell has null share, n_positive, CI and change; n_valid stays (the
"n" of the figure) unless the whole group is withheld.

Secondary protection (quality.secondary with the exact audit of quality.linear_audit). The
attacker model: every shown figure is a sum over the units (kommuner/bydeler) it covers, and
pub.units tells which units every national, RHF, county, size-class, pool and Oslo figure
covers. Protected, for respondents and, per indicator and measure, for (n_valid, n_positive):
1. any subtraction or linear combination of shown figures of one wave and edition that yields
   a set of units with 1–9 respondents (`secondary_group`: the covering aggregate, else a unit,
   is withheld whole), or 1–9 valid answers, or fewer than `band_max_valid` valid answers all
   (or none) positive (`secondary_cell`). This covers unit vs parent totals (county − its
   shown kommuner), pool vs members, Oslo vs its bydeler, national vs everything published
   (RHF, counties, size classes, pools, units) and every chain of such subtractions;
2. the same across editions of the wave: with `previous_editions` (their published cells; plus
   `previous_units` to know which units were not yet delivered), unchanged units share one
   unknown between editions, and any derivable change (new − old) of a set of changed units of
   1–9 respondents or 1–9 valid answers is a leak (`revision_group` / `revision_cell`), unless
   it is a newly delivered unit whose own figures are published anyway.
Not modelled: combinations across waves (different respondents; change_vs_previous uses only
shown cells) and three-way comparisons of editions (each earlier edition is compared with the
new one). Hiding is greedy, deterministic and by cost (quality.secondary.cost): the cheapest
figure whose hiding breaks a finding; the national figure is never a complement within an
edition (DisclosureError names the units instead); across editions the earlier order stays.

Then the interval audit (quality.interval_audit, also the blocking disclosure_attack gate)
checks the candidate publication with non-negativity, integrality, bands and the answer
distribution; quality.audit_repair hides cost-ranked complements until it finds nothing.
Every decision is logged with the rule, the figure it protects and its cost.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from quality.linear_audit import Values

CONFIG_FILE = Path(__file__).with_name("disclosure.yaml")
TOO_FEW = "for få svar"
HIDDEN = "skjult av personvernhensyn"
PRIMARY_GROUP_RULES = ("unit_pooled", "unit_pooled_secondary", "pool_below_threshold")
PRIMARY_GROUP_RULES += ("group_below_threshold",)


@dataclass(frozen=True)
class DisclosureConfig:
    unit_threshold: int = 10
    pool_min_respondents: int = 10
    pool_min_units: int = 2
    item_threshold: int = 5
    band_max_valid: int = 20
    band_low: float = 0.10
    band_high: float = 0.90
    differencing_threshold: int = 10
    secondary_protection: bool = True
    size_class_bounds: tuple[int, ...] = (5000, 20000, 50000)
    audit_min_values: int = 2
    audit_time_limit_seconds: float = 120.0

    @classmethod
    def load(cls, path: Path | str = CONFIG_FILE, **overrides: Any) -> DisclosureConfig:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in raw.items() if k in names}
        values.update(overrides)
        if "size_class_bounds" in values:
            values["size_class_bounds"] = tuple(int(b) for b in values["size_class_bounds"])
        return cls(**values)

    def replace(self, **changes: Any) -> DisclosureConfig:
        return dataclasses.replace(self, **changes)

    @property
    def band_texts(self) -> tuple[str, str]:
        return f"under {round(self.band_low * 100)} %", f"over {round(self.band_high * 100)} %"


def default_config() -> DisclosureConfig:
    return DisclosureConfig.load()


TEXT_ORDER = ("unit_pooled", "item_below_threshold", "band", "band_too_narrow", "secondary")


def rule_texts(config: DisclosureConfig | None = None, path: Path | str = CONFIG_FILE) -> dict:
    """The bokmål text of every rule (quality/disclosure.yaml `texts`), numbers filled in."""
    cfg = config or default_config()
    raw = (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("texts", {})
    values = dataclasses.asdict(cfg) | {
        "band_low_pct": round(cfg.band_low * 100),
        "band_high_pct": round(cfg.band_high * 100),
        "band_min_valid": min_band_valid(cfg),
    }
    return {k: " ".join(str(v).split()).format(**values) for k, v in raw.items()}


def primary_cells(
    n_valid: np.ndarray, n_positive: np.ndarray, config: DisclosureConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: rule code (None: shown) and display text for the band, vectorised."""
    nv = np.asarray(n_valid, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(nv > 0, np.asarray(n_positive, float) / np.where(nv > 0, nv, 1), np.nan)
    rule = np.full(nv.shape, None, dtype=object)
    display = np.full(nv.shape, None, dtype=object)
    few = nv < config.item_threshold
    rule[few], display[few] = "item_below_threshold", TOO_FEW
    small = ~few & (nv < config.band_max_valid)
    low, high = small & (share < config.band_low), small & (share > config.band_high)
    rule[low | high] = "band"
    display[low], display[high] = config.band_texts
    lo_n, hi_n = band_counts(nv, config)
    narrow = (low & (lo_n < config.audit_min_values)) | (high & (hi_n < config.audit_min_values))
    rule[narrow], display[narrow] = "band_too_narrow", TOO_FEW
    return rule, display


def band_counts(n_valid: np.ndarray, config: DisclosureConfig) -> tuple[np.ndarray, np.ndarray]:
    """How many positive counts "under X %" and "over Y %" admit at each n_valid.

    Share < p/q means q·positive ≤ p·n − 1; share > P/Q means Q·positive ≥ P·n + 1.
    """
    nv = np.asarray(n_valid, dtype=np.int64)
    lo, hi = (
        Fraction(config.band_low).limit_denominator(1000),
        Fraction(config.band_high).limit_denominator(1000),
    )
    under = np.maximum(0, (lo.numerator * nv - 1) // lo.denominator + 1)
    first_over = -((-(hi.numerator * nv + 1)) // hi.denominator)
    over = np.maximum(0, nv - first_over + 1)
    return under, over


def min_band_valid(config: DisclosureConfig) -> int:
    """The smallest n_valid at which both bands admit `audit_min_values` counts."""
    nv = np.arange(0, max(config.band_max_valid, 1) + 1)
    lo, hi = band_counts(nv, config)
    ok = np.flatnonzero((lo >= config.audit_min_values) & (hi >= config.audit_min_values))
    return int(ok[0]) if len(ok) else config.band_max_valid


def group_rules(config: DisclosureConfig) -> tuple:
    """Predicates for respondent counts: (is_small, bound, is_small_change)."""
    t = config.differencing_threshold

    def is_small(v: Values) -> bool:
        return 0 < v[0] < t

    def is_small_change(v: Values) -> bool:
        return 0 < abs(v[0]) < t

    return is_small, float(t), is_small_change


def cell_rules(config: DisclosureConfig) -> tuple:
    """Predicates for (n_valid, n_positive): (is_small, bound, is_small_change)."""
    t, band = config.differencing_threshold, config.band_max_valid

    def is_small(v: Values) -> bool:
        nv, npos = v[0], v[1]
        return nv > 0 and (nv < t or (nv < band and (npos == 0 or npos == nv)))

    def is_small_change(v: Values) -> bool:
        return (v[0] != 0 or v[1] != 0) and abs(v[0]) < t

    return is_small, float(max(t, band)), is_small_change


def display_for(rule: str | None, band_text: str | None) -> str | None:
    """Display text of a suppressed cell by its rule."""
    if rule is None:
        return None
    if rule == "band":
        return band_text
    if rule.startswith(("secondary", "revision")):
        return HIDDEN
    return TOO_FEW
