"""One Pandera schema for the harmonized responses of every wave.

Column contract (one row per accepted respondent of a unit's current delivery):
Text columns are categorical (dictionary-encoded in Parquet), but respondent_key, which is
unique per row, is plain text (pandas `str`).
- identity and provenance: wave, unit_id, unit_type, respondent_key, source_file, source_sha256,
  source_row
- geography: unit_name, kommune_id (the wave's code list; a bydel's is 0301), kommune_id_2024
  (null when a split makes it unknowable), split_2024, county_id, rhf_id, population, size_class
- background: gender, age_band, age_years, lar, main_activity, service_1..6, response_date, channel
- filters and categorical items: inpatient_last_2y, has_children_u18, children_talk_offered
- every degree item X as X (Int8, 1 = I svært liten grad … 5 = I svært stor grad, null unless
  answered on the scale) and X_missing (null when answered; vet_ikke, ikke_aktuelt, ubesvart or
  ikke_spurt when the wave did not ask it)
No free text ever appears here.
"""

from __future__ import annotations

from functools import lru_cache

import pandera.pandas as pa

from schemas.questionnaire import DEGREE_CODES, missing_column, questionnaire

UNIT_TYPES = ("kommune", "bydel")
RHF_IDS = ("HSO", "HV", "HMN", "HN")
SIZE_CLASSES = ("s1_under_5000", "s2_5000_19999", "s3_20000_49999", "s4_50000_plus")
CHANNELS = ("web", "papir")


def _text(values=None, nullable: bool = False, regex: str | None = None) -> pa.Column:
    checks = []
    if values is not None:
        allowed = frozenset(values)
        checks.append(pa.Check(lambda s: s.isna() | s.isin(allowed), name="isin"))
    if regex is not None:
        checks.append(pa.Check(lambda s, r=regex: _categories_match(s, r), name=f"matches {regex}"))
    return pa.Column("category", checks=checks, nullable=nullable)


@lru_cache(maxsize=1)
def harmonized_schema() -> pa.DataFrameSchema:
    q = questionnaire()
    columns: dict[str, pa.Column] = {
        "wave": pa.Column("int16", pa.Check.in_range(2000, 2100)),
        "unit_id": _text(regex=r"^\d{4}(\d{2})?$"),
        "unit_type": _text(UNIT_TYPES),
        "unit_name": _text(),
        "respondent_key": pa.Column(
            "str", pa.Check.str_matches(r"^[0-9a-f]{16}$", name="matches ^[0-9a-f]{16}$")
        ),
        "source_file": _text(),
        "source_sha256": _text(regex=r"^[0-9a-f]{64}$"),
        "source_row": pa.Column("int32", pa.Check.ge(1)),
        "kommune_id": _text(regex=r"^\d{4}$"),
        "kommune_id_2024": _text(regex=r"^\d{4}$", nullable=True),
        "split_2024": pa.Column(bool),
        "county_id": _text(regex=r"^\d{2}$"),
        "rhf_id": _text(RHF_IDS),
        "population": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "size_class": _text(SIZE_CLASSES),
        "age_years": pa.Column("Int16", pa.Check.in_range(18, 110), nullable=True),
        "response_date": pa.Column("datetime64[ms]", nullable=True),
        "channel": _text(CHANNELS, nullable=True),
    }
    for item in q.categorical_items:
        columns[item] = _text(q.categorical_values(item), nullable=True)
    for service in q.services:
        columns[service] = pa.Column("boolean", nullable=True)
    for item in q.degree_items:
        columns[item] = pa.Column("Int8", pa.Check.isin(list(DEGREE_CODES)), nullable=True)
        columns[missing_column(item)] = _text(q.missing_kinds, nullable=True)
    return pa.DataFrameSchema(
        columns,
        strict=True,
        ordered=False,
        unique=["wave", "respondent_key"],
        checks=[
            pa.Check(_answer_xor_missing, name="each degree item has an answer or a missing kind")
        ],
    )


def _categories_match(series, regex: str) -> bool:
    """Every distinct value matches (checked once per category, not per row)."""
    categories = series.astype("category").cat.categories.astype(str)
    return bool(categories.str.fullmatch(regex).all())


def _answer_xor_missing(df) -> bool:
    q = questionnaire()
    ok = True
    for item in q.degree_items:
        ok &= bool((df[item].isna() != df[missing_column(item)].isna()).all())
    return ok


def harmonized_columns() -> list[str]:
    """The harmonized columns in their canonical order."""
    return list(harmonized_schema().columns)
