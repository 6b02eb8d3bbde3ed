"""Wave codebooks (schemas/codebooks/<wave>.yaml) loaded into typed, validated objects.

A codebook is the only wave-specific knowledge the pipeline has: reader options, the unit and
respondent columns, value sets (raw code → label → harmonized value), the raw → harmonized
variable map, skip logic and validation rules. Adding a wave means adding a codebook.
Extra codebook folders can be named in BRUKERSTEMME_CODEBOOKS (os.pathsep-separated).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from schemas.questionnaire import questionnaire

CODEBOOK_DIR = Path(__file__).with_name("codebooks")
CODEBOOK_PATH_ENV = "BRUKERSTEMME_CODEBOOKS"
VARIABLE_TYPES = ("values", "code_list", "birth_year", "integer", "date")
READER_FORMATS = ("spss", "csv", "xlsx")
_SPACES = re.compile(r"\s+")


class CodebookError(ValueError):
    """A codebook file is malformed or inconsistent with the harmonized questionnaire."""


def normalize_label(value: object) -> str:
    """Label text as compared: trimmed, inner whitespace collapsed, case folded."""
    return _SPACES.sub(" ", str(value)).strip().casefold()


def normalize_code(value: object) -> str:
    """A code as text: 4, 4.0, '4', ' 4 ' and '4.0' all become '4'; other text is a label."""
    text = str(value).strip()
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return normalize_label(text)
    if number.is_integer():
        return str(int(number))
    return text


@dataclass(frozen=True)
class ValueSet:
    name: str
    match: (
        str  # "codes": raw values are codes looked up in `codes`; "labels": raw values are labels
    )
    codes: dict[str, str]  # normalized raw code → label text
    labels: dict[str, Any]  # normalized label → harmonized value
    blank: Any  # harmonized value of an empty cell

    def harmonize(self, token: str) -> tuple[bool, Any]:
        """(known, harmonized value) for a normalized raw token (code or label)."""
        label = self.codes.get(token) if self.match == "codes" else token
        if label is None:
            return False, None
        key = normalize_label(label)
        if key not in self.labels:
            return False, None
        return True, self.labels[key]

    def accepted_tokens(self) -> set[str]:
        if self.match == "codes":
            return {c for c, label in self.codes.items() if normalize_label(label) in self.labels}
        return set(self.labels)


@dataclass(frozen=True)
class Variable:
    raw: str
    to: str
    type: str = "values"
    values: str | None = None
    separator: str = ","
    codes: dict[str, str] = field(default_factory=dict)  # code_list: code → harmonized column
    reference_year: int | None = None
    formats: tuple[str, ...] = ()

    def targets(self) -> list[str]:
        return list(self.codes.values()) if self.type == "code_list" else [self.to]


@dataclass(frozen=True)
class SkipRule:
    filter: str
    closed_value: str
    items: tuple[str, ...]


@dataclass(frozen=True, eq=False)  # identity hash: codebooks are loaded once and cached
class Codebook:
    wave: int
    version: int
    title: str
    code_list_year: int
    file_name_pattern: re.Pattern[str]
    reader: dict[str, Any]
    unit_column: str | None
    unit_name_column: str | None
    respondent_id: str
    free_text: tuple[str, ...]
    value_sets: dict[str, ValueSet]
    variables: dict[str, Variable]
    ignored: dict[str, str]
    skip_logic: tuple[SkipRule, ...]
    rules: dict[str, Any]
    source: Path
    delivery: dict[str, Any] = field(default_factory=dict)  # how the vendor writes files
    # items whose series breaks at this wave (changed wording or scale): item → reason
    series_breaks: dict[str, str] = field(default_factory=dict)

    @property
    def format(self) -> str:
        return str(self.reader["format"])

    def known_columns(self) -> set[str]:
        """Every raw column the codebook maps, uses as identifier or deliberately ignores."""
        cols = set(self.variables) | set(self.free_text) | set(self.ignored)
        cols |= {c for c in (self.unit_column, self.unit_name_column, self.respondent_id) if c}
        return cols

    def harmonized_targets(self) -> set[str]:
        return {t for v in self.variables.values() for t in v.targets()}

    def age_bounds(self) -> tuple[int, int]:
        rule = self.rules.get("age_years", {"min": 18, "max": 110})
        return int(rule["min"]), int(rule["max"])


def _value_set(name: str, raw: dict[str, Any]) -> ValueSet:
    match = raw.get("match", "labels")
    if match not in ("codes", "labels"):
        raise CodebookError(f"value set {name}: match must be codes or labels, not {match!r}")
    codes = {normalize_code(k): str(v) for k, v in (raw.get("codes") or {}).items()}
    labels = {normalize_label(k): v for k, v in (raw.get("labels") or {}).items()}
    if match == "codes" and not codes:
        raise CodebookError(f"value set {name}: match: codes needs codes")
    unmapped = [label for label in codes.values() if normalize_label(label) not in labels]
    if unmapped:
        raise CodebookError(f"value set {name}: labels without a harmonized value: {unmapped}")
    return ValueSet(name, match, codes, labels, raw.get("blank"))


def _variable(raw_name: str, raw: dict[str, Any], value_sets: dict[str, ValueSet]) -> Variable:
    kind = raw.get("type", "values")
    if kind not in VARIABLE_TYPES:
        raise CodebookError(f"variable {raw_name}: unknown type {kind!r}")
    if kind == "values" and raw.get("values") not in value_sets:
        raise CodebookError(f"variable {raw_name}: unknown value set {raw.get('values')!r}")
    return Variable(
        raw=raw_name,
        to=str(raw["to"]),
        type=kind,
        values=raw.get("values"),
        separator=str(raw.get("separator", ",")),
        codes={normalize_code(k): str(v) for k, v in (raw.get("codes") or {}).items()},
        reference_year=raw.get("reference_year"),
        formats=tuple(raw.get("formats") or ()),
    )


def parse_codebook(raw: dict[str, Any], source: Path) -> Codebook:
    try:
        value_sets = {n: _value_set(n, v) for n, v in (raw.get("value_sets") or {}).items()}
        variables = {n: _variable(n, v, value_sets) for n, v in raw["variables"].items()}
        reader = dict(raw["reader"])
        if reader.get("format") not in READER_FORMATS:
            raise CodebookError(f"reader.format must be one of {READER_FORMATS}")
        codebook = Codebook(
            wave=int(raw["wave"]),
            version=int(raw.get("version", 1)),
            title=str(raw.get("title", f"Bølge {raw['wave']}")),
            code_list_year=int(raw["code_list_year"]),
            file_name_pattern=re.compile(raw["file_name_pattern"]),
            reader=reader,
            unit_column=raw["unit"].get("column"),
            unit_name_column=raw["unit"].get("name_column"),
            respondent_id=str(raw["respondent_id"]),
            free_text=tuple(raw.get("free_text") or ()),
            value_sets=value_sets,
            variables=variables,
            ignored={str(k): str(v) for k, v in (raw.get("ignored") or {}).items()},
            skip_logic=tuple(
                SkipRule(r["filter"], str(r["closed_value"]), tuple(r["items"]))
                for r in raw.get("skip_logic") or ()
            ),
            rules=dict(raw.get("rules") or {}),
            source=source,
            delivery=dict(raw.get("delivery") or {}),
            series_breaks={str(k): str(v) for k, v in (raw.get("series_breaks") or {}).items()},
        )
    except (KeyError, TypeError, re.error) as exc:
        raise CodebookError(f"{source}: {exc!r}") from exc
    _check_targets(codebook)
    return codebook


def _check_targets(codebook: Codebook) -> None:
    q = questionnaire()
    allowed = set(q.degree_items) | set(q.categorical_items) | set(q.services)
    allowed |= {"age_years", "response_date", "channel"}
    unknown = codebook.harmonized_targets() - allowed
    if unknown:
        raise CodebookError(f"{codebook.source}: unknown harmonized targets {sorted(unknown)}")
    unasked = set(codebook.series_breaks) - codebook.harmonized_targets()
    if unasked:
        raise CodebookError(
            f"{codebook.source}: series_breaks for items not asked: {sorted(unasked)}"
        )
    if codebook.unit_column is None and codebook.unit_name_column is None:
        raise CodebookError(f"{codebook.source}: unit needs a column or a name_column")
    if "unit" not in codebook.file_name_pattern.groupindex:
        raise CodebookError(f"{codebook.source}: file_name_pattern needs a (?P<unit>…) group")


def codebook_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(CODEBOOK_PATH_ENV, "").split(os.pathsep) if p]
    return [CODEBOOK_DIR, *extra]


def load_codebook(path: Path) -> Codebook:
    return parse_codebook(yaml.safe_load(path.read_text(encoding="utf-8")), path)


@lru_cache(maxsize=8)
def _load_all(dirs: tuple[Path, ...]) -> dict[int, Codebook]:
    books: dict[int, Codebook] = {}
    for folder in dirs:
        for path in sorted(folder.glob("*.yaml")):
            book = load_codebook(path)
            if book.wave in books:
                raise CodebookError(
                    f"wave {book.wave} has two codebooks: {path}, {books[book.wave].source}"
                )
            books[book.wave] = book
    return dict(sorted(books.items()))


def codebooks() -> dict[int, Codebook]:
    """Every known wave's codebook, keyed by wave."""
    return _load_all(tuple(codebook_dirs()))


def codebook_for(wave: int) -> Codebook:
    books = codebooks()
    if wave not in books:
        raise CodebookError(f"no codebook for wave {wave}; known waves: {sorted(books)}")
    return books[wave]
