"""The indicator catalogue as typed Python objects.

An indicator is one published (item, measure): `share_positive` or `share_negative` of a
harmonized item. Every degree item of schemas/items.yaml is a share-positive indicator; the
other measures are listed in schemas/indicators.yaml. Wave comparability is derived from the
codebooks: an indicator's *series* are runs of waves that asked its item, broken where a codebook
declares `series_breaks`; change is only computed between two waves of the same series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from schemas.codebook import Codebook, codebooks
from schemas.questionnaire import POSITIVE_DEGREE_CODES, questionnaire

CATALOGUE_FILE = Path(__file__).with_name("indicators.yaml")
MEASURES = ("share_positive", "share_negative")
DENOMINATORS = ("degree_1_5", "ja_nei")
DEGREE_ANSWERS = ("1", "2", "3", "4", "5", "vet_ikke", "ikke_aktuelt", "ubesvart")
JA_NEI_ANSWERS = ("ja", "nei", "vet_ikke", "ikke_aktuelt", "ubesvart")


@dataclass(frozen=True)
class Indicator:
    id: str
    item: str
    measure: str
    positive_codes: tuple[int | str, ...]
    denominator: str
    series: tuple[tuple[int, ...], ...]
    label: str
    topic: str

    @property
    def waves(self) -> tuple[int, ...]:
        """Every wave the indicator exists in."""
        return tuple(sorted({w for s in self.series for w in s}))

    @property
    def valid_codes(self) -> tuple[int | str, ...]:
        """The answers in the denominator."""
        return (1, 2, 3, 4, 5) if self.denominator == "degree_1_5" else ("ja", "nei")

    @property
    def answers(self) -> tuple[str, ...]:
        """All answer categories of the item's distribution, as text."""
        return DEGREE_ANSWERS if self.denominator == "degree_1_5" else JA_NEI_ANSWERS

    def comparable(self, earlier: int, later: int) -> bool:
        """Whether the indicator is comparable between two waves (same series)."""
        return any(earlier in s and later in s for s in self.series) and earlier != later

    def comparable_pairs(self) -> dict[tuple[int, int], bool]:
        """For every ordered pair of waves the indicator exists in: comparable or not."""
        ws = self.waves
        return {(a, b): self.comparable(a, b) for a in ws for b in ws if a < b}


@dataclass(frozen=True)
class Geography:
    code_list_by_wave: dict[int, int]
    always_comparable: tuple[str, ...]
    never_comparable: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    version: int
    waves: tuple[int, ...]
    geography: Geography
    indicators: tuple[Indicator, ...]

    def by_item(self, item: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.item == item)

    def get(self, item: str, measure: str) -> Indicator:
        for ind in self.indicators:
            if ind.item == item and ind.measure == measure:
                return ind
        raise KeyError(f"no indicator for item {item!r}, measure {measure!r}")

    def items(self) -> tuple[str, ...]:
        """The distinct items, in catalogue order."""
        return tuple(dict.fromkeys(i.item for i in self.indicators))

    def for_wave(self, wave: int) -> tuple[Indicator, ...]:
        """Indicators whose item the wave asked: its codebook decides, so a new wave needs no
        catalogue change to be published (only to be declared comparable with earlier waves)."""
        books = codebooks()
        if wave not in books:
            return tuple(i for i in self.indicators if wave in i.waves)
        asked = books[wave].harmonized_targets()
        return tuple(i for i in self.indicators if i.item in asked)


def _indicator(raw: dict, topics: dict[str, str], series: tuple[tuple[int, ...], ...]) -> Indicator:
    if raw["measure"] not in MEASURES:
        raise ValueError(f"indicator {raw['id']}: unknown measure {raw['measure']!r}")
    if raw["denominator"] not in DENOMINATORS:
        raise ValueError(f"indicator {raw['id']}: unknown denominator {raw['denominator']!r}")
    return Indicator(
        id=str(raw["id"]),
        item=str(raw["item"]),
        measure=str(raw["measure"]),
        positive_codes=tuple(raw["positive_codes"]),
        denominator=str(raw["denominator"]),
        series=series,
        label=str(raw["label"]),
        topic=str(raw.get("topic") or topics.get(raw["item"], "")),
    )


def derive_series(item: str, books: Mapping[int, Codebook]) -> tuple[tuple[int, ...], ...]:
    """The comparable runs of waves that asked `item`: a wave continues the series of the previous
    wave that asked it, unless its codebook declares a break for the item."""
    series: list[list[int]] = []
    for wave, book in sorted(books.items()):
        if item not in book.harmonized_targets():
            continue
        if not series or item in book.series_breaks:
            series.append([wave])
        else:
            series[-1].append(wave)
    return tuple(tuple(s) for s in series)


def _entries(raw: dict) -> list[dict]:
    """Catalogue entries: share positive of every degree item (items.yaml), each followed by the
    extra measures of indicators.yaml for that item; extras of other items come last."""
    q = questionnaire()
    extras = list(raw.get("indicators") or ())
    entries: list[dict] = []
    for item, spec in q.degree_items.items():
        entries.append(
            {
                "id": item,
                "item": item,
                "measure": "share_positive",
                "positive_codes": list(POSITIVE_DEGREE_CODES),
                "denominator": "degree_1_5",
                "label": spec.get("label") or spec["wording"],
            }
        )
        entries += [e for e in extras if e["item"] == item]
    entries += [e for e in extras if e["item"] not in q.degree_items]
    return entries


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    q = questionnaire()
    topics = {k: v.get("topic", "") for k, v in q.degree_items.items()}
    topics |= {k: v.get("topic", "") for k, v in q.categorical_items.items()}
    books = codebooks()
    geo = raw["geography"]
    indicators = tuple(
        _indicator(r, topics, derive_series(str(r["item"]), books)) for r in _entries(raw)
    )
    ids = [i.id for i in indicators]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate indicator ids in the catalogue")
    return Catalogue(
        version=int(raw["version"]),
        waves=tuple(books),
        geography=Geography(
            code_list_by_wave={w: b.code_list_year for w, b in books.items()},
            always_comparable=tuple(geo["always_comparable"]),
            never_comparable=tuple(geo["never_comparable"]),
        ),
        indicators=indicators,
    )
