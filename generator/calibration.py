"""Answer distributions of the synthetic respondents, calibrated to the real national figures.

Everything here is in harmonized terms (items.yaml). DELIVERY.md §5 gives the real published
figures; the targets below reproduce them at default size. Items without a published figure get
plausible levels. A wave without an entry (e.g. a future 2025) uses the base levels.
"""

from __future__ import annotations

import numpy as np

# Index of a degree item's raw answer kind: 0 blank, 1–5 scale, 6 vet_ikke, 7 ikke_aktuelt.
DEGREE_VALUES: tuple[object, ...] = ("ubesvart", 1, 2, 3, 4, 5, "vet_ikke", "ikke_aktuelt")
BLANK, VET_IKKE, IKKE_AKTUELT = 0, 6, 7

# item: (share positive among valid answers, share ikke_aktuelt among all respondents)
BASE_ITEMS: dict[str, tuple[float, float]] = {
    "access_help_when_needed": (0.56, 0.02),
    "access_easy_contact": (0.60, 0.02),
    "access_information": (0.61, 0.03),
    "staff_respect": (0.78, 0.01),
    "staff_trust": (0.70, 0.02),
    "staff_understanding": (0.64, 0.02),
    "influence": (0.55, 0.04),
    "help_matches_needs": (0.57, 0.03),
    "coping_everyday": (0.52, 0.04),
    "help_housing": (0.50, 0.22),
    "help_economy": (0.46, 0.20),
    "help_work_or_education": (0.30, 0.40),
    "help_work": (0.28, 0.42),
    "help_education": (0.24, 0.48),
    "help_physical_activity": (0.32, 0.25),
    "help_nutrition": (0.30, 0.28),
    "help_social_network": (0.30, 0.22),
    "help_leisure": (0.30, 0.22),
    "help_substance_coping": (0.55, 0.08),
    "aftercare_followup": (0.48, 0.05),
    "relatives_involved": (0.34, 0.15),
    "relatives_supported": (0.22, 0.36),
    "digital_contact": (0.50, 0.10),
    "overall_satisfied": (0.60, 0.01),
}
# Share negative (1 or 2) among valid answers where it is not (1 - positive) * NEGATIVE_OF_REST.
BASE_NEGATIVE = {"relatives_involved": 0.44, "relatives_supported": 0.57}
NEGATIVE_OF_REST = 0.45
WAVE_SHIFT = {2017: -0.05, 2019: 0.0, 2021: 0.03, 2023: 0.03}

# Real national figures (DELIVERY.md §5). Keys: positive, negative (of valid answers),
# ikke_aktuelt, vet_ikke, blank (of all asked).
WAVE_TARGETS: dict[int, dict[str, dict[str, float]]] = {
    2017: {"overall_satisfied": {"positive": 0.54}, "relatives_involved": {"negative": 0.46}},
    2019: {"overall_satisfied": {"positive": 0.60}, "access_help_when_needed": {"positive": 0.54}},
    2021: {
        "overall_satisfied": {"positive": 0.63},
        "relatives_supported": {
            "positive": 0.20,
            "negative": 0.59,
            "ikke_aktuelt": 0.36,
            "vet_ikke": 0.0,
            "blank": 0.0,
        },
    },
}
MEN_SHARE = {2019: 0.69}
DEFAULT_MEN_SHARE = 0.68
PAPER_WAVES_BLANK = {2017: 0.05}  # keyed paper forms have more blanks
DEFAULT_BLANK, DEFAULT_VET_IKKE = 0.03, 0.03

# Categorical items: harmonized value → probability (values a wave cannot express are dropped).
CATEGORICAL: dict[str, dict[str, float]] = {
    "lar": {"ja": 0.26, "nei": 0.71, "ubesvart": 0.03},
    "main_activity": {
        "1": 0.06,
        "2": 0.06,
        "3": 0.04,
        "4": 0.12,
        "5": 0.38,
        "6": 0.22,
        "7": 0.10,
        "ubesvart": 0.02,
    },
    "inpatient_last_2y": {"ja": 0.38, "nei": 0.58, "ubesvart": 0.04},
    "has_children_u18": {"ja": 0.26, "nei": 0.71, "ubesvart": 0.03},
    "children_talk_offered": {"ja": 0.45, "nei": 0.38, "vet_ikke": 0.12, "ubesvart": 0.05},
    "channel": {"web": 0.68, "papir": 0.32},
}
# A value a wave cannot express is counted as another (2017: AAP was counted as 7 "Annet").
FOLD_INTO = {"main_activity": {"6": "7"}}
SERVICE_SHARES = (0.78, 0.62, 0.55, 0.36, 0.21, 0.09)
AGE_BANDS = ((18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55-64"), (65, "65+"))

# Latent score: a·person + b·unit + c·noise (a² + b² + c² = 1), cut at its empirical quantiles.
PERSON_WEIGHT, UNIT_WEIGHT = 0.6, 0.25
NOISE_WEIGHT = float(np.sqrt(1 - PERSON_WEIGHT**2 - UNIT_WEIGHT**2))


def degree_target(item: str, wave: int) -> dict[str, float]:
    """positive, negative, ikke_aktuelt, vet_ikke and blank shares of a degree item in a wave."""
    positive, ikke_aktuelt = BASE_ITEMS.get(item, (0.5, 0.05))
    positive = min(0.95, max(0.05, positive + WAVE_SHIFT.get(wave, 0.0)))
    target = {
        "positive": positive,
        "ikke_aktuelt": ikke_aktuelt,
        "vet_ikke": DEFAULT_VET_IKKE,
        "blank": PAPER_WAVES_BLANK.get(wave, DEFAULT_BLANK),
    }
    target.update(WAVE_TARGETS.get(wave, {}).get(item, {}))
    target.setdefault(
        "negative", BASE_NEGATIVE.get(item, (1 - target["positive"]) * NEGATIVE_OF_REST)
    )
    return target


def scale_cumulative(target: dict[str, float]) -> np.ndarray:
    """Cumulative shares of answers 1…4 among valid answers (5 takes the rest)."""
    positive, negative = target["positive"], target["negative"]
    return np.array((negative * 0.4, negative, 1 - positive, 1 - positive * 0.45))


def categorical_probabilities(item: str, allowed: set[str]) -> dict[str, float]:
    """The item's distribution over the harmonized values the wave can express (plus blank)."""
    probs = dict(CATEGORICAL[item])
    for src, dst in FOLD_INTO.get(item, {}).items():
        if src not in allowed and dst in allowed and src in probs:
            probs[dst] = probs.get(dst, 0.0) + probs.pop(src)
    kept = {k: v for k, v in probs.items() if k in allowed or k == "ubesvart"}
    total = sum(kept.values())
    return {k: v / total for k, v in kept.items()}


def gender_probabilities(wave: int, allowed: set[str]) -> dict[str, float]:
    men = MEN_SHARE.get(wave, DEFAULT_MEN_SHARE)
    other = 0.02 if "annet" in allowed else 0.0
    blank = 0.005
    probs = {"mann": men, "kvinne": 1 - men - other - blank, "annet": other, "ubesvart": blank}
    return {k: v for k, v in probs.items() if v > 0}


def age_band(age: np.ndarray) -> np.ndarray:
    """Index into AGE_BANDS for ages in years (18 or more)."""
    return np.searchsorted(np.array([lo for lo, _ in AGE_BANDS[1:]]), age, side="right")
