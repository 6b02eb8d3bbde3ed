"""Bokmål labels and number formatting shared by the PDF reports and the dashboard.

Formatting rules (tests re-implement them independently):
- a share is shown as the published `display` text (never re-rounded here);
- a confidence interval is `lo–hi` in whole percent, rounded half up (`58–68`);
- a change is in whole percentage points with sign (`+5`, `−3`, `0`), true minus sign U+2212;
- counts use a no-break space as thousands separator (`1 234`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from quality.disclosure import default_config
from reference.geography import rhf_names, size_class_labels
from schemas.questionnaire import questionnaire, short_label

NBSP = "\u00a0"
MINUS = "\u2212"
SURVEY_NAME = "Brukererfaringsundersøkelsen"
SURVEY_SUBTITLE = "Kommunale tjenester til personer med rusmiddelproblemer"

UNIT_TYPE_ORDER = ("national", "rhf", "county", "size_class", "pool", "kommune", "bydel")
UNIT_TYPE_LABELS = {
    "national": "Hele landet",
    "rhf": "Helseregion",
    "county": "Fylke",
    "size_class": "Kommunestørrelse",
    "pool": "Gruppe av små kommuner",
    "kommune": "Kommune",
    "bydel": "Bydel",
}
UNIT_TYPE_PLURALS = {
    "national": "Hele landet",
    "rhf": "Helseregioner",
    "county": "Fylker",
    "size_class": "Kommunestørrelser",
    "pool": "Grupper av små kommuner",
    "kommune": "Kommuner",
    "bydel": "Bydeler",
}
SIZE_CLASS_SHORT = size_class_labels(default_config().size_class_bounds, short=True)
RHF_NAMES = rhf_names()
TOPIC_TITLES = questionnaire().topics
# Why a change against the previous wave is not given (assets.indicators.change reason codes).
COMPARABILITY_TEXTS = {
    "question_changed": "spørsmålet eller skalaen er endret",
    "geography_changed": "enheten har endret grenser",
    "geography_split": "kommunen er delt, så tidsserien brytes",
    "unit_type": "sammenslåtte grupper endrer seg fra måling til måling",
    "suppressed": "tallet er skjermet",
    "no_previous": "enheten var ikke med i forrige måling",
}
EDITION_LABELS = {
    "preliminary": "foreløpig utgave",
    "final": "endelig utgave",
}
ANSWER_LABELS = {
    "1": "I svært liten grad",
    "2": "I liten grad",
    "3": "I noen grad",
    "4": "I stor grad",
    "5": "I svært stor grad",
    "ja": "Ja",
    "nei": "Nei",
    "vet_ikke": "Vet ikke",
    "ikke_aktuelt": "Ikke aktuelt",
    "ubesvart": "Ikke besvart",
}
MEASURE_NOTES = {
    "share_positive": "andel i stor eller svært stor grad",
    "share_negative": "andel i liten eller svært liten grad",
}
OVERALL = ("overall_satisfied", "share_positive")
# Text alternatives of the charts (PDF figures and dashboard), the figures in words. `{value}` is
# a published display text, `{ci}` an interval from fmt_ci; a withheld figure is its display alone.
ALT_TEXTS = {
    "point": "{value} (KI {ci})",
    "wave_point": "{wave}: {point}",
    "series": "{name}: {points}",
    "subject": "«{label}», {note}",
    "trend": "Figur: {subject}, per måling, med 95 % konfidensintervall. {series}.",
    "interval": "Figur: {subject}, med 95 % konfidensintervall. {series}.",
    "distribution": "Figur: svarfordeling {wave}. {parts}.",
    "answer": "{label}: {pct} ({n} svar)",
}


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    measure: str
    label: str
    short: str
    topic: str
    topic_title: str
    order: int
    note: str


@lru_cache(maxsize=1)
def _catalogue() -> dict[tuple[str, str], Indicator]:
    q = questionnaire()
    items = [(i, d["topic"], d["wording"]) for i, d in q.degree_items.items()]
    children = q.categorical_items.get("children_talk_offered", {})
    items.append(
        ("children_talk_offered", children.get("topic", "barn"), children.get("wording", ""))
    )
    topics = list(TOPIC_TITLES)
    out: dict[tuple[str, str], Indicator] = {}
    for pos, (item, topic, wording) in enumerate(items):
        for measure in ("share_positive", "share_negative"):
            negative = measure == "share_negative"
            note = "andel ja" if item == "children_talk_offered" else MEASURE_NOTES[measure]
            out[(item, measure)] = Indicator(
                indicator_id=item,
                measure=measure,
                label=wording + (" (negative svar)" if negative else ""),
                short=short_label(item) + (" (negativ)" if negative else ""),
                topic=topic if topic in TOPIC_TITLES else "annet",
                topic_title=TOPIC_TITLES.get(topic, TOPIC_TITLES["annet"]),
                order=(topics.index(topic) if topic in topics else 99) * 1000 + pos * 2 + negative,
                note=note,
            )
    return out


def indicator(indicator_id: str, measure: str) -> Indicator:
    """Wording, short label and topic of one published indicator (unknown ids get a fallback)."""
    found = _catalogue().get((indicator_id, measure))
    if found is not None:
        return found
    return Indicator(
        indicator_id,
        measure,
        indicator_id,
        indicator_id,
        "annet",
        TOPIC_TITLES["annet"],
        99_999,
        MEASURE_NOTES.get(measure, measure),
    )


def series_label(unit_type: str, unit_id: str, name: str) -> str:
    """A unit's name in a chart legend: a size class says what it is."""
    if unit_type == "size_class":
        return "Kommunestørrelse " + SIZE_CLASS_SHORT.get(unit_id, name)
    return name


def edition_label(edition: str) -> str:
    if edition.startswith("rev") and edition[3:].isdigit():
        return f"revisjon {edition[3:]}"
    if edition.startswith("preliminary-") and edition[12:].isdigit():
        return f"foreløpig utgave {edition[12:]}"
    return EDITION_LABELS.get(edition, edition)


def half_up(x: float) -> int:
    return math.floor(x + 0.5)


def fmt_pct_number(x: float) -> str:
    return str(half_up(x * 100))


def fmt_ci(lo: float, hi: float) -> str:
    return f"{fmt_pct_number(lo)}–{fmt_pct_number(hi)}"


def fmt_change(d: float) -> str:
    pp = half_up(abs(d) * 100)
    if pp == 0:
        return "0"
    return ("+" if d > 0 else MINUS) + str(pp)


def fmt_int(n: int) -> str:
    return f"{n:,}".replace(",", NBSP)


def fmt_respondents(n: int | None, min_unit: int = 10) -> str:
    """Respondents in a unit; null (a pooled unit) is shown as `under <min_unit>`."""
    return f"under {min_unit}" if n is None else fmt_int(n)
