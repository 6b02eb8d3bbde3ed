"""The harmonized questionnaire (schemas/items.yaml) as typed Python objects."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

ITEMS_FILE = Path(__file__).with_name("items.yaml")
DEGREE_CODES = (1, 2, 3, 4, 5)
POSITIVE_DEGREE_CODES = (4, 5)
NEGATIVE_DEGREE_CODES = (1, 2)


@dataclass(frozen=True)
class Questionnaire:
    version: int
    topics: dict[str, str]
    missing_kinds: dict[str, str]
    degree_items: dict[str, dict[str, str]]
    categorical_items: dict[str, dict]
    services: tuple[str, ...]

    def categorical_values(self, item: str) -> tuple[str, ...]:
        return tuple(str(v) for v in self.categorical_items[item]["values"])


@lru_cache(maxsize=1)
def questionnaire() -> Questionnaire:
    raw = yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8"))
    return Questionnaire(
        version=int(raw["version"]),
        topics=dict(raw["topics"]),
        missing_kinds=dict(raw["missing_kinds"]),
        degree_items=dict(raw["degree_items"]),
        categorical_items=dict(raw["categorical_items"]),
        services=tuple(raw["services"]),
    )


def short_label(item: str) -> str:
    """The item's short label (charts, tables) from items.yaml; the id if it has none."""
    q = questionnaire()
    spec = q.degree_items.get(item) or q.categorical_items.get(item) or {}
    return str(spec.get("short") or item)


def missing_column(item: str) -> str:
    """Name of the column holding a degree item's missing kind."""
    return f"{item}_missing"
